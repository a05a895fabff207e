/* test_noise.c: the noise_penalty kernels and experiment against science.md §1.3 (E1 closed form, E2 norms and
 * ratios, E3 Hutchinson, E5 FGM), plus references computed here by independent means: direct loops for the
 * configuration, other quadrature rules (Simpson, product trapezoid over a Cholesky factor), finite differences,
 * enumeration of sign vectors, and points that are not in the brief's tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/experiment.h"
#include "mpisweep/spec.h"
#include "noise.h"
#include "task_harness.h"

/* ---- an independent model: the E2 configuration written out here, evaluated by direct loops ---- */

enum { KMAX = 8, DMAX = 64 };

typedef struct model {
    sw_noise_model kind;
    size_t k, d;
    double A[KMAX * DMAX], x[DMAX], b[KMAX], z[KMAX], fz[KMAX], label[KMAX];
} model;

static model model_new(sw_noise_model kind, size_t k, size_t d) {
    model m = {.kind = kind, .k = k, .d = d};
    for (size_t j = 0; j < d; j++) m.x[j] = sin(0.5 * (double)j + 0.3);
    for (size_t i = 0; i < k; i++) {
        m.b[i] = 0.1 * (double)i;
        m.z[i] = m.b[i];
        for (size_t j = 0; j < d; j++) {
            m.A[i * d + j] = cos(0.7 * (double)i + 1.3 * (double)j + 0.1 * (double)i * (double)j) / sqrt((double)d);
            m.z[i] += m.A[i * d + j] * m.x[j];
        }
        m.label[i] = kind == SW_NOISE_SOFTMAX_KL ? (i == 0) : -0.5 + (double)i / (double)(k - 1);
    }
    double norm = 0.0;
    for (size_t i = 0; i < k; i++) {
        m.fz[i] = kind == SW_NOISE_TANH_MSE ? tanh(m.z[i]) : kind == SW_NOISE_SOFTMAX_KL ? exp(m.z[i]) : m.z[i];
        norm += m.fz[i];
    }
    if (kind == SW_NOISE_SOFTMAX_KL)
        for (size_t i = 0; i < k; i++) m.fz[i] /= norm;
    return m;
}

static sw_noise_problem problem_of(const model *m) {
    return (sw_noise_problem){.model = m->kind, .k = m->k, .d = m->d, .A = m->A, .z = m->z, .fz = m->fz};
}

/* l(f(z + δ), t) straight from the definitions. */
static double direct_loss(const model *m, const double *delta, const double *t) {
    double sum = 0.0, zz[KMAX], norm = 0.0;
    for (size_t i = 0; i < m->k; i++) zz[i] = m->z[i] + delta[i];
    if (m->kind != SW_NOISE_SOFTMAX_KL) {
        for (size_t i = 0; i < m->k; i++) {
            double f = m->kind == SW_NOISE_TANH_MSE ? tanh(zz[i]) : zz[i];
            sum += (f - t[i]) * (f - t[i]);
        }
        return sum;
    }
    for (size_t i = 0; i < m->k; i++) norm += exp(zz[i]);
    for (size_t i = 0; i < m->k; i++)
        if (t[i] > 0.0) sum += t[i] * log(t[i] / (exp(zz[i]) / norm));
    return sum;
}

static double row_norm2(const model *m, size_t i) {
    double s = 0.0;
    for (size_t j = 0; j < m->d; j++) s += m->A[i * m->d + j] * m->A[i * m->d + j];
    return s;
}

/* ---- E2: configuration, norms and the penalty Jacobian ---- */

static void test_configuration_matches_definition(void **state) {
    (void)state;
    model m = model_new(SW_NOISE_TANH_MSE, 5, 20);
    double A[100], x[20], b[5];
    sw_noise_config(5, 20, A, x, b);
    for (size_t i = 0; i < 100; i++) sw_test_assert_abs(A[i], m.A[i], 1e-15, "A");
    for (size_t j = 0; j < 20; j++) sw_test_assert_abs(x[j], m.x[j], 1e-15, "x");
    for (size_t i = 0; i < 5; i++) sw_test_assert_abs(b[i], m.b[i], 1e-15, "b");
}

