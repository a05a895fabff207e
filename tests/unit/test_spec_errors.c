/* test_spec_errors.c: every way a sweep spec can be wrong gives SW_ERR_SPEC with a diagnostic that names the file,
 * the line (and column), and says what was expected.
 *
 * The corpus is tests/data/specs/bad (*.yaml). Each file starts with comment lines that state what it must produce:
 *   # expect: <a substring of one diagnostic's message>      (always the first line)
 *   # at: <line>[:<col>]     (optional second line: the position of that diagnostic)
 *   # needs: <experiment>    (optional: skip, saying so, while that experiment is not registered)
 *   # limit: <max tasks>     (optional: sw_spec_limits.max_tasks)
 * Two files cannot start with a comment (an empty file, a UTF-16 file); their expectations are in `headerless`.
 * tests/data/specs/good (*.yaml) must all load. A mutation test feeds thousands of damaged specs to the loader: each
 * must load or be refused with positioned diagnostics, never crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/spec.h"

#define BAD_DIR SW_TEST_DATA_DIR "/specs/bad"
#define GOOD_DIR SW_TEST_DATA_DIR "/specs/good"

enum { MAX_FILES = 512, PATH_SIZE = 1024, MIN_BAD_FILES = 45 };

typedef struct expectation {
    char expect[512];
    int line, col; /* 0: not given */
    char needs[64];
    uint64_t limit;
} expectation;

static const struct {
    const char *file, *expect;
} headerless[] = {
    {"empty_file.yaml", "no sweep in file"},
    {"utf16_bom.yaml", "not valid UTF-8"},
};

/* ---- corpus helpers ---- */
static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The .yaml files of dir, sorted; returns their count. Names are malloc'ed. */
static size_t list_yaml(const char *dir, char **names) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    return n;
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
}

/* Reads the "# key: value" lines at the top of a corpus file. */
static void read_expectation(const char *dir, const char *name, expectation *x) {
    *x = (expectation){0};
    for (size_t i = 0; i < sizeof headerless / sizeof headerless[0]; i++)
        if (strcmp(name, headerless[i].file) == 0) snprintf(x->expect, sizeof x->expect, "%s", headerless[i].expect);
    char path[PATH_SIZE], line[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) && strncmp(line, "# ", 2) == 0) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *v = strchr(line, ':');
        if (!v) break;
        v += 1 + (v[1] == ' ');
        if (strncmp(line, "# expect:", 9) == 0) snprintf(x->expect, sizeof x->expect, "%s", v);
        else if (strncmp(line, "# at:", 5) == 0) sscanf(v, "%d:%d", &x->line, &x->col);
        else if (strncmp(line, "# needs:", 8) == 0) snprintf(x->needs, sizeof x->needs, "%s", v);
        else if (strncmp(line, "# limit:", 8) == 0) x->limit = strtoull(v, NULL, 10);
        else break;
    }
    fclose(f);
}

static bool skipped_for_missing_experiment(const char *name, const expectation *x) {
    if (!x->needs[0] || sw_experiment_find(x->needs)) return false;
    printf("skipped %s: experiment '%s' is not registered yet\n", name, x->needs);
    return true;
}

/* Checks one bad file; prints what is wrong and returns false instead of failing, so that one run lists every
 * corpus file that misbehaves. */
static bool check_bad_file(const char *name) {
    expectation x;
    read_expectation(BAD_DIR, name, &x);
    if (!x.expect[0]) {
        printf("%s: no '# expect:' line\n", name);
        return false;
    }
    if (skipped_for_missing_experiment(name, &x)) return true;
    char path[PATH_SIZE];
    snprintf(path, sizeof path, "%s/%s", BAD_DIR, name);
    const char *paths[] = {path};
    sw_spec_limits limits = {.max_tasks = x.limit};
    sw_spec *spec = (sw_spec *)1;
    sw_diag d = {0};
    sw_status st = sw_spec_load_files(paths, 1, &limits, &spec, &d);
    bool ok = st == SW_ERR_SPEC && spec == NULL && d.count > 0, found = false;
    for (size_t i = 0; i < d.count; i++) {
        const sw_diag_entry *e = &d.entries[i];
        ok &= strcmp(e->file, path) == 0 && e->line > 0 && e->col > 0 && e->message[0];
        bool match = strstr(e->message, x.expect) != NULL;
        if (match && x.line) match = e->line == x.line && (x.col == 0 || e->col == x.col);
        found |= match;
    }
    ok &= found;
    if (!ok) {
        printf("%s: status %s, expected '%s'", name, sw_status_name(st), x.expect);
        if (x.line) printf(" at %d:%d", x.line, x.col);
        printf("; got:\n");
        sw_diag_print(&d, stdout);
    }
    sw_spec_free(&spec);
    sw_diag_clear(&d);
    return ok;
}

