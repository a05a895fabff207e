/* grow.c: whether a changed sweep only grows the one in a result file, and where its old tasks go.
 *
 * A sweep grows when everything that decides a task's numbers is unchanged (experiment, seed, fixed parameters,
 * the where: filter, the task dimensions and their order) and every old axis value, zip row and replicate is
 * still there: then an old task keeps its parameters and replicate, so its random streams and results, and only
 * its place in the (larger) file changes. Anything else is a change, described as "key: was X, now Y".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

static bool say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool say(char *why, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return false;
}

static const char *const section_names[] = {"fixed", "grid", "zip"};

static int section_of(const sw_sweep *s, int param) {
    for (size_t g = 0; g < s->n_grid; g++)
        if (s->grid[g].param == param) return 1;
    for (size_t z = 0; z < s->n_zip; z++)
        if (s->zip[z].param == param) return 2;
    return 0;
}

static void value_key(const sw_param *p, const sw_value *v, uint64_t key[2]) {
    sw_hash h;
    sw_hash_init(&h);
    spec_hash_value(&h, p, v);
    sw_hash_final(&h, key);
}

static void list_values(const sw_param *p, const sw_axis *a, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "[");
    for (size_t i = 0; i < a->len && used + 8 < size; i++) {
        char v[64];
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 sw_value_format(p, &a->values[i], v, sizeof v));
    }
    if (used + 2 < size) snprintf(buf + used, size - used, "]");
}

static bool same_parameters(const sw_sweep *old, const sw_sweep *now, char *why, size_t size) {
    const sw_experiment *e = now->exp;
    for (size_t i = 0; i < e->n_params; i++) {
        const sw_param *p = &e->params[i];
        int was = section_of(old, (int)i), is = section_of(now, (int)i);
        char a[128], b[128];
        if (was != is)
            return say(why, size, "parameter '%s': was under %s:, now under %s:", p->name, section_names[was],
                       section_names[is]);
        if (is != 0) continue;
        uint64_t ka[2], kb[2];
        value_key(p, &old->base[i], ka);
        value_key(p, &now->base[i], kb);
        if (memcmp(ka, kb, sizeof ka) != 0)
            return say(why, size, "fixed.%s: was %s, now %s", p->name, sw_value_format(p, &old->base[i], a, sizeof a),
                       sw_value_format(p, &now->base[i], b, sizeof b));
    }
    return true;
}

static bool same_where(const sw_sweep *old, const sw_sweep *now, char *why, size_t size) {
    uint64_t ka[2] = {0, 0}, kb[2] = {0, 0};
    sw_hash h;
    if (old->where) {
        sw_hash_init(&h);
        spec_where_hash(&h, old->where, old->exp);
        sw_hash_final(&h, ka);
    }
    if (now->where) {
        sw_hash_init(&h);
        spec_where_hash(&h, now->where, now->exp);
        sw_hash_final(&h, kb);
    }
    if (memcmp(ka, kb, sizeof ka) == 0) return true;
    return say(why, size, "where: the condition %s",
               !old->where ? "was added" : !now->where ? "was removed" : "changed");
}

static void dim_names(const sw_sweep *s, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "(");
    for (size_t d = 0; d < s->n_dims && used + 4 < size; d++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", d ? ", " : "", s->dims[d].name);
    if (used + 2 < size) snprintf(buf + used, size - used, ")");
}

typedef struct keyed {
    uint64_t key[2];
    uint64_t index;
} keyed;

static int by_key(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    for (int k = 0; k < 2; k++)
        if (x->key[k] != y->key[k]) return x->key[k] < y->key[k] ? -1 : 1;
    return 0;
}

static void row_key(const sw_experiment *e, const sw_axis *axes, size_t count, size_t row, uint64_t key[2]) {
    sw_hash h;
    sw_hash_init(&h);
    for (size_t a = 0; a < count; a++) spec_hash_value(&h, &e->params[axes[a].param], &axes[a].values[row]);
    sw_hash_final(&h, key);
}

/* map[i]: the index in `now` of row i of `old`, where a row is the values of `count` axes (one grid axis, or one
 * zip group's axes), found through the sorted 128-bit keys of the new rows (axes may have a million values).
 * Returns false with *missing set to the first old row that is gone, or *oom. */
static bool map_rows(const sw_experiment *e, const sw_axis *old, const sw_axis *now, size_t count, size_t old_len,
                     size_t now_len, uint64_t *map, size_t *missing, bool *oom) {
    keyed *rows = malloc((now_len + 1) * sizeof *rows);
    if (!rows) {
        *oom = true;
        return false;
    }
    for (size_t j = 0; j < now_len; j++) {
        row_key(e, now, count, j, rows[j].key);
        rows[j].index = j;
    }
    qsort(rows, now_len, sizeof *rows, by_key);
    bool ok = true;
    for (size_t i = 0; i < old_len && ok; i++) {
        keyed probe;
        row_key(e, old, count, i, probe.key);
        const keyed *hit = bsearch(&probe, rows, now_len, sizeof *rows, by_key);
        if (hit) map[i] = hit->index;
        else {
            *missing = i;
            ok = false;
        }
    }
    free(rows);
    return ok;
}

