#!/usr/bin/env bash
# 5. Scaling: a CPU-bound sweep on 1 and 2 ranks: parallel efficiency T1 / (2 T2).
. "$(dirname "$0")/lib.sh"
printf 'sweep: cpu\nexperiment: noop\nfixed: {draws: 2000000}\ngrid:\n  k: {range: [0, 199, 1]}\n' > "$WORK/cpu.yaml"
t1=() t2=()
for _ in $(seq "$REPEAT"); do
  mpirun -n 1 "$MPISWEEP" run "$WORK/cpu.yaml" -o "$WORK/cpu.h5" --overwrite --progress none 2> "$WORK/c.log"; t1+=("$(run_seconds "$WORK/c.log")")
  mpirun -n 2 "$MPISWEEP" run "$WORK/cpu.yaml" -o "$WORK/cpu.h5" --overwrite --progress none 2> "$WORK/c.log"; t2+=("$(run_seconds "$WORK/c.log")")
done
m1=$(median "${t1[@]}") m2=$(median "${t2[@]}")
echo "## 5. Scaling: 200 CPU-bound tasks (2*10^6 uniforms each)"
echo
echo "| ranks | seconds, median [min, max] of $REPEAT |"
echo "| --- | --- |"
echo "| 1 | $(stats "${t1[@]}") |"
echo "| 2 | $(stats "${t2[@]}") |"
echo
echo "Parallel efficiency on 2 ranks: $(calc "round($m1 / (2 * $m2), 3)")."
