/* exp_vat.c: virtual adversarial training: finite-difference power iteration towards the top eigenvector of the
 * consistency loss's Hessian, and the adversarial versus random loss at a radius (kexue.fm/archives/7466;
 * science.md §1.3 E4). */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "mpisweep/experiment.h"
#include "noise.h"
#include "vat.h"

enum { VAT_INPUTS, VAT_OUTPUTS, VAT_ITERATIONS, VAT_XI, VAT_EPSILON, VAT_START, VAT_SAMPLES };
enum { STREAM_START = 0, STREAM_DIRECTION = 1 };
enum { START_DETERMINISTIC, START_RANDOM };
enum { BATCH_ROWS = 256 };

static const char *const start_names[] = {"deterministic", "random", NULL};

static const sw_param vat_params[] = {
    [VAT_INPUTS] = {.name = "inputs", .type = SW_INT, .min = 2, .max = 1000, .def = 20, .unit = "1",
                    .help = "input dimension d of the softmax model of science.md E2"},
    [VAT_OUTPUTS] = {.name = "outputs", .type = SW_INT, .min = 2, .max = 1000, .def = 5, .unit = "1",
                     .help = "number of classes k (H has rank <= k - 1)"},
    [VAT_ITERATIONS] = {.name = "iterations", .type = SW_INT, .min = 0, .max = 10000, .def = 1, .unit = "1",
                        .help = "power iterations r (r = 0: the start direction itself, i.e. random noise)"},
    [VAT_XI] = {.name = "xi", .type = SW_REAL, .min = 0, .max = 100, .min_open = true, .def = 1e-6, .unit = "1",
                .help = "finite-difference step of H u ~ grad l(x + xi u)/xi (the article's Keras code uses 10)"},
    [VAT_EPSILON] = {.name = "epsilon", .type = SW_REAL, .min = 0, .max = 10, .min_open = true, .def = 0.1,
                     .unit = "1", .help = "adversarial radius: the perturbation is epsilon times a unit direction"},
    [VAT_START] = {.name = "start", .type = SW_CHOICE, .def = START_DETERMINISTIC, .choices = start_names,
                   .unit = "1", .help = "u0 = 1/sqrt(d) (deterministic) or g/|g|, g ~ N(0, I), per sample (random)"},
    [VAT_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 2, .max = 1e8, .def = 2000, .unit = "1",
                     .help = "random directions for random_loss, and random starts when start = random"},
};

enum {
    O_COS, O_COS_SE, O_COS_EXACT, O_ENVELOPE, O_FD_DEV, O_FD_DEV_SE,
    O_LAMBDA_MAX, O_LAMBDA_2, O_TRACE, O_RAYLEIGH, O_RAYLEIGH_SE,
    O_ADV, O_ADV_SE, O_ADV_PRED, O_TOP, O_TOP_PRED, O_RANDOM, O_RANDOM_SE, O_RANDOM_PRED, O_GAIN_PRED,
};

/* Every output is a scalar. */
#define SCALAR(output_name, output_unit, output_help) {.name = output_name, .unit = output_unit, .help = output_help}

static const sw_output vat_outputs[] = {
    [O_COS] = SCALAR("cos_top", "1", "|cos(u_r, v1)| of the finite-difference iterate and H's top eigenvector "
                                     "(mean over starts when start = random)"),
    [O_COS_SE] = SCALAR("cos_top_se", "1", "standard error of cos_top (0 for the deterministic start)"),
    [O_COS_EXACT] = SCALAR("cos_top_exact", "1",
                           "|cos| after r exact power steps (random start: its expectation, a 1-d integral)"),
    [O_ENVELOPE] = SCALAR("envelope", "1", "|lambda_2/lambda_max|^r, the power method's convergence envelope"),
    [O_FD_DEV] = SCALAR("fd_deviation", "1", "|u_r(finite difference) - u_r(exact product)|, same start"),
    [O_FD_DEV_SE] = SCALAR("fd_deviation_se", "1", "standard error of fd_deviation"),
    [O_LAMBDA_MAX] = SCALAR("lambda_max", "1", "largest eigenvalue of H = A^T (diag p - p p^T) A"),
    [O_LAMBDA_2] = SCALAR("lambda_2", "1", "second largest eigenvalue of H"),
    [O_TRACE] = SCALAR("trace_h", "1", "tr H"),
    [O_RAYLEIGH] = SCALAR("rayleigh", "1", "u_r^T H u_r, the iterate's estimate of lambda_max"),
    [O_RAYLEIGH_SE] = SCALAR("rayleigh_se", "1", "standard error of rayleigh"),
    [O_ADV] = SCALAR("adv_loss", "1", "KL(p || q(x + epsilon u_r)): the VAT perturbation's loss"),
    [O_ADV_SE] = SCALAR("adv_loss_se", "1", "standard error of adv_loss"),
    [O_ADV_PRED] = SCALAR("adv_loss_pred", "1", "(epsilon^2/2) u_r^T H u_r, its second-order prediction"),
    [O_TOP] = SCALAR("top_loss", "1", "KL(p || q(x +- epsilon v1)) for the worse sign, v1 H's exact top eigenvector"),
    [O_TOP_PRED] = SCALAR("top_loss_pred", "1", "(epsilon^2/2) lambda_max"),
    [O_RANDOM] = SCALAR("random_loss", "1", "mean KL(p || q(x + epsilon v)) over uniformly random unit v"),
    [O_RANDOM_SE] = SCALAR("random_loss_se", "1", "standard error of random_loss"),
    [O_RANDOM_PRED] = SCALAR("random_loss_pred", "1", "(epsilon^2/2) tr H / d"),
    [O_GAIN_PRED] = SCALAR("gain_pred", "1", "d lambda_max / tr H: adversarial over random loss, to second order"),
};

