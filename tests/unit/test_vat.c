/* test_vat.c: the VAT kernels and experiment against science.md §1.3 E4 (eigen-data, the power-iteration table,
 * the random-start expectation, adversarial and random losses), with references computed here independently: the
 * Hessian and its eigen-data by long power iterations with deflation, the d = 2 closed form of the random-start
 * expectation, and direct KL evaluations. */
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
#include "noise.h"
#include "task_harness.h"
#include "vat.h"

/* ---- an independent reference: the E2 softmax model, its Hessian and eigen-data by plain loops ---- */

enum { KMAX = 8, DMAX = 32 };

typedef struct ref {
    size_t k, d;
    double A[KMAX * DMAX], z[KMAX], p[KMAX], H[DMAX * DMAX], v1[DMAX], lambda1, lambda2, trace;
} ref;

static void matvec(size_t d, const double *H, const double *u, double *out) {
    for (size_t i = 0; i < d; i++) {
        out[i] = 0.0;
        for (size_t j = 0; j < d; j++) out[i] += H[i * d + j] * u[j];
    }
}

static double normalize(size_t d, double *u) {
    double n = 0.0;
    for (size_t j = 0; j < d; j++) n += u[j] * u[j];
    n = sqrt(n);
    for (size_t j = 0; j < d; j++) u[j] /= n;
    return n;
}

static double dot(size_t d, const double *a, const double *b) {
    double s = 0.0;
    for (size_t j = 0; j < d; j++) s += a[j] * b[j];
    return s;
}

/* Top eigenpair of the PSD matrix H (minus lambda_shift v vᵀ deflation), by 4000 power steps from a fixed start:
 * with λ₂/λ₁ ≈ 0.8 that is far past double precision. */
static double power_top(size_t d, const double *H, const double *deflate, double deflate_value, double *v) {
    double hv[DMAX];
    for (size_t j = 0; j < d; j++) v[j] = 1.0 + 0.1 * (double)j;
    normalize(d, v);
    double value = 0.0;
    for (int it = 0; it < 4000; it++) {
        matvec(d, H, v, hv);
        if (deflate) {
            double c = deflate_value * dot(d, deflate, v);
            for (size_t j = 0; j < d; j++) hv[j] -= c * deflate[j];
        }
        value = dot(d, v, hv);
        normalize(d, hv);
        memcpy(v, hv, d * sizeof *v);
    }
    return value;
}

static ref ref_new(size_t k, size_t d) {
    ref r = {.k = k, .d = d};
    double x[DMAX], norm = 0.0, other[DMAX];
    for (size_t j = 0; j < d; j++) x[j] = sin(0.5 * (double)j + 0.3);
    for (size_t i = 0; i < k; i++) {
        r.z[i] = 0.1 * (double)i;
        for (size_t j = 0; j < d; j++) {
            r.A[i * d + j] = cos(0.7 * (double)i + 1.3 * (double)j + 0.1 * (double)i * (double)j) / sqrt((double)d);
            r.z[i] += r.A[i * d + j] * x[j];
        }
        norm += exp(r.z[i]);
    }
    for (size_t i = 0; i < k; i++) r.p[i] = exp(r.z[i]) / norm;
    /* H = Aᵀ diag(p) A − (Aᵀp)(Aᵀp)ᵀ: the textbook form, not the kernel's sum of centred outer products. */
    double abar[DMAX] = {0};
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < d; j++) abar[j] += r.p[i] * r.A[i * d + j];
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            double s = -abar[a] * abar[b];
            for (size_t i = 0; i < k; i++) s += r.p[i] * r.A[i * d + a] * r.A[i * d + b];
            r.H[a * d + b] = s;
        }
    for (size_t j = 0; j < d; j++) r.trace += r.H[j * d + j];
    r.lambda1 = power_top(d, r.H, NULL, 0.0, r.v1);
    r.lambda2 = power_top(d, r.H, r.v1, r.lambda1, other);
    return r;
}

/* KL(p ‖ q(x + e·dir)) from its definition. */
static double direct_kl(const ref *r, const double *dir, double e) {
    double zz[KMAX], norm = 0.0, kl = 0.0;
    for (size_t i = 0; i < r->k; i++) {
        zz[i] = r->z[i];
        for (size_t j = 0; j < r->d; j++) zz[i] += e * r->A[i * r->d + j] * dir[j];
        norm += exp(zz[i]);
    }
    for (size_t i = 0; i < r->k; i++) kl += r->p[i] * log(r->p[i] / (exp(zz[i]) / norm));
    return kl;
}

/* ---- kernels ---- */

