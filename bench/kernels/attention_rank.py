"""attention_rank.py: NumPy version of `attention_rank` (src/experiments/exp_attention_rank.c,
src/numerics/attention.c).

Per draw: one head's logits K Qᵀ from X (n x d) and [W_Q W_K] (d x 2k), their numerical rank (gesdd, values only),
the softmax of each query's logits with its entropy and the attention matrix's effective rank (a second SVD);
a centred Gaussian target L*H with its rank and best rank-k residual (a third SVD); head 1's talking-heads logits
Σ_j λ_j Q^(j) K^(j)ᵀ as one gemm over h·k columns and its rank (a fourth SVD). Means with SEs over draws, and
the exact ranks and the Marchenko-Pastur residual.
"""
import math

import numpy as np

from common import Moments, main

DEFAULTS = {"seq_len": 64, "key_size": 16, "d_model": 128, "heads": 4, "draws": 20, "rank_cutoff": 1e-12}


def flops(p):
    """gemms 2n·2k·d + 2n²k + 2n²hk; four gesdd without vectors, 8n³/3 each (the bidiagonal reduction)."""
    n, k, d, h = p["seq_len"], p["key_size"], p["d_model"], p["heads"]
    return p["draws"] * (4.0 * n * k * d + 2.0 * n * n * k + 2.0 * n * n * h * k + 4 * 8.0 * n ** 3 / 3.0)


def numerical_rank(s, cutoff):
    return int((s > cutoff * s[0]).sum()) if s[0] > 0 else 0


def mp_residual(alpha):
    if alpha <= 0.0:
        return 1.0
    if alpha >= 1.0:
        return 0.0
    lo, hi = 0.0, math.pi / 2.0
    while True:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if (2.0 * mid + math.sin(2.0 * mid)) / math.pi < 1.0 - alpha:
            lo = mid
        else:
            hi = mid
    theta = 0.5 * (lo + hi)
    return (2.0 * theta - 0.5 * math.sin(4.0 * theta)) / math.pi


def task(p, rng):
    n, k, d, h, cut = p["seq_len"], p["key_size"], p["d_model"], p["heads"], p["rank_cutoff"]
    streams = [np.random.default_rng(rng.integers(1 << 62)) for _ in range(4)]  # input, weights, target, talking
    rows = np.empty((p["draws"], 6))
    for draw in range(p["draws"]):
        x = streams[0].standard_normal((n, d))
        w = streams[1].standard_normal((d, 2 * k)) / math.sqrt(d)
        qk = x @ w
        logits = qk[:, k:] @ qk[:, :k].T  # column i: the logits of query i
        s = np.linalg.svd(logits, compute_uv=False)
        logit_rank = numerical_rank(s, cut)
        z = logits / math.sqrt(k)
        z -= z.max(axis=0)
        e = np.exp(z)
        zsum = e.sum(axis=0)
        attn = e / zsum
        entropy = (np.log(zsum) - (attn * z).sum(axis=0)).mean()
        s = np.linalg.svd(attn, compute_uv=False)
        ps = s / s.sum()
        ps = ps[ps > 0]
        eff_rank = math.exp(-(ps * np.log(ps)).sum())
        target = streams[2].standard_normal((n, n))
        target -= target.mean(axis=0)
        frob2 = (target * target).sum()
        s = np.linalg.svd(target, compute_uv=False)
        target_rank = numerical_rank(s, cut)
        residual = (s[k:][::-1] ** 2).sum() / frob2 if k < n else 0.0
        talk = streams[3].standard_normal((2, n, h * k))
        lam = streams[3].standard_normal(h)
        j = (talk[0] * np.repeat(lam, k)) @ talk[1].T
        s = np.linalg.svd(j, compute_uv=False)
        rows[draw] = (logit_rank, target_rank, residual, numerical_rank(s, cut), entropy, eff_rank)
    acc = Moments()
    acc.add(rows)
    out = {}
    names = ("logit_rank", "target_rank", "residual", "talking_heads_rank", "attention_entropy",
             "attention_effective_rank")
    for i, name in enumerate(names):
        out[name], out[name + "_se"] = acc.mean[i], acc.se()[i]
    out["logit_rank_exact"] = min(n, d, k)
    out["target_rank_exact"] = n - 1
    out["residual_mp"] = mp_residual(k / (n - 1))
    out["representable"] = 1.0 if k + 1 >= n else 0.0
    out["talking_heads_rank_exact"] = min(n, h * k)
    return out


if __name__ == "__main__":
    main(task, DEFAULTS, flops=flops)
