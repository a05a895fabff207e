/* reparam.c: reparameterisation, score-function and Gumbel estimators (see reparam.h). */
#include "reparam.h"

#include <math.h>
#include <string.h>

#include "stats.h"
#include "vecmath.h"

/* ---- sw_varmoments ---- */

void sw_varmoments_add_array(sw_varmoments *a, const double *x, size_t n) {
    if (n == 0) return;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += x[i];
    double nb = (double)n, mb = sum / nb, m2 = 0.0, m3 = 0.0, m4 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mb, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    double na = a->n, nn = na + nb, delta = mb - a->mean, dn = delta / nn;
    a->m4 += m4 + delta * dn * dn * dn * na * nb * (na * na - na * nb + nb * nb) +
             6.0 * dn * dn * (na * na * m2 + nb * nb * a->m2) + 4.0 * dn * (na * m3 - nb * a->m3);
    a->m3 += m3 + delta * dn * dn * na * nb * (na - nb) + 3.0 * dn * (na * m2 - nb * a->m2);
    a->m2 += m2 + delta * dn * na * nb;
    a->mean += dn * nb;
    a->n = nn;
}

double sw_varmoments_var(const sw_varmoments *a) { return a->n >= 2.0 ? a->m2 / (a->n - 1.0) : 0.0; }

double sw_varmoments_mean_se(const sw_varmoments *a) {
    return a->n >= 2.0 ? sqrt(sw_varmoments_var(a) / a->n) : 0.0;
}

double sw_varmoments_var_se(const sw_varmoments *a) {
    if (a->n < 4.0) return 0.0;
    double n = a->n, s2 = a->m2 / (n - 1.0), mu4 = a->m4 / n;
    double v = (mu4 - (n - 3.0) / (n - 1.0) * s2 * s2) / n;
    return v > 0.0 ? sqrt(v) : 0.0;
}

/* ---- Gaussian ---- */

/* E[ε^k cos(a + bε)] = cos(a) e^{−b²/2} P_k(b) for even k, with P_0 = 1, P_2 = 1 − b², P_4 = b⁴ − 6b² + 3
 * (derivatives of the characteristic function e^{−b²/2}); the odd-k terms are not needed below. */
static void sin_exact(const sw_reparam_gauss *pb, sw_reparam_gauss_exact *out) {
    double w = pb->omega, mu = pb->mu, s = pb->sigma;
    double damp = exp(-0.5 * w * w * s * s);
    double b = 2.0 * w * s, b2 = b * b, damp2 = exp(-0.5 * b2), c2 = cos(2.0 * w * mu);
    double grad_mu = w * cos(w * mu) * damp;
    double grad_sigma = -w * w * s * sin(w * mu) * damp;
    /* sin² = (1 − cos 2·)/2 and cos² = (1 + cos 2·)/2 turn every second moment into the E[ε^k cos] above. */
    double rep_mu_sq = 0.5 * w * w * (1.0 + c2 * damp2);
    double rep_sigma_sq = 0.5 * w * w * (1.0 + c2 * (1.0 - b2) * damp2);
    double sf_mu_sq = (1.0 - c2 * (1.0 - b2) * damp2) / (2.0 * s * s);
    double sf_sigma_sq = (2.0 - c2 * (b2 * b2 - 4.0 * b2 + 2.0) * damp2) / (2.0 * s * s);
    out->objective = sin(w * mu) * damp;
    out->mean[SW_REPARAM_MU_REP] = out->mean[SW_REPARAM_MU_SF] = grad_mu;
    out->mean[SW_REPARAM_SIGMA_REP] = out->mean[SW_REPARAM_SIGMA_SF] = grad_sigma;
    out->var[SW_REPARAM_MU_REP] = rep_mu_sq - grad_mu * grad_mu;
    out->var[SW_REPARAM_MU_SF] = sf_mu_sq - grad_mu * grad_mu;
    out->var[SW_REPARAM_SIGMA_REP] = rep_sigma_sq - grad_sigma * grad_sigma;
    out->var[SW_REPARAM_SIGMA_SF] = sf_sigma_sq - grad_sigma * grad_sigma;
}

