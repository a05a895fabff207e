/* declare.c: an experiment declared in the spec (`experiment:` as a mapping: a program or a Python function, its
 * parameters and outputs) -> an sw_declared, validated like a built-in schema, every problem located. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpisweep/declared.h"
#include "spec_internal.h"

static const char *const decl_keys[] = {"name",   "summary", "program",    "shell",
                                        "python", "timeout", "parameters", "outputs"};
static const char *const param_keys[] = {"type", "min", "max", "default", "choices", "unit", "help"};
static const char *const output_keys[] = {"shape", "dims", "unit", "help"};
static const char *const type_names[] = {"int", "real", "choice"};
/* Names a program's placeholders and the worker give the task's identity: no parameter may take them. */
static const char *const identity_names[] = {"seed", "task_seed", "task_index", "replicate", "rng"};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct decl_builder {
    spec_ctx *c;
    sw_declared *d;
    bool ok;
} decl_builder;

__attribute__((format(printf, 4, 5))) static void bad(decl_builder *b, const ynode *at, const char *key,
                                                      const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    spec_error(b->c, at, key, "%s", msg);
    b->ok = false;
}

static bool is_identifier(const char *s) {
    if (!*s || strlen(s) > 64 || !strchr("abcdefghijklmnopqrstuvwxyz_", *s)) return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", *s)) return false;
    return true;
}

static void check_keys(decl_builder *b, const ynode *map, const char *const *keys, size_t n, const char *where) {
    char names[400], hint[100], key[200];
    spec_join(keys, n, names, sizeof names);
    for (size_t i = 0; i < map->n; i++) {
        const ynode *k = map->items[2 * i];
        bool known = false;
        for (size_t j = 0; j < n; j++) known |= strcmp(k->text, keys[j]) == 0;
        if (known) continue;
        spec_error(b->c, k, spec_key(key, sizeof key, "%s.%s", where, k->text), "unknown key '%.60s'%s: expected %s",
                   k->text, spec_did_you_mean(k->text, keys, n, hint, sizeof hint), names);
        b->ok = false;
    }
}

static char *keep(decl_builder *b, const char *s) {
    char *copy = sw_declared_keep(b->d, s);
    if (!copy) b->c->oom = true;
    return copy ? copy : (char *)"";
}

static bool read_real_key(decl_builder *b, const ynode *map, const char *name, const char *key, double *out) {
    const ynode *n = ymap_get(map, name);
    if (!n) return false;
    ynumber num;
    char got[128];
    if (!ynode_number(n, &num)) {
        spec_error(b->c, n, key, "expected a number, got %s", spec_got(n, got, sizeof got));
        b->ok = false;
        return false;
    }
    *out = num.value;
    return true;
}

/* ---- parameters ---- */
static const char **read_choices(decl_builder *b, const ynode *param, const char *key) {
    const ynode *n = ymap_get(param, "choices");
    if (!n || n->kind != YNODE_SEQ || n->n == 0) {
        spec_error(b->c, n ? n : param, key, "a choice parameter needs choices: a non-empty list of names");
        b->ok = false;
        return NULL;
    }
    const char **names = sw_declared_alloc(b->d, (n->n + 1) * sizeof *names);
    if (!names) return b->c->oom = true, NULL;
    for (size_t i = 0; i < n->n; i++) {
        if (n->items[i]->kind != YNODE_SCALAR || !is_identifier(n->items[i]->text)) {
            spec_error(b->c, n->items[i], key, "expected a choice name made of a-z, 0-9 and '_'");
            b->ok = false;
            return NULL;
        }
        names[i] = keep(b, n->items[i]->text);
    }
    return names;
}

/* What parameters and outputs share: a name (checked), a unit and a help line (given later by unit: and help:). */
typedef struct described {
    const char *name, *unit, *help;
} described;

static described read_described(decl_builder *b, const ynode *k, const char *key, const char *what) {
    if (!is_identifier(k->text))
        bad(b, k, key, "%s name '%.60s': expected a-z, 0-9 and '_', not first a digit", what, k->text);
    return (described){.name = keep(b, k->text), .unit = "1", .help = ""};
}

static void read_unit_help(decl_builder *b, const ynode *v, described *d) {
    const ynode *unit = ymap_get(v, "unit"), *help = ymap_get(v, "help");
    if (unit && unit->kind == YNODE_SCALAR) d->unit = keep(b, unit->text);
    if (help && help->kind == YNODE_SCALAR) d->help = keep(b, help->text);
}