static bool map_grid_dim(const sw_sweep *old, const sw_sweep *now, size_t d, uint64_t *map, char *why, size_t size) {
    const sw_axis *a = old->dims[d].axis, *b = now->dims[d].axis;
    const sw_param *p = &now->exp->params[b->param];
    size_t missing = 0;
    bool oom = false;
    if (map_rows(now->exp, a, b, 1, a->len, b->len, map, &missing, &oom)) return true;
    if (oom) return say(why, size, "out of memory while comparing grid.%s", p->name);
    char v[64], was[600], is[600];
    list_values(p, a, was, sizeof was);
    list_values(p, b, is, sizeof is);
    return say(why, size, "grid.%s: value %s was removed (was %s, now %s); a sweep can only gain values", p->name,
               sw_value_format(p, &a->values[missing], v, sizeof v), was, is);
}

static bool map_zip_dim(const sw_sweep *old, const sw_sweep *now, size_t d, uint64_t *map, char *why, size_t size) {
    unsigned g = now->dims[d].zip_group;
    size_t oa = 0, na = 0, on = 0, nn = 0;
    while (oa < old->n_zip && old->zip[oa].group != g) oa++;
    while (na < now->n_zip && now->zip[na].group != g) na++;
    while (oa + on < old->n_zip && old->zip[oa + on].group == g) on++;
    while (na + nn < now->n_zip && now->zip[na + nn].group == g) nn++;
    bool same_params = on == nn;
    for (size_t k = 0; same_params && k < on; k++) same_params = old->zip[oa + k].param == now->zip[na + k].param;
    if (!same_params) return say(why, size, "zip: the zipped parameters of dimension %s changed", now->dims[d].name);
    size_t missing = 0;
    bool oom = false;
    if (map_rows(now->exp, old->zip + oa, now->zip + na, on, old->dims[d].len, now->dims[d].len, map, &missing, &oom))
        return true;
    if (oom) return say(why, size, "out of memory while comparing the zip rows of %s", now->dims[d].name);
    char row[400] = "", v[64];
    size_t used = 0;
    for (size_t k = 0; k < on && used < sizeof row; k++) {
        const sw_param *p = &now->exp->params[old->zip[oa + k].param];
        used += (size_t)snprintf(row + used, sizeof row - used, "%s%s = %s", k ? ", " : "", p->name,
                                 sw_value_format(p, &old->zip[oa + k].values[missing], v, sizeof v));
    }
    return say(why, size, "zip: the row (%s) of dimension %s was removed; a sweep can only gain rows", row,
               now->dims[d].name);
}

sw_status sw_sweep_growth(const sw_sweep *old, const sw_sweep *now, uint64_t **map, char *why, size_t size) {
    why[0] = '\0';
    bool ok = true;
    if (old->exp != now->exp)
        ok = say(why, size, "experiment: was '%s', now '%s'", old->exp->name, now->exp->name);
    else if (old->seed != now->seed)
        ok = say(why, size, "seed: was %llu, now %llu", (unsigned long long)old->seed, (unsigned long long)now->seed);
    else if (now->replicates < old->replicates)
        ok = say(why, size, "replicates: was %lld, now %lld; a sweep can only gain replicates",
                 (long long)old->replicates, (long long)now->replicates);
    if (ok) ok = same_parameters(old, now, why, size) && same_where(old, now, why, size);
    bool same_dims = ok && old->n_dims == now->n_dims;
    for (size_t d = 0; same_dims && d < now->n_dims; d++)
        same_dims = strcmp(old->dims[d].name, now->dims[d].name) == 0 && old->dims[d].kind == now->dims[d].kind;
    if (ok && !same_dims) {
        char was[300], is[300];
        dim_names(old, was, sizeof was);
        dim_names(now, is, sizeof is);
        ok = say(why, size, "the task dimensions: were %s, now %s (their order decides the layout)", was, is);
    }
    for (size_t d = 0; ok && d < now->n_dims; d++) {
        map[d] = malloc(old->dims[d].len * sizeof *map[d]);
        SW_CHECK_ALLOC(map[d], "a growth map");
        if (now->dims[d].kind == SW_DIM_GRID) ok = map_grid_dim(old, now, d, map[d], why, size);
        else if (now->dims[d].kind == SW_DIM_POINT) ok = map_zip_dim(old, now, d, map[d], why, size);
        else
            for (uint64_t r = 0; r < old->dims[d].len; r++) map[d][r] = r;
    }
    return ok ? SW_OK : SW_ERR_MISMATCH;
}
