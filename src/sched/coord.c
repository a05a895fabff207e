/* coord.c: the coordinator's work queue, chunk sizing, stop logic and progress reports (rank 0 only). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coord.h"
#include "group.h"
#include "mpisweep/clock.h"

/* Chunk sizing: a chunk should take at least MIN seconds (dispatch cost below 1 %) and at most MAX seconds
 * (a stop or deadline is never far away), and hold at most MAX_BYTES of results. MIN grows with the number of
 * ranks one coordinator serves beyond 256, so that it answers at most about 50 000 requests a second (a request
 * costs it about 1 us plus the MPI receive and send); sub-coordinators (sched.h) keep that number small. */
#define CHUNK_MIN_SECONDS 0.005
#define CHUNK_MIN_SECONDS_PER_RANK 2e-5
#define CHUNK_MAX_SECONDS 0.25
#define CHUNK_MAX_BYTES (8.0 * 1024 * 1024) /* per result buffer; a worker holds two */

/* Longest first: the model is fit once this many items have finished (about one per rank, so that the first
 * hand-out, one task per rank, is measured), then the tasks predicted to take at least a minimal chunk's time are
 * handed out alone, longest first, when the longest is at least LONG_SPREAD times the median (otherwise the
 * order gains nothing; see also PREDICT_SECONDS). At most LONG_MAX_TASKS are held, the longest; sweeps with more
 * remaining tasks than MODEL_MAX_TASKS keep the plain order (predicting each one would cost too much). */
#define COST_MIN_SAMPLES(size) ((size) < 4 ? 4 : (size) > 64 ? 64 : (uint64_t)(size))
#define LONG_SPREAD 4.0
#define LONG_MAX_TASKS (1u << 16)
#define MODEL_MAX_TASKS (1u << 20)
/* Predicting one task costs the coordinator about this long (sw_sweep_task and the model): the list is built only
 * when the tasks are long enough for the pass over them to cost under 1 % of the run (every rank waits for it), and
 * when some task has been long enough to be handed out alone. */
#define PREDICT_SECONDS 3e-7

static double min_chunk_seconds(const coord *c) {
    return fmax(CHUNK_MIN_SECONDS, CHUNK_MIN_SECONDS_PER_RANK * c->busiest);
}

static bool is_pending(int8_t code, bool retry_failed) {
    return code == SW_TASK_PENDING || code == SW_TASK_SKIPPED || (retry_failed && sw_outcome_is_failure(code));
}

/* Appends the task range [start, end) to a sweep's queue, merging it with the last range when they touch. */
static sw_status push_range(sweep_queue *q, size_t *cap, uint64_t start, uint64_t end) {
    if (q->n_ranges > 0 && q->ranges[q->n_ranges - 1].end == start) {
        q->ranges[q->n_ranges - 1].end = end;
    } else {
        if (q->n_ranges == *cap) {
            *cap = *cap ? 2 * *cap : 16;
            range *r = realloc(q->ranges, *cap * sizeof *r);
            SW_CHECK_ALLOC(r, "the work queue");
            q->ranges = r;
        }
        q->ranges[q->n_ranges++] = (range){start, end};
    }
    q->remaining += end - start;
    return SW_OK;
}

/* Run-length encodes the tasks to run from the file's task_status, read in slabs so that the coordinator's memory
 * is the queue (a few bytes per run of pending tasks), not a byte per task. */
enum { STATUS_SLAB = 1 << 20 };

