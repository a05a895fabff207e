"""kexue.fm/archives/6705: reparameterisation, the score function and Gumbel-softmax (science.md section 7).

reparam_gauss: against ω (f = sin ωz) the single-sample variances of the reparameterisation and score-function
gradients cross (reparameterisation is not always better); over a (μ, σ) grid (f = z²) reparameterisation has
the smaller variance everywhere; both are unbiased.
gumbel: against the temperature τ, the bias–variance trade-off of the Gumbel-softmax gradient against REINFORCE
with and without a baseline; E ỹ from p (τ → 0) to uniform (τ → ∞); argmax frequencies equal p at every τ.
"""
from .core import (COLORS, legend, new_figure, np, plot_lines, sweep_title, task_bars, fmt_value)
from . import common

GRADS = [("grad_mu_rep", "reparam. ∂/∂μ"), ("grad_mu_sf", "score fn. ∂/∂μ"), ("grad_sigma_rep", "reparam. ∂/∂σ"),
         ("grad_sigma_sf", "score fn. ∂/∂σ")]


def _crossing(x, a, b):
    """x where log a − log b changes sign (log-linear interpolation), or None."""
    x, a, b = (np.asarray(t, dtype=float) for t in (x, a, b))
    ok = np.isfinite(x) & np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    x, d = x[ok], np.log(a[ok]) - np.log(b[ok])
    o = np.argsort(x)
    x, d = x[o], d[o]
    for i in range(len(x) - 1):
        if d[i] == 0:
            return x[i]
        if d[i] * d[i + 1] < 0:
            t = d[i] / (d[i] - d[i + 1])
            return float(np.exp(np.log(x[i]) + t * (np.log(x[i + 1]) - np.log(x[i]))))
    return None


def _exact_crossover(mu, sigma, lo, hi):
    """The frequency where the reparameterisation and score-function variances of dL/dmu are equal for
    f = sin(wz), from science.md's closed forms (bisection on the bracket [lo, hi]); None if they do not cross."""
    def gap(w):
        grad = w * np.cos(w * mu) * np.exp(-w * w * sigma * sigma / 2)
        damp = np.exp(-2 * w * w * sigma * sigma)
        rep = w * w * (0.5 + 0.5 * np.cos(2 * w * mu) * damp) - grad * grad
        sf = (1 - np.cos(2 * w * mu) * (1 - 4 * w * w * sigma * sigma) * damp) / (2 * sigma * sigma) - grad * grad
        return np.log(rep) - np.log(sf)
    if not (gap(lo) * gap(hi) < 0):
        return None
    for _ in range(100):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if gap(lo) * gap(mid) > 0 else (lo, mid)
    return float(np.sqrt(lo * hi))


