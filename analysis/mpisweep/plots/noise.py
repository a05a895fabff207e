"""kexue.fm/archives/7466: input noise, gradient penalties and virtual adversarial training (science.md section 1).

noise_penalty, against the noise σ: the second-order (Laplacian) prediction's error growing like σ⁴ while the
Monte-Carlo error stays at its SE, and the consistency loss over the gradient penalty tending to 1 with a gap
∝ σ²; against the input width: the same ratio; against the number of probes: Hutchinson's estimator converging
like 1/√N, Rademacher probes with less variance than Gaussian ones; against the FGM step: the first-order ratio
1 + O(e).
vat, against the power iterations r: |cos(u_r, v₁)| against the exact power method and its (λ₂/λ₁)^r
envelope; against ξ: the finite-difference deviation ∝ ξ; against the radius ε: adversarial, top-eigenvector and
random-direction losses against (ε²/2)·(curvature).
"""
from .core import (COLORS, MARKERS, Line2D, bars, legend, new_figure, np, plot_lines, slope_guide, sweep_title, xr)
from . import common


def _guide(ax, v, da, x, slope, label=None):
    """A dotted slope guide starting a factor 3 below the lowest series at the smallest x."""
    xs = np.asarray(v.values(x), dtype=float)
    if x in da.dims:
        first = da.isel({x: int(np.argmin(np.asarray(v.ds[x].values, dtype=float)))})
        y0 = np.asarray(first.values, dtype=float)
        y0 = y0[np.isfinite(y0) & (y0 > 0)]
        if y0.size:
            slope_guide(ax, xs, float(y0.min()) / 3, slope, label or f"slope {slope:g}")


def _series(v, x):
    return [d for d in v.tdims if d != x]


def _noise_figure(v):
    ds = v.ds
    fig, axes = new_figure(4, ncols=2, panel=(5.8, 4.0),
                           title=sweep_title(v, "input noise ≈ Laplacian regulariser; consistency loss ≈ gradient "
                                                "penalty"))
    series = _series(v, "noise")
    # 1. Taylor error vs MC error
    ax = axes[0]
    terr = np.abs(ds["taylor_loss"] - ds["noisy_loss_exact"])
    merr = np.abs(ds["noisy_loss"] - ds["noisy_loss_exact"])
    terr = terr.where(terr > 1e-11 * np.abs(ds["noisy_loss_exact"]))  # rounding level: exact (linear model)
    plot_lines(ax, v, terr, "noise", series=series, se=None, exact=None, logx=True, logy=True,
               connect=True, label="|2nd order − exact|")
    plot_lines(ax, v, merr.where(merr > 0), "noise", series=series, se=None, exact=None, logx=True, logy=True,
               connect=False, label="|MC − exact|", marker="x", index=0)
    plot_lines(ax, v, ds["noisy_loss_se"], "noise", series=series, se=None, exact=None, logx=True, logy=True,
               label="MC SE", marker="none", ls=":", index=0)
    xs = np.asarray(v.values("noise"), dtype=float)
    _guide(ax, v, terr, "noise", 4.0)
    ax.set_xlabel(v.label("noise", "noise σ (s for sin)"))
    ax.set_ylabel("absolute error of E l(f(x+ε), y) [1]")
    ax.set_title("Second-order expansion: error ∝ σ⁴")
    legend(ax, measured=None, exact=None, fontsize=6.5, ncol=1)
    # 2. relative error of the predicted increase
    ax = axes[1]
    rel = np.abs(ds["taylor_rel_error"])
    plot_lines(ax, v, rel.where(rel > 1e-10), "noise", series=series, se=None, exact=None, logx=True, logy=True,
               connect=True)
    models = v.values("model") if v.has_param("model") else []
    if "sin_mse" in models:
        ax.plot(xs, 0.601 * xs ** 2, color="k", ls="--", lw=1.2, label="0.601 s² (sin, science.md)")
    ax.set_xlabel(v.label("noise", "noise σ"))
    ax.set_ylabel("|relative error of the increase| [1]")
    ax.set_title("Relative error of l + (σ²/2)Δl: ∝ σ²")
    legend(ax, measured=None, exact=None, fontsize=7)
    # 3. consistency ratio
    ax = axes[2]
    plot_lines(ax, v, "consistency_ratio", "noise", series=series, logx=True, exact="consistency_ratio_exact")
    ax.axhline(1, color="0.4", lw=0.8)
    ax.set_xlabel(v.label("noise", "noise σ"))
    ax.set_ylabel(v.label("consistency_ratio", "E l(f(x+ε), f(x)) / gradient penalty"))
    ax.set_title("Consistency loss over gradient penalty → 1")
    legend(ax, fontsize=7, exact="exact (quadrature)")
    # 4. gap 1 - ratio
    ax = axes[3]
    gap = np.abs(1 - ds["consistency_ratio_exact"])
    gap = gap.where(gap > 1e-10)
    plot_lines(ax, v, gap, "noise", series=series, se=None, exact=None, logx=True, logy=True,
               connect=True, label="|1 − exact ratio|" if not series else None)
    _guide(ax, v, gap, "noise", 2.0)
    ax.set_xlabel(v.label("noise", "noise σ"))
    ax.set_ylabel("|1 − exact ratio| [1]")
    ax.set_title("The gap grows like σ² (0 for a linear model)")
    legend(ax, measured=None, exact=None, fontsize=7)
    cap = ("Top left: the article's second-order prediction l + (σ²/2)Δl misses the exact noisy loss by an amount "
           "growing like σ⁴ (slope 4), while the Monte-Carlo estimate's error stays at its standard error. Top "
           "right: relative to the increase it is a σ² error (0.601 s² for the sin model). Bottom: the label-free "
           "consistency loss E l(f(x+ε), f(x)) over the gradient penalty (σ²‖J‖²_F for MSE, (σ²/2)tr H for KL) "
           "tends to 1 as σ → 0 (markers ±1 SE, dashed: exact by quadrature), with a gap ∝ σ²; it is exactly 1 "
           "for a linear model.")
    return fig, cap


