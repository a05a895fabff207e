/* declared_program.c: a declared experiment that runs an external program per task (declared.h).
 *
 * The program is started with posix_spawn (no fork of a multi-threaded MPI process), stdin from /dev/null, in a
 * process group of its own, with the signal mask and dispositions reset. Its stdout is read whole (up to
 * PROGRAM_MAX_STDOUT) and parsed as one JSON object; of its stderr only the tail is kept, for the failure message.
 * When it exits, or its time is up, the whole group is killed, so nothing it started survives the task. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "declared_internal.h"
#include "mpisweep/clock.h"

extern char **environ;

enum { PROGRAM_MAX_ARGS = SW_DECLARED_MAX_ARGS, ARG_BYTES = 4096, TAIL_BYTES = 160, ENV_BYTES = 192, MAX_ENV_EXTRA = 80 };
#define PROGRAM_MAX_STDOUT ((size_t)256 << 20)
#define PROGRAM_GRACE_SECONDS 0.5 /* between SIGTERM and SIGKILL of a program whose time is up */

/* The process group of the program running now (0: none), so that exit can kill it when the run is abandoned. */
static atomic_int running_group;

void sw_declared_kill_program(void) {
    int g = atomic_exchange(&running_group, 0);
    if (g > 0) kill(-g, SIGKILL);
}

/* ---- the command line and environment ---- */
/* Expands {name} placeholders of template into buf; "{{" and "}}" are literal braces. */
static bool expand(const sw_task *t, const char *template, char *buf, size_t size, char *msg, size_t msg_size) {
    size_t n = 0;
    for (const char *p = template; *p;) {
        char piece[ARG_BYTES];
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            snprintf(piece, sizeof piece, "%c", p[0]);
            p += 2;
        } else if (p[0] == '{') {
            const char *end = strchr(p, '}');
            char name[128];
            snprintf(name, sizeof name, "%.*s", end ? (int)(end - p - 1) : 0, p + 1);
            if (!end || !sw_declared_identity(t, name, piece, sizeof piece)) {
                snprintf(msg, msg_size, "bad placeholder in '%.60s'", template); /* the validator catches these */
                return false;
            }
            p = end + 1;
        } else {
            snprintf(piece, sizeof piece, "%c", *p++);
        }
        size_t len = strlen(piece);
        if (n + len + 1 > size) {
            snprintf(msg, msg_size, "argument '%.60s' is longer than %zu bytes once expanded", template, size - 1);
            return false;
        }
        memcpy(buf + n, piece, len + 1);
        n += len;
    }
    buf[n] = '\0';
    return true;
}

typedef struct command {
    char *argv[PROGRAM_MAX_ARGS + 4];
    char *envp[MAX_ENV_EXTRA + 1024];
    char env_text[MAX_ENV_EXTRA][ENV_BYTES];
    char *arg_text; /* PROGRAM_MAX_ARGS * ARG_BYTES, heap */
} command;

static bool build_argv(const sw_task *t, const sw_declared *d, command *c, char *msg, size_t size) {
    size_t a = 0;
    if (d->shell) {
        c->argv[a++] = "/bin/sh";
        c->argv[a++] = "-c";
    }
    for (size_t i = 0; i < d->argc && i < PROGRAM_MAX_ARGS; i++) {
        char *slot = c->arg_text + i * ARG_BYTES;
        if (!expand(t, d->argv[i], slot, ARG_BYTES, msg, size)) return false;
        c->argv[a++] = slot;
    }
    c->argv[a] = NULL;
    return true;
}

/* environ without MPISWEEP_* (a nested run must not see ours), plus this task's MPISWEEP_* variables. */
static void build_env(const sw_task *t, command *c) {
    size_t n = 0, x = 0;
    for (char **e = environ; *e && n < 1000; e++)
        if (strncmp(*e, "MPISWEEP_", 9) != 0) c->envp[n++] = *e;
    static const char *const ids[][2] = {{"MPISWEEP_SEED", "seed"},
                                         {"MPISWEEP_TASK_SEED", "task_seed"},
                                         {"MPISWEEP_TASK_INDEX", "task_index"},
                                         {"MPISWEEP_REPLICATE", "replicate"}};
    char value[ENV_BYTES - 64];
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        sw_declared_identity(t, ids[i][1], value, sizeof value);
        snprintf(c->env_text[x], ENV_BYTES, "%s=%s", ids[i][0], value);
        c->envp[n++] = c->env_text[x++];
    }
    for (size_t p = 0; p < t->exp->n_params && x < MAX_ENV_EXTRA; p++) {
        sw_declared_identity(t, t->exp->params[p].name, value, sizeof value);
        snprintf(c->env_text[x], ENV_BYTES, "MPISWEEP_PARAM_%s=%s", t->exp->params[p].name, value);
        c->envp[n++] = c->env_text[x++];
    }
    c->envp[n] = NULL;
}

