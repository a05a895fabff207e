/* load.c: spec files -> a validated sw_spec (the public entry points of the spec layer). */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

/* A sweep spec is a short text; refusing larger files keeps a mistaken path (a result file, /dev/zero) harmless. */
#define SPEC_MAX_FILE_BYTES (16u << 20)

const sw_experiment *spec_find_experiment(const sw_experiment *const *registry, const char *name) {
    for (const sw_experiment *const *e = registry; *e; e++)
        if (strcmp((*e)->name, name) == 0) return *e;
    return NULL;
}

/* ---- sweep names, unique across every file ---- */
typedef struct seen_name {
    char *name, *file;
    int line, col;
} seen_name;

typedef struct name_table {
    seen_name *names;
    size_t n, cap;
} name_table;

static void name_table_free(name_table *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->names[i].name);
        free(t->names[i].file);
    }
    free(t->names);
}

/* Reports the name if an earlier sweep has it, else remembers it. */
static void check_unique_name(spec_ctx *c, name_table *t, const ynode *at) {
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->names[i].name, at->text) != 0) continue;
        spec_error(c, at, "sweep",
                   "duplicate sweep name '%s': the sweep at %s:%d has it already; names must be unique across all "
                   "spec files (each becomes an HDF5 group)",
                   at->text, t->names[i].file, t->names[i].line);
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        seen_name *p = realloc(t->names, cap * sizeof *p);
        if (!p) {
            c->oom = true;
            return;
        }
        t->names = p;
        t->cap = cap;
    }
    seen_name *s = &t->names[t->n];
    *s = (seen_name){strdup(at->text), strdup(c->file), at->line, at->col};
    if (!s->name || !s->file) {
        free(s->name);
        free(s->file);
        c->oom = true;
        return;
    }
    t->n++;
}

/* ---- the sweeps found so far ---- */
typedef struct sweep_list {
    sw_sweep *sweeps;
    size_t n, cap;
} sweep_list;

static bool sweep_list_push(sweep_list *l, sw_sweep *s) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        sw_sweep *p = realloc(l->sweeps, cap * sizeof *p);
        if (!p) return false;
        l->sweeps = p;
        l->cap = cap;
    }
    l->sweeps[l->n++] = *s;
    return true;
}

static void sweep_list_free(sweep_list *l) {
    for (size_t i = 0; i < l->n; i++) spec_sweep_clear(&l->sweeps[i]);
    free(l->sweeps);
    *l = (sweep_list){0};
}

/* ---- one source ---- */
static void load_source(spec_ctx *c, const spec_source *src, name_table *names, sweep_list *out) {
    size_t first_problem = c->diag->count;
    if (!src->text) {
        sw_diag_add(c->diag, src->name, 0, 0, NULL, NULL, "cannot read the spec file: %s",
                    src->read_errno == EFBIG ? "larger than 16 MiB (a sweep spec is a short text)"
                                             : strerror(src->read_errno));
        return;
    }
    yfile yf;
    bool parse_oom = false;
    bool parsed = yfile_parse(src->text, src->len, src->name, c->diag, &yf, &parse_oom);
    c->oom |= parse_oom;
    if (parsed && yf.n_docs == 0)
        sw_diag_add(c->diag, src->name, 1, 1, NULL, NULL,
                    "no sweep in file: it holds no YAML document (a sweep needs at least the keys sweep: and "
                    "experiment:)");
    for (size_t d = 0; d < yf.n_docs && !c->oom; d++) {
        sw_sweep s;
        const ynode *name_at;
        bool valid = spec_build_sweep(c, &yf.docs[d], &s, &name_at);
        if (name_at) check_unique_name(c, names, name_at);
        if (!valid || !sweep_list_push(out, &s)) {
            if (valid) c->oom = true;
            spec_sweep_clear(&s);
        }
    }
    yfile_free(&yf);
    sw_diag_sort_lines(c->diag, first_problem);
}

/* Numbers are read with strtod and written with printf: under a locale with a decimal comma, "0.5" would read as
 * 0. The spec is parsed in the C locale, for this thread only, whatever the program set. */
static sw_status load_sources_c_locale(const spec_source *sources, size_t n, const sw_spec_limits *limits,
                                       const sw_experiment *const *registry, sw_spec **out, sw_diag *diag);

sw_status spec_load_sources(const spec_source *sources, size_t n, const sw_spec_limits *limits,
                            const sw_experiment *const *registry, sw_spec **out, sw_diag *diag) {
    *out = NULL;
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (!c_locale) return SW_FAIL(SW_ERR_NOMEM, "cannot create the C locale for reading the sweep spec");
    locale_t previous = uselocale(c_locale);
    sw_status st = load_sources_c_locale(sources, n, limits, registry, out, diag);
    uselocale(previous);
    freelocale(c_locale);
    return st;
}