/* Polynomial moments of z = μ + σε with E ε^{2k} = 1, 1, 3, 15, 105, 945. */
static void square_exact(const sw_reparam_gauss *pb, sw_reparam_gauss_exact *out) {
    double mu = pb->mu, s = pb->sigma, mu2 = mu * mu, s2 = s * s;
    out->objective = mu2 + s2;
    out->mean[SW_REPARAM_MU_REP] = out->mean[SW_REPARAM_MU_SF] = 2.0 * mu;
    out->mean[SW_REPARAM_SIGMA_REP] = out->mean[SW_REPARAM_SIGMA_SF] = 2.0 * s;
    out->var[SW_REPARAM_MU_REP] = 4.0 * s2;
    out->var[SW_REPARAM_SIGMA_REP] = 4.0 * mu2 + 8.0 * s2;
    out->var[SW_REPARAM_MU_SF] = (mu2 * mu2 + 18.0 * mu2 * s2 + 15.0 * s2 * s2) / s2 - 4.0 * mu2;
    out->var[SW_REPARAM_SIGMA_SF] = (2.0 * mu2 * mu2 + 60.0 * mu2 * s2 + 78.0 * s2 * s2) / s2 - 4.0 * s2;
}

void sw_reparam_gauss_exact_values(const sw_reparam_gauss *pb, sw_reparam_gauss_exact *out) {
    if (pb->f == SW_REPARAM_SIN)
        sin_exact(pb, out);
    else
        square_exact(pb, out);
}

/* Draws per step of the estimators: their values go on the stack and into the accumulators as arrays. */
enum { REPARAM_STEP = 256 };

void sw_reparam_gauss_monte_carlo(const sw_reparam_gauss *pb, int64_t samples, sw_rng *rng, double *eps,
                                  sw_reparam_gauss_mc *out) {
    sw_varmoments acc[SW_REPARAM_N_ESTIMATORS];
    for (int e = 0; e < SW_REPARAM_N_ESTIMATORS; e++) sw_varmoments_reset(&acc[e]);
    sw_moments objective;
    sw_moments_reset(&objective);
    const double mu = pb->mu, s = pb->sigma, w = pb->omega;
    double f[REPARAM_STEP], est[SW_REPARAM_N_ESTIMATORS][REPARAM_STEP];
    for (int64_t done = 0; done < samples; done += SW_REPARAM_BLOCK) {
        size_t n = (size_t)(samples - done < SW_REPARAM_BLOCK ? samples - done : SW_REPARAM_BLOCK);
        sw_rng_fill_normal(rng, eps, n);
        for (size_t i0 = 0; i0 < n; i0 += REPARAM_STEP) {
            size_t m = n - i0 < REPARAM_STEP ? n - i0 : REPARAM_STEP;
            const double *e = eps + i0;
            for (size_t i = 0; i < m; i++) {
                double z = mu + s * e[i], df;
                if (pb->f == SW_REPARAM_SIN) {
                    f[i] = sin(w * z);
                    df = w * cos(w * z);
                } else {
                    f[i] = z * z;
                    df = 2.0 * z;
                }
                est[SW_REPARAM_MU_REP][i] = df;
                est[SW_REPARAM_MU_SF][i] = f[i] * e[i] / s;
                est[SW_REPARAM_SIGMA_REP][i] = df * e[i];
                est[SW_REPARAM_SIGMA_SF][i] = f[i] * (e[i] * e[i] - 1.0) / s;
            }
            sw_moments_add_array(&objective, f, m);
            for (int k = 0; k < SW_REPARAM_N_ESTIMATORS; k++) sw_varmoments_add_array(&acc[k], est[k], m);
        }
    }
    out->objective = objective.mean;
    out->objective_se = sw_moments_se(&objective);
    for (int e = 0; e < SW_REPARAM_N_ESTIMATORS; e++) {
        out->mean[e] = acc[e].mean;
        out->mean_se[e] = sw_varmoments_mean_se(&acc[e]);
        out->var[e] = sw_varmoments_var(&acc[e]);
        out->var_se[e] = sw_varmoments_var_se(&acc[e]);
    }
}

/* ---- categorical ---- */

void sw_softmax(size_t k, const double *logits, double *p) {
    double top = logits[0], sum = 0.0;
    for (size_t i = 1; i < k; i++) top = logits[i] > top ? logits[i] : top;
    for (size_t i = 0; i < k; i++) sum += p[i] = exp(logits[i] - top);
    for (size_t i = 0; i < k; i++) p[i] /= sum;
}

/* Per-coordinate variance of the REINFORCE estimator g = (f_y − b)(e_y − p) with mean grad. */
static void reinforce_variance(size_t k, const double *p, const double *values, const double *grad, double b,
                               double *var) {
    for (size_t j = 0; j < k; j++) {
        double second = 0.0;
        for (size_t y = 0; y < k; y++) {
            double g = (values[y] - b) * ((y == j ? 1.0 : 0.0) - p[j]);
            second += p[y] * g * g;
        }
        var[j] = second - grad[j] * grad[j];
    }
}

