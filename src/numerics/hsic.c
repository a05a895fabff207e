/* hsic.c: HSIC estimators, tests and population references (see hsic.h). */
#include "hsic.h"

#include <cblas.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>

#include "vecmath.h"

/* ======================================================================================================== */
/* Sample side                                                                                              */
/* ======================================================================================================== */

void sw_hsic_relate(const sw_hsic_model *m, size_t n, const double *x, const double *eps, double *y) {
    double s = m->noise;
    switch (m->relation) {
    case SW_HSIC_INDEPENDENT:
        if (y != eps) memcpy(y, eps, n * sizeof(double));
        break;
    case SW_HSIC_LINEAR:
        for (size_t i = 0; i < n; i++) y[i] = x[i] + s * eps[i];
        break;
    case SW_HSIC_QUADRATIC:
        for (size_t i = 0; i < n; i++) y[i] = x[i] * x[i] + s * eps[i];
        break;
    case SW_HSIC_SINE:
        for (size_t i = 0; i < n; i++) y[i] = sin(m->frequency * x[i]) + s * eps[i];
        break;
    }
}

void sw_hsic_sq_distances(size_t n, size_t d, const double *p, double *dist) {
    /* Gram matrix into the upper triangle; its diagonal holds the squared norms until the very end. */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)n, (int)d, 1.0, p, (int)n, 0.0, dist, (int)n);
    for (size_t j = 0; j < n; j++) {
        double norm_j = dist[j + j * n];
        for (size_t i = 0; i < j; i++) {
            double d2 = dist[i + i * n] + norm_j - 2.0 * dist[i + j * n];
            dist[i + j * n] = d2 > 0.0 ? d2 : 0.0;
        }
    }
    for (size_t j = 0; j < n; j++) {
        dist[j + j * n] = 0.0;
        for (size_t i = j + 1; i < n; i++) dist[i + j * n] = dist[j + i * n];
    }
}

static void swap_d(double *a, double *b) {
    double t = *a;
    *a = *b;
    *b = t;
}

/* Moves the k-th smallest of a[0..n) to a[k], with nothing larger before it and nothing smaller after it
 * (Hoare's selection with a median-of-three pivot; expected linear time). */
static void select_kth(double *a, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap_d(&a[mid], &a[lo]);
        if (a[hi] < a[lo]) swap_d(&a[hi], &a[lo]);
        if (a[hi] < a[mid]) swap_d(&a[hi], &a[mid]);
        double pivot = a[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                swap_d(&a[i], &a[j]);
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return;
    }
}

double sw_hsic_median_distance(size_t n, const double *dist, double *buf) {
    size_t count = 0;
    for (size_t j = 1; j < n; j++)
        for (size_t i = 0; i < j; i++) buf[count++] = dist[i + j * n];
    size_t half = count / 2;
    select_kth(buf, count, half);
    if (count % 2 == 1) return buf[half];
    /* Even count: the lower middle value is the largest of the lower half. */
    double lower = buf[0];
    for (size_t i = 1; i < half; i++)
        if (buf[i] > lower) lower = buf[i];
    return 0.5 * (lower + buf[half]);
}

void sw_hsic_gauss_kernel(size_t n, double *dist, double g) {
    double inv_g = 1.0 / g;
    for (size_t i = 0; i < n * n; i++) dist[i] = -dist[i] * inv_g;
    sw_vexp(dist, dist, n * n); /* vectorised: n² exponentials per kernel matrix */
}

/* Column sums (= row sums, by symmetry) into sums[0..n); returns the total. */
static double column_sums(size_t n, const double *a, double *sums) {
    double total = 0.0;
    for (size_t j = 0; j < n; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += a[i + j * n];
        sums[j] = s;
        total += s;
    }
    return total;
}

