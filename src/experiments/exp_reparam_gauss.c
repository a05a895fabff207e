/* exp_reparam_gauss.c: reparameterisation against score-function gradients for z ~ N(μ, σ²)
 * (science.md 7.3 E1 and E2). For f = z² the pathwise estimator always wins; for f = sin(ωz) its variance grows
 * like ω²/2 while the score function's stays near 1/(2σ²), so past ω ≈ 1.06 (μ = 0.5, σ = 1) it loses. */
#include <math.h>

#include "mpisweep/experiment.h"
#include "reparam.h"

#define ARTICLE "kexue.fm/archives/6705: 漫谈重参数：从正态分布到Gumbel Softmax"

enum { P_MU, P_SIGMA, P_F, P_OMEGA, P_SAMPLES };
enum { STREAM_EPS = 0 };

static const char *const f_choices[] = {"square", "sin", NULL};

static const sw_param params[] = {
    [P_MU] = {.name = "mu", .type = SW_REAL, .min = -1e3, .max = 1e3, .def = 1.0, .unit = "1",
              .help = "mean μ of z ~ N(μ, σ²)"},
    [P_SIGMA] = {.name = "sigma", .type = SW_REAL, .min = 0, .min_open = true, .max = 1e3, .def = 1.0, .unit = "1",
                 .help = "standard deviation σ of z"},
    [P_F] = {.name = "f", .type = SW_CHOICE, .choices = f_choices, .def = 0, .unit = "1",
             .help = "objective: square f = z², or sin f = sin(ωz)"},
    [P_OMEGA] = {.name = "omega", .type = SW_REAL, .min = 0, .max = 1e3, .def = 1.0, .unit = "1",
                 .help = "frequency ω of f = sin(ωz); ignored for square"},
    [P_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 4, .max = 1e10, .def = 100000, .unit = "1",
                   .help = "draws of ε ~ N(0, 1); every estimator uses the same draws"},
};

/* Output order: objective (3), then per estimator (mu_rep, mu_sf, sigma_rep, sigma_sf) six outputs:
 * mean, mean_se, mean_exact, var, var_se, var_exact. */
#define EST_OUTPUTS(stem, what)                                                                             \
    {.name = stem "_mean", .unit = "1", .help = "Monte-Carlo mean of the " what " estimator"},              \
        {.name = stem "_mean_se", .unit = "1", .help = "standard error of " stem "_mean"},                  \
        {.name = stem "_mean_exact", .unit = "1", .help = "exact gradient (closed form)"},                  \
        {.name = stem "_var", .unit = "1", .help = "single-sample variance of the " what " estimator (MC)"}, \
        {.name = stem "_var_se", .unit = "1", .help = "standard error of " stem "_var (fourth moment)"},    \
        {.name = stem "_var_exact", .unit = "1", .help = "exact single-sample variance (closed form)"}

static const sw_output outputs[] = {
    {.name = "objective", .unit = "1", .help = "Monte-Carlo mean of f(z), the objective L"},
    {.name = "objective_se", .unit = "1", .help = "standard error of objective"},
    {.name = "objective_exact", .unit = "1", .help = "exact L = E f(z)"},
    EST_OUTPUTS("grad_mu_rep", "reparameterisation dL/dμ (f'(z))"),
    EST_OUTPUTS("grad_mu_sf", "score-function dL/dμ (f(z) ε/σ)"),
    EST_OUTPUTS("grad_sigma_rep", "reparameterisation dL/dσ (f'(z) ε)"),
    EST_OUTPUTS("grad_sigma_sf", "score-function dL/dσ (f(z)(ε²−1)/σ)"),
};
enum { OUT_OBJECTIVE = 0, OUT_FIRST_ESTIMATOR = 3, OUTS_PER_ESTIMATOR = 6 };
_Static_assert(SW_COUNT(outputs) == OUT_FIRST_ESTIMATOR + OUTS_PER_ESTIMATOR * SW_REPARAM_N_ESTIMATORS,
               "output table and run() disagree");

/* The registry's estimator order must be the kernel's (mu_rep, mu_sf, sigma_rep, sigma_sf). */
_Static_assert(SW_REPARAM_MU_REP == 0 && SW_REPARAM_MU_SF == 1 && SW_REPARAM_SIGMA_REP == 2 &&
                   SW_REPARAM_SIGMA_SF == 3,
               "estimator order");

static size_t workspace_bytes(const sw_value *param) {
    (void)param;
    return SW_REPARAM_BLOCK * sizeof(double);
}

static sw_outcome run(const sw_task *t) {
    const sw_value *v = t->param;
    sw_reparam_gauss pb = {.f = v[P_F].integer == 1 ? SW_REPARAM_SIN : SW_REPARAM_SQUARE,
                           .mu = v[P_MU].real,
                           .sigma = v[P_SIGMA].real,
                           .omega = v[P_OMEGA].real};
    sw_rng rng;
    sw_rng_init(&rng, &t->key, STREAM_EPS);
    sw_reparam_gauss_mc mc;
    sw_reparam_gauss_exact ex;
    sw_reparam_gauss_monte_carlo(&pb, v[P_SAMPLES].integer, &rng, t->work, &mc);
    sw_reparam_gauss_exact_values(&pb, &ex);
    double *const *out = t->out;
    out[OUT_OBJECTIVE][0] = mc.objective;
    out[OUT_OBJECTIVE + 1][0] = mc.objective_se;
    out[OUT_OBJECTIVE + 2][0] = ex.objective;
    for (int e = 0; e < SW_REPARAM_N_ESTIMATORS; e++) {
        double *const *o = out + OUT_FIRST_ESTIMATOR + OUTS_PER_ESTIMATOR * e;
        o[0][0] = mc.mean[e];
        o[1][0] = mc.mean_se[e];
        o[2][0] = ex.mean[e];
        o[3][0] = mc.var[e];
        o[4][0] = mc.var_se[e];
        o[5][0] = ex.var[e];
    }
    return SW_TASK_OK;
}

const sw_experiment sw_exp_reparam_gauss = {
    .name = "reparam_gauss",
    .version = 1,
    .summary = "mean and single-sample variance of reparameterisation vs score-function gradients, z ~ N(μ, σ²)",
    .article = ARTICLE,
    .params = params,
    .n_params = SW_COUNT(params),
    .outputs = outputs,
    .n_outputs = SW_COUNT(outputs),
    .workspace_bytes = workspace_bytes,
    .run = run,
};
