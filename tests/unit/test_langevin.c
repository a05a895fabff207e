/* test_langevin.c: Langevin sampling (ULA, MALA) and the 1-D energy model (science.md 8.3 E1, E2, E3).
 *
 * References:
 *  - the target: closed forms (the Gaussian; the mixture at temperature 1, e.g. P(x > 0) = 0.3Φ(−2) + 0.7Φ(2))
 *    and, at another temperature, Simpson's rule written here;
 *  - ULA on the Gaussian: the closed forms of science.md 8.2 written out here, the E1 table, and the
 *    two-normal total variation of the stationary law;
 *  - the mixture: science.md's grid tables (finite T from two starts, and the stationary bias), which carry a
 *    grid error of about 1e-3, so agreement is required to 2e-3;
 *  - Monte Carlo against the exact law from the grid, within 4 standard errors (5 where one call makes dozens
 *    of assertions, i.e. per histogram bin);
 *  - the energy model: the fixed point θ₂* = (1 − √(1 − ε/v_d))/ε (the table's 2.0204, 2.1115, 2.2540) and
 *    science.md's test, training within 1 % of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "langevin.h"
#include "task_harness.h"

enum { BINS_MAX = 64 };

static sw_langevin_config config(sw_langevin_target target, sw_langevin_sampler sampler, sw_langevin_init init,
                                 double step, int64_t steps) {
    return (sw_langevin_config){.target = target, .temperature = 1.0, .sampler = sampler, .step = step,
                                .steps = steps, .init = init, .x0 = 3.0, .bins = 40, .hist_range = 6.0};
}

/* The grid's law of x_T (and, when stationary is non-NULL, the sampler's stationary law). */
static void grid_law(const sw_langevin_config *c, sw_langevin_law *law, sw_langevin_law *stationary) {
    void *work = aligned_alloc(64, (sw_langevin_grid_bytes(c) + 63) / 64 * 64);
    assert_non_null(work);
    sw_langevin_grid *g = sw_langevin_grid_init(c, work);
    if (law) sw_langevin_grid_law(g, law);
    if (stationary) assert_int_equal(sw_langevin_grid_stationary(g, stationary), SW_OK);
    free(work);
}

static double bin_edge(const sw_langevin_config *c, size_t e) {
    return -c->hist_range + (double)e * 2.0 * c->hist_range / (double)c->bins;
}

/* ---- the target ---- */

static double mixture_cdf(double x) {
    return 0.3 * gsl_cdf_ugaussian_P(x + 2.0) + 0.7 * gsl_cdf_ugaussian_P(x - 2.0);
}

static void test_target_closed_forms(void **state) {
    (void)state;
    double hist[BINS_MAX];
    sw_langevin_config c = config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_UNIFORM, 0.1, 1);
    const size_t bins[2] = {40, 7};
    const double ranges[2] = {6.0, 3.3};
    for (int v = 0; v < 2; v++) {
        c.bins = bins[v], c.hist_range = ranges[v];
        sw_langevin_law law = {.hist = hist};
        sw_langevin_target_law(&c, &law);
        SW_TEST_REL(law.mean, 0.8, 1e-10, 1e-10, "mixture mean");
        SW_TEST_REL(law.second_moment, 5.0, 1e-10, 1e-10, "mixture second moment");
        SW_TEST_REL(law.frac_positive, 0.3 * gsl_cdf_ugaussian_P(-2.0) + 0.7 * gsl_cdf_ugaussian_P(2.0), 1e-10, 1e-10,
               "mixture P(x > 0)");
        SW_TEST_NEAR(law.frac_positive, 0.690900, 0, 0, 5e-7, "science.md's 0.690900");
        for (size_t b = 0; b < c.bins; b++) {
            double lo = b == 0 ? 0.0 : mixture_cdf(bin_edge(&c, b));
            double hi = b + 1 == c.bins ? 1.0 : mixture_cdf(bin_edge(&c, b + 1));
            SW_TEST_REL(hist[b], hi - lo, 1e-10, 1e-4, "mixture bin probability");
        }
    }
    c.target = SW_LANGEVIN_GAUSSIAN, c.temperature = 2.0, c.bins = 40, c.hist_range = 6.0;
    sw_langevin_law law = {.hist = hist};
    sw_langevin_target_law(&c, &law);
    SW_TEST_REL(law.second_moment, 2.0, 1e-12, 1, "gaussian variance = temperature");
    for (size_t b = 1; b + 1 < c.bins; b++)
        SW_TEST_REL(hist[b],
                    gsl_cdf_gaussian_P(bin_edge(&c, b + 1), M_SQRT2) - gsl_cdf_gaussian_P(bin_edge(&c, b), M_SQRT2),
                    1e-10, 1e-4, "gaussian bin probability");
}

