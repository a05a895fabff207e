/* serve.c: the coordinating side of the loop. Rank 0 answers the ranks it coordinates from the coordinator
 * (coord.c) and decides every stop; a sub-coordinator answers its group from its pool (group.c), refills the pool
 * from rank 0, forwards its group's reports and failures up in batches, and passes rank 0's controls down. */

#include "mpisweep/clock.h"
#include "mpisweep/comm.h"
#include "worker.h"

/* The run's rank of rank `local` of the communicator this rank coordinates (see worker.h). */
static int world_rank(const worker *w, int local) {
    if (w->grp) return w->rank + local;
    if (w->group_size >= w->size || local < w->group_size) return local;
    return (local - w->group_size + 1) * w->group_size;
}

static sw_status send_down(worker *w, int to, int tag, const void *buf, int bytes) {
    SW_MPI(MPI_Send(buf, bytes, MPI_BYTE, to, tag, w->down));
    return SW_OK;
}

static sw_status send_control(worker *w, int to, int32_t kind) {
    SW_MPI(MPI_Send(&kind, 1, MPI_INT32_T, to, TAG_CONTROL, w->down));
    return SW_OK;
}

/* To every rank of down that is not final (finished ranks only wait for CONTROL_FINALIZE). */
static sw_status control_down(worker *w, int32_t kind, const bool *final) {
    for (int r = 1; r < w->down_size; r++)
        if (!final[r]) SW_TRY(send_control(w, r, kind));
    return SW_OK;
}

/* Serves every message waiting from the ranks of down; counts them in *received. */
static sw_status serve_waiting(worker *w, bool *activity, uint64_t *received,
                               sw_status (*serve_one)(worker *, const MPI_Status *)) {
    for (;;) {
        int flag = 0;
        MPI_Status st;
        SW_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, w->down, &flag, &st));
        if (!flag) return SW_OK;
        *activity = true;
        ++*received;
        sw_liveness_heard(&w->live, st.MPI_SOURCE);
        SW_TRY(serve_one(w, &st));
    }
}

sw_status sw_serve_finalize(worker *w) {
    for (int r = 1; r < w->down_size; r++) SW_TRY(send_control(w, r, CONTROL_FINALIZE));
    return SW_OK;
}

/* ---- rank 0 ---- */

static void note_lost(worker *w, int rank, double silent) {
    if (w->n_lost++ == 0) w->lost_rank = rank, w->lost_silent = silent;
}

static sw_status root_reports(worker *w, const MPI_Status *st) {
    msg_report r[SW_GROUP_BATCH];
    int bytes = 0;
    SW_MPI(MPI_Get_count(st, MPI_BYTE, &bytes));
    SW_CHECK(bytes > 0 && bytes <= (int)sizeof r && bytes % (int)sizeof r[0] == 0, SW_ERR_INTERNAL,
             "a report of %d bytes from rank %d", bytes, world_rank(w, st->MPI_SOURCE));
    SW_MPI(MPI_Recv(r, bytes, MPI_BYTE, st->MPI_SOURCE, TAG_REPORT, w->down, MPI_STATUS_IGNORE));
    for (int k = 0; k < bytes / (int)sizeof r[0]; k++) {
        if (r[k].kind == REPORT_LOST) note_lost(w, (int)r[k].start, r[k].sum_seconds);
        sw_coord_report(w->co, st->MPI_SOURCE, &r[k]);
    }
    return SW_OK;
}

static sw_status root_returns(worker *w, const MPI_Status *st) {
    work_item items[SW_GROUP_POOL];
    int bytes = 0;
    SW_MPI(MPI_Get_count(st, MPI_BYTE, &bytes));
    SW_CHECK(bytes >= 0 && bytes <= (int)sizeof items, SW_ERR_INTERNAL, "a return of %d bytes", bytes);
    SW_MPI(MPI_Recv(items, bytes, MPI_BYTE, st->MPI_SOURCE, TAG_RETURN, w->down, MPI_STATUS_IGNORE));
    for (int k = 0; k < bytes / (int)sizeof items[0]; k++) SW_TRY(sw_coord_returned(w->co, &items[k]));
    return SW_OK;
}

