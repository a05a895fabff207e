/* registry.c: the one list of experiments. Add an experiment here and nowhere else. */
#include <string.h>

#include "mpisweep/experiment.h"

/* Built-in experiments for the runner itself (builtin.c). */
extern const sw_experiment sw_exp_noop, sw_exp_sleep, sw_exp_fail, sw_exp_histogram;
/* kexue.fm/archives/7325 (exp_attention_rank.c) and 6910 (exp_hsic.c). */
extern const sw_experiment sw_exp_attention_rank, sw_exp_hsic;
/* kexue.fm/archives/7076 (exp_angle.c) and 7180 (exp_init_orthogonality.c, exp_signal_propagation.c). */
extern const sw_experiment sw_exp_angle, sw_exp_init_orthogonality, sw_exp_signal_propagation;
/* kexue.fm/archives/7466 (exp_noise_penalty.c, exp_vat.c) and 6747 (exp_variance_bias.c). */
extern const sw_experiment sw_exp_noise_penalty, sw_exp_vat, sw_exp_variance_bias;
/* kexue.fm/archives/6705 (exp_gumbel.c, exp_reparam_gauss.c) and 6612 (exp_langevin.c, exp_ebm_train.c). */
extern const sw_experiment sw_exp_gumbel, sw_exp_reparam_gauss, sw_exp_langevin, sw_exp_ebm_train;

const sw_experiment *const sw_registry[] = {
    &sw_exp_noop,
    &sw_exp_sleep,
    &sw_exp_fail,
    &sw_exp_histogram,
    &sw_exp_attention_rank,
    &sw_exp_hsic,
    &sw_exp_angle,
    &sw_exp_init_orthogonality,
    &sw_exp_signal_propagation,
    &sw_exp_noise_penalty,
    &sw_exp_vat,
    &sw_exp_variance_bias,
    &sw_exp_gumbel,
    &sw_exp_reparam_gauss,
    &sw_exp_langevin,
    &sw_exp_ebm_train,
    NULL,
};

const sw_experiment *sw_experiment_find(const char *name) {
    for (const sw_experiment *const *e = sw_registry; *e; e++)
        if (strcmp((*e)->name, name) == 0) return *e;
    return NULL;
}
