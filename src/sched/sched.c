/* sched.c: the main-thread loop of every rank: fetch work, hand it to the compute thread, write results, report,
 * and on rank 0 and the sub-coordinators coordinate (serve.c). See sched.h for the design. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/clock.h"
#include "mpisweep/comm.h"
#include "worker.h"

/* Process-wide, as signals are. A run counts the signals that arrived since the previous run ended (or since the
 * handlers were installed): one that comes while the spec loads or the file opens stops the run as soon as it
 * starts, and a library caller may run again after a run that a signal stopped. */
static volatile sig_atomic_t signal_count = 0, last_signal = 0;
static int signals_consumed = 0; /* signal_count when the last run ended (main thread only) */

static void on_signal(int sig) {
    last_signal = sig;
    signal_count++;
}

void sw_sched_install_signal_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

/* Work items shorter than this are fetched ahead, so the round trip to the coordinator is hidden. Longer ones are
 * not: fetching ahead would hoard work that an idle rank could do. */
#define PREFETCH_SECONDS 0.1
#define NAP_MIN 20e-6
#define NAP_MAX 2e-3

/* ---- talking to the coordinator: a function call on rank 0 and on a sub-coordinator, a message elsewhere ---- */

static sw_status send_report(worker *w, const msg_report *r) {
    if (w->co) {
        sw_coord_report(w->co, 0, r);
        return SW_OK;
    }
    if (w->grp) return sw_serve_group_report(w, 0, r);
    SW_MPI(MPI_Send(r, sizeof *r, MPI_BYTE, 0, TAG_REPORT, w->up));
    return SW_OK;
}

static sw_status send_failure(worker *w, const failure_record *f) {
    if (w->co) return sw_store_log_failure(w->store, f->sweep, f->task, f->outcome, f->rank, f->seconds, f->message);
    SW_MPI(MPI_Send(f, sizeof *f, MPI_BYTE, 0, TAG_FAILURE, w->up));
    return SW_OK;
}

sw_status sw_worker_accept_reply(worker *w, const msg_reply *reply) {
    w->requesting = false;
    if (reply->kind == REPLY_STOP) {
        w->stopped = true;
        return SW_OK;
    }
    w->tail = reply->tail;
    if (w->draining || w->aborting) return SW_OK; /* the stop overtook the reply: the tasks stay pending */
    return sw_compute_queue(&w->cp, &reply->item);
}

static sw_status request_work(worker *w) {
    w->requesting = true;
    if (w->co) {
        msg_reply reply;
        sw_coord_assign(w->co, 1, &reply);
        return sw_worker_accept_reply(w, &reply);
    }
    if (w->grp) return sw_serve_own_request(w);
    int32_t weight = 1;
    SW_MPI(MPI_Irecv(&w->reply, sizeof w->reply, MPI_BYTE, 0, TAG_REPLY, w->up, &w->reply_req));
    SW_MPI(MPI_Send(&weight, 1, MPI_INT32_T, 0, TAG_REQUEST, w->up));
    return SW_OK;
}

/* Fetch when idle, or ahead when the running item will be done soon (see PREFETCH_SECONDS). */
static bool wants_work(worker *w) {
    if (w->requesting || w->stopped || w->draining || w->aborting) return false;
    int busy = sw_compute_busy(&w->cp);
    if (busy == 0) return true;
    if (busy >= SW_SLOTS || w->tail) return false;
    slot *s = sw_compute_running(&w->cp);
    if (!s) return false;
    double mean = atomic_load_explicit(&w->cp.mean_task, memory_order_relaxed);
    uint64_t left = s->item.count - atomic_load_explicit(&s->done, memory_order_acquire);
    return mean > 0 && (double)left * mean < PREFETCH_SECONDS;
}

/* ---- results ---- */

