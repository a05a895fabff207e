/* langevin.h: Langevin sampling of 1-D energies and a 1-D energy model trained against it
 * (kexue.fm/archives/6612, 能量视角下的GAN模型(三)：生成模型=能量模型; science.md section 8).
 *
 * Targets π(x) ∝ exp(−U(x)/temperature) for U = x²/2 (gaussian) or U = −log(0.3 N(x; −2, 1) + 0.7 N(x; 2, 1))
 * (mixture). The unadjusted Langevin algorithm (ULA) is the article's update
 *     x ← x − (ε/2) U'(x)/temperature + √ε ξ,   ξ ~ N(0, 1);
 * MALA adds a Metropolis-Hastings accept/reject step with that update as the proposal, which makes π exactly
 * stationary. Three kernels:
 *  - sw_langevin_chains: Monte Carlo over independent chains, advanced in blocks of chains (one vectorised loop
 *    per step, random numbers in bulk);
 *  - sw_langevin_grid_*: the exact law of the chain after T steps, and ULA's stationary law, by propagating the
 *    transition density on a fine grid (Nyström discretisation with the trapezoid rule: spectrally accurate for
 *    ULA's smooth kernel; O(h²) for MALA, whose acceptance has a kink);
 *  - sw_langevin_target_law: the target's own moments and bin probabilities (closed form or Gauss-Legendre).
 * Plus closed forms for ULA on the gaussian target (science.md 8.2) and sw_ebm_train (science.md 8.3 E3).
 *
 * Pure kernels: no allocation (caller workspaces), no globals, not collective.
 */
#ifndef SW_NUMERICS_LANGEVIN_H
#define SW_NUMERICS_LANGEVIN_H

#include <stddef.h>
#include <stdint.h>

#include "mpisweep/rng.h"
#include "mpisweep/status.h"

typedef enum sw_langevin_target { SW_LANGEVIN_GAUSSIAN, SW_LANGEVIN_MIXTURE } sw_langevin_target;
typedef enum sw_langevin_sampler { SW_LANGEVIN_ULA, SW_LANGEVIN_MALA } sw_langevin_sampler;
typedef enum sw_langevin_init {
    SW_LANGEVIN_INIT_UNIFORM, /* x0 ~ U[−4, 4] */
    SW_LANGEVIN_INIT_MODE,    /* x0 = the target's left mode: −2 (mixture) or 0 (gaussian) */
    SW_LANGEVIN_INIT_POINT,   /* x0 = config.x0 */
} sw_langevin_init;

enum { SW_LANGEVIN_MAX_BINS = 200 }; /* histogram bins; the grid puts a node on every edge */

/* Half-width of the uniform start U[−4, 4] (science.md 8.3 E2). */
#define SW_LANGEVIN_UNIFORM_HALF_WIDTH 4.0

typedef struct sw_langevin_config {
    sw_langevin_target target;
    double temperature; /* > 0 */
    sw_langevin_sampler sampler;
    double step;   /* ε > 0; ULA on these targets is stable only for ε < 4·temperature */
    int64_t steps; /* T >= 1 */
    sw_langevin_init init;
    double x0;         /* start for SW_LANGEVIN_INIT_POINT */
    size_t bins;       /* >= 1 histogram bins of equal width on [−hist_range, hist_range]; mass outside goes to
                          the end bins, so a histogram always sums to 1 */
    double hist_range; /* > 0 */
} sw_langevin_config;

/* U(x) up to an additive constant, and U'(x) for n points. Never fail. */
double sw_langevin_energy(sw_langevin_target target, double x);
void sw_langevin_energy_grad(sw_langevin_target target, const double *x, double *grad, size_t n);
/* The start value of a non-uniform init (x0, or the target's left mode). */
double sw_langevin_start(const sw_langevin_config *c);
/* Histogram bin of x: floor((x + hist_range)/width), clamped to [0, bins). */
size_t sw_langevin_bin(const sw_langevin_config *c, double x);

/* Moments of a distribution of x, with bin probabilities in a caller-owned array of c->bins doubles. */
typedef struct sw_langevin_law {
    double mean, second_moment, frac_positive; /* E x, E x², P(x > 0) */
    double *hist;                              /* bins probabilities (NULL: not wanted) */
    double tv_density; /* ½∫|p − π|dx to the target (continuous, not binned); 0 for the target itself */
    double accept;     /* mean acceptance probability over the T steps (1 for ULA) */
} sw_langevin_law;

/* ---- the target ---- */

/* Fills law with the target's exact mean, second moment, P(x > 0) and bin probabilities (closed forms for the
 * gaussian; composite 16-point Gauss-Legendre for the mixture at any temperature). Never fails. */
void sw_langevin_target_law(const sw_langevin_config *c, sw_langevin_law *law);

/* ---- closed forms for ULA on the gaussian target: x_{t+1} = a x_t + √ε ξ with a = 1 − ε/(2·temperature) ---- */

/* E x_T and E x_T² after c->steps steps from c's start (any init). */
void sw_langevin_gaussian_ula_moments(const sw_langevin_config *c, double *mean, double *second_moment);
/* ULA's stationary variance v_∞ = temperature/(1 − ε/(4·temperature)) (mean 0). Requires ε < 4·temperature. */
double sw_langevin_gaussian_ula_stationary_var(const sw_langevin_config *c);

/* ---- Monte Carlo ---- */

enum { SW_LANGEVIN_BLOCK = 1024 }; /* chains advanced together */

