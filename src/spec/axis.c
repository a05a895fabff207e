/* axis.c: the values a swept parameter takes: an explicit list, or linspace/geomspace/range expanded here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

enum { KEY_TEXT = 300, VALUE_TEXT = 128, MESSAGE_TEXT = 512 };

/* Errors in a generated axis could number millions; a few tell the user what to fix. */
enum { MAX_VALUE_REPORTS = 3 };

/* range: b counts as hit when within this fraction of a step, so that range: [0, 1, 0.1] has 11 values although
 * (1 - 0) / 0.1 is 9.999999999999998 in binary floating point. */
#define RANGE_HIT_TOLERANCE 1e-9

typedef enum axis_form { FORM_LINSPACE, FORM_GEOMSPACE, FORM_RANGE, FORM_COUNT } axis_form;
static const char *const form_names[FORM_COUNT] = {"linspace", "geomspace", "range"};
static const char *const form_args[FORM_COUNT] = {"[start, stop, count]", "[start, stop, count]",
                                                  "[start, stop, step]"};

void spec_hash_value(sw_hash *h, const sw_param *p, const sw_value *v) {
    sw_hash_str(h, p->name);
    switch (p->type) {
    case SW_REAL: sw_hash_double(h, v->real); break;
    case SW_INT: sw_hash_i64(h, v->integer); break;
    case SW_CHOICE: sw_hash_str(h, p->choices[v->integer]); break;
    case SW_REAL_LIST:
        sw_hash_u64(h, v->len);
        for (size_t j = 0; j < v->len; j++) sw_hash_double(h, v->list[j]);
        break;
    }
}

/* ---- duplicates, by sorting 128-bit keys (n log n: axes may be long) ---- */
typedef struct keyed_row {
    uint64_t key[2];
    size_t row;
} keyed_row;

