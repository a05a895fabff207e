/* noise.c: input noise, Laplacian expansion, consistency loss, gradient penalty, Hutchinson and FGM (7466). */
#include "noise.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "vecmath.h"

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

/* ---- Monte Carlo ----
 * A batch is worked column by column: the shifts are formed transposed, U (k × rows) = σ A εᵀ, so that for each
 * output i the rows are contiguous and every elementwise step below is a loop over rows that vectorises. Both
 * members of an antithetic pair, and both losses, come from one evaluation of the model per element:
 *   MSE models: D± = f(z + δ) − f(z) and f(z − δ) − f(z) give the noisy increment Σ D(D + 2(f − t)) and the
 *   consistency loss Σ D²; for tanh from e = expm1(δ) alone (sinh δ = e(e + 2)/(2(1 + e)), and
 *   cosh(z ± δ) = (e^z E^{±1} + e^{−z} E^{∓1})/2 with E = 1 + e: sums of positive terms, so nothing cancels);
 *   softmax_kl: KL(p ‖ q(z ± δ)) is the same for both losses, which differ only in their linear terms. */

/* U (k·rows), the two observation arrays, then for softmax_kl the two KL arrays and sw_softmax_kl_columns' work
 * (3k·rows + 2·rows), which is more than the MSE models' D+, D− and expm1 arrays. */
size_t sw_noise_mc_work_size(size_t k, size_t rows) { return 4 * k * rows + 6 * rows; }

/* D± of output i for the rows of one column of U (tanh, sin, identity). */
static void mse_column(const sw_noise_problem *pr, size_t i, const double *u, size_t rows, double *dp, double *dm,
                       double *tmp) {
    double z = pr->z[i];
    switch (pr->model) {
    case SW_NOISE_TANH_MSE: {
        double ez = exp(z), iez = exp(-z), cz = cosh(z);
        sw_vexpm1(u, tmp, rows);
        for (size_t r = 0; r < rows; r++) {
            double e = tmp[r], big = 1.0 + e, inv = 1.0 / big;
            double sh = 0.5 * e * (e + 2.0) * inv;
            double ch_plus = 0.5 * (ez * big + iez * inv), ch_minus = 0.5 * (ez * inv + iez * big);
            double scale = sh / (ch_plus * ch_minus * cz);
            dp[r] = scale * ch_minus;
            dm[r] = -scale * ch_plus;
        }
        for (size_t r = 0; r < rows; r++)
            if (fabs(z) + fabs(u[r]) > 20.0) { /* saturated: cosh may overflow, and tanh differences are exact */
                dp[r] = act_diff(pr->model, z, u[r]);
                dm[r] = act_diff(pr->model, z, -u[r]);
            }
        break;
    }
    case SW_NOISE_SIN_MSE: {
        double cz = cos(z), sz = sin(z);
        for (size_t r = 0; r < rows; r++) {
            double sd = sin(0.5 * u[r]), cd = cos(0.5 * u[r]);
            dp[r] = 2.0 * (cz * cd - sz * sd) * sd; /* 2 cos(z + δ/2) sin(δ/2) */
            dm[r] = -2.0 * (cz * cd + sz * sd) * sd;
        }
        break;
    }
    default:
        for (size_t r = 0; r < rows; r++) dp[r] = u[r], dm[r] = -u[r];
        break;
    }
}

/* e^t − 1 − t over an array: its Taylor series to t^16 below |t| = 0.3 (truncation below 1e-19 relative), else
 * from expm1; em holds expm1(t). */
static void expm1_minus_x_array(const double *t, const double *em, double *out, size_t n) {
    for (size_t j = 0; j < n; j++) {
        double x = t[j], x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
        double a0 = 1.0 / 2 + x * (1.0 / 6), a1 = 1.0 / 24 + x * (1.0 / 120), a2 = 1.0 / 720 + x * (1.0 / 5040);
        double a3 = 1.0 / 40320 + x * (1.0 / 362880), a4 = 1.0 / 3628800 + x * (1.0 / 39916800);
        double a5 = 1.0 / 479001600 + x * (1.0 / 6227020800), a6 = 1.0 / 87178291200 + x * (1.0 / 1307674368000);
        double a7 = 1.0 / 20922789888000;
        double series = x2 * ((a0 + x2 * a1) + x4 * (a2 + x2 * a3) + x8 * ((a4 + x2 * a5) + x4 * (a6 + x2 * a7)));
        out[j] = fabs(x) < 0.3 ? series : em[j] - x;
    }
}

size_t sw_softmax_kl_columns_work(size_t k, size_t rows) { return 3 * k * rows + 2 * rows; }

