/* test_run.c: drives sw_run directly, as a library caller would, on every rank of MPI_COMM_WORLD (CTest runs it
 * at 1, 2 and 4 ranks). Each check runs on every rank; a check passes only when it passes on every rank, and rank 0
 * prints one TAP line per check.
 *
 *   test_run SPEC_DIR WORK_DIR
 *
 * Determinism is judged against a serial reference: every task of the spec run one after the other on rank 0
 * through the task executor, with the parameters and key the spec layer gives it. A run on any number of ranks,
 * with any chunking, through the memory store or the HDF5 file, and interrupted by a signal then resumed, must
 * give the same bytes. */
#include <hdf5.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mpisweep/clock.h"
#include "mpisweep/executor.h"
#include "mpisweep/run.h"
#include "mpisweep/store_hdf5.h"

static int rank, size;
static char spec_dir[1024], work_dir[1024];
static int failures;

/* ---- the small runner ---- */

static bool local_ok;

__attribute__((format(printf, 1, 2))) static void check_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "# rank %d: ", rank);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    local_ok = false;
}

#define CHECK(cond, ...)                                                                                    \
    do {                                                                                                   \
        if (!(cond)) check_fail(__VA_ARGS__);                                                              \
    } while (0)

static void run_check(const char *name, void (*fn)(void)) {
    local_ok = true;
    double t0 = sw_now();
    fn();
    int mine = local_ok, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!all) failures++;
    if (rank == 0) printf("%s - %s (%d rank%s, %.2f s)\n", all ? "ok" : "not ok", name, size, size == 1 ? "" : "s",
                          sw_now() - t0);
    fflush(stdout);
}

/* ---- helpers ---- */

