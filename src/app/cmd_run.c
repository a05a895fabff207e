/* cmd_run.c: `mpisweep run`: MPI start-up and shut-down around sw_run (run.h), the messages for the user, the
 * exit code, and MPI_Abort when MPI itself failed. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "app.h"
#include "mpisweep/declared.h"
#include "mpisweep/run.h"
#include "mpisweep/store_hdf5.h"

static void command_line(int argc, char **argv, char *buf, size_t n) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && used < n; i++) used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " " : "", argv[i]);
}

static int finish(int code, bool abandoned) {
    MPI_Finalize();
    fflush(stdout);
    fflush(stderr);
    /* A task still running in an abandoned compute thread must not race the library destructors of exit(); the
     * program or Python worker it waits for must not outlive us (exit's atexit hooks do that otherwise). */
    if (abandoned) {
        sw_declared_shutdown();
        _exit(code);
    }
    return code;
}

static void tell_user(const sw_cli *cli, const sw_run_result *r, const sw_run_phases *phases, int code) {
    if (cli->quiet) return;
    char summary[512];
    sw_run_summary(r, summary, sizeof summary);
    fprintf(stderr, "mpisweep: %s -> %s\n", summary, cli->output);
    const char *timing = getenv("MPISWEEP_TIMING");
    if (timing && timing[0] == '1') {
        char line[1024];
        sw_run_phases_line(phases, line, sizeof line);
        fprintf(stderr, "mpisweep: start-up and close (s, rank 0's clock): %s\n", line);
    }
    if (code == SW_EXIT_INTERRUPTED) fprintf(stderr, "mpisweep: resume with: --resume -o %s\n", cli->output);
    if (code == SW_EXIT_TASKS_FAILED) fprintf(stderr, "mpisweep: failure messages: mpisweep status %s\n", cli->output);
    sw_note_launcher_banner(code);
}

int sw_cmd_run(int argc, char **argv, const sw_cli *cli) {
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sw_sched_install_signal_handlers();
    /* Past the file-size limit (ulimit -f) a write fails with EFBIG, reported like any I/O error, instead of
     * SIGXFSZ killing the rank in the middle of it. */
    signal(SIGXFSZ, SIG_IGN);
    char cmd[4096];
    command_line(argc, argv, cmd, sizeof cmd);
    sw_run_config config = {.specs = cli->specs, .n_specs = (size_t)cli->n_specs, .max_tasks = cli->max_tasks,
                            .store = &sw_store_hdf5, .output = cli->output, .mode = cli->mode,
                            .no_fill = cli->no_fill, .sched = cli->run, .deadline_from_slurm = !cli->deadline_given,
                            .allow_version_change = cli->allow_version_change, .command = cmd,
                            .allow_plugin_change = cli->allow_plugin_change};
    sw_run_result result;
    sw_run_phases phases;
    sw_status s = sw_run_timed(&config, MPI_COMM_WORLD, rank == 0 ? stderr : NULL, &result, &phases);
    if (s != SW_OK && rank == result.error_rank) sw_report_error(s, rank, size);
    if (sw_run_must_abort(s)) { /* MPI failed or a rank is lost: the other ranks may never hear of it */
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, sw_status_exit_code(s));
    }
    int code = sw_run_exit_code(s, &result);
    if (s == SW_OK && rank == 0) tell_user(cli, &result, &phases, code);
    return finish(code, result.abandoned);
}
