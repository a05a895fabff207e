/* test_gumbel.c: Gumbel-max, Gumbel-softmax and REINFORCE for a categorical variable (science.md 7.3 E3, E4).
 *
 * References:
 *  - the exact E3 values (L = 3.3, ∇L, REINFORCE variances: exact decimals) and E4's REINFORCE variances;
 *  - REINFORCE variances at other points from a different algebraic form, E g_j² = p_j(f_j − b)²(1 − p_j)² +
 *    p_j² Σ_{y≠j} p_y (f_y − b)²;
 *  - Gumbel-max and argmax ỹ frequencies against p by a chi-square test (p-value > 1e-4);
 *  - Gumbel-softmax moments by quadrature written here: for k = 2, ỹ₁ = sigmoid((Δ − s)/τ) with s logistic
 *    (composite Gauss-Legendre), checked first against E4's quadrature table; for k = 3, the Dirichlet form
 *    ỹ_i ∝ (p_i/w_i)^{1/τ} with w uniform on the simplex (tanh-sinh in two dimensions), checked first against
 *    E3's Monte-Carlo table (SE <= 5e-4);
 *  - the limits τ → 0 (E ỹ → p) and τ → ∞ (E ỹ_i = 1/k + (o_i − ō)/(kτ) + O(τ⁻²)).
 * Monte-Carlo estimates must lie within 4 standard errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "reparam.h"
#include "task_harness.h"

enum { KMAX = 8 };

/* science.md E3: p = (0.2, 0.3, 0.5), f = (1, 2, 5) */
static const double table_p[3] = {0.2, 0.3, 0.5};
static const double table_f[3] = {1.0, 2.0, 5.0};

static void logits_of(size_t k, const double *p, double *o) {
    for (size_t i = 0; i < k; i++) o[i] = log(p[i]);
}

/* Gumbel-softmax moments: E ỹ, E max ỹ, E f·ỹ, and mean and variance of the pathwise gradient per logit. */
typedef struct gs_moments {
    double mean[KMAX], top, relaxed, grad_mean[KMAX], grad_var[KMAX];
} gs_moments;

/* Accumulates weight × (the moments' integrands) at one relaxed sample y. */
static void gs_accumulate(size_t k, const double *y, const double *f, double tau, double weight, gs_moments *m,
                          double *grad_sq) {
    double fy = 0.0, top = 0.0;
    for (size_t i = 0; i < k; i++) {
        fy += f[i] * y[i];
        top = y[i] > top ? y[i] : top;
    }
    m->top += weight * top;
    m->relaxed += weight * fy;
    for (size_t j = 0; j < k; j++) {
        double g = y[j] * (f[j] - fy) / tau;
        m->mean[j] += weight * y[j];
        m->grad_mean[j] += weight * g;
        grad_sq[j] += weight * g * g;
    }
}

static void gs_finish(size_t k, gs_moments *m, const double *grad_sq) {
    for (size_t j = 0; j < k; j++) m->grad_var[j] = grad_sq[j] - m->grad_mean[j] * m->grad_mean[j];
}

/* ---- k = 2: one-dimensional quadrature over the logistic variable ---- */

static void gauss_legendre10(double *x, double *w) {
    for (int i = 0; i < 10; i++) {
        double z = cos(M_PI * (i + 0.75) / 10.5), dp = 1.0;
        for (int it = 0; it < 100; it++) {
            double p0 = 1.0, p1 = z;
            for (int n = 2; n <= 10; n++) {
                double p2 = ((2.0 * n - 1.0) * z * p1 - (n - 1.0) * p0) / n;
                p0 = p1;
                p1 = p2;
            }
            dp = 10.0 * (z * p1 - p0) / (z * z - 1.0);
            double dz = p1 / dp;
            z -= dz;
            if (fabs(dz) < 1e-16) break;
        }
        x[i] = z;
        w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
}

static double sigmoid(double t) { return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t)); }