static void spec_path(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", spec_dir, name); }

/* A file name in the work directory, the same on every rank (the directory is per rank count). */
static void work_path(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", work_dir, name); }

/* Every check runs with the sub-coordinators that the environment asks for (run/sw_run_np5_groups). */
static int group_size;

static sw_run_config config_for(const char **specs, const sw_store_ops *store, void *arg, const char *output) {
    return (sw_run_config){.specs = specs, .n_specs = 1, .store = store, .store_arg = arg, .output = output,
                           .mode = SW_STORE_OVERWRITE,
                           .sched = {.grace = 30, .progress = SW_PROGRESS_NONE, .group_size = group_size}};
}

static sw_spec *load(const char *path) {
    sw_spec *spec = NULL;
    sw_diag diag = {0};
    const char *paths[] = {path};
    if (sw_spec_load_files(paths, 1, NULL, &spec, &diag) != SW_OK) sw_diag_print(&diag, stderr);
    sw_diag_clear(&diag);
    return spec;
}

/* Every task run serially through the executor, in the layout of the memory store. */
static sw_status reference(const sw_spec *spec, sw_memory_results *ref) {
    ref->n_sweeps = spec->n_sweeps;
    ref->sweeps = calloc(spec->n_sweeps, sizeof *ref->sweeps);
    sw_executor exec = {0};
    sw_value param[64];
    for (size_t i = 0; i < spec->n_sweeps; i++) {
        const sw_sweep *sw = &spec->sweeps[i];
        struct sw_memory_sweep *r = &ref->sweeps[i];
        r->n_tasks = sw->n_tasks;
        r->n_outputs = sw->exp->n_outputs;
        r->out_size = calloc(r->n_outputs, sizeof *r->out_size);
        r->out = calloc(r->n_outputs, sizeof *r->out);
        r->status = calloc(r->n_tasks, 1);
        r->seconds = calloc(r->n_tasks, sizeof *r->seconds);
        for (size_t o = 0; o < r->n_outputs; o++) {
            r->out_size[o] = sw_sweep_output_size(sw, o);
            r->out[o] = calloc(r->n_tasks * r->out_size[o], sizeof(double));
        }
        for (uint64_t t = 0; t < sw->n_tasks; t++) {
            uint64_t replicate;
            sw_rng_key key;
            double *out[SW_MAX_OUTPUTS];
            for (size_t o = 0; o < r->n_outputs; o++) out[o] = r->out[o] + t * r->out_size[o];
            sw_sweep_task(sw, t, param, &replicate);
            sw_sweep_task_key(sw, param, replicate, &key);
            sw_task_report report;
            r->status[t] = (int8_t)sw_executor_run(&exec, sw->exp, param, &key, out, r->out_size, &report);
        }
    }
    sw_executor_free(&exec);
    return SW_OK;
}

/* Outputs and statuses byte for byte (task_seconds are wall times and differ). */
static void compare_results(const sw_memory_results *got, const sw_memory_results *want, const char *what) {
    CHECK(got->n_sweeps == want->n_sweeps, "%s: %zu sweeps, want %zu", what, got->n_sweeps, want->n_sweeps);
    for (size_t i = 0; local_ok && i < want->n_sweeps; i++) {
        const struct sw_memory_sweep *g = &got->sweeps[i], *w = &want->sweeps[i];
        CHECK(memcmp(g->status, w->status, w->n_tasks) == 0, "%s: sweep %zu: task statuses differ", what, i);
        for (size_t o = 0; o < w->n_outputs; o++)
            CHECK(memcmp(g->out[o], w->out[o], w->n_tasks * w->out_size[o] * sizeof(double)) == 0,
                  "%s: sweep %zu output %zu differs from the serial reference", what, i, o);
    }
}

static sw_memory_results ref;
static sw_spec *results_spec;
static char results_yaml[1100], slow_yaml[1100], spread_yaml[1100];

static void expect_counts(sw_status s, const sw_run_result *r, uint64_t ok, uint64_t failed, uint64_t pending,
                          const char *what) {
    CHECK(s == SW_OK, "%s: sw_run returned %s: %s", what, sw_status_name(s), sw_error_message());
    CHECK(r->ok == ok && r->failed == failed && r->pending == pending,
          "%s: %llu ok, %llu failed, %llu pending; want %llu, %llu, %llu", what, (unsigned long long)r->ok,
          (unsigned long long)r->failed, (unsigned long long)r->pending, (unsigned long long)ok,
          (unsigned long long)failed, (unsigned long long)pending);
}

/* The spec's expectations, independent of the reference: failing has 10 failed and 10 non-finite tasks. */
enum { N_TASKS = 1100, N_FAILED = 20 };

/* Where the run's time went (run.h): every phase timed, none negative, the phases within the run's total and the
 * total within the wall time the caller saw; the store's own split within its open, and only the HDF5 store
 * splits it. */
static void check_phases(const sw_run_phases *p, double wall, bool hdf5, const char *what) {
    const double run[] = {p->comm, p->spec_read, p->spec_broadcast, p->spec_parse, p->provenance, p->store_open,
                          p->schedule, p->close};
    const double store[] = {p->store.preflight, p->store.create, p->store.layout, p->store.flush};
    double sum = 0, store_sum = 0;
    for (size_t i = 0; i < SW_COUNT(run); i++) {
        CHECK(run[i] >= 0, "%s: phase %zu took %g s", what, i, run[i]);
        sum += run[i];
    }
    for (size_t i = 0; i < SW_COUNT(store); i++) {
        CHECK(hdf5 ? store[i] >= 0 : store[i] == 0, "%s: store phase %zu took %g s", what, i, store[i]);
        store_sum += store[i];
    }
    CHECK(p->schedule > 0 && p->close > 0 && p->spec_parse > 0, "%s: scheduling %g s, close %g s, parsing %g s",
          what, p->schedule, p->close, p->spec_parse);
    CHECK(!hdf5 || p->store.create > 0, "%s: the file's creation took %g s", what, p->store.create);
    CHECK(store_sum <= p->store_open, "%s: the store's phases (%g s) exceed its open (%g s)", what, store_sum,
          p->store_open);
    CHECK(sum <= p->total && p->total <= wall, "%s: phases %g s, total %g s, wall time %g s", what, sum, p->total,
          wall);
    char line[1024];
    sw_run_phases_line(p, line, sizeof line);
    CHECK(strstr(line, "store_create=") && strstr(line, "total="), "%s: phases line '%s'", what, line);
}

/* ---- checks ---- */

static void check_null_store(void) {
    const char *specs[] = {results_yaml};
    sw_run_config cfg = config_for(specs, &sw_store_null, NULL, "unused");
    sw_run_result r;
    sw_run_phases phases;
    double t0 = sw_now();
    sw_status s = sw_run_timed(&cfg, MPI_COMM_WORLD, NULL, &r, &phases);
    check_phases(&phases, sw_now() - t0, false, "null store");
    expect_counts(s, &r, N_TASKS - N_FAILED, N_FAILED, 0, "null store");
    CHECK(r.ran == N_TASKS && r.stop == SW_STOP_NONE, "null store: ran %llu, stop %d", (unsigned long long)r.ran,
          (int)r.stop);
    CHECK(sw_run_exit_code(s, &r) == SW_EXIT_TASKS_FAILED, "null store: exit code %d, want 1",
          sw_run_exit_code(s, &r));
}

static void check_memory_determinism(void) {
    for (uint64_t chunk = 0; chunk <= 7; chunk += 7) { /* adaptive chunks, and chunks of 7 */
        const char *specs[] = {results_yaml};
        sw_memory_results got = {0};
        sw_run_config cfg = config_for(specs, &sw_store_memory, &got, "unused");
        cfg.sched.chunk = chunk;
        sw_run_result r;
        sw_status s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
        expect_counts(s, &r, N_TASKS - N_FAILED, N_FAILED, 0, "memory store");
        if (local_ok) compare_results(&got, &ref, chunk ? "chunks of 7" : "adaptive chunks");
        sw_memory_results_free(&got);
    }
}

/* Tasks whose cost the swept values predict are handed out alone, longest first, on two ranks or more (on one the
 * first items may take every task before the model has seen enough); the results are the serial reference's. */
static void check_longest_first(void) {
    sw_spec *spec = load(spread_yaml);
    sw_memory_results want = {0}, got = {0};
    CHECK(spec && reference(spec, &want) == SW_OK, "longest first: cannot build the serial reference");
    if (local_ok) {
        const char *specs[] = {spread_yaml};
        sw_run_config cfg = config_for(specs, &sw_store_memory, &got, "unused");
        sw_run_result r;
        sw_status s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
        expect_counts(s, &r, spec->sweeps[0].n_tasks, 0, 0, "longest first");
        /* Whether the model engages before the chunks have taken every task depends on timing (a loaded or
         * sanitizer machine); the benchmark measures the policy, this check its results, so no engagement is a
         * note, not a failure. */
        if (size > 1 && r.longest_first == 0 && rank == 0)
            printf("# note: longest first did not engage in this run (timing); results still compared\n");
        if (local_ok) compare_results(&got, &want, "longest first");
    }
    sw_memory_results_free(&got);
    sw_memory_results_free(&want);
    sw_spec_free(&spec);
}

/* The failing sweep's outcomes follow its zip points; failed tasks keep NaN outputs. */
static void check_failures(void) {
    const char *specs[] = {results_yaml};
    sw_memory_results got = {0};
    sw_run_config cfg = config_for(specs, &sw_store_memory, &got, "unused");
    sw_run_result r;
    sw_status s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    expect_counts(s, &r, N_TASKS - N_FAILED, N_FAILED, 0, "failures");
    if (!local_ok) return;
    const struct sw_memory_sweep *f = &got.sweeps[2];
    static const int8_t want[3] = {SW_TASK_OK, SW_TASK_FAILED, SW_TASK_NON_FINITE};
    for (uint64_t t = 0; t < f->n_tasks; t++) {
        CHECK(f->status[t] == want[t % 3], "failing task %llu: outcome %d, want %d", (unsigned long long)t,
              f->status[t], want[t % 3]);
        CHECK((t % 3 == 0) == isfinite(f->out[0][t]), "failing task %llu: result %g", (unsigned long long)t,
              f->out[0][t]);
    }
    sw_memory_results_free(&got);
    /* --max-failures: the hand-out stops, and what was not handed out is skipped. */
    cfg = config_for(specs, &sw_store_memory, &got, "unused");
    cfg.sched.max_failures = 1;
    cfg.sched.chunk = 1;
    s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    CHECK(s == SW_OK && r.stop == SW_STOP_FAILURES && r.failed >= 1 && r.pending > 0,
          "max_failures: status %s, stop %d, %llu failed, %llu pending", sw_status_name(s), (int)r.stop,
          (unsigned long long)r.failed, (unsigned long long)r.pending);
    uint64_t skipped = 0;
    for (uint64_t t = 0; local_ok && t < got.sweeps[2].n_tasks; t++) skipped += got.sweeps[2].status[t] == SW_TASK_SKIPPED;
    CHECK(skipped > 0, "max_failures: no task marked skipped");
    sw_memory_results_free(&got);
}

/* Reads dataset name of group sweep, whole, as doubles (or int8 statuses). Rank 0 alone, after the run. */
static bool read_dataset(hid_t f, const char *sweep, const char *name, hid_t type, void *buf) {
    char path[512];
    snprintf(path, sizeof path, "/%s/%s", sweep, name);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    bool ok = d >= 0 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    if (d >= 0) H5Dclose(d);
    return ok;
}

static void compare_file(const char *path) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "cannot open %s", path);
    if (f < 0) return;
    sw_memory_results got = {.n_sweeps = ref.n_sweeps, .sweeps = calloc(ref.n_sweeps, sizeof *got.sweeps)};
    for (size_t i = 0; i < ref.n_sweeps; i++) {
        const struct sw_memory_sweep *w = &ref.sweeps[i];
        struct sw_memory_sweep *g = &got.sweeps[i];
        const sw_sweep *sw = &results_spec->sweeps[i];
        *g = (struct sw_memory_sweep){.n_tasks = w->n_tasks, .n_outputs = w->n_outputs};
        g->status = malloc(w->n_tasks);
        g->out = calloc(w->n_outputs, sizeof *g->out);
        CHECK(read_dataset(f, sw->name, "task_status", H5T_NATIVE_INT8, g->status), "%s: no task_status", sw->name);
        for (size_t o = 0; o < w->n_outputs; o++) {
            g->out[o] = malloc(w->n_tasks * w->out_size[o] * sizeof(double));
            CHECK(read_dataset(f, sw->name, sw->exp->outputs[o].name, H5T_NATIVE_DOUBLE, g->out[o]), "%s: no %s",
                  sw->name, sw->exp->outputs[o].name);
        }
    }
    H5Fclose(f);
    if (local_ok) compare_results(&got, &ref, "HDF5 file");
    sw_memory_results_free(&got);
}

