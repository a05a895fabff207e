"""The notebooks in analysis/notebooks: committed without outputs, and every one executes headless
(nbconvert --execute) on a small result file holding every experiment; the getting-started notebook also runs
its tiny specs through the real binary (MPISWEEP_NOTEBOOK_TINY=1)."""
import concurrent.futures
import glob
import json
import os
import subprocess

import pytest

from conftest import PYTHON, SOURCE, env

NOTEBOOKS = sorted(glob.glob(os.path.join(SOURCE, "analysis", "notebooks", "*.ipynb")))


def test_nine_notebooks_committed_without_outputs():
    names = [os.path.basename(n) for n in NOTEBOOKS]
    assert len(names) == 9 and names[0].startswith("00_getting_started"), names
    for nb in NOTEBOOKS:
        doc = json.load(open(nb, encoding="utf-8"))
        for cell in doc["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, \
                    f"{os.path.basename(nb)} has outputs: clear them before committing"


def _execute(nb, outdir, extra_env):
    e = env()
    e.update(PYDEVD_DISABLE_FILE_VALIDATION="1", **extra_env)
    p = subprocess.run([PYTHON, "-m", "nbconvert", "--to", "notebook", "--execute", nb, "--output-dir", outdir,
                        "--ExecutePreprocessor.timeout=600"], capture_output=True, text=True, env=e, timeout=900)
    executed = os.path.join(outdir, os.path.basename(nb))
    images = 0
    if p.returncode == 0:
        doc = json.load(open(executed, encoding="utf-8"))
        images = sum(1 for c in doc["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    return p.returncode, p.stderr[-3000:], images


def test_every_notebook_executes_on_a_small_file(all_experiments_file, work):
    outdir = os.path.join(work, "notebooks")
    os.makedirs(outdir, exist_ok=True)
    extra = {"MPISWEEP_NOTEBOOK_FILE": all_experiments_file, "MPISWEEP_RESULTS_DIR": os.path.join(work, "nbresults")}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:   # two at a time on two cores
        results = dict(zip(NOTEBOOKS, pool.map(lambda nb: _execute(nb, outdir, extra), NOTEBOOKS)))
    for nb, (code, err, images) in results.items():
        assert code == 0, f"{os.path.basename(nb)} failed:\n{err}"
        assert images >= 1, f"{os.path.basename(nb)} drew no figure"


def test_getting_started_runs_the_tiny_specs(binary, work):
    outdir = os.path.join(work, "notebooks-tiny")
    os.makedirs(outdir, exist_ok=True)
    results = os.path.join(work, "nbresults-tiny")
    nb = NOTEBOOKS[0]
    code, err, images = _execute(nb, outdir, {"MPISWEEP_NOTEBOOK_TINY": "1", "MPISWEEP_RESULTS_DIR": results,
                                              "MPISWEEP": binary})
    assert code == 0, err
    assert os.path.exists(os.path.join(results, "getting-started-tiny.h5"))
    assert os.path.exists(os.path.join(results, "getting-started-report", "index.html"))
    assert images >= 1
