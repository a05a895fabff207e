/* exp_angle.c: the angle between two random vectors in R^n (kexue.fm/archives/7076, science.md section 4).
 *
 * Claim: in high dimension two random vectors are almost orthogonal. The angle has density ∝ sin^{n-2} θ, mean
 * π/2 and variance ½ψ'(n/2) ≈ 1/(n-1) (the article's Laplace approximation 1/(n-2) is too large by about 1/n²).
 * Each task draws `samples` independent pairs of Gaussian vectors and measures the angle's moments, the
 * fraction of pairs within 5° and 10° of orthogonal and a histogram, next to their exact values. */
#include <math.h>

#include "angle.h"
#include "mpisweep/experiment.h"

enum { P_DIM, P_SAMPLES, P_BINS };
enum { STREAM_PAIRS = 0 };

static const sw_param angle_params[] = {
    [P_DIM] = {.name = "dim", .type = SW_INT, .min = 2, .max = 1e6, .def = 10, .unit = "1",
               .help = "dimension n of the space the two vectors live in"},
    [P_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 2, .max = 1e12, .def = 20000, .unit = "1",
                   .help = "independent pairs of N(0, I_n) vectors drawn"},
    [P_BINS] = {.name = "bins", .type = SW_INT, .min = 2, .max = 1e5, .def = 16, .unit = "1",
                .help = "equal histogram bins over [0, π]", .shape = true},
};

enum {
    O_MEAN, O_MEAN_SE, O_MEAN_EXACT,
    O_VAR, O_VAR_SE, O_VAR_EXACT,
    O_COS2, O_COS2_SE, O_COS2_EXACT,
    O_W5, O_W5_SE, O_W5_EXACT,
    O_W10, O_W10_SE, O_W10_EXACT,
    O_HIST, O_HIST_SE, O_HIST_EXACT,
    O_CHI2, O_CHI2_DOF, O_CHI2_P,
};

#define BIN_DIM {{.name = "bin", .param = "bins"}}

static const sw_output angle_outputs[] = {
    [O_MEAN] = {.name = "mean_angle", .unit = "rad", .help = "mean angle between the two vectors"},
    [O_MEAN_SE] = {.name = "mean_angle_se", .unit = "rad", .help = "standard error of mean_angle"},
    [O_MEAN_EXACT] = {.name = "mean_angle_exact", .unit = "rad", .help = "exact mean angle, π/2"},
    [O_VAR] = {.name = "var_angle", .unit = "rad^2",
               .help = "mean of (angle - π/2)^2: the variance about the exact mean"},
    [O_VAR_SE] = {.name = "var_angle_se", .unit = "rad^2", .help = "standard error of var_angle"},
    [O_VAR_EXACT] = {.name = "var_angle_exact", .unit = "rad^2", .help = "exact variance ½ψ'(n/2)"},
    [O_COS2] = {.name = "mean_cos2", .unit = "1", .help = "mean squared cosine of the angle"},
    [O_COS2_SE] = {.name = "mean_cos2_se", .unit = "1", .help = "standard error of mean_cos2"},
    [O_COS2_EXACT] = {.name = "mean_cos2_exact", .unit = "1", .help = "exact mean squared cosine, 1/n"},
    [O_W5] = {.name = "frac_within_5deg", .unit = "1", .help = "fraction of pairs with |angle - 90°| < 5°"},
    [O_W5_SE] = {.name = "frac_within_5deg_se", .unit = "1", .help = "standard error of frac_within_5deg"},
    [O_W5_EXACT] = {.name = "frac_within_5deg_exact", .unit = "1",
                    .help = "exact P(|angle - 90°| < 5°) = I_{sin²5°}(1/2, (n-1)/2)"},
    [O_W10] = {.name = "frac_within_10deg", .unit = "1", .help = "fraction of pairs with |angle - 90°| < 10°"},
    [O_W10_SE] = {.name = "frac_within_10deg_se", .unit = "1", .help = "standard error of frac_within_10deg"},
    [O_W10_EXACT] = {.name = "frac_within_10deg_exact", .unit = "1",
                     .help = "exact P(|angle - 90°| < 10°) = I_{sin²10°}(1/2, (n-1)/2)"},
    [O_HIST] = {.name = "hist", .unit = "1", .help = "fraction of angles in each equal bin of [0, π]", .ndims = 1,
                .dims = BIN_DIM},
    [O_HIST_SE] = {.name = "hist_se", .unit = "1", .help = "standard error of each hist fraction", .ndims = 1,
                   .dims = BIN_DIM},
    [O_HIST_EXACT] = {.name = "hist_exact", .unit = "1",
                      .help = "exact bin probabilities from the Beta((n-1)/2, (n-1)/2) law of (1 - cos θ)/2",
                      .ndims = 1, .dims = BIN_DIM},
    [O_CHI2] = {.name = "chi2", .unit = "1",
                .help = "Pearson chi-square of hist against hist_exact, bins pooled to >= 5 expected counts"},
    [O_CHI2_DOF] = {.name = "chi2_dof", .unit = "1", .help = "degrees of freedom of chi2: pooled cells - 1"},
    [O_CHI2_P] = {.name = "chi2_pvalue", .unit = "1", .help = "P(chi-square_dof >= chi2); 1 when dof = 0"},
};

