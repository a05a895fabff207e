/* test_spec.c: YAML sweep specs -> sweeps -> tasks.
 *
 * References are the spec's own rules (docs in include/mpisweep/spec.h and the issue text): values of every axis
 * form computed by hand, row-major task numbering with the replicate last, the hash invariants and the task keys.
 * The built-in experiments (noop, sleep, fail) carry most cases; a test-only experiment (below) adds a choice, an
 * open-bounded real, a list, a shape parameter and a cross-parameter check without touching the real registry;
 * angle and gumbel are exercised when registered and skipped, saying so, when not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/spec/spec_internal.h"
#include "mpisweep/spec.h"

#define GOOD_DIR SW_TEST_DATA_DIR "/specs/good"

/* ---- a test-only experiment ---- */
enum { TP_A, TP_B, TP_R, TP_MODE, TP_W, TP_N };
static const char *const mode_names[] = {"fast", "slow", "exact", NULL};
static const double w_default[] = {0.5, -0.5};

static const sw_param test_params[] = {
    [TP_A] = {.name = "a", .type = SW_INT, .min = 0, .max = 1e6, .def = 1, .unit = "1", .help = "a"},
    [TP_B] = {.name = "b", .type = SW_INT, .min = 0, .max = 1e6, .def = 2, .unit = "1", .help = "b"},
    [TP_R] = {.name = "r", .type = SW_REAL, .min = 0, .max = HUGE_VAL, .min_open = true, .max_open = true, .def = 1,
              .unit = "1", .help = "a positive finite real"},
    [TP_MODE] = {.name = "mode", .type = SW_CHOICE, .choices = mode_names, .def = 1, .unit = "1", .help = "mode"},
    [TP_W] = {.name = "w", .type = SW_REAL_LIST, .min = -1, .max = 1, .def_list = w_default, .def_len = 2,
              .min_len = 1, .max_len = 4, .unit = "1", .help = "weights"},
    [TP_N] = {.name = "n", .type = SW_INT, .min = 1, .max = 100, .def = 4, .unit = "1", .help = "bins",
              .shape = true},
};

static const sw_output test_outputs[] = {
    {.name = "y", .unit = "1", .help = "y"},
    {.name = "hist", .unit = "1", .help = "histogram", .ndims = 1, .dims = {{.name = "bin", .param = "n"}}},
};

static unsigned long check_calls;

static bool test_check(const sw_value *p, char *msg, size_t size) {
    check_calls++;
    if (p[TP_A].integer <= p[TP_B].integer) return true;
    snprintf(msg, size, "a must not exceed b");
    return false;
}

static const sw_experiment test_exp = {
    .name = "testexp",
    .version = 1,
    .summary = "test only",
    .article = "none",
    .params = test_params,
    .n_params = SW_COUNT(test_params),
    .outputs = test_outputs,
    .n_outputs = SW_COUNT(test_outputs),
    .check = test_check,
};

/* ---- helpers ---- */
static sw_spec *load_in(const sw_experiment *const *registry, const char *text, uint64_t max_tasks) {
    spec_source src = {.name = "test.yaml", .text = text, .len = strlen(text)};
    sw_spec_limits limits = {.max_tasks = max_tasks};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    sw_status st = spec_load_sources(&src, 1, &limits, registry, &spec, &d);
    if (st != SW_OK) sw_diag_print(&d, stdout);
    assert_int_equal(st, SW_OK);
    assert_int_equal(d.count, 0);
    assert_non_null(spec);
    return spec;
}

static sw_spec *load(const char *text) {
    sw_diag d = {0};
    sw_spec *spec = NULL;
    sw_status st = sw_spec_load_string(text, strlen(text), "test.yaml", NULL, &spec, &d);
    if (st != SW_OK) sw_diag_print(&d, stdout);
    assert_int_equal(st, SW_OK);
    assert_int_equal(d.count, 0);
    assert_non_null(spec);
    return spec;
}

/* Loads text expecting failure; returns the diagnostics (caller clears). */
static sw_diag load_bad_in(const sw_experiment *const *registry, const char *text, uint64_t max_tasks) {
    spec_source src = {.name = "bad.yaml", .text = text, .len = strlen(text)};
    sw_spec_limits limits = {.max_tasks = max_tasks};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(spec_load_sources(&src, 1, &limits, registry, &spec, &d), SW_ERR_SPEC);
    assert_null(spec);
    assert_true(d.count > 0);
    return d;
}

static const sw_experiment *const *test_registry(void) {
    static const sw_experiment *reg[3];
    reg[0] = &test_exp;
    reg[1] = sw_experiment_find("noop");
    reg[2] = NULL;
    return reg;
}

static bool diag_has(const sw_diag *d, const char *text) {
    for (size_t i = 0; i < d->count; i++)
        if (strstr(d->entries[i].message, text)) return true;
    return false;
}

/* noop's parameters: x (real), k (int), draws (int). */
enum { NOOP_X, NOOP_K, NOOP_DRAWS };

static void assert_real_axis(const sw_axis *a, const double *expect, size_t n) {
    assert_int_equal(a->len, n);
    for (size_t i = 0; i < n; i++) assert_true(a->values[i].real == expect[i]);
}

static void assert_int_axis(const sw_axis *a, const int64_t *expect, size_t n) {
    assert_int_equal(a->len, n);
    for (size_t i = 0; i < n; i++) assert_int_equal(a->values[i].integer, expect[i]);
}

