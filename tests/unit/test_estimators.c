/* test_estimators.c: the variance-estimator kernels and the variance_bias experiment against science.md §6: the
 * exact table, the Gaussian closed forms, c₄(n), and Monte-Carlo means within 4 standard errors at table points and
 * at points that are not in the table (other n, σ², and E s for n = 2, where it is known for every distribution). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators.h"
#include "mpisweep/experiment.h"
#include "mpisweep/spec.h"
#include "task_harness.h"

/* ---- exact values ---- */

static void test_exact_table(void **state) {
    (void)state;
    /* science.md §6.3 with σ² = 1: dist, n, E σ̂²_n, MSE_n, MSE_{n−1}, MSE_{n+1}, printed to 4–5 digits. */
    static const struct {
        sw_var_dist dist;
        size_t n;
        double mean, mse_n, mse_n1, mse_np1;
    } table[] = {
        {SW_VAR_GAUSS, 2, 0.5, 0.75, 2, 0.6667},           {SW_VAR_GAUSS, 3, 0.6667, 0.5556, 1, 0.5},
        {SW_VAR_GAUSS, 5, 0.8, 0.36, 0.5, 0.3333},         {SW_VAR_GAUSS, 10, 0.9, 0.19, 0.2222, 0.1818},
        {SW_VAR_GAUSS, 20, 0.95, 0.0975, 0.10526, 0.09524}, {SW_VAR_GAUSS, 100, 0.99, 0.0199, 0.0202, 0.0198},
        {SW_VAR_UNIFORM, 2, 0.5, 0.6, 1.4, 0.6},           {SW_VAR_UNIFORM, 5, 0.8, 0.2064, 0.26, 0.22667},
        {SW_VAR_UNIFORM, 10, 0.9, 0.0928, 0.10222, 0.10149}, {SW_VAR_EXPONENTIAL, 2, 0.5, 1.5, 5, 1.0},
        {SW_VAR_EXPONENTIAL, 5, 0.8, 1.128, 1.7, 0.86667}, {SW_VAR_EXPONENTIAL, 10, 0.9, 0.676, 0.82222, 0.58347},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        sw_var_exact e;
        sw_var_exact_values(table[i].n, table[i].dist, 1.0, &e);
        /* Every entry is printed to at least 4 decimals: half a unit of the 4th. */
        sw_test_assert_abs(e.mean[SW_VAR_BIASED], table[i].mean, 5.1e-5, "E SS/n (science.md table)");
        sw_test_assert_abs(e.mse[SW_VAR_BIASED], table[i].mse_n, 5.1e-5, "MSE_n (science.md table)");
        sw_test_assert_abs(e.mse[SW_VAR_UNBIASED], table[i].mse_n1, 5.1e-5, "MSE_{n-1} (science.md table)");
        sw_test_assert_abs(e.mse[SW_VAR_MINMSE], table[i].mse_np1, 5.1e-5, "MSE_{n+1} (science.md table)");
    }
}

static void test_gauss_closed_forms(void **state) {
    (void)state;
    /* MSE_n = (2n−1)σ⁴/n², MSE_{n−1} = 2σ⁴/(n−1), MSE_{n+1} = 2σ⁴/(n+1), the minimum; c* = n + 1. */
    static const double sigma2s[] = {1.0, 0.3, 7.5};
    for (size_t n = 2; n <= 200; n += (n < 12 ? 1 : 17))
        for (int s = 0; s < 3; s++) {
            double nn = (double)n, s2 = sigma2s[s], s4 = s2 * s2;
            sw_var_exact e;
            sw_var_exact_values(n, SW_VAR_GAUSS, s2, &e);
            sw_test_assert_rel(e.mean[SW_VAR_BIASED], (nn - 1) / nn * s2, 1e-14, "E SS/n");
            sw_test_assert_rel(e.mean[SW_VAR_UNBIASED], s2, 1e-14, "E SS/(n-1)");
            sw_test_assert_rel(e.mean[SW_VAR_MINMSE], (nn - 1) / (nn + 1) * s2, 1e-14, "E SS/(n+1)");
            sw_test_assert_rel(e.mse[SW_VAR_BIASED], (2 * nn - 1) / (nn * nn) * s4, 1e-13, "Gaussian MSE_n");
            sw_test_assert_rel(e.mse[SW_VAR_UNBIASED], 2 / (nn - 1) * s4, 1e-13, "Gaussian MSE_{n-1}");
            sw_test_assert_rel(e.mse[SW_VAR_MINMSE], 2 / (nn + 1) * s4, 1e-13, "Gaussian MSE_{n+1}");
            sw_test_assert_rel(e.best_divisor, nn + 1, 1e-13, "Gaussian best divisor n + 1");
            assert_true(e.mse[SW_VAR_MINMSE] < e.mse[SW_VAR_BIASED] && e.mse[SW_VAR_BIASED] < e.mse[SW_VAR_UNBIASED]);
        }
    /* Uniform data: the best divisor is close to n (science.md §6.1). */
    sw_var_exact e;
    sw_var_exact_values(10, SW_VAR_UNIFORM, 1.0, &e);
    sw_test_assert_abs(e.best_divisor, 10.0, 0.25, "uniform best divisor ~ n");
}

