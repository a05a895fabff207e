"""The Python worker of mpisweep: runs `module:function` experiments declared in a spec, one task at a time.

mpisweep starts one worker per rank (``$MPISWEEP_PYTHON .../mpisweep/worker.py``) and keeps it for the whole run, so a task
costs a pipe round trip, not a Python start-up. The protocol is JSON lines: requests on fd 3, replies on fd 4
(stdout is sent to stderr, so a print() in user code cannot corrupt a reply).

Request:  {"function": "mod:fn", "path": "dir", "params": {...}, "key": [seed, hash_lo, hash_hi, replicate],
           "index": task_index}
Reply:    {"ok": {"output": number | nested list, ...}}  or  {"error": "the traceback's last lines"}

The function is called as ``fn(rng, **params)``. ``rng`` behaves as a numpy.random.Generator (made on first use) over NumPy's Philox (which is
Philox4x64-10, as Random123's) keyed so that its raw 64-bit words are exactly mpisweep's stream 0 of the task
(sw_rng_u64 after sw_rng_init(key, 0)): key = (seed, hash_lo), counter = (block, replicate, 0, hash_hi). NumPy
steps the counter before each block, so the worker starts it one below block 0. Doubles, normals etc. are NumPy's
own transforms of those words and differ from mpisweep's C ones.
"""
import importlib
import json
import math
import os
import sys
import traceback

import numpy as np

_MASK = (1 << 256) - 1


def task_generator(seed, hash_lo, hash_hi, replicate, stream=0):
    """The Generator whose raw words are mpisweep's stream `stream` of the task with this key."""
    counter = (0 | (replicate << 64) | (stream << 128) | (hash_hi << 192)) - 1 & _MASK
    words = [(counter >> (64 * i)) & (2**64 - 1) for i in range(4)]
    bits = np.random.Philox(counter=np.array(words, dtype=np.uint64), key=np.array([seed, hash_lo], dtype=np.uint64))
    return np.random.Generator(bits)


class _LazyGenerator:
    """The task's Generator, made on first use: building one costs ~17 us, more than a trivial task."""

    __slots__ = ("_key", "_generator")

    def __init__(self, key):
        self._key = key
        self._generator = None

    def __getattr__(self, name):
        if self._generator is None:
            seed, hash_lo, hash_hi, replicate = self._key
            self._generator = task_generator(seed, hash_lo, hash_hi, replicate)
        return getattr(self._generator, name)


def _plain(value):
    """An output as JSON: a number (None for a non-finite one) or nested lists of them."""
    if type(value) in (int, float):  # the common scalar, without NumPy's overhead
        return value if math.isfinite(value) else None
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        x = float(array)
        return x if math.isfinite(x) else None
    if not np.isfinite(array).all():
        return [_plain(v) for v in array]
    return array.tolist()


_functions = {}


def _function(name, path):
    fn = _functions.get(name)
    if fn is None:
        if path and path not in sys.path:
            sys.path.insert(0, path)
        module, _, attr = name.partition(":")
        fn = getattr(importlib.import_module(module), attr)
        _functions[name] = fn
    return fn


def _run(request):
    fn = _function(request["function"], request.get("path"))
    result = fn(_LazyGenerator(request["key"]), **request["params"])
    if not isinstance(result, dict):
        raise TypeError(f"{request['function']} returned {type(result).__name__}, expected a dict of outputs")
    return {name: _plain(value) for name, value in result.items()}


def _error_text():
    lines = traceback.format_exc().strip().splitlines()
    return " | ".join(line.strip() for line in lines[-3:])


def main():
    # Started as a script: its own directory must not shadow user modules; the run's directory is searched first.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path[0] = os.getcwd()
    requests = os.fdopen(3, "rb", buffering=1 << 16)
    replies = os.fdopen(4, "wb", buffering=0)
    sys.stdout = sys.stderr
    for line in requests:
        try:
            reply = {"ok": _run(json.loads(line))}
        except Exception:  # any failure of user code is the task's, never the worker's
            reply = {"error": _error_text()}
        replies.write(json.dumps(reply, allow_nan=False).encode() + b"\n")


if __name__ == "__main__":
    main()
