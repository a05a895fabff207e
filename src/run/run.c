/* run.c: one run as a library call (run.h): spec on rank 0 broadcast to all, provenance, store, scheduler. */
#include "mpisweep/run.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blas_info.h"
#include "mpisweep/clock.h"
#include "mpisweep/comm.h"
#include "mpisweep/version.h"

/* Seconds since *mark, which moves on to now: one clock read per phase boundary. */
static double lap(double *mark) {
    double now = sw_now(), since = now - *mark;
    *mark = now;
    return since;
}

/* ---- the spec: read on rank 0, its text broadcast, loaded everywhere ---- */

typedef struct text_header {
    int64_t len;
    int32_t read_errno, has_text;
} text_header;

/* Rank 0 sends each file's text (or why it could not be read); the other ranks receive it into *texts. */
static sw_status broadcast_texts(MPI_Comm comm, int rank, sw_spec_text *texts, size_t n) {
    for (size_t i = 0; i < n; i++) {
        text_header h = {.len = (int64_t)texts[i].len, .read_errno = texts[i].read_errno,
                         .has_text = texts[i].text != NULL};
        SW_MPI(MPI_Bcast(&h, sizeof h, MPI_BYTE, 0, comm));
        SW_CHECK(h.len < INT_MAX, SW_ERR_SPEC, "%s: a spec file of %lld bytes is too large", texts[i].name,
                 (long long)h.len);
        char *buf = rank == 0 ? (char *)texts[i].text : NULL;
        if (rank != 0 && h.has_text) {
            buf = malloc((size_t)h.len + 1);
            SW_CHECK_ALLOC(buf, "a spec text");
            buf[h.len] = '\0';
            texts[i] = (sw_spec_text){.name = texts[i].name, .text = buf, .len = (size_t)h.len};
        }
        texts[i].read_errno = h.read_errno;
        if (h.has_text && h.len > 0) SW_MPI(MPI_Bcast(buf, (int)h.len, MPI_CHAR, 0, comm));
    }
    return SW_OK;
}

static sw_status read_or_prepare(int rank, const sw_run_config *cfg, sw_spec_text **texts) {
    if (rank == 0) return sw_spec_read_files(cfg->specs, cfg->n_specs, texts);
    *texts = calloc(cfg->n_specs + 1, sizeof **texts);
    SW_CHECK_ALLOC(*texts, "the list of spec files");
    for (size_t i = 0; i < cfg->n_specs; i++) (*texts)[i].name = cfg->specs[i];
    return SW_OK;
}

/* Rank 0 prints every problem to log, as `mpisweep plan` does; the status then needs no message of its own. */
static void report_spec_problems(sw_diag *diag, FILE *log) {
    if (log) {
        sw_diag_print(diag, log);
        fprintf(log, "mpisweep: %zu problem%s found; nothing was run or written\n", diag->count,
                diag->count == 1 ? "" : "s");
    }
    sw_error_clear();
}

/* Every rank loaded the plugins itself: the files they loaded must be the same bytes (a node with another build
 * at the same path would silently compute other numbers). Collective. */
static sw_status same_plugins(MPI_Comm comm, int rank, const sw_spec *spec) {
    sw_status s = SW_OK;
    for (size_t i = 0; i < spec->n_sweeps; i++) {
        const sw_plugin *p = spec->sweeps[i].plugin;
        if (!p) continue;
        char first[sizeof p->hash];
        memcpy(first, p->hash, sizeof first);
        SW_MPI(MPI_Bcast(first, sizeof first, MPI_CHAR, 0, comm));
        if (s == SW_OK && strcmp(first, p->hash) != 0)
            s = SW_FAIL(SW_ERR_SPEC, "rank %d loaded plugin %s with content hash %s, rank 0 one with hash %s: "
                        "every node must see the same plugin file", rank, p->path, p->hash, first);
    }
    return s;
}