static void test_c4(void **state) {
    (void)state;
    /* Closed forms for small n, the brief's values, and the asymptotic series for large n. */
    sw_test_assert_rel(sw_c4(2), sqrt(2.0 / M_PI), 1e-14, "c4(2) = sqrt(2/pi)");
    sw_test_assert_rel(sw_c4(3), sqrt(M_PI) / 2, 1e-14, "c4(3) = sqrt(pi)/2");
    sw_test_assert_rel(sw_c4(4), sqrt(2.0 / 3.0) * 2 / sqrt(M_PI), 1e-14, "c4(4)");
    sw_test_assert_rel(sw_c4(5), 0.75 * sqrt(M_PI) / sqrt(2.0), 1e-14, "c4(5)");
    static const size_t n_brief[] = {2, 5, 10, 100};
    static const double c4_brief[] = {0.797885, 0.939986, 0.972659, 0.997478};
    for (int i = 0; i < 4; i++) sw_test_assert_abs(sw_c4(n_brief[i]), c4_brief[i], 6e-7, "c4 (science.md 6.2)");
    static const double big[] = {1e4, 1e6};
    for (int i = 0; i < 2; i++) {
        double n = big[i], series = 1 - 1 / (4 * n) - 7 / (32 * n * n) - 19 / (128 * n * n * n);
        sw_test_assert_rel(sw_c4((size_t)n), series, 1e-14, "c4 asymptotic series");
    }
    /* The recursion c4(n+2) = c4(n) sqrt((n−1)/(n+1)) · n/(n−1), from Γ(x+1) = xΓ(x). */
    for (size_t n = 2; n < 60; n++) {
        double nn = (double)n;
        sw_test_assert_rel(sw_c4(n + 2), sw_c4(n) * sqrt((nn - 1) / (nn + 1)) * nn / (nn - 1), 1e-13, "c4 recursion");
    }
}

/* ---- Monte Carlo through the kernels ---- */

/* R replicates of n draws; the means of the three estimators against (n−1)σ²/c with SE sqrt(Var/R) from the exact
 * variance (science.md's rule), their MSEs with the sample SE, and E s where it is known. */
static void check_monte_carlo(sw_var_dist dist, size_t n, double sigma2, double sd_exact, uint64_t seed) {
    enum { R = 200000 };
    double *x = malloc(R * n * sizeof *x);
    assert_non_null(x);
    sw_rng_key key = {.seed = seed, .hash = {6747, n}};
    sw_rng rng;
    sw_rng_init(&rng, &key, 0);
    if (dist == SW_VAR_GAUSS) sw_rng_fill_normal(&rng, x, R * n);
    if (dist == SW_VAR_UNIFORM) sw_rng_fill_uniform(&rng, x, R * n);
    if (dist == SW_VAR_EXPONENTIAL) sw_rng_fill_exponential(&rng, x, R * n);
    sw_var_scale(dist, sigma2, x, R * n);
    sw_var_acc acc;
    sw_var_acc_reset(&acc);
    sw_var_batch(n, x, R, sigma2, &acc);
    sw_var_exact e;
    sw_var_exact_values(n, dist, sigma2, &e);
    for (int c = 0; c < SW_VAR_DIVISORS; c++) {
        double shrink = ((double)n - 1) / sw_var_divisor(n, c), se = shrink * sqrt(e.var_unbiased / R);
        sw_test_assert_within_se(acc.estimate[c].mean, e.mean[c], se, 4, "estimator mean");
        sw_test_assert_within_se(acc.sq_error[c].mean, e.mse[c], sw_moments_se(&acc.sq_error[c]), 4, "estimator MSE");
    }
    if (sd_exact > 0) sw_test_assert_within_se(acc.sd.mean, sd_exact, sw_moments_se(&acc.sd), 4, "E s");
    free(x);
}

static void test_monte_carlo(void **state) {
    (void)state;
    /* Table points, */
    check_monte_carlo(SW_VAR_GAUSS, 2, 1.0, sqrt(2.0 / M_PI), 1);
    check_monte_carlo(SW_VAR_UNIFORM, 5, 1.0, 0, 2);
    check_monte_carlo(SW_VAR_EXPONENTIAL, 10, 1.0, 0, 3);
    /* and points that are not in it: other n and σ²; for n = 2, s = |x1 − x2|/√2 and E|x1 − x2| is 2√3σ/3 for the
     * uniform and σ for the exponential distribution. */
    check_monte_carlo(SW_VAR_GAUSS, 7, 2.5, sw_c4(7) * sqrt(2.5), 4);
    check_monte_carlo(SW_VAR_UNIFORM, 13, 0.4, 0, 5);
    check_monte_carlo(SW_VAR_EXPONENTIAL, 4, 3.0, 0, 6);
    check_monte_carlo(SW_VAR_UNIFORM, 2, 1.7, sqrt(6.0) / 3 * sqrt(1.7), 7);
    check_monte_carlo(SW_VAR_EXPONENTIAL, 2, 0.6, sqrt(0.6) / sqrt(2.0), 8);
}

