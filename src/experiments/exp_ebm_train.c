/* exp_ebm_train.c: a 1-D energy model U = θ₁x + θ₂x² trained by maximum likelihood with persistent ULA chains
 * as the negative phase (science.md 8.3 E3). Because ULA at step ε does not sample exp(−U), the model that
 * matches the data's moments through ULA is sharper than the data: θ₂ → (1 − √(1 − ε/v_d))/ε > 1/(2v_d). */
#include <math.h>
#include <stdio.h>

#include "langevin.h"
#include "mpisweep/experiment.h"

#define ARTICLE "kexue.fm/archives/6612: 能量视角下的GAN模型(三)：生成模型=能量模型"

enum { P_STEP, P_CHAINS, P_LR, P_ITERATIONS, P_AVERAGE_FRACTION, P_DATA_MEAN, P_DATA_VAR };
enum { STREAM_INIT = 0, STREAM_NOISE = 1 };

static const sw_param params[] = {
    [P_STEP] = {.name = "step", .type = SW_REAL, .min = 0, .min_open = true, .max = 1, .def = 0.1, .unit = "1",
                .help = "ULA step size ε of the negative-phase chains (must be < data_var)"},
    [P_CHAINS] = {.name = "chains", .type = SW_INT, .min = 2, .max = 1e8, .def = 2000, .unit = "1",
                  .help = "persistent chains, each advanced one ULA step per iteration"},
    [P_LR] = {.name = "lr", .type = SW_REAL, .min = 0, .min_open = true, .max = 10, .def = 0.05, .unit = "1",
              .help = "SGD learning rate on θ"},
    [P_ITERATIONS] = {.name = "iterations", .type = SW_INT, .min = 100, .max = 1e8, .def = 6000, .unit = "1",
                      .help = "SGD iterations"},
    [P_AVERAGE_FRACTION] = {.name = "average_fraction", .type = SW_REAL, .min = 0.2, .max = 1, .def = 1.0 / 3.0,
                            .unit = "1", .help = "θ is averaged over this final fraction of the iterations"},
    [P_DATA_MEAN] = {.name = "data_mean", .type = SW_REAL, .min = -100, .max = 100, .def = 1, .unit = "1",
                     .help = "mean m_d of the data N(m_d, v_d), whose moments are used exactly"},
    [P_DATA_VAR] = {.name = "data_var", .type = SW_REAL, .min = 1e-3, .max = 100, .def = 0.25, .unit = "1",
                    .help = "variance v_d of the data"},
};

#define SCALAR(nm, text) {.name = nm, .unit = "1", .help = text}

enum {
    O_T1, O_T1_SE, O_T1_EXACT,
    O_T2, O_T2_SE, O_T2_EXACT,
    O_VAR, O_VAR_SE, O_VAR_EXACT,
    O_MEAN, O_MEAN_SE, O_MEAN_EXACT,
    O_CHAIN_VAR, O_CHAIN_VAR_SE, O_CHAIN_VAR_EXACT,
    O_T1_MLE, O_T2_MLE,
    O_COUNT
};

static const sw_output outputs[] = {
    [O_T1] = SCALAR("theta1", "learned θ₁, averaged over the final iterations"),
    [O_T1_SE] = SCALAR("theta1_se", "standard error of theta1 (batch means)"),
    [O_T1_EXACT] = SCALAR("theta1_exact", "predicted fixed point θ₁* = −2θ₂*·m_d"),
    [O_T2] = SCALAR("theta2", "learned θ₂, averaged over the final iterations"),
    [O_T2_SE] = SCALAR("theta2_se", "standard error of theta2 (batch means)"),
    [O_T2_EXACT] = SCALAR("theta2_exact", "predicted fixed point θ₂* = (1 − √(1 − ε/v_d))/ε"),
    [O_VAR] = SCALAR("model_var", "variance 1/(2θ₂) of the learned model exp(−U_θ), averaged"),
    [O_VAR_SE] = SCALAR("model_var_se", "standard error of model_var (batch means)"),
    [O_VAR_EXACT] = SCALAR("model_var_exact", "predicted v_d(1 + √(1 − ε/v_d))/2 ≈ v_d − ε/4"),
    [O_MEAN] = SCALAR("model_mean", "mean −θ₁/(2θ₂) of the learned model, averaged"),
    [O_MEAN_SE] = SCALAR("model_mean_se", "standard error of model_mean (batch means)"),
    [O_MEAN_EXACT] = SCALAR("model_mean_exact", "predicted model mean: m_d (ULA leaves the mean unbiased)"),
    [O_CHAIN_VAR] = SCALAR("chain_var", "variance of the persistent chains, averaged (moment matching → v_d)"),
    [O_CHAIN_VAR_SE] = SCALAR("chain_var_se", "standard error of chain_var (batch means)"),
    [O_CHAIN_VAR_EXACT] = SCALAR("chain_var_exact", "v_d, the data variance the chains match at the fixed point"),
    [O_T1_MLE] = SCALAR("theta1_mle", "θ₁ an exact sampler would learn: −m_d/v_d"),
    [O_T2_MLE] = SCALAR("theta2_mle", "θ₂ an exact sampler would learn: 1/(2v_d)"),
};
_Static_assert(SW_COUNT(outputs) == O_COUNT, "every output has an entry");