typedef struct vat_work {
    double *A, *x, *b, *z, *p, *H, *V, *lambda, *eigen, *u, *u_exact, *starts, *scratch, *hessian_scratch;
    double *rows_exact, *rows_h, *obs, *rows_work; /* a batch of starts or directions at once */
} vat_work;

/* n doubles at the next 64-byte boundary of base (NULL base: only count). */
static double *take(void *base, size_t *offset, size_t n) {
    double *p = base ? (double *)(void *)((char *)base + *offset) : NULL;
    *offset += (n * sizeof(double) + 63) / 64 * 64;
    return p;
}

static size_t vat_layout(const sw_value *param, void *base, vat_work *w) {
    size_t k = (size_t)param[VAT_OUTPUTS].integer, d = (size_t)param[VAT_INPUTS].integer, off = 0;
    w->A = take(base, &off, k * d);
    w->x = take(base, &off, d);
    w->b = take(base, &off, k);
    w->z = take(base, &off, k);
    w->p = take(base, &off, k);
    w->H = take(base, &off, d * d);
    w->V = take(base, &off, d * d);
    w->lambda = take(base, &off, d);
    w->eigen = take(base, &off, sw_symmetric_eigen_work_size(d));
    w->u = take(base, &off, d);
    w->u_exact = take(base, &off, d);
    w->starts = take(base, &off, BATCH_ROWS * d);
    w->scratch = take(base, &off, d + 2 * k);
    w->hessian_scratch = take(base, &off, k * d + d);
    w->rows_exact = take(base, &off, BATCH_ROWS * d);
    w->rows_h = take(base, &off, BATCH_ROWS * d);
    w->obs = take(base, &off, 4 * BATCH_ROWS);
    w->rows_work = take(base, &off, sw_vat_rows_work_size(k, d, BATCH_ROWS));
    return off;
}

static size_t vat_workspace_bytes(const sw_value *param) {
    vat_work w;
    return vat_layout(param, NULL, &w);
}

/* Power-iteration results, accumulated over starts. */
typedef struct vat_acc {
    sw_moments cos, deviation, rayleigh, adv;
} vat_acc;

/* Runs both power iterations from each of the unit vectors in the rows of starts (rows × d, overwritten by the
 * finite-difference iterates) and records one observation per row. Every product of the batch is one dgemm. */
