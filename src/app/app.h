/* app.h: the mpisweep command-line program: option parsing and the commands. Only this layer calls exit() or
 * MPI_Abort(). */
#ifndef SW_APP_H
#define SW_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "mpisweep/sched.h"
#include "mpisweep/spec.h"
#include "mpisweep/store.h"

typedef struct sw_cli {
    const char *command;      /* run, plan, status, experiments, describe */
    const char **specs;       /* run/plan: spec files */
    int n_specs;
    const char *output;       /* run: -o FILE; status: FILE; describe: NAME */
    sw_open_mode mode;
    sw_run_options run;
    uint64_t max_tasks;
    bool quiet;
    bool deadline_given;
    bool no_fill;
    bool allow_version_change; /* run --resume: accept sweeps of another experiment code version */
    int plan_tasks;           /* plan: how many tasks to list per sweep */
    const char *plugin;       /* describe, experiments: --plugin LIB.so */
    bool allow_plugin_change; /* run --resume: accept a changed plugin */
} sw_cli;

/* Parses argv into cli. Returns SW_OK, SW_ERR_USAGE with a message, or SW_ERR_INTERRUPTED as a signal that
 * --help/--version was printed and the program should exit 0. Not collective. */
sw_status sw_cli_parse(int argc, char **argv, sw_cli *cli);
void sw_cli_free(sw_cli *cli);
void sw_cli_usage(FILE *f, const char *command);

/* Commands. Each returns the process exit code. */
int sw_cmd_run(int argc, char **argv, const sw_cli *cli);
int sw_cmd_plan(const sw_cli *cli);
int sw_cmd_experiments(const char *plugin);
int sw_cmd_describe(const char *name, const char *plugin);
int sw_cmd_status(const char *path);

/* Prints the current error (message and, with MPISWEEP_TRACE=1, the traceback) as "mpisweep: error: ...". */
void sw_report_error(sw_status s, int rank, int size);

/* Under Open MPI's mpirun, on rank 0, for exit codes 1 and 3: prints a line saying that the abort banner mpirun is
 * about to print reports mpisweep's own exit code. Not collective. */
void sw_note_launcher_banner(int code);

/* Loads specs with the CLI's limits, printing every diagnostic. */
sw_status sw_load_specs(const sw_cli *cli, sw_spec **spec);

#endif
