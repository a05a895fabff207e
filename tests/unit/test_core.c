/* test_core.c: the core utilities: the status table and exit codes, the error record, diagnostics, the canonical
 * hash, outcome names, and schema helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/diag.h"
#include "mpisweep/experiment.h"
#include "mpisweep/hash.h"
#include "mpisweep/status.h"

static void test_exit_codes(void **state) {
    (void)state;
    assert_int_equal(sw_status_exit_code(SW_OK), 0);
    assert_int_equal(sw_status_exit_code(SW_ERR_USAGE), 2);
    assert_int_equal(sw_status_exit_code(SW_ERR_SPEC), 2);
    assert_int_equal(sw_status_exit_code(SW_ERR_MISMATCH), 2);
    assert_int_equal(sw_status_exit_code(SW_ERR_INTERRUPTED), 3);
    assert_int_equal(sw_status_exit_code(SW_ERR_IO), 4);
    assert_int_equal(sw_status_exit_code(SW_ERR_NOSPACE), 4);
    assert_int_equal(sw_status_exit_code(SW_ERR_LOCKED), 4);
    for (int s = 0; s < SW_STATUS_COUNT; s++) {
        assert_true(strlen(sw_strerror((sw_status)s)) > 0);
        assert_true(strncmp(sw_status_name((sw_status)s), "SW_", 3) == 0);
    }
    assert_int_equal(sw_status_exit_code((sw_status)999), 4);
}

static sw_status inner(void) { return SW_FAIL(SW_ERR_IO, "disk %d is full", 3); }
static sw_status outer(void) {
    SW_TRY(inner());
    return SW_OK;
}

static void test_error_record(void **state) {
    (void)state;
    sw_error_clear();
    assert_int_equal(outer(), SW_ERR_IO);
    assert_string_equal(sw_error_message(), "disk 3 is full");
    const char *trace = sw_error_trace();
    assert_non_null(strstr(trace, "test_core.c"));
    assert_non_null(strchr(strchr(trace, '\n') + 1, '\n')); /* two frames: where it failed, where it passed through */
    sw_error_clear();
    assert_string_equal(sw_error_message(), "");
}

static void test_diag(void **state) {
    (void)state;
    sw_diag d = {0};
    for (int i = 0; i < 20; i++) sw_diag_add(&d, "a.yaml", i + 1, 3, "grid.dim", "x", "expected %s", "an integer");
    sw_diag_add(&d, NULL, 0, 0, NULL, NULL, "no position");
    assert_int_equal(d.count, 21);
    char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    sw_diag_print(&d, f);
    fclose(f);
    assert_non_null(strstr(buf, "a.yaml:1:3: error: grid.dim: expected an integer (got 'x')\n"));
    assert_non_null(strstr(buf, "<input>: error: no position\n"));
    sw_diag_clear(&d);
    assert_int_equal(d.count, 0);
}

static void hash_of_double(double v, uint64_t out[2]) {
    sw_hash h;
    sw_hash_init(&h);
    sw_hash_double(&h, v);
    sw_hash_final(&h, out);
}

static void test_hash_canonical(void **state) {
    (void)state;
    uint64_t a[2], b[2], c[2];
    hash_of_double(0.0, a);
    hash_of_double(-0.0, b);
    assert_memory_equal(a, b, sizeof a); /* -0.0 and 0.0 are the same parameter value */
    hash_of_double(0.1 + 0.2, c);
    hash_of_double(0.3, b);
    assert_memory_not_equal(c, b, sizeof c); /* by bits, not by a printed spelling */
    /* Strings carry their length: "ab"+"c" differs from "a"+"bc". */
    sw_hash h1, h2;
    sw_hash_init(&h1);
    sw_hash_str(&h1, "ab");
    sw_hash_str(&h1, "c");
    sw_hash_init(&h2);
    sw_hash_str(&h2, "a");
    sw_hash_str(&h2, "bc");
    sw_hash_final(&h1, a);
    sw_hash_final(&h2, b);
    assert_memory_not_equal(a, b, sizeof a);
    /* Both 64-bit halves change with every input bit (no lane is a copy of the other or constant). */
    for (int bit = 0; bit < 64; bit++) {
        sw_hash_init(&h1);
        sw_hash_u64(&h1, 1ULL << bit);
        sw_hash_final(&h1, b);
        sw_hash_init(&h2);
        sw_hash_u64(&h2, 0);
        sw_hash_final(&h2, c);
        assert_true(b[0] != c[0] && b[1] != c[1]);
    }
}

