/* liveness.c: noticing a rank that is gone (its node died, its process was killed) within seconds.
 *
 * Why it is needed: a dead rank sends nothing, and nothing in MPI tells the others. Under mpirun the runtime kills
 * the job within seconds, but under srun the live ranks finish their work and then wait for the dead one's final
 * report until Slurm marks the node down (SlurmdTimeout: minutes). So every worker's main thread sends the
 * coordinator a heartbeat every few seconds (the main thread is never busy with a task: the compute thread is),
 * and the coordinator declares a rank lost when it has heard nothing from it for the timeout. The run then stops as
 * after a signal (drain; running tasks get --grace) and ends with the interrupted code: HDF5's close is collective
 * and cannot complete with a dead rank, but every result already written is on disk, the file's metadata having
 * all been written and flushed before the first task, so the file resumes without repair. */
#include <stdlib.h>

#include "liveness.h"
#include "mpisweep/clock.h"

sw_status sw_liveness_init(sw_liveness *l, double timeout, int size, bool coordinator) {
    *l = (sw_liveness){.timeout = timeout, .lost = -1};
    if (timeout <= 0) return SW_OK;
    /* Five beats per timeout: one or two delayed messages never make a rank look lost. */
    l->interval = timeout / 5;
    l->last_beat = l->last_check = sw_now();
    if (!coordinator) return SW_OK;
    l->heard = malloc((size_t)size * sizeof *l->heard);
    SW_CHECK_ALLOC(l->heard, "the liveness table");
    l->size = size;
    for (int r = 0; r < size; r++) l->heard[r] = l->last_check;
    return SW_OK;
}

void sw_liveness_free(sw_liveness *l) {
    free(l->heard);
    l->heard = NULL;
}

void sw_liveness_heard(sw_liveness *l, int rank) {
    if (l->heard && rank >= 0 && rank < l->size) l->heard[rank] = sw_now();
}

bool sw_liveness_beat_due(sw_liveness *l) {
    if (l->timeout <= 0) return false;
    double now = sw_now();
    if (now - l->last_beat < l->interval) return false;
    l->last_beat = now;
    return true;
}

int sw_liveness_check(sw_liveness *l, const bool *final, bool *lost) {
    if (!l->heard) return 0;
    double now = sw_now();
    /* If the coordinator itself did not look for a while (a slow write, a stalled node), it did not listen either:
     * silence over that gap says nothing about the others. */
    if (now - l->last_check > l->interval)
        for (int r = 0; r < l->size; r++) l->heard[r] = now;
    l->last_check = now;
    int r, n = 0;
    for (r = 1; r < l->size; r++)
        if (!final[r] && now - l->heard[r] > l->timeout) break;
    if (r == l->size) return 0;
    /* One rank is past the timeout. Those that died with it (same node) were last heard at most one beat
     * apart, while a live rank is never silent much longer than a beat: so every rank silent for half the timeout
     * is lost too, and nobody sends a message to a dead rank of that node (a send to it may never return). */
    for (r = 1; r < l->size; r++) {
        if (final[r] || now - l->heard[r] <= l->timeout / 2) continue;
        lost[r] = true;
        n++;
        if (l->lost < 0) {
            l->lost = r;
            l->silent = now - l->heard[r];
        }
    }
    l->n_lost += n;
    return n;
}