/* ---- axes ---- */
static void test_list_axis_and_defaults(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: s\nexperiment: noop\ngrid:\n  x: [0.5, -1, 2e3, .inf]\n");
    assert_int_equal(spec->n_sweeps, 1);
    const sw_sweep *s = &spec->sweeps[0];
    assert_string_equal(s->name, "s");
    assert_string_equal(s->exp->name, "noop");
    assert_int_equal(s->seed, 0);
    assert_int_equal(s->replicates, 1);
    assert_int_equal(s->n_grid, 1);
    assert_int_equal(s->grid[0].param, NOOP_X);
    const double x[] = {0.5, -1, 2000, HUGE_VAL};
    assert_real_axis(&s->grid[0], x, 4);
    assert_int_equal(s->base[NOOP_K].integer, 0); /* the defaults */
    assert_int_equal(s->base[NOOP_DRAWS].integer, 1);
    assert_int_equal(s->n_dims, 1);
    assert_string_equal(s->dims[0].name, "x");
    assert_int_equal(s->dims[0].kind, SW_DIM_GRID);
    assert_ptr_equal(s->dims[0].axis, &s->grid[0]);
    assert_int_equal(s->n_tasks, 4);
    sw_spec_free(&spec);
    assert_null(spec);
    sw_spec_free(&spec); /* NULL is fine */
}

static void test_linspace_geomspace_range(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: lin\nexperiment: noop\ngrid:\n  x: {linspace: [0, 1, 5]}\n---\n"
                         "sweep: lin1\nexperiment: noop\ngrid:\n  x: {linspace: [3, 7, 1]}\n---\n"
                         "sweep: geo\nexperiment: noop\ngrid:\n  x: {geomspace: [1, 1000, 4]}\n---\n"
                         "sweep: rng\nexperiment: noop\ngrid:\n  x: {range: [0, 1, 0.1]}\n---\n"
                         "sweep: rng-miss\nexperiment: noop\ngrid:\n  x: {range: [0, 1, 0.3]}\n---\n"
                         "sweep: rng-down\nexperiment: noop\ngrid:\n  x: {range: [10, 0, -5]}\n---\n"
                         "sweep: rng-one\nexperiment: noop\ngrid:\n  x: {range: [2, 2, 1]}\n");
    assert_int_equal(spec->n_sweeps, 7);
    const double lin[] = {0, 0.25, 0.5, 0.75, 1};
    assert_real_axis(&spec->sweeps[0].grid[0], lin, 5);
    const double lin1[] = {3};
    assert_real_axis(&spec->sweeps[1].grid[0], lin1, 1);
    const sw_axis *geo = &spec->sweeps[2].grid[0];
    const double geo_ref[] = {1, 10, 100, 1000};
    assert_int_equal(geo->len, 4);
    for (size_t i = 0; i < 4; i++) assert_true(fabs(geo->values[i].real - geo_ref[i]) <= 1e-12 * geo_ref[i]);
    assert_true(geo->values[0].real == 1 && geo->values[3].real == 1000); /* endpoints exact */
    const sw_axis *r = &spec->sweeps[3].grid[0];
    assert_int_equal(r->len, 11); /* 1 is hit within the tolerance although 1/0.1 < 10 in binary */
    for (size_t i = 0; i < 11; i++) assert_true(fabs(r->values[i].real - 0.1 * (double)i) < 1e-15);
    assert_true(r->values[10].real == 1.0);
    const double miss[] = {0, 0.3, 0.6, 0.8999999999999999};
    assert_int_equal(spec->sweeps[4].grid[0].len, 4);
    for (size_t i = 0; i < 4; i++) assert_true(fabs(spec->sweeps[4].grid[0].values[i].real - miss[i]) < 1e-15);
    const double down[] = {10, 5, 0};
    assert_real_axis(&spec->sweeps[5].grid[0], down, 3);
    const double one[] = {2};
    assert_real_axis(&spec->sweeps[6].grid[0], one, 1);
    sw_spec_free(&spec);
}

static void test_integer_rounding(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: a\nexperiment: noop\ngrid:\n  k: {linspace: [1, 10, 4]}\n---\n"
                         "sweep: b\nexperiment: noop\ngrid:\n  k: {geomspace: [1, 1000, 7]}\n---\n"
                         "sweep: c\nexperiment: noop\ngrid:\n  k: {range: [0, 10, 2.5]}\n---\n"
                         "sweep: d\nexperiment: noop\ngrid:\n  k: {range: [-3, 3, 3]}\n---\n"
                         "sweep: e\nexperiment: noop\ngrid:\n  k: [1e6, 0x10, 0o17, +5, -2]\n");
    const int64_t a[] = {1, 4, 7, 10};
    assert_int_axis(&spec->sweeps[0].grid[0], a, 4);
    const int64_t b[] = {1, 3, 10, 32, 100, 316, 1000}; /* 10^(i/2) rounded */
    assert_int_axis(&spec->sweeps[1].grid[0], b, 7);
    const int64_t c[] = {0, 3, 5, 8, 10}; /* 2.5 and 7.5 round half away from zero */
    assert_int_axis(&spec->sweeps[2].grid[0], c, 5);
    const int64_t d[] = {-3, 0, 3};
    assert_int_axis(&spec->sweeps[3].grid[0], d, 3);
    const int64_t e[] = {1000000, 16, 15, 5, -2};
    assert_int_axis(&spec->sweeps[4].grid[0], e, 5);
    sw_spec_free(&spec);
}

