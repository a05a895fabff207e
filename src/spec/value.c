/* value.c: one YAML scalar or list -> one parameter value, with messages that say what was expected. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

enum { VALUE_TEXT = 128, MESSAGE_TEXT = 512 };

/* ---- diagnostics ---- */
void spec_error_at(spec_ctx *c, int line, int col, const char *key, const char *value, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sw_diag_add(c->diag, c->file, line, col, key, value, "%s", msg);
}

void spec_error(spec_ctx *c, const ynode *at, const char *key, const char *fmt, ...) {
    char msg[1024], value[VALUE_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ynode_as_written(at, c->src, c->src_len, value, sizeof value);
    sw_diag_add(c->diag, c->file, at->line, at->col, key, value[0] ? value : NULL, "%s", msg);
}

char *spec_key(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return buf;
}

/* ---- suggestions ---- */
/* Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive: typos such as
 * "replicate", "experimnet" or "Seed" are one edit away. Words longer than the buffer are simply "far". */
static size_t edit_distance(const char *a, const char *b) {
    enum { MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAXLEN || lb >= MAXLEN) return MAXLEN;
    size_t d[MAXLEN + 1][MAXLEN + 1];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20; /* ASCII case fold; harmless elsewhere */
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) && (a[i - 2] | 0x20) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *spec_nearest(const char *word, const char *const *names, size_t n) {
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, names[i]), len = strlen(names[i]);
        /* close relative to the name's length, and not a total rewrite of a very short word */
        size_t allowed = 1 + len / 4;
        if (allowed > 3) allowed = 3;
        if (d <= allowed && d < strlen(word) && d < len && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

char *spec_did_you_mean(const char *word, const char *const *names, size_t n, char *buf, size_t size) {
    const char *near = spec_nearest(word, names, n);
    if (near) snprintf(buf, size, " (did you mean '%s'?)", near);
    else if (size > 0) buf[0] = '\0';
    return buf;
}

char *spec_join(const char *const *names, size_t n, char *buf, size_t size) {
    size_t used = 0;
    if (size > 0) buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= size - used) {
            if (size >= 4) memcpy(buf + size - 4, "...", 4);
            break;
        }
        used += (size_t)w;
    }
    return buf;
}

/* ---- describing values ---- */
char *spec_format_number(double x, char *buf, size_t size) {
    if (isnan(x)) snprintf(buf, size, "nan");
    else if (isinf(x)) snprintf(buf, size, "%sinf", x < 0 ? "-" : "");
    else {
        snprintf(buf, size, "%.15g", x);
        if (strtod(buf, NULL) != x) snprintf(buf, size, "%.17g", x);
    }
    return buf;
}

static char *format_bounds(const sw_param *p, char *buf, size_t size) {
    char lo[40], hi[40];
    snprintf(buf, size, "%c%s, %s%c", p->min_open ? '(' : '[', spec_format_number(p->min, lo, sizeof lo),
             spec_format_number(p->max, hi, sizeof hi), p->max_open ? ')' : ']');
    return buf;
}

static size_t count_choices(const sw_param *p) {
    size_t n = 0;
    while (p->choices && p->choices[n]) n++;
    return n;
}

char *spec_expected(const sw_param *p, char *buf, size_t size) {
    char bounds[100], names[400];
    switch (p->type) {
    case SW_INT: snprintf(buf, size, "an integer in %s", format_bounds(p, bounds, sizeof bounds)); break;
    case SW_REAL: snprintf(buf, size, "a real number in %s", format_bounds(p, bounds, sizeof bounds)); break;
    case SW_CHOICE:
        snprintf(buf, size, "one of: %s", spec_join(p->choices, count_choices(p), names, sizeof names));
        break;
    case SW_REAL_LIST:
        if (p->min_len == p->max_len)
            snprintf(buf, size, "a list of %zu real numbers in %s", p->min_len,
                     format_bounds(p, bounds, sizeof bounds));
        else
            snprintf(buf, size, "a list of %zu to %zu real numbers in %s", p->min_len, p->max_len,
                     format_bounds(p, bounds, sizeof bounds));
        break;
    }
    return buf;
}

char *spec_got(const ynode *n, char *buf, size_t size) {
    if (n->kind != YNODE_SCALAR) {
        snprintf(buf, size, "%s", ynode_kind_name(n));
        return buf;
    }
    switch (n->scalar) {
    case YS_STRING: snprintf(buf, size, "the string '%.60s'", n->text); break;
    case YS_NULL: snprintf(buf, size, "nothing (null)"); break;
    case YS_BOOL: snprintf(buf, size, "the boolean '%s'", n->text); break;
    case YS_INT: snprintf(buf, size, "the integer %.60s", n->text); break;
    case YS_FLOAT: snprintf(buf, size, "the number %.60s", n->text); break;
    }
    return buf;
}

/* ---- bounds ---- */
bool spec_within_bounds(const sw_param *p, double x) {
    bool low_ok = p->min_open ? x > p->min : x >= p->min;
    bool high_ok = p->max_open ? x < p->max : x <= p->max;
    return low_ok && high_ok;
}

