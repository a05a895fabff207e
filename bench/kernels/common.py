"""common.py: the harness of the NumPy kernel benchmarks (bench/kernels/*.py).

Each script implements one mpisweep experiment in NumPy: the same computation at the same sizes (sample counts,
matrix shapes, number of draws, every output), as a NumPy user would write it: whole arrays, BLAS through `@`,
LAPACK through numpy.linalg, special functions from scipy.special. It then times it like bench/kernel_bench.c:

    python3 EXPERIMENT.py [name=value ...] [--repeat N] [--min-time S] [--clock cpu|wall] [--print]

One warm-up task sizes a batch so that a sample takes at least --min-time seconds; --repeat samples are timed and

    seconds_per_task MEDIAN MIN MAX tasks_per_sample B samples N clock C

is printed (plus `flops_per_task F` for the experiments whose work is BLAS/LAPACK, and every output with --print).
Each task gets its own generator, np.random.default_rng([seed, task]), as a fresh replicate would.
One thread: OPENBLAS_NUM_THREADS=1 is set before NumPy loads OpenBLAS.
"""
import math
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

# Elements per chunk where a computation over samples is cut into pieces: 8 MiB of doubles, large enough that
# NumPy's per-call overhead does not matter, small enough for any sample count.
CHUNK_ELEMENTS = 1 << 20


def parse(argv, defaults):
    """name=value arguments typed after the defaults (int, float, str for choices, list of float); options."""
    params = dict(defaults)
    opts = {"repeat": 5, "min_time": 0.2, "clock": "cpu", "print": False}
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--repeat":
            opts["repeat"] = int(args.pop(0))
        elif a == "--min-time":
            opts["min_time"] = float(args.pop(0))
        elif a == "--clock":
            opts["clock"] = args.pop(0)
        elif a == "--print":
            opts["print"] = True
        elif "=" in a:
            name, text = a.split("=", 1)
            if name not in defaults:
                sys.exit(f"{sys.argv[0]}: no parameter '{name}'")
            d = defaults[name]
            if isinstance(d, list):
                params[name] = [float(v) for v in text.split(",")]
            elif isinstance(d, bool):
                params[name] = bool(int(text))
            elif isinstance(d, int):
                params[name] = int(float(text))
            elif isinstance(d, float):
                params[name] = float(text)
            else:
                params[name] = text
        else:
            sys.exit(f"{sys.argv[0]}: unexpected argument '{a}'")
    return params, opts


def main(task, defaults, flops=None, check=None):
    """Parses sys.argv, times task(params, rng) and prints the figures."""
    params, opts = parse(sys.argv[1:], defaults)
    if check:
        check(params)
    clock = time.process_time if opts["clock"] == "cpu" else time.perf_counter
    counter = [0]

    def one():
        counter[0] += 1
        return task(params, np.random.default_rng([20240607, counter[0]]))

    t0 = clock()
    out = one()
    first = clock() - t0
    batch = 1 if first >= opts["min_time"] else math.ceil(opts["min_time"] / max(first, 1e-7))
    per = []
    for _ in range(opts["repeat"]):
        s = clock()
        for _ in range(batch):
            out = one()
        per.append((clock() - s) / batch)
    if opts["print"]:
        for name, value in out.items():
            print(name, "=", " ".join("%.10g" % v for v in np.atleast_1d(value)))
    print("seconds_per_task %.6g %.6g %.6g tasks_per_sample %d samples %d clock %s"
          % (statistics.median(per), min(per), max(per), batch, opts["repeat"], opts["clock"]))
    if flops:
        print("flops_per_task %.6g" % flops(params))


# ---- running statistics over chunks ------------------------------------------------------------------------

class Moments:
    """Count, mean and sum of squared deviations of one or more columns, merged chunk by chunk (Chan et al.)."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, x, axis=0):
        x = np.asarray(x, dtype=float)
        nb = x.shape[axis]
        mb = x.mean(axis)
        m2b = ((x - np.expand_dims(mb, axis)) ** 2).sum(axis)
        n = self.n + nb
        d = mb - self.mean
        self.m2 = self.m2 + m2b + d * d * self.n * nb / n
        self.mean = self.mean + d * nb / n
        self.n = n

    def se(self):
        return np.sqrt(self.m2 / (self.n - 1) / self.n)


class Moments4:
    """Mean and central sums of powers 2..4 per column, merged chunk by chunk (Pébay 2008): the mean with its SE,
    the sample variance with its SE from the fourth moment."""

    def __init__(self):
        self.n, self.mean, self.m2, self.m3, self.m4 = 0, 0.0, 0.0, 0.0, 0.0

    def add(self, x):
        x = np.asarray(x, dtype=float)
        nb = x.shape[0]
        mb = x.mean(0)
        d = x - mb
        d2 = d * d
        m2b, m3b, m4b = d2.sum(0), (d2 * d).sum(0), (d2 * d2).sum(0)
        na, n = self.n, self.n + nb
        delta = mb - self.mean
        dn = delta / n
        m2 = self.m2 + m2b + delta * dn * na * nb
        m3 = (self.m3 + m3b + delta * dn * dn * na * nb * (na - nb)
              + 3.0 * dn * (na * m2b - nb * self.m2))
        m4 = (self.m4 + m4b + delta * dn ** 3 * na * nb * (na * na - na * nb + nb * nb)
              + 6.0 * dn * dn * (na * na * m2b + nb * nb * self.m2) + 4.0 * dn * (na * m3b - nb * self.m3))
        self.n, self.mean, self.m2, self.m3, self.m4 = n, self.mean + dn * nb, m2, m3, m4

    def var(self):
        return self.m2 / (self.n - 1)

    def mean_se(self):
        return np.sqrt(self.var() / self.n)

    def var_se(self):
        n = self.n
        s2 = self.m2 / (n - 1)
        v = (self.m4 / n - (n - 3) / (n - 1) * s2 * s2) / n
        return np.sqrt(np.maximum(v, 0.0))


def chunks(total, size):
    """Sizes of consecutive chunks of at most `size` covering `total`."""
    done = 0
    while done < total:
        n = min(size, total - done)
        yield n
        done += n
