"""kexue.fm/archives/6612: Langevin sampling and energy models (science.md section 8).

langevin: the variance of x_T against T for each step ε with the stationary (biased) level v_∞(ε); P(x > 0)
against the chain time εT, where all step sizes collapse onto one curve; ULA's stationary bias growing linearly in
ε (MALA's is zero); histograms against the exact law of x_T and the target.
ebm_train: the variance and θ₂ learned against persistent ULA chains, against the predicted fixed point
v_d(1 + √(1 − ε/v_d))/2 and the exact-sampler values.
"""
from .core import (COLORS, _pick, fixed_text, legend, new_figure, np, plot_lines, series_label, slope_guide,
                   sweep_title, task_bars, xr)


def _var_se(ds):
    return np.sqrt(ds["second_moment_se"] ** 2 + (2 * ds["mean"] * ds["mean_se"]) ** 2)


def _chain_time(v):
    return v.p("step") * v.p("steps")


def _gaussian_figure(v):
    ds = v.ds
    fig, axes = new_figure(3, ncols=3, panel=(5.0, 3.9),
                           title=sweep_title(v, "ULA on a Gaussian target from x₀ = " + str(v.fixed("x0", "?"))))
    series = [d for d in v.tdims if d != "steps"]
    var = ds["second_moment"] - ds["mean"] ** 2
    var_ex = ds["second_moment_exact"] - ds["mean_exact"] ** 2
    var_inf = ds["stationary_second_moment"] - ds["stationary_mean"] ** 2
    ax = axes[0]
    plot_lines(ax, v, var, "steps", series=series, se=_var_se(ds), exact=var_ex, logx=True, max_series=8)
    n = 0
    for lab, sel in [(series_label(v, series, dict(zip(series, c))), dict(zip(series, c)))
                     for c in np.ndindex(*[ds.sizes[d] for d in series])][:8]:
        val = float(np.nanmean(var_inf.isel(sel).values))
        ax.axhline(val, color=COLORS[n % len(COLORS)], ls=":", lw=1)
        n += 1
    tv = ds["target_second_moment"] - ds["target_mean"] ** 2
    ax.set_xlabel(v.label("steps", "steps T"))
    ax.set_ylabel("Var x_T [1]")
    ax.set_title("Var x_T → v_∞(ε) (dotted), not the target's")
    legend(ax, fontsize=6.5, exact="exact (dashed)")
    ax = axes[1]
    plot_lines(ax, v, "mean", _chain_time(v), series=series, logx=True, max_series=8)
    ax.set_xlabel("chain time ε·T [1]")
    ax.set_ylabel(v.label("mean", "E x_T"))
    ax.set_title("E x_T against chain time εT")
    legend(ax, fontsize=6.5, exact="exact (dashed)")
    ax = axes[2]
    eps = v.p("step")
    first = {"steps": int(np.argmax(np.asarray(ds["steps"].values)))} if "steps" in ds.dims else {}
    sv = v.isel(first) if first else v
    vinf = sv.ds["stationary_second_moment"] - sv.ds["stationary_mean"] ** 2
    tvar = float(np.nanmean(tv.values))
    rel = vinf / tvar - 1
    plot_lines(ax, sv, rel.where(rel > 0), "step", series=[d for d in sv.tdims if d != "step"], se=None,
               exact=None, logx=True, logy=True, connect=True, label="v_∞(ε)/v − 1 (exact)")
    vlast = (sv.ds["second_moment"] - sv.ds["mean"] ** 2) / tvar - 1
    plot_lines(ax, sv, vlast.where(vlast > 0), "step", series=[d for d in sv.tdims if d != "step"],
               se=_var_se(sv.ds) / tvar, exact=None, logx=True, logy=True, connect=False, marker="s", index=1,
               label=f"measured at T = {int(sv.ds['steps'].values) if 'steps' in sv.ds.coords else '?'}")
    xs = np.asarray(v.values("step"), dtype=float)
    ax.plot(xs, xs / 4, color="0.4", ls=":", lw=1.3, label="ε/4")
    ax.set_xlabel(v.label("step", "step ε"))
    ax.set_ylabel("relative variance bias [1]")
    ax.set_title("ULA's stationary bias ≈ ε/4")
    legend(ax, fontsize=6.5, exact=None, measured=None)
    del eps
    cap = ("Left: the variance of x_T (markers, ±1 SE) follows its exact value (dashed) and settles at the "
           "stationary v_∞(ε) = 1/(1 − ε/4) (dotted), above the target's 1: the unadjusted chain is biased. Middle: "
           "the mean decays like e^(−εT/2), a function of the chain time εT, so short chains with small steps (the "
           "article's ε = 1/200, T ≈ 50) are far from stationary. Right: the stationary relative variance bias "
           "grows like ε/4.")
    return fig, cap


