# A sweep submitted with slurm/submit runs on 2 ranks through srun --mpi=pmix and through mpirun inside the
# allocation; both give results byte-identical to a plain local mpirun run, and every rank ran with one BLAS thread
# and HDF5 file locking off.
. "$(dirname "$0")/lib.sh"
cluster_start
noop_reference

# A wrapper in place of the binary records what each rank saw, then runs the real mpisweep.
cat > mpisweep-env <<EOF
#!/bin/sh
[ "\$1" = run ] && echo "step=\${SLURM_STEP_ID:-none} mpirun_size=\${OMPI_COMM_WORLD_SIZE:-none}" \\
  "OPENBLAS_NUM_THREADS=\${OPENBLAS_NUM_THREADS:-unset} OMP_NUM_THREADS=\${OMP_NUM_THREADS:-unset}" \\
  "HDF5_USE_FILE_LOCKING=\${HDF5_USE_FILE_LOCKING:-unset}" >> "$SW_WORK/env-\$SLURM_JOB_ID.txt"
exec "$MPISWEEP" "\$@"
EOF
chmod +x mpisweep-env

submit_job srun_job "$SPECS/noop.yaml" -o srun.h5 -n 2 --time=5 --mpisweep "$SW_WORK/mpisweep-env"
submit_job mpirun_job "$SPECS/noop.yaml" -o mpirun.h5 --ntasks 2 -t 5 --launcher mpirun --mpisweep "$SW_WORK/mpisweep-env"
wait_job "$srun_job" 120
wait_job "$mpirun_job" 120

for l in srun mpirun; do
  id=${l}_job
  id=${!id}
  expect_job "$id" COMPLETED 0 0
  expect_in_log "$id" "2 ranks via $l"
  expect_in_log "$id" "the sweep is complete"
  [ "$(sweep_counts $l.h5 noop)" = "220 0 0 0" ] || fail "$l.h5: $(sweep_counts $l.h5 noop), expected 220 done"
  same_noop $l.h5
  "$MPISWEEP" status $l.h5 | grep -q "run started: 2 ranks on .*, Slurm job $id;" || fail "$l.h5 does not name job $id"
  pass "$l.h5's history names Slurm job $id and 2 ranks"
  env=$SW_WORK/env-$id.txt
  [ "$(grep -c . "$env")" -eq 2 ] || { cat "$env"; fail "job $id: expected 2 ranks in $env"; }
  [ "$(grep -c "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 HDF5_USE_FILE_LOCKING=FALSE" "$env")" -eq 2 ] ||
    { cat "$env"; fail "job $id: a rank ran with other BLAS threads or file locking"; }
  pass "job $id: both ranks ran with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 HDF5_USE_FILE_LOCKING=FALSE"
done
# srun starts the ranks as job step 0; mpirun starts them itself, inside the batch step.
grep -q "step=0 mpirun_size=none" "$SW_WORK/env-$srun_job.txt" || fail "the srun job's ranks were not a Slurm step"
grep -q "mpirun_size=2" "$SW_WORK/env-$mpirun_job.txt" || fail "the mpirun job's ranks were not started by mpirun"
pass "srun's ranks ran as Slurm step 0, mpirun's as one mpirun job of size 2"
done_testing
