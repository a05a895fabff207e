"""kexue.fm/archives/7076: the angle between two random vectors in R^n (science.md section 4).

Against the dimension n: Var θ against the exact ½ψ'(n/2), the article's Laplace value 1/(n-2) and the
better 1/(n-1); the relative error of those approximations against the Monte-Carlo resolution; E cos²θ = 1/n;
the fraction within 5° and 10° of 90°; the pulls of every estimate; histograms against the exact Beta law.
Against the number of samples: errors shrinking like 1/sqrt(samples), pulls and chi-square p-values.
"""
from .core import (COLORS, Line2D, _pick, legend, new_figure, np, plot_lines, slope_guide, sweep_title, xr)
from . import common


def _dim_figure(v):
    ds = v.ds
    n = ds["dim"].astype(float)
    fig, axes = new_figure(6, ncols=3, title=sweep_title(v, "two random vectors in high dimension are almost "
                                                            "orthogonal: the angle's spread shrinks like 1/n"))
    # 1. variance against n, log-log
    ax = axes[0]
    plot_lines(ax, v, "var_angle", "dim", logx=True, logy=True, label="Monte Carlo", color=COLORS[0],
               exact_label="exact ½ψ′(n/2)")
    nn = np.geomspace(max(float(n.min()), 2.0), float(n.max()), 200)
    ax.plot(nn, 1 / (nn - 1), color=COLORS[2], ls=":", lw=1.4, label="1/(n−1)")
    n3 = nn[nn > 2.05]
    ax.plot(n3, 1 / (n3 - 2), color=COLORS[1], ls="-.", lw=1.2, label="Laplace 1/(n−2) (article)")
    ax.set_xlabel(v.label("dim", "dimension n"))
    ax.set_ylabel(v.label("var_angle", "Var θ"))
    ax.set_title("Variance of the angle")
    vals = np.concatenate([ds["var_angle"].values, ds["var_angle_exact"].values])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    ax.set_ylim(vals.min() / 1.6, vals.max() * 1.8)
    legend(ax, measured=None, exact=None)
    # 2. relative error of the approximations against the MC resolution
    ax = axes[1]
    ex = ds["var_angle_exact"]
    rel_mc = np.abs(ds["var_angle"] / ex - 1)
    rel_se = ds["var_angle_se"] / ex
    nv = n.values
    order = np.argsort(nv)
    ax.fill_between(nv[order], 1e-12, rel_se.values[order], color="0.85", label="MC resolution (1 SE)")
    ax.plot(nv, rel_mc.values, "o", color=COLORS[0], ms=5, label="|MC / exact − 1|")
    exv = ex.values
    ok1 = nv > 1
    ax.plot(nv[ok1][np.argsort(nv[ok1])], (1 / (nv[ok1] - 1) / exv[ok1] - 1)[np.argsort(nv[ok1])], color=COLORS[2],
            ls=":", lw=1.6, marker=".", label="1/(n−1): ≈ 1/(3n²)")
    ok2 = nv > 2
    if ok2.any():
        o2 = np.argsort(nv[ok2])
        ax.plot(nv[ok2][o2], (1 / (nv[ok2] - 2) / exv[ok2] - 1)[o2], color=COLORS[1], ls="-.", lw=1.4, marker=".",
                label="1/(n−2): ≈ 1/n")
    ax.set_xscale("log")
    ax.set_yscale("log", nonpositive="mask")
    top = np.nanmax(np.concatenate([rel_mc.values, rel_se.values, [1.5]]))
    finite = rel_mc.values[np.isfinite(rel_mc.values) & (rel_mc.values > 0)]
    ax.set_ylim(max(min(np.nanmin(rel_se.values) / 5, finite.min() / 2 if finite.size else 1), 1e-9), top * 1.5)
    ax.set_xlabel(v.label("dim", "dimension n"))
    ax.set_ylabel("relative error of Var θ [1]")
    ax.set_title("Approximations against exact ½ψ′(n/2)")
    legend(ax, measured=None, exact=None)
    # 3. E cos^2 = 1/n
    ax = axes[2]
    plot_lines(ax, v, "mean_cos2", "dim", logx=True, logy=True, color=COLORS[0], exact_label="exact 1/n",
               label="Monte Carlo")
    ax.set_xlabel(v.label("dim", "dimension n"))
    ax.set_ylabel(v.label("mean_cos2", "E cos²θ"))
    ax.set_title("Mean squared cosine")
    legend(ax, measured=None, exact=None)
    # 4. near-orthogonality fractions
    ax = axes[3]
    plot_lines(ax, v, "frac_within_5deg", "dim", logx=True, color=COLORS[0], label="within 5°")
    plot_lines(ax, v, "frac_within_10deg", "dim", logx=True, color=COLORS[1], label="within 10°")
    ax.set_xlabel(v.label("dim", "dimension n"))
    ax.set_ylabel("P(|θ − 90°| < δ) [1]")
    ax.set_title("Fraction of pairs nearly orthogonal")
    ax.set_ylim(-0.02, 1.05)
    legend(ax, exact="exact I(sin²δ; ½, (n−1)/2)")
    # 5. pulls
    common.pulls(axes[4], v, ["mean_angle", "var_angle", "mean_cos2", "frac_within_5deg", "frac_within_10deg"],
                 "dim", logx=True, labels=["mean θ", "Var θ", "E cos²θ", "within 5°", "within 10°"])
    axes[4].set_xlabel(v.label("dim", "dimension n"))
    # 6. chi-square p-values of the histograms
    common.pvalues(axes[5], v, "chi2_pvalue", "dim", logx=True)
    axes[5].set_xlabel(v.label("dim", "dimension n"))
    cap = ("Left: the measured variance of the angle (markers, ±1 SE) sits on the exact ½ψ′(n/2) (dashed) for "
           "every n; the article's Laplace approximation 1/(n−2) is visibly too large at small n, 1/(n−1) much "
           "closer. Middle top: their relative errors fall like 1/n and 1/(3n²) while the Monte-Carlo error stays "
           "at its standard error (grey band). Right: E cos²θ = 1/n; the fraction within 5° and 10° of 90° climbs "
           "to 1. Bottom: pulls (measured − exact)/SE should scatter within ±2, and the histograms' chi-square "
           "p-values uniformly in [0, 1].")
    return fig, cap


