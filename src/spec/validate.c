/* validate.c: one YAML document -> one validated sw_sweep, reporting every problem on the way. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/declared.h"
#include "spec_internal.h"

enum { KEY_TEXT = 300, VALUE_TEXT = 128, MESSAGE_TEXT = 512, NAMES_TEXT = 700, MAX_NAME_LEN = 128 };

static const char *const top_keys[] = {"sweep", "experiment", "seed", "replicates", "fixed",
                                       "grid",  "zip",        "where", "description", "plugin"};

/* where: is evaluated for every parameter combination when the spec is loaded and when the file is created. */
#define SPEC_MAX_WHERE_COMBOS 100000000ULL
enum { N_TOP_KEYS = sizeof top_keys / sizeof top_keys[0] };

/* State while one document is turned into a sweep. */
typedef struct sweep_builder {
    spec_ctx *c;
    const ydoc *doc;
    const ynode *root;
    sw_sweep *s;
    bool ok;
    bool has_replicates;     /* the key was given (even as 1): the replicate dimension exists */
    bool plugin_failed;      /* plugin: was given but could not be loaded (its experiment is then not reported) */
    const char **section_of; /* per parameter: "fixed", "grid" or "zip" once given, else NULL ... */
    const ynode **given_at;  /* ... and the key node where */
} sweep_builder;

static void fail(sweep_builder *b) { b->ok = false; }

/* The node and key a sweep-wide problem (size, cross-parameter check) is reported at: the sweep's axes when it
 * has any, else its first key. */
static const ynode *sweep_anchor(const sweep_builder *b, const char **key) {
    static const char *const sections[] = {"grid", "zip", "replicates", "fixed"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        for (size_t k = 0; k < b->root->n; k++) {
            const ynode *kn = b->root->items[2 * k];
            if (strcmp(kn->text, sections[i]) == 0) {
                *key = sections[i];
                return kn;
            }
        }
    }
    *key = b->root->n ? b->root->items[0]->text : NULL;
    return b->root->n ? b->root->items[0] : b->root;
}

/* ---- top level ---- */
static void check_top_keys(sweep_builder *b) {
    char names[NAMES_TEXT], hint[100];
    spec_join(top_keys, N_TOP_KEYS, names, sizeof names);
    for (size_t i = 0; i < b->root->n; i++) {
        const ynode *k = b->root->items[2 * i];
        bool known = false;
        for (size_t j = 0; j < N_TOP_KEYS; j++) known |= strcmp(k->text, top_keys[j]) == 0;
        if (known) continue;
        spec_error(b->c, k, k->text, "unknown key '%.60s'%s: a sweep has the keys %s", k->text,
                   spec_did_you_mean(k->text, top_keys, N_TOP_KEYS, hint, sizeof hint), names);
        fail(b);
    }
}

static bool valid_name(const char *s) {
    if (!*s || strlen(s) > MAX_NAME_LEN) return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *s)) return false;
    return true;
}

static void read_name(sweep_builder *b, const ynode **name_at) {
    const ynode *n = ymap_get(b->root, "sweep");
    char got[VALUE_TEXT];
    if (!n) {
        spec_error_at(b->c, b->root->line, b->root->col, "sweep", NULL,
                      "missing key sweep: every sweep needs a name (e.g. sweep: angle-vs-dim)");
        fail(b);
        return;
    }
    if (n->kind != YNODE_SCALAR || n->scalar == YS_NULL) {
        spec_error(b->c, n, "sweep", "expected a name made of letters, digits, '_' and '-', got %s",
                   spec_got(n, got, sizeof got));
        fail(b);
        return;
    }
    if (!valid_name(n->text)) {
        spec_error(b->c, n, "sweep",
                   "invalid sweep name '%.60s': expected 1 to %d letters, digits, '_' or '-' (it becomes an HDF5 "
                   "group name)",
                   n->text, MAX_NAME_LEN);
        fail(b);
        return;
    }
    b->s->name = strdup(n->text);
    if (!b->s->name) b->c->oom = true;
    *name_at = n;
}

