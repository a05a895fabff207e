/* stat_task.h: runs one experiment task the way the runner does, for the tests of gumbel, reparam_gauss,
 * langevin and ebm_train: the registry's defaults with a few overrides, check() first, a 64-byte aligned
 * workspace of workspace_bytes, every output pre-filled with NaN, the key from a seed and the parameter hash, and
 * afterwards the runner's own rule that every element of every output is finite. Also a schema check of the
 * house rules, and the |x − ref| <= z·SE assertion every Monte-Carlo test uses.
 * Include after <cmocka.h>. Header-only; every function is static. */
#ifndef SW_TESTS_STAT_TASK_H
#define SW_TESTS_STAT_TASK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/experiment.h"

enum { ST_MAX_PARAMS = 16, ST_MAX_OUTPUTS = 48 };

typedef struct st_task {
    const sw_experiment *e;
    sw_value param[ST_MAX_PARAMS];
    double *out[ST_MAX_OUTPUTS];
    sw_outcome outcome;
    char msg[256];
} st_task;

static inline st_task st_task_new(const char *name) {
    st_task r = {.e = sw_experiment_find(name)};
    if (!r.e) fail_msg("experiment %s is not registered", name);
    assert_true(r.e->n_params <= ST_MAX_PARAMS && r.e->n_outputs <= ST_MAX_OUTPUTS);
    sw_param_defaults(r.e, r.param);
    return r;
}

static inline int st_param(const st_task *r, const char *name) {
    int i = sw_param_index(r->e, name);
    if (i < 0) fail_msg("%s has no parameter %s", r->e->name, name);
    return i;
}

static inline void st_set_int(st_task *r, const char *name, int64_t v) { r->param[st_param(r, name)].integer = v; }
static inline void st_set_real(st_task *r, const char *name, double v) { r->param[st_param(r, name)].real = v; }
static inline void st_set_list(st_task *r, const char *name, const double *v, size_t n) {
    int i = st_param(r, name);
    r->param[i].list = v;
    r->param[i].len = n;
}

/* Sets a choice parameter by its name, as a spec would. */
static inline void st_set_choice(st_task *r, const char *name, const char *choice) {
    int i = st_param(r, name);
    const char *const *c = r->e->params[i].choices;
    for (int64_t k = 0; c[k]; k++)
        if (strcmp(c[k], choice) == 0) {
            r->param[i].integer = k;
            return;
        }
    fail_msg("parameter %s has no choice %s", name, choice);
}

/* True when the experiment's check() (if any) accepts the parameters. */
static inline bool st_check(st_task *r) { return !r->e->check || r->e->check(r->param, r->msg, sizeof r->msg); }

/* Runs the task; on SW_TASK_OK also checks that every output element was written and is finite. */
static inline void st_run(st_task *r, uint64_t seed) {
    if (!st_check(r)) fail_msg("%s rejected its parameters: %s", r->e->name, r->msg);
    size_t bytes = r->e->workspace_bytes ? r->e->workspace_bytes(r->param) : 0;
    void *work = bytes ? aligned_alloc(64, (bytes + 63) / 64 * 64) : NULL;
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        r->out[o] = malloc((count ? count : 1) * sizeof(double));
        assert_non_null(r->out[o]);
        for (size_t k = 0; k < count; k++) r->out[o][k] = NAN;
    }
    sw_task t = {.param = r->param, .work = work, .out = r->out, .msg = r->msg, .msg_size = sizeof r->msg};
    t.key.seed = seed;
    sw_param_hash(r->e, r->param, t.key.hash);
    r->outcome = r->e->run(&t);
    free(work);
    if (r->outcome != SW_TASK_OK) fail_msg("%s failed: %s", r->e->name, r->msg);
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        for (size_t k = 0; k < count; k++)
            if (!isfinite(r->out[o][k])) fail_msg("output %s[%zu] is not finite", r->e->outputs[o].name, k);
    }
}

static inline const double *st_out(const st_task *r, const char *name) {
    int i = sw_output_index(r->e, name);
    if (i < 0) fail_msg("%s has no output %s", r->e->name, name);
    return r->out[i];
}

static inline size_t st_count(const st_task *r, const char *name) {
    int i = sw_output_index(r->e, name);
    if (i < 0) fail_msg("%s has no output %s", r->e->name, name);
    return sw_output_count(r->e, &r->e->outputs[i], r->param);
}

static inline void st_free(st_task *r) {
    for (size_t o = 0; o < r->e->n_outputs; o++) free(r->out[o]);
}

/* |x − ref| <= z·se + slack, with a message naming what failed. */
#define ST_NEAR(x, ref, z, se, slack, what)                                                                  \
    do {                                                                                                   \
        double st_x_ = (x), st_ref_ = (ref), st_tol_ = (z) * (se) + (slack);                               \
        if (!(fabs(st_x_ - st_ref_) <= st_tol_))                                                           \
            fail_msg("%s: %.10g vs reference %.10g (tolerance %.3g = %g SE + %g)", (what), st_x_, st_ref_,   \
                     st_tol_, (double)(z), (double)(slack));                                               \
    } while (0)

/* Relative agreement |x − ref| <= rel·max(|ref|, floor) for deterministic values. */
#define ST_REL(x, ref, rel, floor, what)                                                                     \
    do {                                                                                                   \
        double st_x_ = (x), st_ref_ = (ref);                                                               \
        double st_tol_ = (rel) * (fabs(st_ref_) > (floor) ? fabs(st_ref_) : (floor));                      \
        if (!(fabs(st_x_ - st_ref_) <= st_tol_))                                                           \
            fail_msg("%s: %.15g vs reference %.15g (relative tolerance %g)", (what), st_x_, st_ref_,         \
                     (double)(rel));                                                                       \
    } while (0)

/* House rules of the schema: units and help everywhere; outputs, dims and parameters named apart; every
 * Monte-Carlo output in mc has a <name>_se; defaults inside bounds. */
static inline void st_check_schema(const sw_experiment *e, const char *const *mc) {
    for (size_t o = 0; o < e->n_outputs; o++) {
        const sw_output *out = &e->outputs[o];
        assert_true(out->unit && out->unit[0] && out->help && out->help[0]);
        if (sw_param_index(e, out->name) >= 0) fail_msg("output %s shares a parameter's name", out->name);
        for (int d = 0; d < out->ndims; d++) {
            assert_true(sw_param_index(e, out->dims[d].name) < 0);
            assert_true(strcmp(out->dims[d].name, "point") != 0 && strcmp(out->dims[d].name, "replicate") != 0);
        }
        for (size_t p = o + 1; p < e->n_outputs; p++) assert_true(strcmp(out->name, e->outputs[p].name) != 0);
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
        if (q->type == SW_INT || q->type == SW_REAL) assert_true(q->def >= q->min && q->def <= q->max);
    }
}

#endif