def _width_figure(v):
    fig, axes = new_figure(1, panel=(7.0, 4.4),
                           title=sweep_title(v, "consistency loss over gradient penalty against the input width"))
    ax = axes[0]
    plot_lines(ax, v, "consistency_ratio", "inputs", series=_series(v, "inputs"), logx=True,
               exact="consistency_ratio_exact")
    ax.axhline(1, color="0.4", lw=0.8)
    ax.set_xlabel(v.label("inputs", "input dimension d"))
    ax.set_ylabel(v.label("consistency_ratio", "consistency / gradient penalty"))
    ax.set_title("Ratio against width (dashed: exact)")
    legend(ax, fontsize=7, exact="exact (quadrature)")
    cap = ("The consistency loss over the gradient penalty (markers, ±1 SE; dashed: exact) for input dimensions "
           "d: at small noise it is 1 for every width; at large noise the gap depends on the model's curvature.")
    return fig, cap


def _hutchinson_figure(v):
    models = v.values("model") if v.varies("model") else [None]
    fig, axes = new_figure(len(models) + 1, ncols=min(3, len(models) + 1), panel=(5.0, 3.9),
                           title=sweep_title(v, "Hutchinson's estimator of ‖G‖²_F with one random probe per draw"))
    for ax, m in zip(axes, models):
        sv = v.isel({"model": list(v.ds["model"].values).index(m)}) if m is not None else v
        common.convergence(ax, sv, ["hutch_rademacher", "hutch_gauss"], "samples", labels=["Rademacher η",
                                                                                         "Gaussian η"])
        ax.set_xlabel(v.label("samples", "probes N"))
        ax.set_title(f"{m or ''}: convergence like 1/√N", fontsize=10)
    ax = axes[-1]
    series = _series(v, "samples")
    plot_lines(ax, v, "hutch_rademacher_var", "samples", series=series, logx=True, logy=True, label="Rademacher",
               index=0)
    plot_lines(ax, v, "hutch_gauss_var", "samples", series=series, logx=True, logy=True, label="Gaussian",
               index=len(models), marker="s")
    ax.set_xlabel(v.label("samples", "probes N"))
    ax.set_ylabel(v.label("hutch_gauss_var", "variance of one probe"))
    ax.set_title("Single-probe variance: Rademacher < Gaussian")
    legend(ax, fontsize=6.5, exact="exact 2Σ_{i≠j}M²_ij / 2‖M‖²_F")
    cap = ("Left: the error of the Hutchinson estimate Σ_i‖∇f_i‖² ≈ mean ‖Gᵀη‖² (dots: each replicate; lines: "
           "the estimated SE) falls like 1/√N for both probe laws. Right: the variance of a single probe "
           "(markers, ±1 SE) matches its exact value (dashed): 2Σ_{i≠j}M_ij² for Rademacher η against 2‖M‖²_F for "
           "Gaussian η, so one random-sign gradient is the cheaper estimate of the penalty.")
    return fig, cap


