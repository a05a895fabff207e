#!/usr/bin/env bash
# 1. Dispatch: 10^6 noop tasks on 2 ranks, end to end with the HDF5 writes, against mpi4py.futures and GNU parallel.
. "$(dirname "$0")/lib.sh"
N=${DISPATCH_TASKS:-1000000}
cat > "$WORK/dispatch.yaml" <<Y
sweep: dispatch
experiment: noop
grid:
  k: {range: [0, $((N - 1)), 1]}
Y
e2e=() inner=() svc=()
for _ in $(seq "$REPEAT"); do
  t0=$(now)
  mpirun -n 2 "$MPISWEEP" run "$WORK/dispatch.yaml" -o "$WORK/dispatch.h5" --overwrite --progress none 2> "$WORK/d.log"
  t1=$(now)
  e2e+=("$(calc "$N / ($t1 - $t0)")") inner+=("$(calc "$N / $(run_seconds "$WORK/d.log")")") svc+=("$(service_us "$WORK/d.log")")
done
echo "## 1. Dispatch: $N noop tasks on 2 ranks"
echo
echo "| tool | tasks/s, median [min, max] of $REPEAT |"
echo "| --- | --- |"
echo "| mpisweep, whole command (mpirun start-up, file creation, tasks, HDF5 writes, close) | $(stats "${e2e[@]}") |"
echo "| mpisweep, the run itself (tasks and HDF5 writes; the runner's own clock) | $(stats "${inner[@]}") |"
M1=${MPI4PY_TASKS_CHUNK1:-20000}
for cs in 1 16 256 4096; do
  n=$([ "$cs" -eq 1 ] && echo "$M1" || echo "$N")
  rates=()
  for _ in $(seq "$REPEAT"); do rates+=("$(mpirun -n 2 "$PY" "$BENCH_DIR/peers/mpi4py_noop.py" "$n" "$cs")"); done
  echo "| mpi4py.futures MPICommExecutor, chunksize $cs ($n tasks; no file written) | $(stats "${rates[@]}") |"
done
if command -v parallel > /dev/null; then
  rates=()
  for _ in $(seq "$REPEAT"); do
    t0=$(now); seq 2000 | parallel -j2 true; t1=$(now); rates+=("$(calc "2000 / ($t1 - $t0)")")
  done
  echo "| GNU parallel -j2 true (2000 jobs) | $(stats "${rates[@]}") |"
fi
echo
echo "Coordinator service time per work request: $(stats "${svc[@]}") us (adaptive chunks: a run of $N tasks needs only a few dozen requests)."
