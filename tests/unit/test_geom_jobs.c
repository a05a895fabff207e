/* test_geom_jobs.c: the sweep specs of angle, init_orthogonality and signal_propagation.
 *
 * jobs/angle.yaml and jobs/init.yaml must load and validate and use the experiments they are about. Every task of
 * the tiny variants (jobs/tiny/angle.yaml, jobs/tiny/init.yaml) runs here through the registry, with the
 * parameters and random key the spec layer gives it, exactly as the runner would: each must succeed with finite
 * outputs, and every Monte-Carlo mean with an exact value must lie within 5 standard errors of it (5, not 4: this
 * test makes a few hundred such checks). The CPU time of the tiny set (meant to stay under 2 s) is printed, not
 * asserted: a test never fails because a machine is slow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geom_task.h"
#include "mpisweep/spec.h"

static sw_spec *load(const char *path) {
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

/* Every sweep of the file runs one of the given experiments. */
static void check_experiments(const sw_spec *spec, const char *const *names) {
    assert_true(spec->n_sweeps >= 1);
    for (size_t s = 0; s < spec->n_sweeps; s++) {
        bool known = false;
        for (const char *const *n = names; *n; n++) known = known || strcmp(spec->sweeps[s].exp->name, *n) == 0;
        if (!known) fail_msg("sweep %s runs %s", spec->sweeps[s].name, spec->sweeps[s].exp->name);
    }
}

static void test_full_specs_load(void **state) {
    (void)state;
    const char *angle[] = {"angle", NULL}, *init[] = {"init_orthogonality", "signal_propagation", NULL};
    sw_spec *a = load(SW_JOBS_DIR "/angle.yaml"), *b = load(SW_JOBS_DIR "/init.yaml");
    check_experiments(a, angle);
    check_experiments(b, init);
    bool has_signal = false;
    for (size_t s = 0; s < b->n_sweeps; s++)
        has_signal = has_signal || strcmp(b->sweeps[s].exp->name, "signal_propagation") == 0;
    assert_true(has_signal);
    sw_spec_free(&a);
    sw_spec_free(&b);
}

/* For each output x with x_se and x_exact: |x - x_exact| <= 5 x_se elementwise. Outputs named *_limit are
 * asymptotic and the tanh "exact" values are mean-field limits, so neither is checked here. */
static void check_against_exact(const geom_task *r, bool mean_field) {
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        const char *name = r->e->outputs[o].name;
        char se[96], exact[96];
        snprintf(se, sizeof se, "%s_se", name);
        snprintf(exact, sizeof exact, "%s_exact", name);
        int i_se = sw_output_index(r->e, se), i_exact = sw_output_index(r->e, exact);
        if (i_se < 0 || i_exact < 0 || (mean_field && strncmp(name, "mean_", 5) == 0)) continue;
        size_t count = sw_output_count(r->e, &r->e->outputs[o], r->param);
        for (size_t k = 0; k < count; k++) {
            double est = r->out[o][k], ex = r->out[i_exact][k], s = r->out[i_se][k];
            /* A zero SE means every draw agreed, e.g. no angle in a bin of probability 1e-22, or every ReLU signal
             * alive where death has probability 1e-5: accept it only that close to the exact value. */
            if (s == 0.0 ? fabs(est - ex) > 1e-4 : fabs(est - ex) > 5.0 * s)
                fail_msg("%s: %s[%zu] = %.10g, exact %.10g, SE %.3g", r->e->name, name, k, est, ex, s);
        }
    }
}

/* Runs every task of the sweeps in path; returns the CPU seconds they took. */
static double run_all(const char *path) {
    sw_spec *spec = load(path);
    double cpu = 0.0;
    for (size_t s = 0; s < spec->n_sweeps; s++) {
        const sw_sweep *sw = &spec->sweeps[s];
        for (uint64_t t = 0; t < sw->n_tasks; t++) {
            geom_task r = geom_task_new(sw->exp->name);
            uint64_t replicate;
            sw_sweep_task(sw, t, r.param, &replicate);
            sw_rng_key key;
            sw_sweep_task_key(sw, r.param, replicate, &key);
            clock_t start = clock();
            geom_run_key(&r, &key);
            cpu += (double)(clock() - start) / CLOCKS_PER_SEC;
            if (r.outcome != SW_TASK_OK) fail_msg("%s task %llu: %s", sw->name, (unsigned long long)t, r.msg);
            bool tanh = strcmp(sw->exp->name, "signal_propagation") == 0 &&
                        strcmp(sw->exp->params[sw_param_index(sw->exp, "activation")].choices
                                   [r.param[sw_param_index(sw->exp, "activation")].integer],
                               "tanh") == 0;
            check_against_exact(&r, tanh);
            geom_free(&r);
        }
    }
    sw_spec_free(&spec);
    return cpu;
}

static void test_tiny_specs_run(void **state) {
    (void)state;
    double cpu = run_all(SW_JOBS_DIR "/tiny/angle.yaml") + run_all(SW_JOBS_DIR "/tiny/init.yaml");
    printf("tiny specs: %.3f s of CPU for every task (budget: 2 s)\n", cpu);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_specs_load),
        cmocka_unit_test(test_tiny_specs_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
