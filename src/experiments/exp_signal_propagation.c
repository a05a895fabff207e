/* exp_signal_propagation.c: does a deep random net preserve the norm of its input?
 * (kexue.fm/archives/7180, science.md section 3, experiment E4.)
 *
 * h_l = act(W_l h_{l-1}) with W_l iid N(0, gain/width), no bias; r_l = ||h_l||^2/||h_0||^2. The article's claims:
 * variance 1/width preserves the norm of a linear net, ReLU needs 2/width (He), tanh "works" with 1/width because
 * tanh(x) ≈ x near 0. Exactly: E r_l = 1 for linear with gain 1 and ReLU with gain 2, E r_l = 2^-l for ReLU with
 * gain 1, and for tanh the norm decays like 1/(2l) (the mean-field recursion), which the article does not say.
 *
 * Each network propagates `inputs` inputs at once (one dgemm per layer). Inputs of one network share its
 * weights, so every standard error is computed over networks, which are independent. */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "initgeom.h"
#include "mpisweep/experiment.h"

enum { P_WIDTH, P_DEPTH, P_ACTIVATION, P_GAIN, P_INPUT_Q, P_INPUTS, P_DRAWS };
enum { STREAM_WEIGHTS = 0, STREAM_INPUTS = 1 };

static const char *const activation_names[] = {"linear", "relu", "tanh", NULL};

static const sw_param signal_params[] = {
    [P_WIDTH] = {.name = "width", .type = SW_INT, .min = 1, .max = 46340, .def = 64, .unit = "1",
                 .help = "units per layer n (n^2 must fit a BLAS int)"},
    [P_DEPTH] = {.name = "depth", .type = SW_INT, .min = 1, .max = 100000, .def = 10, .unit = "1",
                 .help = "number of layers L", .shape = true},
    [P_ACTIVATION] = {.name = "activation", .type = SW_CHOICE, .def = 1, .choices = activation_names, .unit = "1",
                      .help = "activation applied after every layer"},
    [P_GAIN] = {.name = "gain", .type = SW_REAL, .min = 0, .min_open = true, .max = HUGE_VAL, .max_open = true,
                .def = 2, .unit = "1", .help = "weights are N(0, gain/width): 1 is LeCun/Xavier, 2 is He"},
    [P_INPUT_Q] = {.name = "input_q", .type = SW_REAL, .min = 0, .min_open = true, .max = HUGE_VAL, .max_open = true,
                   .def = 1, .unit = "1", .help = "input second moment ||h_0||^2/width (matters for tanh only)"},
    [P_INPUTS] = {.name = "inputs", .type = SW_INT, .min = 1, .max = 1e6, .def = 16, .unit = "1",
                  .help = "random inputs propagated through each network"},
    [P_DRAWS] = {.name = "draws", .type = SW_INT, .min = 2, .max = 1e9, .def = 100, .unit = "1",
                 .help = "independent networks"},
};

enum {
    O_R, O_R_SE, O_R_EXACT,
    O_LOG, O_LOG_SE, O_LOG_EXACT,
    O_ALIVE, O_ALIVE_SE, O_ALIVE_EXACT,
};

#define LAYER_DIM {{.name = "layer", .param = "depth"}}

static const sw_output signal_outputs[] = {
    [O_R] = {.name = "mean_r", .unit = "1", .help = "mean of r_l = ||h_l||^2/||h_0||^2 after layer l = 1..depth",
             .ndims = 1, .dims = LAYER_DIM},
    [O_R_SE] = {.name = "mean_r_se", .unit = "1", .help = "standard error of mean_r (over networks)", .ndims = 1,
                .dims = LAYER_DIM},
    [O_R_EXACT] = {.name = "mean_r_exact", .unit = "1",
                   .help = "E r_l: gain^l (linear), (gain/2)^l (relu), mean-field q_l/q_0 as width -> inf (tanh)",
                   .ndims = 1, .dims = LAYER_DIM},
    [O_LOG] = {.name = "mean_log_r", .unit = "1", .help = "mean of log r_l over the signals still nonzero",
               .ndims = 1, .dims = LAYER_DIM},
    [O_LOG_SE] = {.name = "mean_log_r_se", .unit = "1", .help = "standard error of mean_log_r (over networks)",
                  .ndims = 1, .dims = LAYER_DIM},
    [O_LOG_EXACT] = {.name = "mean_log_r_exact", .unit = "1",
                     .help = "E[log r_l | alive]: l(log gain + psi(n/2) - log(n/2)) linear, "
                             "l(log(2 gain/n) + E[psi(B/2)|B>=1]) relu, mean-field log(q_l/q_0) tanh",
                     .ndims = 1, .dims = LAYER_DIM},
    [O_ALIVE] = {.name = "alive_frac", .unit = "1", .help = "fraction of signals not yet zeroed (ReLU can kill one)",
                 .ndims = 1, .dims = LAYER_DIM},
    [O_ALIVE_SE] = {.name = "alive_frac_se", .unit = "1", .help = "standard error of alive_frac (over networks)",
                    .ndims = 1, .dims = LAYER_DIM},
    [O_ALIVE_EXACT] = {.name = "alive_frac_exact", .unit = "1",
                       .help = "exact survival probability: (1 - 2^-width)^l for relu, 1 otherwise", .ndims = 1,
                       .dims = LAYER_DIM},
};