def _omega_figure(v):
    ds = v.ds
    fig, axes = new_figure(3, ncols=3, panel=(5.0, 3.9),
                           title=sweep_title(v, "f = sin(ωz), z ~ N(μ, σ²) (" + ", ".join(
                               f"{k}={fmt_value(v.fixed(k))}" for k in ("mu", "sigma") if v.fixed(k) is not None)
                                             + "): lower variance is not guaranteed"))
    series = [d for d in v.tdims if d != "omega"]
    ax = axes[0]
    plot_lines(ax, v, "grad_mu_rep_var", "omega", series=series, logx=True, logy=True, label="reparameterisation",
               index=0)
    plot_lines(ax, v, "grad_mu_sf_var", "omega", series=series, logx=True, logy=True, label="score function",
               index=1, marker="s")
    if not series:
        w = _crossing(ds["omega"].values, ds["grad_mu_rep_var_exact"].values, ds["grad_mu_sf_var_exact"].values)
        mu, sigma = v.fixed("mu"), v.fixed("sigma")
        exact = _exact_crossover(float(mu), float(sigma), w / 2, w * 2) if w and mu is not None and sigma else None
        if exact:
            ax.axvline(exact, color="0.3", ls=":", lw=1.2, label=f"crossover ω = {exact:.3f} (exact)")
        elif w:
            ax.axvline(w, color="0.3", ls=":", lw=1.2, label=f"crossover ω ≈ {w:.3f}")
    ax.set_xlabel(v.label("omega", "frequency ω"))
    ax.set_ylabel(v.label("grad_mu_rep_var", "single-sample variance of ∂L/∂μ"))
    ax.set_title("Variance of the ∂L/∂μ estimators")
    legend(ax, fontsize=7, exact="exact (dashed)")
    ax = axes[1]
    plot_lines(ax, v, "grad_sigma_rep_var", "omega", series=series, logx=True, logy=True, label="reparameterisation",
               index=0)
    plot_lines(ax, v, "grad_sigma_sf_var", "omega", series=series, logx=True, logy=True, label="score function",
               index=1, marker="s")
    ax.set_xlabel(v.label("omega", "frequency ω"))
    ax.set_ylabel(v.label("grad_sigma_rep_var", "single-sample variance of ∂L/∂σ"))
    ax.set_title("Variance of the ∂L/∂σ estimators")
    legend(ax, fontsize=7, exact="exact (dashed)")
    ax = axes[2]
    plot_lines(ax, v, "grad_mu_rep_mean", "omega", series=series, logx=True, label="reparameterisation", index=0)
    plot_lines(ax, v, "grad_mu_sf_mean", "omega", series=series, logx=True, label="score function", index=1,
               marker="s")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel(v.label("omega", "frequency ω"))
    ax.set_ylabel(v.label("grad_mu_rep_mean", "mean of the ∂L/∂μ estimate"))
    ax.set_title("Both are unbiased: dL/dμ = ω cos(ωμ) e^(−ω²σ²/2)")
    legend(ax, fontsize=7, exact="exact gradient (dashed)")
    cap = ("Left: the single-sample variance of the reparameterisation gradient f′(z) grows like ω²/2 while the "
           "score-function gradient f(z)ε/σ stays bounded by 1/(2σ²); they cross (dotted line) — the article's "
           "remark that reparameterisation is usually, but not always, the lower-variance estimator, made "
           "concrete. Middle: the same for ∂L/∂σ. Right: both estimators are unbiased (markers ±1 SE on the exact "
           "gradient, dashed).")
    return fig, cap


def _grid_figure(v):
    x = "mu" if v.varies("mu") else ("sigma" if v.varies("sigma") else v.swept_params()[0])
    series = [d for d in v.tdims if d != x]
    fig, axes = new_figure(3, ncols=3, panel=(5.0, 3.9),
                           title=sweep_title(v, f"f = {v.fixed('f', 'z²')}: reparameterisation against the score "
                                                "function"))
    for ax, (p, name) in zip(axes[:2], (("mu", "μ"), ("sigma", "σ"))):
        plot_lines(ax, v, f"grad_{p}_rep_var", x, series=series, logy=True, label="reparam.", index=0)
        plot_lines(ax, v, f"grad_{p}_sf_var", x, series=series, logy=True, label="score fn.",
                   index=len(series and v.values(series[0]) or [0]), marker="s")
        ax.set_xlabel(v.label(x, x))
        ax.set_ylabel(f"single-sample variance of ∂L/∂{name} [1]")
        ax.set_title(f"Variance of the ∂L/∂{name} estimators")
        legend(ax, fontsize=6.5, exact="exact (dashed)")
    common.pulls(axes[2], v, [g + s for g, _ in GRADS for s in ("_mean", "_var")], x,
                 labels=[f"{n} {s}" for _, n in GRADS for s in ("mean", "var")])
    axes[2].set_xlabel(v.label(x, x))
    cap = ("For f = z², the variance of the reparameterisation gradients (circles) is below the score-function "
           "gradients' (squares) at every (μ, σ), each on its closed form (dashed; e.g. μ = σ = 1: 4 against 30 "
           "for μ, 12 against 136 for σ). Right: pulls of every mean and variance against its exact value.")
    return fig, cap


