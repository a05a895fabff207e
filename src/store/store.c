/* store.c: opening (with the pre-flight checks and the run lock) and closing the result file. */
#define _GNU_SOURCE /* F_OFD_SETLK: a lock owned by this open file description, not by the process */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "mpisweep/clock.h"
#include "mpisweep/comm.h"
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

sw_status sw_store_take_lock(int fd, const char *path) { return take_lock(fd, path); }

/* Bytes a sweep's group takes: outputs, bookkeeping, failure log, and a generous allowance for its metadata. */
static double sweep_bytes(const sw_sweep *sw) {
    double per_task = sw_store_task_bytes(sw);
    double log_rows = sw->n_tasks < SW_FAILURE_LOG_CAPACITY ? (double)sw->n_tasks : SW_FAILURE_LOG_CAPACITY;
    return per_task * (double)sw->n_tasks + log_rows * (8 + 1 + 4 + 8 + SW_FAILURE_MESSAGE_BYTES) + 32768;
}

/* Bytes the file will need for the sweeps it does not hold yet. */
static double bytes_needed(const sw_spec *spec, const bool *present) {
    double total = 65536;
    for (size_t i = 0; i < spec->n_sweeps; i++)
        if (!present[i]) total += sweep_bytes(&spec->sweeps[i]);
    return total;
}

/* need: bytes the file will grow by; size: its size now. Checks the file system's free space and the process's
 * file-size limit (ulimit -f), whose breach would otherwise surface as SIGXFSZ or EFBIG in the middle of a write. */
static sw_status check_space(const char *path, double need, double size) {
    struct rlimit fsize;
    if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY && size + need > (double)fsize.rlim_cur)
        return SW_FAIL(SW_ERR_NOSPACE, "%s needs about %.3g MB but the file-size limit (ulimit -f) is %.3g MB; raise "
                                       "the limit or write elsewhere", path, (size + need) / 1e6,
                       (double)fsize.rlim_cur / 1e6);
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

/* Elements of dataset `name` under g, or -1 when it is missing or unreadable. */
static hssize_t dataset_points(hid_t g, const char *name) {
    hssize_t n = -1;
    hid_t d = H5Lexists(g, name, H5P_DEFAULT) > 0 ? H5Dopen2(g, name, H5P_DEFAULT) : -1;
    if (d >= 0) {
        hid_t space = H5Dget_space(d);
        if (space >= 0) n = H5Sget_simple_extent_npoints(space);
        if (space >= 0) H5Sclose(space);
        H5Dclose(d);
    }
    return n;
}

/* Everything a resume opens must be there with the spec's shape: a damaged group is refused here, before anything
 * is written, rather than by an HDF5 error half-way through opening the file. */
static sw_status check_layout(const char *path, hid_t g, const sw_sweep *sw) {
    static const char *const per_task[] = {"task_status", "task_seconds", "task_rank"};
    static const char *const log[] = {"failures/task", "failures/outcome", "failures/rank", "failures/seconds",
                                      "failures/message"};
    const char *bad = NULL;
    for (size_t k = 0; !bad && k < SW_COUNT(per_task); k++)
        if (dataset_points(g, per_task[k]) != (hssize_t)sw->n_tasks) bad = per_task[k];
    for (size_t k = 0; !bad && k < SW_COUNT(log); k++)
        if (dataset_points(g, log[k]) < 0) bad = log[k];
    for (size_t o = 0; !bad && o < sw->exp->n_outputs; o++) {
        double want = (double)sw->n_tasks * (double)sw_output_count(sw->exp, &sw->exp->outputs[o], sw->base);
        if ((double)dataset_points(g, sw->exp->outputs[o].name) != want) bad = sw->exp->outputs[o].name;
    }
    H5Eclear2(H5E_DEFAULT);
    if (bad)
        return SW_FAIL(SW_ERR_NOT_RESULT, "%s: sweep '%s' is damaged: dataset '%s' is missing or has the wrong size; "
                                          "it cannot be resumed: use a new output file, or --overwrite to start again",
                       path, sw->name, bad);
    return SW_OK;
}

sw_status sw_store_check_layout(const char *path, hid_t g, const sw_sweep *sw) { return check_layout(path, g, sw); }

