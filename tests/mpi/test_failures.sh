# Failed and non-finite tasks are recorded with their messages while the sweep goes on; --max-failures stops the
# hand-out and marks the rest skipped; --resume --retry-failed runs them again.
. "$(dirname "$0")/lib.sh"
data=$SW_TESTS/../data/runner
expect_exit 1 "a sweep with failing tasks exits 1" mpirun_sweep 2 run "$data/failing.yaml" -o f.h5 --progress none
# Exit 1 under a launcher: mpisweep's summary comes first; Open MPI's mpirun then prints its abort banner for any
# non-zero exit, which rank 0 explains beforehand; MPICH's mpiexec prints none.
summary=$(grep -n "mpisweep: complete" last.log | head -1 | cut -d: -f1)
[ -n "$summary" ] || { cat last.log >&2; fail "no summary line under the launcher"; }
banner=$(grep -n "^Primary job" last.log | head -1 | cut -d: -f1)
case "$SW_MPI_FLAVOUR" in
  openmpi)
    note=$(grep -n "exit 1 (some tasks failed) is mpisweep's own exit code" last.log | head -1 | cut -d: -f1)
    [ -n "$note" ] && [ "$note" -lt "${banner:-999999}" ] || { cat last.log >&2; fail "the note must precede mpirun's banner"; }
    pass "Open MPI: summary, then the note explaining mpirun's banner, then the banner" ;;
  mpich)
    [ -z "$banner" ] && ! grep -q "BAD TERMINATION" last.log || { cat last.log >&2; fail "MPICH printed an abort banner"; }
    pass "MPICH: the summary and no abort banner" ;;
esac
expect_exit 1 "status of a complete file with failures exits 1" "$MPISWEEP" status f.h5
expect_log "20 done, 0 pending, 40 failed, 0 skipped"
expect_log "failed on purpose (fail = 1, value = 3)"
expect_log "non_finite: 20"
expect_log "output 'result' element 0 is nan"
/usr/bin/python3 - <<'P' || fail "failed tasks' outputs"
import h5py, numpy as np
g = h5py.File('f.h5')['failing']
st, res = g['task_status'][...], g['result'][...]
assert st.shape == (20, 3), st.shape  # dims: value (grid), then point (zip)
assert (st[:, 0] == 1).all() and (st[:, 1] == 2).all() and (st[:, 2] == 3).all(), st
assert np.isnan(res[:, 1]).all() and np.isnan(res[:, 2]).all(), "failed tasks' outputs must be NaN"
assert np.array_equal(res[:, 0], np.arange(20.0)), res[:, 0]
P
pass "outputs of failed tasks are NaN, the others intact"

expect_exit 1 "--max-failures 5 stops the hand-out" mpirun_sweep 0 run "$data/failing.yaml" -o m.h5 --max-failures 5 --chunk 1 --progress none
expect_log "stopped after --max-failures"
counts=$(status_counts m.h5); set -- $counts
[ "$4" -gt 0 ] && [ "$3" -ge 5 ] || fail "expected >= 5 failed and some skipped, got $counts"
pass "max-failures: $3 failed, $4 skipped"
expect_exit 1 "--resume runs the skipped tasks" mpirun_sweep 0 run "$data/failing.yaml" -o m.h5 --resume --progress none
counts=$(status_counts m.h5); set -- $counts
[ "$2" -eq 0 ] && [ "$4" -eq 0 ] || fail "after resume: $counts"
pass "after --resume nothing is pending or skipped"
expect_exit 1 "--retry-failed reruns the failed tasks" mpirun_sweep 0 run "$data/failing.yaml" -o m.h5 --resume --retry-failed --progress none
[ "$(ran_tasks)" -eq 40 ] || fail "--retry-failed ran $(ran_tasks) tasks, expected the 40 failed ones"
pass "--retry-failed ran exactly the 40 failed tasks"
expect_exit 2 "--retry-failed needs --resume" "$MPISWEEP" run "$data/failing.yaml" -o n.h5 --retry-failed
done_testing
