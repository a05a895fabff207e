# A sweep on a 3-node cluster (network namespaces, see nodes.sh), 2 ranks per node, submitted with slurm/submit -N 3
# through srun --mpi=pmix and through mpirun inside the allocation: results byte-identical to a local 1-rank run.
# Open MPI's own report (btl_base_verbose: "Using X btl for send to RANK on node NODE") shows that ranks on
# different nodes talk over TCP and ranks on one node over shared memory (vader), and the nodes' network counters
# show the traffic. The two jobs also cover the shared file's I/O settings: srun with HDF5 file locking off and
# Open MPI's default MPI-IO (ompio), mpirun with HDF5 file locking on and ROMIO (romio321); and coordination: the
# srun job with one sub-coordinator per node (--group-size 2: ranks 2 and 4 serve their node), mpirun's flat.
. "$(dirname "$0")/lib.sh"
SW_SLURM_CPUS=4
nodes_start 3
expect_exit 0 "local reference run of the noop sweep (1 rank, no mpirun)" \
  "$MPISWEEP" run "$SPECS/noop.yaml" -o ref.h5 --progress none

# bytes_on NODE: bytes received and sent on the node's network interface.
bytes_on() { ip netns exec "$(node_ns "$1")" cat /sys/class/net/eth0/statistics/{rx,tx}_bytes | awk "{n += \$1} END {print n}"; }
declare -A before
for n in $SW_NODES; do before[$n]=$(bytes_on "$n"); done

# A wrapper in place of the binary records where each rank ran and with which I/O settings.
cat > mpisweep-env <<EOS
#!/bin/sh
[ "\$1" = run ] && echo "\$(hostname) HDF5_USE_FILE_LOCKING=\${HDF5_USE_FILE_LOCKING:-unset}" \\
  "OMPI_MCA_io=\${OMPI_MCA_io:-default}" >> "$SW_WORK/env-\$SLURM_JOB_ID.txt"
exec "$MPISWEEP" "\$@"
EOS
chmod +x mpisweep-env
export OMPI_MCA_btl_base_verbose=100 OMPI_MCA_io_base_verbose=100
submit_job srun_job "$SPECS/noop.yaml" -o srun.h5 -N 3 --ntasks-per-node 2 --time=5 --group-size 2 \
  --mpisweep "$SW_WORK/mpisweep-env"
HDF5_USE_FILE_LOCKING=TRUE OMPI_MCA_io=romio321 submit_job mpirun_job "$SPECS/noop.yaml" -o mpirun.h5 -N 3 \
  --ntasks-per-node 2 -t 5 --launcher mpirun --mpisweep "$SW_WORK/mpisweep-env"
unset OMPI_MCA_btl_base_verbose
wait_job "$srun_job" 120
wait_job "$mpirun_job" 120

for l in srun mpirun; do
  id=${l}_job
  id=${!id}
  expect_job "$id" COMPLETED 0 0
  expect_in_log "$id" "starting on 3 node(s)"
  expect_in_log "$id" "6 ranks via $l"
  [ "$(sweep_counts $l.h5 noop)" = "220 0 0 0" ] || fail "$l.h5: $(sweep_counts $l.h5 noop), expected 220 done"
  same_results ref.h5 $l.h5 noop x_out k_out u u_mean task_status
  # Every rank's choice of transport for every peer: "[HOST:PID] mca: bml: Using BTL btl for send to [...] on node
  # PEER". Ranks of one node use vader, of different nodes tcp; nothing else.
  sed -n 's/^\[\([^:]*\):[0-9]*\] mca: bml: Using \([a-z]*\) btl for send to .* on node \(.*\)$/\1 \2 \3/p' \
    "$(job_log "$id")" | sort | uniq -c > $l.btl
  cat $l.btl
  awk '$3 != "self" && (($2 == $4) != ($3 == "vader")) {bad = 1} END {exit bad}' $l.btl ||
    fail "job $id: a pair of ranks used a transport other than vader within a node and tcp between nodes"
  [ "$(awk '$3 == "tcp"' $l.btl | wc -l)" -eq 6 ] && [ "$(awk '$3 == "vader" && $2 == $4' $l.btl | wc -l)" -eq 3 ] ||
    fail "job $id: expected every node to reach both others by tcp and itself by vader"
  pass "job $id: ranks on different nodes talk over tcp, ranks on the same node over vader (shared memory)"
  env=$SW_WORK/env-$id.txt
  [ "$(cut -d' ' -f1 "$env" | sort | uniq -c | awk '$1 == 2' | wc -l)" -eq 3 ] ||
    { cat "$env"; fail "job $id: expected 2 ranks on each of 3 nodes"; }
  io=$([ $l = srun ] && echo "HDF5_USE_FILE_LOCKING=FALSE OMPI_MCA_io=default" ||
       echo "HDF5_USE_FILE_LOCKING=TRUE OMPI_MCA_io=romio321")
  [ "$(grep -c " $io$" "$env")" -eq 6 ] || { cat "$env"; fail "job $id: not every rank ran with $io"; }
  pass "job $id: 2 ranks on each of the 3 nodes, all with $io"
  module=$([ $l = srun ] && echo ompio || echo romio321)
  [ "$(grep -c "io:base:file_select: Selected io module $module$" "$(job_log "$id")")" -eq 6 ] ||
    fail "job $id: not every rank opened the file with MPI-IO module $module"
  pass "job $id: every rank opened the file with MPI-IO module $module (io_base_verbose)"
  "$MPISWEEP" status $l.h5 | grep -q "run started: 6 ranks on .*, Slurm job $id;" || fail "$l.h5 does not name job $id"
done
for n in $SW_NODES; do
  moved=$(( $(bytes_on "$n") - before[$n] ))
  [ "$moved" -gt 100000 ] || fail "node $n moved only $moved bytes over its network interface"
  pass "node $n moved $moved bytes over its network interface (eth0 on $SW_SUBNET.0/24)"
done
done_testing
