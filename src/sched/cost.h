/* cost.h: the coordinator's model of a sweep's task cost (private to the scheduler). log(seconds) is linear in the
 * swept numeric parameters (in their logarithm where every value of the axis is positive, so a cost that is a
 * power of a size is fit exactly), fit by least squares on the finished items and refit as reports arrive. It
 * only orders the hand-out: what a task computes never depends on it. */
#ifndef SW_SCHED_COST_H
#define SW_SCHED_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "mpisweep/spec.h"

enum { COST_MAX_FEATURES = 8, COST_DIM = COST_MAX_FEATURES + 1 };

typedef struct cost_model {
    const sw_sweep *sweep;
    int n_feat;                         /* swept numeric parameters used (0: no model) */
    int param[COST_MAX_FEATURES];
    bool log_scale[COST_MAX_FEATURES];
    double xtx[COST_DIM * COST_DIM], xty[COST_DIM]; /* normal equations, intercept first */
    double beta[COST_DIM];
    uint64_t samples;                   /* finished items seen */
    bool fitted;
    sw_value *param_buf;                /* scratch parameter vector (exp->n_params) */
} cost_model;

/* Picks the features of sweep s. Not collective; fails only for lack of memory. */
sw_status sw_cost_init(cost_model *m, const sw_sweep *s);
void sw_cost_free(cost_model *m);
/* Adds a finished item: tasks [start, start + count) took mean_seconds each (a few of its tasks stand for it). */
void sw_cost_add(cost_model *m, uint64_t start, uint64_t count, double mean_seconds);
/* Solves the normal equations; false when there is nothing to fit. */
bool sw_cost_fit(cost_model *m);
/* Predicted seconds of task `index` (after a successful fit). */
double sw_cost_predict(cost_model *m, uint64_t index);

#endif
