/* test_hsic.c: the HSIC kernels and experiment against science.md section 5 (kexue.fm/6910).
 *
 * References: the brief's population table (closed form, fixed and median widths) and exact expectations under
 * independence; at other points the same closed forms transcribed here, and this file's own brute-force
 * quadrature (trapezoid over (x1, x2), spectrally accurate for these smooth Gaussian-weighted integrands);
 * estimators on small deterministic samples against their definitions (explicit H K H products, sums over
 * distinct index tuples, a transcription of Gretton's hsicTestGamma.m); Monte-Carlo means within 4 standard
 * errors of exact expectations; test sizes within 4 sqrt(alpha (1 - alpha) / R) of alpha. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsic.h"
#include "mpisweep/experiment.h"
#include "mpisweep/rng.h"
#include "mpisweep/spec.h"
#include "task_harness.h"

static const sw_rng_key test_key = {.seed = 6910, .hash = {0x4851, 0x5349}, .replicate = 0};

static void assert_close_rel(double got, double want, double rel) {
    double tol = rel * fmax(fabs(want), 1e-300);
    if (!(fabs(got - want) <= tol)) fail_msg("got %.17g, want %.17g (relative %.3g)", got, want, rel);
}

static void assert_within(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.10g, want %.10g +- %.3g", what, got, want, tol);
}

static double *alloc_d(size_t n) {
    double *p = calloc(n, sizeof(double));
    assert_non_null(p);
    return p;
}

/* ---- a small deterministic sample ---- */

enum { N_SMALL = 9 };

static void small_sample(double *x, double *y) {
    for (size_t i = 0; i < N_SMALL; i++) {
        x[i] = cos(1.3 * (double)i + 0.2) * 1.7;
        y[i] = x[i] * x[i] - 0.8 + 0.3 * sin(5.0 * (double)i);
    }
}

static void naive_kernel(size_t n, const double *x, double g, double *k) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) k[i + j * n] = exp(-(x[i] - x[j]) * (x[i] - x[j]) / g);
}

static void matmul(size_t n, const double *a, const double *b, double *c) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t r = 0; r < n; r++) s += a[i + r * n] * b[r + j * n];
            c[i + j * n] = s;
        }
}

/* H A H with H = I - 11^T/n formed explicitly. */
static void centre(size_t n, const double *a, double *out) {
    double *h = alloc_d(n * n), *t = alloc_d(n * n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) h[i + j * n] = (i == j) - 1.0 / (double)n;
    matmul(n, h, a, t);
    matmul(n, t, h, out);
    free(h);
    free(t);
}

static void test_kernel_matrix(void **state) {
    (void)state;
    double x[N_SMALL], y[N_SMALL], k[N_SMALL * N_SMALL], want[N_SMALL * N_SMALL];
    small_sample(x, y);
    sw_hsic_sq_distances(N_SMALL, 1, x, k);
    sw_hsic_gauss_kernel(N_SMALL, k, 0.7);
    naive_kernel(N_SMALL, x, 0.7, want);
    for (size_t i = 0; i < N_SMALL * N_SMALL; i++) assert_within(k[i], want[i], 1e-14, "kernel entry");

    /* Points in 3 dimensions: the dsyrk route against |p_i - p_j|^2 summed by hand. */
    enum { N3 = 7, D3 = 3 };
    double p[N3 * D3], d[N3 * N3];
    for (size_t i = 0; i < N3 * D3; i++) p[i] = sin(0.37 * (double)(i * i) + 1.0);
    sw_hsic_sq_distances(N3, D3, p, d);
    for (size_t i = 0; i < N3; i++)
        for (size_t j = 0; j < N3; j++) {
            double s = 0.0;
            for (size_t c = 0; c < D3; c++) s += pow(p[i + c * N3] - p[j + c * N3], 2);
            assert_within(d[i + j * N3], s, 1e-14, "squared distance");
        }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_median_distance(void **state) {
    (void)state;
    sw_rng r;
    sw_rng_init(&r, &test_key, 0);
    /* n = 6 gives 15 pairs (odd), n = 9 gives 36 (even), n = 50 gives 1225. */
    static const size_t sizes[] = {2, 6, 9, 50};
    for (size_t s = 0; s < SW_COUNT(sizes); s++) {
        size_t n = sizes[s], m = n * (n - 1) / 2;
        double *x = alloc_d(n), *d = alloc_d(n * n), *buf = alloc_d(m), *sorted = alloc_d(m);
        sw_rng_fill_normal(&r, x, n);
        sw_hsic_sq_distances(n, 1, x, d);
        size_t c = 0;
        for (size_t j = 1; j < n; j++)
            for (size_t i = 0; i < j; i++) sorted[c++] = d[i + j * n];
        qsort(sorted, m, sizeof(double), cmp_double);
        double want = m % 2 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);
        assert_true(sw_hsic_median_distance(n, d, buf) == want);
        free(x);
        free(d);
        free(buf);
        free(sorted);
    }
}