static void test_choice_axis(void **state) {
    (void)state;
    sw_spec *spec = load_in(test_registry(), "sweep: c\nexperiment: testexp\ngrid:\n  mode: [exact, fast]\n", 0);
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->grid[0].param, TP_MODE);
    assert_int_equal(s->grid[0].values[0].integer, 2);
    assert_int_equal(s->grid[0].values[1].integer, 0);
    assert_int_equal(s->base[TP_MODE].integer, 1); /* default "slow" */
    sw_spec_free(&spec);
}

/* ---- task numbering ---- */
static void test_task_indexing_row_major(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: s\nexperiment: noop\nreplicates: 2\nfixed:\n  draws: 7\n"
                         "grid:\n  x: [1, 2, 3]\n  k: [10, 20]\n");
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->n_dims, 3);
    assert_string_equal(s->dims[0].name, "x");
    assert_string_equal(s->dims[1].name, "k");
    assert_string_equal(s->dims[2].name, "replicate");
    assert_int_equal(s->dims[2].kind, SW_DIM_REPLICATE);
    assert_null(s->dims[2].axis);
    assert_int_equal(s->n_tasks, 12);
    for (uint64_t t = 0; t < s->n_tasks; t++) {
        sw_value p[3];
        uint64_t rep = 99;
        sw_sweep_task(s, t, p, &rep);
        assert_true(p[NOOP_X].real == (double)(t / 4 + 1));
        assert_int_equal(p[NOOP_K].integer, 10 * ((t / 2) % 2 + 1));
        assert_int_equal(rep, t % 2);
        assert_int_equal(p[NOOP_DRAWS].integer, 7);
    }
    sw_spec_free(&spec);
}

static void test_zip_along_point(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: s\nexperiment: noop\nreplicates: 1\ngrid:\n  x: [1, 2]\n"
                         "zip:\n  k: [1, 2, 3]\n  draws: {linspace: [10, 30, 3]}\n");
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->n_dims, 3);
    assert_string_equal(s->dims[1].name, "point");
    assert_int_equal(s->dims[1].kind, SW_DIM_POINT);
    assert_int_equal(s->dims[1].len, 3);
    assert_string_equal(s->dims[2].name, "replicate"); /* present although replicates is 1 */
    assert_int_equal(s->dims[2].len, 1);
    assert_int_equal(s->zip_len, 3);
    assert_int_equal(s->n_zip, 2);
    assert_int_equal(s->n_tasks, 6);
    for (uint64_t t = 0; t < 6; t++) {
        sw_value p[3];
        uint64_t rep = 99;
        sw_sweep_task(s, t, p, &rep);
        assert_true(p[NOOP_X].real == (double)(t / 3 + 1));
        assert_int_equal(p[NOOP_K].integer, t % 3 + 1);
        assert_int_equal(p[NOOP_DRAWS].integer, 10 * (t % 3 + 1)); /* rides along k */
        assert_int_equal(rep, 0);
    }
    sw_spec_free(&spec);
}

/* zip: as a list of mappings: each group is its own dimension, crossed with the grid and the other groups; a list of
 * one group is the same sweep (and hash) as the mapping form; a bad group is reported under its index. */
static void test_zip_groups(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: s\nexperiment: noop\ngrid:\n  x: [1, 2]\n"
                         "zip:\n  - k: [1, 2, 3]\n  - draws: [10, 20]\n");
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->n_dims, 3);
    assert_string_equal(s->dims[1].name, "point1");
    assert_string_equal(s->dims[2].name, "point2");
    assert_int_equal(s->dims[2].kind, SW_DIM_POINT);
    assert_int_equal(s->n_zip_groups, 2);
    assert_int_equal(s->n_tasks, 12);
    for (uint64_t t = 0; t < 12; t++) {
        sw_value p[3];
        sw_sweep_task(s, t, p, NULL);
        assert_true(p[NOOP_X].real == (double)(t / 6 + 1));
        assert_int_equal(p[NOOP_K].integer, (t / 2) % 3 + 1);
        assert_int_equal(p[NOOP_DRAWS].integer, 10 * (t % 2 + 1));
    }
    sw_spec *one = load("sweep: s\nexperiment: noop\nzip:\n  - k: [1, 2]\n    draws: [3, 4]\n");
    sw_spec *map = load("sweep: s\nexperiment: noop\nzip:\n  k: [1, 2]\n  draws: [3, 4]\n");
    assert_string_equal(one->sweeps[0].dims[0].name, "point");
    assert_memory_equal(one->sweeps[0].hash, map->sweeps[0].hash, sizeof map->sweeps[0].hash);
    sw_diag d = {0};
    sw_spec *bad = NULL;
    const char text[] = "sweep: s\nexperiment: noop\nzip:\n  - k: [1, 2]\n  - draws: [3, 4]\n    x: [1]\n  - 7\n";
    assert_int_equal(sw_spec_load_string(text, sizeof text - 1, "z.yaml", NULL, &bad, &d), SW_ERR_SPEC);
    sw_diag_print(&d, stdout);
    assert_int_equal(d.count, 2);
    assert_string_equal(d.entries[0].key, "zip[1]");
    assert_non_null(strstr(d.entries[0].message, "same length"));
    assert_string_equal(d.entries[1].key, "zip[2]");
    sw_diag_clear(&d);
    sw_spec_free(&spec);
    sw_spec_free(&one);
    sw_spec_free(&map);
}

