#!/usr/bin/env bash
# 6. Memory: peak resident memory per rank for a 10^7-task noop sweep, against a 10^5-task one: the coordinator's
# bookkeeping per task, and the workers' independence of the task count.
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/time ] || { echo "## 6. Memory: skipped (GNU time is not installed: scripts/install-deps --bench)"; exit 0; }
peak() { # peak N: "rank0_kB rank1_kB" for an N-task sweep on 2 ranks
  # Two axes: the spec layer caps a single axis at 10^6 values.
  printf 'sweep: mem\nexperiment: noop\ngrid:\n  x: {linspace: [0, 1, 1000]}\n  k: {range: [0, %s, 1]}\n' "$(($1 / 1000 - 1))" > "$WORK/mem.yaml"
  rm -f "$WORK/mem.h5" "$WORK"/rss.*
  mpirun -n 2 sh -c '/usr/bin/time -f %M -o "$0/rss.$OMPI_COMM_WORLD_RANK" "$1" run "$0/mem.yaml" -o "$0/mem.h5" --progress none' "$WORK" "$MPISWEEP" 2> /dev/null
  echo "$(cat "$WORK/rss.0") $(cat "$WORK/rss.1")"
  rm -f "$WORK/mem.h5"
}
read -r small0 small1 <<< "$(peak 100000)"
read -r big0 big1 <<< "$(peak 10000000)"
echo "## 6. Memory: peak resident set per rank (GNU time)"
echo
echo "| tasks | rank 0 (coordinator + worker) | rank 1 (worker) |"
echo "| --- | --- | --- |"
echo "| 10^5 | $small0 kB | $small1 kB |"
echo "| 10^7 | $big0 kB | $big1 kB |"
echo
echo "Worker growth for 100x the tasks: $(calc "$big1 - $small1") kB: its two result buffers grow with the chunk size up to their 8 MiB cap, then"
echo "stay flat whatever the task count. Coordinator bookkeeping (rank 0's growth beyond a worker's): $(calc "round(($big0 - $small0 - ($big1 - $small1)) * 1024 / (10**7 - 10**5), 3)") bytes per"
echo "task (task_status is read in 1 Mi-task slabs and run-length encoded into the work queue)."
