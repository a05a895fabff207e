/* test_angle.c: the angle between random vectors (science.md section 4) against exact references.
 *
 * References are closed forms (Var_2 = π²/12, Var_3 = π²/4 - 2, the recursion Var_n = Var_{n-2} - 2/(n-2)², the
 * CDFs for n = 2..5), the printed tables of science.md 4.3, and this file's own Simpson quadrature of
 * C_n sin^{n-2} θ for dimensions the tables do not list. Monte-Carlo checks allow 4 standard errors (5 where a test
 * makes many assertions). Nothing is compared against numbers recorded from this program's own runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "angle.h"
#include "mpisweep/experiment.h"
#include "task_harness.h"

/* |got - want| <= rel * |want| (or <= rel when want is 0), with a readable failure. */
static void assert_rel(double got, double want, double rel, const char *what) {
    double tol = rel * (want != 0.0 ? fabs(want) : 1.0);
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.15g, want %.15g (tolerance %.3g)", what, got, want, tol);
}

static void assert_abs(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.15g, want %.15g (tolerance %.3g)", what, got, want, tol);
}

/* |estimate - exact| <= k standard errors. */
static void assert_within_se(double est, double exact, double se, double k, const char *what) {
    if (!(fabs(est - exact) <= k * se))
        fail_msg("%s: estimate %.10g, exact %.10g, |z| = %.2f > %.1f (SE %.3g)", what, est, exact,
                 fabs(est - exact) / se, k, se);
}

/* ---- independent references ---- */

static double density_const(double n) { return exp(lgamma(0.5 * n) - lgamma(0.5 * (n - 1.0))) / sqrt(M_PI); }

/* ∫_a^b C_n f(θ) sin^{n-2} θ dθ with f(θ) = (θ - π/2)^power, by composite Simpson with `intervals` (even)
 * steps. */
static double simpson_moment(double n, double a, double b, int power, int intervals) {
    double h = (b - a) / intervals, sum = 0.0, c = density_const(n);
    for (int i = 0; i <= intervals; i++) {
        double t = a + i * h, w = (i == 0 || i == intervals) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        sum += w * pow(t - 0.5 * M_PI, power) * pow(sin(t), n - 2.0);
    }
    return c * sum * h / 3.0;
}

/* Exact CDFs for n = 2..5 from elementary antiderivatives of sin^{n-2}. */
static double cdf_closed_form(int n, double t) {
    switch (n) {
    case 2: return t / M_PI;
    case 3: return pow(sin(0.5 * t), 2); /* (1 - cos t)/2 */
    case 4: return (t - sin(t) * cos(t)) / M_PI;
    case 5: return 0.75 * (2.0 / 3.0 - cos(t) + pow(cos(t), 3) / 3.0);
    }
    return NAN;
}

/* ---- exact laws ---- */

