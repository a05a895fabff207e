/* store_layout.c: creating and reopening the datasets of one sweep group. */
#include <math.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/version.h"
#include "store_internal.h"

static const char NETCDF_DIM_ONLY[] = "This is a netCDF dimension but not a netCDF variable.";

/* ---- dataset creation helpers ---- */

static hid_t fill_dcpl(hid_t type, const void *fill) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0) return dcpl;
    /* Parallel HDF5 allocates early anyway; filling at allocation makes unwritten tasks read as the fill value. */
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    if (fill) {
        H5Pset_fill_value(dcpl, type, fill);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    } else {
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    }
    return dcpl;
}

static sw_status create_dataset(hid_t group, const char *name, hid_t type, int rank, const hsize_t *dims,
                                const void *fill, hid_t *out) {
    hid_t space = rank > 0 ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    SW_H5(space, "creating a dataspace");
    hid_t dcpl = fill_dcpl(type, fill);
    hid_t d = dcpl >= 0 ? H5Dcreate2(group, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    H5Sclose(space);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (d < 0) return sw_h5_fail(__FILE__, __LINE__, name);
    *out = d;
    return SW_OK;
}

/* Independent write of a whole small dataset by rank 0 (coordinates). */
static sw_status write_whole(const h5_store *st, hid_t d, hid_t memtype, const void *buf, const char *what) {
    if (st->rank != 0) return SW_OK;
    SW_H5(H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), what);
    return SW_OK;
}

/* ---- text ----
 * netCDF-C reads an HDF5 string of size 1 as NC_CHAR and a variable-length string as NC_STRING; a fixed-length
 * string of any other size crashes it (xarray's default engine aborts). Parallel HDF5 1.10 cannot write
 * variable-length data. So text is stored as netCDF itself stores char data: a NUL-padded matrix [n, width] of
 * 1-byte strings over a dimension `<name>_strlen`, with `_Encoding = "utf-8"`, which xarray decodes to str. */

static hid_t char_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1); /* exactly netCDF-C's NC_CHAR: size 1, NULLTERM, ASCII */
    if (t >= 0) H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

/* A dimension without coordinate values, as netCDF writes one: an empty float dataset made a dimension scale. */
static sw_status create_dim_only(hid_t g, const char *name, hsize_t len, hid_t *out) {
    SW_TRY(create_dataset(g, name, H5T_IEEE_F32LE, 1, &len, NULL, out));
    char name_attr[128];
    snprintf(name_attr, sizeof name_attr, "%s%10llu", NETCDF_DIM_ONLY, (unsigned long long)len);
    SW_H5(H5DSset_scale(*out, name_attr), "making a dimension scale");
    return SW_OK;
}

/* Creates the char matrix `name` [n, width] over (row_scale, a new dimension `<dim>_strlen`) and, when buf is
 * given, writes it (rank 0). */
static sw_status create_text(h5_store *st, hid_t g, const char *name, const char *dim, hsize_t n, size_t width,
                             hid_t row_scale, const char *buf, hid_t *out) {
    char strlen_name[160];
    snprintf(strlen_name, sizeof strlen_name, "%s_strlen", dim);
    hid_t strlen_scale;
    SW_TRY(create_dim_only(g, strlen_name, width, &strlen_scale));
    hid_t type = char_type();
    hsize_t dims[2] = {n, width};
    static const char nul = '\0';
    sw_status s = type >= 0 ? create_dataset(g, name, type, 2, dims, &nul, out) : sw_h5_fail(__FILE__, __LINE__, name);
    if (s == SW_OK && buf) s = write_whole(st, *out, type, buf, name);
    if (s == SW_OK) s = sw_h5_attr_string(*out, "_Encoding", "utf-8");
    if (s == SW_OK && (H5DSattach_scale(*out, row_scale, 0) < 0 || H5DSattach_scale(*out, strlen_scale, 1) < 0))
        s = sw_h5_fail(__FILE__, __LINE__, name);
    if (type >= 0) H5Tclose(type);
    H5Dclose(strlen_scale);
    return s;
}

