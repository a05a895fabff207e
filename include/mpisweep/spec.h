/* spec.h: YAML sweep specs -> validated sweeps -> the task table. No MPI, no HDF5. In a run, rank 0 alone reads the
 * spec files (sw_spec_read_files) and broadcasts their text; every rank then loads the same text
 * (sw_spec_load_texts), so only one process touches the file system and every rank holds identical sweeps.
 *
 * A spec file holds one or more sweeps as YAML documents. Loading validates everything before anything else
 * happens and reports every problem found (not just the first) through an sw_diag, each with file, line,
 * column, key, value and what was expected. A loaded sweep is immutable: the runner, the store and the CLI only
 * read it.
 *
 * Task numbering: a sweep's tasks form a row-major array over its task dimensions, in this order: the grid axes
 * in spec order, then `point` (when the sweep has zip:; `point1`, `point2`, ... for several zip groups, in spec
 * order), then `replicate` (when the spec has replicates:). Task
 * index 0 is the first value of every dimension; the last dimension varies fastest.
 */
#ifndef SW_SPEC_H
#define SW_SPEC_H

#include <stdint.h>

#include "mpisweep/diag.h"
#include "mpisweep/experiment.h"
#include "mpisweep/plugin.h"
#include "mpisweep/status.h"

typedef enum sw_dim_kind {
    SW_DIM_GRID,      /* a swept parameter; its coordinate values are the parameter's values */
    SW_DIM_POINT,     /* a zip group's dimension; coordinates 0..len-1, its zipped parameters ride along it */
    SW_DIM_REPLICATE, /* replicate 0..replicates-1 */
} sw_dim_kind;

/* A swept parameter and its values. */
typedef struct sw_axis {
    int param;         /* index into the experiment's params */
    size_t len;        /* >= 1 */
    sw_value *values;  /* len values, of the parameter's type (never SW_REAL_LIST) */
    unsigned group;    /* zip axes: the zip group (task dimension) it belongs to; 0 for grid axes */
} sw_axis;

/* A sweep has at most this many zip groups (each its own task dimension). */
#define SW_MAX_ZIP_GROUPS 8

/* One task dimension. */
typedef struct sw_taskdim {
    const char *name;  /* the parameter name, "point" (one zip group) or "point1", "point2", ... (several),
                          or "replicate"; borrowed from the schema or static */
    unsigned zip_group; /* SW_DIM_POINT: which zip group */
    sw_dim_kind kind;
    uint64_t len;
    const sw_axis *axis; /* SW_DIM_GRID: its axis; otherwise NULL */
} sw_taskdim;

typedef struct sw_where sw_where; /* a parsed where: expression (opaque) */

typedef struct sw_sweep {
    char *name;                /* [A-Za-z0-9_-]+ */
    const sw_experiment *exp;
    const sw_plugin *plugin;   /* the plugin named by the document's plugin: key (its experiment may be a built-in
                                  one), or NULL; loaded for the process, never freed */
    struct sw_declared *declared; /* owned: the experiment declared in the spec that exp points to (declared.h);
                                     NULL for a registered experiment */
    uint64_t seed;
    int64_t replicates;        /* >= 1 */
    sw_value *base;            /* exp->n_params values: defaults, overridden by fixed: (list storage owned here) */
    size_t n_grid;
    sw_axis *grid;             /* grid axes in spec order */
    size_t n_zip;
    sw_axis *zip;              /* zipped parameters; those of one group (sw_axis.group) have one length */
    size_t zip_len;            /* length of zip group 0; 0 when the sweep has no zip: */
    size_t n_zip_groups;       /* zip: as a mapping is one group; as a list of mappings, one per item */
    size_t zip_group_len[SW_MAX_ZIP_GROUPS];
    size_t n_dims;
    sw_taskdim *dims;          /* the task dimensions (see top of file); may be 0 dims: one task */
    uint64_t n_tasks;          /* product of the dims' lengths (1 for no dims) */
    char *file;                /* the spec file it came from */
    int line;                  /* line of the document's first key */
    char *text;                /* the document's YAML text, verbatim, for provenance */
    sw_where *where;           /* the where: filter, or NULL: tasks it rejects are `excluded` (never run) */
    uint64_t n_excluded;       /* tasks the filter excludes (replicates included) */
    uint64_t hash[2];          /* canonical hash of the expanded sweep: experiment, seed, replicates, every
                                  parameter's base value and every axis's values. Formatting and comments do not
                                  change it; any change to what would be computed does. */
} sw_sweep;

