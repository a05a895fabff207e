/* store_memory.c: the memory store: each rank keeps what it computed in arrays the size of the whole sweep, and
 * the collective close combines them into the caller's sw_memory_results on every rank. For tests that compare
 * results across rank counts without a file, and for library callers that want the numbers, not a file. */
#include <stdlib.h>
#include <string.h>

#include "mpisweep/comm.h"
#include "mpisweep/store.h"

typedef struct mem_sweep {
    struct sw_memory_sweep r; /* this rank's writes (rank 0 also: the resumed results) */
    uint8_t *written;         /* tasks this rank wrote in this run */
} mem_sweep;

typedef struct mem_store {
    MPI_Comm comm;
    int rank;
    sw_memory_results *sink;
    size_t n_sweeps;
    mem_sweep *sweeps;
} mem_store;

static void free_sweep(struct sw_memory_sweep *s) {
    for (size_t o = 0; s->out && o < s->n_outputs; o++) free(s->out[o]);
    free(s->out);
    free(s->out_size);
    free(s->status);
    free(s->seconds);
    memset(s, 0, sizeof *s);
}

void sw_memory_results_free(sw_memory_results *r) {
    for (size_t i = 0; r->sweeps && i < r->n_sweeps; i++) free_sweep(&r->sweeps[i]);
    free(r->sweeps);
    r->sweeps = NULL;
    r->n_sweeps = 0;
}

static void free_store(mem_store *m) {
    for (size_t i = 0; m->sweeps && i < m->n_sweeps; i++) {
        free_sweep(&m->sweeps[i].r);
        free(m->sweeps[i].written);
    }
    free(m->sweeps);
    free(m);
}

static sw_status alloc_sweep(mem_sweep *ms, const sw_sweep *sw) {
    struct sw_memory_sweep *s = &ms->r;
    s->n_tasks = sw->n_tasks;
    s->n_outputs = sw->exp->n_outputs;
    s->out_size = calloc(s->n_outputs + 1, sizeof *s->out_size);
    s->out = calloc(s->n_outputs + 1, sizeof *s->out);
    s->status = calloc(s->n_tasks, 1);
    s->seconds = calloc(s->n_tasks, sizeof *s->seconds);
    ms->written = calloc(s->n_tasks, 1);
    SW_CHECK_ALLOC(s->out_size && s->out && s->status && s->seconds && ms->written, "an in-memory sweep");
    for (size_t o = 0; o < s->n_outputs; o++) {
        s->out_size[o] = sw_sweep_output_size(sw, o);
        s->out[o] = calloc(s->n_tasks * s->out_size[o] + 1, sizeof(double));
        SW_CHECK_ALLOC(s->out[o], "an in-memory output");
    }
    return SW_OK;
}

/* The results of an earlier run resume only when they have this spec's shape. */
static bool same_shape(const sw_memory_results *r, const sw_spec *spec) {
    if (!r || r->n_sweeps != spec->n_sweeps) return false;
    for (size_t i = 0; i < spec->n_sweeps; i++) {
        const struct sw_memory_sweep *s = &r->sweeps[i];
        if (s->n_tasks != spec->sweeps[i].n_tasks || s->n_outputs != spec->sweeps[i].exp->n_outputs) return false;
        for (size_t o = 0; o < s->n_outputs; o++)
            if (s->out_size[o] != sw_sweep_output_size(&spec->sweeps[i], o)) return false;
    }
    return true;
}

/* Every rank reads the earlier statuses (only rank 0 reads them, but it costs little); only rank 0 carries the
 * earlier data into the combination at close, so that it is counted once. */
static void take_earlier(mem_store *m, const sw_memory_results *r) {
    for (size_t i = 0; i < m->n_sweeps; i++) {
        struct sw_memory_sweep *d = &m->sweeps[i].r;
        const struct sw_memory_sweep *s = &r->sweeps[i];
        memcpy(d->status, s->status, d->n_tasks);
        if (m->rank != 0) continue;
        memcpy(d->seconds, s->seconds, d->n_tasks * sizeof *d->seconds);
        for (size_t o = 0; o < d->n_outputs; o++)
            memcpy(d->out[o], s->out[o], d->n_tasks * d->out_size[o] * sizeof(double));
    }
}

static void memory_versions(char *buf, size_t size) {
    if (size) buf[0] = '\0';
}

static sw_status open_local(mem_store *m, const sw_spec *spec, sw_open_mode mode) {
    SW_MPI(MPI_Comm_rank(m->comm, &m->rank));
    m->sweeps = calloc(spec->n_sweeps + 1, sizeof *m->sweeps);
    SW_CHECK_ALLOC(m->sweeps, "the memory store");
    m->n_sweeps = spec->n_sweeps;
    for (size_t i = 0; i < spec->n_sweeps; i++) SW_TRY(alloc_sweep(&m->sweeps[i], &spec->sweeps[i]));
    if (mode == SW_STORE_RESUME && same_shape(m->sink, spec)) take_earlier(m, m->sink);
    return SW_OK;
}

