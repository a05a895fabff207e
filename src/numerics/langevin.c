/* langevin.c: Langevin chains, their exact law on a grid, the target, and a 1-D energy model (see langevin.h). */
#include "langevin.h"

#include <lapacke.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "stats.h"
#include "vecmath.h"

/* ---- energies ---- */

/* Mixture 0.3 N(−2, 1) + 0.7 N(2, 1): 0.3φ(x+2) + 0.7φ(x−2) = φ(x) e^{−2} (0.3e^{−2x} + 0.7e^{2x}), so up to a
 * constant U = x²/2 − log(0.3e^{−2x} + 0.7e^{2x}) and U' = x − 2 tanh(2x + ½ log(7/3)). */
#define MIX_LEFT_WEIGHT 0.3
#define MIX_RIGHT_WEIGHT 0.7
#define MIX_MODE 2.0

static double mixture_energy(double x) {
    double a = log(MIX_LEFT_WEIGHT) - MIX_MODE * x, b = log(MIX_RIGHT_WEIGHT) + MIX_MODE * x;
    double top = a > b ? a : b;
    return 0.5 * x * x - (top + log1p(exp(-fabs(a - b))));
}

double sw_langevin_energy(sw_langevin_target target, double x) {
    return target == SW_LANGEVIN_MIXTURE ? mixture_energy(x) : 0.5 * x * x;
}

/* Over arrays, tanh, exp and log1p come from vecmath (vectorised), not one C-library call per chain. */
void sw_langevin_energy_grad(sw_langevin_target target, const double *x, double *grad, size_t n) {
    if (target == SW_LANGEVIN_MIXTURE) {
        const double shift = 0.5 * log(MIX_RIGHT_WEIGHT / MIX_LEFT_WEIGHT);
        for (size_t i = 0; i < n; i++) grad[i] = MIX_MODE * x[i] + shift;
        sw_vtanh(grad, grad, n);
        for (size_t i = 0; i < n; i++) grad[i] = x[i] - MIX_MODE * grad[i];
    } else {
        for (size_t i = 0; i < n; i++) grad[i] = x[i];
    }
}

/* U and U' for n points, the target's branch taken once outside the loop. The mixture's U is mixture_energy's
 * formula, log1p(exp(-|a - b|)) formed for the whole array at once. */
static void energy_and_grad(sw_langevin_target target, const double *x, double *u, double *grad, size_t n) {
    sw_langevin_energy_grad(target, x, grad, n);
    if (target != SW_LANGEVIN_MIXTURE) {
        for (size_t i = 0; i < n; i++) u[i] = 0.5 * x[i] * x[i];
        return;
    }
    const double la = log(MIX_LEFT_WEIGHT), lb = log(MIX_RIGHT_WEIGHT);
    for (size_t i = 0; i < n; i++) u[i] = -fabs((la - MIX_MODE * x[i]) - (lb + MIX_MODE * x[i]));
    sw_vexp(u, u, n);
    sw_vlog1p(u, u, n);
    for (size_t i = 0; i < n; i++) {
        double a = la - MIX_MODE * x[i], b = lb + MIX_MODE * x[i], top = a > b ? a : b;
        u[i] = 0.5 * x[i] * x[i] - (top + u[i]);
    }
}

double sw_langevin_start(const sw_langevin_config *c) {
    if (c->init == SW_LANGEVIN_INIT_POINT) return c->x0;
    return c->target == SW_LANGEVIN_MIXTURE ? -MIX_MODE : 0.0;
}

static double bin_width(const sw_langevin_config *c) { return 2.0 * c->hist_range / (double)c->bins; }

size_t sw_langevin_bin(const sw_langevin_config *c, double x) {
    double b = floor((x + c->hist_range) / bin_width(c));
    if (!(b > 0.0)) return 0; /* also NaN */
    return b >= (double)c->bins ? c->bins - 1 : (size_t)b;
}

/* ---- Gauss-Legendre rules ---- */