def _hist_figure(v):
    ds = v.ds
    dims = list(ds["dim"].values)
    pick = [dims[k] for k in _pick(len(dims), 6)]
    fig, axes = new_figure(len(pick), ncols=3, panel=(4.6, 3.3),
                           title=sweep_title(v, "histograms of θ against the exact law p_n(θ) ∝ sin^(n−2) θ"))
    nb = ds.sizes["bin"]
    edges = np.linspace(0, 180, nb + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    for ax, d in zip(axes, pick):
        sub = ds.sel(dim=d)
        h, e = sub["hist"].values, sub["hist_exact"].values
        se = sub["hist_se"].values if "hist_se" in sub else None
        ax.stairs(e, edges, color="k", lw=1.3, ls="--", label="exact bin probability")
        ax.errorbar(centres, h, yerr=se, fmt="o", ms=3.5, color=COLORS[0], capsize=2, label="measured ± SE")
        ax.set_title(f"n = {d}")
        ax.set_xlabel("angle θ [degrees]")
        ax.set_ylabel("fraction of pairs per bin [1]")
        ax.set_xticks([0, 45, 90, 135, 180])
        ax.set_xlim(0, 180)
        ax.legend(fontsize=7, loc="best")
    cap = ("Histograms of the angle (markers, ±1 SE) against the exact bin probabilities from the Beta((n−1)/2, "
           "(n−1)/2) law of (1 − cos θ)/2 (dashed steps): uniform for n = 2, and more and more concentrated at 90° "
           "as n grows.")
    return fig, cap


def _samples_figure(v):
    fig, axes = new_figure(3, ncols=3, title=sweep_title(v, "Monte-Carlo convergence at n = "
                                                            f"{v.fixed('dim', '?')}"))
    qs = [("var_angle", "Var θ"), ("mean_cos2", "E cos²θ"), ("mean_angle", "mean θ"),
          ("frac_within_10deg", "within 10°")]
    qs = [q for q in qs if v.has(q[0])]
    common.convergence(axes[0], v, [q[0] for q in qs], "samples", labels=[q[1] for q in qs])
    axes[0].set_xlabel(v.label("samples", "pairs drawn"))
    common.pulls(axes[1], v, [q[0] for q in qs], "samples", logx=True, labels=[q[1] for q in qs])
    axes[1].set_xlabel(v.label("samples", "pairs drawn"))
    common.pvalues(axes[2], v, "chi2_pvalue", "samples", logx=True)
    axes[2].set_xlabel(v.label("samples", "pairs drawn"))
    cap = ("Left: the relative error |estimate/exact − 1| of each replicate (dots) and the estimated relative "
           "standard error (lines) fall like 1/√samples (dotted slope −½). Middle: pulls stay within ±2. Right: the "
           "histogram chi-square p-values stay uniform: the test keeps its size at every sample count.")
    return fig, cap


def plot_angle(v):
    figs = []
    if v.varies("dim"):
        figs.append(_dim_figure(v))
        if v.has("hist"):
            figs.append(_hist_figure(v))
    elif v.varies("samples"):
        figs.append(_samples_figure(v))
    return figs
