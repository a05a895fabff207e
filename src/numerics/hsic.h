/* hsic.h: the Hilbert-Schmidt independence criterion with Gaussian kernels (kexue.fm/archives/6910).
 *
 * Three parts:
 *  - sample side: kernel matrices k(a, b) = exp(-|a - b|^2 / g) through BLAS (dsyrk), the median heuristic, the
 *    estimators HSIC_b = tr(KHLH)/n^2, HSIC_a = tr(KHLH)/(n-1)^2 (the article's "unbiased" form, which is not) and
 *    the unbiased U-statistic HSIC_u of Song et al. 2012, Gretton et al. 2008's Gamma-approximation test, the
 *    permutation statistic, and Pearson's r with its t-test;
 *  - population side, for x ~ N(0,1) and y = f(x) + s eps with f one of the relations below: the kernel moments
 *    mu_x = E k_x(x1,x2), mu_y = E k_y(y1,y2), A = E k_x(x1,x2) k_y(y1,y2), B = E k_x(x1,x2) k_y(y1,y3), from which
 *    HSIC = A + mu_x mu_y - 2B and the exact expectations of all three estimators follow;
 *  - the population median of the squared distance of two independent copies (the median heuristic's limit).
 *
 * The noise integrals are done in closed form (a Gaussian kernel averaged over Gaussian noise is again Gaussian),
 * which leaves at most two-dimensional integrals over x. They are closed forms for the independent and linear
 * relations, one-dimensional quadrature for the quadratic one, and two-dimensional quadrature for the sine.
 *
 * Matrices are n x n, column-major, symmetric. Nothing here allocates, keeps state or is collective, and no
 * function can fail: arguments outside the stated ranges are the caller's bug (the experiment's schema bounds
 * keep them out).
 */
#ifndef SW_NUMERICS_HSIC_H
#define SW_NUMERICS_HSIC_H

#include <stdbool.h>
#include <stddef.h>

/* How y depends on x ~ N(0,1); eps ~ N(0,1) is independent of x. */
typedef enum sw_hsic_relation {
    SW_HSIC_INDEPENDENT, /* y = eps: independent of x, same N(0,1) law */
    SW_HSIC_LINEAR,      /* y = x + s eps */
    SW_HSIC_QUADRATIC,   /* y = x^2 + s eps: uncorrelated with x, yet dependent */
    SW_HSIC_SINE,        /* y = sin(omega x) + s eps */
} sw_hsic_relation;

/* The data-generating model. */
typedef struct sw_hsic_model {
    sw_hsic_relation relation;
    double noise;     /* s >= 0 */
    double frequency; /* omega > 0, used by SW_HSIC_SINE only */
} sw_hsic_model;

/* ---- sample side ---- */

/* y[i] = f(x[i]) + s eps[i] for the model's relation (y = eps for SW_HSIC_INDEPENDENT). y may alias eps. */
void sw_hsic_relate(const sw_hsic_model *m, size_t n, const double *x, const double *eps, double *y);

/* Squared Euclidean distances dist[i + j n] = |p_i - p_j|^2 of n points of dimension d, given as the columns of
 * the n x d column-major matrix p: |p_i|^2 + |p_j|^2 - 2 <p_i, p_j> with the Gram matrix from one dsyrk, clamped
 * at 0 against rounding. dist (n x n) is caller-owned and fully written. */
void sw_hsic_sq_distances(size_t n, size_t d, const double *p, double *dist);

/* Median of the n(n-1)/2 values dist[i + j n], i < j (the mean of the two middle ones for an even count), by
 * selection in buf (n(n-1)/2 doubles, caller-owned, overwritten). n >= 2. */
double sw_hsic_median_distance(size_t n, const double *dist, double *buf);

/* In place: dist[i] <- exp(-dist[i] / g) for the n x n matrix, turning squared distances into a Gaussian kernel
 * matrix. g > 0. */
void sw_hsic_gauss_kernel(size_t n, double *dist, double g);

/* Everything one sample gives. */
typedef struct sw_hsic_estimates {
    double trace;      /* tr(K H L H) */
    double hsic_b;     /* trace / n^2 */
    double hsic_a;     /* trace / (n-1)^2 */
    double hsic_u;     /* Song et al. 2012's unbiased U-statistic */
    double mu_x, mu_y; /* mean off-diagonal entries of K and L */
    double gamma_mean; /* Gretton's mean of HSIC_b under independence: (1 + mu_x mu_y - mu_x - mu_y) / n */
    double gamma_var;  /* Gretton's variance of HSIC_b under independence */
} sw_hsic_estimates;