static void test_penalty_norms(void **state) {
    (void)state;
    double G[KMAX * DMAX], scratch[DMAX];
    model tanh_m = model_new(SW_NOISE_TANH_MSE, 5, 20), lin = model_new(SW_NOISE_LINEAR_MSE, 5, 20);
    model soft = model_new(SW_NOISE_SOFTMAX_KL, 5, 20);
    sw_noise_problem pr = problem_of(&tanh_m);
    sw_test_assert_abs(sw_noise_penalty_jacobian(&pr, G, scratch), 1.0, 0.0, "MSE weight");
    sw_test_assert_abs(sw_frobenius2(5, 20, G), 2.1944746267, 6e-11, "tanh |J|_F^2 (science.md E2)");
    pr = problem_of(&lin);
    sw_noise_penalty_jacobian(&pr, G, scratch);
    sw_test_assert_abs(sw_frobenius2(5, 20, G), 2.4860398168, 6e-11, "linear |A|_F^2 (science.md E2)");
    pr = problem_of(&soft);
    static const double p_brief[5] = {0.145029, 0.175523, 0.202677, 0.201880, 0.274891};
    for (int i = 0; i < 5; i++) sw_test_assert_abs(soft.fz[i], p_brief[i], 6e-7, "softmax p (science.md E2)");
    sw_test_assert_abs(sw_noise_penalty_jacobian(&pr, G, scratch), 0.5, 0.0, "KL weight");
    sw_test_assert_abs(sw_frobenius2(5, 20, G), 0.4686136402, 6e-11, "tr H (science.md E2)");
    /* Another size, against tr(Aᵀ diag(p) A) − |Aᵀp|² written out (not the kernel's centred form). */
    model other = model_new(SW_NOISE_SOFTMAX_KL, 4, 7);
    pr = problem_of(&other);
    sw_noise_penalty_jacobian(&pr, G, scratch);
    double trace = 0.0, abar[7] = {0};
    for (size_t i = 0; i < 4; i++) {
        trace += other.fz[i] * row_norm2(&other, i);
        for (size_t j = 0; j < 7; j++) abar[j] += other.fz[i] * other.A[i * 7 + j];
    }
    for (size_t j = 0; j < 7; j++) trace -= abar[j] * abar[j];
    sw_test_assert_rel(sw_frobenius2(4, 7, G), trace, 1e-12, "tr H, k = 4, d = 7");
}

/* ---- E1: the exact scalar test ---- */

static model sin_model(double a, double y) {
    model m = {.kind = SW_NOISE_SIN_MSE, .k = 1, .d = 1};
    m.A[0] = 1.0;
    m.z[0] = a;
    m.fz[0] = sin(a);
    m.label[0] = y;
    return m;
}

/* science.md E1's formulas, as printed. */
static double sin_exact(double a, double y, double s) {
    return 0.5 - 0.5 * cos(2 * a) * exp(-2 * s * s) - 2 * y * sin(a) * exp(-s * s / 2) + y * y;
}
static double sin_taylor(double a, double y, double s) {
    return (sin(a) - y) * (sin(a) - y) + s * s * (cos(2 * a) + y * sin(a));
}

static void test_sin_closed_form_table(void **state) {
    (void)state;
    static const struct {
        double s, exact, taylor, rel;
    } table[] = {
        {0.01, 0.1185221373, 0.1185221395, 6.0e-5}, {0.03, 0.1188125487, 0.1188127254, 5.4e-4},
        {0.1, 0.1220964331, 0.1221181407, 6.0e-3},  {0.3, 0.1494934623, 0.1511767366, 5.4e-2},
        {1.0, 0.3440560570, 0.4817182653, 0.61},
    };
    model m = sin_model(0.7, 0.3);
    sw_noise_problem pr = problem_of(&m);
    double l0 = sw_noise_loss(&pr, m.label), work[8192], scratch[4], incr;
    sw_test_assert_abs(l0, 0.1184858162, 6e-11, "l0 (science.md E1)");
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        double s = table[i].s;
        assert_int_equal(sw_noise_exact_increment(&pr, m.label, s, work, &incr), SW_OK);
        double taylor_incr = 0.5 * s * s * sw_noise_laplacian(&pr, m.label, scratch);
        sw_test_assert_abs(l0 + incr, table[i].exact, 6e-11, "exact noisy loss (science.md E1 table)");
        sw_test_assert_abs(l0 + taylor_incr, table[i].taylor, 6e-11, "second-order loss (science.md E1 table)");
        double rel = (taylor_incr - incr) / incr;
        sw_test_assert_abs(rel, table[i].rel, 0.051 * table[i].rel, "relative error of the increment (2 digits)");
        sw_test_assert_rel(rel / (s * s), 0.601, s <= 0.1 ? 0.01 : 1.0, "rel. error ~ 0.601 s^2 for small s");
    }
    /* The limit of the increment over s², computed without cancellation even at s = 1e-5. */
    assert_int_equal(sw_noise_exact_increment(&pr, m.label, 1e-5, work, &incr), SW_OK);
    sw_test_assert_rel(incr / 1e-10, 0.3632324491, 3e-10, "increment / s^2 as s -> 0 (science.md E1)");
}

