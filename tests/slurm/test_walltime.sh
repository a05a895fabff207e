# Sweeps longer than their 1-minute time limit. Three jobs run side by side:
#  deadline: the runner finds the job's end time by itself and stops starting tasks before end - margin (40 s);
#            the job requeues itself and completes in a later run. (Its warning, asked for 5 s before the end,
#            cannot come before 25 s into a run; the run has stopped by then.)
#  warning:  Slurm's early warning (B:USR1, asked for 59 s before the end: it comes at slurmctld's first time-limit
#            check, at most about 31 s into the job) reaches the ranks through the job script; they drain, close
#            the file, the job requeues itself and completes in a later run.
#  bounded:  like deadline, but with --max-restarts 0: the chain stops after the first run with exit 3.
#  stuck:    tasks of 10 minutes in a 1-minute job: the warning stops the run (--grace 1 abandons the running task)
#            with no task finished, and the job does not requeue itself into the same fate again and again.
# Every run closes the file cleanly, no task is lost or run twice, and the results equal a local run's.
. "$(dirname "$0")/lib.sh"
cluster_start
noop_reference

submit_job deadline "$SPECS/noop.yaml" "$SPECS/deadline.yaml" -o deadline.h5 -n 2 --time=1 --signal=B:USR1@5 \
  --deadline-margin 40
submit_job warning "$SPECS/noop.yaml" "$SPECS/warning.yaml" -o warning.h5 -n 2 --time=1 --signal=B:USR1@59 \
  --deadline-margin 5
submit_job bounded "$SPECS/noop.yaml" "$SPECS/deadline.yaml" -o bounded.h5 -n 1 --time=1 --signal=B:USR1@5 \
  --deadline-margin 40 --max-restarts 0
submit_job stuck "$SPECS/stuck.yaml" -o stuck.h5 -n 1 --time=1 --signal=B:USR1@59 --grace 1
wait_job "$bounded" 150
wait_job "$stuck" 150
wait_job "$deadline" 200
wait_job "$warning" 240

expect_job "$deadline" COMPLETED 0 +
expect_in_log "$deadline" "mpisweep: stopped before the deadline"
expect_in_log "$deadline" "(job $deadline, run 1): tasks pending: requeueing this job"
expect_in_log "$deadline" "(job $deadline, run 2): starting"
expect_in_log "$deadline" "the sweep is complete"
! grep -q "time-limit warning received" "$(job_log "$deadline")" || fail "the deadline job's runs were warned: too slow?"
clean_runs deadline.h5 deadline
[ "$runs" -ge 2 ] || fail "deadline.h5 was written by $runs run(s), expected at least 2"
[ "$ran" -eq 270 ] || fail "the runs of deadline.h5 ran $ran tasks in all, expected each of the 270 once"
pass "deadline.h5 was written by $runs runs, each closed it cleanly, together they ran each of its 270 tasks once"
[ "$(sweep_counts deadline.h5 deadline)" = "50 0 0 0" ] || fail "deadline.h5: $(sweep_counts deadline.h5 deadline)"
same_noop deadline.h5

expect_job "$warning" COMPLETED 0 +
expect_in_log "$warning" "time-limit warning received"
expect_in_log "$warning" "mpisweep: stopped by a signal"
expect_in_log "$warning" "(job $warning, run 1): tasks pending: requeueing this job"
expect_in_log "$warning" "the sweep is complete"
clean_runs warning.h5 warning
[ "$ran" -eq 300 ] || fail "the runs of warning.h5 ran $ran tasks in all, expected each of the 300 once"
pass "warning.h5 was written by $runs runs, each closed it cleanly, together they ran each of its 300 tasks once"
[ "$(sweep_counts warning.h5 warning)" = "80 0 0 0" ] || fail "warning.h5: $(sweep_counts warning.h5 warning)"
same_noop warning.h5

expect_job "$bounded" FAILED 3 0
expect_in_log "$bounded" "mpisweep: stopped before the deadline"
expect_in_log "$bounded" "requeued 0 times (MPISWEEP_MAX_RESTARTS=0); not requeued"
expect_exit 3 "bounded.h5 has tasks pending and resumes" "$MPISWEEP" status bounded.h5
clean_runs bounded.h5 deadline
[ "$runs" -eq 1 ] || fail "bounded.h5 was written by more than one run"
pass "the chain stopped after one run, as --max-restarts 0 asks"

expect_job "$stuck" FAILED 3 0
expect_in_log "$stuck" "time-limit warning received"
expect_in_log "$stuck" "no task finished in this run; not requeued"
expect_exit 3 "stuck.h5 has its tasks pending" "$MPISWEEP" status stuck.h5

# The log was appended to by every run, not overwritten.
for id in "$deadline" "$warning"; do
  [ "$(grep -c "mpisweep.sbatch (job $id, run [0-9]*): starting" "$(job_log "$id")")" -eq $(($(job_field "$id" Restarts) + 1)) ] ||
    fail "job $id's log does not hold every run"
done
pass "each log holds every run of its job"
done_testing
