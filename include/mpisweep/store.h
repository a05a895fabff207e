/* store.h: where a run's results go: an interface (a const table of operations, as IOR's aiori) with one
 * implementation per backend, chosen by the caller (the run config) and reached only through the functions below.
 *
 *   sw_store_hdf5    (store_hdf5.h) the parallel-HDF5 result file described below; the CLI's store
 *   sw_store_null    keeps nothing: every task starts pending; for tests, benchmarks and simulation
 *   sw_store_memory  keeps the results in memory and gathers them at close into a caller's sw_memory_results
 *
 * Output sizes are not the store's business: they come from the experiment schema (sw_sweep_output_size).
 *
 * The HDF5 file: one group per sweep. Everything whose size is known from the spec (coordinates, outputs, task
 * bookkeeping, the failure log) is created collectively and flushed before the first task runs; during the run
 * only raw data is written, independently, by the rank that computed it, so a run killed at any moment leaves a
 * file that opens without h5clear. A task's outputs are written before its status is marked; resume trusts only
 * task_status.
 *
 * The file is also a netCDF-4 file (xarray's default engine, netCDF4-python, ncdump read it as it is): text is a
 * char matrix [n, <name>_strlen] of 1-byte strings (netCDF-C reads nothing else but variable-length strings, which
 * parallel HDF5 1.10 cannot write), and a choice-valued grid dimension keeps its names in `_nc4_non_coord_<dim>`.
 *
 * Layout of group /<sweep> (readable as-is by xarray.open_dataset(path, group=sweep)):
 *   <dim>            coordinate of each task dimension (dimension scale): grid values, point, replicate
 *   <zip param>      values along `point` (listed in every variable's `coordinates` attribute)
 *   <output>         float64 [task dims..., own dims...], NaN until computed; attributes units, long_name, role
 *                    (experiment.h: value, estimate, standard_error, exact, limit) and role_of for a companion
 *   task_status      int8 [task dims], CF flag_values/flag_meanings (the outcome table of experiment.h)
 *   task_seconds     float64 [task dims], wall time of each task
 *   task_rank        int32 [task dims], rank that ran it (-1: not run)
 *   failures/        task, outcome, rank, seconds [failure], message [failure, message_strlen]: the first
 *                    `capacity` failures, in arrival order
 * Group attributes: experiment, article, spec text and hash, seed, every non-swept parameter (param_<name>),
 * library versions, host, Slurm job id, plugin and plugin_hash (an experiment from a plugin: its file and content
 * hash, plugin.h), and `history`: one line per run that touched the file.
 */
#ifndef SW_STORE_H
#define SW_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <mpi.h>

#include "mpisweep/spec.h"
#include "mpisweep/status.h"

/* An open store: a backend and its state. */
typedef struct sw_store sw_store;

/* Bytes of bookkeeping a result file keeps per task: task_status (int8), task_seconds (float64), task_rank
 * (int32). */
enum { SW_STORE_TASK_BYTES = 1 + 8 + 4 };

/* Bytes one task takes in a result file: its outputs and its bookkeeping. Not collective. */
static inline double sw_store_task_bytes(const sw_sweep *sw) {
    double bytes = SW_STORE_TASK_BYTES;
    for (size_t o = 0; o < sw->exp->n_outputs; o++) bytes += 8.0 * (double)sw_sweep_output_size(sw, o);
    return bytes;
}

typedef enum sw_open_mode {
    SW_STORE_CREATE,    /* the file must not exist */
    SW_STORE_OVERWRITE, /* replace whatever is there */
    SW_STORE_RESUME,    /* continue an existing file whose sweeps match the spec; create it if missing */
} sw_open_mode;

/* Provenance of this run, recorded in the file. Strings are borrowed for the duration of the call. */
typedef struct sw_run_info {
    const char *command;   /* the command line */
    const char *host;      /* rank 0's host name */
    const char *slurm_job; /* SLURM_JOB_ID, or NULL */
    const char *versions;  /* "mpisweep x; MPI ...; HDF5 ...; BLAS ..." */
    bool no_fill;          /* new outputs are not pre-filled with NaN (netCDF's nofill): unfinished tasks read 0 */
    bool allow_version_change; /* resume sweeps computed by another code version of their experiment */
    int n_ranks;
    bool allow_plugin_change; /* --resume accepts a sweep whose plugin's content hash changed (and records the new) */
} sw_run_info;

/* The results of a contiguous range of tasks [start, start + count) of one sweep. */
typedef struct sw_result_block {
    size_t sweep;
    uint64_t start, count;
    double **out;     /* out[i]: count * sw_sweep_output_size(sweep, i) doubles, task-major */
    int8_t *status;   /* count outcome codes */
    double *seconds;  /* count wall times */
} sw_result_block;

/* Where a store's open went, in seconds on rank 0's clock (sw_now): the checks before anything is written (rank 0,
 * then an agreement that waits for every rank), the file's collective creation or opening, the layout and metadata
 * of every sweep, and the flush that makes it durable (ending in an agreement). A backend that does not time its
 * open leaves them 0. */
typedef struct sw_store_open_times {
    double preflight, create, layout, flush;
} sw_store_open_times;

/* A backend: one const table per implementation. Each operation has the contract of the sw_store_* function of
 * the same name below; `state` is what open returned. */
