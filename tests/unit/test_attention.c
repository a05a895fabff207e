/* test_attention.c: the attention_rank kernels and experiment against science.md section 2 (kexue.fm/7325).
 *
 * References: exact ranks min(n, d, k) and min(n, h k) (E1, E4); the Marchenko-Pastur residual table (E2),
 * recomputed at other points by this file's own quadrature in the variable u = sqrt(lambda); the Monte-Carlo
 * residual table (E2, n = 64, with its standard errors); deterministic matrices with known singular values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "mpisweep/experiment.h"
#include "mpisweep/rng.h"
#include "mpisweep/spec.h"
#include "task_harness.h"

/* ---- helpers ---- */

static const sw_rng_key test_key = {.seed = 7325, .hash = {0xa77e, 0x2020}, .replicate = 0};

typedef struct svd_ws {
    size_t n, lwork;
    double *s, *work;
    int *iwork;
} svd_ws;

static svd_ws svd_alloc(size_t n) {
    svd_ws w = {.n = n, .lwork = sw_attn_svd_lwork(n)};
    w.s = malloc(n * sizeof(double));
    w.work = malloc(w.lwork * sizeof(double));
    w.iwork = malloc(8 * n * sizeof(int));
    assert_non_null(w.s);
    assert_non_null(w.work);
    assert_non_null(w.iwork);
    return w;
}

static void svd_free(svd_ws *w) {
    free(w->s);
    free(w->work);
    free(w->iwork);
}

static void svd_values(svd_ws *w, double *a) {
    assert_int_equal(sw_attn_singular_values(w->n, a, w->s, w->work, w->lwork, w->iwork), SW_OK);
}

static double *normals(sw_rng *r, size_t count) {
    double *x = malloc(count * sizeof(double));
    assert_non_null(x);
    sw_rng_fill_normal(r, x, count);
    return x;
}

static void assert_close_rel(double got, double want, double rel) {
    double tol = rel * fmax(1.0, fabs(want));
    if (!(fabs(got - want) <= tol)) fail_msg("got %.17g, want %.17g (tolerance %.3g)", got, want, tol);
}

static void assert_within(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.10g, want %.10g +- %.3g", what, got, want, tol);
}

/* ---- Marchenko-Pastur residual ---- */

/* The reference: with lambda = u^2, rho(lambda) d lambda = sqrt(4 - u^2) / pi du and
 * lambda rho d lambda = u^2 sqrt(4 - u^2) / pi du, integrated by adaptive Simpson (not the code's angle form). */
static double mp_mass_density(double u) { return sqrt(fmax(0.0, 4.0 - u * u)) / M_PI; }
static double mp_first_moment_density(double u) { return u * u * sqrt(fmax(0.0, 4.0 - u * u)) / M_PI; }

static double simpson_step(double (*f)(double), double a, double b, double fa, double fm, double fb, double whole,
                           double tol, int depth) {
    double m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b);
    double flm = f(lm), frm = f(rm);
    double left = (m - a) / 6.0 * (fa + 4.0 * flm + fm), right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    if (depth <= 0 || fabs(left + right - whole) <= 15.0 * tol) return left + right + (left + right - whole) / 15.0;
    return simpson_step(f, a, m, fa, flm, fm, left, tol / 2.0, depth - 1) +
           simpson_step(f, m, b, fm, frm, fb, right, tol / 2.0, depth - 1);
}

static double simpson(double (*f)(double), double a, double b) {
    double fa = f(a), fb = f(b), fm = f(0.5 * (a + b));
    return simpson_step(f, a, b, fa, fm, fb, (b - a) / 6.0 * (fa + 4.0 * fm + fb), 1e-15, 60);
}

static double mp_residual_reference(double alpha) {
    double lo = 0.0, hi = 2.0; /* u at which the mass above is alpha */
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
        double mid = 0.5 * (lo + hi);
        if (simpson(mp_mass_density, mid, 2.0) > alpha) lo = mid;
        else hi = mid;
    }
    return simpson(mp_first_moment_density, 0.0, 0.5 * (lo + hi));
}

