# A run killed with SIGKILL at a random moment leaves a file that opens (no h5clear), keeps every finished task,
# and --resume completes it byte-identical to an uninterrupted run.
. "$(dirname "$0")/lib.sh"
spec=$SW_TESTS/../data/runner/kill.yaml
outs="x_out k_out u u_mean task_status"
expect_exit 0 "uninterrupted reference run" mpirun_sweep 2 run "$spec" -o ref.h5 --progress none
for ranks in 1 2 4; do
  f=$SW_WORK/killed$ranks.h5 # absolute, so that pkill matches this suite's run only
  spawn "$ranks" run.log run "$spec" -o "$f" --progress none
  wait_for_done "$f" 1
  sleep "0.$((RANDOM % 9 + 1))"
  pkill -KILL -f "mpisweep run $spec -o $f" ; wait 2>/dev/null
  counts=$(status_counts "$f") || true
  [ -n "$counts" ] || fail "$f does not open after SIGKILL"
  set -- $counts
  [ "$2" -gt 0 ] || fail "the kill came too late to test anything ($counts)"
  pass "$ranks rank(s) killed with SIGKILL after $1 tasks; the file opens, $2 pending"
  done_before=$1 pending=$2
  expect_exit 0 "resume on $ranks rank(s)" mpirun_sweep "$ranks" run "$spec" -o "$f" --resume --progress none
  [ "$(ran_tasks)" -eq "$pending" ] || fail "resume ran $(ran_tasks) tasks, expected exactly the $pending pending"
  pass "resume ran only the $pending pending tasks, none of the $done_before finished ones"
  same_results ref.h5 "$f" kill $outs
done
done_testing
