/* exp_hsic.c: HSIC estimators and independence tests (kexue.fm/archives/6910, science.md section 5).
 *
 * One task draws `draws` samples of n pairs (x, y), x ~ N(0,1), y from `relation` with noise s, builds Gaussian
 * kernel matrices exp(-d^2/g) with a fixed width or the median heuristic, and reports as means with standard
 * errors: the estimators HSIC_b, HSIC_a (the article's (n-1)^2 form) and HSIC_u (Song et al.'s U-statistic), the
 * rejection rates of Gretton's Gamma test, of a permutation test and of Pearson's t-test, and Pearson's r.
 * Beside them, the exact references: each estimator's expectation (exact for fixed widths), the expectations
 * under independence, the population HSIC and the population correlation.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "hsic.h"
#include "mpisweep/experiment.h"
#include "stats.h"

enum { P_RELATION, P_NOISE, P_FREQUENCY, P_BANDWIDTH, P_KERNEL_WIDTH, P_SAMPLES, P_DRAWS, P_PERMUTATIONS, P_ALPHA };
/* Streams: x, the noise (which is y itself for the independent relation), and the permutations. */
enum { STREAM_X = 0, STREAM_NOISE = 1, STREAM_PERMUTATION = 2 };
enum { BANDWIDTH_FIXED = 0, BANDWIDTH_MEDIAN = 1 };

/* A task must fit in memory on a node. */
#define MAX_WORKSPACE_BYTES ((size_t)4 << 30)

/* Same order as sw_hsic_relation. */
static const char *const relation_names[] = {"independent", "linear", "quadratic", "sine", NULL};
static const char *const bandwidth_names[] = {"fixed", "median", NULL};

static const sw_param params[] = {
    [P_RELATION] = {.name = "relation", .type = SW_CHOICE, .choices = relation_names, .def = SW_HSIC_LINEAR,
                    .unit = "1",
                    .help = "y given x ~ N(0,1): independent N(0,1), x + s eps, x^2 + s eps, or sin(omega x) + s eps"},
    [P_NOISE] = {.name = "noise", .type = SW_REAL, .min = 0, .max = 1e3, .def = 0.1, .unit = "1",
                 .help = "noise level s of y (ignored by the independent relation)"},
    [P_FREQUENCY] = {.name = "frequency", .type = SW_REAL, .min = 0, .max = 8, .min_open = true, .def = 1,
                     .unit = "1", .help = "omega of the sine relation (ignored by the others)"},
    [P_BANDWIDTH] = {.name = "bandwidth", .type = SW_CHOICE, .choices = bandwidth_names, .def = BANDWIDTH_FIXED,
                     .unit = "1",
                     .help = "kernel width g: fixed (kernel_width) or median (of the sample's pairwise d^2)"},
    [P_KERNEL_WIDTH] = {.name = "kernel_width", .type = SW_REAL, .min = 0.01, .max = 1e4, .def = 1, .unit = "1",
                        .help = "g of the kernels exp(-(a-b)^2/g) when bandwidth = fixed (the article: 1)"},
    [P_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 6, .max = 4096, .def = 200, .unit = "1",
                   .help = "n pairs per sample (>= 6 for Gretton's Gamma-test variance)"},
    [P_DRAWS] = {.name = "draws", .type = SW_INT, .min = 2, .max = 1e7, .def = 20, .unit = "1",
                 .help = "independent samples averaged in one task"},
    [P_PERMUTATIONS] = {.name = "permutations", .type = SW_INT, .min = 0, .max = 1e6, .def = 199, .unit = "1",
                        .help = "B random permutations of the permutation test (0 skips it: p = 1)"},
    [P_ALPHA] = {.name = "alpha", .type = SW_REAL, .min = 0, .max = 1, .min_open = true, .max_open = true,
                 .def = 0.05, .unit = "1", .help = "level of the three tests"},
};

enum {
    O_HSIC_B,
    O_HSIC_B_SE,
    O_HSIC_B_EXACT,
    O_HSIC_B_NULL,
    O_HSIC_A,
    O_HSIC_A_SE,
    O_HSIC_A_EXACT,
    O_HSIC_A_NULL,
    O_HSIC_U,
    O_HSIC_U_SE,
    O_HSIC_U_EXACT,
    O_HSIC_POPULATION,
    O_REJECT_GAMMA,
    O_REJECT_GAMMA_SE,
    O_REJECT_PERM,
    O_REJECT_PERM_SE,
    O_REJECT_PERM_NULL,
    O_PEARSON_R,
    O_PEARSON_R_SE,
    O_PEARSON_RHO,
    O_REJECT_PEARSON,
    O_REJECT_PEARSON_SE,
    O_WIDTH_X,
    O_WIDTH_X_SE,
    O_WIDTH_X_POPULATION,
    O_WIDTH_Y,
    O_WIDTH_Y_SE,
    O_WIDTH_Y_POPULATION,
};