static void test_mp_residual_table(void **state) {
    (void)state;
    static const double alpha[] = {1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 3.0 / 4};
    static const double table[] = {0.79013, 0.62414, 0.37709, 0.10627, 0.01295}; /* science.md 2.3 E2 */
    for (size_t i = 0; i < 5; i++) assert_within(sw_attn_mp_residual(alpha[i]), table[i], 5.01e-6, "MP table");
    assert_true(sw_attn_mp_residual(0.0) == 1.0);
    assert_true(sw_attn_mp_residual(1.0) == 0.0);
    assert_true(sw_attn_mp_residual(1.5) == 0.0);
}

static void test_mp_residual_quadrature(void **state) {
    (void)state;
    static const double alpha[] = {0.01, 0.1, 0.2, 1.0 / 3, 0.45, 0.6, 0.9, 0.99};
    for (size_t i = 0; i < SW_COUNT(alpha); i++)
        assert_close_rel(sw_attn_mp_residual(alpha[i]), mp_residual_reference(alpha[i]), 1e-10);
}

/* ---- deterministic matrices ---- */

/* A column-major n x n matrix U diag(d) V^T with U, V orthonormal DCT-II matrices: its
 * singular values are |d| sorted. Built with plain loops so it does not rely on the code under test. */
static double *known_spectrum(size_t n, const double *d) {
    double *a = calloc(n * n, sizeof(double)), *u = calloc(n * n, sizeof(double)), *v = calloc(n * n, sizeof(double));
    assert_non_null(a);
    /* Orthogonal DCT-II matrices (rows orthonormal), one transposed: exact in exact arithmetic. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double c = (i == 0 ? sqrt(1.0 / n) : sqrt(2.0 / n)) * cos(M_PI * (double)i * (2.0 * j + 1.0) / (2.0 * n));
            u[i + j * n] = c;
            v[j + i * n] = c;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double sum = 0.0;
            for (size_t r = 0; r < n; r++) sum += u[i + r * n] * d[r] * v[j + r * n];
            a[i + j * n] = sum;
        }
    free(u);
    free(v);
    return a;
}

static void test_singular_values_known(void **state) {
    (void)state;
    size_t n = 9;
    double d[] = {0.5, 3.0, 0.0, 7.0, 1.0, 0.25, 2.0, 0.0, 4.0};
    double sorted[] = {7.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.25, 0.0, 0.0};
    double *a = known_spectrum(n, d);
    svd_ws w = svd_alloc(n);
    svd_values(&w, a);
    for (size_t i = 0; i < n; i++) assert_within(w.s[i], sorted[i], 1e-13, "singular value");
    assert_int_equal(sw_attn_numerical_rank(w.s, n, 1e-9), 7);
    double frob2 = 0.0;
    for (size_t i = 0; i < n; i++) frob2 += d[i] * d[i];
    /* Eckart-Young residuals from the known spectrum: sum of the squares beyond the k largest. */
    for (size_t k = 0; k <= n; k++) {
        double tail = 0.0;
        for (size_t i = k; i < n; i++) tail += sorted[i] * sorted[i];
        assert_close_rel(sw_attn_rank_k_residual(w.s, n, k, frob2), tail / frob2, 1e-12);
    }
    svd_free(&w);
    free(a);
}

static void test_numerical_rank_cutoff(void **state) {
    (void)state;
    double s[] = {10.0, 1.0, 2e-8, 1e-9, 1e-12, 0.0};
    assert_int_equal(sw_attn_numerical_rank(s, 6, 1e-9), 3);  /* cut-off 1e-8 */
    assert_int_equal(sw_attn_numerical_rank(s, 6, 1e-11), 4);
    assert_int_equal(sw_attn_numerical_rank(s, 6, 0.5), 1);
    double zero[] = {0.0, 0.0};
    assert_int_equal(sw_attn_numerical_rank(zero, 2, 1e-9), 0);
}

