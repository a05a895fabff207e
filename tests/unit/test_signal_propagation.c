/* test_signal_propagation.c: signal propagation through deep random nets (science.md section 3, E4) against
 * exact references: the printed values of E log r and of the tanh mean-field q_L, digamma sums computed here from
 * psi(1/2) = -gamma - 2 log 2, psi(1) = -gamma and psi(x+1) = psi(x) + 1/x (independent of GSL), this file's own
 * Simpson quadrature of E tanh^2(sqrt(q) z), closed-form layer products, and Monte-Carlo within 4 standard
 * errors. The tanh values are width -> infinity limits; the Monte-Carlo check for tanh allows for the O(1/width)
 * finite-width bias explicitly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

static void assert_abs(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol)) fail_msg("%s: got %.15g, want %.15g (tolerance %.3g)", what, got, want, tol);
}

static void assert_within_se(double est, double exact, double se, double k, const char *what) {
    if (!(fabs(est - exact) <= k * se))
        fail_msg("%s: estimate %.10g, exact %.10g, |z| = %.2f > %.1f (SE %.3g)", what, est, exact,
                 fabs(est - exact) / se, k, se);
}

/* ---- independent references ---- */

static const double euler_gamma = 0.57721566490153286061;

/* psi(k/2) for k >= 1 by the recursion from psi(1/2) or psi(1). */
static double psi_half(int k) {
    double x = k % 2 ? 0.5 : 1.0, psi = k % 2 ? -euler_gamma - 2.0 * log(2.0) : -euler_gamma;
    for (; x < 0.5 * k - 0.25; x += 1.0) psi += 1.0 / x;
    return psi;
}

/* Per-layer E log ratio: linear log g + psi(n/2) - log(n/2); ReLU log(2g/n) + E[psi(B/2) | B >= 1]. */
static double linear_log_ratio(int n, double gain) { return log(gain) + psi_half(n) - log(0.5 * n); }

static double relu_log_ratio(int n, double gain) {
    double sum = 0.0;
    for (int k = 1; k <= n; k++) {
        double log_pmf = lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) - n * log(2.0);
        sum += exp(log_pmf) * psi_half(k);
    }
    return log(2.0 * gain / n) + sum / (1.0 - pow(2.0, -n));
}

/* E tanh^2(sqrt(gain q) z) by composite Simpson over z in [-12, 12]. */
static double tanh_step_simpson(double q, double gain) {
    const int intervals = 200000;
    double s = sqrt(gain * q), a = -12.0, h = 24.0 / intervals, sum = 0.0;
    for (int i = 0; i <= intervals; i++) {
        double z = a + i * h, w = (i == 0 || i == intervals) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        sum += w * pow(tanh(s * z), 2) * exp(-0.5 * z * z);
    }
    return sum * h / 3.0 / sqrt(2.0 * M_PI);
}

/* ---- exact references ---- */

static void test_exact_table(void **state) {
    (void)state;
    enum { L = 20 };
    double r[L], lg[L], alive[L];
    /* science.md E4, n = 128, L = 20 */
    sw_signal_exact(SW_ACT_LINEAR, 1.0, 128, 1.0, L, r, lg, alive);
    assert_abs(lg[L - 1], -0.1567, 5e-5, "linear E log r");
    assert_rel(r[L - 1], 1.0, 1e-15, "linear E r");
    sw_signal_exact(SW_ACT_RELU, 2.0, 128, 1.0, L, r, lg, alive);
    assert_abs(lg[L - 1], -0.3957, 5e-5, "ReLU-He E log r");
    assert_rel(r[L - 1], 1.0, 1e-15, "ReLU-He E r");
    sw_signal_exact(SW_ACT_RELU, 1.0, 128, 1.0, L, r, lg, alive);
    assert_abs(lg[L - 1], -14.259, 5e-4, "ReLU 1/n E log r");
    assert_rel(r[L - 1], pow(2.0, -L), 1e-15, "ReLU 1/n E r = 2^-L");
    /* tanh mean field, q_0 = 1 */
    enum { T = 50 };
    double q[T], lq[T], al[T];
    sw_signal_exact(SW_ACT_TANH, 1.0, 128, 1.0, T, q, lq, al);
    static const struct { int layer; double q; } table[] = {{1, 0.39429}, {2, 0.23645}, {5, 0.10344},
                                                            {10, 0.05220}, {20, 0.02590}, {50, 0.01022}};
    for (int i = 0; i < 6; i++) {
        assert_abs(q[table[i].layer - 1], table[i].q, 5e-6, "tanh mean-field q_L");
        assert_rel(lq[table[i].layer - 1], log(q[table[i].layer - 1]), 1e-15, "tanh log q_L");
        assert_true(al[table[i].layer - 1] == 1.0);
    }
}