/* Resume: the file must be ours, and every sweep it shares with the spec must come from the same spec. */
/* A sweep from a plugin resumes only with the same plugin, byte for byte, unless the user says the change does not
 * change results (--allow-plugin-change). */
static sw_status check_plugin(const char *path, hid_t g, const sw_sweep *sw, bool allow_change) {
    if (!sw->plugin) return SW_OK;
    char *stored = NULL;
    if (H5Aexists(g, "plugin_hash") <= 0 || sw_h5_attr_read_string(g, "plugin_hash", &stored) != SW_OK) {
        H5Eclear2(H5E_DEFAULT);
        return SW_FAIL(SW_ERR_MISMATCH, "%s: sweep '%s' was not run with a plugin, the spec now names %s", path,
                       sw->name, sw->plugin->path);
    }
    sw_status s = SW_OK;
    if (strcmp(stored, sw->plugin->hash) != 0 && !allow_change)
        s = SW_FAIL(SW_ERR_MISMATCH, "%s: sweep '%s' was run with a different plugin (content hash %s; %s now has "
                                     "hash %s); --resume refuses to mix results of two plugins: rebuild the old "
                                     "one, use a new output file, or pass --allow-plugin-change if the change "
                                     "cannot change results", path, sw->name, stored, sw->plugin->path,
                    sw->plugin->hash);
    free(stored);
    return s;
}

static sw_status check_resumable(const char *path, const sw_spec *spec, bool *present, bool allow_version_change,
                                 bool allow_plugin_change, bool *grows) {
    htri_t is_h5 = H5Fis_hdf5(path);
    SW_CHECK(is_h5 > 0, SW_ERR_NOT_RESULT, "%s is not an HDF5 file, so it cannot be resumed", path);
    hid_t f = sw_h5_open_readonly(path);
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
            s = sw_store_check_growth(path, g, sw, &grows[i]); /* a grown spec, or a refusal saying what changed */
        else
            s = check_layout(path, g, sw);
        if (s == SW_OK) s = check_plugin(path, g, sw, allow_plugin_change);
        if (s == SW_OK) s = sw_store_check_code_version(path, g, sw, allow_version_change);
        free(stored);
        if (g >= 0) H5Gclose(g);
    }
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    return s;
}

/* The file the results go to: FILE, or the file FILE links to (a new file is renamed onto that, not onto the link;
 * a link to a file that does not exist yet is followed one level). */
static char *target_name(const char *path) {
    struct stat lb;
    if (lstat(path, &lb) != 0 || !S_ISLNK(lb.st_mode)) return strdup(path);
    char *real = realpath(path, NULL), link[4096];
    if (real) return real;
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n <= 0) return strdup(path);
    link[n] = '\0';
    char *copy = strdup(path), *dir = copy ? dirname(copy) : NULL;
    size_t size = (dir ? strlen(dir) : 0) + (size_t)n + 2;
    char *target = dir ? malloc(size) : NULL;
    if (target) snprintf(target, size, "%s/%s", link[0] == '/' ? "" : dir, link[0] == '/' ? link + 1 : link);
    free(copy);
    return target;
}

/* A new file is built under the name FILE.creating and takes the name FILE only once its whole layout is written
 * and flushed (rename is atomic), so a kill during creation leaves no FILE, or the file it was to replace, never a
 * half-made one that HDF5 cannot open. A FILE.creating left by a killed run is reused by the next one. */
static char *creating_name(const char *path) {
    size_t n = strlen(path) + sizeof ".creating";
    char *name = malloc(n);
    if (name) snprintf(name, n, "%s.creating", path);
    return name;
}

/* Rank 0's checks before anything is written. On success st->lock_fd holds the run lock on the file that will be
 * written: FILE itself when a non-empty FILE is resumed (*existed), else FILE.creating, and then st->old_fd locks
 * a FILE that the new one replaces. On failure every file is left as it was. */
