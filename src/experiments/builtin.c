/* builtin.c: experiments that exercise the runner itself: noop (dispatch and determinism), sleep (load balance),
 * fail (failure handling), histogram (large outputs: I/O). They go through the same registry and schemas as the science. */
#include <errno.h>
#include <math.h>
#include <time.h>

#include "mpisweep/experiment.h"

#define RUNNER_ARTICLE "none: a built-in experiment for testing and benchmarking the runner"

/* ---- noop ---- */
enum { NOOP_X, NOOP_K, NOOP_DRAWS };
enum { NOOP_STREAM = 0 };

static const sw_param noop_params[] = {
    [NOOP_X] = {.name = "x", .type = SW_REAL, .min = -HUGE_VAL, .max = HUGE_VAL, .def = 0, .unit = "1",
                .help = "any real number; echoed as x_out"},
    [NOOP_K] = {.name = "k", .type = SW_INT, .min = -9.0e15, .max = 9.0e15, .def = 0, .unit = "1",
                .help = "any integer; echoed as k_out"},
    [NOOP_DRAWS] = {.name = "draws", .type = SW_INT, .min = 0, .max = 1e9, .def = 1, .unit = "1",
                    .help = "uniforms averaged into u_mean"},
};

static const sw_output noop_outputs[] = {
    {.name = "x_out", .unit = "1", .help = "the parameter x, echoed"},
    {.name = "k_out", .unit = "1", .help = "the parameter k, echoed"},
    {.name = "u", .unit = "1", .help = "the first uniform in (0,1) of the task's stream"},
    {.name = "u_mean", .unit = "1", .help = "mean of `draws` uniforms from the task's stream (0 when draws = 0)"},
};

static sw_outcome noop_run(const sw_task *t) {
    sw_rng rng;
    sw_rng_init(&rng, &t->key, NOOP_STREAM);
    int64_t draws = t->param[NOOP_DRAWS].integer;
    double first = sw_rng_uniform(&rng), sum = first;
    for (int64_t i = 1; i < draws; i++) sum += sw_rng_uniform(&rng);
    t->out[0][0] = t->param[NOOP_X].real;
    t->out[1][0] = (double)t->param[NOOP_K].integer;
    t->out[2][0] = first;
    t->out[3][0] = draws > 0 ? sum / (double)draws : 0.0; /* an empty mean is 0, so the task stays finite */
    return SW_TASK_OK;
}

const sw_experiment sw_exp_noop = {
    .name = "noop",
    .version = 1,
    .summary = "echoes its parameters and draws uniforms: dispatch benchmarks and determinism tests",
    .article = RUNNER_ARTICLE,
    .params = noop_params,
    .n_params = SW_COUNT(noop_params),
    .outputs = noop_outputs,
    .n_outputs = SW_COUNT(noop_outputs),
    .run = noop_run,
};

/* ---- sleep ---- */
enum { SLEEP_SECONDS, SLEEP_SPIN };

static const sw_param sleep_params[] = {
    [SLEEP_SECONDS] = {.name = "seconds", .type = SW_REAL, .min = 0, .max = 86400.0 * 7, .def = 0.01, .unit = "s",
                       .help = "how long the task takes"},
    [SLEEP_SPIN] = {.name = "spin", .type = SW_INT, .min = 0, .max = 1, .def = 0, .unit = "1",
                    .help = "1: busy-wait (uses a core); 0: sleep (does not)"},
};