static void test_exact_closed_forms(void **state) {
    (void)state;
    enum { L = 7 };
    double r[L], lg[L], alive[L];
    int widths[] = {1, 2, 3, 10, 33, 64};
    double gains[] = {1.0, 2.0, 0.7};
    for (int w = 0; w < 6; w++)
        for (int g = 0; g < 3; g++) {
            int n = widths[w];
            sw_signal_exact(SW_ACT_LINEAR, gains[g], n, 1.0, L, r, lg, alive);
            for (int l = 0; l < L; l++) {
                assert_rel(r[l], pow(gains[g], l + 1), 1e-13, "linear E r = gain^l");
                assert_rel(lg[l], (l + 1) * linear_log_ratio(n, gains[g]), 1e-10, "linear E log r");
                assert_true(alive[l] == 1.0);
            }
            sw_signal_exact(SW_ACT_RELU, gains[g], n, 2.5, L, r, lg, alive);
            for (int l = 0; l < L; l++) {
                assert_rel(r[l], pow(0.5 * gains[g], l + 1), 1e-13, "ReLU E r = (gain/2)^l");
                assert_rel(lg[l], (l + 1) * relu_log_ratio(n, gains[g]), 1e-10, "ReLU E[log r | alive]");
                assert_rel(alive[l], pow(1.0 - pow(2.0, -n), l + 1), 1e-13, "ReLU survival");
            }
        }
}

static void test_tanh_step_quadrature(void **state) {
    (void)state;
    static const double q[] = {1e-6, 0.01, 0.3, 1.0, 2.0, 5.0, 40.0};
    static const double gain[] = {1.0, 1.5, 0.5, 3.0, 10.0};
    for (int i = 0; i < 7; i++)
        for (int g = 0; g < 5; g++) {
            char what[64];
            snprintf(what, sizeof what, "E tanh^2, q = %g, gain = %g", q[i], gain[g]);
            assert_rel(sw_tanh_meanfield_step(q[i], gain[g]), tanh_step_simpson(q[i], gain[g]), 1e-10, what);
        }
    /* small q: tanh^2 x = x^2 - 2x^4/3 + 17x^6/45 - 62x^8/315 + ..., E z^(2k) = (2k-1)!!, so
     * E tanh^2(sqrt(q) z) = q - 2 q^2 + 17/3 q^3 - 62/3 q^4 + O(q^5) */
    double s = 1e-3;
    assert_rel(sw_tanh_meanfield_step(s, 1.0), s - 2 * s * s + 17.0 / 3.0 * pow(s, 3) - 62.0 / 3.0 * pow(s, 4), 3e-10,
               "small-q series");
    assert_true(sw_tanh_meanfield_step(0.0, 1.0) == 0.0);
    /* deep layers: q_L ~ 1/(2L) (science.md 3.2), the relative error shrinking like log(L)/L */
    enum { L = 4000 };
    static double r[L], lg[L], al[L];
    sw_signal_exact(SW_ACT_TANH, 1.0, 100, 1.0, L, r, lg, al);
    assert_rel(2.0 * L * r[L - 1], 1.0, 0.01, "q_L ~ 1/(2L)");
    assert_true(fabs(2.0 * L * r[L - 1] - 1.0) < fabs(2.0 * 400 * r[399] - 1.0));
    /* the input scale enters: r_l = q_l / q_0 with q_1 = E tanh^2(sqrt(gain q_0) z) */
    sw_signal_exact(SW_ACT_TANH, 1.5, 100, 0.4, 2, r, lg, al);
    double q1 = tanh_step_simpson(0.4, 1.5), q2 = tanh_step_simpson(q1, 1.5);
    assert_rel(r[0], q1 / 0.4, 1e-10, "tanh r_1 with input_q");
    assert_rel(r[1], q2 / 0.4, 1e-10, "tanh r_2 with input_q");
}