static void test_zero_dims_is_one_task(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: one\nexperiment: noop\nfixed:\n  x: 2.5\ngrid:\nzip:\n---\n"
                         "sweep: reps\nexperiment: noop\nreplicates: 3\n");
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->n_dims, 0);
    assert_int_equal(s->n_tasks, 1);
    sw_value p[3];
    uint64_t rep = 99;
    sw_sweep_task(s, 0, p, &rep);
    assert_true(p[NOOP_X].real == 2.5);
    assert_int_equal(rep, 0);
    s = &spec->sweeps[1];
    assert_int_equal(s->n_dims, 1);
    assert_string_equal(s->dims[0].name, "replicate");
    assert_int_equal(s->n_tasks, 3);
    sw_sweep_task(s, 2, p, &rep);
    assert_int_equal(rep, 2);
    sw_spec_free(&spec);
}

static void test_fixed_overrides_defaults(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: s\nexperiment: noop\nseed: 3\nfixed: {draws: 1e3, x: -.inf}\n");
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->seed, 3);
    assert_int_equal(s->base[NOOP_DRAWS].integer, 1000);
    assert_true(s->base[NOOP_X].real == -HUGE_VAL);
    assert_int_equal(s->base[NOOP_K].integer, 0);
    sw_spec_free(&spec);
}

/* YAML 1.2 core schema: explicit tags override the plain-scalar resolution. */
static void test_explicit_tags(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: s\nexperiment: noop\nfixed: {x: !!float \"0.5\", k: !!int \"7\"}\n");
    assert_true(spec->sweeps[0].base[NOOP_X].real == 0.5);
    assert_int_equal(spec->sweeps[0].base[NOOP_K].integer, 7);
    sw_spec_free(&spec);
}

static void test_seed_full_precision(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: a\nexperiment: noop\nseed: 18446744073709551615\n---\n"
                         "sweep: b\nexperiment: noop\nseed: 9007199254740993\n---\n"
                         "sweep: c\nexperiment: noop\nseed: 0xFFFFFFFFFFFFFFFF\n");
    assert_true(spec->sweeps[0].seed == UINT64_MAX);
    assert_true(spec->sweeps[1].seed == 9007199254740993ULL); /* 2^53 + 1: not a double */
    assert_true(spec->sweeps[2].seed == UINT64_MAX);
    sw_spec_free(&spec);
}

static void test_task_limit(void **state) {
    (void)state;
    const char text[] = "sweep: s\nexperiment: noop\ngrid:\n  x: [1, 2, 3]\n  k: [1, 2, 3, 4]\n";
    sw_spec *spec = load_in(test_registry(), text, 12);
    assert_int_equal(spec->sweeps[0].n_tasks, 12);
    sw_spec_free(&spec);
    sw_diag d = load_bad_in(test_registry(), text, 11);
    assert_true(diag_has(&d, "the sweep has 12 tasks (x 3 x k 4), more than the limit of 11"));
    sw_diag_clear(&d);
}

/* ---- several documents and files ---- */
static void test_multiple_documents_and_files(void **state) {
    (void)state;
    const char *paths[] = {GOOD_DIR "/several_sweeps.yaml", GOOD_DIR "/noop_axes.yaml"};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(sw_spec_load_files(paths, 2, NULL, &spec, &d), SW_OK);
    assert_int_equal(spec->n_sweeps, 4);
    const char *names[] = {"first", "second", "third_3", "noop-axes"};
    const char *exps[] = {"noop", "sleep", "fail", "noop"};
    const int lines[] = {2, 10, 14, 2};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(spec->sweeps[i].name, names[i]);
        assert_string_equal(spec->sweeps[i].exp->name, exps[i]);
        assert_string_equal(spec->sweeps[i].file, paths[i < 3 ? 0 : 1]);
        assert_int_equal(spec->sweeps[i].line, lines[i]);
    }
    assert_int_equal(spec->sweeps[0].n_tasks, 9); /* x 3 x point 3 */
    assert_int_equal(spec->sweeps[1].n_tasks, 1);
    assert_int_equal(spec->sweeps[2].n_tasks, 22); /* fail 2 x value 11 */
    assert_int_equal(spec->sweeps[3].n_tasks, 30); /* x 5 x k 3 x replicate 2 */
    const int64_t k[] = {10, 5, 0};
    assert_int_axis(&spec->sweeps[3].grid[1], k, 3);
    assert_int_equal(d.count, 0);
    sw_spec_free(&spec);
}

/* Writes text to dir/name and returns the path (static buffer per slot). */
static const char *write_temp(const char *dir, const char *name, const char *text, int slot) {
    static char paths[4][512];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
    FILE *f = fopen(paths[slot], "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return paths[slot];
}

static void test_names_unique_across_files(void **state) {
    (void)state;
    char dir[] = "/tmp/sw_spec_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *paths[] = {write_temp(dir, "a.yaml", "sweep: same\nexperiment: noop\n", 0),
                           write_temp(dir, "b.yaml", "sweep: other\nexperiment: noop\n---\nsweep: same\n"
                                                     "experiment: sleep\n", 1)};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(sw_spec_load_files(paths, 2, NULL, &spec, &d), SW_ERR_SPEC);
    assert_null(spec);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.entries[0].file, paths[1]);
    assert_int_equal(d.entries[0].line, 4);
    assert_int_equal(d.entries[0].col, 8);
    assert_non_null(strstr(d.entries[0].message, "duplicate sweep name 'same'"));
    assert_non_null(strstr(d.entries[0].message, paths[0])); /* names where it was first used */
    sw_diag_clear(&d);
    /* Each file alone is fine. */
    assert_int_equal(sw_spec_load_files(paths + 1, 1, NULL, &spec, &d), SW_OK);
    assert_int_equal(spec->n_sweeps, 2);
    sw_spec_free(&spec);
    unlink(paths[0]);
    unlink(paths[1]);
    rmdir(dir);
}