/* plugin: a shared library of experiments (plugin.h), relative to the spec file or on MPISWEEP_PLUGIN_PATH. */
static void read_plugin(sweep_builder *b) {
    const ynode *n = ymap_get(b->root, "plugin");
    if (!n) return;
    char got[VALUE_TEXT], dir[PATH_MAX], path[2 * PATH_MAX], why[MESSAGE_TEXT];
    if (n->kind != YNODE_SCALAR || n->scalar == YS_NULL || !n->text[0]) {
        spec_error(b->c, n, "plugin", "expected the path of a plugin (a shared library, see mpisweep/plugin.h), "
                   "got %s", spec_got(n, got, sizeof got));
    } else {
        snprintf(dir, sizeof dir, "%s", b->c->file);
        char *slash = strrchr(dir, '/');
        if (slash) slash[slash == dir] = '\0'; /* "/spec.yaml": the directory is "/" */
        else snprintf(dir, sizeof dir, ".");
        if (!sw_plugin_resolve(n->text, dir, path, sizeof path))
            spec_error(b->c, n, "plugin", "plugin not found: looked for %s", path);
        else if (!(b->s->plugin = sw_plugin_load(path, why, sizeof why)))
            spec_error(b->c, n, "plugin", "%s", why);
    }
    if (b->s->plugin) return;
    b->plugin_failed = true;
    fail(b);
}

static const sw_experiment *find_experiment(const sweep_builder *b, const char *name) {
    const sw_experiment *e = spec_find_experiment(b->c->registry, name);
    for (const sw_experiment *const *x = b->s->plugin ? b->s->plugin->table->experiments : NULL; !e && x && *x; x++)
        if (strcmp((*x)->name, name) == 0) e = *x;
    return e;
}

static void read_experiment(sweep_builder *b) {
    const ynode *n = ymap_get(b->root, "experiment");
    char got[VALUE_TEXT], names[NAMES_TEXT], hint[100];
    const char *list[128];
    size_t n_list = 0;
    for (const sw_experiment *const *e = b->c->registry; *e && n_list < 64; e++) list[n_list++] = (*e)->name;
    for (const sw_experiment *const *e = b->s->plugin ? b->s->plugin->table->experiments : NULL; e && *e && n_list < 128;
         e++)
        list[n_list++] = (*e)->name;
    spec_join(list, n_list, names, sizeof names);
    if (!n) {
        spec_error_at(b->c, b->root->line, b->root->col, "experiment", NULL,
                      "missing key experiment: expected one of the registered experiments: %s", names);
        fail(b);
        return;
    }
    if (n->kind == YNODE_MAP) { /* declared in the spec: a program or a Python function (declare.c) */
        b->s->declared = spec_read_declared(b->c, n);
        if (b->s->declared) b->s->exp = &b->s->declared->exp;
        else fail(b);
        return;
    }
    if (n->kind != YNODE_SCALAR || n->scalar == YS_NULL) {
        spec_error(b->c, n, "experiment", "expected the name of a registered experiment (%s), got %s", names,
                   spec_got(n, got, sizeof got));
        fail(b);
        return;
    }
    b->s->exp = find_experiment(b, n->text);
    if (!b->s->exp && !b->plugin_failed) {
        spec_error(b->c, n, "experiment", "unknown experiment '%.60s'%s: the registered experiments are %s", n->text,
                   spec_did_you_mean(n->text, list, n_list, hint, sizeof hint), names);
        fail(b);
    }
}

static void read_seed(sweep_builder *b) {
    const ynode *n = ymap_get(b->root, "seed");
    if (!n) return;
    ynumber num;
    bool is_num = ynode_number(n, &num);
    if (is_num && num.is_uint64) {
        b->s->seed = num.uinteger; /* read from the text: full 64-bit precision */
        return;
    }
    if (is_num && !num.is_int && num.value == floor(num.value) && num.value >= 0 && num.value < 0x1p64) {
        b->s->seed = (uint64_t)num.value; /* an exactly integral float such as 1e6 */
        return;
    }
    char got[VALUE_TEXT];
    spec_error(b->c, n, "seed", "expected an unsigned 64-bit integer in [0, 18446744073709551615], got %s",
               spec_got(n, got, sizeof got));
    fail(b);
}

