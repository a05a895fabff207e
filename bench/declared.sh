#!/usr/bin/env bash
# 7. Your own code: a trivial program per task against GNU parallel, and a trivial Python function against
# mpi4py.futures, on 2 ranks / 2 jobs, same machine, same run. mpisweep's figures are whole commands (mpirun
# start-up, the Python worker's start-up, file creation, tasks, HDF5 writes, close).
. "$(dirname "$0")/lib.sh"
NP=${DECLARED_PROGRAM_TASKS:-2000} NF=${DECLARED_PYTHON_TASKS:-20000}
cat > "$WORK/program.yaml" <<Y
sweep: program
experiment:
  program: [/bin/echo, '{{"y": {k}}}']
  parameters: {k: {type: int, min: 0, max: 1e9, default: 0}}
  outputs: {y: }
grid:
  k: {range: [0, $((NP - 1)), 1]}
Y
cat > "$WORK/trivial.py" <<'P'
def trivial(rng, k):
    return {"y": k}
P
cat > "$WORK/python.yaml" <<Y
sweep: python
experiment:
  python: trivial:trivial
  parameters: {k: {type: int, min: 0, max: 1e9, default: 0}}
  outputs: {y: }
grid:
  k: {range: [0, $((NF - 1)), 1]}
Y
export MPISWEEP_PYTHON=$PY
# whole_command N SPEC: tasks/s of one mpisweep run of SPEC (N tasks) on 2 ranks, the file written.
whole_command() {
  local t0 t1
  t0=$(now)
  mpirun -n 2 "$MPISWEEP" run "$2" -o "$WORK/declared.h5" --overwrite --progress none 2> "$WORK/declared.log"
  t1=$(now)
  grep -q "file: $1 ok" "$WORK/declared.log" || { cat "$WORK/declared.log" >&2; exit 1; }
  calc "$1 / ($t1 - $t0)"
}
prog=() par=() py=()
for _ in $(seq "$REPEAT"); do
  prog+=("$(whole_command "$NP" "$WORK/program.yaml")")
  t0=$(now); seq "$NP" | parallel -j2 echo '{\"y\": {}}' > "$WORK/parallel.out"; t1=$(now)
  par+=("$(calc "$NP / ($t1 - $t0)")")
  py+=("$(whole_command "$NF" "$WORK/python.yaml")")
done
echo "## 8. Your own code: trivial programs and Python functions on 2 ranks"
echo
echo "| tool | tasks/s, median [min, max] of $REPEAT |"
echo "| --- | --- |"
echo "| mpisweep, program \`/bin/echo '{\"y\": k}'\` per task ($NP tasks; whole command, HDF5 file written) | $(stats "${prog[@]}") |"
echo "| GNU parallel -j2 echo '{\"y\": k}' ($NP jobs; output to a text file) | $(stats "${par[@]}") |"
echo "| mpisweep, Python function \`trivial(rng, k)\` ($NF tasks; whole command with worker start-up, HDF5 file written) | $(stats "${py[@]}") |"
for cs in 1 16 256; do
  rates=()
  for _ in $(seq "$REPEAT"); do rates+=("$(mpirun -n 2 "$PY" "$BENCH_DIR/peers/mpi4py_noop.py" "$NF" "$cs" dict)"); done
  echo "| mpi4py.futures MPICommExecutor, chunksize $cs ($NF tasks; 1 worker rank; no file written) | $(stats "${rates[@]}") |"
done
