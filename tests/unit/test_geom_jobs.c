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

#include "task_harness.h"

/* The file has at least one sweep, and every sweep runs one of the given experiments. */
static void check_experiments(const sw_spec *spec, const char *const *names) {
    assert_true(spec->n_sweeps >= 1);
    sw_test_spec_uses(spec, names);
}

static void test_full_specs_load(void **state) {
    (void)state;
    const char *angle[] = {"angle", NULL}, *init[] = {"init_orthogonality", "signal_propagation", NULL};
    sw_spec *a = sw_test_load_spec(SW_JOBS_DIR "/angle.yaml"), *b = sw_test_load_spec(SW_JOBS_DIR "/init.yaml");
    check_experiments(a, angle);
    check_experiments(b, init);
    bool has_signal = false;
    for (size_t s = 0; s < b->n_sweeps; s++)
        has_signal = has_signal || strcmp(b->sweeps[s].exp->name, "signal_propagation") == 0;
    assert_true(has_signal);
    sw_spec_free(&a);
    sw_spec_free(&b);
}

/* The tanh "exact" values are mean-field limits, not expectations at finite width. */
static bool is_mean_field_limit(const char *output) { return strncmp(output, "mean_", 5) == 0; }

static bool is_tanh_signal(const sw_test_task *t) {
    if (strcmp(t->e->name, "signal_propagation") != 0) return false;
    int activation = sw_param_index(t->e, "activation");
    return strcmp(t->e->params[activation].choices[t->param[activation].integer], "tanh") == 0;
}

/* For each output x with x_se and x_exact: |x - x_exact| <= 5 x_se elementwise. Outputs named *_limit are
 * asymptotic, not exact, so nothing is compared with them; nor with the tanh mean-field limits. A zero SE means every draw agreed,
 * e.g. no angle in a bin of probability 1e-22, or every ReLU signal alive where death has probability 1e-5: it is
 * accepted only within 1e-4 of the exact value. */
static void check_against_exact(const sw_test_task *t) {
    sw_test_exact_rule rule = {.z = 5.0, .zero_se = SW_TEST_ZERO_SE_ABS, .zero_se_tol = 1e-4,
                               .skip_output = is_tanh_signal(t) ? is_mean_field_limit : NULL};
    sw_test_check_exact(t, &rule);
}

static void test_tiny_specs_run(void **state) {
    (void)state;
    double cpu = sw_test_run_spec_file(SW_JOBS_DIR "/tiny/angle.yaml", NULL, check_against_exact) +
                 sw_test_run_spec_file(SW_JOBS_DIR "/tiny/init.yaml", NULL, check_against_exact);
    printf("tiny specs: %.3f s of CPU for every task (budget: 2 s)\n", cpu);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_specs_load),
        cmocka_unit_test(test_tiny_specs_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