/* U of the mixture straight from its density (the kernel uses a log-sum-exp rewrite). */
static double mixture_energy(double x) {
    return -log(0.3 * exp(-0.5 * (x + 2) * (x + 2)) + 0.7 * exp(-0.5 * (x - 2) * (x - 2)));
}

/* Simpson's rule on [a, b] with n (even) intervals of ∫ x^power e^{−U/τ}. */
static double simpson(double a, double b, int n, int power, double tau) {
    double h = (b - a) / n, sum = 0.0;
    for (int i = 0; i <= n; i++) {
        double x = a + i * h, w = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        sum += w * pow(x, power) * exp(-(mixture_energy(x) - mixture_energy(2.0)) / tau);
    }
    return sum * h / 3.0;
}

/* A temperature outside every table: the target ∝ exp(−U/0.5) is no longer a mixture of Gaussians. */
static void test_target_at_other_temperature(void **state) {
    (void)state;
    sw_langevin_config c = config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_UNIFORM, 0.1, 1);
    c.temperature = 0.5;
    double hist[40];
    sw_langevin_law law = {.hist = hist};
    sw_langevin_target_law(&c, &law);
    double z = simpson(-12, 12, 24000, 0, 0.5);
    SW_TEST_REL(law.mean, simpson(-12, 12, 24000, 1, 0.5) / z, 1e-10, 1e-10, "mean at temperature 0.5");
    SW_TEST_REL(law.second_moment, simpson(-12, 12, 24000, 2, 0.5) / z, 1e-10, 1e-10, "E x^2 at temperature 0.5");
    SW_TEST_REL(law.frac_positive, simpson(0, 12, 12000, 0, 0.5) / z, 1e-10, 1e-10, "P(x > 0) at temperature 0.5");
    SW_TEST_REL(hist[20], simpson(0, 0.3, 300, 0, 0.5) / z, 1e-10, 1e-4, "bin [0, 0.3)");
}

/* ---- ULA on the gaussian: closed forms ---- */

/* E x_T = a^T x0, Var x_T = v∞(1 − a^{2T}) from a point x0, with a = 1 − ε/(2τ), v∞ = τ/(1 − ε/(4τ)). */
static void gaussian_point_law(double step, double tau, int64_t steps, double x0, double *mean, double *var) {
    double a = 1.0 - step / (2.0 * tau), v_inf = tau / (1.0 - step / (4.0 * tau)), at = pow(a, (double)steps);
    *mean = at * x0;
    *var = v_inf * (1.0 - at * at);
}

/* E1: v∞ and (E x_T, Var x_T) from x0 = 3, to the table's last digit. */
static void test_gaussian_ula_table(void **state) {
    (void)state;
    static const double eps[6] = {0.005, 0.01, 0.05, 0.1, 0.5, 1.0},
                        v_inf[6] = {1.001252, 1.002506, 1.012658, 1.025641, 1.142857, 1.333333};
    for (int i = 0; i < 6; i++) {
        sw_langevin_config c = config(SW_LANGEVIN_GAUSSIAN, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_POINT, eps[i], 1);
        SW_TEST_NEAR(sw_langevin_gaussian_ula_stationary_var(&c), v_inf[i], 0, 0, 5e-7, "v_inf");
    }
    static const struct {
        double eps;
        int64_t steps;
        double mean, var, tol_mean, tol_var;
    } rows[] = {
        {0.005, 20, 2.8535, 0.0954, 5e-5, 5e-5},  {0.005, 50, 2.6471, 0.2217, 5e-5, 5e-5},
        {0.005, 1000, 0.2455, 0.9945, 5e-5, 5e-5}, {0.1, 20, 1.0755, 0.8938, 5e-5, 5e-5},
        {0.1, 50, 0.2308, 1.0196, 5e-5, 5e-5},     {0.1, 100, 0.01776, 1.02561, 5e-6, 5e-6},
    };
    for (size_t r = 0; r < SW_COUNT(rows); r++) {
        sw_langevin_config c =
            config(SW_LANGEVIN_GAUSSIAN, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_POINT, rows[r].eps, rows[r].steps);
        double mean, m2;
        sw_langevin_gaussian_ula_moments(&c, &mean, &m2);
        SW_TEST_NEAR(mean, rows[r].mean, 0, 0, rows[r].tol_mean, "E1 E x_T");
        SW_TEST_NEAR(m2 - mean * mean, rows[r].var, 0, 0, rows[r].tol_var, "E1 Var x_T");
    }
}

