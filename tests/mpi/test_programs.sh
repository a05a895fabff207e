# External programs as experiments (declared in the spec): a shell script and a compiled C program give identical
# results on 1 and 3 ranks and after SIGKILL + resume, status and the loader see them as any experiment; programs
# that crash, die of a signal, hang past --task-timeout, print garbage, a wrong shape, a missing or an extra output
# fail their task with a clear message and the sweep goes on; bad declarations exit 2 with located errors and create
# nothing; no program outlives its run.
. "$(dirname "$0")/lib.sh"
cp "$SW_TESTS"/../data/declared/echo.* "$SW_TESTS"/../data/declared/walk.* . || fail "cannot copy the test programs"
cc -O2 -o walk walk.c || fail "cannot compile walk.c"
python=/usr/bin/python3

# no_orphans PATTERN: no process matching PATTERN (a program of this suite's work directory) is left.
no_orphans() {
  sleep 0.3
  if pgrep -f "$1" > /dev/null; then pgrep -af "$1" >&2; fail "processes matching '$1' outlived the run"; fi
  pass "no process matching '$1' is left"
}

for spec in echo walk; do
  case $spec in echo) outs="y s v task_status" ;; walk) outs="final path task_status" ;; esac
  spec_file=$SW_WORK/$spec.yaml # absolute: the programs' command lines then name this work directory
  expect_exit 0 "$spec: 1 rank" mpirun_sweep 0 run $spec.yaml -o ${spec}1.h5 --progress none
  expect_exit 0 "$spec: 3 ranks" mpirun_sweep 3 run $spec.yaml -o ${spec}3.h5 --progress none
  same_results ${spec}1.h5 ${spec}3.h5 $spec $outs
  f=$SW_WORK/${spec}_killed.h5
  spawn 3 run.log run "$spec_file" -o "$f" --progress none --chunk 1
  wait_for_done "$f" 5
  pkill -KILL -f "mpisweep run $spec_file -o $f"; wait 2> /dev/null
  set -- $(status_counts "$f")
  [ "${2:-0}" -gt 0 ] || fail "$spec: the kill came too late to test anything ($*)"
  pass "$spec: killed with SIGKILL after $1 tasks, $2 pending"
  expect_exit 0 "$spec: resume on 2 ranks" mpirun_sweep 2 run "$spec_file" -o "$f" --resume --progress none
  same_results ${spec}1.h5 "$f" $spec $outs
  no_orphans "$SW_WORK/$spec"
done

# What the program got: x echoed, the task identity (index, replicate, sweep seed), and a task seed that depends on
# the parameters and the replicate only (the same in both files above, so not on ranks or chunks).
expect_exit 0 "status of a program sweep" "$MPISWEEP" status echo1.h5
expect_log "sweep echo (experiment echo): 60 tasks: 60 done, 0 pending, 0 failed"
SW_ANALYSIS="$SW_SOURCE/analysis" $python - << 'PY' || fail "the loader does not read the program sweep as expected"
import os, sys
sys.path.insert(0, os.environ["SW_ANALYSIS"])
import numpy as np
import mpisweep
ds = mpisweep.open_sweep("echo1.h5", "echo")
assert ds.y.dims == ("x", "replicate"), ds.y.dims
assert ds.v.dims == ("x", "replicate", "field"), ds.v.dims
assert np.array_equal(ds.y.values, np.repeat(ds.x.values[:, None], 2, axis=1)), "y is not x echoed"
index = ds.v.values[..., 0]
assert np.array_equal(index.ravel(), np.arange(60)), "task index is not the row-major task number"
assert np.array_equal(ds.v.values[..., 1], np.tile([0, 1], (30, 1))), "replicate numbers"
assert (ds.v.values[..., 2] == 11).all(), "sweep seed"
assert len(np.unique(ds.s.values)) > 50, "task seeds repeat"
assert ds.y.attrs["units"] == "m", ds.y.attrs
w = mpisweep.open_sweep("walk1.h5", "walk")
assert w.path.dims == ("drift", "replicate", "step") and w.path.shape == (20, 3, 8), (w.path.dims, w.path.shape)
assert np.array_equal(w.final.values, w.path.values[..., -1])
print("loader ok")
PY
pass "the loader reads program outputs with their dims, units and the task identity"

# Misbehaving programs: each fails its task, the sweep goes on, and the messages say what happened.
cat > bad.yaml << 'EOF2'
sweep: bad
experiment:
  program: [./echo.sh, "{x}", "{mode}"]
  parameters:
    x: {type: real, min: -10, max: 10, default: 0}
    mode: {type: choice, choices: [ok, crash, signal, hang, garbage, shape, missing, extra], default: ok}
  outputs:
    y:
    s:
    v: {shape: [3]}
grid:
  mode: [ok, crash, signal, hang, garbage, shape, missing, extra]