static void test_hessian_and_eigen_data(void **state) {
    (void)state;
    static const size_t sizes[][2] = {{5, 20}, {4, 9}, {6, 31}};
    for (int c = 0; c < 3; c++) {
        ref r = ref_new(sizes[c][0], sizes[c][1]);
        size_t d = r.d;
        double H[DMAX * DMAX], V[DMAX * DMAX], lambda[DMAX], scratch[KMAX * DMAX + DMAX];
        double *work = malloc(sw_symmetric_eigen_work_size(d) * sizeof *work);
        assert_non_null(work);
        sw_vat_hessian(r.k, d, r.A, r.p, H, scratch);
        for (size_t i = 0; i < d * d; i++) sw_test_assert_abs(H[i], r.H[i], 1e-15, "H entries");
        memcpy(V, H, sizeof H);
        assert_int_equal(sw_symmetric_eigen(d, V, lambda, work), SW_OK);
        sw_test_assert_rel(lambda[d - 1], r.lambda1, 1e-10, "lambda_max vs power iteration");
        sw_test_assert_rel(lambda[d - 2], r.lambda2, 1e-10, "lambda_2 vs deflated power iteration");
        sw_test_assert_rel(fabs(dot(d, V + (d - 1) * d, r.v1)), 1.0, 1e-12, "top eigenvector");
        double sum = 0.0;
        for (size_t j = 0; j < d; j++) sum += lambda[j];
        sw_test_assert_rel(sum, r.trace, 1e-12, "sum of eigenvalues = tr H");
        assert_true(lambda[d - r.k] < 1e-14 * lambda[d - 1]); /* rank H <= k − 1 */
        if (c == 0) { /* science.md E4 */
            sw_test_assert_abs(lambda[d - 1], 0.17446704, 6e-9, "lambda_max (science.md E4)");
            sw_test_assert_abs(lambda[d - 2], 0.14028203, 6e-9, "lambda_2 (science.md E4)");
            sw_test_assert_abs(r.trace, 0.46861364, 6e-9, "tr H (science.md E4)");
            sw_test_assert_abs(lambda[d - 2] / lambda[d - 1], 0.80406, 6e-6, "lambda_2/lambda_max (science.md E4)");
            sw_test_assert_abs(20 * lambda[d - 1] / r.trace, 7.4461, 6e-5, "d lambda_max / tr H (science.md E4)");
        }
        free(work);
    }
}

static void test_power_iteration_table(void **state) {
    (void)state;
    /* science.md E4: |cos(u_r, v1)| from u0 = 1/√d with ξ = 1e-6 (8 digits). */
    static const long r_table[] = {0, 1, 2, 3, 5, 10};
    static const double cos_table[] = {0.02407362, 0.34888165, 0.51236297, 0.68291340, 0.91314643, 0.99779664};
    ref r = ref_new(5, 20);
    double u[DMAX], ue[DMAX], scratch[DMAX + 2 * KMAX];
    for (int i = 0; i < 6; i++) {
        for (size_t j = 0; j < 20; j++) u[j] = ue[j] = 1.0 / sqrt(20.0);
        assert_true(sw_vat_power_fd(5, 20, r.A, r.p, 1e-6, r_table[i], u, scratch));
        sw_test_assert_abs(fabs(dot(20, u, r.v1)), cos_table[i], 6e-9, "finite-difference |cos| (science.md E4)");
        /* The exact product, against the power iteration written out here, at 1e-10. */
        assert_true(sw_vat_power_exact(20, r.H, r_table[i], ue, scratch));
        double mine[DMAX], hv[DMAX];
        for (size_t j = 0; j < 20; j++) mine[j] = 1.0 / sqrt(20.0);
        for (long it = 0; it < r_table[i]; it++) {
            matvec(20, r.H, mine, hv);
            normalize(20, hv);
            memcpy(mine, hv, sizeof hv);
        }
        sw_test_assert_rel(fabs(dot(20, ue, r.v1)), fabs(dot(20, mine, r.v1)), 1e-10, "exact power iteration");
        sw_test_assert_abs(fabs(dot(20, u, r.v1)), fabs(dot(20, ue, r.v1)), 1e-6,
                           "finite difference ~ exact (xi = 1e-6)");
    }
    /* A large ξ (the Keras default 10) is no longer a Hessian product: the iterate leaves the exact one. */
    for (size_t j = 0; j < 20; j++) u[j] = ue[j] = 1.0 / sqrt(20.0);
    assert_true(sw_vat_power_fd(5, 20, r.A, r.p, 10.0, 3, u, scratch));
    assert_true(sw_vat_power_exact(20, r.H, 3, ue, scratch));
    assert_true(fabs(dot(20, u, r.v1) - dot(20, ue, r.v1)) > 1e-3);
}

