"""Per-experiment plots. Each module registers functions plot(view) -> [(Figure, caption)] for the experiments
it knows; any other experiment gets the generic plots (every output against every swept parameter).

    from mpisweep.plots import plot_sweep
    for fig, caption in plot_sweep(ds): ...
"""
import importlib
import traceback
import warnings

from .core import View, empty_figure, sweep_title  # noqa: F401
from . import generic

#: experiment name -> module in this package that has plot_<experiment>(view).
MODULES = {
    "angle": "angle",
    "attention_rank": "attention",
    "hsic": "hsic",
    "init_orthogonality": "init",
    "signal_propagation": "init",
    "noise_penalty": "noise",
    "vat": "noise",
    "variance_bias": "estimators",
    "gumbel": "reparam",
    "reparam_gauss": "reparam",
    "langevin": "langevin",
    "ebm_train": "langevin",
}


def dedicated(experiment):
    """The dedicated plot function of an experiment, or None."""
    mod = MODULES.get(experiment)
    if not mod:
        return None
    try:
        m = importlib.import_module(f".{mod}", __name__)
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{mod}":
            raise
        return None
    return getattr(m, "plot_" + experiment, None)


def plot_view(view, strict=False):
    """Figures of a View: (list of (Figure, caption), kind) with kind 'dedicated', 'generic', or
    'generic (dedicated plot failed: ...)'."""
    if view.n_ok() == 0:
        a = view.raw.attrs
        msg = (f"no finished tasks yet: {a.get('tasks_pending', 0)} pending, {a.get('tasks_failed', 0)} failed, "
               f"{a.get('tasks_skipped', 0)} skipped of {a.get('tasks_total', 0)}")
        return [(empty_figure(view, msg), "Nothing to plot yet.")], "empty"
    fn = dedicated(view.experiment)
    if fn is not None:
        try:
            figs = fn(view)
            if figs:
                return figs, "dedicated"
        except Exception as e:  # a plot must never stop a report; say what happened and fall back
            if strict:
                raise
            warnings.warn(f"dedicated plot of {view.name} ({view.experiment}) failed, using generic plots: "
                          f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
            return _generic(view, strict), f"generic (dedicated plot failed: {type(e).__name__}: {e})"
    return _generic(view, strict), "generic"


def _generic(view, strict):
    try:
        return generic.plot(view)
    except Exception as e:
        if strict:
            raise
        warnings.warn(f"generic plot of {view.name} failed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
        return [(empty_figure(view, f"plotting failed: {type(e).__name__}: {e}"), "Plotting failed.")]


def plot_sweep(ds, name=None, strict=False):
    """The figures of a sweep (a Dataset from open_sweep): a list of (matplotlib Figure, caption)."""
    return plot_view(View(ds, name), strict=strict)[0]