static void read_replicates(sweep_builder *b) {
    const ynode *n = ymap_get(b->root, "replicates");
    b->s->replicates = 1;
    if (!n) return;
    b->has_replicates = true;
    ynumber num;
    bool is_num = ynode_number(n, &num);
    if (is_num && !num.is_int && num.value == floor(num.value) && fabs(num.value) < 0x1p63) {
        num.is_int = true;
        num.integer = (int64_t)num.value;
    }
    if (is_num && num.is_int && !num.int_overflow && num.integer >= 1) {
        b->s->replicates = num.integer;
        return;
    }
    char got[VALUE_TEXT];
    spec_error(b->c, n, "replicates", "expected an integer >= 1 (the number of replicates of each task), got %s",
               spec_got(n, got, sizeof got));
    fail(b);
}

static void read_description(sweep_builder *b) {
    const ynode *n = ymap_get(b->root, "description");
    if (n && n->kind != YNODE_SCALAR) {
        spec_error(b->c, n, "description", "expected free text, got %s", ynode_kind_name(n));
        fail(b);
    }
}

/* ---- parameters in fixed:, grid: and zip: ---- */
/* The section's mapping, or NULL when absent or empty (`grid:` with nothing under it). */
static const ynode *section_map(sweep_builder *b, const char *section) {
    const ynode *n = ymap_get(b->root, section);
    if (!n || (n->kind == YNODE_SCALAR && n->scalar == YS_NULL)) return NULL;
    if (n->kind == YNODE_MAP) return n;
    char got[VALUE_TEXT];
    spec_error(b->c, n, section, "expected a mapping of parameter names to %s, got %s",
               strcmp(section, "fixed") == 0 ? "values" : "axes", spec_got(n, got, sizeof got));
    fail(b);
    return NULL;
}

/* Index of the parameter named by key node k of `section`, or -1 after reporting an unknown name or a parameter
 * already given in another section. */
static int param_of_key(sweep_builder *b, const ynode *k, const char *section) {
    const sw_experiment *e = b->s->exp;
    char key[KEY_TEXT];
    spec_key(key, sizeof key, "%s.%s", section, k->text);
    int idx = sw_param_index(e, k->text);
    if (idx < 0) {
        const char *names[128];
        size_t n = 0;
        for (size_t i = 0; i < e->n_params && n < 128; i++) names[n++] = e->params[i].name;
        char list[NAMES_TEXT], hint[100];
        spec_error(b->c, k, key, "unknown parameter '%.60s' of experiment '%s'%s; its parameters are %s", k->text,
                   e->name, spec_did_you_mean(k->text, names, n, hint, sizeof hint),
                   n ? spec_join(names, n, list, sizeof list) : "(none)");
        fail(b);
        return -1;
    }
    if (b->section_of[idx]) {
        spec_error(b->c, k, key,
                   "parameter '%s' is already under %s: (line %d); a parameter may appear in only one of fixed:, "
                   "grid: and zip:",
                   k->text, b->section_of[idx], b->given_at[idx]->line);
        fail(b);
        return -1;
    }
    b->section_of[idx] = section;
    b->given_at[idx] = k;
    return idx;
}

static void read_fixed(sweep_builder *b) {
    const ynode *map = section_map(b, "fixed");
    if (!map) return;
    const sw_experiment *e = b->s->exp;
    for (size_t i = 0; i < map->n; i++) {
        const ynode *k = map->items[2 * i], *v = map->items[2 * i + 1];
        int idx = param_of_key(b, k, "fixed");
        if (idx < 0) continue;
        char key[KEY_TEXT];
        spec_key(key, sizeof key, "fixed.%s", k->text);
        sw_value value;
        if (spec_read_scalar(b->c, &e->params[idx], v, key, &value)) b->s->base[idx] = value; /* lists: owned */
        else fail(b);
    }
}

/* The output (and its dimension) whose shape parameter p fixes, for the message; NULL when none names it. */
static const sw_output *output_shaped_by(const sw_experiment *e, const sw_param *p, const sw_dim **dim) {
    for (size_t o = 0; o < e->n_outputs; o++) {
        for (int d = 0; d < e->outputs[o].ndims; d++) {
            const sw_dim *dd = &e->outputs[o].dims[d];
            if (dd->param && strcmp(dd->param, p->name) == 0) {
                *dim = dd;
                return &e->outputs[o];
            }
        }
    }
    return NULL;
}