static sw_signal_config signal_config(const sw_value *param) {
    return (sw_signal_config){
        .act = (sw_activation)param[P_ACTIVATION].integer,
        .gain = param[P_GAIN].real,
        .input_q = param[P_INPUT_Q].real,
        .width = (size_t)param[P_WIDTH].integer,
        .depth = (size_t)param[P_DEPTH].integer,
        .inputs = (size_t)param[P_INPUTS].integer,
        .draws = (size_t)param[P_DRAWS].integer,
    };
}

/* BLAS indexes with int: the width x inputs activations must stay below 2^31 elements. */
static bool signal_check(const sw_value *param, char *msg, size_t msg_size) {
    double cells = (double)param[P_WIDTH].integer * (double)param[P_INPUTS].integer;
    if (cells <= (double)INT_MAX) return true;
    snprintf(msg, msg_size, "width * inputs must be at most %d (BLAS int indexing); it is %.0f", INT_MAX, cells);
    return false;
}

/* The per-layer accumulators come first, then the doubles of sw_signal_simulate (the buffer is 64-byte aligned,
 * and sizeof(sw_signal_layer_stats) is a multiple of 8). */
static size_t signal_workspace_bytes(const sw_value *param) {
    sw_signal_config c = signal_config(param);
    return c.depth * sizeof(sw_signal_layer_stats) + sw_signal_simulate_work_doubles(&c) * sizeof(double);
}

static sw_outcome signal_run(const sw_task *t) {
    sw_signal_config c = signal_config(t->param);
    sw_signal_layer_stats *layers = t->work;
    double *work = (double *)(layers + c.depth);
    sw_rng weights, inputs;
    sw_rng_init(&weights, &t->key, STREAM_WEIGHTS);
    sw_rng_init(&inputs, &t->key, STREAM_INPUTS);
    sw_signal_simulate(&c, &weights, &inputs, work, layers);
    double *const *out = t->out;
    sw_signal_exact(c.act, c.gain, c.width, c.input_q, c.depth, out[O_R_EXACT], out[O_LOG_EXACT], out[O_ALIVE_EXACT]);
    for (size_t l = 0; l < c.depth; l++) {
        out[O_R][l] = layers[l].r.mean;
        out[O_R_SE][l] = sw_moments_se(&layers[l].r);
        out[O_LOG][l] = sw_ratio_mean_value(&layers[l].log_r);
        out[O_LOG_SE][l] = sw_ratio_mean_se(&layers[l].log_r);
        out[O_ALIVE][l] = layers[l].alive.mean;
        out[O_ALIVE_SE][l] = sw_moments_se(&layers[l].alive);
    }
    for (size_t l = 0; l < c.depth; l++)
        if (layers[l].log_r.n == 0.0)
            return sw_task_fail(t, SW_TASK_NON_FINITE,
                                "every signal was zeroed by layer %zu (width %zu): mean_log_r is undefined there",
                                l + 1, c.width);
    return SW_TASK_OK;
}

const sw_experiment sw_exp_signal_propagation = {
    .name = "signal_propagation",
    .version = 1,
    .summary = "norm of a signal through a deep random net (linear, ReLU, tanh) against exact and mean-field laws",
    .article = "kexue.fm/archives/7180: 从几何视角来理解模型参数的初始化策略 (2020-01-16)",
    .params = signal_params,
    .n_params = SW_COUNT(signal_params),
    .outputs = signal_outputs,
    .n_outputs = SW_COUNT(signal_outputs),
    .workspace_bytes = signal_workspace_bytes,
    .check = signal_check,
    .run = signal_run,
};
