/* noise.c: input noise, Laplacian expansion, consistency loss, gradient penalty, Hutchinson and FGM (7466). */
#include "noise.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

/* Largest Gauss–Hermite rule the softmax reference uses per axis. */
enum { GH_MAX = 64 };

/* ---- activations of the elementwise (MSE) models ---- */

static double act(sw_noise_model model, double z) {
    switch (model) {
    case SW_NOISE_SIN_MSE: return sin(z);
    case SW_NOISE_TANH_MSE: return tanh(z);
    default: return z;
    }
}

static double act_d1(sw_noise_model model, double z) {
    switch (model) {
    case SW_NOISE_SIN_MSE: return cos(z);
    case SW_NOISE_TANH_MSE: {
        double t = tanh(z);
        return 1.0 - t * t;
    }
    default: return 1.0;
    }
}

static double act_d2(sw_noise_model model, double z) {
    switch (model) {
    case SW_NOISE_SIN_MSE: return -sin(z);
    case SW_NOISE_TANH_MSE: {
        double t = tanh(z);
        return -2.0 * t * (1.0 - t * t);
    }
    default: return 0.0;
    }
}

/* f(z + δ) − f(z) through identities that keep full relative precision for small δ. */
static double act_diff(sw_noise_model model, double z, double delta) {
    switch (model) {
    case SW_NOISE_SIN_MSE: return 2.0 * cos(z + 0.5 * delta) * sin(0.5 * delta);
    case SW_NOISE_TANH_MSE:
        /* tanh a − tanh b = sinh(a − b)/(cosh a cosh b); past |z| ~ 20 tanh is saturated and cosh may overflow. */
        if (fabs(z) + fabs(delta) > 20.0) return tanh(z + delta) - tanh(z);
        return sinh(delta) / (cosh(z + delta) * cosh(z));
    default: return delta;
    }
}

/* e^t − 1 − t without cancellation: its Taylor series near 0, expm1 elsewhere. */
static double expm1_minus_x(double t) {
    if (fabs(t) >= 0.3) return expm1(t) - t;
    double term = 0.5 * t * t, sum = term;
    for (int n = 3; n < 24 && fabs(term) > 1e-18 * fabs(sum); n++) {
        term *= t / n;
        sum += term;
    }
    return sum;
}

static double log_sum_exp(size_t k, const double *z) {
    double m = z[0];
    for (size_t i = 1; i < k; i++) m = fmax(m, z[i]);
    double s = 0.0;
    for (size_t i = 0; i < k; i++) s += exp(z[i] - m);
    return m + log(s);
}

/* ---- configuration and forward pass ---- */

void sw_noise_config(size_t k, size_t d, double *A, double *x, double *b) {
    double scale = 1.0 / sqrt((double)d);
    for (size_t i = 0; i < k && A; i++)
        for (size_t j = 0; j < d; j++)
            A[i * d + j] = cos(0.7 * (double)i + 1.3 * (double)j + 0.1 * (double)(i * j)) * scale;
    for (size_t j = 0; j < d && x; j++) x[j] = sin(0.5 * (double)j + 0.3);
    for (size_t i = 0; i < k && b; i++) b[i] = 0.1 * (double)i;
}

void sw_noise_activate(sw_noise_model model, size_t k, const double *z, double *fz) {
    if (model != SW_NOISE_SOFTMAX_KL) {
        for (size_t i = 0; i < k; i++) fz[i] = act(model, z[i]);
        return;
    }
    double lse = log_sum_exp(k, z);
    for (size_t i = 0; i < k; i++) fz[i] = exp(z[i] - lse);
}

double sw_noise_loss(const sw_noise_problem *pr, const double *t) {
    double sum = 0.0;
    if (pr->model != SW_NOISE_SOFTMAX_KL) {
        for (size_t i = 0; i < pr->k; i++) sum += (pr->fz[i] - t[i]) * (pr->fz[i] - t[i]);
        return sum;
    }
    double lse = log_sum_exp(pr->k, pr->z);
    for (size_t i = 0; i < pr->k; i++)
        if (t[i] > 0.0) sum += t[i] * (log(t[i]) - (pr->z[i] - lse));
    return sum;
}

