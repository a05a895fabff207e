/* cli.c: command-line parsing and help texts. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app.h"
#include "mpisweep/version.h"

static const char EXIT_CODES[] =
    "Exit codes:\n"
    "  0  done: every task ran and succeeded (status: the file is complete)\n"
    "  1  some tasks failed (their messages: mpisweep status FILE)\n"
    "  2  bad command line, invalid spec, or a result file that does not fit (nothing was written)\n"
    "  3  interrupted (signal or deadline) but resumable: run again with --resume\n"
    "  4  runtime error: I/O, disk space, file in use, MPI or HDF5 failure\n";

void sw_cli_usage(FILE *f, const char *command) {
    if (command && strcmp(command, "run") == 0) {
        fprintf(f,
                "usage: mpisweep run SPEC.yaml... -o FILE.h5 [options]\n"
                "       mpirun -n N mpisweep run SPEC.yaml... -o FILE.h5 [options]\n\n"
                "Runs every sweep of the spec files and writes all results into one HDF5 file.\n\n"
                "  -o, --output FILE       result file (required); refused if it exists, unless:\n"
                "      --resume            continue the pending tasks of FILE (created if missing); a spec that only\n"
                "                          adds values, zip rows or replicates grows FILE; other changes are refused\n"
                "      --overwrite         replace FILE\n"
                "      --retry-failed      with --resume: run failed tasks again too\n"
                "      --allow-plugin-change  with --resume: accept a sweep whose plugin file changed (a fix that\n"
                "                          cannot change results); the new content hash is recorded\n"
                "      --allow-version-change  with --resume: continue sweeps computed by another code version of\n"
                "                          their experiment (only for a change that alters no result)\n"
                "      --chunk N|auto      tasks per work request (default auto: adapts to measured task times)\n"
                "      --group-size N|auto ranks per sub-coordinator: rank kN serves ranks [kN, (k+1)N) with work\n"
                "                          it takes from rank 0 (default auto: none below 2048 ranks, then\n"
                "                          sqrt(ranks)); results do not depend on it\n"
                "      --max-failures N    stop handing out tasks after N failures in this run (default 0: no limit)\n"
                "      --deadline T        the allocation ends at T: UNIX seconds, +SECONDS from now, or\n"
                "                          YYYY-MM-DDTHH:MM:SS (local time). Inside a Slurm job the job's end time\n"
                "                          is used automatically. Tasks that would not finish are not started; the\n"
                "                          run exits 3 so the job can be requeued.\n"
                "      --deadline-margin S seconds kept free before the deadline (default 30)\n"
                "      --grace S           after SIGTERM/SIGINT/SIGUSR1, seconds running tasks get to finish\n"
                "                          (default 20); a second signal, more than 1 s later, stops at once\n"
                "      --liveness-timeout S\n"
                "                          a rank silent for S seconds (its node died) is lost: the others drain,\n"
                "                          and the run exits 3, the file resumable (default 10; 0: never)\n"
                "      --max-tasks N       refuse sweeps with more than N tasks (default 1e11)\n"
                "      --task-timeout S    a task may take S seconds (default 0: no limit). A program or Python\n"
                "                          task is killed (its process group) and fails; a built-in task cannot be\n"
                "                          interrupted: it runs to its end and then fails, its results dropped\n"
                "      --retries N         run a task that failed (outcome failed: crash, timeout, lost worker) up\n"
                "                          to N more times (default 0); the last attempt's outcome is kept\n"
                "      --no-fill           do not pre-fill outputs with NaN when the file is created (netCDF's\n"
                "                          nofill): halves the writes for large outputs; unfinished tasks then\n"
                "                          read as 0 instead of NaN (task_status tells them apart)\n"
                "      --progress MODE     auto (a live line on a terminal, log lines otherwise), bar, log, none\n"
                "  -q, --quiet             print errors only\n\n%s",
                EXIT_CODES);
    } else if (command && strcmp(command, "plan") == 0) {
        fprintf(f, "usage: mpisweep plan SPEC.yaml... [--tasks N] [--max-tasks N]\n\n"
                   "Validates the specs and prints, per sweep, the dimensions, the task count, the output datasets\n"
                   "with their shapes and sizes, and the first N tasks (default 5). Writes nothing.\n\n%s",
                EXIT_CODES);
    } else if (command && strcmp(command, "status") == 0) {
        fprintf(f, "usage: mpisweep status FILE.h5\n\n"
                   "Prints, per sweep, the tasks done / pending / failed / skipped, the compute time used, the\n"
                   "failure messages and the history of runs. Safe on a file that a run is writing.\n"
                   "Exit 0 when every task is done and ok, 1 when all ran but some failed, 3 when tasks are\n"
                   "pending (resumable), 2 when FILE is not an mpisweep result file, 4 on I/O errors.\n");
    } else if (command && strcmp(command, "describe") == 0) {
        fprintf(f, "usage: mpisweep describe EXPERIMENT [--plugin LIB.so]\n\nPrints an experiment's article, "
                   "parameters (type, bounds, default, unit, help) and outputs (shape, unit, meaning).\n\n"
                   "      --plugin LIB.so     also look among the experiments of this plugin (a path, or a file\n"
                   "                          name searched in MPISWEEP_PLUGIN_PATH)\n");
    } else if (command && strcmp(command, "experiments") == 0) {
        fprintf(f, "usage: mpisweep experiments [--plugin LIB.so]\n\nLists every registered experiment with its "
                   "article.\n\n      --plugin LIB.so     then the experiments of this plugin\n");
    } else {
        fprintf(f,
                "mpisweep %s: a distributed parallel runner for numerical parameter sweeps.\n\n"
                "usage: mpisweep COMMAND [options]      (mpisweep COMMAND --help for details)\n\n"
                "commands:\n"
                "  run SPEC... -o FILE   run the sweeps of the spec files into one HDF5 file (under mpirun/srun\n"
                "                        or alone)\n"
                "  plan SPEC...          validate specs and show what a run would compute and write\n"
                "  status FILE           progress, failures and history of a result file\n"
                "  experiments           list the registered experiments\n"
                "  describe NAME         parameters and outputs of an experiment\n\n"
                "  --help, --version\n\n%s",
                SW_VERSION, EXIT_CODES);
    }
}

static sw_status parse_u64(const char *opt, const char *text, uint64_t *out) {
    char *end;
    errno = 0;
    double d = strtod(text, &end);
    if (errno || *end || text[0] == '-' || !(d >= 0) || d != floor(d) || d > 1.8e19)
        return SW_FAIL(SW_ERR_USAGE, "%s: expected a non-negative integer, got '%s'", opt, text);
    *out = (uint64_t)d;
    return SW_OK;
}

static sw_status parse_seconds(const char *opt, const char *text, double *out) {
    char *end;
    errno = 0;
    double d = strtod(text, &end);
    if (errno || *end || !(d >= 0) || !isfinite(d))
        return SW_FAIL(SW_ERR_USAGE, "%s: expected a number of seconds >= 0, got '%s'", opt, text);
    *out = d;
    return SW_OK;
}

static sw_status parse_deadline(const char *text, double *out) {
    char *end;
    if (text[0] == '+') {
        double rel = 0.0;
        SW_TRY(parse_seconds("--deadline", text + 1, &rel));
        *out = (double)time(NULL) + rel;
        return SW_OK;
    }
    errno = 0;
    double d = strtod(text, &end);
    if (!errno && !*end && d > 0) {
        *out = d;
        return SW_OK;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end && !*end) {
        tm.tm_isdst = -1;
        *out = (double)mktime(&tm);
        return SW_OK;
    }
    return SW_FAIL(SW_ERR_USAGE, "--deadline: expected UNIX seconds, +SECONDS or YYYY-MM-DDTHH:MM:SS, got '%s'", text);
}

static sw_status parse_progress(const char *text, sw_progress_mode *mode) {
    static const char *const names[] = {"auto", "bar", "log", "none"};
    for (int i = 0; i < 4; i++)
        if (strcmp(text, names[i]) == 0) {
            *mode = (sw_progress_mode)i;
            return SW_OK;
        }
    return SW_FAIL(SW_ERR_USAGE, "--progress: expected auto, bar, log or none, got '%s'", text);
}

/* Takes the value of option argv[*i] ("--opt VALUE" or "--opt=VALUE"). */
static sw_status option_value(int argc, char **argv, int *i, const char *eq, const char **value) {
    if (eq) {
        *value = eq + 1;
        return SW_OK;
    }
    if (*i + 1 >= argc) return SW_FAIL(SW_ERR_USAGE, "%s needs a value", argv[*i]);
    *value = argv[++*i];
    return SW_OK;
}

