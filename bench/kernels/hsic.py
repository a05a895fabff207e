"""hsic.py: NumPy version of `hsic` (src/experiments/exp_hsic.c, src/numerics/hsic.c).

Per draw: n pairs x ~ N(0,1), y from the relation; Pearson's r and its t-test; Gaussian kernel matrices
exp(-d²/g) with a fixed width or the median heuristic (squared distances from a rank-1 syrk, as the C does);
HSIC_b, HSIC_a, HSIC_u, Gretton's Gamma test; the permutation test with B permutations (all B permuted copies of
L gathered at once, chunk by chunk, and contracted with the centred K). Means with SEs over draws, and the exact
references (closed forms for the independent and linear relations, one-dimensional quadrature for the quadratic).
"""
import math

import numpy as np
from scipy import special, stats

from common import CHUNK_ELEMENTS, Moments, main

DEFAULTS = {"relation": "linear", "noise": 0.1, "frequency": 1.0, "bandwidth": "fixed", "kernel_width": 1.0,
            "samples": 200, "draws": 20, "permutations": 199, "alpha": 0.05}


def flops(p):
    """Nominal arithmetic: syrk n² (d = 1) for each kernel matrix, plus 2n² per permutation statistic."""
    n = p["samples"]
    return p["draws"] * (2.0 * n * n + 2.0 * n * n * p["permutations"])


def check(p):
    if p["relation"] == "sine":
        raise SystemExit("hsic.py: the sine relation's references (2-D quadrature) are not implemented")


def relate(p, x, eps):
    s = p["noise"]
    return {"independent": eps, "linear": x + s * eps, "quadratic": x * x + s * eps,
            "sine": np.sin(p["frequency"] * x) + s * eps}[p["relation"]]


def kernel(p, v):
    """Gaussian kernel matrix and its width, from squared distances |v_i|² + |v_j|² - 2 v_i v_j (clamped)."""
    g = np.outer(v, v)
    d = np.diag(g)
    dist = np.maximum(d[:, None] + d[None, :] - 2.0 * g, 0.0)
    np.fill_diagonal(dist, 0.0)
    width = np.median(dist[np.triu_indices(v.size, 1)]) if p["bandwidth"] == "median" else p["kernel_width"]
    return np.exp(-dist / width), width


def estimate(k, l):
    n = k.shape[0]
    rk, rl = k.sum(0), l.sum(0)
    sk, sl = rk.sum(), rl.sum()
    dk, dl = np.diag(k), np.diag(l)
    tr_k, tr_l, diag_kl = dk.sum(), dl.sum(), dk @ dl
    cross = (rk - dk) @ (rl - dl)
    kl = (k * l).sum()
    ones_k, ones_l = sk - tr_k, sl - tr_l
    hsic_u = ((kl - diag_kl) + ones_k * ones_l / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * cross) / (n * (n - 3))
    mu_x, mu_y = ones_k / (n * (n - 1)), ones_l / (n * (n - 1))
    kc = k + (sk / (n * n) - (rk[:, None] + rk[None, :]) / n)
    trace = (kc * l).sum()
    lc = l + (sl / (n * n) - (rl[:, None] + rl[None, :]) / n)
    v = kc * lc / 6.0
    np.fill_diagonal(v, 0.0)
    gamma_var = 72.0 * (n - 4) * (n - 5) / (n * (n - 1) * (n - 2) * (n - 3)) * (v * v).sum() / (n * (n - 1))
    gamma_mean = (1.0 + mu_x * mu_y - mu_x - mu_y) / n
    return kc, trace, hsic_u, gamma_mean, gamma_var


def gamma_reject(n, trace, mean, var, alpha):
    if not (var > 0 and mean > 0):
        return False
    statistic = trace / n
    return statistic > 0 and stats.gamma.sf(statistic, mean * mean / var, scale=var * n / mean) < alpha


