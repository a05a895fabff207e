/* exp_langevin.c: Langevin sampling of a 1-D Gaussian or bimodal mixture (science.md 8.3 E1, E2).
 *
 * Monte Carlo over independent chains, measured against the exact law of the chain after T steps (closed form
 * for ULA on the gaussian target, a deterministic grid propagation otherwise) and against the target. The
 * stationary_* outputs show ULA's bias, which does not vanish as T grows (it is linear in ε); MALA removes it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "langevin.h"
#include "mpisweep/experiment.h"

#define ARTICLE "kexue.fm/archives/6612: 能量视角下的GAN模型(三)：生成模型=能量模型"

enum { P_STEP, P_STEPS, P_TARGET, P_TEMPERATURE, P_INIT, P_X0, P_SAMPLER, P_CHAINS, P_BINS, P_HIST_RANGE };
enum { STREAM_INIT = 0, STREAM_NOISE = 1, STREAM_ACCEPT = 2 };

static const char *const target_choices[] = {"gaussian", "mixture", NULL};
static const char *const init_choices[] = {"uniform", "mode", "point", NULL};
static const char *const sampler_choices[] = {"ula", "mala", NULL};

static const sw_param params[] = {
    [P_STEP] = {.name = "step", .type = SW_REAL, .min = 1e-3, .max = 1, .def = 0.1, .unit = "1",
                .help = "step size ε of x ← x − (ε/2)U'(x)/temperature + √ε ξ"},
    [P_STEPS] = {.name = "steps", .type = SW_INT, .min = 1, .max = 1e6, .def = 100, .unit = "1",
                 .help = "number of steps T of every chain"},
    [P_TARGET] = {.name = "target", .type = SW_CHOICE, .choices = target_choices, .def = 0, .unit = "1",
                  .help = "gaussian: U = x²/2; mixture: U = −log(0.3 N(x; −2, 1) + 0.7 N(x; 2, 1))"},
    [P_TEMPERATURE] = {.name = "temperature", .type = SW_REAL, .min = 0.25, .max = 4, .def = 1, .unit = "1",
                       .help = "the chains sample ∝ exp(−U/temperature)"},
    [P_INIT] = {.name = "init", .type = SW_CHOICE, .choices = init_choices, .def = 2, .unit = "1",
                .help = "start: uniform on [−4, 4], the target's left mode (−2 mixture, 0 gaussian), or x0"},
    [P_X0] = {.name = "x0", .type = SW_REAL, .min = -8, .max = 8, .def = 3, .unit = "1",
              .help = "start of every chain for init = point"},
    [P_SAMPLER] = {.name = "sampler", .type = SW_CHOICE, .choices = sampler_choices, .def = 0, .unit = "1",
                   .help = "ula: unadjusted Langevin; mala: with a Metropolis-Hastings correction"},
    [P_CHAINS] = {.name = "chains", .type = SW_INT, .min = 2, .max = 1e9, .def = 10000, .unit = "1",
                  .help = "independent chains (Monte-Carlo sample size)"},
    [P_BINS] = {.name = "bins", .type = SW_INT, .min = 1, .max = SW_LANGEVIN_MAX_BINS, .def = 40, .unit = "1",
                .help = "histogram bins on [−hist_range, hist_range]; outside mass goes to the end bins",
                .shape = true},
    [P_HIST_RANGE] = {.name = "hist_range", .type = SW_REAL, .min = 0, .min_open = true, .max = 12, .def = 6,
                      .unit = "1", .help = "the histogram covers [−hist_range, hist_range]"},
};

#define BIN {{.name = "bin", .param = "bins"}}
#define PER_BIN(nm, text) {.name = nm, .unit = "1", .help = text, .ndims = 1, .dims = BIN}
#define SCALAR(nm, text) {.name = nm, .unit = "1", .help = text}

enum {
    O_MEAN, O_MEAN_SE, O_MEAN_EXACT,
    O_M2, O_M2_SE, O_M2_EXACT,
    O_POS, O_POS_SE, O_POS_EXACT,
    O_HIST, O_HIST_SE, O_HIST_EXACT,
    O_TV, O_TV_SE, O_TV_BINS_EXACT, O_TV_DENSITY_EXACT,
    O_ACCEPT, O_ACCEPT_SE, O_ACCEPT_EXACT,
    O_ST_MEAN, O_ST_M2, O_ST_POS, O_ST_TV,
    O_TG_MEAN, O_TG_M2, O_TG_POS, O_TG_HIST,
    O_BIN_CENTER,
    O_COUNT
};

static const sw_output outputs[] = {
    [O_MEAN] = SCALAR("mean", "E x_T over the chains"),
    [O_MEAN_SE] = SCALAR("mean_se", "standard error of mean"),
    [O_MEAN_EXACT] = SCALAR("mean_exact", "exact E x_T: closed form (gaussian, ula), else grid propagation"),
    [O_M2] = SCALAR("second_moment", "E x_T² over the chains"),
    [O_M2_SE] = SCALAR("second_moment_se", "standard error of second_moment"),
    [O_M2_EXACT] = SCALAR("second_moment_exact", "exact E x_T²: closed form (gaussian, ula), else grid propagation"),
    [O_POS] = SCALAR("frac_positive", "P(x_T > 0) over the chains"),
    [O_POS_SE] = SCALAR("frac_positive_se", "standard error of frac_positive"),
    [O_POS_EXACT] = SCALAR("frac_positive_exact", "exact P(x_T > 0) (grid propagation)"),
    [O_HIST] = PER_BIN("hist", "fraction of chains in each bin after T steps (end bins include the tails)"),
    [O_HIST_SE] = PER_BIN("hist_se", "standard error of hist"),
    [O_HIST_EXACT] = PER_BIN("hist_exact", "exact bin probabilities of x_T (grid propagation)"),
    [O_TV] = SCALAR("tv", "½Σ|hist − target_hist| over the bins; noise biases it up, by about "
                          "½Σ√(2p/(π·chains)) when the law is near the target (compare tv_bins_exact)"),
    [O_TV_SE] = SCALAR("tv_se", "standard error of tv (delta method)"),
    [O_TV_BINS_EXACT] = SCALAR("tv_bins_exact", "½Σ|hist_exact − target_hist|: what tv estimates, less its noise bias"),
    [O_TV_DENSITY_EXACT] = SCALAR("tv_density_exact", "½∫|p_T − π|dx, the unbinned distance of x_T to the target"),
    [O_ACCEPT] = SCALAR("acceptance_rate", "MALA: accepted fraction of proposals (1 for ULA)"),
    [O_ACCEPT_SE] = SCALAR("acceptance_rate_se", "standard error of acceptance_rate (over chains)"),
    [O_ACCEPT_EXACT] = SCALAR("acceptance_rate_exact", "exact mean acceptance probability over the T steps"),
    [O_ST_MEAN] = SCALAR("stationary_mean", "E x under the sampler's stationary law (ULA: biased; MALA: target)"),
    [O_ST_M2] = SCALAR("stationary_second_moment", "E x² under the sampler's stationary law"),
    [O_ST_POS] = SCALAR("stationary_frac_positive", "P(x > 0) under the sampler's stationary law"),
    [O_ST_TV] = SCALAR("stationary_tv_density", "½∫|p_∞ − π|dx: ULA's stationary bias (≈ linear in ε)"),
    [O_TG_MEAN] = SCALAR("target_mean", "E x under the target ∝ exp(−U/temperature)"),
    [O_TG_M2] = SCALAR("target_second_moment", "E x² under the target"),
    [O_TG_POS] = SCALAR("target_frac_positive", "P(x > 0) under the target"),
    [O_TG_HIST] = PER_BIN("target_hist", "the target's bin probabilities"),
    [O_BIN_CENTER] = PER_BIN("bin_center", "centre of each histogram bin"),
};
_Static_assert(SW_COUNT(outputs) == O_COUNT, "every output has an entry");

static sw_langevin_config config_of(const sw_value *v) {
    return (sw_langevin_config){
        .target = v[P_TARGET].integer == 1 ? SW_LANGEVIN_MIXTURE : SW_LANGEVIN_GAUSSIAN,
        .temperature = v[P_TEMPERATURE].real,
        .sampler = v[P_SAMPLER].integer == 1 ? SW_LANGEVIN_MALA : SW_LANGEVIN_ULA,
        .step = v[P_STEP].real,
        .steps = v[P_STEPS].integer,
        .init = v[P_INIT].integer == 0 ? SW_LANGEVIN_INIT_UNIFORM
                : v[P_INIT].integer == 1 ? SW_LANGEVIN_INIT_MODE
                                         : SW_LANGEVIN_INIT_POINT,
        .x0 = v[P_X0].real,
        .bins = (size_t)v[P_BINS].integer,
        .hist_range = v[P_HIST_RANGE].real,
    };
}

static size_t chains_bytes(void) { return (sw_langevin_chains_workspace() * sizeof(double) + 63) & ~(size_t)63; }

static size_t workspace_bytes(const sw_value *param) {
    sw_langevin_config c = config_of(param);
    return chains_bytes() + sw_langevin_grid_bytes(&c);
}

/* The exact law's grid puts a node on every bin edge, so narrow bins would make it needlessly fine. */
#define MIN_BIN_WIDTH 0.02