static void test_centre_and_softmax(void **state) {
    (void)state;
    size_t n = 6;
    double a[36];
    for (size_t i = 0; i < 36; i++) a[i] = sin(1.0 + (double)i * 0.7) * 3.0;
    double frob2 = sw_attn_centre_columns(n, a), check = 0.0;
    for (size_t j = 0; j < n; j++) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            sum += a[i + j * n];
            check += a[i + j * n] * a[i + j * n];
        }
        assert_within(sum, 0.0, 1e-13, "centred column sum");
    }
    assert_close_rel(frob2, check, 1e-14);

    /* Column j holds logits (j, 0, ..., 0): p_1 = e^j / (e^j + n - 1), entropy in closed form. */
    double b[36] = {0};
    double want = 0.0;
    for (size_t j = 0; j < n; j++) {
        double x = (double)j, z = exp(x) + (double)(n - 1), p1 = exp(x) / z, q = 1.0 / z;
        b[j * n] = 2.0 * x; /* scale 0.5 below */
        want += -(p1 * log(p1) + (double)(n - 1) * q * log(q));
    }
    assert_close_rel(sw_attn_softmax_columns(n, b, 0.5), want / (double)n, 1e-13);
    for (size_t j = 0; j < n; j++) {
        double z = exp((double)j) + (double)(n - 1);
        assert_close_rel(b[j * n], exp((double)j) / z, 1e-14);
        assert_close_rel(b[1 + j * n], 1.0 / z, 1e-14);
    }
    /* Uniform attention: entropy log n, and the matrix 11^T/n has effective rank 1. */
    double c[36] = {0};
    assert_close_rel(sw_attn_softmax_columns(n, c, 1.0), log((double)n), 1e-14);
    svd_ws w = svd_alloc(n);
    svd_values(&w, c);
    assert_close_rel(sw_attn_effective_rank(w.s, n), 1.0, 1e-12);
    svd_free(&w);
    /* Large logits saturate without overflow. */
    double big[4] = {1e300, 0.0, 0.0, 1e300};
    assert_within(sw_attn_softmax_columns(2, big, 1.0), 0.0, 1e-300, "one-hot entropy");
}

static void test_effective_rank_known(void **state) {
    (void)state;
    double equal[5] = {2, 2, 2, 2, 2};
    assert_close_rel(sw_attn_effective_rank(equal, 5), 5.0, 1e-14);
    double two[3] = {3.0, 1.0, 0.0}; /* p = (3/4, 1/4, 0) */
    assert_close_rel(sw_attn_effective_rank(two, 3), exp(-(0.75 * log(0.75) + 0.25 * log(0.25))), 1e-14);
    double none[2] = {0, 0};
    assert_true(sw_attn_effective_rank(none, 2) == 0.0);
}

/* ---- logit products against plain loops ---- */

static void test_head_logits_naive(void **state) {
    (void)state;
    size_t n = 5, d = 4, k = 3;
    sw_rng r;
    sw_rng_init(&r, &test_key, 0);
    double *x = normals(&r, n * d), *w = normals(&r, d * 2 * k), qk[5 * 6], lt[25];
    sw_attn_head_logits(n, d, k, x, w, qk, lt);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double want = 0.0; /* (Q K^T)_{ij} = sum_c Q_ic K_jc; lt holds the transpose */
            for (size_t c = 0; c < k; c++) {
                double qi = 0.0, kj = 0.0;
                for (size_t e = 0; e < d; e++) {
                    qi += x[i + e * n] * w[e + c * d];
                    kj += x[j + e * n] * w[e + (k + c) * d];
                }
                want += qi * kj;
            }
            assert_close_rel(lt[j + i * n], want, 1e-12);
        }
    free(x);
    free(w);
}

