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

void sw_diag_add(sw_diag *d, const char *file, int line, int col, const char *key, const char *value,
                 const char *fmt, ...) {
    if (d->count == d->capacity) {
        size_t cap = d->capacity ? 2 * d->capacity : 8;
        sw_diag_entry *e = realloc(d->entries, cap * sizeof *e);
        if (!e) abort();
        d->entries = e;
        d->capacity = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->entries[d->count++] = (sw_diag_entry){
        .file = dup_or_null(file ? file : "<input>"),
        .line = line,
        .col = col,
        .key = dup_or_null(key),
        .value = dup_or_null(value),
        .message = dup_or_null(msg),
    };
}

void sw_diag_print(const sw_diag *d, FILE *f) {
    for (size_t i = 0; i < d->count; i++) {
        const sw_diag_entry *e = &d->entries[i];
        fprintf(f, "%s", e->file);
        if (e->line > 0) fprintf(f, ":%d:%d", e->line, e->col);
        fprintf(f, ": error: ");
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
