/* store_io.c: raw-data writes and reads during a run (independent I/O, no metadata changes). */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Adds the box {prefix..., [lo, hi) along dim k, everything after} to the selection. */
static herr_t add_box(hid_t space, int rank, const hsize_t *dims, const hsize_t *prefix, int k, hsize_t lo,
                      hsize_t hi, int *first) {
    hsize_t start[H5S_MAX_RANK], count[H5S_MAX_RANK];
    for (int d = 0; d < rank; d++) {
        if (d < k) {
            start[d] = prefix[d];
            count[d] = 1;
        } else if (d == k) {
            start[d] = lo;
            count[d] = hi - lo;
        } else {
            start[d] = 0;
            count[d] = dims[d];
        }
    }
    H5S_seloper_t op = *first ? H5S_SELECT_SET : H5S_SELECT_OR;
    *first = 0;
    return H5Sselect_hyperslab(space, op, start, NULL, count, NULL);
}

/* Selects the row-major linear range [a, b) of the first n_task dims (trailing dims taken whole) as at most
 * 2*n_task - 1 boxes: a partial head slice, a run of whole slices, a partial tail slice, recursively. */
static herr_t select_range(hid_t space, int rank, const hsize_t *dims, int n_task, hsize_t *prefix, int k,
                           hsize_t a, hsize_t b, int *first) {
    if (a >= b) return 0;
    if (k == n_task - 1) return add_box(space, rank, dims, prefix, k, a, b, first);
    hsize_t slice = 1;
    for (int d = k + 1; d < n_task; d++) slice *= dims[d];
    hsize_t i0 = a / slice, i1 = b / slice;
    if (i0 == i1) {
        prefix[k] = i0;
        return select_range(space, rank, dims, n_task, prefix, k + 1, a % slice, b % slice, first);
    }
    if (a % slice) {
        prefix[k] = i0;
        if (select_range(space, rank, dims, n_task, prefix, k + 1, a % slice, slice, first) < 0) return -1;
        i0++;
    }
    if (i1 > i0 && add_box(space, rank, dims, prefix, k, i0, i1, first) < 0) return -1;
    if (b % slice) {
        prefix[k] = i1;
        return select_range(space, rank, dims, n_task, prefix, k + 1, 0, b % slice, first);
    }
    return 0;
}

sw_status sw_store_select_tasks(hid_t space, const sweep_handles *h, int n_inner, const hsize_t *inner,
                                uint64_t start, uint64_t count) {
    if (h->n_task_dims == 0) { /* a sweep of one task: the whole dataset */
        SW_H5(H5Sselect_all(space), "selecting a task");
        return SW_OK;
    }
    hsize_t dims[H5S_MAX_RANK], prefix[H5S_MAX_RANK];
    int rank = h->n_task_dims + n_inner;
    memcpy(dims, h->task_dims, sizeof(hsize_t) * (size_t)h->n_task_dims);
    if (n_inner > 0) memcpy(dims + h->n_task_dims, inner, sizeof(hsize_t) * (size_t)n_inner);
    int first = 1;
    SW_H5(select_range(space, rank, dims, h->n_task_dims, prefix, 0, start, start + count, &first),
          "selecting tasks");
    return SW_OK;
}

/* Writes count tasks' worth of one dataset whose elements per task are `per_task`. */
static sw_status write_tasks(const sweep_handles *h, hid_t d, hid_t memtype, const void *buf, uint64_t start,
                             uint64_t count, size_t per_task) {
    hid_t fspace = H5Dget_space(d);
    SW_H5(fspace, "getting a dataspace");
    hsize_t inner[H5S_MAX_RANK];
    int n_inner = H5Sget_simple_extent_ndims(fspace) - h->n_task_dims;
    hsize_t all[H5S_MAX_RANK];
    if (n_inner > 0) {
        H5Sget_simple_extent_dims(fspace, all, NULL);
        memcpy(inner, all + h->n_task_dims, sizeof(hsize_t) * (size_t)n_inner);
    }
    sw_status s = sw_store_select_tasks(fspace, h, n_inner > 0 ? n_inner : 0, inner, start, count);
    hsize_t n = count * per_task;
    hid_t mspace = H5Screate_simple(1, &n, NULL);
    if (s == SW_OK && (mspace < 0 || H5Dwrite(d, memtype, mspace, fspace, H5P_DEFAULT, buf) < 0))
        s = sw_h5_fail(__FILE__, __LINE__, "writing results");
    if (mspace >= 0) H5Sclose(mspace);
    H5Sclose(fspace);
    return s;
}

