# valgrind memcheck is clean on small runs of the real binary: a run with failing and non-finite tasks (the failure
# log) on 2 ranks under mpirun, a --resume with --retry-failed without mpirun, status, and plan of an invalid spec. Clean means no invalid
# access, no use of uninitialised memory, no leak (definite or indirect) outside the MPI stack (suppressions:
# Open MPI's own file and tests/reliability/valgrind.supp, which says why each entry is there).
. "$SW_SOURCE/tests/mpi/lib.sh"
command -v valgrind > /dev/null || { echo "valgrind is not installed (scripts/install-deps --all installs it)"; exit 77; }
data=$SW_SOURCE/tests/data/runner
supp_mpi=/usr/share/openmpi/openmpi-valgrind.supp
supp=(--suppressions="$SW_TESTS/valgrind.supp")
[ -f "$supp_mpi" ] && supp+=(--suppressions="$supp_mpi")
vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=40 "${supp[@]}" --log-file=vg.%p.log)

# clean WHAT: every process that memcheck followed to its end reports 0 errors. (A log without a summary is the
# forked child in which Open MPI's singleton start-up execs its daemon; memcheck does not follow the exec.)
clean() {
  local done_logs; done_logs=$(grep -l "ERROR SUMMARY" vg.*.log)
  [ -n "$done_logs" ] || fail "no memcheck summary ($1)"
  local bad; bad=$(grep -L "ERROR SUMMARY: 0 errors" $done_logs)
  [ -z "$bad" ] || { cat $bad; fail "memcheck found errors ($1)"; }
  pass "memcheck clean: $1 ($(echo "$done_logs" | wc -l) process(es))"
  rm -f vg.*.log
}

expect_exit 1 "a run on 2 ranks, each under memcheck" "$SW_MPIEXEC" -n 2 "${vg[@]}" "$MPISWEEP" run "$data/failing.yaml" "$data/layout.yaml" -o f.h5 --progress none
clean "a run with failing and non-finite tasks on 2 ranks"
expect_exit 1 "--resume --retry-failed, 1 process under memcheck" "${vg[@]}" "$MPISWEEP" run "$data/failing.yaml" "$data/layout.yaml" -o f.h5 --resume --retry-failed --progress none
clean "--resume --retry-failed"
expect_exit 1 "status under memcheck" "${vg[@]}" "$MPISWEEP" status f.h5
clean "status"
expect_exit 2 "plan of valid and invalid specs under memcheck" "${vg[@]}" "$MPISWEEP" plan "$data/det.yaml" "$SW_SOURCE/tests/data/specs/bad/several_errors.yaml"
clean "plan with an invalid spec"
done_testing
