# cluster.sh: a throw-away Slurm cluster on this machine for the Slurm tests: munged, slurmctld and slurmd, one
# node, a generated configuration under a fresh temporary directory, its own ports and munge socket, so it touches
# neither /etc/slurm nor a system munged nor a second test cluster. Sourced after ../mpi/lib.sh.
#
#   cluster_start   starts the daemons, waits until the node is idle, exports SLURM_CONF (every Slurm command of
#                   the test then talks to this cluster) and arranges that the cluster is ALWAYS taken down: an
#                   EXIT trap for normal ends, failures and Ctrl-C, and a watchdog for a test shell that is killed
#                   outright (CTest's timeout).
#
# Everything runs as the user who runs the tests, root or not: SlurmUser and SlurmdUser are that user, so slurmd
# starts the jobs (of the same user) without root, and no sudo is needed. CI runs as root; a normal user works the
# same way. Without the Slurm programs the test is skipped (exit 77, which CTest reports as skipped).
: "${SW_SLURM_CPUS:=8}"

sw_skip() { echo "SKIP: $*"; exit 77; }

for p in munged slurmctld slurmd sbatch srun squeue scontrol scancel; do
  command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$p" >/dev/null 2>&1 \
    || sw_skip "$p not found; install the Slurm packages with scripts/install-deps --slurm"
done
PATH=$PATH:/usr/sbin:/sbin

# pick_ports: sets ctld_port and slurmd_port to two different TCP ports that no socket uses, in any state, below
# the kernel's ephemeral range: a port in that range may be taken any moment as the local end of some outgoing
# connection (seen: slurmd failing to bind). Not in $(...): subshells would repeat the same $RANDOM sequence.
pick_ports() {
  local low p used
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || low=32768
  [ "${low:-0}" -gt 12000 ] || low=32768
  # Every local TCP port in use, from the kernel's tables (hex after the colon of the local address).
  used=" "
  for p in $(awk 'FNR > 1 {sub(/.*:/, "", $2); print $2}' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u); do
    used+="$((16#$p)) "
  done
  ctld_port="" slurmd_port=""
  for _ in $(seq 200); do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    [ "$p" != "$ctld_port" ] || continue
    [[ $used == *" $p "* ]] && continue
    if [ -z "$ctld_port" ]; then ctld_port=$p; else slurmd_port=$p; return 0; fi
  done
  fail "found no free TCP ports"
}

# cluster_write_conf DIR: the configuration. Every choice here is about running on one machine with no systemd,
# no cgroups and no accounting database, and about keeping the tests fast.
cluster_write_conf() {
  local d=$1 host ctld_port slurmd_port
  host=$(hostname -s)
  pick_ports
  cat > "$d/slurm.conf" <<CONF
ClusterName=mpisweep-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
# Our own munged; cred_expire=10 lets a requeued job start again after about 12 s instead of 120 s.
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$d/state
# Job ids and the step's scratch files (PMIx keeps its rendezvous files there, named by job id) must not meet those
# of another test cluster running at the same time.
FirstJobId=$(( (RANDOM % 30000 + 1) * 1000 ))
TmpFS=$d/tmp
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$d/plugstack.conf
# No cgroups here: track processes by parentage, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# Schedule every 2 s, so that submitted and requeued jobs start at once.
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=2,sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# A job that can never fit is rejected at submission instead of pending forever.
EnforcePartLimits=ALL
JobRequeue=1
ReturnToService=2
# scontrol show job keeps finished jobs this long (there is no sacct without accounting storage).
MinJobAge=600
KillWait=30
SlurmdTimeout=60
# The node claims $SW_SLURM_CPUS CPUs whatever the machine has, so that several small test jobs run side by side on
# a 2-core machine (their tasks mostly sleep).
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$SW_SLURM_CPUS State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  : > "$d/plugstack.conf"
}

cluster_start() {
  cluster_prepare cluster_write_conf
  cluster_start_ctld
  (env SLURM_CONF="$SLURM_CONF" SW_TEST_CLUSTER="$SW_CLUSTER" setsid slurmd -D \
    > "$SW_CLUSTER/log/slurmd.out" 2>&1 < /dev/null &)
  local state=""
  for _ in $(seq 300); do
    state=$(sinfo -h -o %T 2>/dev/null) || true
    [ "$state" = idle ] && break
    sleep 0.1
  done
  [ "$state" = idle ] || cluster_fail "the node did not become idle within 30 s (state '$state')"
  pass "a one-node Slurm cluster is up (Slurm $(sinfo --version | cut -d' ' -f2), config $SLURM_CONF)"
}

# cluster_prepare WRITE_CONF [ARGS]: the cluster's directory, its configuration (WRITE_CONF DIR ARGS), the teardown
# and munged. Also used by nodes.sh.
cluster_prepare() {
  # A test run inside a Slurm job must not pass that job's identity on to the test cluster's jobs.
  unset $(compgen -v SLURM_) $(compgen -v SBATCH_) $(compgen -v SALLOC_) $(compgen -v SRUN_)
  SW_CLUSTER=$(mktemp -d "${TMPDIR:-/tmp}/mpisweep-slurm.XXXXXX") || fail "mktemp"
  chmod 755 "$SW_CLUSTER"
  mkdir -p "$SW_CLUSTER"/{munge,state,spool,log,tmp}
  export SLURM_CONF=$SW_CLUSTER/slurm.conf
  # From here on the cluster goes down however the test ends.
  trap cluster_stop EXIT
  trap 'exit 130' INT TERM HUP
  cluster_watchdog
  local d=$SW_CLUSTER write=$1
  shift
  "$write" "$d" "$@"
  # munged refuses a key or a socket directory that others could write.
  dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
  chmod 600 "$d/munge/munge.key"
  chmod 755 "$d/munge"
  munged --force --socket="$d/munge/munge.socket" --key-file="$d/munge/munge.key" \
    --pid-file="$d/munge/munged.pid" --seed-file="$d/munge/munged.seed" --log-file="$d/log/munged.log" \
    || cluster_fail "munged did not start"
}

# cluster_start_ctld: slurmctld, in a subshell so that it is no job of this shell (which would report its end);
# cluster-stop ends it.
cluster_start_ctld() {
  (env SLURM_CONF="$SLURM_CONF" SW_TEST_CLUSTER="$SW_CLUSTER" setsid slurmctld -D -i \
    > "$SW_CLUSTER/log/slurmctld.out" 2>&1 < /dev/null &)
}

# cluster_fail MESSAGE: fail with the daemons' logs, which say why.
cluster_fail() {
  for f in "$SW_CLUSTER"/log/*; do echo "--- $f" >&2; tail -n 30 "$f" >&2; done
  fail "$*"
}

# cluster_stop: cancel every job, shut the daemons down, kill whatever of this cluster survived (job steps keep
# running when slurmd goes away), stop munged, remove the directory. Safe to call twice.
cluster_stop() {
  [ -n "${SW_CLUSTER:-}" ] && [ -d "$SW_CLUSTER" ] || return 0
  local d=$SW_CLUSTER
  SW_CLUSTER=
  "$SW_CLUSTER_STOP" "$d" "$SW_WORK/cluster-log"
}
SW_CLUSTER_STOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cluster-stop

# cluster_watchdog: a process outside the test's process group that stops the cluster once the test shell is gone,
# in case the shell was killed with SIGKILL and its EXIT trap never ran.
cluster_watchdog() {
  local shell=$$
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; shift; exec "$@"' \
    watchdog "$shell" "$SW_CLUSTER_STOP" "$SW_CLUSTER" > /dev/null 2>&1 < /dev/null &
}
