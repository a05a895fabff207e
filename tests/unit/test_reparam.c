/* test_reparam.c: reparameterisation vs score-function gradients for z ~ N(μ, σ²) (science.md 7.3 E1, E2).
 *
 * References: the E1 table (exact integers and decimals), the E2 table (six decimals) and its crossover ω ≈ 1.060;
 * at points outside the tables, the expectations E g and E g² of each estimator computed in this file by the
 * trapezoid rule against the normal density (spectrally accurate for these entire integrands), which checks the
 * closed forms independently. Monte-Carlo estimates must lie within 4 standard errors of the exact values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "reparam.h"
#include "task_harness.h"

static const char *const estimator_name[SW_REPARAM_N_ESTIMATORS] = {"mu_rep", "mu_sf", "sigma_rep", "sigma_sf"};

/* ---- an independent reference: the single-draw estimators integrated against φ(ε) ---- */

static void estimators_at(const sw_reparam_gauss *pb, double e, double g[SW_REPARAM_N_ESTIMATORS], double *f) {
    double z = pb->mu + pb->sigma * e, df;
    if (pb->f == SW_REPARAM_SIN) {
        *f = sin(pb->omega * z);
        df = pb->omega * cos(pb->omega * z);
    } else {
        *f = z * z;
        df = 2.0 * z;
    }
    g[SW_REPARAM_MU_REP] = df;
    g[SW_REPARAM_MU_SF] = *f * e / pb->sigma;
    g[SW_REPARAM_SIGMA_REP] = df * e;
    g[SW_REPARAM_SIGMA_SF] = *f * (e * e - 1.0) / pb->sigma;
}

/* Trapezoid rule on [−16, 16] with h = 1/64: the error of a Gaussian-weighted entire function of exponential type
 * b is about exp(−(2π/h − b)²/2), far below rounding for every ω used here. */
static void quadrature(const sw_reparam_gauss *pb, sw_reparam_gauss_exact *q) {
    const double h = 1.0 / 64.0, norm = h / sqrt(2.0 * M_PI);
    double m1[SW_REPARAM_N_ESTIMATORS] = {0}, m2[SW_REPARAM_N_ESTIMATORS] = {0}, objective = 0.0;
    for (int i = -16 * 64; i <= 16 * 64; i++) {
        double e = i * h, w = norm * exp(-0.5 * e * e), g[SW_REPARAM_N_ESTIMATORS], f;
        estimators_at(pb, e, g, &f);
        objective += w * f;
        for (int k = 0; k < SW_REPARAM_N_ESTIMATORS; k++) {
            m1[k] += w * g[k];
            m2[k] += w * g[k] * g[k];
        }
    }
    q->objective = objective;
    for (int k = 0; k < SW_REPARAM_N_ESTIMATORS; k++) {
        q->mean[k] = m1[k];
        q->var[k] = m2[k] - m1[k] * m1[k];
    }
}

/* ---- deterministic checks ---- */

/* E1: f = z², every entry exact (science.md 7.3). Order: mu_rep, mu_sf, sigma_rep, sigma_sf. */
static void test_square_table(void **state) {
    (void)state;
    static const struct {
        double mu, sigma, mean[4], var[4];
    } rows[] = {
        {1, 1, {2, 2, 2, 2}, {4, 30, 12, 136}},
        {0, 1, {0, 0, 2, 2}, {4, 15, 8, 74}},
        {2, 0.5, {4, 4, 1, 1}, {1, 123.75, 18, 386.5}},
    };
    for (size_t r = 0; r < SW_COUNT(rows); r++) {
        sw_reparam_gauss pb = {.f = SW_REPARAM_SQUARE, .mu = rows[r].mu, .sigma = rows[r].sigma};
        sw_reparam_gauss_exact ex;
        sw_reparam_gauss_exact_values(&pb, &ex);
        for (int k = 0; k < SW_REPARAM_N_ESTIMATORS; k++) {
            SW_TEST_REL(ex.mean[k], rows[r].mean[k], 1e-10, 1e-10, estimator_name[k]);
            SW_TEST_REL(ex.var[k], rows[r].var[k], 1e-10, 1e-10, estimator_name[k]);
        }
    }
}

/* E2: f = sin(ωz), μ = 0.5, σ = 1; the table has six decimals. */
static void test_sin_table(void **state) {
    (void)state;
    static const struct {
        double omega, rep_var, sf_var, grad;
    } rows[] = {
        {0.25, 0.000170, 0.121551, 0.240418}, {0.5, 0.008752, 0.317217, 0.427531}, {1, 0.253238, 0.326360, 0.532281},
        {2, 1.978334, 0.477566, 0.146244},    {4, 8.000000, 0.500000, -0.000558}, {8, 32.000000, 0.500000, 0.0},
    };
    for (size_t r = 0; r < SW_COUNT(rows); r++) {
        sw_reparam_gauss pb = {.f = SW_REPARAM_SIN, .mu = 0.5, .sigma = 1.0, .omega = rows[r].omega};
        sw_reparam_gauss_exact ex;
        sw_reparam_gauss_exact_values(&pb, &ex);
        SW_TEST_NEAR(ex.var[SW_REPARAM_MU_REP], rows[r].rep_var, 0, 0, 6e-7, "reparameterisation variance");
        SW_TEST_NEAR(ex.var[SW_REPARAM_MU_SF], rows[r].sf_var, 0, 0, 6e-7, "score-function variance");
        SW_TEST_NEAR(ex.mean[SW_REPARAM_MU_REP], rows[r].grad, 0, 0, 6e-7, "dL/dmu");
    }
}