static int keyed_row_cmp(const void *pa, const void *pb) {
    const keyed_row *a = pa, *b = pb;
    for (int i = 0; i < 2; i++)
        if (a->key[i] != b->key[i]) return a->key[i] < b->key[i] ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

size_t spec_find_duplicates(const uint64_t (*keys)[2], size_t n, spec_dup_report report, void *ctx,
                            size_t max_reports, bool *oom) {
    keyed_row *rows = malloc((n ? n : 1) * sizeof *rows);
    if (!rows) {
        *oom = true;
        return 0;
    }
    for (size_t i = 0; i < n; i++) rows[i] = (keyed_row){{keys[i][0], keys[i][1]}, i};
    qsort(rows, n, sizeof *rows, keyed_row_cmp);
    size_t found = 0;
    for (size_t i = 1, first = 0; i < n; i++) {
        if (rows[i].key[0] != rows[first].key[0] || rows[i].key[1] != rows[first].key[1]) {
            first = i;
            continue;
        }
        if (found++ < max_reports) report(ctx, rows[first].row, rows[i].row);
    }
    free(rows);
    return found;
}

/* ---- reporting duplicate axis values ---- */
typedef struct dup_ctx {
    spec_ctx *c;
    const sw_param *p;
    const ynode *n;         /* the axis node */
    const char *key;
    const sw_value *values;
    const double *raw;      /* generated axes: values before rounding; NULL for explicit lists */
    const char *form;       /* generated axes: "linspace" ... */
} dup_ctx;

static void report_duplicate(void *ctx, size_t earlier, size_t later) {
    dup_ctx *d = ctx;
    char value[VALUE_TEXT], a[40], b[40];
    sw_value_format(d->p, &d->values[later], value, sizeof value);
    if (!d->raw) {
        char key[KEY_TEXT];
        spec_key(key, sizeof key, "%s[%zu]", d->key, later);
        spec_error(d->c, d->n->items[later], key,
                   "duplicate value %s: %s[%zu] has it too; equal values would run identical tasks", value, d->key,
                   earlier);
    } else if (d->p->type == SW_INT) {
        spec_error(d->c, d->n, d->key,
                   "%s values [%zu] = %s and [%zu] = %s both round to the integer %s; use fewer points or a wider "
                   "interval",
                   d->form, earlier, spec_format_number(d->raw[earlier], a, sizeof a), later,
                   spec_format_number(d->raw[later], b, sizeof b), value);
    } else {
        spec_error(d->c, d->n, d->key, "%s values [%zu] and [%zu] are both %s; equal values would run identical tasks",
                   d->form, earlier, later, value);
    }
}

static bool check_unique(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, const sw_axis *axis,
                         const double *raw, const char *form) {
    uint64_t(*keys)[2] = malloc((axis->len ? axis->len : 1) * sizeof *keys);
    if (!keys) {
        c->oom = true;
        return false;
    }
    for (size_t i = 0; i < axis->len; i++) {
        sw_hash h;
        sw_hash_init(&h);
        spec_hash_value(&h, p, &axis->values[i]);
        sw_hash_final(&h, keys[i]);
    }
    dup_ctx d = {c, p, n, key, axis->values, raw, form};
    size_t found = spec_find_duplicates((const uint64_t(*)[2])keys, axis->len, report_duplicate, &d,
                                        MAX_VALUE_REPORTS, &c->oom);
    free(keys);
    return found == 0 && !c->oom;
}

static uint64_t axis_limit(const spec_ctx *c) {
    return c->max_tasks < SPEC_MAX_AXIS_LEN ? c->max_tasks : SPEC_MAX_AXIS_LEN;
}

static bool too_long(spec_ctx *c, const ynode *n, const char *key, double count) {
    if (count <= (double)axis_limit(c)) return false;
    char num[40] = "too many";
    if (isfinite(count)) spec_format_number(count, num, sizeof num);
    spec_error(c, n, key,
               "the axis would have %s values, more than the limit of %llu per axis (a longer axis is almost surely "
               "a typo; use replicates: or a second axis for more tasks)",
               num, (unsigned long long)axis_limit(c));
    return true;
}

/* ---- explicit lists ---- */
static bool read_list_axis(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, bool unique,
                           sw_axis *out) {
    if (n->n == 0) {
        spec_error(c, n, key, "empty axis: give at least one value (or remove the key to use the default)");
        return false;
    }
    if (too_long(c, n, key, (double)n->n)) return false;
    out->values = calloc(n->n, sizeof *out->values);
    if (!out->values) {
        c->oom = true;
        return false;
    }
    out->len = n->n;
    bool ok = true;
    for (size_t i = 0; i < n->n; i++) {
        char item_key[KEY_TEXT];
        spec_key(item_key, sizeof item_key, "%s[%zu]", key, i);
        ok &= spec_read_scalar(c, p, n->items[i], item_key, &out->values[i]);
    }
    return ok && (!unique || check_unique(c, p, n, key, out, NULL, NULL));
}

/* ---- generated axes ---- */
typedef struct gen_args {
    axis_form form;
    double start, stop, third; /* third: count or step */
    size_t count;
} gen_args;

static bool read_count(spec_ctx *c, const ynode *n, const char *key, gen_args *g) {
    ynumber num;
    if (!spec_read_number(c, n, key, "the number of values, an integer >= 1", &num)) return false;
    if (num.value != floor(num.value) || num.value < 1) {
        spec_error(c, n, key, "the number of values must be an integer >= 1, got %s", n->text);
        return false;
    }
    if (too_long(c, n, key, num.value)) return false;
    g->count = (size_t)num.value;
    return true;
}

static bool read_range_step(spec_ctx *c, const ynode *n, const char *key, gen_args *g) {
    char a[40], b[40];
    if (g->third == 0) {
        spec_error(c, n, key, "the step of a range must not be 0");
        return false;
    }
    if ((g->stop - g->start) * g->third < 0) {
        spec_error(c, n, key, "the step %s goes away from the stop: from %s to %s the step must be %s", n->text,
                   spec_format_number(g->start, a, sizeof a), spec_format_number(g->stop, b, sizeof b),
                   g->stop > g->start ? "positive" : "negative");
        return false;
    }
    double steps = floor((g->stop - g->start) / g->third + RANGE_HIT_TOLERANCE);
    if (too_long(c, n, key, steps + 1)) return false; /* also catches an infinite count */
    g->count = (size_t)steps + 1;
    return true;
}

static bool read_gen_args(spec_ctx *c, const ynode *args, const char *key, gen_args *g) {
    const char *form = form_names[g->form];
    if (args->kind != YNODE_SEQ || args->n != 3) {
        char got[VALUE_TEXT];
        if (args->kind == YNODE_SEQ) snprintf(got, sizeof got, "%zu values", args->n);
        else spec_got(args, got, sizeof got);
        spec_error(c, args, key, "%s takes three values %s, got %s", form, form_args[g->form], got);
        return false;
    }
    char k0[KEY_TEXT], k1[KEY_TEXT], k2[KEY_TEXT];
    spec_key(k0, sizeof k0, "%s[0]", key);
    spec_key(k1, sizeof k1, "%s[1]", key);
    spec_key(k2, sizeof k2, "%s[2]", key);
    ynumber a, b, t;
    bool ok = spec_read_number(c, args->items[0], k0, "the start", &a);
    ok &= spec_read_number(c, args->items[1], k1, "the stop", &b);
    if (!ok) return false;
    g->start = a.value;
    g->stop = b.value;
    if (g->form == FORM_GEOMSPACE && (g->start <= 0 || g->stop <= 0)) {
        char sa[40], sb[40];
        spec_error(c, args, key,
                   "geomspace needs start > 0 and stop > 0 (a geometric sequence cannot reach or cross 0), got %s "
                   "and %s",
                   spec_format_number(g->start, sa, sizeof sa), spec_format_number(g->stop, sb, sizeof sb));
        return false;
    }
    if (g->form == FORM_RANGE) {
        if (!spec_read_number(c, args->items[2], k2, "the step", &t)) return false;
        g->third = t.value;
        return read_range_step(c, args->items[2], k2, g);
    }
    return read_count(c, args->items[2], k2, g);
}

static void generate(const gen_args *g, double *x) {
    size_t n = g->count;
    if (g->form == FORM_RANGE) {
        for (size_t i = 0; i < n; i++) x[i] = g->start + (double)i * g->third;
        if (fabs(x[n - 1] - g->stop) <= RANGE_HIT_TOLERANCE * fabs(g->third)) x[n - 1] = g->stop; /* b is hit */
        return;
    }
    if (n == 1) {
        x[0] = g->start;
        return;
    }
    double lo = g->form == FORM_GEOMSPACE ? log10(g->start) : g->start;
    double hi = g->form == FORM_GEOMSPACE ? log10(g->stop) : g->stop;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / (double)(n - 1), v = lo + t * (hi - lo);
        x[i] = g->form == FORM_GEOMSPACE ? pow(10.0, v) : v;
    }
    x[0] = g->start; /* the endpoints exactly as written, whatever the rounding on the way */
    x[n - 1] = g->stop;
}

