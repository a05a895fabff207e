/* declared_python.c: a declared experiment that calls a Python function (declared.h) in one long-lived worker per
 * process (analysis/mpisweep/worker.py), fed one JSON line per task over a pipe, so a task costs a round trip and
 * not a Python start-up. The worker runs in a process group of its own; on a timeout it is killed (group) and the
 * next task starts a new one; a worker that dies fails its task and is restarted the same way.
 *
 * State: the one worker of this process (only the compute thread runs tasks). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "declared_internal.h"
#include "mpisweep/clock.h"

extern char **environ;

#ifndef SW_WORKER_SOURCE
#define SW_WORKER_SOURCE ""
#endif
#ifndef SW_WORKER_INSTALLED
#define SW_WORKER_INSTALLED ""
#endif

typedef struct worker {
    pid_t pid;        /* 0: none running */
    int to, from;     /* request and reply pipes */
    char *line;       /* the reply being read */
    size_t len, cap;
} worker;

static worker the_worker;
static atomic_int worker_group; /* the worker's process group, for sw_declared_shutdown from any thread */
static bool exit_hook;

/* Ends the worker: its exit status into *status (NULL: not wanted). A worker that closed its reply pipe itself is
 * exiting: it is reaped first, so the status is its own; one that is still running is killed. Then whatever is left
 * of its process group is killed, and the pipes are closed. */
static void stop_worker(worker *w, bool exiting, int *status) {
    if (w->pid <= 0) return;
    int st = 0;
    if (!exiting) kill(-w->pid, SIGKILL);
    waitpid(w->pid, &st, 0);
    kill(-w->pid, SIGKILL);
    close(w->to);
    close(w->from);
    atomic_store(&worker_group, 0);
    w->pid = 0;
    w->len = 0;
    if (status) *status = st;
}

void sw_declared_shutdown(void) {
    sw_declared_kill_program();
    int g = atomic_exchange(&worker_group, 0);
    if (g > 0) kill(-g, SIGKILL);
}

/* $MPISWEEP_WORKER; else the copy installed next to this binary (BIN/../share/mpisweep, wherever the prefix was
 * moved); else the source tree's (a build tree binary); else the configured prefix's. */
