/* cmd_run.c: `mpisweep run`: validate on rank 0, open the file collectively, schedule, close, agree on the exit
 * code. */
#include <cblas.h>
#include <hdf5.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "mpisweep/version.h"

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

static void versions(char *buf, size_t n) {
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(mpi, &len);
    mpi[strcspn(mpi, ",\n")] = '\0';
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, n, "mpisweep %s (%s); %s; HDF5 %u.%u.%u (parallel); %s", SW_VERSION, SW_REVISION, mpi, maj, min,
             rel, openblas_get_config());
}

static void command_line(int argc, char **argv, char *buf, size_t n) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && used < n; i++) used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " " : "", argv[i]);
}

/* Rank 0 validates; all ranks then load the same files (they must see the same file system) and check that they
 * read the same sweeps. */
static sw_status load_everywhere(MPI_Comm comm, int rank, const sw_cli *cli, sw_spec **spec) {
    sw_status s = rank == 0 ? sw_load_specs(cli, spec) : SW_OK;
    int code = (int)s;
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (code != SW_OK) return rank == 0 ? s : SW_FAIL((sw_status)code, "%s", "");
    if (rank != 0) {
        sw_diag diag = {0};
        sw_spec_limits limits = {.max_tasks = cli->max_tasks};
        s = sw_spec_load_files(cli->specs, (size_t)cli->n_specs, &limits, spec, &diag);
        sw_diag_clear(&diag);
    }
    uint64_t mine[2] = {0, 0}, root[2];
    for (size_t i = 0; s == SW_OK && i < (*spec)->n_sweeps; i++) {
        mine[0] = mine[0] * 31 + (*spec)->sweeps[i].hash[0];
        mine[1] = mine[1] * 31 + (*spec)->sweeps[i].hash[1];
    }
    memcpy(root, mine, sizeof root);
    MPI_Bcast(root, 2, MPI_UINT64_T, 0, comm);
    int same = s == SW_OK && root[0] == mine[0] && root[1] == mine[1], all_same = 0;
    MPI_Allreduce(&same, &all_same, 1, MPI_INT, MPI_LAND, comm);
    if (!all_same)
        return SW_FAIL(SW_ERR_IO, "the spec files read differently on different ranks; every node must see the "
                                  "same spec files (a shared file system)");
    return SW_OK;
}

static const char *stop_text(const sw_run_result *r) {
    switch (r->stop) {
    case SW_STOP_SIGNAL: return "stopped by a signal";
    case SW_STOP_DEADLINE: return "stopped before the deadline";
    case SW_STOP_FAILURES: return "stopped after --max-failures";
    case SW_STOP_NONE: break;
    }
    return r->pending ? "stopped" : "complete";
}

static int exit_code(const sw_run_result *r) {
    bool interrupted = r->stop == SW_STOP_SIGNAL || r->stop == SW_STOP_DEADLINE;
    if (interrupted && r->pending > 0) return SW_EXIT_INTERRUPTED;
    if (r->failed > 0) return SW_EXIT_TASKS_FAILED;
    return r->pending > 0 ? SW_EXIT_INTERRUPTED : SW_EXIT_DONE;
}

static void summary_line(const sw_run_result *r, char *buf, size_t n) {
    double per_request = r->requests ? 1e6 * r->service_seconds / (double)r->requests : 0;
    snprintf(buf, n, "%s; this run: %llu tasks in %.3f s (%llu work requests, %.2f us each); file: %llu ok, "
             "%llu failed, %llu pending of %llu", stop_text(r), (unsigned long long)r->ran, r->seconds,
             (unsigned long long)r->requests, per_request, (unsigned long long)r->ok, (unsigned long long)r->failed,
             (unsigned long long)r->pending, (unsigned long long)r->total);
}

static int finish(MPI_Comm comm, int code, bool abandoned) {
    MPI_Comm_free(&comm);
    MPI_Finalize();
    fflush(stdout);
    fflush(stderr);
    /* A task still running in an abandoned compute thread must not race the library destructors of exit(). */
    if (abandoned) _exit(code);
    return code;
}

/* A runner error on any rank ends the whole job: the file stays valid and resumable. */
static void fail_job(MPI_Comm comm, sw_status s, int rank, int size) {
    sw_report_error(s, rank, size);
    fflush(stderr);
    MPI_Abort(comm, sw_status_exit_code(s));
}

int sw_cmd_run(int argc, char **argv, const sw_cli *cli_in) {
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm comm;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    sw_sched_install_signal_handlers();
    /* Past the file-size limit (ulimit -f) a write fails with EFBIG, reported like any I/O error, instead of
     * SIGXFSZ killing the rank in the middle of it. */
    signal(SIGXFSZ, SIG_IGN);
    sw_cli cli = *cli_in;
    if (provided < MPI_THREAD_FUNNELED) {
        if (rank == 0) fprintf(stderr, "mpisweep: error: the MPI library does not provide MPI_THREAD_FUNNELED\n");
        return finish(comm, SW_EXIT_RUNTIME, false);
    }
    if (!cli.deadline_given) {
        double end = rank == 0 ? slurm_end_time() : 0;
        MPI_Bcast(&end, 1, MPI_DOUBLE, 0, comm);
        cli.run.deadline = end;
    }
    sw_spec *spec = NULL;
    sw_status s = load_everywhere(comm, rank, &cli, &spec);
    if (s != SW_OK) {
        if (rank == 0 || sw_error_message()[0]) sw_report_error(s, rank, size);
        sw_spec_free(&spec);
        return finish(comm, sw_status_exit_code(s), false);
    }
    char host[256] = "unknown", ver[1024], cmd[4096];
    gethostname(host, sizeof host);
    MPI_Bcast(host, sizeof host, MPI_CHAR, 0, comm);
    versions(ver, sizeof ver);
    command_line(argc, argv, cmd, sizeof cmd);
    MPI_Bcast(cmd, sizeof cmd, MPI_CHAR, 0, comm);
    sw_run_info info = {.command = cmd, .host = host, .slurm_job = getenv("SLURM_JOB_ID"), .versions = ver,
                        .n_ranks = size, .no_fill = cli.no_fill,
                        .allow_version_change = cli.allow_version_change};
    sw_store *store = NULL;
    s = sw_store_open(comm, cli.output, spec, cli.mode, &info, &store);
    if (s != SW_OK) {
        sw_report_error(s, rank, size);
        sw_spec_free(&spec);
        return finish(comm, sw_status_exit_code(s), false);
    }
    sw_run_result result;
    s = sw_sched_run(comm, spec, store, &cli.run, &result);
    if (s != SW_OK) fail_job(comm, s, rank, size);
    char summary[512];
    summary_line(&result, summary, sizeof summary);
    s = sw_store_close(&store, summary);
    if (s != SW_OK) fail_job(comm, s, rank, size);
    int code = exit_code(&result);
    if (rank == 0 && !cli.quiet) {
        fprintf(stderr, "mpisweep: %s -> %s\n", summary, cli.output);
        if (code == SW_EXIT_INTERRUPTED) fprintf(stderr, "mpisweep: resume with: --resume -o %s\n", cli.output);
        if (code == SW_EXIT_TASKS_FAILED) fprintf(stderr, "mpisweep: failure messages: mpisweep status %s\n", cli.output);
    }
    if (!result.abandoned) sw_spec_free(&spec); /* an abandoned task may still read it */
    return finish(comm, code, result.abandoned);
}