#define AT_POP_WIDTHS " (exact for fixed widths; at the population widths for median)"
static const sw_output outputs[] = {
    [O_HSIC_B] = {"hsic_b", "1", "mean of HSIC_b = tr(KHLH)/n^2, the V-statistic"},
    [O_HSIC_B_SE] = {"hsic_b_se", "1", "standard error of hsic_b"},
    [O_HSIC_B_EXACT] = {"hsic_b_exact", "1", "E HSIC_b" AT_POP_WIDTHS},
    [O_HSIC_B_NULL] = {"hsic_b_null", "1", "E HSIC_b under independence, (n-1)(1-mu_x)(1-mu_y)/n^2" AT_POP_WIDTHS},
    [O_HSIC_A] = {"hsic_a", "1", "mean of HSIC_a = tr(KHLH)/(n-1)^2, the article's form (biased, O(1/n))"},
    [O_HSIC_A_SE] = {"hsic_a_se", "1", "standard error of hsic_a"},
    [O_HSIC_A_EXACT] = {"hsic_a_exact", "1", "E HSIC_a" AT_POP_WIDTHS},
    [O_HSIC_A_NULL] = {"hsic_a_null", "1", "E HSIC_a under independence, (1-mu_x)(1-mu_y)/(n-1)" AT_POP_WIDTHS},
    [O_HSIC_U] = {"hsic_u", "1", "mean of the unbiased U-statistic HSIC_u (Song et al. 2012); 0 in expectation "
                                 "under independence"},
    [O_HSIC_U_SE] = {"hsic_u_se", "1", "standard error of hsic_u"},
    [O_HSIC_U_EXACT] = {"hsic_u_exact", "1", "E HSIC_u = population HSIC" AT_POP_WIDTHS},
    [O_HSIC_POPULATION] = {"hsic_population", "1",
                           "population HSIC at the fixed widths, or at the population median widths"},
    [O_REJECT_GAMMA] = {"reject_gamma", "1", "rejection rate at level alpha of Gretton's Gamma-approximation test"},
    [O_REJECT_GAMMA_SE] = {"reject_gamma_se", "1", "standard error of reject_gamma"},
    [O_REJECT_PERM] = {"reject_perm", "1", "rejection rate of the permutation test, p = (1 + #{T_b >= T})/(1 + B)"},
    [O_REJECT_PERM_SE] = {"reject_perm_se", "1", "standard error of reject_perm"},
    [O_REJECT_PERM_NULL] = {"reject_perm_null", "1",
                            "exact size of the permutation test under independence, floor(alpha (B+1))/(B+1)"},
    [O_PEARSON_R] = {"pearson_r", "1", "mean sample Pearson correlation of x and y"},
    [O_PEARSON_R_SE] = {"pearson_r_se", "1", "standard error of pearson_r"},
    [O_PEARSON_RHO] = {"pearson_rho", "1", "population correlation of x and y (0 for the quadratic relation)"},
    [O_REJECT_PEARSON] = {"reject_pearson", "1",
                          "rejection rate of the two-sided t-test of zero correlation (its null law assumes "
                          "independence, so it exceeds alpha for the uncorrelated quadratic relation)"},
    [O_REJECT_PEARSON_SE] = {"reject_pearson_se", "1", "standard error of reject_pearson"},
    [O_WIDTH_X] = {"width_x", "1", "mean kernel width g_x used for x"},
    [O_WIDTH_X_SE] = {"width_x_se", "1", "standard error of width_x"},
    [O_WIDTH_X_POPULATION] = {"width_x_population", "1", "kernel_width, or the population median of (x1-x2)^2"},
    [O_WIDTH_Y] = {"width_y", "1", "mean kernel width g_y used for y"},
    [O_WIDTH_Y_SE] = {"width_y_se", "1", "standard error of width_y"},
    [O_WIDTH_Y_POPULATION] = {"width_y_population", "1", "kernel_width, or the population median of (y1-y2)^2"},
};

typedef struct config {
    sw_hsic_model model;
    bool median;
    double width, alpha;
    size_t n, perms;
} config;

