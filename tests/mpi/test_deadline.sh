# A deadline stops the hand-out of tasks that would not finish before it (minus the margin): the run exits 3 well
# before the deadline, and --resume completes the sweep.
. "$(dirname "$0")/lib.sh"
spec=$SW_TESTS/../data/runner/deadline.yaml
t0=$(date +%s)
expect_exit 3 "run with a deadline in 6 s and a 2 s margin" mpirun_sweep 2 run "$spec" -o d.h5 --deadline +6 --deadline-margin 2 --progress none
elapsed=$(( $(date +%s) - t0 ))
expect_log "stopped before the deadline"
[ "$elapsed" -le 7 ] || fail "the run took ${elapsed} s: tasks were started that could not finish before the deadline"
pass "the run ended after ${elapsed} s, before the deadline"
counts=$(status_counts d.h5); set -- $counts
[ "$1" -gt 0 ] && [ "$2" -gt 0 ] || fail "expected some tasks done and some pending, got $counts"
pass "$1 tasks done, $2 left pending for the next allocation"
expect_exit 0 "--resume completes it" mpirun_sweep 2 run "$spec" -o d.h5 --resume --progress none
expect_exit 0 "--deadline given as a date" "$MPISWEEP" run "$SW_TESTS/../data/runner/det.yaml" -o e.h5 --deadline "$(date -d "+1 hour" +%Y-%m-%dT%H:%M:%S)" -q
done_testing
