/* store_internal.h: the HDF5 backend's private state, shared by its source files. The backend's entry points
 * (h5_store_*) are reached only through sw_store_hdf5 (store_hdf5.c), the store interface's operation table. */
#ifndef SW_STORE_INTERNAL_H
#define SW_STORE_INTERNAL_H

#include <hdf5.h>

#include "h5util.h"
#include "mpisweep/store.h"

/* A failure log message has the size of a task's failure reason. */
enum { SW_FAILURE_MESSAGE_BYTES = SW_TASK_MSG_BYTES, SW_FAILURE_LOG_CAPACITY = 10000 };

typedef struct sweep_handles {
    hid_t group;
    size_t n_outputs;
    hid_t *outputs;       /* one dataset per output */
    size_t *out_size;     /* doubles per task of each output */
    hid_t status, seconds, rank;
    hid_t fail_task, fail_outcome, fail_rank, fail_seconds, fail_message;
    uint64_t fail_capacity, fail_used;
    int n_task_dims;
    hsize_t task_dims[H5S_MAX_RANK];
    char *history;        /* the history attribute including this run's start line */
} sweep_handles;

typedef struct h5_store h5_store;

struct h5_store {
    MPI_Comm comm;
    int rank;
    hid_t file;
    const sw_spec *spec;
    sweep_handles *sweeps;
    int lock_fd;          /* rank 0: holds the run lock; -1 elsewhere */
    int old_fd;           /* rank 0: the lock on a file being replaced (until the new one takes its name); -1 */
    char *path;           /* the result file */
    char *creating;       /* rank 0: the name a new file is built under until it is complete; NULL otherwise */
    char *run_line;       /* this run's history line so far */
    bool no_fill;         /* do not pre-fill new outputs with NaN */
    bool allow_plugin_change; /* resume: a changed plugin hash is accepted and recorded (sw_run_info) */
    bool allow_version_change; /* resume a sweep computed by another experiment version */
    sw_store_open_times open_times; /* where h5_store_open went (this rank's clock) */
};

/* The backend's operations (store.h describes each); the table in store_hdf5.c adapts them. */
sw_status h5_store_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                        const sw_run_info *info, h5_store **out);
sw_status h5_store_write_block(h5_store *st, const sw_result_block *b, int rank);
sw_status h5_store_mark_range(h5_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t code);
sw_status h5_store_log_failure(h5_store *st, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                               const char *message);
sw_status h5_store_read_status(h5_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t *status);
sw_status h5_store_close(h5_store **st, const char *summary);

/* Creates the whole layout of a new sweep group. Collective. */
sw_status sw_store_create_sweep(h5_store *st, size_t i);
/* Opens the datasets of an existing sweep group (resume). Collective. */
sw_status sw_store_open_sweep(h5_store *st, size_t i);
/* The attributes plugin (its resolved path) and plugin_hash of a sweep whose spec names a plugin (store_layout.c). */
sw_status sw_store_write_plugin(hid_t group, const sw_sweep *sw);
/* Closes a sweep's handles and frees its memory. */
void sw_store_close_sweep(sweep_handles *h);
/* Selects the elements of tasks [start, start + count) (row-major over the task dims) followed by `inner` elements
 * per task, in a dataspace of rank n_task_dims (+1 when inner dims are flattened by the caller). */
sw_status sw_store_select_tasks(hid_t space, const sweep_handles *h, int n_inner, const hsize_t *inner,
                                uint64_t start, uint64_t count);

/* Resume: refuses (SW_ERR_MISMATCH, naming the sweep and both versions) a sweep of group g whose results were
 * computed by another code version of its experiment than this binary's, unless allow. A group without the
 * attribute (files written by earlier versions) counts as version 1. Rank 0, before anything is written. */
sw_status sw_store_check_code_version(const char *path, hid_t g, const sw_sweep *sw, bool allow);

/* Resume of a sweep whose spec hash differs: SW_OK with *grows when the spec only adds axis values, zip rows or
 * replicates (store_grow.c), else SW_ERR_MISMATCH saying which key changed. Rank 0, read-only. */
sw_status sw_store_check_growth(const char *path, hid_t g, const sw_sweep *now, bool *grows);
/* Grows the sweeps marked in grows[] (rank 0, before the parallel open): builds FILE.growing and renames it to
 * FILE; *lock_fd, the run lock on FILE, then locks the grown file. On failure FILE is unchanged. */
sw_status sw_store_grow(h5_store *st, const bool *grows, int *lock_fd);
/* Refuses (SW_ERR_NOT_RESULT) a group whose datasets do not have the sizes of sweep sw (store.c). */
sw_status sw_store_check_layout(const char *path, hid_t g, const sw_sweep *sw);
/* Takes the run lock on fd (store.c). */
sw_status sw_store_take_lock(int fd, const char *path);

#endif