static sw_status load_spec(MPI_Comm comm, int rank, const sw_run_config *cfg, FILE *log, sw_spec **spec,
                           sw_run_phases *ph) {
    double mark = sw_now();
    sw_spec_text *texts = NULL;
    sw_status s = sw_comm_agree(comm, read_or_prepare(rank, cfg, &texts), NULL);
    ph->spec_read = lap(&mark);
    if (s == SW_OK) s = sw_comm_agree(comm, broadcast_texts(comm, rank, texts, cfg->n_specs), NULL);
    ph->spec_broadcast = lap(&mark);
    if (s == SW_OK) {
        sw_diag diag = {0};
        sw_spec_limits limits = {.max_tasks = cfg->max_tasks};
        s = sw_spec_load_texts(texts, cfg->n_specs, &limits, spec, &diag);
        if (s == SW_ERR_SPEC) {
            if (rank == 0) report_spec_problems(&diag, log);
            else sw_error_clear();
        }
        sw_diag_clear(&diag);
        s = sw_comm_agree(comm, s, NULL);
    }
    if (s == SW_OK) s = sw_comm_agree(comm, same_plugins(comm, rank, *spec), NULL);
    ph->spec_parse = lap(&mark);
    sw_spec_texts_free(&texts, cfg->n_specs);
    if (s != SW_OK) sw_spec_free(spec);
    return s;
}

/* ---- provenance ---- */

/* The job's end time inside Slurm: SLURM_JOB_END_TIME where Slurm sets it (not 22.05), else squeue's end time
 * (%e). squeue prints times as SLURM_TIME_FORMAT says, which a user may have set to anything ("relative" gives
 * "Tomorr 03:42"), so it is asked for UNIX seconds; that also avoids the local-time round trip. The ISO form is
 * kept as a fallback. No end time ("UNLIMITED", no squeue, not a job id) means no deadline. */
static double slurm_end_time(void) {
    const char *job = getenv("SLURM_JOB_ID"), *end = getenv("SLURM_JOB_END_TIME");
    if (!job || strspn(job, "0123456789_") != strlen(job)) return 0;
    if (end && atof(end) > 0) return atof(end);
    char cmd[160], line[64] = "";
    snprintf(cmd, sizeof cmd, "SLURM_TIME_FORMAT=%%s squeue -h -j %s -o %%e 2>/dev/null", job);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    char *got = fgets(line, sizeof line, p);
    pclose(p);
    if (!got) return 0;
    char *rest = NULL;
    double seconds = strtod(line, &rest);
    if (rest != line && (*rest == '\n' || *rest == '\0') && seconds > 0) return seconds;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!strptime(line, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    tm.tm_isdst = -1;
    return (double)mktime(&tm);
}

typedef struct provenance {
    char host[256], versions[1024], command[4096];
} provenance;

static void library_versions(const sw_store_ops *store, char *buf, size_t n) {
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING] = "MPI", backend[256] = "";
    int len = 0;
    if (MPI_Get_library_version(mpi, &len) != MPI_SUCCESS) snprintf(mpi, sizeof mpi, "MPI (version unknown)");
    mpi[strcspn(mpi, ",\n")] = '\0';
    for (char *c = mpi; *c; c++) if (*c == '\t') *c = ' '; /* MPICH: "MPICH Version:\t4.0.2" */
    store->versions(backend, sizeof backend);
    char blas[256];
    sw_blas_describe(blas, sizeof blas);
    /* MPICH's library version string is 8 kB; its first line names the MPI. */
    snprintf(buf, n, "mpisweep %s (%s); %.200s; %s%s%s", SW_VERSION, SW_REVISION, mpi, backend, backend[0] ? "; " : "", blas);
}

/* Rank 0's host, command line and deadline are the run's. Collective. */
static sw_status gather_provenance(MPI_Comm comm, int rank, const sw_run_config *cfg, provenance *p,
                                   double *deadline) {
    memset(p, 0, sizeof *p);
    snprintf(p->host, sizeof p->host, "unknown");
    if (rank == 0) {
        gethostname(p->host, sizeof p->host - 1);
        snprintf(p->command, sizeof p->command, "%s", cfg->command ? cfg->command : "(library call)");
        if (*deadline == 0 && cfg->deadline_from_slurm) *deadline = slurm_end_time();
    }
    SW_MPI(MPI_Bcast(p->host, sizeof p->host, MPI_CHAR, 0, comm));
    SW_MPI(MPI_Bcast(p->command, sizeof p->command, MPI_CHAR, 0, comm));
    SW_MPI(MPI_Bcast(deadline, 1, MPI_DOUBLE, 0, comm));
    library_versions(cfg->store, p->versions, sizeof p->versions);
    return SW_OK;
}

