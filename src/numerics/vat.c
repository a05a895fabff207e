/* vat.c: Hessian, eigen-data, finite-difference power iteration and adversarial losses for VAT (7466, E4). */
#include "vat.h"

#include <math.h>

#include <cblas.h>
#include <lapacke.h>

#include "noise.h"
#include "vecmath.h"

void sw_vat_hessian(size_t k, size_t d, const double *A, const double *p, double *H, double *scratch) {
    /* H = GᵀG with G's rows √p_i (a_i − ā), ā = Aᵀp: the same matrix as Aᵀ(diag p − ppᵀ)A, formed as a Gram matrix
     * so that it stays positive semi-definite in floating point. */
    double *abar = scratch, *G = scratch + d;
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)k, (int)d, 1.0, A, (int)d, p, 1, 0.0, abar, 1);
    for (size_t i = 0; i < k; i++) {
        double root = sqrt(p[i]);
        for (size_t j = 0; j < d; j++) G[i * d + j] = root * (A[i * d + j] - abar[j]);
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)k, 1.0, G, (int)d, 0.0, H, (int)d);
    for (size_t r = 1; r < d; r++)
        for (size_t c = 0; c < r; c++) H[r * d + c] = H[c * d + r];
}

/* Blocked dsyev runs fastest with (nb + 2)n of work; nb = 64 is LAPACK's usual block size. */
size_t sw_symmetric_eigen_work_size(size_t n) { return 66 * n + 1; }

sw_status sw_symmetric_eigen(size_t n, double *a, double *lambda, double *work) {
    SW_LAPACK(LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n, a, (lapack_int)n, lambda, work,
                                 (lapack_int)sw_symmetric_eigen_work_size(n)));
    return SW_OK;
}

void sw_vat_fd_hvp(size_t k, size_t d, const double *A, const double *p, const double *u, double xi, double *out,
                   double *scratch) {
    /* q_i − p_i = p_i expm1(δ_i − log S) with S = Σ p_j e^{δ_j} = 1 + Σ p_j expm1(δ_j): no difference of nearly
     * equal probabilities is ever formed. */
    double *delta = scratch, *diff = scratch + k;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)d, xi, A, (int)d, u, 1, 0.0, delta, 1);
    double top = delta[0], log_s, s = 0.0;
    for (size_t i = 1; i < k; i++) top = fmax(top, delta[i]);
    if (top < 30.0) {
        for (size_t i = 0; i < k; i++) s += p[i] * expm1(delta[i]);
        log_s = log1p(s);
    } else { /* huge steps (ξ ≫ 1): guard exp against overflow; precision is no longer the issue */
        for (size_t i = 0; i < k; i++) s += p[i] * exp(delta[i] - top);
        log_s = top + log(s);
    }
    for (size_t i = 0; i < k; i++) diff[i] = p[i] * expm1(delta[i] - log_s);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)k, (int)d, 1.0 / xi, A, (int)d, diff, 1, 0.0, out, 1);
}

/* u ← v/‖v‖; false when v = 0. */
static bool normalize_into(size_t d, const double *v, double *u) {
    double norm = cblas_dnrm2((int)d, v, 1);
    if (!(norm > 0.0) || !isfinite(norm)) return false;
    for (size_t j = 0; j < d; j++) u[j] = v[j] / norm;
    return true;
}

bool sw_vat_power_fd(size_t k, size_t d, const double *A, const double *p, double xi, long iterations, double *u,
                     double *scratch) {
    double *hu = scratch;
    for (long it = 0; it < iterations; it++) {
        sw_vat_fd_hvp(k, d, A, p, u, xi, hu, scratch + d);
        if (!normalize_into(d, hu, u)) return false;
    }
    return true;
}

bool sw_vat_power_exact(size_t d, const double *H, long iterations, double *u, double *scratch) {
    for (long it = 0; it < iterations; it++) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, H, (int)d, u, 1, 0.0, scratch, 1);
        if (!normalize_into(d, scratch, u)) return false;
    }
    return true;
}

double sw_vat_kl(size_t k, size_t d, const double *A, const double *p, const double *dir, double eps,
                 double *scratch) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)d, eps, A, (int)d, dir, 1, 0.0, scratch, 1);
    return sw_softmax_kl_shift(k, p, scratch);
}

