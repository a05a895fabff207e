#!/usr/bin/env bash
# 3. Numerical kernels: one rank's throughput of every experiment against a NumPy implementation of the same
# computation at the same sizes (bench/kernels/EXPERIMENT.py), with the same OpenBLAS on one thread.
# C: build-bench/bench/kernel_bench (run() through the registry, as the runner's compute thread calls it; no MPI,
# no HDF5). Both sides report CPU seconds per task (process CPU time, which on a quiet machine equals wall time and
# on a shared one is less disturbed by other processes), median of REPEAT samples of at least 0.2 s each.
. "$(dirname "$0")/lib.sh"
KB=${KERNEL_BENCH:-$ROOT/build-bench/bench/kernel_bench}
KPY="$BENCH_DIR/kernels"
CLOCK=${KERNEL_CLOCK:-cpu}
# KERNELS=angle,hsic restricts the table to those experiments (default: all).

# experiment | kind (rng: random-number-bound, target >= 2x; blas: BLAS/LAPACK-bound, target >= 1x) | parameters
POINTS=(
  "angle|rng|"
  "angle|rng|dim=100 samples=20000 bins=32"
  "variance_bias|rng|"
  "variance_bias|rng|dist=exponential n=50"
  "gumbel|rng|"
  "gumbel|rng|temperature=0.1 logits=0,0.2,0.4,0.6,0.8,1,1.2,1.4,1.6,1.8 values=1,2,3,4,5,6,7,8,9,10"
  "langevin|rng|"
  "langevin|rng|target=mixture init=uniform sampler=mala steps=100"
  "noise_penalty|rng|"
  "noise_penalty|rng|model=softmax_kl"
  "reparam_gauss|rng|"
  "reparam_gauss|rng|f=sin omega=3"
  "ebm_train|rng|"
  "init_orthogonality|blas|"
  "init_orthogonality|blas|fan_in=256 fan_out=1024 draws=10"
  "signal_propagation|blas|"
  "signal_propagation|blas|width=512 depth=10 inputs=256 draws=4"
  "attention_rank|blas|"
  "attention_rank|blas|seq_len=256 key_size=64 d_model=256 heads=4 draws=4"
  "hsic|blas|"
  "hsic|blas|bandwidth=median samples=1000 permutations=0 draws=5"
  "vat|blas|"
  "vat|blas|start=random iterations=5"
)

field() { sed -n "s/^$1 \([^ ]*\) \([^ ]*\) \([^ ]*\).*/\1 \2 \3/p" "$2"; }

peak=$("$PY" "$KPY/dgemm_peak.py" --repeat "$REPEAT")
peak_med=$(echo "$peak" | awk '{print $2}')

echo "## 3. Numerical kernels: one rank against NumPy"
echo
echo "Seconds per task of one experiment, C (\`kernel_bench\`: run() through the registry with its workspace and"
echo "outputs allocated once, as the runner calls it; no MPI, no HDF5) against a NumPy implementation of the same"
echo "computation at the same sizes (\`bench/kernels/<experiment>.py\`: Debian's NumPy, the same OpenBLAS, one thread)."
echo "Median [min, max] of $REPEAT samples of at least 0.2 s, in $CLOCK time. Parameters not listed are the experiment's"
echo "defaults (\`mpisweep describe <experiment>\`). Targets: >= 2x on random-number-bound kernels, >= 1x on"
echo "BLAS/LAPACK-bound ones, whose GFLOP/s (nominal flop counts in the NumPy scripts) are given against single-core"
echo "dgemm peak measured in the same run: $(echo "$peak" | awk '{printf "%.1f [%.1f, %.1f]", $2, $3, $4}') GFLOP/s (2048 x 2048 through NumPy)."
echo
echo "| experiment | parameters | C s/task | NumPy s/task | NumPy / C | target | met | GFLOP/s (C), % of dgemm peak |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for point in "${POINTS[@]}"; do
  IFS='|' read -r exp kind params <<< "$point"
  if [ -n "${KERNELS:-}" ] && [[ ",$KERNELS," != *",$exp,"* ]]; then continue; fi
  # shellcheck disable=SC2086 # parameters are words
  "$KB" "$exp" $params --repeat "$REPEAT" --clock "$CLOCK" > "$WORK/k_c.txt"
  # shellcheck disable=SC2086
  (cd "$KPY" && "$PY" "$exp.py" $params --repeat "$REPEAT" --clock "$CLOCK") > "$WORK/k_py.txt"
  read -r c_med c_min c_max <<< "$(field seconds_per_task "$WORK/k_c.txt")"
  read -r p_med p_min p_max <<< "$(field seconds_per_task "$WORK/k_py.txt")"
  ratio=$(calc "$p_med / $c_med")
  if [ "$kind" = rng ]; then target=2; else target=1; fi
  met=$(calc "'yes' if $ratio >= $target else 'no'")
  gf="-"
  if [ "$kind" = blas ]; then
    flops=$(sed -n 's/^flops_per_task //p' "$WORK/k_py.txt")
    gf=$(calc "'%.2f (%.1f %%)' % ($flops / $c_med / 1e9, 100 * $flops / $c_med / 1e9 / $peak_med)")
  fi
  printf '| %s | %s | %s | %s | %s | >= %sx | %s | %s |\n' "$exp" "${params:-defaults}" \
    "$(calc "'%.4g [%.4g, %.4g]' % ($c_med, $c_min, $c_max)")" \
    "$(calc "'%.4g [%.4g, %.4g]' % ($p_med, $p_min, $p_max)")" "$(calc "'%.2f' % $ratio")" "$target" "$met" "$gf"
done
echo
echo "Random numbers alone (millions per second, one core; mpisweep: sw_rng's bulk fills, Philox4x64-10; NumPy: its"
echo "default Generator, PCG64), median [min, max] of $REPEAT fills of 2^22 numbers:"
echo
echo "| kind | mpisweep sw_rng | NumPy Generator | ratio |"
echo "| --- | --- | --- | --- |"
"$KB" --rng --repeat "$REPEAT" --clock "$CLOCK" > "$WORK/k_rng_c.txt"
"$PY" "$KPY/rng.py" --repeat "$REPEAT" > "$WORK/k_rng_py.txt"
for kind in normal uniform exponential gumbel; do
  read -r cm cl ch <<< "$(field "rng $kind" "$WORK/k_rng_c.txt")"
  read -r pm pl ph <<< "$(field "rng $kind" "$WORK/k_rng_py.txt")"
  printf '| %s | %s | %s | %s |\n' "$kind" "$(calc "'%.0f [%.0f, %.0f]' % ($cm / 1e6, $cl / 1e6, $ch / 1e6)")" \
    "$(calc "'%.0f [%.0f, %.0f]' % ($pm / 1e6, $pl / 1e6, $ph / 1e6)")" "$(calc "'%.2f' % ($cm / $pm)")"
done