/* The grid propagation reproduces the Gaussian closed forms, including bin probabilities and P(x > 0), at
 * points outside the tables (other temperatures, starts and step sizes). */
static void test_grid_matches_gaussian_closed_form(void **state) {
    (void)state;
    static const struct {
        double step, tau;
        int64_t steps;
        sw_langevin_init init;
        double x0;
    } cases[] = {
        {0.1, 1.0, 100, SW_LANGEVIN_INIT_POINT, 3.0},   {0.005, 1.0, 50, SW_LANGEVIN_INIT_POINT, 3.0},
        {0.3, 2.0, 7, SW_LANGEVIN_INIT_UNIFORM, 0.0},   {0.9, 0.5, 13, SW_LANGEVIN_INIT_MODE, 0.0},
        {0.05, 0.25, 200, SW_LANGEVIN_INIT_POINT, -1.5}, {0.7, 4.0, 3, SW_LANGEVIN_INIT_POINT, 6.5},
    };
    for (size_t k = 0; k < SW_COUNT(cases); k++) {
        sw_langevin_config c =
            config(SW_LANGEVIN_GAUSSIAN, SW_LANGEVIN_ULA, cases[k].init, cases[k].step, cases[k].steps);
        c.temperature = cases[k].tau, c.x0 = cases[k].x0;
        double hist[40], mean, m2;
        sw_langevin_law law = {.hist = hist};
        grid_law(&c, &law, NULL);
        sw_langevin_gaussian_ula_moments(&c, &mean, &m2);
        SW_TEST_NEAR(law.mean, mean, 0, 0, 1e-10 * fmax(1.0, fabs(mean)), "grid E x_T");
        SW_TEST_REL(law.second_moment, m2, 1e-10, 1e-10, "grid E x_T^2");
        if (cases[k].init == SW_LANGEVIN_INIT_UNIFORM) {
            SW_TEST_NEAR(law.frac_positive, 0.5, 0, 0, 1e-10, "P(x_T > 0) by symmetry");
            continue;
        }
        double mu, sd;
        gaussian_point_law(c.step, c.temperature, c.steps, sw_langevin_start(&c), &mu, &sd);
        sd = sqrt(sd);
        SW_TEST_REL(law.frac_positive, gsl_cdf_gaussian_Q(-mu, sd), 1e-8, 1e-3, "grid P(x_T > 0)");
        for (size_t b = 0; b < c.bins; b++) {
            double lo = b == 0 ? 0.0 : gsl_cdf_gaussian_P(bin_edge(&c, b) - mu, sd);
            double hi = b + 1 == c.bins ? 1.0 : gsl_cdf_gaussian_P(bin_edge(&c, b + 1) - mu, sd);
            SW_TEST_NEAR(hist[b], hi - lo, 0, 0, 1e-6, "grid bin probability (O(h^4), h <= 0.05)");
        }
    }
}

/* The stationary law of ULA on the gaussian is N(0, v∞); its distance to N(0, τ) is the two-normal total
 * variation 2[Φ(c/√τ) − Φ(c/√v∞)], where the densities cross at ±c, c² = 2τv∞ log(√(v∞/τ))/(v∞ − τ). */