static void test_talking_heads_naive(void **state) {
    (void)state;
    size_t n = 6, h = 3, k = 2;
    sw_rng r;
    sw_rng_init(&r, &test_key, 1);
    double *q = normals(&r, n * h * k), *km = normals(&r, n * h * k), *lambda = normals(&r, h);
    double q0[36], j_out[36];
    memcpy(q0, q, sizeof q0);
    sw_attn_talking_heads_logits(n, h, k, q, km, lambda, j_out);
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            double want = 0.0;
            for (size_t head = 0; head < h; head++)
                for (size_t c = head * k; c < (head + 1) * k; c++) want += lambda[head] * q0[a + c * n] * km[b + c * n];
            assert_close_rel(j_out[a + b * n], want, 1e-12);
        }
    free(q);
    free(km);
    free(lambda);
}

/* ---- E1 and E4: exact ranks ---- */

static size_t head_rank(size_t n, size_t d, size_t k, double cutoff, sw_rng *r) {
    double *x = normals(r, n * d), *w = normals(r, d * 2 * k);
    double *qk = malloc(n * 2 * k * sizeof(double)), *lt = malloc(n * n * sizeof(double));
    sw_attn_head_logits(n, d, k, x, w, qk, lt);
    svd_ws ws = svd_alloc(n);
    svd_values(&ws, lt);
    size_t rank = sw_attn_numerical_rank(ws.s, n, cutoff);
    svd_free(&ws);
    free(x);
    free(w);
    free(qk);
    free(lt);
    return rank;
}

static size_t min3(size_t a, size_t b, size_t c) { return a < b ? (a < c ? a : c) : (b < c ? b : c); }

static void test_logit_rank_exact(void **state) {
    (void)state;
    /* science.md 2.3 E1 (n, d, k) -> rank with the brief's cut-off 1e-9, then points not in the table with the
     * experiment's default cut-off, including square X (d = n), whose logits have condition number ~kappa(X)^2,
     * each drawn 10 times. */
    static const size_t table[][4] = {{64, 128, 16, 16}, {64, 128, 64, 64}, {64, 128, 100, 64}, {128, 64, 100, 64},
                                      {512, 768, 64, 64}};
    static const size_t others[][4] = {{100, 30, 50, 30}, {40, 200, 39, 39}, {33, 7, 7, 7},   {17, 17, 17, 17},
                                       {64, 64, 100, 64}, {2, 1, 1, 1},      {48, 48, 47, 47}};
    const sw_experiment *e = sw_experiment_find("attention_rank");
    double cutoff = e->params[sw_param_index(e, "rank_cutoff")].def;
    sw_rng r;
    sw_rng_init(&r, &test_key, 2);
    for (size_t i = 0; i < SW_COUNT(table); i++) {
        assert_int_equal(table[i][3], min3(table[i][0], table[i][1], table[i][2]));
        assert_int_equal(head_rank(table[i][0], table[i][1], table[i][2], 1e-9, &r), table[i][3]);
    }
    for (size_t i = 0; i < SW_COUNT(others); i++) {
        assert_int_equal(others[i][3], min3(others[i][0], others[i][1], others[i][2]));
        for (int rep = 0; rep < 10; rep++)
            assert_int_equal(head_rank(others[i][0], others[i][1], others[i][2], cutoff, &r), others[i][3]);
    }
}

static size_t talking_rank(size_t n, size_t h, size_t k, sw_rng *r) {
    double *q = normals(r, n * h * k), *km = normals(r, n * h * k), *lambda = normals(r, h);
    double *j = malloc(n * n * sizeof(double));
    sw_attn_talking_heads_logits(n, h, k, q, km, lambda, j);
    svd_ws ws = svd_alloc(n);
    svd_values(&ws, j);
    size_t rank = sw_attn_numerical_rank(ws.s, n, 1e-9);
    svd_free(&ws);
    free(q);
    free(km);
    free(lambda);
    free(j);
    return rank;
}

