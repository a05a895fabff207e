/* initgeom.h: the geometry of random initialisation (kexue.fm/archives/7180, science.md section 3).
 *
 * Two parts, both checked against exact references:
 *  - orthogonality: a matrix W in R^{m x n} (fan_out m, fan_in n) with iid entries of mean 0 and variance 1/m is
 *    close to orthogonal entrywise (E||W^T W - I||_F^2 = n m (mu4 - m^-2) + n(n-1)/m), preserves norms on
 *    average (E ||Wx||^2/||x||^2 = 1), but not in operator norm unless m >> n (Marchenko-Pastur);
 *  - signal propagation: r_l = ||h_l||^2 / ||h_0||^2 through a deep net h_l = act(W_l h_{l-1}) with
 *    W_l iid N(0, gain/width): exact E r_l and E log r_l for linear and ReLU nets, the mean-field recursion for
 *    tanh.
 *
 * Matrices are column-major. Nothing here allocates or keeps state; callers own every array and pass the
 * workspaces whose sizes the *_work_doubles functions give. Not collective. Monte-Carlo drivers take the
 * random streams they draw from; everything else is deterministic.
 */
#ifndef SW_NUMERICS_INITGEOM_H
#define SW_NUMERICS_INITGEOM_H

#include <stdbool.h>
#include <stddef.h>

#include "mpisweep/rng.h"
#include "mpisweep/status.h"
#include "stats.h"

/* ---- the entry distributions, all scaled to mean 0 and variance 1/m ---- */
typedef enum sw_init_dist {
    SW_INIT_GAUSS,      /* N(0, 1/m) */
    SW_INIT_UNIFORM,    /* U[-sqrt(3/m), sqrt(3/m)] */
    SW_INIT_RADEMACHER, /* +-1/sqrt(m) */
} sw_init_dist;

/* Which fixed vectors x the norm ratio ||Wx||^2/||x||^2 is measured on. For non-Gaussian W its variance
 * depends on x through kappa = sum_j x_j^4 / ||x||^4 (science.md 3.2), so the probe is a parameter. */
typedef enum sw_probe {
    SW_PROBE_GAUSS,      /* iid N(0, 1) vectors, E kappa = 3/(n+2) */
    SW_PROBE_RADEMACHER, /* iid +-1 vectors, kappa = 1/n */
    SW_PROBE_BASIS,      /* coordinate vectors e_1, e_2, ... (wrapping after n), kappa = 1 */
} sw_probe;

/* E w^4 for an entry of variance 1/m: 3/m^2, 9/(5 m^2), 1/m^2. */
double sw_init_mu4(sw_init_dist dist, double m);
/* E ||W^T W - I||_F^2 = n m (mu4 - m^-2) + n (n-1)/m. */
double sw_init_frob_dev_exact(sw_init_dist dist, double m, double n);
/* Var ||Wx||^2/||x||^2 = m (2/m^2 + (mu4 - 3/m^2) kappa), averaged over x for Gaussian probes (the conditional
 * mean is 1 for every x, so the average of the conditional variances is the variance). */
double sw_init_norm_ratio_var_exact(sw_init_dist dist, sw_probe probe, double m, double n);
/* Marchenko-Pastur limits for c = n/m (any c > 0): ||W^T W - I||_2 -> 2 sqrt(c) + c, and the smallest and largest
 * of the min(m, n) singular values of W -> |1 - sqrt(c)| and 1 + sqrt(c). */
double sw_mp_spectral_dev_limit(double m, double n);
double sw_mp_sigma_min_limit(double m, double n);
double sw_mp_sigma_max_limit(double m, double n);

/* Fills w[0..m*n) with iid entries of the distribution, variance 1/m, drawn in bulk from rng. */
void sw_init_fill(sw_rng *rng, sw_init_dist dist, size_t m, size_t n, double *w);
/* Fills x[0..n*p) with p probe vectors of length n (column j at x + j*n). */
void sw_probe_fill(sw_rng *rng, sw_probe probe, size_t n, size_t p, double *x);

/* ---- deterministic measurements of one matrix ---- */
typedef struct sw_orth_measure {
    double frob_dev;     /* ||W^T W - I||_F^2 */
    double spectral_dev; /* ||W^T W - I||_2 = max_i |lambda_i(W^T W) - 1| */
    double sigma_min;    /* smallest of the min(m, n) singular values of W */
    double sigma_max;    /* largest singular value of W */
} sw_orth_measure;

/* Doubles of workspace sw_orth_measure_matrix needs for fan_in n (n² + 3n + 2 from n = 8 on). */
size_t sw_orth_measure_work_doubles(size_t n);
/* Doubles with which sw_orth_measure_matrix_work reduces W^T W by LAPACK's blocked algorithm (faster from n ~ 100). */
size_t sw_orth_measure_blocked_work_doubles(size_t n);
/* Measures W (m x n, column-major, lda = m) with one dsyrk for W^T W, its tridiagonal form (dsytrd) and the three
 * eigenvalues needed by bisection (dstebz; no vectors, no other eigenvalues). work holds
 * sw_orth_measure_work_doubles(n) doubles. Returns SW_ERR_LAPACK with a message when LAPACK reports an error;
 * out is then undefined.
 * Requires m, n >= 1 and m*n, n*n below 2^31. */
sw_status sw_orth_measure_matrix(const double *w, size_t m, size_t n, double *work, sw_orth_measure *out);
/* The same with work_doubles >= sw_orth_measure_work_doubles(n) doubles of work; with at least
 * sw_orth_measure_blocked_work_doubles(n) the reduction to tridiagonal form is blocked. */
sw_status sw_orth_measure_matrix_work(const double *w, size_t m, size_t n, double *work, size_t work_doubles,
                                      sw_orth_measure *out);