/* ---- running it ---- */
typedef struct child {
    pid_t pid;
    int out_fd, err_fd;
    char *out;
    size_t out_len, out_cap;
    bool out_too_long;
    char tail[TAIL_BYTES * 4]; /* the last bytes of stderr */
    size_t tail_len;
} child;

static int spawn(const command *c, child *ch, char *msg, size_t size) {
    int out[2], err[2];
    if (sw_declared_pipe(out) != 0) return snprintf(msg, size, "cannot make a pipe: %s", strerror(errno)), -1;
    if (sw_declared_pipe(err) != 0) {
        close(out[0]), close(out[1]);
        return snprintf(msg, size, "cannot make a pipe: %s", strerror(errno)), -1;
    }
    int r = sw_declared_spawn(&ch->pid, c->argv, c->envp, (const int[]){out[1], err[1]}, (const int[]){1, 2}, 2);
    close(out[1]);
    close(err[1]);
    if (r != 0) {
        close(out[0]), close(err[0]);
        return snprintf(msg, size, "cannot start '%.80s': %s", c->argv[0], strerror(r)), -1;
    }
    atomic_store(&running_group, ch->pid);
    ch->out_fd = out[0];
    ch->err_fd = err[0];
    return 0;
}

/* Reads what is there on fd; returns false at end of file. */
static bool read_some(child *ch, int fd) {
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) return false;
    if (fd == ch->err_fd) {
        for (ssize_t i = 0; i < n; i++) {
            if (ch->tail_len == sizeof ch->tail) {
                memmove(ch->tail, ch->tail + sizeof ch->tail / 2, sizeof ch->tail / 2);
                ch->tail_len = sizeof ch->tail / 2;
            }
            ch->tail[ch->tail_len++] = buf[i];
        }
        return true;
    }
    if (ch->out_len + (size_t)n > PROGRAM_MAX_STDOUT) {
        ch->out_too_long = true; /* keep draining so the program is not blocked, but drop it */
        return true;
    }
    if (ch->out_len + (size_t)n + 1 > ch->out_cap) {
        size_t cap = (ch->out_cap ? ch->out_cap * 2 : 65536);
        while (cap < ch->out_len + (size_t)n + 1) cap *= 2;
        char *grown = realloc(ch->out, cap);
        if (!grown) {
            ch->out_too_long = true;
            return true;
        }
        ch->out = grown;
        ch->out_cap = cap;
    }
    memcpy(ch->out + ch->out_len, buf, (size_t)n);
    ch->out_len += (size_t)n;
    return true;
}

/* Reads both pipes until both close, or the program has exited (whatever it left running may hold them open: its
 * group is killed next), or the deadline (0: none) passes. Returns false on timeout. */
static bool collect(child *ch, double deadline, int *status, bool *exited) {
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        struct pollfd fds[2] = {{.fd = out_open ? ch->out_fd : -1, .events = POLLIN},
                                {.fd = err_open ? ch->err_fd : -1, .events = POLLIN}};
        int wait_ms = *exited ? 0 : 20; /* while idle, look whether it exited every 20 ms */
        if (deadline > 0) {
            double left = deadline - sw_now();
            if (left <= 0) return false;
            if (left * 1000 < wait_ms) wait_ms = (int)(left * 1000) + 1;
        }
        int r = poll(fds, 2, wait_ms);
        if (r < 0 && errno != EINTR) return true;
        if (r == 0 && *exited) return true; /* exited, and nothing more to read */
        if (r == 0) *exited = waitpid(ch->pid, status, WNOHANG) == ch->pid;
        if (r <= 0) continue;
        if (fds[0].revents && !read_some(ch, ch->out_fd)) out_open = false;
        if (fds[1].revents && !read_some(ch, ch->err_fd)) err_open = false;
    }
    return true;
}

