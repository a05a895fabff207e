/* store_grow.c: growing sweeps of a result file in place (run --resume with a spec that only adds values, zip rows
 * or replicates).
 *
 * Rank 0 does it before the file is opened in parallel, with the serial driver: it copies FILE to FILE.growing,
 * builds each grown sweep there as a new group with the full layout of the new spec (so the file is exactly what
 * a fresh run of the grown spec would have made), copies every old task's results, bookkeeping and failure-log
 * rows to the task's new place, drops the old group, flushes, and renames FILE.growing to FILE. A kill at any
 * point leaves FILE as it was (and at worst a stale FILE.growing, which the next growth overwrites), or the
 * complete grown file, never a mix. The old group's space stays in the file (h5repack reclaims it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

enum { GROW_WHY = 1024 };

/* The sweep in group g as it was specified when the group was made (its `spec` attribute, loaded again). */
static sw_status old_sweep(const char *path, hid_t g, sw_spec **old) {
    char *text = NULL, *file = NULL;
    sw_status s = sw_h5_attr_read_string(g, "spec", &text);
    if (s == SW_OK) s = sw_h5_attr_read_string(g, "spec_file", &file);
    sw_diag d = {0};
    if (s == SW_OK && (sw_spec_load_string(text, strlen(text), file, NULL, old, &d) != SW_OK || (*old)->n_sweeps != 1))
        s = SW_FAIL(SW_ERR_MISMATCH, "%s: the spec recorded in the file no longer loads with this mpisweep, so "
                                     "what changed cannot be told", path);
    sw_diag_clear(&d);
    free(text);
    free(file);
    return s;
}

sw_status sw_store_check_growth(const char *path, hid_t g, const sw_sweep *now, bool *grows) {
    sw_spec *old = NULL;
    *grows = false;
    SW_TRY(old_sweep(path, g, &old));
    uint64_t *map[H5S_MAX_RANK + 1] = {0};
    char why[GROW_WHY];
    sw_status s = now->n_dims <= H5S_MAX_RANK ? sw_sweep_growth(&old->sweeps[0], now, map, why, sizeof why)
                                             : SW_ERR_MISMATCH;
    for (size_t d = 0; d < now->n_dims && d <= H5S_MAX_RANK; d++) free(map[d]);
    if (s == SW_OK) s = sw_store_check_layout(path, g, &old->sweeps[0]); /* what is to be moved must be whole */
    sw_spec_free(&old);
    if (s == SW_ERR_MISMATCH)
        return SW_FAIL(SW_ERR_MISMATCH, "%s: sweep '%s' was run from a different spec: %s. --resume continues a sweep "
                                        "whose spec is unchanged or only adds axis values, zip rows or replicates; "
                                        "use a new output file, or --overwrite to start again", path, now->name, why);
    SW_TRY(s);
    *grows = true;
    return SW_OK;
}

/* The new linear index of old task t. */
static uint64_t new_index(const sw_sweep *old, const sw_sweep *now, uint64_t *const *map, uint64_t t) {
    uint64_t idx[H5S_MAX_RANK + 1], out = 0;
    for (size_t d = old->n_dims; d-- > 0;) {
        idx[d] = t % old->dims[d].len;
        t /= old->dims[d].len;
    }
    for (size_t d = 0; d < now->n_dims; d++) out = out * now->dims[d].len + map[d][idx[d]];
    return out;
}

/* Copies every old task's block of dataset `name` (per-task blocks of equal size) to its new place. The new
 * dataset is read first, so the values of new tasks (fill values, `excluded` marks) stay. */
