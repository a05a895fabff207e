# Provenance of code: the file records the mpisweep version and source revision and each sweep's experiment code
# version; --resume refuses a sweep computed by another experiment version (exit 2, file untouched) unless
# --allow-version-change; `mpisweep status` names failed tasks by their parameter values and lists sweeps in spec
# order.
. "$(dirname "$0")/lib.sh"
data=$SW_TESTS/../data
readers=$SW_TESTS/../python/data/readers.yaml
expect_exit 1 "a run of two spec files (a sweep with failures first, then 'layout')" mpirun_sweep 2 run "$readers" "$data/runner/layout.yaml" -o p.h5 --progress none
revision=$("$MPISWEEP" --version | sed -n 's/.*(source revision \(.*\))$/\1/p')
[ -n "$revision" ] || fail "mpisweep --version names no source revision: $("$MPISWEEP" --version)"
/usr/bin/python3 - "$revision" <<'P' || fail "provenance attributes"
import sys, h5py
f = h5py.File("p.h5", "r")
for where in (f, f["layout"], f["axes"]):
    assert where.attrs["mpisweep_revision"] == sys.argv[1], dict(where.attrs)
    assert where.attrs["mpisweep_version"]
assert f["layout"].attrs["experiment_version"] == 1 and f["axes"].attrs["experiment_version"] == 1
assert sys.argv[1] in f["layout"].attrs["versions"]
P
pass "the file records mpisweep_version, mpisweep_revision ($revision) and experiment_version per sweep"

"$MPISWEEP" status p.h5 > status.log
order=$(sed -n 's/^sweep \([^ ]*\) .*/\1/p' status.log | tr '\n' ' ')
[ "$order" = "axes reals-and-failures layout " ] || fail "status lists the sweeps as '$order', not in spec order"
pass "status lists the sweeps in spec order: $order"
grep -q "task 1 (value=0.5, fail=1, nan=0; rank [01], failed): failed on purpose" status.log || { cat status.log; fail "status does not name the failed task's parameter values"; }
pass "status names failed tasks by their parameter values"

/usr/bin/python3 -c 'import h5py; h5py.File("p.h5", "r+")["layout"].attrs["experiment_version"] = 7' || fail "h5py"
sum=$(md5sum < p.h5)
expect_exit 2 "--resume of a sweep computed by experiment version 7" mpirun_sweep 2 run "$data/runner/layout.yaml" -o p.h5 --resume --progress none
expect_log "sweep 'layout' was computed by version 7 of experiment 'noop', and this mpisweep has version 1"
expect_log "--allow-version-change"
[ "$(md5sum < p.h5)" = "$sum" ] || fail "the refused resume changed the file"
pass "the file is untouched"
expect_exit 2 "--allow-version-change without --resume" "$MPISWEEP" run "$data/runner/layout.yaml" -o q.h5 --allow-version-change
expect_exit 0 "--resume --allow-version-change continues it" mpirun_sweep 2 run "$data/runner/layout.yaml" -o p.h5 --resume --allow-version-change --progress none
! grep -q "start-up and close" last.log || fail "a run without MPISWEEP_TIMING printed its phases"
pass "no phase times unless asked for"

# MPISWEEP_TIMING=1: one more line after the summary, every phase of run.h's sw_run_phases in seconds, the run's
# phases within its total.
expect_exit 0 "a run with MPISWEEP_TIMING=1" env MPISWEEP_TIMING=1 "$SW_MPIEXEC" -n 2 "$MPISWEEP" run "$data/runner/layout.yaml" -o t.h5 --progress none
line=$(sed -n "s/^mpisweep: start-up and close (s, rank 0's clock): //p" last.log)
/usr/bin/python3 - "$line" <<'P' || { cat last.log >&2; fail "the phase line"; }
import sys
t = {k: float(v) for k, v in (item.split("=") for item in sys.argv[1].split())}
run = ["comm", "spec_read", "spec_broadcast", "spec_parse", "provenance", "store_open", "schedule", "close"]
store = ["store_preflight", "store_create", "store_layout", "store_flush"]
assert set(t) == set(run + store + ["total"]), sorted(t)
assert min(t.values()) >= 0 and t["store_create"] > 0, t
assert sum(t[k] for k in store) <= t["store_open"] and sum(t[k] for k in run) <= t["total"], t
P
pass "MPISWEEP_TIMING=1 prints every phase, the file's parts within its open and all within the total"
done_testing