static double variance_gap(double omega) {
    sw_reparam_gauss pb = {.f = SW_REPARAM_SIN, .mu = 0.5, .sigma = 1.0, .omega = omega};
    sw_reparam_gauss_exact ex;
    sw_reparam_gauss_exact_values(&pb, &ex);
    return ex.var[SW_REPARAM_MU_REP] - ex.var[SW_REPARAM_MU_SF];
}

/* The reparameterisation variance overtakes the score function's at ω ≈ 1.060 (μ = 0.5, σ = 1). */
static void test_crossover(void **state) {
    (void)state;
    double lo = 0.5, hi = 2.0;
    assert_true(variance_gap(lo) < 0.0 && variance_gap(hi) > 0.0);
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (variance_gap(mid) < 0.0)
            lo = mid;
        else
            hi = mid;
    }
    SW_TEST_NEAR(lo, 1.060, 0, 0, 5e-4, "crossover frequency");
}

/* The closed forms against quadrature, at points outside the tables (both objectives). */
static void test_closed_forms_vs_quadrature(void **state) {
    (void)state;
    static const sw_reparam_gauss points[] = {
        {SW_REPARAM_SQUARE, -1.5, 0.7, 0}, {SW_REPARAM_SQUARE, 3.0, 2.5, 0}, {SW_REPARAM_SIN, -0.7, 0.3, 2.5},
        {SW_REPARAM_SIN, 1.3, 2.0, 0.4},   {SW_REPARAM_SIN, 0.5, 1.0, 8.0},  {SW_REPARAM_SIN, 2.0, 0.1, 0.0},
    };
    for (size_t p = 0; p < SW_COUNT(points); p++) {
        sw_reparam_gauss_exact ex, q;
        sw_reparam_gauss_exact_values(&points[p], &ex);
        quadrature(&points[p], &q);
        SW_TEST_REL(ex.objective, q.objective, 1e-10, 1e-3, "objective");
        for (int k = 0; k < SW_REPARAM_N_ESTIMATORS; k++) {
            /* the floor keeps "relative" meaningful for means that vanish, e.g. ω = 0 or ω = 8 */
            SW_TEST_REL(ex.mean[k], q.mean[k], 1e-10, 1e-3, estimator_name[k]);
            SW_TEST_REL(ex.var[k], q.var[k], 1e-10, 1e-3, estimator_name[k]);
        }
    }
}

/* science.md calls the SF variance "bounded by 1/(2σ²)"; that is its limit for large ω. Where ωμ = π/2 the
 * gradient vanishes and f ≈ 1 near μ for small ω, so the variance approaches E[ε²]/σ² = 1/σ²: at ω = 0.1 it is
 * (1 + (1 − 4ω²σ²)e^{−2ω²σ²})/(2σ²) ≈ 0.9705. The true bound is E[sin²(ωz) ε²]/σ² <= 1/σ². */
static void test_sf_variance_exceeds_half(void **state) {
    (void)state;
    double omega = 0.1, x = 2.0 * omega * omega;
    sw_reparam_gauss pb = {.f = SW_REPARAM_SIN, .mu = M_PI / (2.0 * omega), .sigma = 1.0, .omega = omega};
    sw_reparam_gauss_exact ex, q;
    sw_reparam_gauss_exact_values(&pb, &ex);
    quadrature(&pb, &q);
    SW_TEST_REL(ex.var[SW_REPARAM_MU_SF], (1.0 + (1.0 - 2.0 * x) * exp(-x)) / 2.0, 1e-12, 1e-3,
                "SF variance, ωμ = π/2");
    SW_TEST_REL(q.var[SW_REPARAM_MU_SF], ex.var[SW_REPARAM_MU_SF], 1e-10, 1e-3, "SF variance by quadrature");
    assert_true(ex.var[SW_REPARAM_MU_SF] > 0.97 && ex.var[SW_REPARAM_MU_SF] < 1.0);
}

/* ---- Monte Carlo ---- */

static void check_monte_carlo(const sw_reparam_gauss *pb, int64_t samples, uint64_t seed) {
    sw_rng_key key = {.seed = seed, .hash = {0x6705, (uint64_t)samples}};
    sw_rng rng;
    sw_rng_init(&rng, &key, 0);
    double eps[SW_REPARAM_BLOCK];
    sw_reparam_gauss_mc mc;
    sw_reparam_gauss_exact ex;
    sw_reparam_gauss_monte_carlo(pb, samples, &rng, eps, &mc);
    sw_reparam_gauss_exact_values(pb, &ex);
    SW_TEST_NEAR(mc.objective, ex.objective, 4, mc.objective_se, 0, "objective");
    for (int k = 0; k < SW_REPARAM_N_ESTIMATORS; k++) {
        SW_TEST_NEAR(mc.mean[k], ex.mean[k], 4, mc.mean_se[k], 0, estimator_name[k]);
        SW_TEST_NEAR(mc.var[k], ex.var[k], 4, mc.var_se[k], 0, estimator_name[k]);
    }
}