/* ỹ₁ = sigmoid((Δ − s)/τ), s ~ Logistic(0, 1) with density σ(s)σ(−s), integrated over [−45, 45] on panels of
 * width min(τ, 1)/4 aligned with the transition at s = Δ. */
static gs_moments binary_quadrature(double p1, const double *f, double tau) {
    double gx[10], gw[10], grad_sq[2] = {0};
    gauss_legendre10(gx, gw);
    gs_moments m = {0};
    double delta = log(p1 / (1.0 - p1)), panel = fmin(tau, 1.0) / 4.0;
    int half = (int)ceil(45.0 / panel);
    for (int q = -half; q < half; q++) {
        double mid = delta + (q + 0.5) * panel;
        for (int i = 0; i < 10; i++) {
            double s = mid + 0.5 * panel * gx[i];
            double weight = 0.5 * panel * gw[i] * sigmoid(s) * sigmoid(-s);
            double y[2] = {sigmoid((delta - s) / tau), sigmoid((s - delta) / tau)};
            gs_accumulate(2, y, f, tau, weight, &m, grad_sq);
        }
    }
    gs_finish(2, &m, grad_sq);
    return m;
}

/* ---- k = 3: the Dirichlet form in two dimensions ---- */

/* Tanh-sinh rule on (0, 1), returning x and 1 − x separately (both accurate near the ends). */
typedef struct ts_node {
    double x, one_minus_x, w;
} ts_node;

enum { TS_HALF = 112 }; /* t in [−3.5, 3.5] with step 1/32 */

static void tanh_sinh(ts_node *nodes) {
    const double h = 1.0 / 32.0;
    for (int k = -TS_HALF; k <= TS_HALF; k++) {
        double t = k * h, a = M_PI * sinh(t);
        ts_node *n = &nodes[k + TS_HALF];
        n->x = sigmoid(a);
        n->one_minus_x = sigmoid(-a);
        n->w = h * M_PI * cosh(t) * n->x * n->one_minus_x;
    }
}

/* With E_i = e^{−G_i} ~ Exp(1), ỹ_i ∝ (p_i/E_i)^{1/τ} depends only on w = E/ΣE, uniform on the simplex.
 * Duffy's map w = (u, (1−u)v, (1−u)(1−v)) has Jacobian (1 − u); the simplex density is 2. */
static gs_moments simplex_quadrature(const double *p, const double *f, double tau) {
    static ts_node nodes[2 * TS_HALF + 1];
    tanh_sinh(nodes);
    gs_moments m = {0};
    double grad_sq[3] = {0};
    for (int a = 0; a <= 2 * TS_HALF; a++)
        for (int b = 0; b <= 2 * TS_HALF; b++) {
            const ts_node *u = &nodes[a], *v = &nodes[b];
            double logw[3] = {log(u->x), log(u->one_minus_x) + log(v->x), log(u->one_minus_x) + log(v->one_minus_x)};
            double y[3], top = -HUGE_VAL, sum = 0.0;
            for (int i = 0; i < 3; i++) {
                y[i] = (log(p[i]) - logw[i]) / tau;
                top = y[i] > top ? y[i] : top;
            }
            for (int i = 0; i < 3; i++) sum += y[i] = exp(y[i] - top);
            for (int i = 0; i < 3; i++) y[i] /= sum;
            gs_accumulate(3, y, f, tau, 2.0 * u->one_minus_x * u->w * v->w, &m, grad_sq);
        }
    gs_finish(3, &m, grad_sq);
    return m;
}

/* ---- the Monte-Carlo kernel, run directly ---- */

typedef struct mc_run {
    size_t k;
    double arrays[18][KMAX];
    sw_gumbel_mc out;
} mc_run;

