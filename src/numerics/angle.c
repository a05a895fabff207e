/* angle.c: exact laws and the Monte-Carlo kernel for the angle between random vectors (see angle.h). */
#include "angle.h"

#include <math.h>
#include <stdbool.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_psi.h>

#include "vecmath.h"

double sw_angle_var_exact(double dim) { return 0.5 * gsl_sf_psi_1(0.5 * dim); }

/* P(Θ <= t) for t in [0, π/2]: (1 - cos t)/2 = sin^2(t/2) is the Beta((n-1)/2, (n-1)/2) variable, and writing it
 * as sin^2 keeps full relative accuracy for small t, where 1 - cos t would cancel. */
static double lower_tail(double dim, double t) {
    double a = 0.5 * (dim - 1.0), s = sin(0.5 * t);
    return gsl_cdf_beta_P(s * s, a, a);
}

double sw_angle_cdf(double dim, double t) {
    if (t <= 0.0) return 0.0;
    if (t >= M_PI) return 1.0;
    return t <= 0.5 * M_PI ? lower_tail(dim, t) : 1.0 - lower_tail(dim, M_PI - t);
}

/* cos^2 Θ is the squared first coordinate of a uniform unit vector, Beta(1/2, (n-1)/2); the event is
 * cos^2 Θ < sin^2 δ. This avoids the cancellation in 1 - 2 P(Θ <= π/2 - δ) when δ is small. */
double sw_angle_within_prob(double dim, double delta) {
    if (delta <= 0.0) return 0.0;
    if (delta >= 0.5 * M_PI) return 1.0;
    double s = sin(delta);
    return gsl_cdf_beta_P(s * s, 0.5, 0.5 * (dim - 1.0));
}

void sw_angle_bin_probs(double dim, size_t bins, double *p) {
    double width = M_PI / (double)bins;
    /* Bins wholly in the lower half come from the lower tail; their mirror images are equal by symmetry. */
    for (size_t k = 0; 2 * (k + 1) <= bins; k++) {
        double lo = (double)k * width, hi = 2 * (k + 1) == bins ? 0.5 * M_PI : (double)(k + 1) * width;
        p[k] = p[bins - 1 - k] = lower_tail(dim, hi) - lower_tail(dim, lo);
    }
    if (bins % 2 == 1) p[bins / 2] = sw_angle_within_prob(dim, 0.5 * width); /* the bin centred on π/2 */
}

/* cos Θ of one pair from its three dot products. */
static double pair_cosine(double xy, double xx, double yy) {
    double c = xx > 0.0 && yy > 0.0 ? xy / sqrt(xx * yy) : 0.0;
    return fmin(1.0, fmax(-1.0, c)); /* rounding can push |c| a hair above 1 for nearly parallel vectors */
}

void sw_angle_of_pairs(const double *g, size_t dim, size_t pairs, double *cos_theta, double *theta) {
    /* Two pairs per step: six independent sums instead of three dependent chains (in low dimension the loop is
     * bound by the adder's latency). */
    size_t i = 0;
    for (; i + 2 <= pairs; i += 2) {
        const double *x = g + 2 * i * dim, *y = x + dim, *u = y + dim, *v = u + dim;
        double xy = 0.0, xx = 0.0, yy = 0.0, uv = 0.0, uu = 0.0, vv = 0.0;
        for (size_t j = 0; j < dim; j++) {
            xy += x[j] * y[j];
            xx += x[j] * x[j];
            yy += y[j] * y[j];
            uv += u[j] * v[j];
            uu += u[j] * u[j];
            vv += v[j] * v[j];
        }
        cos_theta[i] = pair_cosine(xy, xx, yy);
        cos_theta[i + 1] = pair_cosine(uv, uu, vv);
    }
    for (; i < pairs; i++) {
        const double *x = g + 2 * i * dim, *y = x + dim;
        double xy = 0.0, xx = 0.0, yy = 0.0;
        for (size_t j = 0; j < dim; j++) {
            xy += x[j] * y[j];
            xx += x[j] * x[j];
            yy += y[j] * y[j];
        }
        cos_theta[i] = pair_cosine(xy, xx, yy);
    }
    sw_vacos(cos_theta, theta, pairs); /* vectorised: one acos per pair */
}

