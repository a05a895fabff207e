/* sched_internal.h: the scheduler's private pieces: the compute thread with its result slots, the coordinator's
 * work queue, and the messages between ranks. */
#ifndef SW_SCHED_INTERNAL_H
#define SW_SCHED_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "mpisweep/sched.h"

enum { SW_SLOTS = 2, SW_FAIL_RECORDS = 32, SW_MSG_BYTES = 240 };

/* A contiguous range of one sweep's tasks. */
typedef struct work_item {
    uint64_t sweep, start, count;
} work_item;

typedef struct failure_record {
    uint64_t sweep, task;
    int32_t outcome, rank;
    double seconds;
    char message[SW_MSG_BYTES];
} failure_record;

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
    const sw_store *store;
    int rank;
    void *work;             /* the experiments' workspace, grown as needed (compute thread only) */
    size_t work_bytes;
    sw_value *param;        /* scratch parameter vector (compute thread only) */
    _Atomic double mean_task; /* exponentially weighted mean task time (compute thread writes, main reads) */
} compute;

/* Starts the compute thread (with the stop signals blocked in it). Not collective. */
sw_status sw_compute_start(compute *cp, const sw_spec *spec, const sw_store *store, int rank);
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

/* ---- coordinator (rank 0) ---- */
typedef struct range {
    uint64_t start, end;
} range;

typedef struct sweep_queue {
    range *ranges;
    size_t n_ranges, next;
    uint64_t remaining;     /* tasks not handed out yet */
    uint64_t excluded;      /* tasks the where: filter leaves out (not counted in the total) */
    double mean, max;       /* measured task seconds */
    uint64_t measured;
    double bytes_per_task;
} sweep_queue;

typedef struct coord {
    const sw_spec *spec;
    const sw_run_options *opt;
    int size;
    sweep_queue *q;
    size_t current;         /* sweep being handed out */
    uint64_t remaining;     /* all sweeps */
    uint64_t total, ok, failed, failed_run, ran, to_run;
    bool *told_stop, *final;
    int n_final;
    sw_stop_reason stop;
    int signal, signals;    /* first signal; most signals any one rank received */
    bool drain_sent, abort_sent;
    double stop_time, t0;
    uint64_t requests;      /* work requests answered, and the time spent on them */
    double service_seconds;
    double last_progress;
    double last_progress_fraction;
    uint64_t last_progress_ran;
    bool progress_bar;
} coord;

/* ---- messages ---- */
enum { TAG_REQUEST = 11, TAG_REPLY, TAG_REPORT, TAG_FAILURE, TAG_CONTROL };
enum { REPLY_CHUNK = 1, REPLY_STOP };
enum { REPORT_ITEM = 1, REPORT_SIGNAL, REPORT_FINAL };
enum { CONTROL_DRAIN = 1, CONTROL_ABORT, CONTROL_FINALIZE };

typedef struct msg_reply {
    int32_t kind, tail;     /* tail: the sweep is nearly done, do not fetch ahead */
    work_item item;
} msg_reply;

typedef struct msg_report {
    int32_t kind;
    int32_t signals, signal; /* REPORT_SIGNAL: signals this rank received so far, and the first one */
    uint64_t sweep, count, failed;
    double sum_seconds, max_seconds;
} msg_report;

sw_status sw_coord_init(coord *c, const sw_spec *spec, sw_store *store, const sw_run_options *opt, int size);
void sw_coord_free(coord *c);
/* Answers a work request from `rank`. */
void sw_coord_assign(coord *c, int rank, msg_reply *reply);
/* Takes a report from `rank` (finished item, signal, or final). */
void sw_coord_report(coord *c, int rank, const msg_report *r);
/* Asks for a stop; idempotent. */
void sw_coord_request_stop(coord *c, sw_stop_reason why, int signal);
/* Prints progress when due. */
void sw_coord_progress(coord *c, bool final);
/* Marks the unassigned tasks as skipped in the file (after --max-failures). */
sw_status sw_coord_mark_skipped(coord *c, sw_store *store);

double sw_now(void);

#endif
