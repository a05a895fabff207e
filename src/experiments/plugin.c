/* plugin.c: experiments from shared libraries (plugin.h). The list of loaded plugins is process-wide because
 * dlopen() is: loading the same file twice gives the same handle, and a plugin stays loaded until exit. */
#include "mpisweep/plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpisweep/hash.h"

enum { MAX_PLUGINS = 64 };
static sw_plugin loaded[MAX_PLUGINS];
static size_t n_loaded;

static bool readable(const char *path) { return access(path, R_OK) == 0; }

bool sw_plugin_resolve(const char *name, const char *base_dir, char *buf, size_t size) {
    const char *dir = base_dir && *base_dir ? base_dir : ".";
    if (name[0] == '/') {
        snprintf(buf, size, "%s", name);
        return readable(buf);
    }
    snprintf(buf, size, "%s/%s", dir, name);
    if (readable(buf)) return true;
    if (strchr(name, '/')) return false;
    const char *path = getenv("MPISWEEP_PLUGIN_PATH");
    for (const char *p = path; p && *p;) {
        size_t len = strcspn(p, ":");
        if (len > 0) {
            snprintf(buf, size, "%.*s/%s", (int)len, p, name);
            if (readable(buf)) return true;
        }
        p += len + (p[len] == ':');
    }
    snprintf(buf, size, "%s/%s and MPISWEEP_PLUGIN_PATH=%s", dir, name, path ? path : "(unset)");
    return false;
}

/* The sw_hash of a file's bytes as 32 hex digits; false when it cannot be read. */
static bool hash_file(const char *path, char hex[33]) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    sw_hash h;
    sw_hash_init(&h);
    char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) sw_hash_bytes(&h, buf, got);
    bool ok = !ferror(f);
    fclose(f);
    uint64_t out[2];
    sw_hash_final(&h, out);
    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)out[1], (unsigned long long)out[0]);
    return ok;
}

static bool valid_experiment_name(const char *s) {
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", *s)) return false;
    return true;
}

/* The schema rules the rest of the runner relies on (test_registry holds the built-ins to more of them). */
static bool check_experiment(const sw_experiment *e, const sw_plugin_table *t, char *why, size_t size) {
    const char *bad = NULL;
    if (!valid_experiment_name(e->name)) bad = "a name made of [a-z0-9_]";
    else if (!e->run) bad = "a run function";
    else if (e->version < 1) bad = "a code version (.version starts at 1)";
    else if (e->n_outputs == 0 || e->n_outputs > SW_MAX_OUTPUTS || !e->outputs) bad = "1 to 64 outputs";
    else if (e->n_params > 0 && !e->params) bad = "its parameter table";
    for (size_t o = 0; !bad && o < e->n_outputs; o++)
        if (!e->outputs[o].name || e->outputs[o].ndims < 0 || e->outputs[o].ndims > SW_MAX_OUTPUT_DIMS)
            bad = "outputs with a name and 0 to 2 dimensions";
    for (size_t p = 0; !bad && p < e->n_params; p++)
        if (!e->params[p].name) bad = "a name for every parameter";
    if (bad) snprintf(why, size, "experiment '%.60s' of plugin '%.60s' lacks %s", e->name ? e->name : "(null)",
                      t->name ? t->name : "?", bad);
    return !bad;
}

static bool check_table(const sw_plugin_table *t, const char *path, char *why, size_t size) {
    if (t->abi_version != SW_PLUGIN_ABI_VERSION) {
        snprintf(why, size, "%s was built for plugin ABI version %u, this mpisweep has version %u: rebuild the "
                 "plugin against this mpisweep's headers", path, t->abi_version, SW_PLUGIN_ABI_VERSION);
        return false;
    }
    if (t->experiment_size != sizeof(sw_experiment) || t->param_size != sizeof(sw_param) ||
        t->output_size != sizeof(sw_output) || t->task_size != sizeof(sw_task)) {
        snprintf(why, size, "%s was built against other mpisweep headers (sizes of sw_experiment, sw_param, "
                 "sw_output, sw_task: %u %u %u %u there, %zu %zu %zu %zu here) although both say plugin ABI "
                 "version %u: rebuild the plugin against this mpisweep's headers", path, t->experiment_size,
                 t->param_size, t->output_size, t->task_size, sizeof(sw_experiment), sizeof(sw_param),
                 sizeof(sw_output), sizeof(sw_task), SW_PLUGIN_ABI_VERSION);
        return false;
    }
    if (!t->experiments || !t->experiments[0]) {
        snprintf(why, size, "%s: its table lists no experiment", path);
        return false;
    }
    for (const sw_experiment *const *e = t->experiments; *e; e++) {
        if (!check_experiment(*e, t, why, size)) return false;
        if (sw_experiment_find((*e)->name)) {
            snprintf(why, size, "%s: duplicate experiment name '%s': a built-in experiment has it", path, (*e)->name);
            return false;
        }
        for (const sw_experiment *const *f = t->experiments; f != e; f++)
            if (strcmp((*f)->name, (*e)->name) == 0) {
                snprintf(why, size, "%s: duplicate experiment name '%s': the plugin lists it twice", path,
                         (*e)->name);
                return false;
            }
    }
    return true;
}

static const sw_plugin *open_plugin(const char *real, char *why, size_t size) {
    sw_plugin p = {0};
    if (!hash_file(real, p.hash)) {
        snprintf(why, size, "%s: cannot read: %s", real, strerror(errno));
        return NULL;
    }
    p.handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!p.handle) {
        snprintf(why, size, "cannot load the plugin: %s", dlerror());
        return NULL;
    }
    sw_plugin_entry_fn entry;
    *(void **)&entry = dlsym(p.handle, SW_PLUGIN_ENTRY_SYMBOL); /* POSIX's way to get a function pointer */
    const sw_plugin_table *t = entry ? entry() : NULL;
    if (!t) {
        snprintf(why, size, "%s: %s: it exports no function " SW_PLUGIN_ENTRY_SYMBOL " returning its table "
                 "(see mpisweep/plugin.h)", real, entry ? "the entry returned NULL" : "missing symbol");
        dlclose(p.handle);
        return NULL;
    }
    p.table = t;
    p.path = strdup(real);
    if (!p.path || n_loaded == MAX_PLUGINS || !check_table(t, real, why, size)) {
        if (!p.path || n_loaded == MAX_PLUGINS) snprintf(why, size, "%s: too many plugins or out of memory", real);
        free(p.path);
        dlclose(p.handle);
        return NULL;
    }
    loaded[n_loaded] = p;
    return &loaded[n_loaded++];
}

const sw_plugin *sw_plugin_load(const char *path, char *why, size_t size) {
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    for (size_t i = 0; i < n_loaded; i++)
        if (strcmp(loaded[i].path, real) == 0) return &loaded[i];
    return open_plugin(real, why, size);
}

const sw_experiment *sw_plugin_find(const sw_plugin *plugin, const char *name) {
    const sw_experiment *e = sw_experiment_find(name);
    for (const sw_experiment *const *x = plugin ? plugin->table->experiments : NULL; !e && x && *x; x++)
        if (strcmp((*x)->name, name) == 0) e = *x;
    return e;
}