/* Waits for the program until the deadline (0: none); returns false when it is still running then. */
static bool wait_until(pid_t pid, int *status, double deadline) {
    for (;;) {
        pid_t r = waitpid(pid, status, deadline > 0 ? WNOHANG : 0);
        if (r == pid || (r < 0 && errno != EINTR)) return true;
        if (deadline > 0 && sw_now() >= deadline) return false;
        if (r == 0) nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
    }
}

/* Ends the program and everything in its group: SIGTERM, a grace period, SIGKILL. */
static void stop_group(child *ch, int *status, bool exited) {
    if (!exited) {
        kill(-ch->pid, SIGTERM);
        if (!wait_until(ch->pid, status, sw_now() + PROGRAM_GRACE_SECONDS)) {
            kill(-ch->pid, SIGKILL);
            wait_until(ch->pid, status, 0);
        }
    }
    kill(-ch->pid, SIGKILL); /* whatever the program left behind in its group */
    atomic_store(&running_group, 0);
}

/* The stderr tail as one line: its last TAIL_BYTES bytes, newlines as " | ". */
static const char *tail_line(child *ch, char *buf, size_t size) {
    size_t len = ch->tail_len;
    while (len && (ch->tail[len - 1] == '\n' || ch->tail[len - 1] == ' ')) len--;
    size_t from = len > TAIL_BYTES ? len - TAIL_BYTES : 0, n = 0;
    for (size_t i = from; i < len && n + 4 < size; i++) {
        char ch_ = ch->tail[i];
        if (ch_ == '\n') n += (size_t)snprintf(buf + n, size - n, " | ");
        else buf[n++] = (ch_ >= 32 && ch_ < 127) ? ch_ : '?';
    }
    buf[n] = '\0';
    return buf;
}

static sw_outcome finish(const sw_task *t, child *ch, int status, bool timed_out, double timeout) {
    char tail[TAIL_BYTES * 2], why[SW_TASK_MSG_BYTES];
    tail_line(ch, tail, sizeof tail);
    if (timed_out) snprintf(why, sizeof why, "timed out after %g s (process group killed)", timeout);
    else if (WIFSIGNALED(status)) snprintf(why, sizeof why, "killed by signal %d (%s)", WTERMSIG(status),
                                           strsignal(WTERMSIG(status)));
    else if (WEXITSTATUS(status) != 0) snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
    else if (ch->out_too_long) snprintf(why, sizeof why, "more than %zu bytes on stdout", PROGRAM_MAX_STDOUT);
    else if (sw_declared_read_outputs(t, ch->out ? ch->out : "", ch->out_len, why, sizeof why)) return SW_TASK_OK;
    return sw_task_fail(t, SW_TASK_FAILED, "program %s%s%s", why, tail[0] ? "; stderr: " : "", tail);
}

sw_outcome sw_declared_run_program(const sw_task *t) {
    static bool exit_hook;
    if (!exit_hook) exit_hook = atexit(sw_declared_shutdown) == 0;
    const sw_declared *d = sw_declared_of(t->exp);
    command *c = calloc(1, sizeof *c);
    char *args = c ? malloc((size_t)PROGRAM_MAX_ARGS * ARG_BYTES) : NULL;
    if (!args) {
        free(c);
        return sw_task_fail(t, SW_TASK_FAILED, "out of memory for the command line");
    }
    c->arg_text = args;
    char why[SW_TASK_MSG_BYTES];
    child ch = {.pid = 0};
    sw_outcome r = SW_TASK_FAILED;
    if (!build_argv(t, d, c, why, sizeof why)) {
        r = sw_task_fail(t, SW_TASK_FAILED, "%s", why);
    } else {
        build_env(t, c);
        if (spawn(c, &ch, why, sizeof why) != 0) {
            r = sw_task_fail(t, SW_TASK_FAILED, "%s", why);
        } else {
            double timeout = t->timeout > 0 ? t->timeout : d->timeout;
            double deadline = timeout > 0 ? sw_now() + timeout : 0;
            int status = 0;
            bool exited = false;
            bool in_time = collect(&ch, deadline, &status, &exited) &&
                           (exited || wait_until(ch.pid, &status, deadline));
            stop_group(&ch, &status, in_time);
            close(ch.out_fd);
            close(ch.err_fd);
            r = finish(t, &ch, status, !in_time, timeout);
        }
    }
    free(ch.out);
    free(args);
    free(c);
    return r;
}
