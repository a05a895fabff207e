/* exp_gumbel.c: Gumbel-max, Gumbel-softmax and REINFORCE for a categorical variable (science.md 7.3 E3, E4).
 *
 * p = softmax(logits), objective L = Σ p_i f_i, gradients with respect to the logits. Gumbel-max samples exactly
 * from p; Gumbel-softmax ỹ = softmax((logits + G)/τ) is a relaxation whose pathwise gradient is biased (it is the
 * gradient of E f·ỹ, not of L) with a variance that grows like 1/τ: the bias-variance trade-off of the article. */
#include <stdio.h>

#include "mpisweep/experiment.h"
#include "reparam.h"

#define ARTICLE "kexue.fm/archives/6705: 漫谈重参数：从正态分布到Gumbel Softmax"

enum { P_TEMPERATURE, P_LOGITS, P_VALUES, P_SAMPLES };
enum { STREAM_GUMBEL_MAX = 0, STREAM_GUMBEL_SOFTMAX = 1 };
enum { MAX_CATEGORIES = 64 };

/* science.md E3: p = (0.2, 0.3, 0.5) as logits log p, f = (1, 2, 5). */
static const double default_logits[] = {-1.6094379124341003, -1.2039728043259361, -0.6931471805599453};
static const double default_values[] = {1.0, 2.0, 5.0};

static const sw_param params[] = {
    [P_TEMPERATURE] = {.name = "temperature", .type = SW_REAL, .min = 1e-3, .max = 1e3, .def = 0.5, .unit = "1",
                       .help = "Gumbel-softmax temperature τ"},
    [P_LOGITS] = {.name = "logits", .type = SW_REAL_LIST, .min = -50, .max = 50, .def_list = default_logits,
                  .def_len = SW_COUNT(default_logits), .min_len = 2, .max_len = MAX_CATEGORIES, .unit = "1",
                  .help = "logits o; p = softmax(o); its length is the number of categories", .shape = true},
    [P_VALUES] = {.name = "values", .type = SW_REAL_LIST, .min = -1e6, .max = 1e6, .def_list = default_values,
                  .def_len = SW_COUNT(default_values), .min_len = 2, .max_len = MAX_CATEGORIES, .unit = "1",
                  .help = "f_i, the objective's value for category i (same length as logits)"},
    [P_SAMPLES] = {.name = "samples", .type = SW_INT, .min = 4, .max = 1e10, .def = 100000, .unit = "1",
                   .help = "independent draws of each kind (Gumbel-max and Gumbel-softmax)"},
};

#define CAT {{.name = "category", .param = "logits"}}
#define PER_CATEGORY(nm, u, text) {.name = nm, .unit = u, .help = text, .ndims = 1, .dims = CAT}

enum {
    O_MAX_FREQ, O_MAX_FREQ_SE, O_MAX_FREQ_EXACT,
    O_ARGMAX_FREQ, O_ARGMAX_FREQ_SE, O_ARGMAX_FREQ_EXACT,
    O_GS_MEAN, O_GS_MEAN_SE,
    O_GRAD_EXACT,
    O_GRAD_GS_MEAN, O_GRAD_GS_MEAN_SE, O_GRAD_GS_VAR, O_GRAD_GS_VAR_SE,
    O_RF_MEAN, O_RF_MEAN_SE, O_RF_VAR, O_RF_VAR_SE, O_RF_VAR_EXACT,
    O_RFB_MEAN, O_RFB_MEAN_SE, O_RFB_VAR, O_RFB_VAR_SE, O_RFB_VAR_EXACT,
    O_GS_MAX_MEAN, O_GS_MAX_MEAN_SE,
    O_OBJECTIVE, O_OBJECTIVE_SE, O_OBJECTIVE_EXACT,
    O_RELAXED, O_RELAXED_SE,
    O_RELAXED_BIAS, O_RELAXED_BIAS_SE,
    O_COUNT
};

