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

#include "mpisweep/diag.h"
#include "mpisweep/experiment.h"
#include "mpisweep/spec.h"

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

/* Runs the task with the given key; fails unless the outcome is SW_TASK_OK and every output element was written
 * and is finite. */
static inline void st_run_key(st_task *r, const sw_rng_key *key) {
    if (!st_check(r)) fail_msg("%s rejected its parameters: %s", r->e->name, r->msg);
    size_t bytes = r->e->workspace_bytes ? r->e->workspace_bytes(r->param) : 0;
    void *work = bytes ? aligned_alloc(64, (bytes + 63) / 64 * 64) : NULL;
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        r->out[o] = malloc((count ? count : 1) * sizeof(double));
        assert_non_null(r->out[o]);
        for (size_t k = 0; k < count; k++) r->out[o][k] = NAN;
    }
    sw_task t = {.param = r->param, .key = *key, .work = work, .out = r->out, .msg = r->msg, .msg_size = sizeof r->msg};
    r->outcome = r->e->run(&t);
    free(work);
    if (r->outcome != SW_TASK_OK) fail_msg("%s failed: %s", r->e->name, r->msg);
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        for (size_t k = 0; k < count; k++)
            if (!isfinite(r->out[o][k])) fail_msg("output %s[%zu] is not finite", r->e->outputs[o].name, k);
    }
}

/* Runs the task with the key of (seed, parameter hash, replicate 0), as the runner derives it. */
static inline void st_run(st_task *r, uint64_t seed) {
    sw_rng_key key = {.seed = seed};
    sw_param_hash(r->e, r->param, key.hash);
    st_run_key(r, &key);
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

/* Every element of every output x that has x_se and x_exact: |x − x_exact| <= z·x_se, or within 1e-9 when the
 * SE is 0 (deterministic). Elements whose exact value is a probability below min_prob are skipped (a bin with a
 * handful of expected counts has no usable normal approximation); pass 0 to check all. */
static inline void st_check_exact(const st_task *r, double z, double min_prob) {
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        char se[96], exact[96];
        snprintf(se, sizeof se, "%s_se", r->e->outputs[o].name);
        snprintf(exact, sizeof exact, "%s_exact", r->e->outputs[o].name);
        int i_se = sw_output_index(r->e, se), i_exact = sw_output_index(r->e, exact);
        if (i_se < 0 || i_exact < 0) continue;
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        for (size_t k = 0; k < count; k++) {
            double est = r->out[o][k], want = r->out[i_exact][k], sd = r->out[i_se][k];
            if (min_prob > 0 && want < min_prob) continue;
            double tol = sd == 0.0 ? 1e-9 * fmax(1.0, fabs(want)) : z * sd;
            if (!(fabs(est - want) <= tol))
                fail_msg("%s: %s[%zu] = %.10g, exact %.10g, SE %.3g", r->e->name, r->e->outputs[o].name, k, est,
                         want, sd);
        }
    }
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

/* Loads one spec file through the spec layer, printing its diagnostics and failing if it does not load. */
static inline sw_spec *st_load_spec(const char *path) {
    sw_spec *spec = NULL;
    sw_diag diag = {0};
    const char *paths[] = {path};
    if (sw_spec_load_files(paths, 1, NULL, &spec, &diag) != SW_OK) {
        sw_diag_print(&diag, stderr);
        sw_diag_clear(&diag);
        fail_msg("%s does not load", path);
    }
    return spec;
}

/* Every sweep of spec runs one of the named experiments (a NULL-terminated list). */
static inline void st_spec_uses(const sw_spec *spec, const char *const *experiments) {
    for (size_t s = 0; s < spec->n_sweeps; s++) {
        bool found = false;
        for (const char *const *e = experiments; *e; e++) found |= strcmp(spec->sweeps[s].exp->name, *e) == 0;
        if (!found) fail_msg("sweep %s runs %s", spec->sweeps[s].name, spec->sweeps[s].exp->name);
    }
}

/* Runs task i of sweep sw with the parameters and key the spec layer gives it, as the runner would. */
static inline st_task st_run_sweep_task(const sw_sweep *sw, uint64_t i) {
    st_task r = st_task_new(sw->exp->name);
    uint64_t replicate;
    sw_rng_key key;
    sw_sweep_task(sw, i, r.param, &replicate);
    sw_sweep_task_key(sw, r.param, replicate, &key);
    st_run_key(&r, &key);
    return r;
}

#endif
