# Every task runs exactly once, and result datasets are byte-identical across rank counts (1, 2, 4) and chunk
# sizes (auto, 1, 7, 1000).
. "$(dirname "$0")/lib.sh"
spec=$SW_TESTS/../data/runner/det.yaml
outs="x_out k_out u u_mean task_status"
expect_exit 0 "1 rank, no mpirun" mpirun_sweep 0 run "$spec" -o r1.h5 --progress none
[ "$(ran_tasks)" = 9936 ] || fail "ran $(ran_tasks) tasks, expected each of the 9936 once"
pass "every task ran exactly once"
for cfg in "2 auto" "4 auto" "2 1" "4 7" "3 1000"; do
  set -- $cfg
  expect_exit 0 "$1 ranks, chunk $2" mpirun_sweep "$1" run "$spec" -o "r$1_$2.h5" --chunk "$2" --progress none
  [ "$(ran_tasks)" = 9936 ] || fail "ran $(ran_tasks) tasks, expected 9936"
  same_results r1.h5 "r$1_$2.h5" det $outs
  same_results r1.h5 "r$1_$2.h5" zipped result
done
ranks=$(/usr/bin/python3 -c "import h5py; print(len(set(h5py.File('r4_7.h5')['det/task_rank'][...].ravel())))")
[ "$ranks" = 4 ] || fail "4 ranks ran tasks in r4_7.h5: got $ranks (rank 0 must compute too)"
pass "all 4 ranks, rank 0 included, computed"
done_testing