/* HSIC_u from its definition: the unbiased estimates of A, B and mu_x mu_y over distinct index tuples. */
static double naive_hsic_u(size_t n, const double *k, const double *l) {
    double a = 0, b = 0, c = 0, na = 0, nb = 0, nc = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            a += k[i + j * n] * l[i + j * n];
            na++;
            for (size_t q = 0; q < n; q++) {
                if (q == i || q == j) continue;
                b += k[i + j * n] * l[i + q * n];
                nb++;
                for (size_t r = 0; r < n; r++) {
                    if (r == i || r == j || r == q) continue;
                    c += k[i + j * n] * l[q + r * n];
                    nc++;
                }
            }
        }
    return a / na + c / nc - 2.0 * b / nb;
}

static void test_estimators_definitions(void **state) {
    (void)state;
    size_t n = N_SMALL, nn = n * n;
    double x[N_SMALL], y[N_SMALL], k[N_SMALL * N_SMALL], l[N_SMALL * N_SMALL], k0[N_SMALL * N_SMALL];
    double kc[N_SMALL * N_SMALL], lc[N_SMALL * N_SMALL], work[2 * N_SMALL];
    small_sample(x, y);
    naive_kernel(n, x, 1.0, k);
    naive_kernel(n, y, 0.6, l);
    memcpy(k0, k, sizeof k);
    centre(n, k0, kc);
    centre(n, l, lc);
    double trace = 0.0; /* tr(KHLH) = sum (HKH) .* (HLH) */
    for (size_t i = 0; i < nn; i++) trace += kc[i] * lc[i];

    sw_hsic_estimates e;
    sw_hsic_estimate(n, k, l, work, &e);
    assert_close_rel(e.trace, trace, 1e-12);
    assert_close_rel(e.hsic_b, trace / (double)(n * n), 1e-12);
    assert_close_rel(e.hsic_a, trace / (double)((n - 1) * (n - 1)), 1e-12);
    assert_close_rel(e.hsic_u, naive_hsic_u(n, k0, l), 1e-10);
    for (size_t i = 0; i < nn; i++) assert_within(k[i], kc[i], 1e-14, "K left as HKH");

    /* Gretton's hsicTestGamma.m, line by line. */
    double m = (double)n, var = 0.0, sk = 0.0, sl = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (i != j) {
                var += pow(kc[i + j * n] * lc[i + j * n] / 6.0, 2);
                sk += k0[i + j * n];
                sl += l[i + j * n];
            }
        }
    var = 72.0 * (m - 4) * (m - 5) / m / (m - 1) / (m - 2) / (m - 3) * var / m / (m - 1);
    double mux = sk / m / (m - 1), muy = sl / m / (m - 1), mh = (1 + mux * muy - mux - muy) / m;
    assert_close_rel(e.mu_x, mux, 1e-13);
    assert_close_rel(e.mu_y, muy, 1e-13);
    assert_close_rel(e.gamma_var, var, 1e-12);
    assert_close_rel(e.gamma_mean, mh, 1e-13);
    double al = mh * mh / var, bet = var * m / mh, stat = trace / m;
    for (double alpha = 0.001; alpha < 1.0; alpha *= 1.5) {
        double thresh = gsl_cdf_gamma_Pinv(1.0 - alpha, al, bet);
        if (fabs(stat - thresh) > 1e-9 * thresh) assert_int_equal(sw_hsic_gamma_reject(n, &e, alpha), stat > thresh);
    }
}

static void test_perm_statistic(void **state) {
    (void)state;
    size_t n = N_SMALL;
    double x[N_SMALL], y[N_SMALL], k[N_SMALL * N_SMALL], l[N_SMALL * N_SMALL], lp[N_SMALL * N_SMALL];
    double kc[N_SMALL * N_SMALL], lpc[N_SMALL * N_SMALL], work[2 * N_SMALL];
    small_sample(x, y);
    naive_kernel(n, x, 1.0, k);
    naive_kernel(n, y, 1.0, l);
    sw_hsic_estimates e;
    sw_hsic_estimate(n, k, l, work, &e);
    size_t id[N_SMALL], perm[N_SMALL];
    for (size_t i = 0; i < n; i++) id[i] = i;
    assert_close_rel(sw_hsic_perm_statistic(n, k, l, id), e.trace, 1e-12);
    sw_rng r;
    sw_rng_init(&r, &test_key, 1);
    for (int rep = 0; rep < 5; rep++) {
        sw_rng_permutation(&r, perm, n);
        /* The statistic of the sample (x_i, y_perm(i)): tr(HKH HL'H) with L' the kernel of the permuted y. */
        double yp[N_SMALL];
        for (size_t i = 0; i < n; i++) yp[i] = y[perm[i]];
        naive_kernel(n, yp, 1.0, lp);
        centre(n, lp, lpc);
        double want = 0.0;
        for (size_t i = 0; i < n * n; i++) want += k[i] * lpc[i];
        memcpy(kc, k, sizeof kc);
        assert_close_rel(sw_hsic_perm_statistic(n, kc, l, perm), want, 1e-12);
    }
}