static sw_status preflight(h5_store *st, const char *tmp, sw_open_mode mode, bool *existed, bool *present) {
    const char *path = st->path;
    const sw_spec *spec = st->spec;
    struct stat sb;
    bool was_there = stat(path, &sb) == 0;
    *existed = was_there && sb.st_size > 0;
    if (was_there && !S_ISREG(sb.st_mode))
        return SW_FAIL(SW_ERR_USAGE, "%s is %s, not a result file: give a file name for the results", path,
                       S_ISDIR(sb.st_mode) ? "a directory" : "a device, pipe or socket");
    if (mode == SW_STORE_CREATE && was_there)
        return SW_FAIL(SW_ERR_EXISTS, "%s exists: pass --resume to continue it, or --overwrite to replace it", path);
    bool in_place = mode == SW_STORE_RESUME && *existed, tmp_locked = false;
    sw_status s = SW_OK;
    int fd = -1, old_fd = -1;
    if (was_there) {
        int target = open(path, O_RDWR);
        if (target < 0) return SW_FAIL(SW_ERR_IO, "cannot open %s for writing: %s", path, strerror(errno));
        s = take_lock(target, path);
        if (in_place) fd = target;
        else old_fd = target;
    }
    if (s == SW_OK && !in_place) {
        fd = open(tmp, O_RDWR | O_CREAT, 0666);
        if (fd < 0) s = SW_FAIL(SW_ERR_IO, "cannot create %s: %s", path, strerror(errno));
        else s = take_lock(fd, path); /* another run is creating the same file */
        tmp_locked = s == SW_OK;
    }
    bool *grows = calloc(spec->n_sweeps + 1, sizeof *grows);
    if (s == SW_OK && !grows) s = SW_FAIL(SW_ERR_NOMEM, "cannot allocate the resume check");
    if (s == SW_OK && in_place)
        s = check_resumable(path, spec, present, st->allow_version_change, st->allow_plugin_change, grows);
    if (s == SW_OK && in_place) s = sw_store_grow(st, grows, &fd);
    free(grows);
    if (s == SW_OK && !in_place) memset(present, 0, spec->n_sweeps * sizeof *present);
    if (s == SW_OK) s = check_space(path, bytes_needed(spec, present), in_place ? (double)sb.st_size : 0);
    if (s != SW_OK) {
        if (tmp_locked) unlink(tmp);
        if (fd >= 0) close(fd);
        if (old_fd >= 0) close(old_fd);
        return s;
    }
    st->lock_fd = fd;
    st->old_fd = old_fd;
    return SW_OK;
}

/* Every rank returns the same status, that of the lowest failing rank (comm.h). */
static sw_status agree(MPI_Comm comm, int rank, sw_status s) {
    (void)rank;
    return sw_comm_agree(comm, s, NULL);
}

/* HDF5 writes the superblock, with the new end of allocation (EOA), before it extends the file to the EOA at the
 * end of a flush; a kill in between leaves a file that HDF5 refuses to open ("truncated file"). So before every
 * flush that can grow the file (new sweeps and the history lines at open, the history lines at close), rank 0 makes
 * the file itself longer than anything the flush can allocate: `grow` bytes beyond its current size (sparse) and
 * the last `slack` of them reserved on disk. Metadata then only ever lands in bytes the file already has, and a full
 * disk or the file-size limit shows up here, before any metadata is written. A longer file is fine for HDF5, which
 * trims it to the EOA when the flush completes. (HDF5's own H5Fget_eoa is not available for MPI-IO files; the file
 * is never shorter than the EOA after a flush, and a run only grows it through the flushes guarded here.)
 * Collective. */
static sw_status reserve_tail(h5_store *st, double grow, double slack) {
    sw_status s = SW_OK;
    struct stat sb;
    if (st->rank == 0 && fstat(st->lock_fd, &sb) != 0)
        s = SW_FAIL(SW_ERR_IO, "cannot stat %s: %s", st->path, strerror(errno));
    if (st->rank == 0 && s == SW_OK) {
        off_t end = sb.st_size + (off_t)ceil(grow + slack), from = end - (off_t)ceil(slack);
        int r = from > sb.st_size ? ftruncate(st->lock_fd, from) : 0;
        if (r == 0) r = fallocate(st->lock_fd, 0, from, end - from);
        if (r != 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) r = ftruncate(st->lock_fd, end);
        if (r != 0 && (errno == ENOSPC || errno == EDQUOT || errno == EFBIG))
            s = SW_FAIL(SW_ERR_NOSPACE, "cannot grow %s to %.3g MB: %s%s; the results written so far are intact: "
                                        "resume once there is room", st->path, (double)end / 1e6, strerror(errno),
                        errno == EFBIG ? " (the file-size limit, ulimit -f)" : "");
        else if (r != 0)
            s = SW_FAIL(SW_ERR_IO, "cannot grow %s: %s", st->path, strerror(errno));
    }
    return agree(st->comm, st->rank, s);
}