static const sw_output sleep_outputs[] = {
    {.name = "slept", .unit = "s", .help = "wall-clock seconds the task actually took"},
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static sw_outcome sleep_run(const sw_task *t) {
    double seconds = t->param[SLEEP_SECONDS].real, start = now_seconds(), end = start + seconds;
    if (t->param[SLEEP_SPIN].integer) {
        while (now_seconds() < end) {
        }
    } else {
        struct timespec req = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - floor(seconds)) * 1e9)};
        while (nanosleep(&req, &req) != 0 && errno == EINTR) {
        }
    }
    t->out[0][0] = now_seconds() - start;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_sleep = {
    .name = "sleep",
    .version = 1,
    .summary = "sleeps or spins for a given time: load-balance tests and benchmarks",
    .article = RUNNER_ARTICLE,
    .params = sleep_params,
    .n_params = SW_COUNT(sleep_params),
    .outputs = sleep_outputs,
    .n_outputs = SW_COUNT(sleep_outputs),
    .run = sleep_run,
};

/* ---- fail ---- */
enum { FAIL_FAIL, FAIL_NAN, FAIL_VALUE };

static const sw_param fail_params[] = {
    [FAIL_FAIL] = {.name = "fail", .type = SW_INT, .min = 0, .max = 1, .def = 0, .unit = "1",
                   .help = "1: the task reports a failure"},
    [FAIL_NAN] = {.name = "nan", .type = SW_INT, .min = 0, .max = 1, .def = 0, .unit = "1",
                  .help = "1: the task returns NaN (recorded as non_finite)"},
    [FAIL_VALUE] = {.name = "value", .type = SW_REAL, .min = -HUGE_VAL, .max = HUGE_VAL, .def = 1, .unit = "1",
                    .help = "the value returned as result"},
};

static const sw_output fail_outputs[] = {
    {.name = "result", .unit = "1", .help = "the parameter value, echoed (NaN when nan = 1)"},
};

static sw_outcome fail_run(const sw_task *t) {
    if (t->param[FAIL_FAIL].integer)
        return sw_task_fail(t, SW_TASK_FAILED, "failed on purpose (fail = 1, value = %g)", t->param[FAIL_VALUE].real);
    t->out[0][0] = t->param[FAIL_NAN].integer ? NAN : t->param[FAIL_VALUE].real;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_fail = {
    .name = "fail",
    .version = 1,
    .summary = "fails or returns NaN on request: failure-handling tests",
    .article = RUNNER_ARTICLE,
    .params = fail_params,
    .n_params = SW_COUNT(fail_params),
    .outputs = fail_outputs,
    .n_outputs = SW_COUNT(fail_outputs),
    .run = fail_run,
};

/* ---- histogram ---- */
enum { HIST_SAMPLES, HIST_BINS };
enum { HIST_STREAM = 0 };

static const sw_param histogram_params[] = {
    [HIST_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 0, .max = 1e9, .def = 1000, .unit = "1",
                      .help = "uniforms drawn"},
    [HIST_BINS] = {.name = "bins", .type = SW_INT, .min = 1, .max = 1 << 20, .def = 4096, .unit = "1",
                   .help = "equal bins over [0, 1)", .shape = true},
};

static const sw_output histogram_outputs[] = {
    {.name = "counts", .unit = "1", .help = "uniforms per bin", .ndims = 1, .dims = {{.name = "bin", .param = "bins"}}},
};

static sw_outcome histogram_run(const sw_task *t) {
    sw_rng rng;
    sw_rng_init(&rng, &t->key, HIST_STREAM);
    int64_t bins = t->param[HIST_BINS].integer, samples = t->param[HIST_SAMPLES].integer;
    double *counts = t->out[0];
    for (int64_t b = 0; b < bins; b++) counts[b] = 0.0;
    for (int64_t k = 0; k < samples; k++) counts[(int64_t)(sw_rng_uniform(&rng) * (double)bins)] += 1.0;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_histogram = {
    .name = "histogram",
    .version = 1,
    .summary = "histograms uniforms into many bins: a cheap task with a large output, for I/O benchmarks",
    .article = RUNNER_ARTICLE,
    .params = histogram_params,
    .n_params = SW_COUNT(histogram_params),
    .outputs = histogram_outputs,
    .n_outputs = SW_COUNT(histogram_outputs),
    .run = histogram_run,
};