static void test_bad_corpus(void **state) {
    (void)state;
    char *names[MAX_FILES];
    size_t n = list_yaml(BAD_DIR, names), failed = 0;
    assert_true(n >= MIN_BAD_FILES);
    for (size_t i = 0; i < n; i++) failed += !check_bad_file(names[i]);
    free_names(names, n);
    assert_int_equal(failed, 0);
}

static void test_good_corpus(void **state) {
    (void)state;
    char *names[MAX_FILES];
    size_t n = list_yaml(GOOD_DIR, names), failed = 0;
    assert_true(n >= 5);
    for (size_t i = 0; i < n; i++) {
        expectation x;
        read_expectation(GOOD_DIR, names[i], &x);
        if (skipped_for_missing_experiment(names[i], &x)) continue;
        char path[PATH_SIZE];
        snprintf(path, sizeof path, "%s/%s", GOOD_DIR, names[i]);
        const char *paths[] = {path};
        sw_spec *spec = NULL;
        sw_diag d = {0};
        if (sw_spec_load_files(paths, 1, NULL, &spec, &d) != SW_OK || !spec || spec->n_sweeps == 0) {
            printf("%s does not load:\n", names[i]);
            sw_diag_print(&d, stdout);
            failed++;
        }
        sw_spec_free(&spec);
        sw_diag_clear(&d);
    }
    free_names(names, n);
    assert_int_equal(failed, 0);
}

/* Every problem is reported, across documents and across files, not just the first. */
static void test_several_errors(void **state) {
    (void)state;
    static const char *const expected[] = {
        "unknown key 'replicate'",  "unsigned 64-bit integer", "non-integer number 2.5", "empty axis",
        "put it under fixed:",      "duplicate sweep name 'm1'", "unknown experiment 'sleeep'",
    };
    enum { N_EXPECTED = sizeof expected / sizeof expected[0] };
    const char *paths[] = {BAD_DIR "/several_errors.yaml", BAD_DIR "/seed_negative.yaml"};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(sw_spec_load_files(paths, 1, NULL, &spec, &d), SW_ERR_SPEC);
    sw_diag_print(&d, stdout);
    assert_int_equal(d.count, N_EXPECTED);
    for (size_t i = 0; i < N_EXPECTED; i++) {
        bool found = false;
        for (size_t j = 0; j < d.count; j++) found |= strstr(d.entries[j].message, expected[i]) != NULL;
        if (!found) printf("missing: %s\n", expected[i]);
        assert_true(found);
    }
    sw_diag_clear(&d);
    assert_int_equal(sw_spec_load_files(paths, 2, NULL, &spec, &d), SW_ERR_SPEC);
    assert_int_equal(d.count, N_EXPECTED + 1);
    assert_string_equal(d.entries[N_EXPECTED].file, paths[1]);
    assert_null(spec);
    sw_diag_clear(&d);
}

/* Problems come in line order whatever order they are found in, and keys that an unknown experiment makes
 * uncheckable are named in notes (which do not count as problems). */
static void test_line_order_and_unchecked(void **state) {
    (void)state;
    const char text[] = "sweep: bad\n"
                        "grid:\n"
                        "  dim: [1, 3]\n"
                        "experiment: angel\n"
                        "fixed:\n"
                        "  samples: -1\n"
                        "seed: -3\n"
                        "replicates: 0\n";
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(sw_spec_load_string(text, sizeof text - 1, "x.yaml", NULL, &spec, &d), SW_ERR_SPEC);
    sw_diag_print(&d, stdout);
    assert_int_equal(d.count, 5);
    assert_int_equal(sw_diag_problems(&d), 3);
    static const int lines[] = {2, 4, 5, 7, 8};
    static const bool notes[] = {true, false, true, false, false};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(d.entries[i].line, lines[i]);
        assert_int_equal(d.entries[i].note, notes[i]);
    }
    assert_non_null(strstr(d.entries[0].message, "not checked"));
    assert_string_equal(d.entries[2].key, "fixed");
    assert_null(spec);
    sw_diag_clear(&d);
}

/* A diagnostic list the caller already holds is appended to, never cleared. */
static void test_appends_to_diag(void **state) {
    (void)state;
    sw_diag d = {0};
    sw_diag_add(&d, "earlier.yaml", 1, 1, NULL, NULL, "an earlier problem");
    sw_spec *spec = NULL;
    const char text[] = "sweep: s\nexperiment: noop\nseed: -1\n";
    assert_int_equal(sw_spec_load_string(text, sizeof text - 1, "x.yaml", NULL, &spec, &d), SW_ERR_SPEC);
    assert_int_equal(d.count, 2);
    assert_string_equal(d.entries[0].file, "earlier.yaml");
    assert_string_equal(d.entries[1].file, "x.yaml");
    assert_string_equal(d.entries[1].key, "seed");
    assert_string_equal(d.entries[1].value, "-1");
    sw_diag_clear(&d);
}