/* After the close: gives back the bytes reserve_tail added that HDF5 did not trim (it trims only when the flush
 * changed its allocation). Best effort: a kill before it only leaves the file a little longer. Rank 0, which still
 * holds the run lock. */
static void trim_tail(const h5_store *st) {
    hid_t f = H5Fopen(st->path, H5F_ACC_RDONLY, H5P_DEFAULT); /* POSIX driver: it can report the EOA */
    haddr_t eoa = 0;
    struct stat sb;
    bool longer = f >= 0 && H5Fget_eoa(f, &eoa) >= 0 && eoa > 0 && fstat(st->lock_fd, &sb) == 0 &&
                  (off_t)eoa < sb.st_size;
    if (f >= 0) H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    int ignored = longer ? ftruncate(st->lock_fd, (off_t)eoa) : 0; /* on failure the file just stays longer */
    (void)ignored;
}

/* Bytes the history attributes may take when rewritten, with room for HDF5's heap blocks. */
static double history_slack(const h5_store *st) {
    double bytes = 65536;
    for (size_t i = 0; st->sweeps && i < st->spec->n_sweeps; i++)
        bytes += 8192 + 2.0 * (double)(st->sweeps[i].history ? strlen(st->sweeps[i].history) : 0);
    return bytes;
}

/* Rank 0 gives the complete new file its name (replacing the file it overwrites), then drops the old one's lock.
 * The run lock moves with the file: it is held on the file, not on the name. Collective. */
static sw_status publish(h5_store *st) {
    sw_status s = SW_OK;
    if (st->rank == 0 && st->creating) {
        if (rename(st->creating, st->path) != 0)
            s = SW_FAIL(SW_ERR_IO, "cannot rename %s to %s: %s", st->creating, st->path, strerror(errno));
        if (s == SW_OK) {
            free(st->creating);
            st->creating = NULL;
            if (st->old_fd >= 0) close(st->old_fd);
            st->old_fd = -1;
        }
    }
    return agree(st->comm, st->rank, s);
}

/* HDF5's options for metadata at scale, as environment variables for benchmarks (bench/startup.sh; the README lists
 * them as benchmark knobs, a user has no reason to set them). Collective metadata reads and writes (one rank reads
 * and broadcasts, the metadata is written in one collective call) are on unless MPISWEEP_H5_COLL_METADATA=0:
 * without them every rank reads and writes metadata itself. MPISWEEP_H5_PAGE=BYTES: paged aggregation of a new
 * file; MPISWEEP_H5_META_BLOCK=BYTES: the metadata aggregation block (HDF5's default: 2048). Neither showed a gain
 * (bench/RESULTS.md section 10). A page buffer is not offered: parallel HDF5 1.10 refuses it ("page buffering is
 * disabled for parallel"). */
typedef struct h5_tuning {
    bool collective_metadata;
    size_t page, meta_block;
} h5_tuning;

/* The environment variable `name` as a count of bytes into *value, left as it is when the variable is unset. */
static sw_status knob(const char *name, size_t *value) {
    const char *v = getenv(name);
    if (!v || !*v) return SW_OK;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    SW_CHECK(*end == '\0' && errno == 0 && v[0] != '-', SW_ERR_USAGE,
             "environment variable %s: expected a number of bytes, got '%s'", name, v);
    *value = (size_t)n;
    return SW_OK;
}

static sw_status read_tuning(h5_tuning *t) {
    size_t collective = 1;
    *t = (h5_tuning){0};
    SW_TRY(knob("MPISWEEP_H5_COLL_METADATA", &collective));
    SW_TRY(knob("MPISWEEP_H5_PAGE", &t->page));
    SW_TRY(knob("MPISWEEP_H5_META_BLOCK", &t->meta_block));
    SW_CHECK(t->page == 0 || t->page >= 512, SW_ERR_USAGE,
             "environment variable MPISWEEP_H5_PAGE: HDF5's smallest page is 512 bytes, got %zu", t->page);
    t->collective_metadata = collective != 0;
    return SW_OK;
}

