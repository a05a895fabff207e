/* coord.h: the coordinator (rank 0 only, private to the scheduler): the work queue of every sweep, chunk sizing,
 * the stop logic and progress reports (to the run's log stream). It sends no messages: sched.c feeds it requests
 * and reports; it reads the store's task status once at the start and marks skipped tasks at the end. */
#ifndef SW_SCHED_COORD_H
#define SW_SCHED_COORD_H

#include <stdbool.h>

#include "cost.h"
#include "messages.h"
#include "mpisweep/sched.h"

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
    /* Longest first: once the cost model has seen enough items, the tasks predicted to need no chunking are
     * handed out alone, longest first (long[next_long..]); the chunks of the ranges skip them (long_by_index). */
    cost_model cost;
    bool long_built;
    uint64_t *longest, *long_by_index;
    size_t n_long, next_long, skip;
} sweep_queue;

typedef struct coord {
    const sw_spec *spec;
    const sw_run_options *opt;
    int size;               /* ranks of the run: the guided chunk share is per rank */
    int clients;            /* ranks that talk to rank 0 (all of them, or group 0 and the sub-coordinators) */
    int busiest;            /* the most ranks any one coordinator serves: it sets the minimal chunk */
    sweep_queue *q;
    size_t current;         /* sweep being handed out */
    uint64_t remaining;     /* all sweeps */
    uint64_t total, ok, failed, failed_run, ran, to_run;
    bool *final, *lost;     /* per client; lost: declared lost by liveness.c */
    int n_final;
    sw_stop_reason stop;
    int signal, signals;    /* first signal; most signals any one rank received */
    bool drain_sent, abort_sent, halt_sent;
    work_item *returned;    /* hand-outs that sub-coordinators gave back unused (marked skipped after a stop) */
    size_t n_returned, cap_returned;
    double stop_time, t0;
    uint64_t requests;      /* work requests answered, and the time spent on them */
    double service_seconds;
    uint64_t longest_first; /* tasks handed out alone, predicted longest first */
    uint64_t messages;      /* messages received from other ranks */
    double last_handout;    /* when the last work was handed out (sw_now) */
    double last_progress;
    double last_progress_fraction;
    uint64_t last_progress_ran;
    bool progress_bar;
} coord;

/* size: the run's ranks; clients: the ranks that talk to rank 0 (client numbers are their ranks in that
 * communicator); busiest: the most ranks one coordinator serves (rank 0 or a sub-coordinator). */
sw_status sw_coord_init(coord *c, const sw_spec *spec, sw_store *store, const sw_run_options *opt, int size,
                        int clients, int busiest);
void sw_coord_free(coord *c);
/* Answers a work request on behalf of `weight` ranks (1, or a sub-coordinator's group): a chunk for one rank, or
 * for a group up to SW_GROUP_ROUNDS chunks each (reply->chunk says how large each rank's is). */
void sw_coord_assign(coord *c, int weight, msg_reply *reply);
/* Takes a report from `client` (finished item, signal, final, error, a lost rank). */
void sw_coord_report(coord *c, int client, const msg_report *r);
/* Takes back a hand-out that a sub-coordinator did not use. Fails only for lack of memory. */
sw_status sw_coord_returned(coord *c, const work_item *item);
/* Asks for a stop; idempotent. */
void sw_coord_request_stop(coord *c, sw_stop_reason why, int signal);
/* Prints progress when due. */
void sw_coord_progress(coord *c, bool final);
/* Marks the unassigned tasks as skipped in the file (after --max-failures). */
sw_status sw_coord_mark_skipped(coord *c, sw_store *store);

#endif