static void test_text_is_verbatim_document(void **state) {
    (void)state;
    const char text[] = "# leading comment\n"
                        "sweep: one   # trailing comment\n"
                        "experiment: noop\n"
                        "---\n"
                        "sweep: two\n"
                        "experiment: noop\n";
    sw_spec *spec = load(text);
    assert_string_equal(spec->sweeps[0].text, "sweep: one   # trailing comment\nexperiment: noop\n");
    assert_string_equal(spec->sweeps[1].text, "---\nsweep: two\nexperiment: noop\n");
    assert_int_equal(spec->sweeps[0].line, 2);
    assert_int_equal(spec->sweeps[1].line, 5);
    assert_string_equal(spec->sweeps[0].file, "test.yaml");
    sw_spec_free(&spec);
}

/* ---- hash ---- */
static void hash_of(const char *text, uint64_t out[2]) {
    sw_spec *spec = load(text);
    out[0] = spec->sweeps[0].hash[0];
    out[1] = spec->sweeps[0].hash[1];
    sw_spec_free(&spec);
}

static void test_hash_invariants(void **state) {
    (void)state;
    static const char base[] = "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\n"
                               "fixed:\n  draws: 1000\n  k: 3\ngrid:\n  x: [0.5, 1]\n";
    static const char *const same[] = {
        /* comments, whitespace, key order, number spelling, flow style, the name, a description */
        "# a comment\nsweep:   h # name\n\nexperiment: noop\nseed: 0x5\nreplicates: 2\n"
        "fixed: {k: 3, draws: 1e3}\ngrid:\n  x: [5e-1, 1.0]\n",
        "grid: {x: [0.5, 1]}\nfixed:\n  k: +3\n  draws: 1000.0\nreplicates: 2\nseed: 5\nexperiment: noop\nsweep: h\n",
        "sweep: renamed\nexperiment: noop\nseed: 5\nreplicates: 2\ndescription: text does not count\n"
        "fixed:\n  draws: 1000\n  k: 3\ngrid:\n  x: [0.5, 1]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\nfixed:\n  draws: 1000\n  k: 3\n"
        "grid:\n  x:\n    - 0.5\n    - 1\n",
    };
    static const char *const different[] = {
        "sweep: h\nexperiment: noop\nseed: 6\nreplicates: 2\nfixed:\n  draws: 1000\n  k: 3\ngrid:\n  x: [0.5, 1]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 3\nfixed:\n  draws: 1000\n  k: 3\ngrid:\n  x: [0.5, 1]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\nfixed:\n  draws: 1001\n  k: 3\ngrid:\n  x: [0.5, 1]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\nfixed:\n  draws: 1000\n  k: 3\ngrid:\n  x: [1, 0.5]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\nfixed:\n  draws: 1000\n  k: 3\ngrid:\n  x: [0.5, 1, 2]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\nfixed:\n  draws: 1000\n  k: 4\ngrid:\n  x: [0.5, 1]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\nfixed:\n  draws: 1000\n  k: 3\nzip:\n  x: [0.5, 1]\n",
        "sweep: h\nexperiment: noop\nseed: 5\nreplicates: 2\nfixed:\n  draws: 1000\n  k: 3\n"
        "grid:\n  x: [0.5, 1.0000000001]\n",
    };
    uint64_t h0[2], h[2];
    hash_of(base, h0);
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        hash_of(same[i], h);
        if (h[0] != h0[0] || h[1] != h0[1]) printf("hash changed for variant %zu\n", i);
        assert_true(h[0] == h0[0] && h[1] == h0[1]);
    }
    for (size_t i = 0; i < sizeof different / sizeof different[0]; i++) {
        hash_of(different[i], h);
        if (h[0] == h0[0] && h[1] == h0[1]) printf("hash unchanged for variant %zu\n", i);
        assert_false(h[0] == h0[0] && h[1] == h0[1]);
    }
    /* An explicit default is the same computation; replicates: 1 adds a dimension, so it is not. */
    uint64_t a[2], b[2], c[2];
    hash_of("sweep: d\nexperiment: noop\n", a);
    hash_of("sweep: d\nexperiment: noop\nfixed:\n  k: 0\n  draws: 1\n", b);
    hash_of("sweep: d\nexperiment: noop\nreplicates: 1\n", c);
    assert_true(a[0] == b[0] && a[1] == b[1]);
    assert_false(a[0] == c[0] && a[1] == c[1]);
    /* Swapping the order of two grid axes changes the layout, hence the hash. */
    hash_of("sweep: o\nexperiment: noop\ngrid:\n  x: [1, 2]\n  k: [1, 2]\n", a);
    hash_of("sweep: o\nexperiment: noop\ngrid:\n  k: [1, 2]\n  x: [1, 2]\n", b);
    assert_false(a[0] == b[0] && a[1] == b[1]);
}

/* ---- task keys ---- */
static void test_task_key_definition(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: s\nexperiment: noop\nseed: 42\nreplicates: 3\ngrid:\n  x: [1, 2]\n");
    const sw_sweep *s = &spec->sweeps[0];
    sw_value p[3];
    uint64_t rep, ref[2];
    sw_sweep_task(s, 5, p, &rep);
    sw_rng_key key;
    sw_sweep_task_key(s, p, rep, &key);
    sw_param_hash(s->exp, p, ref);
    assert_true(key.seed == 42);
    assert_true(key.hash[0] == ref[0] && key.hash[1] == ref[1]);
    assert_int_equal(key.replicate, 2);
    /* different replicate or different values: different keys */
    sw_rng_key k0, k1;
    sw_sweep_task(s, 0, p, &rep);
    sw_sweep_task_key(s, p, rep, &k0);
    sw_sweep_task(s, 1, p, &rep);
    sw_sweep_task_key(s, p, rep, &k1);
    assert_true(k0.hash[0] == k1.hash[0] && k0.replicate != k1.replicate);
    sw_sweep_task(s, 3, p, &rep);
    sw_sweep_task_key(s, p, rep, &k1);
    assert_true(k0.hash[0] != k1.hash[0] || k0.hash[1] != k1.hash[1]);
    sw_spec_free(&spec);
}