static bool is(const char *arg, size_t len, const char *name) { return strlen(name) == len && !strncmp(arg, name, len); }

static sw_status parse_option(int argc, char **argv, int *i, sw_cli *cli) {
    const char *arg = argv[*i], *eq = strchr(arg, '='), *v = NULL;
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    if (is(arg, len, "--resume") || is(arg, len, "--overwrite")) {
        sw_open_mode m = is(arg, len, "--resume") ? SW_STORE_RESUME : SW_STORE_OVERWRITE;
        SW_CHECK(cli->mode == SW_STORE_CREATE || cli->mode == m, SW_ERR_USAGE,
                 "--resume and --overwrite cannot be used together");
        cli->mode = m;
    } else if (is(arg, len, "--retry-failed")) {
        cli->run.retry_failed = true;
    } else if (is(arg, len, "--allow-plugin-change")) {
        cli->allow_plugin_change = true;
    } else if (is(arg, len, "--plugin")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        cli->plugin = v;
    } else if (is(arg, len, "--no-fill")) {
        cli->no_fill = true;
    } else if (is(arg, len, "--allow-version-change")) {
        cli->allow_version_change = true;
    } else if (is(arg, len, "--quiet") || is(arg, len, "-q")) {
        cli->quiet = true;
        cli->run.progress = SW_PROGRESS_NONE;
    } else if (is(arg, len, "-o") || is(arg, len, "--output")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        cli->output = v;
    } else if (is(arg, len, "--chunk")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        if (strcmp(v, "auto") == 0) cli->run.chunk = 0;
        else {
            SW_TRY(parse_u64("--chunk", v, &cli->run.chunk));
            SW_CHECK(cli->run.chunk > 0, SW_ERR_USAGE, "--chunk: expected auto or a positive integer, got '%s'", v);
        }
    } else if (is(arg, len, "--group-size")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        uint64_t n = 0;
        if (strcmp(v, "auto") != 0) SW_TRY(parse_u64("--group-size", v, &n));
        SW_CHECK(strcmp(v, "auto") == 0 || (n >= 2 && n <= INT32_MAX), SW_ERR_USAGE,
                 "--group-size: expected auto or an integer of at least 2, got '%s'", v);
        cli->run.group_size = (int)n;
    } else if (is(arg, len, "--max-failures")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_u64("--max-failures", v, &cli->run.max_failures));
    } else if (is(arg, len, "--max-tasks")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_u64("--max-tasks", v, &cli->max_tasks));
    } else if (is(arg, len, "--deadline")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_deadline(v, &cli->run.deadline));
        cli->deadline_given = true;
    } else if (is(arg, len, "--deadline-margin")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_seconds("--deadline-margin", v, &cli->run.deadline_margin));
    } else if (is(arg, len, "--task-timeout")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_seconds("--task-timeout", v, &cli->run.task_timeout));
    } else if (is(arg, len, "--retries")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_u64("--retries", v, &cli->run.retries));
        SW_CHECK(cli->run.retries <= 100, SW_ERR_USAGE, "--retries: expected at most 100, got '%s'", v);
    } else if (is(arg, len, "--grace")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_seconds("--grace", v, &cli->run.grace));
    } else if (is(arg, len, "--liveness-timeout")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_seconds("--liveness-timeout", v, &cli->run.liveness_timeout));
    } else if (is(arg, len, "--progress")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        SW_TRY(parse_progress(v, &cli->run.progress));
    } else if (is(arg, len, "--tasks")) {
        SW_TRY(option_value(argc, argv, i, eq, &v));
        uint64_t n;
        SW_TRY(parse_u64("--tasks", v, &n));
        cli->plan_tasks = n > 1000 ? 1000 : (int)n;
    } else {
        return SW_FAIL(SW_ERR_USAGE, "unknown option '%s' for '%s' (see mpisweep %s --help)", arg, cli->command,
                       cli->command);
    }
    return SW_OK;
}

