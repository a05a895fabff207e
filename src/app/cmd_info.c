/* cmd_info.c: plan, experiments and describe: everything printed here is generated from the registry's schemas. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

sw_status sw_load_specs(const sw_cli *cli, sw_spec **spec) {
    sw_diag diag = {0};
    sw_spec_limits limits = {.max_tasks = cli->max_tasks};
    sw_status s = sw_spec_load_files(cli->specs, (size_t)cli->n_specs, &limits, spec, &diag);
    if (s == SW_ERR_SPEC) {
        sw_diag_print(&diag, stderr);
        size_t problems = sw_diag_problems(&diag);
        fprintf(stderr, "mpisweep: %zu problem%s found; nothing was run or written\n", problems,
                problems == 1 ? "" : "s");
        sw_error_clear();
    }
    sw_diag_clear(&diag);
    return s;
}

static const char *type_name(const sw_param *p) {
    switch (p->type) {
    case SW_INT: return "integer";
    case SW_REAL: return "real";
    case SW_CHOICE: return "choice";
    case SW_REAL_LIST: return "list of reals";
    }
    return "?";
}

static void format_bound(double v, char *buf, size_t n) {
    if (isinf(v)) snprintf(buf, n, "%s", v > 0 ? "inf" : "-inf");
    else snprintf(buf, n, "%.10g", v);
}

static void print_param(const sw_param *p) {
    char lo[32], hi[32], def[512];
    sw_value v = {0};
    if (p->type == SW_REAL) v.real = p->def;
    else if (p->type == SW_REAL_LIST) {
        v.list = p->def_list;
        v.len = p->def_len;
    } else v.integer = (int64_t)p->def;
    sw_value_format(p, &v, def, sizeof def);
    printf("  %-16s %-13s", p->name, type_name(p));
    if (p->type == SW_CHOICE) {
        printf(" one of:");
        for (const char *const *c = p->choices; *c; c++) printf(" %s", *c);
    } else {
        format_bound(p->min, lo, sizeof lo);
        format_bound(p->max, hi, sizeof hi);
        printf(" %s%s, %s%s", p->min_open ? "(" : "[", lo, hi, p->max_open ? ")" : "]");
        if (p->type == SW_REAL_LIST) printf(", length %zu..%zu", p->min_len, p->max_len);
    }
    printf("  default %s  unit %s%s\n      %s\n", def, p->unit, p->shape ? "  [fixes an output shape]" : "", p->help);
}

static void print_output(const sw_experiment *e, const sw_output *o) {
    char shape[160] = "scalar";
    if (o->ndims > 0) {
        size_t used = (size_t)snprintf(shape, sizeof shape, "[");
        for (int d = 0; d < o->ndims; d++) {
            const sw_dim *dim = &o->dims[d];
            if (dim->param)
                used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%s=%s%s", d ? ", " : "", dim->name,
                                         dim->param, dim->offset ? (dim->offset > 0 ? "+1" : "-1") : "");
            else
                used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%s=%lld", d ? ", " : "", dim->name,
                                         (long long)dim->extent);
        }
        snprintf(shape + used, sizeof shape - used, "]");
    }
    (void)e;
    printf("  %-24s %-22s unit %-6s %s\n", o->name, shape, o->unit, o->help);
}

/* --plugin LIB.so: a path, or a bare name searched in the working directory and MPISWEEP_PLUGIN_PATH. */
static bool load_plugin_option(const char *name, const sw_plugin **plugin) {
    char path[8192], why[1024];
    *plugin = NULL;
    if (!name) return true;
    if (!sw_plugin_resolve(name, NULL, path, sizeof path)) {
        fprintf(stderr, "mpisweep: error: --plugin %s: plugin not found: looked for %s\n", name, path);
        return false;
    }
    if (!(*plugin = sw_plugin_load(path, why, sizeof why))) fprintf(stderr, "mpisweep: error: --plugin: %s\n", why);
    return *plugin != NULL;
}

int sw_cmd_describe(const char *name, const char *plugin_name) {
    const sw_plugin *plugin;
    if (!load_plugin_option(plugin_name, &plugin)) return SW_EXIT_USAGE;
    const sw_experiment *e = sw_plugin_find(plugin, name);
    if (!e) {
        fprintf(stderr, "mpisweep: error: unknown experiment '%s'; known:", name);
        for (const sw_experiment *const *x = sw_registry; *x; x++) fprintf(stderr, " %s", (*x)->name);
        for (const sw_experiment *const *x = plugin ? plugin->table->experiments : NULL; x && *x; x++)
            fprintf(stderr, " %s", (*x)->name);
        fprintf(stderr, "%s\n", plugin ? "" : " (experiments of a plugin: describe NAME --plugin LIB.so)");
        return SW_EXIT_USAGE;
    }
    printf("%s: %s\narticle: %s\ncode version: %u (recorded in each sweep as experiment_version)\n\nparameters:\n",
           e->name, e->summary, e->article, e->version);
    for (size_t i = 0; i < e->n_params; i++) print_param(&e->params[i]);
    printf("\noutputs (each over the sweep's task dimensions, then its own shape):\n");
    for (size_t i = 0; i < e->n_outputs; i++) print_output(e, &e->outputs[i]);
    return SW_EXIT_DONE;
}

