/* launcher_note.c: a line that explains Open MPI's mpirun banner for mpisweep's normal exit codes 1 and 3.
 *
 * Open MPI 4's mpirun (ORTE's errmgr) reports any rank's non-zero exit as "Primary job terminated normally, but 1
 * process returned a non-zero exit code. Per user-direction, the job has been aborted." The banner cannot be
 * turned off without losing the exit code: with orte_abort_on_non_zero_status=0 mpirun exits 0 (measured with
 * 4.1.4). So rank 0 says, with its summary and before any rank exits, that the code is mpisweep's own. MPICH's
 * mpiexec and srun print no banner, and there is nothing to explain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

void sw_note_launcher_banner(int code) {
    if (code != SW_EXIT_TASKS_FAILED && code != SW_EXIT_INTERRUPTED) return;
    const char *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (!rank || strcmp(rank, "0") != 0 || !getenv("OMPI_MCA_orte_hnp_uri")) return; /* not under ORTE's mpirun */
    fprintf(stderr, "mpisweep: exit %d (%s) is mpisweep's own exit code, not a crash: Open MPI's mpirun reports "
                    "any non-zero exit with the 'Primary job terminated normally, but 1 process returned a "
                    "non-zero exit code' notice below\n",
            code, code == SW_EXIT_TASKS_FAILED ? "some tasks failed" : "interrupted, resumable");
}