/* ---- deterministic kernels ---- */

static void test_layer_deterministic(void **state) {
    (void)state;
    enum { N = 6, B = 3 };
    double w[N * N], h[N * B], out[N * B];
    for (int k = 0; k < N * N; k++) w[k] = cos(1.3 * k + 0.2);
    for (int k = 0; k < N * B; k++) h[k] = sin(0.7 * k - 0.4);
    double scale = 0.37;
    for (int a = 0; a < 3; a++) {
        sw_signal_layer((sw_activation)a, scale, w, N, h, B, out);
        for (int j = 0; j < B; j++)
            for (int i = 0; i < N; i++) {
                double z = 0.0;
                for (int k = 0; k < N; k++) z += scale * w[i + k * N] * h[k + j * N];
                double want = a == SW_ACT_LINEAR ? z : a == SW_ACT_RELU ? fmax(z, 0.0) : tanh(z);
                assert_abs(out[i + j * N], want, 1e-14, "layer output");
            }
    }
}

static void test_ratio_mean(void **state) {
    (void)state;
    sw_ratio_mean a;
    sw_ratio_mean_reset(&a);
    assert_true(isnan(sw_ratio_mean_value(&a)));
    sw_ratio_mean_add(&a, 0.0, 0.0); /* an empty group first: the shift waits for data */
    sw_ratio_mean_add(&a, 3.0, 2.0);
    sw_ratio_mean_add(&a, 10.0, 4.0);
    double mu = 13.0 / 6.0, r1 = 3.0 - 2.0 * mu, r2 = 10.0 - 4.0 * mu; /* residuals S - mu N; the empty group's is 0 */
    assert_rel(sw_ratio_mean_value(&a), mu, 1e-15, "ratio estimate");
    assert_rel(sw_ratio_mean_se(&a), sqrt((r1 * r1 + r2 * r2) * 3.0 / 2.0) / 6.0, 1e-13, "ratio SE");
    /* equal group sizes: the usual SE of the mean of group means */
    sw_ratio_mean_reset(&a);
    double means[] = {1.0, 2.0, 4.0}, grand = 7.0 / 3.0, ss = 0.0;
    for (int i = 0; i < 3; i++) {
        sw_ratio_mean_add(&a, 5.0 * means[i], 5.0);
        ss += (means[i] - grand) * (means[i] - grand);
    }
    assert_rel(sw_ratio_mean_se(&a), sqrt(ss / 2.0 / 3.0), 1e-13, "equal groups");
}

/* ---- Monte-Carlo ---- */

/* SE of an alive fraction: the sample one, but never below the binomial SE of the exact probability, so that a
 * survival probability of 1 - 1e-10 observed as exactly 1 (sample SE 0) is judged correctly. */
static double alive_se(const sw_moments *m, double exact, size_t inputs) {
    return fmax(sw_moments_se(m), sqrt(exact * (1.0 - exact) / (m->n * (double)inputs)));
}

typedef struct mc_case {
    sw_activation act;
    double gain;
    size_t width, depth, inputs, draws;
} mc_case;

static void check_case(const mc_case *k, uint64_t seed) {
    sw_signal_config c = {.act = k->act, .gain = k->gain, .input_q = 1.0, .width = k->width, .depth = k->depth,
                          .inputs = k->inputs, .draws = k->draws};
    double *work = malloc(sw_signal_simulate_work_doubles(&c) * sizeof(double));
    sw_signal_layer_stats *layers = malloc(k->depth * sizeof *layers);
    double *r = malloc(3 * k->depth * sizeof(double)), *lg = r + k->depth, *alive = lg + k->depth;
    sw_rng_key key = {.seed = seed};
    sw_rng weights, inputs;
    sw_rng_init(&weights, &key, 0);
    sw_rng_init(&inputs, &key, 1);
    sw_signal_simulate(&c, &weights, &inputs, work, layers);
    sw_signal_exact(c.act, c.gain, c.width, 1.0, c.depth, r, lg, alive);
    for (size_t l = 0; l < k->depth; l++) {
        char what[96];
        snprintf(what, sizeof what, "act %d, gain %g, width %zu, layer %zu", k->act, k->gain, k->width, l + 1);
        assert_true(layers[l].r.n == (double)k->draws);
        assert_within_se(layers[l].r.mean, r[l], sw_moments_se(&layers[l].r), 4, what);
        assert_within_se(sw_ratio_mean_value(&layers[l].log_r), lg[l], sw_ratio_mean_se(&layers[l].log_r), 4, what);
        assert_within_se(layers[l].alive.mean, alive[l], alive_se(&layers[l].alive, alive[l], k->inputs), 4, what);
    }
    free(work);
    free(layers);
    free(r);
}

