"""Python functions for tests/mpi/test_python_functions.sh."""
import os
import signal
import time

import numpy as np


def walk(rng, steps, drift, mode):
    """A random walk; `mode` picks a misbehaviour: ok, raise, die (the worker kills itself), hang, shape."""
    time.sleep(0.03)  # some work: the test kills the run midway
    if mode == "raise":
        raise ValueError(f"drift {drift} is too steep")
    if mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(30)
    path = np.cumsum(drift + rng.standard_normal(steps))
    if mode == "shape":
        path = path[:-1]
    return {"final": path[-1], "path": path}


def raw(rng, x):
    """The first raw 64-bit word of the task's Generator, in two exact halves (a double holds 53 bits)."""
    word = int(rng.bit_generator.random_raw())
    return {"hi": word >> 32, "lo": word & 0xFFFFFFFF}