def _fgm_figure(v):
    fig, axes = new_figure(2, ncols=2, panel=(5.8, 4.0),
                           title=sweep_title(v, "FGM: loss change along the gradient against first order"))
    series = _series(v, "fgm_step")
    xs = np.asarray(v.values("fgm_step"), dtype=float)
    for ax, (y, name) in zip(axes, [("fgm_ratio", "[l(x + e g) − l(x)] / (e‖g‖²) − 1"),
                                    ("fgm_normalized_ratio", "[l(x + e g/‖g‖) − l(x)] / (e‖g‖) − 1")]):
        d = np.abs(v.ds[y] - 1)
        plot_lines(ax, v, d.where(d > 0), "fgm_step", series=series, se=None, exact=None, logx=True, logy=True,
                   connect=True)
        _guide(ax, v, d.where(d > 0), "fgm_step", 1.0)
        ax.set_xlabel(v.label("fgm_step", "step e"))
        ax.set_ylabel(f"|{name}| [1]", fontsize=8)
        ax.set_title("plain FGM" if y == "fgm_ratio" else "normalised FGM")
        legend(ax, measured=None, exact=None, fontsize=7)
    cap = ("The loss change along the gradient divided by its first-order value departs from 1 only linearly in "
           "the step e (slope 1): to first order, supervised adversarial training (FGM) adds a gradient penalty "
           "e‖∇ₓl‖² (or e‖∇ₓl‖ when normalised).")
    return fig, cap


def _bars_fallback(v):
    by = v.swept_params()[0] if v.swept_params() else None
    if by is None:
        return None
    fig, axes = new_figure(2, ncols=2, panel=(5.6, 4.0), title=sweep_title(v, f"by {by}"))
    bars(axes[0], v, ["consistency_ratio"], by)
    axes[0].axhline(1, color="0.4", lw=0.8)
    axes[0].set_ylabel("consistency / gradient penalty [1]")
    axes[0].legend(fontsize=7)
    bars(axes[1], v, ["hutch_rademacher", "hutch_gauss"], by)
    axes[1].set_ylabel("Hutchinson estimate of ‖G‖²_F [1]")
    axes[1].legend(fontsize=7)
    return fig, "Consistency ratio and Hutchinson estimates (±1 SE) with exact values (black ticks)."


def plot_noise_penalty(v):
    if v.varies("fgm_step"):
        return [_fgm_figure(v)]
    if v.varies("samples"):
        return [_hutchinson_figure(v)]
    if v.varies("inputs"):
        return [_width_figure(v)]
    if v.varies("noise"):
        return [_noise_figure(v)]
    f = _bars_fallback(v)
    return [f] if f else []


# ---- vat ----