static void test_linear_and_relu_monte_carlo(void **state) {
    (void)state;
    static const mc_case cases[] = {
        {SW_ACT_LINEAR, 1.0, 32, 8, 16, 1000}, /* E r = 1 */
        {SW_ACT_LINEAR, 1.3, 8, 5, 8, 2000},   /* E r = 1.3^l, off the tables */
        {SW_ACT_RELU, 2.0, 32, 8, 16, 1000},   /* He: E r = 1 */
        {SW_ACT_RELU, 1.0, 16, 6, 16, 1000},   /* E r = 2^-l */
        {SW_ACT_RELU, 2.0, 3, 4, 8, 3000},     /* narrow: signals die, E log r is conditioned on survival */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], 50 + i);
}

/* tanh: the reference is the width -> infinity limit, so allow 4 SE plus a finite-width bias of 2/width
 * relative (about what science.md's n = 128, L = 20 figure shows: 0.0256 against 0.02590). A wrong recursion
 * (for example without the gain, or q_{l+1} = tanh^2(q_l)) misses by far more. */
static void test_tanh_monte_carlo(void **state) {
    (void)state;
    sw_signal_config c = {.act = SW_ACT_TANH, .gain = 1.0, .input_q = 1.0, .width = 256, .depth = 5, .inputs = 32,
                          .draws = 40};
    double *work = malloc(sw_signal_simulate_work_doubles(&c) * sizeof(double)), r[5], lg[5], alive[5];
    sw_signal_layer_stats layers[5];
    sw_rng_key key = {.seed = 77};
    sw_rng weights, inputs;
    sw_rng_init(&weights, &key, 0);
    sw_rng_init(&inputs, &key, 1);
    sw_signal_simulate(&c, &weights, &inputs, work, layers);
    sw_signal_exact(c.act, c.gain, c.width, 1.0, c.depth, r, lg, alive);
    for (int l = 0; l < 5; l++) {
        double bias = 2.0 / c.width;
        double tol_r = 4 * sw_moments_se(&layers[l].r) + bias * r[l];
        double tol_log = 4 * sw_ratio_mean_se(&layers[l].log_r) + bias;
        assert_abs(layers[l].r.mean, r[l], tol_r, "tanh E r against mean field");
        assert_abs(sw_ratio_mean_value(&layers[l].log_r), lg[l], tol_log, "tanh E log r against mean field");
    }
    free(work);
}

/* ---- through the registry ---- */

static void check_layer_outputs(const sw_test_task *r, const double *mean_r, const double *mean_log_r, size_t depth) {
    const char *mc[] = {"mean_r", "mean_log_r", "alive_frac"};
    for (size_t l = 0; l < depth; l++) {
        assert_rel(sw_test_task_out(r, "mean_r_exact")[l], mean_r[l], 1e-10, "mean_r_exact");
        assert_rel(sw_test_task_out(r, "mean_log_r_exact")[l], mean_log_r[l], 1e-10, "mean_log_r_exact");
        for (int i = 0; i < 3; i++) {
            char se[64], exact[64];
            snprintf(se, sizeof se, "%s_se", mc[i]);
            snprintf(exact, sizeof exact, "%s_exact", mc[i]);
            double est = sw_test_task_out(r, mc[i])[l], ex = sw_test_task_out(r, exact)[l];
            double s = sw_test_task_out(r, se)[l];
            assert_within_se(est, ex, s, 4, mc[i]);
        }
    }
}