void sw_hsic_estimate(size_t n, double *k, const double *l, double *work, sw_hsic_estimates *out) {
    double *rk = work, *rl = work + n, dn = (double)n;
    double sk = column_sums(n, k, rk), sl = column_sums(n, l, rl);
    double tr_k = 0.0, tr_l = 0.0, diag_kl = 0.0, cross = 0.0;
    for (size_t i = 0; i < n; i++) {
        double kii = k[i + i * n], lii = l[i + i * n];
        tr_k += kii;
        tr_l += lii;
        diag_kl += kii * lii;
        cross += (rk[i] - kii) * (rl[i] - lii); /* 1' Kt Lt 1 with zeroed diagonals */
    }
    double kl = cblas_ddot((int)(n * n), k, 1, l, 1);

    /* Song et al. 2012 with Kt, Lt the kernel matrices with zeroed diagonal. */
    double ones_k = sk - tr_k, ones_l = sl - tr_l;
    out->hsic_u = ((kl - diag_kl) + ones_k * ones_l / ((dn - 1.0) * (dn - 2.0)) - 2.0 / (dn - 2.0) * cross) /
                  (dn * (dn - 3.0));
    out->mu_x = ones_k / (dn * (dn - 1.0));
    out->mu_y = ones_l / (dn * (dn - 1.0));

    /* K <- H K H; the trace of Kc L equals that of Kc Lc because H is idempotent. */
    double grand = sk / (dn * dn);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) k[i + j * n] += grand - (rk[i] + rk[j]) / dn;
    out->trace = cblas_ddot((int)(n * n), k, 1, l, 1);
    out->hsic_b = out->trace / (dn * dn);
    out->hsic_a = out->trace / ((dn - 1.0) * (dn - 1.0));

    /* Gretton's hsicTestGamma.m: variance from the off-diagonal entries of (Kc .* Lc / 6)^2. */
    double grand_l = sl / (dn * dn), sum_sq = 0.0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            if (i == j) continue;
            double lc = l[i + j * n] + grand_l - (rl[i] + rl[j]) / dn, v = k[i + j * n] * lc / 6.0;
            sum_sq += v * v;
        }
    out->gamma_var = 72.0 * (dn - 4.0) * (dn - 5.0) / (dn * (dn - 1.0) * (dn - 2.0) * (dn - 3.0)) * sum_sq /
                     (dn * (dn - 1.0));
    out->gamma_mean = (1.0 + out->mu_x * out->mu_y - out->mu_x - out->mu_y) / dn;
}

bool sw_hsic_gamma_reject(size_t n, const sw_hsic_estimates *e, double alpha) {
    if (!(e->gamma_var > 0.0) || !(e->gamma_mean > 0.0)) return false;
    double shape = e->gamma_mean * e->gamma_mean / e->gamma_var;
    double scale = e->gamma_var * (double)n / e->gamma_mean;
    double statistic = e->trace / (double)n; /* n HSIC_b */
    /* statistic > the (1 - alpha) quantile  <=>  its upper tail probability < alpha; the tail needs no
     * iterative inversion, which GSL could fail to converge. */
    return statistic > 0.0 && gsl_cdf_gamma_Q(statistic, shape, scale) < alpha;
}

double sw_hsic_perm_statistic(size_t n, const double *kc, const double *l, const size_t *perm) {
    /* Both matrices are symmetric: the strict upper triangle counts twice, so only half the gathers are made. */
    double diag = 0.0, upper = 0.0;
    for (size_t j = 0; j < n; j++) {
        const double *kc_col = kc + j * n, *l_col = l + perm[j] * n;
        double c0 = 0.0, c1 = 0.0; /* two partial sums: half the latency-bound chain */
        size_t i = 0;
        for (; i + 2 <= j; i += 2) {
            c0 += kc_col[i] * l_col[perm[i]];
            c1 += kc_col[i + 1] * l_col[perm[i + 1]];
        }
        if (i < j) c0 += kc_col[i] * l_col[perm[i]];
        upper += c0 + c1;
        diag += kc_col[j] * l_col[perm[j]];
    }
    return diag + 2.0 * upper;
}

double sw_hsic_pearson(size_t n, const double *x, const double *y) {
    double mx = 0.0, my = 0.0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    return sxx > 0.0 && syy > 0.0 ? sxy / sqrt(sxx * syy) : 0.0;
}

bool sw_hsic_pearson_reject(size_t n, double r, double alpha) {
    double dof = (double)n - 2.0, r2 = r * r;
    if (r2 >= 1.0) return true;
    double t = fabs(r) * sqrt(dof / (1.0 - r2));
    return 2.0 * gsl_cdf_tdist_Q(t, dof) <= alpha;
}

/* ======================================================================================================== */
/* Quadrature                                                                                               */
/* ======================================================================================================== */