static sw_ebm_config config_of(const sw_value *v) {
    int64_t iterations = v[P_ITERATIONS].integer;
    int64_t window = (int64_t)floor(v[P_AVERAGE_FRACTION].real * (double)iterations);
    if (window < SW_EBM_BATCHES) window = SW_EBM_BATCHES;
    return (sw_ebm_config){.step = v[P_STEP].real,
                           .chains = v[P_CHAINS].integer,
                           .lr = v[P_LR].real,
                           .iterations = iterations,
                           .average_from = iterations - window,
                           .data_mean = v[P_DATA_MEAN].real,
                           .data_var = v[P_DATA_VAR].real};
}

static size_t workspace_bytes(const sw_value *param) {
    sw_ebm_config c = config_of(param);
    return sw_ebm_workspace(&c) * sizeof(double);
}

static bool check(const sw_value *param, char *msg, size_t msg_size) {
    if (!(param[P_STEP].real < param[P_DATA_VAR].real)) {
        snprintf(msg, msg_size,
                 "step (%g) must be below data_var (%g): otherwise no energy makes ULA match the data variance",
                 param[P_STEP].real, param[P_DATA_VAR].real);
        return false;
    }
    return true;
}

static sw_outcome run(const sw_task *t) {
    sw_ebm_config c = config_of(t->param);
    if (!(c.step < c.data_var)) return sw_task_fail(t, SW_TASK_REJECTED, "step must be below data_var");
    sw_rng init_rng, noise_rng;
    sw_rng_init(&init_rng, &t->key, STREAM_INIT);
    sw_rng_init(&noise_rng, &t->key, STREAM_NOISE);
    sw_ebm_result r;
    sw_ebm_train(&c, &init_rng, &noise_rng, t->work, &r);
    if (r.diverged_at >= 0)
        return sw_task_fail(t, SW_TASK_NUMERICAL, "training diverged at iteration %lld (θ₂ left (0, ∞)); lower lr",
                            (long long)r.diverged_at);
    double t1, t2, var;
    sw_ebm_fixed_point(&c, &t1, &t2, &var);
    double *const *o = t->out;
    o[O_T1][0] = r.theta1, o[O_T1_SE][0] = r.theta1_se, o[O_T1_EXACT][0] = t1;
    o[O_T2][0] = r.theta2, o[O_T2_SE][0] = r.theta2_se, o[O_T2_EXACT][0] = t2;
    o[O_VAR][0] = r.model_var, o[O_VAR_SE][0] = r.model_var_se, o[O_VAR_EXACT][0] = var;
    o[O_MEAN][0] = r.model_mean, o[O_MEAN_SE][0] = r.model_mean_se, o[O_MEAN_EXACT][0] = c.data_mean;
    o[O_CHAIN_VAR][0] = r.chain_var, o[O_CHAIN_VAR_SE][0] = r.chain_var_se, o[O_CHAIN_VAR_EXACT][0] = c.data_var;
    o[O_T1_MLE][0] = -c.data_mean / c.data_var;
    o[O_T2_MLE][0] = 0.5 / c.data_var;
    return SW_TASK_OK;
}

const sw_experiment sw_exp_ebm_train = {
    .name = "ebm_train",
    .version = 1,
    .summary = "1-D energy model θ₁x + θ₂x² trained with persistent ULA chains: the learned energy is too sharp",
    .article = ARTICLE,
    .params = params,
    .n_params = SW_COUNT(params),
    .outputs = outputs,
    .n_outputs = SW_COUNT(outputs),
    .workspace_bytes = workspace_bytes,
    .check = check,
    .run = run,
};