/* Shape and list parameters cannot be swept: every task of a sweep shares one output layout. */
static bool sweepable(sweep_builder *b, const sw_param *p, const ynode *k, const char *key, const char *section) {
    if (p->type == SW_REAL_LIST) {
        spec_error(b->c, k, key, "'%s' is a list parameter: it can only be under fixed: (one list per sweep)",
                   p->name);
        return false;
    }
    if (p->shape) {
        const sw_dim *dim = NULL;
        const sw_output *o = output_shaped_by(b->s->exp, p, &dim);
        if (o)
            spec_error(b->c, k, key,
                       "parameter '%s' fixes the shape of output '%s' (its dimension '%s'), so it cannot be in %s: "
                       "put it under fixed:, and use separate sweeps for other values",
                       p->name, o->name, dim->name, section);
        else
            spec_error(b->c, k, key, "parameter '%s' fixes the shape of an output, so it cannot be in %s: put it "
                       "under fixed:", p->name, section);
        return false;
    }
    return true;
}

/* Reads every axis of a grid: or zip: mapping into axes[] (sized map->n by the caller); returns the count read. */
static size_t read_axes(sweep_builder *b, const ynode *map, const char *section, bool unique, sw_axis *axes) {
    size_t count = 0;
    const sw_experiment *e = b->s->exp;
    for (size_t i = 0; i < map->n; i++) {
        const ynode *k = map->items[2 * i], *v = map->items[2 * i + 1];
        int idx = param_of_key(b, k, section);
        if (idx < 0) continue;
        char key[KEY_TEXT];
        spec_key(key, sizeof key, "%s.%s", section, k->text);
        if (!sweepable(b, &e->params[idx], k, key, section)) {
            fail(b);
            continue;
        }
        sw_axis axis;
        if (spec_read_axis(b->c, e, idx, v, key, section, unique, &axis)) {
            axes[count++] = axis;
        } else {
            free(axis.values);
            fail(b);
        }
    }
    return count;
}

static void read_grid(sweep_builder *b) {
    const ynode *map = section_map(b, "grid");
    if (!map || map->n == 0) return;
    b->s->grid = calloc(map->n, sizeof *b->s->grid);
    if (!b->s->grid) {
        b->c->oom = true;
        return;
    }
    b->s->n_grid = read_axes(b, map, "grid", true, b->s->grid);
}

/* zip: in each group all lists have one length, and no two rows (tuples of values) are equal. A group is the zip
 * axes [first, first + count) of the sweep. */
typedef struct zip_group_ref {
    size_t first, count;
    const char *section; /* "zip", or "zip[1]" for the second of several groups */
} zip_group_ref;

typedef struct zip_dup_ctx {
    sweep_builder *b;
    const ynode *at;
    zip_group_ref grp;
} zip_dup_ctx;

static void describe_zip_row(const sw_sweep *s, zip_group_ref grp, size_t row, char *buf, size_t size) {
    size_t used = 0;
    if (size > 0) buf[0] = '\0';
    for (size_t z = grp.first; z < grp.first + grp.count && used < size; z++) {
        const sw_param *p = &s->exp->params[s->zip[z].param];
        char v[VALUE_TEXT];
        int w = snprintf(buf + used, size - used, "%s%s = %s", z > grp.first ? ", " : "", p->name,
                         sw_value_format(p, &s->zip[z].values[row], v, sizeof v));
        if (w < 0) break;
        used += (size_t)w;
    }
}

static void report_zip_duplicate(void *ctx, size_t earlier, size_t later) {
    zip_dup_ctx *d = ctx;
    char row[MESSAGE_TEXT];
    describe_zip_row(d->b->s, d->grp, later, row, sizeof row);
    spec_error(d->b->c, d->at, d->grp.section, "zip rows [%zu] and [%zu] are equal (%s): they would run identical "
               "tasks", earlier, later, row);
}

