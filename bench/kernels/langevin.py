"""langevin.py: NumPy version of `langevin` (src/experiments/exp_langevin.c, src/numerics/langevin.c).

Monte Carlo: `chains` independent ULA or MALA chains of `steps` steps, all advanced together as one array (the
C advances blocks of 1024); moments, P(x > 0), histogram and acceptance over the chains. References: the target's
moments and bin probabilities (closed form, or composite Gauss-Legendre for the mixture); the exact law after T
steps by propagating the transition density on the same grid as the C (banded transition rows as a sparse
matrix, the start as point or Gauss-Legendre sources, MALA's rejection kept in place); ULA's stationary law by a
banded solve of the reduced system (LAPACK gbsv through scipy.linalg.solve_banded).
"""
import math

import numpy as np
from scipy import linalg, sparse, special

from common import main

DEFAULTS = {"step": 0.1, "steps": 100, "target": "gaussian", "temperature": 1.0, "init": "point", "x0": 3.0,
            "sampler": "ula", "chains": 10000, "bins": 40, "hist_range": 6.0}
SHIFT = 0.5 * math.log(0.7 / 0.3)
HALF_WIDTH = 4.0


def energy(target, x):
    if target == "mixture":
        a, b = math.log(0.3) - 2.0 * x, math.log(0.7) + 2.0 * x
        return 0.5 * x * x - (np.maximum(a, b) + np.log1p(np.exp(-np.abs(a - b))))
    return 0.5 * x * x


def grad(target, x):
    return x - 2.0 * np.tanh(2.0 * x + SHIFT) if target == "mixture" else x


def start(c):
    return c["x0"] if c["init"] == "point" else (-2.0 if c["target"] == "mixture" else 0.0)


def bin_index(c, x):
    width = 2.0 * c["hist_range"] / c["bins"]
    b = np.floor((x + c["hist_range"]) / width)
    return np.clip(np.nan_to_num(b, nan=0.0), 0, c["bins"] - 1).astype(np.intp)


def breakpoints(c, lo, hi):
    width = 2.0 * c["hist_range"] / c["bins"]
    edges = -c["hist_range"] + width * np.arange(c["bins"] + 1)
    inner = edges[(edges > lo) & (edges < hi)]
    pts = [lo] + sorted(set(inner.tolist()) | ({0.0} if lo < 0.0 < hi else set())) + [hi]
    return np.array(pts)


# ---- Monte Carlo --------------------------------------------------------------------------------------

def chains(c, n, rng):
    ri, rn, ra = (np.random.default_rng(rng.integers(1 << 62)) for _ in range(3))
    eps, temp = c["step"], c["temperature"]
    drift, scale = eps / (2.0 * temp), math.sqrt(eps)
    x = HALF_WIDTH * (2.0 * ri.random(n) - 1.0) if c["init"] == "uniform" else np.full(n, start(c))
    accepted = np.zeros(n)
    mala = c["sampler"] == "mala"
    if mala:
        u, g = energy(c["target"], x), grad(c["target"], x)
    for _ in range(c["steps"]):
        xi = rn.standard_normal(n)
        if not mala:
            x += -drift * grad(c["target"], x) + scale * xi
            continue
        y = x - drift * g + scale * xi
        uy, gy = energy(c["target"], y), grad(c["target"], y)
        back = x - y + drift * gy
        log_ratio = -(uy - u) / temp - back * back / (2.0 * eps) + 0.5 * xi * xi
        acc = np.log(ra.random(n)) < log_ratio
        x, u, g = np.where(acc, y, x), np.where(acc, uy, u), np.where(acc, gy, g)
        accepted += acc
    hist = np.bincount(bin_index(c, x), minlength=c["bins"]) / n
    pos = (x > 0).mean()
    acc_rate = accepted / c["steps"] if mala else np.ones(n)
    se = lambda v: v.std(ddof=1) / math.sqrt(n)  # noqa: E731
    return {"mean": x.mean(), "mean_se": se(x), "second_moment": (x * x).mean(), "second_moment_se": se(x * x),
            "frac_positive": pos, "frac_positive_se": math.sqrt(pos * (1 - pos) / n), "hist": hist,
            "hist_se": np.sqrt(hist * (1 - hist) / n), "acceptance_rate": acc_rate.mean(),
            "acceptance_rate_se": se(acc_rate)}


# ---- the target --------------------------------------------------------------------------------------

