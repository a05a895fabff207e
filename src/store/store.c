/* store.c: opening (with the pre-flight checks and the run lock) and closing the result file. */
#define _GNU_SOURCE /* F_OFD_SETLK: a lock owned by this open file description, not by the process */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "mpisweep/version.h"
#include "store_internal.h"

/* The run lock covers one byte far past any real file size, so it never meets the byte-range locks that MPI-IO
 * may take on the data itself, and readers (h5py takes flock locks) are not affected by it. */
#define LOCK_OFFSET ((off_t)1 << 62)

static void utc_now(char *buf, size_t size) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static sw_status take_lock(int fd, const char *path) {
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = LOCK_OFFSET, .l_len = 1};
    if (fcntl(fd, F_OFD_SETLK, &lk) == 0) return SW_OK;
    if (errno == EAGAIN || errno == EACCES)
        return SW_FAIL(SW_ERR_LOCKED, "%s is being written by another mpisweep run; wait for it to finish, or "
                                      "choose another output file", path);
    return SW_FAIL(SW_ERR_IO, "cannot lock %s: %s", path, strerror(errno));
}

/* Bytes the file will need for the sweeps it does not hold yet (outputs, bookkeeping, failure log). */
static double bytes_needed(const sw_spec *spec, const bool *present) {
    double total = 65536;
    for (size_t i = 0; i < spec->n_sweeps; i++) {
        if (present[i]) continue;
        const sw_sweep *sw = &spec->sweeps[i];
        double per_task = 1 + 8 + 4; /* status, seconds, rank */
        for (size_t o = 0; o < sw->exp->n_outputs; o++)
            per_task += 8.0 * (double)sw_output_count(sw->exp, &sw->exp->outputs[o], sw->base);
        total += per_task * (double)sw->n_tasks + 32768;
    }
    return total;
}

static sw_status check_space(const char *path, double need) {
    char *copy = strdup(path);
    SW_CHECK_ALLOC(copy, "a path");
    struct statvfs vfs;
    int r = statvfs(dirname(copy), &vfs);
    free(copy);
    if (r != 0) return SW_OK; /* cannot tell: let the writes report it */
    double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
    if (avail < need)
        return SW_FAIL(SW_ERR_NOSPACE, "%s needs about %.3g GB but only %.3g GB are free on its file system; free "
                                       "some space or write elsewhere", path, need / 1e9, avail / 1e9);
    return SW_OK;
}

