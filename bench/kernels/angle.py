"""angle.py: NumPy version of the experiment `angle` (src/experiments/exp_angle.c, src/numerics/angle.c).

`samples` pairs of N(0, I_dim) vectors: the angle of each pair, the moments of Θ, (Θ - π/2)^2, cos^2 Θ and the
indicators of |Θ - π/2| < 5°, 10° with their standard errors, a histogram over `bins` equal bins of [0, π], and
the exact values (½ψ'(n/2), incomplete-beta probabilities, bin probabilities) with a pooled chi-square test.
"""
import math

import numpy as np
from scipy import special, stats

from common import CHUNK_ELEMENTS, Moments, chunks, main

DEFAULTS = {"dim": 10, "samples": 20000, "bins": 16}
DEG5, DEG10 = 5.0 * math.pi / 180.0, 10.0 * math.pi / 180.0


def lower_tail(n, t):
    a = 0.5 * (n - 1.0)
    return special.betainc(a, a, np.sin(0.5 * t) ** 2)


def within_prob(n, delta):
    return special.betainc(0.5, 0.5 * (n - 1.0), math.sin(delta) ** 2)


def bin_probs(n, bins):
    width = math.pi / bins
    p = np.empty(bins)
    k = np.arange(bins // 2)
    lo, hi = k * width, np.where(2 * (k + 1) == bins, 0.5 * math.pi, (k + 1) * width)
    half = lower_tail(n, hi) - lower_tail(n, lo)
    p[: bins // 2] = half
    p[bins - 1 - k] = half
    if bins % 2:
        p[bins // 2] = within_prob(n, 0.5 * width)
    return p


def chi2_pooled(counts, probs, min_expected=5.0):
    total = counts.sum()
    stat = cells = last_o = last_e = cur_o = cur_e = 0.0
    have_last = False
    for o, e in zip(counts, total * probs):
        cur_o += o
        cur_e += e
        if cur_e >= min_expected:
            if have_last:
                stat += (last_o - last_e) ** 2 / last_e
            last_o, last_e, have_last, cells = cur_o, cur_e, True, cells + 1
            cur_o = cur_e = 0.0
    if have_last:
        stat += (last_o + cur_o - last_e - cur_e) ** 2 / (last_e + cur_e)
    if cells < 2:
        return 0.0, 0.0, 1.0
    return stat, cells - 1, stats.chi2.sf(stat, cells - 1)


def task(p, rng):
    n, samples, bins = p["dim"], p["samples"], p["bins"]
    m = {k: Moments() for k in ("angle", "dev2", "cos2", "w5", "w10")}
    counts = np.zeros(bins)
    for pairs in chunks(samples, max(1, CHUNK_ELEMENTS // (2 * n))):
        g = rng.standard_normal((pairs, 2, n))
        x, y = g[:, 0, :], g[:, 1, :]
        xy, xx, yy = np.einsum("ij,ij->i", x, y), np.einsum("ij,ij->i", x, x), np.einsum("ij,ij->i", y, y)
        c = np.clip(xy / np.sqrt(xx * yy), -1.0, 1.0)
        theta = np.arccos(c)
        dev = theta - 0.5 * math.pi
        m["angle"].add(theta)
        m["dev2"].add(dev * dev)
        m["cos2"].add(c * c)
        m["w5"].add(np.abs(dev) < DEG5)
        m["w10"].add(np.abs(dev) < DEG10)
        k = np.minimum((theta * (bins / math.pi)).astype(np.intp), bins - 1)
        counts += np.bincount(k, minlength=bins)
    exact = {"angle": 0.5 * math.pi, "dev2": 0.5 * special.polygamma(1, 0.5 * n), "cos2": 1.0 / n,
             "w5": within_prob(n, DEG5), "w10": within_prob(n, DEG10)}
    out = {}
    for key, name in (("angle", "mean_angle"), ("dev2", "var_angle"), ("cos2", "mean_cos2"),
                      ("w5", "frac_within_5deg"), ("w10", "frac_within_10deg")):
        out[name], out[name + "_se"], out[name + "_exact"] = m[key].mean, m[key].se(), exact[key]
    probs = bin_probs(n, bins)
    out["chi2"], out["chi2_dof"], out["chi2_pvalue"] = chi2_pooled(counts, probs)
    f = counts / samples
    out["hist"], out["hist_se"], out["hist_exact"] = f, np.sqrt(f * (1 - f) / (samples - 1)), probs
    return out


if __name__ == "__main__":
    main(task, DEFAULTS)