/* ---- increments ---- */

double sw_softmax_kl_shift(size_t k, const double *p, const double *delta) {
    /* KL is invariant under δ → δ − c·1; centring at c = p·δ removes the first-order part, so what remains is a
     * sum of non-negative O(δ²) terms that log1p can take without losing digits. */
    double c = 0.0;
    for (size_t i = 0; i < k; i++) c += p[i] * delta[i];
    double top = delta[0] - c, linear = 0.0, second = 0.0;
    for (size_t i = 0; i < k; i++) {
        double di = delta[i] - c;
        top = fmax(top, di);
        linear += p[i] * di; /* zero up to rounding */
        second += p[i] * expm1_minus_x(di);
    }
    if (top <= 30.0) return log1p(second + linear) - linear;
    double s = 0.0; /* large shifts: plain log-sum-exp, where cancellation no longer matters */
    for (size_t i = 0; i < k; i++) s += p[i] * exp(delta[i] - c - top);
    return top + log(s) - linear;
}

double sw_noise_increment(const sw_noise_problem *pr, const double *t, const double *delta) {
    double sum = 0.0;
    if (pr->model == SW_NOISE_SOFTMAX_KL) {
        for (size_t i = 0; i < pr->k; i++) sum += (pr->fz[i] - t[i]) * delta[i];
        return sum + sw_softmax_kl_shift(pr->k, pr->fz, delta);
    }
    for (size_t i = 0; i < pr->k; i++) {
        double diff = act_diff(pr->model, pr->z[i], delta[i]);
        sum += diff * (diff + 2.0 * (pr->fz[i] - t[i]));
    }
    return sum;
}

/* ---- derivatives at the clean input ---- */

static double row_norm2(const sw_noise_problem *pr, size_t i) {
    const double *a = pr->A + i * pr->d;
    return cblas_ddot((int)pr->d, a, 1, a, 1);
}

/* abar = Aᵀp: the gradient of log-sum-exp, shared by every softmax derivative. */
static void softmax_mean_row(const sw_noise_problem *pr, double *abar) {
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)pr->k, (int)pr->d, 1.0, pr->A, (int)pr->d, pr->fz, 1, 0.0, abar, 1);
}

double sw_noise_laplacian(const sw_noise_problem *pr, const double *t, double *scratch) {
    double sum = 0.0;
    if (pr->model != SW_NOISE_SOFTMAX_KL) {
        for (size_t i = 0; i < pr->k; i++) {
            double d1 = act_d1(pr->model, pr->z[i]), d2 = act_d2(pr->model, pr->z[i]);
            sum += 2.0 * (d1 * d1 + (pr->fz[i] - t[i]) * d2) * row_norm2(pr, i);
        }
        return sum;
    }
    /* Δ of −t·z + lse(z) is tr Aᵀ(diag p − ppᵀ)A = Σ p_i ‖a_i − Aᵀp‖², whatever the target. */
    softmax_mean_row(pr, scratch);
    for (size_t i = 0; i < pr->k; i++) {
        const double *a = pr->A + i * pr->d;
        double r2 = 0.0;
        for (size_t j = 0; j < pr->d; j++) r2 += (a[j] - scratch[j]) * (a[j] - scratch[j]);
        sum += pr->fz[i] * r2;
    }
    return sum;
}

double sw_noise_penalty_jacobian(const sw_noise_problem *pr, double *G, double *scratch) {
    size_t k = pr->k, d = pr->d;
    if (pr->model != SW_NOISE_SOFTMAX_KL) {
        for (size_t i = 0; i < k; i++) {
            double d1 = act_d1(pr->model, pr->z[i]);
            for (size_t j = 0; j < d; j++) G[i * d + j] = d1 * pr->A[i * d + j];
        }
        return 1.0;
    }
    softmax_mean_row(pr, scratch);
    for (size_t i = 0; i < k; i++) {
        double root = sqrt(pr->fz[i]);
        for (size_t j = 0; j < d; j++) G[i * d + j] = root * (pr->A[i * d + j] - scratch[j]);
    }
    return 0.5;
}