static void test_monte_carlo(void **state) {
    (void)state;
    static const sw_reparam_gauss points[] = {
        {SW_REPARAM_SQUARE, 1.0, 1.0, 0},  {SW_REPARAM_SQUARE, 2.0, 0.5, 0}, {SW_REPARAM_SQUARE, -0.4, 1.7, 0},
        {SW_REPARAM_SIN, 0.5, 1.0, 2.0},   {SW_REPARAM_SIN, 0.5, 1.0, 0.25}, {SW_REPARAM_SIN, -0.7, 0.3, 2.5},
    };
    for (size_t p = 0; p < SW_COUNT(points); p++) check_monte_carlo(&points[p], 400000, 11 + p);
}

/* ---- through the registry ---- */

static void test_registry(void **state) {
    (void)state;
    static const char *const mc[] = {"objective",     "grad_mu_rep_mean",    "grad_mu_rep_var",
                                     "grad_mu_sf_mean", "grad_sigma_rep_var", "grad_sigma_sf_var", NULL};
    sw_test_task r = sw_test_task_new("reparam_gauss");
    sw_test_check_schema(r.e, mc);
    sw_test_check_unique_outputs(r.e);
    sw_test_task_set_choice(&r, "f", "sin");
    sw_test_task_set_real(&r, "mu", 0.5);
    sw_test_task_set_real(&r, "sigma", 1.0);
    sw_test_task_set_real(&r, "omega", 2.0);
    sw_test_task_set_int(&r, "samples", 50000);
    sw_test_task_run(&r, 6705);
    /* 0.146244, 1.978334 and 0.477566 are E2's ω = 2 row; σ's values come from the closed forms. */
    SW_TEST_NEAR(sw_test_task_out(&r, "grad_mu_rep_mean_exact")[0], 0.146244, 0, 0, 6e-7, "wired dL/dmu");
    SW_TEST_NEAR(sw_test_task_out(&r, "grad_mu_rep_var_exact")[0], 1.978334, 0, 0, 6e-7, "wired rep variance");
    SW_TEST_NEAR(sw_test_task_out(&r, "grad_mu_sf_var_exact")[0], 0.477566, 0, 0, 6e-7, "wired SF variance");
    static const char *const stems[] = {"grad_mu_rep", "grad_mu_sf", "grad_sigma_rep", "grad_sigma_sf"};
    for (size_t s = 0; s < SW_COUNT(stems); s++) {
        char a[64], b[64], c[64];
        for (int var = 0; var < 2; var++) {
            const char *kind = var ? "var" : "mean";
            snprintf(a, sizeof a, "%s_%s", stems[s], kind);
            snprintf(b, sizeof b, "%s_%s_se", stems[s], kind);
            snprintf(c, sizeof c, "%s_%s_exact", stems[s], kind);
            SW_TEST_NEAR(sw_test_task_out(&r, a)[0], sw_test_task_out(&r, c)[0], 4, sw_test_task_out(&r, b)[0], 0, a);
        }
    }
    SW_TEST_NEAR(sw_test_task_out(&r, "objective")[0], sw_test_task_out(&r, "objective_exact")[0], 4,
                 sw_test_task_out(&r, "objective_se")[0], 0, "objective");
    /* the article's point at ω = 2: the score function has the lower variance */
    assert_true(sw_test_task_out(&r, "grad_mu_sf_var")[0] < sw_test_task_out(&r, "grad_mu_rep_var")[0]);
    sw_test_task_free(&r);

    sw_test_task sq = sw_test_task_new("reparam_gauss"); /* defaults: f = z², μ = σ = 1 */
    sw_test_task_set_int(&sq, "samples", 50000);
    sw_test_task_run(&sq, 6706);
    SW_TEST_REL(sw_test_task_out(&sq, "grad_sigma_sf_var_exact")[0], 136.0, 1e-12, 1, "E1 SF sigma variance");
    SW_TEST_NEAR(sw_test_task_out(&sq, "grad_mu_sf_var")[0], 30.0, 4, sw_test_task_out(&sq, "grad_mu_sf_var_se")[0], 0,
                 "E1 SF mu variance");
    assert_true(sw_test_task_out(&sq, "grad_mu_rep_var")[0] < sw_test_task_out(&sq, "grad_mu_sf_var")[0]);
    sw_test_task_free(&sq);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square_table),
        cmocka_unit_test(test_sin_table),
        cmocka_unit_test(test_crossover),
        cmocka_unit_test(test_closed_forms_vs_quadrature),
        cmocka_unit_test(test_sf_variance_exceeds_half),
        cmocka_unit_test(test_monte_carlo),
        cmocka_unit_test(test_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