/* Resume: the file must be ours, and every sweep it shares with the spec must come from the same spec. */
static sw_status check_resumable(const char *path, const sw_spec *spec, bool *present) {
    htri_t is_h5 = H5Fis_hdf5(path);
    SW_CHECK(is_h5 > 0, SW_ERR_NOT_RESULT, "%s is not an HDF5 file, so it cannot be resumed", path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    SW_CHECK(f >= 0, SW_ERR_NOT_RESULT, "%s cannot be opened as HDF5 (truncated or damaged?)", path);
    sw_status s = SW_OK;
    if (H5Aexists(f, "mpisweep_version") <= 0)
        s = SW_FAIL(SW_ERR_NOT_RESULT, "%s is an HDF5 file but not an mpisweep result file", path);
    for (size_t i = 0; s == SW_OK && i < spec->n_sweeps; i++) {
        const sw_sweep *sw = &spec->sweeps[i];
        present[i] = H5Lexists(f, sw->name, H5P_DEFAULT) > 0;
        if (!present[i]) continue;
        hid_t g = H5Gopen2(f, sw->name, H5P_DEFAULT);
        char *stored = NULL, want[40];
        snprintf(want, sizeof want, "%016llx%016llx", (unsigned long long)sw->hash[1], (unsigned long long)sw->hash[0]);
        if (g < 0 || sw_h5_attr_read_string(g, "spec_hash", &stored) != SW_OK)
            s = SW_FAIL(SW_ERR_NOT_RESULT, "%s: group '%s' is not an mpisweep sweep", path, sw->name);
        else if (strcmp(stored, want) != 0)
            s = SW_FAIL(SW_ERR_MISMATCH, "%s: sweep '%s' was run from a different spec (its spec hash is %s, the "
                                         "spec given now has %s); --resume continues only an unchanged sweep: "
                                         "use a new output file, or --overwrite to start again", path, sw->name,
                        stored, want);
        free(stored);
        if (g >= 0) H5Gclose(g);
    }
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    return s;
}

/* Rank 0's checks before anything is written. On success *fd holds the run lock; *existed says whether a
 * non-empty file was there already. The file is left as it was on failure (one we created is removed). */
static sw_status preflight(const char *path, const sw_spec *spec, sw_open_mode mode, int *fd, bool *existed,
                           bool *present) {
    struct stat sb;
    bool was_there = stat(path, &sb) == 0;
    *existed = was_there && sb.st_size > 0;
    if (mode == SW_STORE_CREATE && was_there)
        return SW_FAIL(SW_ERR_EXISTS, "%s exists: pass --resume to continue it, or --overwrite to replace it", path);
    *fd = open(path, O_RDWR | O_CREAT | (mode == SW_STORE_CREATE ? O_EXCL : 0), 0666);
    if (*fd < 0) return SW_FAIL(SW_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    sw_status s = take_lock(*fd, path);
    if (s == SW_OK && mode == SW_STORE_RESUME && *existed) s = check_resumable(path, spec, present);
    if (s == SW_OK && mode == SW_STORE_OVERWRITE) memset(present, 0, spec->n_sweeps * sizeof *present);
    if (s == SW_OK) s = check_space(path, bytes_needed(spec, present));
    if (s != SW_OK) {
        if (!was_there) unlink(path);
        close(*fd);
        *fd = -1;
    }
    return s;
}

/* Rank 0 decides; every rank returns the same status (the message stays on rank 0). */
static sw_status agree(MPI_Comm comm, int rank, sw_status s) {
    int code = (int)s;
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (rank != 0 && code != SW_OK) return SW_FAIL((sw_status)code, "%s", "");
    return (sw_status)code;
}

static hid_t parallel_fapl(MPI_Comm comm) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    H5Pset_all_coll_metadata_ops(fapl, 1);
    H5Pset_coll_metadata_write(fapl, 1);
    return fapl;
}

static sw_status begin_history(sw_store *st, const sw_run_info *info, const char *started) {
    char line[4096];
    snprintf(line, sizeof line, "%s run started: %d rank%s on %s%s%s; %s; command: %s", started, info->n_ranks,
             info->n_ranks == 1 ? "" : "s", info->host, info->slurm_job ? ", Slurm job " : "",
             info->slurm_job ? info->slurm_job : "", info->versions, info->command);
    st->run_line = strdup(line);
    SW_CHECK_ALLOC(st->run_line, "the history line");
    return SW_OK;
}

static sw_status write_history(sw_store *st, size_t i, const char *line) {
    sweep_handles *h = &st->sweeps[i];
    size_t n = (h->history ? strlen(h->history) : 0) + strlen(line) + 2;
    char *text = malloc(n);
    SW_CHECK_ALLOC(text, "the history");
    snprintf(text, n, "%s%s%s", h->history ? h->history : "", h->history && h->history[0] ? "\n" : "", line);
    sw_status s = sw_h5_attr_string(h->group, "history", text);
    free(text);
    return s;
}

static sw_status open_sweeps(sw_store *st, const sw_run_info *info, const char *started) {
    SW_TRY(begin_history(st, info, started));
    for (size_t i = 0; i < st->spec->n_sweeps; i++) {
        const sw_sweep *sw = &st->spec->sweeps[i];
        htri_t there = H5Lexists(st->file, sw->name, H5P_DEFAULT);
        SW_H5(there, "looking up a sweep");
        if (there) {
            SW_TRY(sw_store_open_sweep(st, i));
            SW_TRY(sw_h5_attr_read_string(st->sweeps[i].group, "history", &st->sweeps[i].history));
        } else {
            SW_TRY(sw_store_create_sweep(st, i));
            SW_TRY(sw_h5_attr_string(st->sweeps[i].group, "created", started));
            if (info->slurm_job) SW_TRY(sw_h5_attr_string(st->sweeps[i].group, "slurm_job_id", info->slurm_job));
            SW_TRY(sw_h5_attr_string(st->sweeps[i].group, "host", info->host));
            SW_TRY(sw_h5_attr_string(st->sweeps[i].group, "versions", info->versions));
        }
        SW_TRY(write_history(st, i, st->run_line));
    }
    return SW_OK;
}

sw_status sw_store_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                        const sw_run_info *info, sw_store **out) {
    *out = NULL;
    sw_h5_silence();
    sw_store *st = calloc(1, sizeof *st);
    SW_CHECK_ALLOC(st, "the store");
    st->comm = comm;
    st->spec = spec;
    st->lock_fd = -1;
    st->no_fill = info->no_fill;
    MPI_Comm_rank(comm, &st->rank);
    st->sweeps = calloc(spec->n_sweeps, sizeof *st->sweeps);
    bool *present = calloc(spec->n_sweeps + 1, sizeof *present);
    bool existed = false;
    sw_status s = st->sweeps && present ? SW_OK : SW_FAIL(SW_ERR_NOMEM, "cannot allocate the store");
    if (s == SW_OK && st->rank == 0) s = preflight(path, spec, mode, &st->lock_fd, &existed, present);
    free(present);
    s = agree(comm, st->rank, s);
    int exists_flag = existed;
    MPI_Bcast(&exists_flag, 1, MPI_INT, 0, comm);
    char started[32];
    utc_now(started, sizeof started);
    MPI_Bcast(started, sizeof started, MPI_CHAR, 0, comm);
    hid_t fapl = s == SW_OK ? parallel_fapl(comm) : -1;
    if (s == SW_OK) {
        bool create = mode != SW_STORE_RESUME || !exists_flag;
        st->file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : H5Fopen(path, H5F_ACC_RDWR, fapl);
        if (st->file < 0) s = sw_h5_fail(__FILE__, __LINE__, create ? "creating the result file" : "opening the result file");
        else if (create) s = sw_h5_attr_string(st->file, "mpisweep_version", SW_VERSION);
    }
    if (fapl >= 0) H5Pclose(fapl);
    if (s == SW_OK) s = open_sweeps(st, info, started);
    /* Everything sized by the spec now exists; make it durable so that a kill during the run cannot damage it. */
    if (s == SW_OK && H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0) s = sw_h5_fail(__FILE__, __LINE__, "flushing");
    if (s != SW_OK) {
        sw_store_close(&st, NULL);
        return s;
    }
    *out = st;
    return SW_OK;
}

sw_status sw_store_close(sw_store **stp, const char *summary) {
    sw_store *st = *stp;
    if (!st) return SW_OK;
    sw_status s = SW_OK;
    char ended[32];
    utc_now(ended, sizeof ended);
    MPI_Bcast(ended, sizeof ended, MPI_CHAR, 0, st->comm);
    for (size_t i = 0; st->sweeps && i < st->spec->n_sweeps; i++) {
        if (summary && st->file > 0 && st->sweeps[i].group > 0 && s == SW_OK) {
            char line[8192];
            snprintf(line, sizeof line, "%s; ended %s: %s", st->run_line, ended, summary);
            s = write_history(st, i, line);
        }
        sw_store_close_sweep(&st->sweeps[i]);
    }
    if (st->file > 0 && H5Fclose(st->file) < 0 && s == SW_OK) s = sw_h5_fail(__FILE__, __LINE__, "closing the file");
    if (st->lock_fd >= 0) close(st->lock_fd);
    free(st->sweeps);
    free(st->run_line);
    free(st);
    *stp = NULL;
    return s;
}
