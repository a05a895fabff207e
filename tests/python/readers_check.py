"""Reads every sweep of a result file with every reader users have: xarray's default engine (netCDF4, i.e.
netCDF-C), xarray with engine="h5netcdf", netCDF4-python and h5py, checks that they agree value for value, and
prints {sweep: {coordinate: values}} as JSON. Run in a child process by test_readers.py, so that a reader that
crashes (netCDF-C once aborted on fixed-length strings) fails the test instead of killing pytest."""
import json
import sys

import h5py
import netCDF4
import numpy as np
import xarray as xr

path = sys.argv[1]


def same(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shapes {a.shape} and {b.shape}"
    if a.dtype.kind in "fc":
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        assert (a == b).all(), f"{what}: {a!r} != {b!r}"


def char_rows(raw):
    """A char matrix as h5py reads it (S1 [n, width]) -> the strings it holds."""
    return np.array([bytes(r).rstrip(b"\0").decode("utf-8") for r in raw.reshape(raw.shape[0], -1)], dtype=object)


def check_group(group):
    nc = xr.open_dataset(path, group=group).load()
    h5 = xr.open_dataset(path, group=group, engine="h5netcdf").load()
    xr.testing.assert_equal(nc, h5)
    raw = netCDF4.Dataset(path)[group]
    raw.set_auto_mask(False)
    hf = h5py.File(path, "r")[group]
    for name, var in raw.variables.items():
        values = var[...]
        same(values, nc[name].values, f"{group}/{name}: netCDF4-python vs xarray")
        stored = hf["_nc4_non_coord_" + name] if "_nc4_non_coord_" + name in hf else hf[name]
        data = stored[...]
        same(char_rows(data) if data.dtype.kind == "S" and data.ndim == 2 else data, nc[name].values,
             f"{group}/{name}: h5py vs xarray")
    return nc


out = {}
with h5py.File(path, "r") as f:
    groups = [g for g in f if "experiment" in f[g].attrs]
for g in groups:
    ds = check_group(g)
    log = check_group(g + "/failures")
    used = log["task"].values != np.iinfo(np.uint64).max
    out[g] = {c: ds[c].values.tolist() for c in ds.coords}
    out[g]["task_status"] = ds["task_status"].values.ravel().tolist()
    out[g]["messages"] = [str(m) for m in log["message"].values[used]]
print(json.dumps(out))
