# where: tasks the filter leaves out are marked excluded before the first task runs, never run, not pending; the
# tasks it keeps are bit-identical to the same tasks of the unfiltered grid; resume runs nothing more; status, plan
# and the loader count and mask them.
. "$(dirname "$0")/lib.sh"
data=$SW_TESTS/../data/runner
expect_exit 0 "plan" "$MPISWEEP" plan "$data/where.yaml"
expect_log "tasks: 64 (28 excluded by where:, 36 to run)"
expect_exit 0 "a 2-rank run of the triangle" mpirun_sweep 2 run "$data/where.yaml" -o w.h5 --progress none
expect_log "this run: 36 tasks"
expect_log "36 ok, 0 failed, 0 pending of 36"
expect_exit 0 "the full grid" mpirun_sweep 2 run "$data/where_full.yaml" -o full.h5 --progress none
expect_exit 0 "status" "$MPISWEEP" status w.h5
expect_log "excluded by where: 28 (never run)"
expect_exit 0 "--resume of the finished triangle" mpirun_sweep 2 run "$data/where.yaml" -o w.h5 --resume --progress none
expect_log "this run: 0 tasks"
PYTHONPATH=$SW_SOURCE/analysis /usr/bin/python3 - <<'P' || fail "the excluded tasks in the file"
import h5py, numpy as np, mpisweep
fw, ff = h5py.File("w.h5", "r", locking=False), h5py.File("full.h5", "r", locking=False)
w, full = fw["triangle"], ff["triangle"]
x, k = w["x"][:], w["k"][:]
out = (k[None, :] > x[:, None]) | ((x[:, None] == 4) & (k[None, :] == 1))
st = w["task_status"][:]
assert (st[out] == 8).all() and (st[~out] == 1).all(), st[..., 0, 0]
assert np.isnan(w["u"][:][out]).all() and (w["task_rank"][:][out] == -1).all()
np.testing.assert_array_equal(w["u"][:][~out], full["u"][:][~out])   # same numbers as in the full grid
np.testing.assert_array_equal(w["u_mean"][:][~out], full["u_mean"][:][~out])
assert w.attrs["n_excluded"] == 28
ds = mpisweep.open_sweep("w.h5", "triangle")
assert ds.attrs["tasks_excluded"] == 28 and ds.attrs["tasks_ok"] == 36 and ds.attrs["complete"]
assert ds["u"].isnull().sum() == 28
assert (mpisweep.status_labels(ds).values[out] == "excluded").all()
print("excluded tasks are marked, masked and never run; kept tasks match the full grid")
P
pass "excluded tasks are marked, masked and never run; the kept ones equal the full grid's"
done_testing
