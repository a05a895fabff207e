"""Reading mpisweep result files: one HDF5 group per sweep, opened read-only as an xarray.Dataset.

The file's dimension scales give xarray named dimensions and coordinates without glue code; this module adds
the masking by task status, the file's provenance attributes, a tidy pandas view, and the failure log.

Files that a run is still writing are read as they are on disk: the runner creates every dataset and flushes
the metadata before the first task runs, and afterwards writes only raw data, so a reader sees the tasks
finished so far (status 1) and NaN elsewhere. HDF5 1.10.8's parallel (MPI-IO) driver takes no file lock, and the
runner's own run lock is an fcntl byte-range lock far past the end of the file, so a reader never blocks the
run; the file is nevertheless opened with HDF5 file locking off (``locking=False``) where h5py supports it, so
that filesystems without flock (some Lustre and NFS mounts) also work.
"""
import os

from ._deps import require

np, h5py, h5netcdf, xr, pd = require("numpy", "h5py", "h5netcdf", "xarray", "pandas")

#: Outcomes that are not failures (every other outcome in the file's flag_meanings is one, as the runner counts).
NOT_FAILURES = ("pending", "ok", "skipped", "excluded")
#: Variables the runner adds to every sweep beside the experiment's outputs.
BOOKKEEPING = ("task_status", "task_seconds", "task_rank")
#: Task dimensions that are not parameters of the experiment.
INDEX_DIMS = ("point", "replicate") + tuple(f"point{g}" for g in range(1, 9))  # point1..8: zip groups


class ResultFileError(ValueError):
    """The path is not a readable mpisweep result file, or has no such sweep."""


def _h5_open(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such result file")
    try:
        is_h5 = h5py.is_hdf5(path)
    except OSError as e:
        raise ResultFileError(f"{path}: cannot be read ({e})") from e
    if not is_h5:
        raise ResultFileError(f"{path} is not an HDF5 file, so not an mpisweep result file")
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:  # an h5py without the locking argument
        return h5py.File(path, "r")
    except OSError as e:
        raise ResultFileError(f"{path}: HDF5 cannot open it (truncated or damaged?): {e}") from e


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.dtype.kind in "SO" and v.ndim == 0:
        return _text(v[()])
    return v


def _plain(v):
    """An attribute value as a plain Python object (str, int, float, list)."""
    v = _text(v)
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()] if v.dtype.kind in "SO" else v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _in_creation_order(f):
    """The names under the root in the order they were created (the spec's order), where the file tracks it
    (files written by earlier versions do not: then alphabetical)."""
    names = []
    try:
        f.id.links.iterate(lambda n: names.append(n.decode("utf-8")), idx_type=h5py.h5.INDEX_CRT_ORDER)
        return names
    except (ValueError, RuntimeError, KeyError):
        return list(f.keys())


def list_sweeps(path):
    """Names of the sweeps in a result file, in the order of the specs that created them.

    Raises FileNotFoundError for a missing file and ResultFileError for a file that is not a result file.
    """
    with _h5_open(path) as f:
        if "mpisweep_version" not in f.attrs:
            raise ResultFileError(f"{os.fspath(path)} is an HDF5 file but not an mpisweep result file")
        return [name for name in _in_creation_order(f) if isinstance(f[name], h5py.Group)
                and "experiment" in f[name].attrs]


def experiments(path):
    """{sweep name: experiment name} for every sweep of a result file (reads only the group attributes)."""
    with _h5_open(path) as f:
        if "mpisweep_version" not in f.attrs:
            raise ResultFileError(f"{os.fspath(path)} is an HDF5 file but not an mpisweep result file")
        return {name: _text(f[name].attrs["experiment"]) for name in _in_creation_order(f)
                if isinstance(f[name], h5py.Group) and "experiment" in f[name].attrs}


def _check_sweep(path, sweep):
    names = list_sweeps(path)
    if sweep not in names:
        raise ResultFileError(f"{os.fspath(path)} has no sweep {sweep!r}; its sweeps are: "
                              + (", ".join(names) if names else "(none)"))


def output_names(ds):
    """The experiment's outputs in a dataset from open_sweep (everything but coordinates and bookkeeping)."""
    return [v for v in ds.data_vars if v not in BOOKKEEPING]


def task_dims(ds):
    """The task dimensions of a sweep (grid axes in spec order, then point, then replicate)."""
    return list(ds["task_status"].dims)


