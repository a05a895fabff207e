# lib.sh: helpers for the runner tests. Each test sources it, gets a fresh work directory, and fails on the first
# failed check with a message saying what was expected.
set -u
: "${MPISWEEP:?set by CTest}" "${SW_MPIEXEC:=mpirun}" "${SW_H5DIFF:=h5diff}" "${SW_WORK:=$(mktemp -d)}"
# The launcher's own settings, by flavour (CMake's SW_MPI_FLAVOUR): Open MPI refuses root without two variables and
# more ranks than cores without oversubscription; MPICH's Hydra needs neither.
: "${SW_MPI_FLAVOUR:=openmpi}"
case "$SW_MPI_FLAVOUR" in
  openmpi) export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 ;;
  mpich) ;;
  *) echo "lib.sh: unknown MPI flavour '$SW_MPI_FLAVOUR', launching with plain '$SW_MPIEXEC -n N'" >&2 ;;
esac
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
rm -rf "$SW_WORK" && mkdir -p "$SW_WORK" && cd "$SW_WORK" || exit 1
checks=0

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { checks=$((checks + 1)); echo "ok $checks - $*"; }
done_testing() { echo "$checks passed, 0 failed"; exit 0; }

# mpirun_sweep N ARGS...: mpisweep under mpirun with N ranks (N = 0: without mpirun).
mpirun_sweep() {
  local n=$1; shift
  if [ "$n" -eq 0 ]; then "$MPISWEEP" "$@"; else "$SW_MPIEXEC" -n "$n" "$MPISWEEP" "$@"; fi
}

# mpirun_sweep_with BINARY N ARGS...: as mpirun_sweep, with another mpisweep binary (an installed one).
mpirun_sweep_with() { local MPISWEEP=$1; shift; mpirun_sweep "$@"; }

# spawn N LOG ARGS...: starts mpisweep in the background (mpirun itself, not a subshell, so that $pid is the
# process a user would signal); sets pid.
spawn() {
  local n=$1 log=$2; shift 2
  if [ "$n" -eq 0 ]; then "$MPISWEEP" "$@" > "$log" 2>&1 &
  else "$SW_MPIEXEC" -n "$n" "$MPISWEEP" "$@" > "$log" 2>&1 &
  fi
  pid=$!
}

# launcher_exit_after_signal CODE WHAT: checks the exit code of a launcher that was sent a signal and forwarded it:
# 3, like every rank's. MPICH's mpiexec (Hydra, 4.0.2) reports 0 or 3 at random in that case although the ranks
# drained and exited 3, so there only the file can tell (callers check it with mpisweep status).
launcher_exit_after_signal() {
  [ "$1" -eq 3 ] || { [ "$SW_MPI_FLAVOUR" = mpich ] && [ "$1" -eq 0 ]; } || { cat run.log >&2; fail "$2: exit $1, expected 3"; }
  pass "$2: the launcher exits $1"
}

# rank_pids: the rank processes of the run that spawn started last: mpirun's children (Open MPI), or the children
# of mpiexec's hydra_pmi_proxy (MPICH).
rank_pids() {
  local c
  for c in $(pgrep -P "$pid"); do
    if [ "$(cat "/proc/$c/comm" 2> /dev/null)" = hydra_pmi_proxy ]; then pgrep -P "$c"; else echo "$c"; fi
  done
}

# pid_of_rank R FILE: the process of rank R of the run writing FILE, found by the rank its environment names (Open MPI
# or MPICH); empty when there is none.
pid_of_rank() {
  local e p
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}; p=${p%/environ}
    { tr '\0' '\n' < "$e"; } 2>/dev/null | grep -qx -e "OMPI_COMM_WORLD_RANK=$1" -e "PMI_RANK=$1" &&
      tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "-o $2 " && echo "$p" && return
  done
}

# expect_exit CODE DESCRIPTION COMMAND...: runs COMMAND, output in last.log, and checks its exit code.
expect_exit() {
  local want=$1 what=$2; shift 2
  "$@" > last.log 2>&1
  local got=$?
  [ "$got" -eq "$want" ] || { cat last.log >&2; fail "$what: exit $got, expected $want"; }
  pass "$what (exit $want)"
}

expect_log() { grep -q -- "$1" last.log || { cat last.log >&2; fail "expected '$1' in the output"; }; pass "message: $1"; }

# same_results A B SWEEP DATASET...: the datasets are identical in both files (h5diff compares values exactly).
same_results() {
  local a=$1 b=$2 sweep=$3; shift 3
  for d in "$@"; do
    "$SW_H5DIFF" -q "$a" "$b" "/$sweep/$d" "/$sweep/$d" || fail "/$sweep/$d differs between $a and $b"
  done
  pass "$a and $b have identical $sweep/{$*}"
}

# status_counts FILE: prints "done pending failed skipped" of the first sweep line of mpisweep status.
status_counts() {
  "$MPISWEEP" status "$1" | sed -n 's/.*tasks: \([0-9]*\) done, \([0-9]*\) pending, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3 \4/p' | head -1
}

# ran_tasks: the "this run: N tasks" count of the last run's summary in last.log.
ran_tasks() { sed -n 's/.*this run: \([0-9]*\) tasks.*/\1/p' last.log | tail -1; }

# wait_for_progress FILE N: waits (up to 60 s) until FILE has at least N finished tasks.
wait_for_done() {
  for _ in $(seq 600); do
    local c; c=$(status_counts "$1" 2>/dev/null | cut -d' ' -f1)
    [ -n "$c" ] && [ "$c" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 never reached $2 finished tasks"
}