/* Doubles of workspace sw_langevin_chains needs (independent of the number of chains). */
size_t sw_langevin_chains_workspace(void);

/* Monte-Carlo results over the chains' states after T steps. hist and hist_se are caller-owned arrays of
 * c->bins doubles. The acceptance rate is per chain the fraction of accepted proposals, averaged over chains
 * (exactly 1 with SE 0 for ULA). */
typedef struct sw_langevin_mc {
    double mean, mean_se, second_moment, second_moment_se, frac_positive, frac_positive_se;
    double *hist, *hist_se;
    double accept, accept_se;
} sw_langevin_mc;

/* Runs `chains` (>= 2) independent chains for c->steps steps in blocks of SW_LANGEVIN_BLOCK. Starting points
 * come from init_rng (uniform init only), Gaussian increments from noise_rng, MALA's acceptance uniforms from
 * accept_rng. work holds sw_langevin_chains_workspace() doubles. A diverging chain shows up as non-finite
 * moments; the caller decides what that means. */
void sw_langevin_chains(const sw_langevin_config *c, int64_t chains, sw_rng *init_rng, sw_rng *noise_rng,
                        sw_rng *accept_rng, double *work, sw_langevin_mc *out);

/* ---- the exact law on a grid ---- */

/* The grid's layout and transition rows; lives inside the caller's workspace (see sw_langevin_grid_bytes). */
typedef struct sw_langevin_grid sw_langevin_grid;

/* Bytes of workspace (including sw_langevin_grid itself and the banded system of the stationary solve) for
 * config c, a pure function of c. */
size_t sw_langevin_grid_bytes(const sw_langevin_config *c);

/* Lays the grid out in work (sw_langevin_grid_bytes(c) bytes, 16-byte aligned) and precomputes the transition
 * rows. The grid spacing is at most √ε/4 and √temperature/4, and at most 0.05 (ULA) or 0.02 (MALA) times
 * max(1, √temperature); bin edges and 0 are grid nodes, so a bin narrower than that spacing makes the grid finer
 * (callers bound the bin width from below). The grid covers the target, the start and the histogram range.
 * Returns the grid, which borrows c and work. Never fails. */
sw_langevin_grid *sw_langevin_grid_init(const sw_langevin_config *c, void *work);

/* Number of grid nodes and their spacing (for tests and documentation). */
size_t sw_langevin_grid_nodes(const sw_langevin_grid *g);
double sw_langevin_grid_spacing(const sw_langevin_grid *g);

/* The exact law of x_T (T = c->steps) from c's start, propagated on the grid, with the mean acceptance
 * probability over the T steps. Never fails. */
void sw_langevin_grid_law(sw_langevin_grid *g, sw_langevin_law *law);

/* The stationary law of the sampler. ULA: the solution of m = mP on the grid by a banded LU (LAPACKE_dgbsv),
 * which shows ULA's bias; MALA: the target itself (π is exactly stationary), with tv_density = 0.
 * Returns SW_ERR_LAPACK (with a message) if the banded system is singular. */
sw_status sw_langevin_grid_stationary(sw_langevin_grid *g, sw_langevin_law *law);

/* ---- energy-model training (science.md 8.3 E3) ---- */

/* U_θ(x) = θ₁x + θ₂x², trained by maximum likelihood against data N(data_mean, data_var) whose moments are used
 * exactly; the negative phase comes from `chains` persistent ULA chains, each advanced one step per iteration. */
typedef struct sw_ebm_config {
    double step;      /* ε, 0 < ε < data_var (otherwise the fixed point below does not exist) */
    int64_t chains;   /* >= 2 */
    double lr;        /* SGD learning rate */
    int64_t iterations;
    int64_t average_from; /* θ is averaged over iterations [average_from, iterations) */
    double data_mean, data_var;
} sw_ebm_config;

enum { SW_EBM_BATCHES = 20 }; /* batch means over the averaging window give the standard errors */

typedef struct sw_ebm_result {
    double theta1, theta1_se, theta2, theta2_se;         /* θ averaged over the window */
    double model_var, model_var_se, model_mean, model_mean_se; /* 1/(2θ₂) and −θ₁/(2θ₂), averaged likewise */
    double chain_var, chain_var_se;                      /* variance of the chains (→ data_var at the fixed point) */
    int64_t diverged_at;                                 /* −1, or the iteration where θ₂ left (0, ∞) */
} sw_ebm_result;

/* The fixed point of exact moment matching against stationary ULA (science.md 8.2):
 * θ₂* = (1 − √(1 − ε/v_d))/ε, θ₁* = −2θ₂*·m_d, model variance 1/(2θ₂*) = v_d(1 + √(1 − ε/v_d))/2. */
void sw_ebm_fixed_point(const sw_ebm_config *c, double *theta1, double *theta2, double *model_var);

/* Doubles of workspace sw_ebm_train needs: the chains plus one block of noise. */
size_t sw_ebm_workspace(const sw_ebm_config *c);

/* Trains from the exact-sampler optimum θ = (−m_d/v_d, 1/(2v_d)) with chains drawn from the data distribution,
 * so that what moves θ is ULA's bias alone. Chain starts come from init_rng, increments from noise_rng.
 * On divergence (θ₂ <= 0 or not finite) stops and reports the iteration in out->diverged_at. */
void sw_ebm_train(const sw_ebm_config *c, sw_rng *init_rng, sw_rng *noise_rng, double *work, sw_ebm_result *out);

#endif
