/* initgeom.c: orthogonality of random matrices and signal propagation through deep nets (see initgeom.h). */
#include "initgeom.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <lapacke.h>

/* ---- exact references ---- */

/* m^2 E w^4 = E w^4 / (E w^2)^2: the kurtosis, a pure number per law, so the formulas below can be written
 * without cancellations (Rademacher's zero variances come out exactly 0). */
static double kurtosis(sw_init_dist dist) {
    switch (dist) {
    case SW_INIT_GAUSS: return 3.0;
    case SW_INIT_UNIFORM: return 9.0 / 5.0; /* a^4/5 over (a^2/3)^2 */
    case SW_INIT_RADEMACHER: return 1.0;
    }
    return NAN;
}

double sw_init_mu4(sw_init_dist dist, double m) { return kurtosis(dist) / (m * m); }

double sw_init_frob_dev_exact(sw_init_dist dist, double m, double n) {
    /* n diagonal entries of variance m (mu4 - m^-2) = (kurtosis - 1)/m, n(n-1) off-diagonal ones of variance 1/m */
    return n * (kurtosis(dist) - 1.0 + n - 1.0) / m;
}

static double probe_kappa(sw_probe probe, double n) {
    switch (probe) {
    case SW_PROBE_GAUSS: return 3.0 / (n + 2.0); /* n E u_1^4 for u uniform on the sphere, E u_1^4 = 3/(n(n+2)) */
    case SW_PROBE_RADEMACHER: return 1.0 / n;
    case SW_PROBE_BASIS: return 1.0;
    }
    return NAN;
}

double sw_init_norm_ratio_var_exact(sw_init_dist dist, sw_probe probe, double m, double n) {
    return (2.0 + (kurtosis(dist) - 3.0) * probe_kappa(probe, n)) / m; /* m (2/m^2 + (mu4 - 3/m^2) kappa) */
}

double sw_mp_spectral_dev_limit(double m, double n) {
    double c = n / m;
    return 2.0 * sqrt(c) + c;
}

double sw_mp_sigma_min_limit(double m, double n) { return fabs(1.0 - sqrt(n / m)); }

double sw_mp_sigma_max_limit(double m, double n) { return 1.0 + sqrt(n / m); }

/* ---- sampling ---- */

static void scale_array(double *x, size_t n, double a) { cblas_dscal((int)n, a, x, 1); }

void sw_init_fill(sw_rng *rng, sw_init_dist dist, size_t m, size_t n, double *w) {
    size_t count = m * n;
    double sd = 1.0 / sqrt((double)m);
    switch (dist) {
    case SW_INIT_GAUSS:
        sw_rng_fill_normal(rng, w, count);
        scale_array(w, count, sd);
        break;
    case SW_INIT_UNIFORM: {
        double a = sqrt(3.0) * sd; /* U[-a, a] has variance a^2/3 = 1/m */
        sw_rng_fill_uniform(rng, w, count);
        for (size_t i = 0; i < count; i++) w[i] = a * (2.0 * w[i] - 1.0);
        break;
    }
    case SW_INIT_RADEMACHER:
        sw_rng_fill_rademacher(rng, w, count);
        scale_array(w, count, sd);
        break;
    }
}

void sw_probe_fill(sw_rng *rng, sw_probe probe, size_t n, size_t p, double *x) {
    switch (probe) {
    case SW_PROBE_GAUSS: sw_rng_fill_normal(rng, x, n * p); break;
    case SW_PROBE_RADEMACHER: sw_rng_fill_rademacher(rng, x, n * p); break;
    case SW_PROBE_BASIS:
        memset(x, 0, n * p * sizeof *x);
        for (size_t j = 0; j < p; j++) x[j * n + j % n] = 1.0;
        break;
    }
}

/* ---- one matrix ---- */

