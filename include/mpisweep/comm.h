/* comm.h: checking MPI calls, and agreeing on an error across ranks.
 *
 * The contract (every collective function of mpisweep keeps it):
 *  - Every MPI call goes through SW_MPI, on a communicator whose error handler is MPI_ERRORS_RETURN (sw_run
 *    duplicates the caller's communicator and sets it), so a failed call becomes SW_ERR_MPI with MPI's own text,
 *    never an ignored return code nor an abort from inside the library.
 *  - A collective phase (loading the spec, opening and closing the store, setting up and ending the scheduler)
 *    ends with sw_comm_agree: when any rank failed, every rank returns the status of the lowest failing rank, with
 *    that rank's message prefixed by "rank N: " (its own rank keeps its message and traceback). No rank invents a
 *    code, and no rank is left waiting in a collective the others skipped.
 *  - SW_ERR_MPI itself is the exception: when MPI cannot be trusted, the agreement may not get through either, so a
 *    rank that sees SW_ERR_MPI may return it alone. The only safe answer is MPI_Abort, which is the caller's (the
 *    CLI does it).
 */
#ifndef SW_COMM_H
#define SW_COMM_H

#include <mpi.h>

#include "mpisweep/status.h"

/* Records an MPI failure (error code rc of `call`) and returns SW_ERR_MPI. Use through SW_MPI. Not collective. */
sw_status sw_mpi_fail(int rc, const char *call, const char *file, int line);

static inline sw_status sw_mpi_status(int rc, const char *call, const char *file, int line) {
    return rc == MPI_SUCCESS ? SW_OK : sw_mpi_fail(rc, call, file, line);
}

/* The status of an MPI call as an expression: SW_OK, or SW_ERR_MPI naming the call and MPI's error text. For code
 * that carries a status along instead of returning at once. */
#define SW_MPI_STATUS(call) sw_mpi_status((call), #call, __FILE__, __LINE__)

/* Returns SW_ERR_MPI (naming the call and MPI's error text) from the calling function when an MPI call fails. */
#define SW_MPI(call) SW_TRY(SW_MPI_STATUS(call))

/* Every rank passes its own status of a collective phase; every rank gets the same answer (see the contract
 * above): SW_OK when all succeeded, else the status and message of the lowest failing rank, whose number goes to
 * *origin when origin is not NULL (-1 on success). Collective over comm. Errors: the agreed status, or SW_ERR_MPI
 * when the agreement itself fails. */
sw_status sw_comm_agree(MPI_Comm comm, sw_status local, int *origin);

#endif
