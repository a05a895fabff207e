/* bad_plugin.c: a small plugin that test_plugin.sh compiles into good and broken variants:
 *   -DABI=N           a table with another ABI version
 *   -DSIZES           a table whose struct sizes differ from the host's under the same ABI version
 *   -DNO_ENTRY        the entry function under another name (a missing symbol)
 *   -DNAME2='"noop"'  an experiment named like a built-in; -DNAME2='"extra_one"' a name listed twice */
#include <mpisweep/plugin.h>

#ifdef ABI /* SW_PLUGIN_TABLE then writes this version */
#undef SW_PLUGIN_ABI_VERSION
#define SW_PLUGIN_ABI_VERSION ABI
#endif
#ifndef NAME2
#define NAME2 "extra_two"
#endif

static const sw_param params[] = {
    {.name = "x", .type = SW_REAL, .min = 0, .max = 10, .def = 1, .unit = "1", .help = "echoed as y"},
};
static const sw_output outputs[] = {{.name = "y", .unit = "1", .help = "the parameter x"}};

static sw_outcome echo(const sw_task *t) {
    t->out[0][0] = t->param[0].real;
    return SW_TASK_OK;
}

static const sw_experiment one = {.name = "extra_one", .summary = "echo", .article = "none", .version = 1,
                                  .params = params, .n_params = 1, .outputs = outputs, .n_outputs = 1, .run = echo};
static const sw_experiment two = {.name = NAME2, .summary = "echo", .article = "none", .version = 1,
                                  .params = params, .n_params = 1, .outputs = outputs, .n_outputs = 1, .run = echo};
static const sw_experiment *const list[] = {&one, &two, NULL};
#ifdef SIZES /* the table of headers whose sw_experiment had one field more, but the same ABI version */
static const sw_plugin_table table = {SW_PLUGIN_ABI_VERSION, sizeof(sw_experiment) + 8, sizeof(sw_param), sizeof(sw_output),
                                      sizeof(sw_task), "extra", list};
#else
static const sw_plugin_table table = SW_PLUGIN_TABLE("extra", list);
#endif

#ifdef NO_ENTRY
SW_PLUGIN_EXPORT const sw_plugin_table *plugin_table(void) { return &table; }
#else
SW_PLUGIN_EXPORT const sw_plugin_table *sw_plugin_entry(void) { return &table; }
#endif
