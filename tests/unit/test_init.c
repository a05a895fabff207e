/* test_init.c: orthogonality of randomly initialised matrices (science.md section 3, E1-E3) against exact
 * references: the table of E||W^T W - I||_F^2, exhaustive enumeration of small Rademacher matrices (an exact
 * expectation computed without the formula), matrices whose singular values are known in closed form, power
 * iteration, and Monte-Carlo within 4 standard errors. Spectral quantities are finite-n approximations of the
 * Marchenko-Pastur limits and are checked as science.md says: within 10 % for n >= 100, monotone in n. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initgeom.h"
#include "task_harness.h"

static void assert_rel(double got, double want, double rel, const char *what) {
    double tol = rel * (want != 0.0 ? fabs(want) : 1.0);
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.15g, want %.15g (tolerance %.3g)", what, got, want, tol);
}

static void assert_within_se(double est, double exact, double se, double k, const char *what) {
    if (!(fabs(est - exact) <= k * se))
        fail_msg("%s: estimate %.10g, exact %.10g, |z| = %.2f > %.1f (SE %.3g)", what, est, exact,
                 fabs(est - exact) / se, k, se);
}

static const char *dist_name(sw_init_dist d) {
    static const char *const names[] = {"gauss", "uniform", "rademacher"};
    return names[d];
}

/* ---- exact formulas ---- */

static void test_frob_exact_table(void **state) {
    (void)state;
    static const struct { double m, n, gauss, uniform, rademacher; } table[] = { /* science.md 3.3 E1 */
        {10, 10, 11, 9.8, 9},       {100, 100, 101, 99.8, 99}, {400, 100, 25.25, 24.95, 24.75},
        {1000, 100, 10.1, 9.98, 9.9}, {100, 10, 1.1, 0.98, 0.9},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        assert_rel(sw_init_frob_dev_exact(SW_INIT_GAUSS, table[i].m, table[i].n), table[i].gauss, 1e-12, "gauss");
        assert_rel(sw_init_frob_dev_exact(SW_INIT_UNIFORM, table[i].m, table[i].n), table[i].uniform, 1e-12, "uniform");
        assert_rel(sw_init_frob_dev_exact(SW_INIT_RADEMACHER, table[i].m, table[i].n), table[i].rademacher, 1e-12,
                   "rademacher");
    }
    /* the article's metric mean((W^T W - I)^2) for square Gaussian W: (n+1)/n^2, 0.0101 at n = 100 */
    assert_rel(sw_init_frob_dev_exact(SW_INIT_GAUSS, 100, 100) / 1e4, 0.0101, 1e-12, "article's metric");
    for (double n = 3; n < 3000; n *= 3.7)
        assert_rel(sw_init_frob_dev_exact(SW_INIT_GAUSS, n, n) / (n * n), (n + 1) / (n * n), 1e-12, "(n+1)/n^2");
}

static void test_mp_limits(void **state) {
    (void)state;
    static const struct { double m, n, spec, smin, smax; } table[] = { /* science.md 3.3 E2 and 2 sqrt c + c */
        {100, 100, 3, 0, 2}, {400, 100, 1.25, 0.5, 1.5}, {1600, 100, 0.5625, 0.75, 1.25},
        {6400, 100, 0.265625, 0.875, 1.125}, {100, 400, 8, 1, 3},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        assert_rel(sw_mp_spectral_dev_limit(table[i].m, table[i].n), table[i].spec, 1e-14, "MP spectral limit");
        assert_rel(sw_mp_sigma_min_limit(table[i].m, table[i].n), table[i].smin, 1e-14, "MP sigma_min limit");
        assert_rel(sw_mp_sigma_max_limit(table[i].m, table[i].n), table[i].smax, 1e-14, "MP sigma_max limit");
    }
}

/* All 2^(m n) sign matrices, each equally likely: exact expectations of the Frobenius deviation and of the norm
 * ratio's mean and variance for fixed x, computed with the kernels and compared with the closed forms. */