typedef struct sw_spec {
    size_t n_sweeps;
    sw_sweep *sweeps;          /* in file order, then document order */
} sw_spec;

typedef struct sw_spec_limits {
    uint64_t max_tasks;        /* per sweep; 0 means the default SW_SPEC_DEFAULT_MAX_TASKS */
} sw_spec_limits;

#define SW_SPEC_DEFAULT_MAX_TASKS 100000000000ULL /* 1e11: larger sweeps are almost surely a typo */

/* Loads and validates every sweep of the given files. Sweep names must be unique across all of them.
 * On success *out owns the sweeps (free with sw_spec_free) and diag is untouched.
 * Returns SW_ERR_SPEC with every problem in diag (and *out = NULL) for invalid input, including unreadable
 * files, YAML syntax errors, non-UTF-8 text and files with no sweep. Not collective. */
sw_status sw_spec_load_files(const char *const *paths, size_t n_paths, const sw_spec_limits *limits,
                             sw_spec **out, sw_diag *diag);

/* A spec file's text as read (or why it could not be read), to be loaded where it was read or elsewhere. */
typedef struct sw_spec_text {
    const char *name; /* the file name, for messages and provenance */
    const char *text; /* NUL-terminated; NULL when the file could not be read ... */
    size_t len;
    int read_errno;   /* ... and then why (an errno value); 0 otherwise */
} sw_spec_text;

/* Reads the given files into *out (n_paths entries; names borrowed from paths, texts owned: release with
 * sw_spec_texts_free). A file that cannot be read is not an error here: its read_errno says why, and loading
 * reports it with the other problems. Errors: SW_ERR_NOMEM. Not collective. */
sw_status sw_spec_read_files(const char *const *paths, size_t n_paths, sw_spec_text **out);
void sw_spec_texts_free(sw_spec_text **texts, size_t n);

/* Loads and validates the sweeps of texts that were read already, as sw_spec_load_files does for files: the same
 * texts give the same sweeps and the same diagnostics everywhere. Not collective. */
sw_status sw_spec_load_texts(const sw_spec_text *texts, size_t n, const sw_spec_limits *limits, sw_spec **out,
                             sw_diag *diag);

/* Same, from text in memory; `filename` is only used in messages. */
sw_status sw_spec_load_string(const char *text, size_t len, const char *filename, const sw_spec_limits *limits,
                              sw_spec **out, sw_diag *diag);

/* Frees a spec and nulls the pointer. Accepts NULL. */
void sw_spec_free(sw_spec **spec);

/* The parameter vector of task `index` (0 <= index < n_tasks) into param (exp->n_params slots; list values borrow
 * the sweep's storage) and its replicate number into *replicate. Not collective, no allocation. */
void sw_sweep_task(const sw_sweep *s, uint64_t index, sw_value *param, uint64_t *replicate);

/* True when the where: filter of s keeps a task with these parameters (always, without a filter). Not
 * collective, no allocation. */
bool sw_sweep_task_included(const sw_sweep *s, const sw_value *param);

/* Growing a sweep (run --resume with a spec that only adds): whether `now` keeps everything of `old` that decides a
 * task's numbers and only adds axis values, zip rows or replicates. On SW_OK, map[d] (one per dimension of now,
 * malloc'ed, caller frees; map has now->n_dims slots set to NULL by the caller) maps an old index along dimension d
 * to the new one. Otherwise SW_ERR_MISMATCH (or SW_ERR_NOMEM) with `why` saying which key changed, old and new
 * value ("grid.dim: value 5 was removed (was [2, 5], now [2, 3])"). Not collective. */
sw_status sw_sweep_growth(const sw_sweep *old, const sw_sweep *now, uint64_t **map, char *why, size_t size);

/* The random-stream identity of a task with these parameters and replicate: (seed, sw_param_hash, replicate). */
void sw_sweep_task_key(const sw_sweep *s, const sw_value *param, uint64_t replicate, sw_rng_key *key);

/* Doubles per task of output `output` of the sweep, from the output schema (shape parameters cannot be swept, so
 * the sweep's base values fix it). Not collective. */
size_t sw_sweep_output_size(const sw_sweep *s, size_t output);

#endif
