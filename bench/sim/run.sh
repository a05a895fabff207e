#!/usr/bin/env bash
# run.sh [SIZES]: the simulated table of bench/RESULTS.md section 9: the real scheduler (bench/sim/build.sh) under
# SimGrid SMPI on clusters of SIZES ranks (default "1024 10000 100000"; platform.sh), PER_WORKER (default 20) tasks of
# mean 0.1 s drawn from the laws in LAWS (simsleep; default all three: constant; log-normal CV 2; log-normal CV 2
# with 0.1 % of the tasks at 50x the median). GROUPS: the group sizes to run (--group-size; default "auto flat":
# automatic sub-coordinators, then rank 0 alone). One line of figures per run (simrun.c says what each is).
# SMPI's defaults inject 100 us into every MPI_Iprobe and MPI_Test; real ones cost well under 1 us here, so they
# are set to 0.1 us. Compute between MPI calls is measured on this machine and injected at its measured length
# (host speed = platform speed). No privatization: the default copies the program once per rank (10,000 copies
# exhaust the mappings); the run layer's only mutable globals are error buffers and signal counts. Collectives:
# binomial trees (reduce + broadcast for allreduce): SMPI's default selection costs the simulator O(ranks^2) per
# call (30 s for ten allreduces at 4,096 ranks, against 2 s), which made 100,000 ranks impossible to simulate.
set -euo pipefail
SIM_DIR=$(cd "$(dirname "$0")" && pwd)
OUT=${SIM_OUT:-$SIM_DIR/../../build-sim}
SIZES=${1:-1024 10000 100000}
LAWS=${LAWS:-constant log-normal heavy}
GROUPS_TO_RUN=${GROUPS:-auto flat}
[ -x "$OUT/simrun" ] || "$SIM_DIR/build.sh" "$OUT" > /dev/null
SMPI_OPTS=(--cfg=smpi/host-speed:1Gf --cfg=smpi/iprobe:1e-7 --cfg=smpi/test:1e-7 --cfg=contexts/stack-size:${SIM_STACK_KB:-128}
           --cfg=smpi/privatization:no --cfg=smpi/allreduce:redbcast --cfg=smpi/reduce:binomial
           --cfg=smpi/bcast:binomial_tree --log=root.thres:warning)
law_params() {
  case $1 in
    constant) echo "constant 0.1 s:0:0" ;;
    log-normal) echo "log-normal CV 2:2:0" ;;
    heavy) echo "heavy tail:2:0.001" ;;
    *) echo "run.sh: unknown law '$1'" >&2; exit 2 ;;
  esac
}
# Every simulated rank's stack is two memory mappings (the stack and its guard page): 100,000 ranks need more than
# Linux's default 65,530 mappings per process.
need_maps() {
  local want=$(($1 * 2 + 10000)) have; have=$(cat /proc/sys/vm/max_map_count)
  [ "$have" -ge "$want" ] && return 0
  local sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  "${sudo[@]}" sysctl -q -w vm.max_map_count="$want" ||
    { echo "run.sh: $1 ranks need vm.max_map_count >= $want (now $have): sudo sysctl -w vm.max_map_count=$want" >&2; exit 1; }
}
for n in $SIZES; do
  need_maps "$n"
  "$SIM_DIR/platform.sh" "$n" "$OUT/platform-$n.xml"
  for law in $LAWS; do
    IFS=: read -r name cv heavy <<< "$(law_params "$law")"
    spec=$OUT/sim-$n-$cv-$heavy.yaml
    # Replicates, not a grid axis: every simulated rank parses the spec, and an axis holds all its values.
    printf 'sweep: sim\nexperiment: simsleep\nfixed: {mean: 0.1, cv: %s, heavy: %s}\nreplicates: %d\n' \
      "$cv" "$heavy" $((${PER_WORKER:-20} * (n - 1))) > "$spec"
    for g in $GROUPS_TO_RUN; do
      case $g in auto) group=0 ;; flat) group=$n ;; *) group=$g ;; esac
      t0=$(date +%s.%N)
      line=$(smpirun -np "$n" -platform "$OUT/platform-$n.xml" "${SMPI_OPTS[@]}" "$OUT/simrun" "$spec" "$group" \
             2> "$OUT/sim.log" | grep '^ranks=') || { tail -5 "$OUT/sim.log" >&2; exit 1; }
      echo "law=\"$name\" $line simulator_seconds=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")"
    done
  done
done
