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

void sw_var_batch(size_t n, const double *x, size_t rows, double sigma2, sw_var_acc *acc) {
    for (size_t r = 0; r < rows; r++) {
        const double *row = x + r * n;
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++) mean += row[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) ss += (row[i] - mean) * (row[i] - mean);
        for (int c = 0; c < SW_VAR_DIVISORS; c++) {
            double estimate = ss / sw_var_divisor(n, c);
            sw_moments_add(&acc->estimate[c], estimate);
            sw_moments_add(&acc->sq_error[c], (estimate - sigma2) * (estimate - sigma2));
        }
        sw_moments_add(&acc->sd, sqrt(ss / ((double)n - 1.0)));
    }
}
