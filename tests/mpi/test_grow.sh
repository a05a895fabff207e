# Growing a sweep with --resume: a spec that only adds axis values, zip rows or replicates keeps the finished tasks,
# runs only the new ones, and gives results bit-identical to a fresh run of the grown spec; the failure log follows
# the tasks to their new places; any other change is refused (exit 2, file untouched) naming the key with its old
# and new value; a kill -9 during the growth leaves the old file or the grown one, never a mix.
. "$(dirname "$0")/lib.sh"
data=$SW_TESTS/../data/runner
expect_exit 1 "a 2-rank run of the small sweeps (one fails on purpose)" mpirun_sweep 2 run "$data/grow1.yaml" -o g.h5 --progress none
expect_exit 1 "--resume with the grown spec" mpirun_sweep 2 run "$data/grow2.yaml" -o g.h5 --resume --progress none
expect_log "this run: 94 tasks" # (108 - 16) + (8 - 6): only the new tasks ran
expect_exit 1 "a fresh run of the grown spec" mpirun_sweep 2 run "$data/grow2.yaml" -o fresh.h5 --progress none
same_results g.h5 fresh.h5 grow u u_mean x_out k_out task_status
same_results g.h5 fresh.h5 grow-fail result task_status
/usr/bin/python3 - <<'P' || fail "the coordinates of the grown file differ from a fresh run's"
import h5py, numpy as np
a, b = h5py.File("g.h5", "r", locking=False), h5py.File("fresh.h5", "r", locking=False)
for name in ("grow/x", "grow/k", "grow/draws", "grow/point", "grow/replicate", "grow-fail/value", "grow-fail/fail"):
    np.testing.assert_array_equal(a[name][...], b[name][...], err_msg=name)
assert a["grow"].attrs["spec_hash"] == b["grow"].attrs["spec_hash"] and a["grow"].attrs["n_tasks"] == 108
assert "grow.before-growth" not in a
P
pass "coordinates and spec attributes equal a fresh run's"
"$MPISWEEP" status g.h5 > status.log
grep -q "sweep grow (experiment noop): 108 tasks: 108 done" status.log || { cat status.log; fail "the grown sweep is not complete"; }
for v in 0 1 2 -1; do
  grep -q "(value=$v, fail=1; rank [01], failed): failed on purpose (fail = 1, value = $v)" status.log || { cat status.log; fail "the failure of value=$v is not logged at its (new) task"; }
done
pass "the failure log names each failed task by its parameters after the growth"
grep -q "grown from 16 to 108 tasks" status.log || fail "the history does not record the growth"
pass "the history records the growth"

sum=$(md5sum < g.h5)
refuse() { # refuse DESCRIPTION MESSAGE SED-SCRIPT
  sed "$3" "$data/grow2.yaml" > changed.yaml
  expect_exit 2 "$1" mpirun_sweep 0 run changed.yaml -o g.h5 --resume --progress none
  expect_log "$2"
  [ "$(md5sum < g.h5)" = "$sum" ] || fail "the refused resume changed the file"
  [ ! -e g.h5.growing ] || fail "a refused resume left g.h5.growing"
}
refuse "a changed seed" "sweep 'grow' was run from a different spec: seed: was 3, now 4" 's/seed: 3/seed: 4/'
refuse "a removed value" "grid.x: value 0.75 was removed (was \[0.25, 0.5, 0.75, 1\], now \[0.25, 0.5, 1\])" 's/x: \[0.25, 0.5, 0.75, 1\]/x: [0.25, 0.5, 1]/'
refuse "a changed fixed parameter" "sweep 'grow-fail' was run from a different spec: fixed.nan: was 0, now 1" '/^experiment: fail/a fixed: {nan: 1}'
refuse "fewer replicates" "replicates: was 3, now 2" 's/replicates: 3/replicates: 2/'
refuse "a removed zip row" "zip: the row (draws = 7) of dimension point was removed" 's/draws: \[1, 7, 5\]/draws: [1, 5]/'
pass "the file is untouched by every refusal"
expect_exit 1 "a file to damage" mpirun_sweep 0 run "$data/grow1.yaml" -o d.h5 --progress none
/usr/bin/python3 -c 'import h5py; del h5py.File("d.h5", "r+")["grow/u_mean"]' || fail "h5py"
sum=$(md5sum < d.h5)
expect_exit 2 "growing a damaged sweep" mpirun_sweep 0 run "$data/grow2.yaml" -o d.h5 --resume --progress none
expect_log "sweep 'grow' is damaged: dataset 'u_mean' is missing"
[ "$(md5sum < d.h5)" = "$sum" ] && [ ! -e d.h5.growing ] || fail "the refused growth changed d.h5 or left d.h5.growing"
pass "a damaged sweep is refused before the growth, the file untouched"

# kill -9 at different moments of a growth: FILE is the old file (byte for byte) or the complete grown one.
expect_exit 0 "the large sweep" mpirun_sweep 0 run "$data/growbig1.yaml" -o big0.h5 --progress none
old=$(md5sum < big0.h5)
mid=0
for delay in 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.0 1.2 1.5; do
  cp big0.h5 k.h5 && rm -f k.h5.growing
  spawn 0 kill.log run "$data/growbig2.yaml" -o k.h5 --resume --progress none
  sleep "$delay"
  [ -e k.h5.growing ] && mid=$((mid + 1))
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  if [ "$(md5sum < k.h5)" = "$old" ]; then continue; fi
  n=$("$MPISWEEP" status k.h5 | sed -n 's/^sweep big (experiment noop): \([0-9]*\) tasks: \([0-9]*\) done.*/\1 \2/p')
  set -- $n
  [ "${1:-}" = 250000 ] && [ "${2:-0}" -ge 200000 ] || fail "after a kill at ${delay} s k.h5 is neither the old file nor the grown one: '$n'"
done
[ "$mid" -ge 1 ] || fail "no kill landed while k.h5.growing was being built: the growth window moved; adjust the delays"
pass "12 kills during the growth left the old file or the grown one ($mid while k.h5.growing was being built)"
expect_exit 0 "--resume after the last kill completes the grown sweep" mpirun_sweep 0 run "$data/growbig2.yaml" -o k.h5 --resume --progress none
expect_exit 0 "a fresh run of the grown large sweep" mpirun_sweep 0 run "$data/growbig2.yaml" -o bigfresh.h5 --progress none
same_results k.h5 bigfresh.h5 big u u_mean task_status
done_testing
