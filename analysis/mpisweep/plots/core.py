"""Plotting building blocks shared by the experiment modules: a sweep prepared for plotting (View), figures,
measured-against-exact line panels with error bars, grouped bars, and labels taken from the file's attributes.

Figures are matplotlib.figure.Figure objects made without pyplot, so nothing here depends on a GUI backend;
the report saves them through the Agg canvas, and a notebook displays them as they are.
"""
import copy
import itertools
import math
import textwrap

from .._deps import require
from ..loader import INDEX_DIMS, companion, mean_over_replicates, output_names, output_role, status_code, task_dims

np, xr = require("numpy", "xarray")
require("matplotlib")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
          "#7f7f7f", "#393b79", "#637939"]
MARKERS = ["o", "s", "D", "^", "v", "P", "X", "<", ">", "h", "p", "*"]
#: Companion roles that hold a theoretical value of an output (the file's ``role`` attribute), in preference order.
THEORY_ROLES = ("exact", "limit")


def se_name(ds, y):
    """The standard-error companion of output y (role standard_error in the file), or None."""
    return companion(ds, y, "standard_error") if y in ds.data_vars else None


def theory_names(ds, y):
    """The theoretical companions of output y (roles exact, then limit), possibly empty."""
    if y not in ds.data_vars:
        return []
    return [n for n in (companion(ds, y, r) for r in THEORY_ROLES) if n is not None]
MAX_SERIES = 10


class View:
    """A sweep prepared for plotting: replicates averaged (SEs combined), parameters looked up by name.

    ds: a Dataset from open_sweep (masked). The averaged dataset is ``self.ds``, the original ``self.raw``.
    """

    def __init__(self, ds, name=None):
        self.raw = ds
        self.ds = mean_over_replicates(ds)
        self.name = name or ds.attrs.get("sweep", "sweep")
        self.experiment = ds.attrs.get("experiment", "?")
        self.tdims = [d for d in task_dims(ds) if d != "replicate"]
        self.replicates = int(ds.sizes.get("replicate", 1))

    def isel(self, sel):
        """A copy restricted to one index of some task dims (those dims disappear; their values stay as
        scalar coordinates)."""
        new = copy.copy(self)
        new.ds = self.ds.isel(sel)
        new.raw = self.raw.isel({k: i for k, i in sel.items() if k in self.raw.dims})
        new.tdims = [d for d in self.tdims if d not in sel]
        return new

    # ---- parameters ----
    def p(self, name):
        """A parameter as a DataArray over the task dims it varies along (grid or zip), or its fixed value."""
        if name in self.ds.coords:
            return self.ds.coords[name]
        key = "param_" + name
        if key in self.ds.attrs:
            return self.ds.attrs[key]
        raise KeyError(f"sweep {self.name} has no parameter {name!r}")

    def has_param(self, name):
        return name in self.ds.coords or ("param_" + name) in self.ds.attrs

    def values(self, name):
        """The distinct values a parameter takes in the sweep (sorted), or [fixed value]."""
        v = self.p(name)
        if isinstance(v, xr.DataArray):
            vals = list(dict.fromkeys(v.values.ravel().tolist()))
            try:
                return sorted(vals)
            except TypeError:
                return vals
        return [v]

    def varies(self, name):
        """True when the sweep gives the parameter more than one value (as a grid axis or zipped)."""
        return self.has_param(name) and len(self.values(name)) > 1

    def swept_params(self):
        """The parameters that vary: grid dims, and the zipped coordinates along point that take >1 value."""
        out = []
        for d in self.tdims:
            if d == "point":
                out += [c for c in self.ds.coords if self.ds[c].dims == ("point",) and c != "point"
                        and len(set(self.ds[c].values.tolist())) > 1]
            elif self.ds.sizes[d] > 1:
                out.append(d)
        return out

    def fixed(self, name, default=None):
        v = self.ds.attrs.get("param_" + name, default)
        return v

    # ---- outputs ----
    def has(self, var):
        """The output exists and has at least one finite value."""
        return var in self.ds.data_vars and bool(np.isfinite(self.ds[var].values).any())

    def units(self, name):
        if name in self.ds.variables:
            return str(self.ds[name].attrs.get("units", "1"))
        return "1"

    def label(self, name, nice=None):
        """An axis label: the nice name (or the variable name) and its units from the file, unless '1'."""
        u = self.units(name)
        text = nice or name
        return f"{text} [{u}]" if u not in ("1", "", "none") else text

    def long_name(self, name):
        if name in self.ds.variables:
            return str(self.ds[name].attrs.get("long_name", name))
        return name

    def n_ok(self):
        return int((self.raw["task_status"] == status_code(self.raw, "ok")).sum())