static void read_param(decl_builder *b, const ynode *k, const ynode *v, sw_param *p) {
    char key[200], got[128];
    spec_key(key, sizeof key, "experiment.parameters.%s", k->text);
    described named = read_described(b, k, key, "parameter");
    p->name = named.name;
    p->unit = named.unit;
    p->help = named.help;
    for (size_t i = 0; i < N_OF(identity_names); i++)
        if (strcmp(k->text, identity_names[i]) == 0)
            bad(b, k, key,
                "'%s' names the task's identity ({seed}, {task_seed}, {task_index}, {replicate}, rng); "
                "choose another parameter name",
                k->text);
    if (!v || v->kind != YNODE_MAP) {
        spec_error(b->c, v ? v : k, key, "expected a mapping {type: int|real|choice, min, max, default, unit}, got %s",
                   v ? spec_got(v, got, sizeof got) : "nothing");
        b->ok = false;
        return;
    }
    check_keys(b, v, param_keys, N_OF(param_keys), key);
    const ynode *type = ymap_get(v, "type");
    int t = -1;
    for (size_t i = 0; type && i < N_OF(type_names); i++)
        if (type->kind == YNODE_SCALAR && strcmp(type->text, type_names[i]) == 0) t = (int)i;
    if (t < 0) {
        spec_error(b->c, type ? type : v, key, "expected type: int, real or choice, got %s",
                   type ? spec_got(type, got, sizeof got) : "no type");
        b->ok = false;
        return;
    }
    p->type = t == 0 ? SW_INT : t == 1 ? SW_REAL : SW_CHOICE;
    read_unit_help(b, v, &named);
    p->unit = named.unit;
    p->help = named.help;
    p->min = p->type == SW_INT ? -9.0e15 : -HUGE_VAL;
    p->max = p->type == SW_INT ? 9.0e15 : HUGE_VAL;
    if (p->type == SW_CHOICE)
        p->choices = read_choices(b, v, key);
    else {
        read_real_key(b, v, "min", key, &p->min);
        read_real_key(b, v, "max", key, &p->max);
        if (!(p->min <= p->max)) bad(b, v, key, "%s", "min must not exceed max");
    }
    const ynode *def = ymap_get(v, "default");
    if (!def) {
        spec_error(b->c, v, key,
                   "missing default: every parameter needs the value a sweep uses when it does not set it");
        b->ok = false;
        return;
    }
    if (p->type == SW_CHOICE && !p->choices) return;
    sw_param probe = *p;
    sw_value value;
    if (!spec_read_scalar(b->c, &probe, def, key, &value))
        b->ok = false;
    else
        p->def = p->type == SW_INT ? (double)value.integer : p->type == SW_REAL ? value.real : (double)value.integer;
}

/* ---- outputs ---- */
static void read_dim(decl_builder *b, const ynode *n, const char *key, sw_output *o, int d) {
    ynumber num;
    sw_dim *dim = &o->dims[d];
    if (ynode_number(n, &num) && num.is_int && !num.int_overflow && num.integer >= 1 && num.integer <= 100000000) {
        dim->extent = num.integer;
        return;
    }
    int p = n->kind == YNODE_SCALAR ? sw_param_index(&b->d->exp, n->text) : -1;
    if (p < 0 || b->d->params[p].type != SW_INT || b->d->params[p].min < 0) {
        spec_error(b->c, n, key, "expected a positive integer or the name of an int parameter with min >= 0");
        b->ok = false;
        return;
    }
    dim->param = b->d->params[p].name;
    b->d->params[p].shape = true; /* it sizes an output, so it cannot be swept */
}

static void read_output(decl_builder *b, const ynode *k, const ynode *v, sw_output *o) {
    char key[200], got[128];
    spec_key(key, sizeof key, "experiment.outputs.%s", k->text);
    described named = read_described(b, k, key, "output");
    o->name = named.name;
    o->unit = named.unit;
    o->help = named.help;
    if (!v || (v->kind == YNODE_SCALAR && v->scalar == YS_NULL)) return; /* `name:` alone: a scalar */
    if (v->kind != YNODE_MAP) {
        spec_error(b->c, v, key, "expected a mapping {shape: [...], dims: [...], unit, help} or nothing, got %s",
                   spec_got(v, got, sizeof got));
        b->ok = false;
        return;
    }
    check_keys(b, v, output_keys, N_OF(output_keys), key);
    read_unit_help(b, v, &named);
    o->unit = named.unit;
    o->help = named.help;
    const ynode *shape = ymap_get(v, "shape"), *dims = ymap_get(v, "dims");
    if (shape && (shape->kind != YNODE_SEQ || shape->n > SW_MAX_OUTPUT_DIMS)) {
        spec_error(b->c, shape, key, "expected shape: a list of at most %d extents ([] for a scalar)",
                   SW_MAX_OUTPUT_DIMS);
        b->ok = false;
        return;
    }
    o->ndims = shape ? (int)shape->n : 0;
    if (dims && (dims->kind != YNODE_SEQ || dims->n != (size_t)o->ndims)) {
        spec_error(b->c, dims, key, "expected dims: a list of %d dimension names, one per shape entry", o->ndims);
        b->ok = false;
        return;
    }
    for (int d = 0; d < o->ndims; d++) {
        read_dim(b, shape->items[d], key, o, d);
        char name[160];
        snprintf(name, sizeof name, "%s_dim%d", k->text, d);
        const ynode *dn = dims ? dims->items[d] : NULL;
        if (dn && (dn->kind != YNODE_SCALAR || !is_identifier(dn->text)))
            bad(b, dn, key, "%s", "expected a dimension name");
        o->dims[d].name = keep(b, dn && dn->kind == YNODE_SCALAR ? dn->text : name);
    }
}