/* The eigenvalues come from the tridiagonal form T = Qᵀ G Q (dsytrd), then only the ones wanted, by bisection on
 * T (dstebz): the smallest, the largest and the smallest of the top min(m, n). That skips dsyevd's O(n²) QR sweep
 * for all n eigenvalues, and bisection with the smallest absolute tolerance gives each to high relative accuracy.
 * Workspace: the Gram matrix (at least 8n, reused for dstebz once T is formed), d, e, tau, then dsytrd's work:
 * with n · nb doubles there it runs its blocked (level-3) algorithm, with fewer the unblocked one. */
static size_t gram_area(size_t n) { return n * n > 8 * n ? n * n : 8 * n; }

static size_t sytrd_blocked_lwork(size_t n) {
    double query = 0.0, dummy = 0.0;
    lapack_int info = LAPACKE_dsytrd_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, &dummy, (lapack_int)(n ? n : 1),
                                          &dummy, &dummy, &dummy, &query, -1);
    size_t asked = info == 0 && query > 0.0 ? (size_t)query : 0;
    return asked > 2 ? asked : 2;
}

size_t sw_orth_measure_work_doubles(size_t n) { return gram_area(n) + 3 * n + 2; }

size_t sw_orth_measure_blocked_work_doubles(size_t n) { return gram_area(n) + 3 * n + sytrd_blocked_lwork(n); }

/* ||G - I||_F^2 from the upper triangle of the symmetric n x n matrix G. */
static double frob_dev_upper(const double *g, size_t n) {
    double diag = 0.0, off = 0.0;
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < j; i++) off += g[i + j * n] * g[i + j * n];
        double d = g[j + j * n] - 1.0;
        diag += d * d;
    }
    return diag + 2.0 * off;
}

/* The index-th smallest eigenvalue (1-based) of the tridiagonal matrix (d, e), by bisection. */
static sw_status tridiagonal_eigenvalue(size_t n, const double *d, const double *e, size_t index, double *work,
                                        double *w, lapack_int *iwork, double *value) {
    lapack_int found = 0, nsplit = 0, *iblock = iwork, *isplit = iwork + n, *bisect_iwork = iwork + 2 * n;
    lapack_int info = LAPACKE_dstebz_work('I', 'E', (lapack_int)n, 0.0, 0.0, (lapack_int)index, (lapack_int)index,
                                          2.0 * DBL_MIN, d, e, &found, &nsplit, w, iblock, isplit, work,
                                          bisect_iwork);
    SW_CHECK(info == 0 && found == 1, SW_ERR_LAPACK, "dstebz (eigenvalue %zu of %zu) returned info = %d", index, n,
             (int)info);
    *value = w[0];
    return SW_OK;
}

sw_status sw_orth_measure_matrix_work(const double *w, size_t m, size_t n, double *work, size_t work_doubles,
                                      sw_orth_measure *out) {
    double *gram = work, *d = gram + gram_area(n), *e = d + n, *tau = e + n, *lapack_work = tau + n;
    size_t lwork = work_doubles - (gram_area(n) + 3 * n);
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n, (int)m, 1.0, w, (int)m, 0.0, gram, (int)n);
    out->frob_dev = frob_dev_upper(gram, n);
    /* Column-major on purpose: LAPACKE's row-major path would allocate a transposed copy. */
    lapack_int info = LAPACKE_dsytrd_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, gram, (lapack_int)n, d, e, tau,
                                          lapack_work, (lapack_int)lwork);
    SW_CHECK(info == 0, SW_ERR_LAPACK, "dsytrd on W^T W (%zu x %zu) returned info = %d", n, n, (int)info);
    double *bisect_work = gram, *eig = gram + 4 * n; /* the Gram matrix is spent */
    lapack_int *iwork = (lapack_int *)(void *)(eig + n);
    /* The top min(m, n) eigenvalues are the squared singular values of W. */
    size_t rank = m < n ? m : n;
    double lowest, highest, lowest_of_rank;
    SW_TRY(tridiagonal_eigenvalue(n, d, e, 1, bisect_work, eig, iwork, &lowest));
    SW_TRY(tridiagonal_eigenvalue(n, d, e, n, bisect_work, eig, iwork, &highest));
    if (rank == n)
        lowest_of_rank = lowest;
    else
        SW_TRY(tridiagonal_eigenvalue(n, d, e, n - rank + 1, bisect_work, eig, iwork, &lowest_of_rank));
    out->spectral_dev = fmax(fabs(lowest - 1.0), fabs(highest - 1.0));
    out->sigma_min = sqrt(fmax(lowest_of_rank, 0.0)); /* rounding can make a tiny eigenvalue negative */
    out->sigma_max = sqrt(fmax(highest, 0.0));
    return SW_OK;
}

