#!/usr/bin/env bash
# Start-up as ranks grow (issue 14): a 1-task sweep on N = 2..64 ranks (oversubscribed beyond 2 on this machine).
# Per N and repetition: launch + MPI_Init + MPI_Finalize alone (a C program that does only that and prints how long
# MPI_Init and MPI_Finalize took on rank 0; `mpirun -n 32 true` hangs in Open MPI here), then the whole mpisweep
# command once per variant, with MPISWEEP_TIMING=1 so that it prints where its own start-up and close went (run.h's
# phases, rank 0's clock). The variants run interleaved, so a load that comes and goes on the machine hits them
# alike:
#   default      collective metadata reads and writes (the store's default)
#   indep-meta   MPISWEEP_H5_COLL_METADATA=0: every rank reads and writes metadata itself
#   paged-4k     MPISWEEP_H5_PAGE=4096: paged aggregation, 4 KiB pages
#   metablock-64k MPISWEEP_H5_META_BLOCK=65536: metadata aggregated in 64 KiB blocks (HDF5's default: 2 KiB)
#   romio        OMPI_MCA_io=romio321: Open MPI's ROMIO for MPI-IO instead of its default OMPIO
# Then, once per variant at each of STARTUP_IO_RANKS, the run under strace: the system calls each rank makes on the
# result file (strace -c -P), a count that oversubscription cannot blur.
# STARTUP_RANKS, STARTUP_VARIANTS and STARTUP_SWEEPS (sweeps in the spec, 1 task each; more sweeps, more metadata)
# choose what runs; bench/startup_table.py turns the raw rows into the tables, the growth laws (least squares on
# the logs from STARTUP_FIT_FROM ranks up) and their extrapolation to 10,000 ranks.
. "$(dirname "$0")/lib.sh"
command -v strace > /dev/null || { echo "startup.sh: needs strace (scripts/install-deps --bench)" >&2; exit 2; }
sweeps=${STARTUP_SWEEPS:-1}
for i in $(seq "$sweeps"); do printf -- '---\nsweep: one%d\nexperiment: noop\n' "$i"; done > "$WORK/one.yaml"
cat > "$WORK/init.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int c, char **v) {
    double t0 = now();
    MPI_Init(&c, &v);
    double t1 = now();
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Finalize();
    if (rank == 0) printf("mpi_init=%.6f mpi_finalize=%.6f\n", t1 - t0, now() - t1);
    return 0;
}
EOF
mpicc -o "$WORK/init" "$WORK/init.c"
variant_env() {
  case "$1" in
    default) echo "" ;;
    indep-meta) echo "MPISWEEP_H5_COLL_METADATA=0" ;;
    paged-4k) echo "MPISWEEP_H5_PAGE=4096" ;;
    metablock-64k) echo "MPISWEEP_H5_META_BLOCK=65536" ;;
    romio) echo "OMPI_MCA_io=romio321" ;;
    *) echo "startup.sh: unknown variant $1" >&2; exit 2 ;;
  esac
}
variants=${STARTUP_VARIANTS:-default indep-meta paged-4k metablock-64k romio}
raw="$WORK/startup.tsv"
: > "$raw"
started=$(date -u +%H:%M)
for n in ${STARTUP_RANKS:-2 4 8 16 32 64}; do
  for _ in $(seq "$REPEAT"); do
    t0=$(now); mpi=$(mpirun -n "$n" "$WORK/init"); t1=$(now)
    printf 'launch\t%s\t%s\t%s\n' "$n" "$(calc "$t1 - $t0")" "$mpi" >> "$raw"
    for v in $variants; do
      # shellcheck disable=SC2046 # the variant's settings are words
      t0=$(now)
      env MPISWEEP_TIMING=1 $(variant_env "$v") mpirun -n "$n" "$MPISWEEP" run "$WORK/one.yaml" -o "$WORK/one.h5" \
        --overwrite --progress none 2> "$WORK/one.log"
      t1=$(now)
      phases=$(sed -n "s/.*start-up and close (s, rank 0's clock): //p" "$WORK/one.log")
      [ -n "$phases" ] || { echo "startup.sh: no phase line from $v on $n ranks:" >&2; cat "$WORK/one.log" >&2; exit 1; }
      printf '%s\t%s\t%s\t%s\n' "$v" "$n" "$(calc "$t1 - $t0")" "$phases" >> "$raw"
    done
  done
done
# syscalls RANKS VARIANT: one run under strace; prints "RANKS VARIANT rank0_calls rank0_io others_calls others_io
# fsyncs" (io: reads and writes; others: summed over ranks 1..N-1; fsyncs: over all ranks).
syscalls() {
  rm -f "$WORK"/strace.*
  # shellcheck disable=SC2046
  env $(variant_env "$2") mpirun -n "$1" bash -c "exec strace -f -c -o '$WORK/strace.'\$OMPI_COMM_WORLD_RANK \
    -P '$WORK/one.h5.creating' -P '$WORK/one.h5' '$MPISWEEP' run '$WORK/one.yaml' -o '$WORK/one.h5' --overwrite -q"
  for f in "$WORK"/strace.*; do
    awk -v r="${f##*.}" '/^-+/ || /^%/ || /total$/ {next} {calls += $4}
      $NF ~ /^p?(read|write)/ {io += $4} $NF == "fsync" {fs += $4} END {print r, calls + 0, io + 0, fs + 0}' "$f"
  done | awk -v n="$1" -v v="$2" '$1 == 0 {c0 = $2; i0 = $3} $1 != 0 {c += $2; i += $3} {fs += $4}
    END {print n, v, c0, i0, c + 0, i + 0, fs}'
}
iocounts="$WORK/startup-io.txt"
: > "$iocounts"
for n in ${STARTUP_IO_RANKS:-4 16}; do
  for v in $variants; do syscalls "$n" "$v" >> "$iocounts"; done
done
echo "## 10. Start-up as ranks grow: a 1-task sweep (issue 14)"
echo
echo "$started-$(date -u +%H:%M) UTC on $(date -u +%F), $(nproc --all) cores, N ranks oversubscribed beyond $(nproc --all); $REPEAT repetitions,"
echo "$sweeps sweep(s) in the spec; raw rows: $raw"
echo
"$PY" "$BENCH_DIR/startup_table.py" "$raw" --io "$iocounts" --fit-from "${STARTUP_FIT_FROM:-8}" --to 10000
