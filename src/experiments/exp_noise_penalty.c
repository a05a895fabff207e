/* exp_noise_penalty.c: input noise ≈ Laplacian regulariser, consistency loss ≈ gradient penalty, Hutchinson's
 * estimate of the penalty and FGM (kexue.fm/archives/7466; science.md §1.3 E1, E2, E3, E5). */
#include <math.h>
#include <stdio.h>

#include "mpisweep/experiment.h"
#include "noise.h"

enum { NP_MODEL, NP_INPUTS, NP_OUTPUTS, NP_NOISE, NP_SAMPLES, NP_A, NP_Y, NP_FGM_STEP };
enum { STREAM_NOISE = 0, STREAM_RADEMACHER = 1, STREAM_GAUSS_PROBE = 2 };
enum { BATCH_ROWS = 256 };

/* Same order as sw_noise_model. */
static const char *const model_names[] = {"sin_mse", "tanh_mse", "softmax_kl", "linear_mse", NULL};

static const sw_param np_params[] = {
    [NP_MODEL] = {.name = "model", .type = SW_CHOICE, .def = SW_NOISE_TANH_MSE, .choices = model_names, .unit = "1",
                  .help = "sin_mse: exact scalar test sin(w·x), |w| = 1; tanh_mse, softmax_kl, linear_mse: the "
                          "deterministic A, x, b of science.md E2"},
    [NP_INPUTS] = {.name = "inputs", .type = SW_INT, .min = 1, .max = 10000, .def = 20, .unit = "1",
                   .help = "input dimension d of the vector models (ignored by sin_mse)"},
    [NP_OUTPUTS] = {.name = "outputs", .type = SW_INT, .min = 2, .max = 1000, .def = 5, .unit = "1",
                    .help = "output dimension k of the vector models (softmax_kl: at most 5; ignored by sin_mse)"},
    [NP_NOISE] = {.name = "noise", .type = SW_REAL, .min = 0, .max = 1, .min_open = true, .def = 0.1, .unit = "1",
                  .help = "input noise standard deviation sigma (= s for sin_mse)"},
    [NP_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 2, .max = 1e9, .def = 20000, .unit = "1",
                    .help = "Monte-Carlo draws: noise pairs +-eps, and probes for each Hutchinson estimator"},
    [NP_A] = {.name = "a", .type = SW_REAL, .min = -1e6, .max = 1e6, .def = 0.7, .unit = "1",
              .help = "sin_mse: the pre-activation a = w·x"},
    [NP_Y] = {.name = "y", .type = SW_REAL, .min = -1e6, .max = 1e6, .def = 0.3, .unit = "1",
              .help = "sin_mse: the target y"},
    [NP_FGM_STEP] = {.name = "fgm_step", .type = SW_REAL, .min = 0, .max = 10, .min_open = true, .def = 0.01,
                     .unit = "1", .help = "FGM step e along the loss gradient g (and along g/|g|)"},
};

enum {
    O_CLEAN, O_NOISY, O_NOISY_SE, O_NOISY_EXACT, O_TAYLOR, O_TAYLOR_REL,
    O_CONS, O_CONS_SE, O_CONS_EXACT, O_PENALTY, O_RATIO, O_RATIO_SE, O_RATIO_EXACT,
    O_RAD, O_RAD_SE, O_RAD_EXACT, O_RAD_VAR, O_RAD_VAR_SE, O_RAD_VAR_EXACT,
    O_GAU, O_GAU_SE, O_GAU_EXACT, O_GAU_VAR, O_GAU_VAR_SE, O_GAU_VAR_EXACT,
    O_GRAD2, O_FGM, O_FGM_NORMALIZED,
};

/* Every output is a scalar. */
#define SCALAR(output_name, output_unit, output_help) {.name = output_name, .unit = output_unit, .help = output_help}

