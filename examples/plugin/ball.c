/* ball.c: an mpisweep plugin with one experiment, the Monte-Carlo volume of the unit ball in d dimensions.
 *
 * Points are drawn uniformly in the cube [-1, 1]^d; the fraction inside the ball times 2^d estimates the volume,
 * with its binomial standard error, and the exact value pi^(d/2) / Gamma(d/2 + 1) goes alongside (the _se and
 * _exact suffixes make them companions of `volume` in the result file and the report). Build it with CMake
 * (CMakeLists.txt) or make (Makefile) against an installed mpisweep, then run ball.yaml. */
#include <math.h>

#include <mpisweep/plugin.h>

enum { BALL_DIM, BALL_SAMPLES };
enum { BALL_STREAM = 0, MOMENTS = 4 };

static const sw_param ball_params[] = {
    [BALL_DIM] = {.name = "dim", .type = SW_INT, .min = 1, .max = 40, .def = 3, .unit = "1",
                  .help = "dimension d of the ball"},
    [BALL_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 1, .max = 1e10, .def = 10000, .unit = "1",
                      .help = "points drawn in the cube [-1, 1]^d"},
};

static const sw_output ball_outputs[] = {
    {.name = "volume", .unit = "1", .help = "Monte-Carlo estimate of the unit ball's volume"},
    {.name = "volume_se", .unit = "1", .help = "its standard error"},
    {.name = "volume_exact", .unit = "1", .help = "pi^(d/2) / Gamma(d/2 + 1)"},
    {.name = "r2_moments", .unit = "1", .help = "mean of |x|^(2k), k = 1..4, over the cube's points (k=1: d/3)",
     .ndims = 1, .dims = {{.name = "k", .extent = MOMENTS}}},
};

static sw_outcome ball_run(const sw_task *t) {
    int64_t d = t->param[BALL_DIM].integer, n = t->param[BALL_SAMPLES].integer;
    sw_rng rng;
    sw_rng_init(&rng, &t->key, BALL_STREAM);
    double inside = 0, moment[MOMENTS] = {0};
    for (int64_t i = 0; i < n; i++) {
        double r2 = 0;
        for (int64_t j = 0; j < d; j++) {
            double x = 2 * sw_rng_uniform(&rng) - 1;
            r2 += x * x;
        }
        inside += r2 <= 1;
        for (double p = r2, k = 0; k < MOMENTS; k++, p *= r2) moment[(int)k] += p;
    }
    double cube = ldexp(1.0, (int)d), p = inside / (double)n;
    t->out[0][0] = cube * p;
    t->out[1][0] = cube * sqrt(p * (1 - p) / (double)n);
    t->out[2][0] = exp(0.5 * (double)d * log(M_PI) - lgamma(0.5 * (double)d + 1));
    for (int k = 0; k < MOMENTS; k++) t->out[3][k] = moment[k] / (double)n;
    return SW_TASK_OK;
}

static const sw_experiment ball_volume = {
    .name = "ball_volume",
    .summary = "Monte-Carlo volume of the unit ball in d dimensions (an example plugin)",
    .article = "none: examples/plugin of mpisweep",
    .version = 1, /* bump it when a change alters results: --resume then refuses to mix old and new */
    .params = ball_params,
    .n_params = SW_COUNT(ball_params),
    .outputs = ball_outputs,
    .n_outputs = SW_COUNT(ball_outputs),
    .run = ball_run,
};

static const sw_experiment *const experiments[] = {&ball_volume, NULL};
static const sw_plugin_table table = SW_PLUGIN_TABLE("ball", experiments);

SW_PLUGIN_EXPORT const sw_plugin_table *sw_plugin_entry(void) { return &table; }