static void test_random_start_expectation(void **state) {
    (void)state;
    double lambda[200];
    /* r = 0: Γ(d/2)/(Γ((d+1)/2)√π), with 0.1807 at d = 20 (science.md E4). */
    static const size_t dims[] = {2, 3, 20, 100, 150};
    for (int i = 0; i < 5; i++) {
        size_t d = dims[i];
        for (size_t j = 0; j < d; j++) lambda[j] = 1.0 + (double)j;
        double want = exp(lgamma(0.5 * (double)d) - lgamma(0.5 * (double)(d + 1))) / sqrt(M_PI);
        sw_test_assert_rel(sw_vat_random_start_cos(d, lambda, d - 1, 0), want, 1e-12, "E|cos| at r = 0");
    }
    for (size_t j = 0; j < 20; j++) lambda[j] = 1.0;
    sw_test_assert_abs(sw_vat_random_start_cos(20, lambda, 19, 0), 0.1807, 5e-5,
                       "E|cos| at r = 0, d = 20 (science.md E4)");
    /* d = 2: E|g1|/sqrt(g1² + γ g2²) = (2/π) arcsin(√(1−γ))/√(1−γ), γ = (λ2/λ1)^{2r}. */
    static const double ratios[] = {0.5, 0.8, 0.1};
    static const long steps[] = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
        double l2[2] = {ratios[i] * 2.0, 2.0}, gamma = pow(ratios[i], 2.0 * (double)steps[i]);
        double want = 2.0 / M_PI * asin(sqrt(1.0 - gamma)) / sqrt(1.0 - gamma);
        sw_test_assert_rel(sw_vat_random_start_cos(2, l2, 1, steps[i]), want, 1e-12, "E|cos| in two dimensions");
    }
    /* A rank-one matrix: one step lands on v1 whatever the start. */
    double rank_one[5] = {0, 0, 0, 0, 3.0};
    sw_test_assert_rel(sw_vat_random_start_cos(5, rank_one, 4, 1), 1.0, 1e-12, "rank one: E|cos| = 1 after one step");
}

static void test_losses(void **state) {
    (void)state;
    ref r = ref_new(5, 20);
    double scratch[KMAX], minus[DMAX];
    for (size_t j = 0; j < 20; j++) minus[j] = -r.v1[j];
    double top = fmax(sw_vat_kl(5, 20, r.A, r.p, r.v1, 0.1, scratch), sw_vat_kl(5, 20, r.A, r.p, minus, 0.1, scratch));
    sw_test_assert_abs(top, 8.7299e-4, 6e-9, "KL along v1 at eps = 0.1, worse sign (science.md E4)");
    sw_test_assert_rel(top, fmax(direct_kl(&r, r.v1, 0.1), direct_kl(&r, minus, 0.1)), 1e-11, "KL along v1 vs direct");
    sw_test_assert_abs(0.005 * r.lambda1, 8.7234e-4, 6e-9, "prediction (eps^2/2) lambda_max (science.md E4)");
    sw_test_assert_abs(0.005 * r.trace / 20, 1.1715e-4, 6e-9, "random prediction (eps^2/2) tr H/d (science.md E4)");
    static const double radii[] = {0.03, 0.4, 1.5};
    for (int i = 0; i < 3; i++)
        sw_test_assert_rel(sw_vat_kl(5, 20, r.A, r.p, r.v1, radii[i], scratch), direct_kl(&r, r.v1, radii[i]), 1e-11,
                   "KL at other radii vs direct");
}

/* ---- the experiment through the registry ---- */

