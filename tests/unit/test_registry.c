/* test_registry.c: walks sw_registry and holds every experiment to the schema rules that the spec validator, the
 * HDF5 layout and `describe` rely on (experiment.h and the house rules in architecture.md), then runs each one on
 * its defaults the way the runner would. It checks whatever experiments are registered when it runs.
 *
 * Each test prints every violation it finds (experiment, parameter or output, and the rule) before failing, so
 * one run lists everything to fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/executor.h"
#include "mpisweep/experiment.h"

static size_t violations;

static void violation(const sw_experiment *e, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void violation(const sw_experiment *e, const char *what, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("experiment '%s'%s%s: ", e->name ? e->name : "(null)", what ? ", " : "", what ? what : "");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    violations++;
}

static bool nonempty(const char *s) { return s && s[0]; }

static bool matches(const char *s, const char *first, const char *rest) {
    if (!nonempty(s) || !strchr(first, s[0])) return false;
    for (s++; *s; s++)
        if (!strchr(rest, *s)) return false;
    return true;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"

static size_t registry_size(void) {
    size_t n = 0;
    while (sw_registry[n]) n++;
    return n;
}

static bool within(const sw_param *p, double x) {
    bool low = p->min_open ? x > p->min : x >= p->min;
    bool high = p->max_open ? x < p->max : x <= p->max;
    return low && high;
}

static size_t count_choices(const sw_param *p) {
    size_t n = 0;
    while (p->choices && p->choices[n]) n++;
    return n;
}

/* ---- experiments ---- */
static void test_names_and_texts(void **state) {
    (void)state;
    violations = 0;
    size_t n = registry_size();
    assert_true(n >= 3); /* at least the built-ins */
    for (size_t i = 0; i < n; i++) {
        const sw_experiment *e = sw_registry[i];
        if (!matches(e->name, LOWER DIGITS "_", LOWER DIGITS "_"))
            violation(e, NULL, "the name must match [a-z0-9_]+");
        for (size_t j = 0; j < i; j++)
            if (e->name && sw_registry[j]->name && strcmp(e->name, sw_registry[j]->name) == 0)
                violation(e, NULL, "the name is registered twice");
        if (!nonempty(e->summary)) violation(e, NULL, "empty summary");
        if (!nonempty(e->article)) violation(e, NULL, "empty article");
        if (!e->run) violation(e, NULL, "no run()");
        if (e->version < 1) violation(e, NULL, "no code version (.version starts at 1)");
        if (e->name && sw_experiment_find(e->name) != e) violation(e, NULL, "sw_experiment_find does not find it");
    }
    assert_int_equal(violations, 0);
}

/* ---- parameters ---- */
static void check_numeric_param(const sw_experiment *e, const sw_param *p) {
    if (!(p->min <= p->max) || isnan(p->min) || isnan(p->max))
        violation(e, p->name, "bounds [%g, %g] are not ordered", p->min, p->max);
    if (!within(p, p->def))
        violation(e, p->name, "default %g lies outside %c%g, %g%c", p->def, p->min_open ? '(' : '[', p->min, p->max,
                  p->max_open ? ')' : ']');
    if (p->type == SW_INT && (p->def != floor(p->def) || fabs(p->def) >= 0x1p63))
        violation(e, p->name, "integer parameter with a non-integer default %g", p->def);
}

static void check_choice_param(const sw_experiment *e, const sw_param *p) {
    size_t n = count_choices(p);
    if (n == 0) violation(e, p->name, "a choice parameter without choices");
    if (p->def != floor(p->def) || p->def < 0 || p->def >= (double)n)
        violation(e, p->name, "default index %g is not one of the %zu choices", p->def, n);
    for (size_t i = 0; i < n; i++) {
        if (!nonempty(p->choices[i])) violation(e, p->name, "choice %zu is empty", i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->choices[i], p->choices[j]) == 0) violation(e, p->name, "choice '%s' twice", p->choices[i]);
    }
}

static void check_list_param(const sw_experiment *e, const sw_param *p) {
    if (p->min_len > p->max_len || p->max_len == 0)
        violation(e, p->name, "list lengths [%zu, %zu] are empty or not ordered", p->min_len, p->max_len);
    if (p->def_len < p->min_len || p->def_len > p->max_len)
        violation(e, p->name, "default list length %zu outside [%zu, %zu]", p->def_len, p->min_len, p->max_len);
    if (p->def_len > 0 && !p->def_list) violation(e, p->name, "default list length %zu without values", p->def_len);
    for (size_t i = 0; p->def_list && i < p->def_len; i++)
        if (!within(p, p->def_list[i]))
            violation(e, p->name, "default element [%zu] = %g outside the element bounds", i, p->def_list[i]);
    if (!(p->min <= p->max)) violation(e, p->name, "element bounds [%g, %g] are not ordered", p->min, p->max);
}