static sw_status root_serve_one(worker *w, const MPI_Status *st) {
    int from = st->MPI_SOURCE;
    switch (st->MPI_TAG) {
    case TAG_REQUEST: {
        int32_t weight;
        SW_MPI(MPI_Recv(&weight, 1, MPI_INT32_T, from, TAG_REQUEST, w->down, MPI_STATUS_IGNORE));
        msg_reply reply;
        sw_coord_assign(w->co, weight, &reply);
        return send_down(w, from, TAG_REPLY, &reply, sizeof reply);
    }
    case TAG_REPORT:
        return root_reports(w, st);
    case TAG_RETURN:
        return root_returns(w, st);
    case TAG_HEARTBEAT:
        SW_MPI(MPI_Recv(NULL, 0, MPI_BYTE, from, TAG_HEARTBEAT, w->down, MPI_STATUS_IGNORE));
        return SW_OK;
    case TAG_FAILURE: {
        failure_record f;
        SW_MPI(MPI_Recv(&f, sizeof f, MPI_BYTE, from, TAG_FAILURE, w->down, MPI_STATUS_IGNORE));
        f.message[sizeof f.message - 1] = '\0';
        if (w->error != SW_OK) return SW_OK;
        return sw_store_log_failure(w->store, f.sweep, f.task, f.outcome, f.rank, f.seconds, f.message);
    }
    default:
        return SW_FAIL(SW_ERR_INTERNAL, "unexpected message tag %d from rank %d", st->MPI_TAG, world_rank(w, from));
    }
}

/* Rank 0's own liveness check over the ranks it coordinates. Lost ranks count as final, so that nobody waits
 * for them or sends them anything. */
static void root_check_liveness(worker *w) {
    coord *c = w->co;
    if (sw_liveness_check(&w->live, c->final, c->lost) == 0) return;
    for (int r = 1; r < w->down_size; r++)
        if (c->lost[r] && !c->final[r]) {
            c->final[r] = true, c->n_final++;
            note_lost(w, world_rank(w, r), w->live.silent);
        }
    sw_coord_request_stop(c, SW_STOP_LOST, 0);
}

/* The stops rank 0 decides, and what it tells the others. */
static sw_status root_stops(worker *w) {
    coord *c = w->co;
    if (c->stop != SW_STOP_NONE && !c->halt_sent && w->group_size < w->size) {
        /* Sub-coordinators hold work: they must stop handing it out as rank 0 does. */
        c->halt_sent = true;
        for (int r = w->group_size; r < w->down_size; r++)
            if (!c->final[r]) SW_TRY(send_control(w, r, CONTROL_HALT));
    }
    if ((c->stop == SW_STOP_SIGNAL || w->n_lost > 0) && !c->drain_sent) {
        c->drain_sent = true;
        sw_worker_drain(w);
        SW_TRY(control_down(w, CONTROL_DRAIN, c->final));
    }
    bool out_of_time = (c->stop == SW_STOP_SIGNAL || w->n_lost > 0) && sw_now() - c->stop_time > c->opt->grace;
    if ((c->signals >= 2 || out_of_time || c->stop == SW_STOP_ERROR) && !c->abort_sent) {
        c->abort_sent = true;
        sw_worker_abort(w);
        SW_TRY(control_down(w, CONTROL_ABORT, c->final));
    }
    return SW_OK;
}

sw_status sw_serve_coordinate(worker *w, bool *activity) {
    coord *c = w->co;
    SW_TRY(serve_waiting(w, activity, &c->messages, root_serve_one));
    root_check_liveness(w);
    SW_TRY(root_stops(w));
    sw_coord_progress(c, false);
    return SW_OK;
}

/* ---- a sub-coordinator ---- */

static sw_status send_up(worker *w, int tag, const void *buf, int bytes) {
    SW_MPI(MPI_Send(buf, bytes, MPI_BYTE, 0, tag, w->up));
    return SW_OK;
}

static sw_status flush_batch(worker *w) {
    sw_group *g = w->grp;
    if (g->n_batch == 0) return SW_OK;
    SW_TRY(send_up(w, TAG_REPORT, g->batch, g->n_batch * (int)sizeof g->batch[0]));
    g->n_batch = 0;
    return SW_OK;
}

/* Answers local rank `local` (0: this rank, whose request is a function call). */
static sw_status answer(worker *w, int local, const msg_reply *reply) {
    if (local == 0) return sw_worker_accept_reply(w, reply);
    return send_down(w, local, TAG_REPLY, reply, sizeof *reply);
}

static sw_status group_request(worker *w, int local) {
    msg_reply reply;
    if (sw_group_take(w->grp, &reply)) return answer(w, local, &reply);
    sw_group_wait(w->grp, local);
    return SW_OK;
}

sw_status sw_serve_own_request(worker *w) {
    return group_request(w, 0);
}

sw_status sw_serve_group_report(worker *w, int local, const msg_report *r) {
    sw_group *g = w->grp;
    if (r->kind == REPORT_FINAL) {
        sw_group_final(g, local);
        return SW_OK;
    }
    if (sw_group_batch_add(g, r, sw_now())) return flush_batch(w);
    return SW_OK;
}

/* Answers the waiting ranks that can be answered now. */
static sw_status answer_waiting(worker *w) {
    msg_reply reply;
    int local;
    while ((local = sw_group_next_answer(w->grp, &reply)) >= 0) SW_TRY(answer(w, local, &reply));
    return SW_OK;
}

