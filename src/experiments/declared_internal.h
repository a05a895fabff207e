/* declared_internal.h: what the files of the declared experiments share (private to the experiments layer). */
#ifndef SW_DECLARED_INTERNAL_H
#define SW_DECLARED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mpisweep/declared.h"

/* The stream the per-task seed is drawn from (its first word, shifted to 63 bits); the Python Generator starts at
 * the beginning of the same stream. */
enum { SW_DECLARED_SEED_STREAM = 0 };

sw_outcome sw_declared_run_program(const sw_task *t);
/* Kills the process group of the program running now, if any (any thread). */
void sw_declared_kill_program(void);
sw_outcome sw_declared_run_python(const sw_task *t);

/* The task's seed for programs: the first word of stream SW_DECLARED_SEED_STREAM, 63 bits. */
uint64_t sw_declared_task_seed(const sw_rng_key *key);
/* The text of identity `name` (a parameter, seed, task_seed, task_index, replicate) into buf; false for an unknown
 * name. Reals are written with 17 significant digits, so they read back as the same double. */
bool sw_declared_identity(const sw_task *t, const char *name, char *buf, size_t size);
/* Reads one JSON object holding exactly the declared outputs, of their declared shapes, into t->out. Returns false
 * with a reason in msg otherwise (the caller clears the outputs). */
bool sw_declared_read_outputs(const sw_task *t, const char *text, size_t len, char *msg, size_t size);
/* Starts argv (searched in PATH) in a process group of its own, with stdin from /dev/null, the signal mask cleared
 * and every signal's disposition reset, and the child's fds child_fd[i] being our fds from_fd[i]. Returns 0 or an
 * errno value (posix_spawnp's). */
int sw_declared_spawn(pid_t *pid, char *const argv[], char *const envp[], const int *from_fd, const int *child_fd,
                      size_t n_fds);
/* pipe() with both ends close-on-exec (only the compute thread spawns, so the two steps cannot race a spawn). */
int sw_declared_pipe(int fds[2]);
/* Reads a worker reply, {"ok": {outputs}} or {"error": "traceback"}: true with the outputs in t->out, or false with
 * the error or what is wrong with the reply in msg. */
bool sw_declared_read_reply(const sw_task *t, const char *text, size_t len, char *msg, size_t size);

#endif