static bool vat_observe_rows(const sw_task *t, const vat_work *w, double *starts, size_t rows, vat_acc *acc) {
    size_t k = (size_t)t->param[VAT_OUTPUTS].integer, d = (size_t)t->param[VAT_INPUTS].integer;
    long r = (long)t->param[VAT_ITERATIONS].integer;
    const double *v1 = w->V + (d - 1) * d;
    double *u = starts, *ue = w->rows_exact, *hu = w->rows_h;
    double *cos_top = w->obs, *deviation = cos_top + rows, *rayleigh = deviation + rows, *adv = rayleigh + rows;
    memcpy(ue, u, rows * d * sizeof *ue);
    if (!sw_vat_power_fd_rows(k, d, w->A, w->p, t->param[VAT_XI].real, r, u, rows, w->rows_work) ||
        !sw_vat_power_exact_rows(d, w->H, r, ue, rows, w->rows_work))
        return false;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d, (int)d, 1.0, u, (int)d, w->H, (int)d,
                0.0, hu, (int)d);
    for (size_t i = 0; i < rows; i++) {
        const double *ui = u + i * d, *ei = ue + i * d, *hi = hu + i * d;
        double c = 0.0, dev = 0.0, ray = 0.0;
        for (size_t j = 0; j < d; j++) {
            c += ui[j] * v1[j];
            dev += (ui[j] - ei[j]) * (ui[j] - ei[j]);
            ray += ui[j] * hi[j];
        }
        cos_top[i] = fabs(c);
        deviation[i] = sqrt(dev);
        rayleigh[i] = ray;
    }
    sw_vat_kl_rows(k, d, w->A, w->p, u, rows, t->param[VAT_EPSILON].real, adv, w->rows_work);
    sw_moments_add_array(&acc->cos, cos_top, rows);
    sw_moments_add_array(&acc->deviation, deviation, rows);
    sw_moments_add_array(&acc->rayleigh, rayleigh, rows);
    sw_moments_add_array(&acc->adv, adv, rows);
    return true;
}

/* Each row of w->starts (rows×d) normalised to a unit vector (Gaussian rows give uniform directions). */
static void normalize_rows(double *rows_data, size_t rows, size_t d) {
    for (size_t r = 0; r < rows; r++) {
        double *row = rows_data + r * d, norm = cblas_dnrm2((int)d, row, 1);
        for (size_t j = 0; j < d; j++) row[j] /= norm;
    }
}

static bool vat_power_iterations(const sw_task *t, const vat_work *w, vat_acc *acc) {
    size_t d = (size_t)t->param[VAT_INPUTS].integer;
    if (t->param[VAT_START].integer == START_DETERMINISTIC) {
        for (size_t j = 0; j < d; j++) w->starts[j] = 1.0 / sqrt((double)d);
        return vat_observe_rows(t, w, w->starts, 1, acc);
    }
    sw_rng rng;
    sw_rng_init(&rng, &t->key, STREAM_START);
    for (int64_t left = t->param[VAT_SAMPLES].integer; left > 0; left -= BATCH_ROWS) {
        size_t rows = left < BATCH_ROWS ? (size_t)left : BATCH_ROWS;
        sw_rng_fill_normal(&rng, w->starts, rows * d);
        normalize_rows(w->starts, rows, d);
        if (!vat_observe_rows(t, w, w->starts, rows, acc)) return false;
    }
    return true;
}

static void vat_random_directions(const sw_task *t, const vat_work *w, sw_moments *loss) {
    size_t k = (size_t)t->param[VAT_OUTPUTS].integer, d = (size_t)t->param[VAT_INPUTS].integer;
    sw_rng rng;
    sw_rng_init(&rng, &t->key, STREAM_DIRECTION);
    for (int64_t left = t->param[VAT_SAMPLES].integer; left > 0; left -= BATCH_ROWS) {
        size_t rows = left < BATCH_ROWS ? (size_t)left : BATCH_ROWS;
        sw_rng_fill_normal(&rng, w->starts, rows * d);
        normalize_rows(w->starts, rows, d);
        sw_vat_kl_rows(k, d, w->A, w->p, w->starts, rows, t->param[VAT_EPSILON].real, w->obs, w->rows_work);
        sw_moments_add_array(loss, w->obs, rows);
    }
}

/* The model, H and its eigen-data. */
static sw_status vat_setup(const sw_value *param, const vat_work *w) {
    size_t k = (size_t)param[VAT_OUTPUTS].integer, d = (size_t)param[VAT_INPUTS].integer;
    sw_noise_config(k, d, w->A, w->x, w->b);
    memcpy(w->z, w->b, k * sizeof *w->z);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)d, 1.0, w->A, (int)d, w->x, 1, 1.0, w->z, 1);
    sw_noise_activate(SW_NOISE_SOFTMAX_KL, k, w->z, w->p);
    sw_vat_hessian(k, d, w->A, w->p, w->H, w->hessian_scratch);
    memcpy(w->V, w->H, d * d * sizeof *w->V);
    return sw_symmetric_eigen(d, w->V, w->lambda, w->eigen);
}

