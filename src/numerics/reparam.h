/* reparam.h: gradient estimators of E_{p_θ}[f(z)] (kexue.fm/archives/6705, 漫谈重参数).
 *
 * Two families, each with exact values and a Monte-Carlo kernel that measures the same quantities:
 *  - Gaussian z = μ + σε: the reparameterisation (pathwise) and score-function (REINFORCE) estimators of the
 *    gradient with respect to μ and σ, for f(z) = z² and f(z) = sin(ωz);
 *  - categorical z ~ softmax(logits): Gumbel-max sampling, its Gumbel-softmax relaxation with the relaxation's
 *    pathwise gradient, and REINFORCE with and without the baseline b = E f.
 *
 * "Single-sample variance" always means the variance of the estimator built from one draw; a Monte-Carlo run of
 * N draws estimates it with a standard error from the fourth central moment (sw_varmoments).
 *
 * Pure kernels: no allocation, no globals, not collective. Random numbers come from caller-owned sw_rng streams
 * and are drawn in bulk into caller-provided workspace.
 */
#ifndef SW_NUMERICS_REPARAM_H
#define SW_NUMERICS_REPARAM_H

#include <stddef.h>
#include <stdint.h>

#include "mpisweep/rng.h"

/* ---- running moments up to the fourth, for a variance with its standard error ---- */

/* Mean, and central sums of powers 2..4 (Terriberry's one-pass update, stable like Welford's). Plain data. */
typedef struct sw_varmoments {
    double n, mean, m2, m3, m4;
} sw_varmoments;

static inline void sw_varmoments_reset(sw_varmoments *a) { a->n = a->mean = a->m2 = a->m3 = a->m4 = 0.0; }

static inline void sw_varmoments_add(sw_varmoments *a, double x) {
    double n1 = a->n, n = n1 + 1.0;
    double d = x - a->mean, dn = d / n, dn2 = dn * dn, t1 = d * dn * n1;
    a->n = n;
    a->mean += dn;
    a->m4 += t1 * dn2 * (n * n - 3.0 * n + 3.0) + 6.0 * dn2 * a->m2 - 4.0 * dn * a->m3;
    a->m3 += t1 * dn * (n - 2.0) - 3.0 * dn * a->m2;
    a->m2 += t1;
}

/* Adds the n values x[0..n) at once: their mean and central sums, merged in by Pébay's formulas (2008), which
 * costs no division per value. */
void sw_varmoments_add_array(sw_varmoments *a, const double *x, size_t n);

/* Sample variance (divisor n - 1); 0 for n < 2 so that outputs stay finite. */
double sw_varmoments_var(const sw_varmoments *a);
/* Standard error of the mean, sqrt(var / n); 0 for n < 2. */
double sw_varmoments_mean_se(const sw_varmoments *a);
/* Standard error of the sample variance, sqrt((μ4 − (n−3)/(n−1) σ⁴)/n) with plug-in moments; 0 for n < 4. */
double sw_varmoments_var_se(const sw_varmoments *a);

/* ---- Gaussian: z = μ + σε, ε ~ N(0, 1) ---- */

typedef enum sw_reparam_fn {
    SW_REPARAM_SQUARE, /* f(z) = z² */
    SW_REPARAM_SIN,    /* f(z) = sin(ωz) */
} sw_reparam_fn;

/* The four single-sample estimators, in the order of every per-estimator array below. */
typedef enum sw_reparam_estimator {
    SW_REPARAM_MU_REP,    /* f'(z): pathwise gradient w.r.t. μ */
    SW_REPARAM_MU_SF,     /* f(z) ε/σ: score-function gradient w.r.t. μ */
    SW_REPARAM_SIGMA_REP, /* f'(z) ε: pathwise gradient w.r.t. σ */
    SW_REPARAM_SIGMA_SF,  /* f(z)(ε² − 1)/σ: score-function gradient w.r.t. σ */
    SW_REPARAM_N_ESTIMATORS
} sw_reparam_estimator;

typedef struct sw_reparam_gauss {
    sw_reparam_fn f;
    double mu;
    double sigma; /* > 0 */
    double omega; /* frequency of sin(ωz); ignored for z² */
} sw_reparam_gauss;

/* Exact mean and single-sample variance of each estimator, and L = E f(z), in closed form (science.md 7.2;
 * the σ-gradients of sin(ωz) use E[ε^k cos(a + bε)] from the Hermite polynomials). */
