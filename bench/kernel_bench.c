/* kernel_bench.c: one rank's throughput of one experiment, without MPI or HDF5.
 *
 *   kernel_bench EXPERIMENT [name=value ...] [--repeat N] [--min-time S] [--clock cpu|wall] [--print]
 *   kernel_bench --rng [--count N] [--repeat N] [--clock cpu|wall]
 *
 * The experiment is looked up in the registry and run() on the given parameters (defaults for the rest, list
 * parameters as "a,b,c") through the runner's own task executor (executor.h: NaN fill, aligned workspace, key,
 * non-finite check), with the outputs allocated once and a new replicate per task; a task that is not ok stops
 * the benchmark. The figure therefore includes what the runner adds to every task, among it the executor's two
 * monotonic clock reads (together about 50 ns here, which shows only for the noop experiment). One warm-up task sizes a batch so that a sample takes at least --min-time seconds;
 * --repeat samples are timed and the seconds per task printed as
 *     seconds_per_task MEDIAN MIN MAX tasks_per_sample B samples N clock C
 * --print adds every output of the last task (name = value ...), for comparing against another implementation.
 * --rng times sw_rng's bulk fills (normal, uniform, exponential, Gumbel, u64) into a buffer of --count doubles
 * and prints "rng KIND DRAWS_PER_SECOND_MEDIAN MIN MAX" per kind. */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpisweep/executor.h"
#include "mpisweep/experiment.h"
#include "mpisweep/rng.h"

enum { MAX_PARAMS = 32, MAX_LIST = 256, MAX_SAMPLES = 1000 };

static clockid_t bench_clock = CLOCK_PROCESS_CPUTIME_ID;