static void test_var_exact_table(void **state) {
    (void)state;
    static const struct { double n, var; } table[] = { /* science.md 4.3 E1, 10 decimals */
        {2, 0.8224670334},  {3, 0.4674011003},   {4, 0.3224670334},   {5, 0.2451788781},   {10, 0.1106614779},
        {20, 0.0525831678}, {50, 0.0204053316}, {100, 0.0101006666}, {200, 0.0050250833}, {1000, 0.0010010007},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        assert_abs(sw_angle_var_exact(table[i].n), table[i].var, 6e-11, "Var_n against the table");
}

static void test_var_exact_closed_forms(void **state) {
    (void)state;
    assert_rel(sw_angle_var_exact(2), M_PI * M_PI / 12.0, 1e-12, "Var_2 = pi^2/12");
    assert_rel(sw_angle_var_exact(3), M_PI * M_PI / 4.0 - 2.0, 1e-12, "Var_3 = pi^2/4 - 2");
    assert_rel(sw_angle_var_exact(4), M_PI * M_PI / 12.0 - 0.5, 1e-12, "Var_4 = pi^2/12 - 1/2");
    /* The recursion from both parities reaches every n <= 61, most of them not in the table. */
    double var[62] = {0};
    var[2] = M_PI * M_PI / 12.0;
    var[3] = M_PI * M_PI / 4.0 - 2.0;
    for (int n = 4; n <= 61; n++) {
        var[n] = var[n - 2] - 2.0 / ((n - 2.0) * (n - 2.0));
        assert_rel(sw_angle_var_exact(n), var[n], 1e-10, "Var_n by the recursion");
    }
    /* And straight from the definition, by quadrature, at dimensions off the table. */
    int dims[] = {7, 31, 64};
    for (size_t i = 0; i < 3; i++)
        assert_rel(sw_angle_var_exact(dims[i]), simpson_moment(dims[i], 0.0, M_PI, 2, 200000), 1e-10,
                   "Var_n by quadrature");
    /* The better asymptotic 1/(n-1) - 1/(3n^3) + O(n^-4) of science.md 4.1. */
    double n = 1e5;
    assert_abs(sw_angle_var_exact(n), 1.0 / (n - 1.0) - 1.0 / (3.0 * n * n * n), 1e-19, "asymptotic at n = 1e5");
}

static void test_cdf_closed_forms(void **state) {
    (void)state;
    for (int n = 2; n <= 5; n++)
        for (double t = 0.05; t < M_PI; t += 0.137) {
            char what[64];
            snprintf(what, sizeof what, "CDF n = %d, t = %.3f", n, t);
            assert_rel(sw_angle_cdf(n, t), cdf_closed_form(n, t), 1e-10, what);
        }
    assert_true(sw_angle_cdf(10, 0.0) == 0.0 && sw_angle_cdf(10, M_PI) == 1.0);
    assert_rel(sw_angle_cdf(10, 0.5 * M_PI), 0.5, 1e-14, "median is pi/2");
    /* Far tail keeps relative accuracy: P(Θ <= t) ~ C_n t^{n-1}/(n-1) for small t. */
    double n = 50, t = 1e-3;
    assert_rel(sw_angle_cdf(n, t), density_const(n) * pow(t, n - 1) / (n - 1), 1e-5, "far lower tail");
    assert_abs(sw_angle_cdf(n, M_PI - 0.6) + sw_angle_cdf(n, 0.6), 1.0, 2e-16, "symmetry");
}

static void test_bin_probs_closed_forms(void **state) {
    (void)state;
    double p[64];
    size_t bin_counts[] = {1, 7, 8, 13, 64};
    for (size_t b = 0; b < 5; b++) {
        size_t bins = bin_counts[b];
        sw_angle_bin_probs(2, bins, p);
        for (size_t k = 0; k < bins; k++) assert_rel(p[k], 1.0 / bins, 1e-12, "n = 2: uniform bins");
        sw_angle_bin_probs(3, bins, p);
        for (size_t k = 0; k < bins; k++) {
            double lo = M_PI * k / bins, hi = M_PI * (k + 1) / bins;
            assert_rel(p[k], 0.5 * (cos(lo) - cos(hi)), 1e-10, "n = 3: cos uniform");
        }
        for (int n = 4; n <= 5; n++) {
            sw_angle_bin_probs(n, bins, p);
            for (size_t k = 0; k < bins; k++) {
                double lo = M_PI * k / bins, hi = M_PI * (k + 1) / bins;
                assert_rel(p[k], cdf_closed_form(n, hi) - cdf_closed_form(n, lo), 1e-10, "n = 4, 5: closed CDF");
            }
        }
    }
}

static void test_bin_probs_tables_and_quadrature(void **state) {
    (void)state;
    double p[16];
    static const double n3[] = {0.038060, 0.108386, 0.162212, 0.191342};
    static const double n10[] = {0.000024, 0.007454, 0.115222, 0.377300};
    static const double n100[] = {0, 0, 0.000039, 0.499961};
    const double *tables[] = {n3, n10, n100};
    int dims[] = {3, 10, 100};
    for (int d = 0; d < 3; d++) {
        sw_angle_bin_probs(dims[d], 8, p);
        for (int k = 0; k < 4; k++) {
            assert_abs(p[k], tables[d][k], 5.1e-7, "8-bin table of science.md 4.3 E2");
            assert_true(p[k] == p[7 - k]);
        }
    }
    /* Off-table dimensions and bin counts, odd and even, by quadrature of the density. */
    int qdims[] = {6, 10, 50};
    size_t qbins[] = {9, 16, 5};
    for (int d = 0; d < 3; d++) {
        sw_angle_bin_probs(qdims[d], qbins[d], p);
        double total = 0.0;
        for (size_t k = 0; k < qbins[d]; k++) {
            double lo = M_PI * k / qbins[d], hi = M_PI * (k + 1) / qbins[d];
            double ref = simpson_moment(qdims[d], lo, hi, 0, 20000);
            if (ref > 1e-6) assert_rel(p[k], ref, 1e-10, "bin probability by quadrature");
            else assert_abs(p[k], ref, 1e-16, "tiny bin probability by quadrature");
            total += p[k];
        }
        assert_rel(total, 1.0, 1e-13, "bins sum to 1");
    }
}

static void test_within_prob(void **state) {
    (void)state;
    for (double delta = 0.01; delta < 0.5 * M_PI; delta += 0.1) {
        assert_rel(sw_angle_within_prob(2, delta), 2.0 * delta / M_PI, 1e-12, "n = 2");
        assert_rel(sw_angle_within_prob(3, delta), sin(delta), 1e-12, "n = 3: cos uniform");
        assert_rel(sw_angle_within_prob(4, delta), 1.0 - 2.0 * cdf_closed_form(4, 0.5 * M_PI - delta), 1e-10, "n = 4");
        assert_rel(sw_angle_within_prob(5, delta), 1.0 - 2.0 * cdf_closed_form(5, 0.5 * M_PI - delta), 1e-10, "n = 5");
    }
    static const struct { double n, w5, w10; } table[] = { /* science.md 4.3 E1 */
        {3, 0.087156, 0.173648}, {10, 0.201129, 0.390385}, {100, 0.613868, 0.917549}, {1000, 0.994207, 1.000000},
    };
    double d5 = 5.0 * M_PI / 180.0, d10 = 10.0 * M_PI / 180.0;
    for (size_t i = 0; i < 4; i++) {
        assert_abs(sw_angle_within_prob(table[i].n, d5), table[i].w5, 5.1e-7, "within 5 degrees, table");
        assert_abs(sw_angle_within_prob(table[i].n, d10), table[i].w10, 5.1e-7, "within 10 degrees, table");
    }
    /* Off-table, by quadrature. */
    assert_rel(sw_angle_within_prob(37, d10), simpson_moment(37, 0.5 * M_PI - d10, 0.5 * M_PI + d10, 0, 20000), 1e-10,
               "within 10 degrees, n = 37");
}

/* ---- kernels on deterministic input ---- */

static void test_angle_of_pairs_known_angles(void **state) {
    (void)state;
    enum { DIM = 5, PAIRS = 6 };
    double g[2 * PAIRS * DIM] = {0}, c[PAIRS], theta[PAIRS];
    const double angles[PAIRS] = {0.0, 0.3, 0.5 * M_PI, 2.0, M_PI, 1.1};
    for (int i = 0; i < PAIRS; i++) {
        double *x = g + 2 * i * DIM, *y = x + DIM;
        /* x along e_1 (scaled), y at the angle in the (e_1, e_3) plane (scaled differently) */
        x[0] = 3.0;
        y[0] = 0.25 * cos(angles[i]);
        y[2] = 0.25 * sin(angles[i]);
    }
    sw_angle_of_pairs(g, DIM, PAIRS, c, theta);
    for (int i = 0; i < PAIRS; i++) {
        assert_abs(theta[i], angles[i], 2e-8, "angle of a constructed pair"); /* acos near 0, π: sqrt(eps) */
        assert_abs(c[i], cos(angles[i]), 1e-15, "cosine of a constructed pair");
    }
    double zero[4] = {0, 0, 1, 1};
    sw_angle_of_pairs(zero, 2, 1, c, theta);
    assert_true(c[0] == 0.0 && fabs(theta[0] - 0.5 * M_PI) < 1e-15);
}

static void test_histogram(void **state) {
    (void)state;
    double x[] = {0.0, 0.1, 0.7853, 0.7854, 3.0, M_PI, -1.0, 4.0}, counts[4] = {0};
    sw_histogram_add(x, 8, 0.0, M_PI, 4, counts);
    assert_true(counts[0] == 4.0 && counts[1] == 1.0 && counts[2] == 0.0 && counts[3] == 3.0);
}

/* Chi-square upper tail for 1 and 3 degrees of freedom in elementary functions. */
static double chisq_q1(double x) { return erfc(sqrt(0.5 * x)); }
static double chisq_q3(double x) { return erfc(sqrt(0.5 * x)) + sqrt(2.0 * x / M_PI) * exp(-0.5 * x); }

static void test_chi2_pooled(void **state) {
    (void)state;
    double quarters[] = {0.25, 0.25, 0.25, 0.25}, counts[] = {10, 20, 30, 40};
    sw_chi2 r = sw_chi2_pooled(counts, quarters, 4, 5.0);
    assert_rel(r.stat, 20.0, 1e-14, "chi2 stat");
    assert_true(r.dof == 3.0);
    assert_rel(r.pvalue, chisq_q3(20.0), 1e-10, "chi2 p-value, 3 dof");
    /* Pooling: expected 1, 2, 497, 500 -> cells {1,2,497} and {500}; data in the tiny bins is pooled too. */
    double probs[] = {0.001, 0.002, 0.497, 0.5}, c2[] = {0, 3, 517, 480};
    r = sw_chi2_pooled(c2, probs, 4, 5.0);
    assert_true(r.dof == 1.0);
    assert_rel(r.stat, 2.0 * 400.0 / 500.0, 1e-14, "pooled chi2");
    assert_rel(r.pvalue, chisq_q1(1.6), 1e-10, "chi2 p-value, 1 dof");
    /* A short remainder at the right end joins the last cell. */
    double rprobs[] = {0.5, 0.497, 0.002, 0.001}, c3[] = {480, 517, 3, 0};
    sw_chi2 r3 = sw_chi2_pooled(c3, rprobs, 4, 5.0);
    assert_true(r3.dof == 1.0 && fabs(r3.stat - r.stat) < 1e-12);
    /* Everything in one cell: nothing to test. */
    double one[] = {2, 1}, half[] = {0.5, 0.5};
    r = sw_chi2_pooled(one, half, 2, 5.0);
    assert_true(r.dof == 0.0 && r.stat == 0.0 && r.pvalue == 1.0);
}

/* ---- Monte-Carlo kernel against the exact laws ---- */

static void check_simulation(size_t dim, size_t samples, uint64_t seed) {
    enum { BINS = 12 };
    double *work = malloc(sw_angle_simulate_work_doubles(dim) * sizeof(double)), counts[BINS], p[BINS];
    assert_non_null(work);
    sw_rng_key key = {.seed = seed, .hash = {dim, 7076}};
    sw_rng rng;
    sw_rng_init(&rng, &key, 0);
    sw_angle_stats s;
    sw_angle_simulate(dim, samples, BINS, &rng, work, &s, counts);
    free(work);
    double n = (double)dim, N = (double)samples, d5 = 5.0 * M_PI / 180.0, d10 = 10.0 * M_PI / 180.0;
    assert_true(s.angle.n == N);
    assert_within_se(s.angle.mean, 0.5 * M_PI, sw_moments_se(&s.angle), 4, "mean angle");
    assert_within_se(s.dev2.mean, sw_angle_var_exact(n), sw_moments_se(&s.dev2), 4, "variance about pi/2");
    /* E cos^2 = 1/n; Var cos^2 = 2(n-1)/(n^2(n+2)) (science.md 4.3) */
    assert_within_se(s.cos2.mean, 1.0 / n, sqrt(2.0 * (n - 1.0) / (n * n * (n + 2.0)) / N), 4, "mean cos^2");
    double w5 = sw_angle_within_prob(n, d5), w10 = sw_angle_within_prob(n, d10);
    assert_within_se(s.within5.mean, w5, sqrt(w5 * (1 - w5) / N), 4, "within 5 degrees");
    assert_within_se(s.within10.mean, w10, sqrt(w10 * (1 - w10) / N), 4, "within 10 degrees");
    sw_angle_bin_probs(n, BINS, p);
    double total = 0.0;
    for (int k = 0; k < BINS; k++) {
        total += counts[k];
        if (p[k] * N > 20) assert_within_se(counts[k] / N, p[k], sqrt(p[k] * (1 - p[k]) / N), 5, "histogram bin");
    }
    assert_true(total == N);
    sw_chi2 test = sw_chi2_pooled(counts, p, BINS, 5.0);
    if (!(test.pvalue > 1e-4)) fail_msg("chi2 = %g on %g dof, p = %g", test.stat, test.dof, test.pvalue);
}

static void test_simulation_against_exact(void **state) {
    (void)state;
    check_simulation(2, 200000, 1);
    check_simulation(3, 200000, 2);
    check_simulation(7, 200000, 3);
    check_simulation(10, 100000, 4);
    check_simulation(100, 100000, 5);
    check_simulation(1000, 10000, 6);
}

/* The result is a pure function of the stream: the chunking must not change which numbers are used. */
static void test_simulation_deterministic(void **state) {
    (void)state;
    size_t dim = 3, samples = 40000; /* several chunks plus a partial one */
    double *work = malloc(sw_angle_simulate_work_doubles(dim) * sizeof(double)), c1[4], c2[4];
    sw_rng_key key = {.seed = 9};
    sw_rng a, b;
    sw_rng_init(&a, &key, 0);
    sw_rng_init(&b, &key, 0);
    sw_angle_stats s1, s2;
    sw_angle_simulate(dim, samples, 4, &a, work, &s1, c1);
    sw_angle_simulate(dim, samples, 4, &b, work, &s2, c2);
    free(work);
    assert_memory_equal(&s1, &s2, sizeof s1);
    assert_memory_equal(c1, c2, sizeof c1);
}

/* ---- through the registry, as the runner calls it ---- */

static void test_registry_angle(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("angle");
    assert_non_null(strstr(r.e->article, "7076"));
    const char *mc[] = {"mean_angle", "var_angle", "mean_cos2", "frac_within_5deg", "frac_within_10deg", "hist", NULL};
    sw_test_check_schema(r.e, mc);
    assert_true(r.e->params[sw_test_task_param_index(&r, "bins")].shape);
    sw_test_task_set_int(&r, "dim", 7);
    sw_test_task_set_int(&r, "samples", 60000);
    sw_test_task_set_int(&r, "bins", 9);
    sw_test_task_try(&r, 7076);
    assert_int_equal(r.outcome, SW_TASK_OK);
    size_t bins = sw_test_task_count(&r, "hist");
    assert_int_equal(bins, 9);
    assert_int_equal(sw_test_task_count(&r, "hist_exact"), 9);
    /* exact outputs, from references independent of the kernel */
    double var7 = M_PI * M_PI / 4.0 - 2.0 - 2.0 / 9.0 - 2.0 / 25.0; /* Var_3 - 2/3^2 - 2/5^2 */
    assert_rel(sw_test_task_out(&r, "mean_angle_exact")[0], 0.5 * M_PI, 1e-15, "mean_angle_exact");
    assert_rel(sw_test_task_out(&r, "var_angle_exact")[0], var7, 1e-12, "var_angle_exact for dim = 7");
    assert_rel(sw_test_task_out(&r, "mean_cos2_exact")[0], 1.0 / 7.0, 1e-15, "mean_cos2_exact");
    double d5 = 5.0 * M_PI / 180.0, d10 = 10.0 * M_PI / 180.0;
    assert_rel(sw_test_task_out(&r, "frac_within_5deg_exact")[0],
               simpson_moment(7, 0.5 * M_PI - d5, 0.5 * M_PI + d5, 0, 20000), 1e-10, "frac_within_5deg_exact");
    assert_rel(sw_test_task_out(&r, "frac_within_10deg_exact")[0],
               simpson_moment(7, 0.5 * M_PI - d10, 0.5 * M_PI + d10, 0, 20000), 1e-10, "frac_within_10deg_exact");
    /* Monte-Carlo outputs against them */
    const char *moments[] = {"mean_angle", "var_angle", "mean_cos2", "frac_within_5deg", "frac_within_10deg"};
    for (int i = 0; i < 5; i++) {
        char se[64], exact[64];
        snprintf(se, sizeof se, "%s_se", moments[i]);
        snprintf(exact, sizeof exact, "%s_exact", moments[i]);
        assert_within_se(sw_test_task_out(&r, moments[i])[0], sw_test_task_out(&r, exact)[0],
                         sw_test_task_out(&r, se)[0], 4, moments[i]);
    }
    const double *hist = sw_test_task_out(&r, "hist"), *hist_se = sw_test_task_out(&r, "hist_se");
    const double *hist_exact = sw_test_task_out(&r, "hist_exact");
    double sum = 0.0, sum_exact = 0.0;
    for (size_t k = 0; k < bins; k++) {
        double lo = M_PI * k / 9.0, hi = M_PI * (k + 1) / 9.0;
        assert_rel(hist_exact[k], simpson_moment(7, lo, hi, 0, 20000), 1e-10, "hist_exact bin");
        assert_within_se(hist[k], hist_exact[k], hist_se[k], 4, "hist bin");
        sum += hist[k];
        sum_exact += hist_exact[k];
    }
    assert_rel(sum, 1.0, 1e-12, "hist sums to 1");
    assert_rel(sum_exact, 1.0, 1e-12, "hist_exact sums to 1");
    assert_true(sw_test_task_out(&r, "chi2_dof")[0] == 8.0); /* 60000 samples fill every bin */
    assert_true(sw_test_task_out(&r, "chi2_pvalue")[0] > 1e-4);
    /* p-value wired to the statistic: for 8 dof, Q(x) = exp(-x/2) sum_{j<4} (x/2)^j / j! */
    double half = 0.5 * sw_test_task_out(&r, "chi2")[0], q = 0.0, term = 1.0;
    for (int j = 0; j < 4; j++) {
        q += term;
        term *= half / (j + 1);
    }
    assert_rel(sw_test_task_out(&r, "chi2_pvalue")[0], exp(-half) * q, 1e-10, "chi2_pvalue of chi2 on 8 dof");
    sw_test_task_free(&r);
}

/* A tiny sample pools every bin into one cell: the test reports "nothing to test", not garbage. */
static void test_registry_angle_tiny(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("angle");
    sw_test_task_set_int(&r, "dim", 1000);
    sw_test_task_set_int(&r, "samples", 3);
    sw_test_task_try(&r, 1);
    assert_int_equal(r.outcome, SW_TASK_OK);
    assert_true(sw_test_task_out(&r, "chi2_dof")[0] == 0.0 && sw_test_task_out(&r, "chi2_pvalue")[0] == 1.0);
    sw_test_task_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_var_exact_table),
        cmocka_unit_test(test_var_exact_closed_forms),
        cmocka_unit_test(test_cdf_closed_forms),
        cmocka_unit_test(test_bin_probs_closed_forms),
        cmocka_unit_test(test_bin_probs_tables_and_quadrature),
        cmocka_unit_test(test_within_prob),
        cmocka_unit_test(test_angle_of_pairs_known_angles),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_chi2_pooled),
        cmocka_unit_test(test_simulation_against_exact),
        cmocka_unit_test(test_simulation_deterministic),
        cmocka_unit_test(test_registry_angle),
        cmocka_unit_test(test_registry_angle_tiny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