static void test_talking_heads_rank_exact(void **state) {
    (void)state;
    /* science.md 2.3 E4 (n, h, k) -> rank, then points not in the table. */
    static const size_t cases[][4] = {{64, 4, 8, 32}, {64, 8, 8, 64}, {64, 12, 4, 48}, {64, 16, 4, 64},
                                      {64, 16, 8, 64}, {50, 3, 7, 21}, {20, 5, 5, 20}, {64, 1, 8, 8},  {96, 7, 13, 91}};
    sw_rng r;
    sw_rng_init(&r, &test_key, 3);
    for (size_t i = 0; i < SW_COUNT(cases); i++) {
        size_t n = cases[i][0], hk = cases[i][1] * cases[i][2];
        assert_int_equal(cases[i][3], n < hk ? n : hk);
        assert_int_equal(talking_rank(n, cases[i][1], cases[i][2], &r), cases[i][3]);
    }
}

/* ---- E2: Monte-Carlo residuals ---- */

/* Mean and SE of the rank-k residual of centred n x n Gaussian targets, for all k at once. */
static void mc_residuals(size_t n, size_t draws, const size_t *ks, size_t nk, double *mean, double *se,
                         double *max_centred_rank) {
    sw_rng r;
    sw_rng_init(&r, &test_key, 4 + (uint32_t)n);
    double *a = malloc(n * n * sizeof(double)), *sum = calloc(nk, sizeof(double)), *sum2 = calloc(nk, sizeof(double));
    svd_ws ws = svd_alloc(n);
    *max_centred_rank = 0;
    for (size_t t = 0; t < draws; t++) {
        sw_rng_fill_normal(&r, a, n * n);
        double frob2 = sw_attn_centre_columns(n, a);
        svd_values(&ws, a);
        double rank = (double)sw_attn_numerical_rank(ws.s, n, 1e-9);
        if (rank > *max_centred_rank) *max_centred_rank = rank;
        for (size_t i = 0; i < nk; i++) {
            double v = sw_attn_rank_k_residual(ws.s, n, ks[i], frob2);
            sum[i] += v;
            sum2[i] += v * v;
        }
    }
    for (size_t i = 0; i < nk; i++) {
        mean[i] = sum[i] / (double)draws;
        double var = (sum2[i] - (double)draws * mean[i] * mean[i]) / (double)(draws - 1);
        se[i] = sqrt(fmax(var, 0.0) / (double)draws);
    }
    svd_free(&ws);
    free(a);
    free(sum);
    free(sum2);
}

static void test_residual_table_n64(void **state) {
    (void)state;
    /* science.md 2.3 E2: n = 64, 200 targets; the table's own SE enters the tolerance. */
    static const size_t ks[] = {1, 2, 4, 8, 16, 32, 48, 63, 64};
    static const double table[] = {0.94039, 0.88579, 0.78704, 0.61999, 0.37241, 0.10242, 0.01158};
    static const double table_se[] = {0.00018, 0.00027, 0.00036, 0.00046, 0.00047, 0.00026, 0.00007};
    double mean[9], se[9], rank;
    mc_residuals(64, 400, ks, 9, mean, se, &rank);
    assert_true(rank == 63.0); /* rank(L* H) = n - 1 */
    for (size_t i = 0; i < 7; i++) {
        double tol = 4.0 * sqrt(se[i] * se[i] + table_se[i] * table_se[i]);
        assert_within(mean[i], table[i], tol, "residual vs table");
        assert_within(mean[i], sw_attn_mp_residual((double)ks[i] / 63.0), 0.005, "residual vs MP, n = 64");
    }
    assert_true(mean[7] < 1e-20 && mean[8] == 0.0); /* k >= n - 1: exactly representable */
}