static void run_kernel(mc_run *r, size_t k, const double *logits, const double *f, double tau, int64_t samples,
                       uint64_t seed) {
    r->k = k;
    double(*x)[KMAX] = r->arrays;
    r->out = (sw_gumbel_mc){.max_freq = x[0], .max_freq_se = x[1], .gs_argmax_freq = x[2],
                            .gs_argmax_freq_se = x[3], .gs_mean = x[4], .gs_mean_se = x[5],
                            .grad_gs_mean = x[6], .grad_gs_mean_se = x[7], .grad_gs_var = x[8],
                            .grad_gs_var_se = x[9], .reinforce_mean = x[10], .reinforce_mean_se = x[11],
                            .reinforce_var = x[12], .reinforce_var_se = x[13], .baseline_mean = x[14],
                            .baseline_mean_se = x[15], .baseline_var = x[16], .baseline_var_se = x[17]};
    sw_rng_key key = {.seed = seed, .hash = {0x6705, k}};
    sw_rng max_rng, gs_rng;
    sw_rng_init(&max_rng, &key, 0);
    sw_rng_init(&gs_rng, &key, 1);
    void *work = malloc(sw_gumbel_workspace_bytes(k));
    assert_non_null(work);
    sw_gumbel_monte_carlo(k, logits, f, tau, samples, &max_rng, &gs_rng, work, &r->out);
    free(work);
}

/* Chi-square goodness of fit of frequencies (from n draws) to p; passes when the p-value exceeds 1e-4. */
static void chi_square(size_t k, const double *freq, const double *p, double n, const char *what) {
    double stat = 0.0;
    for (size_t i = 0; i < k; i++) stat += n * (freq[i] - p[i]) * (freq[i] - p[i]) / p[i];
    double pvalue = gsl_cdf_chisq_Q(stat, (double)(k - 1));
    if (!(pvalue > 1e-4)) fail_msg("%s: chi-square %g on %zu dof, p-value %g", what, stat, k - 1, pvalue);
}

static void check_against(const mc_run *r, const gs_moments *ref, const char *what) {
    for (size_t j = 0; j < r->k; j++) {
        SW_TEST_NEAR(r->out.gs_mean[j], ref->mean[j], 4, r->out.gs_mean_se[j], 0, what);
        SW_TEST_NEAR(r->out.grad_gs_mean[j], ref->grad_mean[j], 4, r->out.grad_gs_mean_se[j], 0, what);
        SW_TEST_NEAR(r->out.grad_gs_var[j], ref->grad_var[j], 4, r->out.grad_gs_var_se[j], 0, what);
    }
    SW_TEST_NEAR(r->out.gs_max_mean, ref->top, 4, r->out.gs_max_mean_se, 0, what);
    SW_TEST_NEAR(r->out.relaxed_objective, ref->relaxed, 4, r->out.relaxed_objective_se, 0, what);
}

/* ---- exact values ---- */

static void exact_values(size_t k, const double *logits, const double *f, double *p, double *grad, double *v0,
                         double *vb, double *objective) {
    sw_categorical_exact ex = {.p = p, .grad = grad, .reinforce_var = v0, .baseline_var = vb};
    sw_categorical_exact_values(k, logits, f, &ex);
    *objective = ex.objective;
}

