/* declared.h: experiments declared in the spec instead of compiled in: an external program run per task, or a
 * Python function run in one long-lived worker per process. The spec layer builds the declaration (its parameters,
 * outputs and how to run it); the scheduler then sees an ordinary sw_experiment (the first member), so validation,
 * the task table, the executor, the HDF5 layout and the loader treat it exactly as a built-in.
 *
 * How a task reaches the code and what comes back (README "Your own experiments"):
 *  - program: argv with {name} placeholders ({param}, {seed}, {task_seed}, {task_index}, {replicate}), the same
 *    values in MPISWEEP_* environment variables; started with posix_spawn in its own process group, no shell unless
 *    shell is set (then argv is one string given to /bin/sh -c). It prints one JSON object on stdout: every
 *    declared output by name, a number for a scalar, nested lists for an array of the declared shape.
 *  - python: "module:function"; the function is called as f(rng, **params) in a worker ($MPISWEEP_PYTHON
 *    mpisweep/worker.py) and returns a dict of the outputs (numbers or array-likes).
 * Anything else (non-zero exit, signal, timeout, unparsable output, a missing, extra or mis-shaped output, an
 * exception, a dead worker) fails the task (SW_TASK_FAILED) with a message that ends with the tail of stderr or
 * the traceback; nothing is written to the outputs then. run() is not pure here (it starts processes), but its
 * results are as deterministic as the code it runs.
 */
#ifndef SW_DECLARED_H
#define SW_DECLARED_H

#include <stdbool.h>
#include <stddef.h>

#include "mpisweep/experiment.h"

enum { SW_DECLARED_MAX_ARGS = 256 }; /* arguments of a program's template */

typedef enum sw_declared_kind { SW_DECLARED_PROGRAM, SW_DECLARED_PYTHON } sw_declared_kind;

typedef struct sw_declared {
    sw_experiment exp;     /* first: what everyone else sees; run() finds the declaration from task->exp */
    sw_declared_kind kind;
    char **argv;           /* program: the argument template, argc entries, NULL-terminated; argv[0] resolved ... */
    char *program;         /* ... from this, as the spec writes it (what the sweep hash takes: moving the spec
                              with its program does not change the sweep) */
    size_t argc;
    bool shell;            /* program: argv[0] is a command line for /bin/sh -c (opt-in) */
    char *function;        /* python: "module:function" */
    char *dir;             /* python: the spec file's directory, searched for the module after the run's */
    double timeout;        /* seconds per task from the declaration, 0 for none (--task-timeout overrides) */
    /* Storage behind exp (owned): parameters, outputs and every block they point to (strings, choice lists). */
    sw_param *params;
    sw_output *outputs;
    void **owned;
    size_t n_owned;
} sw_declared;

/* A new empty declaration of this kind with n_params parameters and n_outputs outputs (zeroed, to be filled by the
 * spec layer), with exp.run set. NULL when out of memory. Not collective. Release with sw_declared_free. */
sw_declared *sw_declared_new(sw_declared_kind kind, size_t n_params, size_t n_outputs);
/* A zeroed block of `bytes` owned by d (freed with it); NULL when out of memory. */
void *sw_declared_alloc(sw_declared *d, size_t bytes);
/* Copies s into storage owned by d and returns the copy (NULL when out of memory). */
char *sw_declared_keep(sw_declared *d, const char *s);
/* The declaration behind e, or NULL when e is not a declared experiment. */
const sw_declared *sw_declared_of(const sw_experiment *e);
/* Frees d and everything it owns; accepts NULL. */
void sw_declared_free(sw_declared *d);

/* Kills (SIGKILL, the process group) the program a task runs now and this process's Python worker, if any: for a
 * process about to end while its compute thread is still in a task (an abandoned drain). Safe from any thread; also
 * registered with atexit once a program or worker was started. Not collective. */
void sw_declared_shutdown(void);

#endif