static void test_sin_closed_form_other_points(void **state) {
    (void)state;
    static const double points[][3] = {{-1.3, 0.8, 0.45}, {2.0, -0.4, 0.05}, {0.2, 0.0, 0.9}, {3.0, 1.5, 0.2}};
    double work[8192], scratch[4], incr;
    for (size_t i = 0; i < 4; i++) {
        double a = points[i][0], y = points[i][1], s = points[i][2];
        model m = sin_model(a, y);
        sw_noise_problem pr = problem_of(&m);
        double l0 = sw_noise_loss(&pr, m.label);
        assert_int_equal(sw_noise_exact_increment(&pr, m.label, s, work, &incr), SW_OK);
        sw_test_assert_rel(l0 + incr, sin_exact(a, y, s), 1e-12, "sin exact, off-table point");
        sw_test_assert_rel(l0 + 0.5 * s * s * sw_noise_laplacian(&pr, m.label, scratch), sin_taylor(a, y, s), 1e-12,
                   "sin second order, off-table point");
        /* Consistency target t = sin a: the same closed form with y = sin a. */
        assert_int_equal(sw_noise_exact_increment(&pr, m.fz, s, work, &incr), SW_OK);
        sw_test_assert_rel(incr, sin_exact(a, sin(a), s), 1e-9, "sin consistency loss");
    }
}

/* ---- exact expectations of the vector models, against other quadrature rules ---- */

/* E over Z ~ N(0,1) of (tanh(z + sZ) − t)² − (tanh z − t)², composite Simpson on [−14, 14]. */
static double simpson_tanh(double z, double t, double s) {
    const int n = 40000;
    const double lo = -14.0, h = 28.0 / n;
    double sum = 0.0;
    for (int j = 0; j <= n; j++) {
        double u = lo + h * j, f = tanh(z + s * u) - t, f0 = tanh(z) - t;
        double g = (f * f - f0 * f0) * exp(-0.5 * u * u);
        sum += g * (j == 0 || j == n ? 1.0 : (j % 2 ? 4.0 : 2.0));
    }
    return sum * h / 3.0 / sqrt(2.0 * M_PI);
}

static void test_tanh_and_linear_exact(void **state) {
    (void)state;
    static const double sigmas[] = {0.02, 0.1, 0.3, 1.0};
    static const size_t sizes[][2] = {{5, 20}, {3, 9}};
    double work[8192], incr;
    for (size_t c = 0; c < 2; c++) {
        model m = model_new(SW_NOISE_TANH_MSE, sizes[c][0], sizes[c][1]), lin = m;
        lin.kind = SW_NOISE_LINEAR_MSE;
        sw_noise_problem pr = problem_of(&m), pl = problem_of(&lin);
        for (size_t s = 0; s < 4; s++) {
            double sigma = sigmas[s], want_label = 0.0, want_cons = 0.0, frob = 0.0;
            for (size_t i = 0; i < m.k; i++) {
                double si = sigma * sqrt(row_norm2(&m, i));
                want_label += simpson_tanh(m.z[i], m.label[i], si);
                want_cons += simpson_tanh(m.z[i], m.fz[i], si);
                frob += row_norm2(&m, i);
            }
            assert_int_equal(sw_noise_exact_increment(&pr, m.label, sigma, work, &incr), SW_OK);
            sw_test_assert_rel(incr, want_label, 1e-10, "tanh noisy increment vs Simpson");
            assert_int_equal(sw_noise_exact_increment(&pr, m.fz, sigma, work, &incr), SW_OK);
            sw_test_assert_rel(incr, want_cons, 1e-10, "tanh consistency loss vs Simpson");
            assert_int_equal(sw_noise_exact_increment(&pl, lin.label, sigma, work, &incr), SW_OK);
            sw_test_assert_rel(incr, sigma * sigma * frob, 1e-13, "linear: sigma^2 |A|_F^2 exactly");
        }
    }
}

/* E KL(p ‖ q(z + σAε)) by a product trapezoid rule over δ = σLζ, L the Cholesky factor of AAᵀ (no projection,
 * no eigenvectors, no Gauss–Hermite): an independent route to the kernel's reference. */
static double trapezoid_softmax(const model *m, double sigma, double h, double half_width) {
    size_t k = m->k, d = m->d, n = (size_t)lround(2.0 * half_width / h) + 1, idx[KMAX] = {0};
    double C[KMAX * KMAX] = {0}, L[KMAX * KMAX] = {0}, node[256], weight[256], delta[KMAX] = {0}, sum = 0.0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l < d; l++) C[i * k + j] += sigma * sigma * m->A[i * d + l] * m->A[j * d + l];
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = C[i * k + j];
            for (size_t l = 0; l < j; l++) s -= L[i * k + l] * L[j * k + l];
            L[i * k + j] = i == j ? sqrt(s) : s / L[j * k + j];
        }
    for (size_t j = 0; j < n; j++) {
        node[j] = -half_width + h * (double)j;
        weight[j] = h * exp(-0.5 * node[j] * node[j]) / sqrt(2.0 * M_PI);
    }
    for (;;) {
        double w = 1.0;
        for (size_t i = 0; i < k; i++) {
            delta[i] = 0.0;
            for (size_t l = 0; l <= i; l++) delta[i] += L[i * k + l] * node[idx[l]];
            w *= weight[idx[i]];
        }
        sum += w * direct_loss(m, delta, m->fz);
        size_t a = 0;
        while (a < k && ++idx[a] == n) idx[a++] = 0;
        if (a == k) break;
    }
    return sum;
}