void sw_categorical_exact_values(size_t k, const double *logits, const double *values, sw_categorical_exact *out) {
    sw_softmax(k, logits, out->p);
    double objective = 0.0;
    for (size_t i = 0; i < k; i++) objective += out->p[i] * values[i];
    for (size_t j = 0; j < k; j++) out->grad[j] = out->p[j] * (values[j] - objective);
    reinforce_variance(k, out->p, values, out->grad, 0.0, out->reinforce_var);
    reinforce_variance(k, out->p, values, out->grad, objective, out->baseline_var);
    out->objective = objective;
}

/* Workspace layout: a noise block (k × SW_GUMBEL_BLOCK, reused for the block's relaxed samples ỹ), p (k), the
 * counts, the per-sample values of one block (the Gumbel-max category, f_y, one estimator at a time) and the running
 * accumulators. Carved in this order by gumbel_carve. A block's estimators go into the accumulators as arrays
 * (sw_moments_add_array, sw_varmoments_add_array): no division per sample and category. */
typedef struct gumbel_work {
    double *noise, *p;
    double *max_count, *argmax_count;
    double *fy, *value, *rowsum;
    size_t *category;
    sw_moments *gs_mean;
    sw_varmoments *grad_gs, *reinforce, *baseline;
} gumbel_work;

size_t sw_gumbel_workspace_bytes(size_t k) {
    return sizeof(double) * (k * SW_GUMBEL_BLOCK + 3 * k + 3 * SW_GUMBEL_BLOCK) + sizeof(size_t) * SW_GUMBEL_BLOCK +
           sizeof(sw_moments) * k + sizeof(sw_varmoments) * 3 * k;
}

static gumbel_work gumbel_carve(size_t k, void *work) {
    gumbel_work w;
    double *d = work;
    w.noise = d, d += k * SW_GUMBEL_BLOCK;
    w.p = d, d += k;
    w.max_count = d, d += k;
    w.argmax_count = d, d += k;
    w.fy = d, d += SW_GUMBEL_BLOCK;
    w.value = d, d += SW_GUMBEL_BLOCK;
    w.rowsum = d, d += SW_GUMBEL_BLOCK;
    w.category = (size_t *)(void *)d;
    w.gs_mean = (sw_moments *)(void *)(w.category + SW_GUMBEL_BLOCK);
    w.grad_gs = (sw_varmoments *)(void *)(w.gs_mean + k);
    w.reinforce = w.grad_gs + k;
    w.baseline = w.reinforce + k;
    return w;
}