/* ---- the experiment through the registry ---- */

static void test_registry(void **state) {
    (void)state;
    static const struct {
        const char *dist;
        double n, sigma2, mu4; /* μ₄/σ⁴ */
    } cases[] = {{"gauss", 5, 1.0, 3.0}, {"uniform", 3, 4.0, 1.8}, {"exponential", 6, 0.5, 9.0}};
    for (int i = 0; i < 3; i++) {
        sw_test_task t = sw_test_task_new("variance_bias");
        sw_test_task_set_choice(&t, "dist", cases[i].dist);
        sw_test_task_set_int(&t, "n", (int64_t)cases[i].n);
        sw_test_task_set_real(&t, "sigma2", cases[i].sigma2);
        sw_test_task_set_int(&t, "draws", 150000);
        sw_test_task_run(&t, 9);
        double n = cases[i].n, s2 = cases[i].sigma2, s4 = s2 * s2;
        double var_u = (cases[i].mu4 - (n - 3) / (n - 1)) * s4 / n; /* Var(s_u²) written out */
        static const char *const names[] = {"biased", "unbiased", "minmse"};
        const double divisor[] = {n, n - 1, n + 1};
        for (int c = 0; c < 3; c++) {
            char mean[32], mse[32], buf[48];
            snprintf(mean, sizeof mean, "mean_%s", names[c]);
            snprintf(mse, sizeof mse, "mse_%s", names[c]);
            double shrink = (n - 1) / divisor[c], want_mse = shrink * shrink * var_u + (shrink - 1) * (shrink - 1) * s4;
            snprintf(buf, sizeof buf, "%s_exact", mean);
            sw_test_assert_rel(sw_test_task_scalar(&t, buf), shrink * s2, 1e-14, buf);
            snprintf(buf, sizeof buf, "%s_se", mean);
            sw_test_assert_within_se(sw_test_task_scalar(&t, mean), shrink * s2, sw_test_task_scalar(&t, buf), 4, mean);
            sw_test_assert_rel(sw_test_task_scalar(&t, buf), shrink * sqrt(var_u / 150000), 0.05,
                               "SE of the mean ~ sqrt(Var/R)");
            snprintf(buf, sizeof buf, "%s_exact", mse);
            sw_test_assert_rel(sw_test_task_scalar(&t, buf), want_mse, 1e-13, buf);
            snprintf(buf, sizeof buf, "%s_se", mse);
            sw_test_assert_within_se(sw_test_task_scalar(&t, mse), want_mse, sw_test_task_scalar(&t, buf), 4, mse);
        }
        sw_test_assert_rel(sw_test_task_scalar(&t, "mean_sd_exact"), sw_c4((size_t)n) * sqrt(s2), 1e-14,
                           "mean_sd_exact = c4 sigma");
        if (i == 0)
            sw_test_assert_within_se(sw_test_task_scalar(&t, "mean_sd"), sw_c4(5),
                                     sw_test_task_scalar(&t, "mean_sd_se"), 4, "Gaussian E s");
        sw_test_assert_rel(sw_test_task_scalar(&t, "best_divisor_exact"), (n - 1) * (1 + var_u / s4), 1e-13,
                           "best divisor");
        sw_test_task_free(&t);
    }
}

/* ---- the sweep specs ---- */

/* mean_sd_exact is c4 sigma, the Gaussian E s, for every distribution by design. */
static bool is_mean_sd(const char *output) { return strcmp(output, "mean_sd") == 0; }

static void check_against_exact(const sw_test_task *t) {
    bool gauss = t->param[sw_param_index(t->e, "dist")].integer == SW_VAR_GAUSS;
    sw_test_exact_rule rule = {.z = 5.0, .zero_se = SW_TEST_ZERO_SE_FAILS, .skip_output = gauss ? NULL : is_mean_sd};
    sw_test_check_exact(t, &rule);
}

/* jobs/estimators.yaml loads and runs variance_bias; every task of jobs/tiny/estimators.yaml runs through the
 * registry with the parameters and key the spec layer gives it, as the runner would, and every x with x_se and
 * x_exact lies within 5 SE (5: ~30 checks) -- except mean_sd away from Gaussian data, whose reference c4 sigma is
 * the Gaussian one by design. */
static void test_jobs(void **state) {
    (void)state;
    static const char *const experiments[] = {"variance_bias", NULL};
    sw_test_spec_file_uses(SW_JOBS_DIR "/estimators.yaml", experiments);
    sw_test_run_spec_file(SW_JOBS_DIR "/tiny/estimators.yaml", NULL, check_against_exact);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_table),
        cmocka_unit_test(test_gauss_closed_forms),
        cmocka_unit_test(test_c4),
        cmocka_unit_test(test_monte_carlo),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