static hid_t parallel_fapl(MPI_Comm comm, const h5_tuning *t) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    H5Pset_all_coll_metadata_ops(fapl, t->collective_metadata);
    H5Pset_coll_metadata_write(fapl, t->collective_metadata);
    if (t->meta_block) H5Pset_meta_block_size(fapl, t->meta_block);
    return fapl;
}

/* A new file's creation properties: link creation order, and paged aggregation when asked for. */
static hid_t new_file_fcpl(const h5_tuning *t) {
    hid_t fcpl = sw_h5_ordered_fcpl();
    if (fcpl >= 0 && t->page) {
        H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_PAGE, 0, 1);
        H5Pset_file_space_page_size(fcpl, t->page);
    }
    return fcpl;
}

static sw_status begin_history(h5_store *st, const sw_run_info *info, const char *started) {
    char line[4096];
    snprintf(line, sizeof line, "%s run started: %d rank%s on %s%s%s; %s; command: %s", started, info->n_ranks,
             info->n_ranks == 1 ? "" : "s", info->host, info->slurm_job ? ", Slurm job " : "",
             info->slurm_job ? info->slurm_job : "", info->versions, info->command);
    st->run_line = strdup(line);
    SW_CHECK_ALLOC(st->run_line, "the history line");
    return SW_OK;
}

static sw_status write_history(h5_store *st, size_t i, const char *line) {
    sweep_handles *h = &st->sweeps[i];
    size_t n = (h->history ? strlen(h->history) : 0) + strlen(line) + 2;
    char *text = malloc(n);
    SW_CHECK_ALLOC(text, "the history");
    snprintf(text, n, "%s%s%s", h->history ? h->history : "", h->history && h->history[0] ? "\n" : "", line);
    sw_status s = sw_h5_attr_string(h->group, "history", text);
    free(text);
    return s;
}

