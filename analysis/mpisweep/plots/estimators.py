"""kexue.fm/archives/6747: biased and unbiased variance estimators (science.md section 6).

Against n: the bias of SS/n against −σ²/n (and SS/(n−1) unbiased), the MSE of the divisors n, n−1 and n+1 on
log-log axes against their exact values per distribution, E s against c₄(n)σ, and which divisor has the smallest
MSE. Against σ²: every mean scales like σ² and every MSE like σ⁴. Against the number of draws: 1/√R convergence.
"""
from .core import COLORS, legend, new_figure, np, plot_lines, sweep_title
from . import common

DIVISORS = [("biased", "SS/n"), ("unbiased", "SS/(n−1)"), ("minmse", "SS/(n+1)")]


def _n_figure(v):
    ds = v.ds
    dists = v.values("dist") if v.has_param("dist") else [None]
    s2 = v.p("sigma2")
    fig, axes = new_figure(3 + len(dists), ncols=3, panel=(5.0, 3.8),
                           title=sweep_title(v, "SS/n is biased by −σ²/n; SS/(n−1) is unbiased but not the "
                                                "lowest-MSE choice"))
    series = [d for d in v.tdims if d != "n"]
    # 1. bias
    ax = axes[0]
    plot_lines(ax, v, ds["mean_biased"] - s2, "n", series=series, se=ds["mean_biased_se"],
               exact=ds["mean_biased_exact"] - s2, logx=True, label="SS/n")
    plot_lines(ax, v, ds["mean_unbiased"] - s2, "n", series=series, se=ds["mean_unbiased_se"],
               exact=ds["mean_unbiased_exact"] - s2, logx=True, label="SS/(n−1)", index=len(dists), marker="s")
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xlabel(v.label("n", "sample size n"))
    ax.set_ylabel("bias E σ̂² − σ² [1]")
    ax.set_title("Bias: −σ²/n for SS/n, 0 for SS/(n−1)")
    legend(ax, fontsize=6.5, exact="exact (dashed)")
    # 2..: MSE per distribution
    for k, d in enumerate(dists):
        ax = axes[1 + k]
        sv = v.isel({"dist": list(ds["dist"].values).index(d)}) if d is not None and "dist" in v.tdims else v
        ser = [t for t in sv.tdims if t != "n"]
        for j, (name, lab) in enumerate(DIVISORS):
            plot_lines(ax, sv, "mse_" + name, "n", series=ser, logx=True, logy=True, label=lab, index=j,
                       color=COLORS[j] if not ser else None)
        ax.set_xlabel(v.label("n", "sample size n"))
        ax.set_ylabel(v.label("mse_biased", "MSE E(σ̂² − σ²)²"))
        ax.set_title(f"MSE of the three divisors{': ' + d if d else ''}")
        legend(ax, fontsize=7, exact="exact (dashed)")
    # MSE relative to the unbiased estimator's
    ax = axes[1 + len(dists)]
    ref = ds["mse_unbiased_exact"]
    for j, (name, lab) in enumerate([DIVISORS[0], DIVISORS[2]]):
        plot_lines(ax, v, ds["mse_" + name] / ref, "n", series=series, se=ds["mse_" + name + "_se"] / ref,
                   exact=ds["mse_" + name + "_exact"] / ref, logx=True, label=lab, index=j * len(dists),
                   marker="o" if j == 0 else "s")
    ax.axhline(1, color="k", lw=1, ls=":", label="SS/(n−1)")
    ax.set_xlabel(v.label("n", "sample size n"))
    ax.set_ylabel("MSE / MSE of SS/(n−1) [1]")
    ax.set_title("Below 1: better than the unbiased estimator")
    legend(ax, fontsize=6.5, exact="exact (dashed)")
    # E s against c4
    ax = axes[2 + len(dists)]
    sd = np.sqrt(s2)
    plot_lines(ax, v, ds["mean_sd"] / sd, "n", series=series, se=ds["mean_sd_se"] / sd,
               exact=ds["mean_sd_exact"] / sd, logx=True, exact_color="k")
    ax.axhline(1, color="0.4", lw=0.8)
    ax.set_xlabel(v.label("n", "sample size n"))
    ax.set_ylabel("E s / σ [1]")
    ax.set_title("s = √(SS/(n−1)) is biased: E s = c₄(n)σ (Gaussian)")
    legend(ax, fontsize=6.5, exact="c₄(n), exact for Gaussian data")
    cap = ("Top left: the bias of SS/n (markers, ±1 SE) sits on −σ²/n (dashed) and SS/(n−1) on 0. Then, per "
           "distribution, the MSE of the three divisors against their exact values (dashed): for Gaussian data "
           "SS/(n+1) < SS/n < SS/(n−1) at every n, so the unbiased estimator has the largest MSE; for the "
           "platykurtic uniform the best divisor is close to n; for the heavy-tailed exponential SS/(n+1) wins by "
           "far. Bottom: MSE relative to SS/(n−1), and E s/σ against c₄(n) (exact for Gaussian data only): taking "
           "the square root brings the bias back.")
    return fig, cap


