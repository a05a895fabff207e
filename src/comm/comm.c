/* comm.c: MPI error text and the agreement on an error (comm.h). */
#include "mpisweep/comm.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

sw_status sw_mpi_fail(int rc, const char *call, const char *file, int line) {
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "MPI error code %d", rc);
    return sw_error_set(SW_ERR_MPI, file, line, "%s failed: %s", call, text);
}

enum { AGREED_MESSAGE_BYTES = 1024 };

typedef struct agreed_error {
    int32_t status;
    char message[AGREED_MESSAGE_BYTES];
} agreed_error;

/* The last agreed error of this thread: a rank that still holds it reports its origin, not itself, so that agreeing
 * again on the same error (a phase inside a phase) names the rank where it happened. */
static _Thread_local int agreed_origin = -1;
static _Thread_local char agreed_message[AGREED_MESSAGE_BYTES];

static int origin_of(sw_status local, int rank) {
    if (local == SW_OK) return INT_MAX;
    if (agreed_origin >= 0 && strncmp(sw_error_message(), agreed_message, sizeof agreed_message - 1) == 0)
        return agreed_origin;
    return rank;
}

sw_status sw_comm_agree(MPI_Comm comm, sw_status local, int *origin) {
    if (origin) *origin = -1;
    int rank;
    SW_MPI(MPI_Comm_rank(comm, &rank));
    int mine = origin_of(local, rank), first = INT_MAX;
    SW_MPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
    if (first == INT_MAX) return SW_OK;
    agreed_error e = {.status = (int32_t)local};
    if (rank == first && local == SW_OK) /* cannot happen while every phase keeps the contract */
        e = (agreed_error){.status = SW_ERR_INTERNAL, .message = "an error was lost between ranks"};
    else if (rank == first)
        snprintf(e.message, sizeof e.message, "%s", sw_error_message());
    SW_MPI(MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, comm));
    if (origin) *origin = first;
    sw_status agreed = (sw_status)e.status;
    if (rank != first || local == SW_OK) {
        /* A message the origin printed already (spec diagnostics) leaves an empty record. */
        if (e.message[0]) agreed = SW_FAIL(agreed, "rank %d: %s", first, e.message);
        else agreed = SW_FAIL(agreed, "%s", "");
    }
    agreed_origin = first;
    snprintf(agreed_message, sizeof agreed_message, "%s", sw_error_message());
    return agreed;
}
