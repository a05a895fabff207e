/* estimators.c: variance estimators with divisors n, n − 1, n + 1 and the bias of s (6747). */
#include "estimators.h"

#include <math.h>

#include <gsl/gsl_sf_gamma.h>

double sw_var_divisor(size_t n, int which) {
    return (double)n + (which == SW_VAR_BIASED ? 0.0 : which == SW_VAR_UNBIASED ? -1.0 : 1.0);
}

double sw_var_kurtosis(sw_var_dist dist) {
    switch (dist) {
    case SW_VAR_UNIFORM: return 9.0 / 5.0;
    case SW_VAR_EXPONENTIAL: return 9.0;
    default: return 3.0;
    }
}

void sw_var_scale(sw_var_dist dist, double sigma2, double *x, size_t count) {
    double sigma = sqrt(sigma2);
    if (dist == SW_VAR_UNIFORM) {
        double half_width = sqrt(3.0) * sigma;
        for (size_t i = 0; i < count; i++) x[i] = half_width * (2.0 * x[i] - 1.0);
        return;
    }
    for (size_t i = 0; i < count; i++) x[i] *= sigma; /* exponential: only spread matters, so no centring */
}

double sw_c4(size_t n) {
    /* With a = (n−1)/2, c₄ = Γ(a+½)/(√a Γ(a)). Stirling's leading factors of the two gammas cancel to
     * (1 + 1/(2a))^a e^{−1/2}; what is left is a ratio of GSL's regulated gammas Γ*, both near 1. */
    double a = 0.5 * (double)(n - 1);
    return gsl_sf_gammastar(a + 0.5) / gsl_sf_gammastar(a) * exp(a * log1p(0.5 / a) - 0.5);
}

void sw_var_exact_values(size_t n, sw_var_dist dist, double sigma2, sw_var_exact *out) {
    double nn = (double)n, sigma4 = sigma2 * sigma2;
    out->var_unbiased = (sw_var_kurtosis(dist) - (nn - 3.0) / (nn - 1.0)) * sigma4 / nn;
    for (int c = 0; c < SW_VAR_DIVISORS; c++) {
        double shrink = (nn - 1.0) / sw_var_divisor(n, c);
        out->mean[c] = shrink * sigma2;
        out->mse[c] = shrink * shrink * out->var_unbiased + (shrink - 1.0) * (shrink - 1.0) * sigma4;
    }
    out->best_divisor = (nn - 1.0) * (1.0 + out->var_unbiased / sigma4);
    out->mean_sd_gauss = sw_c4(n) * sqrt(sigma2);
}

void sw_var_acc_reset(sw_var_acc *acc) {
    for (int c = 0; c < SW_VAR_DIVISORS; c++) {
        sw_moments_reset(&acc->estimate[c]);
        sw_moments_reset(&acc->sq_error[c]);
    }
    sw_moments_reset(&acc->sd);
}

double sw_var_ss_scale(sw_var_dist dist, double sigma2) {
    /* σ x for gauss and exponential; U(−√3σ, √3σ) = 2√3σ u − √3σ, whose shift does not change SS */
    return dist == SW_VAR_UNIFORM ? 12.0 * sigma2 : sigma2;
}

/* SS of one row in two passes, each summed in four interleaved partial sums: one sequential sum is a chain of
 * dependent additions that runs at the adder's latency, four run at its throughput. */
static double sum_sq_dev(const double *row, size_t n) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) s0 += row[i], s1 += row[i + 1], s2 += row[i + 2], s3 += row[i + 3];
    for (; i < n; i++) s0 += row[i];
    double mean = ((s0 + s1) + (s2 + s3)) / (double)n;
    s0 = s1 = s2 = s3 = 0.0;
    for (i = 0; i + 4 <= n; i += 4) {
        double d0 = row[i] - mean, d1 = row[i + 1] - mean, d2 = row[i + 2] - mean, d3 = row[i + 3] - mean;
        s0 += d0 * d0, s1 += d1 * d1, s2 += d2 * d2, s3 += d3 * d3;
    }
    for (; i < n; i++) s0 += (row[i] - mean) * (row[i] - mean);
    return (s0 + s1) + (s2 + s3);
}

/* Rows per step of sw_var_batch_scaled: its per-row values live on the stack, then go into the accumulators as
 * arrays (sw_moments_add_array: no division per observation, unlike a Welford update per value). */
enum { VAR_CHUNK = 256 };

void sw_var_batch_scaled(size_t n, const double *x, size_t rows, double ss_scale, double sigma2, sw_var_acc *acc) {
    double ss[VAR_CHUNK], v[VAR_CHUNK];
    for (size_t r0 = 0; r0 < rows; r0 += VAR_CHUNK) {
        size_t m = rows - r0 < VAR_CHUNK ? rows - r0 : VAR_CHUNK;
        for (size_t r = 0; r < m; r++) ss[r] = ss_scale * sum_sq_dev(x + (r0 + r) * n, n);
        for (int c = 0; c < SW_VAR_DIVISORS; c++) {
            double divisor = sw_var_divisor(n, c);
            for (size_t r = 0; r < m; r++) v[r] = ss[r] / divisor;
            sw_moments_add_array(&acc->estimate[c], v, m);
            for (size_t r = 0; r < m; r++) v[r] = (v[r] - sigma2) * (v[r] - sigma2);
            sw_moments_add_array(&acc->sq_error[c], v, m);
        }
        for (size_t r = 0; r < m; r++) v[r] = sqrt(ss[r] / ((double)n - 1.0));
        sw_moments_add_array(&acc->sd, v, m);
    }
}

void sw_var_batch(size_t n, const double *x, size_t rows, double sigma2, sw_var_acc *acc) {
    sw_var_batch_scaled(n, x, rows, 1.0, sigma2, acc);
}