void sw_noise_gradient(const sw_noise_problem *pr, const double *t, double *g, double *scratch) {
    for (size_t i = 0; i < pr->k; i++) {
        double residual = pr->fz[i] - t[i];
        scratch[i] = pr->model == SW_NOISE_SOFTMAX_KL ? residual : 2.0 * residual * act_d1(pr->model, pr->z[i]);
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)pr->k, (int)pr->d, 1.0, pr->A, (int)pr->d, scratch, 1, 0.0, g, 1);
}

void sw_noise_fgm(const sw_noise_problem *pr, const double *t, double e, double *scratch, sw_fgm_result *res) {
    size_t k = pr->k, d = pr->d;
    double *g = scratch, *Ag = scratch + d, *delta = Ag + k;
    sw_noise_gradient(pr, t, g, delta);
    double g2 = cblas_ddot((int)d, g, 1, g, 1), gnorm = sqrt(g2);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)d, 1.0, pr->A, (int)d, g, 1, 0.0, Ag, 1);
    res->grad_norm2 = g2;
    for (size_t i = 0; i < k; i++) delta[i] = e * Ag[i];
    res->ratio = sw_noise_increment(pr, t, delta) / (e * g2);
    for (size_t i = 0; i < k; i++) delta[i] = e * Ag[i] / gnorm;
    res->normalized_ratio = sw_noise_increment(pr, t, delta) / (e * gnorm);
}

/* ---- exact expectations ---- */

size_t sw_noise_exact_work_size(size_t k) {
    size_t axes = SW_NOISE_SOFTMAX_EXACT_MAX_K - 1;
    return k * k + 5 * k + 2 * axes * GH_MAX + GH_MAX * GH_MAX + 3 * GH_MAX;
}

sw_status sw_gauss_hermite(size_t m, double *node, double *weight, double *work) {
    /* Golub–Welsch: the Jacobi matrix of the probabilists' Hermite polynomials has zero diagonal and off-diagonal
     * sqrt(1..m-1); its eigenvalues are the nodes, the squared first eigenvector components the weights. */
    double *offdiag = work, *vectors = work + m, *lapack_work = vectors + m * m;
    for (size_t i = 0; i < m; i++) {
        node[i] = 0.0;
        offdiag[i] = sqrt((double)(i + 1));
    }
    SW_LAPACK(LAPACKE_dstev_work(LAPACK_COL_MAJOR, 'V', (lapack_int)m, node, offdiag, vectors, (lapack_int)m,
                                 lapack_work));
    double total = 0.0;
    for (size_t i = 0; i < m; i++) total += weight[i] = vectors[i * m] * vectors[i * m];
    for (size_t i = 0; i < m; i++) weight[i] /= total;
    return SW_OK;
}

/* φ(x) = e^{−x} − 1 + x, the remainder of 1 − e^{−x} after its first-order term. */
static double exp_remainder(double x) { return expm1_minus_x(-x); }

/* E(sin(z + sZ) − t)² − (sin z − t)² = ½cos2z(1 − e^{−2s²}) + 2t sin z (1 − e^{−s²/2}) (science.md E1), written as
 * the second-order term minus its remainder so that neither part cancels. */
static double sin_increment(double z, double t, double s) {
    double s2 = s * s, c2 = cos(2.0 * z), tsin = t * sin(z);
    return s2 * (c2 + tsin) - (0.5 * c2 * exp_remainder(2.0 * s2) + 2.0 * tsin * exp_remainder(0.5 * s2));
}

/* E g(sZ) for Z ~ N(0,1) and g(u) = D(D + 2(f(z) − t)), D = tanh(z + u) − tanh(z), by the trapezoid rule on
 * [−12, 12]. The integrand is analytic in a strip of half-width π/(2s) (tanh's poles), where the trapezoid rule
 * converges geometrically in that width over the step: the step 0.2/s keeps the error below e^{−40}. */
static double tanh_increment(double z, double residual, double s) {
    if (s == 0.0) return 0.0;
    double h = fmin(0.125, 0.2 / s), sum = 0.0;
    long n = (long)ceil(12.0 / h);
    for (long j = -n; j <= n; j++) {
        double u = h * (double)j, diff = act_diff(SW_NOISE_TANH_MSE, z, s * u);
        sum += exp(-0.5 * u * u) * diff * (diff + 2.0 * residual);
    }
    return sum * h / sqrt(2.0 * M_PI);
}