sw_status h5_store_write_block(h5_store *st, const sw_result_block *b, int rank) {
    const sweep_handles *h = &st->sweeps[b->sweep];
    if (b->count == 0) return SW_OK;
    for (size_t o = 0; o < h->n_outputs; o++)
        SW_TRY(write_tasks(h, h->outputs[o], H5T_NATIVE_DOUBLE, b->out[o], b->start, b->count, h->out_size[o]));
    SW_TRY(write_tasks(h, h->seconds, H5T_NATIVE_DOUBLE, b->seconds, b->start, b->count, 1));
    int32_t *ranks = malloc(b->count * sizeof *ranks);
    SW_CHECK_ALLOC(ranks, "a rank column");
    for (uint64_t k = 0; k < b->count; k++) ranks[k] = rank;
    sw_status s = write_tasks(h, h->rank, H5T_NATIVE_INT32, ranks, b->start, b->count, 1);
    free(ranks);
    SW_TRY(s);
    /* Last: the status marks. A task is done only once its outputs are on disk. */
    return write_tasks(h, h->status, H5T_NATIVE_INT8, b->status, b->start, b->count, 1);
}

sw_status h5_store_mark_range(h5_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t code) {
    if (count == 0) return SW_OK;
    int8_t *codes = malloc(count);
    SW_CHECK_ALLOC(codes, "status marks");
    memset(codes, code, count);
    sw_status s = write_tasks(&st->sweeps[sweep], st->sweeps[sweep].status, H5T_NATIVE_INT8, codes, start, count, 1);
    free(codes);
    return s;
}

/* Writes row `row` of a 1-D dataset, or of a 2-D one (a char matrix: the whole row). */
static sw_status write_row(hid_t d, hid_t memtype, uint64_t row, const void *value) {
    hid_t fspace = H5Dget_space(d);
    SW_H5(fspace, "getting a dataspace");
    hsize_t dims[2] = {0, 1}, start[2] = {row, 0}, count[2] = {1, 1};
    int rank = H5Sget_simple_extent_dims(fspace, dims, NULL);
    if (rank == 2) count[1] = dims[1];
    hsize_t n = count[1];
    hid_t mspace = H5Screate_simple(1, &n, NULL);
    herr_t r = rank < 1 || rank > 2 ? -1 : H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    if (r >= 0) r = H5Dwrite(d, memtype, mspace, fspace, H5P_DEFAULT, value);
    H5Sclose(mspace);
    H5Sclose(fspace);
    SW_H5(r, "writing the failure log");
    return SW_OK;
}

sw_status h5_store_log_failure(h5_store *st, size_t sweep, uint64_t task, int outcome, int rank, double seconds,
                               const char *message) {
    sweep_handles *h = &st->sweeps[sweep];
    if (h->fail_used >= h->fail_capacity) return SW_OK;
    uint64_t row = h->fail_used++;
    char text[SW_FAILURE_MESSAGE_BYTES] = {0};
    strncpy(text, message, sizeof text - 1);
    /* The file's own type: a char matrix row (a 1-byte string per byte), or one fixed-length string in files
     * written by earlier versions; either way the same bytes, with no conversion. */
    hid_t msg_type = H5Dget_type(h->fail_message);
    int8_t code = (int8_t)outcome;
    int32_t r32 = rank;
    sw_status s = write_row(h->fail_message, msg_type, row, text);
    H5Tclose(msg_type);
    SW_TRY(s);
    SW_TRY(write_row(h->fail_outcome, H5T_NATIVE_INT8, row, &code));
    SW_TRY(write_row(h->fail_rank, H5T_NATIVE_INT32, row, &r32));
    SW_TRY(write_row(h->fail_seconds, H5T_NATIVE_DOUBLE, row, &seconds));
    return write_row(h->fail_task, H5T_NATIVE_UINT64, row, &task); /* last: marks the row as used */
}

sw_status h5_store_read_status(h5_store *st, size_t sweep, uint64_t start, uint64_t count, int8_t *status) {
    const sweep_handles *h = &st->sweeps[sweep];
    if (count == 0) return SW_OK;
    hid_t fspace = H5Dget_space(h->status);
    SW_H5(fspace, "getting a dataspace");
    sw_status s = sw_store_select_tasks(fspace, h, 0, NULL, start, count);
    hsize_t n = count;
    hid_t mspace = H5Screate_simple(1, &n, NULL);
    if (s == SW_OK && (mspace < 0 || H5Dread(h->status, H5T_NATIVE_INT8, mspace, fspace, H5P_DEFAULT, status) < 0))
        s = sw_h5_fail(__FILE__, __LINE__, "reading task_status");
    if (mspace >= 0) H5Sclose(mspace);
    H5Sclose(fspace);
    return s;
}