static void test_parameters(void **state) {
    (void)state;
    violations = 0;
    for (const sw_experiment *const *ep = sw_registry; *ep; ep++) {
        const sw_experiment *e = *ep;
        if (e->n_params > 0 && !e->params) violation(e, NULL, "n_params > 0 but no params");
        for (size_t i = 0; e->params && i < e->n_params; i++) {
            const sw_param *p = &e->params[i];
            if (!matches(p->name, LOWER, LOWER DIGITS "_")) {
                violation(e, p->name ? p->name : "(null)", "parameter names are lower_snake_case");
                continue;
            }
            for (size_t j = 0; j < i; j++)
                if (strcmp(p->name, e->params[j].name) == 0) violation(e, p->name, "parameter named twice");
            if (!nonempty(p->unit)) violation(e, p->name, "empty unit (use \"1\" for dimensionless)");
            if (!nonempty(p->help)) violation(e, p->name, "empty help");
            switch (p->type) {
            case SW_INT:
            case SW_REAL: check_numeric_param(e, p); break;
            case SW_CHOICE: check_choice_param(e, p); break;
            case SW_REAL_LIST: check_list_param(e, p); break;
            default: violation(e, p->name, "invalid type %d", (int)p->type); break;
            }
        }
    }
    assert_int_equal(violations, 0);
}

/* ---- outputs ---- */
static bool is_param_name(const sw_experiment *e, const char *name) { return sw_param_index(e, name) >= 0; }

static void check_dim(const sw_experiment *e, const sw_output *o, const sw_dim *d) {
    char what[256];
    snprintf(what, sizeof what, "output '%s', dimension '%s'", o->name, d->name ? d->name : "(null)");
    if (!matches(d->name, LOWER, LOWER DIGITS "_")) violation(e, what, "dimension names are lower_snake_case");
    else if (is_param_name(e, d->name)) violation(e, what, "a dimension may not share a parameter's name");
    else if (strcmp(d->name, "point") == 0 || strcmp(d->name, "replicate") == 0)
        violation(e, what, "'point' and 'replicate' are the runner's task dimensions");
    if (!d->param) {
        if (d->extent <= 0) violation(e, what, "a fixed extent must be positive, got %lld", (long long)d->extent);
        return;
    }
    int k = sw_param_index(e, d->param);
    if (k < 0) violation(e, what, "refers to no parameter '%s'", d->param);
    else if (e->params[k].type != SW_INT && e->params[k].type != SW_REAL_LIST)
        violation(e, what, "refers to '%s', which is neither an integer nor a list parameter", d->param);
}

static bool same_extent_rule(const sw_dim *a, const sw_dim *b) {
    if ((a->param == NULL) != (b->param == NULL)) return false;
    if (a->param && strcmp(a->param, b->param) != 0) return false;
    return a->offset == b->offset && (a->param || a->extent == b->extent);
}

/* Outputs sharing a dimension name must agree on its extent: it is one HDF5/xarray dimension. */
static void check_shared_dims(const sw_experiment *e) {
    for (size_t i = 0; i < e->n_outputs; i++)
        for (int a = 0; a < e->outputs[i].ndims; a++)
            for (size_t j = 0; j <= i; j++)
                for (int b = 0; b < e->outputs[j].ndims; b++) {
                    const sw_dim *da = &e->outputs[i].dims[a], *db = &e->outputs[j].dims[b];
                    if ((j == i && b >= a) || !da->name || !db->name || strcmp(da->name, db->name) != 0) continue;
                    if (!same_extent_rule(da, db))
                        violation(e, da->name, "outputs '%s' and '%s' give the dimension different extents",
                                  e->outputs[j].name, e->outputs[i].name);
                }
}

