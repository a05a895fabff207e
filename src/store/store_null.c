/* store_null.c: the null store (IOR's DUMMY backend): keeps nothing, so the scheduler can be run, tested and
 * measured without a file system. Every task reads as pending; writes succeed and are dropped. */
#include <string.h>

#include "mpisweep/store.h"

static void null_versions(char *buf, size_t size) {
    if (size) buf[0] = '\0';
}

static sw_status null_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                           const sw_run_info *info, void *arg, void **state) {
    (void)comm, (void)path, (void)spec, (void)mode, (void)info, (void)arg;
    *state = NULL;
    return SW_OK;
}

static sw_status null_write_block(void *state, const sw_result_block *b, int rank) {
    (void)state, (void)b, (void)rank;
    return SW_OK;
}

static sw_status null_mark_range(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t code) {
    (void)state, (void)sweep, (void)start, (void)count, (void)code;
    return SW_OK;
}

static sw_status null_log_failure(void *state, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                                  const char *message) {
    (void)state, (void)sweep, (void)task, (void)outcome, (void)rank, (void)seconds, (void)message;
    return SW_OK;
}

static sw_status null_read_status(void *state, size_t sweep, uint64_t start, uint64_t count, int8_t *status) {
    (void)state, (void)sweep, (void)start;
    memset(status, SW_TASK_PENDING, count);
    return SW_OK;
}

static sw_status null_close(void *state, const char *summary) {
    (void)state, (void)summary;
    return SW_OK;
}

const sw_store_ops sw_store_null = {
    .name = "null",
    .versions = null_versions,
    .open = null_open,
    .write_block = null_write_block,
    .mark_range = null_mark_range,
    .log_failure = null_log_failure,
    .read_status = null_read_status,
    .close = null_close,
};