static void test_softmax_exact(void **state) {
    (void)state;
    double work[8192], incr;
    /* science.md E2's model at σ = 0.3 (5 dimensions), and a smaller one at a larger noise. */
    model m = model_new(SW_NOISE_SOFTMAX_KL, 5, 20);
    sw_noise_problem pr = problem_of(&m);
    assert_int_equal(sw_noise_exact_increment(&pr, m.fz, 0.3, work, &incr), SW_OK);
    sw_test_assert_rel(incr, trapezoid_softmax(&m, 0.3, 0.6, 8.4), 1e-9, "softmax E KL, k = 5, sigma = 0.3");
    model small = model_new(SW_NOISE_SOFTMAX_KL, 3, 6);
    pr = problem_of(&small);
    assert_int_equal(sw_noise_exact_increment(&pr, small.fz, 0.8, work, &incr), SW_OK);
    sw_test_assert_rel(incr, trapezoid_softmax(&small, 0.8, 0.2, 9.0), 1e-9, "softmax E KL, k = 3, sigma = 0.8");
    /* With a label the increment is the same: the linear term has mean zero. */
    double with_label;
    assert_int_equal(sw_noise_exact_increment(&pr, small.label, 0.8, work, &with_label), SW_OK);
    sw_test_assert_rel(with_label, incr, 1e-14, "softmax increment does not depend on the target");
    /* k beyond the product rule's limit is refused, not approximated. */
    model big = model_new(SW_NOISE_SOFTMAX_KL, SW_NOISE_SOFTMAX_EXACT_MAX_K + 1, 10);
    pr = problem_of(&big);
    assert_int_equal(sw_noise_exact_increment(&pr, big.fz, 0.1, work, &incr), SW_ERR_INTERNAL);
}

/* science.md E2 table: the consistency ratio's Monte-Carlo values, whose standard error is ~1.1e-3 relative at
 * σ = 0.01 (N = 4e5); the exact ratio lies within 4 of those. The gap 1 − ratio grows like σ². */
static void test_consistency_ratio_exact(void **state) {
    (void)state;
    double work[8192], scratch[DMAX], G[KMAX * DMAX], incr;
    static const double sigma[] = {0.01, 0.03, 0.1, 0.3};
    static const double tanh_mc[] = {1.0021, 0.9987, 0.9938, 0.9373}, soft_mc[] = {0.9987, 0.9970, 0.9984, 0.9954};
    model mt = model_new(SW_NOISE_TANH_MSE, 5, 20), ms = model_new(SW_NOISE_SOFTMAX_KL, 5, 20);
    sw_noise_problem pt = problem_of(&mt), ps = problem_of(&ms);
    sw_noise_penalty_jacobian(&pt, G, scratch);
    double jt = sw_frobenius2(5, 20, G);
    sw_noise_penalty_jacobian(&ps, G, scratch);
    double js = sw_frobenius2(5, 20, G);
    double gap[4];
    for (int i = 0; i < 4; i++) {
        double s2 = sigma[i] * sigma[i];
        assert_int_equal(sw_noise_exact_increment(&pt, mt.fz, sigma[i], work, &incr), SW_OK);
        double ratio = incr / (s2 * jt);
        sw_test_assert_abs(ratio, tanh_mc[i], 4 * 1.1e-3 * (i == 3 ? 1.5 : 1.0), "tanh ratio vs the brief's MC");
        gap[i] = 1.0 - ratio;
        assert_int_equal(sw_noise_exact_increment(&ps, ms.fz, sigma[i], work, &incr), SW_OK);
        sw_test_assert_abs(incr / (0.5 * s2 * js), soft_mc[i], 4 * 2.5e-3, "softmax ratio vs the brief's MC");
    }
    sw_test_assert_rel(gap[1] / gap[0], 9.0, 0.02, "1 - ratio ~ sigma^2 (0.03 vs 0.01)");
    sw_test_assert_rel(gap[2] / gap[1], 100.0 / 9.0, 0.05, "1 - ratio ~ sigma^2 (0.1 vs 0.03)");
}

/* ---- Laplacian against finite differences ---- */

