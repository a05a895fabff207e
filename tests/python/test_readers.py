"""Every file mpisweep writes opens, with every variable and coordinate correct, in every reader users have:
xarray's default engine (netCDF4, i.e. netCDF-C), xarray with engine="h5netcdf", netCDF4-python, ncdump and h5py.
The file holds every registered experiment, every axis kind (integer, real, choice, zipped choice along `point`,
replicate), failed tasks with messages, and pending tasks."""
import json
import os
import shutil
import subprocess

import pytest

import mpisweep
from conftest import DATA, PYTHON, TESTS, env, registered_experiments


@pytest.fixture(scope="module")
def every_kind(all_experiments_file, run, work):
    out = os.path.join(work, "readers.h5")
    shutil.copy(all_experiments_file, out)
    run([os.path.join(DATA, "readers.yaml"), os.path.join(DATA, "zipgroups.yaml")], out, 2, "--resume", expect=(1,))
    run([os.path.join(DATA, "pending.yaml")], out, 0, "--resume", "--deadline", "+1", "--deadline-margin", "0",
        expect=(3,))
    return out


@pytest.fixture(scope="module")
def small(run, work):
    out = os.path.join(work, "readers-small.h5")
    run([os.path.join(DATA, "readers.yaml")], out, 0, expect=(1,))
    return out


def read_all(path):
    p = subprocess.run([PYTHON, os.path.join(TESTS, "readers_check.py"), path], capture_output=True, text=True,
                       env=env(), timeout=300)
    assert p.returncode == 0, f"a reader failed on {path} (exit {p.returncode}):\n{p.stderr[-3000:]}"
    return json.loads(p.stdout)


def test_every_reader_agrees_on_every_sweep(every_kind, binary):
    seen = read_all(every_kind)
    assert set(mpisweep.experiments(every_kind).values()) == set(registered_experiments(binary))
    assert set(seen) == set(mpisweep.list_sweeps(every_kind))
    axes = seen["axes"]
    assert axes["dist"] == ["rademacher", "gauss"] and axes["fan_out"] == [4, 6]
    assert axes["probe"] == ["basis", "gauss", "rademacher"] and axes["fan_in"] == [2, 3, 4]
    assert axes["point"] == [0, 1, 2] and axes["replicate"] == [0, 1]
    assert set(axes["task_status"]) == {1}
    fails = seen["reals-and-failures"]
    assert fails["value"] == [0.5, -1.25]
    assert sorted(fails["task_status"]) == [1, 1, 2, 2, 3, 3]
    assert sorted(fails["messages"]) == ["failed on purpose (fail = 1, value = -1.25)",
                                         "failed on purpose (fail = 1, value = 0.5)",
                                         "output 'result' element 0 is nan", "output 'result' element 0 is nan"]
    assert 0 in seen["pending"]["task_status"], "the deadline left no task pending"
    groups = seen["zip-groups"]
    assert groups["fail"] == [0, 1] and groups["nan"] == [0, 1]
    assert groups["point1"] == [0, 1] and groups["point2"] == [0, 1]


def test_zip_groups_in_the_loader(every_kind):
    ds = mpisweep.open_sweep(every_kind, "zip-groups")
    assert ds["result"].dims == ("value", "point1", "point2")
    assert ds["fail"].dims == ("point1",) and ds["nan"].dims == ("point2",)
    status = ds["task_status"].values
    assert (status[:, 1, :] == 2).all() and (status[:, 0, 1] == 3).all() and (status[:, 0, 0] == 1).all()
    log = mpisweep.failures(every_kind, "zip-groups")
    assert len(log) == 6
    assert set(log.loc[log["outcome"] == "failed", "fail"]) == {1}
    assert set(log.loc[log["outcome"] == "non_finite", "nan"]) == {1}


def test_ncdump(every_kind, small):
    header = subprocess.run(["ncdump", "-h", every_kind], capture_output=True, text=True)
    assert header.returncode == 0, header.stderr
    assert "group: axes" in header.stdout and "char message(failure, message_strlen)" in header.stdout
    full = subprocess.run(["ncdump", small], capture_output=True, text=True)
    assert full.returncode == 0, full.stderr
    for text in ('"rademacher"', '"basis"', "failed on purpose (fail = 1, value = 0.5)", "dist = 2 ;",
                 "replicate = 0, 1 ;", "value = 0.5, -1.25 ;"):
        assert text in full.stdout, f"{text} not in ncdump's output"


def test_grown_and_filtered_sweeps_in_the_loader_and_report(run, work):
    """A sweep grown with --resume and one with excluded points: the loader sees the grown layout, complete, with
    the growth in its history; the report counts excluded points and shows the history."""
    runner = os.path.join(os.path.dirname(DATA), "..", "data", "runner")
    out = os.path.join(work, "grown.h5")
    run([os.path.join(runner, "grow1.yaml"), os.path.join(runner, "where.yaml")], out, 0, expect=(1,))
    run([os.path.join(runner, "grow2.yaml"), os.path.join(runner, "where.yaml")], out, 0, "--resume", expect=(1,))
    ds = mpisweep.open_sweep(out, "grow")
    assert ds["u"].dims == ("x", "k", "point", "replicate") and ds["u"].shape == (4, 3, 3, 3)
    assert ds.attrs["complete"] and ds.attrs["tasks_ok"] == 108 and int(ds["u"].notnull().sum()) == 108
    assert "grown from 16 to 108 tasks" in ds.attrs["history"]
    outdir = os.path.join(work, "report-grown")
    shutil.rmtree(outdir, ignore_errors=True)
    p = subprocess.run([PYTHON, "-m", "mpisweep", "report", out, "-o", outdir], capture_output=True, text=True,
                       env=env(), timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    page = open(os.path.join(outdir, "index.html"), encoding="utf-8").read()
    assert "grown from 16 to 108 tasks" in page and "28 excluded by where:" in page
    sweeps = json.load(open(os.path.join(outdir, "report.json")))["sweeps"]
    assert [s["tasks"]["excluded"] for s in sweeps if s["name"] == "triangle"] == [28], sweeps
