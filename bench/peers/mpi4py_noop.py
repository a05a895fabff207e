"""mpi4py.futures peer for the dispatch benchmark: N no-op tasks, prints tasks/s (rank 0 is the master).
With a third argument `dict`, each task returns {"y": x} instead, as the Python experiment of bench/declared.sh."""
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPICommExecutor


def noop(x):
    return x


def trivial(x):
    return {"y": x}


n, chunksize = int(sys.argv[1]), int(sys.argv[2])
function = trivial if sys.argv[3:] == ["dict"] else noop
with MPICommExecutor(MPI.COMM_WORLD, root=0) as executor:
    if executor is not None:
        t0 = time.perf_counter()
        for _ in executor.map(function, range(n), chunksize=chunksize):
            pass
        print(n / (time.perf_counter() - t0))
