"""vat.py: NumPy version of `vat` (src/experiments/exp_vat.c, src/numerics/vat.c).

softmax(Ax + b) of science.md E2 with H = Aᵀ(diag p − ppᵀ)A (a Gram matrix) and its full eigen-decomposition;
power iteration towards H's top eigenvector with the finite-difference product Aᵀ(q(z + ξAu) − p)/ξ and with
the exact product, from 1/√d or from `samples` random starts (all starts iterated together as matrices); the
adversarial loss KL(p || q(x + εu)), the top-eigenvector loss, and the loss along `samples` random unit
directions; means with SEs, the second-order predictions and E|cos| for random starts (a 1-D integral).
"""
import math

import numpy as np

from common import CHUNK_ELEMENTS, Moments, chunks, main
from noise_penalty import config, kl_shift

DEFAULTS = {"inputs": 20, "outputs": 5, "iterations": 1, "xi": 1e-6, "epsilon": 0.1, "start": "deterministic",
            "samples": 2000}


def flops(p):
    """Per power step and start: two gemv-sized products with A (4kd) and one with H (2d²); per direction 2kd;
    the eigen-decomposition 9d³ (dsyev with vectors)."""
    k, d, r, s = p["outputs"], p["inputs"], p["iterations"], p["samples"]
    starts = s if p["start"] == "random" else 1
    return starts * r * (4.0 * k * d + 2.0 * d * d) + s * 2.0 * k * d + 9.0 * d ** 3


def fd_power(a, p, xi, r, u):
    """r finite-difference power steps for every row of u at once."""
    for _ in range(r):
        delta = xi * u @ a.T
        top = delta.max(axis=1, keepdims=True)
        s = np.where(top < 30.0, np.log1p(np.expm1(delta) @ p)[:, None],
                     top + np.log((p * np.exp(delta - top)).sum(axis=1, keepdims=True)))
        hu = (p * np.expm1(delta - s)) @ a / xi
        u = hu / np.linalg.norm(hu, axis=1, keepdims=True)
    return u


def exact_power(h, r, u):
    for _ in range(r):
        hu = u @ h
        u = hu / np.linalg.norm(hu, axis=1, keepdims=True)
    return u


def random_start_cos(lam, top, r):
    hstep = 0.25
    v = np.arange(-80.0, 80.0 + 0.5 * hstep, hstep)
    t = np.exp(v)
    gamma = np.delete((np.abs(lam) / abs(lam[top])) ** (2.0 * r), top)
    log_f = 0.5 * v - np.log1p(2.0 * t) - 0.5 * np.log1p(2.0 * t[:, None] * gamma[None, :]).sum(axis=1)
    return np.exp(log_f).sum() * hstep * math.sqrt(2.0) / math.pi


def task(p, rng):
    k, d, r, xi, eps = p["outputs"], p["inputs"], p["iterations"], p["xi"], p["epsilon"]
    a, x, b = config(k, d)
    z = a @ x + b
    prob = np.exp(z - z.max())
    prob /= prob.sum()
    g = np.sqrt(prob)[:, None] * (a - a.T @ prob)
    h = g.T @ g
    lam, vec = np.linalg.eigh(h)
    v1 = vec[:, -1]
    rs, rd = np.random.default_rng(rng.integers(1 << 62)), np.random.default_rng(rng.integers(1 << 62))
    acc = Moments()
    random_start = p["start"] == "random"
    n_starts = p["samples"] if random_start else 1
    for rows in chunks(n_starts, max(1, CHUNK_ELEMENTS // d)):
        if random_start:
            u0 = rs.standard_normal((rows, d))
            u0 /= np.linalg.norm(u0, axis=1, keepdims=True)
        else:
            u0 = np.full((1, d), 1.0 / math.sqrt(d))
        u, ue = fd_power(a, prob, xi, r, u0), exact_power(h, r, u0)
        hu = u @ h
        acc.add(np.stack([np.abs(u @ v1), np.linalg.norm(u - ue, axis=1), np.einsum("ij,ij->i", u, hu),
                          kl_shift(prob, eps * u @ a.T)], axis=1))
    rand = Moments()
    for rows in chunks(p["samples"], max(1, CHUNK_ELEMENTS // d)):
        v = rd.standard_normal((rows, d))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        rand.add(kl_shift(prob, eps * v @ a.T))
    single = acc.n < 2
    se = np.zeros(4) if single else acc.se()
    if random_start:
        cos_exact = random_start_cos(lam, d - 1, r)
    else:
        cos_exact = abs(exact_power(h, r, np.full((1, d), 1.0 / math.sqrt(d)))[0] @ v1)
    trace = np.trace(h)
    half = 0.5 * eps * eps
    top = kl_shift(prob, np.stack([eps * a @ v1, -eps * a @ v1])).max()
    return {"cos_top": acc.mean[0], "cos_top_se": se[0], "cos_top_exact": cos_exact,
            "envelope": abs(lam[-2] / lam[-1]) ** r, "fd_deviation": acc.mean[1], "fd_deviation_se": se[1],
            "lambda_max": lam[-1], "lambda_2": lam[-2], "trace_h": trace, "rayleigh": acc.mean[2],
            "rayleigh_se": se[2], "adv_loss": acc.mean[3], "adv_loss_se": se[3], "adv_loss_pred": half * acc.mean[2],
            "top_loss": top, "top_loss_pred": half * lam[-1], "random_loss": rand.mean, "random_loss_se": rand.se(),
            "random_loss_pred": half * trace / d, "gain_pred": d * lam[-1] / trace}


if __name__ == "__main__":
    main(task, DEFAULTS, flops=flops)