/* Gives the pool back to rank 0 and stops every waiting rank. */
static sw_status halt(worker *w) {
    work_item items[SW_GROUP_POOL];
    int n = sw_group_halt(w->grp, items);
    if (n > 0) SW_TRY(send_up(w, TAG_RETURN, items, n * (int)sizeof items[0]));
    return answer_waiting(w);
}

sw_status sw_serve_group_control(worker *w, int32_t kind) {
    if (kind == CONTROL_FINALIZE) return sw_serve_finalize(w);
    if (kind == CONTROL_DRAIN || kind == CONTROL_ABORT) SW_TRY(control_down(w, kind, w->grp->final));
    return halt(w);
}

static sw_status group_reports(worker *w, const MPI_Status *st) {
    msg_report r;
    SW_MPI(MPI_Recv(&r, sizeof r, MPI_BYTE, st->MPI_SOURCE, TAG_REPORT, w->down, MPI_STATUS_IGNORE));
    return sw_serve_group_report(w, st->MPI_SOURCE, &r);
}

static sw_status group_serve_one(worker *w, const MPI_Status *st) {
    int from = st->MPI_SOURCE;
    switch (st->MPI_TAG) {
    case TAG_REQUEST: {
        int32_t weight;
        SW_MPI(MPI_Recv(&weight, 1, MPI_INT32_T, from, TAG_REQUEST, w->down, MPI_STATUS_IGNORE));
        return group_request(w, from);
    }
    case TAG_REPORT:
        return group_reports(w, st);
    case TAG_HEARTBEAT:
        SW_MPI(MPI_Recv(NULL, 0, MPI_BYTE, from, TAG_HEARTBEAT, w->down, MPI_STATUS_IGNORE));
        return SW_OK;
    case TAG_FAILURE: {
        /* Through this rank, not straight to rank 0: it must reach rank 0 before the group's final report. */
        failure_record f;
        SW_MPI(MPI_Recv(&f, sizeof f, MPI_BYTE, from, TAG_FAILURE, w->down, MPI_STATUS_IGNORE));
        SW_TRY(flush_batch(w));
        return send_up(w, TAG_FAILURE, &f, sizeof f);
    }
    default:
        return SW_FAIL(SW_ERR_INTERNAL, "unexpected message tag %d from rank %d", st->MPI_TAG, world_rank(w, from));
    }
}

/* Ranks of the group found lost count as final here, and rank 0 hears of them at once (it stops the run). */
static sw_status group_check_liveness(worker *w) {
    sw_group *g = w->grp;
    if (sw_liveness_check(&w->live, g->final, g->lost) == 0) return SW_OK;
    for (int r = 1; r < g->size; r++)
        if (g->lost[r] && !g->final[r]) {
            sw_group_final(g, r);
            msg_report lost = {.kind = REPORT_LOST, .start = (uint64_t)world_rank(w, r),
                               .sum_seconds = w->live.silent};
            SW_TRY(sw_serve_group_report(w, r, &lost));
        }
    return SW_OK;
}

static sw_status group_refill(worker *w) {
    sw_group *g = w->grp;
    int32_t weight = sw_group_wants_refill(g);
    if (weight == 0) return SW_OK;
    SW_TRY(flush_batch(w)); /* rank 0's cost model and chunk sizes want the newest reports first */
    g->refill_out = true;
    SW_MPI(MPI_Irecv(&w->refill, sizeof w->refill, MPI_BYTE, 0, TAG_REPLY, w->up, &w->refill_req));
    SW_MPI(MPI_Send(&weight, 1, MPI_INT32_T, 0, TAG_REQUEST, w->up));
    return SW_OK;
}

static sw_status group_poll_refill(worker *w, bool *activity) {
    sw_group *g = w->grp;
    int flag = 0;
    if (!g->refill_out) return SW_OK;
    SW_MPI(MPI_Test(&w->refill_req, &flag, MPI_STATUS_IGNORE));
    if (!flag) return SW_OK;
    *activity = true;
    sw_group_refilled(g, &w->refill);
    if (g->halted) return halt(w); /* a stop overtook the reply: the work goes back */
    return answer_waiting(w);
}

sw_status sw_serve_group(worker *w, bool *activity) {
    sw_group *g = w->grp;
    uint64_t received = 0;
    SW_TRY(serve_waiting(w, activity, &received, group_serve_one));
    SW_TRY(group_check_liveness(w));
    SW_TRY(group_poll_refill(w, activity));
    SW_TRY(group_refill(w));
    if (sw_group_batch_due(g, sw_now())) SW_TRY(flush_batch(w));
    if (!w->group_final_sent && g->n_final == g->size && !g->refill_out) {
        /* The whole group is done: its last reports, then one final report for all of it. */
        w->group_final_sent = true;
        SW_TRY(flush_batch(w));
        msg_report final = {.kind = REPORT_FINAL};
        SW_TRY(send_up(w, TAG_REPORT, &final, sizeof final));
    }
    return SW_OK;
}