static void test_pearson(void **state) {
    (void)state;
    double x[N_SMALL], y[N_SMALL];
    small_sample(x, y);
    size_t n = N_SMALL;
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i] / n;
        my += y[i] / n;
    }
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    double r = sxy / sqrt(sxx * syy);
    assert_close_rel(sw_hsic_pearson(n, x, y), r, 1e-13);
    /* The t-test rejects exactly when |r| exceeds the critical correlation of the t quantile. */
    for (double alpha = 0.01; alpha < 0.99; alpha += 0.07) {
        double tq = gsl_cdf_tdist_Qinv(alpha / 2.0, 7.0), rc = tq / sqrt(7.0 + tq * tq);
        if (fabs(fabs(r) - rc) > 1e-9) assert_int_equal(sw_hsic_pearson_reject(n, r, alpha), fabs(r) > rc);
    }
    assert_true(sw_hsic_pearson_reject(n, 1.0, 0.05));
}

/* ---- population references ---- */

/* science.md 5.2, transcribed: population HSIC of y = x + s eps. */
static double brief_linear_hsic(double s, double gx, double gy) {
    double v = 1.0 + s * s;
    double t1 = 1.0 / sqrt((1 + 4 / gx) * (1 + 4 * v / gy) - (4 / gx) * (4 / gy));
    double t2 = 1.0 / sqrt((1 + 4 / gx) * (1 + 4 * v / gy));
    double a = 2 / (gx + 2), b = 2 / (gy + 2 * v);
    double t3 = sqrt(gx / (gx + 2) * gy / (gy + 2 * v)) / sqrt((1 + a) * (1 + b * v) - a * b);
    return t1 + t2 - 2 * t3;
}

static void test_population_linear_table(void **state) {
    (void)state;
    static const double s[] = {0.1, 0.3, 1.0, 3.0};
    static const double fixed[] = {0.094523, 0.078603, 0.022419, 0.001513};  /* science.md 5.3 E1, g = 1 */
    static const double median[] = {0.096374, 0.079110, 0.024995, 0.003360}; /* population median widths */
    double gx = sw_hsic_median_width_x();
    assert_within(gx, 0.9098728, 5.1e-8, "median of (x1-x2)^2");
    for (size_t i = 0; i < 4; i++) {
        sw_hsic_model m = {.relation = SW_HSIC_LINEAR, .noise = s[i], .frequency = 1};
        sw_hsic_moments p = sw_hsic_population_moments(&m, 1.0, 1.0);
        assert_within(sw_hsic_population(&p), fixed[i], 5.1e-7, "population HSIC, g = 1");
        double gy = sw_hsic_median_width_y(&m);
        assert_close_rel(gy, gx * (1.0 + s[i] * s[i]), 1e-15);
        p = sw_hsic_population_moments(&m, gx, gy);
        assert_within(sw_hsic_population(&p), median[i], 5.1e-7, "population HSIC, median widths");
    }
    sw_hsic_model ind = {.relation = SW_HSIC_INDEPENDENT, .noise = 0.5, .frequency = 1};
    sw_hsic_moments p = sw_hsic_population_moments(&ind, 0.8, 2.5);
    assert_true(sw_hsic_population(&p) == 0.0);
}

static void test_population_linear_other_points(void **state) {
    (void)state;
    static const double pts[][3] = {{0.5, 2.0, 0.7}, {0.0, 1.0, 1.0}, {2.2, 0.3, 5.0}, {0.05, 10.0, 0.1}};
    for (size_t i = 0; i < SW_COUNT(pts); i++) {
        sw_hsic_model m = {.relation = SW_HSIC_LINEAR, .noise = pts[i][0], .frequency = 1};
        sw_hsic_moments p = sw_hsic_population_moments(&m, pts[i][1], pts[i][2]);
        assert_close_rel(sw_hsic_population(&p), brief_linear_hsic(pts[i][0], pts[i][1], pts[i][2]), 1e-12);
        assert_close_rel(p.mu_x, 1.0 / sqrt(1.0 + 4.0 / pts[i][1]), 1e-15);
    }
}