def _mixture_figure(v):
    ds = v.ds
    inits = v.values("init") if v.varies("init") else [None]
    fig, axes = new_figure(len(inits) + 1, ncols=min(3, len(inits) + 1), panel=(5.0, 3.9),
                           title=sweep_title(v, "ULA on the mixture 0.3 N(−2, 1) + 0.7 N(2, 1)"))
    for ax, init in zip(axes, inits):
        sv = v.isel({"init": list(ds["init"].values).index(init)}) if init is not None else v
        series = [d for d in sv.tdims if d not in ("steps",)]
        plot_lines(ax, sv, "frac_positive", _chain_time(sv), series=series, logx=True, max_series=8)
        t = float(np.nanmean(sv.ds["target_frac_positive"].values))
        ax.axhline(t, color="k", ls=":", lw=1.2, label=f"target P(x>0) = {t:.4f}")
        ax.set_xlabel("chain time ε·T [1]")
        ax.set_ylabel(v.label("frac_positive", "P(x_T > 0)"))
        ax.set_title(f"start: {init or v.fixed('init', '?')}: P(x_T > 0) collapses in εT", fontsize=10)
        legend(ax, fontsize=6.5, exact="exact (grid propagation)")
    ax = axes[-1]
    keep = {d: 0 for d in ("init", "steps") if d in v.tdims}
    sv = v.isel(keep) if keep else v
    ser = [d for d in sv.tdims if d != "step"]
    plot_lines(ax, sv, "stationary_tv_density", "step", series=ser, se=None, exact=None, logx=True, logy=True,
               connect=True, label="ULA stationary TV (exact)")
    xs = np.asarray(v.values("step"), dtype=float)
    ax.plot(xs, 0.08 * xs, color="0.4", ls=":", lw=1.3, label="0.08 ε")
    ax.set_xlabel(v.label("step", "step ε"))
    ax.set_ylabel(v.label("stationary_tv_density", "½∫|p_∞ − π|"))
    ax.set_title("Stationary bias of ULA: linear in ε")
    legend(ax, fontsize=7, exact=None, measured=None)
    cap = ("P(x_T > 0) (markers, ±1 SE) against the chain time εT for every step size ε, with the exact grid "
           "propagation (dashed) and the target's 0.6909 (dotted): the curves of all ε collapse onto one, so what "
           "matters is εT, and escaping the minor mode takes εT of a few hundred. Last panel: even with infinitely "
           "many steps ULA's stationary law misses the target by a total variation that grows linearly in ε "
           "(≈ 0.08ε).")
    return fig, cap


def _hist_figure(v, picks):
    ds = v.ds
    fig, axes = new_figure(len(picks), ncols=min(3, len(picks)), panel=(4.6, 3.4),
                           title=sweep_title(v, "histograms of x_T against the exact law and the target"))
    nb = ds.sizes["bin"]
    r = float(v.fixed("hist_range", 6.0) or 6.0)
    edges = np.linspace(-r, r, nb + 1)
    for ax, (lab, sel) in zip(axes, picks):
        sub = ds.isel(sel)
        c = 0.5 * (edges[1:] + edges[:-1])
        ax.stairs(sub["hist_exact"].values, edges, color="k", ls="--", lw=1.2, label="exact law of x_T")
        ax.stairs(sub["target_hist"].values, edges, color=COLORS[1], ls=":", lw=1.4, label="target")
        ax.errorbar(c, sub["hist"].values, yerr=sub["hist_se"].values, fmt="o", ms=2.5, color=COLORS[0],
                    capsize=1.5, label="chains ± SE")
        ax.set_title(lab, fontsize=8.5)
        ax.set_xlabel("x_T [1]")
        ax.set_ylabel("fraction per bin [1]")
        ax.legend(fontsize=6.5)
    return fig, ("Histograms of the chains after T steps (markers, ±1 SE) against the exact law of x_T (dashed) and "
                 "the target (dotted): short chains remember their start; long chains reach the target up to "
                 "ULA's O(ε) bias.")