/* ---- coordinates ---- */

static size_t longest_choice(const sw_param *p) {
    size_t n = 1;
    for (const char *const *c = p->choices; *c; c++)
        if (strlen(*c) > n) n = strlen(*c);
    return n;
}

/* The choice names of an axis as a char matrix `name` along row_scale. */
static sw_status create_choice_values(h5_store *st, hid_t group, const char *name, const char *dim,
                                      const sw_param *p, const sw_axis *axis, hid_t row_scale, hid_t *out) {
    size_t width = longest_choice(p);
    char *buf = calloc(axis->len, width);
    SW_CHECK_ALLOC(buf, "a coordinate");
    for (size_t k = 0; k < axis->len; k++) memcpy(buf + k * width, p->choices[axis->values[k].integer],
                                                  strlen(p->choices[axis->values[k].integer]));
    sw_status s = create_text(st, group, name, dim, axis->len, width, row_scale, buf, out);
    free(buf);
    return s;
}

/* Writes the numeric values of an axis as a 1-D dataset `name` over a dimension of length len. */
static sw_status create_axis_values(h5_store *st, hid_t group, const char *name, const sw_param *p,
                                    const sw_axis *axis, hid_t *out) {
    hsize_t len = axis->len;
    sw_status s = SW_OK;
    bool is_int = p->type == SW_INT;
    void *buf = malloc(len * 8);
    SW_CHECK_ALLOC(buf, "a coordinate");
    for (hsize_t k = 0; k < len; k++) {
        if (is_int) ((int64_t *)buf)[k] = axis->values[k].integer;
        else ((double *)buf)[k] = axis->values[k].real;
    }
    hid_t ftype = is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, mtype = is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
    s = create_dataset(group, name, ftype, 1, &len, NULL, out);
    if (s == SW_OK) s = write_whole(st, *out, mtype, buf, name);
    free(buf);
    return s;
}

static sw_status create_index_coordinate(h5_store *st, hid_t group, const char *name, uint64_t len, hid_t *out) {
    hsize_t n = len;
    int64_t *buf = malloc(len * sizeof *buf);
    SW_CHECK_ALLOC(buf, "a coordinate");
    for (uint64_t k = 0; k < len; k++) buf[k] = (int64_t)k;
    sw_status s = create_dataset(group, name, H5T_STD_I64LE, 1, &n, NULL, out);
    if (s == SW_OK) s = write_whole(st, *out, H5T_NATIVE_INT64, buf, name);
    free(buf);
    return s;
}

static sw_status describe(hid_t d, const char *units, const char *long_name) {
    if (units) SW_TRY(sw_h5_attr_string(d, "units", units));
    if (long_name) SW_TRY(sw_h5_attr_string(d, "long_name", long_name));
    return SW_OK;
}

/* The task-dimension scales of a sweep, in dimension order, plus the zip value datasets (closed by caller). */
typedef struct scales {
    hid_t task[H5S_MAX_RANK];
    size_t n_task;
    hid_t own[16];
    const char *own_name[16];
    int64_t own_len[16];
    size_t n_own;
    char coordinates[1024]; /* the CF `coordinates` attribute: the zip parameters */
} scales;

/* A choice-valued grid dimension: netCDF names the dimension and a coordinate variable of another shape
 * `_nc4_non_coord_<dim>` (every netCDF reader strips the prefix), so the dimension is a scale without values and
 * the names are a char matrix beside it. */
static sw_status create_choice_dim(h5_store *st, hid_t g, const sw_taskdim *td, const sw_param *p, hid_t *scale) {
    SW_TRY(create_dim_only(g, td->name, td->len, scale));
    char name[160];
    snprintf(name, sizeof name, "_nc4_non_coord_%s", td->name);
    hid_t vd;
    SW_TRY(create_choice_values(st, g, name, td->name, p, td->axis, *scale, &vd));
    sw_status s = describe(vd, p->unit, p->help);
    H5Dclose(vd);
    return s;
}

