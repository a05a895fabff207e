/* compute.c: the compute thread. It runs tasks through the task executor and nothing else: no MPI, no store, no
 * signals. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute.h"
#include "mpisweep/clock.h"

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

static void record_failure(slot *s, uint64_t task, int outcome, int rank, double seconds, const char *msg) {
    if (s->n_failed < SW_FAIL_RECORDS) {
        failure_record *f = &s->fails[s->n_failed];
        *f = (failure_record){.sweep = s->item.sweep, .task = task, .outcome = outcome, .rank = rank,
                              .seconds = seconds};
        snprintf(f->message, sizeof f->message, "%s", msg);
    }
    s->n_failed++;
}

/* Runs task k of the slot's item through the task executor. */
static void run_one(compute *cp, slot *s, uint64_t k, const size_t *sizes) {
    const sw_sweep *sw = &cp->spec->sweeps[s->item.sweep];
    const sw_experiment *e = sw->exp;
    uint64_t index = s->item.start + k, replicate;
    sw_sweep_task(sw, index, cp->param, &replicate);
    double *out[SW_MAX_OUTPUTS];
    for (size_t o = 0; o < e->n_outputs; o++) out[o] = s->out[o] + k * sizes[o];
    sw_rng_key key;
    sw_sweep_task_key(sw, cp->param, replicate, &key);
    sw_task_report r;
    cp->exec.task_index = index;
    /* Only SW_TASK_FAILED is retried: a crash, a timeout or a lost worker may pass; the other failure outcomes are
     * what the numbers are, and would come out the same. A drain keeps the failure (--retry-failed reruns it). */
    uint64_t attempt = 0;
    while (sw_executor_run(&cp->exec, e, cp->param, &key, out, sizes, &r) == SW_TASK_FAILED && attempt < cp->retries &&
           !atomic_load_explicit(&cp->drain, memory_order_relaxed))
        attempt++;
    if (attempt && r.outcome == SW_TASK_FAILED) {
        char last[SW_TASK_MSG_BYTES - 32];
        memcpy(last, r.msg, sizeof last - 1); /* the end of a long message gives way to the count */
        last[sizeof last - 1] = '\0';
        snprintf(r.msg, sizeof r.msg, "%llu attempts: %s", (unsigned long long)attempt + 1, last);
    }
    if (sw_outcome_is_failure(r.outcome)) record_failure(s, index, r.outcome, cp->rank, r.seconds, r.msg);
    s->status[k] = (int8_t)r.outcome;
    s->seconds[k] = r.seconds;
    double mean = atomic_load_explicit(&cp->mean_task, memory_order_relaxed);
    atomic_store_explicit(&cp->mean_task, mean + 0.2 * (r.seconds - mean), memory_order_relaxed);
}

static void run_item(compute *cp, slot *s) {
    const sw_experiment *e = cp->spec->sweeps[s->item.sweep].exp;
    size_t sizes[SW_MAX_OUTPUTS];
    for (size_t o = 0; o < e->n_outputs; o++) sizes[o] = sw_sweep_output_size(&cp->spec->sweeps[s->item.sweep], o);
    s->started = sw_now();
    for (uint64_t k = 0; k < s->item.count; k++) {
        if (atomic_load_explicit(&cp->drain, memory_order_relaxed)) break;
        run_one(cp, s, k, sizes);
        atomic_store_explicit(&s->done, k + 1, memory_order_release);
    }
}

static slot *oldest(compute *cp, slot_state state) {
    slot *best = NULL;
    for (int i = 0; i < SW_SLOTS; i++)
        if (cp->slots[i].state == state && (!best || cp->slots[i].seq < best->seq)) best = &cp->slots[i];
    return best;
}

static void *compute_main(void *arg) {
    compute *cp = arg;
    pthread_mutex_lock(&cp->lock);
    for (;;) {
        slot *s = NULL;
        while (!cp->quit && !(s = oldest(cp, SLOT_QUEUED))) pthread_cond_wait(&cp->wake_compute, &cp->lock);
        if (cp->quit) break;
        s->state = SLOT_RUNNING;
        pthread_mutex_unlock(&cp->lock);
        run_item(cp, s);
        pthread_mutex_lock(&cp->lock);
        s->state = SLOT_DONE;
        pthread_cond_signal(&cp->wake_main);
    }
    pthread_mutex_unlock(&cp->lock);
    return NULL;
}

#ifdef SW_SCHED_INLINE
/* The simulation build (bench/sim): SimGrid runs every rank as a context of one thread, so a second thread per
 * rank cannot be simulated. The main thread runs a queued item itself, one per wait, and sleeps (in simulated
 * time) when there is none. */
static bool run_inline(compute *cp) {
    slot *s = oldest(cp, SLOT_QUEUED);
    if (!s) return false;
    s->state = SLOT_RUNNING;
    run_item(cp, s);
    s->state = SLOT_DONE;
    return true;
}
#endif

