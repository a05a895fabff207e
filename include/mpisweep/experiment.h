/* experiment.h: the experiment interface and the registry (IOR's backend table, Redis's config table).
 *
 * An experiment is a const struct: its name, summary and article, a parameter schema, an output schema and a pure
 * run() function. The registry (sw_registry) is the only list of experiments. The spec validator, `mpisweep
 * describe`, the HDF5 layout and the docs are all generated from these schemas, so they cannot drift apart.
 *
 * run() contract: no MPI, no I/O, no global state, no allocation (use the workspace). It reads its parameters,
 * draws from streams derived from task->key, writes every element of every output, and returns an outcome.
 * The runner turns a non-finite output into SW_TASK_NON_FINITE by itself.
 */
#ifndef SW_EXPERIMENT_H
#define SW_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpisweep/rng.h"
#include "mpisweep/status.h"

/* ---- task outcomes (stored per task in task_status; the sweep goes on) ---- */
/* X(name, code stored in the file, flag meaning) */
#define SW_OUTCOME_TABLE(X)                                                                                 \
    X(SW_TASK_PENDING, 0, "pending")                                                                       \
    X(SW_TASK_OK, 1, "ok")                                                                                 \
    X(SW_TASK_FAILED, 2, "failed")                                                                         \
    X(SW_TASK_NON_FINITE, 3, "non_finite")                                                                 \
    X(SW_TASK_NOT_CONVERGED, 4, "not_converged")                                                           \
    X(SW_TASK_NUMERICAL, 5, "numerical_failure")                                                           \
    X(SW_TASK_REJECTED, 6, "rejected_parameters")                                                          \
    X(SW_TASK_SKIPPED, 7, "skipped")                                                                       \
    X(SW_TASK_EXCLUDED, 8, "excluded") /* the sweep's where: filter leaves it out: never run, not pending */

typedef enum sw_outcome {
#define SW_OUTCOME_ENUM(name, code, text) name = code,
    SW_OUTCOME_TABLE(SW_OUTCOME_ENUM)
#undef SW_OUTCOME_ENUM
} sw_outcome;
/* The number of outcomes, counted from the table (codes run 0..count-1). */
#define SW_OUTCOME_PLUS_ONE(name, code, text) +1
enum { SW_OUTCOME_COUNT = 0 SW_OUTCOME_TABLE(SW_OUTCOME_PLUS_ONE) };
#undef SW_OUTCOME_PLUS_ONE

/* The flag meaning of an outcome ("non_finite"); "unknown" for codes outside the table. */
const char *sw_outcome_name(int code);
/* True for the outcomes that count as failures (everything but pending, ok, skipped). */
bool sw_outcome_is_failure(int code);

/* ---- parameters ---- */
typedef enum sw_type {
    SW_INT,       /* 64-bit integer */
    SW_REAL,      /* double */
    SW_CHOICE,    /* one of a fixed list of names; stored as its index */
    SW_REAL_LIST, /* a list of doubles; only under `fixed:` */
} sw_type;

typedef struct sw_param {
    const char *name;
    sw_type type;
    double min, max;            /* bounds for SW_INT, SW_REAL and list elements; inclusive unless *_open */
    bool min_open, max_open;
    double def;                 /* default for SW_INT/SW_REAL; for SW_CHOICE the index of the default */
    const char *const *choices; /* SW_CHOICE: NULL-terminated list of names */
    const double *def_list;     /* SW_REAL_LIST: default values ... */
    size_t def_len;             /* ... and their count */
    size_t min_len, max_len;    /* SW_REAL_LIST: allowed lengths */
    const char *unit;           /* "1" for dimensionless */
    const char *help;           /* one line */
    bool shape;                 /* fixes the shape of an output, so it cannot be swept */
} sw_param;

/* One parameter's value for a task. Which member is meaningful follows the parameter's type. */
typedef struct sw_value {
    double real;        /* SW_REAL */
    int64_t integer;    /* SW_INT; SW_CHOICE: the index into choices */
    const double *list; /* SW_REAL_LIST: borrowed, len elements */
    size_t len;
} sw_value;

/* ---- outputs ---- */
/* One axis of an output's own shape: either `extent` elements, or the value of integer parameter `param` (the
 * length of a list parameter) plus `offset`. `name` becomes the HDF5/xarray dimension name. */
typedef struct sw_dim {
    const char *name;
    const char *param; /* NULL for a fixed extent */
    int64_t extent;
    int64_t offset;
} sw_dim;

enum { SW_MAX_OUTPUT_DIMS = 2 };

/* Every output is an array of doubles: ndims = 0 for a scalar. */
typedef struct sw_output {
    const char *name;
    const char *unit; /* "1" for dimensionless */
    const char *help; /* one line: what it means */
    int ndims;
    sw_dim dims[SW_MAX_OUTPUT_DIMS];
} sw_output;

/* What an output is to the others, from the schema's naming rule: x_se is the standard error of x, x_exact the
 * exact value x estimates, x_limit its limit (in n or t); an output with such a companion is an estimate; any
 * other is a plain value. The result file records the role of every output (attributes role and role_of), so
 * that readers need not know the rule. */
#define SW_ROLE_TABLE(X)                                                                                    \
    X(SW_ROLE_VALUE, "value", NULL)                                                                        \
    X(SW_ROLE_ESTIMATE, "estimate", NULL)                                                                  \
    X(SW_ROLE_STANDARD_ERROR, "standard_error", "_se")                                                     \
    X(SW_ROLE_EXACT, "exact", "_exact")                                                                    \
    X(SW_ROLE_LIMIT, "limit", "_limit")