/* Integration range for a standard normal variable: the mass beyond 10 SD is below 1e-22. */
#define NORMAL_REACH 10.0
/* Nodes per Gauss-Legendre panel. */
enum { GL_ORDER = 8 };

typedef struct gl_rule {
    double x[GL_ORDER], w[GL_ORDER]; /* nodes and weights on [0, 1] */
} gl_rule;

/* Gauss-Legendre nodes by Newton's method on the three-term recurrence, mapped to [0, 1]. */
static gl_rule gl_make(void) {
    gl_rule r;
    for (int i = 0; i < (GL_ORDER + 1) / 2; i++) {
        double z = cos(M_PI * (i + 0.75) / (GL_ORDER + 0.5)), dp = 1.0;
        for (int iter = 0; iter < 100; iter++) {
            double p1 = 1.0, p2 = 0.0;
            for (int j = 1; j <= GL_ORDER; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1.0) * z * p2 - (j - 1.0) * p3) / j;
            }
            dp = GL_ORDER * (z * p1 - p2) / (z * z - 1.0);
            double step = p1 / dp;
            z -= step;
            if (fabs(step) < 1e-16) break;
        }
        double w = 2.0 / ((1.0 - z * z) * dp * dp);
        r.x[i] = 0.5 * (1.0 - z);
        r.x[GL_ORDER - 1 - i] = 0.5 * (1.0 + z);
        r.w[i] = r.w[GL_ORDER - 1 - i] = 0.5 * w;
    }
    return r;
}

static double normal_pdf(double v) { return exp(-0.5 * v * v) / sqrt(2.0 * M_PI); }
static double normal_cdf(double z) { return 0.5 * erfc(-z / M_SQRT2); }

typedef double (*integrand)(double v, const void *ctx);

/* Composite Gauss-Legendre over [p, q] in panels of width <= hmax. With `mapped`, each panel is traversed as
 * v = a + (b - a) sin^2(pi tau / 2), which turns square-root behaviour at the panel ends into smooth behaviour:
 * used between breakpoints where the integrand has such kinks. */
static double gl_integrate(integrand f, const void *ctx, double p, double q, double hmax, bool mapped,
                           const gl_rule *r) {
    if (!(q > p)) return 0.0;
    size_t panels = (size_t)ceil((q - p) / hmax);
    if (panels < 1) panels = 1;
    double h = (q - p) / (double)panels, sum = 0.0;
    for (size_t k = 0; k < panels; k++) {
        double a = p + (double)k * h;
        for (int i = 0; i < GL_ORDER; i++) {
            double tau = r->x[i], v, jac;
            if (mapped) {
                double sn = sin(0.5 * M_PI * tau);
                v = a + h * sn * sn;
                jac = h * 0.5 * M_PI * sin(M_PI * tau);
            } else {
                v = a + h * tau;
                jac = h;
            }
            sum += r->w[i] * jac * f(v, ctx);
        }
    }
    return sum;
}

