/* exp_variance_bias.c: mean and MSE of the variance estimators SS/n, SS/(n−1), SS/(n+1), and the bias of s
 * (kexue.fm/archives/6747; science.md §6.3). */
#include <math.h>

#include "estimators.h"
#include "mpisweep/experiment.h"

enum { VB_N, VB_DIST, VB_SIGMA2, VB_DRAWS };
enum { STREAM_DATA = 0 };
/* Doubles per batch of replicates: large enough to amortise the bulk draw, small enough to stay in cache. */
enum { BATCH_DOUBLES = 32768 };

/* Same order as sw_var_dist. */
static const char *const dist_names[] = {"gauss", "uniform", "exponential", NULL};

static const sw_param vb_params[] = {
    [VB_N] = {.name = "n", .type = SW_INT, .min = 2, .max = 1e6, .def = 5, .unit = "1",
              .help = "sample size of one replicate (SS needs n >= 2)"},
    [VB_DIST] = {.name = "dist", .type = SW_CHOICE, .def = SW_VAR_GAUSS, .choices = dist_names, .unit = "1",
                 .help = "data distribution, scaled to variance sigma2: gauss (kurtosis 3), uniform (1.8), "
                         "exponential (9)"},
    [VB_SIGMA2] = {.name = "sigma2", .type = SW_REAL, .min = 1e-50, .max = 1e50, .def = 1, .unit = "1",
                   .help = "the data's true variance (bounded so that the MSE's own variance, ~sigma2^4, is finite)"},
    [VB_DRAWS] = {.name = "draws", .type = SW_INT, .min = 2, .max = 1e10, .def = 100000, .unit = "1",
                  .help = "replicates R, each a fresh sample of n draws"},
};

enum {
    O_MEAN_B, O_MEAN_B_SE, O_MEAN_B_EXACT, O_MEAN_U, O_MEAN_U_SE, O_MEAN_U_EXACT, O_MEAN_M, O_MEAN_M_SE,
    O_MEAN_M_EXACT, O_MSE_B, O_MSE_B_SE, O_MSE_B_EXACT, O_MSE_U, O_MSE_U_SE, O_MSE_U_EXACT, O_MSE_M, O_MSE_M_SE,
    O_MSE_M_EXACT, O_SD, O_SD_SE, O_SD_EXACT, O_BEST,
};

/* Every output is a scalar. */
#define SCALAR(output_name, output_unit, output_help) {.name = output_name, .unit = output_unit, .help = output_help}

static const sw_output vb_outputs[] = {
    [O_MEAN_B] = SCALAR("mean_biased", "1", "mean of SS/n over the replicates"),
    [O_MEAN_B_SE] = SCALAR("mean_biased_se", "1", "standard error of mean_biased"),
    [O_MEAN_B_EXACT] = SCALAR("mean_biased_exact", "1", "(n-1) sigma2 / n"),
    [O_MEAN_U] = SCALAR("mean_unbiased", "1", "mean of SS/(n-1)"),
    [O_MEAN_U_SE] = SCALAR("mean_unbiased_se", "1", "standard error of mean_unbiased"),
    [O_MEAN_U_EXACT] = SCALAR("mean_unbiased_exact", "1", "sigma2"),
    [O_MEAN_M] = SCALAR("mean_minmse", "1", "mean of SS/(n+1)"),
    [O_MEAN_M_SE] = SCALAR("mean_minmse_se", "1", "standard error of mean_minmse"),
    [O_MEAN_M_EXACT] = SCALAR("mean_minmse_exact", "1", "(n-1) sigma2 / (n+1)"),
    [O_MSE_B] = SCALAR("mse_biased", "1", "mean of (SS/n - sigma2)^2"),
    [O_MSE_B_SE] = SCALAR("mse_biased_se", "1", "standard error of mse_biased"),
    [O_MSE_B_EXACT] = SCALAR("mse_biased_exact", "1", "((n-1)/n)^2 Var(s_u^2) + (1/n)^2 sigma2^2"),
    [O_MSE_U] = SCALAR("mse_unbiased", "1", "mean of (SS/(n-1) - sigma2)^2"),
    [O_MSE_U_SE] = SCALAR("mse_unbiased_se", "1", "standard error of mse_unbiased"),
    [O_MSE_U_EXACT] = SCALAR("mse_unbiased_exact", "1", "Var(s_u^2) = (mu4 - (n-3)/(n-1) sigma2^2)/n"),
    [O_MSE_M] = SCALAR("mse_minmse", "1", "mean of (SS/(n+1) - sigma2)^2"),
    [O_MSE_M_SE] = SCALAR("mse_minmse_se", "1", "standard error of mse_minmse"),
    [O_MSE_M_EXACT] = SCALAR("mse_minmse_exact", "1", "((n-1)/(n+1))^2 Var(s_u^2) + (2/(n+1))^2 sigma2^2"),
    [O_SD] = SCALAR("mean_sd", "1", "mean of s = sqrt(SS/(n-1))"),
    [O_SD_SE] = SCALAR("mean_sd_se", "1", "standard error of mean_sd"),
    [O_SD_EXACT] = SCALAR("mean_sd_exact", "1",
                          "c4(n) sqrt(sigma2): E s for gauss; for uniform/exponential the Gaussian value, "
                          "not their exact E s"),
    [O_BEST] = SCALAR("best_divisor_exact", "1", "MSE-minimising divisor (n-1)(1 + Var(s_u^2)/sigma2^2)"),
};

