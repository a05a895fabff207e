"""Fixtures for the Python tests: the mpisweep binary (MPISWEEP, set by CTest), mpirun (SW_MPIEXEC), a work
directory (SW_WORK), helpers that run real sweeps, and a result file holding every registered experiment."""
import os
import re
import subprocess
import sys
import tempfile

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("SW_SOURCE") or os.path.dirname(os.path.dirname(TESTS))
sys.path.insert(0, os.path.join(SOURCE, "analysis"))
DATA = os.path.join(TESTS, "data")
PYTHON = "/usr/bin/python3"


def env():
    e = dict(os.environ)
    e.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
             OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    e["PYTHONPATH"] = os.path.join(SOURCE, "analysis") + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e


@pytest.fixture(scope="session")
def binary():
    b = os.environ.get("MPISWEEP")
    if not b:
        from mpisweep.notebook import find_binary
        b = find_binary()
    assert os.access(b, os.X_OK), f"no mpisweep binary at {b} (CTest sets MPISWEEP)"
    return b


@pytest.fixture(scope="session")
def mpiexec():
    return os.environ.get("SW_MPIEXEC", "mpirun")


@pytest.fixture(scope="session")
def work():
    w = os.environ.get("SW_WORK")
    if w:
        os.makedirs(w, exist_ok=True)
        return w
    return tempfile.mkdtemp(prefix="mpisweep-pytest-")


@pytest.fixture(scope="session")
def run(binary, mpiexec, work):
    """run(specs, out, np=0, *extra, expect=(0,)) -> CompletedProcess: mpisweep run SPECS -o OUT (under mpirun
    with np ranks when np > 0), in the work directory, checking the exit code."""
    def _run(specs, out, np=0, *extra, expect=(0,)):
        mode = [] if "--resume" in extra else ["--overwrite"]
        cmd = ([mpiexec, "-n", str(np)] if np else []) + [binary, "run", *specs, "-o", out, *mode,
                                                          "--progress", "none", *extra]
        p = subprocess.run(cmd, cwd=work, env=env(), capture_output=True, text=True, timeout=300)
        assert p.returncode in expect, f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
        return p
    return _run


def registered_experiments(binary):
    out = subprocess.run([binary, "experiments"], capture_output=True, text=True, check=True).stdout
    return [m.group(1) for m in re.finditer(r"^(\S+)\s", out, re.M)]


@pytest.fixture(scope="session")
def all_experiments_file(binary, run, work):
    """A result file holding every registered experiment: jobs/tiny/*.yaml, tests/python/data/builtins.yaml,
    and a one-task sweep with default parameters for any experiment that neither covers."""
    specs = sorted(os.path.join(SOURCE, "jobs", "tiny", f) for f in os.listdir(os.path.join(SOURCE, "jobs", "tiny"))
                   if f.endswith(".yaml"))
    specs.append(os.path.join(DATA, "builtins.yaml"))
    covered = set()
    for s in specs:
        covered |= set(re.findall(r"^\s*experiment:\s*(\S+)", open(s, encoding="utf-8").read(), re.M))
    missing = [e for e in registered_experiments(binary) if e not in covered]
    if missing:
        extra = os.path.join(work, "uncovered.yaml")
        with open(extra, "w") as f:
            f.write("\n---\n".join(f"sweep: default-{e}\nexperiment: {e}\n" for e in missing))
        specs.append(extra)
    out = os.path.join(work, "all-experiments.h5")
    run(specs, out, 2, expect=(0, 1))  # builtin-fail has a failing task on purpose
    return out
