# Resource faults: an unwritable output directory or result file, the file-size limit (ulimit -f) before the run and
# reached during it, a disk too small for the file (checked before anything is created) and a disk that fills up
# during the run, and a second run on a file that another run is writing. Each ends with exit 4 and a message that
# names the cause, leaves no file changed or half-made, and the same command completes once the cause is fixed.
# As root the test runs in a private mount namespace with a small tmpfs (a real full disk), and uses setpriv to run
# as `nobody` where file permissions must apply; without root those parts use what an ordinary user can do.
if [ "$(id -u)" -eq 0 ] && [ -z "${SW_IN_NAMESPACE:-}" ] && unshare --mount --propagation private true 2> /dev/null; then
  SW_IN_NAMESPACE=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$SW_SOURCE/tests/mpi/lib.sh"
data=$SW_SOURCE/tests/data/runner
sum() { md5sum "$1" | cut -d' ' -f1; }
unchanged() { [ "$(sum "$1")" = "$2" ] || fail "$1 was changed ($3)"; pass "$1 byte-identical after: $3"; }
nothing_made() {
  for g in "$@"; do [ ! -e "$g" ] && [ ! -e "$g.creating" ] || fail "$g or $g.creating exists after a refused run"; done
  pass "no file and no half-made file: $*"
}
other=()
if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv > /dev/null && other=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

