/* test_executor.c: the task contract on the runner's side (executor.h), on a probe experiment that records what it
 * was given and can misbehave on request, and on the registry's `fail` experiment. */
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

enum { PROBE_MODE, PROBE_BYTES };
enum { MODE_OK, MODE_PARTIAL_FAIL, MODE_FAIL_SILENT, MODE_LEAVE_UNWRITTEN };

static const sw_param probe_params[] = {
    [PROBE_MODE] = {.name = "mode", .type = SW_INT, .min = 0, .max = 3, .unit = "1", .help = "what run() does"},
    [PROBE_BYTES] = {.name = "bytes", .type = SW_INT, .min = 0, .max = 1e12, .unit = "B", .help = "workspace"},
};

static const sw_output probe_outputs[] = {
    {.name = "seen_nan", .unit = "1", .help = "1 when every output element was NaN on entry"},
    {.name = "values", .unit = "1", .help = "three elements", .ndims = 1, .dims = {{.name = "i", .extent = 3}}},
};

static uintptr_t last_work;

static size_t probe_workspace(const sw_value *p) { return (size_t)p[PROBE_BYTES].integer; }

static sw_outcome probe_run(const sw_task *t) {
    last_work = (uintptr_t)t->work;
    int all_nan = isnan(t->out[0][0]);
    for (int i = 0; i < 3; i++) all_nan &= isnan(t->out[1][i]);
    t->out[0][0] = all_nan;
    switch (t->param[PROBE_MODE].integer) {
    case MODE_PARTIAL_FAIL:
        t->out[1][0] = 1;
        return sw_task_fail(t, SW_TASK_NUMERICAL, "gave up half-way");
    case MODE_FAIL_SILENT: return SW_TASK_NOT_CONVERGED; /* no message */
    case MODE_LEAVE_UNWRITTEN: t->out[1][0] = t->out[1][1] = 2; return SW_TASK_OK;
    default: for (int i = 0; i < 3; i++) t->out[1][i] = i; return SW_TASK_OK;
    }
}

static const sw_experiment probe = {
    .name = "probe", .summary = "executor probe", .article = "none", .params = probe_params,
    .n_params = SW_COUNT(probe_params), .outputs = probe_outputs, .n_outputs = SW_COUNT(probe_outputs),
    .workspace_bytes = probe_workspace, .run = probe_run,
};

typedef struct run {
    double seen[1], values[3];
    sw_task_report report;
} run;

static sw_outcome run_probe(sw_executor *x, int64_t mode, int64_t bytes, run *r) {
    sw_value p[2] = {[PROBE_MODE] = {.integer = mode}, [PROBE_BYTES] = {.integer = bytes}};
    double *out[2] = {r->seen, r->values};
    r->seen[0] = r->values[0] = r->values[1] = r->values[2] = 7; /* garbage the executor must overwrite */
    sw_rng_key key;
    sw_task_key(&probe, p, 1, 0, &key);
    return sw_executor_run(x, &probe, p, &key, out, NULL, &r->report);
}

static void test_ok_task_sees_nan_and_aligned_workspace(void **state) {
    (void)state;
    sw_executor x = {0};
    run r;
    assert_int_equal(run_probe(&x, MODE_OK, 1000, &r), SW_TASK_OK);
    assert_true(r.seen[0] == 1.0);
    assert_true(r.values[2] == 2.0 && r.report.msg[0] == '\0' && !r.report.caught_non_finite);
    assert_int_equal(last_work % 64, 0);
    assert_true(x.work_bytes >= 1000);
    assert_int_equal(run_probe(&x, MODE_OK, 100000, &r), SW_TASK_OK); /* the workspace grows */
    assert_true(x.work_bytes >= 100000 && last_work % 64 == 0);
    sw_executor_free(&x);
    assert_null(x.work);
}

static void test_failed_task_outputs_are_cleared(void **state) {
    (void)state;
    sw_executor x = {0};
    run r;
    assert_int_equal(run_probe(&x, MODE_PARTIAL_FAIL, 0, &r), SW_TASK_NUMERICAL);
    assert_true(isnan(r.seen[0]) && isnan(r.values[0]));
    assert_string_equal(r.report.msg, "gave up half-way");
    assert_int_equal(run_probe(&x, MODE_FAIL_SILENT, 0, &r), SW_TASK_NOT_CONVERGED);
    assert_string_equal(r.report.msg, "not_converged"); /* a failure always has a reason */
    sw_executor_free(&x);
}

static void test_unwritten_output_is_non_finite(void **state) {
    (void)state;
    sw_executor x = {0};
    run r;
    assert_int_equal(run_probe(&x, MODE_LEAVE_UNWRITTEN, 0, &r), SW_TASK_NON_FINITE);
    assert_true(r.report.caught_non_finite);
    assert_string_equal(r.report.msg, "output 'values' element 2 is nan");
    assert_true(r.values[0] == 2.0); /* a non-finite task keeps what it wrote */
    sw_executor_free(&x);
}

/* An allocation that fails aborts under AddressSanitizer instead of returning NULL, so that build skips this. */
static void test_workspace_failure_is_an_outcome(void **state) {
    (void)state;
#ifdef __SANITIZE_ADDRESS__
    skip();
#endif
    sw_executor x = {0};
    run r;
    assert_int_equal(run_probe(&x, MODE_OK, (int64_t)1 << 50, &r), SW_TASK_FAILED);
    assert_non_null(strstr(r.report.msg, "cannot allocate a workspace"));
    assert_true(isnan(r.values[0]));
    sw_executor_free(&x);
}

/* The key is (seed, parameter hash, replicate): the same for the same task, different for another replicate. */
static void test_key(void **state) {
    (void)state;
    const sw_experiment *e = sw_experiment_find("fail");
    assert_non_null(e);
    sw_value p[3];
    sw_param_defaults(e, p);
    sw_rng_key a, b, c;
    sw_task_key(e, p, 5, 0, &a);
    sw_task_key(e, p, 5, 0, &b);
    sw_task_key(e, p, 5, 1, &c);
    assert_memory_equal(&a, &b, sizeof a);
    assert_true(a.seed == 5 && c.replicate == 1 && a.hash[0] == c.hash[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_task_sees_nan_and_aligned_workspace),
        cmocka_unit_test(test_failed_task_outputs_are_cleared),
        cmocka_unit_test(test_unwritten_output_is_non_finite),
        cmocka_unit_test(test_workspace_failure_is_an_outcome),
        cmocka_unit_test(test_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
