/* exp_init_orthogonality.c: how orthogonal is a randomly initialised weight matrix?
 * (kexue.fm/archives/7180, science.md section 3, experiments E1-E3.)
 *
 * W in R^{m x n} (fan_out m, fan_in n) with iid entries of mean 0 and variance 1/m. The article's claim: W^T W ≈ I,
 * so ||Wx|| ≈ ||x||, for any such distribution. The caveat it does not state: this holds entrywise (the per-entry
 * error falls like 1/m) but not in operator norm for square W, where ||W^T W - I||_2 -> 3 and σ_min -> 0
 * (Marchenko-Pastur); only m >> n makes W close to an isometry. */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "initgeom.h"
#include "mpisweep/experiment.h"

enum { P_FAN_IN, P_FAN_OUT, P_DIST, P_DRAWS, P_PROBE, P_PROBES };
enum { STREAM_WEIGHTS = 0, STREAM_PROBES = 1 };

static const char *const dist_names[] = {"gauss", "uniform", "rademacher", NULL};
static const char *const probe_names[] = {"gauss", "rademacher", "basis", NULL};

static const sw_param orth_params[] = {
    [P_FAN_IN] = {.name = "fan_in", .type = SW_INT, .min = 1, .max = 46340, .def = 100, .unit = "1",
                  .help = "n: columns of W, the input dimension (n^2 must fit a BLAS int)"},
    [P_FAN_OUT] = {.name = "fan_out", .type = SW_INT, .min = 1, .max = INT_MAX, .def = 100, .unit = "1",
                   .help = "m: rows of W, the output dimension; entries have variance 1/m"},
    [P_DIST] = {.name = "dist", .type = SW_CHOICE, .def = 0, .choices = dist_names, .unit = "1",
                .help = "entry law, scaled to variance 1/m: N(0,1/m), U[-sqrt(3/m), sqrt(3/m)] or +-1/sqrt(m)"},
    [P_DRAWS] = {.name = "draws", .type = SW_INT, .min = 2, .max = 1e9, .def = 50, .unit = "1",
                 .help = "independent draws of W averaged over"},
    [P_PROBE] = {.name = "probe", .type = SW_CHOICE, .def = 0, .choices = probe_names, .unit = "1",
                 .help = "vectors x for ||Wx||^2/||x||^2: iid N(0,1), iid +-1, or coordinate vectors e_j"},
    [P_PROBES] = {.name = "probes", .type = SW_INT, .min = 1, .max = 1e6, .def = 16, .unit = "1",
                  .help = "probe vectors x per draw of W"},
};

enum {
    O_FROB, O_FROB_SE, O_FROB_EXACT,
    O_MSE, O_MSE_SE, O_MSE_EXACT,
    O_SPEC, O_SPEC_SE, O_SPEC_LIMIT,
    O_SMIN, O_SMIN_SE, O_SMIN_LIMIT,
    O_SMAX, O_SMAX_SE, O_SMAX_LIMIT,
    O_RMEAN, O_RMEAN_SE, O_RMEAN_EXACT,
    O_RVAR, O_RVAR_SE, O_RVAR_EXACT,
};

static const sw_output orth_outputs[] = {
    [O_FROB] = {.name = "frob_dev", .unit = "1", .help = "mean over draws of ||W^T W - I||_F^2"},
    [O_FROB_SE] = {.name = "frob_dev_se", .unit = "1", .help = "standard error of frob_dev"},
    [O_FROB_EXACT] = {.name = "frob_dev_exact", .unit = "1",
                      .help = "exact E||W^T W - I||_F^2 = n m (mu4 - m^-2) + n(n-1)/m"},
    [O_MSE] = {.name = "entry_mse", .unit = "1", .help = "frob_dev / n^2: the article's mean((W^T W - I)^2)"},
    [O_MSE_SE] = {.name = "entry_mse_se", .unit = "1", .help = "standard error of entry_mse"},
    [O_MSE_EXACT] = {.name = "entry_mse_exact", .unit = "1",
                     .help = "frob_dev_exact / n^2 ((n+1)/n^2 for square Gaussian W)"},
    [O_SPEC] = {.name = "spectral_dev", .unit = "1", .help = "mean over draws of ||W^T W - I||_2"},
    [O_SPEC_SE] = {.name = "spectral_dev_se", .unit = "1", .help = "standard error of spectral_dev"},
    [O_SPEC_LIMIT] = {.name = "spectral_dev_limit", .unit = "1",
                      .help = "Marchenko-Pastur limit 2 sqrt(c) + c, c = n/m (approached from below, ~n^(-2/3))"},
    [O_SMIN] = {.name = "sigma_min", .unit = "1", .help = "mean smallest of the min(m,n) singular values of W"},
    [O_SMIN_SE] = {.name = "sigma_min_se", .unit = "1", .help = "standard error of sigma_min"},
    [O_SMIN_LIMIT] = {.name = "sigma_min_limit", .unit = "1", .help = "Marchenko-Pastur limit |1 - sqrt(c)|"},
    [O_SMAX] = {.name = "sigma_max", .unit = "1", .help = "mean largest singular value of W"},
    [O_SMAX_SE] = {.name = "sigma_max_se", .unit = "1", .help = "standard error of sigma_max"},
    [O_SMAX_LIMIT] = {.name = "sigma_max_limit", .unit = "1", .help = "Marchenko-Pastur limit 1 + sqrt(c)"},
    [O_RMEAN] = {.name = "norm_ratio_mean", .unit = "1", .help = "mean of ||Wx||^2/||x||^2 over draws and probes"},
    [O_RMEAN_SE] = {.name = "norm_ratio_mean_se", .unit = "1",
                    .help = "standard error of norm_ratio_mean (over draws)"},
    [O_RMEAN_EXACT] = {.name = "norm_ratio_mean_exact", .unit = "1", .help = "exact E ||Wx||^2/||x||^2 = 1"},
    [O_RVAR] = {.name = "norm_ratio_var", .unit = "1", .help = "mean of (||Wx||^2/||x||^2 - 1)^2: its variance"},
    [O_RVAR_SE] = {.name = "norm_ratio_var_se", .unit = "1", .help = "standard error of norm_ratio_var (over draws)"},
    [O_RVAR_EXACT] = {.name = "norm_ratio_var_exact", .unit = "1",
                      .help = "exact m(2/m^2 + (mu4 - 3/m^2) kappa), kappa = sum x^4/||x||^4 (2/m when Gaussian)"},
};

