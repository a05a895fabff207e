/* spec_internal.h: what the files of the spec layer share (private; the public interface is mpisweep/spec.h).
 *
 * Flow: load.c reads each source and yaml_doc.c parses it into node trees; validate.c turns each document into an
 * sw_sweep, reading scalars with value.c and axes with axis.c; sweep.c fixes the task dimensions, the hash and the
 * task table. Every problem goes to the context's sw_diag and validation goes on, so one run reports them all.
 */
#ifndef SW_SPEC_INTERNAL_H
#define SW_SPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpisweep/diag.h"
#include "mpisweep/experiment.h"
#include "mpisweep/hash.h"
#include "mpisweep/spec.h"
#include "yaml_doc.h"

/* One source being validated. */
typedef struct spec_ctx {
    const char *file;                      /* name used in messages */
    const char *src;                       /* the source text ... */
    size_t src_len;                        /* ... and its length in bytes */
    sw_diag *diag;
    uint64_t max_tasks;                    /* per sweep, already defaulted */
    const sw_experiment *const *registry;  /* NULL-terminated; sw_registry except in tests */
    bool oom;                              /* set when an allocation failed; the load then returns SW_ERR_NOMEM */
} spec_ctx;

/* Axes longer than this are refused even below max_tasks: every value is stored (in memory, 32 bytes each, and as
 * an HDF5 coordinate), no real sweep has a million values of one parameter, and it keeps hostile input fast. */
#define SPEC_MAX_AXIS_LEN 1000000ULL

/* How many cross-parameter check failures are listed per sweep, and how many tasks are checked exhaustively
 * before falling back to the corners of the grid. */
enum { SPEC_MAX_CHECK_REPORTS = 5 };
#define SPEC_MAX_CHECKED_TASKS 1000000ULL