static sw_status build_queue(coord *c, sw_store *store, size_t i, uint64_t n, int8_t *slab) {
    sweep_queue *q = &c->q[i];
    size_t cap = 0;
    for (uint64_t base = 0; base < n; base += STATUS_SLAB) {
        uint64_t len = n - base < STATUS_SLAB ? n - base : STATUS_SLAB;
        SW_TRY(sw_store_read_status(store, i, base, len, slab));
        for (uint64_t t = 0; t < len;) {
            int8_t code = slab[t];
            if (code == SW_TASK_OK) c->ok++;
            else if (code == SW_TASK_EXCLUDED) q->excluded++; /* where: left it out: not part of the work */
            else if (sw_outcome_is_failure(code) && !c->opt->retry_failed) c->failed++;
            if (!is_pending(code, c->opt->retry_failed)) {
                t++;
                continue;
            }
            uint64_t end = t + 1;
            while (end < len && is_pending(slab[end], c->opt->retry_failed)) end++;
            SW_TRY(push_range(q, &cap, base + t, base + end));
            t = end;
        }
    }
    return SW_OK;
}

sw_status sw_coord_init(coord *c, const sw_spec *spec, sw_store *store, const sw_run_options *opt, int size,
                        int clients, int busiest) {
    memset(c, 0, sizeof *c);
    c->spec = spec;
    c->opt = opt;
    c->size = size;
    c->clients = clients;
    c->busiest = busiest;
    c->t0 = c->last_progress = sw_now();
    c->last_progress_ran = UINT64_MAX;
    c->progress_bar = opt->progress == SW_PROGRESS_BAR || (opt->progress == SW_PROGRESS_AUTO && opt->log && isatty(fileno(opt->log)));
    c->q = calloc(spec->n_sweeps, sizeof *c->q);
    c->final = calloc((size_t)clients, sizeof *c->final);
    c->lost = calloc((size_t)clients, sizeof *c->lost);
    SW_CHECK_ALLOC(c->q && c->final && c->lost, "the coordinator");
    int8_t *slab = malloc(STATUS_SLAB);
    SW_CHECK_ALLOC(slab, "a task status slab");
    for (size_t i = 0; i < spec->n_sweeps; i++) {
        const sw_sweep *sw = &spec->sweeps[i];
        sw_status s = build_queue(c, store, i, sw->n_tasks, slab);
        if (s == SW_OK) s = sw_cost_init(&c->q[i].cost, sw);
        if (s != SW_OK) {
            free(slab);
            return s;
        }
        c->q[i].bytes_per_task = sw_store_task_bytes(sw);
        c->total += sw->n_tasks - c->q[i].excluded;
        c->remaining += c->q[i].remaining;
    }
    free(slab);
    c->to_run = c->remaining;
    return SW_OK;
}

void sw_coord_free(coord *c) {
    for (size_t i = 0; c->q && i < c->spec->n_sweeps; i++) {
        free(c->q[i].ranges);
        free(c->q[i].longest);
        free(c->q[i].long_by_index);
        sw_cost_free(&c->q[i].cost);
    }
    free(c->q);
    free(c->final);
    free(c->lost);
    free(c->returned);
}

void sw_coord_request_stop(coord *c, sw_stop_reason why, int signal) {
    if (why == SW_STOP_SIGNAL && !c->signal) c->signal = signal;
    /* A runner error overrides every other reason; a signal overrides the deadline and --max-failures. */
    bool stronger = why == SW_STOP_ERROR ? c->stop != SW_STOP_ERROR
                                         : why == SW_STOP_SIGNAL && c->stop != SW_STOP_SIGNAL && c->stop != SW_STOP_ERROR;
    if (c->stop == SW_STOP_NONE || stronger) {
        if (c->stop == SW_STOP_NONE) c->stop_time = sw_now();
        c->stop = why;
    }
}

static void assign(coord *c, int weight, msg_reply *reply);