def _names_from_attrs(attrs):
    values = np.atleast_1d(np.asarray(attrs["flag_values"])).tolist()
    meanings = _text(attrs["flag_meanings"])
    meanings = meanings.split() if isinstance(meanings, str) else [_text(m) for m in meanings]
    return {int(v): str(m) for v, m in zip(values, meanings)}


def status_names(ds):
    """{code: outcome name} of task_status, read from the file's CF flag_values / flag_meanings attributes."""
    return _names_from_attrs(ds["task_status"].attrs)


def status_code(ds, name):
    """The task_status code of outcome ``name`` ('ok', 'pending', ...) in this file."""
    for code, n in status_names(ds).items():
        if n == name:
            return code
    raise KeyError(f"the file's task_status has no outcome {name!r}")


def status_counts(ds):
    """Counts of task outcomes: a dict with every outcome name of the file's flag_meanings, plus 'failed_any'
    (every failure outcome) and 'total'."""
    codes = np.asarray(ds["task_status"].values).ravel()
    counts = {name: int(np.count_nonzero(codes == k)) for k, name in status_names(ds).items()}
    counts["failed_any"] = sum(n for name, n in counts.items() if name not in NOT_FAILURES)
    counts["total"] = int(codes.size)
    return counts


#: Roles of outputs that belong to another output (the file's ``role`` attribute; ``role_of`` names the other).
COMPANION_ROLES = ("standard_error", "exact", "limit")
_SUFFIX_ROLES = (("_se", "standard_error"), ("_exact", "exact"), ("_limit", "limit"))


def output_role(ds, v):
    """(role, role_of) of output v: role is 'value', 'estimate', 'standard_error', 'exact' or 'limit', as the
    runner records it in the file; role_of names the output a companion belongs to (None otherwise). Files from
    before roles were recorded get the runner's naming rule (x_se, x_exact, x_limit belong to x)."""
    a = ds[v].attrs
    if "role" in a:
        return str(a["role"]), (str(a["role_of"]) if "role_of" in a else None)
    for suffix, role in _SUFFIX_ROLES:
        if v.endswith(suffix) and v[: -len(suffix)] in ds.data_vars:
            return role, v[: -len(suffix)]
    return "value", None


def companion(ds, v, role):
    """The name of v's companion of the given role ('standard_error', 'exact', 'limit'), or None."""
    for w in ds.data_vars:
        if w != v and output_role(ds, w) == (role, v):
            return w
    return None


def open_sweep(path, sweep, *, mask=True):
    """Loads one sweep of a result file into memory as an xarray.Dataset, and closes the file.

    Dimensions and coordinates are the sweep's task dimensions (grid parameters in spec order, then ``point``
    for zipped parameters, whose values are coordinates along it, then ``replicate``), followed by each
    output's own dimensions. Every variable keeps its ``units`` and ``long_name``; the group's provenance
    (experiment, article, spec, seed, param_<name> of every fixed parameter, history, ...) is in ``ds.attrs``,
    with the task counts added as ``tasks_ok``, ``tasks_pending``, ``tasks_failed`` (every failure outcome),
    ``tasks_skipped``, ``tasks_excluded`` (left out by the sweep's ``where:`` filter, never run),
    ``tasks_total`` and ``complete`` (nothing pending or skipped; excluded tasks do not count).

    With mask=True (the default), every output of a task whose status is not ok (pending, failed, non-finite,
    not converged, numerical failure, rejected parameters, skipped, excluded) is NaN; ``task_status`` itself is
    kept (int8 with CF flag_values/flag_meanings; see status_names). With mask=False the values are as stored.

    Works on a file that a run is still writing: the tasks finished so far have status ok.
    """
    _check_sweep(path, sweep)
    try:
        hf = h5netcdf.File(os.fspath(path), "r", locking=False)
    except TypeError:  # an h5py without the locking argument
        hf = h5netcdf.File(os.fspath(path), "r")
    try:
        store = xr.backends.H5NetCDFStore(hf, group=sweep)
        # mask_and_scale=False: HDF5 fill values (-1 in task_rank) stay values, not NaN; outputs are NaN-filled.
        ds = xr.open_dataset(store, mask_and_scale=False)
        # task_status first: a run writes a task's outputs before its status, so on a live file every task read
        # as ok then has its outputs on disk when they are read (in name order, "slept" would precede it).
        ds["task_status"].load()
        ds = ds.load()
    finally:
        hf.close()
    ds.attrs = {k: _plain(v) for k, v in ds.attrs.items()}
    for name in list(ds.variables):
        ds[name].attrs = {k: _plain(v) for k, v in ds[name].attrs.items() if k != "_FillValue"}
        if ds[name].dtype.kind == "S":
            ds[name] = ds[name].astype(str)
    counts = status_counts(ds)
    ds.attrs.update(tasks_ok=counts["ok"], tasks_pending=counts["pending"], tasks_failed=counts["failed_any"],
                    tasks_skipped=counts["skipped"], tasks_excluded=counts.get("excluded", 0),
                    tasks_total=counts["total"], complete=bool(counts["pending"] == 0 and counts["skipped"] == 0))
    ds.attrs.setdefault("sweep", sweep)
    if mask:
        ok = ds["task_status"] == status_code(ds, "ok")
        for v in output_names(ds):
            attrs, encoding = ds[v].attrs, ds[v].encoding
            ds[v] = ds[v].where(ok)
            ds[v].attrs, ds[v].encoding = attrs, encoding
    return ds