# ---- an unwritable output directory, then a read-only result file --------------------------------------------
if [ "$(id -u)" -ne 0 ] || [ ${#other[@]} -gt 0 ]; then
  mkdir ro && chmod 555 ro
  expect_exit 4 "an unwritable output directory" "${other[@]}" "$MPISWEEP" run "$data/layout.yaml" -o ro/x.h5 --progress none
  expect_log "cannot create ro/x.h5: Permission denied"
  [ -z "$(ls -A ro)" ] || fail "the refused run left $(ls -A ro) in ro/"
  pass "nothing was created in the unwritable directory"
  chmod 777 ro
  expect_exit 0 "the same command (--resume) once the directory is writable" "${other[@]}" "$MPISWEEP" run "$data/layout.yaml" -o ro/x.h5 --resume --progress none
  chmod 444 ro/x.h5
  before=$(sum ro/x.h5)
  expect_exit 4 "--resume of a read-only result file" "${other[@]}" "$MPISWEEP" run "$data/layout.yaml" -o ro/x.h5 --resume --progress none
  expect_log "cannot open ro/x.h5 for writing: Permission denied"
  unchanged ro/x.h5 "$before" "the refused --resume"
  chmod 644 ro/x.h5
  expect_exit 0 "--resume once the file is writable" "${other[@]}" "$MPISWEEP" run "$data/layout.yaml" -o ro/x.h5 --resume --progress none
  expect_log "this run: 0 tasks"
else
  echo "# skipped the permission checks: root without setpriv"
fi

# ---- the file-size limit (ulimit -f) ---------------------------------------------------------------------------
# Before the run: the estimate (about 48 MB here) is checked against the limit before anything is created. (The
# limit must leave room for the MPI library's own files, a few MB of shared-memory segments.)
cat > fsize.yaml <<'EOF'
sweep: fsize
experiment: noop
fixed: {draws: 0}
grid:
  x: {linspace: [0, 1, 1000]}
  k: {range: [1, 1000, 1]}
EOF
expect_exit 4 "a file-size limit below the file's size" bash -c 'ulimit -f 16384; exec "$0" "$@"' "$MPISWEEP" run fsize.yaml -o fsize.h5 --progress none
expect_log "file-size limit (ulimit -f)"
nothing_made fsize.h5
expect_exit 0 "the same command (--resume) with a limit the file fits" bash -c 'ulimit -f 131072; exec "$0" "$@"' "$MPISWEEP" run fsize.yaml -o fsize.h5 --resume --progress none
# During the run: the limit drops to the file's current size while the tasks run. Raw results never grow the file
# (it is allocated in full before the first task); the history line at the end would, and is refused cleanly.
if command -v prlimit > /dev/null; then
  spawn 2 grow.log run "$data/slow.yaml" -o grow.h5 --progress none
  wait_for_done grow.h5 4
  size=$(stat -c %s grow.h5)
  for c in $(rank_pids); do prlimit --pid "$c" --fsize="$size":"$size"; done
  wait "$pid"; code=$?
  [ "$code" -eq 4 ] || { cat grow.log; fail "the run that reached the file-size limit exited $code, expected 4"; }
  grep -q "file-size limit" grow.log || { cat grow.log; fail "no message about the file-size limit"; }
  pass "the file-size limit reached during the run: exit 4, 'file-size limit' in the message"
  [ "$(stat -c %s grow.h5)" -le "$size" ] || fail "grow.h5 grew past the limit"
  expect_exit 0 "the file opens (status) after the limit was hit" "$MPISWEEP" status grow.h5
  expect_exit 0 "--resume once the limit is lifted" mpirun_sweep 2 run "$data/slow.yaml" -o grow.h5 --resume --progress none
  expect_log "this run: 0 tasks"
  "$MPISWEEP" status grow.h5 | grep -q "ended .*complete" || fail "the resumed run did not record its end in the history"
  pass "the resumed run recorded its end in the history"
else
  echo "# skipped the limit during the run: no prlimit"
fi

# ---- a disk too small for the file: checked before anything is created -----------------------------------------
# Portable: a sweep whose file would be larger than the free space here (1e11 tasks, several TB).
free=$(df -B1 --output=avail . | tail -1)
cat > huge.yaml <<'EOF'
sweep: huge
experiment: noop
grid:
  x: {linspace: [0, 1, 1000000]}
  k: {range: [1, 100000, 1]}
EOF
if [ "$free" -lt 4000000000000 ]; then
  expect_exit 4 "a file larger than the free disk space" mpirun_sweep 2 run huge.yaml -o huge.h5
  expect_log "are free on its file system"
  nothing_made huge.h5
  expect_exit 0 "a small first sweep" mpirun_sweep 0 run "$data/layout.yaml" -o two.h5 --progress none
  before=$(sum two.h5)
  expect_exit 4 "--resume adding a sweep larger than the free space" mpirun_sweep 0 run "$data/layout.yaml" huge.yaml -o two.h5 --resume
  expect_log "are free on its file system"
  unchanged two.h5 "$before" "the refused --resume"
else
  echo "# skipped the free-space estimate check: more than 4 TB free here"
fi
# As root: a real 512 kB file system (the file needs about 1 MB), then 16 MB, and a disk that fills up during the run.
if [ -n "${SW_IN_NAMESPACE:-}" ] && mkdir small && mount -t tmpfs -o size=512k tmpfs small 2> /dev/null; then
  expect_exit 4 "a file that does not fit a 512 kB disk" mpirun_sweep 2 run "$data/kill.yaml" -o small/k.h5 --progress none
  expect_log "are free on its file system"
  nothing_made small/k.h5
  mount -o remount,size=16m small
  expect_exit 0 "the same command (--resume) once the disk is larger" mpirun_sweep 2 run "$data/kill.yaml" -o small/k.h5 --resume --progress none
  # The disk fills up while the tasks run: the end of the run cannot write its history line and says so.
  spawn 2 full.log run "$data/slow.yaml" -o small/s.h5 --progress none
  wait_for_done small/s.h5 4
  fallocate -l "$(df -B1 --output=avail small | tail -1)" small/filler 2> /dev/null ||
    dd if=/dev/zero of=small/filler bs=64k 2> /dev/null
  wait "$pid"; code=$?
  [ "$code" -eq 4 ] || { cat full.log; fail "the run whose disk filled up exited $code, expected 4"; }
  grep -q "No space left on device" full.log || { cat full.log; fail "no message about the full disk"; }
  pass "a disk that fills up during the run: exit 4, 'No space left on device'"
  expect_exit 0 "the file opens (status) after the disk filled up" "$MPISWEEP" status small/s.h5
  rm -f small/filler
  expect_exit 0 "--resume once there is space again" mpirun_sweep 2 run "$data/slow.yaml" -o small/s.h5 --resume --progress none
  expect_log "this run: 0 tasks"
  umount small
else
  echo "# skipped the small-disk checks: needs root and a private mount namespace"
fi

# ---- a second run on a file that another run is writing ------------------------------------------------------
spawn 2 first.log run "$data/long.yaml" -o busy.h5 --progress none
first=$pid
for _ in $(seq 300); do [ -s busy.h5 ] && break; sleep 0.1; done
expect_exit 4 "--resume of a file another run is writing" mpirun_sweep 0 run "$data/long.yaml" -o busy.h5 --resume
expect_log "being written by another mpisweep run"
expect_exit 4 "--overwrite of a file another run is writing" mpirun_sweep 2 run "$data/layout.yaml" -o busy.h5 --overwrite
expect_log "being written by another mpisweep run"
expect_exit 2 "a plain run onto a file another run is writing" mpirun_sweep 0 run "$data/long.yaml" -o busy.h5
expect_log "exists"
kill -USR1 "$first"; sleep 0.5; kill -USR1 "$first"; wait "$first"; code=$?
cp first.log run.log
launcher_exit_after_signal "$code" "the first run, undisturbed until its two signals"
grep -q "mpisweep: stopped by a signal" first.log || { cat first.log; fail "the first run did not end on its signals"; }
pass "the first run ended on its signals"
# MPICH's Hydra may report 0 there (lib.sh): the file says whether the run was disturbed.
expect_exit 3 "the first run's file opens with its tasks pending" "$MPISWEEP" status busy.h5
# A run that is still creating a new file holds the lock on FILE.creating: a second run for the same new file is
# refused, and does not touch the file being made. (The lock is taken by hand here, as mpisweep takes it: an fcntl
# write lock on byte 2^62; Debian's perl-base is always there.)
if command -v perl > /dev/null; then
  : > new.h5.creating
  perl -e 'use Fcntl; open(my $fh, "+<", $ARGV[0]) or die; my $lk = pack("s s x4 q q i x4", F_WRLCK, 0, 2**62, 1, 0);
           fcntl($fh, F_SETLK, $lk) or die "lock: $!"; open(my $ready, ">", "$ARGV[0].held"); close($ready); sleep 60' \
    new.h5.creating &
  holder=$!
  for _ in $(seq 100); do [ -e new.h5.creating.held ] && break; sleep 0.05; done
  expect_exit 4 "a second run for a new file that another run is creating" mpirun_sweep 0 run "$data/layout.yaml" -o new.h5
  expect_log "being written by another mpisweep run"
  [ ! -e new.h5 ] && [ -e new.h5.creating ] && [ ! -s new.h5.creating ] ||
    fail "the refused run touched the file being created"
  pass "the refused run left the file being created alone"
  kill "$holder"; wait "$holder" 2> /dev/null
  expect_exit 0 "the same command once the lock is gone (a stale FILE.creating is reused)" mpirun_sweep 0 run "$data/layout.yaml" -o new.h5 --progress none
  [ ! -e new.h5.creating ] || fail "new.h5.creating was left behind"
fi
done_testing