static const sw_output np_outputs[] = {
    [O_CLEAN] = SCALAR("clean_loss", "1", "l(f(x), y) without noise"),
    [O_NOISY] = SCALAR("noisy_loss", "1", "Monte-Carlo E l(f(x+eps), y), eps ~ N(0, noise^2 I)"),
    [O_NOISY_SE] = SCALAR("noisy_loss_se", "1", "standard error of noisy_loss"),
    [O_NOISY_EXACT] = SCALAR("noisy_loss_exact", "1",
                       "E l(f(x+eps), y): closed form (sin, linear) or quadrature to ~1e-10 (tanh, softmax)"),
    [O_TAYLOR] = SCALAR("taylor_loss", "1", "second-order prediction l + (noise^2/2) Laplacian_x l"),
    [O_TAYLOR_REL] = SCALAR("taylor_rel_error", "1",
                      "relative error of the predicted increase: (taylor - exact)/(exact - clean)"),
    [O_CONS] = SCALAR("consistency_loss", "1", "Monte-Carlo label-free loss E l(f(x+eps), f(x))"),
    [O_CONS_SE] = SCALAR("consistency_loss_se", "1", "standard error of consistency_loss"),
    [O_CONS_EXACT] = SCALAR("consistency_loss_exact", "1", "E l(f(x+eps), f(x)) by closed form or quadrature"),
    [O_PENALTY] = SCALAR("gradient_penalty", "1",
                   "(noise^2/2) sum_i lambda_i |grad f_i|^2: noise^2 |J|_F^2 (MSE), (noise^2/2) tr H (KL)"),
    [O_RATIO] = SCALAR("consistency_ratio", "1", "consistency_loss / gradient_penalty (tends to 1 as noise -> 0)"),
    [O_RATIO_SE] = SCALAR("consistency_ratio_se", "1", "standard error of consistency_ratio"),
    [O_RATIO_EXACT] = SCALAR("consistency_ratio_exact", "1", "consistency_loss_exact / gradient_penalty"),
    [O_RAD] = SCALAR("hutch_rademacher", "1", "Hutchinson mean of |G^T eta|^2, eta Rademacher (estimates |G|_F^2)"),
    [O_RAD_SE] = SCALAR("hutch_rademacher_se", "1", "standard error of hutch_rademacher"),
    [O_RAD_EXACT] = SCALAR("hutch_rademacher_exact", "1",
                     "|G|_F^2: |J|_F^2 (MSE models) or sum_i p_i |grad log p_i|^2 = tr H (softmax_kl)"),
    [O_RAD_VAR] = SCALAR("hutch_rademacher_var", "1", "sample variance of one Rademacher probe |G^T eta|^2"),
    [O_RAD_VAR_SE] = SCALAR("hutch_rademacher_var_se", "1", "standard error of hutch_rademacher_var"),
    [O_RAD_VAR_EXACT] = SCALAR("hutch_rademacher_var_exact", "1", "2 sum_{i!=j} M_ij^2, M = G G^T"),
    [O_GAU] = SCALAR("hutch_gauss", "1", "Hutchinson mean of |G^T eta|^2, eta standard normal (estimates |G|_F^2)"),
    [O_GAU_SE] = SCALAR("hutch_gauss_se", "1", "standard error of hutch_gauss"),
    [O_GAU_EXACT] = SCALAR("hutch_gauss_exact", "1", "|G|_F^2 (same as hutch_rademacher_exact)"),
    [O_GAU_VAR] = SCALAR("hutch_gauss_var", "1", "sample variance of one Gaussian probe |G^T eta|^2"),
    [O_GAU_VAR_SE] = SCALAR("hutch_gauss_var_se", "1", "standard error of hutch_gauss_var"),
    [O_GAU_VAR_EXACT] = SCALAR("hutch_gauss_var_exact", "1", "2 |M|_F^2, M = G G^T"),
    [O_GRAD2] = SCALAR("grad_norm2", "1", "|g|^2, g = grad_x l(f(x), y)"),
    [O_FGM] = SCALAR("fgm_ratio", "1", "[l(x + e g) - l(x)] / (e |g|^2): 1 + O(e) (undefined if g = 0)"),
    [O_FGM_NORMALIZED] = SCALAR("fgm_normalized_ratio", "1", "[l(x + e g/|g|) - l(x)] / (e |g|): 1 + O(e)"),
};

/* The model's effective sizes: sin_mse reduces to k = d = 1, since only w·ε ~ N(0, σ²) matters. */
static void sizes(const sw_value *param, size_t *k, size_t *d) {
    bool scalar = param[NP_MODEL].integer == SW_NOISE_SIN_MSE;
    *k = scalar ? 1 : (size_t)param[NP_OUTPUTS].integer;
    *d = scalar ? 1 : (size_t)param[NP_INPUTS].integer;
}

typedef struct np_work {
    double *A, *x, *b, *z, *fz, *label, *G, *M, *scratch, *exact, *eps, *mc, *eta, *W;
} np_work;