/* Replicates per batch. */
static size_t batch_rows(const sw_value *param) {
    size_t n = (size_t)param[VB_N].integer, rows = BATCH_DOUBLES / n;
    return rows > 0 ? rows : 1;
}

static size_t vb_workspace_bytes(const sw_value *param) {
    return batch_rows(param) * (size_t)param[VB_N].integer * sizeof(double);
}

static void draw(sw_rng *rng, sw_var_dist dist, double *x, size_t count) {
    switch (dist) {
    case SW_VAR_UNIFORM: sw_rng_fill_uniform(rng, x, count); break;
    case SW_VAR_EXPONENTIAL: sw_rng_fill_exponential(rng, x, count); break;
    default: sw_rng_fill_normal(rng, x, count); break;
    }
}

/* Writes the Monte-Carlo mean, its standard error and the exact value to three consecutive outputs. */
static void put(double *const *out, int first, const sw_moments *m, double exact) {
    out[first][0] = m->mean;
    out[first + 1][0] = sw_moments_se(m);
    out[first + 2][0] = exact;
}

static sw_outcome vb_run(const sw_task *t) {
    size_t n = (size_t)t->param[VB_N].integer, rows_max = batch_rows(t->param);
    sw_var_dist dist = (sw_var_dist)t->param[VB_DIST].integer;
    double sigma2 = t->param[VB_SIGMA2].real, *x = t->work;
    sw_rng rng;
    sw_rng_init(&rng, &t->key, STREAM_DATA);
    sw_var_acc acc;
    sw_var_acc_reset(&acc);
    for (int64_t left = t->param[VB_DRAWS].integer; left > 0; left -= (int64_t)rows_max) {
        size_t rows = left < (int64_t)rows_max ? (size_t)left : rows_max;
        draw(&rng, dist, x, rows * n);
        sw_var_batch_scaled(n, x, rows, sw_var_ss_scale(dist, sigma2), sigma2, &acc);
    }
    sw_var_exact exact;
    sw_var_exact_values(n, dist, sigma2, &exact);
    static const int mean_out[SW_VAR_DIVISORS] = {O_MEAN_B, O_MEAN_U, O_MEAN_M};
    static const int mse_out[SW_VAR_DIVISORS] = {O_MSE_B, O_MSE_U, O_MSE_M};
    for (int c = 0; c < SW_VAR_DIVISORS; c++) {
        put(t->out, mean_out[c], &acc.estimate[c], exact.mean[c]);
        put(t->out, mse_out[c], &acc.sq_error[c], exact.mse[c]);
    }
    put(t->out, O_SD, &acc.sd, exact.mean_sd_gauss);
    t->out[O_BEST][0] = exact.best_divisor;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_variance_bias = {
    .name = "variance_bias",
    .version = 1,
    .summary = "mean and MSE of the variance estimators SS/n, SS/(n-1), SS/(n+1), and the c4 bias of s",
    .article = "kexue.fm/archives/6747: 简述无偏估计和有偏估计 (2019-06-19)",
    .params = vb_params,
    .n_params = SW_COUNT(vb_params),
    .outputs = vb_outputs,
    .n_outputs = SW_COUNT(vb_outputs),
    .workspace_bytes = vb_workspace_bytes,
    .run = vb_run,
};
