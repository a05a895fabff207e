/* diag.h: a list of problems found in user input, each with its place and what was expected.
 *
 * Validation collects every problem rather than stopping at the first, so a user fixes a spec in one go.
 * A diagnostic reads: FILE:LINE:COL: KEY: MESSAGE (got VALUE; expected EXPECTED).
 */
#ifndef SW_DIAG_H
#define SW_DIAG_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

typedef struct sw_diag_entry {
    char *file;     /* owned */
    int line, col;  /* 1-based; 0 when unknown */
    char *key;      /* dotted path of the offending key, e.g. "grid.dim"; owned, may be NULL */
    char *value;    /* the value as written, owned, may be NULL */
    char *message;  /* what is wrong and what was expected; owned */
    bool note;      /* not a problem itself: what could not be checked because of one (printed as "note:") */
} sw_diag_entry;

typedef struct sw_diag {
    sw_diag_entry *entries; /* owned array of count entries */
    size_t count, capacity;
} sw_diag;

/* Appends one problem. Strings are copied; key and value may be NULL. Aborts the process only if memory for the
 * diagnostic itself cannot be had (there is no way to report the original problem then). Not collective. */
void sw_diag_add(sw_diag *d, const char *file, int line, int col, const char *key, const char *value,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Appends a note: something that could not be checked because of a problem reported elsewhere. */
void sw_diag_note(sw_diag *d, const char *file, int line, int col, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The number of entries that are problems (not notes). */
size_t sw_diag_problems(const sw_diag *d);
/* Sorts entries [from, count) by line, then column, keeping the order of entries at the same place: one file's
 * problems are then reported in the order a reader meets them. */
void sw_diag_sort_lines(sw_diag *d, size_t from);
/* Prints every entry, one per line, to f. */
void sw_diag_print(const sw_diag *d, FILE *f);
/* Frees the entries; the sw_diag itself may live on the stack. */
void sw_diag_clear(sw_diag *d);

#endif
