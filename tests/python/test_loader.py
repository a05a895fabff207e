"""The loader (analysis/mpisweep) on files made by real mpisweep runs: dimensions, coordinates, units, provenance,
masks by task status, the tidy frame, the failure log, and files that a run is still writing or that a signal
interrupted."""
import os
import re
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

import mpisweep
from conftest import DATA, PYTHON, env


@pytest.fixture(scope="module")
def structure(run, work):
    out = os.path.join(work, "structure.h5")
    run([os.path.join(DATA, "structure.yaml")], out, 2)
    return out


@pytest.fixture(scope="module")
def failing(run, work):
    out = os.path.join(work, "failing.h5")
    run([os.path.join(DATA, "failing.yaml")], out, 0, expect=(1,))
    return out


def test_list_sweeps_and_experiments(structure):
    assert mpisweep.list_sweeps(structure) == ["layout", "histogram", "choices"]  # spec order
    assert mpisweep.experiments(structure) == {"choices": "init_orthogonality", "histogram": "angle",
                                               "layout": "noop"}


def test_dimensions_coordinates_and_values(structure):
    ds = mpisweep.open_sweep(structure, "layout")
    # grid axes in spec order, then point (zip), then replicate
    assert ds["x_out"].dims == ("x", "k", "point", "replicate")
    assert dict(ds.sizes) == {"x": 2, "k": 3, "point": 2, "replicate": 2}
    assert ds["x"].values.tolist() == [0.25, 0.5] and ds["x"].dtype == np.float64
    assert ds["k"].values.tolist() == [1, 2, 3] and ds["k"].dtype.kind == "i"
    assert ds["replicate"].values.tolist() == [0, 1]
    assert ds["draws"].dims == ("point",) and ds["draws"].values.tolist() == [1, 5]  # zip parameter: coordinate
    assert "draws" in ds.coords
    # the noop experiment echoes its parameters: values sit at their coordinates
    np.testing.assert_array_equal(ds["x_out"].values, np.broadcast_to(ds["x"].values[:, None, None, None],
                                                                       ds["x_out"].shape))
    np.testing.assert_array_equal(ds["k_out"].values, np.broadcast_to(ds["k"].values[None, :, None, None],
                                                                       ds["k_out"].shape))
    # replicates are independent streams
    assert not np.array_equal(ds["u"].isel(replicate=0).values, ds["u"].isel(replicate=1).values)


def test_units_long_names_and_provenance(structure):
    ds = mpisweep.open_sweep(structure, "layout")
    for v in mpisweep.output_names(ds) + ["x", "k", "draws", "task_seconds"]:
        assert "units" in ds[v].attrs and "long_name" in ds[v].attrs, v
    assert ds["task_seconds"].attrs["units"] == "s"
    # the outcome names come from the file (the runner's table), not from a copy in Python
    assert list(mpisweep.status_names(ds).values()) == ds["task_status"].attrs["flag_meanings"].split() == [
        "pending", "ok", "failed", "non_finite", "not_converged", "numerical_failure", "rejected_parameters",
        "skipped", "excluded"]
    assert mpisweep.status_code(ds, "ok") == 1 and mpisweep.status_code(ds, "skipped") == 7
    a = ds.attrs
    assert a["experiment"] == "noop" and a["seed"] == 5 and a["replicates"] == 2 and a["n_tasks"] == 24
    assert "sweep: layout" in a["spec"] and a["spec_file"].endswith("structure.yaml")
    assert re.fullmatch(r"[0-9a-f]{32}", a["spec_hash"])
    assert "run started" in a["history"] and a["versions"]
    assert a["tasks_ok"] == 24 and a["tasks_pending"] == 0 and a["complete"] is True
    hist = mpisweep.open_sweep(structure, "histogram")
    assert hist.attrs["param_bins"] == 6 and hist.attrs["param_samples"] == 2000   # fixed parameters
    assert mpisweep.fixed_parameters(hist) == {"samples": 2000, "bins": 6}
    assert hist["var_angle"].attrs["units"] == "rad^2" and hist["mean_angle"].attrs["units"] == "rad"


def test_output_with_own_dimension(structure):
    ds = mpisweep.open_sweep(structure, "histogram")
    assert ds["hist"].dims == ("dim", "bin") and ds.sizes["bin"] == 6
    assert ds["var_angle"].dims == ("dim",)
    np.testing.assert_allclose(ds["hist"].sum("bin"), 1.0, atol=1e-12)
    np.testing.assert_allclose(ds["hist_exact"].sum("bin"), 1.0, atol=1e-9)