/* E3: L = 3.3, ∇L = (−0.46, −0.39, 0.85), REINFORCE variances and traces (exact decimals). */
static void test_categorical_table(void **state) {
    (void)state;
    double o[3], p[3], grad[3], v0[3], vb[3], objective;
    logits_of(3, table_p, o);
    exact_values(3, o, table_f, p, grad, v0, vb, &objective);
    static const double grad_ref[3] = {-0.46, -0.39, 0.85}, v0_ref[3] = {0.4644, 1.5789, 2.7525},
                        vb_ref[3] = {0.5436, 0.3216, 0.0300};
    SW_TEST_REL(objective, 3.3, 1e-10, 1e-10, "L");
    double t0 = 0.0, tb = 0.0;
    for (int j = 0; j < 3; j++) {
        SW_TEST_REL(p[j], table_p[j], 1e-10, 1e-10, "p");
        SW_TEST_REL(grad[j], grad_ref[j], 1e-10, 1e-10, "grad");
        SW_TEST_REL(v0[j], v0_ref[j], 1e-10, 1e-10, "REINFORCE variance, b = 0");
        SW_TEST_REL(vb[j], vb_ref[j], 1e-10, 1e-10, "REINFORCE variance, b = L");
        t0 += v0[j];
        tb += vb[j];
    }
    SW_TEST_REL(t0, 4.7958, 1e-10, 1e-10, "trace, b = 0");
    SW_TEST_REL(tb, 0.8952, 1e-10, 1e-10, "trace, b = L");
    /* E4: p₁ = 0.3, f = (1, 0): gradient p₁p₂ = 0.21, variances 0.1029 and 0.0336 */
    double o2[2] = {log(0.3), log(0.7)}, f2[2] = {1.0, 0.0};
    exact_values(2, o2, f2, p, grad, v0, vb, &objective);
    SW_TEST_REL(grad[0], 0.21, 1e-10, 1e-10, "binary gradient");
    SW_TEST_REL(v0[0], 0.1029, 1e-10, 1e-10, "binary REINFORCE variance, b = 0");
    SW_TEST_REL(vb[0], 0.0336, 1e-10, 1e-10, "binary REINFORCE variance, b = L");
}

/* Points outside the tables, against the second algebraic form of the REINFORCE variance. */
static void test_categorical_other_points(void **state) {
    (void)state;
    static const double logits[6] = {0.3, -1.2, 2.0, 0.0, -0.5, 1.1}, f[6] = {-2.0, 0.5, 3.0, 7.0, -1.0, 0.0};
    for (size_t k = 2; k <= 6; k++) {
        double p[6], grad[6], v0[6], vb[6], objective, z = 0.0, l = 0.0;
        exact_values(k, logits, f, p, grad, v0, vb, &objective);
        for (size_t i = 0; i < k; i++) z += exp(logits[i]);
        for (size_t i = 0; i < k; i++) l += exp(logits[i]) / z * f[i];
        SW_TEST_REL(objective, l, 1e-12, 1e-3, "L");
        for (size_t j = 0; j < k; j++) {
            double pj = exp(logits[j]) / z;
            SW_TEST_REL(p[j], pj, 1e-12, 1e-12, "p");
            SW_TEST_REL(grad[j], pj * (f[j] - l), 1e-12, 1e-3, "grad");
            for (int with_baseline = 0; with_baseline < 2; with_baseline++) {
                double b = with_baseline ? l : 0.0, rest = 0.0;
                for (size_t y = 0; y < k; y++)
                    if (y != j) rest += exp(logits[y]) / z * (f[y] - b) * (f[y] - b);
                double second = pj * (f[j] - b) * (f[j] - b) * (1 - pj) * (1 - pj) + pj * pj * rest;
                double ref = second - pj * pj * (f[j] - l) * (f[j] - l);
                SW_TEST_REL(with_baseline ? vb[j] : v0[j], ref, 1e-10, 1e-3, "REINFORCE variance");
            }
        }
    }
}

