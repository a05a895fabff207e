"""noise_penalty.py: NumPy version of `noise_penalty` (src/experiments/exp_noise_penalty.c, src/numerics/noise.c).

The model f(Ax + b) of science.md E2 (or sin_mse's scalar case). `samples` antithetic noise pairs ±σAε give the
noisy-loss increment and the consistency loss (the increments written without cancellation, as in the C:
tanh a - tanh b = sinh(a - b)/(cosh a cosh b), softmax KL through expm1 and log1p); `samples` Rademacher and
`samples` Gaussian probes give Hutchinson's estimates of ||G||_F² with their variances (power sums to the fourth);
plus the exact references (closed forms, a trapezoid rule for tanh, a Gauss-Hermite product rule for softmax),
the Laplacian, the gradient penalty and FGM.
"""
import math

import numpy as np

from common import CHUNK_ELEMENTS, Moments, chunks, main

DEFAULTS = {"model": "tanh_mse", "inputs": 20, "outputs": 5, "noise": 0.1, "samples": 20000, "a": 0.7, "y": 0.3,
            "fgm_step": 0.01}


def config(k, d):
    i, j = np.arange(k)[:, None], np.arange(d)[None, :]
    a = np.cos(0.7 * i + 1.3 * j + 0.1 * (i * j)) / math.sqrt(d)
    return a, np.sin(0.5 * np.arange(d) + 0.3), 0.1 * np.arange(k)


def expm1_minus_x(t):
    t = np.asarray(t, dtype=float)
    small = np.abs(t) < 0.3
    out = np.expm1(t) - t
    ts = t[small]
    term, s = 0.5 * ts * ts, 0.5 * ts * ts
    for n in range(3, 24):
        term = term * ts / n
        s = s + term
    out[small] = s
    return out


def kl_shift(p, delta):
    """KL(p || softmax(log p + delta)) row by row (delta: rows x k)."""
    c = delta @ p
    di = delta - c[:, None]
    top = di.max(axis=1)
    linear = di @ p
    second = expm1_minus_x(di) @ p
    out = np.log1p(second + linear) - linear
    big = top > 30.0
    if big.any():
        s = (p * np.exp(di[big] - top[big, None])).sum(axis=1)
        out[big] = top[big] + np.log(s) - linear[big]
    return out


class Problem:
    def __init__(self, prm):
        self.model = prm["model"]
        scalar = self.model == "sin_mse"
        self.k, self.d = (1, 1) if scalar else (prm["outputs"], prm["inputs"])
        if scalar:
            self.A, self.z, self.label = np.ones((1, 1)), np.array([prm["a"]]), np.array([prm["y"]])
        else:
            self.A, x, b = config(self.k, self.d)
            self.z = self.A @ x + b
            self.label = (np.eye(self.k)[0] if self.model == "softmax_kl"
                          else -0.5 + np.arange(self.k) / (self.k - 1))
        if self.model == "softmax_kl":
            e = np.exp(self.z - self.z.max())
            self.fz = e / e.sum()
        else:
            self.fz = self.act(self.z)

    def act(self, z):
        return {"sin_mse": np.sin, "tanh_mse": np.tanh}.get(self.model, lambda v: v)(z)

    def d1(self, z):
        if self.model == "sin_mse":
            return np.cos(z)
        if self.model == "tanh_mse":
            return 1.0 - np.tanh(z) ** 2
        return np.ones_like(z)

    def diff(self, delta):
        z = self.z
        if self.model == "sin_mse":
            return 2.0 * np.cos(z + 0.5 * delta) * np.sin(0.5 * delta)
        if self.model == "tanh_mse":
            out = np.sinh(delta) / (np.cosh(z + delta) * np.cosh(z))
            far = np.abs(z) + np.abs(delta) > 20.0
            if far.any():
                out[far] = (np.tanh(z + delta) - np.tanh(z))[far]
            return out
        return delta

    def increment(self, t, delta):
        """l(f(z + delta), t) - l(f(z), t) for each row of delta."""
        if self.model == "softmax_kl":
            return delta @ (self.fz - t) + kl_shift(self.fz, delta)
        dd = self.diff(delta)
        return (dd * (dd + 2.0 * (self.fz - t))).sum(axis=1)

    def loss(self, t):
        if self.model == "softmax_kl":
            lse = self.z.max() + math.log(np.exp(self.z - self.z.max()).sum())
            m = t > 0
            return (t[m] * (np.log(t[m]) - (self.z[m] - lse))).sum()
        return ((self.fz - t) ** 2).sum()


def exact_increment(pr, t, sigma):
    if pr.model == "softmax_kl":
        k = pr.k
        c = sigma * sigma * pr.A @ pr.A.T
        proj = np.eye(k) - 1.0 / k
        lam, vec = np.linalg.eigh(proj @ c @ proj)
        keep = [j for j in range(k - 1, -1, -1) if lam[j] > 1e-14 * lam[-1]][: k - 1]
        axes = []
        for j in keep:
            sd = math.sqrt(lam[j])
            m = int(min(max(math.ceil(12.0 + 20.0 * sd), 12), 64))
            node, weight = np.polynomial.hermite_e.hermegauss(m)
            axes.append((sd * node[:, None] * vec[:, j][None, :], weight / weight.sum()))
        delta, w = np.zeros((1, k)), np.ones(1)
        for shift, weight in axes:
            delta = (delta[:, None, :] + shift[None, :, :]).reshape(-1, k)
            w = (w[:, None] * weight[None, :]).ravel()
        return w @ kl_shift(pr.fz, delta)
    s = sigma * np.sqrt((pr.A ** 2).sum(axis=1))
    if pr.model == "sin_mse":
        z, tt = pr.z, t
        s2, c2, ts = s * s, np.cos(2 * z), t * np.sin(z)
        rem = lambda x: expm1_minus_x(-x)  # noqa: E731
        return (s2 * (c2 + ts) - (0.5 * c2 * rem(2 * s2) + 2 * ts * rem(0.5 * s2))).sum() + 0 * tt.sum()
    if pr.model == "tanh_mse":
        total = 0.0
        for i in range(pr.k):
            h = min(0.125, 0.2 / s[i])
            u = h * np.arange(-math.ceil(12.0 / h), math.ceil(12.0 / h) + 1)
            zi = pr.z[i]
            dlt = s[i] * u
            dd = np.sinh(dlt) / (np.cosh(zi + dlt) * np.cosh(zi))
            total += (np.exp(-0.5 * u * u) * dd * (dd + 2.0 * (pr.fz[i] - t[i]))).sum() * h / math.sqrt(2 * math.pi)
        return total
    return (s * s).sum()