static void test_grid_gaussian_stationary(void **state) {
    (void)state;
    const double steps[3] = {0.1, 0.5, 0.02}, taus[3] = {1.0, 1.0, 0.5};
    for (int k = 0; k < 3; k++) {
        sw_langevin_config c = config(SW_LANGEVIN_GAUSSIAN, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_POINT, steps[k], 1);
        c.temperature = taus[k];
        double hist[40];
        sw_langevin_law st = {.hist = hist};
        grid_law(&c, NULL, &st);
        double tau = taus[k], v = tau / (1.0 - steps[k] / (4.0 * tau));
        double cross = sqrt(2.0 * tau * v * log(sqrt(v / tau)) / (v - tau));
        double tv = 2.0 * (gsl_cdf_ugaussian_P(cross / sqrt(tau)) - gsl_cdf_ugaussian_P(cross / sqrt(v)));
        SW_TEST_NEAR(st.mean, 0.0, 0, 0, 1e-10, "stationary mean");
        SW_TEST_REL(st.second_moment, v, 1e-9, 1, "stationary variance v_inf");
        SW_TEST_NEAR(st.frac_positive, 0.5, 0, 0, 1e-10, "stationary P(x > 0)");
        SW_TEST_REL(st.tv_density, tv, 1e-3, 1e-3, "stationary total variation (O(h^2) at the crossings)");
        for (size_t b = 1; b + 1 < c.bins; b++) {
            double p = gsl_cdf_gaussian_P(bin_edge(&c, b + 1), sqrt(v)) - gsl_cdf_gaussian_P(bin_edge(&c, b), sqrt(v));
            SW_TEST_NEAR(hist[b], p, 0, 0, 1e-6, "stationary bin probability (O(h^4))");
        }
    }
}

/* ---- the mixture: science.md's grid tables (grid error about 1e-3) ---- */

static void test_mixture_tables(void **state) {
    (void)state;
    const double tol = 2e-3;
    static const struct {
        double eps;
        int64_t steps;
        double mean, pos, tv; /* tv < 0: not given */
    } uniform[] = {
        {0.01, 100, 0.0514, 0.5224, -1}, {0.01, 1000, 0.3790, 0.5970, -1}, {0.01, 3000, 0.6823, 0.6646, -1},
        {0.1, 10, 0.0514, 0.5215, -1},   {0.1, 100, 0.3786, 0.5961, -1},   {0.1, 300, 0.6807, 0.6635, 0.0291},
        {0.1, 1000, 0.7953, 0.6890, 0.0079}, {0.5, 10, 0.2217, 0.5578, -1}, {0.5, 100, 0.7472, 0.6751, -1},
        {0.5, 300, 0.7748, 0.6813, -1},
    };
    for (size_t r = 0; r < SW_COUNT(uniform); r++) {
        sw_langevin_config c =
            config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_UNIFORM, uniform[r].eps, uniform[r].steps);
        sw_langevin_law law = {.hist = NULL};
        grid_law(&c, &law, NULL);
        SW_TEST_NEAR(law.mean, uniform[r].mean, 0, 0, tol, "E2 uniform start: E x");
        SW_TEST_NEAR(law.frac_positive, uniform[r].pos, 0, 0, tol, "E2 uniform start: P(x > 0)");
        if (uniform[r].tv >= 0) SW_TEST_NEAR(law.tv_density, uniform[r].tv, 0, 0, tol, "E2 uniform start: TV");
    }
    static const struct {
        double eps;
        int64_t steps;
        double mean, pos;
    } mode[] = {
        {0.1, 10, -1.9762, 0.0160}, {0.1, 30, -1.7615, 0.1039}, {0.1, 100, -0.8628, 0.3191}, {0.1, 300, 0.3364, 0.5867},
        {0.1, 1000, 0.7914, 0.6882}, {0.01, 1000, -0.8627, 0.3203}, {0.5, 30, -0.3837, 0.4227},
    };
    for (size_t r = 0; r < SW_COUNT(mode); r++) {
        sw_langevin_config c =
            config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_MODE, mode[r].eps, mode[r].steps);
        sw_langevin_law law = {.hist = NULL};
        grid_law(&c, &law, NULL);
        SW_TEST_NEAR(law.mean, mode[r].mean, 0, 0, tol, "E2 start at -2: E x");
        SW_TEST_NEAR(law.frac_positive, mode[r].pos, 0, 0, tol, "E2 start at -2: P(x > 0)");
    }
    static const struct {
        double eps, mean, m2, pos, tv;
    } stationary[] = {
        {0.01, 0.79915, 5.00210, 0.69060, 0.00096}, {0.05, 0.79831, 5.00566, 0.69010, 0.00396},
        {0.1, 0.79656, 5.01135, 0.68931, 0.00787},  {0.2, 0.79233, 5.02384, 0.68758, 0.01577},
        {0.5, 0.77486, 5.06899, 0.68127, 0.03983},
    };
    for (size_t r = 0; r < SW_COUNT(stationary); r++) {
        sw_langevin_config c =
            config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_UNIFORM, stationary[r].eps, 1);
        sw_langevin_law st = {.hist = NULL};
        grid_law(&c, NULL, &st);
        SW_TEST_NEAR(st.mean, stationary[r].mean, 0, 0, tol, "ULA stationary E x");
        SW_TEST_NEAR(st.second_moment, stationary[r].m2, 0, 0, tol, "ULA stationary E x^2");
        SW_TEST_NEAR(st.frac_positive, stationary[r].pos, 0, 0, tol, "ULA stationary P(x > 0)");
        SW_TEST_NEAR(st.tv_density, stationary[r].tv, 0, 0, tol, "ULA stationary TV");
        /* "The TV to the target grows linearly in ε, at about 0.08ε" */
        SW_TEST_NEAR(st.tv_density / stationary[r].eps, 0.08, 0, 0, 0.005, "stationary TV / eps");
        /* and the bias is real: the exact target has E x = 0.8, E x^2 = 5 */
        assert_true(st.mean < 0.8 && st.second_moment > 5.0);
    }
}

