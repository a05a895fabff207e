/* run.h: one run of mpisweep as a library call: what `mpisweep run` does after MPI_Init, callable from the CLI, a
 * C test, a simulator (SimGrid) or any MPI program (the model is IOR's ior_run).
 *
 * sw_run duplicates the caller's communicator (with MPI_ERRORS_RETURN, so every MPI error comes back as a status),
 * reads the spec files on rank 0 and broadcasts their text, loads the same sweeps on every rank, records
 * provenance, opens the store chosen by the config (the HDF5 file, the null store, the memory store), schedules
 * every pending task, closes the store and returns what happened. It never calls exit() or MPI_Abort(), and never
 * finalises MPI: the caller owns the process. Errors follow comm.h's contract: every rank returns the same status,
 * except SW_ERR_MPI and a lost rank (SW_ERR_INTERRUPTED on rank 0, result->stop == SW_STOP_LOST), after which
 * the caller must MPI_Abort (sw_run_must_abort).
 */
#ifndef SW_RUN_H
#define SW_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

#include "mpisweep/sched.h"
#include "mpisweep/store.h"

typedef struct sw_run_config {
    const char *const *specs;  /* spec files (rank 0 reads them) */
    size_t n_specs;
    uint64_t max_tasks;        /* tasks per sweep allowed; 0: SW_SPEC_DEFAULT_MAX_TASKS */
    const sw_store_ops *store; /* the backend: &sw_store_hdf5, &sw_store_null, &sw_store_memory */
    void *store_arg;           /* the backend's argument (sw_store_memory: an sw_memory_results to fill) */
    const char *output;        /* the store's path (the HDF5 file) */
    sw_open_mode mode;
    bool no_fill;              /* HDF5: do not pre-fill new outputs with NaN */
    bool allow_plugin_change;  /* resume: accept a sweep whose plugin's content hash changed */
    bool allow_version_change; /* resume sweeps computed by another code version of their experiment */
    sw_run_options sched;      /* scheduling; sched.log is ignored: sw_run's log is used */
    bool deadline_from_slurm;  /* with sched.deadline == 0: inside a Slurm job, the job's end time is the deadline */
    const char *command;       /* the command line, for provenance; NULL: "(library call)" */
} sw_run_config;

/* Where a run's own start-up and close went, in seconds on rank 0's clock (a few clock reads; MPI_Init and
 * MPI_Finalize are the caller's). Each phase ends in an agreement of every rank (an MPI_Allreduce), so rank 0's time
 * for it runs until the slowest rank has finished it: the length of the collective phase, not rank 0's share. Inside
 * the store's open only the checks and the flush end in one: the creation and the layout are rank 0's own time, and
 * a rank that is slower there shows up in the flush. The phases follow one another and add up to `total`, the whole
 * of sw_run on rank 0, less a few microseconds between them. */
typedef struct sw_run_phases {
    double comm;             /* duplicating the caller's communicator (collective) */
    double spec_read;        /* rank 0 reads the spec files; the others wait for it */
    double spec_broadcast;   /* the spec texts broadcast from rank 0 */
    double spec_parse;       /* every rank parses and validates them, checks its plugins */
    double provenance;       /* host, command, deadline broadcast from rank 0; library versions */
    double store_open;       /* the store's open, of which (for the HDF5 file; 0 for the other stores): */
    sw_store_open_times store; /* rank 0's checks, the collective creation, the sweeps' layout, the first flush */
    double schedule;         /* sw_sched_run: every task handed out, run and written */
    double close;            /* the store's close (history lines, the file's collective close) */
    double total;            /* all of sw_run */
} sw_run_phases;

/* Runs the config's spec. Collective over comm: every rank passes an identical config (the spec files need only
 * exist on rank 0). log (rank 0's matters) receives the spec's diagnostics and the progress reports; NULL: silent.
 * On return *result is the same on every rank; on an error before scheduling it holds zero counts, and
 * result->error_rank names the rank that failed first (print its message there). Errors: SW_ERR_SPEC (the
 * diagnostics went to log), the store's errors (store.h), the scheduler's (sched.h), SW_ERR_MPI, SW_ERR_NOMEM.
 * When result->abandoned, compute threads still run tasks of the spec, which is then not freed; the caller should
 * end the process soon (the CLI uses _exit). */
sw_status sw_run(const sw_run_config *config, MPI_Comm comm, FILE *log, sw_run_result *result);

/* sw_run, and *phases (when not NULL) says where the time went, on every rank its own clock's figures (rank 0's
 * are the run's). A phase that was not reached reads 0. Collective, like sw_run. */
sw_status sw_run_timed(const sw_run_config *config, MPI_Comm comm, FILE *log, sw_run_result *result,
                       sw_run_phases *phases);

/* Writes the phases as one line "comm=0.0001 spec_read=0.0002 ... total=0.0123" (seconds; the names of the
 * sw_run_phases fields, the store's prefixed "store_"), for people and benchmark scripts. Not collective. */
void sw_run_phases_line(const sw_run_phases *phases, char *buf, size_t size);

/* True when a run that returned s left ranks that can no longer take part in a collective call (MPI failed, or a
 * rank was lost): the caller must end the job with MPI_Abort(comm, sw_run_exit_code(s, r)). Not collective. */
bool sw_run_must_abort(sw_status s);

/* The process exit code that a run ending with status s and result r should return (status.h's codes): 0 all
 * done, 1 some tasks failed, 3 interrupted and resumable, else the status's code. Not collective. */
int sw_run_exit_code(sw_status s, const sw_run_result *r);

/* One line that says how the run ended ("complete; this run: 12 tasks in 0.5 s ...; file: 12 ok, ..."), as the
 * result file's history records it. Not collective. */
void sw_run_summary(const sw_run_result *r, char *buf, size_t size);

#endif
