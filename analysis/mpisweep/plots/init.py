"""kexue.fm/archives/7180: random matrices as near-orthogonal initialisations (science.md section 3).

init_orthogonality: the per-entry error mean((WᵀW − I)²) against fan_out on log-log axes (slope −1) per entry
law, the exact Frobenius formula, the spectral deviation ‖WᵀW − I‖₂ against c = n/m with the Marchenko-Pastur
limit 2√c + c (3 for square W: not orthogonal in operator norm), singular values, and norm preservation.
signal_propagation: log ‖h_l‖²/‖h_0‖² through depth for each activation and weight variance, against the exact
and mean-field laws.
"""
from .core import (COLORS, legend, new_figure, np, plot_lines, slope_guide, sweep_title, xr, fixed_text)

DIST_NAMES = {"gauss": "Gaussian", "uniform": "uniform", "rademacher": "Rademacher"}


def _c(v):
    return v.p("fan_in") / v.p("fan_out")


def _label_c(ax):
    ax.set_xlabel("c = fan_in / fan_out = n/m [1]")


def _spectral_panels(v, ax_dev, ax_sv, series):
    plot_lines(ax_dev, v, "spectral_dev", _c(v), series=series, exact="spectral_dev_limit", logx=True, logy=True,
               exact_label="Marchenko–Pastur 2√c + c")
    _label_c(ax_dev)
    ax_dev.set_ylabel(v.label("spectral_dev", "‖WᵀW − I‖₂"))
    ax_dev.set_title("Spectral deviation from orthogonality")
    legend(ax_dev, exact=None, fontsize=7)
    plot_lines(ax_sv, v, "sigma_min", _c(v), series=series, exact="sigma_min_limit", logx=True, label="σ_min",
               index=0)
    plot_lines(ax_sv, v, "sigma_max", _c(v), series=series, exact="sigma_max_limit", logx=True, label="σ_max",
               index=3)
    ax_sv.axhline(1, color="0.5", lw=0.8)
    _label_c(ax_sv)
    ax_sv.set_ylabel("singular value of W [1]")
    ax_sv.set_title("Extreme singular values (MP: 1 ∓ √c)")
    legend(ax_sv, exact="Marchenko–Pastur limit (dashed)", fontsize=7)


def _frobenius_figure(v):
    dists = v.values("dist") if v.has_param("dist") else [None]
    xdim = "fan_out" if v.varies("fan_out") else "fan_in"
    n_p = len(dists) + 2
    fig, axes = new_figure(n_p, ncols=min(n_p, 3), panel=(5.0, 3.9),
                           title=sweep_title(v, "iid entries of variance 1/fan_out: WᵀW ≈ I entrywise, error ∝ 1/m"))
    for ax, d in zip(axes, dists):
        sv = v.isel({"dist": list(v.ds["dist"].values).index(d)}) if d is not None and "dist" in v.tdims else v
        series = [t for t in sv.tdims if t != xdim]
        plot_lines(ax, sv, "entry_mse", xdim, series=series, logx=True, logy=True,
                   exact_label="exact n m (μ₄ − m⁻²)/n² + (n−1)/m")
        ax.set_xlabel(v.label(xdim, f"{xdim} ({'m' if xdim == 'fan_out' else 'n'})"))
        ax.set_ylabel(v.label("entry_mse", "mean((WᵀW − I)²)"))
        ax.set_title(f"{DIST_NAMES.get(d, d) if d else ''} entries: per-entry error (slope −1)")
        xs = np.asarray(v.values(xdim), dtype=float)
        ys = np.asarray(sv.ds["entry_mse_exact"].values, dtype=float)
        ys = ys[np.isfinite(ys)]
        if ys.size and xdim == "fan_out":
            slope_guide(ax, xs, float(np.nanmax(ys)) * 2.5, -1.0, "slope −1")
        legend(ax, exact=None, fontsize=6.5, ncol=2 if len(series) and len(ax.get_lines()) > 8 else 1)
    # exact formula check
    ax = axes[len(dists)]
    series = [t for t in v.tdims if t in ("dist",)]
    ratio = v.ds["frob_dev"] / v.ds["frob_dev_exact"]
    ratio_se = v.ds["frob_dev_se"] / v.ds["frob_dev_exact"]
    plot_lines(ax, v, ratio, _c(v), series=series, se=ratio_se, exact=None, logx=True, connect=False, ms=4)
    ax.axhline(1, color="k", ls="--", lw=1)
    _label_c(ax)
    ax.set_ylabel("‖WᵀW − I‖²_F / exact [1]")
    ax.set_title("Exact Frobenius formula, all shapes")
    legend(ax, exact=None, fontsize=7)
    # the caveat: operator norm
    ax = axes[len(dists) + 1]
    plot_lines(ax, v, "spectral_dev", _c(v), series=series, exact="spectral_dev_limit", logx=True, logy=True,
               exact_label="Marchenko–Pastur 2√c + c", connect=False, ms=4)
    _label_c(ax)
    ax.set_ylabel(v.label("spectral_dev", "‖WᵀW − I‖₂"))
    ax.set_title("Caveat: operator-norm deviation")
    legend(ax, exact=None, fontsize=7)
    cap = ("Per entry law: the article's check mean((WᵀW − I)²) (markers, ±1 SE) against fan_out m, one series per "
           "fan_in n, on the exact curve (dashed) and falling like 1/m (dotted): a random W is close to orthogonal "
           "entrywise, and the more so the larger m. The measured ‖WᵀW − I‖²_F over its exact expectation "
           "n m (μ₄ − m⁻²) + n(n − 1)/m is 1 for every shape and law. Last panel, the caveat: in operator norm the "
           "deviation follows 2√c + c (c = n/m), so a square W (c = 1) is far from orthogonal (→ 3); only tall W "
           "are near-isometries.")
    return fig, cap