static void enumerate_rademacher(size_t m, size_t n, const double *x) {
    size_t cells = m * n, count = (size_t)1 << cells;
    double w[16], work[64], y[4], ratio, frob = 0.0, r1 = 0.0, r2 = 0.0, s = 1.0 / sqrt((double)m);
    assert_true(cells <= 16 && sw_orth_measure_work_doubles(n) <= 64 && m <= 4);
    for (size_t bits = 0; bits < count; bits++) {
        for (size_t k = 0; k < cells; k++) w[k] = (bits >> k) & 1 ? s : -s;
        sw_orth_measure meas;
        assert_int_equal(sw_orth_measure_matrix(w, m, n, work, &meas), SW_OK);
        frob += meas.frob_dev;
        sw_norm_ratios(w, m, n, x, 1, y, &ratio);
        r1 += ratio;
        r2 += ratio * ratio;
    }
    double N = (double)count, dm = (double)m, dn = (double)n, xx = 0.0, x4 = 0.0;
    for (size_t j = 0; j < n; j++) {
        xx += x[j] * x[j];
        x4 += pow(x[j], 4);
    }
    double kappa = x4 / (xx * xx);
    assert_rel(frob / N, sw_init_frob_dev_exact(SW_INIT_RADEMACHER, dm, dn), 1e-12, "enumerated E frob");
    assert_rel(r1 / N, 1.0, 1e-12, "enumerated E ratio");
    /* the closed form m(2/m^2 + (mu4 - 3/m^2) kappa) with Rademacher mu4 = 1/m^2 */
    double var_formula = dm * (2.0 / (dm * dm) - 2.0 / (dm * dm) * kappa);
    double var = r2 / N - (r1 / N) * (r1 / N);
    if (fabs(var_formula) < 1e-15) assert_true(fabs(var) < 1e-14);
    else assert_rel(var, var_formula, 1e-10, "enumerated Var ratio");
}

static void test_rademacher_enumeration(void **state) {
    (void)state;
    double x3[] = {1, 2, -1}, e1[] = {1, 0, 0}, ones[] = {1, 1, 1, 1}, x2[] = {0.3, -2};
    enumerate_rademacher(2, 3, x3);
    enumerate_rademacher(3, 3, x3);
    enumerate_rademacher(3, 3, e1);   /* kappa = 1: ||W e_1||^2 = 1 exactly */
    enumerate_rademacher(4, 4, ones); /* kappa = 1/n, the Rademacher probe */
    enumerate_rademacher(4, 2, x2);
    enumerate_rademacher(2, 4, ones); /* m < n */
    /* and the library's probe-specific variances agree with kappa */
    assert_rel(sw_init_norm_ratio_var_exact(SW_INIT_RADEMACHER, SW_PROBE_RADEMACHER, 4, 4), 4 * (2.0 / 16 - 2.0 / 64),
               1e-14, "rademacher probe");
    assert_true(sw_init_norm_ratio_var_exact(SW_INIT_RADEMACHER, SW_PROBE_BASIS, 7, 3) == 0.0);
    for (int p = 0; p < 3; p++)
        assert_rel(sw_init_norm_ratio_var_exact(SW_INIT_GAUSS, (sw_probe)p, 50, 9), 2.0 / 50, 1e-14, "gauss: 2/m");
    assert_rel(sw_init_norm_ratio_var_exact(SW_INIT_UNIFORM, SW_PROBE_GAUSS, 10, 8),
               10 * (2.0 / 100 - 1.2 / 100 * 3.0 / 10.0), 1e-14, "uniform with gauss probes, E kappa = 3/(n+2)");
}

/* ---- deterministic matrices ---- */