static size_t argmax(size_t k, const double *x) {
    size_t best = 0;
    for (size_t i = 1; i < k; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

/* n Gumbel-max draws y = argmax(o + G) (noise: n × k): counts, the objective f_y, and both REINFORCE estimators
 * f_y (e_y − p)_j and (f_y − b)(e_y − p)_j, category by category. */
static void gumbel_max_block(size_t k, size_t n, const double *logits, const double *values, double baseline,
                             gumbel_work *w, sw_moments *objective) {
    for (size_t s = 0; s < n; s++) {
        const double *g = w->noise + s * k;
        size_t y = 0;
        for (size_t i = 1; i < k; i++)
            if (logits[i] + g[i] > logits[y] + g[y]) y = i;
        w->category[s] = y;
        w->max_count[y] += 1.0;
        w->fy[s] = values[y];
    }
    sw_moments_add_array(objective, w->fy, n);
    for (size_t j = 0; j < k; j++) {
        for (size_t s = 0; s < n; s++) w->value[s] = w->fy[s] * ((w->category[s] == j ? 1.0 : 0.0) - w->p[j]);
        sw_varmoments_add_array(&w->reinforce[j], w->value, n);
        for (size_t s = 0; s < n; s++)
            w->value[s] = (w->fy[s] - baseline) * ((w->category[s] == j ? 1.0 : 0.0) - w->p[j]); /* ∂ log p_y/∂o_j */
        sw_varmoments_add_array(&w->baseline[j], w->value, n);
    }
}

/* n Gumbel-softmax draws ỹ = softmax((o + G)/τ), formed in place of the noise with one vectorised exp for the whole
 * block, and their pathwise gradient ∂(f·ỹ)/∂o_j = ỹ_j (f_j − f·ỹ)/τ. */
static void gumbel_softmax_block(size_t k, size_t n, const double *logits, const double *values, double tau,
                                 gumbel_work *w, sw_moments *top, sw_moments *relaxed) {
    double *yt = w->noise;
    for (size_t s = 0; s < n; s++) {
        double *row = yt + s * k, high = -INFINITY;
        for (size_t i = 0; i < k; i++) {
            row[i] = (logits[i] + row[i]) / tau;
            high = row[i] > high ? row[i] : high;
        }
        for (size_t i = 0; i < k; i++) row[i] -= high;
    }
    sw_vexp(yt, yt, n * k);
    for (size_t s = 0; s < n; s++) {
        double *row = yt + s * k, sum = 0.0, fy = 0.0;
        for (size_t i = 0; i < k; i++) sum += row[i];
        for (size_t i = 0; i < k; i++) {
            row[i] /= sum;
            fy += values[i] * row[i];
        }
        size_t best = argmax(k, row);
        w->argmax_count[best] += 1.0;
        w->rowsum[s] = row[best]; /* max ỹ */
        w->fy[s] = fy;
    }
    sw_moments_add_array(top, w->rowsum, n);
    sw_moments_add_array(relaxed, w->fy, n);
    for (size_t j = 0; j < k; j++) {
        for (size_t s = 0; s < n; s++) w->value[s] = yt[s * k + j];
        sw_moments_add_array(&w->gs_mean[j], w->value, n);
        for (size_t s = 0; s < n; s++) w->value[s] = yt[s * k + j] * (values[j] - w->fy[s]) / tau;
        sw_varmoments_add_array(&w->grad_gs[j], w->value, n);
    }
}

static void frequency(double count, double n, double *freq, double *se) {
    *freq = count / n;
    *se = sqrt(*freq * (1.0 - *freq) / n);
}

static void gumbel_finish(size_t k, double n, const gumbel_work *w, sw_gumbel_mc *out) {
    for (size_t j = 0; j < k; j++) {
        frequency(w->max_count[j], n, &out->max_freq[j], &out->max_freq_se[j]);
        frequency(w->argmax_count[j], n, &out->gs_argmax_freq[j], &out->gs_argmax_freq_se[j]);
        out->gs_mean[j] = w->gs_mean[j].mean;
        out->gs_mean_se[j] = sw_moments_se(&w->gs_mean[j]);
        out->grad_gs_mean[j] = w->grad_gs[j].mean;
        out->grad_gs_mean_se[j] = sw_varmoments_mean_se(&w->grad_gs[j]);
        out->grad_gs_var[j] = sw_varmoments_var(&w->grad_gs[j]);
        out->grad_gs_var_se[j] = sw_varmoments_var_se(&w->grad_gs[j]);
        out->reinforce_mean[j] = w->reinforce[j].mean;
        out->reinforce_mean_se[j] = sw_varmoments_mean_se(&w->reinforce[j]);
        out->reinforce_var[j] = sw_varmoments_var(&w->reinforce[j]);
        out->reinforce_var_se[j] = sw_varmoments_var_se(&w->reinforce[j]);
        out->baseline_mean[j] = w->baseline[j].mean;
        out->baseline_mean_se[j] = sw_varmoments_mean_se(&w->baseline[j]);
        out->baseline_var[j] = sw_varmoments_var(&w->baseline[j]);
        out->baseline_var_se[j] = sw_varmoments_var_se(&w->baseline[j]);
    }
}

void sw_gumbel_monte_carlo(size_t k, const double *logits, const double *values, double tau, int64_t samples,
                           sw_rng *max_rng, sw_rng *gs_rng, void *work, sw_gumbel_mc *out) {
    gumbel_work w = gumbel_carve(k, work);
    sw_softmax(k, logits, w.p);
    double baseline = 0.0;
    for (size_t i = 0; i < k; i++) baseline += w.p[i] * values[i];
    memset(w.max_count, 0, 2 * k * sizeof(double));
    for (size_t j = 0; j < k; j++) {
        sw_moments_reset(&w.gs_mean[j]);
        sw_varmoments_reset(&w.grad_gs[j]);
        sw_varmoments_reset(&w.reinforce[j]);
        sw_varmoments_reset(&w.baseline[j]);
    }
    sw_moments objective, top, relaxed;
    sw_moments_reset(&objective);
    sw_moments_reset(&top);
    sw_moments_reset(&relaxed);
    for (int64_t done = 0; done < samples; done += SW_GUMBEL_BLOCK) {
        size_t n = (size_t)(samples - done < SW_GUMBEL_BLOCK ? samples - done : SW_GUMBEL_BLOCK);
        sw_rng_fill_gumbel(max_rng, w.noise, n * k);
        gumbel_max_block(k, n, logits, values, baseline, &w, &objective);
        sw_rng_fill_gumbel(gs_rng, w.noise, n * k);
        gumbel_softmax_block(k, n, logits, values, tau, &w, &top, &relaxed);
    }
    gumbel_finish(k, (double)samples, &w, out);
    out->gs_max_mean = top.mean;
    out->gs_max_mean_se = sw_moments_se(&top);
    out->objective = objective.mean;
    out->objective_se = sw_moments_se(&objective);
    out->relaxed_objective = relaxed.mean;
    out->relaxed_objective_se = sw_moments_se(&relaxed);
}