/* The reference quadratures reproduce science.md's tables before they are used anywhere else. */
static void test_quadrature_matches_tables(void **state) {
    (void)state;
    static const struct {
        double tau, y1, grad, var;
    } e4[] = {
        {0.05, 0.300344, 0.209775, 0.655701}, {0.1, 0.301358, 0.209102, 0.305689}, {0.2, 0.305179, 0.206437, 0.131211},
        {0.5, 0.325253, 0.190234, 0.030957},  {1, 0.362078, 0.155196, 0.006024},   {2, 0.409999, 0.104085, 0.000555},
        {5, 0.459008, 0.048168, 7e-6},
    };
    const double f2[2] = {1.0, 0.0};
    for (size_t r = 0; r < SW_COUNT(e4); r++) {
        gs_moments m = binary_quadrature(0.3, f2, e4[r].tau);
        SW_TEST_NEAR(m.mean[0], e4[r].y1, 0, 0, 6e-7, "E4 E y1");
        SW_TEST_NEAR(m.grad_mean[0], e4[r].grad, 0, 0, 6e-7, "E4 E grad");
        SW_TEST_NEAR(m.grad_var[0], e4[r].var, 0, 0, 6e-7, "E4 Var grad");
    }
    /* E3's Gumbel-softmax rows are Monte Carlo with SE <= 5e-4: agree within 4·5e-4 + rounding. */
    static const struct {
        double tau, mean[3], top, relaxed;
    } e3[] = {
        {0.5, {0.2135, 0.3065, 0.4800}, 0.8006, 3.227}, {1, {0.2375, 0.3151, 0.4474}, 0.6648, 3.105},
        {2, {0.2707, 0.3238, 0.4055}, 0.5283, 2.946},   {10, {0.3188, 0.3319, 0.3493}, 0.3733, 2.729},
    };
    for (size_t r = 0; r < SW_COUNT(e3); r++) {
        gs_moments m = simplex_quadrature(table_p, table_f, e3[r].tau);
        for (int i = 0; i < 3; i++) SW_TEST_NEAR(m.mean[i], e3[r].mean[i], 0, 0, 2.05e-3, "E3 E y");
        SW_TEST_NEAR(m.top, e3[r].top, 0, 0, 2.05e-3, "E3 E max y");
        SW_TEST_NEAR(m.relaxed, e3[r].relaxed, 0, 0, 4 * 5e-3 + 5e-4, "E3 E f.y");
        double sum = m.mean[0] + m.mean[1] + m.mean[2];
        SW_TEST_NEAR(sum, 1.0, 0, 0, 1e-12, "E y sums to 1");
    }
}

/* Gumbel-max frequencies and argmax ỹ frequencies equal p (chi-square), REINFORCE is unbiased with the exact
 * variance, at the table's p and at six categories. */
static void test_gumbel_max_and_reinforce(void **state) {
    (void)state;
    static const double six[6] = {0.3, -1.2, 2.0, 0.0, -0.5, 1.1}, f6[6] = {-2.0, 0.5, 3.0, 7.0, -1.0, 0.0};
    double o3[3];
    logits_of(3, table_p, o3);
    const struct {
        size_t k;
        const double *logits, *f;
        double tau;
    } cases[] = {{3, o3, table_f, 0.1}, {3, o3, table_f, 1.0}, {3, o3, table_f, 10.0}, {6, six, f6, 0.5}};
    const double n = 200000;
    for (size_t c = 0; c < SW_COUNT(cases); c++) {
        mc_run r;
        size_t k = cases[c].k;
        run_kernel(&r, k, cases[c].logits, cases[c].f, cases[c].tau, (int64_t)n, 100 + c);
        double p[6], grad[6], v0[6], vb[6], objective;
        exact_values(k, cases[c].logits, cases[c].f, p, grad, v0, vb, &objective);
        chi_square(k, r.out.max_freq, p, n, "Gumbel-max frequencies");
        chi_square(k, r.out.gs_argmax_freq, p, n, "argmax of the Gumbel-softmax sample");
        SW_TEST_NEAR(r.out.objective, objective, 4, r.out.objective_se, 0, "E f_y");
        for (size_t j = 0; j < k; j++) {
            SW_TEST_NEAR(r.out.reinforce_mean[j], grad[j], 4, r.out.reinforce_mean_se[j], 0, "REINFORCE mean");
            SW_TEST_NEAR(r.out.baseline_mean[j], grad[j], 4, r.out.baseline_mean_se[j], 0, "REINFORCE mean, b = L");
            SW_TEST_NEAR(r.out.reinforce_var[j], v0[j], 4, r.out.reinforce_var_se[j], 0, "REINFORCE variance");
            SW_TEST_NEAR(r.out.baseline_var[j], vb[j], 4, r.out.baseline_var_se[j], 0, "REINFORCE variance, b = L");
        }
    }
}

/* Gumbel-softmax moments against quadrature: k = 2 at E4's temperatures and at a point of its own; k = 3 at a
 * temperature outside E3's table and at τ = 1. */
