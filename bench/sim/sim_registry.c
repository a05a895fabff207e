/* sim_registry.c: the registry of the simulation build (bench/sim), in place of src/experiments/registry.c: the
 * runner's own experiments and simsleep, none of the science (no BLAS or GSL in the simulated program). */
#include <string.h>

#include "simsleep.h"

extern const sw_experiment sw_exp_noop, sw_exp_sleep;

const sw_experiment *const sw_registry[] = {&sw_exp_noop, &sw_exp_sleep, &sw_exp_simsleep, NULL};

const sw_experiment *sw_experiment_find(const char *name) {
    for (const sw_experiment *const *e = sw_registry; *e; e++)
        if (strcmp((*e)->name, name) == 0) return *e;
    return NULL;
}