static void test_unreadable_files(void **state) {
    (void)state;
    const char *paths[] = {SW_TEST_DATA_DIR "/specs/no-such-file.yaml", SW_TEST_DATA_DIR "/specs"};
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(sw_spec_load_files(paths, 2, NULL, &spec, &d), SW_ERR_SPEC);
    assert_null(spec);
    assert_int_equal(d.count, 2);
    assert_string_equal(d.entries[0].file, paths[0]);
    assert_non_null(strstr(d.entries[0].message, strerror(ENOENT)));
    assert_string_equal(d.entries[1].file, paths[1]);
    assert_non_null(strstr(d.entries[1].message, strerror(EISDIR)));
    sw_diag_clear(&d);
    assert_int_equal(sw_spec_load_files(paths, 0, NULL, &spec, &d), SW_ERR_SPEC); /* no file at all */
    assert_int_equal(d.count, 1);
    sw_diag_clear(&d);
}

/* Hostile nesting far beyond the limit stops at the limit: no stack or memory blow-up, no long parse. */
static void test_very_deep_nesting(void **state) {
    (void)state;
    enum { DEPTH = 1000000 };
    static const char head[] = "sweep: s\nexperiment: noop\nfixed:\n  x: ";
    size_t len = sizeof head - 1 + 2 * DEPTH;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memcpy(text, head, sizeof head - 1);
    memset(text + sizeof head - 1, '[', DEPTH);
    memset(text + sizeof head - 1 + DEPTH, ']', DEPTH);
    text[len] = '\0';
    sw_spec *spec = NULL;
    sw_diag d = {0};
    assert_int_equal(sw_spec_load_string(text, len, "deep.yaml", NULL, &spec, &d), SW_ERR_SPEC);
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.entries[0].message, "nested deeper"));
    assert_int_equal(d.entries[0].line, 4);
    sw_diag_clear(&d);
    free(text);
}

/* ---- mutation fuzzing ---- */
static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static const char seed_spec[] = "# a sweep\n"
                                "sweep: fuzz\n"
                                "experiment: noop\n"
                                "seed: 12\n"
                                "replicates: 2\n"
                                "fixed: {draws: 3}\n"
                                "grid:\n"
                                "  x: {linspace: [0, 1, 4]}\n"
                                "  k: [1, 2, 3]\n"
                                "---\n"
                                "sweep: fuzz2\n"
                                "experiment: sleep\n"
                                "zip:\n"
                                "  seconds: &s [0.1, 0.2]\n"
                                "  spin: [0, 1]\n";

/* Replaces, inserts or deletes a few bytes, favouring characters that mean something to YAML. */
static size_t mutate(uint64_t *rng, const char *in, size_t len, char *out) {
    static const char alphabet[] = "[]{}:,-&*!|>'\"#%@`\t\n ?0123456789.e~\\";
    memcpy(out, in, len);
    int edits = 1 + (int)(lcg(rng) % 3);
    for (int i = 0; i < edits && len > 0; i++) {
        size_t at = lcg(rng) % len;
        char c = lcg(rng) % 4 == 0 ? (char)(lcg(rng) & 0xFF) : alphabet[lcg(rng) % (sizeof alphabet - 1)];
        switch (lcg(rng) % 3) {
        case 0: out[at] = c; break;
        case 1:
            memmove(out + at + 1, out + at, len - at);
            out[at] = c;
            len++;
            break;
        default:
            memmove(out + at, out + at + 1, len - at - 1);
            len--;
            break;
        }
    }
    return len;
}

static void test_mutations_never_crash(void **state) {
    (void)state;
    enum { ROUNDS = 3000 };
    uint64_t rng = 7076;
    char buf[sizeof seed_spec + 16];
    size_t loaded = 0, refused = 0;
    for (int r = 0; r < ROUNDS; r++) {
        size_t len = mutate(&rng, seed_spec, sizeof seed_spec - 1, buf);
        sw_spec *spec = NULL;
        sw_diag d = {0};
        sw_status st = sw_spec_load_string(buf, len, "fuzz.yaml", NULL, &spec, &d);
        if (st == SW_OK) {
            assert_non_null(spec);
            assert_int_equal(d.count, 0);
            loaded++;
        } else {
            assert_int_equal(st, SW_ERR_SPEC);
            assert_null(spec);
            assert_true(d.count > 0);
            for (size_t i = 0; i < d.count; i++) {
                if (d.entries[i].line <= 0) sw_diag_print(&d, stdout);
                assert_true(d.entries[i].line > 0);
            }
            refused++;
        }
        sw_spec_free(&spec);
        sw_diag_clear(&d);
    }
    printf("mutations: %zu loaded, %zu refused\n", loaded, refused);
    assert_true(loaded > 0 && refused > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_good_corpus),
        cmocka_unit_test(test_several_errors),
        cmocka_unit_test(test_line_order_and_unchecked),
        cmocka_unit_test(test_appends_to_diag),
        cmocka_unit_test(test_unreadable_files),
        cmocka_unit_test(test_very_deep_nesting),
        cmocka_unit_test(test_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