static bool zip_lengths_agree(sweep_builder *b, const ynode *map, zip_group_ref grp) {
    sw_sweep *s = b->s;
    bool same = true;
    for (size_t z = grp.first + 1; z < grp.first + grp.count; z++) same &= s->zip[z].len == s->zip[grp.first].len;
    if (same) return true;
    char lengths[MESSAGE_TEXT];
    size_t used = 0;
    for (size_t z = grp.first; z < grp.first + grp.count && used < sizeof lengths; z++) {
        int w = snprintf(lengths + used, sizeof lengths - used, "%s%s has %zu", z > grp.first ? ", " : "",
                         s->exp->params[s->zip[z].param].name, s->zip[z].len);
        if (w < 0) break;
        used += (size_t)w;
    }
    spec_error(b->c, map, grp.section, "lists must all have the same length, but %s", lengths);
    return false;
}

static void check_zip_rows(sweep_builder *b, const ynode *map, zip_group_ref grp, size_t rows) {
    sw_sweep *s = b->s;
    uint64_t(*keys)[2] = malloc(rows * sizeof *keys);
    if (!keys) {
        b->c->oom = true;
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        sw_hash h;
        sw_hash_init(&h);
        for (size_t z = grp.first; z < grp.first + grp.count; z++)
            spec_hash_value(&h, &s->exp->params[s->zip[z].param], &s->zip[z].values[r]);
        sw_hash_final(&h, keys[r]);
    }
    zip_dup_ctx d = {b, map, grp};
    if (spec_find_duplicates((const uint64_t(*)[2])keys, rows, report_zip_duplicate, &d, SPEC_MAX_CHECK_REPORTS,
                             &b->c->oom) > 0)
        fail(b);
    free(keys);
}

/* Reads one zip group (a mapping of parameters to lists) as group g, appending its axes to s->zip. */
static void read_zip_group(sweep_builder *b, const ynode *map, const char *section, unsigned g) {
    sw_sweep *s = b->s;
    zip_group_ref grp = {.first = s->n_zip, .section = section};
    grp.count = read_axes(b, map, section, false, s->zip + grp.first);
    s->n_zip += grp.count;
    for (size_t z = grp.first; z < s->n_zip; z++) s->zip[z].group = g;
    if (grp.count == 0) return;
    if (!zip_lengths_agree(b, map, grp)) {
        fail(b);
        return;
    }
    s->zip_group_len[g] = s->zip[grp.first].len;
    if (g == 0) s->zip_len = s->zip_group_len[0];
    s->n_zip_groups = g + 1;
    check_zip_rows(b, map, grp, s->zip_group_len[g]);
}

/* zip: as a list of mappings: several groups, each its own task dimension (point1, point2, ...). */
static void read_zip_groups(sweep_builder *b, const ynode *seq) {
    static const char *const sections[SW_MAX_ZIP_GROUPS] = {"zip[0]", "zip[1]", "zip[2]", "zip[3]",
                                                            "zip[4]", "zip[5]", "zip[6]", "zip[7]"};
    if (seq->n > SW_MAX_ZIP_GROUPS) {
        spec_error(b->c, seq, "zip", "at most %d zip groups are allowed, got %zu", SW_MAX_ZIP_GROUPS, seq->n);
        fail(b);
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i < seq->n; i++) total += seq->items[i]->kind == YNODE_MAP ? seq->items[i]->n : 0;
    b->s->zip = calloc(total + 1, sizeof *b->s->zip);
    if (!b->s->zip) {
        b->c->oom = true;
        return;
    }
    for (size_t i = 0; i < seq->n; i++) {
        const ynode *item = seq->items[i];
        if (item->kind != YNODE_MAP || item->n == 0) {
            char got[VALUE_TEXT];
            spec_error(b->c, item, sections[i], "expected a zip group: a mapping of parameter names to lists of "
                       "equal length, got %s", spec_got(item, got, sizeof got));
            fail(b);
            continue;
        }
        read_zip_group(b, item, sections[i], (unsigned)i);
    }
}