/* Says which bound was missed, pointing out an excluded (open) bound: users often read [0, 1] for (0, 1]. */
static void report_out_of_bounds(spec_ctx *c, const sw_param *p, double x, const ynode *at, const char *key,
                                 const char *what) {
    char expected[MESSAGE_TEXT], num[40], note[80] = "";
    if ((p->min_open && x == p->min) || (p->max_open && x == p->max))
        snprintf(note, sizeof note, " (the bound %s itself is excluded)", spec_format_number(x, num, sizeof num));
    spec_error(c, at, key, "%s%s%s is out of range: expected %s%s", what ? what : "", what ? " = " : "",
               spec_format_number(x, num, sizeof num), spec_expected(p, expected, sizeof expected), note);
}

bool spec_check_bounds(spec_ctx *c, const sw_param *p, double x, const ynode *at, const char *key, const char *what) {
    if (spec_within_bounds(p, x)) return true;
    report_out_of_bounds(c, p, x, at, key, what);
    return false;
}

/* ---- scalars ---- */
static bool type_error(spec_ctx *c, const sw_param *p, const ynode *n, const char *key) {
    char expected[MESSAGE_TEXT], got[VALUE_TEXT];
    spec_error(c, n, key, "expected %s, got %s", spec_expected(p, expected, sizeof expected),
               spec_got(n, got, sizeof got));
    return false;
}

static bool read_int(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, sw_value *out) {
    ynumber num;
    if (!ynode_number(n, &num)) return type_error(c, p, n, key);
    char expected[MESSAGE_TEXT];
    if (!num.is_int) {
        if (!isfinite(num.value) || num.value != floor(num.value)) {
            spec_error(c, n, key, "expected %s, got the non-integer number %s",
                       spec_expected(p, expected, sizeof expected), n->text);
            return false;
        }
        if (fabs(num.value) >= 0x1p63) num.int_overflow = true;
        else num.integer = (int64_t)num.value; /* exactly integral, e.g. 1e6 */
    }
    if (num.int_overflow) {
        spec_error(c, n, key, "%s is out of range: expected %s", n->text, spec_expected(p, expected, sizeof expected));
        return false;
    }
    if (!spec_check_bounds(c, p, (double)num.integer, n, key, NULL)) return false;
    *out = (sw_value){.integer = num.integer};
    return true;
}

static bool read_real(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, sw_value *out) {
    ynumber num;
    if (!ynode_number(n, &num)) return type_error(c, p, n, key);
    if (isnan(num.value)) {
        char expected[MESSAGE_TEXT];
        spec_error(c, n, key, "NaN is never a valid parameter value: expected %s",
                   spec_expected(p, expected, sizeof expected));
        return false;
    }
    if (!spec_check_bounds(c, p, num.value, n, key, NULL)) return false;
    *out = (sw_value){.real = num.value};
    return true;
}

static bool read_choice(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, sw_value *out) {
    if (n->kind != YNODE_SCALAR || n->scalar == YS_NULL) return type_error(c, p, n, key);
    size_t count = count_choices(p);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(n->text, p->choices[i]) == 0) {
            *out = (sw_value){.integer = (int64_t)i};
            return true;
        }
    }
    char expected[MESSAGE_TEXT], hint[160];
    spec_error(c, n, key, "unknown choice '%.60s'%s: expected %s", n->text,
               spec_did_you_mean(n->text, p->choices, count, hint, sizeof hint),
               spec_expected(p, expected, sizeof expected));
    return false;
}

bool spec_read_scalar(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, sw_value *out) {
    switch (p->type) {
    case SW_INT: return read_int(c, p, n, key, out);
    case SW_REAL: return read_real(c, p, n, key, out);
    case SW_CHOICE: return read_choice(c, p, n, key, out);
    case SW_REAL_LIST: break;
    }
    return spec_read_list(c, p, n, key, out);
}

bool spec_read_number(spec_ctx *c, const ynode *n, const char *key, const char *what, ynumber *out) {
    char got[VALUE_TEXT];
    if (!ynode_number(n, out)) {
        spec_error(c, n, key, "expected %s (a number), got %s", what, spec_got(n, got, sizeof got));
        return false;
    }
    if (!isfinite(out->value)) {
        spec_error(c, n, key, "expected %s (a finite number), got %s", what, n->text);
        return false;
    }
    return true;
}

/* ---- lists ---- */
bool spec_read_list(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, sw_value *out) {
    char expected[MESSAGE_TEXT], got[VALUE_TEXT];
    if (n->kind != YNODE_SEQ) {
        spec_error(c, n, key, "expected %s, got %s", spec_expected(p, expected, sizeof expected),
                   spec_got(n, got, sizeof got));
        return false;
    }
    if (n->n < p->min_len || n->n > p->max_len) {
        spec_error(c, n, key, "the list has %zu elements: expected %s", n->n,
                   spec_expected(p, expected, sizeof expected));
        return false;
    }
    double *list = malloc((n->n ? n->n : 1) * sizeof *list);
    if (!list) {
        c->oom = true;
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n->n; i++) {
        char elem_key[300];
        spec_key(elem_key, sizeof elem_key, "%s[%zu]", key, i);
        ynumber num;
        const ynode *item = n->items[i];
        if (!ynode_number(item, &num) || isnan(num.value)) {
            spec_error(c, item, elem_key, "expected a real number in the list (%s), got %s",
                       spec_expected(p, expected, sizeof expected), spec_got(item, got, sizeof got));
            ok = false;
            continue;
        }
        ok &= spec_check_bounds(c, p, num.value, item, elem_key, NULL);
        list[i] = num.value;
    }
    if (!ok) {
        free(list);
        return false;
    }
    *out = (sw_value){.list = list, .len = n->n};
    return true;
}
