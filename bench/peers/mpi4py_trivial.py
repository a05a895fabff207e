"""mpi4py.futures peer for the declared-experiments benchmark: N calls of a trivial function of one parameter that
returns a dict, as the Python experiment of bench/declared.sh does; prints tasks/s (rank 0 is the master)."""
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPICommExecutor


def trivial(k):
    return {"y": k}


n, chunksize = int(sys.argv[1]), int(sys.argv[2])
with MPICommExecutor(MPI.COMM_WORLD, root=0) as executor:
    if executor is not None:
        t0 = time.perf_counter()
        for _ in executor.map(trivial, range(n), chunksize=chunksize):
            pass
        print(n / (time.perf_counter() - t0))