/* Gauss–Hermite points per axis for a direction of standard deviation sd: enough for ~1e-10 relative on the KL
 * integrand up to sd ≈ 2 (its complex singularities lie at distance π/sd). */
static size_t softmax_nodes(double sd) {
    double m = ceil(12.0 + 20.0 * sd);
    return (size_t)fmin(fmax(m, 12.0), (double)GH_MAX);
}

/* E KL(p ‖ q(z + δ)), δ = σAε: a product rule over the eigenvectors of σ²PAAᵀP, P = I − 11ᵀ/k. */
static sw_status softmax_expected_kl(const sw_noise_problem *pr, double sigma, double *work, double *out) {
    size_t k = pr->k, d = pr->d, axes_max = SW_NOISE_SOFTMAX_EXACT_MAX_K - 1;
    if (k > SW_NOISE_SOFTMAX_EXACT_MAX_K)
        return SW_FAIL(SW_ERR_INTERNAL, "softmax reference needs k <= %d outputs, got %zu",
                       (int)SW_NOISE_SOFTMAX_EXACT_MAX_K, k);
    double *C = work, *lambda = C + k * k, *delta = lambda + k, *lapack_work = delta + k;
    double *node = lapack_work + 3 * k, *weight = node + axes_max * GH_MAX, *gh_work = weight + axes_max * GH_MAX;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)d, sigma * sigma, pr->A, (int)d,
                pr->A, (int)d, 0.0, C, (int)k);
    /* Shifts along the all-ones vector only add their (mean-zero) value to the loss: project them out. */
    double total = 0.0;
    for (size_t i = 0; i < k; i++) {
        double row = 0.0;
        for (size_t j = 0; j < k; j++) row += C[i * k + j];
        lambda[i] = row / (double)k;
        total += row;
    }
    total /= (double)(k * k);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) C[i * k + j] += total - lambda[i] - lambda[j];
    SW_LAPACK(LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)k, C, (lapack_int)k, lambda, lapack_work,
                                 (lapack_int)(3 * k)));
    /* Eigenvalues ascend; keep the directions with non-negligible variance, largest first. */
    const double *vec[SW_NOISE_SOFTMAX_EXACT_MAX_K];
    double sd[SW_NOISE_SOFTMAX_EXACT_MAX_K];
    size_t m[SW_NOISE_SOFTMAX_EXACT_MAX_K], idx[SW_NOISE_SOFTMAX_EXACT_MAX_K] = {0}, r = 0;
    for (size_t j = k; j-- > 0 && r < axes_max;) {
        if (!(lambda[j] > 1e-14 * lambda[k - 1])) break;
        vec[r] = C + j * k;
        sd[r] = sqrt(lambda[j]);
        m[r] = softmax_nodes(sd[r]);
        SW_TRY(sw_gauss_hermite(m[r], node + r * GH_MAX, weight + r * GH_MAX, gh_work));
        r++;
    }
    double sum = 0.0;
    for (;;) {
        double w = 1.0;
        memset(delta, 0, k * sizeof *delta);
        for (size_t a = 0; a < r; a++) {
            w *= weight[a * GH_MAX + idx[a]];
            cblas_daxpy((int)k, sd[a] * node[a * GH_MAX + idx[a]], vec[a], 1, delta, 1);
        }
        sum += w * sw_softmax_kl_shift(k, pr->fz, delta);
        size_t a = 0; /* advance the mixed-radix counter over the product grid */
        while (a < r && ++idx[a] == m[a]) idx[a++] = 0;
        if (a == r) break;
    }
    *out = sum;
    return SW_OK;
}