def _bars_figure(v):
    fig, axes = new_figure(2, ncols=2, panel=(6.0, 4.0), title=sweep_title(v, "gradient estimators, by task"))
    task_bars(axes[0], v, [g + "_var" for g, _ in GRADS], labels=[n for _, n in GRADS], logy=True)
    axes[0].set_ylabel("single-sample variance [1]")
    axes[0].set_title("Variance (black: exact)")
    axes[0].legend(fontsize=7)
    task_bars(axes[1], v, [g + "_mean" for g, _ in GRADS], labels=[n for _, n in GRADS])
    axes[1].axhline(0, color="0.5", lw=0.8)
    axes[1].set_ylabel("mean gradient estimate [1]")
    axes[1].set_title("Mean (black: exact gradient)")
    axes[1].legend(fontsize=7)
    return fig, ("Single-sample variances (log scale) and means (±1 SE) of the four gradient estimators with their "
                 "exact values (black ticks): both kinds are unbiased; which has the lower variance depends on f.")


def plot_reparam_gauss(v):
    if v.varies("omega"):
        return [_omega_figure(v)]
    if v.varies("mu") or v.varies("sigma"):
        return [_grid_figure(v)]
    if v.swept_params():
        return [_bars_figure(v)]
    return []


# ---- gumbel ----

def _probs(v):
    logits = np.asarray(v.fixed("logits"), dtype=float) if v.fixed("logits") is not None else None
    if logits is None:
        return None
    p = np.exp(logits - logits.max())
    return p / p.sum()


def _cat_lines(ax, v, y, x, p, *, exact=None, se="auto", logx=True, lead="i"):
    k = v.ds.sizes["category"]
    for i in range(k):
        sv_y = v.ds[y].isel(category=i)
        s = v.ds[y + "_se"].isel(category=i) if se == "auto" and (y + "_se") in v.ds.data_vars else None
        e = v.ds[exact].isel(category=i) if isinstance(exact, str) else None
        lab = f"{lead}={i + 1}" + (f" (p={p[i]:.2f})" if p is not None else "")
        plot_lines(ax, v, sv_y, x, se=s, exact=e, logx=logx, label=lab, index=i, series=[])


