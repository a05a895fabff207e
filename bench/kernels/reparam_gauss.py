"""reparam_gauss.py: NumPy version of `reparam_gauss` (src/experiments/exp_reparam_gauss.c, numerics/reparam.c).

z = μ + σε for `samples` draws of ε: the objective f(z) (mean, SE) and the four single-sample gradient estimators
f'(z), f(z)ε/σ, f'(z)ε, f(z)(ε²-1)/σ on the same draws (mean and variance, each with an SE), with their closed forms.
"""
import math

import numpy as np

from common import CHUNK_ELEMENTS, Moments, Moments4, chunks, main

DEFAULTS = {"mu": 1.0, "sigma": 1.0, "f": "square", "omega": 1.0, "samples": 100000}


def exact(p):
    mu, s, w = p["mu"], p["sigma"], p["omega"]
    if p["f"] == "sin":
        damp = math.exp(-0.5 * w * w * s * s)
        b = 2.0 * w * s
        b2, damp2, c2 = b * b, math.exp(-0.5 * b * b), math.cos(2.0 * w * mu)
        gmu, gsig = w * math.cos(w * mu) * damp, -w * w * s * math.sin(w * mu) * damp
        second = [0.5 * w * w * (1 + c2 * damp2), (1 - c2 * (1 - b2) * damp2) / (2 * s * s),
                  0.5 * w * w * (1 + c2 * (1 - b2) * damp2), (2 - c2 * (b2 * b2 - 4 * b2 + 2) * damp2) / (2 * s * s)]
        mean = [gmu, gmu, gsig, gsig]
        return math.sin(w * mu) * damp, mean, [second[e] - mean[e] ** 2 for e in range(4)]
    mu2, s2 = mu * mu, s * s
    var = [4 * s2, (mu2 * mu2 + 18 * mu2 * s2 + 15 * s2 * s2) / s2 - 4 * mu2, 4 * mu2 + 8 * s2,
           (2 * mu2 * mu2 + 60 * mu2 * s2 + 78 * s2 * s2) / s2 - 4 * s2]
    return mu2 + s2, [2 * mu, 2 * mu, 2 * s, 2 * s], var


def task(p, rng):
    mu, s, w = p["mu"], p["sigma"], p["omega"]
    objective, acc = Moments(), Moments4()
    for n in chunks(p["samples"], CHUNK_ELEMENTS):
        e = rng.standard_normal(n)
        z = mu + s * e
        if p["f"] == "sin":
            f, df = np.sin(w * z), w * np.cos(w * z)
        else:
            f, df = z * z, 2.0 * z
        objective.add(f)
        acc.add(np.stack([df, f * e / s, df * e, f * (e * e - 1.0) / s], axis=1))
    obj_exact, mean_exact, var_exact = exact(p)
    out = {"objective": objective.mean, "objective_se": objective.se(), "objective_exact": obj_exact}
    mean, mean_se, var, var_se = acc.mean, acc.mean_se(), acc.var(), acc.var_se()
    for e, stem in enumerate(("grad_mu_rep", "grad_mu_sf", "grad_sigma_rep", "grad_sigma_sf")):
        out[stem + "_mean"], out[stem + "_mean_se"], out[stem + "_mean_exact"] = mean[e], mean_se[e], mean_exact[e]
        out[stem + "_var"], out[stem + "_var_se"], out[stem + "_var_exact"] = var[e], var_se[e], var_exact[e]
    return out


if __name__ == "__main__":
    main(task, DEFAULTS)
