/* store_summary.c: reading a result file's state without MPI (mpisweep status). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static sw_status read_whole(hid_t group, const char *name, hid_t memtype, size_t elem, void **out, hsize_t *n) {
    hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
    if (d < 0) return sw_h5_fail(__FILE__, __LINE__, name);
    hid_t space = H5Dget_space(d);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    *n = count > 0 ? (hsize_t)count : 0;
    *out = malloc(*n * elem + 1);
    herr_t r = *out ? H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) : -1;
    sw_status s = *out ? SW_OK : SW_FAIL(SW_ERR_NOMEM, "cannot allocate %s", name);
    if (s == SW_OK && r < 0) s = sw_h5_fail(__FILE__, __LINE__, name); /* before H5Dclose clears the stack */
    H5Dclose(d);
    return s;
}

static sw_status read_failures(hid_t g, sw_sweep_summary *s) {
    uint64_t *task = NULL;
    int8_t *outcome = NULL;
    int32_t *rank = NULL;
    char *msg = NULL;
    hsize_t n = 0, n2, n3, n4;
    hid_t mtype = H5Tcopy(H5T_C_S1);
    H5Tset_size(mtype, SW_FAILURE_MESSAGE_BYTES);
    H5Tset_cset(mtype, H5T_CSET_UTF8);
    sw_status st = read_whole(g, "failures/task", H5T_NATIVE_UINT64, 8, (void **)&task, &n);
    if (st == SW_OK) st = read_whole(g, "failures/outcome", H5T_NATIVE_INT8, 1, (void **)&outcome, &n2);
    if (st == SW_OK) st = read_whole(g, "failures/rank", H5T_NATIVE_INT32, 4, (void **)&rank, &n3);
    if (st == SW_OK) st = read_whole(g, "failures/message", mtype, SW_FAILURE_MESSAGE_BYTES, (void **)&msg, &n4);
    H5Tclose(mtype);
    if (st == SW_OK) {
        s->messages = calloc(n ? n : 1, sizeof *s->messages);
        if (!s->messages) st = SW_FAIL(SW_ERR_NOMEM, "cannot allocate failure messages");
    }
    for (hsize_t k = 0; st == SW_OK && k < n && task[k] != UINT64_MAX; k++) {
        char *m = msg + k * SW_FAILURE_MESSAGE_BYTES;
        m[SW_FAILURE_MESSAGE_BYTES - 1] = '\0';
        snprintf(s->messages[k], sizeof s->messages[k], "task %llu (rank %d, %s): %s", (unsigned long long)task[k],
                 rank[k], sw_outcome_name(outcome[k]), m);
        s->n_messages++;
    }
    free(task);
    free(outcome);
    free(rank);
    free(msg);
    return st;
}

static sw_status summarise_group(hid_t g, const char *name, sw_sweep_summary *s) {
    snprintf(s->name, sizeof s->name, "%s", name);
    char *exp = NULL;
    SW_TRY(sw_h5_attr_read_string(g, "experiment", &exp));
    snprintf(s->experiment, sizeof s->experiment, "%s", exp);
    free(exp);
    int8_t *status = NULL;
    double *seconds = NULL;
    hsize_t n = 0, m = 0;
    sw_status st = read_whole(g, "task_status", H5T_NATIVE_INT8, 1, (void **)&status, &n);
    if (st == SW_OK) st = read_whole(g, "task_seconds", H5T_NATIVE_DOUBLE, 8, (void **)&seconds, &m);
    s->n_tasks = n;
    for (hsize_t k = 0; st == SW_OK && k < n; k++) {
        int c = status[k] >= 0 && status[k] < SW_OUTCOME_COUNT ? status[k] : SW_TASK_FAILED;
        s->count[c]++;
        if (c != SW_TASK_PENDING && c != SW_TASK_SKIPPED && k < m && isfinite(seconds[k])) s->seconds += seconds[k];
    }
    free(status);
    free(seconds);
    SW_TRY(st);
    if (H5Aexists(g, "history") > 0) SW_TRY(sw_h5_attr_read_string(g, "history", &s->history));
    if (H5Aexists(g, "plugin") > 0) SW_TRY(sw_h5_attr_read_string(g, "plugin", &s->plugin));
    if (H5Aexists(g, "plugin_hash") > 0) SW_TRY(sw_h5_attr_read_string(g, "plugin_hash", &s->plugin_hash));
    return read_failures(g, s);
}

typedef struct collect {
    sw_sweep_summary *items;
    size_t n, cap;
    sw_status status;
} collect;

static herr_t visit_group(hid_t root, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    collect *c = data;
    H5O_info_t oi;
    if (H5Oget_info_by_name2(root, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_GROUP) return 0;
    hid_t g = H5Gopen2(root, name, H5P_DEFAULT);
    if (g < 0 || H5Aexists(g, "experiment") <= 0) {
        if (g >= 0) H5Gclose(g);
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4;
        sw_sweep_summary *items = realloc(c->items, cap * sizeof *items);
        if (!items) {
            H5Gclose(g);
            c->status = SW_FAIL(SW_ERR_NOMEM, "cannot allocate summaries");
            return -1;
        }
        c->items = items;
        c->cap = cap;
    }
    memset(&c->items[c->n], 0, sizeof c->items[c->n]);
    c->status = summarise_group(g, name, &c->items[c->n]);
    c->n++;
    if (c->status == SW_ERR_HDF5) { /* say which sweep, and that the file (not the disk) is the problem */
        char why[768];
        snprintf(why, sizeof why, "%s", sw_error_message());
        c->status = SW_FAIL(SW_ERR_NOT_RESULT, "sweep '%s' is damaged and cannot be read: %s", name, why);
    }
    H5Gclose(g);
    return c->status == SW_OK ? 0 : -1;
}

sw_status sw_store_summarise(const char *path, sw_sweep_summary **out, size_t *n_out) {
    *out = NULL;
    *n_out = 0;
    sw_h5_silence();
    FILE *probe = fopen(path, "rb");
    if (!probe) return SW_FAIL(SW_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    fclose(probe);
    SW_CHECK(H5Fis_hdf5(path) > 0, SW_ERR_NOT_RESULT, "%s is not an HDF5 file", path);
    hid_t f = sw_h5_open_readonly(path);
    SW_CHECK(f >= 0, SW_ERR_NOT_RESULT, "%s cannot be opened as HDF5 (truncated or damaged?)", path);
    collect c = {.status = SW_OK};
    sw_status s = SW_OK;
    if (H5Aexists(f, "mpisweep_version") <= 0)
        s = SW_FAIL(SW_ERR_NOT_RESULT, "%s is an HDF5 file but not an mpisweep result file", path);
    else if (H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, NULL, visit_group, &c) < 0)
        s = c.status != SW_OK ? c.status : sw_h5_fail(__FILE__, __LINE__, "listing the sweeps");
    H5Fclose(f);
    if (s != SW_OK) {
        sw_store_free_summaries(&c.items, c.n);
        return s;
    }
    *out = c.items;
    *n_out = c.n;
    return SW_OK;
}

void sw_store_free_summaries(sw_sweep_summary **s, size_t n) {
    for (size_t i = 0; *s && i < n; i++) {
        free((*s)[i].messages);
        free((*s)[i].history);
        free((*s)[i].plugin);
        free((*s)[i].plugin_hash);
    }
    free(*s);
    *s = NULL;
}