static void test_measure_known_matrices(void **state) {
    (void)state;
    double work[256];
    sw_orth_measure r;
    /* Hadamard / 2 is orthogonal */
    double h[16] = {1, 1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1};
    for (int i = 0; i < 16; i++) h[i] *= 0.5;
    assert_int_equal(sw_orth_measure_matrix(h, 4, 4, work, &r), SW_OK);
    assert_true(fabs(r.frob_dev) < 1e-28 && fabs(r.spectral_dev) < 1e-14);
    assert_rel(r.sigma_min, 1.0, 1e-14, "Hadamard sigma_min");
    assert_rel(r.sigma_max, 1.0, 1e-14, "Hadamard sigma_max");
    /* diag(0.5, 2, 1.2) on top of two zero rows: W^T W = diag(0.25, 4, 1.44) */
    double d[15] = {0};
    d[0] = 0.5, d[5 + 1] = 2.0, d[10 + 2] = 1.2;
    assert_int_equal(sw_orth_measure_matrix(d, 5, 3, work, &r), SW_OK);
    assert_rel(r.frob_dev, 0.5625 + 9.0 + 0.1936, 1e-13, "diag frob");
    assert_rel(r.spectral_dev, 3.0, 1e-13, "diag spectral");
    assert_rel(r.sigma_min, 0.5, 1e-13, "diag sigma_min");
    assert_rel(r.sigma_max, 2.0, 1e-13, "diag sigma_max");
    /* general 2 x 2 [[a, b], [c, d]] (column-major {a, c, b, d}): eigenvalues of W^T W in closed form */
    double a = 0.7, b = -0.4, c = 1.3, e = 0.2, w2[4] = {a, c, b, e};
    double p = a * a + c * c, q = b * b + e * e, o = a * b + c * e, mid = 0.5 * (p + q);
    double rad = sqrt(0.25 * (p - q) * (p - q) + o * o), lmin = mid - rad, lmax = mid + rad;
    assert_int_equal(sw_orth_measure_matrix(w2, 2, 2, work, &r), SW_OK);
    assert_rel(r.frob_dev, (p - 1) * (p - 1) + (q - 1) * (q - 1) + 2 * o * o, 1e-13, "2x2 frob");
    assert_rel(r.spectral_dev, fmax(fabs(lmin - 1), fabs(lmax - 1)), 1e-13, "2x2 spectral");
    assert_rel(r.sigma_min, sqrt(lmin), 1e-12, "2x2 sigma_min");
    assert_rel(r.sigma_max, sqrt(lmax), 1e-13, "2x2 sigma_max");
    /* m < n: a 1 x 3 row v has W^T W = v^T v, eigenvalues |v|^2, 0, 0, and one singular value |v| */
    double v[3] = {0.6, -1.2, 0.9}, vv = 0.36 + 1.44 + 0.81, frob = 0.0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) frob += pow(v[i] * v[j] - (i == j), 2);
    assert_int_equal(sw_orth_measure_matrix(v, 1, 3, work, &r), SW_OK);
    assert_rel(r.frob_dev, frob, 1e-13, "row frob");
    assert_rel(r.spectral_dev, fmax(1.0, vv - 1.0), 1e-13, "row spectral");
    assert_rel(r.sigma_min, sqrt(vv), 1e-13, "row sigma_min");
    assert_rel(r.sigma_max, sqrt(vv), 1e-13, "row sigma_max");
}

/* A dense deterministic 30 x 20 matrix: Frobenius by a naive triple loop, sigma_max by power iteration. */
static void test_measure_dense_matrix(void **state) {
    (void)state;
    enum { M = 30, N = 20 };
    static double w[M * N], g[N * N], work[N * N + 3 * N + 2];
    for (int j = 0; j < N; j++)
        for (int i = 0; i < M; i++) w[i + j * M] = sin(0.37 * i * j + 1.3 * i + 0.7 * j + 1.0) / sqrt((double)M);
    double frob = 0.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < M; k++) s += w[k + i * M] * w[k + j * M];
            g[i + j * N] = s;
            frob += (s - (i == j)) * (s - (i == j));
        }
    double x[N], y[N], lambda = 0.0;
    for (int i = 0; i < N; i++) x[i] = 1.0 + 0.01 * i;
    for (int it = 0; it < 5000; it++) {
        double norm = 0.0;
        for (int i = 0; i < N; i++) {
            y[i] = 0.0;
            for (int j = 0; j < N; j++) y[i] += g[i + j * N] * x[j];
            norm += y[i] * y[i];
        }
        norm = sqrt(norm);
        lambda = 0.0;
        for (int i = 0; i < N; i++) lambda += x[i] * y[i]; /* Rayleigh quotient, x of unit norm after it 0 */
        for (int i = 0; i < N; i++) x[i] = y[i] / norm;
    }
    sw_orth_measure r;
    assert_true(sw_orth_measure_work_doubles(N) <= sizeof work / sizeof work[0]);
    assert_int_equal(sw_orth_measure_matrix(w, M, N, work, &r), SW_OK);
    assert_rel(r.frob_dev, frob, 1e-12, "dense frob");
    assert_rel(r.sigma_max, sqrt(lambda), 1e-10, "dense sigma_max by power iteration");
    assert_true(r.sigma_min > 0.0 && r.sigma_min < r.sigma_max);
}