def _temperature_figure(v):
    ds = v.ds
    p = _probs(v)
    k = ds.sizes["category"]
    binary = k == 2
    fig, axes = new_figure(6, ncols=3, panel=(5.0, 3.8),
                           title=sweep_title(v, f"Gumbel-softmax over {k} categories, p = "
                                                + (fmt_value([round(float(x), 4) for x in p]) if p is not None else "?")
                                                + ", f = " + fmt_value(v.fixed("values"))))
    x = "temperature"
    # 1. bias-variance trade-off
    ax = axes[0]
    if binary:
        bias2 = (ds["grad_gs_mean"].isel(category=0) - ds["grad_exact"].isel(category=0)) ** 2
        var = ds["grad_gs_var"].isel(category=0)
        var_se = ds["grad_gs_var_se"].isel(category=0)
        rf = float(np.nanmean(ds["reinforce_var_exact"].isel(category=0)))
        rb = float(np.nanmean(ds["reinforce_baseline_var_exact"].isel(category=0)))
        what = "∂/∂o₁"
    else:
        bias2 = ((ds["grad_gs_mean"] - ds["grad_exact"]) ** 2).sum("category")
        var = ds["grad_gs_var"].sum("category")
        var_se = np.sqrt((ds["grad_gs_var_se"] ** 2).sum("category"))
        rf = float(np.nanmean(ds["reinforce_var_exact"].sum("category")))
        rb = float(np.nanmean(ds["reinforce_baseline_var_exact"].sum("category")))
        what = "trace over categories"
    plot_lines(ax, v, bias2.where(bias2 > 0), x, se=None, exact=None, logx=True, logy=True, connect=True,
               label="bias² of the GS gradient", index=1, marker="s")
    plot_lines(ax, v, var, x, se=var_se, exact=None, logx=True, logy=True, connect=True,
               label="variance of the GS gradient", index=0)
    ax.axhline(rf, color=COLORS[2], ls="--", lw=1.3, label=f"REINFORCE variance, b = 0 ({rf:.4g})")
    ax.axhline(rb, color=COLORS[3], ls="--", lw=1.3, label=f"REINFORCE variance, b = L ({rb:.4g})")
    ax.set_xlabel(v.label(x, "temperature τ"))
    ax.set_ylabel(f"gradient bias² and variance ({what}) [1]")
    ax.set_title("Bias–variance trade-off in τ")
    legend(ax, fontsize=6.5, measured=None, exact=None)
    # 2. E y
    ax = axes[1]
    _cat_lines(ax, v, "gs_mean", x, p)
    if p is not None:
        for i in range(k):
            ax.axhline(p[i], color=COLORS[i % len(COLORS)], ls="--", lw=1, alpha=0.8)
    ax.axhline(1 / k, color="0.3", ls=":", lw=1.2, label=f"1/k = {1 / k:.3f} (τ → ∞)")
    ax.set_xlabel(v.label(x, "temperature τ"))
    ax.set_ylabel(v.label("gs_mean", "E ỹ_i"))
    ax.set_title("E ỹ: p as τ → 0 (dashed), uniform as τ → ∞")
    legend(ax, fontsize=6.5, exact=None)
    # 3. argmax frequencies
    ax = axes[2]
    if p is not None:
        for i in range(k):
            f = (ds["gs_argmax_freq"].isel(category=i) - p[i]) / ds["gs_argmax_freq_se"].isel(category=i)
            g = (ds["gumbel_max_freq"].isel(category=i) - p[i]) / ds["gumbel_max_freq_se"].isel(category=i)
            plot_lines(ax, v, f, x, se=None, exact=None, logx=True, index=i, series=[], connect=False,
                       label=f"GS argmax, i={i + 1}")
            plot_lines(ax, v, g, x, se=None, exact=None, logx=True, index=i, series=[], connect=False,
                       marker="x", label=f"Gumbel-max, i={i + 1}")
        ax.axhspan(-2, 2, color="0.9", zorder=0)
        ax.axhline(0, color="0.4", lw=0.8)
        ax.set_ylabel("(frequency − p_i) / SE [1]")
    ax.set_xlabel(v.label(x, "temperature τ"))
    ax.set_title("P(argmax = i) = p_i at every τ (pulls)")
    legend(ax, fontsize=6, measured=None, exact=None, ncol=2)
    # 4. max y
    ax = axes[3]
    plot_lines(ax, v, "gs_max_mean", x, logx=True, connect=True, label="E max_i ỹ_i")
    ax.axhline(1, color="0.3", ls="--", lw=1, label="1 (one-hot, τ → 0)")
    ax.axhline(1 / k, color="0.3", ls=":", lw=1.2, label="1/k (τ → ∞)")
    ax.set_xlabel(v.label(x, "temperature τ"))
    ax.set_ylabel(v.label("gs_max_mean", "E max ỹ"))
    ax.set_title("How one-hot the relaxed sample is")
    legend(ax, fontsize=7, exact=None, measured=None)
    # 5. relaxed objective bias
    ax = axes[4]
    plot_lines(ax, v, "relaxed_bias", x, logx=True, connect=True, label="E f·ỹ − L")
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xlabel(v.label(x, "temperature τ"))
    ax.set_ylabel(v.label("relaxed_bias", "bias of the relaxed objective"))
    ax.set_title("Bias of the relaxed objective E f·ỹ")
    legend(ax, fontsize=7, exact=None, measured=None)
    # 6. REINFORCE unbiased
    ax = axes[5]
    _cat_lines(ax, v, "reinforce_baseline_mean", x, p, exact="grad_exact")
    ax.set_xlabel(v.label(x, "temperature τ"))
    ax.set_ylabel(v.label("reinforce_baseline_mean", "mean REINFORCE gradient"))
    ax.set_title("REINFORCE (b = L) is unbiased")
    legend(ax, fontsize=6.5, exact="exact ∂L/∂o_i = p_i(f_i − L)")
    cap = ("Top left: the Gumbel-softmax pathwise gradient trades bias for variance: as τ → 0 its bias² vanishes "
           "while its variance blows up like 1/τ, and for large τ it is smooth but biased; the dashed lines are "
           "the (unbiased) REINFORCE variances without and with the baseline b = L. Top middle: E ỹ moves from p "
           "(τ → 0) to the uniform 1/k. Top right: argmax ỹ and Gumbel-max sample category i with probability "
           "exactly p_i at every τ (pulls within ±2). Bottom: E max ỹ from 1 to 1/k, the bias of the relaxed "
           "objective E f·ỹ − L, and REINFORCE with a baseline centred on the exact gradient.")
    return fig, cap


def plot_gumbel(v):
    if v.varies("temperature"):
        return [_temperature_figure(v)]
    return []