# ---- figures ----

def new_figure(n_panels, ncols=3, panel=(5.0, 3.8), title=None):
    """A constrained-layout Figure with n_panels axes (row-major); returns (fig, [axes])."""
    n_panels = max(1, n_panels)
    ncols = min(ncols, n_panels)
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows + (0.6 if title else 0)), layout="constrained")
    axes = [fig.add_subplot(nrows, ncols, k + 1) for k in range(n_panels)]
    if title:
        fig.suptitle(title, fontsize=12)
    return fig, axes


def sweep_title(view, extra=None):
    """Figure title: sweep, experiment, and the fixed parameters that matter for reading it (short)."""
    t = f"{view.name}  ({view.experiment})"
    if view.replicates > 1:
        t += f", mean of {view.replicates} replicates"
    if extra:
        t += "\n" + extra
    return t


def wrap(text, width=60):
    return "\n".join(textwrap.wrap(text, width)) if text else text


def fmt_value(v):
    if isinstance(v, float):
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3g}"
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    return str(v)


def fixed_text(view, names):
    """'name=value, ...' for the given fixed parameters that the sweep has (skipping swept ones)."""
    parts = []
    for n in names:
        if ("param_" + n) in view.ds.attrs:
            parts.append(f"{n}={fmt_value(view.ds.attrs['param_' + n])}")
    return ", ".join(parts)


# ---- data helpers ----

def as_da(view, v):
    """A variable name, parameter name, DataArray or number as a DataArray."""
    if isinstance(v, xr.DataArray):
        return v
    if isinstance(v, str):
        if v in view.ds.data_vars:
            return view.ds[v]
        return as_da(view, view.p(v))
    return xr.DataArray(v)


def _item(v):
    return v.item() if hasattr(v, "item") else v


def series_label(view, dims, sel):
    """A legend label for one combination of the series dims: 'name=value' parts, zip coords for point."""
    parts = []
    for d in dims:
        i = sel[d]
        if d == "point":
            zc = [c for c in view.ds.coords if view.ds[c].dims == ("point",) and c != "point"
                  and len(set(view.ds[c].values.tolist())) > 1]
            parts += [f"{c}={fmt_value(_item(view.ds[c].values[i]))}" for c in zc] or [f"point {i}"]
        elif d in view.ds.coords:
            parts.append(f"{d}={fmt_value(_item(view.ds[d].values[i]))}")
        else:
            parts.append(f"{d} {i}")
    return ", ".join(parts)


def _pick(n, k):
    """k indices spread evenly over range(n)."""
    if n <= k:
        return list(range(n))
    return sorted(set(int(round(x)) for x in np.linspace(0, n - 1, k)))


def iter_series(view, y, x, series=None, max_series=MAX_SERIES):
    """Splits y(x) into series. Yields (label, index, x, y_da_selector) tuples via a list of dicts.

    y and x are DataArrays over (a subset of) the task dims. series: the dims that make separate series
    (default: every dim of y that x does not vary along); the other dims are flattened into the points of a
    series, sorted by x. Returns (list of (label, sel), note): note says when series were left out.
    """
    dims = [d for d in y.dims]
    if series is None:
        series = [d for d in dims if d not in x.dims and y.sizes[d] > 1]
    else:
        series = [d for d in series if d in dims and y.sizes[d] > 1]
    combos = list(itertools.product(*[range(y.sizes[d]) for d in series]))
    note = None
    if len(combos) > max_series:
        keep = _pick(len(combos), max_series)
        note = f"{len(keep)} of {len(combos)} series shown"
        combos = [combos[k] for k in keep]
    out = []
    for combo in combos:
        sel = dict(zip(series, combo))
        out.append((series_label(view, series, sel), sel))
    return out, note


def _flat(da, sel, like):
    """da restricted to sel (where da has the dims), broadcast like `like`, flattened."""
    da = da.isel({k: v for k, v in sel.items() if k in da.dims})
    if like is not None:
        da = da.broadcast_like(like)
        da = da.transpose(*like.dims)
    return np.asarray(da.values, dtype=float).ravel() if da.dtype.kind in "fiub" else np.asarray(da.values).ravel()