sw_status sw_orth_measure_matrix(const double *w, size_t m, size_t n, double *work, sw_orth_measure *out) {
    return sw_orth_measure_matrix_work(w, m, n, work, sw_orth_measure_work_doubles(n), out);
}

void sw_norm_ratios(const double *w, size_t m, size_t n, const double *x, size_t p, double *y, double *ratio) {
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)p, (int)n, 1.0, w, (int)m, x, (int)n, 0.0,
                y, (int)m);
    for (size_t j = 0; j < p; j++) {
        double xx = cblas_ddot((int)n, x + j * n, 1, x + j * n, 1);
        double yy = cblas_ddot((int)m, y + j * m, 1, y + j * m, 1);
        ratio[j] = xx > 0.0 ? yy / xx : 1.0;
    }
}

/* ---- Monte-Carlo over W ---- */

size_t sw_orth_simulate_work_doubles(const sw_orth_config *c) {
    size_t m = c->fan_out, n = c->fan_in, p = c->probes;
    return m * n + sw_orth_measure_blocked_work_doubles(n) + n * p + m * p + p;
}

static void reset_orth_stats(sw_orth_stats *s) {
    sw_moments_reset(&s->frob_dev);
    sw_moments_reset(&s->spectral_dev);
    sw_moments_reset(&s->sigma_min);
    sw_moments_reset(&s->sigma_max);
    sw_moments_reset(&s->ratio_mean);
    sw_moments_reset(&s->ratio_var);
}

/* Adds one draw's mean ratio and mean squared deviation from the known mean 1. */
static void add_ratio_draw(sw_orth_stats *s, const double *ratio, size_t p) {
    double sum = 0.0, sum_dev2 = 0.0;
    for (size_t j = 0; j < p; j++) {
        sum += ratio[j];
        sum_dev2 += (ratio[j] - 1.0) * (ratio[j] - 1.0);
    }
    sw_moments_add(&s->ratio_mean, sum / (double)p);
    sw_moments_add(&s->ratio_var, sum_dev2 / (double)p);
}

sw_status sw_orth_simulate(const sw_orth_config *c, sw_rng *weights, sw_rng *probes, double *work,
                           sw_orth_stats *stats) {
    size_t m = c->fan_out, n = c->fan_in, p = c->probes;
    size_t measure_doubles = sw_orth_measure_blocked_work_doubles(n);
    double *w = work, *measure_work = w + m * n, *x = measure_work + measure_doubles;
    double *y = x + n * p, *ratio = y + m * p;
    reset_orth_stats(stats);
    for (size_t d = 0; d < c->draws; d++) {
        sw_init_fill(weights, c->dist, m, n, w);
        sw_orth_measure meas;
        SW_TRY(sw_orth_measure_matrix_work(w, m, n, measure_work, measure_doubles, &meas));
        sw_moments_add(&stats->frob_dev, meas.frob_dev);
        sw_moments_add(&stats->spectral_dev, meas.spectral_dev);
        sw_moments_add(&stats->sigma_min, meas.sigma_min);
        sw_moments_add(&stats->sigma_max, meas.sigma_max);
        sw_probe_fill(probes, c->probe, n, p, x);
        sw_norm_ratios(w, m, n, x, p, y, ratio);
        add_ratio_draw(stats, ratio, p);
    }
    return SW_OK;
}