static bool check(const sw_value *param, char *msg, size_t msg_size) {
    sw_langevin_config c = config_of(param);
    if (c.sampler == SW_LANGEVIN_ULA && !(c.step < 4.0 * c.temperature)) {
        snprintf(msg, msg_size, "ULA diverges for step >= 4·temperature (step = %g, temperature = %g)", c.step,
                 c.temperature);
        return false;
    }
    if (2.0 * c.hist_range / (double)c.bins < MIN_BIN_WIDTH) {
        snprintf(msg, msg_size, "bins narrower than %g: use at most %d bins for hist_range = %g", MIN_BIN_WIDTH,
                 (int)floor(2.0 * c.hist_range / MIN_BIN_WIDTH), c.hist_range);
        return false;
    }
    return true;
}

static double binned_tv(size_t bins, const double *p, const double *q) {
    double tv = 0.0;
    for (size_t b = 0; b < bins; b++) tv += fabs(p[b] - q[b]);
    return 0.5 * tv;
}

/* TV = ½Σ s_b (h_b − π_b) with s_b = sign(h_b − π_b); its multinomial variance is (1 − (Σ s_b h_b)²)/(4N). */
static double binned_tv_se(size_t bins, const double *hist, const double *target, double n) {
    double signed_mass = 0.0;
    for (size_t b = 0; b < bins; b++) signed_mass += hist[b] >= target[b] ? hist[b] : -hist[b];
    double v = (1.0 - signed_mass * signed_mass) / (4.0 * n);
    return v > 0.0 ? sqrt(v) : 0.0;
}