void sw_histogram_add(const double *x, size_t n, double lo, double hi, size_t bins, double *counts) {
    double scale = (double)bins / (hi - lo);
    for (size_t i = 0; i < n; i++) {
        double u = (x[i] - lo) * scale;
        size_t k = u <= 0.0 ? 0 : (size_t)u;
        counts[k < bins ? k : bins - 1] += 1.0;
    }
}

static double pearson_term(double observed, double expected) {
    if (expected <= 0.0) return observed > 0.0 ? HUGE_VAL : 0.0;
    double d = observed - expected;
    return d * d / expected;
}

sw_chi2 sw_chi2_pooled(const double *counts, const double *probs, size_t bins, double min_expected) {
    double total = 0.0;
    for (size_t k = 0; k < bins; k++) total += counts[k];
    /* The last closed cell is held back, so that a short remainder can still join it. */
    double stat = 0.0, cells = 0.0, last_o = 0.0, last_e = 0.0, cur_o = 0.0, cur_e = 0.0;
    bool have_last = false;
    for (size_t k = 0; k < bins; k++) {
        cur_o += counts[k];
        cur_e += total * probs[k];
        if (cur_e >= min_expected) {
            if (have_last) stat += pearson_term(last_o, last_e);
            last_o = cur_o, last_e = cur_e, have_last = true, cells += 1.0;
            cur_o = cur_e = 0.0;
        }
    }
    if (have_last) stat += pearson_term(last_o + cur_o, last_e + cur_e);
    if (cells < 2.0) return (sw_chi2){.stat = 0.0, .dof = 0.0, .pvalue = 1.0}; /* one cell: nothing to test */
    return (sw_chi2){.stat = stat, .dof = cells - 1.0, .pvalue = gsl_cdf_chisq_Q(stat, cells - 1.0)};
}

/* ---- Monte-Carlo ---- */

enum { ANGLE_CHUNK_DOUBLES = 32768 }; /* 256 KiB of vectors per chunk */

size_t sw_angle_chunk_pairs(size_t dim) {
    size_t pairs = ANGLE_CHUNK_DOUBLES / (2 * dim);
    return pairs > 0 ? pairs : 1;
}

size_t sw_angle_simulate_work_doubles(size_t dim) {
    size_t pairs = sw_angle_chunk_pairs(dim);
    return 2 * pairs * dim + 3 * pairs; /* vectors, cos Θ, Θ, one derived quantity */
}

static void add_chunk_stats(sw_angle_stats *s, const double *cos_theta, const double *theta, size_t n,
                            double *scratch) {
    const double deg5 = 5.0 * M_PI / 180.0, deg10 = 10.0 * M_PI / 180.0;
    sw_moments_add_array(&s->angle, theta, n);
    for (size_t i = 0; i < n; i++) scratch[i] = (theta[i] - 0.5 * M_PI) * (theta[i] - 0.5 * M_PI);
    sw_moments_add_array(&s->dev2, scratch, n);
    for (size_t i = 0; i < n; i++) scratch[i] = cos_theta[i] * cos_theta[i];
    sw_moments_add_array(&s->cos2, scratch, n);
    for (size_t i = 0; i < n; i++) scratch[i] = fabs(theta[i] - 0.5 * M_PI) < deg5 ? 1.0 : 0.0;
    sw_moments_add_array(&s->within5, scratch, n);
    for (size_t i = 0; i < n; i++) scratch[i] = fabs(theta[i] - 0.5 * M_PI) < deg10 ? 1.0 : 0.0;
    sw_moments_add_array(&s->within10, scratch, n);
}

void sw_angle_simulate(size_t dim, size_t samples, size_t bins, sw_rng *rng, double *work, sw_angle_stats *stats,
                       double *counts) {
    size_t chunk = sw_angle_chunk_pairs(dim);
    double *g = work, *cos_theta = g + 2 * chunk * dim, *theta = cos_theta + chunk, *scratch = theta + chunk;
    *stats = (sw_angle_stats){0};
    for (size_t k = 0; k < bins; k++) counts[k] = 0.0;
    for (size_t done = 0; done < samples;) {
        size_t pairs = samples - done < chunk ? samples - done : chunk;
        sw_rng_fill_normal(rng, g, 2 * pairs * dim);
        sw_angle_of_pairs(g, dim, pairs, cos_theta, theta);
        add_chunk_stats(stats, cos_theta, theta, pairs, scratch);
        sw_histogram_add(theta, pairs, 0.0, M_PI, bins, counts);
        done += pairs;
    }
}