int sw_cmd_experiments(const char *plugin_name) {
    const sw_plugin *plugin;
    if (!load_plugin_option(plugin_name, &plugin)) return SW_EXIT_USAGE;
    for (const sw_experiment *const *x = sw_registry; *x; x++)
        printf("%-20s %s\n%-20s article: %s\n", (*x)->name, (*x)->summary, "", (*x)->article);
    if (plugin) printf("\nPlugin %s (%s, content hash %s):\n", plugin->table->name, plugin->path, plugin->hash);
    for (const sw_experiment *const *x = plugin ? plugin->table->experiments : NULL; x && *x; x++)
        printf("%-20s %s\n%-20s article: %s\n", (*x)->name, (*x)->summary, "", (*x)->article);
    return SW_EXIT_DONE;
}

static void print_task(const sw_sweep *sw, uint64_t t, sw_value *param) {
    uint64_t rep;
    char buf[512];
    sw_sweep_task(sw, t, param, &rep);
    printf("    task %llu:", (unsigned long long)t);
    for (size_t d = 0; d < sw->n_grid; d++) {
        const sw_param *p = &sw->exp->params[sw->grid[d].param];
        printf(" %s=%s", p->name, sw_value_format(p, &param[sw->grid[d].param], buf, sizeof buf));
    }
    for (size_t z = 0; z < sw->n_zip; z++) { /* in group order: the order of their dimensions */
        const sw_param *p = &sw->exp->params[sw->zip[z].param];
        printf(" %s=%s", p->name, sw_value_format(p, &param[sw->zip[z].param], buf, sizeof buf));
    }
    if (sw->replicates > 1) printf(" replicate=%llu", (unsigned long long)rep);
    printf("\n");
}

static double print_sweep_plan(const sw_sweep *sw, int n_show) {
    const sw_experiment *e = sw->exp;
    printf("sweep %s (%s:%d): experiment %s, seed %llu\n", sw->name, sw->file, sw->line, e->name,
           (unsigned long long)sw->seed);
    if (sw->plugin) printf("  plugin: %s (content hash %s)\n", sw->plugin->path, sw->plugin->hash);
    printf("  dimensions:");
    for (size_t d = 0; d < sw->n_dims; d++) printf(" %s=%llu", sw->dims[d].name, (unsigned long long)sw->dims[d].len);
    if (sw->n_dims == 0) printf(" (none: one task)");
    printf("\n  tasks: %llu", (unsigned long long)sw->n_tasks);
    if (sw->where)
        printf(" (%llu excluded by where:, %llu to run)", (unsigned long long)sw->n_excluded,
               (unsigned long long)(sw->n_tasks - sw->n_excluded));
    printf("\n  outputs:\n");
    double total = (double)SW_STORE_TASK_BYTES * (double)sw->n_tasks; /* task_status, task_seconds, task_rank */
    for (size_t o = 0; o < e->n_outputs; o++) {
        const sw_output *out = &e->outputs[o];
        size_t per = sw_output_count(e, out, sw->base);
        double bytes = 8.0 * (double)per * (double)sw->n_tasks;
        total += bytes;
        printf("    %-24s [", out->name);
        for (size_t d = 0; d < sw->n_dims; d++) printf("%s%llu", d ? ", " : "", (unsigned long long)sw->dims[d].len);
        for (int d = 0; d < out->ndims; d++)
            printf("%s%lld", sw->n_dims || d ? ", " : "", (long long)sw_dim_extent(e, &out->dims[d], sw->base));
        printf("] float64, %.4g bytes\n", bytes);
    }
    printf("  file size (results and bookkeeping): about %.4g bytes\n", total);
    sw_value *param = calloc(e->n_params, sizeof *param);
    uint64_t shown = sw->n_tasks < (uint64_t)n_show ? sw->n_tasks : (uint64_t)n_show;
    if (param && shown) printf("  first tasks:\n");
    for (uint64_t t = 0; param && t < shown; t++) print_task(sw, t, param);
    free(param);
    return total;
}

int sw_cmd_plan(const sw_cli *cli) {
    sw_spec *spec = NULL;
    sw_status s = sw_load_specs(cli, &spec);
    if (s != SW_OK) {
        sw_report_error(s, 0, 1);
        return sw_status_exit_code(s);
    }
    double total = 0;
    uint64_t tasks = 0;
    for (size_t i = 0; i < spec->n_sweeps; i++) {
        total += print_sweep_plan(&spec->sweeps[i], cli->plan_tasks);
        tasks += spec->sweeps[i].n_tasks;
        printf("\n");
    }
    printf("%zu sweep%s, %llu tasks, about %.4g bytes of results\n", spec->n_sweeps, spec->n_sweeps == 1 ? "" : "s",
           (unsigned long long)tasks, total);
    sw_spec_free(&spec);
    return SW_EXIT_DONE;
}