static sw_status write_slot(worker *w, slot *s, uint64_t count) {
    if (w->error != SW_OK) return SW_OK; /* after a runner error nothing more is written: the results are lost */
    sw_result_block b = {.sweep = s->item.sweep, .start = s->item.start, .count = count, .out = s->out,
                         .status = s->status, .seconds = s->seconds};
    SW_TRY(sw_store_write_block(w->store, &b, w->rank));
    msg_report r = {.kind = REPORT_ITEM, .sweep = s->item.sweep, .start = s->item.start, .count = count};
    for (uint64_t k = 0; k < count; k++) {
        r.sum_seconds += s->seconds[k];
        r.max_seconds = fmax(r.max_seconds, s->seconds[k]);
        r.failed += sw_outcome_is_failure(s->status[k]);
    }
    uint64_t records = s->n_failed < SW_FAIL_RECORDS ? s->n_failed : SW_FAIL_RECORDS;
    for (uint64_t k = 0; k < records; k++)
        if (s->fails[k].task < s->item.start + count) SW_TRY(send_failure(w, &s->fails[k]));
    w->ran += count;
    return send_report(w, &r);
}

static sw_status harvest(worker *w, bool *activity) {
    slot *s;
    while ((s = sw_compute_finished(&w->cp))) {
        SW_TRY(write_slot(w, s, atomic_load_explicit(&s->done, memory_order_acquire)));
        sw_compute_release(&w->cp, s);
        *activity = true;
    }
    if (w->aborting && !w->abort_done) {
        /* Keep what the running item finished; its remaining tasks stay pending. */
        w->abort_done = true;
        slot *r = sw_compute_running(&w->cp);
        if (r) SW_TRY(write_slot(w, r, atomic_load_explicit(&r->done, memory_order_acquire)));
    }
    return SW_OK;
}

/* ---- stopping ---- */

void sw_worker_drain(worker *w) {
    if (w->draining) return;
    w->draining = true;
    atomic_store(&w->cp.drain, true);
    sw_compute_cancel_queued(&w->cp);
}

void sw_worker_abort(worker *w) {
    sw_worker_drain(w);
    w->aborting = true;
}

/* A second signal counts only when it comes more than SIGNAL_DEBOUNCE seconds after the first: one scancel of a
 * job run with mpirun reaches each rank twice within milliseconds (from Slurm and from mpirun), which is one
 * request to stop, not two. */
#define SIGNAL_DEBOUNCE 1.0

static sw_status watch_signals(worker *w) {
    int seen = signal_count;
    if (seen == w->signals_seen) return SW_OK;
    double now = sw_now();
    if (w->first_signal == 0) {
        w->first_signal = last_signal;
        w->first_signal_time = now;
        w->stop_requests = 1;
    } else if (now - w->first_signal_time > SIGNAL_DEBOUNCE) {
        w->stop_requests = 2;
    }
    w->signals_seen = seen;
    /* The count is this rank's, and the coordinator takes the largest over ranks: mpirun and srun deliver one
     * Ctrl-C to every rank. */
    msg_report r = {.kind = REPORT_SIGNAL, .signals = w->stop_requests, .signal = w->first_signal};
    sw_worker_drain(w);
    if (w->stop_requests >= 2) sw_worker_abort(w);
    return send_report(w, &r);
}

static sw_status handle_control(worker *w, int32_t kind) {
    if (w->grp) SW_TRY(sw_serve_group_control(w, kind));
    if (kind == CONTROL_DRAIN) sw_worker_drain(w);
    else if (kind == CONTROL_ABORT) sw_worker_abort(w);
    else if (kind == CONTROL_FINALIZE) w->finalized = true;
    return SW_OK;
}

/* ---- every rank but 0: poll the coordinator's replies and controls ---- */

static sw_status poll_messages(worker *w, bool *activity) {
    int flag = 0;
    if (w->requesting && !w->grp) {
        SW_MPI(MPI_Test(&w->reply_req, &flag, MPI_STATUS_IGNORE));
        if (flag) {
            SW_TRY(sw_worker_accept_reply(w, &w->reply));
            *activity = true;
        }
    }
    for (;;) {
        SW_MPI(MPI_Test(&w->control_req, &flag, MPI_STATUS_IGNORE));
        if (!flag) break;
        *activity = true;
        SW_TRY(handle_control(w, w->control));
        if (w->finalized) break;
        SW_MPI(MPI_Irecv(&w->control, 1, MPI_INT32_T, 0, TAG_CONTROL, w->up, &w->control_req));
    }
    return SW_OK;
}

