/* plugin.h: experiments from a shared library (a "C plugin"), loaded by a spec's top-level `plugin:` key or by
 * `mpisweep describe --plugin`.
 *
 * Writing a plugin: define your sw_experiment structs as the built-in ones are (experiment.h), list them in a
 * NULL-terminated array, and export one function, the entry symbol:
 *
 *     static const sw_experiment *const mine[] = {&my_exp, NULL};
 *     static const sw_plugin_table table = SW_PLUGIN_TABLE("mine", mine);
 *     SW_PLUGIN_EXPORT const sw_plugin_table *sw_plugin_entry(void) { return &table; }
 *
 * Build it as a shared library against the installed headers, linking mpisweep::core (CMake) or
 * `pkg-config --libs mpisweep` for the helpers it calls (sw_rng_*, sw_task_fail, sw_output_count). Link the core
 * library with -Wl,--exclude-libs,ALL (examples/plugin does) so that the plugin exports its entry symbol alone: the
 * host binary does not export its own symbols (no -rdynamic), so the plugin's private copy of the core is what it
 * calls, and no copy of the registry is ever made (the registry is not in the core library).
 *
 * The host checks, before anything is created: the file exists, dlopen() succeeds, the entry symbol exists, the
 * table's abi_version equals the host's SW_PLUGIN_ABI_VERSION, every experiment has a valid name, a code version,
 * a run function and at most SW_MAX_OUTPUTS outputs, and no name repeats a built-in or another experiment of the
 * plugin.
 * A plugin is never unloaded: compute threads and sweeps hold pointers into it until the process ends.
 */
#ifndef SW_PLUGIN_H
#define SW_PLUGIN_H

#include <stdint.h>

#include "mpisweep/experiment.h"

/* Bumped whenever sw_experiment, sw_param, sw_output, sw_task or sw_plugin_table change layout or meaning. */
#define SW_PLUGIN_ABI_VERSION 1u
/* The name of the function every plugin exports (type sw_plugin_entry_fn). */
#define SW_PLUGIN_ENTRY_SYMBOL "sw_plugin_entry"
/* Marks the entry function as exported even when the plugin is built with -fvisibility=hidden. */
#define SW_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef struct sw_plugin_table {
    uint32_t abi_version;                    /* SW_PLUGIN_ABI_VERSION as the plugin was compiled (stays first) */
    /* sizeof the shared structs as the plugin was compiled: a safety net for a layout change whose ABI bump was
     * forgotten (the host compares them with its own). */
    uint32_t experiment_size, param_size, output_size, task_size;
    const char *name;                        /* the plugin's name, for messages */
    const sw_experiment *const *experiments; /* NULL-terminated; static storage, never freed */
} sw_plugin_table;

/* The table's initialiser: SW_PLUGIN_TABLE("mine", list) fills in the version and sizes of these headers. */
#define SW_PLUGIN_TABLE(plugin_name, experiment_list)                                                        \
    {SW_PLUGIN_ABI_VERSION, sizeof(sw_experiment), sizeof(sw_param), sizeof(sw_output), sizeof(sw_task),        \
     (plugin_name), (experiment_list)}

typedef const sw_plugin_table *(*sw_plugin_entry_fn)(void);

/* ---- the host side (the runner; a plugin does not call these) ---- */

/* A loaded plugin. Owned by the process-wide list of loaded plugins; valid until the process ends. */
typedef struct sw_plugin {
    char *path;                              /* the file as resolved (absolute) */
    char hash[33];                           /* sw_hash of the file's bytes, 32 hex digits */
    const sw_plugin_table *table;
    void *handle;
} sw_plugin;

/* Resolves `name` to a file: an absolute path as is; a name with a '/' relative to `base_dir` (the spec file's
 * directory; NULL: the working directory); a bare file name in base_dir, then in each directory of the
 * MPISWEEP_PLUGIN_PATH environment variable (':'-separated). Writes the path found into buf. Returns true when
 * a readable file was found; otherwise false with the places looked in written to buf. Not collective. */
bool sw_plugin_resolve(const char *name, const char *base_dir, char *buf, size_t size);

/* Loads the plugin at `path` (resolved already) or returns the one loaded from it before (same path). On a
 * problem returns NULL with a one-line reason in why (the file, dlerror(), the missing symbol, both ABI versions,
 * the duplicate name). Thread-unsafe: call it from the main thread. Not collective, but every rank of a run must
 * load the same plugins (the runner loads them while every rank validates the spec). */
const sw_plugin *sw_plugin_load(const char *path, char *why, size_t why_size);

/* The experiment called name among the built-ins, then plugin's (plugin may be NULL). Not collective. */
const sw_experiment *sw_plugin_find(const sw_plugin *plugin, const char *name);

#endif
