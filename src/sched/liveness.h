/* liveness.h: heartbeats from the workers and a lost-rank timeout on the coordinator. A rank that dies without a
 * signal (its node lost power, its processes were killed) cannot say so; every worker's main thread therefore sends
 * rank 0 a heartbeat, also while a long task runs, and rank 0 declares a rank lost when it has not heard from it for
 * the timeout. */
#ifndef SW_SCHED_LIVENESS_H
#define SW_SCHED_LIVENESS_H

#include <stdbool.h>

#include "mpisweep/status.h"

typedef struct sw_liveness {
    double timeout;         /* declare a rank lost after this many silent seconds; 0: never */
    double interval;        /* a worker's heartbeat period */
    double last_beat, last_check;
    double *heard;          /* coordinator: when each rank was last heard from */
    int size;
    int lost;               /* the first rank declared lost, or -1 */
    int n_lost;
    double silent;          /* how long it had been silent */
} sw_liveness;

/* Not collective. coordinator: rank 0 (keeps the table). Errors: SW_ERR_NOMEM. */
sw_status sw_liveness_init(sw_liveness *l, double timeout, int size, bool coordinator);
void sw_liveness_free(sw_liveness *l);
/* Coordinator: a message from `rank` arrived. */
void sw_liveness_heard(sw_liveness *l, int rank);
/* Worker: true when a heartbeat should be sent now. */
bool sw_liveness_beat_due(sw_liveness *l);
/* Coordinator: sets lost[r] for every rank (not final[r]) found lost now, and returns how many. */
int sw_liveness_check(sw_liveness *l, const bool *final, bool *lost);

#endif