static sw_status load_sources_c_locale(const spec_source *sources, size_t n, const sw_spec_limits *limits,
                                       const sw_experiment *const *registry, sw_spec **out, sw_diag *diag) {
    size_t problems_before = sw_diag_problems(diag);
    spec_ctx c = {.diag = diag, .registry = registry};
    c.max_tasks = limits && limits->max_tasks ? limits->max_tasks : SW_SPEC_DEFAULT_MAX_TASKS;
    if (n == 0) sw_diag_add(diag, "(no spec file)", 0, 0, NULL, NULL, "no spec file was given");
    name_table names = {0};
    sweep_list list = {0};
    for (size_t i = 0; i < n && !c.oom; i++) {
        c.file = sources[i].name;
        c.src = sources[i].text;
        c.src_len = sources[i].len;
        load_source(&c, &sources[i], &names, &list);
    }
    name_table_free(&names);
    size_t problems = sw_diag_problems(diag) - problems_before;
    if (c.oom) {
        sweep_list_free(&list);
        return SW_FAIL(SW_ERR_NOMEM, "cannot allocate memory while reading the sweep spec");
    }
    if (problems > 0) {
        sweep_list_free(&list);
        return SW_FAIL(SW_ERR_SPEC, "%zu problem%s in the sweep spec", problems, problems == 1 ? "" : "s");
    }
    sw_spec *spec = calloc(1, sizeof *spec);
    if (!spec) {
        sweep_list_free(&list);
        return SW_FAIL(SW_ERR_NOMEM, "cannot allocate the sweep spec");
    }
    spec->sweeps = list.sweeps;
    spec->n_sweeps = list.n;
    *out = spec;
    return SW_OK;
}

/* ---- public entry points ---- */
/* Reads a whole file into a NUL-terminated buffer; returns 0 or an errno value. */
static int read_file(const char *path, char **text, size_t *len) {
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno;
    size_t cap = 0, used = 0;
    char *buf = NULL;
    int err = 0;
    for (;;) {
        if (used + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *p = realloc(buf, cap);
            if (!p) {
                err = ENOMEM;
                break;
            }
            buf = p;
        }
        size_t got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (used > SPEC_MAX_FILE_BYTES) {
            err = EFBIG;
            break;
        }
        if (got == 0) {
            if (ferror(f)) err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (err) {
        free(buf);
        return err;
    }
    if (!buf && !(buf = malloc(1))) return ENOMEM;
    buf[used] = '\0';
    *text = buf;
    *len = used;
    return 0;
}

sw_status sw_spec_read_files(const char *const *paths, size_t n_paths, sw_spec_text **out) {
    sw_spec_text *texts = calloc(n_paths + 1, sizeof *texts);
    *out = texts;
    SW_CHECK_ALLOC(texts, "the list of spec files");
    for (size_t i = 0; i < n_paths; i++) {
        char *text = NULL;
        errno = 0;
        int err = read_file(paths[i], &text, &texts[i].len);
        texts[i] = (sw_spec_text){.name = paths[i], .text = text, .len = texts[i].len, .read_errno = err};
    }
    return SW_OK;
}

void sw_spec_texts_free(sw_spec_text **texts, size_t n) {
    for (size_t i = 0; *texts && i < n; i++) free((char *)(*texts)[i].text);
    free(*texts);
    *texts = NULL;
}

sw_status sw_spec_load_texts(const sw_spec_text *texts, size_t n, const sw_spec_limits *limits, sw_spec **out,
                             sw_diag *diag) {
    return spec_load_sources(texts, n, limits, sw_registry, out, diag);
}

sw_status sw_spec_load_files(const char *const *paths, size_t n_paths, const sw_spec_limits *limits,
                             sw_spec **out, sw_diag *diag) {
    sw_spec_text *texts = NULL;
    sw_status st = sw_spec_read_files(paths, n_paths, &texts);
    if (st != SW_OK) {
        *out = NULL;
        return st;
    }
    st = sw_spec_load_texts(texts, n_paths, limits, out, diag);
    sw_spec_texts_free(&texts, n_paths);
    return st;
}

sw_status sw_spec_load_string(const char *text, size_t len, const char *filename, const sw_spec_limits *limits,
                              sw_spec **out, sw_diag *diag) {
    spec_source src = {.name = filename ? filename : "<string>", .text = text ? text : "", .len = text ? len : 0};
    return spec_load_sources(&src, 1, limits, sw_registry, out, diag);
}