static sw_status create_task_scales(h5_store *st, hid_t g, const sw_sweep *sw, scales *sc) {
    for (size_t d = 0; d < sw->n_dims; d++) {
        const sw_taskdim *td = &sw->dims[d];
        hid_t *ds = &sc->task[sc->n_task];
        const sw_param *p = td->kind == SW_DIM_GRID ? &sw->exp->params[td->axis->param] : NULL;
        if (p && p->type == SW_CHOICE) {
            SW_TRY(create_choice_dim(st, g, td, p, ds));
            sc->n_task++;
            continue;
        }
        if (p) {
            SW_TRY(create_axis_values(st, g, td->name, p, td->axis, ds));
            SW_TRY(describe(*ds, p->unit, p->help));
        } else {
            SW_TRY(create_index_coordinate(st, g, td->name, td->len, ds));
            SW_TRY(describe(*ds, "1", td->kind == SW_DIM_POINT ? "index of the zipped parameter values"
                                                                 : "replicate number (independent random streams)"));
        }
        sc->n_task++;
        SW_H5(H5DSset_scale(*ds, td->name), "making a dimension scale");
    }
    sc->coordinates[0] = '\0';
    for (size_t z = 0; z < sw->n_zip; z++) {
        const sw_param *p = &sw->exp->params[sw->zip[z].param];
        size_t point = 0; /* the task dimension of the axis's zip group */
        while (point < sw->n_dims && !(sw->dims[point].kind == SW_DIM_POINT &&
                                       sw->dims[point].zip_group == sw->zip[z].group))
            point++;
        hid_t zd;
        if (p->type == SW_CHOICE) {
            SW_TRY(create_choice_values(st, g, p->name, p->name, p, &sw->zip[z], sc->task[point], &zd));
        } else {
            SW_TRY(create_axis_values(st, g, p->name, p, &sw->zip[z], &zd));
            if (H5DSattach_scale(zd, sc->task[point], 0) < 0) {
                H5Dclose(zd);
                return sw_h5_fail(__FILE__, __LINE__, p->name);
            }
        }
        sw_status s = describe(zd, p->unit, p->help);
        H5Dclose(zd);
        SW_TRY(s);
        size_t used = strlen(sc->coordinates);
        snprintf(sc->coordinates + used, sizeof sc->coordinates - used, "%s%s", used ? " " : "", p->name);
    }
    return SW_OK;
}

/* One netCDF-style dimension-only scale per distinct own-dimension name of the outputs. */
static sw_status create_own_scales(hid_t g, const sw_sweep *sw, scales *sc) {
    const sw_experiment *e = sw->exp;
    for (size_t o = 0; o < e->n_outputs; o++) {
        for (int d = 0; d < e->outputs[o].ndims; d++) {
            const sw_dim *dim = &e->outputs[o].dims[d];
            bool seen = false;
            for (size_t k = 0; k < sc->n_own; k++) seen = seen || strcmp(sc->own_name[k], dim->name) == 0;
            if (seen) continue;
            SW_CHECK(sc->n_own < SW_COUNT(sc->own), SW_ERR_INTERNAL, "too many output dimensions in %s", e->name);
            hsize_t len = (hsize_t)sw_dim_extent(e, dim, sw->base);
            SW_TRY(create_dim_only(g, dim->name, len, &sc->own[sc->n_own]));
            sc->own_name[sc->n_own] = dim->name;
            sc->own_len[sc->n_own] = (int64_t)len;
            sc->n_own++;
        }
    }
    return SW_OK;
}

static hid_t own_scale(const scales *sc, const char *name) {
    for (size_t k = 0; k < sc->n_own; k++)
        if (strcmp(sc->own_name[k], name) == 0) return sc->own[k];
    return -1;
}