/* Sorts a few breakpoints (insertion sort; there are at most a few hundred). */
static void sort_small(double *a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        double v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Integral of f over [lo, hi] split at the given breakpoints (sorted in place, those outside ignored), each
 * piece mapped so that kinks at the breakpoints cost no accuracy. */
static double gl_integrate_broken(integrand f, const void *ctx, double lo, double hi, double *breaks, size_t nb,
                                  double hmax, const gl_rule *r) {
    sort_small(breaks, nb);
    double sum = 0.0, left = lo;
    for (size_t i = 0; i < nb; i++) {
        if (breaks[i] <= left || breaks[i] >= hi) continue;
        sum += gl_integrate(f, ctx, left, breaks[i], hmax, true, r);
        left = breaks[i];
    }
    return sum + gl_integrate(f, ctx, left, hi, hmax, true, r);
}

/* ======================================================================================================== */
/* Population kernel moments                                                                                */
/* ======================================================================================================== */

double sw_hsic_population(const sw_hsic_moments *p) { return p->a + p->mu_x * p->mu_y - 2.0 * p->b; }

double sw_hsic_expected_trace(size_t n, const sw_hsic_moments *p) {
    double dn = (double)n, mx = p->mu_x, my = p->mu_y, a = p->a, b = p->b;
    double n2 = dn * (dn - 1.0), n3 = n2 * (dn - 2.0), n4 = n3 * (dn - 3.0);
    /* Expectations of tr(KL), 1'KL1 and 1'K1 1'L1 summed over coincidence patterns of their indices (K_ii = 1). */
    double s1 = dn + n2 * a;
    double s2 = dn + n2 * (mx + my + a) + n3 * b;
    double s3 = dn + n2 * (1.0 + 2.0 * a + 2.0 * mx + 2.0 * my) + n3 * (mx + my + 4.0 * b) + n4 * mx * my;
    return s1 - 2.0 * s2 / dn + s3 / (dn * dn);
}

/* E exp(-(x1 - x2)^2 / g) for independent N(0, v) variables: (1 + 4 v / g)^(-1/2). */
static double gauss_pair_mean(double v, double g) { return 1.0 / sqrt(1.0 + 4.0 * v / g); }

static double det2(double a11, double a12, double a21, double a22) { return a11 * a22 - a12 * a21; }

/* Linear relation: Gaussian integrals in closed form (science.md 5.2), Sigma = [[1, 1], [1, v]]. */
static sw_hsic_moments linear_moments(double s, double gx, double gy) {
    double v = 1.0 + s * s;
    sw_hsic_moments p = {.mu_x = gauss_pair_mean(1.0, gx), .mu_y = gauss_pair_mean(v, gy)};
    p.a = 1.0 / sqrt(det2(1.0 + 4.0 / gx, 4.0 / gx, 4.0 / gy, 1.0 + 4.0 * v / gy));
    double ax = 2.0 / (gx + 2.0), ay = 2.0 / (gy + 2.0 * v);
    p.b = sqrt(gx / (gx + 2.0) * gy / (gy + 2.0 * v)) / sqrt(det2(1.0 + ax, ax, ay, 1.0 + ay * v));
    return p;
}

/* Quadratic relation. With u = (x1 - x2)/sqrt2, v = (x1 + x2)/sqrt2 (independent N(0,1)), x1^2 - x2^2 = 2uv,
 * and after averaging k_y over the noise (width c = g_y + 4 s^2, factor sqrt(g_y / c)) every moment is Gaussian
 * in u, which is integrated in closed form; one integral over v remains. */
typedef struct quad_ctx {
    double gx, c, big_g; /* big_g = g_x + 2 */
    int which;           /* 0: mu_y, 1: A, 2: B */
} quad_ctx;

static double quadratic_integrand(double v, const void *vctx) {
    const quad_ctx *q = vctx;
    double v2 = v * v, value;
    switch (q->which) {
    case 0: value = 1.0 / sqrt(1.0 + 8.0 * v2 / q->c); break;
    case 1: value = 1.0 / sqrt(1.0 + 4.0 / q->gx + 8.0 * v2 / q->c); break;
    default: {
        /* E_u exp(-A u^2 - B u) = (1 + 2A)^(-1/2) exp(B^2 / (2 (1 + 2A))) */
        double a = 0.5 / q->big_g + 4.0 * v2 / q->c, b = v / q->big_g, d = 1.0 + 2.0 * a;
        value = exp(b * b / (2.0 * d) - v2 / (2.0 * q->big_g)) / sqrt(d);
    }
    }
    return value * normal_pdf(v);
}

static sw_hsic_moments quadratic_moments(double s, double gx, double gy) {
    gl_rule r = gl_make();
    quad_ctx q = {.gx = gx, .c = gy + 4.0 * s * s, .big_g = gx + 2.0};
    double hmax = fmin(0.5, 0.25 * sqrt(fmin(q.c, gx))), noise_factor = sqrt(gy / q.c);
    double m[3];
    for (q.which = 0; q.which < 3; q.which++)
        m[q.which] = noise_factor * gl_integrate(quadratic_integrand, &q, -NORMAL_REACH, NORMAL_REACH, hmax, false, &r);
    return (sw_hsic_moments){.mu_x = gauss_pair_mean(1.0, gx), .mu_y = m[0], .a = m[1],
                             .b = sqrt(gx / (gx + 2.0)) * m[2]};
}

/* Sine relation: a tensor Gauss-Legendre rule over (x1, x2), fine enough for the narrowest feature of the
 * integrands (widths sqrt(g_x) and sqrt(c) / omega). */
enum { SINE_MAX_NODES = 4096 };

static sw_hsic_moments sine_moments(double s, double omega, double gx, double gy) {
    gl_rule r = gl_make();
    double c = gy + 4.0 * s * s, big_g = gx + 2.0;
    double hmax = fmin(0.5, 0.5 * fmin(sqrt(gx), sqrt(c) / omega));
    size_t panels = (size_t)ceil(2.0 * NORMAL_REACH / hmax);
    if (panels * GL_ORDER > SINE_MAX_NODES) panels = SINE_MAX_NODES / GL_ORDER;
    double h = 2.0 * NORMAL_REACH / (double)panels;
    size_t nodes = panels * GL_ORDER;
    double x[SINE_MAX_NODES], w[SINE_MAX_NODES], sx[SINE_MAX_NODES];
    for (size_t k = 0; k < panels; k++)
        for (int i = 0; i < GL_ORDER; i++) {
            size_t j = k * GL_ORDER + (size_t)i;
            x[j] = -NORMAL_REACH + h * ((double)k + r.x[i]);
            w[j] = h * r.w[i] * normal_pdf(x[j]);
            sx[j] = sin(omega * x[j]);
        }
    double mu_y = 0.0, a = 0.0, b = 0.0;
    for (size_t i = 0; i < nodes; i++) {
        double ai = 0.0, mi = 0.0; /* inner integrals over x2 of k_x k_y and of k_y */
        for (size_t j = 0; j < nodes; j++) {
            double dy = sx[i] - sx[j], dx = x[i] - x[j], ky = w[j] * exp(-dy * dy / c);
            mi += ky;
            ai += ky * exp(-dx * dx / gx);
        }
        mu_y += w[i] * mi;
        a += w[i] * ai;
        b += w[i] * mi * exp(-x[i] * x[i] / big_g); /* the shared draw's k_x averaged over x2 in closed form */
    }
    double noise_factor = sqrt(gy / c);
    return (sw_hsic_moments){.mu_x = gauss_pair_mean(1.0, gx), .mu_y = noise_factor * mu_y,
                             .a = noise_factor * a, .b = noise_factor * sqrt(gx / big_g) * b};
}

sw_hsic_moments sw_hsic_population_moments(const sw_hsic_model *m, double g_x, double g_y) {
    switch (m->relation) {
    case SW_HSIC_LINEAR: return linear_moments(m->noise, g_x, g_y);
    case SW_HSIC_QUADRATIC: return quadratic_moments(m->noise, g_x, g_y);
    case SW_HSIC_SINE: return sine_moments(m->noise, m->frequency, g_x, g_y);
    case SW_HSIC_INDEPENDENT: break;
    }
    sw_hsic_moments p = {.mu_x = gauss_pair_mean(1.0, g_x), .mu_y = gauss_pair_mean(1.0, g_y)};
    p.a = p.b = p.mu_x * p.mu_y;
    return p;
}

double sw_hsic_population_correlation(const sw_hsic_model *m) {
    double s2 = m->noise * m->noise, w = m->frequency;
    switch (m->relation) {
    case SW_HSIC_LINEAR: return 1.0 / sqrt(1.0 + s2);
    case SW_HSIC_SINE:
        /* Stein: E x sin(w x) = w E cos(w x) = w e^{-w^2/2}; Var sin(w x) = (1 - e^{-2 w^2}) / 2. */
        return w * exp(-0.5 * w * w) / sqrt(0.5 * (1.0 - exp(-2.0 * w * w)) + s2);
    case SW_HSIC_QUADRATIC: /* E x^3 = 0 */
    case SW_HSIC_INDEPENDENT: break;
    }
    return 0.0;
}

/* ======================================================================================================== */
/* Population median of the squared distance                                                                */
/* ======================================================================================================== */

double sw_hsic_median_width_x(void) {
    double q = gsl_cdf_ugaussian_Pinv(0.75);
    return 2.0 * q * q;
}

/* Quadratic: y1 - y2 = 2uv + s sqrt2 Z, Gaussian given v, so P(|y1 - y2| <= t) = E_v erf(t / sqrt(2(4v^2 + 2s^2))). */
typedef struct quad_cdf_ctx {
    double t, s2;
} quad_cdf_ctx;

static double quadratic_cdf_integrand(double v, const void *vctx) {
    const quad_cdf_ctx *q = vctx;
    double sd2 = 2.0 * (4.0 * v * v + 2.0 * q->s2);
    double p = sd2 > 0.0 ? erf(q->t / sqrt(sd2)) : 1.0;
    return 2.0 * p * normal_pdf(v); /* even in v: twice the half-line */
}

static double quadratic_cdf(double s, double t) {
    gl_rule r = gl_make();
    quad_cdf_ctx q = {.t = t, .s2 = s * s};
    /* Panels fine enough for the transition of erf near v = 0, whose width is about max(s, t) / 4. */
    return gl_integrate(quadratic_cdf_integrand, &q, 0.0, NORMAL_REACH, 0.05, false, &r);
}

/* Sine: sin(w x1) - sin(w x2) = A(v) sin(phi) with A(v) = 2 cos(w v / sqrt2), phi = w u / sqrt2 ~ N(0, w^2/2),
 * u, v as above. Given v and the noise c = s sqrt2 Z, the probability over phi is a sum over periods. */
typedef struct sine_cdf_ctx {
    double t, c, omega, sd_phi;
    const gl_rule *rule;
} sine_cdf_ctx;

/* P(sin(phi) <= tau) for phi ~ N(0, sd^2): sin(phi) <= tau on [pi - asin tau, 2 pi + asin tau] + 2 pi k. */
static double prob_sin_below(double tau, double sd) {
    if (tau <= -1.0) return 0.0;
    if (tau >= 1.0) return 1.0;
    double a = asin(tau), reach = NORMAL_REACH * sd, two_pi = 2.0 * M_PI;
    double k_lo = floor((-reach - two_pi - a) / two_pi), k_hi = ceil((reach - M_PI + a) / two_pi);
    double p = 0.0;
    for (double k = k_lo; k <= k_hi; k += 1.0)
        p += normal_cdf((two_pi + a + two_pi * k) / sd) - normal_cdf((M_PI - a + two_pi * k) / sd);
    return p;
}

/* P(|amp sin(phi) + c| <= t) for amp >= 0. */
static double prob_band(double amp, double c, double t, double sd_phi) {
    if (amp == 0.0) return fabs(c) <= t ? 1.0 : 0.0;
    return prob_sin_below((t - c) / amp, sd_phi) - prob_sin_below((-t - c) / amp, sd_phi);
}

static double sine_v_integrand(double v, const void *vctx) {
    const sine_cdf_ctx *q = vctx;
    double amp = fabs(2.0 * cos(q->omega * v / M_SQRT2));
    return 2.0 * prob_band(amp, q->c, q->t, q->sd_phi) * normal_pdf(v); /* even in v */
}

enum { SINE_MAX_BREAKS = 1024 };

/* Adds the v in (0, vmax) where |cos(w v / sqrt2)| = level (level in [0, 1]): w v / sqrt2 = m pi -+ acos(level). */
static size_t add_cos_breaks(double level, double omega, double vmax, double *breaks, size_t nb) {
    if (level > 1.0) return nb;
    double theta = acos(level), phase_max = omega * vmax / M_SQRT2;
    for (double m = 0.0; m * M_PI - theta < phase_max && nb + 2 <= SINE_MAX_BREAKS; m += 1.0) {
        double lo = m * M_PI - theta, hi = m * M_PI + theta;
        if (lo > 0.0) breaks[nb++] = lo * M_SQRT2 / omega;
        if (hi > 0.0 && hi < phase_max) breaks[nb++] = hi * M_SQRT2 / omega;
    }
    return nb;
}

/* E_v P(|A(v) sin(phi) + c| <= t): the integrand has kinks where |A(v)| equals |t - c|, |t + c| or 0. */
static double sine_cdf_given_noise(sine_cdf_ctx *q) {
    double breaks[SINE_MAX_BREAKS];
    size_t nb = 0;
    nb = add_cos_breaks(0.5 * fabs(q->t - q->c), q->omega, NORMAL_REACH, breaks, nb);
    nb = add_cos_breaks(0.5 * fabs(q->t + q->c), q->omega, NORMAL_REACH, breaks, nb);
    nb = add_cos_breaks(0.0, q->omega, NORMAL_REACH, breaks, nb);
    double hmax = fmin(1.0, 2.0 / q->omega);
    return gl_integrate_broken(sine_v_integrand, q, 0.0, NORMAL_REACH, breaks, nb, hmax, q->rule);
}

typedef struct sine_noise_ctx {
    double t, sigma, omega, sd_phi;
    const gl_rule *rule;
} sine_noise_ctx;

static double sine_noise_integrand(double z, const void *vctx) {
    const sine_noise_ctx *q = vctx;
    sine_cdf_ctx inner = {.t = q->t, .c = q->sigma * z, .omega = q->omega, .sd_phi = q->sd_phi, .rule = q->rule};
    return sine_cdf_given_noise(&inner) * normal_pdf(z);
}

static double sine_cdf(double s, double omega, double t) {
    gl_rule r = gl_make();
    double sd_phi = omega / M_SQRT2, sigma = s * M_SQRT2;
    if (sigma == 0.0) {
        sine_cdf_ctx q = {.t = t, .c = 0.0, .omega = omega, .sd_phi = sd_phi, .rule = &r};
        return sine_cdf_given_noise(&q);
    }
    /* The noise integrand is not smooth where the kinks in v meet |A| = 0 or 2: c in {+-t, +-t +- 2}. There the
     * law of sin(w x1) - sin(w x2) has logarithmic density singularities, which the panel mapping resolves only
     * algebraically: the CDF is accurate to about 1e-7 with unit panels (1e-5 for frequency 8 and s < 0.05). */
    double breaks[6] = {(-t - 2.0) / sigma, -t / sigma, (-t + 2.0) / sigma,
                        (t - 2.0) / sigma,  t / sigma,  (t + 2.0) / sigma};
    sine_noise_ctx q = {.t = t, .sigma = sigma, .omega = omega, .sd_phi = sd_phi, .rule = &r};
    return gl_integrate_broken(sine_noise_integrand, &q, -NORMAL_REACH, NORMAL_REACH, breaks, 6, 1.0, &r);
}

double sw_hsic_sq_distance_cdf(const sw_hsic_model *m, double g) {
    if (g <= 0.0) return 0.0;
    double t = sqrt(g), s = m->noise;
    switch (m->relation) {
    case SW_HSIC_INDEPENDENT: return erf(t / 2.0); /* y1 - y2 ~ N(0, 2) */
    case SW_HSIC_LINEAR: return erf(t / (2.0 * sqrt(1.0 + s * s)));
    case SW_HSIC_QUADRATIC: return quadratic_cdf(s, t);
    case SW_HSIC_SINE: break;
    }
    return sine_cdf(s, m->frequency, t);
}

double sw_hsic_median_width_y(const sw_hsic_model *m) {
    double gx = sw_hsic_median_width_x();
    switch (m->relation) {
    case SW_HSIC_INDEPENDENT: return gx;
    case SW_HSIC_LINEAR: return (1.0 + m->noise * m->noise) * gx;
    case SW_HSIC_QUADRATIC:
    case SW_HSIC_SINE: break;
    }
    /* Bracket the root of F(g) = 1/2 by doubling, then the Illinois variant of regula falsi. */
    double lo = 0.0, f_lo = -0.5, hi = 1.0, f_hi = sw_hsic_sq_distance_cdf(m, hi) - 0.5;
    while (f_hi < 0.0) {
        lo = hi;
        f_lo = f_hi;
        hi *= 2.0;
        f_hi = sw_hsic_sq_distance_cdf(m, hi) - 0.5;
    }
    int side = 0;
    for (int iter = 0; iter < 200 && hi - lo > 1e-14 * hi; iter++) {
        double mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo), f_mid = sw_hsic_sq_distance_cdf(m, mid) - 0.5;
        if (fabs(f_mid) < 1e-15) return mid;
        if ((f_mid < 0.0) == (f_lo < 0.0)) {
            lo = mid;
            f_lo = f_mid;
            if (side == -1) f_hi *= 0.5;
            side = -1;
        } else {
            hi = mid;
            f_hi = f_mid;
            if (side == 1) f_lo *= 0.5;
            side = 1;
        }
    }
    return 0.5 * (lo + hi);
}