static size_t map_size(const ynode *n) { return n && n->kind == YNODE_MAP ? n->n : 0; }

static void read_schema(decl_builder *b, const ynode *decl, const ynode *params, const ynode *outputs) {
    char got[128];
    if (params && params->kind != YNODE_MAP)
        bad(b, params, "experiment.parameters", "expected a mapping of parameters, got %s",
            spec_got(params, got, sizeof got));
    if (!outputs || outputs->kind != YNODE_MAP || outputs->n == 0)
        bad(b, outputs ? outputs : decl, "experiment.outputs", "%s",
            "expected outputs: a mapping of at least one output name");
    for (size_t i = 0; i < map_size(params); i++)
        read_param(b, params->items[2 * i], params->items[2 * i + 1], &b->d->params[i]);
    for (size_t i = 0; i < map_size(outputs); i++)
        read_output(b, outputs->items[2 * i], outputs->items[2 * i + 1], &b->d->outputs[i]);
    for (size_t i = 0; i < map_size(outputs); i++)
        if (sw_param_index(&b->d->exp, b->d->outputs[i].name) >= 0)
            bad(b, outputs->items[2 * i], "experiment.outputs", "output '%s' has the name of a parameter",
                b->d->outputs[i].name);
}

/* ---- how to run it ---- */
/* Every {name} of arg must be a parameter or an identity name; "{{" and "}}" are literal braces. */
static void check_placeholders(decl_builder *b, const ynode *at, const char *arg) {
    for (const char *p = arg; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        if (*p != '{') continue;
        const char *end = strchr(p, '}');
        char name[80];
        snprintf(name, sizeof name, "%.*s", end ? (int)(end - p - 1) : 0, p + 1);
        bool known = end && sw_param_index(&b->d->exp, name) >= 0;
        for (size_t i = 0; end && i < 4; i++) known |= strcmp(name, identity_names[i]) == 0;
        if (!known) {
            spec_error(b->c, at, "experiment.program",
                       "unknown placeholder {%s}: expected a parameter or one of {seed}, {task_seed}, {task_index}, "
                       "{replicate} ({{ and }} for literal braces)",
                       name);
            b->ok = false;
            return;
        }
        p = end;
    }
}

/* A program path with a '/' is relative to the spec file's directory. */
static char *resolve_program(decl_builder *b, const char *path) {
    if (!strchr(path, '/') || path[0] == '/') return keep(b, path);
    const char *slash = strrchr(b->c->file, '/');
    char full[4096];
    snprintf(full, sizeof full, "%.*s%s", slash ? (int)(slash - b->c->file + 1) : 2, slash ? b->c->file : "./",
             strncmp(path, "./", 2) == 0 ? path + 2 : path);
    return keep(b, full);
}

static void read_program(decl_builder *b, const ynode *n) {
    size_t argc = n->kind == YNODE_SEQ ? n->n : 1;
    if ((b->d->shell && n->kind != YNODE_SCALAR) || (!b->d->shell && (n->kind != YNODE_SEQ || n->n == 0))) {
        spec_error(b->c, n, "experiment.program",
                   b->d->shell ? "with shell: true, program is one command line (a string)"
                               : "expected program: a list [executable, arguments...] (or a string with shell: true)");
        b->ok = false;
        return;
    }
    if (argc > SW_DECLARED_MAX_ARGS) {
        spec_error(b->c, n, "experiment.program", "at most %d arguments, got %zu", SW_DECLARED_MAX_ARGS, argc);
        b->ok = false;
        return;
    }
    b->d->argv = sw_declared_alloc(b->d, (argc + 1) * sizeof *b->d->argv);
    if (!b->d->argv) return (void)(b->c->oom = true);
    b->d->argc = argc;
    for (size_t i = 0; i < argc; i++) {
        const ynode *a = n->kind == YNODE_SEQ ? n->items[i] : n;
        if (a->kind != YNODE_SCALAR || a->scalar == YS_NULL) {
            bad(b, a, "experiment.program", "%s", "expected a string (an argument)");
            continue;
        }
        check_placeholders(b, a, a->text);
        b->d->argv[i] = i == 0 && !b->d->shell ? resolve_program(b, a->text) : keep(b, a->text);
        if (i == 0) b->d->program = keep(b, a->text);
    }
    if (b->ok && !b->d->shell && strchr(b->d->argv[0], '/') && access(b->d->argv[0], X_OK) != 0)
        bad(b, n->kind == YNODE_SEQ ? n->items[0] : n, "experiment.program",
            "'%s' is not an executable file (a path with '/' is relative to the spec file)", b->d->argv[0]);
}