def test_choice_coordinate_is_text(structure):
    ds = mpisweep.open_sweep(structure, "choices")
    assert ds["dist"].values.tolist() == ["gauss", "rademacher"]
    assert isinstance(ds["dist"].values[0], str)
    assert float(ds["frob_dev"].sel(dist="gauss")) > 0


def test_to_dataframe_is_tidy(structure):
    df = mpisweep.to_dataframe(structure, "layout")
    assert len(df) == 24
    for col in ("x", "k", "point", "replicate", "draws", "status", "seconds", "rank", "x_out", "u_mean"):
        assert col in df.columns, col
    assert (df["status"] == "ok").all()
    assert (df["x_out"] == df["x"]).all() and (df["k_out"] == df["k"]).all()
    assert set(df["draws"]) == {1, 5}
    h = mpisweep.to_dataframe(structure, "histogram", ["hist", "hist_exact"])
    assert len(h) == 2 * 6 and list(h["bin"][:6]) == list(range(6))
    assert h["samples"].eq(2000).all()   # fixed parameters as columns
    with pytest.raises(ValueError):
        mpisweep.to_dataframe(structure, "histogram", ["hist", "var_angle"])   # different own dimensions


def test_output_roles_come_from_the_file(structure):
    hist = mpisweep.open_sweep(structure, "histogram")
    assert (hist["mean_angle"].attrs["role"], hist["mean_angle_se"].attrs["role"]) == ("estimate", "standard_error")
    assert hist["mean_angle_se"].attrs["role_of"] == "mean_angle" and hist["hist_exact"].attrs["role"] == "exact"
    assert mpisweep.output_role(hist, "var_angle_exact") == ("exact", "var_angle")
    assert mpisweep.companion(hist, "hist", "standard_error") == "hist_se"
    lay = mpisweep.open_sweep(structure, "layout")
    assert mpisweep.output_role(lay, "u_mean") == ("value", None)
    # the loader follows the attribute, not the name: a renamed companion is still found
    renamed = hist.rename({"mean_angle_se": "spread_of_mean"})
    assert mpisweep.companion(renamed, "mean_angle", "standard_error") == "spread_of_mean"


def test_mean_over_replicates_combines_standard_errors(structure):
    ds = mpisweep.open_sweep(structure, "histogram")
    assert "replicate" not in ds.dims and mpisweep.mean_over_replicates(ds) is ds
    lay = mpisweep.open_sweep(structure, "layout")
    m = mpisweep.mean_over_replicates(lay)
    assert "replicate" not in m.dims and m["ok_replicates"].values.min() == 2
    np.testing.assert_allclose(m["u_mean"], lay["u_mean"].mean("replicate"))
    np.testing.assert_allclose(m["u_mean_se"], lay["u_mean"].std("replicate", ddof=1) / np.sqrt(2))
    assert mpisweep.output_role(m, "u_mean_se") == ("standard_error", "u_mean")