def perm_reject(p, kc, l, observed, rng):
    n, perms = p["samples"], p["permutations"]
    at_least = 0
    for start in range(0, perms, max(1, CHUNK_ELEMENTS // (n * n))):
        b = min(perms - start, max(1, CHUNK_ELEMENTS // (n * n)))
        perm = rng.permuted(np.tile(np.arange(n), (b, 1)), axis=1)
        lp = l[perm[:, :, None], perm[:, None, :]]
        at_least += int((np.einsum("ij,bij->b", kc, lp) >= observed).sum())
    return (1 + at_least) / (1 + perms) <= p["alpha"]


# ---- population references -----------------------------------------------------------------------------

def pair_mean(v, g):
    return 1.0 / math.sqrt(1.0 + 4.0 * v / g)


def moments(p, gx, gy):
    s, rel = p["noise"], p["relation"]
    mu_x = pair_mean(1.0, gx)
    if rel == "independent":
        mu_y = pair_mean(1.0, gy)
        return mu_x, mu_y, mu_x * mu_y, mu_x * mu_y
    if rel == "linear":
        v = 1.0 + s * s
        a = 1.0 / math.sqrt((1 + 4 / gx) * (1 + 4 * v / gy) - 16 / (gx * gy))
        ax, ay = 2.0 / (gx + 2.0), 2.0 / (gy + 2.0 * v)
        b = math.sqrt(gx / (gx + 2.0) * gy / (gy + 2.0 * v)) / math.sqrt((1 + ax) * (1 + ay * v) - ax * ay)
        return mu_x, pair_mean(v, gy), a, b
    # quadratic: one integral over v of closed-form Gaussian integrals in u (composite 8-point Gauss-Legendre)
    c, big_g = gy + 4.0 * s * s, gx + 2.0
    hmax = min(0.5, 0.25 * math.sqrt(min(c, gx)))
    panels = math.ceil(20.0 / hmax)
    t, w = np.polynomial.legendre.leggauss(8)
    h = 20.0 / panels
    v = (-10.0 + h * (np.arange(panels)[:, None] + 0.5 * (t + 1.0))).ravel()
    wt = np.tile(0.5 * h * w, panels) * np.exp(-0.5 * v * v) / math.sqrt(2 * math.pi)
    v2 = v * v
    a_, bq = 0.5 / big_g + 4.0 * v2 / c, v / big_g
    dd = 1.0 + 2.0 * a_
    nf = math.sqrt(gy / c)
    mu_y = nf * (wt / np.sqrt(1.0 + 8.0 * v2 / c)).sum()
    a = nf * (wt / np.sqrt(1.0 + 4.0 / gx + 8.0 * v2 / c)).sum()
    b = nf * math.sqrt(gx / big_g) * (wt * np.exp(bq * bq / (2 * dd) - v2 / (2 * big_g)) / np.sqrt(dd)).sum()
    return mu_x, mu_y, a, b


def expected_trace(n, mx, my, a, b):
    n2, n3, n4 = n * (n - 1.0), n * (n - 1.0) * (n - 2.0), n * (n - 1.0) * (n - 2.0) * (n - 3.0)
    s1 = n + n2 * a
    s2 = n + n2 * (mx + my + a) + n3 * b
    s3 = n + n2 * (1 + 2 * a + 2 * mx + 2 * my) + n3 * (mx + my + 4 * b) + n4 * mx * my
    return s1 - 2.0 * s2 / n + s3 / (n * n)


def median_width_y(p):
    gx = 2.0 * special.ndtri(0.75) ** 2
    if p["relation"] == "independent":
        return gx
    if p["relation"] == "linear":
        return (1.0 + p["noise"] ** 2) * gx
    raise SystemExit("hsic.py: the median width of the quadratic relation is not implemented")


def task(p, rng):
    n, alpha = p["samples"], p["alpha"]
    rx, rn, rp = (np.random.default_rng(rng.integers(1 << 62)) for _ in range(3))
    rows = np.empty((p["draws"], 9))
    for draw in range(p["draws"]):
        x = rx.standard_normal(n)
        y = relate(p, x, rn.standard_normal(n))
        r = np.corrcoef(x, y)[0, 1]
        t = abs(r) * math.sqrt((n - 2) / (1 - r * r)) if r * r < 1 else math.inf
        pearson = 2.0 * stats.t.sf(t, n - 2) <= alpha
        k, gx = kernel(p, x)
        l, gy = kernel(p, y)
        kc, trace, hsic_u, gmean, gvar = estimate(k, l)
        perm = perm_reject(p, kc, l, trace, rp) if p["permutations"] else False
        rows[draw] = (trace / n ** 2, trace / (n - 1) ** 2, hsic_u, gamma_reject(n, trace, gmean, gvar, alpha),
                      perm, r, pearson, gx, gy)
    acc = Moments()
    acc.add(rows)
    mean, se = acc.mean, acc.se()
    out = {}
    for i, name in enumerate(("hsic_b", "hsic_a", "hsic_u", "reject_gamma", "reject_perm", "pearson_r",
                              "reject_pearson", "width_x", "width_y")):
        out[name], out[name + "_se"] = mean[i], se[i]
    median = p["bandwidth"] == "median"
    gx = 2.0 * special.ndtri(0.75) ** 2 if median else p["kernel_width"]
    gy = median_width_y(p) if median else p["kernel_width"]
    mx, my, a, b = moments(p, gx, gy)
    tr, tr0 = expected_trace(n, mx, my, a, b), expected_trace(n, mx, my, mx * my, mx * my)
    out.update({"hsic_b_exact": tr / n ** 2, "hsic_a_exact": tr / (n - 1) ** 2, "hsic_b_null": tr0 / n ** 2,
                "hsic_a_null": tr0 / (n - 1) ** 2, "hsic_u_exact": a + mx * my - 2 * b,
                "hsic_population": a + mx * my - 2 * b,
                "reject_perm_null": math.floor(alpha * (p["permutations"] + 1)) / (p["permutations"] + 1),
                "pearson_rho": {"linear": 1.0 / math.sqrt(1.0 + p["noise"] ** 2)}.get(p["relation"], 0.0),
                "width_x_population": gx, "width_y_population": gy})
    return out


if __name__ == "__main__":
    main(task, DEFAULTS, flops=flops, check=check)