def _sigma_figure(v):
    ds = v.ds
    fig, axes = new_figure(2, ncols=2, panel=(5.8, 4.0),
                           title=sweep_title(v, "scaling with σ²: means ∝ σ², MSEs ∝ σ⁴"))
    series = [d for d in v.tdims if d != "sigma2"]
    for ax, kind in zip(axes, ("mean", "mse")):
        # the three means are the same SS scaled, so their ratios to exact coincide: one is drawn
        for j, (name, lab) in enumerate(DIVISORS if kind == "mse" else DIVISORS[1:2]):
            y = f"{kind}_{name}"
            ex = ds[y + "_exact"]
            plot_lines(ax, v, ds[y] / ex, "sigma2", series=series, se=ds[y + "_se"] / ex, exact=None, logx=True,
                       label=lab, index=j * 3, connect=True, marker="osD"[j])
        ax.axhline(1, color="k", ls="--", lw=1)
        ax.set_xlabel(v.label("sigma2", "true variance σ²"))
        ax.set_ylabel(f"{'mean' if kind == 'mean' else 'MSE'} / exact [1]")
        ax.set_title(f"{'Means' if kind == 'mean' else 'MSEs'} over their exact values")
        legend(ax, fontsize=6, exact=None, ncol=1)
    cap = ("Every estimator's mean and MSE divided by its exact value stays at 1 (±1 SE) over the decades of σ²: "
           "the means scale like σ² and the MSEs like σ⁴, as the closed forms say (the three means are one sum of "
           "squares over different divisors, so only SS/(n−1)'s ratio is drawn).")
    return fig, cap


def _draws_figure(v):
    fig, axes = new_figure(2, ncols=2, panel=(5.8, 4.0),
                           title=sweep_title(v, "Monte-Carlo convergence in the number of replicates"))
    ys = ["mean_biased", "mean_unbiased", "mse_unbiased", "mean_sd"]
    common.convergence(axes[0], v, ys, "draws", labels=["mean SS/n", "mean SS/(n−1)", "MSE SS/(n−1)", "E s"])
    axes[0].set_xlabel(v.label("draws", "replicates R"))
    common.pulls(axes[1], v, ys + ["mse_biased", "mse_minmse"], "draws", logx=True)
    axes[1].set_xlabel(v.label("draws", "replicates R"))
    cap = ("Left: each replicate's relative error (dots) and the estimated SE (lines) fall like 1/√R. Right: the "
           "pulls (estimate − exact)/SE stay within ±2.")
    return fig, cap


def plot_variance_bias(v):
    if v.varies("n"):
        return [_n_figure(v)]
    if v.varies("sigma2"):
        return [_sigma_figure(v)]
    if v.varies("draws"):
        return [_draws_figure(v)]
    return []