/* ---- diagnostics (value.c) ---- */
/* Adds a problem at node `at` (its position, and its text as written as the value); key may be NULL. */
void spec_error(spec_ctx *c, const ynode *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Same at an explicit position, with an explicit value (may be NULL). */
void spec_error_at(spec_ctx *c, int line, int col, const char *key, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Formats a dotted key path ("grid.dim[2]") into buf, truncating if needed. Returns buf. */
char *spec_key(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The name in names[0..n) closest to word when it is close enough to be a likely typo, else NULL. */
const char *spec_nearest(const char *word, const char *const *names, size_t n);
/* " (did you mean 'x'?)" or "" into buf. Returns buf. */
char *spec_did_you_mean(const char *word, const char *const *names, size_t n, char *buf, size_t size);
/* "a, b, c" into buf (truncated with "..." when it does not fit). Returns buf. */
char *spec_join(const char *const *names, size_t n, char *buf, size_t size);

/* What a parameter accepts, for messages: "an integer in [1, 1000]", "one of: a, b". Returns buf. */
char *spec_expected(const sw_param *p, char *buf, size_t size);
/* What a node is, for messages: "the string '100'", "a list", "the number 2.5". Returns buf. */
char *spec_got(const ynode *n, char *buf, size_t size);
/* A number formatted for messages (shortest of %.15g/%.17g that round-trips; "inf"). Returns buf. */
char *spec_format_number(double x, char *buf, size_t size);

/* ---- reading values (value.c) ---- */
/* Reads a scalar into a value of p's type (SW_INT, SW_REAL or SW_CHOICE), checking type and bounds. On a problem
 * reports it under key and returns false. */
bool spec_read_scalar(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, sw_value *out);
/* True when x lies within p's bounds (open bounds excluded). */
bool spec_within_bounds(const sw_param *p, double x);
/* Checks a number against p's bounds (for generated axis values); reports under key with `what` naming the value. */
bool spec_check_bounds(spec_ctx *c, const sw_param *p, double x, const ynode *at, const char *key, const char *what);
/* Reads a list parameter's value (a sequence of reals) into freshly allocated storage out->list. */
bool spec_read_list(spec_ctx *c, const sw_param *p, const ynode *n, const char *key, sw_value *out);
/* Reads a finite number (for axis generator arguments). Reports "expected <what>" under key on a problem. */
bool spec_read_number(spec_ctx *c, const ynode *n, const char *key, const char *what, ynumber *out);

/* ---- axes (axis.c) ---- */
/* Reads the axis of parameter `param` from n (a list, or {linspace|geomspace|range: [...]}) into *out (values
 * allocated). `section` is "grid" or "zip" (a scalar under grid: says to put it under fixed:). With unique, equal
 * values are an error (they would give identical tasks). Reports every problem and returns false on any. */
bool spec_read_axis(spec_ctx *c, const sw_experiment *e, int param, const ynode *n, const char *key,
                    const char *section, bool unique, sw_axis *out);
/* 128-bit keys of n rows; reports each row equal to an earlier one via report(ctx, earlier, later) (at most
 * `max_reports`), returns the number of duplicate rows found. Used for axis values and zip rows. */
typedef void (*spec_dup_report)(void *ctx, size_t earlier, size_t later);
size_t spec_find_duplicates(const uint64_t (*keys)[2], size_t n, spec_dup_report report, void *ctx,
                            size_t max_reports, bool *oom);
/* Hashes one parameter value with sw_param_hash's canonical encoding (name, then value). */
void spec_hash_value(sw_hash *h, const sw_param *p, const sw_value *v);

/* ---- the where: filter (where.c) ---- */
/* Parses a where: expression over e's parameters. On a problem returns NULL with the byte offset in text and a
 * message (and *oom set when memory ran out). */
sw_where *spec_where_parse(const char *text, const sw_experiment *e, size_t *err_pos, char *err, size_t err_size,
                           bool *oom);
void spec_where_free(sw_where **w);
/* Adds the parsed expression's canonical form to a hash. */
void spec_where_hash(sw_hash *h, const sw_where *w, const sw_experiment *e);

/* ---- sweeps (validate.c, sweep.c) ---- */
/* Validates one document into *s. Returns true when the sweep is valid. Whether or not, s->name is set (non-NULL)
 * when the document had a well-formed name, and *name_at to the node of that name (for the uniqueness check);
 * the caller frees s with spec_sweep_clear either way. */
bool spec_build_sweep(spec_ctx *c, const ydoc *doc, sw_sweep *s, const ynode **name_at);
/* Sets s->dims and s->n_dims from its grid, zip and replicates (has_replicate_dim: the key was present).
 * Returns false only when memory ran out. s->n_tasks is left to the caller (it checks overflow and limits). */
bool spec_make_dims(sw_sweep *s, bool has_replicate_dim);
/* Fills param from s->base and the per-dimension indices idx[0..n_dims) (replicate index ignored). */
void spec_fill_params(const sw_sweep *s, const uint64_t *idx, sw_value *param);
/* The canonical hash of a finished sweep into s->hash. */
void spec_sweep_hash(sw_sweep *s, bool has_replicate_dim);
/* Frees everything a sweep owns and zeroes it. */
void spec_sweep_clear(sw_sweep *s);

/* ---- loading with an explicit registry (load.c): the public loaders pass sw_registry; tests pass their own
 * experiments (e.g. one with a check hook) without touching the real registry. ---- */
typedef sw_spec_text spec_source; /* a file name, its text or why it could not be read */

sw_status spec_load_sources(const spec_source *sources, size_t n, const sw_spec_limits *limits,
                            const sw_experiment *const *registry, sw_spec **out, sw_diag *diag);

/* The experiment called name in registry, or NULL. */
const sw_experiment *spec_find_experiment(const sw_experiment *const *registry, const char *name);

/* ---- declared experiments (declare.c) ---- */
/* The experiment declared by mapping `decl` (experiment: {program|python, parameters, outputs, ...}), or NULL after
 * reporting every problem. The caller owns the result (the sweep keeps it in s->declared). */
struct sw_declared *spec_read_declared(spec_ctx *c, const ynode *decl);
/* Adds what a declared experiment computes (argv, function, output shapes) to a sweep hash; nothing for others. */
void spec_hash_declared(sw_hash *h, const sw_experiment *e);

#endif
