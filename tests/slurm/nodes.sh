# nodes.sh: a Slurm cluster of several nodes on this one machine, for the multi-node tests. Sourced by lib.sh.
#
#   nodes_start N   like cluster_start, but N nodes: each node is its own network namespace (its own address on a
#                   private bridge that this function creates) and its own UTS and mount namespace (its own host
#                   name, /etc/hosts and Slurm TmpFS), running its own slurmd (slurmd -N NODE). slurmctld and munged
#                   run outside, on the bridge's address. Every file system is shared, as on a cluster with a shared
#                   home: the result file is seen by all nodes.
#   node_kill NODE  kills every process of NODE (slurmd, slurmstepd, ranks): the node dies as with a power cut.
#   node_restart NODE  starts NODE's slurmd again (the node "reboots"; ReturnToService=2 takes it back).
#   node_pids NODE  the processes running on NODE.
#
# Addresses: 10.213.X.0/24 on a bridge swbrPID, X chosen so that no other interface of this machine has it; nodes
# are 10.213.X.1 to .N, slurmctld 10.213.X.254. Traffic goes only between these namespaces and the bridge.
# Teardown (cluster-stop, from the EXIT trap or the watchdog) kills every process of the namespaces and removes them
# and the bridge; a stale-cleanup at start removes what a test killed outright (SIGKILL to the test and its
# watchdog) left behind. Without root or namespaces the test is skipped (exit 77).

SW_NODE_PREFIX=swmn
SW_NODES_HELPER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cluster-stop

nodes_check() {
  [ "$(id -u)" -eq 0 ] || sw_skip "the multi-node cluster needs root (network namespaces, a bridge)"
  for p in ip unshare nsenter mount; do command -v "$p" > /dev/null || sw_skip "$p not found (iproute2, util-linux)"; done
  local probe=${SW_NODE_PREFIX}$$-probe
  ip netns add "$probe" 2> /dev/null || sw_skip "this machine does not allow network namespaces (ip netns add failed)"
  ip netns del "$probe"
  unshare --uts --mount true 2> /dev/null || sw_skip "this machine does not allow UTS and mount namespaces"
}

# nodes_reap_stale: removes namespaces and bridges of multi-node clusters whose test shell is gone.
nodes_reap_stale() {
  local ns owner br
  for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep "^${SW_NODE_PREFIX}[0-9]*-"); do
    owner=${ns#"$SW_NODE_PREFIX"}
    owner=${owner%%-*}
    kill -0 "$owner" 2> /dev/null && continue
    echo "removing stale namespace $ns (its test, pid $owner, is gone)"
    "$SW_NODES_HELPER" --netns "$ns"
  done
  for br in $(ip -o link show type bridge 2> /dev/null | awk -F': ' '{print $2}' | grep '^swbr[0-9]*$'); do
    kill -0 "${br#swbr}" 2> /dev/null && continue
    echo "removing stale bridge $br"
    ip link del "$br" 2> /dev/null
  done
}

# nodes_pick_subnet: X for 10.213.X.0/24, one no interface of this machine uses.
nodes_pick_subnet() {
  local used x
  used=$(ip -o -4 addr show 2> /dev/null | awk '{print $4}')
  for _ in $(seq 100); do
    x=$((RANDOM % 250 + 1))
    grep -q "^10\.213\.$x\." <<< "$used" || { SW_SUBNET=10.213.$x; return 0; }
  done
  fail "found no free 10.213.X.0/24 subnet"
}

# nodes_network DIR N: the bridge, and N namespaces each with a veth pair into it.
nodes_network() {
  local d=$1 n=$2 i ns br=swbr$$
  ip link add "$br" type bridge || cluster_fail "cannot create bridge $br"
  echo "$br" > "$d/bridge"
  ip addr add "$SW_SUBNET.254/24" dev "$br" && ip link set "$br" up || cluster_fail "cannot configure $br"
  for i in $(seq "$n"); do
    ns=${SW_NODE_PREFIX}$$-n$i
    ip netns add "$ns" || cluster_fail "cannot create namespace $ns"
    echo "$ns" >> "$d/netns"
    ip link add "swv$$n$i" type veth peer name eth0 netns "$ns" || cluster_fail "cannot create the veth of $ns"
    ip link set "swv$$n$i" master "$br" up
    ip -n "$ns" addr add "$SW_SUBNET.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
}