static void test_expected_under_independence(void **state) {
    (void)state;
    /* science.md 5.3 E1 table (g = 1, mu = 5^{-1/2}), then other n and unequal mu_x, mu_y. */
    static const size_t n[] = {50, 100, 200, 1000};
    static const double eb[] = {5.989227e-3, 3.025171e-3, 1.520225e-3, 3.052672e-4};
    static const double ea[] = {6.236180e-3, 3.086594e-3, 1.535542e-3, 3.058787e-4};
    double mu = 1.0 / sqrt(5.0);
    sw_hsic_moments p = {.mu_x = mu, .mu_y = mu, .a = mu * mu, .b = mu * mu};
    for (size_t i = 0; i < 4; i++) {
        double tr = sw_hsic_expected_trace(n[i], &p), d = (double)n[i];
        assert_close_rel(tr / (d * d), eb[i], 1.0e-6);
        assert_close_rel(tr / ((d - 1) * (d - 1)), ea[i], 1.0e-6);
    }
    static const size_t others[] = {6, 7, 33, 77, 500};
    sw_hsic_moments q = {.mu_x = 0.3, .mu_y = 0.61, .a = 0.3 * 0.61, .b = 0.3 * 0.61};
    for (size_t i = 0; i < SW_COUNT(others); i++) {
        double d = (double)others[i];
        assert_close_rel(sw_hsic_expected_trace(others[i], &q), (d - 1) * (1 - 0.3) * (1 - 0.61), 1e-12);
    }
}

/* Brute-force population moments: trapezoid over (x1, x2) in [-L, L]^2 with the noise integrated in closed
 * form, for y = f(x) + s eps. Independent of the code's reductions (1-D for the quadratic, GL for the sine). */
typedef double (*relation_fn)(double x, double omega);
static double f_linear(double x, double w) { (void)w; return x; }
static double f_quadratic(double x, double w) { (void)w; return x * x; }
static double f_sine(double x, double w) { return sin(w * x); }

static sw_hsic_moments brute_moments(relation_fn f, double s, double omega, double gx, double gy, size_t nodes) {
    double L = 9.0, h = 2.0 * L / (double)(nodes - 1), c = gy + 4 * s * s, nf = sqrt(gy / c), big = gx + 2;
    double *x = alloc_d(nodes), *w = alloc_d(nodes), *fx = alloc_d(nodes);
    for (size_t i = 0; i < nodes; i++) {
        x[i] = -L + h * (double)i;
        w[i] = h * exp(-0.5 * x[i] * x[i]) / sqrt(2 * M_PI);
        fx[i] = f(x[i], omega);
    }
    double my = 0, a = 0, b = 0;
    for (size_t i = 0; i < nodes; i++) {
        double mi = 0, ai = 0;
        for (size_t j = 0; j < nodes; j++) {
            double ky = w[j] * exp(-pow(fx[i] - fx[j], 2) / c);
            mi += ky;
            ai += ky * exp(-pow(x[i] - x[j], 2) / gx);
        }
        my += w[i] * mi;
        a += w[i] * ai;
        b += w[i] * mi * exp(-x[i] * x[i] / big);
    }
    free(x);
    free(w);
    free(fx);
    return (sw_hsic_moments){.mu_x = 1 / sqrt(1 + 4 / gx), .mu_y = nf * my, .a = nf * a, .b = nf * sqrt(gx / big) * b};
}

static void assert_moments_close(sw_hsic_moments got, sw_hsic_moments want, double rel) {
    assert_close_rel(got.mu_x, want.mu_x, rel);
    assert_close_rel(got.mu_y, want.mu_y, rel);
    assert_close_rel(got.a, want.a, rel);
    assert_close_rel(got.b, want.b, rel);
}

static void test_population_quadrature(void **state) {
    (void)state;
    /* The brute force agrees with the closed form first, which validates it as a reference. */
    sw_hsic_model lin = {.relation = SW_HSIC_LINEAR, .noise = 0.4, .frequency = 1};
    assert_moments_close(sw_hsic_population_moments(&lin, 1.3, 0.8), brute_moments(f_linear, 0.4, 1, 1.3, 0.8, 901),
                         1e-11);
    static const double quad_pts[][3] = {{0.1, 1.0, 1.0}, {0.5, 1.5, 1.0}, {0.0, 0.9098728, 0.5}, {2.0, 3.0, 4.0}};
    for (size_t i = 0; i < SW_COUNT(quad_pts); i++) {
        sw_hsic_model m = {.relation = SW_HSIC_QUADRATIC, .noise = quad_pts[i][0], .frequency = 1};
        assert_moments_close(sw_hsic_population_moments(&m, quad_pts[i][1], quad_pts[i][2]),
                             brute_moments(f_quadratic, quad_pts[i][0], 1, quad_pts[i][1], quad_pts[i][2], 1201),
                             1e-9);
    }
    static const double sine_pts[][4] = {{0.1, 1.0, 1.0, 1.0}, {0.0, 0.5, 0.3, 2.0}, {1.0, 2.0, 1.0, 3.0}};
    for (size_t i = 0; i < SW_COUNT(sine_pts); i++) {
        sw_hsic_model m = {.relation = SW_HSIC_SINE, .noise = sine_pts[i][0], .frequency = sine_pts[i][3]};
        assert_moments_close(
            sw_hsic_population_moments(&m, sine_pts[i][1], sine_pts[i][2]),
            brute_moments(f_sine, sine_pts[i][0], sine_pts[i][3], sine_pts[i][1], sine_pts[i][2], 1201), 1e-9);
    }
}