static void read_zip(sweep_builder *b) {
    const ynode *n = ymap_get(b->root, "zip");
    if (n && n->kind == YNODE_SEQ) {
        read_zip_groups(b, n);
        return;
    }
    const ynode *map = section_map(b, "zip");
    if (!map || map->n == 0) return;
    b->s->zip = calloc(map->n, sizeof *b->s->zip);
    if (!b->s->zip) {
        b->c->oom = true;
        return;
    }
    read_zip_group(b, map, "zip", 0);
}

/* ---- where: ---- */
/* The column of byte `at` of a scalar's text, when the text is written on one line as it reads (plain, or quoted
 * without escapes); else the scalar's own column. */
static int text_column(const spec_ctx *c, const ynode *n, size_t at) {
    const char *raw = c->src + n->begin;
    size_t len = n->end - n->begin, tl = strlen(n->text);
    if (len == tl && memcmp(raw, n->text, tl) == 0) return n->col + (int)at;
    if (len == tl + 2 && (raw[0] == '"' || raw[0] == '\'') && memcmp(raw + 1, n->text, tl) == 0)
        return n->col + 1 + (int)at;
    return n->col;
}

static void read_where(sweep_builder *b) {
    const ynode *n = ymap_get(b->root, "where");
    if (!n) return;
    if (n->kind != YNODE_SCALAR || n->scalar == YS_NULL) {
        char got[VALUE_TEXT];
        spec_error(b->c, n, "where", "expected a condition over the parameters, such as where: \"i <= j\", got %s",
                   spec_got(n, got, sizeof got));
        fail(b);
        return;
    }
    size_t at = 0;
    char msg[MESSAGE_TEXT];
    bool oom = false;
    b->s->where = spec_where_parse(n->text, b->s->exp, &at, msg, sizeof msg, &oom);
    b->c->oom |= oom;
    if (b->s->where || oom) return;
    spec_error_at(b->c, n->line, text_column(b->c, n, at), "where", n->text, "%s (at character %zu of the "
                  "expression)", msg, at + 1);
    fail(b);
}

/* Counts the tasks where: excludes (the replicates of a parameter combination share its fate). */
static void count_excluded(sweep_builder *b) {
    sw_sweep *s = b->s;
    if (!s->where) return;
    uint64_t reps = (uint64_t)s->replicates, combos = s->n_tasks / reps, kept = 0;
    const char *key;
    const ynode *at = sweep_anchor(b, &key);
    if (combos > SPEC_MAX_WHERE_COMBOS) {
        spec_error_at(b->c, at->line, at->col, key, NULL, "where: can filter at most %llu parameter combinations, "
                      "and this sweep has %llu: split it into smaller sweeps", SPEC_MAX_WHERE_COMBOS,
                      (unsigned long long)combos);
        fail(b);
        return;
    }
    sw_value *param = calloc(s->exp->n_params + 1, sizeof *param);
    if (!param) {
        b->c->oom = true;
        return;
    }
    for (uint64_t t = 0; t < combos; t++) {
        sw_sweep_task(s, t * reps, param, NULL);
        kept += sw_sweep_task_included(s, param);
    }
    free(param);
    s->n_excluded = (combos - kept) * reps;
    if (kept == 0) {
        const ynode *w = ymap_get(b->root, "where");
        spec_error(b->c, w, "where", "the condition excludes every task of the sweep: nothing would be run");
        fail(b);
    }
}

/* ---- size ---- */
static bool count_tasks(sweep_builder *b) {
    sw_sweep *s = b->s;
    uint64_t n = 1;
    bool overflow = false;
    char desc[MESSAGE_TEXT] = "";
    size_t used = 0;
    for (size_t d = 0; d < s->n_dims; d++) {
        uint64_t len = s->dims[d].len;
        if (len != 0 && n > UINT64_MAX / len) overflow = true;
        else n *= len;
        int w = snprintf(desc + used, sizeof desc - used, "%s%s %llu", d ? " x " : "", s->dims[d].name,
                         (unsigned long long)len);
        if (w > 0 && (size_t)w < sizeof desc - used) used += (size_t)w;
    }
    if (!overflow && n <= b->c->max_tasks) {
        s->n_tasks = n;
        return true;
    }
    const char *key;
    const ynode *at = sweep_anchor(b, &key);
    char count[40];
    if (overflow) snprintf(count, sizeof count, "more than 2^64");
    else snprintf(count, sizeof count, "%llu", (unsigned long long)n);
    spec_error_at(b->c, at->line, at->col, key, count,
                  "the sweep has %s tasks (%s), more than the limit of %llu tasks per sweep", count, desc,
                  (unsigned long long)b->c->max_tasks);
    return false;
}