sw_status sw_noise_exact_increment(const sw_noise_problem *pr, const double *t, double sigma, double *work,
                                   double *increment) {
    if (pr->model == SW_NOISE_SOFTMAX_KL) {
        SW_TRY(softmax_expected_kl(pr, sigma, work, increment));
        return SW_OK;
    }
    double sum = 0.0;
    for (size_t i = 0; i < pr->k; i++) {
        double s = sigma * sqrt(row_norm2(pr, i));
        switch (pr->model) {
        case SW_NOISE_SIN_MSE: sum += sin_increment(pr->z[i], t[i], s); break;
        case SW_NOISE_TANH_MSE: sum += tanh_increment(pr->z[i], pr->fz[i] - t[i], s); break;
        default: sum += s * s; break;
        }
    }
    *increment = sum;
    return SW_OK;
}

/* ---- Monte Carlo ---- */

void sw_noise_mc_batch(const sw_noise_problem *pr, const double *label, double sigma, const double *eps, size_t rows,
                       double *U, double *scratch, sw_moments *noisy, sw_moments *consistency) {
    size_t k = pr->k, d = pr->d;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)k, (int)d, sigma, eps, (int)d, pr->A,
                (int)d, 0.0, U, (int)k);
    double *minus = scratch;
    for (size_t r = 0; r < rows; r++) {
        const double *plus = U + r * k;
        for (size_t i = 0; i < k; i++) minus[i] = -plus[i];
        sw_moments_add(noisy, 0.5 * (sw_noise_increment(pr, label, plus) + sw_noise_increment(pr, label, minus)));
        sw_moments_add(consistency,
                       0.5 * (sw_noise_increment(pr, pr->fz, plus) + sw_noise_increment(pr, pr->fz, minus)));
    }
}

/* ---- power sums ---- */

void sw_power_sums_reset(sw_power_sums *ps, double shift) { *ps = (sw_power_sums){.shift = shift}; }

void sw_power_sums_add(sw_power_sums *ps, double x) {
    double y = x - ps->shift, y2 = y * y;
    ps->n += 1.0;
    ps->s1 += y;
    ps->s2 += y2;
    ps->s3 += y2 * y;
    ps->s4 += y2 * y2;
}

double sw_power_sums_mean(const sw_power_sums *ps) { return ps->shift + ps->s1 / ps->n; }

/* Central moments m2 and m4 of the sample (divisor n). */
static void central_moments(const sw_power_sums *ps, double *m2, double *m4) {
    double n = ps->n, a = ps->s1 / n;
    *m2 = fmax(ps->s2 / n - a * a, 0.0);
    *m4 = fmax(ps->s4 / n - 4.0 * a * ps->s3 / n + 6.0 * a * a * ps->s2 / n - 3.0 * a * a * a * a, 0.0);
}

double sw_power_sums_var(const sw_power_sums *ps) {
    if (ps->n < 2.0) return NAN;
    double m2, m4;
    central_moments(ps, &m2, &m4);
    return m2 * ps->n / (ps->n - 1.0);
}

double sw_power_sums_se(const sw_power_sums *ps) {
    return ps->n < 2.0 ? NAN : sqrt(sw_power_sums_var(ps) / ps->n);
}

double sw_power_sums_var_se(const sw_power_sums *ps) {
    if (ps->n < 2.0) return NAN;
    double m2, m4;
    central_moments(ps, &m2, &m4);
    return sqrt(fmax(m4 - m2 * m2, 0.0) / ps->n);
}

/* ---- Hutchinson ---- */

void sw_hutchinson_batch(size_t k, size_t d, const double *G, const double *eta, size_t rows, double *W,
                         sw_power_sums *acc) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d, (int)k, 1.0, eta, (int)k, G, (int)d,
                0.0, W, (int)d);
    for (size_t r = 0; r < rows; r++) sw_power_sums_add(acc, cblas_ddot((int)d, W + r * d, 1, W + r * d, 1));
}

double sw_hutchinson_var_exact(size_t k, size_t d, const double *G, int rademacher, double *M) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)d, 1.0, G, (int)d, G, (int)d, 0.0, M,
                (int)k);
    double sum = 0.0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            if (!rademacher || i != j) sum += M[i * k + j] * M[i * k + j];
    return 2.0 * sum;
}

double sw_frobenius2(size_t k, size_t d, const double *G) { return cblas_ddot((int)(k * d), G, 1, G, 1); }
