/* vat.h: virtual adversarial training (VAT) kernels for kexue.fm/archives/7466, science.md §1.3 E4.
 *
 * The model is softmax(Ax + b) with the consistency loss l(x') = KL(p ‖ q(x')), p = softmax(z), z = Ax + b, whose
 * Hessian at x' = x is H = Aᵀ(diag p − ppᵀ)A (d×d, rank ≤ k − 1). VAT looks for H's top eigenvector by power
 * iteration with the finite-difference product Hu ≈ ∇l(x + ξu)/ξ = Aᵀ(q(x + ξu) − p)/ξ, then perturbs x along it.
 *
 * Pure functions over caller-provided arrays: no allocation, no globals, not collective. A is k×d row-major.
 */
#ifndef SW_NUMERICS_VAT_H
#define SW_NUMERICS_VAT_H

#include <stdbool.h>
#include <stddef.h>

#include "mpisweep/status.h"

/* H = Aᵀ(diag p − ppᵀ)A into H (d×d, row-major, symmetric, positive semi-definite). scratch: k*d + d doubles. */
void sw_vat_hessian(size_t k, size_t d, const double *A, const double *p, double *H, double *scratch);

/* Doubles of work sw_symmetric_eigen needs for an n×n matrix. */
size_t sw_symmetric_eigen_work_size(size_t n);

/* All eigenvalues (ascending, into lambda) and eigenvectors of the symmetric n×n matrix a, which is overwritten by
 * the eigenvectors: vector j is a[j*n .. j*n + n). work: sw_symmetric_eigen_work_size(n) doubles.
 * Returns SW_OK or SW_ERR_LAPACK (the QR iteration failed to converge). */
sw_status sw_symmetric_eigen(size_t n, double *a, double *lambda, double *work);

/* The finite-difference Hessian-vector product Aᵀ(q(z + ξAu) − p)/ξ into out (d doubles), with q − p formed
 * without cancellation so the only error is the O(ξ) of the finite difference. scratch: 2k doubles. */
void sw_vat_fd_hvp(size_t k, size_t d, const double *A, const double *p, const double *u, double xi, double *out,
                   double *scratch);

/* iterations steps of u ← Hu/‖Hu‖ with the finite-difference product; u (d doubles, unit) is updated in place.
 * Returns false, leaving u at the last good iterate, if a product vanishes (u in H's null space).
 * scratch: d + 2k doubles. */
bool sw_vat_power_fd(size_t k, size_t d, const double *A, const double *p, double xi, long iterations, double *u,
                     double *scratch);

/* The same with the exact product Hu (H d×d row-major). scratch: d doubles. */
bool sw_vat_power_exact(size_t d, const double *H, long iterations, double *u, double *scratch);

/* KL(p ‖ q(x + ε·dir)): the consistency loss at radius ε along dir (d doubles). scratch: k doubles. */
double sw_vat_kl(size_t k, size_t d, const double *A, const double *p, const double *dir, double eps,
                 double *scratch);

/* ---- many vectors at once: the rows of u (rows × d, row-major), each one as the functions above would treat it ---- */

/* Doubles of work the three functions below need for `rows` rows. */
size_t sw_vat_rows_work_size(size_t k, size_t d, size_t rows);
/* sw_vat_power_fd for every row of u, the products with A as two dgemm per step. Returns false if some row's
 * product vanishes (u is then partly updated). */
bool sw_vat_power_fd_rows(size_t k, size_t d, const double *A, const double *p, double xi, long iterations,
                          double *u, size_t rows, double *work);
/* sw_vat_power_exact for every row of u, one dgemm per step. */
bool sw_vat_power_exact_rows(size_t d, const double *H, long iterations, double *u, size_t rows, double *work);
/* kl[r] = sw_vat_kl for direction row r of dir. */
void sw_vat_kl_rows(size_t k, size_t d, const double *A, const double *p, const double *dir, size_t rows, double eps,
                    double *kl, double *work);

/* E|cos(u_r, v₁)| when u₀ = g/‖g‖, g ~ N(0, I_d), after r exact power steps with a symmetric matrix of eigenvalues
 * lambda[0..d) whose top eigenvalue (largest |λ|, eigenvector v₁) is lambda[top]. In the eigenbasis
 * |cos| = |g₁| / sqrt(Σ γ_i g_i²), γ_i = (λ_i/λ_top)^{2r}; writing Q^{-1/2} as a Laplace integral turns the
 * d-dimensional expectation into (√2/π) ∫ t^{-1/2} (1 + 2t)^{-1} Π_{i≠top} (1 + 2tγ_i)^{-1/2} dt, evaluated by the
 * trapezoid rule in log t (geometric convergence; error below 1e-14). For r = 0 it equals
 * Γ(d/2)/(Γ((d+1)/2)√π). */
double sw_vat_random_start_cos(size_t d, const double *lambda, size_t top, long r);

#endif
