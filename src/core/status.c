/* status.c: status table lookups and the per-thread error record. */
#include "mpisweep/status.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int exit_code;
    const char *text;
} status_table[] = {
#define SW_STATUS_ROW(name, code, text) {#name, code, text},
    SW_STATUS_TABLE(SW_STATUS_ROW)
#undef SW_STATUS_ROW
};

enum { MESSAGE_SIZE = 2048, TRACE_SIZE = 1024 };

/* Thread-local: the compute thread and the MPI thread of a rank keep separate records. */
static _Thread_local char error_message[MESSAGE_SIZE];
static _Thread_local char error_trace[TRACE_SIZE];

static int status_valid(sw_status s) { return (int)s >= 0 && s < SW_STATUS_COUNT; }

const char *sw_strerror(sw_status s) { return status_valid(s) ? status_table[s].text : "unknown status"; }
const char *sw_status_name(sw_status s) { return status_valid(s) ? status_table[s].name : "SW_ERR_UNKNOWN"; }
int sw_status_exit_code(sw_status s) { return status_valid(s) ? status_table[s].exit_code : SW_EXIT_RUNTIME; }

sw_status sw_error_vset(sw_status s, const char *file, int line, const char *fmt, va_list ap) {
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    snprintf(error_trace, sizeof error_trace, "  at %s:%d\n", file, line);
    return s;
}

sw_status sw_error_set(sw_status s, const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sw_error_vset(s, file, line, fmt, ap);
    va_end(ap);
    return s;
}

sw_status sw_error_frame(sw_status s, const char *file, int line) {
    size_t used = strlen(error_trace);
    if (used < sizeof error_trace)
        snprintf(error_trace + used, sizeof error_trace - used, "  at %s:%d\n", file, line);
    return s;
}

const char *sw_error_message(void) { return error_message; }
const char *sw_error_trace(void) { return error_trace; }

void sw_error_clear(void) {
    error_message[0] = '\0';
    error_trace[0] = '\0';
}
