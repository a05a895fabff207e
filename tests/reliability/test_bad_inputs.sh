# Bad input of every kind: malformed specs (the spec layer's corpus tests/data/specs/bad plus
# tests/data/reliability/bad_specs), generated monsters, bad command lines, and bad result files handed to
# --resume and status. Each must get a clear message (an "error:" line naming the file, with line and column for
# specs) and the documented exit code (2; 4 only for I/O), never a crash or a sanitizer report, and must leave every
# file as it was: a real result file is checked byte for byte after each refused run, and no FILE.creating is left.
. "$SW_SOURCE/tests/mpi/lib.sh"
data=$SW_SOURCE/tests/data
layout=$data/runner/layout.yaml
sum() { md5sum "$1" | cut -d' ' -f1; }
crash_marks="Sanitizer|runtime error|Segmentation|core dumped|Aborted|double free|corrupted|stack smashing"

# refused CODE WHAT COMMAND...: exit CODE, an error message, no crash, the victim file unchanged, nothing new here.
refused() {
  local want=$1 what=$2; shift 2
  local before; before=$(ls -A | sort)
  "$@" > last.log 2>&1
  local got=$?
  [ "$got" -eq "$want" ] || { cat last.log >&2; fail "$what: exit $got, expected $want"; }
  grep -q "error:" last.log || { cat last.log >&2; fail "$what: no error message"; }
  ! grep -qE "$crash_marks" last.log || { cat last.log >&2; fail "$what: crash or sanitizer report"; }
  [ "$(sum victim.h5)" = "$victim" ] || fail "$what changed victim.h5"
  [ "$(ls -A | grep -v '^last.log$' | sort)" = "$(echo "$before" | grep -v '^last.log$')" ] ||
    fail "$what left files behind: $(comm -13 <(echo "$before") <(ls -A | sort) | tr '\n' ' ')"
  checks=$((checks + 1))
}

expect_exit 0 "a result file that every refused run must leave byte-identical" mpirun_sweep 0 run "$layout" -o victim.h5 --progress none
victim=$(sum victim.h5) layout_sum=$(sum "$layout")

# ---- malformed specs, one at a time: plan (no MPI) -------------------------------------------------------------
n=0 with_expect=0
for f in "$data"/specs/bad/*.yaml "$data"/reliability/bad_specs/*.yaml; do
  limit=$(sed -n 's/^# limit: *//p' "$f" | tr -d '\r')
  expect=$(sed -n 's/^# expect: *//p' "$f" | head -1 | tr -d '\r')
  args=(); [ -n "$limit" ] && args=(--max-tasks "$limit")
  refused 2 "plan $f" "$MPISWEEP" plan "$f" "${args[@]}"
  grep -qF "$f:" last.log || { cat last.log >&2; fail "plan $f: the message does not name the file"; }
  grep -q "nothing was run or written" last.log || { cat last.log >&2; fail "plan $f: no summary line"; }
  if [ -n "$expect" ]; then
    grep -qF -- "$expect" last.log || { cat last.log >&2; fail "plan $f: expected '$expect' in the message"; }
    with_expect=$((with_expect + 1))
  fi
  n=$((n + 1))
done
pass "$n malformed specs: each refused by plan with exit 2, naming the file ($with_expect with their expected message)"
[ "$(ls "$data"/reliability/bad_specs/*.yaml | wc -l)" -ge 20 ] || fail "tests/data/reliability/bad_specs lost files"

