# A 1-minute time limit on the 3-node cluster (nodes.sh), shorter than the sweep: slurm/submit scales the margins to
# the limit (warning 11 s before the end, --grace 6, --deadline-margin 10, instead of 180/120/60, which would stop
# every run as soon as it starts); the warning reaches the batch shell and every rank on every node drains, the file
# is closed cleanly (a collective close: all 6 ranks took part), the job requeues itself and completes; every task
# ran once and the deterministic sweep equals a local 1-rank run. A limit too short to work in is refused at submit
# time with the limit that would work. A chain that would need more runs than it may requeue (200 s of work on one
# rank, at most 2 requeues of a 1-minute job) stops after its first run with exit 3 and says what to change.
. "$(dirname "$0")/lib.sh"
SW_SLURM_CPUS=3
nodes_start 3
expect_exit 2 "submit refuses a 30 s limit" "$SUBMIT" "$SPECS/noop.yaml" -o refused.h5 -N 3 --time=0:30
expect_log "the time limit (30 s) is too short"
expect_log "Use --time=1 or more"
[ ! -e refused.h5 ] && [ -z "$(squeue -h)" ] || fail "a refused submission left a file or a job"

"$SUBMIT" "$SPECS/noop.yaml" -o dry.h5 -N 3 --time=1 --dry-run 2> /dev/null | grep -q -- "--time=1 --signal=B:USR1@11$" ||
  fail "submit --dry-run does not ask sbatch for the scaled warning (--signal=B:USR1@11)"
pass "the scaled warning lead reaches sbatch (--signal=B:USR1@11)"
submit_job job "$SPECS/shortlimit.yaml" "$SPECS/noop.yaml" -o short.h5 -N 3 --ntasks-per-node 2 --time=1
grep -q "time limit 60 s: warning 11 s before the end, --grace 6, --deadline-margin 10" job.submit.log ||
  { cat job.submit.log; fail "submit did not scale the margins to the limit"; }
pass "submit scaled the margins to the 1-minute limit"
submit_job slow "$SPECS/slow.yaml" -o slow.h5 -N 1 -n 1 --time=1 --max-restarts 2
"$MPISWEEP" run "$SPECS/noop.yaml" -o ref.h5 --progress none > /dev/null 2>&1 || fail "the local reference run failed"
wait_job "$slow" 150
expect_job "$slow" FAILED 3 0
expect_in_log "$slow" "more than the 2 requeues left (MPISWEEP_MAX_RESTARTS=2); not requeued"
expect_exit 3 "slow.h5 has tasks pending" "$MPISWEEP" status slow.h5
wait_job "$job" 280
expect_job "$job" COMPLETED 0 +
expect_in_log "$job" "time-limit warning received"
expect_in_log "$job" "mpisweep: stopped by a signal"
expect_in_log "$job" "(job $job, run 1): tasks pending: requeueing this job"
expect_in_log "$job" "the sweep is complete"
clean_runs short.h5 shortlimit
[ "$runs" -ge 2 ] || fail "short.h5 was written by $runs run(s), expected at least 2"
[ "$ran" -eq 550 ] || fail "the runs of short.h5 ran $ran tasks in all, expected each of the 330 + 220 once"
pass "short.h5 was written by $runs runs, each closed it cleanly, together they ran each task once"
[ "$(sweep_counts short.h5 shortlimit)" = "330 0 0 0" ] || fail "short.h5: $(sweep_counts short.h5 shortlimit)"
"$MPISWEEP" status short.h5 | grep -q "run started: 6 ranks on" || fail "short.h5 was not written by 6 ranks"
same_results ref.h5 short.h5 noop x_out k_out u u_mean task_status
done_testing