static sw_orth_config orth_config(const sw_value *param) {
    return (sw_orth_config){
        .dist = (sw_init_dist)param[P_DIST].integer,
        .probe = (sw_probe)param[P_PROBE].integer,
        .fan_out = (size_t)param[P_FAN_OUT].integer,
        .fan_in = (size_t)param[P_FAN_IN].integer,
        .probes = (size_t)param[P_PROBES].integer,
        .draws = (size_t)param[P_DRAWS].integer,
    };
}

/* BLAS and LAPACK index with int: W (m x n), X (n x p) and W X (m x p) must each stay below 2^31 elements. */
static bool orth_check(const sw_value *param, char *msg, size_t msg_size) {
    double m = (double)param[P_FAN_OUT].integer, n = (double)param[P_FAN_IN].integer;
    double p = (double)param[P_PROBES].integer, biggest = fmax(m * n, fmax(n * p, m * p));
    if (biggest <= (double)INT_MAX) return true;
    snprintf(msg, msg_size, "fan_out * fan_in, fan_in * probes and fan_out * probes must each be at most %d "
             "(BLAS int indexing); the largest here is %.0f", INT_MAX, biggest);
    return false;
}

static size_t orth_workspace_bytes(const sw_value *param) {
    sw_orth_config c = orth_config(param);
    return sw_orth_simulate_work_doubles(&c) * sizeof(double);
}

static void write_moment(double *const *out, int first, const sw_moments *m, double scale, double reference) {
    out[first][0] = scale * m->mean;
    out[first + 1][0] = scale * sw_moments_se(m);
    out[first + 2][0] = reference;
}

static sw_outcome orth_run(const sw_task *t) {
    sw_orth_config c = orth_config(t->param);
    sw_rng weights, probes;
    sw_rng_init(&weights, &t->key, STREAM_WEIGHTS);
    sw_rng_init(&probes, &t->key, STREAM_PROBES);
    sw_orth_stats s;
    if (sw_orth_simulate(&c, &weights, &probes, t->work, &s) != SW_OK)
        return sw_task_fail(t, SW_TASK_NUMERICAL, "%s", sw_error_message());
    double m = (double)c.fan_out, n = (double)c.fan_in, frob_exact = sw_init_frob_dev_exact(c.dist, m, n);
    write_moment(t->out, O_FROB, &s.frob_dev, 1.0, frob_exact);
    write_moment(t->out, O_MSE, &s.frob_dev, 1.0 / (n * n), frob_exact / (n * n));
    write_moment(t->out, O_SPEC, &s.spectral_dev, 1.0, sw_mp_spectral_dev_limit(m, n));
    write_moment(t->out, O_SMIN, &s.sigma_min, 1.0, sw_mp_sigma_min_limit(m, n));
    write_moment(t->out, O_SMAX, &s.sigma_max, 1.0, sw_mp_sigma_max_limit(m, n));
    write_moment(t->out, O_RMEAN, &s.ratio_mean, 1.0, 1.0);
    write_moment(t->out, O_RVAR, &s.ratio_var, 1.0, sw_init_norm_ratio_var_exact(c.dist, c.probe, m, n));
    return SW_TASK_OK;
}

const sw_experiment sw_exp_init_orthogonality = {
    .name = "init_orthogonality",
    .version = 1,
    .summary = "how close a random W (variance 1/fan_out) is to orthogonal: Frobenius, spectral, norm preservation",
    .article = "kexue.fm/archives/7180: 从几何视角来理解模型参数的初始化策略 (2020-01-16)",
    .params = orth_params,
    .n_params = SW_COUNT(orth_params),
    .outputs = orth_outputs,
    .n_outputs = SW_COUNT(orth_outputs),
    .workspace_bytes = orth_workspace_bytes,
    .check = orth_check,
    .run = orth_run,
};