# The same specs all at once through `run --resume` on 2 ranks: one refusal that reports every file, nothing written.
all=()
for f in "$data"/specs/bad/*.yaml "$data"/reliability/bad_specs/*.yaml; do
  grep -q '^# limit:' "$f" || all+=("$f")
done
refused 2 "run --resume with ${#all[@]} malformed specs on 2 ranks" mpirun_sweep 2 run "${all[@]}" -o victim.h5 --resume
missing=0
for f in "${all[@]}"; do grep -qF "$f" last.log || { echo "not reported: $f" >&2; missing=$((missing + 1)); }; done
[ "$missing" -eq 0 ] || fail "$missing malformed spec(s) not reported by the combined run"
pass "run --resume with all ${#all[@]} malformed specs at once: exit 2, every file reported, victim.h5 unchanged"
for f in "$data"/specs/bad/{empty_file,not_utf8,syntax_unclosed_quote,shape_param_in_grid,huge_grid,duplicate_sweep_names}.yaml \
         "$data"/reliability/bad_specs/{gzip_bytes,sweep_name_129_chars}.yaml; do
  refused 2 "run --resume $(basename "$f")" mpirun_sweep 0 run "$f" -o victim.h5 --resume
done
refused 2 "run --overwrite with a malformed spec" mpirun_sweep 0 run "$data/specs/bad/not_utf8.yaml" -o victim.h5 --overwrite
refused 2 "run with a malformed spec" mpirun_sweep 0 run "$data/specs/bad/not_utf8.yaml" -o victim.h5
pass "8 malformed specs through run --resume, one through --overwrite and plain run: exit 2, victim.h5 unchanged"

# ---- generated monsters ------------------------------------------------------------------------------------------
head -c 300000 /dev/zero | tr '\0' '[' > deep.yaml
{ printf 'sweep: s\nexperiment: noop\n'; for i in $(seq 20000); do printf 'key%d: 1\n' "$i"; done; } > many_keys.yaml
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "---\nsweep: same\nexperiment: noop\n" }' > many_documents.yaml
awk 'BEGIN { printf "sweep: s\nexperiment: noop\ngrid:\n  x: ["; for (i = 0; i < 1500000; i++) printf "%d, ", i; print "1]" }' > long_axis.yaml
head -c 17000000 /dev/zero | tr '\0' 'x' > too_big.yaml
head -c 65536 /dev/urandom > random_bytes.yaml
printf 'sweep: s\nexperiment: noop\ndescription: ' > long_line.yaml; head -c 4000000 /dev/zero | tr '\0' 'a' >> long_line.yaml
printf '\ngrid: {x: 3}\n' >> long_line.yaml
mkdir -p a_directory.yaml
for f in deep many_keys many_documents long_axis too_big random_bytes long_line a_directory; do
  refused 2 "plan $f.yaml" "$MPISWEEP" plan "$f.yaml"
done
refused 2 "plan of a missing file" "$MPISWEEP" plan no_such_file.yaml
refused 2 "plan /dev/null" "$MPISWEEP" plan /dev/null
refused 2 "the same spec file twice (duplicate sweep names)" "$MPISWEEP" plan "$layout" "$layout"
sed 's/seed: 5/seed: 6/' "$layout" > same_name.yaml
refused 2 "two spec files with the same sweep name" "$MPISWEEP" plan "$layout" same_name.yaml
expect_log "duplicate sweep name 'layout'"
if [ "$(id -u)" -ne 0 ]; then
  cp "$layout" unreadable.yaml && chmod 000 unreadable.yaml
  refused 2 "an unreadable spec file" "$MPISWEEP" plan unreadable.yaml
  chmod 644 unreadable.yaml
fi
refused 2 "run --resume with a 4 MB line" mpirun_sweep 0 run long_line.yaml -o victim.h5 --resume
expect_exit 0 "a spec read from a pipe is fine" "$MPISWEEP" plan <(cat "$layout")
pass "generated monsters (300 000-deep nesting, 20 000 unknown keys, 5 000 documents, a 1.5M-value axis, 17 MB, random bytes, a 4 MB line, a directory, missing, empty, duplicated): exit 2, no crash"

# ---- bad command lines ---------------------------------------------------------------------------------------
bad_lines=(
  "run"  "run -o victim.h5"  "run $layout"  "run $layout -o"  "run $layout -o ''"
  "run $layout -o victim.h5 --chunk 0"  "run $layout -o victim.h5 --chunk -1"  "run $layout -o victim.h5 --chunk 1.5"
  "run $layout -o victim.h5 --chunk 1e30"  "run $layout -o victim.h5 --chunk abc"  "run $layout -o victim.h5 --chunk="
  "run $layout -o victim.h5 --max-failures -1"  "run $layout -o victim.h5 --max-failures x"
  "run $layout -o victim.h5 --deadline ''"  "run $layout -o victim.h5 --deadline +-5"
  "run $layout -o victim.h5 --deadline 2024-13-45T99:99:99"  "run $layout -o victim.h5 --deadline soon"
  "run $layout -o victim.h5 --deadline-margin -1"  "run $layout -o victim.h5 --deadline-margin nan"
  "run $layout -o victim.h5 --grace -1"  "run $layout -o victim.h5 --grace inf"  "run $layout -o victim.h5 --grace 1e999"
  "run $layout -o victim.h5 --progress loud"  "run $layout -o victim.h5 --max-tasks -5"  "run $layout -o victim.h5 --tasks 3"
  "run $layout -o victim.h5 --resume --overwrite"  "run $layout -o victim.h5 --retry-failed"
  "run $layout -o victim.h5 --frobnicate"  "run $layout -o victim.h5 -x"
  "run $layout -o $layout --overwrite"  "run $layout -o victim.h5 --resume -o $layout"
  "plan"  "plan $layout --tasks -1"  "plan $layout --resume"  "plan $layout -o victim.h5"
  "status"  "status victim.h5 victim.h5"  "describe"  "describe noop sleep"  "describe no_such_experiment"
  "experiments extra"  "frobnicate"  "''"  "-q"
)
for line in "${bad_lines[@]}"; do
  eval "args=($line)"
  refused 2 "mpisweep $line" "$MPISWEEP" "${args[@]}"
done
refused 2 "an option that is not UTF-8" "$MPISWEEP" run "$layout" -o victim.h5 $'--ch\xffunk'
refused 2 "an existing output without --resume or --overwrite" mpirun_sweep 0 run "$layout" -o victim.h5
refused 2 "a directory as the output" mpirun_sweep 0 run "$layout" -o . --overwrite
expect_log "is a directory"
[ "$(sum "$layout")" = "$layout_sum" ] || fail "a refused run changed the spec file"
pass "${#bad_lines[@]} + 4 bad command lines: exit 2 with a message, no file changed or created"

# ---- bad result files for --resume and status ----------------------------------------------------------------
size=$(stat -c %s victim.h5)
echo "not an HDF5 file" > text.h5
head -c 4096 /dev/urandom > random.h5
for cut in 1 8 96 512 2048 $((size / 2)) $((size - 1)); do head -c "$cut" victim.h5 > "truncated_$cut.h5"; done
h5copy -i victim.h5 -o foreign.h5 -s /layout/x -d /x > /dev/null 2>&1 || fail "cannot make a foreign HDF5 file"
sed 's/seed: 5/seed: 6/' "$layout" > other_spec.yaml
"$MPISWEEP" run other_spec.yaml -o other_sweep.h5 --progress none > /dev/null 2>&1 || true
"$MPISWEEP" status other_sweep.h5 > /dev/null || fail "cannot make another sweep's file"
cp victim.h5 damaged.h5 && LC_ALL=C sed -i 's/task_status/task_statuz/' damaged.h5
cmp -s victim.h5 damaged.h5 && fail "could not damage the copy"
mkdir -p dir.h5
bad_files=(text.h5 random.h5 truncated_*.h5 foreign.h5 other_sweep.h5 damaged.h5 dir.h5)
for g in "${bad_files[@]}"; do
  [ -d "$g" ] || g_sum=$(sum "$g")
  [ "$g" = other_sweep.h5 ] || refused 2 "status $g" "$MPISWEEP" status "$g" # (another sweep's file is a fine file)
  refused 2 "run --resume onto $g" mpirun_sweep 0 run "$layout" -o "$g" --resume
  [ -d "$g" ] || [ "$(sum "$g")" = "$g_sum" ] || fail "a refused run changed $g"
done
grep -q "different spec" <("$MPISWEEP" run "$layout" -o other_sweep.h5 --resume 2>&1) || fail "another sweep's file: no 'different spec' message"
grep -q "is damaged" <("$MPISWEEP" run "$layout" -o damaged.h5 --resume 2>&1) || fail "a damaged file: no 'is damaged' message"
grep -q "not an mpisweep result file" <("$MPISWEEP" status foreign.h5 2>&1) || fail "a foreign file: no 'not an mpisweep result file'"
grep -q "truncated or damaged" <("$MPISWEEP" status "truncated_$((size - 1)).h5" 2>&1) || fail "a truncated file: no 'truncated'"
pass "${#bad_files[@]} bad result files (text, random bytes, 7 truncations, foreign HDF5, another sweep's file, a damaged group, a directory): status and --resume exit 2 with a clear message and change nothing"
# An empty file is what `touch` leaves: status says it is not a result file; --resume starts it afresh.
: > empty.h5
refused 2 "status of an empty file" "$MPISWEEP" status empty.h5
expect_exit 0 "--resume of an empty file creates the result file" mpirun_sweep 0 run "$layout" -o empty.h5 --resume --progress none
expect_exit 0 "which then reads as complete" "$MPISWEEP" status empty.h5
done_testing
