/* cost.c: the task-cost model of cost.h: features, normal equations and their solution. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"

/* Items are summarised by this many of their tasks (first, then evenly spaced): the coordinator's work per report
 * stays constant however large the chunk. */
enum { COST_SAMPLE_TASKS = 4 };

static void consider_axis(cost_model *m, const sw_sweep *s, const sw_axis *a) {
    sw_type type = s->exp->params[a->param].type;
    if (a->len < 2 || (type != SW_REAL && type != SW_INT) || m->n_feat == COST_MAX_FEATURES) return;
    bool positive = true;
    for (size_t k = 0; k < a->len; k++)
        positive = positive && (type == SW_REAL ? a->values[k].real : (double)a->values[k].integer) > 0;
    m->param[m->n_feat] = a->param;
    m->log_scale[m->n_feat] = positive;
    m->n_feat++;
}

sw_status sw_cost_init(cost_model *m, const sw_sweep *s) {
    memset(m, 0, sizeof *m);
    m->sweep = s;
    for (size_t i = 0; i < s->n_grid; i++) consider_axis(m, s, &s->grid[i]);
    for (size_t i = 0; i < s->n_zip; i++) consider_axis(m, s, &s->zip[i]);
    if (m->n_feat == 0) return SW_OK;
    m->param_buf = calloc(s->exp->n_params ? s->exp->n_params : 1, sizeof *m->param_buf);
    SW_CHECK_ALLOC(m->param_buf, "the task-cost model");
    return SW_OK;
}

void sw_cost_free(cost_model *m) {
    free(m->param_buf);
    m->param_buf = NULL;
}

/* The feature vector of one task, intercept first. */
static void features(cost_model *m, uint64_t index, double *x) {
    uint64_t replicate;
    sw_sweep_task(m->sweep, index, m->param_buf, &replicate);
    x[0] = 1.0;
    for (int f = 0; f < m->n_feat; f++) {
        const sw_value *v = &m->param_buf[m->param[f]];
        double value = m->sweep->exp->params[m->param[f]].type == SW_REAL ? v->real : (double)v->integer;
        x[f + 1] = m->log_scale[f] ? log(value) : value;
    }
}

void sw_cost_add(cost_model *m, uint64_t start, uint64_t count, double mean_seconds) {
    if (m->n_feat == 0 || count == 0) return;
    int d = m->n_feat + 1;
    double x[COST_DIM] = {0}, xt[COST_DIM];
    uint64_t n = count < COST_SAMPLE_TASKS ? count : COST_SAMPLE_TASKS;
    for (uint64_t k = 0; k < n; k++) {
        features(m, start + k * (count / n), xt);
        for (int j = 0; j < d; j++) x[j] += xt[j] / (double)n;
    }
    double y = log(fmax(mean_seconds, 1e-7)); /* a timer's resolution: a zero time has no logarithm */
    for (int i = 0; i < d; i++) {
        m->xty[i] += x[i] * y;
        for (int j = 0; j < d; j++) m->xtx[i * COST_DIM + j] += x[i] * x[j];
    }
    m->samples++;
}

/* Gaussian elimination with partial pivoting on a small ridge-regularised system (a swept value that has not
 * varied yet among the finished items makes the plain system singular). */
bool sw_cost_fit(cost_model *m) {
    int d = m->n_feat + 1;
    if (m->n_feat == 0 || m->samples < 2) return false;
    double a[COST_DIM][COST_DIM + 1], scale = 0;
    for (int i = 0; i < d; i++) scale += m->xtx[i * COST_DIM + i];
    for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) a[i][j] = m->xtx[i * COST_DIM + j] + (i == j ? 1e-9 * scale : 0);
        a[i][d] = m->xty[i];
    }
    for (int c = 0; c < d; c++) {
        int p = c;
        for (int r = c + 1; r < d; r++)
            if (fabs(a[r][c]) > fabs(a[p][c])) p = r;
        if (fabs(a[p][c]) < 1e-300) return false;
        for (int j = 0; j <= d; j++) {
            double t = a[c][j];
            a[c][j] = a[p][j], a[p][j] = t;
        }
        for (int r = c + 1; r < d; r++) {
            double f = a[r][c] / a[c][c];
            for (int j = c; j <= d; j++) a[r][j] -= f * a[c][j];
        }
    }
    for (int c = d - 1; c >= 0; c--) {
        double v = a[c][d];
        for (int j = c + 1; j < d; j++) v -= a[c][j] * m->beta[j];
        m->beta[c] = v / a[c][c];
    }
    m->fitted = true;
    for (int c = 0; c < d; c++) m->fitted = m->fitted && isfinite(m->beta[c]);
    return m->fitted;
}

double sw_cost_predict(cost_model *m, uint64_t index) {
    double x[COST_DIM], y = 0;
    features(m, index, x);
    for (int j = 0; j <= m->n_feat; j++) y += m->beta[j] * x[j];
    return exp(y);
}