# node_name I: the host and Slurm node name of node I (unique per cluster: Open MPI's session directories in the
# shared /tmp are named by host).
node_name() { echo "sw${SW_SUBNET##*.}n$1"; }
node_ns() { echo "${SW_NODE_PREFIX}$$-n${1##*n}"; }

# nodes_write_conf DIR N: the one-node configuration of cluster.sh, with N nodes in place of one.
nodes_write_conf() {
  local d=$1 n=$2 i nodes=""
  cluster_write_conf "$d"
  sed -i -e "s|^SlurmctldHost=\([^(]*\)(.*|SlurmctldHost=\1($SW_SUBNET.254)|" \
    -e "s|^SlurmdSpoolDir=.*|SlurmdSpoolDir=$d/spool/%n|" -e "s|^SlurmdPidFile=.*|SlurmdPidFile=$d/slurmd-%n.pid|" \
    -e "s|^SlurmdLogFile=.*|SlurmdLogFile=$d/log/slurmd-%n.log|" -e '/^NodeName=/d' -e '/^PartitionName=/d' \
    "$d/slurm.conf"
  printf '127.0.0.1 localhost\n%s %s\n' "$SW_SUBNET.254" "$(hostname -s)" > "$d/hosts"
  for i in $(seq "$n"); do
    echo "NodeName=$(node_name "$i") NodeHostname=$(node_name "$i") NodeAddr=$SW_SUBNET.$i CPUs=$SW_SLURM_CPUS" \
      "State=UNKNOWN" >> "$d/slurm.conf"
    echo "$SW_SUBNET.$i $(node_name "$i")" >> "$d/hosts"
    nodes+=${nodes:+,}$(node_name "$i")
    mkdir -p "$d/nodes/$(node_name "$i")/tmp" "$d/spool/$(node_name "$i")"
  done
  echo "PartitionName=test Nodes=$nodes Default=YES MaxTime=INFINITE State=UP" >> "$d/slurm.conf"
}

# node_restart NODE: starts NODE's slurmd in its namespaces: own host name, the cluster's /etc/hosts, its own TmpFS
# (Slurm's PMIx plugin keeps per-step files there, named by job and step only). nsenter, not ip netns exec, which
# would remount /sys and hide the cgroup file system slurmd wants to see.
node_restart() {
  local node=$1 d=$SW_CLUSTER
  (env SLURM_CONF="$SLURM_CONF" SW_TEST_CLUSTER="$d" setsid nsenter --net="/run/netns/$(node_ns "$node")" \
    unshare --uts --mount --propagation private sh -c \
    'hostname "$1" && mount --bind "$2/hosts" /etc/hosts && mount --bind "$2/nodes/$1/tmp" "$2/tmp" &&
     exec slurmd -D -N "$1"' sh "$node" "$d" > "$d/log/slurmd-$node.out" 2>&1 < /dev/null &)
}

node_pids() { ip netns pids "$(node_ns "$1")" 2> /dev/null; }

node_kill() {
  local p
  for p in $(node_pids "$1"); do kill -KILL "$p" 2> /dev/null; done
}

# nodes_wait_idle N: waits until N nodes are idle.
nodes_wait_idle() {
  local idle=0
  for _ in $(seq 300); do
    idle=$(sinfo -h -N -o '%N %T' 2> /dev/null | grep -c ' idle$')
    [ "$idle" -ge "$1" ] && return 0
    sleep 0.1
  done
  sinfo -N >&2
  cluster_fail "only $idle of $1 nodes became idle within 30 s"
}

nodes_start() {
  local n=$1 i
  nodes_check
  nodes_reap_stale
  # Test clusters started at the same time must not pick the same subnet: the choice and the bridge that takes it
  # are made under one machine-wide lock.
  local lock
  exec {lock}> "${TMPDIR:-/tmp}/mpisweep-nodes.lock"
  flock "$lock"
  nodes_pick_subnet
  cluster_prepare nodes_write_conf "$n"
  nodes_network "$SW_CLUSTER" "$n"
  flock -u "$lock"
  exec {lock}>&-
  cluster_start_ctld
  for i in $(seq "$n"); do node_restart "$(node_name "$i")"; done
  nodes_wait_idle "$n"
  SW_NODES=$(sinfo -h -N -o %N | sort -u | tr '\n' ' ')
  pass "a $n-node Slurm cluster is up: nodes $SW_NODES on $SW_SUBNET.0/24 (Slurm $(sinfo --version | cut -d' ' -f2))"
}
