/* task_harness.h: the one way the unit tests run an experiment task: through the runner's own task executor
 * (executor.h), so that every test exercises a task exactly as the scheduler does:
 *  - one task: the registry's defaults with a few overrides, check() first, then sw_executor_run (aligned
 *    workspace, NaN-filled outputs, the key from a seed and sw_param_hash for replicate 0, non-finite outputs of
 *    an ok task turned into a failure, which a test reports);
 *  - a spec: load a jobs file, and run every task of it with the parameters and key the spec layer gives it;
 *  - the comparisons the tests share: x against x_exact within k standard errors, schema house rules, and
 *    tolerance assertions with readable failures.
 * Include after <cmocka.h>. Header-only; every function is static inline, so a test that uses part of it does not
 * warn about the rest. */
#ifndef SW_TESTS_TASK_HARNESS_H
#define SW_TESTS_TASK_HARNESS_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpisweep/diag.h"
#include "mpisweep/executor.h"
#include "mpisweep/experiment.h"
#include "mpisweep/spec.h"

/* ==== one task ==== */

enum { SW_TEST_MAX_PARAMS = 16 };

typedef struct sw_test_task {
    const sw_experiment *e;
    sw_value param[SW_TEST_MAX_PARAMS];
    double *out[SW_MAX_OUTPUTS]; /* allocated by a run; released by sw_test_task_free */
    sw_outcome outcome;
    char msg[SW_TASK_MSG_BYTES];
} sw_test_task;

/* The experiment called name with its default parameters. */
static inline sw_test_task sw_test_task_new(const char *name) {
    sw_test_task t = {.e = sw_experiment_find(name)};
    if (!t.e) fail_msg("experiment %s is not registered", name);
    assert_true(t.e->n_params <= SW_TEST_MAX_PARAMS && t.e->n_outputs <= SW_MAX_OUTPUTS);
    sw_param_defaults(t.e, t.param);
    return t;
}

static inline int sw_test_task_param_index(const sw_test_task *t, const char *name) {
    int i = sw_param_index(t->e, name);
    if (i < 0) fail_msg("%s has no parameter %s", t->e->name, name);
    return i;
}

/* The setters check the type: writing the wrong member of sw_value would go unnoticed by the experiment, which
 * would then run with other parameters than the test says. */
static inline int sw_test_task_typed_param(const sw_test_task *t, const char *name, sw_type type) {
    static const char *const type_names[] = {[SW_INT] = "an integer", [SW_REAL] = "a real", [SW_CHOICE] = "a choice",
                                             [SW_REAL_LIST] = "a list"};
    int i = sw_test_task_param_index(t, name);
    if (t->e->params[i].type != type) fail_msg("%s: parameter %s is not %s", t->e->name, name, type_names[type]);
    return i;
}

static inline void sw_test_task_set_int(sw_test_task *t, const char *name, int64_t v) {
    t->param[sw_test_task_typed_param(t, name, SW_INT)].integer = v;
}

static inline void sw_test_task_set_real(sw_test_task *t, const char *name, double v) {
    t->param[sw_test_task_typed_param(t, name, SW_REAL)].real = v;
}

/* The list is borrowed: it must outlive the task's runs. */
static inline void sw_test_task_set_list(sw_test_task *t, const char *name, const double *v, size_t n) {
    int i = sw_test_task_typed_param(t, name, SW_REAL_LIST);
    t->param[i].list = v;
    t->param[i].len = n;
}

/* Sets a choice parameter by its name, as a spec would. */
static inline void sw_test_task_set_choice(sw_test_task *t, const char *name, const char *choice) {
    int i = sw_test_task_typed_param(t, name, SW_CHOICE);
    const char *const *c = t->e->params[i].choices;
    for (int64_t k = 0; c[k]; k++)
        if (strcmp(c[k], choice) == 0) {
            t->param[i].integer = k;
            return;
        }
    fail_msg("parameter %s has no choice %s", name, choice);
}

/* Sets a parameter from the text a spec file would hold for it ("quadratic", "0.5", "200"). */
static inline void sw_test_task_set_text(sw_test_task *t, const char *name, const char *text) {
    int i = sw_test_task_param_index(t, name);
    switch (t->e->params[i].type) {
    case SW_REAL: t->param[i].real = atof(text); break;
    case SW_INT: t->param[i].integer = atoll(text); break;
    case SW_CHOICE: sw_test_task_set_choice(t, name, text); break;
    case SW_REAL_LIST: fail_msg("%s: list parameter %s cannot be set from text", t->e->name, name);
    }
}

/* True when the experiment's check() (if any) accepts the parameters; its reason is left in t->msg. */
static inline bool sw_test_task_check(sw_test_task *t) {
    return !t->e->check || t->e->check(t->param, t->msg, sizeof t->msg);
}