/* ---- Monte Carlo against the exact law ---- */

static void mc_vs_grid(const sw_langevin_config *c, int64_t chains, uint64_t seed) {
    double hist[BINS_MAX], hist_se[BINS_MAX], exact_hist[BINS_MAX];
    double *work = malloc(sw_langevin_chains_workspace() * sizeof(double));
    assert_non_null(work);
    sw_rng_key key = {.seed = seed, .hash = {0x6612, (uint64_t)chains}};
    sw_rng init_rng, noise_rng, accept_rng;
    sw_rng_init(&init_rng, &key, 0);
    sw_rng_init(&noise_rng, &key, 1);
    sw_rng_init(&accept_rng, &key, 2);
    sw_langevin_mc mc = {.hist = hist, .hist_se = hist_se};
    sw_langevin_chains(c, chains, &init_rng, &noise_rng, &accept_rng, work, &mc);
    free(work);
    sw_langevin_law law = {.hist = exact_hist};
    grid_law(c, &law, NULL);
    double n = (double)chains;
    SW_TEST_NEAR(mc.mean, law.mean, 4, mc.mean_se, 0, "MC E x_T");
    SW_TEST_NEAR(mc.second_moment, law.second_moment, 4, mc.second_moment_se, 0, "MC E x_T^2");
    SW_TEST_NEAR(mc.frac_positive, law.frac_positive, 4, sqrt(law.frac_positive * (1 - law.frac_positive) / n), 0,
            "MC P(x_T > 0)");
    for (size_t b = 0; b < c->bins; b++) {
        double p = exact_hist[b];
        if (p * n < 10) continue; /* the normal approximation needs counts */
        SW_TEST_NEAR(hist[b], p, 5, sqrt(p * (1 - p) / n), 0, "MC histogram bin");
    }
    if (c->sampler == SW_LANGEVIN_MALA)
        SW_TEST_NEAR(mc.accept, law.accept, 4, mc.accept_se, 0, "MALA acceptance rate");
    else
        assert_true(mc.accept == 1.0 && mc.accept_se == 0.0);
}

static void test_monte_carlo_vs_grid(void **state) {
    (void)state;
    sw_langevin_config a = config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_UNIFORM, 0.1, 300);
    mc_vs_grid(&a, 40000, 1);
    sw_langevin_config b = config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_MALA, SW_LANGEVIN_INIT_MODE, 0.5, 50);
    mc_vs_grid(&b, 40000, 2);
    sw_langevin_config c = config(SW_LANGEVIN_GAUSSIAN, SW_LANGEVIN_MALA, SW_LANGEVIN_INIT_POINT, 1.0, 5);
    mc_vs_grid(&c, 40000, 3);
    sw_langevin_config d = config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_POINT, 0.3, 40);
    d.temperature = 2.0, d.x0 = -1.0, d.bins = 25, d.hist_range = 8.0;
    mc_vs_grid(&d, 40000, 4);
    sw_langevin_config e = config(SW_LANGEVIN_GAUSSIAN, SW_LANGEVIN_ULA, SW_LANGEVIN_INIT_UNIFORM, 0.2, 15);
    e.temperature = 0.5;
    mc_vs_grid(&e, 40000, 5);
    sw_langevin_config f = config(SW_LANGEVIN_MIXTURE, SW_LANGEVIN_MALA, SW_LANGEVIN_INIT_UNIFORM, 0.8, 4);
    mc_vs_grid(&f, 40000, 6);
}

/* ---- through the registry ---- */