/* Which options each command accepts. */
static bool allowed(const char *command, const char *arg) {
    static const char *const run_only[] = {"--resume", "--overwrite", "--retry-failed", "--no-fill",
                                           "--allow-version-change", "-o", "--output",
                                           "--chunk", "--group-size", "--max-failures", "--deadline", "--deadline-margin",
                                           "--grace", "--liveness-timeout", "--progress", "--quiet", "-q",
                                           "--allow-plugin-change", "--task-timeout", "--retries", NULL};
    size_t len = strcspn(arg, "=");
    if (strcmp(command, "run") == 0)
        for (int k = 0; run_only[k]; k++)
            if (is(arg, len, run_only[k])) return true;
    if (strcmp(command, "run") == 0 || strcmp(command, "plan") == 0)
        if (is(arg, len, "--max-tasks")) return true;
    if (strcmp(command, "plan") == 0 && is(arg, len, "--tasks")) return true;
    if ((!strcmp(command, "describe") || !strcmp(command, "experiments")) && is(arg, len, "--plugin")) return true;
    return false;
}

static bool same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static sw_status check_positionals(const sw_cli *cli, int n_pos) {
    const char *c = cli->command;
    if (!strcmp(c, "run") || !strcmp(c, "plan")) {
        SW_CHECK(n_pos > 0, SW_ERR_USAGE, "%s needs at least one spec file (see mpisweep %s --help)", c, c);
        SW_CHECK(strcmp(c, "plan") == 0 || cli->output, SW_ERR_USAGE,
                 "run needs an output file: -o FILE.h5 (see mpisweep run --help)");
        SW_CHECK(strcmp(c, "plan") == 0 || cli->output[0], SW_ERR_USAGE, "-o: the output file name is empty");
        /* With --overwrite the results would replace the spec: almost surely arguments in the wrong order. */
        for (int k = 0; !strcmp(c, "run") && k < n_pos; k++)
            SW_CHECK(!same_file(cli->output, cli->specs[k]), SW_ERR_USAGE,
                     "-o %s is the spec file %s: the results would replace it; give another output file",
                     cli->output, cli->specs[k]);
    } else if (!strcmp(c, "status") || !strcmp(c, "describe")) {
        SW_CHECK(n_pos == 1, SW_ERR_USAGE, "%s takes exactly one argument (see mpisweep %s --help)", c, c);
    } else {
        SW_CHECK(n_pos == 0, SW_ERR_USAGE, "experiments takes no arguments");
    }
    return SW_OK;
}