static void test_gumbel_softmax_moments(void **state) {
    (void)state;
    const double n = 200000;
    const double f2[2] = {1.0, 0.0}, f2b[2] = {2.0, -1.0}, taus[3] = {0.2, 0.5, 1.0};
    for (int t = 0; t < 3; t++) {
        double o[2] = {log(0.3), log(0.7)};
        mc_run r;
        run_kernel(&r, 2, o, f2, taus[t], (int64_t)n, 200 + t);
        gs_moments ref = binary_quadrature(0.3, f2, taus[t]);
        check_against(&r, &ref, "binary Gumbel-softmax, p1 = 0.3");
    }
    {
        double o[2] = {1.7 + log(0.6), 1.7 + log(0.4)}; /* shifted logits: only differences matter */
        mc_run r;
        run_kernel(&r, 2, o, f2b, 0.7, (int64_t)n, 210);
        gs_moments ref = binary_quadrature(0.6, f2b, 0.7);
        check_against(&r, &ref, "binary Gumbel-softmax, p1 = 0.6, tau = 0.7");
    }
    double o3[3];
    logits_of(3, table_p, o3);
    const double taus3[2] = {0.7, 1.0};
    for (int t = 0; t < 2; t++) {
        mc_run r;
        run_kernel(&r, 3, o3, table_f, taus3[t], (int64_t)n, 220 + t);
        gs_moments ref = simplex_quadrature(table_p, table_f, taus3[t]);
        check_against(&r, &ref, "three categories");
    }
}

/* τ → 0: E ỹ → p and max ỹ → 1; τ → ∞: E ỹ_i = 1/k + (o_i − ō)/(kτ) + O(τ⁻²). */
static void test_temperature_limits(void **state) {
    (void)state;
    double o3[3];
    logits_of(3, table_p, o3);
    mc_run cold, hot;
    run_kernel(&cold, 3, o3, table_f, 0.01, 100000, 300);
    run_kernel(&hot, 3, o3, table_f, 1000.0, 100000, 301);
    double mean_logit = (o3[0] + o3[1] + o3[2]) / 3.0;
    for (int i = 0; i < 3; i++) {
        /* the bias at τ = 0.01 is about 1e-4 (E4: 3.4e-4 at τ = 0.05) */
        SW_TEST_NEAR(cold.out.gs_mean[i], table_p[i], 4, cold.out.gs_mean_se[i], 3e-4, "E y at tau = 0.01");
        SW_TEST_NEAR(hot.out.gs_mean[i], 1.0 / 3.0 + (o3[i] - mean_logit) / 3000.0, 4, hot.out.gs_mean_se[i], 1e-5,
                "E y at tau = 1000");
    }
    assert_true(cold.out.gs_max_mean > 0.99);
    SW_TEST_NEAR(cold.out.gs_max_mean, 0.9957, 4, sqrt(cold.out.gs_max_mean_se * cold.out.gs_max_mean_se + 2.5e-7), 0,
            "E3 E max y at tau = 0.01");
    SW_TEST_NEAR(hot.out.gs_max_mean, 1.0 / 3.0, 4, hot.out.gs_max_mean_se, 2e-3, "E max y at tau = 1000");
}

/* ---- through the registry ---- */