/* Keys depend on values, not positions: growing an axis (at either end), adding replicates, or moving a parameter
 * between fixed: and grid: leaves the keys of the tasks that were already there unchanged. */
static void test_task_keys_survive_axis_growth(void **state) {
    (void)state;
    sw_spec *spec = load("sweep: small\nexperiment: noop\nseed: 9\nreplicates: 2\nfixed: {k: 4}\n"
                         "grid:\n  x: [1, 2, 3]\n---\n"
                         "sweep: big\nexperiment: noop\nseed: 9\nreplicates: 3\n"
                         "grid:\n  x: [0, 1, 2, 3, 4]\n  k: [3, 4, 5]\n");
    const sw_sweep *small = &spec->sweeps[0], *big = &spec->sweeps[1];
    size_t matched = 0;
    for (uint64_t t = 0; t < small->n_tasks; t++) {
        sw_value p[3], q[3];
        uint64_t rep, rep2;
        sw_rng_key ks, kb;
        sw_sweep_task(small, t, p, &rep);
        sw_sweep_task_key(small, p, rep, &ks);
        for (uint64_t u = 0; u < big->n_tasks; u++) {
            sw_sweep_task(big, u, q, &rep2);
            if (q[NOOP_X].real != p[NOOP_X].real || q[NOOP_K].integer != p[NOOP_K].integer || rep2 != rep) continue;
            sw_sweep_task_key(big, q, rep2, &kb);
            assert_memory_equal(&ks, &kb, sizeof ks);
            matched++;
        }
    }
    assert_int_equal(matched, small->n_tasks);
    sw_spec_free(&spec);
}

/* ---- list, shape and checked parameters (test experiment) ---- */
static void test_list_parameters(void **state) {
    (void)state;
    sw_spec *spec = load_in(test_registry(),
                            "sweep: flow\nexperiment: testexp\nfixed:\n  w: [0.1, -0.2, 1]\n---\n"
                            "sweep: block\nexperiment: testexp\nfixed:\n  w:\n    - 0.25\n---\n"
                            "sweep: default\nexperiment: testexp\ngrid:\n  a: [0, 1]\n",
                            0);
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->base[TP_W].len, 3);
    assert_true(s->base[TP_W].list[0] == 0.1 && s->base[TP_W].list[1] == -0.2 && s->base[TP_W].list[2] == 1);
    sw_value p[SW_COUNT(test_params)];
    uint64_t rep;
    sw_sweep_task(s, 0, p, &rep);
    assert_ptr_equal(p[TP_W].list, s->base[TP_W].list); /* borrowed from the sweep */
    assert_int_equal(spec->sweeps[1].base[TP_W].len, 1);
    assert_true(spec->sweeps[1].base[TP_W].list[0] == 0.25);
    assert_ptr_equal(spec->sweeps[2].base[TP_W].list, w_default); /* the default is borrowed, not copied */
    /* lists change the hash by value and by length */
    assert_false(spec->sweeps[0].hash[0] == spec->sweeps[1].hash[0]);
    sw_spec_free(&spec);

    sw_diag d = load_bad_in(test_registry(),
                            "sweep: a\nexperiment: testexp\nfixed:\n  w: []\n---\n"
                            "sweep: b\nexperiment: testexp\nfixed:\n  w: [0, 0, 0, 0, 0]\n---\n"
                            "sweep: c\nexperiment: testexp\nfixed:\n  w: [0, 2]\n---\n"
                            "sweep: d\nexperiment: testexp\ngrid:\n  w: [[0, 1]]\n",
                            0);
    assert_int_equal(d.count, 4);
    assert_non_null(strstr(d.entries[0].message, "the list has 0 elements: expected a list of 1 to 4 real numbers"));
    assert_non_null(strstr(d.entries[1].message, "the list has 5 elements"));
    assert_string_equal(d.entries[2].key, "fixed.w[1]");
    assert_non_null(strstr(d.entries[2].message, "2 is out of range"));
    assert_non_null(strstr(d.entries[3].message, "'w' is a list parameter: it can only be under fixed:"));
    sw_diag_clear(&d);
}

static void test_shape_and_bounds(void **state) {
    (void)state;
    sw_diag d = load_bad_in(test_registry(),
                            "sweep: a\nexperiment: testexp\ngrid:\n  n: [2, 3]\n---\n"
                            "sweep: b\nexperiment: testexp\nfixed:\n  r: 0\n---\n"
                            "sweep: c\nexperiment: testexp\ngrid:\n  r: [1, .inf]\n---\n"
                            "sweep: d\nexperiment: testexp\nfixed:\n  mode: slwo\n",
                            0);
    assert_int_equal(d.count, 4);
    assert_non_null(
        strstr(d.entries[0].message, "parameter 'n' fixes the shape of output 'hist' (its dimension 'bin')"));
    assert_string_equal(d.entries[0].key, "grid.n");
    assert_int_equal(d.entries[0].line, 4);
    assert_non_null(strstr(d.entries[1].message, "expected a real number in (0, inf)"));
    assert_non_null(strstr(d.entries[1].message, "the bound 0 itself is excluded"));
    assert_non_null(strstr(d.entries[2].message, "inf is out of range"));
    assert_string_equal(d.entries[2].key, "grid.r[1]");
    assert_non_null(strstr(d.entries[3].message, "unknown choice 'slwo' (did you mean 'slow'?)"));
    sw_diag_clear(&d);
    /* fixing the shape parameter is fine */
    sw_spec *spec = load_in(test_registry(), "sweep: ok\nexperiment: testexp\nfixed:\n  n: 7\n", 0);
    assert_int_equal(spec->sweeps[0].base[TP_N].integer, 7);
    sw_spec_free(&spec);
}