def test_errors_are_clear(structure, work):
    with pytest.raises(FileNotFoundError):
        mpisweep.list_sweeps(os.path.join(work, "missing.h5"))
    text = os.path.join(work, "text.h5")
    with open(text, "w") as f:
        f.write("not hdf5")
    with pytest.raises(mpisweep.ResultFileError, match="not an HDF5 file"):
        mpisweep.list_sweeps(text)
    foreign = os.path.join(work, "foreign.h5")
    with h5py.File(foreign, "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(mpisweep.ResultFileError, match="not an mpisweep result file"):
        mpisweep.open_sweep(foreign, "x")
    with pytest.raises(mpisweep.ResultFileError, match="layout"):
        mpisweep.open_sweep(structure, "nope")


def test_masks_follow_task_status(failing, work):
    ds = mpisweep.open_sweep(failing, "failing")
    st = ds["task_status"]
    assert st.dims == ("value", "point")
    assert (st.sel(point=0) == 1).all() and (st.sel(point=1) == 2).all() and (st.sel(point=2) == 3).all()
    np.testing.assert_array_equal(ds["result"].sel(point=0), ds["value"])
    assert ds["result"].sel(point=[1, 2]).isnull().all()
    assert ds.attrs["tasks_failed"] == 10 and ds.attrs["tasks_ok"] == 5 and ds.attrs["complete"] is True
    counts = mpisweep.status_counts(ds)
    assert counts["ok"] == 5 and counts["failed"] == 5 and counts["non_finite"] == 5
    # a value stored for a failed task is masked, and visible with mask=False
    copy = os.path.join(work, "failing-poked.h5")
    shutil.copy(failing, copy)
    with h5py.File(copy, "r+") as f:
        f["failing/result"][2, 1] = 42.0
    assert np.isnan(mpisweep.open_sweep(copy, "failing")["result"].values[2, 1])
    assert mpisweep.open_sweep(copy, "failing", mask=False)["result"].values[2, 1] == 42.0
    df = mpisweep.to_dataframe(failing, "failing")
    assert df["status"].value_counts().to_dict() == {"ok": 5, "failed": 5, "non_finite": 5}
    assert len(mpisweep.to_dataframe(failing, "failing", ok_only=True)) == 5


def test_failure_log(failing):
    log = mpisweep.failures(failing, "failing")
    assert len(log) == 10
    assert set(log["outcome"]) == {"failed", "non_finite"}
    assert (log["message"].str.len() > 0).all()
    assert set(log.loc[log["outcome"] == "failed", "fail"]) == {1}      # zip coordinates of the failed tasks
    assert set(log.loc[log["outcome"] == "non_finite", "nan"]) == {1}
    assert sorted(log["value"].tolist()) == sorted([0, 1, 2, 3, 4] * 2)


def test_skipped_tasks_are_masked(run, work):
    out = os.path.join(work, "skipped.h5")
    run([os.path.join(DATA, "failing.yaml")], out, 0, "--max-failures", "1", "--chunk", "1", expect=(1,))
    ds = mpisweep.open_sweep(out, "failing")
    c = mpisweep.status_counts(ds)
    assert c["skipped"] > 0, c
    assert ds.attrs["tasks_skipped"] == c["skipped"] and ds.attrs["complete"] is False
    skipped = (ds["task_status"] == 7).values
    assert np.isnan(ds["result"].values[skipped]).all()


def _status_counts(binary, path):
    out = subprocess.run([binary, "status", path], capture_output=True, text=True).stdout
    m = re.search(r"(\d+) done, (\d+) pending, (\d+) failed, (\d+) skipped", out)
    return tuple(int(x) for x in m.groups())


def test_live_and_interrupted_file(binary, mpiexec, run, work):
    """Read a file while a 2-rank run writes it, interrupt the run with SIGUSR1, read the partial file, resume."""
    out = os.path.join(work, "slow.h5")
    if os.path.exists(out):
        os.remove(out)
    spec = os.path.join(DATA, "slow.yaml")
    p = subprocess.Popen([mpiexec, "-n", "2", binary, "run", spec, "-o", out, "--progress", "none"], cwd=work,
                         env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = None
        deadline = time.time() + 60
        while time.time() < deadline:
            time.sleep(0.2)
            if not os.path.exists(out):
                continue
            try:
                ds = mpisweep.open_sweep(out, "slow")
            except (OSError, mpisweep.ResultFileError):
                continue   # not yet created and flushed
            if ds.attrs["tasks_ok"] >= 3:
                seen = ds
                break
        assert seen is not None, "never saw 3 finished tasks in the live file"
        assert p.poll() is None, "the run ended before the live read"
        ok = (seen["task_status"] == 1).values
        assert seen.attrs["tasks_pending"] > 0 and not seen.attrs["complete"]
        assert np.isfinite(seen["slept"].values[ok]).all() and (seen["slept"].values[ok] >= 0.19).all()
        assert np.isnan(seen["slept"].values[~ok]).all()
        mpisweep.to_dataframe(out, "slow")  # the tidy view works on the live file too
        p.send_signal(signal.SIGUSR1)
        log, _ = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 3, f"SIGUSR1 to mpirun: exit {p.returncode}, expected 3\n{log}"
    ds = mpisweep.open_sweep(out, "slow")
    done, pending, failed, skipped = _status_counts(binary, out)
    assert pending > 0, "the interrupted run finished every task: make data/slow.yaml longer"
    assert (ds.attrs["tasks_ok"], ds.attrs["tasks_pending"] + ds.attrs["tasks_skipped"]) == (done, pending + skipped)
    assert ds.attrs["tasks_ok"] >= seen.attrs["tasks_ok"]
    assert int(np.isfinite(ds["slept"].values).sum()) == done
    run([spec], out, 2, "--resume")
    ds = mpisweep.open_sweep(out, "slow")
    assert ds.attrs["complete"] and ds.attrs["tasks_ok"] == 40


def test_cli_sweeps(structure):
    p = subprocess.run([PYTHON, "-m", "mpisweep", "sweeps", structure], capture_output=True, text=True, env=env())
    assert p.returncode == 0, p.stderr
    assert re.search(r"^layout\s+noop\s+24/24 ok", p.stdout, re.M), p.stdout
    p = subprocess.run([PYTHON, "-m", "mpisweep", "sweeps", structure + ".missing"], capture_output=True, text=True,
                       env=env())
    assert p.returncode == 2 and "no such result file" in p.stderr
