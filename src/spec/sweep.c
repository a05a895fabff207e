/* sweep.c: a validated sweep's task dimensions, canonical hash and task table. */
#include <stdlib.h>
#include <string.h>

#include "mpisweep/executor.h"
#include "mpisweep/declared.h"
#include "spec_internal.h"

/* Bump when the hash's encoding changes, so an old result file reads as "spec changed" rather than matching. */
#define SWEEP_HASH_VERSION "mpisweep.sweep.v1"

static const char *const point_names[SW_MAX_ZIP_GROUPS] = {"point1", "point2", "point3", "point4",
                                                          "point5", "point6", "point7", "point8"};

bool spec_make_dims(sw_sweep *s, bool has_replicate_dim) {
    size_t n = s->n_grid + s->n_zip_groups + has_replicate_dim;
    s->dims = calloc(n + 1, sizeof *s->dims); /* + 1: never NULL, even for a sweep of one task */
    if (!s->dims) return false;
    for (size_t g = 0; g < s->n_grid; g++)
        s->dims[g] = (sw_taskdim){.name = s->exp->params[s->grid[g].param].name, .kind = SW_DIM_GRID,
                                  .len = s->grid[g].len, .axis = &s->grid[g]};
    size_t d = s->n_grid;
    for (unsigned g = 0; g < s->n_zip_groups; g++)
        s->dims[d++] = (sw_taskdim){.name = s->n_zip_groups == 1 ? "point" : point_names[g], .kind = SW_DIM_POINT,
                                    .len = s->zip_group_len[g], .zip_group = g};
    if (has_replicate_dim)
        s->dims[d++] = (sw_taskdim){.name = "replicate", .kind = SW_DIM_REPLICATE, .len = (uint64_t)s->replicates};
    s->n_dims = d;
    return true;
}

void spec_fill_params(const sw_sweep *s, const uint64_t *idx, sw_value *param) {
    memcpy(param, s->base, s->exp->n_params * sizeof *param);
    for (size_t d = 0; d < s->n_dims; d++) {
        const sw_taskdim *dim = &s->dims[d];
        if (dim->kind == SW_DIM_GRID) {
            param[dim->axis->param] = dim->axis->values[idx[d]];
        } else if (dim->kind == SW_DIM_POINT) {
            for (size_t z = 0; z < s->n_zip; z++)
                if (s->zip[z].group == dim->zip_group) param[s->zip[z].param] = s->zip[z].values[idx[d]];
        }
    }
}

void sw_sweep_task(const sw_sweep *s, uint64_t index, sw_value *param, uint64_t *replicate) {
    memcpy(param, s->base, s->exp->n_params * sizeof *param);
    uint64_t rep = 0;
    for (size_t d = s->n_dims; d-- > 0;) { /* row-major: the last dimension varies fastest */
        const sw_taskdim *dim = &s->dims[d];
        uint64_t i = index % dim->len;
        index /= dim->len;
        switch (dim->kind) {
        case SW_DIM_GRID: param[dim->axis->param] = dim->axis->values[i]; break;
        case SW_DIM_POINT:
            for (size_t z = 0; z < s->n_zip; z++)
                if (s->zip[z].group == dim->zip_group) param[s->zip[z].param] = s->zip[z].values[i];
            break;
        case SW_DIM_REPLICATE: rep = i; break;
        }
    }
    if (replicate) *replicate = rep;
}

void sw_sweep_task_key(const sw_sweep *s, const sw_value *param, uint64_t replicate, sw_rng_key *key) {
    sw_task_key(s->exp, param, s->seed, replicate, key);
}

size_t sw_sweep_output_size(const sw_sweep *s, size_t output) {
    return sw_output_count(s->exp, &s->exp->outputs[output], s->base);
}

static bool is_swept(const sw_sweep *s, size_t param) {
    for (size_t g = 0; g < s->n_grid; g++)
        if ((size_t)s->grid[g].param == param) return true;
    for (size_t z = 0; z < s->n_zip; z++)
        if ((size_t)s->zip[z].param == param) return true;
    return false;
}

static void hash_axis(sw_hash *h, const sw_sweep *s, const sw_axis *a) {
    const sw_param *p = &s->exp->params[a->param];
    sw_hash_str(h, p->name);
    sw_hash_u64(h, a->len);
    for (size_t i = 0; i < a->len; i++) spec_hash_value(h, p, &a->values[i]);
}

/* What would be computed, and how it is laid out: the experiment, the seed, the replicates, each parameter that is
 * not swept (the base value of a swept parameter is never used, so it does not count), and each dimension with its
 * values in order. Names of the sweep, comments and spelling do not enter. */
void spec_sweep_hash(sw_sweep *s, bool has_replicate_dim) {
    sw_hash h;
    sw_hash_init(&h);
    sw_hash_str(&h, SWEEP_HASH_VERSION);
    sw_hash_str(&h, s->exp->name);
    spec_hash_declared(&h, s->exp);
    sw_hash_u64(&h, s->seed);
    sw_hash_i64(&h, s->replicates);
    sw_hash_u64(&h, has_replicate_dim);
    for (size_t i = 0; i < s->exp->n_params; i++) {
        if (is_swept(s, i)) {
            sw_hash_str(&h, s->exp->params[i].name);
            sw_hash_str(&h, "<swept>");
        } else {
            spec_hash_value(&h, &s->exp->params[i], &s->base[i]);
        }
    }
    sw_hash_u64(&h, s->n_dims);
    for (size_t d = 0; d < s->n_dims; d++) {
        const sw_taskdim *dim = &s->dims[d];
        sw_hash_str(&h, dim->name);
        sw_hash_u64(&h, dim->len);
        if (dim->kind == SW_DIM_GRID) hash_axis(&h, s, dim->axis);
        if (dim->kind == SW_DIM_POINT) /* one group: all zip axes, as before there were groups */
            for (size_t z = 0; z < s->n_zip; z++)
                if (s->zip[z].group == dim->zip_group) hash_axis(&h, s, &s->zip[z]);
    }
    if (s->where) spec_where_hash(&h, s->where, s->exp); /* only when present: hashes of older sweeps stay */
    sw_hash_final(&h, s->hash);
}

void spec_sweep_clear(sw_sweep *s) {
    if (s->base && s->exp) {
        for (size_t i = 0; i < s->exp->n_params; i++) {
            const sw_param *p = &s->exp->params[i];
            if (p->type == SW_REAL_LIST && s->base[i].list != p->def_list) free((void *)s->base[i].list); /* ours */
        }
    }
    for (size_t g = 0; g < s->n_grid; g++) free(s->grid[g].values);
    for (size_t z = 0; z < s->n_zip; z++) free(s->zip[z].values);
    free(s->base);
    free(s->grid);
    free(s->zip);
    free(s->dims);
    free(s->name);
    free(s->file);
    free(s->text);
    spec_where_free(&s->where);
    sw_declared_free(s->declared);
    *s = (sw_sweep){0};
}

void sw_spec_free(sw_spec **spec) {
    if (!spec || !*spec) return;
    for (size_t i = 0; i < (*spec)->n_sweeps; i++) spec_sweep_clear(&(*spec)->sweeps[i]);
    free((*spec)->sweeps);
    free(*spec);
    *spec = NULL;
}