sw_status sw_compute_start(compute *cp, const sw_spec *spec, int rank) {
    memset(cp, 0, sizeof *cp);
    cp->spec = spec;
    cp->rank = rank;
    size_t max_params = 1;
    for (size_t i = 0; i < spec->n_sweeps; i++) {
        if (spec->sweeps[i].exp->n_params > max_params) max_params = spec->sweeps[i].exp->n_params;
        SW_CHECK(spec->sweeps[i].exp->n_outputs <= SW_MAX_OUTPUTS, SW_ERR_INTERNAL,
                 "experiment %s has more than %d outputs", spec->sweeps[i].exp->name, SW_MAX_OUTPUTS);
    }
    cp->param = calloc(max_params, sizeof *cp->param);
    SW_CHECK_ALLOC(cp->param, "a parameter vector");
    atomic_init(&cp->drain, false);
    atomic_init(&cp->mean_task, 0.0);
    pthread_mutex_init(&cp->lock, NULL);
    pthread_cond_init(&cp->wake_compute, NULL);
    pthread_cond_init(&cp->wake_main, NULL);
#ifdef SW_SCHED_INLINE
    cp->running = true;
    return SW_OK;
#endif
    /* The stop signals belong to the main thread; the compute thread inherits this mask. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int r = pthread_create(&cp->thread, NULL, compute_main, cp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    SW_CHECK(r == 0, SW_ERR_INTERNAL, "cannot start the compute thread: %s", strerror(r));
    cp->running = true;
    return SW_OK;
}

void sw_compute_limits(compute *cp, double task_timeout, uint64_t retries) {
    cp->exec.timeout = task_timeout;
    cp->retries = retries;
}

/* Carves the slot's single allocation into its result arrays for this item. */
static sw_status size_slot(compute *cp, slot *s, const work_item *item) {
    const sw_sweep *sw = &cp->spec->sweeps[item->sweep];
    const sw_experiment *e = sw->exp;
    size_t per_task = 0;
    for (size_t o = 0; o < e->n_outputs; o++) per_task += sw_sweep_output_size(sw, o);
    size_t bytes = (size_t)item->count * (per_task * sizeof(double) + sizeof(double) + 1) +
                   e->n_outputs * sizeof(double *) + 64;
    if (bytes > s->mem_bytes) {
        free(s->mem);
        s->mem = malloc(bytes);
        s->mem_bytes = s->mem ? bytes : 0;
        SW_CHECK_ALLOC(s->mem, "a result buffer");
    }
    char *p = s->mem;
    s->out = (double **)(void *)p;
    p += e->n_outputs * sizeof(double *);
    p = (char *)round_up((size_t)p, sizeof(double));
    for (size_t o = 0; o < e->n_outputs; o++) {
        s->out[o] = (double *)(void *)p;
        p += item->count * sw_sweep_output_size(sw, o) * sizeof(double);
    }
    s->seconds = (double *)(void *)p;
    p += item->count * sizeof(double);
    s->status = (int8_t *)p;
    s->n_out = e->n_outputs;
    return SW_OK;
}

sw_status sw_compute_queue(compute *cp, const work_item *item) {
    slot *s = oldest(cp, SLOT_FREE);
    SW_CHECK(s != NULL, SW_ERR_INTERNAL, "no free result slot");
    SW_TRY(size_slot(cp, s, item));
    s->item = *item;
    s->n_failed = 0;
    atomic_store(&s->done, 0);
    pthread_mutex_lock(&cp->lock);
    s->seq = cp->next_seq++;
    s->state = SLOT_QUEUED;
    pthread_cond_signal(&cp->wake_compute);
    pthread_mutex_unlock(&cp->lock);
    return SW_OK;
}

int sw_compute_busy(compute *cp) {
    pthread_mutex_lock(&cp->lock);
    int n = 0;
    for (int i = 0; i < SW_SLOTS; i++) n += cp->slots[i].state != SLOT_FREE;
    pthread_mutex_unlock(&cp->lock);
    return n;
}

static slot *find_locked(compute *cp, slot_state state) {
    pthread_mutex_lock(&cp->lock);
    slot *s = oldest(cp, state);
    pthread_mutex_unlock(&cp->lock);
    return s;
}

slot *sw_compute_finished(compute *cp) { return find_locked(cp, SLOT_DONE); }
slot *sw_compute_running(compute *cp) { return find_locked(cp, SLOT_RUNNING); }

void sw_compute_release(compute *cp, slot *s) {
    pthread_mutex_lock(&cp->lock);
    s->state = SLOT_FREE;
    pthread_mutex_unlock(&cp->lock);
}

void sw_compute_cancel_queued(compute *cp) {
    pthread_mutex_lock(&cp->lock);
    for (int i = 0; i < SW_SLOTS; i++)
        if (cp->slots[i].state == SLOT_QUEUED) cp->slots[i].state = SLOT_FREE;
    pthread_mutex_unlock(&cp->lock);
}

void sw_compute_wait(compute *cp, double seconds) {
#ifdef SW_SCHED_INLINE
    if (run_inline(cp)) return;
    struct timespec nap = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&nap, NULL);
    return;
#endif
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long ns = ts.tv_nsec + (long)(seconds * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&cp->lock);
    if (!oldest(cp, SLOT_DONE)) pthread_cond_timedwait(&cp->wake_main, &cp->lock, &ts);
    pthread_mutex_unlock(&cp->lock);
}

bool sw_compute_stop(compute *cp) {
    if (!cp->running) return true;
    pthread_mutex_lock(&cp->lock);
    bool busy = oldest(cp, SLOT_RUNNING) != NULL;
    cp->quit = true;
    pthread_cond_signal(&cp->wake_compute);
    pthread_mutex_unlock(&cp->lock);
    if (busy) return false; /* abandoned: the process exits around it */
#ifndef SW_SCHED_INLINE
    pthread_join(cp->thread, NULL);
#endif
    cp->running = false;
    for (int i = 0; i < SW_SLOTS; i++) free(cp->slots[i].mem);
    sw_executor_free(&cp->exec);
    free(cp->param);
    return true;
}
