/* stats.c: running moments. */
#include "stats.h"

#include <math.h>

void sw_moments_add_array(sw_moments *m, const double *x, size_t n) {
    /* Two passes over the array (mean, then squared deviations from it), then Chan's merge: as accurate as
     * Welford's update and without its division per observation. */
    if (n == 0) return;
    double sum = 0.0, m2 = 0.0;
    for (size_t i = 0; i < n; i++) sum += x[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) m2 += (x[i] - mean) * (x[i] - mean);
    sw_moments chunk = {.n = (double)n, .mean = mean, .m2 = m2};
    sw_moments_merge(m, &chunk);
}

void sw_moments_merge(sw_moments *a, const sw_moments *b) {
    double n = a->n + b->n;
    if (n == 0.0) return;
    double d = b->mean - a->mean;
    a->m2 += b->m2 + d * d * a->n * b->n / n;
    a->mean += d * b->n / n;
    a->n = n;
}

double sw_moments_var(const sw_moments *m) { return m->n >= 2.0 ? m->m2 / (m->n - 1.0) : NAN; }

double sw_moments_se(const sw_moments *m) { return m->n >= 2.0 ? sqrt(sw_moments_var(m) / m->n) : NAN; }