def fixed_parameters(ds):
    """The sweep's fixed (non-swept) parameters, from its param_<name> attributes: {name: value}."""
    return {k[len("param_"):]: v for k, v in ds.attrs.items() if k.startswith("param_")}


def parameter(ds, name):
    """A parameter's value over the sweep: its coordinate (grid or zip) as a DataArray, else its fixed value.

    Raises KeyError if the sweep neither sweeps nor fixes the parameter.
    """
    if name in ds.coords:
        return ds.coords[name]
    key = "param_" + name
    if key in ds.attrs:
        return ds.attrs[key]
    raise KeyError(f"sweep {ds.attrs.get('sweep', '?')} has no parameter {name!r}")


def status_labels(ds):
    """task_status as strings ('ok', 'pending', ...), a DataArray over the task dimensions."""
    codes = ds["task_status"].values.astype(int)
    names = status_names(ds)
    labels = np.vectorize(lambda c: names.get(int(c), "unknown"), otypes=[object])(codes) if codes.size else \
        np.empty(codes.shape, dtype=object)
    return xr.DataArray(labels, dims=ds["task_status"].dims, coords=ds["task_status"].coords, name="status")


def to_dataframe(path, sweep, variables=None, *, mask=True, ok_only=False, fixed=True):
    """A tidy pandas.DataFrame of one sweep: one row per task (per element of the outputs' own dimensions when
    those outputs are asked for), one column per parameter and output.

    Columns: the task dimensions' coordinates (and the zipped parameters along ``point``), then ``status`` (a
    string: ok, pending, failed, ...), ``seconds`` and ``rank`` of each task, then the outputs. By default the
    outputs are the scalar ones (no own dimensions); pass ``variables`` to choose, in which case the chosen
    outputs must share their own dimensions (e.g. ``["hist", "hist_exact"]``). With fixed=True the fixed
    parameters are columns too (constant), so frames of several sweeps can be concatenated. ok_only drops the
    rows of tasks that did not succeed; mask is as in open_sweep.
    """
    ds = open_sweep(path, sweep, mask=mask)
    tdims = task_dims(ds)
    outputs = output_names(ds)
    if variables is None:
        variables = [v for v in outputs if set(ds[v].dims) <= set(tdims)]
    else:
        variables = list(variables)
        unknown = [v for v in variables if v not in ds.data_vars]
        if unknown:
            raise KeyError(f"sweep {sweep} has no output(s) {', '.join(unknown)}; outputs: {', '.join(outputs)}")
    own = {tuple(d for d in ds[v].dims if d not in tdims) for v in variables}
    if len(own) > 1:
        raise ValueError(f"to_dataframe: the outputs {variables} have different own dimensions {sorted(own)}; "
                         "ask for outputs that share them")
    own_dims = list(own.pop()) if own else []
    frame = xr.Dataset({"status": status_labels(ds), "seconds": ds["task_seconds"], "rank": ds["task_rank"]})
    for v in variables:
        frame[v] = ds[v]
    for d in own_dims:  # an own dimension has no coordinate in the file: number it from 0
        frame = frame.assign_coords({d: np.arange(ds.sizes[d])})
    df = frame.to_dataframe().reset_index()
    order = tdims + [c for c in frame.coords if c not in tdims and c not in own_dims] + own_dims
    df = df[order + ["status", "seconds", "rank"] + variables]
    if fixed:
        for name, value in fixed_parameters(ds).items():
            if name not in df.columns:
                df[name] = [tuple(value)] * len(df) if isinstance(value, list) else value
    if ok_only:
        df = df[df["status"] == "ok"].reset_index(drop=True)
    return df


