# The command line: --help on every command, --version, usage errors with exit 2, plan/describe/experiments.
. "$(dirname "$0")/lib.sh"
data=$SW_TESTS/../data/runner
expect_exit 0 "--version" "$MPISWEEP" --version
expect_log "mpisweep [0-9]"
expect_exit 0 "--help" "$MPISWEEP" --help
expect_log "Exit codes"
for cmd in run plan status experiments describe; do
  expect_exit 0 "$cmd --help" "$MPISWEEP" "$cmd" --help
  expect_log "usage: mpisweep $cmd"
done
expect_exit 2 "no command" "$MPISWEEP"
expect_exit 2 "unknown command" "$MPISWEEP" frobnicate
expect_log "unknown command 'frobnicate'"
expect_exit 2 "run without -o" "$MPISWEEP" run "$data/det.yaml"
expect_log "needs an output file"
expect_exit 2 "run without a spec" "$MPISWEEP" run -o x.h5
expect_exit 2 "unknown option" "$MPISWEEP" run "$data/det.yaml" -o x.h5 --frob
expect_log "unknown option '--frob'"
expect_exit 2 "option of another command" "$MPISWEEP" plan "$data/det.yaml" --resume
expect_exit 2 "bad --chunk" "$MPISWEEP" run "$data/det.yaml" -o x.h5 --chunk 0
expect_exit 2 "bad --max-failures" "$MPISWEEP" run "$data/det.yaml" -o x.h5 --max-failures=-3
expect_exit 2 "bad --deadline" "$MPISWEEP" run "$data/det.yaml" -o x.h5 --deadline tomorrow
expect_exit 2 "bad --progress" "$MPISWEEP" run "$data/det.yaml" -o x.h5 --progress loud
expect_exit 2 "--resume with --overwrite" "$MPISWEEP" run "$data/det.yaml" -o x.h5 --resume --overwrite
expect_exit 2 "missing spec file" "$MPISWEEP" run nosuch.yaml -o x.h5
expect_log "nosuch.yaml"
expect_exit 2 "a benchmark knob that is not a byte count" env MPISWEEP_H5_PAGE=4k "$MPISWEEP" run "$data/det.yaml" -o x.h5
expect_log "MPISWEEP_H5_PAGE: expected a number of bytes, got '4k'"
[ ! -e x.h5 ] || fail "a refused run created x.h5"
pass "no refused run created the output file"
expect_exit 2 "a sweep over --max-tasks" "$MPISWEEP" plan "$data/det.yaml" --max-tasks 100
expect_exit 0 "plan" "$MPISWEEP" plan "$data/det.yaml" --tasks 2
expect_log "dimensions: x=11 k=301 replicate=3"
expect_log "tasks: 9933"
expect_log "task 1: x=0 k=0 replicate=1"
expect_exit 0 "experiments" "$MPISWEEP" experiments
expect_log "noop"
expect_exit 0 "describe noop" "$MPISWEEP" describe noop
expect_log "draws"
expect_exit 2 "describe an unknown experiment" "$MPISWEEP" describe nope
# Every registered experiment describes itself with its article (generated from the registry).
for e in $("$MPISWEEP" experiments | awk '/^[a-z]/ {print $1}'); do
  "$MPISWEEP" describe "$e" > d.log || fail "describe $e"
  grep -q "^article: ." d.log && grep -q "^parameters:" d.log && grep -q "^outputs" d.log || fail "describe $e is incomplete"
done
pass "every registered experiment describes its article, parameters and outputs"
done_testing