static const char *worker_script(void) {
    const char *env = getenv("MPISWEEP_WORKER");
    if (env && *env) return env;
    static char beside[4096];
    ssize_t n = readlink("/proc/self/exe", beside, sizeof beside - 64);
    beside[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(beside, '/');
    if (slash) {
        strcpy(slash, "/../share/mpisweep/worker.py");
        if (access(beside, R_OK) == 0) return beside;
    }
    if (access(SW_WORKER_SOURCE, R_OK) == 0) return SW_WORKER_SOURCE;
    return SW_WORKER_INSTALLED;
}

static int start_worker(worker *w, char *msg, size_t size) {
    int req[2], rep[2];
    if (sw_declared_pipe(req) != 0) return snprintf(msg, size, "cannot make a pipe: %s", strerror(errno)), -1;
    if (sw_declared_pipe(rep) != 0) {
        close(req[0]), close(req[1]);
        return snprintf(msg, size, "cannot make a pipe: %s", strerror(errno)), -1;
    }
    const char *python = getenv("MPISWEEP_PYTHON");
    char *argv[] = {(char *)(python && *python ? python : "python3"), (char *)worker_script(), NULL};
    int r = sw_declared_spawn(&w->pid, argv, environ, (const int[]){req[0], rep[1]}, (const int[]){3, 4}, 2);
    close(req[0]);
    close(rep[1]);
    if (r != 0) {
        close(req[1]), close(rep[0]);
        w->pid = 0;
        return snprintf(msg, size, "cannot start the Python worker '%s %s': %s", argv[0], argv[1], strerror(r)), -1;
    }
    w->to = req[1];
    w->from = rep[0];
    atomic_store(&worker_group, w->pid);
    if (!exit_hook) exit_hook = atexit(sw_declared_shutdown) == 0;
    return 0;
}

/* ---- the request ---- */
typedef struct text {
    char *p;
    size_t len, cap;
    bool oom;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (t->p && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
        char *grown = realloc(t->p, cap);
        if (!grown) {
            t->oom = true;
            return;
        }
        t->p = grown;
        t->cap = cap;
    }
}

/* The task as one JSON line. Names are identifiers and choices too, so nothing needs escaping but the path. */
static void request(const sw_task *t, const sw_declared *d, text *out) {
    put(out, "{\"function\": \"%s\", \"path\": \"", d->function);
    for (const char *c = d->dir ? d->dir : ""; *c; c++) put(out, (*c == '"' || *c == '\\') ? "\\%c" : "%c", *c);
    put(out, "\", \"index\": %llu, \"key\": [%llu, %llu, %llu, %llu], \"params\": {", (unsigned long long)t->index,
        (unsigned long long)t->key.seed, (unsigned long long)t->key.hash[0], (unsigned long long)t->key.hash[1],
        (unsigned long long)t->key.replicate);
    for (size_t p = 0; p < t->exp->n_params; p++) {
        char value[64];
        sw_declared_identity(t, t->exp->params[p].name, value, sizeof value);
        bool quoted = t->exp->params[p].type == SW_CHOICE;
        put(out, "%s\"%s\": %s%s%s", p ? ", " : "", t->exp->params[p].name, quoted ? "\"" : "", value,
            quoted ? "\"" : "");
    }
    put(out, "}}\n");
}

/* ---- the reply ---- */
static bool write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads one reply line; 1 when read, 0 when the worker closed its end, -1 at the deadline (0: none), -2 when out
 * of memory. */
static int read_reply(worker *w, double deadline) {
    w->len = 0;
    for (;;) {
        if (w->len && w->line[w->len - 1] == '\n') return 1;
        if (deadline > 0) {
            double left = deadline - sw_now();
            struct pollfd pf = {.fd = w->from, .events = POLLIN};
            if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) == 0) return -1;
        }
        if (w->len + 65536 > w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 1 << 17;
            char *grown = realloc(w->line, cap);
            if (!grown) return -2;
            w->line = grown;
            w->cap = cap;
        }
        ssize_t n = read(w->from, w->line + w->len, 65536);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        w->len += (size_t)n;
    }
}

static sw_outcome worker_lost(const sw_task *t, worker *w, bool timed_out, double timeout) {
    int status = 0;
    pid_t pid = w->pid;
    stop_worker(w, !timed_out, &status);
    if (timed_out) return sw_task_fail(t, SW_TASK_FAILED, "python timed out after %g s (worker killed, restarted "
                                       "for the next task)", timeout);
    if (WIFSIGNALED(status))
        return sw_task_fail(t, SW_TASK_FAILED, "python worker %d killed by signal %d (%s); restarted for the next "
                            "task", (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
    return sw_task_fail(t, SW_TASK_FAILED, "python worker %d exited with status %d; restarted for the next task "
                        "(see its stderr in the run's log)", (int)pid, WEXITSTATUS(status));
}

sw_outcome sw_declared_run_python(const sw_task *t) {
    const sw_declared *d = sw_declared_of(t->exp);
    worker *w = &the_worker;
    char why[SW_TASK_MSG_BYTES];
    /* A worker that died makes write() raise SIGPIPE: held pending in this thread, write reports EPIPE instead. */
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, NULL);
    if (w->pid <= 0 && start_worker(w, why, sizeof why) != 0) return sw_task_fail(t, SW_TASK_FAILED, "%s", why);
    text req = {0};
    request(t, d, &req);
    if (req.oom) {
        free(req.p);
        return sw_task_fail(t, SW_TASK_FAILED, "out of memory for the request");
    }
    double timeout = t->timeout > 0 ? t->timeout : d->timeout;
    bool sent = write_all(w->to, req.p, req.len);
    free(req.p);
    int got = sent ? read_reply(w, timeout > 0 ? sw_now() + timeout : 0) : 0;
    if (got == -2) {
        stop_worker(w, false, NULL);
        return sw_task_fail(t, SW_TASK_FAILED, "out of memory for the worker's reply (worker restarted)");
    }
    if (got != 1) return worker_lost(t, w, got < 0, timeout);
    if (sw_declared_read_reply(t, w->line, w->len, why, sizeof why)) return SW_TASK_OK;
    return sw_task_fail(t, SW_TASK_FAILED, "python: %s", why);
}
