"""dgemm_peak.py: single-core dgemm rate through NumPy and OpenBLAS (OPENBLAS_NUM_THREADS=1): C = A B for
2048 x 2048 matrices, 2n³ flops. Prints "dgemm_gflops MEDIAN MIN MAX" over --repeat products."""
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

n, repeat = 2048, int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5
a, b = np.random.default_rng(1).standard_normal((2, n, n))
c = a @ b
rates = []
for _ in range(repeat):
    t = time.process_time()
    np.matmul(a, b, out=c)
    rates.append(2.0 * n ** 3 / (time.process_time() - t) / 1e9)
print("dgemm_gflops %.4g %.4g %.4g" % (statistics.median(rates), min(rates), max(rates)))