/* Converts generated numbers to the parameter's type (rounding integers) and checks each against the bounds. */
static bool convert_generated(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, const char *form,
                              const double *raw, sw_axis *out) {
    size_t bad = 0;
    for (size_t i = 0; i < out->len; i++) {
        double x = p->type == SW_INT ? round(raw[i]) : raw[i];
        bool representable = p->type != SW_INT || fabs(x) < 0x1p63;
        if (!representable || !spec_within_bounds(p, x)) {
            if (bad++ >= MAX_VALUE_REPORTS) continue;
            char what[64], num[40];
            snprintf(what, sizeof what, "%s value [%zu]", form, i);
            if (representable) spec_check_bounds(c, p, x, n, key, what);
            else spec_error(c, n, key, "%s = %s does not fit a 64-bit integer", what,
                            spec_format_number(x, num, sizeof num));
            continue;
        }
        out->values[i] = p->type == SW_INT ? (sw_value){.integer = (int64_t)x} : (sw_value){.real = x};
    }
    if (bad > MAX_VALUE_REPORTS)
        spec_error(c, n, key, "%zu generated values in all are out of range (only the first %d are listed)", bad,
                   MAX_VALUE_REPORTS);
    return bad == 0;
}

static bool read_generated_axis(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, bool unique,
                                sw_axis *out) {
    char forms[100], hint[100];
    spec_join(form_names, FORM_COUNT, forms, sizeof forms);
    if (n->n != 1 || n->items[0]->kind != YNODE_SCALAR) {
        spec_error(c, n, key,
                   "an axis is a list, or a mapping with one key (%s): {linspace: [start, stop, count]}, "
                   "{geomspace: [start, stop, count]} or {range: [start, stop, step]}",
                   forms);
        return false;
    }
    const ynode *form_key = n->items[0], *args = n->items[1];
    gen_args g = {.form = FORM_COUNT};
    for (int f = 0; f < FORM_COUNT; f++)
        if (strcmp(form_key->text, form_names[f]) == 0) g.form = (axis_form)f;
    if (g.form == FORM_COUNT) {
        spec_error(c, form_key, key, "unknown axis form '%.60s'%s: expected a list, or one of %s", form_key->text,
                   spec_did_you_mean(form_key->text, form_names, FORM_COUNT, hint, sizeof hint), forms);
        return false;
    }
    const char *form = form_names[g.form];
    char sub_key[KEY_TEXT];
    spec_key(sub_key, sizeof sub_key, "%s.%s", key, form);
    if (p->type != SW_INT && p->type != SW_REAL) {
        char expected[MESSAGE_TEXT];
        spec_error(c, form_key, key, "%s makes numbers, but '%s' takes %s: give its values as a list", form, p->name,
                   spec_expected(p, expected, sizeof expected));
        return false;
    }
    if (!read_gen_args(c, args, sub_key, &g)) return false;
    double *raw = malloc(g.count * sizeof *raw);
    out->values = calloc(g.count, sizeof *out->values);
    if (!raw || !out->values) {
        free(raw);
        c->oom = true;
        return false;
    }
    out->len = g.count;
    generate(&g, raw);
    bool ok = convert_generated(c, p, args, sub_key, form, raw, out);
    ok = ok && (!unique || check_unique(c, p, args, sub_key, out, raw, form));
    free(raw);
    return ok;
}

bool spec_read_axis(spec_ctx *c, const sw_experiment *e, int param, const ynode *n, const char *key,
                    const char *section, bool unique, sw_axis *out) {
    const sw_param *p = &e->params[param];
    *out = (sw_axis){.param = param};
    switch (n->kind) {
    case YNODE_SEQ: return read_list_axis(c, p, n, key, unique, out);
    case YNODE_MAP: return read_generated_axis(c, p, n, key, unique, out);
    case YNODE_SCALAR: break;
    }
    if (n->scalar == YS_NULL)
        spec_error(c, n, key, "empty axis: give at least one value (or remove the key to use the default)");
    else if (strcmp(section, "grid") == 0)
        spec_error(c, n, key,
                   "a single value is not an axis: put it under fixed: (fixed: {%s: %.40s}), or write a list "
                   "[%.40s] for a dimension of length 1",
                   p->name, n->text, n->text);
    else
        spec_error(c, n, key, "zip: takes lists of equal length, got a single value: put it under fixed:");
    return false;
}
