/* store_summary.c: reading a result file's state without MPI (mpisweep status). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

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

/* Reads a text dataset as its raw bytes: a char matrix [n, SW_FAILURE_MESSAGE_BYTES], or (files written by
 * earlier versions) n fixed-length strings of that size; both are the same bytes in the file's own type. */
static sw_status read_text(hid_t g, const char *name, char **out) {
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) return sw_h5_fail(__FILE__, __LINE__, name);
    hid_t type = H5Dget_type(d), space = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    size_t bytes = n > 0 && type >= 0 ? (size_t)n * H5Tget_size(type) : 0;
    *out = calloc(bytes + 1, 1);
    herr_t r = *out && bytes ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) : 0;
    sw_status s = *out ? SW_OK : SW_FAIL(SW_ERR_NOMEM, "cannot allocate %s", name);
    if (s == SW_OK && r < 0) s = sw_h5_fail(__FILE__, __LINE__, name);
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(d);
    return s;
}

/* ---- the parameter values of a task, for the failure list ---- */

/* One coordinate as text: numeric values, or a char matrix (choice names). */
typedef struct coord_text {
    char name[96];
    char dim[96];   /* zipped parameters: the task dimension (zip group) it rides along */
    hsize_t n;
    size_t width;   /* > 0: char matrix rows of this width */
    bool is_int;
    void *values;   /* int64_t, double, or n * width chars */
} coord_text;

typedef struct task_labels {
    int n_dims;
    hsize_t len[H5S_MAX_RANK];
    coord_text dim[H5S_MAX_RANK];   /* the coordinate of each task dimension (name only for point/replicate) */
    coord_text zip[16];             /* the zipped parameters along their point dimensions */
    size_t n_zip;
} task_labels;

/* Reads dataset `name` (or its `_nc4_non_coord_` twin, where a choice dimension keeps its names) as text. */
static void read_coord(hid_t g, const char *name, coord_text *c) {
    snprintf(c->name, sizeof c->name, "%s", name);
    char twin[128];
    snprintf(twin, sizeof twin, "_nc4_non_coord_%s", name);
    const char *use = H5Lexists(g, twin, H5P_DEFAULT) > 0 ? twin : name;
    hid_t d = H5Lexists(g, use, H5P_DEFAULT) > 0 ? H5Dopen2(g, use, H5P_DEFAULT) : -1;
    if (d < 0) return;
    hid_t type = H5Dget_type(d), space = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    int rank = H5Sget_simple_extent_dims(space, dims, NULL);
    H5T_class_t cls = H5Tget_class(type);
    c->n = dims[0];
    c->width = cls == H5T_STRING && rank == 2 ? dims[1] : 0;
    c->is_int = cls == H5T_INTEGER;
    bool numeric = (cls == H5T_INTEGER || cls == H5T_FLOAT) && rank == 1;
    c->values = numeric || c->width ? calloc(c->n * (c->width ? c->width : 8) + 1, 1) : NULL;
    hid_t mem = c->width ? type : c->is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
    if (c->values && H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->values) < 0) {
        free(c->values);
        c->values = NULL;
    }
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(d);
}

static size_t format_coord(const coord_text *c, hsize_t i, char *buf, size_t size) {
    if (!c->values || i >= c->n) return (size_t)snprintf(buf, size, "%s=#%llu", c->name, (unsigned long long)i);
    if (c->width)
        return (size_t)snprintf(buf, size, "%s=%.*s", c->name, (int)strnlen((char *)c->values + i * c->width, c->width),
                                (char *)c->values + i * c->width);
    if (c->is_int) return (size_t)snprintf(buf, size, "%s=%lld", c->name, (long long)((int64_t *)c->values)[i]);
    return (size_t)snprintf(buf, size, "%s=%.17g", c->name, ((double *)c->values)[i]);
}

/* The task dimensions are the scales attached to task_status, in order; the zipped parameters are named in its
 * `coordinates` attribute. Missing pieces (a damaged file) only make the labels show indices. */
static herr_t scale_name(hid_t did, unsigned dim, hid_t dsid, void *data) {
    (void)did;
    (void)dim;
    char path[256];
    if (H5Iget_name(dsid, path, sizeof path) > 0) {
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t n = strnlen(base, 95);
        memcpy(data, base, n);
        ((char *)data)[n] = '\0';
    }
    return 1;
}

/* The dimension a zipped parameter's dataset rides along (its first dimension's scale). */
static void zip_dimension(hid_t g, coord_text *c) {
    hid_t d = H5Lexists(g, c->name, H5P_DEFAULT) > 0 ? H5Dopen2(g, c->name, H5P_DEFAULT) : -1;
    if (d < 0) return;
    H5DSiterate_scales(d, 0, NULL, scale_name, c->dim);
    H5Dclose(d);
}

