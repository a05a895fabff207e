"""rng.py: NumPy's Generator (its default bit generator, PCG64) filling arrays of normals, uniforms, exponentials
and Gumbels, the raw-number counterpart of `kernel_bench --rng`. Prints "rng KIND DRAWS_PER_SECOND MIN MAX" per
kind (median, min and max over --repeat fills of --count numbers)."""
import statistics
import sys
import time

import numpy as np

count, repeat = 1 << 22, 5
args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--count":
        count = int(float(args.pop(0)))
    elif a == "--repeat":
        repeat = int(args.pop(0))
    else:
        sys.exit("rng.py: unexpected argument '%s'" % a)
rng = np.random.default_rng(1)
out = np.empty(count)
kinds = {"normal": lambda: rng.standard_normal(out=out), "uniform": lambda: rng.random(out=out),
         "exponential": lambda: rng.standard_exponential(out=out), "gumbel": lambda: rng.gumbel(size=count)}
for name, fill in kinds.items():
    fill()
    rates = []
    for _ in range(repeat):
        t = time.process_time()
        fill()
        rates.append(count / (time.process_time() - t))
    print("rng %s %.6g %.6g %.6g" % (name, statistics.median(rates), min(rates), max(rates)))