static const sw_output outputs[] = {
    [O_MAX_FREQ] = PER_CATEGORY("gumbel_max_freq", "1", "frequency of category i under Gumbel-max sampling"),
    [O_MAX_FREQ_SE] = PER_CATEGORY("gumbel_max_freq_se", "1", "standard error of gumbel_max_freq"),
    [O_MAX_FREQ_EXACT] = PER_CATEGORY("gumbel_max_freq_exact", "1", "p_i = softmax(logits)_i (exact)"),
    [O_ARGMAX_FREQ] = PER_CATEGORY("gs_argmax_freq", "1", "frequency of argmax ỹ = i for the Gumbel-softmax ỹ"),
    [O_ARGMAX_FREQ_SE] = PER_CATEGORY("gs_argmax_freq_se", "1", "standard error of gs_argmax_freq"),
    [O_ARGMAX_FREQ_EXACT] = PER_CATEGORY("gs_argmax_freq_exact", "1", "p_i, for every temperature (exact)"),
    [O_GS_MEAN] = PER_CATEGORY("gs_mean", "1", "E ỹ_i, mean of the Gumbel-softmax sample (-> p as τ -> 0)"),
    [O_GS_MEAN_SE] = PER_CATEGORY("gs_mean_se", "1", "standard error of gs_mean"),
    [O_GRAD_EXACT] = PER_CATEGORY("grad_exact", "1", "exact ∂L/∂o_i = p_i (f_i − L)"),
    [O_GRAD_GS_MEAN] = PER_CATEGORY("grad_gs_mean", "1",
                                    "mean of the Gumbel-softmax pathwise estimator ỹ_i (f_i − f·ỹ)/τ (biased)"),
    [O_GRAD_GS_MEAN_SE] = PER_CATEGORY("grad_gs_mean_se", "1", "standard error of grad_gs_mean"),
    [O_GRAD_GS_VAR] = PER_CATEGORY("grad_gs_var", "1", "single-sample variance of the Gumbel-softmax estimator"),
    [O_GRAD_GS_VAR_SE] = PER_CATEGORY("grad_gs_var_se", "1", "standard error of grad_gs_var"),
    [O_RF_MEAN] = PER_CATEGORY("reinforce_mean", "1", "mean of REINFORCE f_y (e_y − p)_i, b = 0 (unbiased)"),
    [O_RF_MEAN_SE] = PER_CATEGORY("reinforce_mean_se", "1", "standard error of reinforce_mean"),
    [O_RF_VAR] = PER_CATEGORY("reinforce_var", "1", "single-sample variance of REINFORCE, b = 0 (MC)"),
    [O_RF_VAR_SE] = PER_CATEGORY("reinforce_var_se", "1", "standard error of reinforce_var"),
    [O_RF_VAR_EXACT] = PER_CATEGORY("reinforce_var_exact", "1", "exact single-sample variance of REINFORCE, b = 0"),
    [O_RFB_MEAN] = PER_CATEGORY("reinforce_baseline_mean", "1", "mean of REINFORCE (f_y − L)(e_y − p)_i, b = E f"),
    [O_RFB_MEAN_SE] = PER_CATEGORY("reinforce_baseline_mean_se", "1", "standard error of reinforce_baseline_mean"),
    [O_RFB_VAR] = PER_CATEGORY("reinforce_baseline_var", "1", "single-sample variance of REINFORCE, b = E f (MC)"),
    [O_RFB_VAR_SE] = PER_CATEGORY("reinforce_baseline_var_se", "1", "standard error of reinforce_baseline_var"),
    [O_RFB_VAR_EXACT] = PER_CATEGORY("reinforce_baseline_var_exact", "1",
                                     "exact single-sample variance of REINFORCE, b = E f"),
    [O_GS_MAX_MEAN] = {.name = "gs_max_mean", .unit = "1", .help = "E max_i ỹ_i (-> 1 as τ -> 0, 1/k as τ -> ∞)"},
    [O_GS_MAX_MEAN_SE] = {.name = "gs_max_mean_se", .unit = "1", .help = "standard error of gs_max_mean"},
    [O_OBJECTIVE] = {.name = "objective", .unit = "1", .help = "mean of f_y over the Gumbel-max samples"},
    [O_OBJECTIVE_SE] = {.name = "objective_se", .unit = "1", .help = "standard error of objective"},
    [O_OBJECTIVE_EXACT] = {.name = "objective_exact", .unit = "1", .help = "exact L = Σ p_i f_i"},
    [O_RELAXED] = {.name = "relaxed_objective", .unit = "1", .help = "E f·ỹ, the relaxed objective"},
    [O_RELAXED_SE] = {.name = "relaxed_objective_se", .unit = "1", .help = "standard error of relaxed_objective"},
    [O_RELAXED_BIAS] = {.name = "relaxed_bias", .unit = "1", .help = "E f·ỹ − L: bias of the relaxed objective"},
    [O_RELAXED_BIAS_SE] = {.name = "relaxed_bias_se", .unit = "1", .help = "standard error of relaxed_bias"},
};
_Static_assert(SW_COUNT(outputs) == O_COUNT, "every output has an entry");