static sw_status scatter(hid_t og, hid_t nd, const char *name, const sw_sweep *old, const sw_sweep *now,
                         uint64_t *const *map) {
    hid_t od = H5Dopen2(og, name, H5P_DEFAULT);
    if (od < 0) return sw_h5_fail(__FILE__, __LINE__, name);
    hid_t type = H5Dget_type(nd), os = H5Dget_space(od), ns = H5Dget_space(nd);
    size_t elem = H5Tget_size(type);
    hssize_t on = H5Sget_simple_extent_npoints(os), nn = H5Sget_simple_extent_npoints(ns);
    size_t block = (size_t)on / old->n_tasks * elem;
    char *ob = malloc((size_t)on * elem + 1), *nb = malloc((size_t)nn * elem + 1);
    sw_status s = ob && nb ? SW_OK : SW_FAIL(SW_ERR_NOMEM, "cannot hold %s while growing the sweep", name);
    if (s == SW_OK && (H5Dread(od, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ob) < 0 ||
                       H5Dread(nd, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, nb) < 0))
        s = sw_h5_fail(__FILE__, __LINE__, name);
    for (uint64_t t = 0; s == SW_OK && t < old->n_tasks; t++)
        memcpy(nb + new_index(old, now, map, t) * block, ob + t * block, block);
    if (s == SW_OK && H5Dwrite(nd, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, nb) < 0)
        s = sw_h5_fail(__FILE__, __LINE__, name);
    free(ob);
    free(nb);
    H5Sclose(os);
    H5Sclose(ns);
    H5Tclose(type);
    H5Dclose(od);
    return s;
}

