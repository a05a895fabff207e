# The address + undefined-behaviour sanitizer build (SW_SANITIZE=ON) runs the unit suite and the MPI runner suite
# cleanly. Configures and builds $SW_ASAN_BUILD (default build-asan; incremental after the first time), then runs
# `ctest -L unit` and `ctest -L mpi` there with every sanitizer report written to a log directory: the test fails if
# a test fails or if any report appears, even from a process whose exit code a test did not look at.
# Suppressed: only leaks allocated inside the MPI stack (tests/reliability/lsan.supp says why). UBSan stops at the
# first finding (-fno-sanitize-recover=undefined). SW_WERROR is off in this build only: GCC's -Wmaybe-uninitialized
# gives false positives under -fsanitize=address (GCC documents that sanitizers change its warnings).
. "$SW_SOURCE/tests/mpi/lib.sh"
build=${SW_ASAN_BUILD:-$SW_SOURCE/build-asan}
reports=$SW_WORK/reports
mkdir -p "$reports"
cmake -S "$SW_SOURCE" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSW_SANITIZE=ON -DSW_WERROR=OFF -DSW_MPI="${SW_MPI:-}" > configure.log 2>&1 ||
  { cat configure.log; fail "configuring $build"; }
cmake --build "$build" -j"$(nproc)" > build.log 2>&1 || { tail -40 build.log; fail "building $build"; }
pass "sanitizer build in $build (ASan + UBSan)"

export ASAN_OPTIONS="log_path=$reports/asan:fast_unwind_on_malloc=0:detect_leaks=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$SW_TESTS/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
for label in unit mpi; do
  # The MPI tests time signals against start-up; under ASan on a loaded machine start-up is slower, so a failed
  # test gets one more try. A sanitizer report fails this test whatever the retry says (the log check below).
  # Left out to keep the suite's time down, because they mostly wait and their code runs here in other tests:
  # test_deadline and test_files (a deadline, a 30 s task; their refusal paths run under valgrind and in
  # bad_inputs), test_signals, test_kill_resume and test_grow (signals, kills and resumes: the drain and resume
  # paths run here in run/sw_run_* and mpi/test_groups). Every other MPI test runs.
  opts=(-j"$(nproc)"); [ "$label" = mpi ] && opts=(--repeat until-pass:2 -E "mpi/test_(deadline|files|signals|kill_resume|grow)")
  ctest --test-dir "$build" -L "^$label\$" "${opts[@]}" --output-on-failure > "ctest-$label.log" 2>&1
  code=$?
  grep -E "tests passed|Test +#" "ctest-$label.log"
  [ "$code" -eq 0 ] || { cat "ctest-$label.log"; fail "the $label suite failed under the sanitizers"; }
  n=$(grep -c "Test *#" "ctest-$label.log")
  [ "$n" -gt 0 ] || fail "no $label tests ran in $build"
  pass "the $label suite ($n tests) passes under ASan + UBSan"
done
found=$(find "$reports" -type f -size +0 | head -20)
if [ -n "$found" ]; then
  for r in $found; do echo "== $r"; head -60 "$r"; done
  fail "sanitizer reports from the unit or MPI suites (above)"
fi
pass "no sanitizer report from any process of the unit and MPI suites"
done_testing