/* ---- signal propagation: exact references ---- */

double sw_tanh_meanfield_step(double q, double gain) {
    double s = sqrt(gain * q); /* E tanh^2(s z) = integral of tanh^2(u) phi(u/s)/s du */
    if (s == 0.0) return 0.0;
    /* Trapezoidal rule on the real line. Its error decays like exp(-2 pi d / h) for a strip of analyticity of
     * half-width d: tanh has poles at +-i pi/2, and the Gaussian needs h well below s. For s > 4 the integrand
     * is written as 1 - sech^2(u), which decays by |u| = 40, so the number of nodes stays below 400. */
    double h = fmin(0.1, 0.25 * s);
    int saturated = s > 4.0;
    double reach = saturated ? 40.0 : 10.0 * s; /* beyond: sech^2 < 1e-34, or the Gaussian < e^-50 */
    size_t nodes = (size_t)ceil(reach / h);
    double sum = saturated ? 0.5 : 0.0;        /* half the u = 0 node, counted twice below */
    for (size_t k = 1; k <= nodes; k++) {
        double u = (double)k * h, c = cosh(u);
        double f = saturated ? 1.0 / (c * c) : tanh(u) * tanh(u);
        sum += f * exp(-0.5 * (u / s) * (u / s));
    }
    double integral = 2.0 * h * sum / (s * sqrt(2.0 * M_PI));
    return saturated ? 1.0 - integral : integral;
}

/* E[psi(B/2) | B >= 1] for B ~ Bin(n, 1/2). */
static double relu_mean_psi(size_t n) {
    double sum = 0.0, log_half_n = (double)n * log(0.5);
    for (size_t k = 1; k <= n; k++) {
        double lp = gsl_sf_lnchoose((unsigned)n, (unsigned)k) + log_half_n;
        if (lp > -745.0) sum += exp(lp) * gsl_sf_psi(0.5 * (double)k); /* exp underflows to 0 below */
    }
    return sum / -expm1(log_half_n); /* condition on B >= 1 */
}

void sw_signal_exact(sw_activation act, double gain, size_t width, double input_q, size_t depth, double *mean_r,
                     double *mean_log_r, double *alive) {
    double n = (double)width, q = input_q;
    double log_ratio = 0.0, log_alive = 0.0;
    if (act == SW_ACT_LINEAR) log_ratio = log(gain) + gsl_sf_psi(0.5 * n) - log(0.5 * n);
    if (act == SW_ACT_RELU) {
        log_ratio = log(2.0 * gain / n) + relu_mean_psi(width);
        log_alive = log1p(-pow(2.0, -n));
    }
    for (size_t l = 0; l < depth; l++) {
        double layers = (double)(l + 1);
        switch (act) {
        case SW_ACT_LINEAR: mean_r[l] = pow(gain, layers); break;
        case SW_ACT_RELU: mean_r[l] = pow(0.5 * gain, layers); break;
        case SW_ACT_TANH:
            q = sw_tanh_meanfield_step(q, gain);
            mean_r[l] = q / input_q;
            break;
        }
        mean_log_r[l] = act == SW_ACT_TANH ? log(q / input_q) : layers * log_ratio;
        alive[l] = exp(layers * log_alive);
    }
}

/* ---- signal propagation: Monte-Carlo ---- */

static void apply_activation(sw_activation act, double *x, size_t n) {
    switch (act) {
    case SW_ACT_LINEAR: break;
    case SW_ACT_RELU:
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0 ? x[i] : 0.0;
        break;
    case SW_ACT_TANH:
        for (size_t i = 0; i < n; i++) x[i] = tanh(x[i]);
        break;
    }
}

