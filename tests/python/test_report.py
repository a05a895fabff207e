"""The report (python3 -m mpisweep report FILE -o DIR, and mpisweep.report) on a file holding every registered
experiment: one PNG or more per sweep, an index.html that shows them with their provenance, a dedicated plot for
every numerical experiment and generic plots for the rest; also on an unknown experiment and a partial file."""
import json
import os
import shutil
import subprocess

import h5py
import pytest

import mpisweep
from conftest import DATA, PYTHON, env, registered_experiments

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_MAGIC, f"{path} is not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


@pytest.fixture(scope="module")
def report(all_experiments_file, work):
    outdir = os.path.join(work, "report-all")
    shutil.rmtree(outdir, ignore_errors=True)
    p = subprocess.run([PYTHON, "-m", "mpisweep", "report", all_experiments_file, "-o", outdir, "--strict"],
                       capture_output=True, text=True, env=env(), timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == os.path.join(outdir, "index.html")
    with open(os.path.join(outdir, "report.json")) as f:
        return outdir, json.load(f)["sweeps"]


def test_file_holds_every_registered_experiment(binary, all_experiments_file):
    have = set(mpisweep.experiments(all_experiments_file).values())
    assert set(registered_experiments(binary)) <= have


def test_one_png_or_more_per_sweep_and_an_index(report, all_experiments_file):
    outdir, sweeps = report
    assert [s["name"] for s in sweeps] == mpisweep.list_sweeps(all_experiments_file)
    index = open(os.path.join(outdir, "index.html"), encoding="utf-8").read()
    for s in sweeps:
        assert s["pngs"], s["name"]
        for png in s["pngs"]:
            w, h = _png_size(os.path.join(outdir, png))
            assert 400 <= w <= 4000 and 200 <= h <= 4000, (png, w, h)
            assert os.path.getsize(os.path.join(outdir, png)) > 10_000, png
            assert f"src='{png}'" in index, png
        assert f"id='{s['name']}'" in index
    # provenance in the index: article link, spec text, seed, history
    assert "https://kexue.fm/archives/7076" in index and "sweep: angle-tiny" in index
    assert "spec hash" in index and "history" in index


def test_dedicated_plots_for_every_numerical_experiment(binary, report, all_experiments_file):
    """Experiments that reproduce an article get their dedicated plots; the runner's built-in ones (article
    'none: ...') the generic plots."""
    _, sweeps = report
    kinds = {s["name"]: (s["experiment"], s["plot"]) for s in sweeps}
    builtin = set()
    for name, (exp, kind) in kinds.items():
        if str(mpisweep.open_sweep(all_experiments_file, name).attrs["article"]).startswith("none"):
            builtin.add(exp)
            assert kind == "generic", (name, kind)
        else:
            assert kind == "dedicated", (name, exp, kind)
    numerical = set(registered_experiments(binary)) - builtin
    assert numerical <= {e for e, k in kinds.values() if k == "dedicated"}


def test_unknown_experiment_gets_generic_plots(all_experiments_file, work):
    copy = os.path.join(work, "mystery.h5")
    shutil.copy(all_experiments_file, copy)
    name = next(n for n, e in mpisweep.experiments(copy).items() if e == "angle")
    with h5py.File(copy, "r+") as f:
        f[name].attrs["experiment"] = "mystery_experiment"
    outdir = os.path.join(work, "report-mystery")
    index = mpisweep.report(copy, outdir, sweeps=[name])
    assert os.path.exists(index)
    meta = json.load(open(os.path.join(outdir, "report.json")))["sweeps"]
    assert len(meta) == 1 and meta[0]["plot"] == "generic" and meta[0]["pngs"]
    for png in meta[0]["pngs"]:
        _png_size(os.path.join(outdir, png))


def test_report_of_failures_and_skipped_tasks(run, work):
    out = os.path.join(work, "report-failing.h5")
    run([os.path.join(DATA, "failing.yaml")], out, 0, "--max-failures", "1", "--chunk", "1", expect=(1,))
    outdir = os.path.join(work, "report-failing")
    p = subprocess.run([PYTHON, "-m", "mpisweep", "report", out, "-o", outdir], capture_output=True, text=True,
                       env=env())
    assert p.returncode == 0, p.stderr
    index = open(os.path.join(outdir, "index.html"), encoding="utf-8").read()
    assert "failure log" in index and "skipped" in index


def test_report_command_errors(work):
    p = subprocess.run([PYTHON, "-m", "mpisweep", "report", os.path.join(work, "none.h5"), "-o",
                        os.path.join(work, "r")], capture_output=True, text=True, env=env())
    assert p.returncode == 2 and "no such result file" in p.stderr
    p = subprocess.run([PYTHON, "-m", "mpisweep", "report"], capture_output=True, text=True, env=env())
    assert p.returncode == 2