static void test_laplacian_finite_difference(void **state) {
    (void)state;
    static const sw_noise_model kinds[] = {SW_NOISE_TANH_MSE, SW_NOISE_SOFTMAX_KL, SW_NOISE_LINEAR_MSE};
    const double h = 1e-4;
    double scratch[DMAX];
    for (int c = 0; c < 3; c++) {
        model m = model_new(kinds[c], 4, 9);
        sw_noise_problem pr = problem_of(&m);
        double l0 = direct_loss(&m, (double[KMAX]){0}, m.label), lap = 0.0;
        for (size_t j = 0; j < m.d; j++) {
            double plus[KMAX], minus[KMAX];
            for (size_t i = 0; i < m.k; i++) {
                plus[i] = h * m.A[i * m.d + j];
                minus[i] = -plus[i];
            }
            lap += (direct_loss(&m, plus, m.label) - 2 * l0 + direct_loss(&m, minus, m.label)) / (h * h);
        }
        sw_test_assert_rel(sw_noise_laplacian(&pr, m.label, scratch), lap, 1e-6, "Laplacian vs second differences");
    }
}

/* ---- increments and the stable KL ---- */

static void test_increment_and_kl_shift(void **state) {
    (void)state;
    model m = model_new(SW_NOISE_SOFTMAX_KL, 5, 20), t = model_new(SW_NOISE_TANH_MSE, 5, 20);
    sw_noise_problem pr = problem_of(&m), pt = problem_of(&t);
    double delta[5] = {0.3, -0.2, 0.5, 0.1, -0.4}, zero[5] = {0};
    sw_test_assert_rel(sw_noise_increment(&pr, m.label, delta),
               direct_loss(&m, delta, m.label) - direct_loss(&m, zero, m.label), 1e-12, "softmax increment");
    sw_test_assert_rel(sw_noise_increment(&pt, t.label, delta),
               direct_loss(&t, delta, t.label) - direct_loss(&t, zero, t.label), 1e-12, "tanh increment");
    /* Tiny shifts: KL → ½(Σ p δ² − (p·δ)²), which the direct formula could not resolve. */
    double tiny[5], pd = 0.0, pd2 = 0.0;
    for (int i = 0; i < 5; i++) {
        tiny[i] = 1e-7 * delta[i];
        pd += m.fz[i] * tiny[i];
        pd2 += m.fz[i] * tiny[i] * tiny[i];
    }
    sw_test_assert_rel(sw_softmax_kl_shift(5, m.fz, tiny), 0.5 * (pd2 - pd * pd), 1e-6, "KL of a tiny shift");
    double huge[5] = {800.0, -50.0, 3.0, 0.0, 1.0};
    assert_true(isfinite(sw_softmax_kl_shift(5, m.fz, huge)));
}

/* ---- E5: FGM ---- */

static void test_fgm(void **state) {
    (void)state;
    model m = model_new(SW_NOISE_TANH_MSE, 5, 20);
    sw_noise_problem pr = problem_of(&m);
    double scratch[DMAX + 3 * KMAX];
    static const double steps[] = {1e-3, 1e-2, 1e-1};
    static const double ratio[] = {1.000555, 1.005550, 1.055470}, normalized[] = {1.000859, 1.008595, 1.085837};
    sw_fgm_result r;
    for (int i = 0; i < 3; i++) {
        sw_noise_fgm(&pr, m.label, steps[i], scratch, &r);
        sw_test_assert_abs(r.grad_norm2, 0.41703283, 6e-9, "|g|^2 (science.md E5)");
        sw_test_assert_rel(r.ratio, ratio[i], 1e-6, "FGM ratio (science.md E5)");
        sw_test_assert_rel(r.normalized_ratio, normalized[i], 1e-6, "normalised FGM ratio (science.md E5)");
    }
    /* Off-table steps and models, against the loss change computed here from the gradient written out. */
    static const sw_noise_model kinds[] = {SW_NOISE_TANH_MSE, SW_NOISE_SOFTMAX_KL, SW_NOISE_LINEAR_MSE};
    for (int c = 0; c < 3; c++) {
        model mm = model_new(kinds[c], 4, 11);
        pr = problem_of(&mm);
        double g[DMAX] = {0}, g2 = 0.0, zero[KMAX] = {0};
        for (size_t i = 0; i < mm.k; i++) {
            double res = mm.fz[i] - mm.label[i];
            double w = kinds[c] == SW_NOISE_SOFTMAX_KL ? res
                       : kinds[c] == SW_NOISE_TANH_MSE ? 2 * res * (1 - mm.fz[i] * mm.fz[i])
                                                       : 2 * res;
            for (size_t j = 0; j < mm.d; j++) g[j] += w * mm.A[i * mm.d + j];
        }
        for (size_t j = 0; j < mm.d; j++) g2 += g[j] * g[j];
        for (double e = 0.05; e < 0.5; e *= 6.0) {
            double delta[KMAX] = {0}, dn[KMAX] = {0}, Ag2 = 0.0;
            for (size_t i = 0; i < mm.k; i++) {
                for (size_t j = 0; j < mm.d; j++) delta[i] += e * mm.A[i * mm.d + j] * g[j];
                dn[i] = delta[i] / sqrt(g2);
                Ag2 += delta[i] * delta[i] / (e * e);
            }
            double l0 = direct_loss(&mm, zero, mm.label);
            sw_noise_fgm(&pr, mm.label, e, scratch, &r);
            sw_test_assert_rel(r.grad_norm2, g2, 1e-12, "|g|^2");
            sw_test_assert_rel(r.ratio, (direct_loss(&mm, delta, mm.label) - l0) / (e * g2), 1e-10, "FGM ratio");
            sw_test_assert_rel(r.normalized_ratio, (direct_loss(&mm, dn, mm.label) - l0) / (e * sqrt(g2)), 1e-10,
                       "normalised FGM ratio");
            if (kinds[c] == SW_NOISE_LINEAR_MSE) /* quadratic loss: exactly 1 + e |Ag|²/|g|² */
                sw_test_assert_rel(r.ratio, 1.0 + e * Ag2 / g2, 1e-12, "linear FGM closed form");
        }
    }
}