/* n doubles at the next 64-byte boundary of base (NULL base: only count). */
static double *take(void *base, size_t *offset, size_t n) {
    double *p = base ? (double *)(void *)((char *)base + *offset) : NULL;
    *offset += (n * sizeof(double) + 63) / 64 * 64;
    return p;
}

static size_t np_layout(const sw_value *param, void *base, np_work *w) {
    size_t k, d, off = 0;
    sizes(param, &k, &d);
    w->A = take(base, &off, k * d);
    w->x = take(base, &off, d);
    w->b = take(base, &off, k);
    w->z = take(base, &off, k);
    w->fz = take(base, &off, k);
    w->label = take(base, &off, k);
    w->G = take(base, &off, k * d);
    w->M = take(base, &off, k * k);
    w->scratch = take(base, &off, d + 3 * k);
    w->exact = take(base, &off, sw_noise_exact_work_size(k));
    w->eps = take(base, &off, BATCH_ROWS * d);
    w->mc = take(base, &off, sw_noise_mc_work_size(k, BATCH_ROWS));
    w->eta = take(base, &off, BATCH_ROWS * k);
    w->W = take(base, &off, BATCH_ROWS * d);
    return off;
}

static size_t np_workspace_bytes(const sw_value *param) {
    np_work w;
    return np_layout(param, NULL, &w);
}

static bool np_check(const sw_value *param, char *msg, size_t msg_size) {
    if (param[NP_MODEL].integer == SW_NOISE_SOFTMAX_KL && param[NP_OUTPUTS].integer > SW_NOISE_SOFTMAX_EXACT_MAX_K) {
        snprintf(msg, msg_size,
                 "model softmax_kl allows outputs <= %d (its exact reference is a product quadrature over "
                 "outputs - 1 dimensions); got outputs = %lld",
                 (int)SW_NOISE_SOFTMAX_EXACT_MAX_K, (long long)param[NP_OUTPUTS].integer);
        return false;
    }
    return true;
}

/* The model at its clean input, and its label: sin_mse's (a, y); for the vector models the E2 configuration with
 * targets linspace(−0.5, 0.5, k) (science.md E5) or, for softmax_kl, class 0. */
static sw_noise_problem np_setup(const sw_value *param, const np_work *w) {
    size_t k, d;
    sizes(param, &k, &d);
    sw_noise_model model = (sw_noise_model)param[NP_MODEL].integer;
    if (model == SW_NOISE_SIN_MSE) {
        w->A[0] = 1.0;
        w->z[0] = param[NP_A].real;
        w->label[0] = param[NP_Y].real;
    } else {
        sw_noise_config(k, d, w->A, w->x, w->b);
        for (size_t i = 0; i < k; i++) {
            double zi = w->b[i];
            for (size_t j = 0; j < d; j++) zi += w->A[i * d + j] * w->x[j];
            w->z[i] = zi;
            w->label[i] = model == SW_NOISE_SOFTMAX_KL ? (i == 0) : -0.5 + (double)i / (double)(k - 1);
        }
    }
    sw_noise_activate(model, k, w->z, w->fz);
    return (sw_noise_problem){.model = model, .k = k, .d = d, .A = w->A, .z = w->z, .fz = w->fz};
}

/* The Monte-Carlo part: noise pairs for the two losses, and the two Hutchinson estimators. */
static void np_monte_carlo(const sw_task *t, const sw_noise_problem *pr, const np_work *w, sw_moments *noisy,
                           sw_moments *cons, sw_power_sums *rad, sw_power_sums *gau) {
    sw_rng noise, rademacher, gauss;
    sw_rng_init(&noise, &t->key, STREAM_NOISE);
    sw_rng_init(&rademacher, &t->key, STREAM_RADEMACHER);
    sw_rng_init(&gauss, &t->key, STREAM_GAUSS_PROBE);
    double sigma = t->param[NP_NOISE].real;
    for (int64_t left = t->param[NP_SAMPLES].integer; left > 0; left -= BATCH_ROWS) {
        size_t rows = left < BATCH_ROWS ? (size_t)left : BATCH_ROWS;
        sw_rng_fill_normal(&noise, w->eps, rows * pr->d);
        sw_noise_mc_batch(pr, w->label, sigma, w->eps, rows, w->mc, noisy, cons);
        sw_rng_fill_rademacher(&rademacher, w->eta, rows * pr->k);
        sw_hutchinson_batch(pr->k, pr->d, w->G, w->eta, rows, w->W, rad);
        sw_rng_fill_normal(&gauss, w->eta, rows * pr->k);
        sw_hutchinson_batch(pr->k, pr->d, w->G, w->eta, rows, w->W, gau);
    }
}

