/* store.h: the HDF5 result file, written by all ranks through parallel HDF5.
 *
 * One group per sweep. Everything whose size is known from the spec (coordinates, outputs, task bookkeeping, the
 * failure log) is created collectively and flushed before the first task runs; during the run only raw data is
 * written, independently, by the rank that computed it, so a run killed at any moment leaves a file that opens
 * without h5clear. A task's outputs are written before its status is marked; resume trusts only task_status.
 *
 * The file is also a netCDF-4 file (xarray's default engine, netCDF4-python, ncdump read it as it is): text is a
 * char matrix [n, <name>_strlen] of 1-byte strings (netCDF-C reads nothing else but variable-length strings, which
 * parallel HDF5 1.10 cannot write), and a choice-valued grid dimension keeps its names in `_nc4_non_coord_<dim>`.
 *
 * Layout of group /<sweep> (readable as-is by xarray.open_dataset(path, group=sweep)):
 *   <dim>            coordinate of each task dimension (dimension scale): grid values, point, replicate
 *   <zip param>      values along `point` (listed in every variable's `coordinates` attribute)
 *   <output>         float64 [task dims..., own dims...], NaN until computed; attributes units, long_name
 *   task_status      int8 [task dims], CF flag_values/flag_meanings (the outcome table of experiment.h)
 *   task_seconds     float64 [task dims], wall time of each task
 *   task_rank        int32 [task dims], rank that ran it (-1: not run)
 *   failures/        task, outcome, rank, seconds [failure], message [failure, message_strlen]: the first
 *                    `capacity` failures, in arrival order
 * Group attributes: experiment, article, spec text and hash, seed, every non-swept parameter (param_<name>),
 * library versions, host, Slurm job id, and `history`: one line per run that touched the file.
 */
#ifndef SW_STORE_H
#define SW_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <mpi.h>

#include "mpisweep/spec.h"
#include "mpisweep/status.h"

typedef struct sw_store sw_store;

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
} sw_run_info;

/* The results of a contiguous range of tasks [start, start + count) of one sweep. */
typedef struct sw_result_block {
    size_t sweep;
    uint64_t start, count;
    double **out;     /* out[i]: count * sw_store_output_size(sweep, i) doubles, task-major */
    int8_t *status;   /* count outcome codes */
    double *seconds;  /* count wall times */
} sw_result_block;

/* Opens the result file for a run of `spec` (every rank passes an identical spec). Collective over comm.
 * Rank 0 first checks what can be checked without touching the file: existence against the mode, another run
 * holding the file, free disk space against the file's size, and for resume that every sweep in the file that the
 * spec names has the same spec hash, or a spec that only grows it (see store_grow.c: rank 0 then grows the file
 * through FILE.growing before anything else), and (unless info->allow_version_change) was computed by the same code
 * version of its experiment. Any failure there leaves the file unchanged and is reported on every rank
 * (with the message on rank 0 only). Errors: SW_ERR_EXISTS, SW_ERR_LOCKED, SW_ERR_NOSPACE, SW_ERR_MISMATCH,
 * SW_ERR_NOT_RESULT, SW_ERR_IO, SW_ERR_HDF5, SW_ERR_NOMEM. On success *out is owned by the caller. */
sw_status sw_store_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                        const sw_run_info *info, sw_store **out);

/* Doubles per task of output i of sweep s. Not collective. */
size_t sw_store_output_size(const sw_store *st, size_t sweep, size_t output);

/* Writes a block's outputs, then its task_status, task_seconds and task_rank. Independent (not collective);
 * any rank. Errors: SW_ERR_HDF5. */
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

/* Records the end of this run in each sweep's history (`summary` is appended to the run's line; same text on every
 * rank), closes the file and frees *st, nulling it. Collective. Accepts *st == NULL. */
sw_status sw_store_close(sw_store **st, const char *summary);

/* ---- reading a finished or running file (no MPI needed; `mpisweep status`) ---- */

typedef struct sw_sweep_summary {
    char name[129];           /* a sweep name has up to 128 characters */
    char experiment[64];
    uint64_t n_tasks;
    uint64_t count[SW_OUTCOME_COUNT]; /* tasks per outcome code (experiment.h's table) */
    double seconds;           /* sum of task_seconds over tasks that ran */
    size_t n_messages;        /* failure messages available ... */
    char (*messages)[640];    /* ... "task 12 (x=0.5, replicate=1; rank 1, failed): reason"; owned, free() */
    char *history;            /* the history attribute; owned, free() */
} sw_sweep_summary;

/* Reads every sweep of a result file, read-only, on the calling process alone. Errors: SW_ERR_NOT_RESULT (not
 * HDF5, or HDF5 without mpisweep sweeps), SW_ERR_IO, SW_ERR_HDF5, SW_ERR_NOMEM. Free with sw_store_free_summaries. */
sw_status sw_store_summarise(const char *path, sw_sweep_summary **out, size_t *n_out);
void sw_store_free_summaries(sw_sweep_summary **s, size_t n);

#endif