/* Estimators and Gamma-test moments from the kernel matrices k and l (n x n, symmetric). k is overwritten by the
 * centred matrix H K H, which sw_hsic_perm_statistic needs. work holds 2n doubles (caller-owned). n >= 6, the
 * smallest n at which Gretton's variance is defined. */
void sw_hsic_estimate(size_t n, double *k, const double *l, double *work, sw_hsic_estimates *out);

/* Gretton et al. 2008's Gamma approximation: the statistic n HSIC_b is compared with the 1 - alpha quantile of
 * the Gamma law with shape mean^2/var and scale n var/mean (through the upper tail probability, which is
 * equivalent). Returns true to reject independence; false also when the moments are degenerate (variance or mean
 * not positive). */
bool sw_hsic_gamma_reject(size_t n, const sw_hsic_estimates *e, double alpha);

/* The permutation statistic tr(Kc P L P^T) = sum_ij kc[i,j] l[perm i, perm j], for kc = H K H as left by
 * sw_hsic_estimate (both symmetric: formed from the diagonal and the upper triangle); with the identity it equals
 * e->trace up to rounding. */
double sw_hsic_perm_statistic(size_t n, const double *kc, const double *l, const size_t *perm);

/* Pearson's sample correlation r of x and y (0 when either is constant). */
double sw_hsic_pearson(size_t n, const double *x, const double *y);

/* Two-sided t-test of zero correlation: t = r sqrt((n-2)/(1-r^2)) against Student's t with n - 2 degrees of
 * freedom. Returns true to reject at level alpha. n >= 3. */
bool sw_hsic_pearson_reject(size_t n, double r, double alpha);

/* ---- population side ---- */

/* Population kernel moments for x ~ N(0,1), y from the model, k_x with width g_x and k_y with width g_y. */
typedef struct sw_hsic_moments {
    double mu_x; /* E k_x(x1, x2) */
    double mu_y; /* E k_y(y1, y2) */
    double a;    /* E k_x(x1, x2) k_y(y1, y2): both pairs from the same two draws */
    double b;    /* E k_x(x1, x2) k_y(y1, y3): one draw shared */
} sw_hsic_moments;

/* The moments above (see the top comment for the method of each relation). g_x, g_y > 0. */
sw_hsic_moments sw_hsic_population_moments(const sw_hsic_model *m, double g_x, double g_y);

/* Population HSIC = A + mu_x mu_y - 2 B. */
double sw_hsic_population(const sw_hsic_moments *p);

/* Exact E tr(K H L H) for a sample of n >= 2 pairs, from the moments: every coincidence pattern of the four
 * indices of tr(KL) - (2/n) 1'KL1 + (1/n^2) 1'K1 1'L1 has its expectation in {1, mu_x, mu_y, A, B, mu_x mu_y}.
 * Under independence (A = B = mu_x mu_y) it reduces to (n-1)(1-mu_x)(1-mu_y). Divide by n^2 or (n-1)^2 for the
 * expectations of HSIC_b and HSIC_a; HSIC_u's expectation is sw_hsic_population. */
double sw_hsic_expected_trace(size_t n, const sw_hsic_moments *p);

/* Population Pearson correlation of x and y under the model: 1/sqrt(1+s^2), 0, 0, and
 * omega e^{-omega^2/2} / sqrt((1 - e^{-2 omega^2})/2 + s^2) for the sine. */
double sw_hsic_population_correlation(const sw_hsic_model *m);

/* Population median of (x1 - x2)^2 for independent x1, x2 ~ N(0,1): 2 (Phi^{-1}(3/4))^2 = 0.9098728... */
double sw_hsic_median_width_x(void);

/* Population median of (y1 - y2)^2 for two independent draws of y: closed form for the independent and linear
 * relations (a scaled chi-square), root of a one-dimensional integral for the quadratic one (accurate to ~1e-13),
 * and of a one- or two-dimensional integral for the sine (the inner integral over x done exactly, as a sum over
 * periods; accurate to ~1e-12 for s = 0 and ~1e-7 relative for s > 0). The sine with noise costs ~0.05 s, up to
 * ~1 s at frequency 8. */
double sw_hsic_median_width_y(const sw_hsic_model *m);

/* Probability P((y1 - y2)^2 <= g) for two independent draws of y, the function sw_hsic_median_width_y solves
 * = 1/2; exposed for tests. */
double sw_hsic_sq_distance_cdf(const sw_hsic_model *m, double g);

#endif
