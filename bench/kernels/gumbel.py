"""gumbel.py: NumPy version of `gumbel` (src/experiments/exp_gumbel.c, src/numerics/reparam.c).

p = softmax(logits). `samples` Gumbel-max draws y = argmax(o + G): category frequencies, the objective f_y and the
REINFORCE gradients f_y (e_y - p) and (f_y - L)(e_y - p) (mean and single-sample variance, each with an SE); and
`samples` independent Gumbel-softmax draws ỹ = softmax((o + G)/τ): argmax frequencies, E ỹ, E max ỹ, E f·ỹ and
the pathwise gradient ỹ_j (f_j - f·ỹ)/τ (mean and variance with SEs). Plus the exact p, gradient and variances.
"""
import numpy as np

from common import CHUNK_ELEMENTS, Moments, Moments4, chunks, main

DEFAULTS = {"temperature": 0.5, "logits": [-1.6094379124341003, -1.2039728043259361, -0.6931471805599453],
            "values": [1.0, 2.0, 5.0], "samples": 100000}


def softmax_rows(z):
    z = z - z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def check(p):
    if len(p["logits"]) != len(p["values"]):
        raise SystemExit("values and logits differ in length")


def task(p, rng):
    o, f, tau, samples = np.array(p["logits"]), np.array(p["values"]), p["temperature"], p["samples"]
    k = o.size
    prob = softmax_rows(o.copy())
    objective_exact = prob @ f
    max_count, argmax_count = np.zeros(k), np.zeros(k)
    objective, top, relaxed, gs_mean = Moments(), Moments(), Moments(), Moments()
    reinforce, baseline, grad_gs = Moments4(), Moments4(), Moments4()
    eye = np.eye(k)
    for n in chunks(samples, max(1, CHUNK_ELEMENTS // k)):
        y = np.argmax(o + rng.gumbel(size=(n, k)), axis=1)
        max_count += np.bincount(y, minlength=k)
        fy = f[y]
        objective.add(fy)
        score = eye[y] - prob
        reinforce.add(fy[:, None] * score)
        baseline.add((fy - objective_exact)[:, None] * score)
        yt = softmax_rows((o + rng.gumbel(size=(n, k))) / tau)
        fyt = yt @ f
        best = np.argmax(yt, axis=1)
        argmax_count += np.bincount(best, minlength=k)
        top.add(yt[np.arange(n), best])
        relaxed.add(fyt)
        gs_mean.add(yt)
        grad_gs.add(yt * (f - fyt[:, None]) / tau)
    out = {}
    for name, count in (("gumbel_max_freq", max_count), ("gs_argmax_freq", argmax_count)):
        freq = count / samples
        out[name], out[name + "_se"], out[name + "_exact"] = freq, np.sqrt(freq * (1 - freq) / samples), prob
    out["gs_mean"], out["gs_mean_se"] = gs_mean.mean, gs_mean.se()
    grad = prob * (f - objective_exact)
    out["grad_exact"] = grad
    for name, acc in (("grad_gs", grad_gs), ("reinforce", reinforce), ("reinforce_baseline", baseline)):
        out[name + "_mean"], out[name + "_mean_se"] = acc.mean, acc.mean_se()
        out[name + "_var"], out[name + "_var_se"] = acc.var(), acc.var_se()
    for name, b in (("reinforce_var_exact", 0.0), ("reinforce_baseline_var_exact", objective_exact)):
        g = (f - b)[:, None] * (eye - prob)  # g[y, j]: the estimator's coordinate j when category y is drawn
        out[name] = prob @ (g * g) - grad * grad
    out["gs_max_mean"], out["gs_max_mean_se"] = top.mean, top.se()
    out["objective"], out["objective_se"], out["objective_exact"] = objective.mean, objective.se(), objective_exact
    out["relaxed_objective"], out["relaxed_objective_se"] = relaxed.mean, relaxed.se()
    out["relaxed_bias"], out["relaxed_bias_se"] = relaxed.mean - objective_exact, relaxed.se()
    return out


if __name__ == "__main__":
    main(task, DEFAULTS, check=check)