def _messages(raw):
    """The failure messages: a char matrix [row, byte] (netCDF's char storage), or in files written by earlier
    versions one fixed-length string per row."""
    if raw.ndim == 2:
        raw = np.array([r.tobytes() for r in raw], dtype=object)
    return np.array([_text(m).rstrip("\0") if not isinstance(m, str) else m for m in raw], dtype=object)


def failures(path, sweep):
    """The sweep's failure log as a DataFrame: task (linear index), outcome, rank, seconds, message, and the
    task's coordinates. Holds the first failures in arrival order (the log has a fixed capacity)."""
    _check_sweep(path, sweep)
    with _h5_open(path) as f:
        g = f[sweep]
        names = _names_from_attrs(g["task_status"].attrs)
        log = g["failures"]
        task = log["task"][...]
        used = task != np.iinfo(np.uint64).max
        df = pd.DataFrame({
            "task": task[used].astype(np.int64),
            "outcome": [names.get(int(c), str(c)) for c in log["outcome"][...][used]],
            "rank": log["rank"][...][used],
            "seconds": log["seconds"][...][used],
            "message": _messages(log["message"][...])[used],
        })
    ds = open_sweep(path, sweep, mask=False)
    tdims = task_dims(ds)
    if tdims and len(df):
        shape = [ds.sizes[d] for d in tdims]
        idx = np.unravel_index(df["task"].to_numpy(), shape)
        for d, i in zip(tdims, idx):
            df[d] = ds[d].values[i] if d in ds.coords else i
        for c in ds.coords:  # zipped parameters, along their point dimension (one per zip group)
            if c not in tdims and len(ds[c].dims) == 1 and ds[c].dims[0] in tdims:
                df[c] = ds[c].values[idx[tdims.index(ds[c].dims[0])]]
    return df


def mean_over_replicates(ds):
    """Averages a sweep over its ``replicate`` dimension (if any), combining standard errors.

    For an output x with a standard-error companion (role standard_error, e.g. x_se), the mean's SE is
    sqrt(sum x_se^2)/R over the R finite replicates. For an output without one, x_se is added from the spread
    across replicates, std/sqrt(R), when R > 1, with role standard_error.
    task_status becomes the number of ok replicates (``ok_replicates``), and is dropped.
    """
    if "replicate" not in ds.dims:
        return ds
    out = xr.Dataset(attrs=dict(ds.attrs))
    n_ok = (ds["task_status"] == status_code(ds, "ok")).sum("replicate")
    for v in output_names(ds):
        da = ds[v]
        if "replicate" not in da.dims:
            out[v] = da
            continue
        role, _ = output_role(ds, v)
        added_se = False
        if role == "standard_error":
            n = da.notnull().sum("replicate")
            out[v] = np.sqrt((da ** 2).sum("replicate", skipna=True)) / n.where(n > 0)
        else:
            out[v] = da.mean("replicate", skipna=True)
            if role in ("value", "estimate") and companion(ds, v, "standard_error") is None \
                    and v + "_se" not in ds.data_vars:
                n = da.notnull().sum("replicate")
                spread = da.std("replicate", ddof=1, skipna=True) / np.sqrt(n.where(n > 1))
                if float(np.nanmax(np.abs(spread.values), initial=0.0)) > 0:
                    out[v + "_se"] = spread
                    out[v + "_se"].attrs = {"units": da.attrs.get("units", "1"), "role": "standard_error",
                                            "role_of": v,
                                            "long_name": f"standard error of {v} across replicates"}
                    added_se = True
        out[v].attrs = dict(da.attrs, role="estimate") if added_se else dict(da.attrs)
    out["ok_replicates"] = n_ok
    out["ok_replicates"].attrs = {"units": "1", "long_name": "replicates whose task succeeded"}
    for c in ds.coords:
        if "replicate" not in ds[c].dims and c not in out.coords:
            out = out.assign_coords({c: ds[c]})
    out.attrs["replicates_averaged"] = int(ds.sizes["replicate"])
    return out
