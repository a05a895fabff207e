#!/usr/bin/env bash
# 7. Multi-node overhead: the same sweeps on 3 nodes x 2 ranks against 1 node x 2 ranks, on the namespace cluster
# of the Slurm tests (tests/slurm/nodes.sh: each node its own network namespace, slurmd and host name; ranks on
# different nodes talk over TCP on a Linux bridge). Every node is the same 2-core machine, so 3 x 2 ranks share 2
# cores: this measures what spanning nodes costs (TCP instead of shared memory, srun's launch on 3 nodes,
# oversubscription), not a speed-up. Needs root and the Slurm packages (scripts/install-deps --slurm).
. "$(dirname "$0")/lib.sh"
N=${MULTINODE_TASKS:-1000000}
CPU_TASKS=${MULTINODE_CPU_TASKS:-60}
REPEAT=${MULTINODE_REPEAT:-3}
cat > "$WORK/mn_dispatch.yaml" <<Y
sweep: dispatch
experiment: noop
grid:
  k: {range: [0, $((N - 1)), 1]}
Y
# About 0.2 s of one core per task: 2 * 10^7 uniforms averaged.
cat > "$WORK/mn_cpu.yaml" <<Y
sweep: cpu
experiment: noop
fixed: {draws: 20000000}
grid:
  k: {range: [0, $((CPU_TASKS - 1)), 1]}
Y
# The test harness runs the cluster; its messages go to stderr, the figures to stdout.
set +eu
export SW_WORK=$WORK/mn-cluster SW_SLURM_CPUS=2
. "$ROOT/tests/slurm/lib.sh" > /dev/null
nodes_start 3 >&2
cd "$WORK"

# measure LABEL SRUN_ARGS...: sets e2e (whole srun command, tasks/s or s) and inner (the runner's own clock).
row() {
  local spec=$1 label=$2 what=$3
  shift 3
  local e2e=() inner=() t0 t1
  for _ in $(seq "$REPEAT"); do
    t0=$(now)
    srun --mpi=pmix "$@" "$MPISWEEP" run "$spec" -o "$WORK/mn.h5" --overwrite --progress none 2> "$WORK/mn.log" ||
      { cat "$WORK/mn.log" >&2; exit 1; }
    t1=$(now)
    if [ "$what" = rate ]; then
      e2e+=("$(calc "$N / ($t1 - $t0)")") inner+=("$(calc "$N / $(run_seconds "$WORK/mn.log")")")
    else
      e2e+=("$(calc "$t1 - $t0")") inner+=("$(run_seconds "$WORK/mn.log")")
    fi
  done
  echo "| $label | $(stats "${e2e[@]}") | $(stats "${inner[@]}") |"
}
echo "## 7. Multi-node overhead: 3 nodes x 2 ranks against 1 node x 2 ranks (srun --mpi=pmix)"
echo
echo "Nodes are network namespaces of this $(getconf _NPROCESSORS_ONLN)-core machine (tests/slurm/nodes.sh), so 3 x 2 ranks share the same"
echo "cores as 1 x 2: the figures show the cost of spanning nodes (TCP between nodes, launch on 3 nodes, 6 ranks on"
echo "$(getconf _NPROCESSORS_ONLN) cores), not a speed-up. Median [min, max] of $REPEAT."
echo
echo "| case | whole srun command | the run itself (runner's clock) |"
echo "| --- | --- | --- |"
row "$WORK/mn_dispatch.yaml" "noop dispatch, $N tasks, 1 node x 2 ranks (tasks/s)" rate -N 1 -n 2
row "$WORK/mn_dispatch.yaml" "noop dispatch, $N tasks, 3 nodes x 2 ranks (tasks/s)" rate -N 3 --ntasks-per-node 2
row "$WORK/mn_cpu.yaml" "CPU-bound, $CPU_TASKS tasks of ~0.2 s, 1 node x 2 ranks (s)" time -N 1 -n 2
row "$WORK/mn_cpu.yaml" "CPU-bound, $CPU_TASKS tasks of ~0.2 s, 3 nodes x 2 ranks (s)" time -N 3 --ntasks-per-node 2