/* The exact counterpart of cos_top: the power method's |cos| from 1/√d, or its expectation over random starts. */
static double vat_cos_exact(const sw_task *t, const vat_work *w) {
    size_t d = (size_t)t->param[VAT_INPUTS].integer;
    long r = (long)t->param[VAT_ITERATIONS].integer;
    if (t->param[VAT_START].integer == START_RANDOM) return sw_vat_random_start_cos(d, w->lambda, d - 1, r);
    for (size_t j = 0; j < d; j++) w->u_exact[j] = 1.0 / sqrt((double)d);
    if (!sw_vat_power_exact(d, w->H, r, w->u_exact, w->scratch)) return NAN;
    return fabs(cblas_ddot((int)d, w->u_exact, 1, w->V + (d - 1) * d, 1));
}

static sw_outcome vat_run(const sw_task *t) {
    vat_work w;
    vat_layout(t->param, t->work, &w);
    size_t k = (size_t)t->param[VAT_OUTPUTS].integer, d = (size_t)t->param[VAT_INPUTS].integer;
    double eps = t->param[VAT_EPSILON].real, half_eps2 = 0.5 * eps * eps, *const *out = t->out;
    if (vat_setup(t->param, &w) != SW_OK)
        return sw_task_fail(t, SW_TASK_NUMERICAL, "eigen-decomposition of H: %s", sw_error_message());
    double lambda_max = w.lambda[d - 1], lambda_2 = w.lambda[d - 2], trace = 0.0;
    for (size_t j = 0; j < d; j++) trace += w.H[j * d + j];

    vat_acc acc;
    sw_moments random;
    sw_moments_reset(&acc.cos);
    sw_moments_reset(&acc.deviation);
    sw_moments_reset(&acc.rayleigh);
    sw_moments_reset(&acc.adv);
    sw_moments_reset(&random);
    if (!vat_power_iterations(t, &w, &acc))
        return sw_task_fail(t, SW_TASK_NUMERICAL, "power iteration reached the null space of H (Hu = 0)");
    vat_random_directions(t, &w, &random);
    bool single = acc.cos.n < 2.0; /* deterministic start: one observation, no spread */

    out[O_COS][0] = acc.cos.mean;
    out[O_COS_SE][0] = single ? 0.0 : sw_moments_se(&acc.cos);
    out[O_COS_EXACT][0] = vat_cos_exact(t, &w);
    out[O_ENVELOPE][0] = pow(fabs(lambda_2 / lambda_max), (double)t->param[VAT_ITERATIONS].integer);
    out[O_FD_DEV][0] = acc.deviation.mean;
    out[O_FD_DEV_SE][0] = single ? 0.0 : sw_moments_se(&acc.deviation);
    out[O_LAMBDA_MAX][0] = lambda_max;
    out[O_LAMBDA_2][0] = lambda_2;
    out[O_TRACE][0] = trace;
    out[O_RAYLEIGH][0] = acc.rayleigh.mean;
    out[O_RAYLEIGH_SE][0] = single ? 0.0 : sw_moments_se(&acc.rayleigh);
    out[O_ADV][0] = acc.adv.mean;
    out[O_ADV_SE][0] = single ? 0.0 : sw_moments_se(&acc.adv);
    out[O_ADV_PRED][0] = half_eps2 * acc.rayleigh.mean;
    /* v1's sign is arbitrary; the adversary takes the worse one, which makes the output sign-free. */
    const double *v1 = w.V + (d - 1) * d;
    out[O_TOP][0] = fmax(sw_vat_kl(k, d, w.A, w.p, v1, eps, w.scratch), sw_vat_kl(k, d, w.A, w.p, v1, -eps,
                                                                                 w.scratch));
    out[O_TOP_PRED][0] = half_eps2 * lambda_max;
    out[O_RANDOM][0] = random.mean;
    out[O_RANDOM_SE][0] = sw_moments_se(&random);
    out[O_RANDOM_PRED][0] = half_eps2 * trace / (double)d;
    out[O_GAIN_PRED][0] = (double)d * lambda_max / trace;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_vat = {
    .name = "vat",
    .version = 1,
    .summary = "VAT: finite-difference power iteration to H's top eigenvector; adversarial vs random loss",
    .article = "kexue.fm/archives/7466: 泛化性乱弹：从随机噪声、梯度惩罚到虚拟对抗训练 (2020-06-01)",
    .params = vat_params,
    .n_params = SW_COUNT(vat_params),
    .outputs = vat_outputs,
    .n_outputs = SW_COUNT(vat_outputs),
    .workspace_bytes = vat_workspace_bytes,
    .run = vat_run,
};