static void test_residual_mp_n128(void **state) {
    (void)state;
    /* A size not in the table: |MC - MP| < 0.005 for n >= 64 (science.md 2.3 E2). */
    static const size_t ks[] = {4, 16, 40, 64, 100, 127};
    double mean[6], se[6], rank;
    mc_residuals(128, 60, ks, 6, mean, se, &rank);
    assert_true(rank == 127.0);
    for (size_t i = 0; i < 5; i++)
        assert_within(mean[i], sw_attn_mp_residual((double)ks[i] / 127.0), 0.005, "residual vs MP, n = 128");
    assert_true(mean[5] < 1e-20);
}

/* ---- through the registry ---- */

/* attention_rank on its defaults with the given integer overrides, run as replicate 0 of a sweep seeded with seed;
 * it must succeed with finite outputs. */
static sw_test_task run_experiment(const char *const *names, const int64_t *values, size_t count, uint64_t seed) {
    sw_test_task t = sw_test_task_new("attention_rank");
    for (size_t i = 0; i < count; i++) sw_test_task_set_int(&t, names[i], values[i]);
    sw_test_task_run(&t, seed);
    return t;
}

static void test_schema(void **state) {
    (void)state;
    const sw_experiment *e = sw_experiment_find("attention_rank");
    assert_non_null(e);
    assert_non_null(strstr(e->article, "7325"));
    for (size_t o = 0; o < e->n_outputs; o++) {
        assert_true(e->outputs[o].unit && e->outputs[o].unit[0] && e->outputs[o].help && e->outputs[o].help[0]);
        assert_int_equal(sw_param_index(e, e->outputs[o].name), -1);
        size_t len = strlen(e->outputs[o].name);
        if (len > 3 && strcmp(e->outputs[o].name + len - 3, "_se") == 0) {
            char mean[64];
            snprintf(mean, sizeof mean, "%.*s", (int)(len - 3), e->outputs[o].name);
            assert_true(sw_output_index(e, mean) >= 0);
        }
    }
    static const char *const required[] = {"logit_rank",       "logit_rank_exact",        "residual",
                                           "residual_se",      "residual_mp",             "representable",
                                           "talking_heads_rank", "talking_heads_rank_exact", "attention_entropy",
                                           "attention_effective_rank"};
    for (size_t i = 0; i < SW_COUNT(required); i++) assert_true(sw_output_index(e, required[i]) >= 0);
}

static void test_registry_wiring(void **state) {
    (void)state;
    static const char *const names[] = {"seq_len", "key_size", "d_model", "heads", "draws"};
    /* Every parameter distinct, so a swapped parameter changes an exact output. */
    static const int64_t small[] = {32, 9, 6, 3, 12};
    sw_test_task r = run_experiment(names, small, 5, 1);
    assert_int_equal(r.outcome, SW_TASK_OK);
    assert_true(sw_test_task_scalar(&r, "logit_rank") == 6.0 && sw_test_task_scalar(&r, "logit_rank_se") == 0.0);
    assert_true(sw_test_task_scalar(&r, "logit_rank_exact") == 6.0);
    assert_true(sw_test_task_scalar(&r, "target_rank") == 31.0 && sw_test_task_scalar(&r, "target_rank_exact") == 31.0);
    assert_true(sw_test_task_scalar(&r, "talking_heads_rank") == 27.0 &&
                sw_test_task_scalar(&r, "talking_heads_rank_exact") == 27.0);
    assert_true(sw_test_task_scalar(&r, "representable") == 0.0);
    assert_close_rel(sw_test_task_scalar(&r, "residual_mp"), sw_attn_mp_residual(9.0 / 31.0), 1e-15);
    double res = sw_test_task_scalar(&r, "residual");
    assert_true(res > 0.0 && res < 1.0 && sw_test_task_scalar(&r, "residual_se") > 0.0);
    double h = sw_test_task_scalar(&r, "attention_entropy"), er = sw_test_task_scalar(&r, "attention_effective_rank");
    assert_true(h > 0.0 && h < log(32.0) && er >= 1.0 && er <= 32.0);
    sw_test_task_free(&r);

    static const int64_t full[] = {24, 23, 40, 2, 3}; /* k = n - 1: representable, residual 0 */
    r = run_experiment(names, full, 5, 2);
    assert_int_equal(r.outcome, SW_TASK_OK);
    assert_true(sw_test_task_scalar(&r, "representable") == 1.0 && sw_test_task_scalar(&r, "residual") < 1e-20 &&
                sw_test_task_scalar(&r, "residual_mp") == 0.0);
    assert_true(sw_test_task_scalar(&r, "logit_rank") == 23.0 && sw_test_task_scalar(&r, "talking_heads_rank") == 24.0);
    sw_test_task_free(&r);
}