/* Attaches the task scales (and the own scales of an output) to a variable, and its CF attributes. */
static sw_status attach(hid_t d, const scales *sc, const sw_output *o) {
    for (size_t k = 0; k < sc->n_task; k++) SW_H5(H5DSattach_scale(d, sc->task[k], (unsigned)k), "attaching a scale");
    for (int k = 0; o && k < o->ndims; k++)
        SW_H5(H5DSattach_scale(d, own_scale(sc, o->dims[k].name), (unsigned)(sc->n_task + (size_t)k)),
              "attaching a scale");
    if (sc->coordinates[0]) SW_TRY(sw_h5_attr_string(d, "coordinates", sc->coordinates));
    return SW_OK;
}

/* The output's role among the others (experiment.h), so that readers need not re-derive it from names. */
static sw_status describe_role(hid_t d, const sw_experiment *e, size_t o) {
    int of;
    sw_output_role role = sw_output_role_of(e, o, &of);
    SW_TRY(sw_h5_attr_string(d, "role", sw_output_role_name(role)));
    if (of >= 0) SW_TRY(sw_h5_attr_string(d, "role_of", e->outputs[of].name));
    return SW_OK;
}

static sw_status create_outputs(h5_store *st, sweep_handles *h, const sw_sweep *sw, const scales *sc) {
    const sw_experiment *e = sw->exp;
    static const double nan_fill = NAN;
    for (size_t o = 0; o < e->n_outputs; o++) {
        const sw_output *out = &e->outputs[o];
        hsize_t dims[H5S_MAX_RANK];
        int rank = h->n_task_dims;
        memcpy(dims, h->task_dims, sizeof(hsize_t) * (size_t)rank);
        for (int k = 0; k < out->ndims; k++) dims[rank++] = (hsize_t)sw_dim_extent(e, &out->dims[k], sw->base);
        SW_TRY(create_dataset(h->group, out->name, H5T_IEEE_F64LE, rank, dims, st->no_fill ? NULL : &nan_fill,
                              &h->outputs[o]));
        SW_TRY(describe(h->outputs[o], out->unit, out->help));
        SW_TRY(describe_role(h->outputs[o], e, o));
        SW_TRY(attach(h->outputs[o], sc, out));
    }
    return SW_OK;
}

static sw_status create_bookkeeping(sweep_handles *h, const scales *sc) {
    static const int8_t pending = SW_TASK_PENDING;
    static const double nan_fill = NAN;
    static const int32_t no_rank = -1;
    SW_TRY(create_dataset(h->group, "task_status", H5T_STD_I8LE, h->n_task_dims, h->task_dims, &pending, &h->status));
    int8_t codes[SW_OUTCOME_COUNT];
    char meanings[256] = "";
    for (int c = 0; c < SW_OUTCOME_COUNT; c++) {
        codes[c] = (int8_t)c;
        size_t used = strlen(meanings);
        snprintf(meanings + used, sizeof meanings - used, "%s%s", c ? " " : "", sw_outcome_name(c));
    }
    SW_TRY(sw_h5_attr_i8s(h->status, "flag_values", codes, SW_OUTCOME_COUNT));
    SW_TRY(sw_h5_attr_string(h->status, "flag_meanings", meanings));
    SW_TRY(describe(h->status, "1", "outcome of each task (see flag_meanings); resume trusts only this"));
    SW_TRY(attach(h->status, sc, NULL));
    SW_TRY(create_dataset(h->group, "task_seconds", H5T_IEEE_F64LE, h->n_task_dims, h->task_dims, &nan_fill,
                          &h->seconds));
    SW_TRY(describe(h->seconds, "s", "wall-clock time of each task"));
    SW_TRY(attach(h->seconds, sc, NULL));
    SW_TRY(create_dataset(h->group, "task_rank", H5T_STD_I32LE, h->n_task_dims, h->task_dims, &no_rank, &h->rank));
    SW_TRY(describe(h->rank, "1", "MPI rank that ran each task (-1: not run)"));
    SW_TRY(attach(h->rank, sc, NULL));
    return SW_OK;
}

