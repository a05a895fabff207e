#!/usr/bin/env bash
# Start-up as ranks grow (issue 14): a 1-task sweep on N = 2..64 oversubscribed ranks. Per N, medians of REPEAT:
# launch + MPI_Init + MPI_Finalize (a C program that does only that; `mpirun -n 32 true` hangs in Open MPI here),
# the whole mpisweep command, and the run itself (the runner's own clock: scheduling the one task, its write).
# The rest = whole - run - MPI alone: the spec (read on rank 0, broadcast), the HDF5 file's collective creation
# and its close.
. "$(dirname "$0")/lib.sh"
printf 'sweep: one\nexperiment: noop\n' > "$WORK/one.yaml"
printf '#include <mpi.h>\nint main(int c, char **v) { MPI_Init(&c, &v); MPI_Finalize(); return 0; }\n' > "$WORK/init.c"
mpicc -o "$WORK/init" "$WORK/init.c"
echo "## 10. Start-up as ranks grow: a 1-task sweep"
echo
echo "| ranks | launch + MPI_Init + MPI_Finalize (s) | whole command (s) | the run itself (s) | spec + file creation + close (s) |"
echo "| --- | --- | --- | --- | --- |"
for n in ${STARTUP_RANKS:-2 4 8 16 32 64}; do
  launch=() whole=() inner=()
  for _ in $(seq "$REPEAT"); do
    t0=$(now); mpirun -n "$n" "$WORK/init"; t1=$(now); launch+=("$(calc "$t1 - $t0")")
    t0=$(now)
    mpirun -n "$n" "$MPISWEEP" run "$WORK/one.yaml" -o "$WORK/one.h5" --overwrite --progress none 2> "$WORK/one.log"
    t1=$(now); whole+=("$(calc "$t1 - $t0")") inner+=("$(run_seconds "$WORK/one.log")")
  done
  l=$(median "${launch[@]}") w=$(median "${whole[@]}") i=$(median "${inner[@]}")
  echo "| $n | $(stats "${launch[@]}") | $(stats "${whole[@]}") | $(stats "${inner[@]}") | $(calc "round($w - $i - $l, 3)") |"
done