static void test_registry_residual_statistics(void **state) {
    (void)state;
    /* science.md 2.3 E2 at n = 64, k = 16 and k = 4, through the registry. */
    static const char *const names[] = {"seq_len", "key_size", "draws"};
    static const int64_t k16[] = {64, 16, 300}, k4[] = {64, 4, 300};
    sw_test_task r = run_experiment(names, k16, 3, 11);
    double tol = 4.0 * sqrt(pow(sw_test_task_scalar(&r, "residual_se"), 2) + 0.00047 * 0.00047);
    assert_within(sw_test_task_scalar(&r, "residual"), 0.37241, tol, "registry residual k = 16");
    sw_test_task_free(&r);
    r = run_experiment(names, k4, 3, 12);
    tol = 4.0 * sqrt(pow(sw_test_task_scalar(&r, "residual_se"), 2) + 0.00036 * 0.00036);
    assert_within(sw_test_task_scalar(&r, "residual"), 0.78704, tol, "registry residual k = 4");
    sw_test_task_free(&r);
}

/* ---- the sweep specs ---- */

/* A tiny-spec task: its exact ranks hold, and the residual is 0 exactly when the target is representable. */
static void check_exact_ranks(const sw_test_task *r) {
    assert_int_equal(r->outcome, SW_TASK_OK);
    assert_true(sw_test_task_scalar(r, "logit_rank") == sw_test_task_scalar(r, "logit_rank_exact"));
    assert_true(sw_test_task_scalar(r, "target_rank") == sw_test_task_scalar(r, "target_rank_exact"));
    assert_true(sw_test_task_scalar(r, "talking_heads_rank") == sw_test_task_scalar(r, "talking_heads_rank_exact"));
    if (sw_test_task_scalar(r, "representable") == 1.0) assert_true(sw_test_task_scalar(r, "residual") < 1e-20);
    else assert_true(sw_test_task_scalar(r, "residual") > 1e-6);
}

/* jobs/attention.yaml loads and is about attention_rank; every task of jobs/tiny/attention.yaml runs through the
 * registry with the parameters and key the spec layer gives it, and its exact outputs hold. */
static void test_jobs(void **state) {
    (void)state;
    static const char *const experiments[] = {"attention_rank", NULL};
    sw_test_spec_file_uses(SW_JOBS_DIR "/attention.yaml", experiments);
    sw_test_run_spec_file(SW_JOBS_DIR "/tiny/attention.yaml", experiments, check_exact_ranks);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mp_residual_table),
        cmocka_unit_test(test_mp_residual_quadrature),
        cmocka_unit_test(test_singular_values_known),
        cmocka_unit_test(test_numerical_rank_cutoff),
        cmocka_unit_test(test_centre_and_softmax),
        cmocka_unit_test(test_effective_rank_known),
        cmocka_unit_test(test_head_logits_naive),
        cmocka_unit_test(test_talking_heads_naive),
        cmocka_unit_test(test_logit_rank_exact),
        cmocka_unit_test(test_talking_heads_rank_exact),
        cmocka_unit_test(test_residual_table_n64),
        cmocka_unit_test(test_residual_mp_n128),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_registry_wiring),
        cmocka_unit_test(test_registry_residual_statistics),
        cmocka_unit_test(test_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