static sw_outcome np_run(const sw_task *t) {
    np_work w;
    np_layout(t->param, t->work, &w);
    sw_noise_problem pr = np_setup(t->param, &w);
    double sigma = t->param[NP_NOISE].real, *const *out = t->out;

    double clean = sw_noise_loss(&pr, w.label), noisy_increment, cons_exact;
    if (sw_noise_exact_increment(&pr, w.label, sigma, w.exact, &noisy_increment) != SW_OK ||
        sw_noise_exact_increment(&pr, w.fz, sigma, w.exact, &cons_exact) != SW_OK)
        return sw_task_fail(t, SW_TASK_NUMERICAL, "exact reference: %s", sw_error_message());
    double taylor_increment = 0.5 * sigma * sigma * sw_noise_laplacian(&pr, w.label, w.scratch);
    double weight = sw_noise_penalty_jacobian(&pr, w.G, w.scratch), frob2 = sw_frobenius2(pr.k, pr.d, w.G);
    double penalty = weight * sigma * sigma * frob2;

    sw_moments noisy, cons;
    sw_power_sums rad, gau;
    sw_moments_reset(&noisy);
    sw_moments_reset(&cons);
    sw_power_sums_reset(&rad, frob2);
    sw_power_sums_reset(&gau, frob2);
    np_monte_carlo(t, &pr, &w, &noisy, &cons, &rad, &gau);

    out[O_CLEAN][0] = clean;
    out[O_NOISY][0] = clean + noisy.mean;
    out[O_NOISY_SE][0] = sw_moments_se(&noisy);
    out[O_NOISY_EXACT][0] = clean + noisy_increment;
    out[O_TAYLOR][0] = clean + taylor_increment;
    out[O_TAYLOR_REL][0] = (taylor_increment - noisy_increment) / noisy_increment;
    out[O_CONS][0] = cons.mean;
    out[O_CONS_SE][0] = sw_moments_se(&cons);
    out[O_CONS_EXACT][0] = cons_exact;
    out[O_PENALTY][0] = penalty;
    out[O_RATIO][0] = cons.mean / penalty;
    out[O_RATIO_SE][0] = sw_moments_se(&cons) / penalty;
    out[O_RATIO_EXACT][0] = cons_exact / penalty;
    out[O_RAD][0] = sw_power_sums_mean(&rad);
    out[O_RAD_SE][0] = sw_power_sums_se(&rad);
    out[O_RAD_EXACT][0] = frob2;
    out[O_RAD_VAR][0] = sw_power_sums_var(&rad);
    out[O_RAD_VAR_SE][0] = sw_power_sums_var_se(&rad);
    out[O_RAD_VAR_EXACT][0] = sw_hutchinson_var_exact(pr.k, pr.d, w.G, 1, w.M);
    out[O_GAU][0] = sw_power_sums_mean(&gau);
    out[O_GAU_SE][0] = sw_power_sums_se(&gau);
    out[O_GAU_EXACT][0] = frob2;
    out[O_GAU_VAR][0] = sw_power_sums_var(&gau);
    out[O_GAU_VAR_SE][0] = sw_power_sums_var_se(&gau);
    out[O_GAU_VAR_EXACT][0] = sw_hutchinson_var_exact(pr.k, pr.d, w.G, 0, w.M);

    sw_fgm_result fgm;
    sw_noise_fgm(&pr, w.label, t->param[NP_FGM_STEP].real, w.scratch, &fgm);
    out[O_GRAD2][0] = fgm.grad_norm2;
    out[O_FGM][0] = fgm.ratio;
    out[O_FGM_NORMALIZED][0] = fgm.normalized_ratio;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_noise_penalty = {
    .name = "noise_penalty",
    .version = 1,
    .summary = "input noise vs its Laplacian expansion, consistency loss vs gradient penalty, Hutchinson, FGM",
    .article = "kexue.fm/archives/7466: 泛化性乱弹：从随机噪声、梯度惩罚到虚拟对抗训练 (2020-06-01)",
    .params = np_params,
    .n_params = SW_COUNT(np_params),
    .outputs = np_outputs,
    .n_outputs = SW_COUNT(np_outputs),
    .workspace_bytes = np_workspace_bytes,
    .check = np_check,
    .run = np_run,
};
