/* diag.c: collected user-input problems. */
#include "mpisweep/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static void add_entry(sw_diag *d, const char *file, int line, int col, const char *key, const char *value,
                      bool note, const char *fmt, va_list ap) {
    if (d->count == d->capacity) {
        size_t cap = d->capacity ? 2 * d->capacity : 8;
        sw_diag_entry *e = realloc(d->entries, cap * sizeof *e);
        if (!e) abort();
        d->entries = e;
        d->capacity = cap;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    d->entries[d->count++] = (sw_diag_entry){
        .file = dup_or_null(file ? file : "<input>"),
        .line = line,
        .col = col,
        .key = dup_or_null(key),
        .value = dup_or_null(value),
        .message = dup_or_null(msg),
        .note = note,
    };
}

void sw_diag_add(sw_diag *d, const char *file, int line, int col, const char *key, const char *value,
                 const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_entry(d, file, line, col, key, value, false, fmt, ap);
    va_end(ap);
}

void sw_diag_note(sw_diag *d, const char *file, int line, int col, const char *key, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_entry(d, file, line, col, key, NULL, true, fmt, ap);
    va_end(ap);
}

size_t sw_diag_problems(const sw_diag *d) {
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++) n += !d->entries[i].note;
    return n;
}

typedef struct ranked {
    sw_diag_entry e;
    size_t order;
} ranked;

static int by_place(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->e.line != y->e.line) return x->e.line < y->e.line ? -1 : 1;
    if (x->e.col != y->e.col) return x->e.col < y->e.col ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void sw_diag_sort_lines(sw_diag *d, size_t from) {
    size_t n = d->count > from ? d->count - from : 0;
    ranked *r = n > 1 ? malloc(n * sizeof *r) : NULL;
    if (!r) return; /* nothing to sort, or no memory: the entries stay in the order found */
    for (size_t i = 0; i < n; i++) r[i] = (ranked){d->entries[from + i], i};
    qsort(r, n, sizeof *r, by_place);
    for (size_t i = 0; i < n; i++) d->entries[from + i] = r[i].e;
    free(r);
}

void sw_diag_print(const sw_diag *d, FILE *f) {
    for (size_t i = 0; i < d->count; i++) {
        const sw_diag_entry *e = &d->entries[i];
        fprintf(f, "%s", e->file);
        if (e->line > 0) fprintf(f, ":%d:%d", e->line, e->col);
        fprintf(f, e->note ? ": note: " : ": error: ");
        if (e->key) fprintf(f, "%s: ", e->key);
        fprintf(f, "%s", e->message);
        if (e->value) fprintf(f, " (got '%s')", e->value);
        fputc('\n', f);
    }
}

void sw_diag_clear(sw_diag *d) {
    for (size_t i = 0; i < d->count; i++) {
        free(d->entries[i].file);
        free(d->entries[i].key);
        free(d->entries[i].value);
        free(d->entries[i].message);
    }
    free(d->entries);
    *d = (sw_diag){0};
}