EOF2
expect_exit 1 "misbehaving programs: some tasks failed" mpirun_sweep 2 run bad.yaml -o bad.h5 --task-timeout 2 --progress none
"$MPISWEEP" status bad.h5 > last.log 2>&1
expect_log "1 done, 0 pending, 7 failed"
expect_log "task 1 (mode=crash; rank [0-9], failed): program exit status 3; stderr: echo.sh: cannot converge for x=0"
expect_log "task 2 (mode=signal; rank [0-9], failed): program killed by signal 11 (Segmentation fault); stderr: echo.sh: about to crash"
expect_log "task 3 (mode=hang; rank [0-9], failed): program timed out after 2 s (process group killed)"
expect_log "task 4 (mode=garbage; rank [0-9], failed): program unparsable output (line 1 column [0-9]*: .* expected near 'this'"
expect_log "task 5 (mode=shape; rank [0-9], failed): program output 'y': expected a number, got a JSON list"
expect_log "task 6 (mode=missing; rank [0-9], failed): program output 's' is missing"
expect_log "task 7 (mode=extra; rank [0-9], failed): program unknown output 'z' (not declared in the spec)"
no_orphans "sleep 30"
expect_exit 1 "--retries 2: a task that keeps failing is run 3 times" mpirun_sweep 0 run bad.yaml -o retry.h5 --retries 2 --task-timeout 1 --progress none
"$MPISWEEP" status retry.h5 > last.log 2>&1
expect_log "task 1 ([^;]*; rank 0, failed): 3 attempts: program exit status 3"

# --task-timeout for a built-in experiment: the task cannot be interrupted, runs to its end, and is then failed.
cat > builtin.yaml << 'EOF2'
sweep: builtin
experiment: sleep
grid:
  seconds: [0.01, 1.5]
EOF2
expect_exit 1 "a built-in task over --task-timeout" mpirun_sweep 0 run builtin.yaml -o builtin.h5 --task-timeout 0.5 --progress none
"$MPISWEEP" status builtin.h5 > last.log 2>&1
expect_log "1 done, 0 pending, 1 failed"
expect_log "task 1 ([^;]*; rank 0, failed): took 1.5[0-9]* s, over the task timeout of 0.5 s (a built-in task cannot be interrupted"

# A drain that gives up on a program still running (SIGTERM, --grace 1, no timeout): the run exits 3 and kills it.
cat > drain.yaml << 'EOF2'
sweep: drain
experiment:
  program: [./echo.sh, "{x}", hang]
  parameters: {x: {type: real, min: -10, max: 10, default: 0}}
  outputs: {y: , s: , v: {shape: [3]}}
grid:
  x: [1, 2]
EOF2
spawn 0 run.log run drain.yaml -o drain.h5 --grace 1 --progress none
sleep 1
pgrep -f "sleep 30" > /dev/null || fail "the hanging program did not start"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 3 ] || { cat run.log >&2; fail "drain: exit $rc, expected 3"; }
pass "a drain that gives up on a running program exits 3"
no_orphans "sleep 30"

# Bad declarations: located errors, exit 2, nothing created.
bad_decl() {
  local what=$1 message=$2
  cat > decl.yaml
  expect_exit 2 "bad declaration: $what" mpirun_sweep 0 run decl.yaml -o decl.h5 --progress none
  expect_log "$message"
  [ ! -e decl.h5 ] || fail "a result file was created for a bad declaration"
}
bad_decl "unknown placeholder" "decl.yaml:3:.*unknown placeholder {nope}" << 'EOF2'
sweep: d
experiment:
  program: [./echo.sh, "{nope}"]
  outputs: {y: }
EOF2
bad_decl "missing program file" "decl.yaml:3:.*'./no-such-program' is not an executable file" << 'EOF2'
sweep: d
experiment:
  program: [./no-such-program]
  outputs: {y: }
EOF2
bad_decl "bad parameter type" "decl.yaml:5:.*expected type: int, real or choice" << 'EOF2'
sweep: d
experiment:
  program: [./echo.sh]
  parameters:
    n: {type: integer, default: 1}
  outputs: {y: }
EOF2
bad_decl "default out of bounds" "decl.yaml:5:.*experiment.parameters.n" << 'EOF2'
sweep: d
experiment:
  program: [./echo.sh]
  parameters:
    n: {type: int, min: 1, max: 10, default: 20}
  outputs: {y: }
EOF2
bad_decl "no outputs" "expected outputs: a mapping of at least one output name" << 'EOF2'
sweep: d
experiment:
  program: [./echo.sh]
EOF2
bad_decl "a shape parameter swept" "decl.yaml:[0-9]*:.*" << 'EOF2'
sweep: d
experiment:
  program: [./walk, "{steps}", "{task_seed}", "0"]
  parameters:
    steps: {type: int, min: 1, max: 10, default: 2}
  outputs:
    path: {shape: [steps]}
grid:
  steps: [1, 2]
EOF2
bad_decl "both program and python" "exactly one of program" << 'EOF2'
sweep: d
experiment:
  program: [./echo.sh]
  python: m:f
  outputs: {y: }
EOF2
done_testing