static void test_registry_langevin(void **state) {
    (void)state;
    static const char *const mc[] = {"mean", "second_moment", "frac_positive", "hist", "tv", "acceptance_rate", NULL};
    sw_test_task r = sw_test_task_new("langevin");
    sw_test_check_schema(r.e, mc);
    sw_test_check_unique_outputs(r.e);
    sw_test_task_set_choice(&r, "target", "mixture");
    sw_test_task_set_choice(&r, "init", "uniform");
    sw_test_task_set_real(&r, "step", 0.1);
    sw_test_task_set_int(&r, "steps", 300);
    sw_test_task_set_int(&r, "chains", 20000);
    sw_test_task_run(&r, 6612);
    const double *v;
    SW_TEST_NEAR(sw_test_task_out(&r, "mean_exact")[0], 0.6807, 0, 0, 2e-3, "table E x");
    SW_TEST_NEAR(sw_test_task_out(&r, "frac_positive_exact")[0], 0.6635, 0, 0, 2e-3, "table P(x > 0)");
    SW_TEST_NEAR(sw_test_task_out(&r, "tv_density_exact")[0], 0.0291, 0, 0, 2e-3, "table TV");
    SW_TEST_NEAR(sw_test_task_out(&r, "mean")[0], sw_test_task_out(&r, "mean_exact")[0], 4,
                 sw_test_task_out(&r, "mean_se")[0], 0, "E x");
    SW_TEST_NEAR(sw_test_task_out(&r, "second_moment")[0], sw_test_task_out(&r, "second_moment_exact")[0], 4,
            sw_test_task_out(&r, "second_moment_se")[0], 0, "E x^2");
    SW_TEST_NEAR(sw_test_task_out(&r, "frac_positive")[0], sw_test_task_out(&r, "frac_positive_exact")[0], 4,
            sw_test_task_out(&r, "frac_positive_se")[0], 0, "P(x > 0)");
    SW_TEST_NEAR(sw_test_task_out(&r, "stationary_mean")[0], 0.79656, 0, 0, 2e-3, "table stationary E x");
    SW_TEST_NEAR(sw_test_task_out(&r, "stationary_tv_density")[0], 0.00787, 0, 0, 2e-3, "table stationary TV");
    SW_TEST_REL(sw_test_task_out(&r, "target_mean")[0], 0.8, 1e-10, 1, "target mean");
    SW_TEST_REL(sw_test_task_out(&r, "target_second_moment")[0], 5.0, 1e-10, 1, "target E x^2");
    assert_true(sw_test_task_out(&r, "acceptance_rate")[0] == 1.0 &&
                sw_test_task_out(&r, "acceptance_rate_exact")[0] == 1.0);
    size_t bins = sw_test_task_count(&r, "hist");
    assert_int_equal(bins, 40);
    double sum = 0, sum_exact = 0, sum_target = 0, tv_exact = 0;
    v = sw_test_task_out(&r, "bin_center");
    SW_TEST_REL(v[0], -5.85, 1e-12, 1, "first bin centre");
    for (size_t b = 0; b < bins; b++) {
        sum += sw_test_task_out(&r, "hist")[b];
        sum_exact += sw_test_task_out(&r, "hist_exact")[b];
        sum_target += sw_test_task_out(&r, "target_hist")[b];
        tv_exact += 0.5 * fabs(sw_test_task_out(&r, "hist_exact")[b] - sw_test_task_out(&r, "target_hist")[b]);
    }
    SW_TEST_REL(sum, 1.0, 1e-12, 1, "hist sums to 1");
    SW_TEST_REL(sum_exact, 1.0, 1e-9, 1, "hist_exact sums to 1");
    SW_TEST_REL(sum_target, 1.0, 1e-12, 1, "target_hist sums to 1");
    SW_TEST_REL(sw_test_task_out(&r, "tv_bins_exact")[0], tv_exact, 1e-12, 1, "tv_bins_exact over the bins");
    /* the binned TV of the chains: the exact value plus noise of order √(bins/N) at most */
    SW_TEST_NEAR(sw_test_task_out(&r, "tv")[0], tv_exact, 4, sw_test_task_out(&r, "tv_se")[0], sqrt(40.0 / 20000.0),
                 "tv");
    sw_test_task_free(&r);

    /* ULA on the gaussian: the _exact outputs are the closed forms (defaults: ε = 0.1, T = 100, x0 = 3) */
    sw_test_task g = sw_test_task_new("langevin");
    sw_test_task_set_int(&g, "chains", 20000);
    sw_test_task_run(&g, 6613);
    SW_TEST_NEAR(sw_test_task_out(&g, "mean_exact")[0], 3.0 * pow(0.95, 100), 0, 0, 1e-14, "closed-form mean");
    SW_TEST_REL(sw_test_task_out(&g, "stationary_second_moment")[0], 1.0 / (1.0 - 0.025), 1e-14, 1, "v_inf");
    SW_TEST_NEAR(sw_test_task_out(&g, "mean")[0], sw_test_task_out(&g, "mean_exact")[0], 4,
                 sw_test_task_out(&g, "mean_se")[0], 0, "E x_T");
    SW_TEST_NEAR(sw_test_task_out(&g, "second_moment")[0], sw_test_task_out(&g, "second_moment_exact")[0], 4,
                 sw_test_task_out(&g, "second_moment_se")[0], 0, "E x_T^2");
    sw_test_task_free(&g);

    /* MALA: exact stationary law, acceptance rate against the grid's */
    sw_test_task m = sw_test_task_new("langevin");
    sw_test_task_set_choice(&m, "sampler", "mala");
    sw_test_task_set_choice(&m, "target", "mixture");
    sw_test_task_set_real(&m, "step", 0.5);
    sw_test_task_set_int(&m, "steps", 50);
    sw_test_task_set_int(&m, "chains", 20000);
    sw_test_task_run(&m, 6614);
    SW_TEST_NEAR(sw_test_task_out(&m, "acceptance_rate")[0], sw_test_task_out(&m, "acceptance_rate_exact")[0], 4,
            sw_test_task_out(&m, "acceptance_rate_se")[0], 0, "acceptance rate");
    assert_true(sw_test_task_out(&m, "acceptance_rate")[0] < 1.0);
    SW_TEST_REL(sw_test_task_out(&m, "stationary_mean")[0], 0.8, 1e-10, 1, "MALA is unbiased");
    assert_true(sw_test_task_out(&m, "stationary_tv_density")[0] == 0.0);
    SW_TEST_NEAR(sw_test_task_out(&m, "mean")[0], sw_test_task_out(&m, "mean_exact")[0], 4,
                 sw_test_task_out(&m, "mean_se")[0], 0, "MALA E x_T");
    sw_test_task_free(&m);

    /* ULA diverges for step >= 4·temperature: the check rejects it */
    sw_test_task bad = sw_test_task_new("langevin");
    sw_test_task_set_real(&bad, "temperature", 0.25);
    sw_test_task_set_real(&bad, "step", 1.0);
    assert_false(sw_test_task_check(&bad));
    sw_test_task_set_choice(&bad, "sampler", "mala");
    assert_true(sw_test_task_check(&bad));
}

