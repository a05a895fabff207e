/* stats.h: running moments for Monte-Carlo estimates (Welford's update, numerically stable for long runs).
 *
 * Every Monte-Carlo output of an experiment is a mean with a standard error; these are the one way to get both.
 * Plain data, no allocation, not collective.
 */
#ifndef SW_NUMERICS_STATS_H
#define SW_NUMERICS_STATS_H

#include <stddef.h>

typedef struct sw_moments {
    double n;    /* number of observations */
    double mean; /* running mean */
    double m2;   /* sum of squared deviations from the running mean */
} sw_moments;

static inline void sw_moments_reset(sw_moments *m) { m->n = m->mean = m->m2 = 0.0; }

static inline void sw_moments_add(sw_moments *m, double x) {
    m->n += 1.0;
    double d = x - m->mean;
    m->mean += d / m->n;
    m->m2 += d * (x - m->mean);
}

/* Adds n observations (the array's mean and sum of squared deviations, merged in). */
void sw_moments_add_array(sw_moments *m, const double *x, size_t n);
/* Merges b into a (Chan et al.'s pairwise update). */
void sw_moments_merge(sw_moments *a, const sw_moments *b);
/* Sample variance with divisor n - 1 (NaN for n < 2). */
double sw_moments_var(const sw_moments *m);
/* Standard error of the mean, sqrt(var / n) (NaN for n < 2). */
double sw_moments_se(const sw_moments *m);

#endif