/* ---- the loop ---- */

static bool done_working(worker *w) {
    if (w->requesting) return false;
    if (w->aborting) return w->abort_done && !sw_compute_finished(&w->cp);
    return (w->stopped || w->draining) && sw_compute_busy(&w->cp) == 0;
}

static sw_status step(worker *w, bool *activity) {
    SW_TRY(watch_signals(w));
    SW_TRY(harvest(w, activity));
    if (wants_work(w)) {
        SW_TRY(request_work(w));
        *activity = true;
    }
    if (w->up != MPI_COMM_NULL && sw_liveness_beat_due(&w->live))
        SW_MPI(MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_HEARTBEAT, w->up));
    if (w->up != MPI_COMM_NULL) SW_TRY(poll_messages(w, activity));
    if (w->co) SW_TRY(sw_serve_coordinate(w, activity));
    if (w->grp) SW_TRY(sw_serve_group(w, activity));
    if (!w->final_sent && done_working(w)) {
        w->final_sent = true;
        msg_report r = {.kind = REPORT_FINAL};
        SW_TRY(send_report(w, &r));
    }
    return SW_OK;
}

static bool finished(worker *w) {
    if (!w->co) return w->finalized;
    return w->co->n_final == w->down_size;
}

/* A runner error on this rank: keep it, stop computing, and tell the coordinator, which stops every rank. The
 * rank goes on taking part (answering, reporting its end) so that no rank waits for it; the error is agreed on
 * after the loop. */
static sw_status fail_locally(worker *w, sw_status s) {
    w->error = s;
    snprintf(w->error_message, sizeof w->error_message, "%s", sw_error_message());
    sw_worker_abort(w);
    w->abort_done = true;
    msg_report r = {.kind = REPORT_ERROR};
    return send_report(w, &r);
}

static sw_status main_loop(worker *w) {
    double nap = NAP_MIN;
    while (!finished(w)) {
        bool activity = false;
        sw_status s = step(w, &activity);
        if (s != SW_OK) {
            /* MPI itself failing, or a second error while stopping: nothing can be agreed on any more. */
            if (s == SW_ERR_MPI || w->error != SW_OK) return s;
            SW_TRY(fail_locally(w, s));
            activity = true;
        }
        nap = activity ? NAP_MIN : fmin(nap * 2, NAP_MAX);
        if (!activity) {
            double t0 = sw_now();
            sw_compute_wait(&w->cp, nap);
            w->idle += sw_now() - t0;
        }
    }
    if (w->n_lost > 0)
        return SW_FAIL(SW_ERR_INTERRUPTED, "%d rank(s) lost: rank %d sent nothing for %.1f s (liveness timeout "
                       "%g s); its node or process is gone. The other ranks wrote every task they finished; the "
                       "file is resumable (--resume)", w->n_lost, w->lost_rank, w->lost_silent, w->live.timeout);
    if (w->co) SW_TRY(sw_serve_finalize(w));
    return SW_OK;
}

/* Rank 0 turns the coordinator's view into the result every rank returns. */
static void fill_result(const worker *w, double seconds, sw_run_result *res) {
    const coord *c = w->co;
    memset(res, 0, sizeof *res);
    res->total = c->total;
    res->ok = c->ok;
    res->failed = c->failed;
    res->ran = c->ran;
    res->pending = c->total - c->ok - c->failed;
    res->seconds = seconds;
    res->stop = c->stop;
    res->requests = c->requests;
    res->service_seconds = c->service_seconds;
    res->longest_first = c->longest_first;
    res->messages = c->messages;
    res->idle_seconds = w->idle;
    res->tail_seconds = c->last_handout > 0 ? sw_now() - c->last_handout : 0;
    res->group_size = w->group_size < w->size ? w->group_size : 0;
    res->coordinators = 1 + (res->group_size ? w->down_size - w->group_size : 0);
    res->signal = c->signal;
    res->error_rank = -1;
}

/* ---- coordination layout (worker.h) ---- */

static int choose_group_size(const sw_run_options *opt, int size) {
    if (opt->group_size > 0) return opt->group_size < 2 ? 2 : opt->group_size;
    if (size < SW_GROUP_AUTO_RANKS) return size;
    return (int)ceil(sqrt((double)size));
}