static void test_check_every_task(void **state) {
    (void)state;
    check_calls = 0;
    sw_diag d = load_bad_in(test_registry(),
                            "sweep: s\nexperiment: testexp\nreplicates: 4\ngrid:\n  a: [1, 2, 3]\n  b: [1, 2, 3]\n", 0);
    assert_int_equal(check_calls, 9); /* every parameter combination once; replicates change nothing */
    assert_int_equal(d.count, 3);     /* (2, 1), (3, 1), (3, 2) */
    assert_string_equal(d.entries[0].message, "task 12 (a = 2, b = 1) is rejected by experiment 'testexp': a must not "
                                              "exceed b");
    assert_string_equal(d.entries[0].key, "grid");
    assert_int_equal(d.entries[0].line, 4);
    sw_diag_clear(&d);
    /* zip rows are checked with the grid */
    d = load_bad_in(test_registry(), "sweep: z\nexperiment: testexp\nzip:\n  a: [1, 5]\n  b: [2, 3]\n", 0);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.entries[0].message, "task 1 (a = 5, b = 3)"));
    sw_diag_clear(&d);
    /* a sweep without axes is checked once */
    check_calls = 0;
    d = load_bad_in(test_registry(), "sweep: f\nexperiment: testexp\nfixed: {a: 3, b: 2}\n", 0);
    assert_int_equal(check_calls, 1);
    assert_non_null(strstr(d.entries[0].message, "the parameters are rejected by experiment 'testexp'"));
    sw_diag_clear(&d);
}

static void test_check_reports_at_most_five(void **state) {
    (void)state;
    sw_diag d = load_bad_in(test_registry(), "sweep: s\nexperiment: testexp\ngrid:\n  a: {range: [0, 9, 1]}\n"
                                             "  b: [0]\n", 0);
    assert_int_equal(d.count, SPEC_MAX_CHECK_REPORTS + 1);
    assert_non_null(strstr(d.entries[SPEC_MAX_CHECK_REPORTS].message, "9 parameter combinations in all"));
    sw_diag_clear(&d);
}

/* Above a million combinations only the corners of the grid are checked. */
static void test_check_corners_of_large_sweeps(void **state) {
    (void)state;
    check_calls = 0;
    sw_diag d = load_bad_in(test_registry(),
                            "sweep: s\nexperiment: testexp\ngrid:\n  a: {range: [0, 1100, 1]}\n"
                            "  b: {range: [0, 999, 1]}\n",
                            0);
    assert_int_equal(check_calls, 4);
    assert_int_equal(d.count, 2); /* (1100, 0) and (1100, 999) */
    assert_non_null(strstr(d.entries[0].message, "(a = 1100, b = 0)"));
    assert_non_null(strstr(d.entries[1].message, "(a = 1100, b = 999)"));
    sw_diag_clear(&d);
}

/* ---- experiments written by others: exercised when registered ---- */
static void test_angle_bins_shape(void **state) {
    (void)state;
    if (!sw_experiment_find("angle")) {
        printf("skipped: experiment 'angle' is not registered yet\n");
        skip();
    }
    const char *paths[] = {GOOD_DIR "/angle.yaml"};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(sw_spec_load_files(paths, 1, NULL, &spec, &d), SW_OK);
    const sw_sweep *s = &spec->sweeps[0];
    assert_int_equal(s->n_dims, 2);
    assert_int_equal(s->n_tasks, 12);
    int bins = sw_param_index(s->exp, "bins");
    assert_true(bins >= 0);
    assert_int_equal(s->base[bins].integer, 8);
    sw_spec_free(&spec);
    const char bad[] = "sweep: s\nexperiment: angle\ngrid:\n  bins: [8, 16]\n";
    assert_int_equal(sw_spec_load_string(bad, sizeof bad - 1, "a.yaml", NULL, &spec, &d), SW_ERR_SPEC);
    assert_true(diag_has(&d, "parameter 'bins' fixes the shape of output"));
    sw_diag_clear(&d);
}

static void test_gumbel_list_parameters(void **state) {
    (void)state;
    const sw_experiment *e = sw_experiment_find("gumbel");
    if (!e) {
        printf("skipped: experiment 'gumbel' is not registered yet\n");
        skip();
    }
    const char *paths[] = {GOOD_DIR "/gumbel.yaml"};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    sw_status st = sw_spec_load_files(paths, 1, NULL, &spec, &d);
    sw_diag_print(&d, stdout);
    assert_int_equal(st, SW_OK);
    const sw_sweep *s = &spec->sweeps[0];
    int logits = sw_param_index(e, "logits"), values = sw_param_index(e, "values");
    assert_true(logits >= 0 && values >= 0);
    assert_int_equal(s->base[logits].len, 3);
    assert_true(s->base[logits].list[2] == 0.7);
    assert_int_equal(s->base[values].len, 3);
    assert_true(s->base[values].list[2] == 5);
    assert_int_equal(s->n_tasks, 5);
    sw_spec_free(&spec);
}

