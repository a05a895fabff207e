/* store_api.c: the store interface: every call goes through the backend's operation table (store.h). */
#include <stdlib.h>

#include "mpisweep/comm.h"
#include "mpisweep/store.h"

struct sw_store {
    const sw_store_ops *ops;
    void *state;
};

sw_status sw_store_open(const sw_store_ops *ops, void *arg, MPI_Comm comm, const char *path, const sw_spec *spec,
                        sw_open_mode mode, const sw_run_info *info, sw_store **out) {
    *out = NULL;
    sw_store *st = calloc(1, sizeof *st);
    sw_status s = st ? SW_OK : SW_FAIL(SW_ERR_NOMEM, "cannot allocate the store");
    s = sw_comm_agree(comm, s, NULL);
    if (s != SW_OK) {
        free(st);
        return s;
    }
    st->ops = ops;
    sw_status mine = ops->open(comm, path, spec, mode, info, arg, &st->state);
    /* A backend agrees itself (every rank fails or none); this only makes sure, for backends written later. */
    s = sw_comm_agree(comm, mine, NULL);
    if (s != SW_OK) {
        if (mine == SW_OK) ops->close(st->state, NULL);
        free(st);
        return s;
    }
    *out = st;
    return SW_OK;
}

const char *sw_store_name(const sw_store *st) { return st->ops->name; }

void sw_store_get_open_times(const sw_store *st, sw_store_open_times *times) {
    *times = (sw_store_open_times){0};
    if (st->ops->open_times) st->ops->open_times(st->state, times);
}

sw_status sw_store_write_block(sw_store *st, const sw_result_block *b, int rank) {
    return st->ops->write_block(st->state, b, rank);
}

sw_status sw_store_mark_range(sw_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t code) {
    return st->ops->mark_range(st->state, sweep, start, count, code);
}

sw_status sw_store_log_failure(sw_store *st, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                               const char *message) {
    return st->ops->log_failure(st->state, sweep, task, outcome, rank, seconds, message);
}

sw_status sw_store_read_status(sw_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t *status) {
    return st->ops->read_status(st->state, sweep, start, count, status);
}

sw_status sw_store_close(sw_store **stp, const char *summary) {
    sw_store *st = *stp;
    if (!st) return SW_OK;
    sw_status s = st->ops->close(st->state, summary);
    free(st);
    *stp = NULL;
    return s;
}