static sw_status memory_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                             const sw_run_info *info, void *arg, void **state) {
    (void)path, (void)info;
    *state = NULL;
    mem_store *m = calloc(1, sizeof *m);
    sw_status s = m ? SW_OK : SW_FAIL(SW_ERR_NOMEM, "cannot allocate the memory store");
    if (m) {
        m->comm = comm;
        m->sink = arg;
        s = open_local(m, spec, mode);
    }
    s = sw_comm_agree(comm, s, NULL);
    if (s != SW_OK) {
        if (m) free_store(m);
        return s;
    }
    *state = m;
    return SW_OK;
}

static sw_status memory_write_block(void *state, const sw_result_block *b, int rank) {
    (void)rank;
    mem_sweep *ms = &((mem_store *)state)->sweeps[b->sweep];
    struct sw_memory_sweep *s = &ms->r;
    for (size_t o = 0; o < s->n_outputs; o++)
        memcpy(s->out[o] + b->start * s->out_size[o], b->out[o], b->count * s->out_size[o] * sizeof(double));
    memcpy(s->status + b->start, b->status, b->count);
    memcpy(s->seconds + b->start, b->seconds, b->count * sizeof(double));
    memset(ms->written + b->start, 1, b->count);
    return SW_OK;
}

static sw_status memory_mark_range(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t code) {
    mem_sweep *ms = &((mem_store *)state)->sweeps[sweep];
    memset(ms->r.status + start, code, count);
    memset(ms->written + start, 1, count);
    return SW_OK;
}

static sw_status memory_log_failure(void *state, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                                    const char *message) {
    (void)state, (void)sweep, (void)task, (void)outcome, (void)rank, (void)seconds, (void)message;
    return SW_OK; /* the statuses say which tasks failed; the messages are the HDF5 store's business */
}

static sw_status memory_read_status(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t *status) {
    memcpy(status, ((mem_store *)state)->sweeps[sweep].r.status + start, count);
    return SW_OK;
}

/* In-place bitwise OR over ranks of n bytes, in pieces that fit an int count. */
static sw_status or_bytes(MPI_Comm comm, void *buf, size_t n) {
    const size_t piece = (size_t)1 << 30;
    for (size_t at = 0; at < n; at += piece) {
        size_t len = n - at < piece ? n - at : piece;
        SW_MPI(MPI_Allreduce(MPI_IN_PLACE, (char *)buf + at, (int)len, MPI_UINT8_T, MPI_BOR, comm));
    }
    return SW_OK;
}

/* Each task was written by at most one rank this run, and every other rank holds zeros for it, so a bitwise OR
 * over ranks assembles the results exactly (NaN payloads included). Rank 0's earlier results give way to any
 * rank's new ones. */
static sw_status combine(mem_store *m, mem_sweep *ms) {
    struct sw_memory_sweep *s = &ms->r;
    uint8_t *any = malloc(s->n_tasks + 1);
    SW_CHECK_ALLOC(any, "a task mask");
    memcpy(any, ms->written, s->n_tasks);
    sw_status st = or_bytes(m->comm, any, s->n_tasks);
    for (uint64_t t = 0; st == SW_OK && m->rank == 0 && t < s->n_tasks; t++)
        if (any[t] && !ms->written[t]) {
            s->status[t] = 0;
            s->seconds[t] = 0;
            for (size_t o = 0; o < s->n_outputs; o++)
                memset(s->out[o] + t * s->out_size[o], 0, s->out_size[o] * sizeof(double));
        }
    if (m->rank != 0) /* rank 0 alone carries the earlier statuses */
        for (uint64_t t = 0; t < s->n_tasks; t++)
            if (!ms->written[t]) s->status[t] = 0;
    free(any);
    SW_TRY(st);
    SW_TRY(or_bytes(m->comm, s->status, s->n_tasks));
    SW_TRY(or_bytes(m->comm, s->seconds, s->n_tasks * sizeof(double)));
    for (size_t o = 0; o < s->n_outputs; o++)
        SW_TRY(or_bytes(m->comm, s->out[o], s->n_tasks * s->out_size[o] * sizeof(double)));
    return SW_OK;
}

static sw_status memory_close(void *state, const char *summary) {
    mem_store *m = state;
    sw_status s = SW_OK;
    if (summary && m->sink) {
        for (size_t i = 0; s == SW_OK && i < m->n_sweeps; i++) s = combine(m, &m->sweeps[i]);
        s = sw_comm_agree(m->comm, s, NULL);
    }
    if (s == SW_OK && summary && m->sink) {
        sw_memory_results_free(m->sink);
        m->sink->sweeps = calloc(m->n_sweeps + 1, sizeof *m->sink->sweeps);
        if (m->sink->sweeps) {
            m->sink->n_sweeps = m->n_sweeps;
            for (size_t i = 0; i < m->n_sweeps; i++) { /* the arrays move to the caller */
                m->sink->sweeps[i] = m->sweeps[i].r;
                memset(&m->sweeps[i].r, 0, sizeof m->sweeps[i].r);
            }
        } else {
            s = SW_FAIL(SW_ERR_NOMEM, "cannot allocate the results");
        }
    }
    free_store(m);
    return s;
}

const sw_store_ops sw_store_memory = {
    .name = "memory",
    .versions = memory_versions,
    .open = memory_open,
    .write_block = memory_write_block,
    .mark_range = memory_mark_range,
    .log_failure = memory_log_failure,
    .read_status = memory_read_status,
    .close = memory_close,
};