typedef enum sw_output_role {
#define SW_ROLE_ENUM(name, text, suffix) name,
    SW_ROLE_TABLE(SW_ROLE_ENUM)
#undef SW_ROLE_ENUM
} sw_output_role;


/* ---- running a task ---- */
/* SW_MAX_OUTPUTS: the most outputs an experiment may declare (the registry test checks it; the executor relies on
 * it). SW_TASK_MSG_BYTES: the size of the reason a failed task leaves (task->msg), which is also the size of a
 * failure message in messages between ranks and in the result file. */
enum { SW_MAX_OUTPUTS = 64, SW_TASK_MSG_BYTES = 240 };

typedef struct sw_task {
    const sw_value *param; /* one value per parameter, in schema order */
    sw_rng_key key;        /* derive the task's streams with sw_rng_init(&rng, &task->key, STREAM_ID) */
    void *work;            /* workspace_bytes(param) bytes, 64-byte aligned, contents undefined */
    double *const *out;    /* out[i]: output i, sw_output_count() doubles, NaN on entry */
    char *msg;             /* on a non-ok outcome, write a one-line reason here ... */
    size_t msg_size;       /* ... of at most msg_size bytes including the NUL */
    /* Set by the executor for experiments that run code outside the process (declared.h); built-ins ignore them. */
    const struct sw_experiment *exp; /* the experiment being run */
    uint64_t index;                  /* the task's index in its sweep (sw_executor.task_index) */
    double timeout;                  /* seconds the task may take, 0 for no limit (sw_executor.timeout) */
} sw_task;

typedef struct sw_experiment {
    const char *name;    /* [a-z0-9_]+, unique */
    const char *summary; /* one line */
    const char *article; /* the article it reproduces, e.g. "kexue.fm/archives/7076: n维空间下两个随机向量的夹角分布" */
    /* Version of the code that computes the results, from 1. Bump it with every change that alters a result for
     * the same parameters and seed (not for speed-ups that keep results bit-identical): the file records it per
     * sweep, and --resume refuses to mix results of two versions in one sweep. */
    unsigned version;
    const sw_param *params;
    size_t n_params;
    const sw_output *outputs;
    size_t n_outputs;
    /* Bytes of workspace run() needs for these parameters; NULL means none. */
    size_t (*workspace_bytes)(const sw_value *param);
    /* Optional cross-parameter constraints (e.g. two lists of equal length). Returns true when the combination
     * is valid; otherwise false with a sentence for the user in msg. The spec validator calls it before any
     * output exists; run() may assume it passed. NULL means no constraint beyond the schema's bounds. */
    bool (*check)(const sw_value *param, char *msg, size_t msg_size);
    /* Runs one task. Returns SW_TASK_OK or a failure outcome with task->msg set. */
    sw_outcome (*run)(const sw_task *task);
} sw_experiment;

/* The registry: NULL-terminated, in the order `mpisweep experiments` lists them. */
extern const sw_experiment *const sw_registry[];

/* The experiment called name, or NULL. Not collective. */
const sw_experiment *sw_experiment_find(const char *name);
/* Index of the parameter called name in e->params, or -1. */
int sw_param_index(const sw_experiment *e, const char *name);
/* Index of the output called name in e->outputs, or -1. */
int sw_output_index(const sw_experiment *e, const char *name);
/* The role of output o of e (see SW_ROLE_TABLE); for a companion (standard error, exact, limit) *of is the index
 * of the output it belongs to, else -1. Not collective. */
sw_output_role sw_output_role_of(const sw_experiment *e, size_t o, int *of);
/* The role's name as the file records it ("standard_error"). */
const char *sw_output_role_name(sw_output_role role);
/* A parameter vector holding every default (list parameters borrow their def_list). v has e->n_params slots. */
void sw_param_defaults(const sw_experiment *e, sw_value *v);
/* Extent of output dimension d for these parameters (>= 0; negative results are reported as 0). */
int64_t sw_dim_extent(const sw_experiment *e, const sw_dim *d, const sw_value *param);
/* Number of doubles in output o for these parameters (the product of its dim extents; 1 for a scalar). */
size_t sw_output_count(const sw_experiment *e, const sw_output *o, const sw_value *param);
/* Canonical 128-bit hash of a parameter vector: every parameter, by name and value (sw_hash rules). */
void sw_param_hash(const sw_experiment *e, const sw_value *param, uint64_t out[2]);
/* Writes a value as text ("0.25", "1000", "relu", "[0.1, 0.2]") into buf. Returns buf. */
char *sw_value_format(const sw_param *p, const sw_value *v, char *buf, size_t size);

/* Experiments may use this to report a failure outcome with a formatted message. */
sw_outcome sw_task_fail(const sw_task *t, sw_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Carving the workspace: workspace_bytes() sums sw_work_bytes() of every array, and run() takes them in the same
 * order with sw_work_take(), so every array starts 64-byte aligned. */
static inline size_t sw_work_bytes(size_t bytes) { return (bytes + 63) & ~(size_t)63; }
static inline void *sw_work_take(char **cursor, size_t bytes) {
    void *p = *cursor;
    *cursor += sw_work_bytes(bytes);
    return p;
}

/* Convenience for experiment files: number of elements of a static array. */
#define SW_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
