# Existing files are never touched by a refused run: invalid specs, changed specs on resume, an existing output
# without --resume/--overwrite, a file another run is writing, foreign and damaged files.
. "$(dirname "$0")/lib.sh"
data=$SW_TESTS/../data/runner
spec=$data/slow.yaml
sum() { md5sum "$1" | cut -d' ' -f1; }

expect_exit 0 "a first run" mpirun_sweep 2 run "$data/det.yaml" -o out.h5 --progress none
before=$(sum out.h5)
printf 'sweep: bad\nexperiment: noop\ngrid:\n  x: 3\n' > bad.yaml
for mode in "" --resume --overwrite; do
  expect_exit 2 "invalid spec with '$mode'" mpirun_sweep 2 run bad.yaml -o out.h5 $mode
  expect_log "bad.yaml:4"
  [ "$(sum out.h5)" = "$before" ] || fail "an invalid spec changed out.h5 ($mode)"
  pass "out.h5 byte-identical after the invalid spec ($mode)"
done
expect_exit 2 "existing output without --resume or --overwrite" mpirun_sweep 0 run "$data/det.yaml" -o out.h5
expect_log "exists"
sed 's/seed: 12345/seed: 12346/' "$data/det.yaml" > changed.yaml
expect_exit 2 "changed spec on --resume" mpirun_sweep 2 run changed.yaml -o out.h5 --resume
expect_log "different spec"
[ "$(sum out.h5)" = "$before" ] || fail "a refused resume changed out.h5"
pass "out.h5 byte-identical after the refused resume"
expect_exit 0 "--resume of a complete file" mpirun_sweep 0 run "$data/det.yaml" -o out.h5 --resume
expect_log "this run: 0 tasks"
expect_exit 0 "--overwrite replaces it" mpirun_sweep 0 run "$spec" -o out.h5 --overwrite --progress none
"$MPISWEEP" status out.h5 | grep -q "sweep slow" || fail "--overwrite did not replace the file's sweeps"
pass "--overwrite replaced the file"

# A second run on a file that a run is writing is refused, and the first run is not disturbed.
spawn 2 first.log run "$data/long.yaml" -o busy.h5 --progress none
first=$pid
wait_for_file() { for _ in $(seq 100); do [ -s "$1" ] && return; sleep 0.1; done; }
wait_for_file busy.h5; sleep 1
expect_exit 4 "a second run on a file in use (--overwrite)" mpirun_sweep 0 run "$spec" -o busy.h5 --overwrite
expect_log "being written by another mpisweep run"
expect_exit 4 "a second run on a file in use (--resume)" mpirun_sweep 0 run "$data/long.yaml" -o busy.h5 --resume
expect_exit 3 "status reads a file that is being written" "$MPISWEEP" status busy.h5
kill -USR1 $first; sleep 1.5; kill -USR1 $first; wait $first; code=$?
cp first.log run.log
launcher_exit_after_signal $code "the first run, not disturbed by the refused ones, drains on its signals"
expect_exit 3 "the first run's file is valid, with tasks pending" "$MPISWEEP" status busy.h5
pass "the first run ended normally after its signals"

# Foreign, damaged and missing files.
echo "not hdf5" > text.h5
expect_exit 2 "--resume of a non-HDF5 file" mpirun_sweep 0 run "$spec" -o text.h5 --resume
expect_log "not an HDF5 file"
[ "$(cat text.h5)" = "not hdf5" ] || fail "the non-HDF5 file was changed"
expect_exit 2 "status of a non-HDF5 file" "$MPISWEEP" status text.h5
/usr/bin/python3 -c "import h5py; h5py.File('foreign.h5','w')['x'] = [1, 2, 3]"
before=$(sum foreign.h5)
expect_exit 2 "--resume of a foreign HDF5 file" mpirun_sweep 0 run "$spec" -o foreign.h5 --resume
expect_log "not an mpisweep result file"
[ "$(sum foreign.h5)" = "$before" ] || fail "the foreign file was changed"
expect_exit 2 "status of a foreign HDF5 file" "$MPISWEEP" status foreign.h5
head -c 3000 out.h5 > truncated.h5
expect_exit 2 "--resume of a truncated file" mpirun_sweep 0 run "$spec" -o truncated.h5 --resume
expect_exit 2 "status of a truncated file" "$MPISWEEP" status truncated.h5
expect_exit 4 "status of a missing file" "$MPISWEEP" status missing.h5
mkdir -p ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
  expect_exit 4 "an unwritable output directory" mpirun_sweep 0 run "$spec" -o ro/x.h5
  expect_log "cannot create"
fi
expect_exit 4 "an output directory that does not exist" mpirun_sweep 0 run "$spec" -o nodir/x.h5
expect_log "cannot create nodir/x.h5"
done_testing