/* ---- E3: Hutchinson ---- */

static void test_hutchinson_variance_formulas(void **state) {
    (void)state;
    model m = model_new(SW_NOISE_TANH_MSE, 5, 20), s = model_new(SW_NOISE_SOFTMAX_KL, 5, 20);
    double G[KMAX * DMAX], scratch[DMAX], M[KMAX * KMAX];
    sw_noise_problem pr = problem_of(&m);
    sw_noise_penalty_jacobian(&pr, G, scratch);
    sw_test_assert_abs(sw_hutchinson_var_exact(5, 20, G, 1, M), 0.59266309, 6e-9,
                       "Rademacher variance (science.md E3)");
    sw_test_assert_abs(sw_hutchinson_var_exact(5, 20, G, 0, M), 2.56263454, 6e-9, "Gaussian variance (science.md E3)");
    /* The softmax G: the Rademacher variance by enumerating all 2^5 sign vectors, the Gaussian one by a 3-point
     * Gauss–Hermite product rule (exact for the degree-4 polynomial (ηᵀMη)²). */
    pr = problem_of(&s);
    sw_noise_penalty_jacobian(&pr, G, scratch);
    double Mx[25] = {0};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 5; j++)
            for (size_t l = 0; l < 20; l++) Mx[i * 5 + j] += G[i * 20 + l] * G[j * 20 + l];
    double m1 = 0.0, m2 = 0.0;
    for (unsigned bits = 0; bits < 32; bits++) {
        double q = 0.0;
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) q += ((bits >> i & 1) ? 1 : -1) * ((bits >> j & 1) ? 1 : -1) * Mx[i * 5 + j];
        m1 += q / 32.0;
        m2 += q * q / 32.0;
    }
    sw_test_assert_rel(sw_hutchinson_var_exact(5, 20, G, 1, M), m2 - m1 * m1, 1e-12,
                       "Rademacher variance by enumeration");
    const double gh_node[3] = {-sqrt(3.0), 0.0, sqrt(3.0)}, gh_weight[3] = {1.0 / 6, 2.0 / 3, 1.0 / 6};
    m1 = m2 = 0.0;
    for (int code = 0; code < 243; code++) {
        double eta[5], w = 1.0, q = 0.0;
        for (int i = 0, c = code; i < 5; i++, c /= 3) {
            eta[i] = gh_node[c % 3];
            w *= gh_weight[c % 3];
        }
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) q += eta[i] * eta[j] * Mx[i * 5 + j];
        m1 += w * q;
        m2 += w * q * q;
    }
    sw_test_assert_rel(sw_hutchinson_var_exact(5, 20, G, 0, M), m2 - m1 * m1, 1e-12, "Gaussian variance by quadrature");
}

/* ---- Monte Carlo through the kernels ---- */

