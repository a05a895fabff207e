# Python functions as experiments (declared in the spec, run in one long-lived worker per rank): identical results
# on 1 and 3 ranks and after SIGKILL + resume, status and the loader; an exception, a worker that dies, a hang past
# --task-timeout and a wrong shape fail their task with a clear message while the next tasks run (a new worker);
# the Generator's raw words are mpisweep's stream 0 of the task (the program's task seed is its first word >> 1);
# no worker outlives its run.
. "$(dirname "$0")/lib.sh"
python=/usr/bin/python3
$python -c "import numpy, h5py, xarray" 2> /dev/null || { echo "SKIP: $python cannot import numpy, h5py, xarray (scripts/install-deps --python)"; exit 77; }
export MPISWEEP_PYTHON=$python
cp "$SW_TESTS"/../data/declared/pyexp.py "$SW_TESTS"/../data/declared/pywalk.yaml "$SW_TESTS"/../data/declared/echo.sh . ||
  fail "cannot copy the test files"

no_workers() {
  sleep 0.3
  if pgrep -f "mpisweep/worker.py" > /dev/null; then pgrep -af "mpisweep/worker.py" >&2; fail "a Python worker outlived its run"; fi
  pass "no Python worker is left"
}

outs="final path task_status"
spec_file=$SW_WORK/pywalk.yaml
expect_exit 0 "1 rank" mpirun_sweep 0 run pywalk.yaml -o one.h5 --progress none
expect_exit 0 "3 ranks" mpirun_sweep 3 run pywalk.yaml -o three.h5 --progress none
same_results one.h5 three.h5 pywalk $outs
no_workers
f=$SW_WORK/killed.h5
spawn 3 run.log run "$spec_file" -o "$f" --progress none --chunk 1
wait_for_done "$f" 5
pkill -KILL -f "mpisweep run $spec_file -o $f"; wait 2> /dev/null
set -- $(status_counts "$f")
[ "${2:-0}" -gt 0 ] || fail "the kill came too late to test anything ($*)"
pass "killed with SIGKILL after $1 tasks, $2 pending"
sleep 0.5 # a worker whose rank was killed sees its pipe close and exits
no_workers
expect_exit 0 "resume on 2 ranks" mpirun_sweep 2 run "$spec_file" -o "$f" --resume --progress none
same_results one.h5 "$f" pywalk $outs
expect_exit 0 "status" "$MPISWEEP" status one.h5
expect_log "sweep pywalk (experiment python): 90 tasks: 90 done, 0 pending, 0 failed"
SW_ANALYSIS="$SW_SOURCE/analysis" $python - << 'PY' || fail "the loader does not read the Python sweep as expected"
import os, sys
sys.path.insert(0, os.environ["SW_ANALYSIS"])
import numpy as np
import mpisweep
ds = mpisweep.open_sweep("one.h5", "pywalk")
assert ds.path.dims == ("drift", "replicate", "step") and ds.path.shape == (30, 3, 6), (ds.path.dims, ds.path.shape)
assert np.array_equal(ds.final.values, ds.path.values[..., -1])
assert np.isfinite(ds.path.values).all()
assert abs(float(ds.path.values[..., 0].std()) - 1) < 0.25, "first steps are not N(drift, 1)"  # 90 draws: se ~0.075
PY
pass "the loader reads the Python sweep: dims, shapes, values"

# Misbehaving functions.
cat > bad.yaml << 'EOF2'
sweep: bad
experiment:
  python: pyexp:walk
  parameters:
    steps: {type: int, min: 1, max: 1000, default: 6}
    drift: {type: real, min: -1, max: 1, default: 0}
    mode: {type: choice, choices: [ok, raise, die, hang, shape], default: ok}
  outputs:
    final:
    path: {shape: [steps]}
zip:
  mode: [ok, raise, die, ok, hang, ok, shape, ok]
  drift: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
EOF2
expect_exit 1 "misbehaving functions: some tasks failed" mpirun_sweep 0 run bad.yaml -o bad.h5 --task-timeout 2 --progress none
"$MPISWEEP" status bad.h5 > last.log 2>&1
expect_log "4 done, 0 pending, 4 failed"
expect_log "task 1 (mode=raise, drift=[0-9.]*; rank 0, failed): python: File \".*pyexp.py\", line [0-9]*, in walk | raise ValueError(f\"drift {drift} is too steep\") | ValueError: drift 0.1 is too steep"
expect_log "task 2 (mode=die, drift=[0-9.]*; rank 0, failed): python worker [0-9]* killed by signal 9 (Killed); restarted for the next task"
expect_log "task 4 (mode=hang, drift=[0-9.]*; rank 0, failed): python timed out after 2 s (worker killed, restarted for the next task)"
expect_log "task 6 (mode=shape, drift=[0-9.]*; rank 0, failed): python: output 'path': expected a list of 6 elements, got a list of 5"
no_workers

# The Generator's stream: the Python raw word and the program's task seed (first word >> 1) for the same key.
cat > rng.yaml << 'EOF2'
sweep: rng
seed: 123456789012345
experiment:
  name: keyed # the experiment's name is part of the key: both sweeps take the same
  python: pyexp:raw
  parameters: {x: {type: real, min: -10, max: 10, default: 0}}
  outputs: {hi: , lo: }
grid:
  x: [-1.5, 0, 0.25, 7]
replicates: 2
---
sweep: seeds
seed: 123456789012345
experiment:
  name: keyed
  program: [./seeds.sh]
  parameters: {x: {type: real, min: -10, max: 10, default: 0}}
  outputs: {hi: , lo: }
grid:
  x: [-1.5, 0, 0.25, 7]
replicates: 2
EOF2
# The task seed in two exact halves: bits 62..31 (the word's 63..32) and bits 30..0 (the word's 31..1).
printf '#!/bin/sh\necho "{\\"hi\\": $((MPISWEEP_TASK_SEED >> 31)), \\"lo\\": $((MPISWEEP_TASK_SEED & 0x7FFFFFFF))}"\n' > seeds.sh
chmod +x seeds.sh
expect_exit 0 "a Python sweep and a program sweep with the same keys" mpirun_sweep 0 run rng.yaml -o rng.h5 --progress none
$python - << 'PY' || fail "the Generator's first raw word is not the task seed's source"
import h5py, numpy as np
with h5py.File("rng.h5") as f:
    py_hi, py_lo = f["rng/hi"][...], f["rng/lo"][...]
    seed_hi, seed_lo = f["seeds/hi"][...], f["seeds/lo"][...]
assert np.array_equal(py_hi, seed_hi) and np.array_equal(np.floor(py_lo / 2), seed_lo), (py_hi, seed_hi, py_lo, seed_lo)
assert len(np.unique(py_hi)) == 8, "the 8 keys gave repeated words"
PY
pass "the Python Generator's first raw word, shifted by one bit, is the program's task seed for each of 8 keys"
done_testing