static void test_population_correlation(void **state) {
    (void)state;
    sw_hsic_model lin = {.relation = SW_HSIC_LINEAR, .noise = 0.5, .frequency = 1};
    assert_close_rel(sw_hsic_population_correlation(&lin), 1 / sqrt(1.25), 1e-15);
    sw_hsic_model quad = {.relation = SW_HSIC_QUADRATIC, .noise = 0.5, .frequency = 1};
    assert_true(sw_hsic_population_correlation(&quad) == 0.0);
    /* Sine: cov(x, sin wx) and var(sin wx) by brute-force quadrature. */
    for (double w = 0.5; w < 4.0; w += 1.1) {
        double L = 10, h = 1e-3, cov = 0, m2 = 0;
        for (double x = -L; x <= L; x += h) {
            double pdf = exp(-0.5 * x * x) / sqrt(2 * M_PI) * h;
            cov += x * sin(w * x) * pdf;
            m2 += sin(w * x) * sin(w * x) * pdf;
        }
        sw_hsic_model sine = {.relation = SW_HSIC_SINE, .noise = 0.3, .frequency = w};
        assert_close_rel(sw_hsic_population_correlation(&sine), cov / sqrt(m2 + 0.09), 1e-9);
    }
}

/* P(|f(x1) - f(x2)| <= t) for s = 0 with the inner probability over x2 exact and the outer integral by trapezoid;
 * and with noise by trapezoid over (x1, x2) of the Gaussian band probability. */
static double phi_cdf(double z) { return 0.5 * erfc(-z / M_SQRT2); }

static double quadratic_cdf_noiseless(double t) {
    double L = 9, h = 2e-5, sum = 0;
    for (double a = 0.5 * h; a < L; a += h) { /* even in x1 */
        double a2 = a * a, inner = 2 * (phi_cdf(sqrt(a2 + t)) - phi_cdf(sqrt(fmax(0, a2 - t))));
        sum += 2 * h * exp(-0.5 * a2) / sqrt(2 * M_PI) * inner;
    }
    return sum;
}

static double band_cdf_noisy(relation_fn f, double s, double omega, double t, size_t nodes) {
    double L = 9, h = 2 * L / (double)(nodes - 1), sig = s * M_SQRT2, sum = 0;
    for (size_t i = 0; i < nodes; i++) {
        double a = -L + h * (double)i, wa = h * exp(-0.5 * a * a) / sqrt(2 * M_PI), fa = f(a, omega);
        for (size_t j = 0; j < nodes; j++) {
            double b = -L + h * (double)j, wb = h * exp(-0.5 * b * b) / sqrt(2 * M_PI), d = fa - f(b, omega);
            sum += wa * wb * (phi_cdf((t - d) / sig) - phi_cdf((-t - d) / sig));
        }
    }
    return sum;
}

static void test_median_width_y(void **state) {
    (void)state;
    /* Noiseless quadratic: this file's 1-D reference CDF is 1/2 at the code's median. */
    sw_hsic_model q0 = {.relation = SW_HSIC_QUADRATIC, .noise = 0.0, .frequency = 1};
    double g = sw_hsic_median_width_y(&q0);
    assert_within(quadratic_cdf_noiseless(sqrt(g)), 0.5, 2e-6, "quadratic median, s = 0");
    /* Noisy quadratic and sine: brute-force CDF over (x1, x2) (converged to ~1e-13 at 801 nodes). The code's
     * sine CDF is documented to ~1e-7 (algebraic convergence at the log singularities of the noise integral). */
    static const double noisy[][4] = {{SW_HSIC_QUADRATIC, 0.5, 1, 1e-11}, {SW_HSIC_QUADRATIC, 0.1, 1, 1e-11},
                                      {SW_HSIC_SINE, 0.3, 1, 5e-7},       {SW_HSIC_SINE, 1.0, 2.5, 5e-7},
                                      {SW_HSIC_SINE, 0.05, 1, 5e-7}};
    for (size_t i = 0; i < SW_COUNT(noisy); i++) {
        sw_hsic_model m = {.relation = (sw_hsic_relation)noisy[i][0], .noise = noisy[i][1], .frequency = noisy[i][2]};
        g = sw_hsic_median_width_y(&m);
        relation_fn f = m.relation == SW_HSIC_SINE ? f_sine : f_quadratic;
        assert_within(band_cdf_noisy(f, m.noise, m.frequency, sqrt(g), 801), 0.5, noisy[i][3], "noisy median");
    }
    /* Noiseless sine: Monte-Carlo median of (sin x1 - sin x2)^2 from 2e5 pairs; the CDF there is 1/2 within
     * 4 sqrt(1/4 / R). */
    sw_hsic_model s0 = {.relation = SW_HSIC_SINE, .noise = 0.0, .frequency = 1.5};
    g = sw_hsic_median_width_y(&s0);
    sw_rng r;
    sw_rng_init(&r, &test_key, 2);
    size_t pairs = 200000, below = 0;
    double *u = alloc_d(2 * pairs);
    sw_rng_fill_normal(&r, u, 2 * pairs);
    for (size_t i = 0; i < pairs; i++) below += pow(sin(1.5 * u[2 * i]) - sin(1.5 * u[2 * i + 1]), 2) <= g;
    assert_within((double)below / (double)pairs, 0.5, 4 * sqrt(0.25 / (double)pairs), "noiseless sine median");
    free(u);
    /* The CDF the median solves, for the closed-form relations: y1 - y2 ~ N(0, 2 Var y). */
    sw_hsic_model lin = {.relation = SW_HSIC_LINEAR, .noise = 0.7, .frequency = 1};
    assert_close_rel(sw_hsic_sq_distance_cdf(&lin, 2.0), 2 * phi_cdf(sqrt(2.0 / (2 * 1.49))) - 1, 1e-13);
}