static void test_monte_carlo_kernels(void **state) {
    (void)state;
    enum { R = 200000, ROWS = 500 };
    model m = model_new(SW_NOISE_TANH_MSE, 5, 20);
    sw_noise_problem pr = problem_of(&m);
    double *eta = malloc(ROWS * 5 * sizeof *eta), *W = malloc(ROWS * 20 * sizeof *W), G[100], scratch[DMAX];
    assert_true(eta && W);
    sw_noise_penalty_jacobian(&pr, G, scratch);
    sw_rng_key key = {.seed = 7466, .hash = {1, 2}};
    sw_rng rng;
    for (int rademacher = 0; rademacher < 2; rademacher++) {
        sw_power_sums acc;
        sw_power_sums_reset(&acc, 2.19447463);
        sw_rng_init(&rng, &key, (uint32_t)rademacher);
        for (int b = 0; b < R / ROWS; b++) {
            if (rademacher) sw_rng_fill_rademacher(&rng, eta, ROWS * 5);
            else sw_rng_fill_normal(&rng, eta, ROWS * 5);
            sw_hutchinson_batch(5, 20, G, eta, ROWS, W, &acc);
        }
        double var = rademacher ? 0.59266309 : 2.56263454;
        sw_test_assert_within_se(sw_power_sums_mean(&acc), 2.19447463, sqrt(var / R), 4,
                                 "Hutchinson mean (science.md E3)");
        sw_test_assert_within_se(sw_power_sums_var(&acc), var, sw_power_sums_var_se(&acc), 4, "Hutchinson variance");
        sw_test_assert_rel(sw_power_sums_var(&acc), var, 0.05,
                           "Hutchinson variance within 5% at R = 2e5 (science.md E3)");
    }
    free(eta);
    free(W);
}

/* ---- the experiment through the registry ---- */

static void test_registry_sin(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("noise_penalty");
    sw_test_task_set_choice(&r, "model", "sin_mse");
    sw_test_task_set_real(&r, "noise", 0.3);
    sw_test_task_set_int(&r, "samples", 40000);
    sw_test_task_run(&r, 11);
    sw_test_assert_abs(sw_test_task_scalar(&r, "clean_loss"), 0.1184858162, 6e-11, "clean_loss");
    sw_test_assert_abs(sw_test_task_scalar(&r, "noisy_loss_exact"), 0.1494934623, 6e-11,
                       "noisy_loss_exact (science.md E1)");
    sw_test_assert_abs(sw_test_task_scalar(&r, "taylor_loss"), 0.1511767366, 6e-11, "taylor_loss (science.md E1)");
    sw_test_assert_within_se(sw_test_task_scalar(&r, "noisy_loss"), 0.1494934623,
                             sw_test_task_scalar(&r, "noisy_loss_se"), 4, "noisy_loss");
    sw_test_assert_within_se(sw_test_task_scalar(&r, "consistency_loss"), sin_exact(0.7, sin(0.7), 0.3),
                     sw_test_task_scalar(&r, "consistency_loss_se"), 4, "consistency_loss");
    sw_test_assert_rel(sw_test_task_scalar(&r, "gradient_penalty"), 0.09 * cos(0.7) * cos(0.7), 1e-14,
                       "sigma^2 cos^2 a");
    sw_test_assert_rel(sw_test_task_scalar(&r, "hutch_rademacher"), cos(0.7) * cos(0.7), 1e-14,
                       "one output: every probe exact");
    sw_test_assert_abs(sw_test_task_scalar(&r, "hutch_rademacher_var"), 0.0, 1e-24,
                       "one output: Rademacher variance 0");
    sw_test_assert_rel(sw_test_task_scalar(&r, "hutch_gauss_var_exact"), 2 * pow(cos(0.7), 4), 1e-14,
                       "Gaussian variance 2 cos^4 a");
    sw_test_assert_within_se(sw_test_task_scalar(&r, "hutch_gauss"), cos(0.7) * cos(0.7),
                             sw_test_task_scalar(&r, "hutch_gauss_se"), 4, "hutch_gauss");
    sw_test_task_free(&r);
}