/* The failure log: a subgroup, so xarray's view of the sweep group is not cluttered by it. Its datasets share the
 * dimension `failure` (one row per logged failure); the messages are a char matrix. */
static sw_status create_failure_log(h5_store *st, sweep_handles *h, uint64_t n_tasks) {
    hid_t fg = H5Gcreate2(h->group, "failures", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    SW_H5(fg, "creating the failure log");
    hsize_t cap = n_tasks < SW_FAILURE_LOG_CAPACITY ? n_tasks : SW_FAILURE_LOG_CAPACITY;
    static const uint64_t no_task = UINT64_MAX;
    static const int8_t no_outcome = -1;
    static const int32_t no_rank = -1;
    static const double nan_fill = NAN;
    hid_t row = -1;
    sw_status s = create_dim_only(fg, "failure", cap, &row);
    if (s == SW_OK) s = create_dataset(fg, "task", H5T_STD_U64LE, 1, &cap, &no_task, &h->fail_task);
    if (s == SW_OK) s = create_dataset(fg, "outcome", H5T_STD_I8LE, 1, &cap, &no_outcome, &h->fail_outcome);
    if (s == SW_OK) s = create_dataset(fg, "rank", H5T_STD_I32LE, 1, &cap, &no_rank, &h->fail_rank);
    if (s == SW_OK) s = create_dataset(fg, "seconds", H5T_IEEE_F64LE, 1, &cap, &nan_fill, &h->fail_seconds);
    hid_t columns[] = {h->fail_task, h->fail_outcome, h->fail_rank, h->fail_seconds};
    for (size_t k = 0; s == SW_OK && k < SW_COUNT(columns); k++)
        if (H5DSattach_scale(columns[k], row, 0) < 0) s = sw_h5_fail(__FILE__, __LINE__, "the failure log");
    if (s == SW_OK)
        s = create_text(st, fg, "message", "message", cap, SW_FAILURE_MESSAGE_BYTES, row, NULL, &h->fail_message);
    if (s == SW_OK)
        s = sw_h5_attr_string(fg, "description", "the first failures of the sweep in arrival order (linear task "
                                                 "index; unused rows have task = 2^64-1)");
    if (row >= 0) H5Dclose(row);
    H5Gclose(fg);
    h->fail_capacity = cap;
    h->fail_used = 0;
    return s;
}

sw_status sw_store_write_plugin(hid_t g, const sw_sweep *sw) {
    SW_TRY(sw_h5_attr_string(g, "plugin", sw->plugin->path));
    return sw_h5_attr_string(g, "plugin_hash", sw->plugin->hash);
}

static sw_status write_provenance(hid_t g, const sw_sweep *sw) {
    const sw_experiment *e = sw->exp;
    char hash[40], buf[4096];
    snprintf(hash, sizeof hash, "%016llx%016llx", (unsigned long long)sw->hash[1], (unsigned long long)sw->hash[0]);
    SW_TRY(sw_h5_attr_string(g, "experiment", e->name));
    SW_TRY(sw_h5_attr_string(g, "summary", e->summary));
    SW_TRY(sw_h5_attr_string(g, "article", e->article));
    SW_TRY(sw_h5_attr_string(g, "spec", sw->text));
    SW_TRY(sw_h5_attr_string(g, "spec_file", sw->file));
    SW_TRY(sw_h5_attr_string(g, "spec_hash", hash));
    if (sw->plugin) SW_TRY(sw_store_write_plugin(g, sw));
    SW_TRY(sw_h5_attr_u64(g, "seed", sw->seed));
    SW_TRY(sw_h5_attr_i64(g, "replicates", sw->replicates));
    SW_TRY(sw_h5_attr_u64(g, "n_tasks", sw->n_tasks));
    if (sw->where) SW_TRY(sw_h5_attr_u64(g, "n_excluded", sw->n_excluded));
    SW_TRY(sw_h5_attr_string(g, "mpisweep_version", SW_VERSION));
    SW_TRY(sw_h5_attr_string(g, "mpisweep_revision", SW_REVISION));
    SW_TRY(sw_h5_attr_i64(g, "experiment_version", e->version));
    for (size_t i = 0; i < e->n_params; i++) {
        const sw_param *p = &e->params[i];
        bool swept = false;
        for (size_t d = 0; d < sw->n_grid; d++) swept = swept || sw->grid[d].param == (int)i;
        for (size_t z = 0; z < sw->n_zip; z++) swept = swept || sw->zip[z].param == (int)i;
        if (swept) continue;
        char name[96];
        snprintf(name, sizeof name, "param_%s", p->name);
        const sw_value *v = &sw->base[i];
        switch (p->type) {
        case SW_REAL: SW_TRY(sw_h5_attr_double(g, name, v->real)); break;
        case SW_INT: SW_TRY(sw_h5_attr_i64(g, name, v->integer)); break;
        case SW_CHOICE: SW_TRY(sw_h5_attr_string(g, name, sw_value_format(p, v, buf, sizeof buf))); break;
        case SW_REAL_LIST: SW_TRY(sw_h5_attr_doubles(g, name, v->list, v->len)); break;
        }
    }
    return SW_OK;
}

static void close_scales(scales *sc) {
    for (size_t k = 0; k < sc->n_task; k++) H5Dclose(sc->task[k]);
    for (size_t k = 0; k < sc->n_own; k++) H5Dclose(sc->own[k]);
}

static sw_status alloc_handles(sweep_handles *h, const sw_sweep *sw) {
    const sw_experiment *e = sw->exp;
    h->n_outputs = e->n_outputs;
    h->outputs = malloc(e->n_outputs * sizeof *h->outputs);
    h->out_size = malloc(e->n_outputs * sizeof *h->out_size);
    SW_CHECK_ALLOC(h->outputs && h->out_size, "dataset handles");
    for (size_t o = 0; o < e->n_outputs; o++) {
        h->outputs[o] = -1;
        h->out_size[o] = sw_output_count(e, &e->outputs[o], sw->base);
    }
    h->n_task_dims = (int)sw->n_dims;
    for (size_t d = 0; d < sw->n_dims; d++) h->task_dims[d] = sw->dims[d].len;
    return SW_OK;
}

/* The tasks that the where: filter leaves out are marked `excluded` when the sweep is created, before the first task
 * runs (raw data, like every write of a run). Rank 0, in runs of consecutive tasks. */
static sw_status mark_excluded(h5_store *st, size_t i) {
    const sw_sweep *sw = &st->spec->sweeps[i];
    if (!sw->where || st->rank != 0) return SW_OK;
    sw_value *param = calloc(sw->exp->n_params + 1, sizeof *param);
    SW_CHECK_ALLOC(param, "a parameter vector");
    uint64_t reps = (uint64_t)sw->replicates, start = 0; /* the replicate varies fastest and shares the fate */
    bool in_run = false;
    sw_status s = SW_OK;
    for (uint64_t t = 0; t < sw->n_tasks && s == SW_OK; t += reps) {
        sw_sweep_task(sw, t, param, NULL);
        bool out = !sw_sweep_task_included(sw, param);
        if (out && !in_run) start = t;
        if (!out && in_run) s = h5_store_mark_range(st, i, start, t - start, SW_TASK_EXCLUDED);
        in_run = out;
    }
    if (s == SW_OK && in_run) s = h5_store_mark_range(st, i, start, sw->n_tasks - start, SW_TASK_EXCLUDED);
    free(param);
    return s;
}

sw_status sw_store_create_sweep(h5_store *st, size_t i) {
    const sw_sweep *sw = &st->spec->sweeps[i];
    sweep_handles *h = &st->sweeps[i];
    SW_TRY(alloc_handles(h, sw));
    h->group = H5Gcreate2(st->file, sw->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (h->group < 0) return sw_h5_fail(__FILE__, __LINE__, sw->name);
    SW_TRY(write_provenance(h->group, sw));
    scales sc = {.n_task = 0, .n_own = 0};
    sw_status s = create_task_scales(st, h->group, sw, &sc);
    if (s == SW_OK) s = create_own_scales(h->group, sw, &sc);
    if (s == SW_OK) s = create_outputs(st, h, sw, &sc);
    if (s == SW_OK) s = create_bookkeeping(h, &sc);
    close_scales(&sc);
    SW_TRY(s);
    SW_TRY(mark_excluded(st, i));
    return create_failure_log(st, h, sw->n_tasks);
}

static sw_status open_dataset(hid_t loc, const char *name, hid_t *out) {
    *out = H5Dopen2(loc, name, H5P_DEFAULT);
    if (*out < 0) return sw_h5_fail(__FILE__, __LINE__, name);
    return SW_OK;
}

/* Counts the failure-log rows in use (rows are filled in order; an unused row has task = UINT64_MAX). */
static sw_status count_failures(sweep_handles *h) {
    hid_t space = H5Dget_space(h->fail_task);
    SW_H5(space, "reading the failure log");
    hsize_t cap = 0;
    H5Sget_simple_extent_dims(space, &cap, NULL);
    H5Sclose(space);
    h->fail_capacity = cap;
    h->fail_used = 0;
    if (cap == 0) return SW_OK;
    uint64_t *task = malloc(cap * sizeof *task);
    SW_CHECK_ALLOC(task, "the failure log");
    herr_t r = H5Dread(h->fail_task, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, task);
    while (r >= 0 && h->fail_used < cap && task[h->fail_used] != UINT64_MAX) h->fail_used++;
    free(task);
    SW_H5(r, "reading the failure log");
    return SW_OK;
}

sw_status sw_store_open_sweep(h5_store *st, size_t i) {
    const sw_sweep *sw = &st->spec->sweeps[i];
    sweep_handles *h = &st->sweeps[i];
    SW_TRY(alloc_handles(h, sw));
    h->group = H5Gopen2(st->file, sw->name, H5P_DEFAULT);
    if (h->group < 0) return sw_h5_fail(__FILE__, __LINE__, sw->name);
    for (size_t o = 0; o < sw->exp->n_outputs; o++)
        SW_TRY(open_dataset(h->group, sw->exp->outputs[o].name, &h->outputs[o]));
    SW_TRY(open_dataset(h->group, "task_status", &h->status));
    SW_TRY(open_dataset(h->group, "task_seconds", &h->seconds));
    SW_TRY(open_dataset(h->group, "task_rank", &h->rank));
    SW_TRY(open_dataset(h->group, "failures/task", &h->fail_task));
    SW_TRY(open_dataset(h->group, "failures/outcome", &h->fail_outcome));
    SW_TRY(open_dataset(h->group, "failures/rank", &h->fail_rank));
    SW_TRY(open_dataset(h->group, "failures/seconds", &h->fail_seconds));
    SW_TRY(open_dataset(h->group, "failures/message", &h->fail_message));
    return count_failures(h);
}

void sw_store_close_sweep(sweep_handles *h) {
    hid_t *all[] = {&h->status, &h->seconds, &h->rank, &h->fail_task, &h->fail_outcome,
                    &h->fail_rank, &h->fail_seconds, &h->fail_message};
    for (size_t k = 0; k < SW_COUNT(all); k++)
        if (*all[k] > 0) H5Dclose(*all[k]);
    for (size_t o = 0; h->outputs && o < h->n_outputs; o++)
        if (h->outputs[o] > 0) H5Dclose(h->outputs[o]);
    if (h->group > 0) H5Gclose(h->group);
    free(h->outputs);
    free(h->out_size);
    free(h->history);
    memset(h, 0, sizeof *h);
}
