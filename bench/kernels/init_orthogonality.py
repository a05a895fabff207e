"""init_orthogonality.py: NumPy version of `init_orthogonality` (src/experiments/exp_init_orthogonality.c,
src/numerics/initgeom.c).

`draws` matrices W (fan_out m x fan_in n, entries of variance 1/m): per draw the Gram matrix WᵀW (syrk), its
Frobenius deviation from I, its eigenvalues (syevd, values only) for the spectral deviation and the extreme
singular values, and ||Wx||²/||x||² for `probes` probe vectors (one gemm); means with SEs and the exact values.
"""
import math

import numpy as np

from common import Moments, main

DEFAULTS = {"fan_in": 100, "fan_out": 100, "dist": "gauss", "draws": 50, "probe": "gauss", "probes": 16}
KURTOSIS = {"gauss": 3.0, "uniform": 9.0 / 5.0, "rademacher": 1.0}


def weights(rng, dist, m, n):
    sd = 1.0 / math.sqrt(m)
    if dist == "uniform":
        return math.sqrt(3.0) * sd * (2.0 * rng.random((m, n)) - 1.0)
    if dist == "rademacher":
        return sd * (2.0 * rng.integers(0, 2, (m, n)) - 1.0)
    return sd * rng.standard_normal((m, n))


def probes(rng, probe, n, p):
    if probe == "rademacher":
        return 2.0 * rng.integers(0, 2, (n, p)) - 1.0
    if probe == "basis":
        x = np.zeros((n, p))
        x[np.arange(p) % n, np.arange(p)] = 1.0
        return x
    return rng.standard_normal((n, p))


def flops(p):
    """syrk n²m, dsyevd without vectors 4n³/3, gemm 2mnp."""
    m, n, q = p["fan_out"], p["fan_in"], p["probes"]
    return p["draws"] * (n * n * m + 4.0 * n ** 3 / 3.0 + 2.0 * m * n * q)


def task(p, rng):
    m, n, q = p["fan_out"], p["fan_in"], p["probes"]
    rows = np.empty((p["draws"], 6))
    eye = np.eye(n)
    rank = min(m, n)
    for d in range(p["draws"]):
        w = weights(rng, p["dist"], m, n)
        gram = w.T @ w
        frob = ((gram - eye) ** 2).sum()
        lam = np.linalg.eigvalsh(gram)
        x = probes(rng, p["probe"], n, q)
        y = w @ x
        xx = np.einsum("ij,ij->j", x, x)
        ratio = np.where(xx > 0, np.einsum("ij,ij->j", y, y) / np.where(xx > 0, xx, 1.0), 1.0)
        rows[d] = (frob, max(abs(lam[0] - 1), abs(lam[-1] - 1)), math.sqrt(max(lam[n - rank], 0.0)),
                   math.sqrt(max(lam[-1], 0.0)), ratio.mean(), ((ratio - 1.0) ** 2).mean())
    acc = Moments()
    acc.add(rows)
    mean, se = acc.mean, acc.se()
    kurt = KURTOSIS[p["dist"]]
    frob_exact = n * (kurt - 1.0 + n - 1.0) / m
    c = n / m
    kappa = {"gauss": 3.0 / (n + 2.0), "rademacher": 1.0 / n, "basis": 1.0}[p["probe"]]
    out = {"frob_dev": mean[0], "frob_dev_se": se[0], "frob_dev_exact": frob_exact,
           "entry_mse": mean[0] / n ** 2, "entry_mse_se": se[0] / n ** 2, "entry_mse_exact": frob_exact / n ** 2,
           "spectral_dev": mean[1], "spectral_dev_se": se[1], "spectral_dev_limit": 2 * math.sqrt(c) + c,
           "sigma_min": mean[2], "sigma_min_se": se[2], "sigma_min_limit": abs(1 - math.sqrt(c)),
           "sigma_max": mean[3], "sigma_max_se": se[3], "sigma_max_limit": 1 + math.sqrt(c),
           "norm_ratio_mean": mean[4], "norm_ratio_mean_se": se[4], "norm_ratio_mean_exact": 1.0,
           "norm_ratio_var": mean[5], "norm_ratio_var_se": se[5],
           "norm_ratio_var_exact": (2.0 + (kurt - 3.0) * kappa) / m}
    return out


if __name__ == "__main__":
    main(task, DEFAULTS, flops=flops)