/* ---- through the registry ---- */

/* One override: a parameter name and its value as text ("quadratic", "0.5", "200"). */
typedef struct override {
    const char *name, *value;
} override;

static void assert_scalar_outputs(const sw_test_task *t) {
    for (size_t o = 0; o < t->e->n_outputs; o++)
        assert_int_equal(sw_output_count(t->e, &t->e->outputs[o], t->param), 1);
}

/* hsic on its defaults plus overrides, run as replicate 0 of a sweep seeded with seed; every output must be a
 * scalar, and the task must succeed with finite outputs. */
static sw_test_task run_hsic(const override *o, size_t count, uint64_t seed) {
    sw_test_task t = sw_test_task_new("hsic");
    for (size_t i = 0; i < count; i++) sw_test_task_set_text(&t, o[i].name, o[i].value);
    assert_scalar_outputs(&t);
    sw_test_task_run(&t, seed);
    return t;
}

/* |mean - exact| <= 4 SE for each estimator named. */
static void assert_means_match(const sw_test_task *r, const char *const *names, size_t count) {
    for (size_t i = 0; i < count; i++) {
        char se[64], exact[64];
        snprintf(se, sizeof se, "%s_se", names[i]);
        snprintf(exact, sizeof exact, "%s_exact", names[i]);
        assert_within(sw_test_task_scalar(r, names[i]), sw_test_task_scalar(r, exact), 4.0 * sw_test_task_scalar(r, se),
                      names[i]);
    }
}

static const char *const estimators[] = {"hsic_b", "hsic_a", "hsic_u"};

static void test_schema(void **state) {
    (void)state;
    const sw_experiment *e = sw_experiment_find("hsic");
    assert_non_null(e);
    assert_non_null(strstr(e->article, "6910"));
    for (size_t o = 0; o < e->n_outputs; o++) {
        assert_true(e->outputs[o].unit && e->outputs[o].unit[0] && e->outputs[o].help && e->outputs[o].help[0]);
        assert_int_equal(sw_param_index(e, e->outputs[o].name), -1);
    }
    static const char *const required[] = {"hsic_b", "hsic_b_se", "hsic_a", "hsic_a_se", "hsic_u", "hsic_u_se",
                                           "hsic_population", "reject_gamma", "reject_perm", "pearson_r",
                                           "reject_pearson"};
    for (size_t i = 0; i < SW_COUNT(required); i++) assert_true(sw_output_index(e, required[i]) >= 0);
}