/* How many tasks of sweep q the next chunk gets. */
static uint64_t chunk_size(const coord *c, const sweep_queue *q) {
    uint64_t n;
    if (c->opt->chunk) {
        n = c->opt->chunk;
    } else if (q->measured == 0) {
        n = 1; /* nothing measured yet: every rank may ask before the first task ends, so hand out single tasks */
    } else {
        double mean = q->mean > 1e-9 ? q->mean : 1e-9;
        double min_seconds = min_chunk_seconds(c);
        double lo = ceil(min_seconds / mean), hi = floor(fmax(CHUNK_MAX_SECONDS, 2 * min_seconds) / mean);
        double guided = ceil((double)q->remaining / (2.0 * c->size));
        n = (uint64_t)fmax(1.0, fmin(fmax(guided, lo), fmax(hi, 1.0)));
    }
    double byte_cap = floor(CHUNK_MAX_BYTES / q->bytes_per_task);
    if ((double)n > byte_cap) n = (uint64_t)fmax(byte_cap, 1.0);
    if (c->opt->deadline > 0 && q->measured > 0) {
        /* Wall clock, not monotonic: the deadline is a calendar time. */
        double left = c->opt->deadline - c->opt->deadline_margin - sw_wall_now();
        double fits = floor((left - (q->max - q->mean)) / fmax(q->mean, 1e-9));
        if (fits < (double)n) n = fits < 1 ? 0 : (uint64_t)fits;
    }
    return n;
}

/* Moves the front of the ranges past the tasks of the long list (they are handed out from there) and returns how
 * many tasks from the front a chunk may take before the next one. */
static uint64_t skip_long(sweep_queue *q, range *r) {
    while (q->skip < q->n_long && q->long_by_index[q->skip] < r->start) q->skip++;
    while (q->skip < q->n_long && r->start < r->end && q->long_by_index[q->skip] == r->start) r->start++, q->skip++;
    return q->skip < q->n_long ? q->long_by_index[q->skip] - r->start : UINT64_MAX;
}

static bool take(coord *c, size_t i, uint64_t n, work_item *item) {
    sweep_queue *q = &c->q[i];
    uint64_t before_long = UINT64_MAX;
    for (; q->next < q->n_ranges; q->next++) {
        before_long = skip_long(q, &q->ranges[q->next]);
        if (q->ranges[q->next].start < q->ranges[q->next].end) break;
    }
    if (q->next == q->n_ranges) return false;
    range *r = &q->ranges[q->next];
    uint64_t count = r->end - r->start < n ? r->end - r->start : n;
    if (count > before_long) count = before_long;
    *item = (work_item){.sweep = i, .start = r->start, .count = count};
    r->start += count;
    q->remaining -= count;
    c->remaining -= count;
    return true;
}

void sw_coord_assign(coord *c, int weight, msg_reply *reply) {
    double t0 = sw_now();
    c->requests++;
    assign(c, weight, reply);
    double t1 = sw_now();
    c->service_seconds += t1 - t0;
    if (reply->kind == REPLY_CHUNK) c->last_handout = t1;
}

/* A group's hand-out: its ranks' chunks for SW_GROUP_ROUNDS rounds, but never more than the group's share of
 * what is left (the guided rule, for the group as a whole). */
static uint64_t group_tasks(const coord *c, const sweep_queue *q, uint64_t chunk, int weight) {
    if (weight <= 1) return chunk;
    uint64_t share = (uint64_t)ceil((double)q->remaining * weight / (2.0 * c->size));
    uint64_t n = chunk * (uint64_t)weight * SW_GROUP_ROUNDS;
    return n < share ? n : share > chunk ? share : chunk;
}

static void assign(coord *c, int weight, msg_reply *reply) {
    memset(reply, 0, sizeof *reply);
    reply->kind = REPLY_STOP;
    while (c->stop == SW_STOP_NONE && c->current < c->spec->n_sweeps) {
        sweep_queue *q = &c->q[c->current];
        if (q->remaining == 0) {
            c->current++;
            continue;
        }
        uint64_t n = chunk_size(c, q);
        if (n == 0) {
            sw_coord_request_stop(c, SW_STOP_DEADLINE, 0);
            break;
        }
        if (q->next_long < q->n_long) {
            reply->kind = REPLY_CHUNK;
            reply->item = (work_item){.sweep = c->current, .start = q->longest[q->next_long++], .count = 1};
            reply->chunk = 1;
            q->remaining--, c->remaining--, c->longest_first++;
            return;
        }
        if (take(c, c->current, group_tasks(c, q, n, weight), &reply->item)) {
            reply->kind = REPLY_CHUNK;
            reply->chunk = n;
            reply->tail = q->remaining < (uint64_t)(2 * c->size) * n;
            return;
        }
        c->current++;
    }
}

