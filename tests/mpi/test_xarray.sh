# The result file as users read it: xarray (engine h5netcdf) with no glue code, and h5py.
. "$(dirname "$0")/lib.sh"
expect_exit 0 "a run with grid, zip, replicates and a choice axis" mpirun_sweep 2 run "$SW_TESTS/../data/runner/layout.yaml" -o l.h5 --progress none
/usr/bin/python3 - <<'P' || fail "xarray/h5py read test"
import h5py, numpy as np, xarray as xr
ds = xr.open_dataset("l.h5", group="layout", engine="h5netcdf")
assert ds["u"].dims == ("x", "k", "point", "replicate"), ds["u"].dims
assert list(ds["x"].values) == [0.25, 0.5], ds["x"].values
assert list(ds["k"].values) == [1, 2, 3] and ds["k"].dtype.kind == "i", ds["k"]
assert list(ds["replicate"].values) == [0, 1]
# zipped parameters ride along `point` as coordinates
assert "draws" in ds.coords and ds["draws"].dims == ("point",) and list(ds["draws"].values) == [1, 5]
assert ds["x_out"].attrs["units"] == "1" and "echoed" in ds["x_out"].attrs["long_name"]
assert ds["task_seconds"].attrs["units"] == "s"
assert (ds["task_status"].values == 1).all()
np.testing.assert_array_equal(ds["x_out"].values, np.broadcast_to(ds["x"].values[:, None, None, None], ds["x_out"].shape))
np.testing.assert_array_equal(ds["k_out"].values, np.broadcast_to(ds["k"].values[None, :, None, None], ds["k_out"].shape))
u = ds["u"].values
assert ((u > 0) & (u < 1)).all() and len(np.unique(u)) == u.size, "independent streams per task"
assert ds.attrs["experiment"] == "noop" and ds.attrs["seed"] == 5 and "sweep: layout" in ds.attrs["spec"]
assert "run started" in ds.attrs["history"] and "ended" in ds.attrs["history"]
# h5py sees the same datasets and attributes
f = h5py.File("l.h5", "r")
assert f["layout/u"].shape == (2, 3, 2, 2)
assert f["layout"].attrs["experiment"] == "noop"
assert set(f["layout/task_status"].attrs["flag_meanings"].split()) >= {"pending", "ok", "failed", "skipped"}
print("xarray and h5py read the file as expected")
P
pass "xarray.open_dataset(group=..., engine='h5netcdf') and h5py read the layout"
done_testing