static void test_registry_deterministic(void **state) {
    (void)state;
    sw_test_task t = sw_test_task_new("vat");
    sw_test_task_set_int(&t, "iterations", 5);
    sw_test_task_set_int(&t, "samples", 20000);
    sw_test_task_run(&t, 3);
    ref r = ref_new(5, 20);
    sw_test_assert_abs(sw_test_task_scalar(&t, "cos_top"), 0.91314643, 6e-9, "cos_top, r = 5 (science.md E4)");
    sw_test_assert_abs(sw_test_task_scalar(&t, "cos_top_se"), 0.0, 0.0, "deterministic start: no standard error");
    sw_test_assert_abs(sw_test_task_scalar(&t, "cos_top_exact"), 0.91314658, 1e-6,
                       "exact power iteration ~ the finite difference");
    sw_test_assert_rel(sw_test_task_scalar(&t, "lambda_max"), r.lambda1, 1e-10, "lambda_max");
    sw_test_assert_rel(sw_test_task_scalar(&t, "lambda_2"), r.lambda2, 1e-10, "lambda_2");
    sw_test_assert_rel(sw_test_task_scalar(&t, "trace_h"), r.trace, 1e-12, "trace_h");
    sw_test_assert_rel(sw_test_task_scalar(&t, "envelope"), pow(r.lambda2 / r.lambda1, 5), 1e-9, "envelope");
    sw_test_assert_rel(sw_test_task_scalar(&t, "gain_pred"), 20 * r.lambda1 / r.trace, 1e-10, "gain_pred");
    sw_test_assert_abs(sw_test_task_scalar(&t, "top_loss"), 8.7299e-4, 6e-9, "top_loss (science.md E4)");
    sw_test_assert_rel(sw_test_task_scalar(&t, "top_loss_pred"), 0.005 * r.lambda1, 1e-10, "top_loss_pred");
    sw_test_assert_rel(sw_test_task_scalar(&t, "random_loss_pred"), 0.005 * r.trace / 20, 1e-12, "random_loss_pred");
    assert_true(sw_test_task_scalar(&t, "fd_deviation") < 1e-6);
    assert_true(sw_test_task_scalar(&t, "rayleigh") <= r.lambda1 * (1 + 1e-12));
    sw_test_assert_rel(sw_test_task_scalar(&t, "adv_loss_pred"), 0.005 * sw_test_task_scalar(&t, "rayleigh"), 1e-14,
                       "adv_loss_pred");
    /* The mean over random directions: the second-order prediction is off only by O(eps^4) (the odd orders cancel
     * over ±v), far below the standard error here. */
    sw_test_assert_within_se(sw_test_task_scalar(&t, "random_loss"), sw_test_task_scalar(&t, "random_loss_pred"),
                             sw_test_task_scalar(&t, "random_loss_se"), 4, "random_loss vs (eps^2/2) tr H / d");
    sw_test_task_free(&t);
}

static void test_registry_random_start(void **state) {
    (void)state;
    static const long steps[] = {0, 1, 3};
    for (int i = 0; i < 3; i++) {
        sw_test_task t = sw_test_task_new("vat");
        sw_test_task_set_choice(&t, "start", "random");
        sw_test_task_set_int(&t, "iterations", steps[i]);
        sw_test_task_set_int(&t, "samples", 20000);
        sw_test_task_run(&t, 4);
        sw_test_assert_within_se(sw_test_task_scalar(&t, "cos_top"), sw_test_task_scalar(&t, "cos_top_exact"),
                                 sw_test_task_scalar(&t, "cos_top_se"), 4,
                                 "random start: mean |cos| vs its exact expectation");
        if (steps[i] == 1) /* science.md E4's Monte-Carlo 0.565 (R = 2e4, SE ~ 0.002) */
            sw_test_assert_abs(sw_test_task_scalar(&t, "cos_top_exact"), 0.565, 0.008,
                               "E|cos| after one step (science.md E4)");
        sw_test_assert_within_se(sw_test_task_scalar(&t, "adv_loss"), sw_test_task_scalar(&t, "adv_loss_pred"),
                                 sw_test_task_scalar(&t, "adv_loss_se"), 4, "adversarial loss vs its prediction");
        sw_test_task_free(&t);
    }
    /* Another size and radius: wiring of inputs, outputs and epsilon. */
    sw_test_task t = sw_test_task_new("vat");
    sw_test_task_set_choice(&t, "start", "random");
    sw_test_task_set_int(&t, "inputs", 9);
    sw_test_task_set_int(&t, "outputs", 4);
    sw_test_task_set_int(&t, "iterations", 2);
    sw_test_task_set_real(&t, "epsilon", 0.02);
    sw_test_task_set_int(&t, "samples", 20000);
    sw_test_task_run(&t, 5);
    ref r = ref_new(4, 9);
    sw_test_assert_rel(sw_test_task_scalar(&t, "lambda_max"), r.lambda1, 1e-10, "lambda_max, k = 4, d = 9");
    sw_test_assert_rel(sw_test_task_scalar(&t, "top_loss_pred"), 0.0002 * r.lambda1, 1e-10,
                       "top_loss_pred, eps = 0.02");
    sw_test_assert_within_se(sw_test_task_scalar(&t, "cos_top"), sw_test_task_scalar(&t, "cos_top_exact"),
                             sw_test_task_scalar(&t, "cos_top_se"), 4, "random start, k = 4, d = 9");
    sw_test_assert_within_se(sw_test_task_scalar(&t, "random_loss"), sw_test_task_scalar(&t, "random_loss_pred"),
                             sw_test_task_scalar(&t, "random_loss_se"), 4, "random_loss, k = 4, d = 9");
    sw_test_task_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hessian_and_eigen_data),
        cmocka_unit_test(test_power_iteration_table),
        cmocka_unit_test(test_random_start_expectation),
        cmocka_unit_test(test_losses),
        cmocka_unit_test(test_registry_deterministic),
        cmocka_unit_test(test_registry_random_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
