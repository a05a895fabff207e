/* estimators.h: biased and unbiased variance estimators, kexue.fm/archives/6747 (简述无偏估计和有偏估计),
 * science.md §6.
 *
 * For n iid draws with variance σ² and SS = Σ(x_i − x̄)², the estimator SS/c has mean (n−1)σ²/c. The divisors
 * studied are n (biased, the article's), n − 1 (unbiased) and n + 1 (minimum MSE for Gaussian data); the standard
 * deviation s = sqrt(SS/(n−1)) stays biased, E s = c₄(n)σ for Gaussian data.
 *
 * Pure functions over caller-provided arrays: no allocation, no globals, not collective, no errors.
 */
#ifndef SW_NUMERICS_ESTIMATORS_H
#define SW_NUMERICS_ESTIMATORS_H

#include <stddef.h>

#include "stats.h"

typedef enum sw_var_dist {
    SW_VAR_GAUSS,       /* N(0, σ²), kurtosis 3 */
    SW_VAR_UNIFORM,     /* U(−√3σ, √3σ), kurtosis 9/5 */
    SW_VAR_EXPONENTIAL, /* σ·Exp(1), kurtosis 9 */
} sw_var_dist;

/* The three divisors, in output order. */
enum { SW_VAR_BIASED, SW_VAR_UNBIASED, SW_VAR_MINMSE, SW_VAR_DIVISORS };

/* The divisor of estimator `which` for sample size n: n, n − 1 or n + 1. */
double sw_var_divisor(size_t n, int which);

/* μ₄/σ⁴ of the distribution. */
double sw_var_kurtosis(sw_var_dist dist);

/* Turns raw draws into samples of variance sigma2, in place: standard normals for gauss, U(0,1) for uniform,
 * Exp(1) for exponential (the caller draws the matching kind). */
void sw_var_scale(sw_var_dist dist, double sigma2, double *x, size_t count);

/* c₄(n) = sqrt(2/(n−1)) Γ(n/2)/Γ((n−1)/2), n >= 2, to a few ulps for every n (through GSL's regulated gamma
 * function; a difference of log-gammas, or gsl_sf_poch, loses up to 1e-10 relative at n = 1e6). */
double sw_c4(size_t n);

/* Exact moments of the estimators (science.md §6.2). */
typedef struct sw_var_exact {
    double mean[SW_VAR_DIVISORS]; /* (n−1)σ²/c */
    double mse[SW_VAR_DIVISORS];  /* ((n−1)/c)² Var(s_u²) + ((n−1)/c − 1)² σ⁴ */
    double var_unbiased;          /* Var(s_u²) = (μ₄ − (n−3)/(n−1) σ⁴)/n */
    double best_divisor;          /* c* = (n−1)(1 + Var(s_u²)/σ⁴), the MSE-minimising divisor */
    double mean_sd_gauss;         /* c₄(n)σ: E s for Gaussian data */
} sw_var_exact;

/* Fills *out for sample size n >= 2. */
void sw_var_exact_values(size_t n, sw_var_dist dist, double sigma2, sw_var_exact *out);

/* Monte-Carlo accumulators: per divisor the estimate and its squared error against σ², and s. */
typedef struct sw_var_acc {
    sw_moments estimate[SW_VAR_DIVISORS];
    sw_moments sq_error[SW_VAR_DIVISORS];
    sw_moments sd;
} sw_var_acc;

void sw_var_acc_reset(sw_var_acc *acc);

/* Adds `rows` replicates: row r is the sample x[r*n .. r*n + n). SS is formed in two passes (mean first). */
void sw_var_batch(size_t n, const double *x, size_t rows, double sigma2, sw_var_acc *acc);

/* The same for raw draws (standard normals, U(0,1) or Exp(1)) whose samples of variance sigma2 would be the
 * sw_var_scale of them: SS is taken of the raw rows and multiplied by ss_scale = sw_var_ss_scale(dist, sigma2),
 * which saves the pass over every draw. */
double sw_var_ss_scale(sw_var_dist dist, double sigma2);
void sw_var_batch_scaled(size_t n, const double *x, size_t rows, double ss_scale, double sigma2, sw_var_acc *acc);

#endif