static void test_registry_wiring(void **state) {
    (void)state;
    /* Small and distinct parameters: each exact output below depends on the one it is checked against. */
    override o[] = {{"relation", "linear"}, {"noise", "0.7"},  {"kernel_width", "1.7"}, {"samples", "23"},
                    {"draws", "5"},         {"alpha", "0.1"}, {"permutations", "28"}};
    sw_test_task r = run_hsic(o, SW_COUNT(o), 3);
    double n = 23;
    assert_true(sw_test_task_scalar(&r, "width_x") == 1.7 && sw_test_task_scalar(&r, "width_y") == 1.7 &&
                sw_test_task_scalar(&r, "width_x_se") == 0.0);
    assert_true(sw_test_task_scalar(&r, "width_x_population") == 1.7 &&
                sw_test_task_scalar(&r, "width_y_population") == 1.7);
    assert_close_rel(sw_test_task_scalar(&r, "hsic_a"), sw_test_task_scalar(&r, "hsic_b") * n * n / ((n - 1) * (n - 1)),
                     1e-12);
    assert_close_rel(sw_test_task_scalar(&r, "hsic_population"), brief_linear_hsic(0.7, 1.7, 1.7), 1e-12);
    assert_close_rel(sw_test_task_scalar(&r, "hsic_u_exact"), sw_test_task_scalar(&r, "hsic_population"), 1e-15);
    assert_close_rel(sw_test_task_scalar(&r, "pearson_rho"), 1 / sqrt(1.49), 1e-15);
    assert_close_rel(sw_test_task_scalar(&r, "reject_perm_null"), 2.0 / 29.0, 1e-15);
    double mu_x = 1 / sqrt(1 + 4 / 1.7), mu_y = 1 / sqrt(1 + 4 * 1.49 / 1.7);
    assert_close_rel(sw_test_task_scalar(&r, "hsic_b_null"), (n - 1) * (1 - mu_x) * (1 - mu_y) / (n * n), 1e-12);
    assert_close_rel(sw_test_task_scalar(&r, "hsic_a_null"), (1 - mu_x) * (1 - mu_y) / (n - 1), 1e-12);
    sw_test_task_free(&r);

    override q[] = {{"relation", "quadratic"}, {"bandwidth", "median"}, {"samples", "31"}, {"draws", "4"}};
    r = run_hsic(q, SW_COUNT(q), 4);
    sw_hsic_model m = {.relation = SW_HSIC_QUADRATIC, .noise = 0.1, .frequency = 1};
    assert_true(sw_test_task_scalar(&r, "pearson_rho") == 0.0);
    assert_close_rel(sw_test_task_scalar(&r, "width_x_population"), 0.9098728, 1e-7);
    assert_close_rel(sw_test_task_scalar(&r, "width_y_population"), sw_hsic_median_width_y(&m), 1e-15);
    assert_true(sw_test_task_scalar(&r, "width_x") != 1.0 && sw_test_task_scalar(&r, "width_x_se") > 0.0);
    sw_test_task_free(&r);
}

static void test_registry_independent_expectations(void **state) {
    (void)state;
    /* science.md 5.3 E1 under independence at n = 50 (table), and n = 77, g = 2.5 (formula). */
    override a[] = {{"relation", "independent"}, {"samples", "50"}, {"draws", "3000"}, {"permutations", "0"}};
    sw_test_task r = run_hsic(a, SW_COUNT(a), 5);
    assert_close_rel(sw_test_task_scalar(&r, "hsic_b_exact"), 5.989227e-3, 1e-6);
    assert_close_rel(sw_test_task_scalar(&r, "hsic_a_exact"), 6.236180e-3, 1e-6);
    assert_true(sw_test_task_scalar(&r, "hsic_u_exact") == 0.0 && sw_test_task_scalar(&r, "reject_perm") == 0.0);
    assert_means_match(&r, estimators, 3);
    sw_test_task_free(&r);
    override b[] = {{"relation", "independent"}, {"samples", "77"}, {"kernel_width", "2.5"}, {"draws", "2000"},
                    {"permutations", "0"}};
    r = run_hsic(b, SW_COUNT(b), 6);
    double mu = 1 / sqrt(1 + 4 / 2.5), n = 77;
    assert_close_rel(sw_test_task_scalar(&r, "hsic_b_exact"), (n - 1) * (1 - mu) * (1 - mu) / (n * n), 1e-12);
    assert_means_match(&r, estimators, 3);
    sw_test_task_free(&r);
}

static void test_registry_dependent_expectations(void **state) {
    (void)state;
    /* science.md 5.3 E1, y = x + 0.1 eps, g = 1, n = 50: E HSIC_u = 0.094523. */
    override a[] = {{"relation", "linear"}, {"noise", "0.1"}, {"samples", "50"}, {"draws", "3000"},
                    {"permutations", "0"}};
    sw_test_task r = run_hsic(a, SW_COUNT(a), 7);
    assert_within(sw_test_task_scalar(&r, "hsic_u"), 0.094523, 4 * sw_test_task_scalar(&r, "hsic_u_se") + 5e-7,
                  "HSIC_u, s = 0.1, n = 50");
    assert_means_match(&r, estimators, 3);
    /* Consistency with the brief's own Monte-Carlo mean of HSIC_b (0.09591, SE about 2.5e-4). */
    assert_within(sw_test_task_scalar(&r, "hsic_b_exact"), 0.09591, 4 * 2.5e-4, "E HSIC_b vs the brief's MC");
    sw_test_task_free(&r);
    /* Points not in the tables: quadratic and sine relations, other widths and sizes. */
    override q[] = {{"relation", "quadratic"}, {"noise", "0.5"}, {"kernel_width", "1.5"}, {"samples", "40"},
                    {"draws", "3000"},         {"permutations", "0"}};
    r = run_hsic(q, SW_COUNT(q), 8);
    assert_means_match(&r, estimators, 3);
    sw_test_task_free(&r);
    override s[] = {{"relation", "sine"}, {"noise", "0.2"}, {"frequency", "2"}, {"kernel_width", "0.6"},
                    {"samples", "30"},    {"draws", "3000"}, {"permutations", "0"}};
    r = run_hsic(s, SW_COUNT(s), 9);
    assert_means_match(&r, estimators, 3);
    sw_test_task_free(&r);
}