/* ---- the experiment's cross-parameter check ---- */
static void describe_swept(const sw_sweep *s, const sw_value *param, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_grid + s->n_zip && used < size; i++) {
        int k = i < s->n_grid ? s->grid[i].param : s->zip[i - s->n_grid].param;
        const sw_param *p = &s->exp->params[k];
        char v[VALUE_TEXT];
        int w = snprintf(buf + used, size - used, "%s%s = %s", used ? ", " : "", p->name,
                         sw_value_format(p, &param[k], v, sizeof v));
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* Runs check on the task with per-dimension indices idx; reports the first SPEC_MAX_CHECK_REPORTS failures. */
static void check_one(sweep_builder *b, const uint64_t *idx, sw_value *param, size_t *failures) {
    const sw_sweep *s = b->s;
    spec_fill_params(s, idx, param);
    if (!sw_sweep_task_included(s, param)) return; /* where: excludes it: it never runs */
    char msg[MESSAGE_TEXT] = "";
    if (s->exp->check(param, msg, sizeof msg)) return;
    if ((*failures)++ >= SPEC_MAX_CHECK_REPORTS) return;
    uint64_t task = 0;
    for (size_t d = 0; d < s->n_dims; d++) task = task * s->dims[d].len + idx[d];
    const char *key;
    const ynode *at = sweep_anchor(b, &key);
    char swept[MESSAGE_TEXT];
    describe_swept(s, param, swept, sizeof swept);
    if (swept[0])
        spec_error_at(b->c, at->line, at->col, key, swept, "task %llu (%s) is rejected by experiment '%s': %s",
                      (unsigned long long)task, swept, s->exp->name, msg[0] ? msg : "no reason given");
    else
        spec_error_at(b->c, at->line, at->col, key, NULL, "the parameters are rejected by experiment '%s': %s",
                      s->exp->name, msg[0] ? msg : "no reason given");
}

/* Every parameter combination when there are at most SPEC_MAX_CHECKED_TASKS, else the corners of the grid (first
 * and last value of every dimension): constraints are usually monotone, so corners catch most violations. */
static void run_checks(sweep_builder *b) {
    const sw_sweep *s = b->s;
    if (!s->exp->check) return;
    size_t n_axes = s->n_dims - (b->has_replicates ? 1 : 0); /* the replicate never changes parameters */
    uint64_t combos = s->n_tasks / (uint64_t)s->replicates;
    uint64_t *idx = calloc(s->n_dims + 1, sizeof *idx);
    sw_value *param = calloc(s->exp->n_params + 1, sizeof *param);
    if (!idx || !param) {
        b->c->oom = true;
        free(idx);
        free(param);
        return;
    }
    size_t failures = 0;
    if (combos <= SPEC_MAX_CHECKED_TASKS) {
        for (uint64_t t = 0; t < combos; t++) {
            uint64_t rest = t;
            for (size_t d = n_axes; d-- > 0;) {
                idx[d] = rest % s->dims[d].len;
                rest /= s->dims[d].len;
            }
            check_one(b, idx, param, &failures);
        }
    } else {
        size_t bits = n_axes < 20 ? n_axes : 20;
        for (uint64_t mask = 0; mask < (1ULL << bits); mask++) {
            bool redundant = false;
            for (size_t d = 0; d < n_axes; d++) {
                bool last = d < bits && ((mask >> d) & 1);
                redundant |= last && s->dims[d].len == 1;
                idx[d] = last ? s->dims[d].len - 1 : 0;
            }
            if (!redundant) check_one(b, idx, param, &failures);
        }
    }
    if (failures > SPEC_MAX_CHECK_REPORTS) {
        const char *key;
        const ynode *at = sweep_anchor(b, &key);
        spec_error_at(b->c, at->line, at->col, key, NULL,
                      "%zu parameter combinations in all are rejected by experiment '%s' (only the first %d are "
                      "listed)",
                      failures, s->exp->name, SPEC_MAX_CHECK_REPORTS);
    }
    if (failures > 0) fail(b);
    free(idx);
    free(param);
}

/* ---- the document ---- */
static bool root_is_mapping(sweep_builder *b) {
    const ydoc *doc = b->doc;
    if (!doc->root) {
        spec_error_at(b->c, doc->line, doc->col, NULL, NULL,
                      "empty document: no sweep in it (a sweep needs at least the keys sweep: and experiment:)");
        return false;
    }
    if (doc->root->kind != YNODE_MAP) {
        char got[VALUE_TEXT], names[NAMES_TEXT];
        if (doc->root->kind == YNODE_SCALAR && doc->root->scalar == YS_NULL)
            spec_error_at(b->c, doc->line, doc->col, NULL, NULL, "empty document: no sweep in it");
        else
            spec_error(b->c, doc->root, NULL, "a sweep is a mapping with the keys %s; got %s",
                       spec_join(top_keys, N_TOP_KEYS, names, sizeof names), spec_got(doc->root, got, sizeof got));
        return false;
    }
    return true;
}

static void keep_provenance(sweep_builder *b) {
    sw_sweep *s = b->s;
    const ydoc *doc = b->doc;
    s->file = strdup(b->c->file);
    s->line = b->root->n ? b->root->items[0]->line : doc->line;
    size_t end = doc->end > doc->begin ? doc->end : b->c->src_len;
    s->text = malloc(end - doc->begin + 1);
    if (!s->file || !s->text) {
        b->c->oom = true;
        return;
    }
    memcpy(s->text, b->c->src + doc->begin, end - doc->begin);
    s->text[end - doc->begin] = '\0';
}

static void read_parameters(sweep_builder *b) {
    const sw_experiment *e = b->s->exp;
    b->s->base = calloc(e->n_params + 1, sizeof *b->s->base);
    b->section_of = calloc(e->n_params + 1, sizeof *b->section_of);
    b->given_at = calloc(e->n_params + 1, sizeof *b->given_at);
    if (!b->s->base || !b->section_of || !b->given_at) {
        b->c->oom = true;
        fail(b);
        return;
    }
    sw_param_defaults(e, b->s->base);
    read_fixed(b);
    read_grid(b);
    read_zip(b);
    read_where(b);
}

/* Without a known experiment the parameters cannot be checked: say so for each section that names them, so the user
 * knows that fixing the experiment may reveal more problems. */
static void note_unchecked(sweep_builder *b) {
    static const char *const sections[] = {"fixed", "grid", "zip", "where"};
    for (size_t k = 0; k < b->root->n; k++) {
        const ynode *kn = b->root->items[2 * k];
        for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
            if (strcmp(kn->text, sections[i]) == 0)
                sw_diag_note(b->c->diag, b->c->file, kn->line, kn->col, kn->text,
                             "not checked: %s: names parameters of the experiment, which is %s", kn->text,
                             ymap_get(b->root, "experiment") ? "not a valid one" : "missing");
    }
}

bool spec_build_sweep(spec_ctx *c, const ydoc *doc, sw_sweep *s, const ynode **name_at) {
    *s = (sw_sweep){0};
    *name_at = NULL;
    sweep_builder b = {.c = c, .doc = doc, .root = doc->root, .s = s, .ok = true};
    if (!root_is_mapping(&b)) return false;
    check_top_keys(&b);
    read_name(&b, name_at);
    read_plugin(&b);
    read_experiment(&b);
    read_seed(&b);
    read_replicates(&b);
    read_description(&b);
    if (s->exp) read_parameters(&b);
    else note_unchecked(&b);
    if (b.ok && !c->oom) {
        if (spec_make_dims(s, b.has_replicates)) b.ok = count_tasks(&b);
        else c->oom = true;
    }
    if (b.ok && !c->oom) count_excluded(&b);
    if (b.ok && !c->oom) run_checks(&b);
    if (b.ok && !c->oom) {
        keep_provenance(&b);
        spec_sweep_hash(s, b.has_replicates);
    }
    free(b.section_of);
    free(b.given_at);
    return b.ok && !c->oom;
}
