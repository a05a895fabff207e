#!/usr/bin/env bash
# validate.sh: the simulation against real runs on this machine: 400 log-normal sleep tasks (mean 20 ms, CV 2,
# seed fixed) with W = 2, 4, 8, 16 workers. Real: mpirun -n W mpisweep (every rank computes, rank 0 also
# coordinates; the run's own clock, HDF5 writes included). Simulated: W + 1 ranks (the simulated coordinator only
# coordinates, so both have W workers). Prints the makespans, median of REPEAT real runs, and their ratio.
set -euo pipefail
SIM_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SIM_DIR/../lib.sh"
OUT=${SIM_OUT:-$ROOT/build-sim}
[ -x "$OUT/simrun" ] || "$SIM_DIR/build.sh" "$OUT" > /dev/null
"$PY" - "$WORK/v.yaml" <<'P'
import sys, numpy as np
rng = np.random.default_rng(14)
cv, mean, n = 2.0, 0.020, 400
s2 = np.log(1 + cv * cv)
d = rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)
open(sys.argv[1], "w").write("sweep: v\nexperiment: sleep\nzip:\n  seconds: [" + ",".join("%.9f" % x for x in d) + "]\n")
P
echo "| workers | real makespan, median [min, max] of $REPEAT (s) | simulated makespan (s) | simulated / real |"
echo "| --- | --- | --- | --- |"
for w in 2 4 8 16; do
  real=()
  for _ in $(seq "$REPEAT"); do
    mpirun -n "$w" "$MPISWEEP" run "$WORK/v.yaml" -o "$WORK/v.h5" --overwrite --progress none 2> "$WORK/v.log"
    real+=("$(run_seconds "$WORK/v.log")")
  done
  "$SIM_DIR/platform.sh" $((w + 1)) "$WORK/p.xml"
  sim=$(smpirun -np $((w + 1)) -platform "$WORK/p.xml" --cfg=smpi/host-speed:1Gf --cfg=smpi/iprobe:1e-7 \
        --cfg=smpi/test:1e-7 --log=root.thres:warning "$OUT/simrun" "$WORK/v.yaml" 2> /dev/null |
        sed -n 's/.*makespan=\([0-9.]*\).*/\1/p')
  med=$(median "${real[@]}")
  echo "| $w | $(stats "${real[@]}") | $sim | $(calc "round($sim / $med, 3)") |"
done
