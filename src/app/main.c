/* main.c: entry point. Commands that need no MPI (plan, status, experiments, describe) never initialise it. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "blas_info.h"

void sw_report_error(sw_status s, int rank, int size) {
    const char *msg = sw_error_message();
    if (!msg[0]) return; /* the rank that decided has reported it */
    if (size > 1) fprintf(stderr, "mpisweep: rank %d: error: %s\n", rank, msg);
    else fprintf(stderr, "mpisweep: error: %s\n", msg);
    const char *trace = getenv("MPISWEEP_TRACE");
    if (trace && trace[0] == '1') fprintf(stderr, "(%s)\n%s", sw_status_name(s), sw_error_trace());
}

int main(int argc, char **argv) {
    /* GSL aborts the process on a domain error by default; our kernels check GSL's return values instead, and a
     * bad task must become a failed task, not a dead rank. */
    gsl_set_error_handler_off();
    /* Ranks are the parallelism: one BLAS thread per rank keeps N ranks on N cores from fighting over them, and
     * keeps BLAS summation order, and so every result bit, independent of the machine's thread settings. */
    sw_blas_single_thread();
    sw_cli cli;
    sw_status s = sw_cli_parse(argc, argv, &cli);
    if (s == SW_ERR_INTERRUPTED) { /* --help or --version was printed */
        sw_cli_free(&cli);
        return SW_EXIT_DONE;
    }
    if (s != SW_OK) {
        sw_report_error(s, 0, 1);
        sw_cli_free(&cli);
        return SW_EXIT_USAGE;
    }
    int code;
    if (!strcmp(cli.command, "run")) code = sw_cmd_run(argc, argv, &cli);
    else if (!strcmp(cli.command, "plan")) code = sw_cmd_plan(&cli);
    else if (!strcmp(cli.command, "status")) code = sw_cmd_status(cli.output);
    else if (!strcmp(cli.command, "describe")) code = sw_cmd_describe(cli.output, cli.plugin);
    else code = sw_cmd_experiments(cli.plugin);
    sw_cli_free(&cli);
    return code;
}
