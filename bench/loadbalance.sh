#!/usr/bin/env bash
# 2. Load balance: 2000 sleep tasks with log-normal durations (mean 20 ms, CV 2) on 16 oversubscribed ranks
# (the tasks sleep, so 16 ranks fit on 2 cores): efficiency = sum of durations / (workers x makespan).
. "$(dirname "$0")/lib.sh"
RANKS=${LB_RANKS:-16}
# LB_BASELINE=/path/to/an/older/mpisweep adds its adaptive-chunk row, measured in the same run (before/after).
BASELINE=${LB_BASELINE:-}
durations() { # durations FILE HEAVY: log-normal, seed fixed; HEAVY tasks replaced by 50x the median
  "$PY" - "$1" "$2" <<'P'
import sys, numpy as np
rng = np.random.default_rng(2026)
cv, mean, n = 2.0, 0.020, 2000
s2 = np.log(1 + cv * cv)
d = rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)
heavy = int(sys.argv[2])
if heavy:
    d[rng.choice(n, heavy, replace=False)] = 50 * np.median(d) * (1 + 1e-5 * np.arange(heavy))  # distinct: zip rows must differ
np.savetxt(sys.argv[1], d, fmt="%.9f")
P
}
spec() { # spec DURATIONS YAML
  { echo "sweep: lb"; echo "experiment: sleep"; echo "zip:"; printf "  seconds: ["; paste -sd, "$1"; echo "]"; } > "$2"
}
echo "## 2. Load balance: 2000 log-normal sleep tasks (mean 20 ms, CV 2) on $RANKS ranks"
echo
echo "| case | policy | efficiency, median [min, max] of $REPEAT |"
echo "| --- | --- | --- |"
for heavy in 0 5; do
  durations "$WORK/d$heavy.txt" "$heavy"
  spec "$WORK/d$heavy.txt" "$WORK/lb$heavy.yaml"
  total=$("$PY" -c "import numpy as np; print(np.loadtxt('$WORK/d$heavy.txt').sum())")
  label=$([ "$heavy" -eq 0 ] && echo "log-normal" || echo "log-normal, 5 tasks at 50x the median")
  for policy in auto block ${BASELINE:+baseline}; do
    chunk=$([ "$policy" = block ] && echo $(( (2000 + RANKS - 1) / RANKS )) || echo auto)
    bin=$([ "$policy" = baseline ] && echo "$BASELINE" || echo "$MPISWEEP")
    eff=()
    for _ in $(seq "$REPEAT"); do
      mpirun -n "$RANKS" "$bin" run "$WORK/lb$heavy.yaml" -o "$WORK/lb.h5" --overwrite --chunk "$chunk" --progress none 2> "$WORK/lb.log"
      eff+=("$(calc "$total / ($RANKS * $(run_seconds "$WORK/lb.log"))")")
    done
    case $policy in
      auto) name="mpisweep, adaptive chunks, longest first" ;;
      baseline) name="mpisweep before longest first ($BASELINE), adaptive chunks" ;;
      *) name="static block partition (mpisweep --chunk $chunk)" ;;
    esac
    echo "| $label | $name | $(stats "${eff[@]}") |"
  done
  eff=()
  for _ in $(seq "$REPEAT"); do
    makespan=$(mpirun -n "$RANKS" "$PY" "$BENCH_DIR/peers/mpi4py_sleep.py" "$WORK/d$heavy.txt")
    eff+=("$(calc "$total / (($RANKS - 1) * $makespan)")")
  done
  echo "| $label | mpi4py.futures, chunksize 1 ($((RANKS - 1)) workers: rank 0 only dispatches) | $(stats "${eff[@]}") |"
done
echo
echo "Workers: mpisweep computes on all $RANKS ranks (rank 0 too); the ideal makespan is the sum of durations / workers,"
echo "bounded below by the longest task."