typedef struct sw_reparam_gauss_exact {
    double objective;
    double mean[SW_REPARAM_N_ESTIMATORS];
    double var[SW_REPARAM_N_ESTIMATORS];
} sw_reparam_gauss_exact;

/* Fills *out with the closed forms for problem pb. Never fails. */
void sw_reparam_gauss_exact_values(const sw_reparam_gauss *pb, sw_reparam_gauss_exact *out);

/* Monte-Carlo estimates: per estimator the mean and the single-sample variance, each with a standard error. */
typedef struct sw_reparam_gauss_mc {
    double objective, objective_se;
    double mean[SW_REPARAM_N_ESTIMATORS], mean_se[SW_REPARAM_N_ESTIMATORS];
    double var[SW_REPARAM_N_ESTIMATORS], var_se[SW_REPARAM_N_ESTIMATORS];
} sw_reparam_gauss_mc;

enum { SW_REPARAM_BLOCK = 1024 }; /* draws per bulk fill */

/* Draws `samples` values of ε from rng (in blocks of SW_REPARAM_BLOCK into eps, which the caller owns and which
 * holds SW_REPARAM_BLOCK doubles) and evaluates all four estimators on the same draws. samples >= 2. */
void sw_reparam_gauss_monte_carlo(const sw_reparam_gauss *pb, int64_t samples, sw_rng *rng, double *eps,
                                  sw_reparam_gauss_mc *out);

/* ---- categorical: p = softmax(logits), objective L = Σ p_i f_i ---- */

/* p = softmax(logits) over k >= 1 categories, stable for any finite logits. Returns nothing; p has k slots. */
void sw_softmax(size_t k, const double *logits, double *p);

/* Exact values of the categorical problem. Every array has k slots and is owned by the caller. */
typedef struct sw_categorical_exact {
    double *p;             /* softmax(logits) */
    double *grad;          /* ∂L/∂o_j = p_j (f_j − L) */
    double *reinforce_var; /* per-coordinate variance of (f_y − b)(e_y − p), b = 0 */
    double *baseline_var;  /* the same with b = L */
    double objective;      /* L */
} sw_categorical_exact;

/* Fills *out (whose arrays the caller provides) from the closed forms of science.md 7.2:
 * Var g_j = Σ_y p_y (f_y − b)² (δ_yj − p_j)² − grad_j². */
void sw_categorical_exact_values(size_t k, const double *logits, const double *values, sw_categorical_exact *out);

/* Monte-Carlo outputs of sw_gumbel_monte_carlo. Each pointer is a caller-owned array of k doubles. */
typedef struct sw_gumbel_mc {
    double *max_freq, *max_freq_se;             /* Gumbel-max: frequency of each category */
    double *gs_argmax_freq, *gs_argmax_freq_se; /* frequency of argmax ỹ for the Gumbel-softmax sample ỹ */
    double *gs_mean, *gs_mean_se;               /* E ỹ */
    double *grad_gs_mean, *grad_gs_mean_se;     /* pathwise gradient of f·ỹ w.r.t. the logits: mean ... */
    double *grad_gs_var, *grad_gs_var_se;       /* ... and single-sample variance */
    double *reinforce_mean, *reinforce_mean_se, *reinforce_var, *reinforce_var_se; /* b = 0 */
    double *baseline_mean, *baseline_mean_se, *baseline_var, *baseline_var_se;     /* b = L (exact) */
    double gs_max_mean, gs_max_mean_se;               /* E max_i ỹ_i */
    double objective, objective_se;                   /* E f_y, y from Gumbel-max: estimates L */
    double relaxed_objective, relaxed_objective_se;   /* E f·ỹ */
} sw_gumbel_mc;

enum { SW_GUMBEL_BLOCK = 256 }; /* samples per bulk fill */

/* Bytes of workspace sw_gumbel_monte_carlo needs for k categories (8-byte alignment suffices). */
size_t sw_gumbel_workspace_bytes(size_t k);

/* Runs `samples` (>= 2) independent draws for k >= 2 categories at temperature tau > 0. The Gumbel-max samples
 * (which also drive both REINFORCE estimators) come from max_rng, the Gumbel-softmax samples from gs_rng, so the
 * two families are independent. work holds sw_gumbel_workspace_bytes(k) bytes; out's arrays are filled, and its
 * scalars set. Never fails. */
void sw_gumbel_monte_carlo(size_t k, const double *logits, const double *values, double tau, int64_t samples,
                           sw_rng *max_rng, sw_rng *gs_rng, void *work, sw_gumbel_mc *out);

#endif
