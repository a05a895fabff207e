/* attention.c: ranks, residuals and softmax statistics of logit matrices (see attention.h). */
#include "attention.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>

size_t sw_attn_svd_lwork(size_t n) {
    /* LAPACK 3.11 documents LWORK >= 3 mn + max(mx, 7 mn) for JOBZ = 'N'; older releases asked for less. */
    size_t minimum = 3 * n + 7 * n;
    double query = 0.0, dummy_a = 0.0, dummy_s = 0.0;
    int dummy_iwork = 0;
    lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)n, &dummy_a,
                                          (lapack_int)n, &dummy_s, NULL, 1, NULL, 1, &query, -1, &dummy_iwork);
    size_t asked = info == 0 && query > 0.0 ? (size_t)query : 0;
    return asked > minimum ? asked : minimum;
}

sw_status sw_attn_singular_values(size_t n, double *a, double *s, double *work, size_t lwork, int *iwork) {
    /* The _work variant in column-major order neither allocates nor transposes. */
    SW_LAPACK(LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)n, a, (lapack_int)n, s, NULL, 1,
                                  NULL, 1, work, (lapack_int)lwork, iwork));
    return SW_OK;
}

size_t sw_attn_numerical_rank(const double *s, size_t n, double rel_cutoff) {
    if (n == 0 || s[0] <= 0.0) return 0;
    double cutoff = rel_cutoff * s[0];
    size_t rank = 0;
    while (rank < n && s[rank] > cutoff) rank++;
    return rank;
}

double sw_attn_rank_k_residual(const double *s, size_t n, size_t k, double frob2) {
    if (k >= n || frob2 <= 0.0) return 0.0;
    double tail = 0.0;
    for (size_t i = n; i-- > k;) tail += s[i] * s[i];
    return tail / frob2;
}

double sw_attn_centre_columns(size_t n, double *a) {
    double frob2 = 0.0;
    for (size_t j = 0; j < n; j++) {
        double *col = a + j * n, mean = 0.0;
        for (size_t i = 0; i < n; i++) mean += col[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            col[i] -= mean;
            frob2 += col[i] * col[i];
        }
    }
    return frob2;
}

double sw_attn_softmax_columns(size_t n, double *a, double scale) {
    double entropy_sum = 0.0;
    for (size_t j = 0; j < n; j++) {
        double *col = a + j * n, top = -INFINITY;
        for (size_t i = 0; i < n; i++)
            if (scale * col[i] > top) top = scale * col[i];
        double z = 0.0;
        for (size_t i = 0; i < n; i++) {
            col[i] = scale * col[i] - top; /* the shifted logit, kept for the entropy below */
            z += exp(col[i]);
        }
        /* -sum p log p = log z - sum p (shifted logit), which stays exact when some p underflow to 0. */
        double log_z = log(z), mean_logit = 0.0;
        for (size_t i = 0; i < n; i++) {
            double p = exp(col[i]) / z;
            mean_logit += p * col[i];
            col[i] = p;
        }
        entropy_sum += log_z - mean_logit;
    }
    return entropy_sum / (double)n;
}

double sw_attn_effective_rank(const double *s, size_t n) {
    double total = 0.0;
    for (size_t i = 0; i < n; i++) total += s[i];
    if (total <= 0.0) return 0.0;
    double entropy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double p = s[i] / total;
        if (p > 0.0) entropy -= p * log(p);
    }
    return exp(entropy);
}

void sw_attn_head_logits(size_t n, size_t d, size_t k, const double *x, const double *w, double *qk, double *logits_t) {
    const int in = (int)n, id = (int)d, ik = (int)k;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, in, 2 * ik, id, 1.0, x, in, w, id, 0.0, qk, in);
    const double *q = qk, *kk = qk + n * k;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, in, in, ik, 1.0, kk, in, q, in, 0.0, logits_t, in);
}

void sw_attn_talking_heads_logits(size_t n, size_t h, size_t k, double *q, const double *k_mat, const double *lambda,
                                  double *j_out) {
    for (size_t head = 0; head < h; head++)
        for (size_t c = head * k; c < (head + 1) * k; c++) cblas_dscal((int)n, lambda[head], q + c * n, 1);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)(h * k), 1.0, q, (int)n, k_mat, (int)n,
                0.0, j_out, (int)n);
}

/* Mass of the c = 1 Marchenko-Pastur law below lambda = 4 sin^2(theta). */
static double mp_mass_below(double theta) { return (2.0 * theta + sin(2.0 * theta)) / M_PI; }

double sw_attn_mp_residual(double alpha) {
    if (alpha <= 0.0) return 1.0;
    if (alpha >= 1.0) return 0.0;
    /* The mass below the cut-off is increasing in theta on [0, pi/2]; bisect until the interval stops shrinking
     * (robust where the derivative vanishes at theta = pi/2, i.e. for small alpha). */
    double lo = 0.0, hi = M_PI / 2.0, target = 1.0 - alpha;
    for (;;) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (mp_mass_below(mid) < target) lo = mid;
        else hi = mid;
    }
    double theta = 0.5 * (lo + hi);
    return (2.0 * theta - 0.5 * sin(4.0 * theta)) / M_PI;
}
