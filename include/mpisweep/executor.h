/* executor.h: the one way a task is run, whoever runs it (the scheduler's compute thread, the unit tests' harness,
 * the kernel benchmark, a simulator, a new kind of experiment behind the same sw_experiment contract).
 *
 * The executor owns the task contract of experiment.h on the caller's side: every output is filled with NaN before
 * run(), run() gets a 64-byte aligned workspace of workspace_bytes(param) bytes, the random key is (seed, parameter
 * hash, replicate), an ok task whose outputs hold a non-finite element becomes SW_TASK_NON_FINITE, and the outputs
 * of any other failed task are cleared back to NaN (partial results of a failed task mean nothing). No MPI, no I/O;
 * the only allocation is the workspace, grown when a task needs more than the last one.
 */
#ifndef SW_EXECUTOR_H
#define SW_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpisweep/experiment.h"
#include "mpisweep/rng.h"

/* Per-thread state of an executor: the workspace. Zero-initialise; release with sw_executor_free. */
typedef struct sw_executor {
    void *work;
    size_t work_bytes;
    /* Set by the caller before each sw_executor_run; they reach run() as task->index and task->timeout. Only
     * experiments that run outside the process (programs, Python functions: declared.h) can honour the timeout; a
     * built-in run() is C code in this thread and is never interrupted (the scheduler's --task-timeout documents
     * what happens then). */
    uint64_t task_index;
    double timeout; /* seconds, 0 for no limit */
} sw_executor;

/* What one task did. */
typedef struct sw_task_report {
    sw_outcome outcome;
    double seconds;              /* wall time of run() alone (monotonic clock) */
    bool caught_non_finite;      /* run() said ok, but an output held a non-finite element */
    char msg[SW_TASK_MSG_BYTES]; /* the reason of a failure outcome; "" for ok */
} sw_task_report;

/* The random-stream identity of a task: (seed, sw_param_hash(e, param), replicate). Not collective. */
void sw_task_key(const sw_experiment *e, const sw_value *param, uint64_t seed, uint64_t replicate, sw_rng_key *key);

/* Runs one task of e. out[i] holds sizes[i] doubles for output i (sizes may be NULL: then the sizes come from the
 * output schema, sw_output_count, for these parameters). The outcome is returned and also left in *report with its
 * reason and time. A workspace that cannot be allocated is the outcome SW_TASK_FAILED, not a runner error.
 * e->n_outputs must be at most SW_MAX_OUTPUTS. Not collective; one executor per thread. */
sw_outcome sw_executor_run(sw_executor *x, const sw_experiment *e, const sw_value *param, const sw_rng_key *key,
                           double *const *out, const size_t *sizes, sw_task_report *report);

/* Frees the workspace; the executor may be used again. Accepts a zeroed executor. */
void sw_executor_free(sw_executor *x);

#endif