def target_law(c):
    temp, bins, rng_ = c["temperature"], c["bins"], c["hist_range"]
    width = 2.0 * rng_ / bins
    if c["target"] == "gaussian":
        cdf = special.ndtr((-rng_ + width * np.arange(bins + 1)) / math.sqrt(temp))
        cdf[0], cdf[-1] = 0.0, 1.0
        return 0.0, temp, 0.5, np.diff(cdf)
    gx, gw = np.polynomial.legendre.leggauss(16)
    extent = 2.0 + 10.0 * math.sqrt(temp)
    umin = energy("mixture", 2.0)
    bp = breakpoints(c, -extent, extent)
    max_panel = 0.25 * math.sqrt(temp)
    z = s1 = s2 = pos = 0.0
    hist = np.zeros(bins)
    for lo, hi in zip(bp[:-1], bp[1:]):
        pieces = math.ceil((hi - lo) / max_panel)
        piece = (hi - lo) / pieces
        mid = lo + (np.arange(pieces)[:, None] + 0.5) * piece
        x = (mid + 0.5 * piece * gx).ravel()
        d = np.tile(0.5 * piece * gw, pieces) * np.exp(-(energy("mixture", x) - umin) / temp)
        mass = d.sum()
        z, s1, s2 = z + mass, s1 + d @ x, s2 + d @ (x * x)
        centre = 0.5 * (lo + hi)
        pos += mass if centre > 0 else 0.0
        hist[bin_index(c, np.array([centre]))[0]] += mass
    return s1 / z, s2 / z, pos / z, hist / z


# ---- the exact law on a grid ---------------------------------------------------------------------------