/* The communicator of the ranks of comm in `ranges` (MPI_Group_range_incl triples), made by those ranks alone:
 * MPI_Comm_create_group is collective over the new communicator only, so its cost does not grow with the run, where
 * MPI_Comm_split is collective over all of comm (and costs SimGrid O(ranks^2): half an hour at 100,000 ranks). */
static sw_status create_comm(worker *w, int ranges[][3], int n_ranges, int tag, MPI_Comm *out) {
    MPI_Group all, part;
    SW_MPI(MPI_Comm_group(w->comm, &all));
    sw_status s = SW_MPI_STATUS(MPI_Group_range_incl(all, n_ranges, ranges, &part));
    MPI_Group_free(&all);
    if (s != SW_OK) return s;
    s = SW_MPI_STATUS(MPI_Comm_create_group(w->comm, part, tag, out));
    MPI_Group_free(&part);
    return s;
}

/* Without sub-coordinators rank 0 coordinates comm. With them, rank 0 coordinates group 0 (ranks [0, G)) and the
 * sub-coordinators (ranks kG, k >= 1), each of which coordinates its group [kG, (k + 1)G). Collective. */
static sw_status split_comms(worker *w) {
    int g = w->group_size, r = w->rank, last = w->size - 1;
    w->up = w->down = MPI_COMM_NULL;
    if (g >= w->size) {
        if (r == 0) w->down = w->comm;
        else w->up = w->comm;
    } else {
        w->split = true;
        MPI_Comm top = MPI_COMM_NULL, group = MPI_COMM_NULL;
        bool on_top = r < g || r % g == 0;
        /* The top first: a sub-coordinator takes part in both, its group's ranks wait for it in the second. */
        if (on_top) SW_TRY(create_comm(w, (int[][3]){{0, g - 1, 1}, {g, last / g * g, g}}, 2, 1, &top));
        if (r >= g) {
            int first = r / g * g;
            SW_TRY(create_comm(w, (int[][3]){{first, first + g - 1 < last ? first + g - 1 : last, 1}}, 1, 2, &group));
        }
        if (r == 0) w->down = top;
        else w->up = on_top ? top : group;
        if (r >= g && r % g == 0) w->down = group;
    }
    if (w->down != MPI_COMM_NULL) SW_MPI(MPI_Comm_size(w->down, &w->down_size));
    return SW_OK;
}

static void free_comms(worker *w) {
    if (!w->split) return;
    if (w->up != MPI_COMM_NULL) MPI_Comm_free(&w->up);
    if (w->down != MPI_COMM_NULL) MPI_Comm_free(&w->down);
    w->split = false;
}

static void free_roles(worker *w) {
    if (w->co) sw_coord_free(w->co);
    w->co = NULL;
    if (w->grp) sw_group_free(w->grp);
    free(w->grp);
    w->grp = NULL;
    free_comms(w);
}

/* Rank 0's coordinator, or a sub-coordinator's group. */
static sw_status start_role(worker *w, const sw_spec *spec, const sw_run_options *opt, coord *co) {
    if (w->rank == 0) {
        w->co = co;
        int busiest = w->down_size > w->group_size ? w->down_size : w->group_size;
        return sw_coord_init(co, spec, w->store, opt, w->size, w->down_size, busiest);
    }
    if (w->down == MPI_COMM_NULL) return SW_OK;
    w->grp = calloc(1, sizeof *w->grp);
    SW_CHECK_ALLOC(w->grp, "a sub-coordinator");
    return sw_group_init(w->grp, w->down_size);
}

/* Sets up the coordination, the compute thread and the control channel; every rank agrees on the outcome. On
 * failure everything set up is released again. Collective. */