void sw_softmax_kl_columns(size_t k, const double *p, const double *u, size_t rows, double *kl, double *w) {
    double *di = w, *em = di + k * rows, *rem = em + k * rows, *c = rem + k * rows, *lin = c + rows;
    for (size_t r = 0; r < rows; r++) c[r] = 0.0;
    for (size_t i = 0; i < k; i++)
        for (size_t r = 0; r < rows; r++) c[r] += p[i] * u[i * rows + r];
    for (size_t i = 0; i < k; i++)
        for (size_t r = 0; r < rows; r++) di[i * rows + r] = u[i * rows + r] - c[r];
    sw_vexpm1(di, em, k * rows);
    expm1_minus_x_array(di, em, rem, k * rows);
    for (size_t r = 0; r < rows; r++) lin[r] = kl[r] = 0.0;
    for (size_t i = 0; i < k; i++)
        for (size_t r = 0; r < rows; r++) {
            lin[r] += p[i] * di[i * rows + r]; /* zero up to rounding */
            kl[r] += p[i] * rem[i * rows + r];
        }
    /* log1p(y) = log(1 + y) y / ((1 + y) − 1), exact to a few ulps (Goldberg), with the vectorised log */
    for (size_t r = 0; r < rows; r++) c[r] = 1.0 + (kl[r] + lin[r]);
    sw_vlog(c, em, rows);
    for (size_t r = 0; r < rows; r++) {
        double y = kl[r] + lin[r], one_y = c[r];
        double log1p_y = one_y == 1.0 ? y : em[r] * (y / (one_y - 1.0));
        kl[r] = log1p_y - lin[r];
    }
    for (size_t r = 0; r < rows; r++) { /* shifts beyond 30: the plain log-sum-exp, as sw_softmax_kl_shift does */
        double top = -INFINITY;
        for (size_t i = 0; i < k; i++) top = fmax(top, di[i * rows + r]);
        if (top > 30.0) {
            double sum = 0.0;
            for (size_t i = 0; i < k; i++) sum += p[i] * exp(di[i * rows + r] - top);
            kl[r] = top + log(sum) - lin[r];
        }
    }
}

void sw_noise_mc_batch(const sw_noise_problem *pr, const double *label, double sigma, const double *eps, size_t rows,
                       double *work, sw_moments *noisy, sw_moments *consistency) {
    size_t k = pr->k, d = pr->d;
    double *u = work, *a = u + k * rows, *b = a + rows, *w = b + rows;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)rows, (int)d, sigma, pr->A, (int)d, eps,
                (int)d, 0.0, u, (int)rows);
    double *obs_noisy = a, *obs_cons = b;
    for (size_t r = 0; r < rows; r++) obs_noisy[r] = obs_cons[r] = 0.0;
    if (pr->model == SW_NOISE_SOFTMAX_KL) {
        double *kl_plus = w, *kl_minus = w + rows, *scratch = w + 2 * rows, *neg = scratch;
        sw_softmax_kl_columns(k, pr->fz, u, rows, kl_plus, scratch);
        for (size_t i = 0; i < k; i++) { /* the linear term Σ (p − t)_i δ_i, which flips sign with δ */
            double g = pr->fz[i] - label[i];
            for (size_t r = 0; r < rows; r++) obs_noisy[r] += g * u[i * rows + r];
        }
        for (size_t j = 0; j < k * rows; j++) u[j] = -u[j];
        sw_softmax_kl_columns(k, pr->fz, u, rows, kl_minus, neg);
        for (size_t r = 0; r < rows; r++) {
            double lin = obs_noisy[r];
            obs_noisy[r] = 0.5 * ((lin + kl_plus[r]) + (-lin + kl_minus[r]));
            obs_cons[r] = 0.5 * (kl_plus[r] + kl_minus[r]);
        }
    } else {
        double *dp = w, *dm = w + rows, *tmp = w + 2 * rows;
        for (size_t i = 0; i < k; i++) {
            mse_column(pr, i, u + i * rows, rows, dp, dm, tmp);
            double two_res = 2.0 * (pr->fz[i] - label[i]);
            for (size_t r = 0; r < rows; r++) {
                obs_noisy[r] += 0.5 * (dp[r] * (dp[r] + two_res) + dm[r] * (dm[r] + two_res));
                obs_cons[r] += 0.5 * (dp[r] * dp[r] + dm[r] * dm[r]);
            }
        }
    }
    sw_moments_add_array(noisy, obs_noisy, rows);
    sw_moments_add_array(consistency, obs_cons, rows);
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
    for (size_t r = 0; r < rows; r++) {
        const double *row = W + r * d;
        double q = 0.0;
        for (size_t j = 0; j < d; j++) q += row[j] * row[j];
        sw_power_sums_add(acc, q);
    }
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