static void check_hdf5_store(void) {
    char out[1100];
    work_path(out, sizeof out, "results.h5");
    const char *specs[] = {results_yaml};
    sw_run_config cfg = config_for(specs, &sw_store_hdf5, NULL, out);
    sw_run_result r;
    sw_run_phases phases;
    double t0 = sw_now();
    sw_status s = sw_run_timed(&cfg, MPI_COMM_WORLD, NULL, &r, &phases);
    check_phases(&phases, sw_now() - t0, true, "HDF5 store");
    expect_counts(s, &r, N_TASKS - N_FAILED, N_FAILED, 0, "HDF5 store");
    if (local_ok && rank == 0) compare_file(out);
    /* Resuming a complete file runs nothing; creating it again is refused on every rank, the file untouched. */
    cfg.mode = SW_STORE_RESUME;
    s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    expect_counts(s, &r, N_TASKS - N_FAILED, N_FAILED, 0, "HDF5 resume");
    CHECK(r.ran == 0, "resuming a complete file ran %llu tasks", (unsigned long long)r.ran);
    cfg.mode = SW_STORE_CREATE;
    s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    CHECK(s == SW_ERR_EXISTS && r.error_rank == 0, "create over an existing file: %s from rank %d",
          sw_status_name(s), r.error_rank);
    if (local_ok && rank == 0) compare_file(out);
}