def _spectral_figure(v):
    fig, axes = new_figure(2, ncols=2, panel=(5.6, 4.1),
                           title=sweep_title(v, "operator norm: Marchenko–Pastur, not orthogonal for square W"))
    series = [t for t in v.tdims if t not in ("fan_in", "fan_out", "point")]
    if v.varies("fan_in") and "fan_in" in v.tdims:
        series = ["fan_in"] + series
    _spectral_panels(v, axes[0], axes[1], series)
    cap = ("Left: the spectral deviation ‖WᵀW − I‖₂ (markers, ±1 SE) against c = n/m follows the Marchenko–Pastur "
           "limit 2√c + c (dashed), approached from below at finite n: only tall matrices (c → 0) are "
           "near-isometries. Right: the smallest and largest singular values of W against 1 ∓ √c.")
    return fig, cap


def _square_figure(v):
    fig, axes = new_figure(3, ncols=3, panel=(4.8, 3.9),
                           title=sweep_title(v, "square W (n = m): far from orthogonal in operator norm"))
    ax = axes[0]
    plot_lines(ax, v, "spectral_dev", "fan_in", exact="spectral_dev_limit", logx=True, label="measured",
               exact_label="MP limit 3")
    ax.set_xlabel(v.label("fan_in", "n = m"))
    ax.set_ylabel(v.label("spectral_dev", "‖WᵀW − I‖₂"))
    ax.set_title("Spectral deviation → 3")
    legend(ax, exact=None)
    ax = axes[1]
    gap = v.ds["spectral_dev_limit"] - v.ds["spectral_dev"]
    plot_lines(ax, v, gap, "fan_in", se=v.ds["spectral_dev_se"], exact=None, logx=True, logy=True,
               label="3 − measured")
    xs = np.asarray(v.values("fan_in"), dtype=float)
    g0 = gap.values[np.isfinite(gap.values)]
    if g0.size:
        slope_guide(ax, xs, float(g0[0]), -2.0 / 3.0, "slope −2/3")
    ax.set_xlabel(v.label("fan_in", "n = m"))
    ax.set_ylabel("limit − ‖WᵀW − I‖₂ [1]")
    ax.set_title("Approach from below like n^(−2/3)")
    legend(ax, exact=None)
    ax = axes[2]
    plot_lines(ax, v, "sigma_min", "fan_in", exact="sigma_min_limit", logx=True, logy=True, label="σ_min")
    plot_lines(ax, v, "entry_mse", "fan_in", exact="entry_mse_exact", logx=True, logy=True,
               label="mean((WᵀW − I)²)", index=3)
    ax.set_xlabel(v.label("fan_in", "n = m"))
    ax.set_ylabel("[1]")
    ax.set_title("σ_min → 0 while the entrywise error → 0")
    legend(ax, exact="exact (dashed)", fontsize=7)
    cap = ("Square Gaussian W of growing size. Left: ‖WᵀW − I‖₂ tends to 3, not 0 (dashed: the Marchenko–Pastur "
           "limit), and middle: it approaches 3 from below like n^(−2/3). Right: the smallest singular value goes to "
           "0 (W is nearly singular) even though the article's entrywise error (n + 1)/n² vanishes: 'approximately "
           "orthogonal' holds entrywise, not in operator norm.")
    return fig, cap