/* ---- the run ---- */

static const char *stop_text(const sw_run_result *r) {
    switch (r->stop) {
    case SW_STOP_SIGNAL: return "stopped by a signal";
    case SW_STOP_DEADLINE: return "stopped before the deadline";
    case SW_STOP_FAILURES: return "stopped after --max-failures";
    case SW_STOP_ERROR: return "stopped by a runner error";
    case SW_STOP_LOST: return "stopped: a rank was lost";
    case SW_STOP_NONE: break;
    }
    return r->pending ? "stopped" : "complete";
}

void sw_run_summary(const sw_run_result *r, char *buf, size_t n) {
    double per_request = r->requests ? 1e6 * r->service_seconds / (double)r->requests : 0;
    char longest[64] = "", groups[64] = "";
    if (r->longest_first)
        snprintf(longest, sizeof longest, ", %llu tasks longest first", (unsigned long long)r->longest_first);
    if (r->group_size)
        snprintf(groups, sizeof groups, ", %d sub-coordinators for groups of %d", r->coordinators - 1, r->group_size);
    snprintf(buf, n, "%s; this run: %llu tasks in %.3f s (%llu work requests, %.2f us each%s%s); file: %llu ok, "
             "%llu failed, %llu pending of %llu", stop_text(r), (unsigned long long)r->ran, r->seconds,
             (unsigned long long)r->requests, per_request, longest, groups, (unsigned long long)r->ok,
             (unsigned long long)r->failed, (unsigned long long)r->pending, (unsigned long long)r->total);
}

int sw_run_exit_code(sw_status s, const sw_run_result *r) {
    if (s != SW_OK) return sw_status_exit_code(s);
    bool interrupted = r->stop == SW_STOP_SIGNAL || r->stop == SW_STOP_DEADLINE;
    if (interrupted && r->pending > 0) return SW_EXIT_INTERRUPTED;
    if (r->failed > 0) return SW_EXIT_TASKS_FAILED;
    return r->pending > 0 ? SW_EXIT_INTERRUPTED : SW_EXIT_DONE;
}

/* The threading the scheduler needs: the main thread makes every MPI call while a compute thread runs tasks. */
static sw_status check_threading(void) {
#ifdef SW_SCHED_INLINE
    return SW_OK; /* the simulation build computes on the main thread (src/sched/compute.c) */
#endif
    int provided = MPI_THREAD_SINGLE;
    SW_MPI(MPI_Query_thread(&provided));
    SW_CHECK(provided >= MPI_THREAD_FUNNELED, SW_ERR_MPI,
             "the MPI library does not provide MPI_THREAD_FUNNELED (initialise MPI with MPI_Init_thread)");
    return SW_OK;
}

/* Store and scheduler, once the spec is loaded. Every rank returns the same status. */
static sw_status run_spec(const sw_run_config *cfg, MPI_Comm comm, int rank, sw_spec *spec, FILE *log,
                          sw_run_result *result, sw_run_phases *ph) {
    provenance p;
    sw_run_options opt = cfg->sched;
    opt.log = rank == 0 ? log : NULL;
    double mark = sw_now();
    sw_status s = sw_comm_agree(comm, gather_provenance(comm, rank, cfg, &p, &opt.deadline), NULL);
    ph->provenance = lap(&mark);
    if (s != SW_OK) return s;
    int size = 1;
    SW_MPI(MPI_Comm_size(comm, &size));
    sw_run_info info = {.command = p.command, .host = p.host, .slurm_job = getenv("SLURM_JOB_ID"),
                        .versions = p.versions, .n_ranks = size, .no_fill = cfg->no_fill,
                        .allow_version_change = cfg->allow_version_change,
                        .allow_plugin_change = cfg->allow_plugin_change};
    sw_store *store = NULL;
    s = sw_store_open(cfg->store, cfg->store_arg, comm, cfg->output, spec, cfg->mode, &info, &store);
    ph->store_open = lap(&mark);
    if (s != SW_OK) return s;
    sw_store_get_open_times(store, &ph->store);
    s = sw_sched_run(comm, spec, store, &opt, result);
    ph->schedule = lap(&mark);
    if (sw_run_must_abort(s)) return s; /* nothing collective can follow */
    char summary[512];
    sw_run_summary(result, summary, sizeof summary);
    sw_status closed = sw_comm_agree(comm, sw_store_close(&store, s == SW_OK ? summary : NULL), NULL);
    ph->close = lap(&mark);
    return s != SW_OK ? s : closed;
}

