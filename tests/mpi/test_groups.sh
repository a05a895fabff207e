# Sub-coordinators (--group-size): with 7 ranks in groups of 3, rank 3 serves ranks 3-5 and rank 6 itself, rank 0
# group 0 and the two sub-coordinators. Results are byte-identical to one rank's; every rank computes; a stop
# (--max-failures, a signal) leaves a file that --resume completes identical; a silent rank, in a group or a
# sub-coordinator itself, is found and named.
. "$(dirname "$0")/lib.sh"
data=$SW_TESTS/../data/runner
outs="x_out k_out u u_mean task_status"
expect_exit 0 "reference: 1 rank" mpirun_sweep 0 run "$data/det.yaml" -o r1.h5 --progress none
for cfg in "7 3 auto" "7 3 7" "5 2 1"; do
  set -- $cfg
  expect_exit 0 "$1 ranks, groups of $2, chunk $3" \
    mpirun_sweep "$1" run "$data/det.yaml" -o "g$1_$2_$3.h5" --group-size "$2" --chunk "$3" --progress none
  [ "$(ran_tasks)" = 9936 ] || fail "ran $(ran_tasks) tasks, expected each of the 9936 once"
  same_results r1.h5 "g$1_$2_$3.h5" det $outs
  same_results r1.h5 "g$1_$2_$3.h5" zipped result
done
expect_log "2 sub-coordinators for groups of 2"
ranks=$(/usr/bin/python3 -c "import h5py; print(len(set(h5py.File('g7_3_7.h5')['det/task_rank'][...].ravel())))")
[ "$ranks" = 7 ] || fail "7 ranks ran tasks in g7_3_7.h5: got $ranks (sub-coordinators compute too)"
pass "all 7 ranks, rank 0 and the sub-coordinators included, computed"

expect_exit 1 "--max-failures 5 with groups stops the hand-out" \
  mpirun_sweep 7 run "$data/failing.yaml" -o m.h5 --group-size 3 --max-failures 5 --chunk 1 --progress none
counts=$(status_counts m.h5); set -- $counts
[ $(($1 + $2 + $3 + $4)) -eq 60 ] && [ "$3" -ge 5 ] && [ "$4" -gt 0 ] || fail "expected >= 5 failed and some skipped of 60, got $counts"
pass "max-failures with groups: $1 done, $2 pending, $3 failed, $4 skipped"
expect_exit 1 "failures: reference on 1 rank" mpirun_sweep 0 run "$data/failing.yaml" -o mref.h5 --progress none
expect_exit 1 "--resume completes it" mpirun_sweep 7 run "$data/failing.yaml" -o m.h5 --resume --group-size 3 --progress none
same_results mref.h5 m.h5 failing result task_status

spec=$data/liveness.yaml
expect_exit 0 "slow sweep: reference on 1 rank" mpirun_sweep 0 run "$spec" -o ref.h5 --progress none
spawn 7 run.log run "$spec" -o sig.h5 --group-size 3 --progress none
wait_for_done sig.h5 10
kill -USR1 "$pid"
wait "$pid"
launcher_exit_after_signal $? "SIGUSR1 to a run with groups"
set -- $(status_counts sig.h5)
[ "$2" -gt 0 ] || fail "nothing was pending after the signal ($*)"
pass "the signal left $2 tasks pending"
expect_exit 0 "--resume on 2 ranks" mpirun_sweep 2 run "$spec" -o sig.h5 --resume --progress none
same_results ref.h5 sig.h5 liveness x_out k_out u u_mean task_status

# silent_rank R FILE: stops rank R of the run writing FILE, waits for the run, and checks that it names R.
silent_rank() {
  local r=$1 f=$2 victim
  victim=$(pid_of_rank "$r" "$f")
  [ -n "$victim" ] || fail "rank $r of the run not found"
  kill -STOP "$victim"
  wait "$pid"
  local rc=$?
  kill -KILL "$victim" 2>/dev/null
  cp run.log last.log
  [ "$rc" -eq 3 ] || { cat run.log >&2; fail "the run with a silent rank $r exited $rc, expected 3"; }
  pass "the run with a silent rank $r exited 3"
  expect_log "rank(s) lost: rank $r sent nothing for"
}
# Rank 4 is in rank 3's group (rank 3 notices and tells rank 0); rank 6 is a sub-coordinator (rank 0 notices).
for r in 4 6; do
  f=$SW_WORK/lost$r.h5
  spawn 7 run.log run "$spec" -o "$f" --group-size 3 --progress none --liveness-timeout 2
  wait_for_done "$f" 10
  silent_rank "$r" "$f"
  expect_exit 0 "resume on 2 ranks" mpirun_sweep 2 run "$spec" -o "$f" --resume --progress none
  same_results ref.h5 "$f" liveness x_out k_out u u_mean task_status
done
done_testing