static void read_labels(hid_t g, task_labels *l) {
    memset(l, 0, sizeof *l);
    hid_t st = H5Dopen2(g, "task_status", H5P_DEFAULT);
    if (st < 0) return;
    hid_t space = H5Dget_space(st);
    l->n_dims = H5Sget_simple_extent_dims(space, l->len, NULL);
    H5Sclose(space);
    for (int k = 0; k < l->n_dims; k++) {
        char name[96];
        snprintf(name, sizeof name, "dim%d", k);
        H5DSiterate_scales(st, (unsigned)k, NULL, scale_name, name);
        read_coord(g, name, &l->dim[k]);
    }
    char *zipped = NULL;
    if (H5Aexists(st, "coordinates") > 0 && sw_h5_attr_read_string(st, "coordinates", &zipped) == SW_OK) {
        for (char *save = NULL, *z = strtok_r(zipped, " ", &save); z && l->n_zip < SW_COUNT(l->zip);
             z = strtok_r(NULL, " ", &save))
        {
            read_coord(g, z, &l->zip[l->n_zip]);
            zip_dimension(g, &l->zip[l->n_zip++]);
        }
    }
    free(zipped);
    H5Dclose(st);
    H5Eclear2(H5E_DEFAULT);
}

static void free_labels(task_labels *l) {
    for (int k = 0; k < l->n_dims; k++) free(l->dim[k].values);
    for (size_t z = 0; z < l->n_zip; z++) free(l->zip[z].values);
}

/* "x=0.5, k=2, draws=5, replicate=1": the parameter values of linear task `task`. */
static void label_task(const task_labels *l, uint64_t task, char *buf, size_t size) {
    hsize_t idx[H5S_MAX_RANK];
    for (int k = l->n_dims - 1; k >= 0; k--) {
        idx[k] = l->len[k] ? task % l->len[k] : 0;
        task = l->len[k] ? task / l->len[k] : 0;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < l->n_dims && used < size; k++) {
        bool zipped = false; /* a point dimension: its zipped parameters' values stand for its index */
        for (size_t z = 0; z < l->n_zip && used < size; z++) {
            if (strcmp(l->zip[z].dim, l->dim[k].name) != 0) continue;
            zipped = true;
            used += (size_t)snprintf(buf + used, size - used, "%s", used ? ", " : "");
            if (used < size) used += format_coord(&l->zip[z], idx[k], buf + used, size - used);
        }
        if (zipped) continue;
        used += (size_t)snprintf(buf + used, size - used, "%s", used ? ", " : "");
        if (used < size) used += format_coord(&l->dim[k], idx[k], buf + used, size - used);
    }
}

static sw_status read_failures(hid_t g, sw_sweep_summary *s) {
    uint64_t *task = NULL;
    int8_t *outcome = NULL;
    int32_t *rank = NULL;
    char *msg = NULL;
    hsize_t n = 0, n2, n3;
    sw_status st = read_whole(g, "failures/task", H5T_NATIVE_UINT64, 8, (void **)&task, &n);
    if (st == SW_OK) st = read_whole(g, "failures/outcome", H5T_NATIVE_INT8, 1, (void **)&outcome, &n2);
    if (st == SW_OK) st = read_whole(g, "failures/rank", H5T_NATIVE_INT32, 4, (void **)&rank, &n3);
    if (st == SW_OK) st = read_text(g, "failures/message", &msg);
    if (st == SW_OK) {
        s->messages = calloc(n ? n : 1, sizeof *s->messages);
        if (!s->messages) st = SW_FAIL(SW_ERR_NOMEM, "cannot allocate failure messages");
    }
    task_labels labels;
    read_labels(g, &labels);
    for (hsize_t k = 0; st == SW_OK && k < n && task[k] != UINT64_MAX; k++) {
        char *m = msg + k * SW_FAILURE_MESSAGE_BYTES, where[256];
        m[SW_FAILURE_MESSAGE_BYTES - 1] = '\0';
        label_task(&labels, task[k], where, sizeof where);
        snprintf(s->messages[k], sizeof s->messages[k], "task %llu (%s; rank %d, %s): %s",
                 (unsigned long long)task[k], where, rank[k], sw_outcome_name(outcome[k]), m);
        s->n_messages++;
    }
    free_labels(&labels);
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

/* The order the sweeps were created in (the spec's), where the file tracks it; else by name (older files). */
static H5_index_t sweep_order(hid_t f) {
    unsigned flags = 0;
    hid_t root = H5Gopen2(f, "/", H5P_DEFAULT), gcpl = root >= 0 ? H5Gget_create_plist(root) : -1;
    if (gcpl >= 0) {
        H5Pget_link_creation_order(gcpl, &flags);
        H5Pclose(gcpl);
    }
    if (root >= 0) H5Gclose(root);
    return flags & H5P_CRT_ORDER_INDEXED ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
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
    else if (H5Literate(f, sweep_order(f), H5_ITER_INC, NULL, visit_group, &c) < 0)
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