/* Y = W X (m x p) with one dgemm, and ratio[j] = ||y_j||^2 / ||x_j||^2 for the p columns of X (n x p).
 * A zero column x_j gives ratio 1 (W maps it to zero; nothing is stretched). */
void sw_norm_ratios(const double *w, size_t m, size_t n, const double *x, size_t p, double *y, double *ratio);

/* ---- Monte-Carlo over draws of W ---- */
typedef struct sw_orth_config {
    sw_init_dist dist;
    sw_probe probe;
    size_t fan_out, fan_in; /* m, n */
    size_t probes;          /* probe vectors per draw of W */
    size_t draws;           /* independent draws of W */
} sw_orth_config;

/* One value per draw of W, so each standard error is over independent draws. ratio_mean holds the mean over
 * the draw's probes of ||Wx||^2/||x||^2, ratio_var the mean of (||Wx||^2/||x||^2 - 1)^2, whose expectation is
 * the variance because the mean is exactly 1. */
typedef struct sw_orth_stats {
    sw_moments frob_dev, spectral_dev, sigma_min, sigma_max, ratio_mean, ratio_var;
} sw_orth_stats;

/* Doubles of workspace sw_orth_simulate needs. */
size_t sw_orth_simulate_work_doubles(const sw_orth_config *c);
/* Draws c->draws matrices from `weights` and their probes from `probes`, measures each and accumulates into
 * *stats (reset first). Errors: as sw_orth_measure_matrix. */
sw_status sw_orth_simulate(const sw_orth_config *c, sw_rng *weights, sw_rng *probes, double *work,
                           sw_orth_stats *stats);

/* ---- signal propagation through deep nets ---- */
typedef enum sw_activation { SW_ACT_LINEAR, SW_ACT_RELU, SW_ACT_TANH } sw_activation;

/* Mean-field step for tanh: E_z tanh^2(sqrt(gain q) z), z ~ N(0,1), by the trapezoidal rule, which converges
 * exponentially for this analytic integrand (relative error below 1e-13). q >= 0, gain > 0. */
double sw_tanh_meanfield_step(double q, double gain);

/* Exact references for layers l = 1..depth into mean_r, mean_log_r and alive (each depth doubles), with input
 * second moment input_q = ||h_0||^2 / width:
 *  - linear: E r_l = gain^l, E log r_l = l (log gain + psi(n/2) - log(n/2)), alive 1;
 *  - relu: E r_l = (gain/2)^l; alive_l = (1 - 2^-n)^l is the chance that no layer zeroed the whole signal;
 *    E[log r_l | alive] = l (log(2 gain / n) + E[psi(B/2) | B >= 1]), B ~ Bin(n, 1/2);
 *  - tanh: the width -> infinity mean-field limits q_l / q_0 and log(q_l / q_0), alive 1.
 * The linear and ReLU values are exact at every width (rotation invariance of Gaussian W makes the per-layer
 * ratios iid). The tanh values are width -> infinity limits: at finite width E r_l lies below them (the map
 * q -> E tanh^2(sqrt(gain q) z) is concave, so layer-to-layer noise pulls the mean down), by a relative amount of
 * order 1/width that grows with depth. */
void sw_signal_exact(sw_activation act, double gain, size_t width, double input_q, size_t depth, double *mean_r,
                     double *mean_log_r, double *alive);

/* One layer for a batch: out = act(scale * W h) with W width x width, h and out width x batch (one dgemm). */
void sw_signal_layer(sw_activation act, double scale, const double *w, size_t width, const double *h, size_t batch,
                     double *out);

/* The mean of values observed in groups of varying size (here: log r over the signals still alive in each
 * network), as the ratio estimator sum(values)/count. Its standard error comes from the spread between
 * groups, which are independent even when values inside one group are not. */
typedef struct sw_ratio_mean {
    double groups;                  /* groups added, including empty ones */
    double shift;                   /* values are accumulated minus shift, against cancellation */
    double s, n, ss, sn, nn;        /* sums over groups of S, N, S^2, S N, N^2 (S: shifted group sum, N: size) */
    bool shifted;                   /* shift has been fixed (by the first nonempty group) */
} sw_ratio_mean;

void sw_ratio_mean_reset(sw_ratio_mean *a);
/* Adds one group: its sum of values and its size (>= 0). */
void sw_ratio_mean_add(sw_ratio_mean *a, double sum, double count);
/* The estimate; NaN when no group had a value. */
double sw_ratio_mean_value(const sw_ratio_mean *a);
/* Its standard error (delta method); NaN with fewer than two groups or no values. */
double sw_ratio_mean_se(const sw_ratio_mean *a);

typedef struct sw_signal_config {
    sw_activation act;
    double gain;    /* weight variance gain / width */
    double input_q; /* ||h_0||^2 / width */
    size_t width, depth;
    size_t inputs;  /* inputs propagated through each network (the columns of one dgemm) */
    size_t draws;   /* independent networks */
} sw_signal_config;

/* Per layer, one observation per network: the mean over its inputs of r_l, and the fraction of its inputs whose
 * signal is still nonzero; log r_l is averaged over the alive signals only. */
typedef struct sw_signal_layer_stats {
    sw_moments r, alive;
    sw_ratio_mean log_r;
} sw_signal_layer_stats;

/* Doubles of workspace sw_signal_simulate needs. */
size_t sw_signal_simulate_work_doubles(const sw_signal_config *c);
/* Draws c->draws networks from `weights` (layer by layer, in bulk) and their inputs from `inputs`, propagates
 * and accumulates into layers[0..depth) (reset first). Cannot fail. */
void sw_signal_simulate(const sw_signal_config *c, sw_rng *weights, sw_rng *inputs, double *work,
                        sw_signal_layer_stats *layers);

#endif