static void test_outputs(void **state) {
    (void)state;
    violations = 0;
    for (const sw_experiment *const *ep = sw_registry; *ep; ep++) {
        const sw_experiment *e = *ep;
        if (e->n_outputs == 0 || !e->outputs) violation(e, NULL, "no outputs");
        for (size_t i = 0; e->outputs && i < e->n_outputs; i++) {
            const sw_output *o = &e->outputs[i];
            if (!nonempty(o->name)) {
                violation(e, NULL, "output %zu has no name", i);
                continue;
            }
            if (!nonempty(o->unit)) violation(e, o->name, "empty unit (use \"1\" for dimensionless)");
            if (!nonempty(o->help)) violation(e, o->name, "empty help");
            if (is_param_name(e, o->name)) violation(e, o->name, "an output may not share a parameter's name");
            for (size_t j = 0; j < i; j++)
                if (e->outputs[j].name && strcmp(o->name, e->outputs[j].name) == 0)
                    violation(e, o->name, "output named twice");
            if (o->ndims < 0 || o->ndims > SW_MAX_OUTPUT_DIMS) {
                violation(e, o->name, "ndims %d outside [0, %d]", o->ndims, SW_MAX_OUTPUT_DIMS);
                continue;
            }
            for (int d = 0; d < o->ndims; d++) check_dim(e, o, &o->dims[d]);
        }
        if (e->outputs) check_shared_dims(e);
    }
    assert_int_equal(violations, 0);
}

/* A parameter fixes an output's shape exactly when some output dimension is sized by it: the validator forbids
 * sweeping shape parameters, so a missing mark would let a sweep make ragged outputs. */
static void test_shape_marks(void **state) {
    (void)state;
    violations = 0;
    for (const sw_experiment *const *ep = sw_registry; *ep; ep++) {
        const sw_experiment *e = *ep;
        for (size_t i = 0; i < e->n_params; i++) {
            const sw_param *p = &e->params[i];
            bool sizes = false;
            for (size_t o = 0; o < e->n_outputs; o++)
                for (int d = 0; d < e->outputs[o].ndims; d++)
                    sizes |= e->outputs[o].dims[d].param && strcmp(e->outputs[o].dims[d].param, p->name) == 0;
            if (sizes && !p->shape) violation(e, p->name, "sizes an output dimension but is not marked .shape");
            if (!sizes && p->shape) violation(e, p->name, "is marked .shape but sizes no output dimension");
        }
    }
    assert_int_equal(violations, 0);
}

/* ---- running on the defaults ---- */
static void test_check_passes_on_defaults(void **state) {
    (void)state;
    violations = 0;
    for (const sw_experiment *const *ep = sw_registry; *ep; ep++) {
        const sw_experiment *e = *ep;
        if (!e->check) continue;
        sw_value *v = calloc(e->n_params + 1, sizeof *v);
        assert_non_null(v);
        sw_param_defaults(e, v);
        char msg[512] = "";
        if (!e->check(v, msg, sizeof msg)) violation(e, NULL, "check() rejects the defaults: %s", msg);
        free(v);
    }
    assert_int_equal(violations, 0);
}

/* Runs e on its defaults through the runner's task executor. */
static void run_on_defaults(const sw_experiment *e) {
    sw_value *v = calloc(e->n_params + 1, sizeof *v);
    double **out = calloc(e->n_outputs + 1, sizeof *out);
    assert_true(v && out);
    assert_true(e->n_outputs <= SW_MAX_OUTPUTS);
    sw_param_defaults(e, v);
    for (size_t i = 0; i < e->n_outputs; i++) {
        size_t count = sw_output_count(e, &e->outputs[i], v);
        out[i] = malloc((count ? count : 1) * sizeof **out);
        assert_non_null(out[i]);
    }
    sw_executor exec = {0};
    sw_task_report report;
    sw_rng_key key;
    sw_task_key(e, v, 0, 0, &key);
    sw_outcome outcome = sw_executor_run(&exec, e, v, &key, out, NULL, &report);
    if (report.caught_non_finite)
        violation(e, NULL, "not every output element is finite (or written): %s", report.msg);
    else if (outcome != SW_TASK_OK)
        violation(e, NULL, "run() on the defaults returns '%s': %s", sw_outcome_name(outcome), report.msg);
    sw_executor_free(&exec);
    for (size_t i = 0; i < e->n_outputs; i++) free(out[i]);
    free(out);
    free(v);
}

static void test_run_on_defaults(void **state) {
    (void)state;
    violations = 0;
    for (const sw_experiment *const *ep = sw_registry; *ep; ep++)
        if ((*ep)->run) run_on_defaults(*ep);
    assert_int_equal(violations, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_texts),   cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_outputs),           cmocka_unit_test(test_shape_marks),
        cmocka_unit_test(test_check_passes_on_defaults), cmocka_unit_test(test_run_on_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