class Grid:
    def __init__(self, c):
        self.c = c
        eps, temp = c["step"], c["temperature"]
        self.sd = math.sqrt(eps)
        cap = 0.02 if c["sampler"] == "mala" else 0.05
        h_max = min(cap * max(1.0, math.sqrt(temp)), 0.25 * min(self.sd, math.sqrt(temp)))
        width = 2.0 * c["hist_range"] / c["bins"]
        self.npb = math.ceil(width / h_max)
        self.npb += self.npb % 2
        self.h = width / self.npb
        start_extent = HALF_WIDTH if c["init"] == "uniform" else abs(start(c))
        need = max(2.0 + 10.0 * math.sqrt(temp), start_extent + 8.0 * self.sd + 1.0)
        margin = math.ceil((need - c["hist_range"]) / self.h) if need > c["hist_range"] else 0
        self.radius = c["hist_range"] + margin * self.h
        self.first_edge = margin
        self.n = c["bins"] * self.npb + 2 * margin + 1
        self.zero = margin + c["bins"] * self.npb // 2
        self.half = math.ceil(8.0 * self.sd / self.h) + 1
        self.drift = eps / (2.0 * temp)
        self.x = -self.radius + self.h * np.arange(self.n)
        self.u = energy(c["target"], self.x)
        self.mean = self.x - self.drift * grad(c["target"], self.x)
        # transition matrix rows (source i -> destination j), banded around the proposal mean
        first = np.rint((self.mean + self.radius) / self.h).astype(np.int64) - self.half
        cols = first[:, None] + np.arange(2 * self.half + 1)[None, :]
        valid = (cols >= 0) & (cols < self.n)
        rows = np.broadcast_to(np.arange(self.n)[:, None], cols.shape)
        r, j = rows[valid], cols[valid]
        vals = self.row_values(self.x[r], self.u[r], self.mean[r], j)
        self.p = sparse.csr_matrix((vals, (r, j)), shape=(self.n, self.n))
        self.pt = self.p.T.tocsr()
        self.reject = np.maximum(1.0 - np.asarray(self.p.sum(axis=1)).ravel(), 0.0) if c["sampler"] == "mala" \
            else np.zeros(self.n)
        umin = self.u.min()
        self.pi = np.exp(-(self.u - umin) / temp)
        self.pi /= self.pi.sum()
        self.rows, self.cols, self.vals = r, j, vals

    def row_values(self, x, ux, mu, j):
        c = self.c
        fwd = self.x[j] - mu
        val = self.h / (self.sd * math.sqrt(2.0 * math.pi)) * np.exp(-0.5 * fwd * fwd / c["step"])
        if c["sampler"] == "mala":
            back = x - self.mean[j]
            log_ratio = -(self.u[j] - ux) / c["temperature"] - 0.5 * (back * back - fwd * fwd) / c["step"]
            val = val * np.where(log_ratio < 0.0, np.exp(np.minimum(log_ratio, 0.0)), 1.0)
        return val

    def source_rows(self, sx):
        """Transition rows of the sources (points off the grid) as a dense (sources x n) matrix, and their
        rejection probabilities."""
        c = self.c
        mu = sx - self.drift * grad(c["target"], sx)
        first = np.rint((mu + self.radius) / self.h).astype(np.int64) - self.half
        cols = first[:, None] + np.arange(2 * self.half + 1)[None, :]
        valid = (cols >= 0) & (cols < self.n)
        srow = np.broadcast_to(np.arange(sx.size)[:, None], cols.shape)[valid]
        vals = self.row_values(sx[srow], energy(c["target"], sx)[srow], mu[srow], cols[valid])
        rows = sparse.csr_matrix((vals, (srow, cols[valid])), shape=(sx.size, self.n))
        total = np.asarray(rows.sum(axis=1)).ravel()
        return rows, (np.maximum(1.0 - total, 0.0) if c["sampler"] == "mala" else np.zeros(sx.size))

    def sources(self):
        c = self.c
        if c["init"] != "uniform":
            return np.array([start(c)]), np.array([1.0]), True
        gx, gw = np.polynomial.legendre.leggauss(8)
        bp = breakpoints(c, -HALF_WIDTH, HALF_WIDTH)
        xs, ms = [], []
        for lo, hi in zip(bp[:-1], bp[1:]):
            pieces = math.ceil((hi - lo) / (0.5 * math.sqrt(c["step"])))
            piece = (hi - lo) / pieces
            mid = lo + (np.arange(pieces)[:, None] + 0.5) * piece
            xs.append((mid + 0.5 * piece * gx).ravel())
            ms.append(np.tile(0.5 * piece * gw / (2.0 * HALF_WIDTH), pieces))
        return np.concatenate(xs), np.concatenate(ms), False

    def law(self):
        c = self.c
        sx, smass, atom = self.sources()
        srows, sreject = self.source_rows(sx)
        m = np.zeros(self.n)
        accepted = 0.0
        for _ in range(c["steps"]):
            live = m >= 1e-40
            ml = np.where(live, m, 0.0)
            nxt = self.pt @ ml + ml * self.reject
            accepted += ml @ (1.0 - self.reject)
            if smass.any():
                nxt += srows.T @ smass
                accepted += smass @ (1.0 - sreject)
                smass = np.where(smass * sreject < 1e-20, 0.0, smass * sreject)
            m = nxt
        law = self.observe(m, sx, smass, atom)
        law["accept"] = accepted / c["steps"] if c["sampler"] == "mala" else 1.0
        return law

    def edge_correction(self, m, e):
        return (m[e + 1] - m[e - 1]) / 24.0 if 1 <= e < self.n - 1 else 0.0

    def observe(self, m, sx, smass, atom):
        c, bins, k = self.c, self.c["bins"], self.npb
        hist = np.zeros(bins)
        live = smass != 0.0
        s1, s2 = smass[live] @ sx[live], smass[live] @ sx[live] ** 2
        pos = smass[live & (sx > 0)].sum()
        np.add.at(hist, bin_index(c, sx[live]), smass[live])
        spread = m.copy()
        singular = smass[live].sum() if atom else 0.0
        if not atom:
            np.add.at(spread, np.rint((sx[live] + self.radius) / self.h).astype(np.intp), smass[live])
        s1, s2 = s1 + m @ self.x, s2 + m @ self.x ** 2
        i = np.arange(self.n)
        pos += m[i > self.zero].sum() + 0.5 * m[self.zero]
        rel = i - self.first_edge
        inside = (rel > 0) & (rel < bins * k)
        hist[0] += m[rel <= 0].sum()
        hist[bins - 1] += m[rel >= bins * k].sum()
        on_edge = inside & (rel % k == 0)
        interior = inside & ~on_edge
        np.add.at(hist, rel[interior] // k, m[interior])
        np.add.at(hist, rel[on_edge] // k - 1, 0.5 * m[on_edge])
        np.add.at(hist, rel[on_edge] // k, 0.5 * m[on_edge])
        tv = np.abs(spread - self.pi).sum()
        for b in range(1, bins):
            d = self.edge_correction(m, self.first_edge + b * k)
            hist[b - 1] -= d
            hist[b] += d
        return {"mean": s1, "second_moment": s2, "frac_positive": pos + self.edge_correction(m, self.zero),
                "hist": hist, "tv_density": 0.5 * (tv + singular)}

    def stationary(self):
        c = self.c
        if c["sampler"] == "mala":
            mean, m2, pos, _ = target_law(c)
            return {"mean": mean, "second_moment": m2, "frac_positive": pos, "tv_density": 0.0}
        extent = 2.0 + 10.0 * math.sqrt(c["temperature"])
        lo = int(round((self.radius - extent) / self.h))
        hi = self.n - 1 - lo
        pivot = self.zero + (int(round(2.0 / self.h)) if c["target"] == "mixture" else 0)
        keep = (self.rows >= lo) & (self.rows <= hi) & (self.cols >= lo) & (self.cols <= hi)
        src, dst, val = self.rows[keep], self.cols[keep], self.vals[keep]
        red = lambda j: j - lo - (j > pivot)  # noqa: E731
        unknowns = hi - lo
        rhs = np.zeros(unknowns)
        from_pivot = (src == pivot) & (dst != pivot)
        np.add.at(rhs, red(dst[from_pivot]), -val[from_pivot])
        body = (src != pivot) & (dst != pivot)
        rr, cc = red(dst[body]), red(src[body])
        kl, ku = int(max((rr - cc).max(), 0)), int(max((cc - rr).max(), 0))
        ab = np.zeros((kl + ku + 1, unknowns))
        np.add.at(ab, (ku + rr - cc, cc), val[body])
        ab[ku] -= 1.0
        sol = linalg.solve_banded((kl, ku), ab, rhs, overwrite_ab=True, overwrite_b=True, check_finite=False)
        m = np.zeros(self.n)
        idx = np.arange(lo, hi + 1)
        m[idx] = np.where(idx == pivot, 1.0, sol[np.clip(red(idx), 0, unknowns - 1)])
        m[lo:hi + 1] /= m[lo:hi + 1].sum()
        law = self.observe(m, np.zeros(0), np.zeros(0), True)
        return law


def check(c):
    if c["sampler"] == "ula" and not c["step"] < 4.0 * c["temperature"]:
        raise SystemExit("ULA diverges for step >= 4 temperature")


def task(c, rng):
    out = chains(c, c["chains"], rng)
    tg_mean, tg_m2, tg_pos, tg_hist = target_law(c)
    out.update({"target_mean": tg_mean, "target_second_moment": tg_m2, "target_frac_positive": tg_pos,
                "target_hist": tg_hist})
    out["tv"] = 0.5 * np.abs(out["hist"] - tg_hist).sum()
    signed = np.where(out["hist"] >= tg_hist, out["hist"], -out["hist"]).sum()
    out["tv_se"] = math.sqrt(max((1.0 - signed * signed) / (4.0 * c["chains"]), 0.0))
    grid = Grid(c)
    law = grid.law()
    if c["target"] == "gaussian" and c["sampler"] == "ula":
        a = 1.0 - c["step"] / (2.0 * c["temperature"])
        m0, v0 = (0.0, HALF_WIDTH ** 2 / 3.0) if c["init"] == "uniform" else (start(c), 0.0)
        at = a ** c["steps"]
        vinf = c["temperature"] / (1.0 - c["step"] / (4.0 * c["temperature"]))
        law["mean"], law["second_moment"] = at * m0, at * at * v0 + vinf * (1 - at * at) + (at * m0) ** 2
    out.update({"mean_exact": law["mean"], "second_moment_exact": law["second_moment"],
                "frac_positive_exact": law["frac_positive"], "hist_exact": law["hist"],
                "tv_bins_exact": 0.5 * np.abs(law["hist"] - tg_hist).sum(), "tv_density_exact": law["tv_density"],
                "acceptance_rate_exact": law["accept"]})
    st = grid.stationary()
    if c["target"] == "gaussian" and c["sampler"] == "ula":
        st["mean"], st["second_moment"] = 0.0, c["temperature"] / (1.0 - c["step"] / (4.0 * c["temperature"]))
    out.update({"stationary_mean": st["mean"], "stationary_second_moment": st["second_moment"],
                "stationary_frac_positive": st["frac_positive"], "stationary_tv_density": st["tv_density"]})
    width = 2.0 * c["hist_range"] / c["bins"]
    out["bin_center"] = -c["hist_range"] + (np.arange(c["bins"]) + 0.5) * width
    return out


if __name__ == "__main__":
    main(task, DEFAULTS, check=check)
