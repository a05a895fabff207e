/* executor.c: the task contract on the caller's side (see executor.h). */
#include "mpisweep/executor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mpisweep/clock.h"

void sw_task_key(const sw_experiment *e, const sw_value *param, uint64_t seed, uint64_t replicate, sw_rng_key *key) {
    key->seed = seed;
    sw_param_hash(e, param, key->hash);
    key->replicate = replicate;
}

/* Makes sure the workspace holds `need` bytes, 64-byte aligned; grows, never shrinks. */
static int ensure_workspace(sw_executor *x, size_t need) {
    if (need <= x->work_bytes) return 1;
    free(x->work);
    size_t rounded = sw_work_bytes(need);
    x->work = aligned_alloc(64, rounded);
    x->work_bytes = x->work ? rounded : 0;
    return x->work != NULL;
}

static void fill_nan(const sw_experiment *e, double *const *out, const size_t *sizes) {
    for (size_t o = 0; o < e->n_outputs; o++)
        for (size_t j = 0; j < sizes[o]; j++) out[o][j] = NAN;
}

/* The first non-finite element of any output, described in msg; 0 when all are finite. */
static int find_non_finite(const sw_experiment *e, double *const *out, const size_t *sizes, char *msg, size_t n) {
    for (size_t o = 0; o < e->n_outputs; o++)
        for (size_t k = 0; k < sizes[o]; k++)
            if (!isfinite(out[o][k])) {
                snprintf(msg, n, "output '%s' element %zu is %g", e->outputs[o].name, k, out[o][k]);
                return 1;
            }
    return 0;
}

sw_outcome sw_executor_run(sw_executor *x, const sw_experiment *e, const sw_value *param, const sw_rng_key *key,
                           double *const *out, const size_t *sizes, sw_task_report *report) {
    size_t own[SW_MAX_OUTPUTS];
    if (!sizes) {
        for (size_t o = 0; o < e->n_outputs; o++) own[o] = sw_output_count(e, &e->outputs[o], param);
        sizes = own;
    }
    fill_nan(e, out, sizes);
    report->msg[0] = '\0';
    sw_task task = {.param = param, .key = *key, .out = out, .msg = report->msg, .msg_size = sizeof report->msg,
                    .exp = e, .index = x->task_index, .timeout = x->timeout};
    size_t need = e->workspace_bytes ? e->workspace_bytes(param) : 0;
    double t0 = sw_now();
    if (!ensure_workspace(x, need)) {
        report->outcome = SW_TASK_FAILED;
        snprintf(report->msg, sizeof report->msg, "cannot allocate a workspace of %zu bytes", need);
    } else {
        task.work = x->work;
        report->outcome = e->run(&task);
    }
    report->seconds = sw_now() - t0;
    /* A run() in this thread cannot be interrupted (declared kinds enforce the timeout themselves, by killing):
     * it runs to its end, and a task that took too long is then a failure all the same. */
    if (x->timeout > 0 && report->seconds > x->timeout && !sw_outcome_is_failure(report->outcome)) {
        report->outcome = SW_TASK_FAILED;
        snprintf(report->msg, sizeof report->msg, "took %.3g s, over the task timeout of %g s (a built-in task "
                 "cannot be interrupted: it ran to its end and its results were dropped)", report->seconds, x->timeout);
    }
    report->caught_non_finite =
        report->outcome == SW_TASK_OK && find_non_finite(e, out, sizes, report->msg, sizeof report->msg);
    if (report->caught_non_finite)
        report->outcome = SW_TASK_NON_FINITE;
    else if (sw_outcome_is_failure(report->outcome) && report->outcome != SW_TASK_NON_FINITE)
        fill_nan(e, out, sizes);
    if (sw_outcome_is_failure(report->outcome) && !report->msg[0])
        snprintf(report->msg, sizeof report->msg, "%s", sw_outcome_name(report->outcome));
    return report->outcome;
}

void sw_executor_free(sw_executor *x) {
    free(x->work);
    x->work = NULL;
    x->work_bytes = 0;
}