/* Every job spec shipped in jobs/ loads with the experiments registered now. */
static void test_jobs_load(void **state) {
    (void)state;
    glob_t g;
    if (glob(SW_JOBS_DIR "/*.yaml", 0, NULL, &g) != 0 || g.gl_pathc == 0) {
        globfree(&g);
        printf("skipped: no job specs in %s yet\n", SW_JOBS_DIR);
        skip();
    }
    size_t failed = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *paths[] = {g.gl_pathv[i]};
        sw_spec *spec = NULL;
        sw_diag d = {0};
        if (sw_spec_load_files(paths, 1, NULL, &spec, &d) != SW_OK) {
            sw_diag_print(&d, stdout);
            failed++;
        }
        sw_spec_free(&spec);
        sw_diag_clear(&d);
    }
    globfree(&g);
    assert_int_equal(failed, 0);
}

/* where: keeps a triangle of the grid; the experiment's check never sees the excluded combinations (a > b would be
 * rejected); the filter's parsed form, not its spelling, enters the hash; replicates share their point's fate. */
static void test_where_filter(void **state) {
    (void)state;
    static const sw_experiment *const reg[] = {&test_exp, NULL};
    const char *tri = "sweep: t\nexperiment: testexp\nreplicates: 2\ngrid:\n  a: [1, 2, 3]\n  b: [1, 2, 3]\n"
                      "  mode: [fast, exact]\nwhere: a <= b and (mode == 'fast' or b == 3)\n";
    sw_spec *spec = load_in(reg, tri, 0);
    const sw_sweep *s = &spec->sweeps[0];
    assert_non_null(s->where);
    assert_int_equal(s->n_tasks, 36);
    /* kept: fast with a <= b (6 combos), exact with b = 3 (3 combos): 9 of 18 combinations, times 2 replicates */
    assert_int_equal(s->n_excluded, 18);
    sw_value param[TP_N + 1];
    uint64_t kept = 0;
    for (uint64_t t = 0; t < s->n_tasks; t++) {
        uint64_t rep;
        sw_sweep_task(s, t, param, &rep);
        bool in = sw_sweep_task_included(s, param);
        kept += in;
        bool want = param[TP_A].integer <= param[TP_B].integer &&
                    (param[TP_MODE].integer == 0 || param[TP_B].integer == 3);
        assert_int_equal(in, want);
    }
    assert_int_equal(kept, 18);
    const char *respelled = "sweep: t\nexperiment: testexp\nreplicates: 2\ngrid:\n  a: [1, 2, 3]\n  b: [1, 2, 3]\n"
                            "  mode: [fast, exact]\nwhere: ((a<=b)) and (mode=='fast' or b==3)   # same\n";
    const char *other = "sweep: t\nexperiment: testexp\nreplicates: 2\ngrid:\n  a: [1, 2, 3]\n  b: [1, 2, 3]\n"
                        "  mode: [fast, exact]\nwhere: a <= b and (mode == 'fast' or b == 2)\n";
    const char *none = "sweep: t\nexperiment: testexp\nreplicates: 2\ngrid:\n  a: [1, 2, 3]\n  b: [1, 2, 3]\n"
                       "  mode: [fast, exact]\n";
    sw_spec *same = load_in(reg, respelled, 0), *diff = load_in(reg, other, 0);
    assert_memory_equal(s->hash, same->sweeps[0].hash, sizeof s->hash);
    assert_memory_not_equal(s->hash, diff->sweeps[0].hash, sizeof s->hash);
    sw_diag d = load_bad_in(reg, none, 0); /* without where: the check rejects a > b */
    assert_true(d.count > 0);
    assert_non_null(strstr(d.entries[0].message, "a must not exceed b"));
    sw_diag_clear(&d);
    sw_spec_free(&spec);
    sw_spec_free(&same);
    sw_spec_free(&diff);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_axis_and_defaults),
        cmocka_unit_test(test_linspace_geomspace_range),
        cmocka_unit_test(test_integer_rounding),
        cmocka_unit_test(test_choice_axis),
        cmocka_unit_test(test_task_indexing_row_major),
        cmocka_unit_test(test_zip_along_point),
        cmocka_unit_test(test_zero_dims_is_one_task),
        cmocka_unit_test(test_fixed_overrides_defaults),
        cmocka_unit_test(test_explicit_tags),
        cmocka_unit_test(test_seed_full_precision),
        cmocka_unit_test(test_task_limit),
        cmocka_unit_test(test_multiple_documents_and_files),
        cmocka_unit_test(test_names_unique_across_files),
        cmocka_unit_test(test_text_is_verbatim_document),
        cmocka_unit_test(test_hash_invariants),
        cmocka_unit_test(test_task_key_definition),
        cmocka_unit_test(test_task_keys_survive_axis_growth),
        cmocka_unit_test(test_list_parameters),
        cmocka_unit_test(test_shape_and_bounds),
        cmocka_unit_test(test_check_every_task),
        cmocka_unit_test(test_check_reports_at_most_five),
        cmocka_unit_test(test_check_corners_of_large_sweeps),
        cmocka_unit_test(test_angle_bins_shape),
        cmocka_unit_test(test_gumbel_list_parameters),
        cmocka_unit_test(test_jobs_load),
        cmocka_unit_test(test_where_filter),
        cmocka_unit_test(test_zip_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