def _hist_picks(v, limit=6):
    ds = v.ds
    dims = [d for d in v.tdims]
    if not dims:
        return [(v.name, {})]
    if "steps" in dims:
        # for each init (if any) and the middle step, a few T
        others = [d for d in dims if d not in ("steps", "step")]
        steps_i = _pick(ds.sizes["steps"], 3)
        step_sel = {"step": ds.sizes["step"] // 2} if "step" in dims else {}
        combos = list(np.ndindex(*[ds.sizes[d] for d in others])) or [()]
        picks = []
        for c in combos[:2]:
            for si in steps_i:
                sel = dict(zip(others, c), **step_sel, steps=si)
                picks.append((series_label(v, list(sel), sel), sel))
        return picks[:limit]
    combos = list(np.ndindex(*[ds.sizes[d] for d in dims]))
    idx = _pick(len(combos), limit)
    return [(series_label(v, dims, dict(zip(dims, combos[i]))), dict(zip(dims, combos[i]))) for i in idx]


def _sampler_figure(v):
    ds = v.ds
    fig, axes = new_figure(2, ncols=2, panel=(5.6, 4.0),
                           title=sweep_title(v, "ULA against MALA (Metropolis-adjusted)"))
    x = "step"
    series = [d for d in v.tdims if d not in ("point",) and d != x]
    ax = axes[0]
    plot_lines(ax, v, ds["tv_density_exact"].where(ds["tv_density_exact"] > 1e-12), x, series=series, se=None,
               exact=None, logx=True, logy=True, connect=True, label="TV of x_T")
    plot_lines(ax, v, ds["stationary_tv_density"].where(ds["stationary_tv_density"] > 1e-12), x, series=series,
               se=None, exact=None, logx=True, logy=True, connect=True, marker="s", ls="--", label="stationary TV")
    plot_lines(ax, v, ds["tv"], x, series=series, exact=None, logx=True, logy=True, connect=False, marker="x",
               label="binned TV (chains)")
    ax.set_xlabel(v.label(x, "step ε"))
    ax.set_ylabel("total variation to the target [1]")
    ax.set_title("Distance to the target at fixed chain time")
    legend(ax, fontsize=6.5, exact=None, measured=None)
    ax = axes[1]
    plot_lines(ax, v, "acceptance_rate", x, series=series, logx=True, exact="acceptance_rate_exact")
    ax.set_xlabel(v.label(x, "step ε"))
    ax.set_ylabel(v.label("acceptance_rate", "acceptance rate"))
    lo = float(np.nanmin(ds["acceptance_rate"].values)) if v.has("acceptance_rate") else 0.0
    ax.set_ylim(max(0.0, lo - 0.05), 1.01)
    ax.set_title("MALA's acceptance rate falls with ε")
    legend(ax, fontsize=7, exact="exact (dashed)")
    cap = ("Left: the exact total variation between x_T and the target (solid), the sampler's stationary bias "
           "(dashed; zero for MALA, so not drawn on the log axis) and the chains' binned estimate (crosses, biased "
           "up by noise), against the step ε. ULA's distance grows with ε; the Metropolis correction removes the "
           "stationary bias at the cost of rejections (right).")
    return fig, cap


def _temperature_figure(v):
    ds = v.ds
    fig, axes = new_figure(1, panel=(6.6, 4.2), title=sweep_title(v, "sampling exp(−U/temperature)"))
    ax = axes[0]
    series = [d for d in v.tdims if d != "temperature"]
    t = v.p("temperature")
    plot_lines(ax, v, ds["second_moment"] / t, "temperature", series=series, se=ds["second_moment_se"] / t,
               exact=ds["stationary_second_moment"] / t, logx=True)
    ax.axhline(1, color="k", ls=":", lw=1.2, label="target")
    ax.set_xlabel(v.label("temperature", "temperature"))
    ax.set_ylabel("E x_T² / temperature [1]")
    ax.set_title("Relative stationary bias 1/(1 − ε/(4·temperature)) − 1")
    legend(ax, fontsize=7, exact="ULA stationary value (dashed)")
    return fig, ("E x_T² over the target's value (markers, ±1 SE) against temperature with ULA's stationary "
                 "prediction (dashed): the relative bias ε/(4·temperature) is largest for cold targets.")


def _bars_figure(v):
    fig, axes = new_figure(2, ncols=2, panel=(6.0, 4.0), title=sweep_title(v, "chains after T steps, by task"))
    task_bars(axes[0], v, ["frac_positive", "target_frac_positive"], labels=["P(x_T > 0)", "target"])
    axes[0].set_ylabel("P(x_T > 0) [1]")
    axes[0].set_title("P(x_T > 0) (black: exact law of x_T)")
    axes[0].legend(fontsize=7)
    task_bars(axes[1], v, ["mean", "target_mean"], labels=["E x_T", "target"])
    axes[1].set_ylabel("E x_T [1]")
    axes[1].set_title("Mean (black: exact law of x_T)")
    axes[1].legend(fontsize=7)
    return fig, ("P(x_T > 0) and E x_T of the chains (±1 SE) against their exact values after T steps (black ticks) "
                 "and the target's.")


def plot_langevin(v):
    figs = []
    target = v.fixed("target")
    if v.varies("sampler") and v.varies("step"):
        figs.append(_sampler_figure(v))
    elif v.varies("steps") and v.varies("step"):
        figs.append(_gaussian_figure(v) if target == "gaussian" else _mixture_figure(v))
    elif v.varies("temperature"):
        figs.append(_temperature_figure(v))
    elif v.swept_params():
        figs.append(_bars_figure(v))
    if v.has("hist") and target != "gaussian" and not v.varies("hist_range") and not v.varies("bins"):
        picks = [(lab, sel) for lab, sel in _hist_picks(v, limit=24)
                 if np.isfinite(v.ds["hist"].isel(sel).values).any()][:6]
        if picks:
            figs.append(_hist_figure(v, picks))
    return figs


# ---- ebm_train ----

def plot_ebm_train(v):
    ds = v.ds
    vd = v.fixed("data_var", None)
    if v.varies("step"):
        fig, axes = new_figure(3, ncols=3, panel=(5.0, 3.9),
                               title=sweep_title(v, "energy θ₁x + θ₂x² trained against persistent ULA chains (" +
                                                 fixed_text(v, ["data_mean", "data_var", "lr", "chains"]) + ")"))
        series = [d for d in v.tdims if d != "step"]
        ax = axes[0]
        plot_lines(ax, v, "model_var", "step", series=series, exact_label=None)
        if vd is not None:
            ax.axhline(vd, color="k", ls=":", lw=1.2, label=f"data variance v_d = {vd:g} (exact sampler)")
        ax.set_xlabel(v.label("step", "ULA step ε"))
        ax.set_ylabel(v.label("model_var", "variance of the learned model"))
        ax.set_title("Learned variance: too small (sharper energy)")
        legend(ax, fontsize=6.5, exact="v_d(1 + √(1 − ε/v_d))/2 ≈ v_d − ε/4")
        ax = axes[1]
        plot_lines(ax, v, "theta2", "step", series=series)
        mle = float(np.nanmean(ds["theta2_mle"].values))
        ax.axhline(mle, color="k", ls=":", lw=1.2, label=f"exact-sampler θ₂ = {mle:g}")
        ax.set_xlabel(v.label("step", "ULA step ε"))
        ax.set_ylabel(v.label("theta2", "learned θ₂"))
        ax.set_title("θ₂ against (1 − √(1 − ε/v_d))/ε")
        legend(ax, fontsize=6.5, exact="predicted fixed point (dashed)")
        ax = axes[2]
        for k, (y, lab) in enumerate((("model_mean", "model mean − m_d"), ("chain_var", "chain variance − v_d"))):
            plot_lines(ax, v, ds[y] - ds[y + "_exact"], "step", series=series, se=ds[y + "_se"], exact=None,
                       label=lab, index=2 * k, marker="os"[k], connect=False)
        ax.axhline(0, color="k", ls="--", lw=1)
        ax.set_xlabel(v.label("step", "ULA step ε"))
        ax.set_ylabel("deviation from prediction [1]")
        ax.set_title("Mean unbiased; the chains match v_d")
        legend(ax, fontsize=6.5, exact=None)
        cap = ("An energy model fitted by moment matching against persistent ULA chains (markers, ±1 SE) learns the "
               "predicted fixed point (dashed), not the exact-sampler answer (dotted): the chains' own O(ε) bias "
               "makes the learned energy too sharp, its variance ≈ v_d − ε/4. The learned mean is unbiased and the "
               "chains' variance matches the data.")
        return [(fig, cap)]
    fig, axes = new_figure(1, panel=(7.0, 4.0), title=sweep_title(v, "learned against predicted"))
    task_bars(axes[0], v, ["theta2", "model_var", "model_mean", "chain_var"],
              labels=["θ₂", "model variance", "model mean", "chain variance"])
    axes[0].set_title("Learned (bars, ±1 SE) against predicted fixed point (black)")
    axes[0].legend(fontsize=7)
    return [(fig, "The learned θ₂, model variance, mean and chain variance (±1 SE) against the predicted fixed "
                  "point of training against ULA chains (black ticks).")]
