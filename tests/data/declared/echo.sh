#!/bin/sh
# A declared program for tests/mpi/test_programs.sh: echoes its parameter and a function of the task seed.
# Usage: echo.sh X MODE. MODE picks a misbehaviour: ok, crash, signal, hang, garbage, shape, missing, extra.
x=$1 mode=$2
sleep 0.01
case "$mode" in
  crash) echo "echo.sh: cannot converge for x=$x" >&2; exit 3 ;;
  signal) echo "echo.sh: about to crash" >&2; kill -SEGV $$ ;;
  hang) sleep 30 ;;
  garbage) echo "this is not JSON"; exit 0 ;;
  shape) echo '{"y": [1, 2], "s": 0, "v": [1, 2]}'; exit 0 ;;
  missing) echo '{"y": 1}'; exit 0 ;;
  extra) echo '{"y": 1, "s": 2, "v": [1, 2, 3], "z": 4}'; exit 0 ;;
esac
printf '{"y": %s, "s": %s, "v": [%s, %s, %s]}\n' "$x" "$((MPISWEEP_TASK_SEED % 1000003))" "$MPISWEEP_TASK_INDEX" \
  "$MPISWEEP_REPLICATE" "$MPISWEEP_SEED"