/* ---- the energy model ---- */

/* θ₂* solves εθ² − 2θ + 1/v_d = 0 (ULA's stationary variance 1/(θ₂(2 − εθ₂)) equal to v_d). */
static void test_ebm_fixed_point(void **state) {
    (void)state;
    static const struct {
        double eps, theta2;
    } rows[] = {{0.01, 2.0204}, {0.05, 2.1115}, {0.1, 2.2540}};
    for (size_t r = 0; r < SW_COUNT(rows); r++) {
        sw_ebm_config c = {.step = rows[r].eps, .data_mean = 1.0, .data_var = 0.25};
        double t1, t2, var;
        sw_ebm_fixed_point(&c, &t1, &t2, &var);
        SW_TEST_NEAR(t2, rows[r].theta2, 0, 0, 5e-5, "E3 predicted theta2");
        SW_TEST_REL(rows[r].eps * t2 * t2 - 2.0 * t2 + 1.0 / 0.25, 0.0, 1e-10, 1, "root of the moment equation");
        SW_TEST_REL(1.0 / (t2 * (2.0 - rows[r].eps * t2)), 0.25, 1e-10, 1, "ULA variance equals the data's");
        SW_TEST_REL(var, 0.5 / t2, 1e-12, 1, "model variance 1/(2 theta2)");
        SW_TEST_REL(t1, -2.0 * t2, 1e-12, 1, "theta1 = -2 theta2 m_d");
    }
    sw_ebm_config c = {.step = 0.1, .data_mean = 1.0, .data_var = 0.25};
    double t1, t2, var;
    sw_ebm_fixed_point(&c, &t1, &t2, &var);
    SW_TEST_NEAR(var, 0.2218, 0, 0, 5e-5, "E3 predicted variance");
}