def plot_lines(ax, view, y, x, *, series=None, se="auto", exact="auto", label=None, color=None, marker=None,
               logx=False, logy=False, connect=None, exact_label=None, max_series=MAX_SERIES, transform=None,
               index=0, ms=5, exact_color=None, xcategories=None, ls=None):
    """Plots y against x on ax: markers with ±SE error bars for the measurement, a dashed line of the same
    colour for the exact value. Returns the number of series drawn.

    y: an output name (its companions y_se and y_exact are used when se/exact are 'auto') or a DataArray.
    x: a parameter name or a DataArray over task dims. series: dims that split series (see iter_series).
    transform: a function applied to y, the exact values and (as |d transform| for the SE) nothing else; with
    a transform the SE is dropped unless given explicitly. label: prefix of the legend labels.
    """
    ds = view.ds
    yname = y if isinstance(y, str) else None
    Y = as_da(view, y)
    X = as_da(view, x)
    S = None
    if isinstance(se, (str, xr.DataArray)) and not (isinstance(se, str) and se == "auto"):
        S = as_da(view, se)
    elif se == "auto" and yname and se_name(ds, yname) and transform is None:
        S = ds[se_name(ds, yname)]
    E = None
    if isinstance(exact, (str, xr.DataArray)) and not (isinstance(exact, str) and exact == "auto"):
        E = as_da(view, exact)
    elif exact == "auto" and yname and theory_names(ds, yname):
        E = ds[theory_names(ds, yname)[0]]
    Xb = X.broadcast_like(Y) if X.dims or Y.dims else X
    Yb = Y.broadcast_like(Xb) if Xb.dims else Y
    groups, note = iter_series(view, Yb, X, series, max_series)
    categorical = Xb.dtype.kind in "OSU"
    cats = xcategories
    if categorical and cats is None:
        cats = list(dict.fromkeys(np.asarray(Xb.values).ravel().tolist()))
    drawn = 0
    for k, (lab, sel) in enumerate(groups):
        c = color or COLORS[(index + k) % len(COLORS)]
        m = marker or MARKERS[(index + k) % len(MARKERS)]
        like = Yb.isel({d: v for d, v in sel.items() if d in Yb.dims})
        ys = _flat(Yb, sel, like)
        xs = _flat(Xb, sel, like)
        es = _flat(S, sel, like) if S is not None else None
        ex = _flat(E, sel, like) if E is not None else None
        if categorical:
            xs = np.array([cats.index(v) for v in xs], dtype=float)
        else:
            xs = xs.astype(float)
        if transform is not None:
            ys = transform(ys)
            ex = transform(ex) if ex is not None else None
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
        es = es[order] if es is not None else None
        ex = ex[order] if ex is not None else None
        fin = np.isfinite(xs) & np.isfinite(ys)
        full = " ".join(t for t in (label, lab) if t) or ("measured ± SE" if es is not None else "measured")
        if fin.any():
            if ls is None:
                ls_ = "-" if (connect if connect is not None else E is None) else "none"
            else:
                ls_ = ls
            if es is not None:
                ax.errorbar(xs[fin], ys[fin], yerr=np.where(np.isfinite(es[fin]), es[fin], 0), color=c, marker=m,
                            ms=ms, ls=ls_, lw=1.2, capsize=2.5, elinewidth=1, label=full or None)
            else:
                ax.plot(xs[fin], ys[fin], color=c, marker=m, ms=ms, ls=ls_, lw=1.2, label=full or None)
            drawn += 1
        if ex is not None:
            fe = np.isfinite(xs) & np.isfinite(ex)
            if fe.any():
                ax.plot(xs[fe], ex[fe], color=exact_color or c, ls="--", lw=1.3, alpha=0.9,
                        label=exact_label if (exact_label and k == 0) else None)
    if categorical and cats:
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels([str(v) for v in cats], rotation=30 if len(cats) > 4 else 0)
    set_scales(ax, logx and not categorical, logy)
    if note:
        ax.text(0.99, 0.01, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.4")
    return drawn


def set_scales(ax, logx, logy):
    """Log scales where asked and where the drawn data has positive values."""
    def positive(axis):
        vals = []
        for line in ax.get_lines():
            d = line.get_xdata() if axis == "x" else line.get_ydata()
            d = np.asarray(d, dtype=float)
            vals.append(d[np.isfinite(d)])
        v = np.concatenate(vals) if vals else np.array([])
        return (v > 0).any()
    if logx and positive("x"):
        ax.set_xscale("log", nonpositive="mask")
        xs = set()
        for line in ax.get_lines():
            d = np.asarray(line.get_xdata(), dtype=float)
            xs.update(np.round(d[np.isfinite(d) & (d > 0)], 12).tolist())
        if 1 < len(xs) <= 10 and max(xs) / min(xs) < 100:
            plain_log_ticks(ax, sorted(xs))
    if logy and positive("y"):
        ax.set_yscale("log", nonpositive="mask")


def plain_log_ticks(ax, values, axis="x"):
    """Major ticks of a log axis at the given values with plain labels, no minor labels (for short ranges)."""
    from matplotlib.ticker import FixedLocator, NullFormatter, FuncFormatter
    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_locator(FixedLocator(values))
    a.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    a.set_minor_formatter(NullFormatter())


def legend(ax, measured="measured ± SE", exact="exact (dashed)", extra=(), loc="best", fontsize=8, ncol=1,
           note=True):
    """The series legend, plus proxy entries saying that markers are measurements and dashed lines theory."""
    handles, labels = ax.get_legend_handles_labels()
    if note:
        has_dashed = any(line.get_linestyle() == "--" for line in ax.get_lines())
        proxies = []
        n_marked = sum(1 for l in labels if not l.startswith("_") and l not in ("measured", "measured ± SE"))
        if measured and n_marked > 1 and not any(l.startswith("measured") for l in labels):
            proxies.append((Line2D([], [], color="0.3", marker="o", ls="none", ms=5), measured))
        if exact and has_dashed and exact not in labels:
            proxies.append((Line2D([], [], color="0.3", ls="--"), exact))
        for h, l in proxies:
            handles.append(h)
            labels.append(l)
    for h, l in extra:
        handles.append(h)
        labels.append(l)
    if handles:
        ax.legend(handles, labels, loc=loc, fontsize=fontsize, ncol=ncol, framealpha=0.85)


def reference_line(ax, xs, ys, label, color="0.35", ls=":", lw=1.3):
    ax.plot(xs, ys, color=color, ls=ls, lw=lw, label=label)


def slope_guide(ax, x, y0, slope, label, color="0.45"):
    """A dotted power-law guide y = y0 (x/x[0])^slope through (x[0], y0), for log-log panels."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if x.size < 2 or not np.isfinite(y0) or y0 <= 0:
        return
    xs = np.geomspace(x.min(), x.max(), 50)
    ax.plot(xs, y0 * (xs / xs[0]) ** slope, color=color, ls=":", lw=1.4, label=label)


def bars(ax, view, ys, by, *, labels=None, se="auto", exact="auto", logy=False, colors=None):
    """Grouped bars: one group per value of the categorical parameter `by`, one bar per output in ys, with
    ±SE error bars and the exact value as a black tick. Other task dims must be singletons (or are averaged)."""
    ds = view.ds
    B = as_da(view, by)
    cats = list(dict.fromkeys(np.asarray(B.values).ravel().tolist())) if B.dims else [B.item()]
    nb = len(ys)
    width = 0.8 / max(nb, 1)
    for j, y in enumerate(ys):
        Y = as_da(view, y)
        vals, errs, exs = [], [], []
        for cat in cats:
            if B.dims:
                mask = (B == cat)
                sub = Y.where(mask.broadcast_like(Y) if mask.dims else mask)
            else:
                sub = Y
            vals.append(float(sub.mean(skipna=True)) if np.isfinite(sub.values).any() else np.nan)
            if isinstance(y, str) and se == "auto" and se_name(ds, y):
                S = ds[se_name(ds, y)]
                s = S.where(mask.broadcast_like(S)) if B.dims else S
                errs.append(float(np.sqrt((s ** 2).mean(skipna=True))) if np.isfinite(s.values).any() else 0.0)
            else:
                errs.append(0.0)
            e = None
            if isinstance(y, str) and exact == "auto" and theory_names(ds, y):
                e = ds[theory_names(ds, y)[0]]
            if e is not None:
                se_ = e.where(mask.broadcast_like(e)) if B.dims else e
                exs.append(float(se_.mean(skipna=True)) if np.isfinite(se_.values).any() else np.nan)
            else:
                exs.append(np.nan)
        pos = np.arange(len(cats)) - 0.4 + width * (j + 0.5)
        c = (colors or COLORS)[j % len(COLORS)]
        lab = labels[j] if labels else (y if isinstance(y, str) else None)
        ax.bar(pos, vals, width * 0.9, yerr=errs, color=c, alpha=0.8, capsize=3, label=lab, log=logy)
        ex = np.array(exs)
        if np.isfinite(ex).any():
            ax.hlines(ex, pos - width * 0.45, pos + width * 0.45, colors="k", lw=2,
                      label="exact" if j == 0 else None)
    ax.set_xticks(range(len(cats)))
    ax.set_xticklabels([str(c) for c in cats])
    if logy:
        ax.set_yscale("log", nonpositive="mask")


def empty_figure(view, message):
    fig, (ax,) = new_figure(1, panel=(7, 2.6), title=sweep_title(view))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, wrap=True)
    return fig


def families(view):
    """Output families for generic plots: [(base, se_name or None, [theory names])], outputs in file order."""
    names = [v for v in output_names(view.ds) if v != "ok_replicates"]
    taken = set()
    fams = []
    for v in names:
        role, of = output_role(view.ds, v)
        if of in names and (role == "standard_error" or role in THEORY_ROLES):
            continue
        se = se_name(view.ds, v)
        th = [t for t in theory_names(view.ds, v) if t in names]
        fams.append((v, se, th))
        taken.add(v)
    return fams


def x_params(view):
    """The parameters to use as x axes: the swept ones, preferring numeric zip coordinates for point."""
    xs = view.swept_params()
    return xs


def own_dims(view, var):
    return [d for d in view.ds[var].dims if d not in view.tdims and d not in INDEX_DIMS]


def task_labels(view):
    """One label per task (flattened over the task dims, row-major): 'name=value, ...'."""
    dims = [d for d in view.tdims if view.ds.sizes[d] > 1]
    combos = list(itertools.product(*[range(view.ds.sizes[d]) for d in dims]))
    return dims, combos, [series_label(view, dims, dict(zip(dims, c))) or view.name for c in combos]


def task_bars(ax, view, ys, *, labels=None, se="auto", exact="auto", logy=False):
    """Grouped bars with one group per task (all task dims flattened), one bar per output in ys, ±SE error
    bars and the exact value as a black tick. For small sweeps whose parameters are categorical."""
    ds = view.ds
    dims, combos, names = task_labels(view)
    width = 0.8 / max(len(ys), 1)
    bottom = 0.0
    if logy:  # bars on a log axis need a positive base below every bar
        allv = np.concatenate([np.asarray(as_da(view, y).values, dtype=float).ravel() for y in ys])
        allv = allv[np.isfinite(allv) & (allv > 0)]
        bottom = 10 ** np.floor(np.log10(allv.min()) - 0.3) if allv.size else 1e-3
    for j, y in enumerate(ys):
        vals, errs, exs = [], [], []
        for c in combos:
            sel = dict(zip(dims, c))
            Y = as_da(view, y)
            Y = Y.isel({d: i for d, i in sel.items() if d in Y.dims})
            vals.append(float(np.nanmean(Y.values)) if np.isfinite(Y.values).any() else np.nan)
            s = None
            if isinstance(y, str) and se == "auto" and se_name(ds, y):
                S = ds[se_name(ds, y)]
                s = S.isel({d: i for d, i in sel.items() if d in S.dims})
            errs.append(float(np.nanmean(s.values)) if s is not None and np.isfinite(s.values).any() else 0.0)
            e = None
            if isinstance(y, str) and exact == "auto" and theory_names(ds, y):
                T = ds[theory_names(ds, y)[0]]
                e = T.isel({d: i for d, i in sel.items() if d in T.dims})
            exs.append(float(np.nanmean(e.values)) if e is not None and np.isfinite(e.values).any() else np.nan)
        pos = np.arange(len(combos)) - 0.4 + width * (j + 0.5)
        ax.bar(pos, np.asarray(vals) - bottom, width * 0.9, bottom=bottom, yerr=errs, color=COLORS[j % len(COLORS)],
               alpha=0.8, capsize=3, label=(labels[j] if labels else (y if isinstance(y, str) else None)))
        ex = np.array(exs)
        if np.isfinite(ex).any():
            ax.hlines(ex, pos - width * 0.45, pos + width * 0.45, colors="k", lw=2,
                      label="exact" if j == 0 else None)
    ax.set_xticks(range(len(combos)))
    ax.set_xticklabels([wrap(n, 22) for n in names], fontsize=7.5, rotation=0)
    if logy:
        ax.set_yscale("log", nonpositive="mask")
    return names
