/* attention.h: kernels for the low-rank bottleneck of multi-head attention (kexue.fm/archives/7325).
 *
 * The article's claims are statements about ranks and singular values of n x n logit matrices: QK^T has rank at most
 * key_size k; a target logit matrix L* can be reached by softmax(QK^T) exactly when rank(L* H) <= k (H the centring
 * matrix, because softmax ignores a constant added to a row); the best rank-k approximation leaves the fraction
 * sum_{i>k} sigma_i^2 / sum_i sigma_i^2 (Eckart-Young); talking-heads mixing raises a head's rank to min(n, h k).
 * These kernels compute those quantities from arrays; drawing the random matrices is the caller's business.
 *
 * Storage: every matrix is column-major with leading dimension equal to its row count. Because the statements
 * are invariant under transposition, callers may pass the transpose of the matrix they have in mind (the
 * attention experiment builds (QK^T)^T so that each softmax row is a contiguous column).
 *
 * Nothing here allocates, uses globals or is collective. Failures are reported as sw_status with a message in the
 * thread's error record (status.h).
 */
#ifndef SW_NUMERICS_ATTENTION_H
#define SW_NUMERICS_ATTENTION_H

#include <stddef.h>

#include "mpisweep/status.h"

/* Number of doubles of LAPACK work that sw_attn_singular_values needs for an n x n matrix (n >= 1). It asks
 * LAPACK's dgesdd with a workspace query and never returns less than the documented minimum 3n + 7n. */
size_t sw_attn_svd_lwork(size_t n);

/* Singular values of the n x n matrix a (column-major), in descending order, into s[0..n). Uses LAPACK's
 * divide-and-conquer SVD (dgesdd, values only). a is destroyed. work holds lwork >= sw_attn_svd_lwork(n)
 * doubles and iwork 8n ints, both owned by the caller. Errors: SW_ERR_LAPACK when dgesdd does not converge
 * (info > 0) or rejects an argument (info < 0). */
sw_status sw_attn_singular_values(size_t n, double *a, double *s, double *work, size_t lwork, int *iwork);

/* Numerical rank: the number of singular values s[i] > rel_cutoff * s[0], for s sorted in descending order
 * (as sw_attn_singular_values returns them). 0 when s[0] == 0. */
size_t sw_attn_numerical_rank(const double *s, size_t n, double rel_cutoff);

/* Eckart-Young residual fraction of the best rank-k approximation: sum_{i >= k} s[i]^2 / frob2, for s sorted in
 * descending order and frob2 the squared Frobenius norm of the matrix (pass it computed from the entries, which
 * is more accurate than summing s^2). The tail is summed from the smallest value up. 0 for k >= n. */
double sw_attn_rank_k_residual(const double *s, size_t n, size_t k, double frob2);

/* Subtracts from each column of the n x n matrix a its mean, and returns the squared Frobenius norm of the
 * result. Applied to the transpose of a logit matrix L this forms (L H)^T, the part of L that softmax sees. */
double sw_attn_centre_columns(size_t n, double *a);

/* Replaces each column c of the n x n matrix a by softmax(scale * c) (max-subtracted, so it cannot overflow) and
 * returns the mean over columns of the Shannon entropy -sum p log p, in nats (between 0 and log n). */
double sw_attn_softmax_columns(size_t n, double *a, double scale);

/* Effective rank exp(-sum_i p_i log p_i) with p_i = s_i / sum_j s_j (Roy & Vetterli 2007) of a matrix with
 * singular values s[0..n). Between 1 and the number of non-zero s_i; 0 when all s_i are 0. */
double sw_attn_effective_rank(const double *s, size_t n);

/* Logits of one head with a shared input: given X (n x d) and W = [W_Q W_K] (d x 2k), forms QK = X W
 * (n x 2k: Q in the first k columns, K in the last k) and logits_t = K Q^T (n x n), which is (Q K^T)^T: column i
 * holds the logits of query i. Two dgemm calls; qk and logits_t are caller-owned outputs. */
void sw_attn_head_logits(size_t n, size_t d, size_t k, const double *x, const double *w, double *qk, double *logits_t);

/* Logits of head 1 after talking-heads mixing: with q and k_mat holding the h heads' Q^(j) and K^(j) side by
 * side (each n x hk, head j in columns [jk, (j+1)k)) and lambda the mixing weights lambda_{1j} (h values), forms
 * J^(1) = sum_j lambda_{1j} Q^(j) K^(j)T = [lambda_1j Q^(j)]_j [K^(j)]_j^T with one dgemm into j_out (n x n).
 * q is scaled in place by the mixing weights. */
void sw_attn_talking_heads_logits(size_t n, size_t h, size_t k, double *q, const double *k_mat, const double *lambda,
                                  double *j_out);

/* Marchenko-Pastur prediction of the rank-k residual fraction of an n x n Gaussian matrix centred along one side,
 * as a function of alpha = k / (n - 1): r(alpha) = int_0^{t} lambda rho(lambda) d lambda with rho the c = 1
 * Marchenko-Pastur density sqrt((4 - lambda) / lambda) / (2 pi) and int_t^4 rho = alpha. With lambda = 4 sin^2
 * theta both integrals are elementary: the mass above t is 1 - (2 theta + sin 2 theta) / pi and the residual is
 * (2 theta - sin(4 theta) / 2) / pi; theta is found by Newton's method. Returns 1 for alpha <= 0 and 0 for
 * alpha >= 1. */
double sw_attn_mp_residual(double alpha);

#endif
