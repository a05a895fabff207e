# A rank that stops answering (SIGSTOP: as silent as a dead node, but without the MPI runtime noticing anything) is
# declared lost after --liveness-timeout: the other ranks drain, the run exits 3 with a message naming the rank,
# the file opens without repair and --resume completes it identical to an uninterrupted run.
. "$(dirname "$0")/lib.sh"
spec=$SW_TESTS/../data/runner/liveness.yaml
f=$SW_WORK/stopped.h5
expect_exit 0 "uninterrupted reference run (1 rank)" mpirun_sweep 0 run "$spec" -o ref.h5 --progress none
spawn 3 run.log run "$spec" -o "$f" --progress none --liveness-timeout 2
wait_for_done "$f" 10
victim=$(pid_of_rank 2 "$f")
[ -n "$victim" ] || fail "rank 2 of the run not found"
kill -STOP "$victim"
t0=$SECONDS
wait "$pid"
rc=$?
kill -KILL "$victim" 2>/dev/null
cp run.log last.log
[ "$rc" -eq 3 ] || { cat run.log >&2; fail "the run exited $rc, expected 3"; }
pass "the run with a silent rank 2 exited 3 after $((SECONDS - t0)) s"
expect_log "rank(s) lost: rank 2 sent nothing for"
# Tasks stay pending unless rank 2 happened to hold none when it stopped (the others then finished the sweep): 3 or 0.
"$MPISWEEP" status "$f" > last.log 2>&1; st=$?
[ "$st" -eq 3 ] || [ "$st" -eq 0 ] || { cat last.log >&2; fail "status of the file after the loss: exit $st"; }
pass "the file opens without repair (status exit $st)"
expect_exit 0 "resume on 2 ranks" mpirun_sweep 2 run "$spec" -o "$f" --resume --progress none
same_results ref.h5 "$f" liveness x_out k_out u u_mean task_status
done_testing
