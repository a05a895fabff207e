/* angle.h: the angle between two random vectors in R^n (kexue.fm/archives/7076, science.md section 4).
 *
 * By isotropy the angle Θ between two independent Gaussian vectors has density
 *     p_n(θ) = C_n sin^{n-2} θ on [0, π],  C_n = Γ(n/2) / (Γ((n-1)/2) √π),
 * so (1 - cos Θ)/2 ~ Beta((n-1)/2, (n-1)/2). This module gives the exact quantities the experiment `angle` is
 * checked against (variance ½ψ'(n/2), CDF, bin probabilities, P(|Θ - π/2| < δ)), the Monte-Carlo kernel that
 * turns pairs of vectors into angles, and a chi-square goodness-of-fit test with pooled cells.
 *
 * Everything here is pure: no allocation, no global state, not collective, callers own every array.
 * The GSL functions used (incomplete beta, trigamma, chi-square tail) were checked to return without calling
 * GSL's error handler for n up to 4e7, every angle in [0, π], and chi-square tails with up to 2e5 degrees of
 * freedom at any statistic; the experiment's bounds stay inside that.
 */
#ifndef SW_NUMERICS_ANGLE_H
#define SW_NUMERICS_ANGLE_H

#include <stddef.h>

#include "mpisweep/rng.h"
#include "stats.h"

/* Exact Var(Θ) = E(Θ - π/2)^2 = ½ψ'(n/2) for dim = n >= 2 (science.md 4.2, [D]). */
double sw_angle_var_exact(double dim);

/* P(Θ <= t) for dim >= 2 and t in [0, π] (values outside are clamped). Each tail is computed directly, so
 * probabilities far below 1e-16 in either tail keep their relative accuracy. */
double sw_angle_cdf(double dim, double t);

/* P(|Θ - π/2| < delta) for dim >= 2 and delta in [0, π/2]. */
double sw_angle_within_prob(double dim, double delta);

/* Exact probabilities of `bins` equal bins over [0, π] into p[0..bins). bins >= 1. The result is exactly
 * symmetric (p[k] == p[bins-1-k]) and each bin is computed from the nearer tail, so tiny bins stay accurate. */
void sw_angle_bin_probs(double dim, size_t bins, double *p);

/* Angles of `pairs` vector pairs. Pair i is x = g + 2*i*dim, y = x + dim (so g holds 2*pairs*dim doubles).
 * Writes cos_theta[i] = <x,y>/(|x||y|) clamped to [-1, 1] and theta[i] = arccos(cos_theta[i]) in [0, π].
 * A zero vector gives cos_theta = 0 (it has no direction; with Gaussian input this has probability 0). */
void sw_angle_of_pairs(const double *g, size_t dim, size_t pairs, double *cos_theta, double *theta);

/* Adds to counts[0..bins) how many of x[0..n) fall in each of `bins` equal bins over [lo, hi]. Values outside
 * [lo, hi] go to the end bins (the angle kernel never produces them). */
void sw_histogram_add(const double *x, size_t n, double lo, double hi, size_t bins, double *counts);

/* Result of a chi-square goodness-of-fit test. */
typedef struct sw_chi2 {
    double stat;   /* sum over cells of (observed - expected)^2 / expected */
    double dof;    /* cells - 1; 0 when everything pooled into one cell */
    double pvalue; /* P(chi2_dof >= stat); 1 when dof = 0 */
} sw_chi2;

/* Pearson's chi-square test of counts[0..bins) against probabilities probs[0..bins) (summing to 1).
 * Adjacent bins are pooled from left to right until each cell expects at least min_expected observations
 * (Cochran's rule; min_expected > 0, 5 is usual); a short remainder joins the last cell. The pooling depends only
 * on probs and the total count, never on the data, so the chi-square law of the statistic holds. */
sw_chi2 sw_chi2_pooled(const double *counts, const double *probs, size_t bins, double min_expected);

/* ---- Monte-Carlo ---- */

/* The moments of one run: per pair, Θ, (Θ - π/2)^2, cos^2 Θ and the indicators of |Θ - π/2| < 5° and < 10°. */
typedef struct sw_angle_stats {
    sw_moments angle, dev2, cos2, within5, within10;
} sw_angle_stats;

/* Pairs handled per chunk for dimension dim: enough to amortise loop overheads, few enough that a chunk of
 * 2*pairs*dim doubles stays in the L2 cache. At least 1. */
size_t sw_angle_chunk_pairs(size_t dim);
/* Doubles of workspace sw_angle_simulate needs. */
size_t sw_angle_simulate_work_doubles(size_t dim);
/* Draws `samples` independent pairs of N(0, I_dim) vectors from rng, chunk by chunk in bulk, and accumulates
 * their statistics into *stats (reset first) and the histogram of Θ over `bins` equal bins of [0, π] into
 * counts[0..bins) (set, not added). Cannot fail. */
void sw_angle_simulate(size_t dim, size_t samples, size_t bins, sw_rng *rng, double *work, sw_angle_stats *stats,
                       double *counts);

#endif
