/* messages.h: what ranks send each other during a run: work items, failure records, the coordinator's replies and
 * controls, and the workers' reports. Plain structs sent as bytes (every rank runs the same binary). */
#ifndef SW_SCHED_MESSAGES_H
#define SW_SCHED_MESSAGES_H

#include <stdint.h>

#include "mpisweep/experiment.h"

/* A contiguous range of one sweep's tasks. */
typedef struct work_item {
    uint64_t sweep, start, count;
} work_item;

/* One failed task, sent to rank 0 for the store's failure log. */
typedef struct failure_record {
    uint64_t sweep, task;
    int32_t outcome, rank;
    double seconds;
    char message[SW_TASK_MSG_BYTES];
} failure_record;

/* Every message goes between a rank and its coordinator: rank 0, or the sub-coordinator of its group (sched.h).
 * TAG_REQUEST carries the number of ranks the requester asks for (1, or a sub-coordinator's group); TAG_REPORT
 * one or more msg_report (a sub-coordinator forwards its group's in batches); TAG_RETURN the work items a
 * sub-coordinator gives back unused after a stop. */
enum { TAG_REQUEST = 11, TAG_REPLY, TAG_REPORT, TAG_FAILURE, TAG_CONTROL, TAG_HEARTBEAT, TAG_RETURN };
enum { REPLY_CHUNK = 1, REPLY_STOP };
enum { REPORT_ITEM = 1, REPORT_SIGNAL, REPORT_FINAL, REPORT_ERROR, REPORT_LOST };
/* CONTROL_HALT: to sub-coordinators only: the hand-out stopped (--max-failures, deadline): hand out nothing more. */
enum { CONTROL_DRAIN = 1, CONTROL_ABORT, CONTROL_FINALIZE, CONTROL_HALT };

typedef struct msg_reply {
    int32_t kind, tail;     /* tail: the sweep is nearly done, do not fetch ahead */
    work_item item;
    uint64_t chunk;         /* to a sub-coordinator: the tasks of one rank's chunk, which it cuts item into */
} msg_reply;

typedef struct msg_report {
    int32_t kind;
    int32_t signals, signal; /* REPORT_SIGNAL: signals this rank received so far, and the first one */
    uint64_t sweep, start, count, failed; /* REPORT_ITEM: tasks [start, start + count) of sweep;
                                             REPORT_LOST: rank `start` (of the run) went silent for sum_seconds */
    double sum_seconds, max_seconds;
} msg_report;

#endif
