# Node loss on a 3-node cluster (nodes.sh): two jobs, one launched with srun --mpi=pmix and one with mpirun, each 2
# ranks on every node, share the nodes; in the middle of their sweeps every process of the third node is killed
# (slurmd, slurmstepd, ranks: a power cut). Each job must end its run within seconds, by itself: under mpirun, Open
# MPI's runtime sees its daemon go and kills the job (a few seconds); under srun, the coordinator hears no heartbeat
# from the node's ranks for --liveness-timeout (10 s), the live ranks drain and the run exits 3, and
# mpisweep.sbatch stops srun 5 s after rank 0 ended instead of letting it wait KillWait for the dead node. So the
# bound is 10 s + the drain (tasks of 0.2 s here) + 5 s, not Slurm's SlurmdTimeout (60 s here, 300 s by default).
# The file opens without repair, the job requeues itself, the node comes back (its slurmd restarted), the rerun gets
# past the stale PMIx socket the dead node left in its spool, and completes: results identical to a local run.
. "$(dirname "$0")/lib.sh"
SW_SLURM_CPUS=4
nodes_start 3
victim=$(node_name 3)

for l in srun mpirun; do
  submit_job job_$l "$SPECS/nodeloss.yaml" -o $l.h5 -N 3 --ntasks-per-node 2 --time=10 --launcher $l
done
# Kill once both sweeps are under way: some tasks done, most pending.
for l in srun mpirun; do
  for _ in $(seq 600); do
    c=$(sweep_counts $l.h5 nodeloss | cut -d' ' -f1)
    [ -n "$c" ] && [ "$c" -ge 6 ] && break
    sleep 0.1
  done
  [ -n "$c" ] && [ "$c" -ge 6 ] && [ "$c" -lt 60 ] || fail "$l.h5 not under way ($c tasks done)"
done
[ "$(node_pids "$victim" | wc -l)" -ge 5 ] || fail "node $victim runs only $(node_pids "$victim" | wc -l) processes"
node_kill "$victim"
killed=$SECONDS
stale=$(ls "$SW_CLUSTER/spool/$victim" | grep -c "^stepd\.slurm\.pmix\.$job_srun\.")
[ "$stale" -ge 1 ] || fail "the dead node left no PMIx socket of job $job_srun in its spool: nothing to test"
pass "killed every process of node $victim ($(sweep_counts srun.h5 nodeloss | cut -d' ' -f1) and $(sweep_counts mpirun.h5 nodeloss | cut -d' ' -f1) tasks done)"

# Each job's first run ends (the job leaves RUNNING: requeued, pending or completing) within the bound.
declare -A ended
for _ in $(seq 600); do
  for l in srun mpirun; do
    id=job_$l
    [ -n "${ended[$l]:-}" ] || [ "$(job_field "${!id}" JobState)" = RUNNING ] || ended[$l]=$((SECONDS - killed))
  done
  [ -n "${ended[srun]:-}" ] && [ -n "${ended[mpirun]:-}" ] && break
  sleep 0.5
done
for l in srun mpirun; do
  [ -n "${ended[$l]:-}" ] && [ "${ended[$l]}" -le 30 ] || fail "the $l job still ran $((SECONDS - killed)) s after the node died"
  pass "the $l job's run ended ${ended[$l]} s after the node died"
done
expect_in_log "$job_srun" "rank(s) lost: rank"
expect_in_log "$job_mpirun" "the run ended without closing the file"
for l in srun mpirun; do
  expect_exit 3 "$l.h5 opens without repair and has tasks pending" "$MPISWEEP" status $l.h5
done

# Slurm would mark the dead node DOWN after SlurmdTimeout (60 s here) and only then finish the jobs' cleanup on it
# (a requeued job waits for that); the test does at once what the timeout would do.
scontrol update nodename="$victim" state=down reason="killed by test_nodeloss" || fail "cannot mark $victim down"
# The reference run only now: earlier it would compete with the jobs for the two cores.
expect_exit 0 "local reference run (1 rank, no mpirun)" "$MPISWEEP" run "$SPECS/nodeloss.yaml" -o ref.h5 --progress none
node_restart "$victim"
# Back when it responds again (its state loses the '*'); the requeued jobs may take it at once, so not "idle".
for _ in $(seq 300); do
  state=$(sinfo -h -n "$victim" -o %T)
  [[ $state =~ ^(idle|mixed|allocated|completing)$ ]] && break
  sleep 0.1
done
[[ $state =~ ^(idle|mixed|allocated|completing)$ ]] || fail "node $victim did not come back (state $state)"
pass "node $victim is back ($state)"
wait_job "$job_srun" 150
wait_job "$job_mpirun" 150
for l in srun mpirun; do
  id=job_$l
  expect_job "${!id}" COMPLETED 0 +
  expect_in_log "${!id}" "tasks pending: requeueing this job"
  expect_in_log "${!id}" "the sweep is complete"
  ! grep -q "launch failed" "$(job_log "${!id}")" || fail "job ${!id}: a rerun failed to launch"
  [ "$(sweep_counts $l.h5 nodeloss)" = "60 0 0 0" ] || fail "$l.h5: $(sweep_counts $l.h5 nodeloss)"
  same_results ref.h5 $l.h5 nodeloss x_out k_out u u_mean task_status
done
done_testing
