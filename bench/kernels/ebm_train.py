"""ebm_train.py: NumPy version of `ebm_train` (src/experiments/exp_ebm_train.c, src/numerics/langevin.c).

U_θ(x) = θ₁x + θ₂x², trained by SGD for `iterations` steps against the exact moments of N(m_d, v_d); the negative
phase is `chains` persistent ULA chains, each advanced one step per iteration. θ, the model's variance and mean
and the chains' variance are averaged over the final window with batch-means standard errors (20 batches).
"""
import math

import numpy as np

from common import main

DEFAULTS = {"step": 0.1, "chains": 2000, "lr": 0.05, "iterations": 6000, "average_fraction": 1.0 / 3.0,
            "data_mean": 1.0, "data_var": 0.25}
BATCHES = 20


def task(p, rng):
    eps, lr, iterations, m_d, v_d = p["step"], p["lr"], p["iterations"], p["data_mean"], p["data_var"]
    window = max(int(math.floor(p["average_fraction"] * iterations)), BATCHES)
    start = iterations - window
    x = m_d + math.sqrt(v_d) * rng.standard_normal(p["chains"])
    t1, t2 = -m_d / v_d, 0.5 / v_d
    data_m2 = v_d + m_d * m_d
    half, scale = 0.5 * eps, math.sqrt(eps)
    sums, counts = np.zeros((5, BATCHES)), np.zeros(BATCHES)
    for it in range(iterations):
        x += -half * (t1 + 2.0 * t2 * x) + scale * rng.standard_normal(x.size)
        q0, q1 = x.mean(), (x @ x) / x.size
        t1 += lr * (q0 - m_d)
        t2 += lr * (q1 - data_m2)
        if not (t2 > 0.0 and math.isfinite(t1) and math.isfinite(t2)):
            raise RuntimeError("training diverged at iteration %d" % it)
        if it >= start:
            b = (it - start) * BATCHES // window
            sums[:, b] += (t1, t2, 0.5 / t2, -t1 / (2.0 * t2), q1 - q0 * q0)
            counts[b] += 1
    batch = sums / counts
    mean = sums.sum(1) / counts.sum()
    se = np.sqrt(((batch - mean[:, None]) ** 2).sum(1) / (BATCHES - 1) / BATCHES)
    root = math.sqrt(1.0 - eps / v_d)
    t2x = (1.0 - root) / eps
    exact = [-2.0 * t2x * m_d, t2x, v_d * (1.0 + root) / 2.0, m_d, v_d]
    out = {}
    for i, name in enumerate(("theta1", "theta2", "model_var", "model_mean", "chain_var")):
        out[name], out[name + "_se"], out[name + "_exact"] = mean[i], se[i], exact[i]
    out["theta1_mle"], out["theta2_mle"] = -m_d / v_d, 0.5 / v_d
    return out


if __name__ == "__main__":
    main(task, DEFAULTS)
