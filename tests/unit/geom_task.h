/* geom_task.h: runs one experiment task the way the runner does, for the tests of angle, init_orthogonality and
 * signal_propagation: parameters from the registry's defaults with a few overrides, a 64-byte aligned workspace
 * of workspace_bytes, every output pre-filled with NaN, the key from a seed and the parameter hash, and the
 * runner's own check that every element of every output was written and is finite.
 * Include after <cmocka.h>. Header-only; every function is static. */
#ifndef SW_TESTS_GEOM_TASK_H
#define SW_TESTS_GEOM_TASK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/experiment.h"

enum { GEOM_MAX_PARAMS = 16, GEOM_MAX_OUTPUTS = 32 };

typedef struct geom_task {
    const sw_experiment *e;
    sw_value param[GEOM_MAX_PARAMS];
    double *out[GEOM_MAX_OUTPUTS];
    sw_outcome outcome;
    char msg[256];
} geom_task;

/* The experiment called name with its default parameters. */
static inline geom_task geom_task_new(const char *name) {
    geom_task r = {.e = sw_experiment_find(name)};
    if (!r.e) fail_msg("experiment %s is not registered", name);
    assert_true(r.e->n_params <= GEOM_MAX_PARAMS && r.e->n_outputs <= GEOM_MAX_OUTPUTS);
    sw_param_defaults(r.e, r.param);
    return r;
}

static inline int geom_param(const geom_task *r, const char *name) {
    int i = sw_param_index(r->e, name);
    if (i < 0) fail_msg("%s has no parameter %s", r->e->name, name);
    return i;
}

static inline void geom_set_int(geom_task *r, const char *name, int64_t v) {
    r->param[geom_param(r, name)].integer = v;
}
static inline void geom_set_real(geom_task *r, const char *name, double v) { r->param[geom_param(r, name)].real = v; }

/* Sets a choice parameter by its name, as a spec would. */
static inline void geom_set_choice(geom_task *r, const char *name, const char *choice) {
    int i = geom_param(r, name);
    const char *const *c = r->e->params[i].choices;
    for (int64_t k = 0; c[k]; k++)
        if (strcmp(c[k], choice) == 0) {
            r->param[i].integer = k;
            return;
        }
    fail_msg("parameter %s has no choice %s", name, choice);
}

static inline size_t geom_count(const geom_task *r, const char *output) {
    int i = sw_output_index(r->e, output);
    if (i < 0) fail_msg("%s has no output %s", r->e->name, output);
    return sw_output_count(r->e, &r->e->outputs[i], r->param);
}

/* Runs the task with the given random key; on SW_TASK_OK also checks that every output element is finite. */
static inline void geom_run_key(geom_task *r, const sw_rng_key *key) {
    if (r->e->check) assert_true(r->e->check(r->param, r->msg, sizeof r->msg));
    size_t bytes = r->e->workspace_bytes ? r->e->workspace_bytes(r->param) : 0;
    void *work = bytes ? aligned_alloc(64, (bytes + 63) / 64 * 64) : NULL;
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        r->out[o] = malloc(count * sizeof(double));
        assert_non_null(r->out[o]);
        for (size_t k = 0; k < count; k++) r->out[o][k] = NAN;
    }
    sw_task t = {.param = r->param, .key = *key, .work = work, .out = r->out, .msg = r->msg, .msg_size = sizeof r->msg};
    r->outcome = r->e->run(&t);
    free(work);
    for (size_t o = 0; r->outcome == SW_TASK_OK && o < r->e->n_outputs; o++) {
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        for (size_t k = 0; k < count; k++)
            if (!isfinite(r->out[o][k])) fail_msg("output %s[%zu] is not finite", r->e->outputs[o].name, k);
    }
}

/* Runs the task with the key the runner would give replicate 0 of a sweep seeded with seed. */
static inline void geom_run(geom_task *r, uint64_t seed) {
    sw_rng_key key = {.seed = seed};
    sw_param_hash(r->e, r->param, key.hash);
    geom_run_key(r, &key);
}

static inline const double *geom_out(const geom_task *r, const char *name) {
    int i = sw_output_index(r->e, name);
    if (i < 0) fail_msg("%s has no output %s", r->e->name, name);
    return r->out[i];
}

static inline void geom_free(geom_task *r) {
    for (size_t o = 0; o < r->e->n_outputs; o++) free(r->out[o]);
}

/* Every output has a unit, a help line, and the name rules of the house (no clash with parameters; dims named
 * apart from parameters, "point" and "replicate"); Monte-Carlo means listed in mc come with <name>_se. */
static inline void geom_check_schema(const sw_experiment *e, const char *const *mc) {
    for (size_t o = 0; o < e->n_outputs; o++) {
        const sw_output *out = &e->outputs[o];
        assert_true(out->unit && out->unit[0] && out->help && out->help[0]);
        assert_true(sw_param_index(e, out->name) < 0);
        for (int d = 0; d < out->ndims; d++) {
            assert_true(sw_param_index(e, out->dims[d].name) < 0);
            assert_true(strcmp(out->dims[d].name, "point") != 0 && strcmp(out->dims[d].name, "replicate") != 0);
        }
    }
    for (; *mc; mc++) {
        char se[96];
        snprintf(se, sizeof se, "%s_se", *mc);
        if (sw_output_index(e, *mc) < 0 || sw_output_index(e, se) < 0)
            fail_msg("%s: missing %s or %s", e->name, *mc, se);
    }
    for (size_t p = 0; p < e->n_params; p++) {
        const sw_param *q = &e->params[p];
        assert_true(q->unit && q->help && q->help[0]);
        if (q->type != SW_CHOICE) assert_true(q->def >= q->min && q->def <= q->max);
    }
}

#endif
