# lib.sh: helpers for the Slurm tests. The runner tests' helpers (../mpi/lib.sh: fail, pass, expect_exit,
# same_results, status_counts, a fresh work directory), a throw-away cluster (cluster.sh), and submitting through
# slurm/submit and waiting for jobs. Every case: `. lib.sh; cluster_start; ...; done_testing`.
SW_SLURM_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SW_SOURCE:=$SW_SLURM_TESTS/../..}"
. "$SW_SLURM_TESTS/../mpi/lib.sh"
. "$SW_SLURM_TESTS/cluster.sh"
. "$SW_SLURM_TESTS/nodes.sh"
SPECS=$SW_SLURM_TESTS/specs
SUBMIT=$SW_SOURCE/slurm/submit
# The jobs inherit this environment (sbatch exports it), with the mpirun settings of ../mpi/lib.sh.
export MPISWEEP

# submit_job VAR ARGS...: slurm/submit ARGS (output in VAR.submit.log); VAR is set to the job id.
submit_job() {
  local var=$1 id
  shift
  id=$("$SUBMIT" "$@" 2> "$var.submit.log") || { cat "$var.submit.log" >&2; fail "slurm/submit $* failed"; }
  [[ $id =~ ^[0-9]+$ ]] || fail "slurm/submit printed '$id', not a job id"
  printf -v "$var" '%s' "$id"
  pass "submitted job $id: submit $*"
}

# job_field ID FIELD: a field of scontrol show job (JobState, ExitCode, Restarts, ...).
job_field() { scontrol -o show job "$1" 2>/dev/null | grep -oE "(^| )$2=[^ ]*" | head -1 | cut -d= -f2-; }

# wait_job ID SECONDS: waits until job ID has ended for good (a requeued job passes through PENDING, never through
# an end state).
wait_job() {
  local id=$1 limit=$2 state t0=$SECONDS
  while :; do
    state=$(job_field "$id" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) break ;;
    esac
    [ $((SECONDS - t0)) -lt "$limit" ] || { scontrol show job "$id" >&2; fail "job $id still $state after $limit s"; }
    sleep 0.5
  done
  echo "job $id: $state after $((SECONDS - t0)) s, exit code $(job_field "$id" ExitCode), $(job_field "$id" Restarts) restarts"
}

# expect_job ID STATE EXIT RESTARTS: the job ended in STATE with exit code EXIT (the chain's) after RESTARTS
# requeues ("+" for at least one).
expect_job() {
  local id=$1 state code restarts
  state=$(job_field "$id" JobState) code=$(job_field "$id" ExitCode) restarts=$(job_field "$id" Restarts)
  [ "$state" = "$2" ] || { cat "$(job_log "$id")" >&2; fail "job $id ended $state, expected $2"; }
  [ "$code" = "$3:0" ] || { cat "$(job_log "$id")" >&2; fail "job $id exit code $code, expected $3:0"; }
  case $4 in
    +) [ "$restarts" -ge 1 ] || fail "job $id was never requeued" ;;
    *) [ "$restarts" -eq "$4" ] || fail "job $id requeued $restarts times, expected $4" ;;
  esac
  pass "job $id ended $state with exit code $3 after $restarts requeue(s)"
}

# job_log ID: the job's log file (slurm/submit puts NAME-JOBID.log next to the result file).
job_log() { ls "$SW_WORK"/*-"$1".log 2>/dev/null | head -1; }

# expect_in_log ID TEXT: the job's log contains TEXT.
expect_in_log() {
  grep -qF -- "$2" "$(job_log "$1")" || { cat "$(job_log "$1")" >&2; fail "job $1's log lacks '$2'"; }
  pass "job $1's log: $2"
}

# sweep_counts FILE SWEEP: "done pending failed skipped" of one sweep of FILE.
sweep_counts() {
  "$MPISWEEP" status "$1" 2>/dev/null |
    sed -n "s/^sweep $2 (.*tasks: \([0-9]*\) done, \([0-9]*\) pending, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3 \4/p"
}

# clean_runs FILE SWEEP: every run recorded in SWEEP's history in FILE closed the file ("run started" and "ended"
# pair up: no run was killed before it could close it); sets runs to the number of runs and ran to the number of
# tasks they ran together (in all sweeps of the file).
clean_runs() {
  local hist started ended
  hist=$("$MPISWEEP" status "$1" | awk -v s="sweep $2 (" 'index($0, s) == 1 {on = 1; next} /^sweep / {on = 0} on')
  started=$(grep -c "run started" <<< "$hist")
  ended=$(grep -c "; ended " <<< "$hist")
  [ "$started" -ge 1 ] && [ "$started" -eq "$ended" ] || fail "$1: $started runs started but $ended closed the file"
  runs=$started
  ran=$(grep -o "this run: [0-9]* tasks" <<< "$hist" | awk '{n += $3} END {print n + 0}')
}

# noop_reference: the local mpirun run every case compares its noop sweep with.
noop_reference() {
  expect_exit 0 "local reference run of the noop sweep (mpirun -n 2)" \
    mpirun_sweep 2 run "$SPECS/noop.yaml" -o ref.h5 --progress none
}
same_noop() { same_results ref.h5 "$1" noop x_out k_out u u_mean task_status; }
