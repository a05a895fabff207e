# slurm/submit checks before it submits: a bad spec (alone or next to a good one), a missing spec, bad runner
# options, --overwrite, or a result path that is not a result file fail with exit 2 and submit nothing; a job
# sbatch refuses gives exit 1; --dry-run prints the job script and submits nothing. A good spec then does submit,
# which shows that the sbatch seen here is the one that would have been called.
. "$(dirname "$0")/lib.sh"
cluster_start

# Every sbatch call goes through this wrapper, which counts it.
mkdir -p bin
real_sbatch=$(command -v sbatch)
printf '#!/bin/sh\necho "$*" >> "%s/sbatch-calls"\nexec "%s" "$@"\n' "$SW_WORK" "$real_sbatch" > bin/sbatch
chmod +x bin/sbatch
export PATH=$SW_WORK/bin:$PATH
: > sbatch-calls
nothing_submitted() {
  [ ! -s sbatch-calls ] || fail "sbatch was called: $(cat sbatch-calls)"
  [ -z "$(squeue -h -o %A)" ] || fail "jobs were queued: $(squeue -h -o %A)"
  [ ! -e out.h5 ] || fail "out.h5 was written"
}

expect_exit 2 "a bad spec" "$SUBMIT" "$SPECS/bad.yaml" -o out.h5 -n 2
expect_log "bad.yaml:5:10: error: fixed.draws"
expect_log "nothing was submitted"
nothing_submitted
expect_exit 2 "a good spec and a bad one" "$SUBMIT" "$SPECS/noop.yaml" "$SPECS/bad.yaml" -o out.h5 -n 2
expect_log "invalid spec; nothing was submitted"
expect_exit 2 "a missing spec" "$SUBMIT" "$SPECS/missing.yaml" -o out.h5
expect_log "spec file '$SPECS/missing.yaml' not found"
expect_exit 2 "no result file" "$SUBMIT" "$SPECS/noop.yaml" -n 2
expect_exit 2 "--chunk 0" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 --chunk 0
expect_exit 2 "--progress sometimes" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 --progress=sometimes
expect_exit 2 "--overwrite" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 --overwrite
expect_exit 2 "--launcher mpiexec" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 --launcher mpiexec
expect_exit 2 "a job array" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 --array=1-4
echo "not hdf5" > text.h5
expect_exit 2 "a result path holding something else" "$SUBMIT" "$SPECS/noop.yaml" -o text.h5
expect_log "text.h5 exists and is not a readable mpisweep result file"
expect_exit 2 "a result file in a missing directory" "$SUBMIT" "$SPECS/noop.yaml" -o nodir/out.h5
nothing_submitted
pass "none of these called sbatch, queued a job or wrote a file"

# The node has 8 CPUs and EnforcePartLimits=ALL: sbatch itself refuses 64 tasks.
expect_exit 1 "a job sbatch refuses" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 -n 64
expect_log "sbatch refused the job"
[ -z "$(squeue -h -o %A)" ] || fail "a refused job is queued"
: > sbatch-calls

expect_exit 0 "--dry-run" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 -n 2 -t 10 -p test --chunk 5 --dry-run
nothing_submitted
cp last.log dry-run.sbatch
# -t 10 is under 20 minutes: the warning lead is scaled to the limit (--grace T/10 = 60 s, + 5 s).
expect_log "#SBATCH --signal=B:USR1@65"
expect_log "#SBATCH --open-mode=append"
expect_log "#SBATCH --requeue"
for d in --job-name=mpisweep-out "--output=$SW_WORK/out-%j.log" "-n 2" "-t 10" "-p test"; do expect_log "^#SBATCH $d\$"; done
[ "$(grep -c '^#SBATCH' dry-run.sbatch)" -eq 8 ] || fail "the printed script must hold each sbatch option once, as #SBATCH"
expect_log "set -- $SPECS/noop.yaml -o $SW_WORK/out.h5 --chunk 5"
expect_log "MPISWEEP=$MPISWEEP "
bash -n dry-run.sbatch || fail "the printed script is not valid bash"
pass "the printed script is valid bash"

# The positive control: the same command without --dry-run submits once, and the job completes.
expect_exit 0 "the good spec is submitted" "$SUBMIT" "$SPECS/noop.yaml" -o out.h5 -n 2 -t 10 -p test --chunk 5
[ "$(grep -c . sbatch-calls)" -eq 1 ] || fail "sbatch was called $(grep -c . sbatch-calls) times, expected once"
id=$(grep -E '^[0-9]+$' last.log)
[ -n "$id" ] || fail "submit printed no job id"
pass "submit called sbatch once and printed job id $id"
wait_job "$id" 60
expect_job "$id" COMPLETED 0 0
[ "$(job_field "$id" Partition)" = test ] && [ "$(job_field "$id" NumTasks)" = 2 ] && [ "$(job_field "$id" TimeLimit)" = 00:10:00 ] ||
  fail "the job did not get the sbatch options: $(scontrol -o show job "$id")"
pass "the job got its sbatch options: partition test, 2 tasks, 10 minutes"
done_testing
