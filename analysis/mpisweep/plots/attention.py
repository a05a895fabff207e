"""kexue.fm/archives/7325: the low-rank bottleneck of attention (science.md section 2).

Against key_size: the best rank-k residual of a generic centred logit target against the Marchenko-Pastur
curve, zero exactly from k = n − 1 on; the rank of one head's logits, min(n, d, k); the effective rank of the
attention matrix. Against the number of heads: the rank of one head's talking-heads logits, min(n, h k), with
and without mixing.
"""
from .core import (COLORS, Line2D, legend, new_figure, np, plot_lines, sweep_title, xr)

ZERO = 1e-20


def _alpha(v):
    k = v.p("key_size")
    n = v.p("seq_len")
    return k / (n - 1)


def _series(v):
    return [d for d in v.tdims if d not in ("key_size",)]


def _key_size_figure(v):
    ds = v.ds
    n_text = (f"seq_len n = {v.fixed('seq_len')}" if v.fixed("seq_len") is not None else "several seq_len")
    fig, axes = new_figure(4, ncols=2, panel=(5.6, 4.0),
                           title=sweep_title(v, f"low-rank bottleneck of one attention head ({n_text})"))
    series = [d for d in v.tdims if d not in ("key_size", "d_model")]  # the residual does not depend on d_model
    first = {d: 0 for d in v.tdims if d == "d_model"}
    vs = v.isel(first) if first else v
    # 1. residual against alpha with Marchenko-Pastur
    ax = axes[0]
    plot_lines(ax, vs, "residual", _alpha(vs), series=series, exact="residual_mp",
               exact_label="Marchenko–Pastur limit", label="measured")
    ax.axvline(1.0, color="0.3", ls=":", lw=1.2, label="k = n − 1")
    ax.set_xlabel("α = key_size / (seq_len − 1) [1]")
    ax.set_ylabel(v.label("residual", "best rank-k residual fraction r(k)"))
    ax.set_title("Rank-k residual of a generic logit target")
    ax.set_ylim(-0.02, 1.02)
    legend(ax, measured=None, exact=None)
    # 2. the same on a log axis: zero exactly at k >= n - 1
    ax = axes[1]
    r = vs.ds["residual"].where(vs.ds["residual"] > ZERO)
    plot_lines(ax, vs, r, "key_size", series=series, se=None, exact=None, logy=True, label="residual",
               connect=True)
    zeros = vs.ds["residual"].where(vs.ds["residual"] <= ZERO)
    kz = np.broadcast_to(np.asarray(vs.p("key_size").values if isinstance(vs.p("key_size"), xr.DataArray)
                                    else vs.p("key_size")), zeros.shape)
    zmask = np.isfinite(zeros.values)
    if zmask.any():
        ax.plot(np.asarray(kz)[zmask], np.full(zmask.sum(), 0.03), "v", color="k", ms=7,
                transform=ax.get_xaxis_transform(), label=f"exactly 0 (< {ZERO:g}), at the axis")
    nvals = v.values("seq_len")
    for k, n in enumerate(nvals):
        ax.axvline(n - 1, color=COLORS[k % len(COLORS)] if len(nvals) > 1 else "0.3", ls=":", lw=1.2,
                   label="k = n − 1" if k == 0 else None)
    ax.set_xlabel(v.label("key_size", "key_size k"))
    ax.set_ylabel(v.label("residual", "residual fraction r(k)"))
    ax.set_title("Residual vanishes exactly from k = n − 1")
    legend(ax, measured=None, exact=None)
    # 3. logit rank
    ax = axes[2]
    plot_lines(ax, v, "logit_rank", "key_size", series=[d for d in v.tdims if d != "key_size"], logx=True,
               exact_label="exact min(n, d, k)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel(v.label("key_size", "key_size k"))
    ax.set_ylabel(v.label("logit_rank", "rank of QKᵀ"))
    ax.set_title("Rank of one head's logits QKᵀ")
    legend(ax, exact=None)
    # 4. effective rank of the attention matrix
    ax = axes[3]
    plot_lines(ax, v, "attention_effective_rank", "key_size", series=[d for d in v.tdims if d != "key_size"],
               logx=True, connect=True)
    for k, n in enumerate(nvals):
        ax.axhline(n, color="0.4", ls=":", lw=1, label="seq_len n" if k == 0 else None)
    ax.set_xscale("log", base=2)
    ax.set_xlabel(v.label("key_size", "key_size k"))
    ax.set_ylabel(v.label("attention_effective_rank", "effective rank of softmax(QKᵀ/√k)"))
    ax.set_title("Effective rank of the attention matrix")
    legend(ax, exact=None)
    cap = ("Top left: the best rank-k approximation of a generic centred logit target L*H leaves the fraction "
           "r(k) of its energy (markers, ±1 SE); the Marchenko–Pastur curve (dashed) is its large-n limit. Top "
           "right: on a log axis r(k) stays positive up to k = n − 2 and is exactly zero (triangles) from "
           "k = n − 1: a head can represent every attention matrix only when key_size ≥ n − 1, the bottleneck "
           "the article describes. Bottom: the logits QKᵀ have rank exactly min(n, d, k) (dashed), and the "
           "attention matrix's effective rank grows with key_size.")
    return fig, cap


def _heads_figure(v):
    fig, axes = new_figure(2, ncols=2, panel=(5.8, 4.2),
                           title=sweep_title(v, f"talking-heads attention (seq_len n = {v.fixed('seq_len', '?')})"))
    series = [d for d in v.tdims if d not in ("heads", "point")]
    ax = axes[0]
    plot_lines(ax, v, "talking_heads_rank", "heads", series=series, logx=True, label="mixed (talking heads)",
               exact_label="exact min(n, h·k)")
    plot_lines(ax, v, "logit_rank", "heads", series=series, logx=True, marker="s", label="one head, no mixing",
               index=3, exact=None, connect=True)
    ax.set_xscale("log", base=2)
    ax.set_xlabel(v.label("heads", "number of heads h"))
    ax.set_ylabel("rank of head 1's logits [1]")
    ax.set_title("Rank with and without mixing the heads")
    legend(ax, measured=None, exact=None)
    ax = axes[1]
    ratio = v.ds["talking_heads_rank"] / v.ds["talking_heads_rank_exact"]
    plot_lines(ax, v, ratio, "heads", series=series, se=None, exact=None, connect=False)
    ax.axhline(1, color="0.3", ls="--", lw=1)
    ax.set_xscale("log", base=2)
    ax.set_ylim(0.9, 1.1)
    ax.set_xlabel(v.label("heads", "number of heads h"))
    ax.set_ylabel("measured / exact rank [1]")
    ax.set_title("Talking-heads rank against min(n, h·k)")
    legend(ax, measured=None, exact=None)
    cap = ("Left: mixing the h heads' logits before the softmax gives head 1 a logit matrix of rank min(n, h·k) "
           "(dashed), while a single unmixed head has rank key_size: with mixing, more and smaller heads lose no "
           "rank. Right: measured over exact rank, which is 1 for every configuration.")
    return fig, cap


def plot_attention_rank(v):
    if v.varies("heads"):
        return [_heads_figure(v)]
    if v.varies("key_size") or v.varies("seq_len"):
        return [_key_size_figure(v)]
    return []