/* Nodes and weights of the n-point Gauss-Legendre rule on [−1, 1], by Newton's method on P_n. */
static void gauss_legendre(int n, double *node, double *weight) {
    for (int i = 0; i < n; i++) {
        double x = cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 1.0;
        for (int iter = 0; iter < 100; iter++) {
            double p0 = 1.0, p1 = x;
            for (int k = 2; k <= n; k++) {
                double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = n * (x * p1 - p0) / (x * x - 1.0);
            double dx = p1 / dp;
            x -= dx;
            if (fabs(dx) < 1e-16) break;
        }
        node[i] = x;
        weight[i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
}

enum { GL_TARGET = 16, GL_SOURCE = 8 };

/* Sorted panel breakpoints of [lo, hi]: the ends, 0 and every histogram edge strictly inside, so that each panel
 * lies in one bin and on one side of 0. Writes at most bins + 4 values; returns how many. */
static size_t breakpoints(const sw_langevin_config *c, double lo, double hi, double *bp) {
    size_t n = 0;
    bp[n++] = lo;
    double width = bin_width(c);
    bool zero_done = !(lo < 0.0 && 0.0 < hi);
    for (size_t e = 0; e <= c->bins; e++) {
        double edge = -c->hist_range + (double)e * width;
        if (!zero_done && edge >= 0.0) {
            if (edge > 0.0) bp[n++] = 0.0;
            zero_done = true;
        }
        if (edge > lo && edge < hi) bp[n++] = edge;
    }
    if (!zero_done) bp[n++] = 0.0;
    bp[n++] = hi;
    return n;
}

/* ---- the target ---- */

static double normal_cdf(double z) { return 0.5 * erfc(-z / M_SQRT2); }

static void gaussian_target(const sw_langevin_config *c, sw_langevin_law *law) {
    double sd = sqrt(c->temperature), width = bin_width(c);
    law->mean = 0.0;
    law->second_moment = c->temperature;
    law->frac_positive = 0.5;
    if (!law->hist) return;
    for (size_t b = 0; b < c->bins; b++) {
        double lo = b == 0 ? 0.0 : normal_cdf((-c->hist_range + (double)b * width) / sd);
        double hi = b + 1 == c->bins ? 1.0 : normal_cdf((-c->hist_range + (double)(b + 1) * width) / sd);
        law->hist[b] = hi - lo;
    }
}

/* Extent beyond which the target's mass is negligible (e^{−50} relative): its modes lie within ±2. */
static double target_extent(const sw_langevin_config *c) { return MIX_MODE + 10.0 * sqrt(c->temperature); }

/* Composite Gauss-Legendre over panels split at 0 and the bin edges (each panel in one bin). */
static void mixture_target(const sw_langevin_config *c, sw_langevin_law *law) {
    double gx[GL_TARGET], gw[GL_TARGET];
    gauss_legendre(GL_TARGET, gx, gw);
    double extent = target_extent(c), umin = mixture_energy(MIX_MODE), max_panel = 0.25 * sqrt(c->temperature);
    double bp[SW_LANGEVIN_MAX_BINS + 4];
    size_t nbp = breakpoints(c, -extent, extent, bp);
    double z = 0.0, s1 = 0.0, s2 = 0.0, pos = 0.0;
    if (law->hist) memset(law->hist, 0, c->bins * sizeof(double));
    for (size_t p = 0; p + 1 < nbp; p++) {
        int pieces = (int)ceil((bp[p + 1] - bp[p]) / max_panel);
        double piece = (bp[p + 1] - bp[p]) / pieces, mass = 0.0;
        for (int q = 0; q < pieces; q++) {
            double mid = bp[p] + (q + 0.5) * piece;
            for (int i = 0; i < GL_TARGET; i++) {
                double x = mid + 0.5 * piece * gx[i];
                double d = 0.5 * piece * gw[i] * exp(-(mixture_energy(x) - umin) / c->temperature);
                mass += d;
                s1 += d * x;
                s2 += d * x * x;
            }
        }
        double centre = 0.5 * (bp[p] + bp[p + 1]);
        z += mass;
        if (centre > 0.0) pos += mass;
        if (law->hist) law->hist[sw_langevin_bin(c, centre)] += mass;
    }
    law->mean = s1 / z;
    law->second_moment = s2 / z;
    law->frac_positive = pos / z;
    if (law->hist)
        for (size_t b = 0; b < c->bins; b++) law->hist[b] /= z;
}

void sw_langevin_target_law(const sw_langevin_config *c, sw_langevin_law *law) {
    if (c->target == SW_LANGEVIN_MIXTURE)
        mixture_target(c, law);
    else
        gaussian_target(c, law);
    law->tv_density = 0.0;
    law->accept = 1.0;
}

/* ---- ULA on the gaussian target, closed form ---- */

void sw_langevin_gaussian_ula_moments(const sw_langevin_config *c, double *mean, double *second_moment) {
    double a = 1.0 - c->step / (2.0 * c->temperature);
    double m0 = 0.0, v0 = 0.0;
    if (c->init == SW_LANGEVIN_INIT_UNIFORM)
        v0 = SW_LANGEVIN_UNIFORM_HALF_WIDTH * SW_LANGEVIN_UNIFORM_HALF_WIDTH / 3.0;
    else
        m0 = sw_langevin_start(c);
    double at = pow(a, (double)c->steps), a2t = at * at;
    double var = a2t * v0 + sw_langevin_gaussian_ula_stationary_var(c) * (1.0 - a2t);
    *mean = at * m0;
    *second_moment = var + *mean * *mean;
}

double sw_langevin_gaussian_ula_stationary_var(const sw_langevin_config *c) {
    return c->temperature / (1.0 - c->step / (4.0 * c->temperature));
}

/* ---- Monte Carlo ---- */

enum { CH_X, CH_U, CH_GRAD, CH_NOISE, CH_Y, CH_UY, CH_GRADY, CH_UNIFORM, CH_ACCEPTED, CH_ARRAYS };

size_t sw_langevin_chains_workspace(void) { return (size_t)CH_ARRAYS * SW_LANGEVIN_BLOCK; }

typedef struct chain_block {
    double *x, *u, *grad, *noise, *y, *uy, *grady, *uniform, *accepted;
    size_t n;
} chain_block;

static void ula_step(const sw_langevin_config *c, chain_block *b) {
    const double drift = c->step / (2.0 * c->temperature), scale = sqrt(c->step);
    sw_langevin_energy_grad(c->target, b->x, b->grad, b->n);
    for (size_t i = 0; i < b->n; i++) b->x[i] += -drift * b->grad[i] + scale * b->noise[i];
}

/* MALA: the ULA move is a proposal y, accepted with probability min(1, π(y)q(y→x) / (π(x)q(x→y))).
 * log q(x→y) = −(y − x + drift·U'(x))²/(2ε) = −ξ²/2 by construction of y. */
static void mala_step(const sw_langevin_config *c, chain_block *b, sw_rng *accept_rng) {
    const double drift = c->step / (2.0 * c->temperature), scale = sqrt(c->step), inv_t = 1.0 / c->temperature;
    for (size_t i = 0; i < b->n; i++) b->y[i] = b->x[i] - drift * b->grad[i] + scale * b->noise[i];
    energy_and_grad(c->target, b->y, b->uy, b->grady, b->n);
    sw_rng_fill_uniform(accept_rng, b->uniform, b->n);
    sw_vlog(b->uniform, b->uniform, b->n); /* compared as log u < log ratio */
    for (size_t i = 0; i < b->n; i++) {
        double back = b->x[i] - b->y[i] + drift * b->grady[i];
        double log_ratio = -(b->uy[i] - b->u[i]) * inv_t - back * back / (2.0 * c->step) +
                           0.5 * b->noise[i] * b->noise[i];
        bool accept = b->uniform[i] < log_ratio;
        b->x[i] = accept ? b->y[i] : b->x[i];
        b->u[i] = accept ? b->uy[i] : b->u[i];
        b->grad[i] = accept ? b->grady[i] : b->grad[i];
        b->accepted[i] += accept;
    }
}

typedef struct chain_sums {
    sw_moments x, x2, accept;
    double positive;
} chain_sums;

static void run_block(const sw_langevin_config *c, chain_block *b, sw_rng *init_rng, sw_rng *noise_rng,
                      sw_rng *accept_rng, chain_sums *sums, double *hist) {
    if (c->init == SW_LANGEVIN_INIT_UNIFORM) {
        sw_rng_fill_uniform(init_rng, b->x, b->n);
        for (size_t i = 0; i < b->n; i++) b->x[i] = SW_LANGEVIN_UNIFORM_HALF_WIDTH * (2.0 * b->x[i] - 1.0);
    } else {
        for (size_t i = 0; i < b->n; i++) b->x[i] = sw_langevin_start(c);
    }
    memset(b->accepted, 0, b->n * sizeof(double));
    if (c->sampler == SW_LANGEVIN_MALA) energy_and_grad(c->target, b->x, b->u, b->grad, b->n);
    for (int64_t t = 0; t < c->steps; t++) {
        sw_rng_fill_normal(noise_rng, b->noise, b->n);
        if (c->sampler == SW_LANGEVIN_MALA)
            mala_step(c, b, accept_rng);
        else
            ula_step(c, b);
    }
    for (size_t i = 0; i < b->n; i++) {
        double x = b->x[i];
        sw_moments_add(&sums->x, x);
        sw_moments_add(&sums->x2, x * x);
        sums->positive += x > 0.0;
        hist[sw_langevin_bin(c, x)] += 1.0;
        sw_moments_add(&sums->accept, c->sampler == SW_LANGEVIN_MALA ? b->accepted[i] / (double)c->steps : 1.0);
    }
}

static void proportion(double count, double n, double *p, double *se) {
    *p = count / n;
    *se = sqrt(*p * (1.0 - *p) / n);
}

void sw_langevin_chains(const sw_langevin_config *c, int64_t chains, sw_rng *init_rng, sw_rng *noise_rng,
                        sw_rng *accept_rng, double *work, sw_langevin_mc *out) {
    chain_block b;
    double *const arrays[CH_ARRAYS] = {
        work + CH_X * SW_LANGEVIN_BLOCK,       work + CH_U * SW_LANGEVIN_BLOCK,
        work + CH_GRAD * SW_LANGEVIN_BLOCK,    work + CH_NOISE * SW_LANGEVIN_BLOCK,
        work + CH_Y * SW_LANGEVIN_BLOCK,       work + CH_UY * SW_LANGEVIN_BLOCK,
        work + CH_GRADY * SW_LANGEVIN_BLOCK,   work + CH_UNIFORM * SW_LANGEVIN_BLOCK,
        work + CH_ACCEPTED * SW_LANGEVIN_BLOCK};
    b.x = arrays[CH_X], b.u = arrays[CH_U], b.grad = arrays[CH_GRAD], b.noise = arrays[CH_NOISE];
    b.y = arrays[CH_Y], b.uy = arrays[CH_UY], b.grady = arrays[CH_GRADY], b.uniform = arrays[CH_UNIFORM];
    b.accepted = arrays[CH_ACCEPTED];
    chain_sums sums = {.positive = 0.0};
    sw_moments_reset(&sums.x);
    sw_moments_reset(&sums.x2);
    sw_moments_reset(&sums.accept);
    memset(out->hist, 0, c->bins * sizeof(double));
    for (int64_t done = 0; done < chains; done += SW_LANGEVIN_BLOCK) {
        b.n = (size_t)(chains - done < SW_LANGEVIN_BLOCK ? chains - done : SW_LANGEVIN_BLOCK);
        run_block(c, &b, init_rng, noise_rng, accept_rng, &sums, out->hist);
    }
    double n = (double)chains;
    out->mean = sums.x.mean;
    out->mean_se = sw_moments_se(&sums.x);
    out->second_moment = sums.x2.mean;
    out->second_moment_se = sw_moments_se(&sums.x2);
    proportion(sums.positive, n, &out->frac_positive, &out->frac_positive_se);
    for (size_t k = 0; k < c->bins; k++) proportion(out->hist[k], n, &out->hist[k], &out->hist_se[k]);
    out->accept = sums.accept.mean;
    out->accept_se = sw_moments_se(&sums.accept);
}

/* ---- the exact law on a grid ----
 *
 * Nodes x_i = −R + i·h carry masses m_i ≈ h·p(x_i). One step maps m to m' with m'_j = Σ_i m_i P_ij + r_j m_j,
 * where P_ij = h·q(x_i → x_j)·α(x_i, x_j) (α = 1 for ULA) and r_i = 1 − Σ_j P_ij is MALA's rejection
 * probability (0 for ULA). This is the trapezoid rule applied to the Chapman-Kolmogorov integral; for a smooth
 * kernel of width √ε sampled at h <= √ε/4 its error is far below 1e-12. Each row is stored as a band of
 * `width` entries around the proposal mean (±8√ε, beyond which the Gaussian kernel is below 1e-14).
 *
 * The start is not smooth (a point mass, or a uniform density with jumps at ±4), so it is represented by
 * "sources": the point itself, or Gauss-Legendre nodes of U[−4, 4] on panels split at 0 and the bin edges.
 * A source's mass moves onto the grid with the kernel evaluated at the source; under MALA the rejected part
 * stays at the source (an atom for a point start) and keeps leaking onto the grid at every step.
 *
 * Bin edges and 0 are nodes, so bin probabilities and P(x > 0) are trapezoid sums with half weights at the
 * edges, plus the Euler-Maclaurin end correction. Moments are trapezoid sums over the whole line (spectral). */

struct sw_langevin_grid {
    const sw_langevin_config *c;
    double h, radius, sd, drift;
    size_t n, width, half, nodes_per_bin, first_edge, zero;
    double *x, *u, *mean, *reject, *m, *next, *pi, *rows;
    size_t *start, *len;
    size_t n_src;
    bool src_atom;
    double *src_x, *src_mass, *src_row;
    /* ULA stationary solve on the sub-grid [sub_lo, sub_hi] (pivot node fixed to 1) */
    size_t sub_lo, sub_hi, pivot;
    int kl, ku;
    double *ab, *rhs;
    lapack_int *ipiv;
};

/* Everything the sizes depend on, computed the same way by sw_langevin_grid_bytes and sw_langevin_grid_init. */
typedef struct grid_layout {
    double h, radius, sd;
    size_t n, half, width, nodes_per_bin, first_edge, zero, n_src;
    size_t sub_lo, sub_hi, pivot;
    int kl, ku;
} grid_layout;

static double proposal_mean(const sw_langevin_config *c, double x) {
    double g;
    sw_langevin_energy_grad(c->target, &x, &g, 1);
    return x - c->step / (2.0 * c->temperature) * g;
}

/* First node index of a row whose proposal mean is mu (may be negative or past the end before clipping). */
static long row_first(const grid_layout *l, double mu) {
    return lround((mu + l->radius) / l->h) - (long)l->half;
}

static void row_range(const grid_layout *l, double mu, size_t *start, size_t *len) {
    long first = row_first(l, mu), last = first + (long)l->width; /* exclusive */
    if (first < 0) first = 0;
    if (last > (long)l->n) last = (long)l->n;
    *start = (size_t)first;
    *len = last > first ? (size_t)(last - first) : 0;
}

/* Panels of the uniform start: split at 0 and the bin edges, each cut into pieces no wider than √ε/2. */
static size_t uniform_panels(const sw_langevin_config *c, double *bp, int *pieces) {
    size_t nbp = breakpoints(c, -SW_LANGEVIN_UNIFORM_HALF_WIDTH, SW_LANGEVIN_UNIFORM_HALF_WIDTH, bp);
    double max_piece = 0.5 * sqrt(c->step);
    for (size_t p = 0; p + 1 < nbp; p++) pieces[p] = (int)ceil((bp[p + 1] - bp[p]) / max_piece);
    return nbp;
}

static size_t uniform_source_count(const sw_langevin_config *c) {
    double bp[SW_LANGEVIN_MAX_BINS + 4];
    int pieces[SW_LANGEVIN_MAX_BINS + 4];
    size_t nbp = uniform_panels(c, bp, pieces), count = 0;
    for (size_t p = 0; p + 1 < nbp; p++) count += (size_t)pieces[p] * GL_SOURCE;
    return count;
}

/* Band of the reduced stationary system: columns are source nodes, rows destinations, the pivot removed. */
static void stationary_band(const sw_langevin_config *c, grid_layout *l) {
    double lim = target_extent(c);
    l->sub_lo = (size_t)lround((l->radius - lim) / l->h);
    l->sub_hi = l->n - 1 - l->sub_lo;
    l->pivot = l->zero + (c->target == SW_LANGEVIN_MIXTURE ? (size_t)lround(MIX_MODE / l->h) : 0);
    l->kl = l->ku = 0;
    for (size_t i = l->sub_lo; i <= l->sub_hi; i++) {
        if (i == l->pivot) continue;
        size_t start, len;
        row_range(l, proposal_mean(c, -l->radius + (double)i * l->h), &start, &len);
        if (len == 0) continue;
        size_t lo = start > l->sub_lo ? start : l->sub_lo, end = start + len - 1;
        size_t hi = end < l->sub_hi ? end : l->sub_hi;
        if (lo > hi) continue;
        long col = (long)i - (i > l->pivot);
        long top = (long)lo - (lo > l->pivot), bottom = (long)hi - (hi > l->pivot);
        if (col - top > l->ku) l->ku = (int)(col - top);
        if (bottom - col > l->kl) l->kl = (int)(bottom - col);
    }
}

/* ULA's smooth kernel needs only h <= √ε/4 and h <= √temperature/4 (features of the law); MALA's acceptance kink
 * and every |p − π| make O(h²) errors, which the finer 0.02 keeps near 1e-5. Scaled with √temperature, the
 * width of the target. */
static double grid_spacing_bound(const sw_langevin_config *c) {
    double scale = sqrt(c->temperature), cap = c->sampler == SW_LANGEVIN_MALA ? 0.02 : 0.05;
    return fmin(cap * fmax(1.0, scale), 0.25 * fmin(sqrt(c->step), scale));
}

static grid_layout layout(const sw_langevin_config *c) {
    grid_layout l;
    l.sd = sqrt(c->step);
    double h_max = grid_spacing_bound(c);
    double width = bin_width(c);
    l.nodes_per_bin = (size_t)ceil(width / h_max);
    l.nodes_per_bin += l.nodes_per_bin % 2; /* even, so that 0 is a node for any number of bins */
    l.h = width / (double)l.nodes_per_bin;
    double start_extent = c->init == SW_LANGEVIN_INIT_UNIFORM ? SW_LANGEVIN_UNIFORM_HALF_WIDTH
                                                              : fabs(sw_langevin_start(c));
    double need = fmax(target_extent(c), start_extent + 8.0 * l.sd + 1.0);
    size_t margin = need > c->hist_range ? (size_t)ceil((need - c->hist_range) / l.h) : 0;
    l.radius = c->hist_range + (double)margin * l.h;
    l.first_edge = margin;
    l.n = c->bins * l.nodes_per_bin + 2 * margin + 1;
    l.zero = margin + c->bins * l.nodes_per_bin / 2;
    l.half = (size_t)ceil(8.0 * l.sd / l.h) + 1;
    l.width = 2 * l.half + 1;
    l.n_src = c->init == SW_LANGEVIN_INIT_UNIFORM ? uniform_source_count(c) : 1;
    l.sub_lo = l.sub_hi = l.pivot = 0;
    l.kl = l.ku = 0;
    if (c->sampler == SW_LANGEVIN_ULA) stationary_band(c, &l);
    return l;
}

static size_t round16(size_t bytes) { return (bytes + 15) & ~(size_t)15; }

/* Sizes of the stationary system: ldab = 2kl + ku + 1 rows by (sub-grid nodes − 1) columns. */
static size_t stationary_unknowns(const sw_langevin_config *c, const grid_layout *l) {
    return c->sampler == SW_LANGEVIN_ULA ? l->sub_hi - l->sub_lo : 0;
}

size_t sw_langevin_grid_bytes(const sw_langevin_config *c) {
    grid_layout l = layout(c);
    size_t unknowns = stationary_unknowns(c, &l), ldab = (size_t)(2 * l.kl + l.ku + 1);
    size_t doubles = 7 * l.n + l.n * l.width + 2 * l.n_src + l.width + (ldab + 1) * unknowns;
    return round16(sizeof(struct sw_langevin_grid)) + doubles * sizeof(double) + 2 * l.n * sizeof(size_t) +
           unknowns * sizeof(lapack_int) + 64;
}

size_t sw_langevin_grid_nodes(const sw_langevin_grid *g) { return g->n; }
double sw_langevin_grid_spacing(const sw_langevin_grid *g) { return g->h; }

/* Transition row from a point x (energy ux, proposal mean mu) onto the grid: P(x → x_j) for j in
 * [*start, *start + *len), written to row[0..len). Returns MALA's rejection probability (0 for ULA). */
static double fill_row(const sw_langevin_grid *g, const grid_layout *l, double x, double ux, double mu, double *row,
                       size_t *start, size_t *len) {
    const sw_langevin_config *c = g->c;
    row_range(l, mu, start, len);
    double norm = g->h / (g->sd * sqrt(2.0 * M_PI)), inv_var = 1.0 / c->step, total = 0.0;
    /* the exponent of each entry first (MALA's acceptance log-ratio, when negative, added to it), then one
     * vectorised exp over the row */
    for (size_t k = 0; k < *len; k++) {
        size_t j = *start + k;
        double fwd = g->x[j] - mu, e = -0.5 * fwd * fwd * inv_var;
        if (c->sampler == SW_LANGEVIN_MALA) {
            double back = x - g->mean[j];
            double log_ratio = -(g->u[j] - ux) / c->temperature - 0.5 * (back * back - fwd * fwd) * inv_var;
            e += log_ratio < 0.0 ? log_ratio : 0.0;
        }
        row[k] = e;
    }
    sw_vexp(row, row, *len);
    for (size_t k = 0; k < *len; k++) {
        row[k] *= norm;
        total += row[k];
    }
    if (c->sampler == SW_LANGEVIN_ULA) return 0.0;
    return total < 1.0 ? 1.0 - total : 0.0;
}

static grid_layout layout_of(const sw_langevin_grid *g) {
    grid_layout l = {.h = g->h, .radius = g->radius, .sd = g->sd, .n = g->n, .half = g->half, .width = g->width};
    return l;
}

static void init_sources(sw_langevin_grid *g) {
    const sw_langevin_config *c = g->c;
    if (c->init != SW_LANGEVIN_INIT_UNIFORM) {
        g->src_atom = true;
        g->src_x[0] = sw_langevin_start(c);
        g->src_mass[0] = 1.0;
        return;
    }
    g->src_atom = false;
    double gx[GL_SOURCE], gw[GL_SOURCE], bp[SW_LANGEVIN_MAX_BINS + 4];
    int pieces[SW_LANGEVIN_MAX_BINS + 4];
    gauss_legendre(GL_SOURCE, gx, gw);
    size_t nbp = uniform_panels(c, bp, pieces), s = 0;
    double density = 1.0 / (2.0 * SW_LANGEVIN_UNIFORM_HALF_WIDTH);
    for (size_t p = 0; p + 1 < nbp; p++) {
        double piece = (bp[p + 1] - bp[p]) / pieces[p];
        for (int q = 0; q < pieces[p]; q++)
            for (int i = 0; i < GL_SOURCE; i++, s++) {
                g->src_x[s] = bp[p] + (q + 0.5) * piece + 0.5 * piece * gx[i];
                g->src_mass[s] = density * 0.5 * piece * gw[i];
            }
    }
}

/* Target masses on the nodes, normalised to sum 1 (the trapezoid rule for π). */
static void init_target_masses(sw_langevin_grid *g) {
    double umin = g->u[0], total = 0.0;
    for (size_t i = 1; i < g->n; i++) umin = g->u[i] < umin ? g->u[i] : umin;
    for (size_t i = 0; i < g->n; i++) total += g->pi[i] = exp(-(g->u[i] - umin) / g->c->temperature);
    for (size_t i = 0; i < g->n; i++) g->pi[i] /= total;
}

sw_langevin_grid *sw_langevin_grid_init(const sw_langevin_config *c, void *work) {
    grid_layout l = layout(c);
    sw_langevin_grid *g = work;
    char *bytes = (char *)work + round16(sizeof *g);
    double *d = (double *)(void *)bytes;
    *g = (sw_langevin_grid){.c = c, .h = l.h, .radius = l.radius, .sd = l.sd, .n = l.n, .width = l.width,
                            .half = l.half, .nodes_per_bin = l.nodes_per_bin, .first_edge = l.first_edge,
                            .zero = l.zero, .n_src = l.n_src, .sub_lo = l.sub_lo, .sub_hi = l.sub_hi,
                            .pivot = l.pivot, .kl = l.kl, .ku = l.ku};
    g->drift = c->step / (2.0 * c->temperature);
    g->x = d, d += l.n;
    g->u = d, d += l.n;
    g->mean = d, d += l.n;
    g->reject = d, d += l.n;
    g->m = d, d += l.n;
    g->next = d, d += l.n;
    g->pi = d, d += l.n;
    g->rows = d, d += l.n * l.width;
    g->src_x = d, d += l.n_src;
    g->src_mass = d, d += l.n_src;
    g->src_row = d, d += l.width;
    size_t unknowns = stationary_unknowns(c, &l);
    g->ab = d, d += (size_t)(2 * l.kl + l.ku + 1) * unknowns;
    g->rhs = d, d += unknowns;
    g->start = (size_t *)(void *)d;
    g->len = g->start + l.n;
    g->ipiv = (lapack_int *)(void *)(g->len + l.n);

    for (size_t i = 0; i < l.n; i++) g->x[i] = -l.radius + (double)i * l.h;
    energy_and_grad(c->target, g->x, g->u, g->mean, l.n);
    for (size_t i = 0; i < l.n; i++) g->mean[i] = g->x[i] - g->drift * g->mean[i];
    for (size_t i = 0; i < l.n; i++)
        g->reject[i] = fill_row(g, &l, g->x[i], g->u[i], g->mean[i], g->rows + i * l.width, &g->start[i], &g->len[i]);
    init_target_masses(g);
    init_sources(g);
    return g;
}

/* Masses below this are flushed to zero: they cannot matter, and denormals would slow every later step. */
#define NEGLIGIBLE_MASS 1e-40

/* Moves source s's mass onto next (and keeps its rejected part at the source). Returns the mass that was
 * offered a move times its acceptance probability. */
static double move_source(sw_langevin_grid *g, const grid_layout *l, size_t s) {
    double x = g->src_x[s], mass = g->src_mass[s];
    size_t start, len;
    double r = fill_row(g, l, x, sw_langevin_energy(g->c->target, x), proposal_mean(g->c, x), g->src_row, &start,
                        &len);
    for (size_t k = 0; k < len; k++) g->next[start + k] += mass * g->src_row[k];
    g->src_mass[s] = mass * r < 1e-20 ? 0.0 : mass * r;
    return mass * (1.0 - r);
}

/* One step of the grid chain: next = m·P + r∘m + (moved source mass). Returns the acceptance probability of
 * the step averaged over the current law. */
static double grid_step(sw_langevin_grid *g, const grid_layout *l) {
    memset(g->next, 0, g->n * sizeof(double));
    double accepted = 0.0;
    for (size_t i = 0; i < g->n; i++) {
        double mi = g->m[i];
        if (mi < NEGLIGIBLE_MASS) continue;
        const double *row = g->rows + i * g->width;
        double *dst = g->next + g->start[i];
        for (size_t k = 0; k < g->len[i]; k++) dst[k] += mi * row[k];
        g->next[i] += mi * g->reject[i];
        accepted += mi * (1.0 - g->reject[i]);
    }
    for (size_t s = 0; s < g->n_src; s++)
        if (g->src_mass[s] > 0.0) accepted += move_source(g, l, s);
    double *t = g->m;
    g->m = g->next;
    g->next = t;
    return accepted;
}

/* Adds a node's mass to the histogram with the trapezoid rule's half weights at bin edges. */
static void node_to_hist(const sw_langevin_grid *g, size_t i, double mass, double *hist) {
    size_t bins = g->c->bins, k = g->nodes_per_bin;
    if (i <= g->first_edge) {
        hist[0] += mass;
    } else if (i >= g->first_edge + bins * k) {
        hist[bins - 1] += mass;
    } else {
        size_t rel = i - g->first_edge, b = rel / k;
        if (rel % k == 0) {
            hist[b - 1] += 0.5 * mass;
            hist[b] += 0.5 * mass;
        } else {
            hist[b] += mass;
        }
    }
}

/* The trapezoid rule over [e, ∞) misses (h²/12) p'(e) (Euler-Maclaurin); with masses m_i = h·p(x_i) and a
 * central difference for p', that is (m_{e+1} − m_{e−1})/24, which makes bin sums O(h⁴) instead of O(h²). */
static double edge_correction(const sw_langevin_grid *g, size_t e) {
    return e >= 1 && e + 1 < g->n ? (g->m[e + 1] - g->m[e - 1]) / 24.0 : 0.0;
}

/* Moments, P(x > 0), histogram and ½∫|p − π| of the grid masses m plus the sources. */
static void observe(const sw_langevin_grid *g, sw_langevin_law *law) {
    const sw_langevin_config *c = g->c;
    double s1 = 0.0, s2 = 0.0, pos = 0.0, tv = 0.0, singular = 0.0;
    if (law->hist) memset(law->hist, 0, c->bins * sizeof(double));
    /* A continuous source (uniform start under MALA) is added to its nearest node for the total variation. */
    memcpy(g->next, g->m, g->n * sizeof(double));
    for (size_t s = 0; s < g->n_src; s++) {
        double x = g->src_x[s], mass = g->src_mass[s];
        if (mass == 0.0) continue;
        s1 += mass * x;
        s2 += mass * x * x;
        pos += x > 0.0 ? mass : 0.0;
        if (law->hist) law->hist[sw_langevin_bin(c, x)] += mass;
        if (g->src_atom)
            singular += mass;
        else
            g->next[(size_t)lround((x + g->radius) / g->h)] += mass;
    }
    for (size_t i = 0; i < g->n; i++) {
        double mi = g->m[i], x = g->x[i];
        s1 += mi * x;
        s2 += mi * x * x;
        pos += i > g->zero ? mi : i == g->zero ? 0.5 * mi : 0.0;
        if (law->hist) node_to_hist(g, i, mi, law->hist);
        tv += fabs(g->next[i] - g->pi[i]);
    }
    law->mean = s1;
    law->second_moment = s2;
    law->frac_positive = pos + edge_correction(g, g->zero);
    law->tv_density = 0.5 * (tv + singular);
    if (law->hist)
        for (size_t b = 1; b < c->bins; b++) {
            double d = edge_correction(g, g->first_edge + b * g->nodes_per_bin);
            law->hist[b - 1] -= d;
            law->hist[b] += d;
        }
}

void sw_langevin_grid_law(sw_langevin_grid *g, sw_langevin_law *law) {
    grid_layout l = layout_of(g);
    memset(g->m, 0, g->n * sizeof(double));
    init_sources(g);
    double accepted = 0.0;
    for (int64_t t = 0; t < g->c->steps; t++) accepted += grid_step(g, &l);
    observe(g, law);
    law->accept = g->c->sampler == SW_LANGEVIN_MALA ? accepted / (double)g->c->steps : 1.0;
}

/* Column-major band storage of LAPACK's dgbsv: A(i, j) sits at ab[kl + ku + i − j + j·ldab]. */
static void band_add(sw_langevin_grid *g, size_t ldab, long row, long col, double v) {
    g->ab[(size_t)(g->kl + g->ku + row - col) + (size_t)col * ldab] += v;
}

/* Reduced index of node j in the stationary system (the pivot removed), relative to the sub-grid. */
static long reduced(const sw_langevin_grid *g, size_t j) { return (long)(j - g->sub_lo) - (j > g->pivot); }

/* Solves (Pᵀ − I) m = 0 on the sub-grid with m_pivot = 1: column i holds P_i· (destinations in the sub-grid). */
static sw_status ula_stationary(sw_langevin_grid *g) {
    size_t unknowns = g->sub_hi - g->sub_lo, ldab = (size_t)(2 * g->kl + g->ku + 1);
    memset(g->ab, 0, ldab * unknowns * sizeof(double));
    memset(g->rhs, 0, unknowns * sizeof(double));
    for (size_t i = g->sub_lo; i <= g->sub_hi; i++) {
        const double *row = g->rows + i * g->width;
        for (size_t k = 0; k < g->len[i]; k++) {
            size_t j = g->start[i] + k;
            if (j < g->sub_lo || j > g->sub_hi || j == g->pivot) continue;
            if (i == g->pivot)
                g->rhs[reduced(g, j)] -= row[k];
            else
                band_add(g, ldab, reduced(g, j), reduced(g, i), row[k]);
        }
        if (i != g->pivot) band_add(g, ldab, reduced(g, i), reduced(g, i), -1.0);
    }
    lapack_int info = LAPACKE_dgbsv(LAPACK_COL_MAJOR, (lapack_int)unknowns, g->kl, g->ku, 1, g->ab,
                                    (lapack_int)ldab, g->ipiv, g->rhs, (lapack_int)unknowns);
    if (info != 0) return SW_FAIL(SW_ERR_LAPACK, "LAPACKE_dgbsv (ULA stationary law, %zu unknowns) returned info = %d",
                                  unknowns, (int)info);
    memset(g->m, 0, g->n * sizeof(double));
    double total = 0.0;
    for (size_t j = g->sub_lo; j <= g->sub_hi; j++) total += g->m[j] = j == g->pivot ? 1.0 : g->rhs[reduced(g, j)];
    for (size_t j = g->sub_lo; j <= g->sub_hi; j++) g->m[j] /= total;
    return SW_OK;
}

sw_status sw_langevin_grid_stationary(sw_langevin_grid *g, sw_langevin_law *law) {
    if (g->c->sampler == SW_LANGEVIN_MALA) {
        sw_langevin_target_law(g->c, law);
        return SW_OK;
    }
    SW_TRY(ula_stationary(g));
    for (size_t s = 0; s < g->n_src; s++) g->src_mass[s] = 0.0;
    observe(g, law);
    law->accept = 1.0;
    return SW_OK;
}

/* ---- energy-model training ---- */

void sw_ebm_fixed_point(const sw_ebm_config *c, double *theta1, double *theta2, double *model_var) {
    double root = sqrt(1.0 - c->step / c->data_var);
    *theta2 = (1.0 - root) / c->step;
    *theta1 = -2.0 * *theta2 * c->data_mean;
    *model_var = c->data_var * (1.0 + root) / 2.0;
}

size_t sw_ebm_workspace(const sw_ebm_config *c) { return (size_t)c->chains + SW_LANGEVIN_BLOCK; }

/* Quantities averaged over the window, with batch means for their standard errors. */
enum { EBM_THETA1, EBM_THETA2, EBM_MODEL_VAR, EBM_MODEL_MEAN, EBM_CHAIN_VAR, EBM_TRACKED };

typedef struct ebm_window {
    double sum[EBM_TRACKED][SW_EBM_BATCHES];
    double count[SW_EBM_BATCHES];
} ebm_window;

/* One ULA step of every chain under U_θ; returns the chains' first two moments in moments[0..1]. */
static void ebm_advance(const sw_ebm_config *c, double theta1, double theta2, sw_rng *noise_rng, double *x,
                        double *noise, double moments[2]) {
    const double half = 0.5 * c->step, scale = sqrt(c->step);
    double s1 = 0.0, s2 = 0.0;
    for (int64_t done = 0; done < c->chains; done += SW_LANGEVIN_BLOCK) {
        size_t n = (size_t)(c->chains - done < SW_LANGEVIN_BLOCK ? c->chains - done : SW_LANGEVIN_BLOCK);
        double *xb = x + done;
        sw_rng_fill_normal(noise_rng, noise, n);
        for (size_t i = 0; i < n; i++) {
            xb[i] += -half * (theta1 + 2.0 * theta2 * xb[i]) + scale * noise[i];
            s1 += xb[i];
            s2 += xb[i] * xb[i];
        }
    }
    moments[0] = s1 / (double)c->chains;
    moments[1] = s2 / (double)c->chains;
}

static void window_mean(const ebm_window *w, int q, double *mean, double *se) {
    double total = 0.0, count = 0.0, batch[SW_EBM_BATCHES];
    for (int b = 0; b < SW_EBM_BATCHES; b++) {
        total += w->sum[q][b];
        count += w->count[b];
        batch[b] = w->sum[q][b] / w->count[b];
    }
    *mean = total / count;
    double ss = 0.0;
    for (int b = 0; b < SW_EBM_BATCHES; b++) ss += (batch[b] - *mean) * (batch[b] - *mean);
    *se = sqrt(ss / (SW_EBM_BATCHES - 1.0) / SW_EBM_BATCHES);
}

void sw_ebm_train(const sw_ebm_config *c, sw_rng *init_rng, sw_rng *noise_rng, double *work, sw_ebm_result *out) {
    double *x = work, *noise = work + c->chains;
    sw_rng_fill_normal(init_rng, x, (size_t)c->chains);
    for (int64_t i = 0; i < c->chains; i++) x[i] = c->data_mean + sqrt(c->data_var) * x[i];
    double theta1 = -c->data_mean / c->data_var, theta2 = 0.5 / c->data_var;
    const double data_m2 = c->data_var + c->data_mean * c->data_mean;
    ebm_window w;
    memset(&w, 0, sizeof w);
    int64_t window = c->iterations - c->average_from;
    out->diverged_at = -1;
    for (int64_t it = 0; it < c->iterations; it++) {
        double q[2];
        ebm_advance(c, theta1, theta2, noise_rng, x, noise, q);
        /* ∇θ NLL = E_data ∇θU − E_model ∇θU with ∇θU = (x, x²) */
        theta1 += c->lr * (q[0] - c->data_mean);
        theta2 += c->lr * (q[1] - data_m2);
        if (!(theta2 > 0.0) || !isfinite(theta1) || !isfinite(theta2)) {
            out->diverged_at = it;
            break;
        }
        if (it < c->average_from) continue;
        int b = (int)((it - c->average_from) * SW_EBM_BATCHES / window);
        double tracked[EBM_TRACKED] = {theta1, theta2, 0.5 / theta2, -theta1 / (2.0 * theta2), q[1] - q[0] * q[0]};
        for (int k = 0; k < EBM_TRACKED; k++) w.sum[k][b] += tracked[k];
        w.count[b] += 1.0;
    }
    if (out->diverged_at >= 0) return;
    window_mean(&w, EBM_THETA1, &out->theta1, &out->theta1_se);
    window_mean(&w, EBM_THETA2, &out->theta2, &out->theta2_se);
    window_mean(&w, EBM_MODEL_VAR, &out->model_var, &out->model_var_se);
    window_mean(&w, EBM_MODEL_MEAN, &out->model_mean, &out->model_mean_se);
    window_mean(&w, EBM_CHAIN_VAR, &out->chain_var, &out->chain_var_se);
}
