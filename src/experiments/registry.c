/* registry.c: the one list of experiments. Add an experiment here and nowhere else. */
#include <string.h>

#include "mpisweep/experiment.h"

/* Built-in experiments for the runner itself (builtin.c). */
extern const sw_experiment sw_exp_noop, sw_exp_sleep, sw_exp_fail;

const sw_experiment *const sw_registry[] = {
    &sw_exp_noop,
    &sw_exp_sleep,
    &sw_exp_fail,
    NULL,
};

const sw_experiment *sw_experiment_find(const char *name) {
    for (const sw_experiment *const *e = sw_registry; *e; e++)
        if (strcmp((*e)->name, name) == 0) return *e;
    return NULL;
}