sw_status sw_cli_parse(int argc, char **argv, sw_cli *cli) {
    memset(cli, 0, sizeof *cli);
    cli->run.deadline_margin = 30;
    cli->run.grace = 20;
    cli->run.liveness_timeout = 10;
    cli->plan_tasks = 5;
    if (argc < 2) return SW_FAIL(SW_ERR_USAGE, "no command given (see mpisweep --help)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        sw_cli_usage(stdout, argc > 2 ? argv[2] : NULL);
        return SW_ERR_INTERRUPTED;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("mpisweep %s (source revision %s)\n", SW_VERSION, SW_REVISION);
        return SW_ERR_INTERRUPTED;
    }
    static const char *const commands[] = {"run", "plan", "status", "experiments", "describe", NULL};
    for (int k = 0; commands[k]; k++)
        if (!strcmp(argv[1], commands[k])) cli->command = commands[k];
    if (!cli->command) return SW_FAIL(SW_ERR_USAGE, "unknown command '%s' (see mpisweep --help)", argv[1]);
    cli->specs = calloc((size_t)argc, sizeof *cli->specs);
    SW_CHECK_ALLOC(cli->specs, "the argument list");
    int n_pos = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            sw_cli_usage(stdout, cli->command);
            return SW_ERR_INTERRUPTED;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            if (!allowed(cli->command, arg))
                return SW_FAIL(SW_ERR_USAGE, "unknown option '%s' for '%s' (see mpisweep %s --help)", arg,
                               cli->command, cli->command);
            SW_TRY(parse_option(argc, argv, &i, cli));
        } else {
            cli->specs[n_pos++] = arg;
        }
    }
    SW_TRY(check_positionals(cli, n_pos));
    cli->n_specs = n_pos;
    if (strcmp(cli->command, "status") == 0 || strcmp(cli->command, "describe") == 0) cli->output = cli->specs[0];
    SW_CHECK(!cli->run.retry_failed || cli->mode == SW_STORE_RESUME, SW_ERR_USAGE,
             "--retry-failed only makes sense with --resume");
    SW_CHECK(!cli->allow_plugin_change || cli->mode == SW_STORE_RESUME, SW_ERR_USAGE,
             "--allow-plugin-change only makes sense with --resume");
    SW_CHECK(!cli->allow_version_change || cli->mode == SW_STORE_RESUME, SW_ERR_USAGE,
             "--allow-version-change only makes sense with --resume");
    return SW_OK;
}

void sw_cli_free(sw_cli *cli) {
    free(cli->specs);
    cli->specs = NULL;
}