static void test_registry_relu(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("signal_propagation");
    assert_non_null(strstr(r.e->article, "7180"));
    const char *mc[] = {"mean_r", "mean_log_r", "alive_frac", NULL};
    sw_test_check_schema(r.e, mc);
    assert_true(r.e->params[sw_test_task_param_index(&r, "depth")].shape);
    sw_test_task_set_int(&r, "width", 5);
    sw_test_task_set_int(&r, "depth", 6);
    sw_test_task_set_choice(&r, "activation", "relu");
    sw_test_task_set_real(&r, "gain", 1.5);
    sw_test_task_set_real(&r, "input_q", 0.7);
    sw_test_task_set_int(&r, "inputs", 8);
    sw_test_task_set_int(&r, "draws", 1500);
    sw_test_task_try(&r, 7180);
    assert_int_equal(r.outcome, SW_TASK_OK);
    assert_int_equal(sw_test_task_count(&r, "mean_r"), 6);
    double mean_r[6], mean_log_r[6];
    for (int l = 0; l < 6; l++) {
        mean_r[l] = pow(0.75, l + 1);
        mean_log_r[l] = (l + 1) * relu_log_ratio(5, 1.5);
        assert_rel(sw_test_task_out(&r, "alive_frac_exact")[l], pow(31.0 / 32.0, l + 1), 1e-13, "alive_frac_exact");
    }
    check_layer_outputs(&r, mean_r, mean_log_r, 6);
    sw_test_task_free(&r);
}

static void test_registry_tanh(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("signal_propagation");
    sw_test_task_set_int(&r, "width", 200);
    sw_test_task_set_int(&r, "depth", 3);
    sw_test_task_set_choice(&r, "activation", "tanh");
    sw_test_task_set_real(&r, "gain", 1.2);
    sw_test_task_set_real(&r, "input_q", 2.5);
    sw_test_task_set_int(&r, "inputs", 16);
    sw_test_task_set_int(&r, "draws", 20);
    sw_test_task_try(&r, 7180);
    assert_int_equal(r.outcome, SW_TASK_OK);
    double q = 2.5;
    for (int l = 0; l < 3; l++) {
        q = tanh_step_simpson(q, 1.2);
        assert_rel(sw_test_task_out(&r, "mean_r_exact")[l], q / 2.5, 1e-10, "tanh mean_r_exact");
        assert_rel(sw_test_task_out(&r, "mean_log_r_exact")[l], log(q / 2.5), 1e-10, "tanh mean_log_r_exact");
        double tol = 4 * sw_test_task_out(&r, "mean_r_se")[l] + 2.0 / 200 * q / 2.5; /* finite-width bias, as above */
        assert_abs(sw_test_task_out(&r, "mean_r")[l], q / 2.5, tol, "tanh mean_r");
        assert_true(sw_test_task_out(&r, "alive_frac")[l] == 1.0 && sw_test_task_out(&r, "alive_frac_exact")[l] == 1.0);
    }
    sw_test_task_free(&r);
}

/* A width-1 ReLU net dies with probability 1/2 per layer: by layer 60 no signal survives, and the task reports
 * that instead of a silent NaN. */
static void test_registry_dead_signal(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("signal_propagation");
    sw_test_task_set_int(&r, "width", 1);
    sw_test_task_set_int(&r, "depth", 60);
    sw_test_task_set_choice(&r, "activation", "relu");
    sw_test_task_set_int(&r, "inputs", 1);
    sw_test_task_set_int(&r, "draws", 2);
    sw_test_task_try(&r, 1);
    assert_int_equal(r.outcome, SW_TASK_NON_FINITE);
    assert_non_null(strstr(r.msg, "zeroed"));
    sw_test_task_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_table),
        cmocka_unit_test(test_exact_closed_forms),
        cmocka_unit_test(test_tanh_step_quadrature),
        cmocka_unit_test(test_layer_deterministic),
        cmocka_unit_test(test_ratio_mean),
        cmocka_unit_test(test_linear_and_relu_monte_carlo),
        cmocka_unit_test(test_tanh_monte_carlo),
        cmocka_unit_test(test_registry_relu),
        cmocka_unit_test(test_registry_tanh),
        cmocka_unit_test(test_registry_dead_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