static void test_norm_ratios_deterministic(void **state) {
    (void)state;
    enum { M = 7, N = 5, P = 3 };
    double w[M * N], x[N * P], y[M * P], ratio[P];
    for (int k = 0; k < M * N; k++) w[k] = cos(1.7 * k);
    for (int k = 0; k < N * P; k++) x[k] = sin(0.9 * k + 0.3);
    x[2 * N + 0] = x[2 * N + 1] = x[2 * N + 2] = x[2 * N + 3] = x[2 * N + 4] = 0.0; /* a zero probe */
    sw_norm_ratios(w, M, N, x, P, y, ratio);
    for (int p = 0; p < 2; p++) {
        double xx = 0.0, yy = 0.0;
        for (int j = 0; j < N; j++) xx += x[p * N + j] * x[p * N + j];
        for (int i = 0; i < M; i++) {
            double s = 0.0;
            for (int j = 0; j < N; j++) s += w[i + j * M] * x[p * N + j];
            yy += s * s;
        }
        assert_rel(ratio[p], yy / xx, 1e-13, "norm ratio");
    }
    assert_true(ratio[2] == 1.0);
}

/* Entries have mean 0 and variance 1/m (and the probes their kappa), checked on one big draw. */
static void test_fill_moments(void **state) {
    (void)state;
    enum { M = 50, N = 4000 };
    static double w[M * N];
    sw_rng_key key = {.seed = 3};
    for (int d = 0; d < 3; d++) {
        sw_rng rng;
        sw_rng_init(&rng, &key, (uint32_t)d);
        sw_init_fill(&rng, (sw_init_dist)d, M, N, w);
        sw_moments sq;
        sw_moments_reset(&sq);
        double mu4 = 0.0;
        for (int k = 0; k < M * N; k++) {
            sw_moments_add(&sq, w[k] * w[k]);
            mu4 += pow(w[k], 4);
        }
        assert_within_se(sq.mean, 1.0 / M, sw_moments_se(&sq), 4, dist_name((sw_init_dist)d));
        assert_rel(mu4 / (M * N), sw_init_mu4((sw_init_dist)d, M), 0.05, "fourth moment");
    }
    double basis[3 * 4];
    sw_probe_fill(NULL, SW_PROBE_BASIS, 3, 4, basis); /* basis probes draw nothing */
    static const double want[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0};
    assert_memory_equal(basis, want, sizeof want);
}

/* ---- Monte-Carlo ---- */

static sw_orth_stats simulate(sw_init_dist dist, sw_probe probe, size_t m, size_t n, size_t probes, size_t draws,
                              uint64_t seed) {
    sw_orth_config c = {.dist = dist, .probe = probe, .fan_out = m, .fan_in = n, .probes = probes, .draws = draws};
    double *work = malloc(sw_orth_simulate_work_doubles(&c) * sizeof(double));
    assert_non_null(work);
    sw_rng_key key = {.seed = seed, .hash = {m, n}};
    sw_rng weights, probe_rng;
    sw_rng_init(&weights, &key, 0);
    sw_rng_init(&probe_rng, &key, 1);
    sw_orth_stats s;
    assert_int_equal(sw_orth_simulate(&c, &weights, &probe_rng, work, &s), SW_OK);
    free(work);
    assert_true(s.frob_dev.n == (double)draws);
    return s;
}

