"""mpi4py.futures peer for the load-balance benchmark: sleeps the durations in FILE (one per line), chunksize 1.
Prints the makespan in seconds."""
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPICommExecutor

durations = [float(line) for line in open(sys.argv[1])]
with MPICommExecutor(MPI.COMM_WORLD, root=0) as executor:
    if executor is not None:
        t0 = time.perf_counter()
        for _ in executor.map(time.sleep, durations, chunksize=1):
            pass
        print(time.perf_counter() - t0)
