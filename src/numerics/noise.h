/* noise.h: kernels for kexue.fm/archives/7466 (泛化性乱弹：从随机噪声、梯度惩罚到虚拟对抗训练): input noise and its
 * second-order (Laplacian) expansion, the label-free consistency loss and the gradient penalty it approximates,
 * Hutchinson's random-projection estimate of the penalty, and the fast gradient method (FGM). science.md §1.
 *
 * A model is an activation f applied to pre-activations z = Ax + b, A a k×d matrix (row-major). Input noise
 * ε ~ N(0, σ²I_d) moves the pre-activations by δ = Aε, so every loss below is a function of a k-vector δ added to
 * z. The kernels work with *increments* l(f(z+δ), t) − l(f(z), t), computed without cancellation, so a loss change
 * of order σ⁴ is still accurate to rounding when σ is small.
 *
 *   model        f          loss l(F, t)           penalty weights λ_i = ∂²l/∂F_i² at F = t = f(z)
 *   sin_mse      sin        Σ (F_i − t_i)²         2     (k = d = 1, A = [1]: science.md E1, w·x = a, s = σ)
 *   tanh_mse     tanh       Σ (F_i − t_i)²         2
 *   softmax_kl   softmax    KL(t ‖ F)              1/F_i  (t a probability vector)
 *   linear_mse   identity   Σ (F_i − t_i)²         2
 *
 * Every function here is pure: it reads and writes only the arrays it is given (no allocation, no globals) and
 * is not collective. Sizes are the caller's to get right; the only reported errors are LAPACK failures.
 */
#ifndef SW_NUMERICS_NOISE_H
#define SW_NUMERICS_NOISE_H

#include <stddef.h>

#include "mpisweep/status.h"
#include "stats.h"

typedef enum sw_noise_model {
    SW_NOISE_SIN_MSE,
    SW_NOISE_TANH_MSE,
    SW_NOISE_SOFTMAX_KL,
    SW_NOISE_LINEAR_MSE,
} sw_noise_model;

/* A model evaluated at a clean input: all arrays borrowed from the caller. */
typedef struct sw_noise_problem {
    sw_noise_model model;
    size_t k, d;      /* outputs, inputs */
    const double *A;  /* k×d, row-major: pre-activations move by A ε */
    const double *z;  /* k pre-activations at the clean input */
    const double *fz; /* k outputs f(z) (for softmax_kl the probabilities) */
} sw_noise_problem;

/* The exact softmax_kl reference integrates over the (k−1)-dimensional noise subspace with a product rule, so its
 * cost grows like m^(k−1); beyond this many outputs it is not offered. */
enum { SW_NOISE_SOFTMAX_EXACT_MAX_K = 5 };

/* science.md E2's deterministic configuration with 0-based indices: A_ij = cos(0.7i + 1.3j + 0.1ij)/√d,
 * x_j = sin(0.5j + 0.3), b_i = 0.1i. Fills A (k×d), x (d) and b (k); any of them may be NULL. */
void sw_noise_config(size_t k, size_t d, double *A, double *x, double *b);

/* fz = f(z) for the model's activation (softmax computed with the max subtracted). */
void sw_noise_activate(sw_noise_model model, size_t k, const double *z, double *fz);

/* l(f(z), t) for the problem's model. For softmax_kl, t must be a probability vector (0 log 0 = 0). */
double sw_noise_loss(const sw_noise_problem *pr, const double *t);

/* KL(p ‖ softmax(log p + δ)): the KL divergence from p of the distribution whose logits moved by δ. Exact to a few
 * rounding errors relative to the result even when δ is tiny (the result is then O(‖δ‖²)). p must be positive and
 * sum to 1. */
double sw_softmax_kl_shift(size_t k, const double *p, const double *delta);

/* sw_softmax_kl_shift for many shifts at once: kl[r] for the columns r of u (k × rows, row-major: u[i·rows + r] is
 * δ_i of column r), with vectorised exponentials and logarithms. work: sw_softmax_kl_columns_work(k, rows) doubles. */
size_t sw_softmax_kl_columns_work(size_t k, size_t rows);
void sw_softmax_kl_columns(size_t k, const double *p, const double *u, size_t rows, double *kl, double *work);

/* l(f(z + δ), t) − l(f(z), t), free of cancellation (see the top comment). */
double sw_noise_increment(const sw_noise_problem *pr, const double *t, const double *delta);

/* The Laplacian Δ_x l(f(x), t) at the clean input (the article's second-order term is σ²/2 times this).
 * scratch: d doubles. */
double sw_noise_laplacian(const sw_noise_problem *pr, const double *t, double *scratch);

/* The penalty Jacobian G (k×d, row-major), scaled so that the article's gradient penalty
 * (σ²/2) Σ_i λ_i ‖∇_x f_i‖² equals weight·σ²·‖G‖_F², where weight is the return value: G = J and weight 1 for the
 * MSE models; G's rows √p_i ∇_x log p_i and weight 1/2 for softmax_kl (then ‖G‖_F² = tr Aᵀ(diag p − ppᵀ)A).
 * scratch: d doubles. */
double sw_noise_penalty_jacobian(const sw_noise_problem *pr, double *G, double *scratch);