static double now(void) {
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kernel_bench: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---- parameters ---- */

static double list_storage[MAX_PARAMS][MAX_LIST];

static void parse_param(const sw_experiment *e, sw_value *v, const char *arg) {
    const char *eq = strchr(arg, '=');
    if (!eq) die("expected name=value, got '%s'", arg);
    char name[128];
    size_t len = (size_t)(eq - arg);
    if (len >= sizeof name) die("parameter name too long: '%s'", arg);
    memcpy(name, arg, len);
    name[len] = '\0';
    const char *text = eq + 1;
    int i = sw_param_index(e, name);
    if (i < 0) die("%s has no parameter '%s'", e->name, name);
    const sw_param *p = &e->params[i];
    char *end;
    errno = 0;
    switch (p->type) {
    case SW_INT: {
        double d = strtod(text, &end); /* accepts 1e6 */
        if (errno || *end || d != floor(d)) die("%s: expected an integer, got '%s'", name, text);
        v[i].integer = (int64_t)d;
        break;
    }
    case SW_REAL:
        v[i].real = strtod(text, &end);
        if (errno || *end) die("%s: expected a number, got '%s'", name, text);
        break;
    case SW_CHOICE:
        for (int64_t k = 0;; k++) {
            if (!p->choices[k]) die("%s: no choice '%s'", name, text);
            if (strcmp(p->choices[k], text) == 0) {
                v[i].integer = k;
                break;
            }
        }
        break;
    case SW_REAL_LIST: {
        size_t n = 0;
        const char *s = text;
        while (*s) {
            if (n == MAX_LIST) die("%s: more than 256 values in '%s'", name, text);
            list_storage[i][n++] = strtod(s, &end);
            if (end == s) die("%s: expected comma-separated numbers, got '%s'", name, text);
            s = *end == ',' ? end + 1 : end;
            if (*end && *end != ',') die("%s: expected comma-separated numbers, got '%s'", name, text);
        }
        v[i].list = list_storage[i];
        v[i].len = n;
        break;
    }
    }
    /* the schema's bounds, as the spec validator applies them */
    double value = p->type == SW_REAL ? v[i].real : (double)v[i].integer;
    if ((p->type == SW_INT || p->type == SW_REAL) &&
        (value < p->min || value > p->max || (p->min_open && value == p->min) || (p->max_open && value == p->max)))
        die("%s = %s is outside its bounds [%g, %g]", name, text, p->min, p->max);
}

/* ---- one experiment ---- */

typedef struct bench {
    const sw_experiment *e;
    sw_value param[MAX_PARAMS];
    double *out[SW_MAX_OUTPUTS];
    size_t count[SW_MAX_OUTPUTS];
    sw_executor exec;
    sw_rng_key key;
    sw_task_report report;
} bench;

/* One task through the runner's own executor, with a new replicate per task. */
__attribute__((noinline)) static void run_task(bench *b) {
    if (sw_executor_run(&b->exec, b->e, b->param, &b->key, b->out, b->count, &b->report) != SW_TASK_OK)
        die("the task failed (%s): %s", sw_outcome_name(b->report.outcome), b->report.msg);
    b->key.replicate++;
}

static void print_outputs(const bench *b) {
    for (size_t o = 0; o < b->e->n_outputs; o++) {
        printf("%s =", b->e->outputs[o].name);
        for (size_t j = 0; j < b->count[o]; j++) printf(" %.10g", b->out[o][j]);
        printf("\n");
    }
}

static void report(const char *label, double *per, int repeat, long batch) {
    double lo = per[0], hi = per[0];
    for (int r = 1; r < repeat; r++) lo = fmin(lo, per[r]), hi = fmax(hi, per[r]);
    double med = median_of(per, (size_t)repeat);
    printf("%s %.6g %.6g %.6g tasks_per_sample %ld samples %d clock %s\n", label, med, lo, hi, batch, repeat,
           bench_clock == CLOCK_MONOTONIC ? "wall" : "cpu");
}

static int bench_experiment(const char *name, int argc, char **argv, int repeat, double min_time, int print) {
    static bench b;
    b.e = sw_experiment_find(name);
    if (!b.e) die("no experiment called '%s'", name);
    if (b.e->n_params > MAX_PARAMS || b.e->n_outputs > SW_MAX_OUTPUTS) die("%s has too many parameters", name);
    sw_param_defaults(b.e, b.param);
    for (int i = 0; i < argc; i++) parse_param(b.e, b.param, argv[i]);
    if (b.e->check && !b.e->check(b.param, b.report.msg, sizeof b.report.msg)) die("parameters rejected: %s", b.report.msg);
    for (size_t o = 0; o < b.e->n_outputs; o++) {
        b.count[o] = sw_output_count(b.e, &b.e->outputs[o], b.param);
        b.out[o] = malloc((b.count[o] ? b.count[o] : 1) * sizeof(double));
        if (!b.out[o]) die("out of memory");
    }
    sw_task_key(b.e, b.param, 20240607, 0, &b.key);

    double t0 = now();
    run_task(&b); /* warm-up: page faults, BLAS start-up, and the batch size */
    double first = now() - t0;
    long batch = first >= min_time ? 1 : (long)ceil(min_time / fmax(first, 1e-7));
    double per[MAX_SAMPLES];
    for (int r = 0; r < repeat; r++) {
        double s = now();
        for (long k = 0; k < batch; k++) run_task(&b);
        per[r] = (now() - s) / (double)batch;
    }
    if (print) print_outputs(&b);
    report("seconds_per_task", per, repeat, batch);
    for (size_t o = 0; o < b.e->n_outputs; o++) free(b.out[o]);
    sw_executor_free(&b.exec);
    return 0;
}

/* ---- raw random numbers ---- */

static int bench_rng(size_t count, int repeat) {
    double *x = aligned_alloc(64, (count * sizeof(double) + 63) / 64 * 64);
    if (!x) die("out of memory");
    sw_rng_key key = {.seed = 1, .hash = {2, 3}};
    sw_rng r;
    sw_rng_init(&r, &key, 0);
    static const char *const kinds[] = {"normal", "uniform", "exponential", "gumbel", "u64"};
    double sink = 0.0;
    for (size_t k = 0; k < SW_COUNT(kinds); k++) {
        double per[MAX_SAMPLES];
        for (int rep = -1; rep < repeat; rep++) { /* rep -1 warms up */
            double s = now();
            switch (k) {
            case 0: sw_rng_fill_normal(&r, x, count); break;
            case 1: sw_rng_fill_uniform(&r, x, count); break;
            case 2: sw_rng_fill_exponential(&r, x, count); break;
            case 3: sw_rng_fill_gumbel(&r, x, count); break;
            default: sw_rng_fill_u64(&r, (uint64_t *)(void *)x, count); break;
            }
            double dt = now() - s;
            sink += x[count / 2];
            if (rep >= 0) per[rep] = (double)count / dt;
        }
        double lo = per[0], hi = per[0];
        for (int rep = 1; rep < repeat; rep++) lo = fmin(lo, per[rep]), hi = fmax(hi, per[rep]);
        printf("rng %s %.6g %.6g %.6g\n", kinds[k], median_of(per, (size_t)repeat), lo, hi);
    }
    free(x);
    return sink == 12345.0; /* keeps the fills observable */
}

int main(int argc, char **argv) {
    int repeat = 5, print = 0, rng = 0;
    double min_time = 0.2;
    size_t count = 1 << 22;
    const char *name = NULL;
    char *params[MAX_PARAMS * 2];
    int n_params = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (strcmp(a, "--min-time") == 0 && i + 1 < argc) min_time = atof(argv[++i]);
        else if (strcmp(a, "--count") == 0 && i + 1 < argc) count = (size_t)atof(argv[++i]);
        else if (strcmp(a, "--clock") == 0 && i + 1 < argc) {
            const char *c = argv[++i];
            if (strcmp(c, "wall") == 0) bench_clock = CLOCK_MONOTONIC;
            else if (strcmp(c, "cpu") == 0) bench_clock = CLOCK_PROCESS_CPUTIME_ID;
            else die("--clock: expected cpu or wall, got '%s'", c);
        } else if (strcmp(a, "--print") == 0) print = 1;
        else if (strcmp(a, "--rng") == 0) rng = 1;
        else if (a[0] == '-') die("unknown option '%s'", a);
        else if (!name && !strchr(a, '=')) name = a;
        else if (n_params < (int)SW_COUNT(params)) params[n_params++] = argv[i];
        else die("too many parameters");
    }
    if (repeat < 1 || repeat > MAX_SAMPLES) die("--repeat must be 1 ... 1000");
    if (rng) return bench_rng(count, repeat);
    if (!name) {
        fprintf(stderr, "usage: kernel_bench EXPERIMENT [name=value ...] [--repeat N] [--min-time S] "
                        "[--clock cpu|wall] [--print]\n       kernel_bench --rng [--count N] [--repeat N]\n");
        return 2;
    }
    return bench_experiment(name, n_params, params, repeat, min_time, print);
}