/* The key the runner gives replicate 0 of a sweep seeded with seed, for the task's current parameters. */
static inline sw_rng_key sw_test_task_key(const sw_test_task *t, uint64_t seed) {
    sw_rng_key key;
    sw_task_key(t->e, t->param, seed, 0, &key);
    return key;
}

static inline void sw_test_task_alloc_outputs(sw_test_task *t) {
    for (size_t o = 0; o < t->e->n_outputs; o++) {
        size_t count = sw_output_count(t->e, &t->e->outputs[o], t->param);
        t->out[o] = malloc((count ? count : 1) * sizeof(double)); /* malloc(0) may be NULL */
        assert_non_null(t->out[o]);
    }
}

/* Runs the task with key and returns its outcome (also in t->outcome, its reason in t->msg) without judging it:
 * for tests that expect a failure, and for callers that report it themselves. check() must accept the
 * parameters, as the spec validator guarantees the runner. An ok run() that left a non-finite output fails the
 * test here (the executor would record it as non_finite): a test stops at the first one. */
static inline sw_outcome sw_test_task_try_key(sw_test_task *t, const sw_rng_key *key) {
    if (!sw_test_task_check(t)) fail_msg("%s rejected its parameters: %s", t->e->name, t->msg);
    sw_test_task_alloc_outputs(t);
    sw_executor exec = {0};
    sw_task_report report;
    t->outcome = sw_executor_run(&exec, t->e, t->param, key, t->out, NULL, &report);
    sw_executor_free(&exec);
    snprintf(t->msg, sizeof t->msg, "%s", report.msg);
    if (report.caught_non_finite)
        fail_msg("%s: %s", t->e->name, report.msg);
    return t->outcome;
}

/* sw_test_task_try_key with the key of replicate 0 of a sweep seeded with seed. */
static inline sw_outcome sw_test_task_try(sw_test_task *t, uint64_t seed) {
    sw_rng_key key = sw_test_task_key(t, seed);
    return sw_test_task_try_key(t, &key);
}

/* Runs the task as replicate 0 of a sweep seeded with seed; it must succeed with finite outputs. */
static inline void sw_test_task_run(sw_test_task *t, uint64_t seed) {
    if (sw_test_task_try(t, seed) != SW_TASK_OK) fail_msg("%s failed: %s", t->e->name, t->msg);
}

static inline int sw_test_task_output(const sw_test_task *t, const char *name) {
    int i = sw_output_index(t->e, name);
    if (i < 0) fail_msg("%s has no output %s", t->e->name, name);
    return i;
}

/* Output name of the last run, sw_test_task_count elements. */
static inline const double *sw_test_task_out(const sw_test_task *t, const char *name) {
    return t->out[sw_test_task_output(t, name)];
}

/* The first (for a scalar output, the only) element of output name. */
static inline double sw_test_task_scalar(const sw_test_task *t, const char *name) {
    return sw_test_task_out(t, name)[0];
}

/* Number of elements of output name for the current parameters. */
static inline size_t sw_test_task_count(const sw_test_task *t, const char *name) {
    return sw_output_count(t->e, &t->e->outputs[sw_test_task_output(t, name)], t->param);
}

static inline void sw_test_task_free(sw_test_task *t) {
    for (size_t o = 0; o < t->e->n_outputs; o++) {
        free(t->out[o]);
        t->out[o] = NULL;
    }
}

/* ==== Monte-Carlo outputs against their exact values ==== */

/* What a zero x_se means depends on the test: every draw agreed (a deterministic output, an empty histogram bin),
 * or a Monte-Carlo mean that should never be that certain. */
typedef enum sw_test_zero_se {
    SW_TEST_ZERO_SE_FAILS, /* a zero SE is itself a failure */
    SW_TEST_ZERO_SE_ABS,   /* accept |x − x_exact| <= zero_se_tol */
    SW_TEST_ZERO_SE_REL,   /* accept |x − x_exact| <= zero_se_tol · max(1, |x_exact|) */
} sw_test_zero_se;

typedef struct sw_test_exact_rule {
    double z; /* |x − x_exact| <= z · x_se */
    sw_test_zero_se zero_se;
    double zero_se_tol;
    /* > 0: skip elements whose exact value (a probability) is below it, as a bin with a handful of expected
     * counts has no usable normal approximation. */
    double min_exact;
    bool (*skip_output)(const char *output); /* NULL, or true for outputs whose x_exact is not their expectation */
} sw_test_exact_rule;