/* *grow: the bytes of the sweeps this creates. */
static sw_status open_sweeps(h5_store *st, const sw_run_info *info, const char *started, double *grow) {
    *grow = 0;
    SW_TRY(begin_history(st, info, started));
    for (size_t i = 0; i < st->spec->n_sweeps; i++) {
        const sw_sweep *sw = &st->spec->sweeps[i];
        htri_t there = H5Lexists(st->file, sw->name, H5P_DEFAULT);
        SW_H5(there, "looking up a sweep");
        if (there) {
            SW_TRY(sw_store_open_sweep(st, i));
            SW_TRY(sw_h5_attr_read_string(st->sweeps[i].group, "history", &st->sweeps[i].history));
            if (sw->plugin) SW_TRY(sw_store_write_plugin(st->sweeps[i].group, sw)); /* allowed to change */
        } else {
            *grow += sweep_bytes(sw);
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

sw_status h5_store_open(MPI_Comm comm, const char *path, const sw_spec *spec, sw_open_mode mode,
                        const sw_run_info *info, h5_store **out) {
    *out = NULL;
    double t0 = sw_now();
    sw_h5_silence();
    h5_store *st = calloc(1, sizeof *st);
    SW_CHECK_ALLOC(st, "the store");
    st->comm = comm;
    st->spec = spec;
    st->lock_fd = st->old_fd = -1;
    st->no_fill = info->no_fill;
    st->allow_plugin_change = info->allow_plugin_change;
    st->allow_version_change = info->allow_version_change;
    sw_status s = SW_MPI_STATUS(MPI_Comm_rank(comm, &st->rank));
    st->sweeps = calloc(spec->n_sweeps, sizeof *st->sweeps);
    st->path = target_name(path);
    char *tmp = st->path ? creating_name(st->path) : NULL;
    bool *present = calloc(spec->n_sweeps + 1, sizeof *present);
    bool existed = false;
    if (s == SW_OK && !(st->sweeps && present && st->path && tmp)) s = SW_FAIL(SW_ERR_NOMEM, "cannot allocate the store");
    h5_tuning tuning;
    if (s == SW_OK) s = read_tuning(&tuning); /* every rank its own environment, agreed below */
    if (s == SW_OK && st->rank == 0) s = preflight(st, tmp, mode, &existed, present);
    free(present);
    s = agree(comm, st->rank, s);
    int exists_flag = existed;
    if (s == SW_OK) s = SW_MPI_STATUS(MPI_Bcast(&exists_flag, 1, MPI_INT, 0, comm));
    char started[32];
    utc_now(started, sizeof started);
    if (s == SW_OK) s = SW_MPI_STATUS(MPI_Bcast(started, sizeof started, MPI_CHAR, 0, comm));
    double t1 = sw_now();
    st->open_times.preflight = t1 - t0;
    hid_t fapl = s == SW_OK ? parallel_fapl(comm, &tuning) : -1, fcpl = s == SW_OK ? new_file_fcpl(&tuning) : -1;
    bool create = mode != SW_STORE_RESUME || !exists_flag;
    if (s == SW_OK) {
        st->file = create ? H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl) : H5Fopen(path, H5F_ACC_RDWR, fapl);
        if (create && st->rank == 0) { /* removed again unless it becomes FILE (publish) */
            st->creating = tmp;
            tmp = NULL;
        }
        if (st->file < 0) s = sw_h5_fail(__FILE__, __LINE__, create ? "creating the result file" : "opening the result file");
        else if (create) s = sw_h5_attr_string(st->file, "mpisweep_version", SW_VERSION);
        if (s == SW_OK && create) s = sw_h5_attr_string(st->file, "mpisweep_revision", SW_REVISION);
    }
    free(tmp);
    if (fapl >= 0) H5Pclose(fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    double grow = 0, t2 = sw_now();
    st->open_times.create = t2 - t1;
    if (s == SW_OK) s = open_sweeps(st, info, started, &grow);
    double t3 = sw_now();
    st->open_times.layout = t3 - t2;
    /* Everything sized by the spec now exists; make it durable so that a kill during the run cannot damage it. */
    if (s == SW_OK) s = reserve_tail(st, grow, history_slack(st));
    if (s == SW_OK && H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0) s = sw_h5_fail(__FILE__, __LINE__, "flushing");
    if (s == SW_OK) s = publish(st);
    s = agree(comm, st->rank, s);
    st->open_times.flush = sw_now() - t3;
    if (s != SW_OK) {
        h5_store_close(&st, NULL);
        return s;
    }
    *out = st;
    return SW_OK;
}

sw_status h5_store_close(h5_store **stp, const char *summary) {
    h5_store *st = *stp;
    if (!st) return SW_OK;
    char ended[32];
    utc_now(ended, sizeof ended);
    sw_status s = SW_MPI_STATUS(MPI_Bcast(ended, sizeof ended, MPI_CHAR, 0, st->comm));
    /* The history lines are the only metadata a run writes after it starts: room for them first (see reserve_tail).
     * Without it (disk full, file-size limit) they are not written, and the file keeps its consistent state. */
    if (summary && st->file > 0 && s == SW_OK) s = reserve_tail(st, 0, history_slack(st));
    for (size_t i = 0; st->sweeps && i < st->spec->n_sweeps; i++) {
        if (summary && st->file > 0 && st->sweeps[i].group > 0 && s == SW_OK) {
            char line[8192];
            snprintf(line, sizeof line, "%s; ended %s: %s", st->run_line, ended, summary);
            s = write_history(st, i, line);
        }
        sw_store_close_sweep(&st->sweeps[i]);
    }
    if (st->file > 0 && H5Fclose(st->file) < 0 && s == SW_OK) s = sw_h5_fail(__FILE__, __LINE__, "closing the file");
    if (summary && s == SW_OK && st->rank == 0 && st->lock_fd >= 0 && !st->creating) trim_tail(st);
    if (st->creating) unlink(st->creating); /* a new file that failed before it was complete */
    if (st->lock_fd >= 0) close(st->lock_fd);
    if (st->old_fd >= 0) close(st->old_fd);
    free(st->creating);
    free(st->path);
    free(st->sweeps);
    free(st->run_line);
    MPI_Comm comm = st->comm;
    free(st);
    *stp = NULL;
    return agree(comm, 0, s);
}