static void train(double step, double data_mean, double data_var, uint64_t seed) {
    sw_test_task r = sw_test_task_new("ebm_train");
    sw_test_task_set_real(&r, "step", step);
    sw_test_task_set_real(&r, "data_mean", data_mean);
    sw_test_task_set_real(&r, "data_var", data_var);
    sw_test_task_set_int(&r, "chains", 5000);
    sw_test_task_set_int(&r, "iterations", 6000);
    sw_test_task_run(&r, seed);
    double t2 = sw_test_task_out(&r, "theta2_exact")[0], mle = sw_test_task_out(&r, "theta2_mle")[0];
    SW_TEST_REL(mle, 0.5 / data_var, 1e-12, 1, "theta2 of an exact sampler");
    SW_TEST_REL(sw_test_task_out(&r, "theta2")[0], t2, 0.01, 1, "learned theta2 within 1 % of the fixed point");
    SW_TEST_REL(sw_test_task_out(&r, "theta1")[0], sw_test_task_out(&r, "theta1_exact")[0], 0.01, 1,
                "learned theta1 within 1 %");
    SW_TEST_REL(sw_test_task_out(&r, "model_var")[0], sw_test_task_out(&r, "model_var_exact")[0], 0.01, 1,
                "learned variance within 1 %");
    SW_TEST_NEAR(sw_test_task_out(&r, "model_mean")[0], data_mean, 4, sw_test_task_out(&r, "model_mean_se")[0],
                 0.002 * fabs(data_mean) + 1e-3, "the mean is unbiased");
    SW_TEST_REL(sw_test_task_out(&r, "chain_var")[0], data_var, 0.01, 1, "the chains match the data variance");
    /* the test can tell the biased fixed point from the exact-sampler optimum */
    assert_true(fabs(t2 - mle) > 0.02 * t2);
    sw_test_task_free(&r);
}

static void test_ebm_training(void **state) {
    (void)state;
    static const char *const mc[] = {"theta1", "theta2", "model_var", "model_mean", "chain_var", NULL};
    sw_test_task r = sw_test_task_new("ebm_train");
    sw_test_check_schema(r.e, mc);
    sw_test_check_unique_outputs(r.e);
    sw_test_task_set_real(&r, "step", 0.3);
    assert_false(sw_test_task_check(&r)); /* step >= data_var has no fixed point */
    train(0.1, 1.0, 0.25, 1);
    train(0.05, 1.0, 0.25, 2);
    train(0.2, -0.5, 0.8, 3); /* outside the table */
}

/* Every x of a langevin task with x_se and x_exact: |x − x_exact| <= 5 x_se, or within 1e-9 (relative above 1)
 * when the SE is 0; elements whose exact probability is below 0.005 are skipped. */
static void check_langevin_against_exact(const sw_test_task *t) {
    sw_test_exact_rule rule = {.z = 5.0, .zero_se = SW_TEST_ZERO_SE_REL, .zero_se_tol = 1e-9, .min_exact = 0.005};
    if (strcmp(t->e->name, "langevin") == 0) sw_test_check_exact(t, &rule);
}

/* jobs/langevin.yaml loads and is about 6612's experiments; every task of jobs/tiny/langevin.yaml runs through the
 * registry with its spec's parameters and key. Langevin outputs with _se and _exact agree within 5 SE (bins with
 * an exact probability below 0.005, i.e. fewer than 10 expected chains of 2000, are skipped); the short
 * energy-model run only has to finish with finite outputs, as it is far from converged. */
static void test_jobs(void **state) {
    (void)state;
    static const char *const experiments[] = {"langevin", "ebm_train", NULL};
    sw_test_spec_file_uses(SW_JOBS_DIR "/langevin.yaml", experiments);
    sw_test_run_spec_file(SW_JOBS_DIR "/tiny/langevin.yaml", experiments, check_langevin_against_exact);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_closed_forms),
        cmocka_unit_test(test_target_at_other_temperature),
        cmocka_unit_test(test_gaussian_ula_table),
        cmocka_unit_test(test_grid_matches_gaussian_closed_form),
        cmocka_unit_test(test_grid_gaussian_stationary),
        cmocka_unit_test(test_mixture_tables),
        cmocka_unit_test(test_monte_carlo_vs_grid),
        cmocka_unit_test(test_registry_langevin),
        cmocka_unit_test(test_ebm_fixed_point),
        cmocka_unit_test(test_ebm_training),
        cmocka_unit_test(test_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
