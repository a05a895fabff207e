/* simsleep.c: the simulation's experiment (bench/sim only, not in the registry of the real program): each task
 * sleeps for a duration drawn from its own stream, so the durations follow a stated distribution and are the same
 * on any number of ranks. Under SimGrid nanosleep is simulated: the task takes simulated time and no CPU. */
#include <math.h>
#include <time.h>

#include "simsleep.h"

enum { P_K, P_MEAN, P_CV, P_HEAVY };

static const sw_param params[] = {
    [P_K] = {.name = "k", .type = SW_INT, .min = 0, .max = 9.0e15, .def = 0, .unit = "1", .help = "task number"},
    [P_MEAN] = {.name = "mean", .type = SW_REAL, .min = 0, .max = 1e6, .def = 0.02, .unit = "s",
                .help = "mean duration"},
    [P_CV] = {.name = "cv", .type = SW_REAL, .min = 0, .max = 100, .def = 0, .unit = "1",
              .help = "coefficient of variation: 0 constant, else log-normal"},
    [P_HEAVY] = {.name = "heavy", .type = SW_REAL, .min = 0, .max = 1, .def = 0, .unit = "1",
                 .help = "fraction of tasks that take 50 times the median"},
};

static const sw_output outputs[] = {{.name = "seconds", .unit = "s", .help = "the drawn duration"}};

double sim_task_seconds(const sw_value *param, const sw_rng_key *key) {
    sw_rng rng;
    sw_rng_init(&rng, key, 0);
    double mean = param[P_MEAN].real, cv = param[P_CV].real;
    double s2 = log(1 + cv * cv), median = mean * exp(-s2 / 2);
    double d = cv > 0 ? median * exp(sqrt(s2) * sw_rng_normal(&rng)) : mean;
    if (sw_rng_uniform(&rng) < param[P_HEAVY].real) d = 50 * median;
    return d;
}

static sw_outcome run(const sw_task *t) {
    double d = sim_task_seconds(t->param, &t->key);
    struct timespec req = {.tv_sec = (time_t)d, .tv_nsec = (long)((d - floor(d)) * 1e9)};
    nanosleep(&req, NULL);
    t->out[0][0] = d;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_simsleep = {
    .name = "simsleep",
    .summary = "sleeps for a drawn duration (simulation only)",
    .article = "none: the simulation's synthetic workload",
    .params = params,
    .n_params = SW_COUNT(params),
    .outputs = outputs,
    .n_outputs = SW_COUNT(outputs),
    .run = run,
};