/* The failure log: the old rows, in order, with their task indices renumbered. */
static sw_status copy_failures(hid_t og, const sweep_handles *h, const sw_sweep *old, const sw_sweep *now,
                               uint64_t *const *map) {
    hid_t od = H5Dopen2(og, "failures/task", H5P_DEFAULT);
    if (od < 0) return sw_h5_fail(__FILE__, __LINE__, "failures/task");
    hid_t space = H5Dget_space(od);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    uint64_t *task = malloc(((size_t)n + 1) * sizeof *task);
    herr_t r = task ? H5Dread(od, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, task) : -1;
    H5Dclose(od);
    sw_status s = r >= 0 ? SW_OK : sw_h5_fail(__FILE__, __LINE__, "failures/task");
    for (hssize_t k = 0; s == SW_OK && k < n; k++)
        if (task[k] != UINT64_MAX) task[k] = new_index(old, now, map, task[k]);
    /* The old log is at most as long as the new one (its capacity grows with the task count): its rows go to the
     * first rows. Messages are the same bytes whether the old file stored them as a char matrix or (files written
     * by earlier versions) as fixed-length strings. */
    static const char *const columns[] = {"failures/outcome", "failures/rank", "failures/seconds", "failures/message"};
    hid_t targets[] = {h->fail_outcome, h->fail_rank, h->fail_seconds, h->fail_message};
    for (size_t c = 0; s == SW_OK && c < SW_COUNT(columns); c++) {
        hid_t src = H5Dopen2(og, columns[c], H5P_DEFAULT);
        hid_t old_type = src >= 0 ? H5Dget_type(src) : -1, type = H5Dget_type(targets[c]);
        hid_t ss = src >= 0 ? H5Dget_space(src) : -1, fs = H5Dget_space(targets[c]);
        hssize_t m = ss >= 0 ? H5Sget_simple_extent_npoints(ss) : -1;
        hsize_t dims[2] = {0, 1}, start[2] = {0, 0}, count[2] = {(hsize_t)n, 1};
        int rank = H5Sget_simple_extent_dims(fs, dims, NULL);
        if (rank == 2) count[1] = dims[1];
        hsize_t elems = count[0] * count[1];
        hid_t ms = H5Screate_simple(1, &elems, NULL);
        char *buf = m >= 0 && old_type >= 0 ? malloc((size_t)m * H5Tget_size(old_type) + 1) : NULL;
        bool fits = buf && (size_t)m * H5Tget_size(old_type) == elems * H5Tget_size(type);
        if (!fits || H5Dread(src, old_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ||
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(targets[c], type, ms, fs, H5P_DEFAULT, buf) < 0)
            s = sw_h5_fail(__FILE__, __LINE__, columns[c]);
        free(buf);
        H5Sclose(ms);
        H5Sclose(fs);
        if (ss >= 0) H5Sclose(ss);
        H5Tclose(type);
        if (old_type >= 0) H5Tclose(old_type);
        if (src >= 0) H5Dclose(src);
    }
    hsize_t first = 0, rows = (hsize_t)n;
    hid_t ts = H5Screate_simple(1, &rows, NULL), ft = H5Dget_space(h->fail_task);
    if (s == SW_OK && (H5Sselect_hyperslab(ft, H5S_SELECT_SET, &first, NULL, &rows, NULL) < 0 ||
                       H5Dwrite(h->fail_task, H5T_NATIVE_UINT64, ts, ft, H5P_DEFAULT, task) < 0))
        s = sw_h5_fail(__FILE__, __LINE__, "failures/task");
    H5Sclose(ts);
    H5Sclose(ft);
    free(task);
    return s;
}

/* The provenance of the runs before the growth stays with the sweep; the growth is a line of its history. */
static sw_status carry_attributes(hid_t og, hid_t ng, const char *line) {
    static const char *const keep[] = {"created", "host", "slurm_job_id", "versions"};
    for (size_t k = 0; k < SW_COUNT(keep); k++) {
        char *v = NULL;
        if (H5Aexists(og, keep[k]) <= 0) continue;
        SW_TRY(sw_h5_attr_read_string(og, keep[k], &v));
        sw_status s = sw_h5_attr_string(ng, keep[k], v);
        free(v);
        SW_TRY(s);
    }
    char *history = NULL;
    if (H5Aexists(og, "history") > 0) SW_TRY(sw_h5_attr_read_string(og, "history", &history));
    size_t n = (history ? strlen(history) : 0) + strlen(line) + 2;
    char *text = malloc(n);
    if (text) snprintf(text, n, "%s%s%s", history ? history : "", history && history[0] ? "\n" : "", line);
    sw_status s = text ? sw_h5_attr_string(ng, "history", text) : SW_FAIL(SW_ERR_NOMEM, "cannot grow the history");
    free(text);
    free(history);
    return s;
}

static sw_status grow_sweep(h5_store *gs, size_t i, const char *path, const char *started) {
    const sw_sweep *now = &gs->spec->sweeps[i];
    char moved[300];
    snprintf(moved, sizeof moved, "%s.before-growth", now->name);
    SW_H5(H5Lmove(gs->file, now->name, gs->file, moved, H5P_DEFAULT, H5P_DEFAULT), "moving the old sweep aside");
    hid_t og = H5Gopen2(gs->file, moved, H5P_DEFAULT);
    SW_H5(og, "opening the old sweep");
    sw_spec *old = NULL;
    uint64_t *map[H5S_MAX_RANK + 1] = {0};
    char why[GROW_WHY], line[2 * GROW_WHY];
    sw_status s = old_sweep(path, og, &old);
    if (s == SW_OK) s = sw_sweep_growth(&old->sweeps[0], now, map, why, sizeof why);
    if (s == SW_OK) s = sw_store_create_sweep(gs, i);
    const sweep_handles *h = &gs->sweeps[i];
    for (size_t o = 0; s == SW_OK && o < now->exp->n_outputs; o++)
        s = scatter(og, h->outputs[o], now->exp->outputs[o].name, &old->sweeps[0], now, map);
    if (s == SW_OK) s = scatter(og, h->status, "task_status", &old->sweeps[0], now, map);
    if (s == SW_OK) s = scatter(og, h->seconds, "task_seconds", &old->sweeps[0], now, map);
    if (s == SW_OK) s = scatter(og, h->rank, "task_rank", &old->sweeps[0], now, map);
    if (s == SW_OK) s = copy_failures(og, h, &old->sweeps[0], now, map);
    if (s == SW_OK) {
        snprintf(line, sizeof line, "%s grown from %llu to %llu tasks (the %llu tasks done before kept their "
                 "results)", started, (unsigned long long)old->sweeps[0].n_tasks, (unsigned long long)now->n_tasks,
                 (unsigned long long)old->sweeps[0].n_tasks);
        s = carry_attributes(og, h->group, line);
    }
    for (size_t d = 0; d <= H5S_MAX_RANK; d++) free(map[d]);
    sw_spec_free(&old);
    H5Gclose(og);
    if (s == SW_OK && H5Ldelete(gs->file, moved, H5P_DEFAULT) < 0) s = sw_h5_fail(__FILE__, __LINE__, moved);
    return s;
}

static sw_status copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY), out = in >= 0 ? open(to, O_WRONLY | O_CREAT | O_TRUNC, 0666) : -1;
    sw_status s = in >= 0 && out >= 0 ? SW_OK : SW_FAIL(SW_ERR_IO, "cannot copy %s to %s: %s", from, to,
                                                        strerror(errno));
    char buf[1 << 16];
    for (ssize_t n; s == SW_OK && (n = read(in, buf, sizeof buf)) != 0;) {
        if (n < 0 || write(out, buf, (size_t)n) != n)
            s = SW_FAIL(errno == ENOSPC ? SW_ERR_NOSPACE : SW_ERR_IO, "cannot copy %s to %s: %s", from, to,
                        strerror(errno));
    }
    if (s == SW_OK && fsync(out) != 0) s = SW_FAIL(SW_ERR_IO, "cannot write %s: %s", to, strerror(errno));
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    return s;
}

