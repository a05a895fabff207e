"""variance_bias.py: NumPy version of `variance_bias` (src/experiments/exp_variance_bias.c, numerics/estimators.c).

`draws` replicates of n draws from gauss/uniform/exponential scaled to variance sigma2; per replicate SS by two
passes, the estimates SS/n, SS/(n-1), SS/(n+1), their squared errors and s = sqrt(SS/(n-1)), each averaged with a
standard error; and the exact means, MSEs, c4(n) and the MSE-minimising divisor.
"""
import math

import numpy as np
from scipy import special

from common import CHUNK_ELEMENTS, Moments, chunks, main

DEFAULTS = {"n": 5, "dist": "gauss", "sigma2": 1.0, "draws": 100000}
KURTOSIS = {"gauss": 3.0, "uniform": 9.0 / 5.0, "exponential": 9.0}


def draw(rng, dist, shape, sigma):
    if dist == "uniform":
        return math.sqrt(3.0) * sigma * (2.0 * rng.random(shape) - 1.0)
    if dist == "exponential":
        return sigma * rng.standard_exponential(shape)
    return sigma * rng.standard_normal(shape)


def task(p, rng):
    n, sigma2 = p["n"], p["sigma2"]
    divisors = np.array([n, n - 1.0, n + 1.0])
    est, sq, sd = Moments(), Moments(), Moments()
    for rows in chunks(p["draws"], max(1, CHUNK_ELEMENTS // n)):
        x = draw(rng, p["dist"], (rows, n), math.sqrt(sigma2))
        d = x - x.mean(axis=1, keepdims=True)
        ss = np.einsum("ij,ij->i", d, d)
        e = ss[:, None] / divisors
        est.add(e)
        sq.add((e - sigma2) ** 2)
        sd.add(np.sqrt(ss / (n - 1.0)))
    var_u = (KURTOSIS[p["dist"]] - (n - 3.0) / (n - 1.0)) * sigma2 ** 2 / n
    shrink = (n - 1.0) / divisors
    mean_exact, mse_exact = shrink * sigma2, shrink ** 2 * var_u + (shrink - 1.0) ** 2 * sigma2 ** 2
    a = 0.5 * (n - 1)
    c4 = math.exp(special.gammaln(a + 0.5) - special.gammaln(a)) / math.sqrt(a)
    out = {}
    for c, name in enumerate(("biased", "unbiased", "minmse")):
        out["mean_" + name], out["mean_%s_se" % name], out["mean_%s_exact" % name] = \
            est.mean[c], est.se()[c], mean_exact[c]
        out["mse_" + name], out["mse_%s_se" % name], out["mse_%s_exact" % name] = \
            sq.mean[c], sq.se()[c], mse_exact[c]
    out["mean_sd"], out["mean_sd_se"], out["mean_sd_exact"] = sd.mean, sd.se(), c4 * math.sqrt(sigma2)
    out["best_divisor_exact"] = (n - 1.0) * (1.0 + var_u / sigma2 ** 2)
    return out


if __name__ == "__main__":
    main(task, DEFAULTS)