static void test_registry(void **state) {
    (void)state;
    static const char *const mc[] = {"gumbel_max_freq",  "gs_argmax_freq",    "gs_mean",
                                     "grad_gs_mean",     "grad_gs_var",       "reinforce_mean",
                                     "reinforce_var",    "reinforce_baseline_mean", "reinforce_baseline_var",
                                     "gs_max_mean",      "objective",         "relaxed_objective",
                                     "relaxed_bias",     NULL};
    sw_test_task r = sw_test_task_new("gumbel");
    sw_test_check_schema(r.e, mc);
    sw_test_check_unique_outputs(r.e);
    assert_int_equal(sw_test_task_count(&r, "gs_mean"), 3);
    sw_test_task_set_real(&r, "temperature", 1.0);
    sw_test_task_set_int(&r, "samples", 40000);
    sw_test_task_run(&r, 6705);
    static const double grad_ref[3] = {-0.46, -0.39, 0.85}, v0_ref[3] = {0.4644, 1.5789, 2.7525},
                        vb_ref[3] = {0.5436, 0.3216, 0.0300};
    gs_moments ref = simplex_quadrature(table_p, table_f, 1.0);
    double sum = 0.0, fy = 0.0;
    for (int j = 0; j < 3; j++) {
        SW_TEST_REL(sw_test_task_out(&r, "gumbel_max_freq_exact")[j], table_p[j], 1e-12, 1e-12, "p");
        SW_TEST_REL(sw_test_task_out(&r, "gs_argmax_freq_exact")[j], table_p[j], 1e-12, 1e-12, "p");
        SW_TEST_REL(sw_test_task_out(&r, "grad_exact")[j], grad_ref[j], 1e-10, 1e-10, "grad_exact");
        SW_TEST_REL(sw_test_task_out(&r, "reinforce_var_exact")[j], v0_ref[j], 1e-10, 1e-10, "reinforce_var_exact");
        SW_TEST_REL(sw_test_task_out(&r, "reinforce_baseline_var_exact")[j], vb_ref[j], 1e-10, 1e-10, "baseline exact");
        SW_TEST_NEAR(sw_test_task_out(&r, "gumbel_max_freq")[j], table_p[j], 4,
                     sw_test_task_out(&r, "gumbel_max_freq_se")[j], 0, "freq");
        SW_TEST_NEAR(sw_test_task_out(&r, "gs_argmax_freq")[j], table_p[j], 4,
                     sw_test_task_out(&r, "gs_argmax_freq_se")[j], 0, "argmax");
        SW_TEST_NEAR(sw_test_task_out(&r, "gs_mean")[j], ref.mean[j], 4, sw_test_task_out(&r, "gs_mean_se")[j], 0,
                     "gs_mean");
        SW_TEST_NEAR(sw_test_task_out(&r, "grad_gs_mean")[j], ref.grad_mean[j], 4,
                     sw_test_task_out(&r, "grad_gs_mean_se")[j], 0, "grad");
        SW_TEST_NEAR(sw_test_task_out(&r, "grad_gs_var")[j], ref.grad_var[j], 4,
                     sw_test_task_out(&r, "grad_gs_var_se")[j], 0, "grad var");
        SW_TEST_NEAR(sw_test_task_out(&r, "reinforce_mean")[j], grad_ref[j], 4,
                     sw_test_task_out(&r, "reinforce_mean_se")[j], 0, "rf mean");
        SW_TEST_NEAR(sw_test_task_out(&r, "reinforce_var")[j], v0_ref[j], 4,
                     sw_test_task_out(&r, "reinforce_var_se")[j], 0, "rf var");
        SW_TEST_NEAR(sw_test_task_out(&r, "reinforce_baseline_var")[j], vb_ref[j], 4,
                     sw_test_task_out(&r, "reinforce_baseline_var_se")[j], 0, "rf baseline var");
        sum += sw_test_task_out(&r, "gs_mean")[j];
        fy += table_f[j] * sw_test_task_out(&r, "gs_mean")[j];
    }
    SW_TEST_REL(sum, 1.0, 1e-12, 1, "E y sums to 1");
    SW_TEST_REL(sw_test_task_out(&r, "relaxed_objective")[0], fy, 1e-12, 1, "E f.y is f . E y");
    SW_TEST_REL(sw_test_task_out(&r, "objective_exact")[0], 3.3, 1e-12, 1, "L");
    SW_TEST_NEAR(sw_test_task_out(&r, "objective")[0], 3.3, 4, sw_test_task_out(&r, "objective_se")[0], 0, "objective");
    SW_TEST_NEAR(sw_test_task_out(&r, "gs_max_mean")[0], ref.top, 4, sw_test_task_out(&r, "gs_max_mean_se")[0], 0,
                 "E max y");
    SW_TEST_NEAR(sw_test_task_out(&r, "relaxed_bias")[0], ref.relaxed - 3.3, 4,
                 sw_test_task_out(&r, "relaxed_bias_se")[0], 0, "bias");
    SW_TEST_REL(sw_test_task_out(&r, "relaxed_bias")[0], sw_test_task_out(&r, "relaxed_objective")[0] - 3.3, 1e-12, 1,
                "bias = E f.y - L");
    sw_test_task_free(&r);

    /* E4 through lists set as a spec would: p = (0.3, 0.7), f(y) = y₁, τ = 0.5 */
    static const double logits2[2] = {-1.2039728043259361, -0.35667494393873245}, values2[2] = {1.0, 0.0};
    sw_test_task b = sw_test_task_new("gumbel");
    sw_test_task_set_list(&b, "logits", logits2, 2);
    sw_test_task_set_list(&b, "values", values2, 2);
    sw_test_task_set_int(&b, "samples", 60000);
    sw_test_task_run(&b, 6706);
    assert_int_equal(sw_test_task_count(&b, "grad_gs_var"), 2);
    SW_TEST_NEAR(sw_test_task_out(&b, "gs_mean")[0], 0.325253, 4, sw_test_task_out(&b, "gs_mean_se")[0], 0, "E4 E y1");
    SW_TEST_NEAR(sw_test_task_out(&b, "grad_gs_mean")[0], 0.190234, 4, sw_test_task_out(&b, "grad_gs_mean_se")[0], 0,
                 "E4 E grad");
    SW_TEST_NEAR(sw_test_task_out(&b, "grad_gs_var")[0], 0.030957, 4, sw_test_task_out(&b, "grad_gs_var_se")[0], 0,
                 "E4 Var grad");
    SW_TEST_REL(sw_test_task_out(&b, "reinforce_var_exact")[0], 0.1029, 1e-10, 1, "E4 REINFORCE variance");
    SW_TEST_REL(sw_test_task_out(&b, "reinforce_baseline_var_exact")[0], 0.0336, 1e-10, 1,
                "E4 REINFORCE variance, b = L");
    SW_TEST_REL(sw_test_task_out(&b, "grad_exact")[0], 0.21, 1e-10, 1, "E4 gradient");
    sw_test_task_free(&b);

    /* values and logits must have the same length */
    sw_test_task bad = sw_test_task_new("gumbel");
    sw_test_task_set_list(&bad, "values", values2, 2);
    assert_false(sw_test_task_check(&bad));
}

