/* status.h: the one error convention of mpisweep.
 *
 * Every fallible function returns an sw_status. On failure the function also leaves a message in the calling
 * thread's error record (sw_error_message), and each SW_TRY level on the way up appends a "file:line" frame, so
 * the message a user sees says what went wrong and where, PETSc-style. The table below is the only list of
 * statuses; it also fixes each status's process exit code, so the CLI and the README cannot disagree.
 *
 * Task *outcomes* (a task that fails while the sweep goes on) are not statuses: see experiment.h.
 */
#ifndef SW_STATUS_H
#define SW_STATUS_H

#include <stdarg.h>
#include <stddef.h>

/* X(name, exit code, description) */
#define SW_STATUS_TABLE(X)                                                                                  \
    X(SW_OK, 0, "success")                                                                                 \
    X(SW_ERR_USAGE, 2, "bad command line")                                                                 \
    X(SW_ERR_SPEC, 2, "invalid sweep spec")                                                                \
    X(SW_ERR_EXISTS, 2, "output file exists")                                                              \
    X(SW_ERR_MISMATCH, 2, "result file does not match the spec")                                           \
    X(SW_ERR_NOT_RESULT, 2, "not an mpisweep result file")                                                 \
    X(SW_ERR_INTERRUPTED, 3, "interrupted; resumable")                                                     \
    X(SW_ERR_NOMEM, 4, "out of memory")                                                                    \
    X(SW_ERR_IO, 4, "I/O error")                                                                           \
    X(SW_ERR_NOSPACE, 4, "not enough disk space")                                                          \
    X(SW_ERR_LOCKED, 4, "result file is in use by another run")                                            \
    X(SW_ERR_HDF5, 4, "HDF5 error")                                                                        \
    X(SW_ERR_MPI, 4, "MPI error")                                                                          \
    X(SW_ERR_LAPACK, 4, "LAPACK error")                                                                    \
    X(SW_ERR_INTERNAL, 4, "internal error")

typedef enum sw_status {
#define SW_STATUS_ENUM(name, code, text) name,
    SW_STATUS_TABLE(SW_STATUS_ENUM)
#undef SW_STATUS_ENUM
        SW_STATUS_COUNT
} sw_status;

/* Process exit codes, documented in --help and the README. */
enum { SW_EXIT_DONE = 0, SW_EXIT_TASKS_FAILED = 1, SW_EXIT_USAGE = 2, SW_EXIT_INTERRUPTED = 3, SW_EXIT_RUNTIME = 4 };

/* Short description of a status ("I/O error"). Never NULL. Not collective. */
const char *sw_strerror(sw_status s);
/* Symbolic name of a status ("SW_ERR_IO"). Never NULL. Not collective. */
const char *sw_status_name(sw_status s);
/* The process exit code that a run ending with status s returns. Not collective. */
int sw_status_exit_code(sw_status s);

/* Records a failure in the calling thread's error record, replacing any earlier one, and returns s.
 * Use through SW_FAIL. Not collective. */
sw_status sw_error_set(sw_status s, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
sw_status sw_error_vset(sw_status s, const char *file, int line, const char *fmt, va_list ap);
/* Appends a traceback frame to the current record and returns s. Use through SW_TRY. */
sw_status sw_error_frame(sw_status s, const char *file, int line);
/* The calling thread's last error message ("" when none); valid until the next sw_error_* call on this thread. */
const char *sw_error_message(void);
/* The traceback frames ("  at src/x.c:12\n..."), "" when none. */
const char *sw_error_trace(void);
/* Forgets the calling thread's error record. */
void sw_error_clear(void);

#define SW_FAIL(status, ...) sw_error_set((status), __FILE__, __LINE__, __VA_ARGS__)

/* Propagates a failing status from expr, adding a traceback frame. */
#define SW_TRY(expr)                                                                                        \
    do {                                                                                                   \
        sw_status sw_try_s_ = (expr);                                                                      \
        if (sw_try_s_ != SW_OK) return sw_error_frame(sw_try_s_, __FILE__, __LINE__);                     \
    } while (0)

/* Fails with status when cond is false. */
#define SW_CHECK(cond, status, ...)                                                                         \
    do {                                                                                                   \
        if (!(cond)) return SW_FAIL((status), __VA_ARGS__);                                                \
    } while (0)

/* Allocation check: fails with SW_ERR_NOMEM naming what could not be allocated. */
#define SW_CHECK_ALLOC(ptr, what) SW_CHECK(!!(ptr), SW_ERR_NOMEM, "cannot allocate %s", (what))

/* LAPACKE's info: negative is a bug in our call, positive a numerical failure reported to the caller. */
#define SW_LAPACK(call)                                                                                     \
    do {                                                                                                   \
        int sw_lapack_info_ = (call);                                                                      \
        if (sw_lapack_info_ != 0)                                                                          \
            return SW_FAIL(SW_ERR_LAPACK, "%s returned info = %d", #call, sw_lapack_info_);              \
    } while (0)

#endif
