/* worker.h: one rank's state during a run (private to the scheduler). sched.c runs the loop and the worker's side
 * (fetch, compute, write, report); serve.c the coordinating side: rank 0, and the sub-coordinators. */
#ifndef SW_SCHED_WORKER_H
#define SW_SCHED_WORKER_H

#include <mpi.h>
#include <stdbool.h>

#include "compute.h"
#include "coord.h"
#include "group.h"
#include "liveness.h"

typedef struct worker {
    MPI_Comm comm;           /* the run's communicator */
    int rank, size;
    /* Coordination: a rank talks to its coordinator as rank 0 of `up`, and coordinates the ranks of `down` as its
     * rank 0. Without sub-coordinators up and down are comm. With them (group_size < size), rank 0 coordinates a
     * communicator of group 0 and the sub-coordinators, and each sub-coordinator one of its group. */
    MPI_Comm up, down;       /* MPI_COMM_NULL where the rank has no coordinator / coordinates nobody */
    int down_size;
    int group_size;          /* ranks per group; >= size: no sub-coordinators */
    bool split;              /* up and down were split from comm and are freed at the end */
    sw_store *store;
    compute cp;
    bool abandoned;          /* this rank's compute thread was left running in a task */
    coord *co;               /* rank 0 only */
    sw_group *grp;           /* a sub-coordinator only */
    bool requesting;         /* a request is out, its reply not yet in */
    MPI_Request reply_req, control_req;
    msg_reply reply;
    int32_t control;
    MPI_Request refill_req;  /* a sub-coordinator's request to rank 0 */
    msg_reply refill;
    bool group_final_sent;
    bool stopped;            /* told there is no more work */
    bool draining, aborting, abort_done;
    bool final_sent, finalized;
    bool tail;
    int signals_seen;        /* signal_count when last looked at (at the start: what earlier runs consumed) */
    int first_signal;        /* the first signal of this run, 0 before */
    int stop_requests;       /* 1: drain; 2: abort (signals more than SIGNAL_DEBOUNCE apart) */
    double first_signal_time;
    uint64_t ran;
    double idle;             /* seconds waited with nothing to do (rank 0: the coordinator's idle time) */
    sw_status error;         /* this rank's first runner error: it stops working but still takes part */
    char error_message[1024];
    sw_liveness live;        /* heartbeats up; on a coordinator, the silence of the ranks of down */
    int n_lost, lost_rank;   /* rank 0: ranks lost, and the first (a rank of comm) */
    double lost_silent;
} worker;

/* The coordinating side (serve.c). */
sw_status sw_serve_coordinate(worker *w, bool *activity);  /* rank 0 */
sw_status sw_serve_group(worker *w, bool *activity);       /* a sub-coordinator */
/* Answers this rank's own work request from its group's pool, or queues it (a sub-coordinator). */
sw_status sw_serve_own_request(worker *w);
/* A report of local rank `local` of the group (0: the sub-coordinator itself). */
sw_status sw_serve_group_report(worker *w, int local, const msg_report *r);
/* A control from rank 0 reached a sub-coordinator: passes it on to its group and stops the hand-out. */
sw_status sw_serve_group_control(worker *w, int32_t kind);
/* Rank 0 at the end: tells every rank it coordinates to finish. */
sw_status sw_serve_finalize(worker *w);

/* The worker's side (sched.c). */
sw_status sw_worker_accept_reply(worker *w, const msg_reply *reply);
void sw_worker_drain(worker *w);
void sw_worker_abort(worker *w);

#endif