/* ---- a signal, a deadline ---- */

static void *send_signal_later(void *arg) {
    (void)arg;
    nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 400 * 1000 * 1000}, NULL);
    kill(getpid(), SIGUSR1);
    return NULL;
}

/* SIGUSR1 to rank 0 alone, after 0.4 s: the run drains (running tasks finish, the rest stay pending), returns ok
 * with stop = signal and exit code 3; resuming the memory results completes them. A signal before the run's
 * scheduling starts counts as well; one from an earlier run does not (the resume above would stop at once). */
static void check_drain(void) {
    const char *specs[] = {slow_yaml};
    sw_memory_results got = {0};
    sw_run_config cfg = config_for(specs, &sw_store_memory, &got, "unused");
    pthread_t helper;
    if (rank == 0) { /* the helper must not take the signal itself */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        pthread_create(&helper, NULL, send_signal_later, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    sw_run_result r;
    sw_status s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    if (rank == 0) pthread_join(helper, NULL);
    CHECK(s == SW_OK && r.stop == SW_STOP_SIGNAL && r.signal == SIGUSR1, "drain: %s, stop %d, signal %d",
          sw_status_name(s), (int)r.stop, r.signal);
    /* No task may have finished yet when a slow start-up (sanitizers, a loaded machine) lets the signal come first. */
    CHECK(r.pending > 0 && r.ok + r.pending == 60 && !r.abandoned, "drain: %llu ok, %llu pending of 60, abandoned %d",
          (unsigned long long)r.ok, (unsigned long long)r.pending, r.abandoned);
    CHECK(sw_run_exit_code(s, &r) == SW_EXIT_INTERRUPTED, "drain: exit code %d", sw_run_exit_code(s, &r));
    cfg.mode = SW_STORE_RESUME;
    s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    expect_counts(s, &r, 60, 0, 0, "resume after the drain");
    for (uint64_t t = 0; local_ok && t < 60; t++)
        CHECK(got.sweeps[0].status[t] == SW_TASK_OK && got.sweeps[0].out[0][t] >= 0.04, "task %llu after resume",
              (unsigned long long)t);
    sw_memory_results_free(&got);
    /* A signal that comes before the scheduler starts (while the spec loads, the store opens) stops the run too. */
    cfg = config_for(specs, &sw_store_memory, &got, "unused");
    if (rank == 0) raise(SIGUSR1);
    s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    CHECK(s == SW_OK && r.stop == SW_STOP_SIGNAL && r.pending > 0, "early signal: %s, stop %d, %llu pending",
          sw_status_name(s), (int)r.stop, (unsigned long long)r.pending);
    sw_memory_results_free(&got);
}

/* A deadline 1.2 s away with a 0.2 s margin: the hand-out stops at about 1 s, well before the 3 s (on 1 rank) the
 * tasks would take, and the rest stay pending. */
static void check_deadline(void) {
    const char *specs[] = {slow_yaml};
    sw_run_config cfg = config_for(specs, &sw_store_null, NULL, "unused");
    double t0 = sw_now();
    cfg.sched.deadline = sw_wall_now() + 1.2;
    cfg.sched.deadline_margin = 0.2;
    sw_run_result r;
    sw_status s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    double took = sw_now() - t0;
    if (size <= 2) {
        CHECK(s == SW_OK && r.stop == SW_STOP_DEADLINE && r.pending > 0, "deadline: %s, stop %d, %llu pending",
              sw_status_name(s), (int)r.stop, (unsigned long long)r.pending);
        CHECK(sw_run_exit_code(s, &r) == SW_EXIT_INTERRUPTED, "deadline: exit code %d", sw_run_exit_code(s, &r));
    } else { /* 4 ranks may finish the 3 s of work before the deadline stops them */
        CHECK(s == SW_OK && (r.stop == SW_STOP_DEADLINE || r.pending == 0), "deadline: %s, stop %d",
              sw_status_name(s), (int)r.stop);
    }
    CHECK(took < 1.2 + 0.5, "deadline: the run took %.2f s, past the deadline", took);
}

/* ---- errors: the same status on every rank, from the rank where it happened ---- */

static int faulty_rank;
static int faulty_writes;

static sw_status faulty_write_block(void *state, const sw_result_block *b, int r) {
    if (rank == faulty_rank && ++faulty_writes == 2)
        return SW_FAIL(SW_ERR_IO, "injected write failure on rank %d", rank);
    return sw_store_memory.write_block(state, b, r);
}

static sw_status faulty_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                             const sw_run_info *info, void *arg, void **state) {
    sw_status s = sw_store_memory.open(comm, path, spec, mode, info, arg, state);
    if (s != SW_OK || rank != faulty_rank || strcmp(path, "fail-open") != 0) return s;
    sw_store_memory.close(*state, NULL);
    return SW_FAIL(SW_ERR_NOSPACE, "injected open failure on rank %d", rank);
}

static void check_errors(void) {
    sw_store_ops faulty = sw_store_memory;
    faulty.name = "faulty";
    faulty.write_block = faulty_write_block;
    faulty.open = faulty_open;
    faulty_rank = size - 1;
    const char *specs[] = {results_yaml};
    sw_memory_results got = {0};
    sw_run_config cfg = config_for(specs, &faulty, &got, "unused");
    cfg.sched.chunk = 5;
    sw_run_result r;
    faulty_writes = 0;
    sw_status s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    CHECK(s == SW_ERR_IO && r.error_rank == faulty_rank && r.stop == SW_STOP_ERROR,
          "write failure: %s from rank %d, stop %d (want SW_ERR_IO from rank %d)", sw_status_name(s), r.error_rank,
          (int)r.stop, faulty_rank);
    CHECK(strstr(sw_error_message(), "injected write failure") != NULL, "write failure: message '%s'",
          sw_error_message());
    CHECK(sw_run_exit_code(s, &r) == SW_EXIT_RUNTIME, "write failure: exit code %d", sw_run_exit_code(s, &r));
    cfg.output = "fail-open";
    s = sw_run(&cfg, MPI_COMM_WORLD, NULL, &r);
    CHECK(s == SW_ERR_NOSPACE && r.error_rank == faulty_rank, "open failure: %s from rank %d", sw_status_name(s),
          r.error_rank);
    sw_memory_results_free(&got);
    /* A spec file that does not exist: SW_ERR_SPEC everywhere, reported by rank 0 (which alone reads it). */
    char missing[1100];
    spec_path(missing, sizeof missing, "no-such-spec.yaml");
    const char *bad[] = {missing};
    cfg = config_for(bad, &sw_store_null, NULL, "unused");
    FILE *log = rank == 0 ? tmpfile() : NULL;
    s = sw_run(&cfg, MPI_COMM_WORLD, log, &r);
    CHECK(s == SW_ERR_SPEC && r.error_rank == 0, "missing spec: %s from rank %d", sw_status_name(s), r.error_rank);
    if (log) {
        char text[4096] = "";
        rewind(log);
        size_t n = fread(text, 1, sizeof text - 1, log);
        text[n] = '\0';
        CHECK(strstr(text, "no-such-spec.yaml") != NULL, "missing spec: the log does not name the file: %s", text);
        fclose(log);
    }
}

int main(int argc, char **argv) {
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc != 3) {
        if (rank == 0) fprintf(stderr, "usage: test_run SPEC_DIR WORK_DIR\n");
        MPI_Finalize();
        return 2;
    }
    snprintf(spec_dir, sizeof spec_dir, "%s", argv[1]);
    snprintf(work_dir, sizeof work_dir, "%s", argv[2]);
    const char *groups = getenv("SW_TEST_GROUP_SIZE");
    group_size = groups ? atoi(groups) : 0;
    if (rank == 0) mkdir(work_dir, 0777); /* its parent exists; an existing one is fine */
    MPI_Barrier(MPI_COMM_WORLD);
    spec_path(results_yaml, sizeof results_yaml, "results.yaml");
    spec_path(slow_yaml, sizeof slow_yaml, "slow.yaml");
    spec_path(spread_yaml, sizeof spread_yaml, "spread.yaml");
    sw_sched_install_signal_handlers();
    results_spec = load(results_yaml);
    if (!results_spec || reference(results_spec, &ref) != SW_OK) {
        fprintf(stderr, "cannot build the serial reference\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (rank == 0) printf("1..8\n");
    run_check("null store: counts, exit code, phase times", check_null_store);
    run_check("memory store: identical to the serial reference", check_memory_determinism);
    run_check("longest first: identical to the serial reference", check_longest_first);
    run_check("failures: outcomes, NaN outputs, --max-failures", check_failures);
    run_check("HDF5 store: the file identical to the serial reference; phase times; resume; create refused",
              check_hdf5_store);
    run_check("a signal drains the run; resume completes it", check_drain);
    run_check("a deadline stops the hand-out in time", check_deadline);
    run_check("a runner error on one rank is every rank's error", check_errors);
    sw_memory_results_free(&ref);
    sw_spec_free(&results_spec);
    MPI_Finalize();
    return failures ? 1 : 0;
}