def laplacian(pr, t):
    if pr.model == "softmax_kl":
        abar = pr.A.T @ pr.fz
        return pr.fz @ ((pr.A - abar) ** 2).sum(axis=1)
    z = pr.z
    d1 = pr.d1(z)
    d2 = {"sin_mse": -np.sin(z), "tanh_mse": -2.0 * np.tanh(z) * (1 - np.tanh(z) ** 2)}.get(pr.model, 0.0 * z)
    return (2.0 * (d1 * d1 + (pr.fz - t) * d2) * (pr.A ** 2).sum(axis=1)).sum()


def penalty_jacobian(pr):
    if pr.model == "softmax_kl":
        return np.sqrt(pr.fz)[:, None] * (pr.A - pr.A.T @ pr.fz), 0.5
    return pr.d1(pr.z)[:, None] * pr.A, 1.0


def fgm(pr, t, e):
    resid = pr.fz - t
    coef = resid if pr.model == "softmax_kl" else 2.0 * resid * pr.d1(pr.z)
    g = pr.A.T @ coef
    g2 = g @ g
    ag = pr.A @ g
    ratio = pr.increment(t, (e * ag)[None, :])[0] / (e * g2)
    normalized = pr.increment(t, (e * ag / math.sqrt(g2))[None, :])[0] / (e * math.sqrt(g2))
    return g2, ratio, normalized


class PowerSums:
    def __init__(self, shift):
        self.shift, self.s = shift, np.zeros(5)

    def add(self, x):
        y = x - self.shift
        y2 = y * y
        self.s += (y.size, y.sum(), y2.sum(), (y2 * y).sum(), (y2 * y2).sum())

    def stats(self):
        n, s1, s2, s3, s4 = self.s
        a = s1 / n
        m2 = max(s2 / n - a * a, 0.0)
        m4 = max(s4 / n - 4 * a * s3 / n + 6 * a * a * s2 / n - 3 * a ** 4, 0.0)
        var = m2 * n / (n - 1)
        return self.shift + a, math.sqrt(var / n), var, math.sqrt(max(m4 - m2 * m2, 0.0) / n)


def task(p, rng):
    pr = Problem(p)
    sigma, k, d = p["noise"], pr.k, pr.d
    rn, rr, rg = (np.random.default_rng(rng.integers(1 << 62)) for _ in range(3))
    clean = pr.loss(pr.label)
    noisy_inc, cons_exact = exact_increment(pr, pr.label, sigma), exact_increment(pr, pr.fz, sigma)
    taylor_inc = 0.5 * sigma * sigma * laplacian(pr, pr.label)
    g, weight = penalty_jacobian(pr)
    frob2 = (g * g).sum()
    penalty = weight * sigma * sigma * frob2
    noisy, cons = Moments(), Moments()
    rad, gau = PowerSums(frob2), PowerSums(frob2)
    for rows in chunks(p["samples"], max(1, CHUNK_ELEMENTS // max(d, k))):
        u = sigma * rn.standard_normal((rows, d)) @ pr.A.T
        noisy.add(0.5 * (pr.increment(pr.label, u) + pr.increment(pr.label, -u)))
        cons.add(0.5 * (pr.increment(pr.fz, u) + pr.increment(pr.fz, -u)))
        w = (2.0 * rr.integers(0, 2, (rows, k)) - 1.0) @ g
        rad.add(np.einsum("ij,ij->i", w, w))
        w = rg.standard_normal((rows, k)) @ g
        gau.add(np.einsum("ij,ij->i", w, w))
    m = g @ g.T
    out = {"clean_loss": clean, "noisy_loss": clean + noisy.mean, "noisy_loss_se": noisy.se(),
           "noisy_loss_exact": clean + noisy_inc, "taylor_loss": clean + taylor_inc,
           "taylor_rel_error": (taylor_inc - noisy_inc) / noisy_inc,
           "consistency_loss": cons.mean, "consistency_loss_se": cons.se(), "consistency_loss_exact": cons_exact,
           "gradient_penalty": penalty, "consistency_ratio": cons.mean / penalty,
           "consistency_ratio_se": cons.se() / penalty, "consistency_ratio_exact": cons_exact / penalty}
    for name, acc, var_exact in (("hutch_rademacher", rad, 2.0 * ((m * m).sum() - (np.diag(m) ** 2).sum())),
                                 ("hutch_gauss", gau, 2.0 * (m * m).sum())):
        mean, se, var, var_se = acc.stats()
        out.update({name: mean, name + "_se": se, name + "_exact": frob2, name + "_var": var,
                    name + "_var_se": var_se, name + "_var_exact": var_exact})
    out["grad_norm2"], out["fgm_ratio"], out["fgm_normalized_ratio"] = fgm(pr, pr.label, p["fgm_step"])
    return out


if __name__ == "__main__":
    main(task, DEFAULTS)
