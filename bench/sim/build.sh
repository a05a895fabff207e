#!/usr/bin/env bash
# build.sh [OUT_DIR]: builds bench/sim/simrun with SimGrid's smpicc, outside the CMake build (which it does not
# touch): the real run layer, scheduler, null store, spec, core and the runner's own experiments, with the compute
# running inline on each rank's main thread (SW_SCHED_INLINE, see src/sched/compute.c), and sw_run on the caller's
# communicator instead of a duplicate (SW_RUN_SHARE_COMM, see src/run/run.c). No HDF5, BLAS or GSL.
set -euo pipefail
SIM_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$SIM_DIR/../.." && pwd)
OUT=${1:-$ROOT/build-sim}
mkdir -p "$OUT/generated/mpisweep"
version=$(sed -n 's/^project(mpisweep VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
sed "s/@PROJECT_VERSION@/${version:-0}/" "$ROOT/include/mpisweep/version.h.in" > "$OUT/generated/mpisweep/version.h"
src=("$ROOT"/src/core/*.c "$ROOT"/src/spec/*.c "$ROOT"/src/sched/*.c "$ROOT"/src/run/*.c "$ROOT"/src/comm/*.c
     "$ROOT"/src/store/store_api.c "$ROOT"/src/store/store_null.c "$ROOT"/src/store/store_memory.c
     "$ROOT"/src/experiments/builtin.c "$ROOT"/src/experiments/executor.c "$ROOT"/src/numerics/blas_info.c
     "$ROOT"/src/experiments/plugin.c "$ROOT"/src/experiments/declared*.c
     "$SIM_DIR"/simsleep.c "$SIM_DIR"/sim_registry.c "$SIM_DIR"/simrun.c)
#: blas_info.c reports "none" (the simulated program links no BLAS).
# plugin.c and declared*.c: the spec layer accepts plugin: and declared experiments in the simulation too.
smpicc -std=c17 -O2 -g -D_XOPEN_SOURCE=700 -DSW_SCHED_INLINE -DSW_RUN_SHARE_COMM -I"$ROOT/include" -I"$OUT/generated" \
  -I"$ROOT/src/numerics" -o "$OUT/simrun" "${src[@]}" -lyaml -ljansson -lopenblas -ldl -lm -lpthread
echo "$OUT/simrun"
