"""mpisweep analysis: load mpisweep result files into xarray/pandas, and draw each experiment's plots.

    import sys; sys.path.insert(0, "analysis")      # from the repository root
    import mpisweep
    mpisweep.list_sweeps("results/demo.h5")          # ['angle-vs-dim', ...]
    ds = mpisweep.open_sweep("results/demo.h5", "angle-vs-dim")   # xarray.Dataset, failed tasks NaN
    df = mpisweep.to_dataframe("results/demo.h5", "angle-vs-dim") # tidy pandas.DataFrame
    mpisweep.report("results/demo.h5", "results/demo-report")     # PNGs + index.html

Command line: /usr/bin/python3 -m mpisweep report FILE -o DIR (see python3 -m mpisweep --help).
"""
from .loader import (BOOKKEEPING, experiments, ResultFileError, companion, failures, fixed_parameters, list_sweeps,
                     mean_over_replicates, open_sweep, output_names, output_role, parameter, status_code,
                     status_counts, status_labels, status_names, task_dims, to_dataframe)

__all__ = ["list_sweeps", "experiments", "open_sweep", "to_dataframe", "failures", "report", "plot_sweep", "mean_over_replicates",
           "fixed_parameters", "parameter", "status_counts", "status_labels", "task_dims", "output_names",
           "status_names", "status_code", "output_role", "companion", "BOOKKEEPING", "ResultFileError"]


def report(path, outdir, sweeps=None, *, strict=False):
    """Writes one PNG per sweep (more where a sweep calls for it) and an index.html with the sweeps' provenance
    into outdir; returns the path of index.html. See mpisweep.report_impl.write_report."""
    from .report_impl import write_report
    return write_report(path, outdir, sweeps=sweeps, strict=strict)["index"]


def plot_sweep(ds, name=None):
    """The figures of a sweep (a Dataset from open_sweep): a list of (matplotlib Figure, caption)."""
    from .plots import plot_sweep as _plot
    return _plot(ds, name=name)