static void test_registry_test_sizes(void **state) {
    (void)state;
    /* science.md 5.3 E2: independence, n = 200, median heuristic, R = 300: the Gamma test's rejection rate is
     * 0.05 +- 4 sqrt(0.05 * 0.95 / R); the permutation test's is its exact size floor(0.05 * 200) / 200 = 0.05. */
    override a[] = {{"relation", "independent"}, {"bandwidth", "median"}, {"samples", "200"}, {"draws", "300"},
                    {"permutations", "199"}};
    sw_test_task r = run_hsic(a, SW_COUNT(a), 10);
    double band = 4 * sqrt(0.05 * 0.95 / 300);
    assert_within(sw_test_task_scalar(&r, "reject_gamma"), 0.05, band, "Gamma test size");
    assert_within(sw_test_task_scalar(&r, "reject_perm"), sw_test_task_scalar(&r, "reject_perm_null"), band,
                  "permutation test size");
    assert_within(sw_test_task_scalar(&r, "reject_pearson"), 0.05, band, "Pearson test size");
    assert_within(sw_test_task_scalar(&r, "pearson_r"), 0.0, 4 * sw_test_task_scalar(&r, "pearson_r_se"),
                  "Pearson r under independence");
    assert_within(sw_test_task_scalar(&r, "hsic_u"), 0.0, 4 * sw_test_task_scalar(&r, "hsic_u_se"),
                  "HSIC_u under independence");
    sw_test_task_free(&r);
}

static void test_registry_quadratic_power(void **state) {
    (void)state;
    /* science.md 5.3 E2: y = x^2 + 0.5 eps, n = 200: HSIC tests reject (power 1.000), while E r = 0 exactly (the
     * law is symmetric under x -> -x), so correlation misses the dependence. */
    override a[] = {{"relation", "quadratic"}, {"noise", "0.5"}, {"bandwidth", "median"}, {"samples", "200"},
                    {"draws", "100"},          {"permutations", "99"}};
    sw_test_task r = run_hsic(a, SW_COUNT(a), 11);
    assert_true(sw_test_task_scalar(&r, "reject_gamma") >= 0.97 && sw_test_task_scalar(&r, "reject_perm") >= 0.97);
    assert_within(sw_test_task_scalar(&r, "pearson_r"), 0.0, 4 * sw_test_task_scalar(&r, "pearson_r_se"),
                  "Pearson r, quadratic");
    assert_true(sw_test_task_scalar(&r, "reject_pearson") < 0.6);
    sw_test_task_free(&r);
}

/* ---- the sweep specs ---- */

/* A tiny-spec task: every output a scalar; under independence E HSIC_u = 0, else HSIC_u is well above 0. */
static void check_tiny_task(const sw_test_task *r) {
    assert_scalar_outputs(r);
    if (r->param[sw_param_index(r->e, "relation")].integer == SW_HSIC_INDEPENDENT)
        assert_within(sw_test_task_scalar(r, "hsic_u"), 0.0, 5 * sw_test_task_scalar(r, "hsic_u_se"),
                      "tiny: HSIC_u under independence");
    else
        assert_true(sw_test_task_scalar(r, "hsic_u") > 5 * sw_test_task_scalar(r, "hsic_u_se"));
}

/* jobs/hsic.yaml loads and is about hsic; every task of jobs/tiny/hsic.yaml runs through the registry with the
 * parameters and key the spec layer gives it. Under independence E HSIC_u = 0 holds exactly even with the median
 * heuristic (K depends on the x sample only, L on the y sample only, and both are exchangeable). */
static void test_jobs(void **state) {
    (void)state;
    static const char *const experiments[] = {"hsic", NULL};
    sw_test_spec_file_uses(SW_JOBS_DIR "/hsic.yaml", experiments);
    sw_test_run_spec_file(SW_JOBS_DIR "/tiny/hsic.yaml", experiments, check_tiny_task);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_matrix),
        cmocka_unit_test(test_median_distance),
        cmocka_unit_test(test_estimators_definitions),
        cmocka_unit_test(test_perm_statistic),
        cmocka_unit_test(test_pearson),
        cmocka_unit_test(test_population_linear_table),
        cmocka_unit_test(test_population_linear_other_points),
        cmocka_unit_test(test_expected_under_independence),
        cmocka_unit_test(test_population_quadrature),
        cmocka_unit_test(test_population_correlation),
        cmocka_unit_test(test_median_width_y),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_registry_wiring),
        cmocka_unit_test(test_registry_independent_expectations),
        cmocka_unit_test(test_registry_dependent_expectations),
        cmocka_unit_test(test_registry_test_sizes),
        cmocka_unit_test(test_registry_quadratic_power),
        cmocka_unit_test(test_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
