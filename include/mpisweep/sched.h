/* sched.h: running the tasks of a spec over MPI: one coordinator, every rank a worker. Normally reached through
 * sw_run (run.h), which sets up the communicator, the spec and the store.
 *
 * Every rank runs a compute thread that executes tasks through the task executor (executor.h: pure computation,
 * no MPI, no I/O, signals blocked) and a main thread that owns every MPI and store call: it fetches work, writes
 * finished blocks of results through the store interface (store.h; the scheduler knows no backend), and on rank 0
 * also coordinates. Rank 0 therefore computes as well, N ranks keep N cores busy, and a task that runs for hours
 * never stops a rank from answering the coordinator or a signal.
 *
 * Scheduling is dynamic self-scheduling of contiguous chunks of a sweep's tasks. Chunk sizes adapt to the measured
 * task times: large enough that dispatch costs < 1 % for microsecond tasks, small enough to balance the tail
 * (guided: at most remaining / (2 * ranks)), and never longer than what fits before a deadline. A worker fetches the
 * next chunk while it computes the current one when chunks are short, so the round trip is hidden.
 *
 * Sub-coordinators: one coordinator saturates between 1,024 and 10,000 ranks (bench/RESULTS.md section 9). With
 * group_size G < ranks, the ranks form groups of G consecutive ranks; rank kG (k >= 1) coordinates its group: it
 * takes a hand-out for the whole group from rank 0 (SW_GROUP_ROUNDS chunks per rank, sized by rank 0 from the
 * measured task times), cuts it into the chunks rank 0 sized, and forwards the group's reports to rank 0 in
 * batches. Rank 0 serves group 0 and the sub-coordinators, so each coordinator serves about sqrt(ranks) ranks. Rank
 * 0 keeps every decision (the work queue, longest first, every stop), so results, files and resume are the same
 * whatever the grouping; a sub-coordinator computes too. Automatic (group_size 0): none below SW_GROUP_AUTO_RANKS
 * ranks, G = ceil(sqrt(ranks)) from there.
 *
 * Stopping: SIGTERM, SIGINT or SIGUSR1 on any rank stops the hand-out; tasks already running finish within the
 * grace period; finished results are written and the file closed cleanly. A second signal (more than a second after
 * the first: launchers may deliver one request twice), or the end of the grace period, abandons running tasks at
 * once (they stay pending). A deadline stops the hand-out of tasks that the
 * measured task times say cannot finish before it. Either way unfinished tasks stay pending for --resume.
 */
#ifndef SW_SCHED_H
#define SW_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

#include "mpisweep/spec.h"
#include "mpisweep/store.h"

#define SW_GROUP_AUTO_RANKS 2048

typedef enum sw_progress_mode { SW_PROGRESS_AUTO, SW_PROGRESS_BAR, SW_PROGRESS_LOG, SW_PROGRESS_NONE } sw_progress_mode;

typedef struct sw_run_options {
    uint64_t chunk;          /* tasks per chunk; 0: adaptive */
    uint64_t max_failures;   /* stop handing out tasks once this many tasks failed in this run; 0: no limit */
    double deadline;         /* UNIX time at which the allocation ends; 0: none */
    double deadline_margin;  /* seconds kept free before the deadline for closing the file */
    double grace;            /* seconds running tasks get to finish after a stop request */
    bool retry_failed;       /* also rerun tasks that failed in an earlier run */
    double liveness_timeout; /* a rank silent this long is lost: the run drains and fails with SW_ERR_INTERRUPTED;
                                0: never (see liveness.c) */
    double task_timeout;     /* seconds a task may take, 0: no limit (declared.h kinds are killed; a built-in
                                runs to its end and is then marked failed) */
    uint64_t retries;        /* run a task that failed (SW_TASK_FAILED only) up to this many more times */
    int group_size;          /* ranks per sub-coordinator (see above); 0: automatic, >= the rank count: none */
    sw_progress_mode progress;
    FILE *log;               /* where rank 0 reports progress (a bar when it is a terminal); NULL: nowhere */
} sw_run_options;

typedef enum sw_stop_reason {
    SW_STOP_NONE,      /* ran out of work */
    SW_STOP_SIGNAL,    /* a signal asked for it */
    SW_STOP_DEADLINE,  /* the next tasks would not finish before the deadline */
    SW_STOP_FAILURES,  /* --max-failures reached */
    SW_STOP_ERROR,     /* a runner error on some rank (the status sw_sched_run returns) */
    SW_STOP_LOST,      /* a rank was lost (liveness_timeout) */
} sw_stop_reason;

/* What a run did; identical on every rank when sw_sched_run returns. */
typedef struct sw_run_result {
    uint64_t total;          /* tasks in all sweeps */
    uint64_t ok, failed;     /* tasks ok / failed in the file after this run */
    uint64_t pending;        /* tasks still pending or skipped after this run */
    uint64_t ran;            /* tasks this run executed */
    double seconds;          /* wall time of this run */
    uint64_t requests;       /* work requests the coordinator answered */
    double service_seconds;  /* time the coordinator spent answering them */
    uint64_t longest_first;  /* tasks handed out alone, predicted longest first by the coordinator's cost model */
    uint64_t messages;       /* messages rank 0 received from the other ranks */
    double idle_seconds;     /* time rank 0's main thread waited with nothing to do: 1 - idle/seconds is the
                                coordinator's busy fraction (its own compute thread aside) */
    double tail_seconds;     /* from the last hand-out to the end of the run */
    int group_size;          /* ranks per sub-coordinator's group; 0: rank 0 coordinated alone */
    int coordinators;        /* ranks that coordinated: rank 0 and the sub-coordinators */
    sw_stop_reason stop;
    int signal;              /* the first signal received, 0 if none */
    bool abandoned;          /* running tasks were abandoned: the compute threads may still be busy */
    int error_rank;          /* the rank whose runner error the run returns (it holds the original message and
                                traceback); -1 when none */
} sw_run_result;

/* Installs the SIGTERM/SIGINT/SIGUSR1 handlers that the scheduler watches. Call once, before sw_sched_run,
 * on every rank. Not collective. */
void sw_sched_install_signal_handlers(void);

/* Runs every pending task of spec (and, with retry_failed, every failed one) and writes the results into store
 * (through the store interface only). Collective over comm, which must have MPI_ERRORS_RETURN; every rank passes
 * identical spec and options. Task failures are outcomes, counted in *result, not errors.
 * A runner error on any rank (the store cannot write, out of memory) stops the run: that rank stops computing and
 * tells the coordinator, which stops every rank at once (as a second signal does); the finished results already
 * written stay, and every rank returns the same status (comm.h's contract), result->stop = SW_STOP_ERROR and
 * result->error_rank naming the rank. SW_ERR_MPI is the exception: a rank whose MPI calls fail returns it at once,
 * and the caller must MPI_Abort. A lost rank (liveness_timeout) is the other exception: rank 0 returns
 * SW_ERR_INTERRUPTED with result->stop = SW_STOP_LOST, the live ranks having written what they finished, and the
 * caller must MPI_Abort (a file cannot be closed collectively without the lost rank).
 * Errors: SW_ERR_HDF5, SW_ERR_IO, SW_ERR_NOSPACE, SW_ERR_MPI, SW_ERR_INTERRUPTED, SW_ERR_NOMEM, SW_ERR_INTERNAL. */
sw_status sw_sched_run(MPI_Comm comm, const sw_spec *spec, sw_store *store, const sw_run_options *opt,
                       sw_run_result *result);

#endif