static config config_of(const sw_value *p) {
    return (config){
        .model = {.relation = (sw_hsic_relation)p[P_RELATION].integer, .noise = p[P_NOISE].real,
                  .frequency = p[P_FREQUENCY].real},
        .median = p[P_BANDWIDTH].integer == BANDWIDTH_MEDIAN,
        .width = p[P_KERNEL_WIDTH].real,
        .alpha = p[P_ALPHA].real,
        .n = (size_t)p[P_SAMPLES].integer,
        .perms = (size_t)p[P_PERMUTATIONS].integer,
    };
}

static size_t workspace_bytes(const sw_value *p) {
    config c = config_of(p);
    size_t n = c.n;
    size_t bytes = 2 * sw_work_bytes(n * sizeof(double))         /* x, y */
                   + 2 * sw_work_bytes(n * n * sizeof(double))   /* K, L */
                   + sw_work_bytes(2 * n * sizeof(double))       /* row sums */
                   + sw_work_bytes(n * sizeof(size_t));          /* a permutation */
    if (c.median) bytes += sw_work_bytes(n * (n - 1) / 2 * sizeof(double)); /* selection buffer */
    return bytes;
}

static bool check(const sw_value *p, char *msg, size_t msg_size) {
    size_t bytes = workspace_bytes(p);
    if (bytes <= MAX_WORKSPACE_BYTES) return true;
    snprintf(msg, msg_size, "samples = %lld needs %.1f GiB of workspace per task; the limit is %.0f GiB",
             (long long)p[P_SAMPLES].integer, (double)bytes / (1 << 30), (double)MAX_WORKSPACE_BYTES / (1 << 30));
    return false;
}

typedef struct buffers {
    double *x, *y, *k, *l, *sums, *select;
    size_t *perm;
} buffers;

static buffers carve(void *work, const config *c) {
    char *cur = work;
    size_t n = c->n;
    buffers b;
    b.x = sw_work_take(&cur, n * sizeof(double));
    b.y = sw_work_take(&cur, n * sizeof(double));
    b.k = sw_work_take(&cur, n * n * sizeof(double));
    b.l = sw_work_take(&cur, n * n * sizeof(double));
    b.sums = sw_work_take(&cur, 2 * n * sizeof(double));
    b.perm = sw_work_take(&cur, n * sizeof(size_t));
    b.select = c->median ? sw_work_take(&cur, n * (n - 1) / 2 * sizeof(double)) : NULL;
    return b;
}

/* Per-draw quantities, accumulated into running moments; each one's mean and SE go to adjacent outputs. */
enum { M_B, M_A, M_U, M_GAMMA, M_PERM, M_R, M_PEARSON, M_WIDTH_X, M_WIDTH_Y, M_COUNT };
static const int mean_slot[M_COUNT] = {
    [M_B] = O_HSIC_B,           [M_A] = O_HSIC_A,       [M_U] = O_HSIC_U,
    [M_GAMMA] = O_REJECT_GAMMA, [M_PERM] = O_REJECT_PERM, [M_R] = O_PEARSON_R,
    [M_PEARSON] = O_REJECT_PEARSON, [M_WIDTH_X] = O_WIDTH_X, [M_WIDTH_Y] = O_WIDTH_Y,
};

/* Squared distances of the n values v into dist, turned into a Gaussian kernel matrix; returns the width. */
static double kernel_matrix(const config *c, const buffers *b, const double *v, double *dist) {
    sw_hsic_sq_distances(c->n, 1, v, dist);
    double g = c->median ? sw_hsic_median_distance(c->n, dist, b->select) : c->width;
    sw_hsic_gauss_kernel(c->n, dist, g);
    return g;
}

/* Monte-Carlo permutation test (exact level for any B): reject when (1 + #{T_b >= T}) / (1 + B) <= alpha. */
static bool permutation_reject(const config *c, const buffers *b, double observed, sw_rng *rng) {
    size_t at_least = 0;
    for (size_t i = 0; i < c->perms; i++) {
        sw_rng_permutation(rng, b->perm, c->n);
        if (sw_hsic_perm_statistic(c->n, b->k, b->l, b->perm) >= observed) at_least++;
    }
    return (double)(1 + at_least) / (double)(1 + c->perms) <= c->alpha;
}

/* One sample of n pairs: the per-draw quantities into m. A zero width (all distances equal, impossible for
 * continuous data) is reported as a numerical failure. */