/* Every x with x_se and x_exact: |x − x_exact| <= 5 x_se, or within 1e-9 (relative above 1) when the SE is 0
 * (deterministic). */
static void check_against_exact(const sw_test_task *t) {
    sw_test_exact_rule rule = {.z = 5.0, .zero_se = SW_TEST_ZERO_SE_REL, .zero_se_tol = 1e-9};
    sw_test_check_exact(t, &rule);
}

/* jobs/gumbel.yaml loads and is about 6705's experiments; every task of jobs/tiny/gumbel.yaml runs through the
 * registry with its spec's parameters and key, and each output with _se and _exact agrees within 5 SE (5: the
 * tiny spec makes about 50 such checks). */
static void test_jobs(void **state) {
    (void)state;
    static const char *const experiments[] = {"gumbel", "reparam_gauss", NULL};
    sw_test_spec_file_uses(SW_JOBS_DIR "/gumbel.yaml", experiments);
    sw_test_run_spec_file(SW_JOBS_DIR "/tiny/gumbel.yaml", experiments, check_against_exact);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categorical_table),
        cmocka_unit_test(test_categorical_other_points),
        cmocka_unit_test(test_quadrature_matches_tables),
        cmocka_unit_test(test_gumbel_max_and_reinforce),
        cmocka_unit_test(test_gumbel_softmax_moments),
        cmocka_unit_test(test_temperature_limits),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