static void test_frobenius_monte_carlo(void **state) {
    (void)state;
    static const struct { size_t m, n; } shapes[] = { /* table points, and off-table ones including m < n */
        {10, 10}, {400, 100}, {100, 10}, {37, 13}, {13, 37}, {64, 64},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (int d = 0; d < 3; d++) {
            size_t m = shapes[i].m, n = shapes[i].n;
            sw_orth_stats s = simulate((sw_init_dist)d, SW_PROBE_GAUSS, m, n, 4, 400, 10 * i + d);
            char what[96];
            snprintf(what, sizeof what, "E frob, m = %zu, n = %zu, %s", m, n, dist_name((sw_init_dist)d));
            assert_within_se(s.frob_dev.mean, sw_init_frob_dev_exact((sw_init_dist)d, m, n), sw_moments_se(&s.frob_dev),
                             4, what);
        }
}

static void test_norm_ratio_monte_carlo(void **state) {
    (void)state;
    /* science.md E3: Gaussian W, mean 1 and variance 2/m at m = 10, 100, 1000 */
    size_t ms[] = {10, 100, 1000};
    for (int i = 0; i < 3; i++) {
        sw_orth_stats s = simulate(SW_INIT_GAUSS, SW_PROBE_GAUSS, ms[i], 20, 50, 400, 100 + i);
        assert_within_se(s.ratio_mean.mean, 1.0, sw_moments_se(&s.ratio_mean), 4, "E ratio, gauss");
        assert_within_se(s.ratio_var.mean, 2.0 / ms[i], sw_moments_se(&s.ratio_var), 4, "Var ratio = 2/m");
    }
    /* non-Gaussian W: the variance depends on the probe through kappa */
    for (int d = 1; d < 3; d++)
        for (int p = 0; p < 3; p++) {
            size_t m = 24, n = 9;
            sw_orth_stats s = simulate((sw_init_dist)d, (sw_probe)p, m, n, 9, 600, 200 + 3 * d + p);
            double exact = sw_init_norm_ratio_var_exact((sw_init_dist)d, (sw_probe)p, m, n);
            char what[96];
            snprintf(what, sizeof what, "Var ratio, %s W, probe %d", dist_name((sw_init_dist)d), p);
            if (exact == 0.0) { /* Rademacher columns have norm exactly 1 */
                assert_true(s.ratio_var.mean < 1e-28 && fabs(s.ratio_mean.mean - 1.0) < 1e-14);
                continue;
            }
            assert_within_se(s.ratio_mean.mean, 1.0, sw_moments_se(&s.ratio_mean), 4, what);
            assert_within_se(s.ratio_var.mean, exact, sw_moments_se(&s.ratio_var), 4, what);
        }
}

/* Finite-n spectral values approach the Marchenko-Pastur limits from below: within 10 % for n >= 100. */
static void test_spectral_against_mp(void **state) {
    (void)state;
    static const struct { size_t m, n; } shapes[] = {{100, 100}, {400, 100}, {1600, 100}, {300, 150}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t m = shapes[i].m, n = shapes[i].n;
        sw_orth_stats s = simulate(SW_INIT_GAUSS, SW_PROBE_GAUSS, m, n, 1, 20, 300 + i);
        assert_rel(s.spectral_dev.mean, sw_mp_spectral_dev_limit(m, n), 0.10, "spectral deviation vs MP");
        assert_true(s.spectral_dev.mean < sw_mp_spectral_dev_limit(m, n));
        assert_rel(s.sigma_max.mean, sw_mp_sigma_max_limit(m, n), 0.10, "sigma_max vs MP");
        if (m > n) assert_rel(s.sigma_min.mean, sw_mp_sigma_min_limit(m, n), 0.10, "sigma_min vs MP");
        else assert_true(s.sigma_min.mean < 0.05); /* square: sigma_min -> 0 like 1/n */
    }
    /* monotone convergence for square W: 25 < 100 < 400, each step clearly larger than its noise */
    double previous = 0.0, previous_se = 0.0;
    size_t ns[] = {25, 100, 400}, draws[] = {400, 100, 16};
    for (int i = 0; i < 3; i++) {
        sw_orth_stats s = simulate(SW_INIT_GAUSS, SW_PROBE_GAUSS, ns[i], ns[i], 1, draws[i], 400 + i);
        double se = sw_moments_se(&s.spectral_dev);
        if (!(s.spectral_dev.mean - previous > 2.0 * hypot(se, previous_se)))
            fail_msg("spectral deviation not increasing at n = %zu: %g (SE %g) after %g (SE %g)", ns[i],
                     s.spectral_dev.mean, se, previous, previous_se);
        previous = s.spectral_dev.mean, previous_se = se;
    }
    assert_true(previous < 3.0);
}

/* ---- through the registry ---- */

static void test_registry_init_orthogonality(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("init_orthogonality");
    assert_non_null(strstr(r.e->article, "7180"));
    const char *mc[] = {"frob_dev", "entry_mse", "spectral_dev", "sigma_min", "sigma_max", "norm_ratio_mean",
                        "norm_ratio_var", NULL};
    sw_test_check_schema(r.e, mc);
    sw_test_task_set_int(&r, "fan_in", 20);
    sw_test_task_set_int(&r, "fan_out", 60);
    sw_test_task_set_choice(&r, "dist", "uniform");
    sw_test_task_set_choice(&r, "probe", "rademacher");
    sw_test_task_set_int(&r, "probes", 8);
    sw_test_task_set_int(&r, "draws", 300);
    sw_test_task_try(&r, 7180);
    assert_int_equal(r.outcome, SW_TASK_OK);
    double m = 60, n = 20, c = n / m;
    double frob = n * m * (9.0 / (5 * m * m) - 1.0 / (m * m)) + n * (n - 1) / m; /* science.md 3.2 */
    double ratio_var = m * (2.0 / (m * m) + (9.0 / 5.0 - 3.0) / (m * m) / n);    /* kappa = 1/n */
    assert_rel(sw_test_task_out(&r, "frob_dev_exact")[0], frob, 1e-12, "frob_dev_exact");
    assert_rel(sw_test_task_out(&r, "entry_mse_exact")[0], frob / (n * n), 1e-12, "entry_mse_exact");
    assert_rel(sw_test_task_out(&r, "spectral_dev_limit")[0], 2 * sqrt(c) + c, 1e-12, "spectral_dev_limit");
    assert_rel(sw_test_task_out(&r, "sigma_min_limit")[0], 1 - sqrt(c), 1e-12, "sigma_min_limit");
    assert_rel(sw_test_task_out(&r, "sigma_max_limit")[0], 1 + sqrt(c), 1e-12, "sigma_max_limit");
    assert_rel(sw_test_task_out(&r, "norm_ratio_mean_exact")[0], 1.0, 1e-15, "norm_ratio_mean_exact");
    assert_rel(sw_test_task_out(&r, "norm_ratio_var_exact")[0], ratio_var, 1e-12, "norm_ratio_var_exact");
    const char *exact_mc[] = {"frob_dev", "entry_mse", "norm_ratio_mean", "norm_ratio_var"};
    for (int i = 0; i < 4; i++) {
        char se[64], exact[64];
        snprintf(se, sizeof se, "%s_se", exact_mc[i]);
        snprintf(exact, sizeof exact, "%s_exact", exact_mc[i]);
        assert_within_se(sw_test_task_out(&r, exact_mc[i])[0], sw_test_task_out(&r, exact)[0],
                         sw_test_task_out(&r, se)[0], 4, exact_mc[i]);
    }
    assert_rel(sw_test_task_out(&r, "entry_mse")[0] * n * n, sw_test_task_out(&r, "frob_dev")[0], 1e-12,
               "entry_mse = frob/n^2");
    /* n = 20 is far from the limit, but the ordering and the size are already there */
    double smin = sw_test_task_out(&r, "sigma_min")[0], smax = sw_test_task_out(&r, "sigma_max")[0];
    assert_true(smin > 0.2 && smin < 1 - sqrt(c) + 0.1 && smax > 1 + sqrt(c) - 0.2 && smax < 1 + sqrt(c));
    assert_rel(sw_test_task_out(&r, "spectral_dev")[0], 2 * sqrt(c) + c, 0.25, "spectral_dev, small n");
    sw_test_task_free(&r);
}

static void test_registry_check(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("init_orthogonality");
    sw_test_task_set_int(&r, "fan_in", 40000);
    sw_test_task_set_int(&r, "fan_out", 60000);
    assert_false(r.e->check(r.param, r.msg, sizeof r.msg));
    assert_non_null(strstr(r.msg, "fan_out * fan_in"));
    sw_test_task_set_int(&r, "fan_out", 50000);
    assert_true(r.e->check(r.param, r.msg, sizeof r.msg));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frob_exact_table),
        cmocka_unit_test(test_mp_limits),
        cmocka_unit_test(test_rademacher_enumeration),
        cmocka_unit_test(test_measure_known_matrices),
        cmocka_unit_test(test_measure_dense_matrix),
        cmocka_unit_test(test_norm_ratios_deterministic),
        cmocka_unit_test(test_fill_moments),
        cmocka_unit_test(test_frobenius_monte_carlo),
        cmocka_unit_test(test_norm_ratio_monte_carlo),
        cmocka_unit_test(test_spectral_against_mp),
        cmocka_unit_test(test_registry_init_orthogonality),
        cmocka_unit_test(test_registry_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
