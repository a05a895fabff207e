/* fuzz_spec.c: libFuzzer harness over the spec layer: YAML parsing, validation and expansion into tasks.
 *
 * Every input goes through sw_spec_load_string exactly as a spec file would (the bytes are not NUL-terminated, so
 * a read past the end is an AddressSanitizer report). Beyond "no crash, no sanitizer report" it checks what the
 * rest of the runner relies on, and traps when that does not hold:
 *   - a rejected input returns SW_ERR_SPEC, no spec, and at least one diagnostic with a message;
 *   - an accepted input returns no diagnostic and at least one sweep; every sweep's task count is the product of
 *     its dimensions; sweep names are unique and match [A-Za-z0-9_-]+;
 *   - expanding tasks (the first, the last and a spread in between) gives values of the parameter's type within
 *     the schema's bounds, choice indices within the choices, and replicate numbers below `replicates`; every
 *     value formats; the task key is computed;
 *   - loading the same text again gives the same hashes (the file's identity for --resume).
 * Build: scripts/fuzz (clang, -DSW_FUZZ=ON); run: scripts/fuzz --seconds N.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                                               \
    do {                                                                                                            \
        if (!(cond)) {                                                                                              \
            fprintf(stderr, "fuzz_spec: invariant violated at %s:%d: %s\n", __FILE__, __LINE__, #cond);             \
            abort();                                                                                                \
        }                                                                                                           \
    } while (0)

static int name_ok(const char *name) {
    if (!name || !name[0]) return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '-'))
            return 0;
    return 1;
}

static int in_bounds(const sw_param *p, double x) {
    return (p->min_open ? x > p->min : x >= p->min) && (p->max_open ? x < p->max : x <= p->max);
}

static void check_task(const sw_sweep *sw, uint64_t index, sw_value *param) {
    uint64_t replicate = UINT64_MAX;
    sw_sweep_task(sw, index, param, &replicate);
    REQUIRE(replicate < (uint64_t)sw->replicates);
    char buf[4096];
    for (size_t p = 0; p < sw->exp->n_params; p++) {
        const sw_param *sp = &sw->exp->params[p];
        const sw_value *v = &param[p];
        switch (sp->type) {
        case SW_REAL: REQUIRE(in_bounds(sp, v->real)); break;
        case SW_INT: REQUIRE(in_bounds(sp, (double)v->integer)); break;
        case SW_CHOICE: {
            int64_t n = 0;
            while (sp->choices[n]) n++;
            REQUIRE(v->integer >= 0 && v->integer < n);
            break;
        }
        case SW_REAL_LIST:
            REQUIRE(v->len >= sp->min_len && v->len <= sp->max_len);
            for (size_t k = 0; k < v->len; k++) REQUIRE(in_bounds(sp, v->list[k]));
            break;
        }
        REQUIRE(sw_value_format(sp, v, buf, sizeof buf) == buf);
    }
    sw_rng_key key;
    sw_sweep_task_key(sw, param, replicate, &key);
}

static void check_sweep(const sw_sweep *sw) {
    REQUIRE(name_ok(sw->name));
    REQUIRE(sw->exp && sw->replicates >= 1 && sw->n_tasks >= 1);
    uint64_t product = 1;
    for (size_t d = 0; d < sw->n_dims; d++) {
        REQUIRE(sw->dims[d].len >= 1);
        REQUIRE(product <= UINT64_MAX / sw->dims[d].len);
        product *= sw->dims[d].len;
    }
    REQUIRE(product == sw->n_tasks);
    sw_value *param = calloc(sw->exp->n_params ? sw->exp->n_params : 1, sizeof *param);
    REQUIRE(param);
    uint64_t n = sw->n_tasks, spread = n / 61 + 1;
    for (uint64_t t = 0; t < n && t < 64; t++) check_task(sw, t, param);
    for (uint64_t t = 0; t < n; t += spread) check_task(sw, t, param);
    check_task(sw, n - 1, param);
    free(param);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Each input gets its own exact-size heap copy, so that any read past `size` is caught. */
    char *text = malloc(size ? size : 1);
    REQUIRE(text);
    if (size) memcpy(text, data, size);
    sw_spec_limits limits = {.max_tasks = 0};
    sw_spec *spec = NULL;
    sw_diag diag = {0};
    sw_status s = sw_spec_load_string(text, size, "fuzz.yaml", &limits, &spec, &diag);
    if (s != SW_OK) {
        REQUIRE(s == SW_ERR_SPEC);
        REQUIRE(spec == NULL);
        REQUIRE(diag.count >= 1);
        for (size_t k = 0; k < diag.count; k++) REQUIRE(diag.entries[k].message && diag.entries[k].message[0]);
        FILE *sink = fopen("/dev/null", "w");
        if (sink) {
            sw_diag_print(&diag, sink);
            fclose(sink);
        }
    } else {
        REQUIRE(spec && spec->n_sweeps >= 1 && diag.count == 0);
        for (size_t i = 0; i < spec->n_sweeps; i++) {
            check_sweep(&spec->sweeps[i]);
            for (size_t j = 0; j < i; j++) REQUIRE(strcmp(spec->sweeps[i].name, spec->sweeps[j].name) != 0);
        }
        sw_spec *again = NULL;
        sw_diag diag2 = {0};
        REQUIRE(sw_spec_load_string(text, size, "fuzz.yaml", &limits, &again, &diag2) == SW_OK);
        REQUIRE(again->n_sweeps == spec->n_sweeps);
        for (size_t i = 0; i < spec->n_sweeps; i++)
            REQUIRE(memcmp(again->sweeps[i].hash, spec->sweeps[i].hash, sizeof spec->sweeps[i].hash) == 0);
        sw_spec_free(&again);
        sw_diag_clear(&diag2);
    }
    sw_spec_free(&spec);
    REQUIRE(spec == NULL);
    sw_diag_clear(&diag);
    free(text);
    return 0;
}
