/* compute.h: the compute thread of a rank and its result slots (private to the scheduler). The thread runs tasks
 * through the task executor and nothing else; the main thread queues work items and writes finished slots. */
#ifndef SW_SCHED_COMPUTE_H
#define SW_SCHED_COMPUTE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "messages.h"
#include "mpisweep/executor.h"
#include "mpisweep/spec.h"

enum { SW_SLOTS = 2, SW_FAIL_RECORDS = 32 };

typedef enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE } slot_state;

/* One work item and the buffers its results go into. The compute thread fills it; the main thread writes it. */
typedef struct slot {
    slot_state state;       /* guarded by compute.lock */
    uint64_t seq;           /* queue order */
    work_item item;
    _Atomic uint64_t done;  /* tasks finished: results [0, done) are final (release/acquire) */
    double started;         /* when the compute thread began the item */
    void *mem;              /* one allocation carved into the arrays below */
    size_t mem_bytes;
    double **out;           /* per output: count * size doubles */
    size_t n_out;
    int8_t *status;
    double *seconds;
    failure_record fails[SW_FAIL_RECORDS]; /* the first failures of the item */
    uint64_t n_failed;      /* all failures of the item */
} slot;

typedef struct compute {
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t wake_compute, wake_main;
    slot slots[SW_SLOTS];
    uint64_t next_seq;
    atomic_bool drain;      /* finish the current task, start no other */
    bool quit;
    const sw_spec *spec;
    int rank;
    sw_executor exec;       /* the task executor and its workspace (compute thread only) */
    uint64_t retries;       /* more attempts for a task that failed (sw_compute_limits) */
    sw_value *param;        /* scratch parameter vector (compute thread only) */
    _Atomic double mean_task; /* exponentially weighted mean task time (compute thread writes, main reads) */
} compute;

/* Starts the compute thread (with the stop signals blocked in it). Not collective. */
sw_status sw_compute_start(compute *cp, const sw_spec *spec, int rank);
/* Queues an item into a free slot, sizing its buffers. Main thread only. */
sw_status sw_compute_queue(compute *cp, const work_item *item);
/* Number of slots not free. */
int sw_compute_busy(compute *cp);
/* The oldest finished slot, or NULL. The slot stays DONE until sw_compute_release. */
slot *sw_compute_finished(compute *cp);
/* The slot being computed, or NULL. */
slot *sw_compute_running(compute *cp);
/* Frees a slot (after its results were written). */
void sw_compute_release(compute *cp, slot *s);
/* Drops queued items that have not started (they stay pending). */
void sw_compute_cancel_queued(compute *cp);
/* Waits up to `seconds` for a slot to finish. */
void sw_compute_wait(compute *cp, double seconds);
/* Stops the thread if it is idle and frees everything; leaves a busy thread running and returns false. */
bool sw_compute_stop(compute *cp);

/* The per-task timeout (seconds, 0: none) and retries of failed tasks. Call after sw_compute_start, before the
 * first sw_compute_queue (which hands them to the compute thread under its lock). */
void sw_compute_limits(compute *cp, double task_timeout, uint64_t retries);

#endif