static void read_python(decl_builder *b, const ynode *n) {
    const char *colon = n->kind == YNODE_SCALAR ? strchr(n->text, ':') : NULL;
    if (!colon || colon == n->text || !colon[1] || strchr(colon + 1, ':')) {
        bad(b, n, "experiment.python", "%s", "expected python: module:function (e.g. mypkg.model:simulate)");
        return;
    }
    b->d->function = keep(b, n->text);
    const char *slash = strrchr(b->c->file, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - b->c->file) : 1, slash ? b->c->file : ".");
    b->d->dir = keep(b, dir);
}

static void read_name(decl_builder *b, const ynode *decl) {
    const ynode *name = ymap_get(decl, "name"), *summary = ymap_get(decl, "summary");
    b->d->exp.name = b->d->kind == SW_DECLARED_PROGRAM ? "program" : "python";
    b->d->exp.summary = b->d->kind == SW_DECLARED_PROGRAM ? "an external program declared in the spec"
                                                          : "a Python function declared in the spec";
    b->d->exp.article = "none: declared in the spec";
    if (name && (name->kind != YNODE_SCALAR || !is_identifier(name->text)))
        bad(b, name, "experiment.name", "%s", "expected a name made of a-z, 0-9 and '_'");
    else if (name)
        b->d->exp.name = keep(b, name->text);
    if (summary && summary->kind == YNODE_SCALAR) b->d->exp.summary = keep(b, summary->text);
}

sw_declared *spec_read_declared(spec_ctx *c, const ynode *decl) {
    const ynode *program = ymap_get(decl, "program"), *python = ymap_get(decl, "python");
    if (!program == !python) {
        spec_error(c, decl, "experiment",
                   "a declared experiment has exactly one of program: [argv...] or python: "
                   "module:function (or experiment: is the name of a registered experiment)");
        return NULL;
    }
    const ynode *params = ymap_get(decl, "parameters"), *outputs = ymap_get(decl, "outputs");
    size_t n_out = map_size(outputs);
    if (n_out > SW_MAX_OUTPUTS) {
        spec_error(c, outputs, "experiment.outputs", "at most %d outputs", SW_MAX_OUTPUTS);
        return NULL;
    }
    decl_builder b = {.c = c,
                      .ok = true,
                      .d =
                          sw_declared_new(program ? SW_DECLARED_PROGRAM : SW_DECLARED_PYTHON, map_size(params), n_out)};
    if (!b.d) return c->oom = true, NULL;
    check_keys(&b, decl, decl_keys, N_OF(decl_keys), "experiment");
    read_name(&b, decl);
    const ynode *shell = ymap_get(decl, "shell");
    if (shell && (shell->scalar != YS_BOOL || python))
        bad(&b, shell, "experiment.shell", "%s", "expected true or false (programs only)");
    else if (shell)
        b.d->shell = strcmp(shell->text, "true") == 0;
    if (read_real_key(&b, decl, "timeout", "experiment.timeout", &b.d->timeout) && !(b.d->timeout > 0))
        bad(&b, ymap_get(decl, "timeout"), "experiment.timeout", "%s", "expected a positive number of seconds");
    read_schema(&b, decl, params, outputs);
    if (b.ok && program) read_program(&b, program);
    if (b.ok && python) read_python(&b, python);
    if (!b.ok || c->oom) {
        sw_declared_free(b.d);
        return NULL;
    }
    return b.d;
}

void spec_hash_declared(sw_hash *h, const sw_experiment *e) {
    const sw_declared *d = sw_declared_of(e);
    if (!d) return;
    sw_hash_u64(h, d->kind);
    sw_hash_u64(h, d->shell);
    sw_hash_u64(h, d->argc);
    for (size_t i = 0; i < d->argc; i++) sw_hash_str(h, i == 0 ? d->program : d->argv[i]);
    sw_hash_str(h, d->function ? d->function : "");
    for (size_t o = 0; o < e->n_outputs; o++) {
        sw_hash_str(h, e->outputs[o].name);
        sw_hash_u64(h, (uint64_t)e->outputs[o].ndims);
        for (int k = 0; k < e->outputs[o].ndims; k++) {
            sw_hash_str(h, e->outputs[o].dims[k].param ? e->outputs[o].dims[k].param : "");
            sw_hash_i64(h, e->outputs[o].dims[k].extent);
        }
    }
}
