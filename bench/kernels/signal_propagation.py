"""signal_propagation.py: NumPy version of `signal_propagation` (src/experiments/exp_signal_propagation.c,
src/numerics/initgeom.c).

`draws` networks of `depth` layers h_l = act(W_l h_{l-1}), W_l iid N(0, gain/width), each propagating `inputs`
Gaussian inputs rescaled to ||h_0||² = width·input_q (one gemm per layer); per layer and network the mean of
r_l = ||h_l||²/||h_0||², the alive fraction and the mean log r over alive signals; means with SEs over networks,
and the exact or mean-field references.
"""
import math

import numpy as np
from scipy import special

from common import Moments, main

DEFAULTS = {"width": 64, "depth": 10, "activation": "relu", "gain": 2.0, "input_q": 1.0, "inputs": 16,
            "draws": 100}


def flops(p):
    """One gemm per layer: 2 n² b."""
    return p["draws"] * p["depth"] * 2.0 * p["width"] ** 2 * p["inputs"]


def tanh_step(q, gain):
    s = math.sqrt(gain * q)
    if s == 0.0:
        return 0.0
    h = min(0.1, 0.25 * s)
    saturated = s > 4.0
    reach = 40.0 if saturated else 10.0 * s
    u = np.arange(1, math.ceil(reach / h) + 1) * h
    f = 1.0 / np.cosh(u) ** 2 if saturated else np.tanh(u) ** 2
    total = (0.5 if saturated else 0.0) + (f * np.exp(-0.5 * (u / s) ** 2)).sum()
    integral = 2.0 * h * total / (s * math.sqrt(2.0 * math.pi))
    return 1.0 - integral if saturated else integral


def exact(p):
    act, gain, n, q0, depth = p["activation"], p["gain"], p["width"], p["input_q"], p["depth"]
    layers = np.arange(1, depth + 1, dtype=float)
    alive = np.ones(depth)
    if act == "tanh":
        q, r = q0, np.empty(depth)
        for l in range(depth):
            q = tanh_step(q, gain)
            r[l] = q / q0
        return r, np.log(r), alive
    if act == "linear":
        log_ratio = math.log(gain) + special.digamma(0.5 * n) - math.log(0.5 * n)
        return gain ** layers, layers * log_ratio, alive
    k = np.arange(1, n + 1)
    lp = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1) + n * math.log(0.5)
    psi = (np.exp(lp) * special.digamma(0.5 * k)).sum() / -math.expm1(n * math.log(0.5))
    log_ratio = math.log(2.0 * gain / n) + psi
    return (0.5 * gain) ** layers, layers * log_ratio, np.exp(layers * math.log1p(-2.0 ** -n))


def task(p, rng):
    n, depth, b, draws = p["width"], p["depth"], p["inputs"], p["draws"]
    scale, h0 = math.sqrt(p["gain"] / n), n * p["input_q"]
    act = p["activation"]
    r_obs, alive_obs = np.empty((draws, depth)), np.empty((draws, depth))
    log_sum, log_count = np.empty((draws, depth)), np.empty((draws, depth))
    for d in range(draws):
        h = rng.standard_normal((n, b))
        h *= np.sqrt(h0 / np.einsum("ij,ij->j", h, h))
        for l in range(depth):
            h = rng.standard_normal((n, n)) @ h
            h *= scale
            if act == "relu":
                np.maximum(h, 0.0, out=h)
            elif act == "tanh":
                np.tanh(h, out=h)
            r = np.einsum("ij,ij->j", h, h) / h0
            alive = r > 0.0
            r_obs[d, l], alive_obs[d, l] = r.mean(), alive.mean()
            log_sum[d, l], log_count[d, l] = np.log(r[alive]).sum(), alive.sum()
    mr, ma = Moments(), Moments()
    mr.add(r_obs)
    ma.add(alive_obs)
    # ratio estimator over networks: mean of log r over alive signals, SE by the delta method
    total, count = log_sum.sum(0), log_count.sum(0)
    mu = total / count
    resid = ((log_sum - mu * log_count) ** 2).sum(0)
    r_exact, log_exact, alive_exact = exact(p)
    return {"mean_r": mr.mean, "mean_r_se": mr.se(), "mean_r_exact": r_exact,
            "mean_log_r": mu, "mean_log_r_se": np.sqrt(resid * draws / (draws - 1.0)) / count,
            "mean_log_r_exact": log_exact, "alive_frac": ma.mean, "alive_frac_se": ma.se(),
            "alive_frac_exact": alive_exact}


if __name__ == "__main__":
    main(task, DEFAULTS, flops=flops)