def _norm_figure(v):
    dists = v.values("dist") if v.varies("dist") else [None]
    fig, axes = new_figure(len(dists) + 1, ncols=min(len(dists) + 1, 4), panel=(4.6, 3.8),
                           title=sweep_title(v, "norm preservation: ‖Wx‖²/‖x‖² has mean 1 and variance ≈ 2/m"))
    x = "fan_out"
    for ax, d in zip(axes, dists):
        sv = v.isel({"dist": list(v.ds["dist"].values).index(d)}) if d is not None else v
        series = [t for t in sv.tdims if t != x]
        var = sv.ds["norm_ratio_var"]
        ex = sv.ds["norm_ratio_var_exact"]
        plot_lines(ax, sv, var.where(var > 1e-20), x, series=series, se=sv.ds["norm_ratio_var_se"],
                   exact=ex.where(ex > 1e-20), logx=True, logy=True)
        ax.set_xlabel(v.label(x, "fan_out m"))
        ax.set_ylabel(v.label("norm_ratio_var", "Var ‖Wx‖²/‖x‖²"))
        ax.set_title(f"{DIST_NAMES.get(d, d) if d else ''} W: variance of the norm ratio")
        legend(ax, fontsize=7, exact="exact m(2/m² + (μ₄ − 3/m²)κ)")
    ax = axes[-1]
    series = [t for t in v.tdims if t != x]
    plot_lines(ax, v, "norm_ratio_mean", x, series=series, logx=True, connect=False, exact=None, max_series=9, ms=4)
    ax.axhline(1, color="k", ls="--", lw=1)
    ax.set_xlabel(v.label(x, "fan_out m"))
    ax.set_ylabel(v.label("norm_ratio_mean", "E ‖Wx‖²/‖x‖²"))
    ax.set_title("Mean of the norm ratio: exactly 1")
    legend(ax, fontsize=6, exact=None, ncol=1)
    cap = ("‖Wx‖²/‖x‖² for W with entries of variance 1/m: its mean is 1 (right) and its variance (markers, ±1 SE) "
           "follows the exact m(2/m² + (μ₄ − 3/m²)Σx⁴/‖x‖⁴) (dashed), 2/m for Gaussian W whatever x; for uniform and "
           "Rademacher W it depends on the probe x (Rademacher W preserves the norm of a coordinate vector "
           "exactly, so its variance is 0 and not drawn on the log axis).")
    return fig, cap


def _is_square_zip(v):
    return ("point" in v.tdims and "fan_in" in v.ds.coords and "fan_out" in v.ds.coords
            and v.ds["fan_in"].dims == ("point",) and bool((v.ds["fan_in"] == v.ds["fan_out"]).all()))


def plot_init_orthogonality(v):
    if v.varies("probe"):
        return [_norm_figure(v)]
    if _is_square_zip(v):
        return [_square_figure(v)]
    if v.varies("dist") or (v.varies("fan_in") and v.varies("fan_out") and not v.varies("dist")
                            and len(v.values("fan_out")) < 8):
        return [_frobenius_figure(v)]
    if v.varies("fan_out") or v.varies("fan_in"):
        return [_spectral_figure(v)]
    return []


# ---- signal_propagation ----

def plot_signal_propagation(v):
    ds = v.ds
    acts = v.values("activation") if v.varies("activation") else [v.fixed("activation") or
                                                                   str(ds["activation"].values)]
    L = ds.sizes["layer"]
    layer = xr.DataArray(np.arange(1, L + 1), dims=["layer"])
    n_a = len(acts)
    fig, axes = new_figure(2 * n_a, ncols=n_a, panel=(5.0, 3.7),
                           title=sweep_title(v, "the squared norm r_l = ‖h_l‖²/‖h_0‖² through a deep random net "
                                                "(" + (fixed_text(v, ["width", "gain", "depth"]) or
                                                       "weights N(0, gain/width)") + ")"))
    for j, act in enumerate(acts):
        sv = v.isel({"activation": list(ds["activation"].values).index(act)}) if "activation" in v.tdims else v
        series = [t for t in sv.tdims]
        ax = axes[j]
        plot_lines(ax, sv, "mean_log_r", layer, series=series, ms=2.5, connect=False, max_series=8)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set_xlabel("layer l")
        ax.set_ylabel(v.label("mean_log_r", "E log r_l"))
        ax.set_title(f"{act}: E log r_l against depth")
        if j == 0:
            legend(ax, fontsize=6.5, exact="exact (linear, ReLU) / mean field (tanh)")
        ax = axes[n_a + j]
        dev = sv.ds["mean_log_r"] - sv.ds["mean_log_r_exact"]
        plot_lines(ax, sv, dev, layer, series=series, se=sv.ds["mean_log_r_se"], exact=None, ms=2.5,
                   connect=True, max_series=8)
        ax.axhline(0, color="k", ls="--", lw=1)
        ax.set_xlabel("layer l")
        ax.set_ylabel("E log r_l − theory [1]")
        ax.set_title(f"{act}: measured minus theory (±1 SE)")
    cap = ("Top: the mean log squared norm of a signal after l random layers (markers) against the exact law "
           "(linear: l(log gain + ψ(n/2) − log(n/2)); ReLU: l(log(2·gain/n) + E ψ(B/2))) or the tanh mean-field "
           "recursion (dashed). Well-matched pairs — linear with gain 1 (LeCun/Xavier) and ReLU with gain 2 (He) "
           "— stay near slope 0; ReLU with gain 1 loses log 2 per layer, linear with gain 2 gains it; tanh with "
           "gain 1 decays like 1/(2l). Bottom: measured minus theory, with ±1 SE: zero within errors for linear "
           "and ReLU; for tanh the finite widths sit slightly off the infinite-width mean field.")
    return [(fig, cap)]