static size_t angle_workspace_bytes(const sw_value *param) {
    return sw_angle_simulate_work_doubles((size_t)param[P_DIM].integer) * sizeof(double);
}

static void write_moment(double *const *out, int first, const sw_moments *m, double exact) {
    out[first][0] = m->mean;
    out[first + 1][0] = sw_moments_se(m);
    out[first + 2][0] = exact;
}

static void write_histogram(const sw_task *t, size_t dim, size_t bins, double samples) {
    double *hist = t->out[O_HIST], *se = t->out[O_HIST_SE], *exact = t->out[O_HIST_EXACT];
    sw_angle_bin_probs((double)dim, bins, exact);
    sw_chi2 test = sw_chi2_pooled(hist, exact, bins, 5.0); /* hist holds the counts until below */
    for (size_t k = 0; k < bins; k++) {
        double f = hist[k] / samples;
        hist[k] = f;
        se[k] = sqrt(f * (1.0 - f) / (samples - 1.0)); /* the sample SD of an indicator, as for the moments */
    }
    t->out[O_CHI2][0] = test.stat;
    t->out[O_CHI2_DOF][0] = test.dof;
    t->out[O_CHI2_P][0] = test.pvalue;
}

static sw_outcome angle_run(const sw_task *t) {
    size_t dim = (size_t)t->param[P_DIM].integer, samples = (size_t)t->param[P_SAMPLES].integer;
    size_t bins = (size_t)t->param[P_BINS].integer;
    double n = (double)dim;
    sw_rng rng;
    sw_rng_init(&rng, &t->key, STREAM_PAIRS);
    sw_angle_stats s;
    sw_angle_simulate(dim, samples, bins, &rng, t->work, &s, t->out[O_HIST]);
    write_moment(t->out, O_MEAN, &s.angle, 0.5 * M_PI);
    write_moment(t->out, O_VAR, &s.dev2, sw_angle_var_exact(n));
    write_moment(t->out, O_COS2, &s.cos2, 1.0 / n);
    write_moment(t->out, O_W5, &s.within5, sw_angle_within_prob(n, 5.0 * M_PI / 180.0));
    write_moment(t->out, O_W10, &s.within10, sw_angle_within_prob(n, 10.0 * M_PI / 180.0));
    write_histogram(t, dim, bins, (double)samples);
    return SW_TASK_OK;
}

const sw_experiment sw_exp_angle = {
    .name = "angle",
    .version = 1,
    .summary = "angle between two random vectors in R^n: moments, near-orthogonality and histogram against exact laws",
    .article = "kexue.fm/archives/7076: n维空间下两个随机向量的夹角分布 (2019-11-13)",
    .params = angle_params,
    .n_params = SW_COUNT(angle_params),
    .outputs = angle_outputs,
    .n_outputs = SW_COUNT(angle_outputs),
    .workspace_bytes = angle_workspace_bytes,
    .run = angle_run,
};