static size_t workspace_bytes(const sw_value *param) {
    return sw_gumbel_workspace_bytes(param[P_LOGITS].len);
}

static bool check(const sw_value *param, char *msg, size_t msg_size) {
    if (param[P_VALUES].len != param[P_LOGITS].len) {
        snprintf(msg, msg_size, "values has %zu entries but logits has %zu; give one value per category",
                 param[P_VALUES].len, param[P_LOGITS].len);
        return false;
    }
    return true;
}

static sw_outcome run(const sw_task *t) {
    const sw_value *v = t->param;
    if (v[P_VALUES].len != v[P_LOGITS].len)
        return sw_task_fail(t, SW_TASK_REJECTED, "values and logits differ in length");
    size_t k = v[P_LOGITS].len;
    const double *logits = v[P_LOGITS].list, *values = v[P_VALUES].list;
    double *const *o = t->out;
    sw_gumbel_mc mc = {
        .max_freq = o[O_MAX_FREQ], .max_freq_se = o[O_MAX_FREQ_SE],
        .gs_argmax_freq = o[O_ARGMAX_FREQ], .gs_argmax_freq_se = o[O_ARGMAX_FREQ_SE],
        .gs_mean = o[O_GS_MEAN], .gs_mean_se = o[O_GS_MEAN_SE],
        .grad_gs_mean = o[O_GRAD_GS_MEAN], .grad_gs_mean_se = o[O_GRAD_GS_MEAN_SE],
        .grad_gs_var = o[O_GRAD_GS_VAR], .grad_gs_var_se = o[O_GRAD_GS_VAR_SE],
        .reinforce_mean = o[O_RF_MEAN], .reinforce_mean_se = o[O_RF_MEAN_SE],
        .reinforce_var = o[O_RF_VAR], .reinforce_var_se = o[O_RF_VAR_SE],
        .baseline_mean = o[O_RFB_MEAN], .baseline_mean_se = o[O_RFB_MEAN_SE],
        .baseline_var = o[O_RFB_VAR], .baseline_var_se = o[O_RFB_VAR_SE],
    };
    sw_rng max_rng, gs_rng;
    sw_rng_init(&max_rng, &t->key, STREAM_GUMBEL_MAX);
    sw_rng_init(&gs_rng, &t->key, STREAM_GUMBEL_SOFTMAX);
    sw_gumbel_monte_carlo(k, logits, values, v[P_TEMPERATURE].real, v[P_SAMPLES].integer, &max_rng, &gs_rng, t->work,
                          &mc);

    sw_categorical_exact ex = {.p = o[O_MAX_FREQ_EXACT], .grad = o[O_GRAD_EXACT],
                               .reinforce_var = o[O_RF_VAR_EXACT], .baseline_var = o[O_RFB_VAR_EXACT]};
    sw_categorical_exact_values(k, logits, values, &ex);
    for (size_t i = 0; i < k; i++) o[O_ARGMAX_FREQ_EXACT][i] = ex.p[i];

    o[O_GS_MAX_MEAN][0] = mc.gs_max_mean;
    o[O_GS_MAX_MEAN_SE][0] = mc.gs_max_mean_se;
    o[O_OBJECTIVE][0] = mc.objective;
    o[O_OBJECTIVE_SE][0] = mc.objective_se;
    o[O_OBJECTIVE_EXACT][0] = ex.objective;
    o[O_RELAXED][0] = mc.relaxed_objective;
    o[O_RELAXED_SE][0] = mc.relaxed_objective_se;
    o[O_RELAXED_BIAS][0] = mc.relaxed_objective - ex.objective; /* L is exact, so the SE is E f·ỹ's */
    o[O_RELAXED_BIAS_SE][0] = mc.relaxed_objective_se;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_gumbel = {
    .name = "gumbel",
    .version = 1,
    .summary = "Gumbel-max, Gumbel-softmax and REINFORCE for a categorical variable: frequencies, bias, variance",
    .article = ARTICLE,
    .params = params,
    .n_params = SW_COUNT(params),
    .outputs = outputs,
    .n_outputs = SW_COUNT(outputs),
    .workspace_bytes = workspace_bytes,
    .check = check,
    .run = run,
};