def _power_figure(v):
    ds = v.ds
    fig, axes = new_figure(3, ncols=3, panel=(5.0, 3.9),
                           title=sweep_title(v, "VAT: finite-difference power iteration towards H's top eigenvector"))
    series = _series(v, "iterations")
    ax = axes[0]
    plot_lines(ax, v, "cos_top", "iterations", series=series, exact_label=None)
    ax.set_xlabel(v.label("iterations", "power iterations r"))
    ax.set_ylabel(v.label("cos_top", "|cos(u_r, v₁)|"))
    ax.set_ylim(-0.02, 1.05)
    ax.set_title("Alignment with the top eigenvector")
    legend(ax, fontsize=7, exact="exact power method")
    ax = axes[1]
    one = 1 - ds["cos_top"]
    plot_lines(ax, v, one.where(one > 0), "iterations", series=series, se=ds["cos_top_se"],
               exact=(1 - ds["cos_top_exact"]), logy=True)
    env = ds["envelope"] ** 2
    start = (1 - ds["cos_top_exact"]).isel(iterations=0) if "iterations" in ds["cos_top_exact"].dims else None
    if start is not None:
        plot_lines(ax, v, env * start, "iterations", series=series, se=None, exact=None, marker="none", ls=":",
                   color="0.4", label="(λ₂/λ₁)^(2r) envelope")
    ax.set_xlabel(v.label("iterations", "power iterations r"))
    ax.set_ylabel("1 − |cos(u_r, v₁)| [1]")
    ax.set_title("Convergence against the (λ₂/λ₁)^r envelope")
    legend(ax, fontsize=6.5, exact="exact power method")
    ax = axes[2]
    plot_lines(ax, v, "rayleigh", "iterations", series=series, exact=None, connect=True)
    lam = float(np.nanmean(ds["lambda_max"].values))
    ax.axhline(lam, color="k", ls="--", lw=1.2, label=f"λ_max = {lam:.5f}")
    tr = float(np.nanmean(ds["trace_h"].values))
    d = v.fixed("inputs", None)
    if d:
        ax.axhline(tr / d, color="0.5", ls=":", lw=1.2, label=f"tr H / d = {tr / d:.5f}")
    ax.set_xlabel(v.label("iterations", "power iterations r"))
    ax.set_ylabel(v.label("rayleigh", "u_rᵀ H u_r"))
    ax.set_title("Rayleigh quotient → λ_max")
    legend(ax, fontsize=7, exact=None)
    cap = ("Left: the VAT direction after r finite-difference power iterations (markers, ±1 SE over random starts) "
           "against the exact power method (dashed): from the fixed start 1/√d it converges steadily; from a random "
           "start a single iteration already gives most of the alignment, because H has rank ≤ k − 1. Middle: "
           "1 − |cos| on a log axis with the power method's (λ₂/λ₁)^(2r) envelope (dotted). Right: the Rayleigh "
           "quotient climbs from the random-direction value tr H/d to λ_max.")
    return fig, cap


def _xi_figure(v):
    fig, axes = new_figure(2, ncols=2, panel=(5.8, 4.0),
                           title=sweep_title(v, "the finite-difference step ξ of the Hessian-vector product"))
    series = _series(v, "xi")
    xs = np.asarray(v.values("xi"), dtype=float)
    ax = axes[0]
    plot_lines(ax, v, "fd_deviation", "xi", series=series, logx=True, logy=True, exact=None, connect=True)
    _guide(ax, v, v.ds["fd_deviation"], "xi", 1.0)
    ax.axvline(10, color=COLORS[1], ls=":", lw=1.2, label="ξ = 10 (article's Keras code)")
    ax.set_xlabel(v.label("xi", "ξ"))
    ax.set_ylabel(v.label("fd_deviation", "‖u_r(ξ) − u_r(exact)‖"))
    ax.set_title("Deviation from the exact power method ∝ ξ")
    legend(ax, fontsize=7, exact=None, measured=None)
    ax = axes[1]
    plot_lines(ax, v, "cos_top", "xi", series=series, logx=True, exact_label=None)
    ax.axvline(10, color=COLORS[1], ls=":", lw=1.2)
    ax.set_xlabel(v.label("xi", "ξ"))
    ax.set_ylabel(v.label("cos_top", "|cos(u_r, v₁)|"))
    ax.set_ylim(-0.02, 1.05)
    ax.set_title("Alignment with v₁ against ξ")
    legend(ax, fontsize=7, exact="exact power method (dashed)")
    cap = ("Left: the finite-difference iterate departs from the exact power method linearly in ξ. Right: for "
           "small ξ the alignment equals the exact power method's (dashed); at ξ ≈ 1–10 (the article's Keras "
           "default is 10) the difference quotient no longer approximates H u and the iteration loses the top "
           "eigenvector.")
    return fig, cap