void sw_signal_layer(sw_activation act, double scale, const double *w, size_t width, const double *h, size_t batch,
                     double *out) {
    int n = (int)width;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, (int)batch, n, scale, w, n, h, n, 0.0, out, n);
    apply_activation(act, out, width * batch);
}

void sw_ratio_mean_reset(sw_ratio_mean *a) { *a = (sw_ratio_mean){0}; }

void sw_ratio_mean_add(sw_ratio_mean *a, double sum, double count) {
    a->groups += 1.0;
    if (count > 0.0 && !a->shifted) {
        a->shift = sum / count;
        a->shifted = true;
    }
    double s = sum - a->shift * count;
    a->s += s;
    a->n += count;
    a->ss += s * s;
    a->sn += s * count;
    a->nn += count * count;
}

double sw_ratio_mean_value(const sw_ratio_mean *a) { return a->n > 0.0 ? a->shift + a->s / a->n : NAN; }

double sw_ratio_mean_se(const sw_ratio_mean *a) {
    if (a->groups < 2.0 || a->n <= 0.0) return NAN;
    double mu = a->s / a->n;
    double resid = fmax(a->ss - 2.0 * mu * a->sn + mu * mu * a->nn, 0.0); /* sum over groups of (S - mu N)^2 */
    return sqrt(resid * a->groups / (a->groups - 1.0)) / a->n;
}

size_t sw_signal_simulate_work_doubles(const sw_signal_config *c) {
    size_t n = c->width, b = c->inputs;
    return n * n + 2 * n * b;
}

/* Gaussian inputs, each rescaled to ||h_0||^2 = width * input_q exactly: tanh's mean field depends on it. */
static void draw_inputs(const sw_signal_config *c, sw_rng *rng, double *h) {
    size_t n = c->width;
    sw_rng_fill_normal(rng, h, n * c->inputs);
    for (size_t j = 0; j < c->inputs; j++) {
        double *col = h + j * n, norm2 = cblas_ddot((int)n, col, 1, col, 1);
        scale_array(col, n, sqrt((double)n * c->input_q / norm2));
    }
}

/* Adds one network's layer: mean r over its inputs, alive fraction, and log r over the alive ones. */
static void add_layer_observation(const sw_signal_config *c, const double *h, sw_signal_layer_stats *s) {
    size_t n = c->width, b = c->inputs;
    double h0 = (double)n * c->input_q, sum_r = 0.0, sum_log = 0.0, alive = 0.0;
    for (size_t j = 0; j < b; j++) {
        double r = cblas_ddot((int)n, h + j * n, 1, h + j * n, 1) / h0;
        sum_r += r;
        if (r > 0.0) {
            alive += 1.0;
            sum_log += log(r);
        }
    }
    sw_moments_add(&s->r, sum_r / (double)b);
    sw_moments_add(&s->alive, alive / (double)b);
    sw_ratio_mean_add(&s->log_r, sum_log, alive);
}

void sw_signal_simulate(const sw_signal_config *c, sw_rng *weights, sw_rng *inputs, double *work,
                        sw_signal_layer_stats *layers) {
    size_t n = c->width, b = c->inputs;
    double *w = work, *h = w + n * n, *next = h + n * b;
    double scale = sqrt(c->gain / (double)n); /* W = scale * standard normals, folded into the dgemm */
    for (size_t l = 0; l < c->depth; l++) {
        sw_moments_reset(&layers[l].r);
        sw_moments_reset(&layers[l].alive);
        sw_ratio_mean_reset(&layers[l].log_r);
    }
    for (size_t d = 0; d < c->draws; d++) {
        draw_inputs(c, inputs, h);
        for (size_t l = 0; l < c->depth; l++) {
            sw_rng_fill_normal(weights, w, n * n);
            sw_signal_layer(c->act, scale, w, n, h, b, next);
            double *t = h;
            h = next, next = t;
            add_layer_observation(c, h, &layers[l]);
        }
    }
}