double sw_vat_random_start_cos(size_t d, const double *lambda, size_t top, long r) {
    /* Substituting t = e^v gives ∫ e^{v/2}(1 + 2e^v)^{-1} Π(1 + 2e^v γ_i)^{-1/2} dv over the real line: the
     * integrand decays at least like e^{-|v|/2} and is analytic in the strip |Im v| < π, so the trapezoid rule with
     * step 1/4 on [−80, 80] is accurate to about e^{-4π²} ≈ 1e-17 relative. */
    const double h = 0.25, half_width = 80.0;
    double top_abs = fabs(lambda[top]), sum = 0.0;
    for (double v = -half_width; v <= half_width + 0.5 * h; v += h) {
        double t = exp(v), log_f = 0.5 * v - log1p(2.0 * t);
        for (size_t i = 0; i < d; i++) {
            if (i == top) continue;
            double gamma = pow(fabs(lambda[i]) / top_abs, 2.0 * (double)r);
            log_f -= 0.5 * log1p(2.0 * t * gamma);
        }
        sum += exp(log_f);
    }
    return sum * h * M_SQRT2 / M_PI;
}

/* ---- many vectors at once ----
 * The random starts and random directions are rows of a matrix: every product with A or H is one dgemm for all of
 * them (level 3) instead of one dgemv per vector, and the softmax parts run over whole blocks with vectorised
 * exponentials. Each row gets exactly the arithmetic of the one-vector functions above, up to rounding. */

size_t sw_vat_rows_work_size(size_t k, size_t d, size_t rows) {
    return 2 * k * rows + d * rows + rows + sw_softmax_kl_columns_work(k, rows);
}

/* Each row of v (rows × d) divided by its norm, into u; false if a norm is 0 or not finite. */
static bool normalize_rows_into(size_t d, size_t rows, const double *v, double *u) {
    bool ok = true;
    for (size_t r = 0; r < rows; r++) {
        const double *row = v + r * d;
        double norm = cblas_dnrm2((int)d, row, 1);
        ok = ok && norm > 0.0 && isfinite(norm);
        for (size_t j = 0; j < d; j++) u[r * d + j] = row[j] / norm;
    }
    return ok;
}

bool sw_vat_power_fd_rows(size_t k, size_t d, const double *A, const double *p, double xi, long iterations,
                          double *u, size_t rows, double *work) {
    double *delta = work, *e = delta + k * rows, *hu = e + k * rows, *log_s = hu + d * rows;
    for (long it = 0; it < iterations; it++) {
        /* delta (k × rows) = ξ A uᵀ; then per column log S, S = Σ p_i e^{δ_i} = 1 + Σ p_i expm1(δ_i) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)rows, (int)d, xi, A, (int)d, u, (int)d,
                    0.0, delta, (int)rows);
        sw_vexpm1(delta, e, k * rows);
        for (size_t r = 0; r < rows; r++) log_s[r] = 0.0;
        for (size_t i = 0; i < k; i++)
            for (size_t r = 0; r < rows; r++) log_s[r] += p[i] * e[i * rows + r];
        sw_vlog1p(log_s, log_s, rows);
        for (size_t r = 0; r < rows; r++) {
            double top = delta[r];
            for (size_t i = 1; i < k; i++) top = fmax(top, delta[i * rows + r]);
            if (top >= 30.0) { /* huge steps (ξ ≫ 1): guard exp against overflow, as sw_vat_fd_hvp does */
                double sum = 0.0;
                for (size_t i = 0; i < k; i++) sum += p[i] * exp(delta[i * rows + r] - top);
                log_s[r] = top + log(sum);
            }
        }
        /* q_i − p_i = p_i expm1(δ_i − log S), then Hu ≈ Aᵀ(q − p)/ξ for every row: hu (rows × d) = (q − p)ᵀ A / ξ */
        for (size_t i = 0; i < k; i++)
            for (size_t r = 0; r < rows; r++) e[i * rows + r] = delta[i * rows + r] - log_s[r];
        sw_vexpm1(e, e, k * rows);
        for (size_t i = 0; i < k; i++)
            for (size_t r = 0; r < rows; r++) e[i * rows + r] *= p[i];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rows, (int)d, (int)k, 1.0 / xi, e, (int)rows, A,
                    (int)d, 0.0, hu, (int)d);
        if (!normalize_rows_into(d, rows, hu, u)) return false;
    }
    return true;
}

bool sw_vat_power_exact_rows(size_t d, const double *H, long iterations, double *u, size_t rows, double *work) {
    for (long it = 0; it < iterations; it++) {
        /* (H u_r)ᵀ for all rows: u H, H symmetric */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d, (int)d, 1.0, u, (int)d, H, (int)d,
                    0.0, work, (int)d);
        if (!normalize_rows_into(d, rows, work, u)) return false;
    }
    return true;
}

void sw_vat_kl_rows(size_t k, size_t d, const double *A, const double *p, const double *dir, size_t rows, double eps,
                    double *kl, double *work) {
    double *delta = work, *kl_work = delta + k * rows;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)rows, (int)d, eps, A, (int)d, dir, (int)d, 0.0,
                delta, (int)rows);
    sw_softmax_kl_columns(k, p, delta, rows, kl, kl_work);
}