sw_status sw_store_grow(h5_store *st, const bool *grows, int *lock_fd) {
    char started[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bool any = false;
    for (size_t i = 0; i < st->spec->n_sweeps; i++) any |= grows[i];
    if (!any) return SW_OK;
    size_t n = strlen(st->path) + sizeof ".growing";
    char *tmp = malloc(n);
    SW_CHECK_ALLOC(tmp, "a file name");
    snprintf(tmp, n, "%s.growing", st->path);
    sw_status s = copy_file(st->path, tmp);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    h5_store gs = {.comm = MPI_COMM_SELF, .rank = 0, .spec = st->spec, .no_fill = st->no_fill, .lock_fd = -1};
    gs.sweeps = calloc(st->spec->n_sweeps, sizeof *gs.sweeps);
    if (s == SW_OK && !gs.sweeps) s = SW_FAIL(SW_ERR_NOMEM, "cannot allocate the growth");
    if (s == SW_OK && (gs.file = H5Fopen(tmp, H5F_ACC_RDWR, fapl)) < 0) s = sw_h5_fail(__FILE__, __LINE__, tmp);
    for (size_t i = 0; s == SW_OK && i < st->spec->n_sweeps; i++)
        if (grows[i]) s = grow_sweep(&gs, i, st->path, started);
    for (size_t i = 0; gs.sweeps && i < st->spec->n_sweeps; i++) sw_store_close_sweep(&gs.sweeps[i]);
    if (gs.file > 0 && H5Fclose(gs.file) < 0 && s == SW_OK)
        s = sw_h5_fail(__FILE__, __LINE__, "closing the grown file");
    H5Pclose(fapl);
    free(gs.sweeps);
    int fd = s == SW_OK ? open(tmp, O_RDWR) : -1;
    if (s == SW_OK && fd < 0) s = SW_FAIL(SW_ERR_IO, "cannot open %s: %s", tmp, strerror(errno));
    if (s == SW_OK && fsync(fd) != 0) s = SW_FAIL(SW_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (s == SW_OK) s = sw_store_take_lock(fd, st->path);
    if (s == SW_OK && rename(tmp, st->path) != 0)
        s = SW_FAIL(SW_ERR_IO, "cannot rename %s to %s: %s", tmp, st->path, strerror(errno));
    if (s == SW_OK) {
        close(*lock_fd); /* the lock moves to the grown file */
        *lock_fd = fd;
    } else {
        if (fd >= 0) close(fd);
        unlink(tmp);
    }
    free(tmp);
    return s;
}