/* ∇_x l(f(x), t) at the clean input, into g (d doubles). scratch: k doubles. */
void sw_noise_gradient(const sw_noise_problem *pr, const double *t, double *g, double *scratch);

/* FGM along g = ∇_x l: the loss change over its first-order prediction, for a step e·g and for a step e·g/‖g‖. */
typedef struct sw_fgm_result {
    double grad_norm2;       /* ‖g‖² */
    double ratio;            /* [l(x + e g) − l(x)] / (e ‖g‖²) */
    double normalized_ratio; /* [l(x + e g/‖g‖) − l(x)] / (e ‖g‖) */
} sw_fgm_result;

/* Fills *res for step e > 0 (the ratios are NaN when g = 0). scratch: d + 2k doubles. */
void sw_noise_fgm(const sw_noise_problem *pr, const double *t, double e, double *scratch, sw_fgm_result *res);

/* Doubles of work that sw_noise_exact_increment needs for k outputs. */
size_t sw_noise_exact_work_size(size_t k);

/* E_ε l(f(z + σAε), t) − l(f(z), t) for ε ~ N(0, I_d), by the best deterministic method for the model:
 *   sin_mse: closed form (science.md E1, rearranged to avoid cancellation); linear_mse: σ²‖A‖_F², exact;
 *   tanh_mse: a sum of one-dimensional Gaussian integrals (output i sees N(0, σ²‖a_i‖²)), trapezoid rule;
 *   softmax_kl: E KL(p ‖ q(z+δ)) (the same for every t: the linear term has mean 0), by a Gauss–Hermite product
 *   rule over the eigenbasis of Cov(δ) projected orthogonally to the all-ones vector, where the softmax is flat.
 * Accurate to about 1e-10 relative for the noise levels of the experiments (σ‖A‖₂ ≲ 2); softmax_kl needs
 * k ≤ SW_NOISE_SOFTMAX_EXACT_MAX_K. work: sw_noise_exact_work_size(k) doubles.
 * Returns SW_OK, SW_ERR_LAPACK when an eigensolver fails, or SW_ERR_INTERNAL for softmax_kl with k too large. */
sw_status sw_noise_exact_increment(const sw_noise_problem *pr, const double *t, double sigma, double *work,
                                   double *increment);

/* Nodes and weights of the m-point Gauss–Hermite rule for the standard normal density (weights sum to 1), by
 * Golub–Welsch. work: m*m + 3m doubles. Returns SW_OK or SW_ERR_LAPACK. */
sw_status sw_gauss_hermite(size_t m, double *node, double *weight, double *work);

/* Monte-Carlo accumulation of the noisy loss and the consistency loss. eps holds rows×d standard normals; each row
 * ε gives the antithetic pair ±σε, whose mean is one observation (unbiased, and the odd orders of the expansion
 * cancel, which is what makes small-σ ratios measurable):
 *   noisy:       [l(f(z+σAε), label) + l(f(z−σAε), label)]/2 − l(f(z), label)
 *   consistency: [l(f(z+σAε), f(z)) + l(f(z−σAε), f(z))]/2
 * with the increments formed as sw_noise_increment does, free of cancellation. work: sw_noise_mc_work_size(k, rows)
 * doubles. Adds rows observations to each accumulator. */
size_t sw_noise_mc_work_size(size_t k, size_t rows);
void sw_noise_mc_batch(const sw_noise_problem *pr, const double *label, double sigma, const double *eps, size_t rows,
                       double *work, sw_moments *noisy, sw_moments *consistency);

/* Power sums of x − shift up to the fourth: enough for the mean, the variance and the standard error of the sample
 * variance. With shift near the mean (e.g. its exact value) the sums stay well conditioned. */
typedef struct sw_power_sums {
    double n, shift, s1, s2, s3, s4;
} sw_power_sums;

void sw_power_sums_reset(sw_power_sums *ps, double shift);
void sw_power_sums_add(sw_power_sums *ps, double x);
double sw_power_sums_mean(const sw_power_sums *ps);
/* Sample variance (divisor n − 1); NaN for n < 2. */
double sw_power_sums_var(const sw_power_sums *ps);
/* Standard error of the mean sqrt(var/n); NaN for n < 2. */
double sw_power_sums_se(const sw_power_sums *ps);
/* Standard error of the sample variance, sqrt((m4 − m2²)/n) from the sample central moments; NaN for n < 2. */
double sw_power_sums_var_se(const sw_power_sums *ps);

/* Hutchinson's estimator: each row η of eta (rows×k; Rademacher or standard normal entries) adds ‖Gᵀη‖² to acc,
 * whose expectation is ‖G‖_F². W: rows×d doubles of scratch. */
void sw_hutchinson_batch(size_t k, size_t d, const double *G, const double *eta, size_t rows, double *W,
                         sw_power_sums *acc);

/* Exact single-sample variance of ‖Gᵀη‖² with M = GGᵀ: 2 Σ_{i≠j} M_ij² for Rademacher η (rademacher != 0),
 * 2 ‖M‖_F² for Gaussian η (science.md E3). M: k×k doubles of scratch. */
double sw_hutchinson_var_exact(size_t k, size_t d, const double *G, int rademacher, double *M);

/* ‖G‖_F² of a k×d matrix. */
double sw_frobenius2(size_t k, size_t d, const double *G);

#endif