bool sw_run_must_abort(sw_status s) {
    return s == SW_ERR_MPI || s == SW_ERR_INTERRUPTED;
}

/* The fields of sw_run_phases in the order of a run, for sw_run_phases_line. */
static const struct phase_field {
    const char *name;
    size_t offset;
} phase_fields[] = {
    {"comm", offsetof(sw_run_phases, comm)},
    {"spec_read", offsetof(sw_run_phases, spec_read)},
    {"spec_broadcast", offsetof(sw_run_phases, spec_broadcast)},
    {"spec_parse", offsetof(sw_run_phases, spec_parse)},
    {"provenance", offsetof(sw_run_phases, provenance)},
    {"store_open", offsetof(sw_run_phases, store_open)},
    {"store_preflight", offsetof(sw_run_phases, store.preflight)},
    {"store_create", offsetof(sw_run_phases, store.create)},
    {"store_layout", offsetof(sw_run_phases, store.layout)},
    {"store_flush", offsetof(sw_run_phases, store.flush)},
    {"schedule", offsetof(sw_run_phases, schedule)},
    {"close", offsetof(sw_run_phases, close)},
    {"total", offsetof(sw_run_phases, total)},
};

void sw_run_phases_line(const sw_run_phases *phases, char *buf, size_t size) {
    size_t used = 0;
    if (size) buf[0] = '\0';
    for (size_t i = 0; i < SW_COUNT(phase_fields) && used < size; i++) {
        double seconds;
        memcpy(&seconds, (const char *)phases + phase_fields[i].offset, sizeof seconds);
        int n = snprintf(buf + used, size - used, "%s%s=%.6f", i ? " " : "", phase_fields[i].name, seconds);
        if (n < 0) break;
        used += (size_t)n;
    }
}

sw_status sw_run(const sw_run_config *config, MPI_Comm comm_in, FILE *log, sw_run_result *result) {
    return sw_run_timed(config, comm_in, log, result, NULL);
}

sw_status sw_run_timed(const sw_run_config *config, MPI_Comm comm_in, FILE *log, sw_run_result *result,
                       sw_run_phases *phases) {
    sw_run_phases mine = {0}, *ph = phases ? phases : &mine;
    *ph = (sw_run_phases){0};
    double start = sw_now();
    memset(result, 0, sizeof *result);
    result->error_rank = -1;
    SW_CHECK(config->store != NULL, SW_ERR_USAGE, "sw_run: the config names no store backend");
    SW_TRY(check_threading());
    MPI_Comm comm;
#ifdef SW_RUN_SHARE_COMM
    /* The simulation build (bench/sim) runs on its caller's communicator: SMPI copies the whole group into every
     * duplicate, O(ranks) bytes on each rank, which at 100,000 simulated ranks is 120 GB. */
    comm = comm_in;
#else
    SW_MPI(MPI_Comm_dup(comm_in, &comm));
#endif
    int rank = 0;
    sw_status s = SW_MPI_STATUS(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
    if (s == SW_OK) s = SW_MPI_STATUS(MPI_Comm_rank(comm, &rank));
    ph->comm = sw_now() - start;
    sw_spec *spec = NULL;
    if (s == SW_OK) s = load_spec(comm, rank, config, log, &spec, ph);
    if (s == SW_OK) s = run_spec(config, comm, rank, spec, log, result, ph);
    /* Every phase agreed already; agreeing once more names the rank where the error happened. */
    if (s != SW_OK && !sw_run_must_abort(s)) s = sw_comm_agree(comm, s, &result->error_rank);
    if (s == SW_ERR_MPI) result->error_rank = rank; /* this rank's own */
    if (!result->abandoned) sw_spec_free(&spec); /* an abandoned task may still read it */
#ifndef SW_RUN_SHARE_COMM
    if (!sw_run_must_abort(s)) { /* a communicator that cannot be freed is an MPI failure like any other */
        sw_status freed = SW_MPI_STATUS(MPI_Comm_free(&comm));
        if (s == SW_OK) s = freed;
    }
#endif
    ph->total = sw_now() - start;
    return s;
}