def _radius_figure(v):
    ds = v.ds
    fig, axes = new_figure(2, ncols=2, panel=(5.8, 4.1),
                           title=sweep_title(v, "loss at radius ε: adversarial (VAT) against random directions"))
    series = _series(v, "epsilon")
    ax = axes[0]
    plot_lines(ax, v, "adv_loss", "epsilon", series=series, exact="adv_loss_pred", logx=True, logy=True,
               label="VAT direction")
    first = {d: 0 for d in series}
    sv = v.isel(first) if first else v
    plot_lines(ax, sv, "top_loss", "epsilon", exact="top_loss_pred", logx=True, logy=True, label="top eigenvector v₁",
               color="k", marker="*", index=0)
    plot_lines(ax, sv, "random_loss", "epsilon", exact="random_loss_pred", logx=True, logy=True,
               label="random direction", color="0.5", marker="v", index=0)
    ax.set_xlabel(v.label("epsilon", "radius ε"))
    ax.set_ylabel(v.label("adv_loss", "KL(p ‖ q(x + ε u))"))
    ax.set_title("Loss increase (dashed: (ε²/2)·curvature)")
    legend(ax, fontsize=6.5, exact="second order (dashed)")
    ax = axes[1]
    gain = ds["adv_loss"] / ds["random_loss"]
    plot_lines(ax, v, gain, "epsilon", series=series, se=None, exact=None, logx=True, connect=True,
               label="VAT / random")
    top = (ds["top_loss"] / ds["random_loss"])
    plot_lines(ax, sv, top.isel(first) if first else top, "epsilon", se=None, exact=None, logx=True, connect=True,
               label="v₁ / random", color="k", marker="*")
    gp = float(np.nanmean(ds["gain_pred"].values))
    ax.axhline(gp, color="k", ls="--", lw=1.2, label=f"d·λ_max / tr H = {gp:.3f}")
    ax.axhline(1, color="0.5", lw=0.8)
    ax.set_xlabel(v.label("epsilon", "radius ε"))
    ax.set_ylabel("loss ratio to a random direction [1]")
    ax.set_title("Gain of the adversarial direction")
    legend(ax, fontsize=7, exact=None, measured=None)
    cap = ("Left: the KL loss at radius ε along the VAT direction after r power iterations, along H's exact top "
           "eigenvector, and along random directions (markers), against the second-order predictions (ε²/2)·u_rᵀHu_r, "
           "(ε²/2)λ_max and (ε²/2)tr H/d (dashed). Right: the adversarial direction is worth d·λ_max/tr H times a "
           "random one at small ε; one power iteration already recovers most of that gain.")
    return fig, cap


def plot_vat(v):
    if v.varies("xi"):
        return [_xi_figure(v)]
    if v.varies("epsilon"):
        return [_radius_figure(v)]
    if v.varies("iterations"):
        return [_power_figure(v)]
    by = v.swept_params()[0] if v.swept_params() else None
    if by is None:
        return []
    fig, axes = new_figure(2, ncols=2, panel=(5.4, 3.9), title=sweep_title(v, f"by {by}"))
    bars(axes[0], v, ["cos_top"], by, labels=["|cos(u_r, v₁)|"])
    axes[0].set_ylabel("|cos(u_r, v₁)| [1]")
    axes[0].legend(fontsize=7)
    bars(axes[1], v, ["adv_loss", "random_loss"], by, labels=["VAT direction", "random direction"])
    axes[1].set_ylabel("KL at radius ε [1]")
    axes[1].legend(fontsize=7)
    return [(fig, "Alignment of the VAT direction with H's top eigenvector (black: exact power method), and the "
                  "loss along it against a random direction (black: second-order predictions).")]