static void test_outcomes(void **state) {
    (void)state;
    assert_string_equal(sw_outcome_name(SW_TASK_PENDING), "pending");
    assert_string_equal(sw_outcome_name(SW_TASK_NON_FINITE), "non_finite");
    assert_string_equal(sw_outcome_name(SW_TASK_SKIPPED), "skipped");
    assert_string_equal(sw_outcome_name(42), "unknown");
    assert_false(sw_outcome_is_failure(SW_TASK_OK));
    assert_false(sw_outcome_is_failure(SW_TASK_PENDING));
    assert_false(sw_outcome_is_failure(SW_TASK_SKIPPED));
    for (int c = SW_TASK_FAILED; c <= SW_TASK_REJECTED; c++) assert_true(sw_outcome_is_failure(c));
}

static void test_param_hash_and_format(void **state) {
    (void)state;
    const sw_experiment *e = sw_experiment_find("noop");
    assert_non_null(e);
    sw_value v[3], w[3];
    sw_param_defaults(e, v);
    sw_param_defaults(e, w);
    uint64_t a[2], b[2];
    sw_param_hash(e, v, a);
    w[sw_param_index(e, "x")].real = -0.0; /* the default 0 written as -0 */
    sw_param_hash(e, w, b);
    assert_memory_equal(a, b, sizeof a);
    w[sw_param_index(e, "k")].integer = 1;
    sw_param_hash(e, w, b);
    assert_memory_not_equal(a, b, sizeof a);
    char buf[64];
    assert_string_equal(sw_value_format(&e->params[sw_param_index(e, "k")], &w[1], buf, sizeof buf), "1");
    assert_int_equal(sw_param_index(e, "nope"), -1);
    assert_int_equal(sw_output_index(e, "u"), 2);
}

/* Output roles follow the naming rule: a companion needs its estimate; a suffix alone makes no companion. */
static void test_output_roles(void **state) {
    (void)state;
    static const sw_output outs[] = {{.name = "m"}, {.name = "m_se"}, {.name = "m_exact"}, {.name = "n"},
                                     {.name = "v_limit"}, {.name = "r_limit"}, {.name = "r"}};
    const sw_experiment e = {.name = "roles", .outputs = outs, .n_outputs = SW_COUNT(outs)};
    static const sw_output_role want[] = {SW_ROLE_ESTIMATE, SW_ROLE_STANDARD_ERROR, SW_ROLE_EXACT, SW_ROLE_VALUE,
                                          SW_ROLE_VALUE, SW_ROLE_LIMIT, SW_ROLE_ESTIMATE};
    static const int want_of[] = {-1, 0, 0, -1, -1, 6, -1};
    for (size_t o = 0; o < SW_COUNT(outs); o++) {
        int of = -2;
        assert_int_equal(sw_output_role_of(&e, o, &of), want[o]);
        assert_int_equal(of, want_of[o]);
    }
    assert_string_equal(sw_output_role_name(SW_ROLE_STANDARD_ERROR), "standard_error");
    assert_int_equal(SW_OUTCOME_COUNT, 9); /* ..., skipped, excluded */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_codes),    cmocka_unit_test(test_error_record),
        cmocka_unit_test(test_diag),          cmocka_unit_test(test_hash_canonical),
        cmocka_unit_test(test_outcomes),      cmocka_unit_test(test_param_hash_and_format),
        cmocka_unit_test(test_output_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
