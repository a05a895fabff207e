# scancel in the middle of a sweep (Slurm sends SIGTERM), through srun and through mpirun: the ranks stop, the file
# is closed cleanly with tasks pending, the job is NOT requeued (the user cancelled it) and ends CANCELLED; the same
# submit command again resumes it to completion, with results equal to a local run's. And the warning sent by hand
# (scancel --signal=USR1 --batch) makes a job drain and requeue itself, as Slurm's own warning does.
. "$(dirname "$0")/lib.sh"
cluster_start
noop_reference

for l in srun mpirun; do
  submit_job job_$l "$SPECS/noop.yaml" "$SPECS/cancel.yaml" -o $l.h5 -n 2 --time=5 --launcher $l
done
submit_job manual "$SPECS/noop.yaml" "$SPECS/cancel.yaml" -o manual.h5 -n 2 --time=5
# Cancel once each sweep is under way: some tasks done, most pending.
for l in srun mpirun manual; do
  for _ in $(seq 600); do
    c=$(sweep_counts $l.h5 cancel | cut -d' ' -f1)
    [ -n "$c" ] && [ "$c" -ge 2 ] && break
    sleep 0.1
  done
  [ -n "$c" ] && [ "$c" -ge 2 ] || fail "$l.h5 never got under way"
done
scancel "$job_srun" "$job_mpirun"
pass "scancel $job_srun $job_mpirun in the middle of their sweeps"
scancel --signal=USR1 --batch "$manual"
pass "scancel --signal=USR1 --batch $manual in the middle of its sweep"

for l in srun mpirun; do
  id=job_$l
  id=${!id}
  wait_job "$id" 60
  expect_job "$id" CANCELLED 3 0
  expect_in_log "$id" "terminated by Slurm (reason: None)"
  expect_in_log "$id" "cancelled with tasks pending; not requeued"
  set -- $(sweep_counts $l.h5 cancel)
  [ "$#" -eq 4 ] && [ "$2" -gt 0 ] && [ "$3" -eq 0 ] || fail "$l.h5 after scancel: '$*', expected tasks pending, none failed"
  expect_exit 3 "$l.h5 after scancel: $1 done, $2 pending; status says resumable" "$MPISWEEP" status $l.h5
  clean_runs $l.h5 cancel
  pass "the cancelled $l run closed $l.h5 cleanly"
done

# The same command again continues where the cancelled job stopped.
for l in srun mpirun; do
  submit_job again_$l "$SPECS/noop.yaml" "$SPECS/cancel.yaml" -o $l.h5 -n 2 --time=5 --launcher $l
done
for l in srun mpirun; do
  id=again_$l
  id=${!id}
  wait_job "$id" 90
  expect_job "$id" COMPLETED 0 0
  [ "$(sweep_counts $l.h5 cancel)" = "24 0 0 0" ] || fail "$l.h5 after resubmission: $(sweep_counts $l.h5 cancel)"
  clean_runs $l.h5 cancel
  [ "$runs" -eq 2 ] || fail "$l.h5 should have been written by exactly two runs"
  [ "$ran" -eq 244 ] || fail "the two runs of $l.h5 ran $ran tasks, expected each of the 244 once"
  pass "resubmitted: $l.h5 complete after two runs that ran each of its 244 tasks once"
  same_noop $l.h5
done

wait_job "$manual" 90
expect_job "$manual" COMPLETED 0 1
expect_in_log "$manual" "time-limit warning received"
expect_in_log "$manual" "(job $manual, run 1): tasks pending: requeueing this job"
clean_runs manual.h5 cancel
[ "$runs" -eq 2 ] && [ "$ran" -eq 244 ] || fail "manual.h5: $runs runs ran $ran tasks, expected 2 runs and 244 tasks"
pass "the job drained, requeued itself and completed in its second run, every task once"
same_noop manual.h5
done_testing