static inline double sw_test_exact_tolerance(const sw_test_exact_rule *rule, double exact, double se) {
    if (se != 0.0) return rule->z * se;
    switch (rule->zero_se) {
    case SW_TEST_ZERO_SE_ABS: return rule->zero_se_tol;
    case SW_TEST_ZERO_SE_REL: return rule->zero_se_tol * fmax(1.0, fabs(exact));
    case SW_TEST_ZERO_SE_FAILS: break;
    }
    return -INFINITY; /* no difference is within it */
}

/* Index of output <name><suffix>, or -1. */
static inline int sw_test_output_with_suffix(const sw_experiment *e, const char *name, const char *suffix) {
    char full[96];
    snprintf(full, sizeof full, "%s%s", name, suffix);
    return sw_output_index(e, full);
}

/* Every element of every output x that has x_se and x_exact agrees with x_exact under rule. */
static inline void sw_test_check_exact(const sw_test_task *t, const sw_test_exact_rule *rule) {
    for (size_t o = 0; o < t->e->n_outputs; o++) {
        const char *name = t->e->outputs[o].name;
        int i_se = sw_test_output_with_suffix(t->e, name, "_se");
        int i_exact = sw_test_output_with_suffix(t->e, name, "_exact");
        if (i_se < 0 || i_exact < 0 || (rule->skip_output && rule->skip_output(name))) continue;
        size_t count = sw_output_count(t->e, &t->e->outputs[o], t->param);
        for (size_t k = 0; k < count; k++) {
            double est = t->out[o][k], want = t->out[i_exact][k], se = t->out[i_se][k];
            if (rule->min_exact > 0 && want < rule->min_exact) continue;
            if (!(fabs(est - want) <= sw_test_exact_tolerance(rule, want, se)))
                fail_msg("%s: %s[%zu] = %.10g, exact %.10g, SE %.3g", t->e->name, name, k, est, want, se);
        }
    }
}

/* ==== the schema's house rules ==== */

/* Units and help everywhere; outputs and dims named apart from parameters, and dims from "point" and "replicate"
 * (the store's own dims); every Monte-Carlo output in mc (NULL-terminated) has a <name>_se; defaults inside
 * bounds. */
static inline void sw_test_check_schema(const sw_experiment *e, const char *const *mc) {
    for (size_t o = 0; o < e->n_outputs; o++) {
        const sw_output *out = &e->outputs[o];
        assert_true(out->unit && out->unit[0] && out->help && out->help[0]);
        if (sw_param_index(e, out->name) >= 0) fail_msg("output %s shares a parameter's name", out->name);
        for (int d = 0; d < out->ndims; d++) {
            assert_true(sw_param_index(e, out->dims[d].name) < 0);
            assert_true(strcmp(out->dims[d].name, "point") != 0 && strcmp(out->dims[d].name, "replicate") != 0);
        }
    }
    for (; *mc; mc++)
        if (sw_output_index(e, *mc) < 0 || sw_test_output_with_suffix(e, *mc, "_se") < 0)
            fail_msg("%s: missing %s or %s_se", e->name, *mc, *mc);
    for (size_t p = 0; p < e->n_params; p++) {
        const sw_param *q = &e->params[p];
        assert_true(q->unit && q->help && q->help[0]);
        if (q->type == SW_INT || q->type == SW_REAL) assert_true(q->def >= q->min && q->def <= q->max);
    }
}

/* No two outputs share a name (sw_output_index would only ever find the first). */
static inline void sw_test_check_unique_outputs(const sw_experiment *e) {
    for (size_t o = 0; o < e->n_outputs; o++)
        for (size_t p = o + 1; p < e->n_outputs; p++) assert_true(strcmp(e->outputs[o].name, e->outputs[p].name) != 0);
}

/* ==== sweep specs ==== */