static void write_monte_carlo(const sw_task *t, const sw_langevin_config *c) {
    double *const *o = t->out;
    sw_rng init_rng, noise_rng, accept_rng;
    sw_rng_init(&init_rng, &t->key, STREAM_INIT);
    sw_rng_init(&noise_rng, &t->key, STREAM_NOISE);
    sw_rng_init(&accept_rng, &t->key, STREAM_ACCEPT);
    sw_langevin_mc mc = {.hist = o[O_HIST], .hist_se = o[O_HIST_SE]};
    sw_langevin_chains(c, t->param[P_CHAINS].integer, &init_rng, &noise_rng, &accept_rng, t->work, &mc);
    o[O_MEAN][0] = mc.mean, o[O_MEAN_SE][0] = mc.mean_se;
    o[O_M2][0] = mc.second_moment, o[O_M2_SE][0] = mc.second_moment_se;
    o[O_POS][0] = mc.frac_positive, o[O_POS_SE][0] = mc.frac_positive_se;
    o[O_ACCEPT][0] = mc.accept, o[O_ACCEPT_SE][0] = mc.accept_se;
}

static sw_outcome run(const sw_task *t) {
    sw_langevin_config c = config_of(t->param);
    double *const *o = t->out;
    write_monte_carlo(t, &c);

    sw_langevin_law target = {.hist = o[O_TG_HIST]};
    sw_langevin_target_law(&c, &target);
    o[O_TG_MEAN][0] = target.mean, o[O_TG_M2][0] = target.second_moment, o[O_TG_POS][0] = target.frac_positive;
    o[O_TV][0] = binned_tv(c.bins, o[O_HIST], o[O_TG_HIST]);
    o[O_TV_SE][0] = binned_tv_se(c.bins, o[O_HIST], o[O_TG_HIST], (double)t->param[P_CHAINS].integer);

    sw_langevin_grid *grid = sw_langevin_grid_init(&c, (char *)t->work + chains_bytes());
    sw_langevin_law law = {.hist = o[O_HIST_EXACT]};
    sw_langevin_grid_law(grid, &law);
    bool closed_form = c.target == SW_LANGEVIN_GAUSSIAN && c.sampler == SW_LANGEVIN_ULA;
    if (closed_form) sw_langevin_gaussian_ula_moments(&c, &law.mean, &law.second_moment);
    o[O_MEAN_EXACT][0] = law.mean, o[O_M2_EXACT][0] = law.second_moment, o[O_POS_EXACT][0] = law.frac_positive;
    o[O_TV_BINS_EXACT][0] = binned_tv(c.bins, o[O_HIST_EXACT], o[O_TG_HIST]);
    o[O_TV_DENSITY_EXACT][0] = law.tv_density;
    o[O_ACCEPT_EXACT][0] = law.accept;

    sw_langevin_law stationary = {.hist = NULL};
    if (sw_langevin_grid_stationary(grid, &stationary) != SW_OK)
        return sw_task_fail(t, SW_TASK_NUMERICAL, "%s", sw_error_message());
    if (closed_form) {
        stationary.mean = 0.0;
        stationary.second_moment = sw_langevin_gaussian_ula_stationary_var(&c);
    }
    o[O_ST_MEAN][0] = stationary.mean, o[O_ST_M2][0] = stationary.second_moment;
    o[O_ST_POS][0] = stationary.frac_positive, o[O_ST_TV][0] = stationary.tv_density;

    double width = 2.0 * c.hist_range / (double)c.bins;
    for (size_t b = 0; b < c.bins; b++) o[O_BIN_CENTER][b] = -c.hist_range + ((double)b + 0.5) * width;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_langevin = {
    .name = "langevin",
    .version = 1,
    .summary = "Langevin chains (ULA/MALA) on a 1-D Gaussian or bimodal target vs their exact law and the target",
    .article = ARTICLE,
    .params = params,
    .n_params = SW_COUNT(params),
    .outputs = outputs,
    .n_outputs = SW_COUNT(outputs),
    .workspace_bytes = workspace_bytes,
    .check = check,
    .run = run,
};