static bool one_draw(const config *c, const buffers *b, sw_rng *rx, sw_rng *rn, sw_rng *rp, double *m) {
    sw_rng_fill_normal(rx, b->x, c->n);
    sw_rng_fill_normal(rn, b->y, c->n);
    sw_hsic_relate(&c->model, c->n, b->x, b->y, b->y);
    double r = sw_hsic_pearson(c->n, b->x, b->y);
    m[M_R] = r;
    m[M_PEARSON] = sw_hsic_pearson_reject(c->n, r, c->alpha);
    m[M_WIDTH_X] = kernel_matrix(c, b, b->x, b->k);
    m[M_WIDTH_Y] = kernel_matrix(c, b, b->y, b->l);
    if (!(m[M_WIDTH_X] > 0.0) || !(m[M_WIDTH_Y] > 0.0)) return false;
    sw_hsic_estimates e;
    sw_hsic_estimate(c->n, b->k, b->l, b->sums, &e);
    m[M_B] = e.hsic_b;
    m[M_A] = e.hsic_a;
    m[M_U] = e.hsic_u;
    m[M_GAMMA] = sw_hsic_gamma_reject(c->n, &e, c->alpha);
    m[M_PERM] = permutation_reject(c, b, e.trace, rp);
    return true;
}

/* The deterministic references, from the population moments at the fixed or population median widths. */
static void write_references(const sw_task *t, const config *c) {
    double gx = c->median ? sw_hsic_median_width_x() : c->width;
    double gy = c->median ? sw_hsic_median_width_y(&c->model) : c->width;
    sw_hsic_moments pop = sw_hsic_population_moments(&c->model, gx, gy);
    sw_hsic_moments null = {.mu_x = pop.mu_x, .mu_y = pop.mu_y, .a = pop.mu_x * pop.mu_y, .b = pop.mu_x * pop.mu_y};
    double dn = (double)c->n, tr = sw_hsic_expected_trace(c->n, &pop), tr0 = sw_hsic_expected_trace(c->n, &null);
    t->out[O_HSIC_B_EXACT][0] = tr / (dn * dn);
    t->out[O_HSIC_A_EXACT][0] = tr / ((dn - 1.0) * (dn - 1.0));
    t->out[O_HSIC_B_NULL][0] = tr0 / (dn * dn);
    t->out[O_HSIC_A_NULL][0] = tr0 / ((dn - 1.0) * (dn - 1.0));
    t->out[O_HSIC_U_EXACT][0] = t->out[O_HSIC_POPULATION][0] = sw_hsic_population(&pop);
    t->out[O_REJECT_PERM_NULL][0] = floor(c->alpha * (double)(c->perms + 1)) / (double)(c->perms + 1);
    t->out[O_PEARSON_RHO][0] = sw_hsic_population_correlation(&c->model);
    t->out[O_WIDTH_X_POPULATION][0] = gx;
    t->out[O_WIDTH_Y_POPULATION][0] = gy;
}

static sw_outcome run(const sw_task *t) {
    config c = config_of(t->param);
    buffers b = carve(t->work, &c);
    sw_rng rx, rn, rp;
    sw_rng_init(&rx, &t->key, STREAM_X);
    sw_rng_init(&rn, &t->key, STREAM_NOISE);
    sw_rng_init(&rp, &t->key, STREAM_PERMUTATION);
    sw_moments mom[M_COUNT];
    for (int i = 0; i < M_COUNT; i++) sw_moments_reset(&mom[i]);

    for (int64_t draw = 0; draw < t->param[P_DRAWS].integer; draw++) {
        double m[M_COUNT];
        if (!one_draw(&c, &b, &rx, &rn, &rp, m))
            return sw_task_fail(t, SW_TASK_NUMERICAL, "draw %lld: a kernel width of 0 (all distances equal)",
                                (long long)draw);
        for (int i = 0; i < M_COUNT; i++) sw_moments_add(&mom[i], m[i]);
    }
    for (int i = 0; i < M_COUNT; i++) {
        t->out[mean_slot[i]][0] = mom[i].mean;
        t->out[mean_slot[i] + 1][0] = sw_moments_se(&mom[i]);
    }
    write_references(t, &c);
    return SW_TASK_OK;
}

const sw_experiment sw_exp_hsic = {
    .name = "hsic",
    .version = 1,
    .summary = "HSIC estimators (biased, (n-1)^2, unbiased) and Gamma/permutation/Pearson tests of independence",
    .article = "kexue.fm/archives/6910: HSIC简介：一个有意思的判断相关性的思路 (2019-08-26)",
    .params = params,
    .n_params = SW_COUNT(params),
    .outputs = outputs,
    .n_outputs = SW_COUNT(outputs),
    .workspace_bytes = workspace_bytes,
    .check = check,
    .run = run,
};
