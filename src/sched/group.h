/* group.h: a sub-coordinator's state (private to the scheduler; sched.h says when there are sub-coordinators).
 * A sub-coordinator serves the ranks of its group, itself included, from a pool of work that it takes from rank 0
 * a group's worth at a time, and forwards its group's reports to rank 0 in batches. Like coord.c it sends no
 * messages: sched.c moves them. */
#ifndef SW_SCHED_GROUP_H
#define SW_SCHED_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"
#include "mpisweep/status.h"

/* Rank 0 gives a group its ranks' chunks for this many rounds, so that the pool is refilled while the group works
 * through the last round. */
#define SW_GROUP_ROUNDS 2

enum { SW_GROUP_POOL = 32, SW_GROUP_BATCH = 64 };

typedef struct pool_item {
    work_item item;         /* what is left of one hand-out from rank 0 */
    uint64_t chunk;         /* the tasks of one rank's chunk, as rank 0 sized it */
    bool tail;
} pool_item;

typedef struct sw_group {
    int size;               /* ranks of the group, the sub-coordinator (local rank 0) included */
    pool_item pool[SW_GROUP_POOL];
    size_t head, n_pool;
    uint64_t pooled;        /* tasks in the pool */
    uint64_t chunk;         /* the last chunk size rank 0 sent */
    bool refill_out;        /* a request to rank 0 is out, its reply not yet in */
    bool exhausted;         /* rank 0 has no more work */
    bool tail;              /* rank 0 says the sweep is nearly done */
    bool halted;            /* a stop: hand out nothing more */
    int *waiting;           /* local ranks whose request waits for a refill, oldest first */
    int n_waiting;
    bool *final, *lost;     /* per local rank; lost: declared lost by liveness.c */
    int n_final;
    msg_report batch[SW_GROUP_BATCH]; /* reports not yet forwarded to rank 0 */
    int n_batch;
    double batch_since;     /* when the oldest of them arrived */
} sw_group;

/* A group of `size` ranks. Not collective. Errors: SW_ERR_NOMEM. */
sw_status sw_group_init(sw_group *g, int size);
void sw_group_free(sw_group *g);
/* When the pool runs low: for how many ranks to ask rank 0 now (the caller sends the request and sets
 * refill_out); 0: not now. */
int sw_group_wants_refill(const sw_group *g);
/* Takes rank 0's reply to the refill request. */
void sw_group_refilled(sw_group *g, const msg_reply *reply);
/* Answers a work request of the group into *reply (a chunk, or a stop), or returns false when the pool is empty
 * but more is coming: the caller then queues the rank (sw_group_wait) and answers it after the refill. */
bool sw_group_take(sw_group *g, msg_reply *reply);
void sw_group_wait(sw_group *g, int local);
/* The oldest waiting rank, removed from the queue, when it can be answered now into *reply; -1 otherwise. */
int sw_group_next_answer(sw_group *g, msg_reply *reply);
/* Stops the hand-out and empties the pool into items[] (at most SW_GROUP_POOL); returns how many. */
int sw_group_halt(sw_group *g, work_item *items);
/* Adds a report to the batch; true when the batch should go to rank 0 now (full, or a report that must not wait). */
bool sw_group_batch_add(sw_group *g, const msg_report *r, double now);
/* True when the batch is due by age (see SW_GROUP_BATCH_SECONDS in group.c). */
bool sw_group_batch_due(const sw_group *g, double now);
/* Marks local rank `local` final; true when the whole group is. */
bool sw_group_final(sw_group *g, int local);

#endif
