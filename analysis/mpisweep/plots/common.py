"""Panels several experiments share: pulls against exact values, p-value scatter, 1/sqrt(N) convergence."""
from .core import COLORS, MARKERS, as_da, legend, np, se_name, slope_guide, theory_names, xr


def _exact_name(ds, y):
    names = theory_names(ds, y)
    return names[0] if names else None


def _xvals(v, x, like):
    X = v.raw.coords[x] if x in v.raw.coords else as_da(v, x)
    return np.asarray(X.broadcast_like(like).transpose(*like.dims).values, dtype=float).ravel()


def pulls(ax, v, ys, x, *, logx=False, labels=None, band=2.0):
    """(measured − exact)/SE of every task and replicate against x, one colour per output; ±band shaded.

    Uses the unaveraged data (v.raw). Outputs without an exact companion or with zero SE are left out."""
    ds = v.raw
    drawn = 0
    xs_all = []
    for k, y in enumerate(ys):
        e = _exact_name(ds, y)
        if y not in ds.data_vars or e is None or se_name(ds, y) is None:
            continue
        se = ds[se_name(ds, y)]
        z = (ds[y] - ds[e]) / se.where(se > 0)
        xs = _xvals(v, x, z)
        zs = np.asarray(z.values, dtype=float).ravel()
        fin = np.isfinite(xs) & np.isfinite(zs)
        if not fin.any():
            continue
        jitter = 1 + 0.04 * (k - (len(ys) - 1) / 2) if logx else 0
        xp = xs[fin] * jitter if logx else xs[fin] + 0.0
        ax.plot(xp, zs[fin], ls="none", marker=MARKERS[k % len(MARKERS)], ms=4, color=COLORS[k % len(COLORS)],
                alpha=0.75, label=labels[k] if labels else y)
        xs_all.append(xs[fin])
        drawn += 1
    if xs_all:
        xa = np.concatenate(xs_all)
        lo, hi = xa.min(), xa.max()
        ax.axhspan(-band, band, color="0.9", zorder=0)
        ax.axhline(0, color="0.4", lw=0.8)
        if logx and lo > 0:
            ax.set_xscale("log")
        del lo, hi
    ax.set_ylabel("pull (measured − exact) / SE [1]")
    ax.set_title(f"Pulls: within ±{band:g} for a correct estimate")
    if drawn:
        legend(ax, measured=None, exact=None, fontsize=7, ncol=2 if drawn > 3 else 1)
    return drawn


def pvalues(ax, v, var, x, *, logx=False):
    """Scatter of a p-value output over every task and replicate against x; uniform on [0, 1] under H0."""
    ds = v.raw
    if var not in ds.data_vars:
        ax.axis("off")
        return
    p = ds[var]
    xs = _xvals(v, x, p)
    ps = np.asarray(p.values, dtype=float).ravel()
    fin = np.isfinite(xs) & np.isfinite(ps)
    ax.plot(xs[fin], ps[fin], "o", ms=4, color=COLORS[4], alpha=0.7, label=f"{var} (each task)")
    ax.axhline(0.05, color=COLORS[1], ls=":", lw=1.2, label="0.05")
    ax.set_ylim(-0.03, 1.03)
    if logx and fin.any() and xs[fin].min() > 0:
        ax.set_xscale("log")
    frac = float(np.mean(ps[fin] < 0.05)) if fin.any() else float("nan")
    ax.set_ylabel(v.label(var, "p-value"))
    ax.set_title(f"Goodness-of-fit p-values ({frac:.0%} below 0.05)")
    ax.legend(fontsize=7, loc="upper right")


def convergence(ax, v, ys, x, *, labels=None):
    """Relative error |estimate/exact − 1| of every replicate (dots) and the mean relative SE (line) against x
    on log-log axes, with a slope −1/2 guide."""
    ds = v.raw
    guide_y = None
    xs_ref = None
    for k, y in enumerate(ys):
        e = _exact_name(ds, y)
        if y not in ds.data_vars or e is None:
            continue
        ex = ds[e]
        rel = bool((np.abs(ex.values[np.isfinite(ex.values)]) > 0).all())
        err = np.abs(ds[y] / ex - 1) if rel else np.abs(ds[y] - ex)
        xs = _xvals(v, x, err)
        es = np.asarray(err.values, dtype=float).ravel()
        fin = np.isfinite(xs) & np.isfinite(es) & (es > 0)
        c = COLORS[k % len(COLORS)]
        lab = labels[k] if labels else y
        ax.plot(xs[fin], es[fin], ls="none", marker=MARKERS[k % len(MARKERS)], ms=3.5, alpha=0.55, color=c,
                label=f"{lab}: |error|" + (" / exact" if rel else ""))
        if se_name(ds, y):
            se = ds[se_name(ds, y)] / np.abs(ex) if rel else ds[se_name(ds, y)]
            dims = [d for d in se.dims if d != "replicate"]
            sem = se.mean("replicate") if "replicate" in se.dims else se
            other = [d for d in dims if d != (x if x in ds.dims else None)]
            if x in ds.dims:
                sem = sem.mean([d for d in sem.dims if d != x]) if len(sem.dims) > 1 else sem
                xv = np.asarray(ds[x].values, dtype=float)
                o = np.argsort(xv)
                ax.plot(xv[o], np.asarray(sem.values, dtype=float)[o], color=c, lw=1.5, label=f"{lab}: SE")
                if guide_y is None:
                    guide_y, xs_ref = float(np.asarray(sem.values, dtype=float)[o][0]), xv[o]
            del other
    if xs_ref is not None:
        slope_guide(ax, xs_ref, guide_y * 2.5, -0.5, "slope −½")
    ax.set_xscale("log")
    ax.set_yscale("log", nonpositive="mask")
    ax.set_ylabel("relative error [1]")
    ax.set_title("Convergence like 1/√N")
    legend(ax, measured=None, exact=None, fontsize=6.5, ncol=2)
