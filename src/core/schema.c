/* schema.c: helpers over parameter and output schemas (the registry itself lives in the experiments layer). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mpisweep/experiment.h"
#include "mpisweep/hash.h"

static const char *const outcome_names[] = {
#define SW_OUTCOME_NAME(name, code, text) [code] = text,
    SW_OUTCOME_TABLE(SW_OUTCOME_NAME)
#undef SW_OUTCOME_NAME
};

const char *sw_outcome_name(int code) {
    return code >= 0 && code < SW_OUTCOME_COUNT ? outcome_names[code] : "unknown";
}

bool sw_outcome_is_failure(int code) {
    return code != SW_TASK_PENDING && code != SW_TASK_OK && code != SW_TASK_SKIPPED && code != SW_TASK_EXCLUDED;
}

int sw_param_index(const sw_experiment *e, const char *name) {
    for (size_t i = 0; i < e->n_params; i++)
        if (strcmp(e->params[i].name, name) == 0) return (int)i;
    return -1;
}

int sw_output_index(const sw_experiment *e, const char *name) {
    for (size_t i = 0; i < e->n_outputs; i++)
        if (strcmp(e->outputs[i].name, name) == 0) return (int)i;
    return -1;
}

static const struct {
    const char *name, *suffix;
} role_table[] = {
#define SW_ROLE_ROW(name, text, suffix) {text, suffix},
    SW_ROLE_TABLE(SW_ROLE_ROW)
#undef SW_ROLE_ROW
};

const char *sw_output_role_name(sw_output_role role) {
    return (size_t)role < SW_COUNT(role_table) ? role_table[role].name : "value";
}

/* The output that `name` is the companion of under `suffix` ("x" for "x_se"), or -1. */
static int companion_of(const sw_experiment *e, const char *name, const char *suffix) {
    size_t n = strlen(name), k = strlen(suffix);
    if (n <= k || strcmp(name + n - k, suffix) != 0) return -1;
    for (size_t i = 0; i < e->n_outputs; i++)
        if (strlen(e->outputs[i].name) == n - k && strncmp(e->outputs[i].name, name, n - k) == 0) return (int)i;
    return -1;
}

/* The role output o has by its own name (a companion's), with the output it belongs to; SW_ROLE_VALUE and -1 when
 * its name makes it no companion. */
static sw_output_role companion_role(const sw_experiment *e, size_t o, int *of) {
    for (size_t r = 0; r < SW_COUNT(role_table); r++)
        if (role_table[r].suffix && (*of = companion_of(e, e->outputs[o].name, role_table[r].suffix)) >= 0)
            return (sw_output_role)r;
    *of = -1;
    return SW_ROLE_VALUE;
}

sw_output_role sw_output_role_of(const sw_experiment *e, size_t o, int *of) {
    sw_output_role role = companion_role(e, o, of);
    if (role != SW_ROLE_VALUE) return role;
    for (size_t i = 0; i < e->n_outputs; i++) {
        int owner;
        if (i != o && companion_role(e, i, &owner) != SW_ROLE_VALUE && owner == (int)o) return SW_ROLE_ESTIMATE;
    }
    return SW_ROLE_VALUE;
}

void sw_param_defaults(const sw_experiment *e, sw_value *v) {
    for (size_t i = 0; i < e->n_params; i++) {
        const sw_param *p = &e->params[i];
        v[i] = (sw_value){0};
        switch (p->type) {
        case SW_REAL: v[i].real = p->def; break;
        case SW_INT:
        case SW_CHOICE: v[i].integer = (int64_t)p->def; break;
        case SW_REAL_LIST:
            v[i].list = p->def_list;
            v[i].len = p->def_len;
            break;
        }
    }
}

int64_t sw_dim_extent(const sw_experiment *e, const sw_dim *d, const sw_value *param) {
    int64_t n = d->extent;
    if (d->param) {
        int k = sw_param_index(e, d->param);
        if (k < 0) return 0;
        n = e->params[k].type == SW_REAL_LIST ? (int64_t)param[k].len : param[k].integer;
    }
    n += d->offset;
    return n > 0 ? n : 0;
}

size_t sw_output_count(const sw_experiment *e, const sw_output *o, const sw_value *param) {
    size_t n = 1;
    for (int d = 0; d < o->ndims; d++) n *= (size_t)sw_dim_extent(e, &o->dims[d], param);
    return n;
}

void sw_param_hash(const sw_experiment *e, const sw_value *param, uint64_t out[2]) {
    sw_hash h;
    sw_hash_init(&h);
    sw_hash_str(&h, e->name);
    for (size_t i = 0; i < e->n_params; i++) {
        const sw_param *p = &e->params[i];
        sw_hash_str(&h, p->name);
        switch (p->type) {
        case SW_REAL: sw_hash_double(&h, param[i].real); break;
        case SW_INT: sw_hash_i64(&h, param[i].integer); break;
        case SW_CHOICE: sw_hash_str(&h, p->choices[param[i].integer]); break; /* by name: reordering is safe */
        case SW_REAL_LIST:
            sw_hash_u64(&h, param[i].len);
            for (size_t j = 0; j < param[i].len; j++) sw_hash_double(&h, param[i].list[j]);
            break;
        }
    }
    sw_hash_final(&h, out);
}

char *sw_value_format(const sw_param *p, const sw_value *v, char *buf, size_t size) {
    switch (p->type) {
    case SW_REAL: snprintf(buf, size, "%.17g", v->real); break;
    case SW_INT: snprintf(buf, size, "%lld", (long long)v->integer); break;
    case SW_CHOICE: snprintf(buf, size, "%s", p->choices[v->integer]); break;
    case SW_REAL_LIST: {
        size_t used = (size_t)snprintf(buf, size, "[");
        for (size_t j = 0; j < v->len && used < size; j++)
            used += (size_t)snprintf(buf + used, size - used, "%s%.17g", j ? ", " : "", v->list[j]);
        if (used < size) snprintf(buf + used, size - used, "]");
        break;
    }
    }
    return buf;
}

sw_outcome sw_task_fail(const sw_task *t, sw_outcome outcome, const char *fmt, ...) {
    if (t->msg && t->msg_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->msg, t->msg_size, fmt, ap);
        va_end(ap);
    }
    return outcome;
}