static sw_status start_worker(worker *w, const sw_spec *spec, const sw_run_options *opt, coord *co) {
    w->group_size = choose_group_size(opt, w->size);
    w->lost_rank = -1;
    memset(co, 0, sizeof *co);
    SW_TRY(split_comms(w)); /* an MPI failure: the caller aborts */
    sw_status s = start_role(w, spec, opt, co);
    bool coordinating = w->down != MPI_COMM_NULL;
    if (s == SW_OK) s = sw_liveness_init(&w->live, opt->liveness_timeout, w->down_size, coordinating);
    if (s == SW_OK) s = sw_compute_start(&w->cp, spec, w->rank);
    if (s == SW_OK) sw_compute_limits(&w->cp, opt->task_timeout, opt->retries);
#ifdef SW_SCHED_INLINE
    w->stopped = coordinating && w->down_size > 1; /* a simulated coordinator only coordinates (see compute.c) */
#endif
    bool listening = false;
    if (s == SW_OK && w->up != MPI_COMM_NULL) {
        s = SW_MPI_STATUS(MPI_Irecv(&w->control, 1, MPI_INT32_T, 0, TAG_CONTROL, w->up, &w->control_req));
        listening = s == SW_OK;
    }
    s = sw_comm_agree(w->comm, s, NULL);
    if (s == SW_OK) return SW_OK;
    if (listening && MPI_Cancel(&w->control_req) == MPI_SUCCESS) MPI_Request_free(&w->control_req);
    sw_compute_stop(&w->cp);
    sw_liveness_free(&w->live);
    free_roles(w);
    return s;
}

/* After the loop: rank 0's view becomes every rank's result, and every rank returns the same status. */
static sw_status finish_worker(worker *w, double t0, sw_run_result *result) {
    sw_status s = w->error;
    if (s != SW_OK) s = SW_FAIL(s, "%s", w->error_message); /* the loop's later calls may have replaced it */
    if (w->co) {
        if (s == SW_OK && w->co->stop == SW_STOP_FAILURES) s = sw_coord_mark_skipped(w->co, w->store);
        sw_coord_progress(w->co, true);
        fill_result(w, sw_now() - t0, result);
    }
    free_roles(w);
    SW_MPI(MPI_Bcast(result, sizeof *result, MPI_BYTE, 0, w->comm));
    int abandoned = !sw_compute_stop(&w->cp), any_abandoned = 0;
    SW_MPI(MPI_Allreduce(&abandoned, &any_abandoned, 1, MPI_INT, MPI_LOR, w->comm));
    result->abandoned = any_abandoned;
    w->abandoned = abandoned;
    s = sw_comm_agree(w->comm, s, &result->error_rank);
    if (s != SW_OK) result->stop = SW_STOP_ERROR;
    return s;
}

/* Runs the loop of one rank; rank 0 also owns the coordinator, a sub-coordinator its group. */
static sw_status run_worker(worker *w, const sw_spec *spec, const sw_run_options *opt, sw_run_result *result) {
    double t0 = sw_now();
    coord co;
    SW_TRY(start_worker(w, spec, opt, &co));
    sw_status s = main_loop(w);
    sw_liveness_free(&w->live);
    if (s != SW_OK) { /* only SW_ERR_MPI, a lost rank or a second error come back here: the caller aborts the job */
        if (s == SW_ERR_INTERRUPTED) result->stop = SW_STOP_LOST, result->error_rank = w->rank;
        return s;
    }
    return finish_worker(w, t0, result);
}

sw_status sw_sched_run(MPI_Comm comm, const sw_spec *spec, sw_store *store, const sw_run_options *opt,
                       sw_run_result *result) {
    memset(result, 0, sizeof *result);
    result->error_rank = -1;
    /* On the heap: a compute thread abandoned in a task keeps using its state until the process exits. */
    worker *w = calloc(1, sizeof *w);
    sw_status s = w ? SW_OK : SW_FAIL(SW_ERR_NOMEM, "cannot allocate the worker");
    s = sw_comm_agree(comm, s, &result->error_rank);
    if (s != SW_OK) {
        free(w);
        return s;
    }
    w->comm = comm;
    w->store = store;
    w->signals_seen = signals_consumed;
    s = SW_MPI_STATUS(MPI_Comm_rank(comm, &w->rank));
    if (s == SW_OK) s = SW_MPI_STATUS(MPI_Comm_size(comm, &w->size));
    if (s == SW_OK) s = run_worker(w, spec, opt, result);
    signals_consumed = signal_count;
    if (!w->abandoned) free(w);
    return s;
}