static void test_registry_vector_models(void **state) {
    (void)state;
    static const char *const kinds[] = {"tanh_mse", "softmax_kl", "linear_mse"};
    for (int c = 0; c < 3; c++) {
        sw_test_task r = sw_test_task_new("noise_penalty");
        sw_test_task_set_choice(&r, "model", kinds[c]);
        sw_test_task_set_int(&r, "inputs", 13);
        sw_test_task_set_int(&r, "outputs", 4);
        sw_test_task_set_real(&r, "noise", 0.25);
        sw_test_task_set_int(&r, "samples", 30000);
        sw_test_task_set_real(&r, "fgm_step", 0.02);
        sw_test_task_run(&r, 12);
        sw_test_assert_within_se(sw_test_task_scalar(&r, "noisy_loss"), sw_test_task_scalar(&r, "noisy_loss_exact"),
                                 sw_test_task_scalar(&r, "noisy_loss_se"), 4, "noisy_loss vs exact");
        sw_test_assert_within_se(sw_test_task_scalar(&r, "consistency_loss"),
                                 sw_test_task_scalar(&r, "consistency_loss_exact"),
                                 sw_test_task_scalar(&r, "consistency_loss_se"), 4, "consistency_loss vs exact");
        sw_test_assert_within_se(sw_test_task_scalar(&r, "consistency_ratio"),
                                 sw_test_task_scalar(&r, "consistency_ratio_exact"),
                                 sw_test_task_scalar(&r, "consistency_ratio_se"), 4, "consistency_ratio vs exact");
        sw_test_assert_within_se(sw_test_task_scalar(&r, "hutch_rademacher"),
                                 sw_test_task_scalar(&r, "hutch_rademacher_exact"),
                                 sw_test_task_scalar(&r, "hutch_rademacher_se"), 4, "hutch_rademacher");
        sw_test_assert_within_se(sw_test_task_scalar(&r, "hutch_gauss"), sw_test_task_scalar(&r, "hutch_gauss_exact"),
                                 sw_test_task_scalar(&r, "hutch_gauss_se"), 4, "hutch_gauss");
        sw_test_assert_within_se(sw_test_task_scalar(&r, "hutch_gauss_var"),
                                 sw_test_task_scalar(&r, "hutch_gauss_var_exact"),
                                 sw_test_task_scalar(&r, "hutch_gauss_var_se"), 4, "hutch_gauss_var");
        /* The wiring: inputs/outputs/noise reach the kernels (values recomputed here). */
        model m = model_new(c == 0 ? SW_NOISE_TANH_MSE : c == 1 ? SW_NOISE_SOFTMAX_KL : SW_NOISE_LINEAR_MSE, 4, 13);
        double zero[KMAX] = {0};
        sw_test_assert_rel(sw_test_task_scalar(&r, "clean_loss"), direct_loss(&m, zero, m.label), 1e-13, "clean_loss");
        if (c == 2) {
            double frob = 0.0;
            for (size_t i = 0; i < 4; i++) frob += row_norm2(&m, i);
            sw_test_assert_rel(sw_test_task_scalar(&r, "noisy_loss_exact") - sw_test_task_scalar(&r, "clean_loss"),
                               0.0625 * frob, 1e-12, "linear: noisy - clean = sigma^2 |A|^2");
            sw_test_assert_rel(sw_test_task_scalar(&r, "consistency_ratio_exact"), 1.0, 1e-13,
                               "linear: ratio exactly 1");
            sw_test_assert_abs(sw_test_task_scalar(&r, "taylor_rel_error"), 0.0, 1e-12,
                               "linear: second order is exact");
        }
        sw_test_task_free(&r);
    }
}

static void test_registry_rejects_wide_softmax(void **state) {
    (void)state;
    sw_test_task r = sw_test_task_new("noise_penalty");
    sw_test_task_set_choice(&r, "model", "softmax_kl");
    sw_test_task_set_int(&r, "outputs", SW_NOISE_SOFTMAX_EXACT_MAX_K + 1);
    assert_false(r.e->check(r.param, r.msg, sizeof r.msg));
    assert_non_null(strstr(r.msg, "softmax_kl"));
    sw_test_task_set_choice(&r, "model", "tanh_mse"); /* other models take any width */
    assert_true(r.e->check(r.param, r.msg, sizeof r.msg));
}

/* ---- the sweep specs ---- */

/* Every output x with x_se and x_exact: |x − x_exact| ≤ 5 x_se (5: the tiny specs make ~100 such checks); a zero
 * SE (a deterministic output, or one probe that is always exact) only within 1e-6. */
static void check_against_exact(const sw_test_task *t) {
    sw_test_exact_rule rule = {.z = 5.0, .zero_se = SW_TEST_ZERO_SE_ABS, .zero_se_tol = 1e-6};
    sw_test_check_exact(t, &rule);
}

/* jobs/noise.yaml loads and is about 7466's experiments; every task of jobs/tiny/noise.yaml runs through the
 * registry with the parameters and key the spec layer gives it, as the runner would. */
static void test_jobs(void **state) {
    (void)state;
    static const char *const experiments[] = {"noise_penalty", "vat", NULL};
    sw_test_spec_file_uses(SW_JOBS_DIR "/noise.yaml", experiments);
    sw_test_run_spec_file(SW_JOBS_DIR "/tiny/noise.yaml", NULL, check_against_exact);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configuration_matches_definition),
        cmocka_unit_test(test_penalty_norms),
        cmocka_unit_test(test_sin_closed_form_table),
        cmocka_unit_test(test_sin_closed_form_other_points),
        cmocka_unit_test(test_tanh_and_linear_exact),
        cmocka_unit_test(test_softmax_exact),
        cmocka_unit_test(test_consistency_ratio_exact),
        cmocka_unit_test(test_laplacian_finite_difference),
        cmocka_unit_test(test_increment_and_kl_shift),
        cmocka_unit_test(test_fgm),
        cmocka_unit_test(test_hutchinson_variance_formulas),
        cmocka_unit_test(test_monte_carlo_kernels),
        cmocka_unit_test(test_registry_sin),
        cmocka_unit_test(test_registry_vector_models),
        cmocka_unit_test(test_registry_rejects_wide_softmax),
        cmocka_unit_test(test_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