/* Loads one spec file through the spec layer, printing its diagnostics and failing if it does not load. */
static inline sw_spec *sw_test_load_spec(const char *path) {
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
static inline void sw_test_spec_uses(const sw_spec *spec, const char *const *experiments) {
    for (size_t s = 0; s < spec->n_sweeps; s++) {
        bool found = false;
        for (const char *const *e = experiments; *e; e++) found |= strcmp(spec->sweeps[s].exp->name, *e) == 0;
        if (!found) fail_msg("sweep %s runs %s", spec->sweeps[s].name, spec->sweeps[s].exp->name);
    }
}

/* The spec file at path loads, and its sweeps run only the named experiments (a NULL-terminated list). */
static inline void sw_test_spec_file_uses(const char *path, const char *const *experiments) {
    sw_spec *spec = sw_test_load_spec(path);
    sw_test_spec_uses(spec, experiments);
    sw_spec_free(&spec);
}

/* What a test asserts about one task of a spec after it ran. */
typedef void sw_test_task_check_fn(const sw_test_task *t);

/* Runs task i of sweep sw with the parameters and key the spec layer gives it, as the runner would; it must
 * succeed with finite outputs, then check (if not NULL) judges it. Returns the CPU seconds of the run alone. */
static inline double sw_test_run_sweep_task(const sw_sweep *sw, uint64_t i, sw_test_task_check_fn *check) {
    sw_test_task t = sw_test_task_new(sw->exp->name);
    uint64_t replicate;
    sw_rng_key key;
    sw_sweep_task(sw, i, t.param, &replicate);
    sw_sweep_task_key(sw, t.param, replicate, &key);
    clock_t start = clock();
    sw_outcome outcome = sw_test_task_try_key(&t, &key);
    double cpu = (double)(clock() - start) / CLOCKS_PER_SEC;
    if (outcome != SW_TASK_OK) fail_msg("%s task %llu: %s", sw->name, (unsigned long long)i, t.msg);
    if (check) check(&t);
    sw_test_task_free(&t);
    return cpu;
}

/* Every task of every sweep of spec, in order, through sw_test_run_sweep_task. Returns the CPU seconds the runs
 * took (printed by tests that watch the tiny specs' budget; never asserted, as a slow machine is no bug). */
static inline double sw_test_run_spec_tasks(const sw_spec *spec, sw_test_task_check_fn *check) {
    double cpu = 0.0;
    for (size_t s = 0; s < spec->n_sweeps; s++)
        for (uint64_t i = 0; i < spec->sweeps[s].n_tasks; i++)
            cpu += sw_test_run_sweep_task(&spec->sweeps[s], i, check);
    return cpu;
}

/* Loads the spec file at path; when experiments (NULL-terminated) is not NULL, its sweeps must run only those;
 * then runs every task as sw_test_run_spec_tasks does and returns the CPU seconds of the runs. */
static inline double sw_test_run_spec_file(const char *path, const char *const *experiments,
                                           sw_test_task_check_fn *check) {
    sw_spec *spec = sw_test_load_spec(path);
    if (experiments) sw_test_spec_uses(spec, experiments);
    double cpu = sw_test_run_spec_tasks(spec, check);
    sw_spec_free(&spec);
    return cpu;
}

/* ==== tolerance assertions ==== */

/* |got − want| <= rel·|want| (so want = 0 demands got = 0). */
static inline void sw_test_assert_rel(double got, double want, double rel, const char *what) {
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s: got %.15g, want %.15g (relative error %.3g > %.3g)", what, got, want,
                 fabs(got - want) / fabs(want), rel);
}

static inline void sw_test_assert_abs(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.15g, want %.15g (|diff| %.3g > %.3g)", what, got, want, fabs(got - want), tol);
}

/* science.md's rule for Monte-Carlo means: |estimate − reference| <= z·SE, with a positive SE. */
static inline void sw_test_assert_within_se(double got, double want, double se, double z, const char *what) {
    if (!(se > 0.0) || !(fabs(got - want) <= z * se))
        fail_msg("%s: got %.10g, want %.10g, se %.3g (z = %.2f > %.1f)", what, got, want, se, fabs(got - want) / se, z);
}

/* |x − ref| <= z·se + slack, with a message naming what failed. A macro, so that cmocka reports the test's line. */
#define SW_TEST_NEAR(x, ref, z, se, slack, what)                                                             \
    do {                                                                                                   \
        double sw_test_x_ = (x), sw_test_ref_ = (ref), sw_test_tol_ = (z) * (se) + (slack);                \
        if (!(fabs(sw_test_x_ - sw_test_ref_) <= sw_test_tol_))                                            \
            fail_msg("%s: %.10g vs reference %.10g (tolerance %.3g = %g SE + %g)", (what), sw_test_x_,       \
                     sw_test_ref_, sw_test_tol_, (double)(z), (double)(slack));                            \
    } while (0)

/* Relative agreement |x − ref| <= rel·max(|ref|, floor) for deterministic values. */
#define SW_TEST_REL(x, ref, rel, floor, what)                                                                \
    do {                                                                                                   \
        double sw_test_x_ = (x), sw_test_ref_ = (ref);                                                     \
        double sw_test_tol_ = (rel) * (fabs(sw_test_ref_) > (floor) ? fabs(sw_test_ref_) : (floor));       \
        if (!(fabs(sw_test_x_ - sw_test_ref_) <= sw_test_tol_))                                            \
            fail_msg("%s: %.15g vs reference %.15g (relative tolerance %g)", (what), sw_test_x_,             \
                     sw_test_ref_, (double)(rel));                                                         \
    } while (0)

#endif
