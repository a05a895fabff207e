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
    int size;
    sweep_queue *q;
    size_t current;         /* sweep being handed out */
    uint64_t remaining;     /* all sweeps */
    uint64_t total, ok, failed, failed_run, ran, to_run;
    bool *told_stop, *final, *lost; /* lost: declared lost by liveness.c */
    int n_final;
    sw_stop_reason stop;
    int signal, signals;    /* first signal; most signals any one rank received */
    bool drain_sent, abort_sent;
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

#endif
