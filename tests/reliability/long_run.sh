#!/usr/bin/env bash
# Long-run memory check (a documented command, not part of the test suite; see docs/reliability.md): runs a sweep of
# N cheap tasks (default 10^7, the noop experiment) on R ranks (default 2) and samples every rank's resident memory
# five times a second from /proc (VmRSS now, VmHWM the peak so far). Prints the samples, then per rank the peak and the
# memory at 10 %, 50 % and 90 % of the run: flat memory means the peak is reached early and does not grow with the
# number of tasks done. Then checks the file is complete.
#
# usage: tests/reliability/long_run.sh [--tasks N] [--ranks R] [--draws D] [--mpisweep PATH] [--work DIR]
#   --draws D   uniforms each task draws (default 1: the run takes seconds; 2000 makes 10^7 tasks take minutes)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tasks=10000000 ranks=2 draws=1 work="" mpisweep=${MPISWEEP:-$root/build/mpisweep}
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) tasks=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --draws) draws=$2; shift 2 ;;
    --mpisweep) mpisweep=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "long_run: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
mpisweep=$(readlink -f "$mpisweep")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/mpisweep-long.XXXXXX")
mkdir -p "$work" && cd "$work" || exit 2
k=1000 x=$(( (tasks + 999) / 1000 ))
cat > long.yaml <<EOF
sweep: long-run
experiment: noop
seed: 1
fixed: {draws: $draws}
grid:
  x: {linspace: [0, 1, $x]}
  k: {range: [1, $k, 1]}
EOF
n=$("$mpisweep" plan long.yaml | sed -n 's/^  tasks: //p')
echo "long_run: $n tasks on $ranks ranks into $work/long.h5 (mpisweep $mpisweep)"
rm -f long.h5
t0=$(date +%s.%N)
mpirun -n "$ranks" "$mpisweep" run long.yaml -o long.h5 --progress log > run.log 2>&1 &
pid=$!
: > rss.log
while kill -0 "$pid" 2> /dev/null; do
  t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  for c in $(pgrep -P "$pid"); do
    r=$( (tr '\0' '\n' < "/proc/$c/environ") 2> /dev/null | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
    m=$(awk '/^VmRSS/ { rss = $2 } /^VmHWM/ { hwm = $2 } END { print rss, hwm }' "/proc/$c/status" 2> /dev/null)
    [ -n "$r" ] && [ -n "$m" ] && echo "$t $r $m" >> rss.log
  done
  sleep 0.2
done
wait "$pid"; code=$?
elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
grep -v "^\[" run.log | tail -3
echo "long_run: exit $code after $elapsed s; file $(du -h long.h5 | cut -f1)"
echo "samples (seconds rank VmRSS_kB VmHWM_kB), every 10th:"
awk 'NR % 10 == 1' rss.log
awk -v end="$elapsed" '
  { t[$2, ++n[$2]] = $1; rss[$2, n[$2]] = $3; hwm[$2] = $4 > hwm[$2] ? $4 : hwm[$2] }
  END {
    for (r in n) {
      m = n[r]; a = int(m * 0.1) + 1; b = int(m * 0.5) + 1; c = int(m * 0.9) + 1
      printf "rank %s: peak RSS %.1f MB; RSS at 10%% %.1f MB, 50%% %.1f MB, 90%% %.1f MB of the run (%d samples)\n",
             r, hwm[r] / 1024, rss[r, a] / 1024, rss[r, b] / 1024, rss[r, c] / 1024, m
    }
  }' rss.log | sort
"$mpisweep" status long.h5 | head -1
[ "$code" -eq 0 ] || { echo "long_run: FAIL: the run exited $code" >&2; exit 1; }
echo "long_run: work directory $work (remove it when done)"
