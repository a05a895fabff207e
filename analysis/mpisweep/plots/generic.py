"""Generic plots for any sweep, used for experiments without a dedicated module (and as the fallback when a
dedicated plot fails): every output against every swept parameter, with its _se as error bars and its
_exact/_limit/... companions as dashed lines; outputs with their own dimensions against their index.
"""
from .core import (fmt_value, families, legend, new_figure, np, own_dims, plot_lines, sweep_title, wrap, xr)

PANELS_PER_FIGURE = 16
NCOLS = 4


def _panels(view):
    """(kind, family, x) for every panel."""
    panels = []
    xs = view.swept_params()
    for base, se, theory in families(view):
        own = own_dims(view, base)
        if own:
            panels.append(("own", (base, se, theory), own[0]))
        elif xs:
            for x in xs:
                panels.append(("task", (base, se, theory), x))
        else:
            panels.append(("single", (base, se, theory), None))
    return panels


def _single_task_table(view, fams):
    fig, (ax,) = new_figure(1, panel=(10, 0.3 * len(fams) + 1.2),
                            title=sweep_title(view, "a sweep of one task: its outputs"))
    ax.axis("off")
    rows = []
    for base, se, theory in fams:
        v = view.ds[base].values
        if v.size != 1:
            continue
        text = fmt_value(float(v.ravel()[0]))
        if se:
            text += " ± " + fmt_value(float(view.ds[se].values.ravel()[0]))
        for t in theory:
            text += f"   ({t} = {fmt_value(float(view.ds[t].values.ravel()[0]))})"
        rows.append([base, text, view.units(base)])
    if rows:
        table = ax.table(cellText=rows, colLabels=["output", "value", "units"], loc="center", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(8)
        table.auto_set_column_width([0, 1, 2])
    return fig


def plot(view):
    """Figures for any sweep: a list of (Figure, caption)."""
    panels = _panels(view)
    figures = []
    singles = [p for p in panels if p[0] == "single"]
    panels = [p for p in panels if p[0] != "single"]
    if singles:
        figures.append((_single_task_table(view, [p[1] for p in singles]),
                        "The sweep has a single task: its scalar outputs, with standard errors and exact values."))
    chunks = [panels[i:i + PANELS_PER_FIGURE] for i in range(0, len(panels), PANELS_PER_FIGURE)]
    for n, chunk in enumerate(chunks):
        part = f" (part {n + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        small = len(chunk) <= 2
        fig, axes = new_figure(len(chunk), ncols=NCOLS, panel=(6.0, 4.4) if small else (4.4, 3.4),
                               title=sweep_title(view, "generic plots: every output against every swept "
                                                       "parameter" + part))
        for ax, (kind, (base, se, theory), x) in zip(axes, chunk):
            if kind == "own":
                own = x
                index = xr.DataArray(np.arange(view.ds.sizes[own]), dims=[own])
                long = view.ds.sizes[own] > 60
                plot_lines(ax, view, base, index, se=(se or None) if not long else None,
                           exact=theory[0] if theory else None, ms=3, connect=True, max_series=6,
                           marker="none" if long else None)
                ax.set_xlabel(f"{own} (index)")
            else:
                vals = np.asarray(view.ds[base].values, dtype=float)
                pos = vals[np.isfinite(vals)]
                xv = view.p(x)
                xnum = isinstance(xv, xr.DataArray) and xv.dtype.kind in "iuf"
                logx = bool(xnum and (np.asarray(xv.values) > 0).all()
                            and np.nanmax(xv.values) / max(np.nanmin(xv.values), 1e-300) >= 50)
                logy = bool(pos.size and (pos > 0).all() and pos.max() / pos.min() >= 100)
                plot_lines(ax, view, base, x, se=se or None, exact=theory[0] if theory else None, logx=logx,
                           logy=logy, max_series=6)
                ax.set_xlabel(view.label(x))
            ax.set_ylabel(view.label(base, base), fontsize=8)
            ax.set_title(wrap(view.long_name(base), 52), fontsize=7.5)
            ax.tick_params(labelsize=7.5)
            ax.grid(alpha=0.3)
            if len(ax.get_lines()) > 1 or theory:
                legend(ax, fontsize=6.5, exact=(theory[0] + " (dashed)") if theory else None)
        figures.append((fig, "Generic plots: each output (markers, ±SE where the file has one) against each swept "
                             "parameter, other swept parameters as separate series; dashed lines are the "
                             "output's exact or limiting value where the experiment provides one." + part))
    return figures