typedef struct sw_store_ops {
    const char *name; /* "hdf5", "null", "memory" */
    /* The libraries the backend writes with, for provenance ("HDF5 1.10.8 (parallel)"). */
    void (*versions)(char *buf, size_t size);
    sw_status (*open)(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                      const sw_run_info *info, void *arg, void **state);
    sw_status (*write_block)(void *state, const sw_result_block *b, int rank);
    sw_status (*mark_range)(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t code);
    sw_status (*log_failure)(void *state, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                             const char *message);
    sw_status (*read_status)(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t *status);
    /* Collective; frees the state, also on failure. */
    sw_status (*close)(void *state, const char *summary);
    /* Optional (NULL: not timed): where the open went. */
    void (*open_times)(const void *state, sw_store_open_times *times);
} sw_store_ops;

/* No results kept: open accepts any path and mode, every task reads pending, writes are dropped. */
extern const sw_store_ops sw_store_null;

/* Results gathered in memory. arg of sw_store_open: an sw_memory_results (NULL: keep nothing, like the null
 * store). With SW_STORE_RESUME and a filled sw_memory_results of the same spec, tasks done there stay done. */
extern const sw_store_ops sw_store_memory;

/* What sw_store_memory leaves behind, on every rank, after a successful close. Owned by the caller; release with
 * sw_memory_results_free. */
typedef struct sw_memory_results {
    size_t n_sweeps;
    struct sw_memory_sweep {
        uint64_t n_tasks;
        size_t n_outputs;
        size_t *out_size;   /* doubles per task of each output */
        double **out;       /* out[i]: n_tasks * out_size[i] doubles, task-major; 0 where no task wrote */
        int8_t *status;     /* n_tasks outcome codes */
        double *seconds;    /* n_tasks wall times */
    } *sweeps;
} sw_memory_results;
void sw_memory_results_free(sw_memory_results *r);

/* Opens a store of backend ops for a run of `spec` (every rank passes an identical spec, path and mode; arg is
 * the backend's own, see above). Collective over comm. For the HDF5 file, rank 0 first checks what can be checked
 * without touching the file: existence against the mode, another run holding the file, free disk space against
 * the file's size, and for resume that every sweep in the file that the spec names has the same spec hash, or a
 * spec that only grows it (store_grow.c: rank 0 then grows the file through FILE.growing before anything else),
 * and (unless info->allow_version_change) was computed by the same code version of its experiment. Any
 * failure leaves the file unchanged and is returned on every rank (sw_comm_agree). Errors: SW_ERR_EXISTS,
 * SW_ERR_LOCKED, SW_ERR_NOSPACE, SW_ERR_MISMATCH, SW_ERR_NOT_RESULT, SW_ERR_IO, SW_ERR_HDF5, SW_ERR_MPI,
 * SW_ERR_NOMEM. On success *out is owned by the caller (release with sw_store_close). */
sw_status sw_store_open(const sw_store_ops *ops, void *arg, MPI_Comm comm, const char *path, const sw_spec *spec,
                        sw_open_mode mode, const sw_run_info *info, sw_store **out);

/* Where the open of st went (see sw_store_open_times; zero for a backend that does not time it). Not collective. */
void sw_store_get_open_times(const sw_store *st, sw_store_open_times *times);

/* The backend's name ("hdf5"). Not collective. */
const char *sw_store_name(const sw_store *st);

/* Writes a block's outputs, then its task_status, task_seconds and task_rank. Independent (not collective);
 * any rank. Errors: SW_ERR_HDF5, SW_ERR_NOMEM. */
sw_status sw_store_write_block(sw_store *st, const sw_result_block *b, int rank);

/* Marks tasks [start, start + count) of a sweep with an outcome code (used for `skipped`). Independent. */
sw_status sw_store_mark_range(sw_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t code);

/* Appends a failure to the sweep's failure log if there is room (it holds the first `capacity` failures; the
 * status of every failed task is kept regardless). Rank 0 only; independent. Errors: SW_ERR_HDF5. */
sw_status sw_store_log_failure(sw_store *st, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                               const char *message);

/* Reads task_status of tasks [start, start + count) of a sweep into status (count bytes, caller-owned).
 * Independent. Errors: SW_ERR_HDF5. */
sw_status sw_store_read_status(sw_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t *status);

/* Records the end of this run (`summary` is appended to the file's history; same text on every rank; NULL after a
 * failure: close without recording), closes the store and frees *st, nulling it. Collective; every rank returns
 * the same status. Accepts *st == NULL. */
sw_status sw_store_close(sw_store **st, const char *summary);

/* ---- reading a finished or running HDF5 file (no MPI needed; `mpisweep status`); implemented by the HDF5
 * backend (CMake target sw_store_hdf5) ---- */

typedef struct sw_sweep_summary {
    char name[129];           /* a sweep name has up to 128 characters */
    char experiment[64];
    uint64_t n_tasks;
    uint64_t count[SW_OUTCOME_COUNT]; /* tasks per outcome code (experiment.h's table) */
    double seconds;           /* sum of task_seconds over tasks that ran */
    size_t n_messages;        /* failure messages available ... */
    char (*messages)[640];    /* ... "task 12 (x=0.5, replicate=1; rank 1, failed): reason"; owned, free() */
    char *history;            /* the history attribute; owned, free() */
    char *plugin, *plugin_hash; /* the plugin's path and content hash, or NULL for a built-in; owned, free() */
} sw_sweep_summary;

/* Reads every sweep of a result file, read-only, on the calling process alone. Errors: SW_ERR_NOT_RESULT (not
 * HDF5, or HDF5 without mpisweep sweeps), SW_ERR_IO, SW_ERR_HDF5, SW_ERR_NOMEM. Free with sw_store_free_summaries. */
sw_status sw_store_summarise(const char *path, sw_sweep_summary **out, size_t *n_out);
void sw_store_free_summaries(sw_sweep_summary **s, size_t n);

#endif
