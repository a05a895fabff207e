/* cmd_status.c: `mpisweep status FILE`. */
#include <stdio.h>

#include "app.h"

static void print_summary(const sw_sweep_summary *s) {
    uint64_t failed = 0;
    for (int c = 0; c < SW_OUTCOME_COUNT; c++) failed += sw_outcome_is_failure(c) ? s->count[c] : 0;
    printf("sweep %s (experiment %s): %llu tasks: %llu done, %llu pending, %llu failed, %llu skipped; %.3f s of "
           "task time\n", s->name, s->experiment, (unsigned long long)s->n_tasks,
           (unsigned long long)s->count[SW_TASK_OK], (unsigned long long)s->count[SW_TASK_PENDING],
           (unsigned long long)failed, (unsigned long long)s->count[SW_TASK_SKIPPED], s->seconds);
    if (s->plugin) printf("  plugin: %s (content hash %s)\n", s->plugin, s->plugin_hash ? s->plugin_hash : "?");
    if (s->count[SW_TASK_EXCLUDED])
        printf("  excluded by where: %llu (never run)\n", (unsigned long long)s->count[SW_TASK_EXCLUDED]);
    for (int c = 0; c < SW_OUTCOME_COUNT; c++)
        if (sw_outcome_is_failure(c) && s->count[c])
            printf("  %s: %llu\n", sw_outcome_name(c), (unsigned long long)s->count[c]);
    if (s->n_messages) printf("  failures (first %zu):\n", s->n_messages);
    for (size_t k = 0; k < s->n_messages && k < 20; k++) printf("    %s\n", s->messages[k]);
    if (s->n_messages > 20) printf("    ... %zu more in the group's failures/ datasets\n", s->n_messages - 20);
    if (s->history) printf("  history:\n    %s\n", s->history);
}

int sw_cmd_status(const char *path) {
    sw_sweep_summary *s = NULL;
    size_t n = 0;
    sw_status st = sw_store_summarise(path, &s, &n);
    if (st != SW_OK) {
        sw_report_error(st, 0, 1);
        return sw_status_exit_code(st);
    }
    uint64_t pending = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        print_summary(&s[i]);
        pending += s[i].count[SW_TASK_PENDING] + s[i].count[SW_TASK_SKIPPED];
        for (int c = 0; c < SW_OUTCOME_COUNT; c++) failed += sw_outcome_is_failure(c) ? s[i].count[c] : 0;
    }
    printf("%s: %s\n", path, pending ? "incomplete (resume with mpisweep run SPEC --resume -o FILE)"
                              : failed ? "complete, with failed tasks" : "complete");
    sw_store_free_summaries(&s, n);
    return pending ? SW_EXIT_INTERRUPTED : failed ? SW_EXIT_TASKS_FAILED : SW_EXIT_DONE;
}