typedef struct predicted {
    double seconds;
    uint64_t task;
} predicted;

static int longer_first(const void *a, const void *b) {
    const predicted *x = a, *y = b;
    if (x->seconds != y->seconds) return x->seconds < y->seconds ? 1 : -1;
    return x->task < y->task ? -1 : x->task > y->task;
}

static int by_index(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Predicts every task not handed out yet and keeps the long ones (see LONG_SPREAD). Done once per sweep; memory
 * that cannot be had only keeps the plain order. */
static void build_long_list(coord *c, sweep_queue *q) {
    q->long_built = true;
    uint64_t n = q->remaining;
    if (n < 2 || n > MODEL_MAX_TASKS || !sw_cost_fit(&q->cost)) return;
    predicted *p = malloc(n * sizeof *p);
    if (!p) return;
    size_t k = 0;
    for (size_t i = q->next; i < q->n_ranges; i++)
        for (uint64_t t = q->ranges[i].start; t < q->ranges[i].end && k < n; t++)
            p[k++] = (predicted){sw_cost_predict(&q->cost, t), t};
    qsort(p, k, sizeof *p, longer_first);
    size_t n_long = 0;
    if (k > 0 && p[0].seconds >= LONG_SPREAD * p[k / 2].seconds)
        while (n_long < k && n_long < LONG_MAX_TASKS && p[n_long].seconds >= min_chunk_seconds(c)) n_long++;
    q->longest = n_long ? malloc(n_long * sizeof *q->longest) : NULL;
    q->long_by_index = n_long ? malloc(n_long * sizeof *q->long_by_index) : NULL;
    if (q->longest && q->long_by_index) {
        for (size_t i = 0; i < n_long; i++) q->longest[i] = q->long_by_index[i] = p[i].task;
        qsort(q->long_by_index, n_long, sizeof *q->long_by_index, by_index);
        q->n_long = n_long;
    }
    free(p);
}

void sw_coord_report(coord *c, int client, const msg_report *r) {
    switch (r->kind) {
    case REPORT_ITEM: {
        sweep_queue *q = &c->q[r->sweep];
        c->ran += r->count;
        c->ok += r->count - r->failed;
        c->failed += r->failed;
        c->failed_run += r->failed;
        if (r->count > 0) {
            double mean = r->sum_seconds / (double)r->count;
            q->mean = q->measured ? 0.7 * q->mean + 0.3 * mean : mean;
            q->max = fmax(q->max, r->max_seconds);
            q->measured += r->count;
            sw_cost_add(&q->cost, r->start, r->count, mean);
            /* An explicit --chunk asks for plain chunks in task order. */
            if (!q->long_built && !c->opt->chunk && q->cost.samples >= COST_MIN_SAMPLES(c->clients) &&
                q->max >= min_chunk_seconds(c) && q->mean >= PREDICT_SECONDS * 100 * c->clients)
                build_long_list(c, q);
        }
        if (c->opt->max_failures && c->failed_run >= c->opt->max_failures) sw_coord_request_stop(c, SW_STOP_FAILURES, 0);
        break;
    }
    case REPORT_SIGNAL:
        if (r->signals > c->signals) c->signals = r->signals;
        sw_coord_request_stop(c, SW_STOP_SIGNAL, r->signal);
        break;
    case REPORT_FINAL:
        if (!c->final[client]) c->n_final++;
        c->final[client] = true;
        break;
    case REPORT_ERROR:
        sw_coord_request_stop(c, SW_STOP_ERROR, 0);
        break;
    case REPORT_LOST:
        sw_coord_request_stop(c, SW_STOP_LOST, 0);
        break;
    }
}

sw_status sw_coord_returned(coord *c, const work_item *item) {
    if (c->n_returned == c->cap_returned) {
        size_t cap = c->cap_returned ? 2 * c->cap_returned : 16;
        work_item *r = realloc(c->returned, cap * sizeof *r);
        SW_CHECK_ALLOC(r, "the returned work list");
        c->returned = r;
        c->cap_returned = cap;
    }
    c->returned[c->n_returned++] = *item;
    return SW_OK;
}

static void format_eta(double seconds, char *buf, size_t n) {
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(buf, n, "--:--:--");
        return;
    }
    long s = lround(seconds);
    snprintf(buf, n, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
}

void sw_coord_progress(coord *c, bool final) {
    FILE *log = c->opt->log;
    if (c->opt->progress == SW_PROGRESS_NONE || !log) return;
    double now = sw_now(), elapsed = now - c->t0;
    double fraction = c->to_run ? (double)c->ran / (double)c->to_run : 1.0;
    bool due = c->progress_bar ? now - c->last_progress >= 0.2
                               : now - c->last_progress >= 10.0 ||
                                     (fraction - c->last_progress_fraction >= 0.05 && now - c->last_progress >= 1.0);
    if (!due && !final) return;
    if (final && c->ran == c->last_progress_ran && !c->progress_bar) return; /* the last line said it already */
    double rate = elapsed > 0 ? (double)c->ran / elapsed : 0;
    char eta[32];
    format_eta(rate > 0 ? (double)(c->to_run - c->ran) / rate : NAN, eta, sizeof eta);
    fprintf(log, "%s[%5.1f%%] %llu/%llu tasks, %.4g tasks/s, ETA %s, %llu failed%s", c->progress_bar ? "\r" : "",
            100.0 * fraction, (unsigned long long)c->ran, (unsigned long long)c->to_run, rate, eta,
            (unsigned long long)c->failed_run, c->progress_bar && !final ? "   " : "\n");
    fflush(log);
    c->last_progress = now;
    c->last_progress_fraction = fraction;
    c->last_progress_ran = c->ran;
}

/* Marks [start, end) skipped, less the tasks of the long list (handed out or not: those are marked from it). */
static sw_status mark_range_skipped(const sweep_queue *q, sw_store *store, size_t sweep, uint64_t start,
                                    uint64_t end) {
    size_t k = 0;
    while (k < q->n_long && q->long_by_index[k] < start) k++;
    for (; start < end; k++) {
        uint64_t stop = k < q->n_long && q->long_by_index[k] < end ? q->long_by_index[k] : end;
        if (stop > start) SW_TRY(sw_store_mark_range(store, sweep, start, stop - start, SW_TASK_SKIPPED));
        start = stop + 1;
    }
    return SW_OK;
}

sw_status sw_coord_mark_skipped(coord *c, sw_store *store) {
    for (size_t i = 0; i < c->spec->n_sweeps; i++) {
        sweep_queue *q = &c->q[i];
        for (size_t k = q->next; k < q->n_ranges; k++)
            SW_TRY(mark_range_skipped(q, store, i, q->ranges[k].start, q->ranges[k].end));
        for (size_t k = q->next_long; k < q->n_long; k++)
            SW_TRY(sw_store_mark_range(store, i, q->longest[k], 1, SW_TASK_SKIPPED));
    }
    for (size_t k = 0; k < c->n_returned; k++)
        SW_TRY(sw_store_mark_range(store, c->returned[k].sweep, c->returned[k].start, c->returned[k].count,
                                   SW_TASK_SKIPPED));
    return SW_OK;
}
