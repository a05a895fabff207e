# lib.sh: shared helpers of the benchmark scripts. Figures are medians of REPEAT runs with min and max; nothing here
# asserts a speed (benchmarks print figures, tests assert behaviour).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
MPISWEEP=${MPISWEEP:-$ROOT/build-bench/mpisweep}
PY=/usr/bin/python3
REPEAT=${REPEAT:-5}
WORK=${BENCH_WORK:-$(mktemp -d /tmp/mpisweep-bench.XXXXXX)}
mkdir -p "$WORK"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

now() { date +%s.%N; }

# stats V1 V2 ...: "median [min, max]" with 4 significant digits.
stats() { "$PY" -c 'import sys,statistics as s; v=[float(x) for x in sys.argv[1:]]; print("%.4g [%.4g, %.4g]" % (s.median(v), min(v), max(v)))' "$@"; }
# median V1 V2 ...
median() { "$PY" -c 'import sys,statistics as s; print(s.median(float(x) for x in sys.argv[1:]))' "$@"; }
# calc EXPR: arithmetic in Python.
calc() { "$PY" -c "print($1)"; }

# run_seconds LOG: the runner's own "this run: N tasks in X s" (scheduling, computing and writing; no start-up).
run_seconds() { sed -n 's/.*this run: [0-9]* tasks in \([0-9.]*\) s.*/\1/p' "$1" | tail -1; }
# service_us LOG: the coordinator's mean service time per work request.
service_us() { sed -n 's/.*work requests, \([0-9.]*\) us each.*/\1/p' "$1" | tail -1; }
