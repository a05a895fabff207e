/* declared.c: the storage of spec-declared experiments (declared.h) and what they share: the task's identity as
 * text, and reading a JSON object of outputs into the task's output arrays. */
#include "mpisweep/declared.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "declared_internal.h"

sw_declared *sw_declared_new(sw_declared_kind kind, size_t n_params, size_t n_outputs) {
    sw_declared *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->kind = kind;
    d->params = calloc(n_params + 1, sizeof *d->params);
    d->outputs = calloc(n_outputs + 1, sizeof *d->outputs);
    if (!d->params || !d->outputs) {
        sw_declared_free(d);
        return NULL;
    }
    d->exp.params = d->params;
    d->exp.n_params = n_params;
    d->exp.outputs = d->outputs;
    d->exp.n_outputs = n_outputs;
    d->exp.run = kind == SW_DECLARED_PROGRAM ? sw_declared_run_program : sw_declared_run_python;
    return d;
}

void *sw_declared_alloc(sw_declared *d, size_t bytes) {
    void **grown = realloc(d->owned, (d->n_owned + 1) * sizeof *grown);
    if (!grown) return NULL;
    d->owned = grown;
    void *block = calloc(1, bytes ? bytes : 1);
    if (block) d->owned[d->n_owned++] = block;
    return block;
}

char *sw_declared_keep(sw_declared *d, const char *s) {
    char *copy = sw_declared_alloc(d, strlen(s) + 1);
    if (copy) memcpy(copy, s, strlen(s) + 1);
    return copy;
}

const sw_declared *sw_declared_of(const sw_experiment *e) {
    if (e->run != sw_declared_run_program && e->run != sw_declared_run_python) return NULL;
    return (const sw_declared *)(const void *)e; /* exp is the first member */
}

void sw_declared_free(sw_declared *d) {
    if (!d) return;
    for (size_t i = 0; i < d->n_owned; i++) free(d->owned[i]);
    free(d->owned);
    free(d->params);
    free(d->outputs);
    free(d);
}

uint64_t sw_declared_task_seed(const sw_rng_key *key) {
    sw_rng r;
    sw_rng_init(&r, key, SW_DECLARED_SEED_STREAM);
    return sw_rng_u64(&r) >> 1; /* 63 bits: a signed 64-bit integer in every language */
}

bool sw_declared_identity(const sw_task *t, const char *name, char *buf, size_t size) {
    const sw_experiment *e = t->exp;
    int p = sw_param_index(e, name);
    if (p >= 0) {
        if (e->params[p].type == SW_CHOICE)
            snprintf(buf, size, "%s", e->params[p].choices[t->param[p].integer]);
        else if (e->params[p].type == SW_REAL)
            snprintf(buf, size, "%.17g", t->param[p].real); /* round-trips: the program sees the exact double */
        else
            sw_value_format(&e->params[p], &t->param[p], buf, size);
        return true;
    }
    unsigned long long v;
    if (strcmp(name, "seed") == 0) v = t->key.seed;
    else if (strcmp(name, "task_seed") == 0) v = sw_declared_task_seed(&t->key);
    else if (strcmp(name, "task_index") == 0) v = t->index;
    else if (strcmp(name, "replicate") == 0) v = t->key.replicate;
    else return false;
    snprintf(buf, size, "%llu", v);
    return true;
}

int sw_declared_spawn(pid_t *pid, char *const argv[], char *const envp[], const int *from_fd, const int *child_fd,
                      size_t n_fds) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    for (size_t i = 0; i < n_fds; i++) posix_spawn_file_actions_adddup2(&fa, from_fd[i], child_fd[i]);
    posix_spawnattr_init(&at);
    /* The compute thread blocks the stop signals, and the run may ignore some: the child starts with neither. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int r = posix_spawnp(pid, argv[0], &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return r;
}

int sw_declared_pipe(int fds[2]) {
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* ---- outputs from JSON ---- */
static bool json_to_double(const json_t *v, double *x) {
    if (json_is_number(v)) {
        *x = json_number_value(v);
        return true;
    }
    if (json_is_null(v)) { /* no JSON literal for NaN: null stands for it, and the task becomes non_finite */
        *x = NAN;
        return true;
    }
    return false;
}

/* Reads v, an array nested to the output's dims, into out; returns false with a reason in msg. */
static bool read_array(const json_t *v, const int64_t *extent, int ndims, double *out, size_t *pos, char *msg,
                       size_t size, const char *name) {
    if (ndims == 0) {
        if (json_to_double(v, &out[*pos])) {
            (*pos)++;
            return true;
        }
        snprintf(msg, size, "output '%s': expected a number, got a JSON %s", name,
                 json_is_string(v) ? "string" : json_is_array(v) ? "list" : json_is_object(v) ? "object" : "boolean");
        return false;
    }
    if (!json_is_array(v) || json_array_size(v) != (size_t)extent[0]) {
        snprintf(msg, size, "output '%s': expected a list of %lld elements, got %s%zu", name, (long long)extent[0],
                 json_is_array(v) ? "a list of " : "a non-list", json_is_array(v) ? json_array_size(v) : 0);
        return false;
    }
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!read_array(json_array_get(v, i), extent + 1, ndims - 1, out, pos, msg, size, name)) return false;
    return true;
}

static bool read_object(const sw_task *t, json_t *root, char *msg, size_t size) {
    const sw_experiment *e = t->exp;
    bool ok = json_is_object(root);
    if (!ok) snprintf(msg, size, "the output is not a JSON object");
    for (size_t o = 0; ok && o < e->n_outputs; o++) {
        const sw_output *out = &e->outputs[o];
        const json_t *v = json_object_get(root, out->name);
        if (!v) {
            snprintf(msg, size, "output '%s' is missing", out->name);
            ok = false;
            break;
        }
        int64_t extent[SW_MAX_OUTPUT_DIMS];
        for (int d = 0; d < out->ndims; d++) extent[d] = sw_dim_extent(e, &out->dims[d], t->param);
        size_t pos = 0;
        ok = read_array(v, extent, out->ndims, t->out[o], &pos, msg, size, out->name);
    }
    if (ok && json_object_size(root) != e->n_outputs) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)root, key, v) if (sw_output_index(e, key) < 0) {
            snprintf(msg, size, "unknown output '%.60s' (not declared in the spec)", key);
            break;
        }
        ok = false;
    }
    return ok;
}

static json_t *parse(const char *text, size_t len, char *msg, size_t size) {
    json_error_t err;
    json_t *root = json_loadb(text, len, 0, &err);
    if (!root) snprintf(msg, size, "unparsable output (line %d column %d: %s)", err.line, err.column, err.text);
    return root;
}

bool sw_declared_read_outputs(const sw_task *t, const char *text, size_t len, char *msg, size_t size) {
    json_t *root = parse(text, len, msg, size);
    bool ok = root && read_object(t, root, msg, size);
    json_decref(root);
    return ok;
}

bool sw_declared_read_reply(const sw_task *t, const char *text, size_t len, char *msg, size_t size) {
    json_t *root = parse(text, len, msg, size);
    json_t *ok = json_object_get(root, "ok"), *error = json_object_get(root, "error");
    bool done = false;
    if (ok) done = read_object(t, ok, msg, size);
    else if (json_is_string(error)) snprintf(msg, size, "%s", json_string_value(error));
    else if (root) snprintf(msg, size, "the worker's reply is neither a result nor an error");
    json_decref(root);
    return done;
}
