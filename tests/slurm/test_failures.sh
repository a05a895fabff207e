# A sweep with failing tasks ends the chain with exit 1 and is not requeued, through srun and through mpirun; the
# file holds the same results and failure counts as a local run.
. "$(dirname "$0")/lib.sh"
cluster_start
expect_exit 1 "local reference run of the failing sweep (mpirun -n 2)" \
  mpirun_sweep 2 run "$SPECS/failing.yaml" -o ref.h5 --progress none

for l in srun mpirun; do
  submit_job job_$l "$SPECS/failing.yaml" -o $l.h5 -n 2 --time=5 --launcher $l
done
for l in srun mpirun; do
  id=job_$l
  id=${!id}
  wait_job "$id" 90
  expect_job "$id" FAILED 1 0
  expect_in_log "$id" "the sweep ended with failed tasks"
  expect_in_log "$id" "not requeued"
  expect_exit 1 "status of $l.h5: complete, with failures" "$MPISWEEP" status $l.h5
  [ "$(sweep_counts $l.h5 failing)" = "10 0 20 0" ] || fail "$l.h5: $(sweep_counts $l.h5 failing), expected 10 ok, 20 failed"
  same_results ref.h5 $l.h5 failing result task_status
  # The failure log is in arrival order, which differs between runs; its contents must not.
  [ "$("$MPISWEEP" status $l.h5 | grep -E '^  (failed|non_finite):')" = "$("$MPISWEEP" status ref.h5 | grep -E '^  (failed|non_finite):')" ] ||
    fail "$l.h5 records other failures than ref.h5"
  pass "$l.h5 records the same failures (10 failed, 10 non_finite) as ref.h5"
done
done_testing
