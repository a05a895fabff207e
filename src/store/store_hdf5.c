/* store_hdf5.c: the HDF5 backend's operation table (store_hdf5.h); the operations live in store.c and
 * store_io.c. */
#include <stdio.h>

#include "mpisweep/store_hdf5.h"
#include "store_internal.h"

static void hdf5_versions(char *buf, size_t size) {
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, size, "HDF5 %u.%u.%u (parallel)", maj, min, rel);
}

static sw_status hdf5_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                           const sw_run_info *info, void *arg, void **state) {
    (void)arg;
    h5_store *st = NULL;
    sw_status s = h5_store_open(comm, path, spec, mode, info, &st);
    *state = st;
    return s;
}

static sw_status hdf5_write_block(void *state, const sw_result_block *b, int rank) {
    return h5_store_write_block(state, b, rank);
}

static sw_status hdf5_mark_range(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t code) {
    return h5_store_mark_range(state, sweep, start, count, code);
}

static sw_status hdf5_log_failure(void *state, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                                  const char *message) {
    return h5_store_log_failure(state, sweep, task, outcome, rank, seconds, message);
}

static sw_status hdf5_read_status(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t *status) {
    return h5_store_read_status(state, sweep, start, count, status);
}

static sw_status hdf5_close(void *state, const char *summary) {
    h5_store *st = state;
    return h5_store_close(&st, summary);
}

static void hdf5_open_times(const void *state, sw_store_open_times *times) {
    const h5_store *st = state;
    *times = st->open_times;
}

const sw_store_ops sw_store_hdf5 = {
    .name = "hdf5",
    .versions = hdf5_versions,
    .open = hdf5_open,
    .write_block = hdf5_write_block,
    .mark_range = hdf5_mark_range,
    .log_failure = hdf5_log_failure,
    .read_status = hdf5_read_status,
    .close = hdf5_close,
    .open_times = hdf5_open_times,
};
