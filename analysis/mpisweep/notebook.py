"""Helpers for the notebooks in analysis/notebooks: find the repository, the mpisweep binary and the jobs/ specs of
an article, run them (or reuse a finished result file), and pick the sweeps of given experiments.

Environment variables:
  MPISWEEP_NOTEBOOK_FILE  use this result file and run nothing (tests point it at a small file)
  MPISWEEP_NOTEBOOK_TINY  1: run the jobs/tiny/ variant of the specs instead of the full ones (seconds)
  MPISWEEP_RESULTS_DIR    where result files are written (default: <repository>/results)
  MPISWEEP                the mpisweep binary (default: build/mpisweep, then build*/mpisweep, then PATH)
  MPISWEEP_NP             MPI ranks for the run (default 2; 0 or 1 runs without mpirun)
"""
import glob
import os
import re
import shutil
import subprocess
import sys

from .loader import experiments as sweep_experiments


def repo_root(start=None):
    """The repository root: the nearest directory above `start` (default: this file) with jobs/ and analysis/."""
    here = os.path.abspath(start or os.path.dirname(__file__))
    d = here
    while True:
        if os.path.isdir(os.path.join(d, "jobs")) and os.path.isdir(os.path.join(d, "analysis")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            raise FileNotFoundError(f"no mpisweep repository (a directory with jobs/ and analysis/) above {here}")
        d = parent


def find_binary():
    """Path of the mpisweep binary: $MPISWEEP, build/mpisweep, the newest build*/mpisweep, or mpisweep on PATH."""
    env = os.environ.get("MPISWEEP")
    if env:
        if not os.access(env, os.X_OK):
            raise FileNotFoundError(f"MPISWEEP={env} is not an executable")
        return env
    root = repo_root()
    cands = [os.path.join(root, "build", "mpisweep")]
    cands += sorted(glob.glob(os.path.join(root, "build*", "mpisweep")), key=os.path.getmtime, reverse=True)
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    on_path = shutil.which("mpisweep")
    if on_path:
        return on_path
    raise FileNotFoundError("no mpisweep binary: build it with cmake -S . -B build && cmake --build build "
                            "--target mpisweep (or scripts/demo), or set MPISWEEP")


def job_files(experiments, tiny=False):
    """The jobs/*.yaml (or jobs/tiny/*.yaml) files with a sweep of one of the experiments, sorted."""
    d = os.path.join(repo_root(), "jobs", "tiny" if tiny else "")
    out = []
    pat = re.compile(r"^\s*experiment:\s*([A-Za-z0-9_]+)\s*$", re.M)
    for f in sorted(glob.glob(os.path.join(d, "*.yaml"))):
        if os.path.basename(f) == "demo.yaml":  # the README's demo mixes articles; notebooks use the article specs
            continue
        with open(f, encoding="utf-8") as fh:
            if set(pat.findall(fh.read())) & set(experiments):
                out.append(f)
    return out


def _env():
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    if os.geteuid() == 0:  # Open MPI refuses root without both
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    return env


def run(specs, out, np_=None, extra=()):
    """Runs `mpisweep run SPECS -o OUT --resume` (under mpirun with np_ ranks when np_ > 1); on a changed spec
    (exit 2 from --resume) runs again with --overwrite. Returns the exit code (0 done, 1 some tasks failed)."""
    binary = find_binary()
    np_ = int(os.environ.get("MPISWEEP_NP", "2")) if np_ is None else np_
    mpirun = shutil.which("mpirun") if np_ > 1 else None
    os.makedirs(os.path.dirname(os.path.abspath(out)) or ".", exist_ok=True)

    def once(mode):
        cmd = ([mpirun, "-n", str(np_)] if mpirun else []) + [binary, "run", *specs, "-o", out, mode,
                                                               "--progress", "log", *extra]
        print("$", " ".join(cmd), flush=True)
        p = subprocess.run(cmd, env=_env(), cwd=repo_root(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        lines = p.stdout.strip().splitlines()
        print("\n".join(lines[-3:]))
        return p.returncode

    code = once("--resume")
    if code == 2:
        print("(the file holds another version of these specs: running them again with --overwrite)")
        code = once("--overwrite")
    if code not in (0, 1):
        raise RuntimeError(f"mpisweep run exited {code}")
    return code


def result_file(name, experiments, tiny=None, specs=None):
    """The result file a notebook analyses.

    $MPISWEEP_NOTEBOOK_FILE if set (nothing is run); otherwise the jobs/ specs with a sweep of one of the
    experiments (jobs/tiny/ ones when tiny, default $MPISWEEP_NOTEBOOK_TINY == 1) are run, or resumed, into
    $MPISWEEP_RESULTS_DIR/<name>.h5 (<name>-tiny.h5 for the tiny specs). specs: explicit spec files
    (relative to the repository) instead, as {"full": [...], "tiny": [...]}.
    """
    given = os.environ.get("MPISWEEP_NOTEBOOK_FILE")
    if given:
        if not os.path.exists(given):
            raise FileNotFoundError(f"MPISWEEP_NOTEBOOK_FILE={given} does not exist")
        print(f"using {given} (MPISWEEP_NOTEBOOK_FILE)")
        return given
    if tiny is None:
        tiny = os.environ.get("MPISWEEP_NOTEBOOK_TINY", "") not in ("", "0")
    if specs is not None:
        specs = [os.path.join(repo_root(), f) for f in specs["tiny" if tiny else "full"]]
    else:
        specs = job_files(experiments, tiny=tiny)
    if not specs:
        raise FileNotFoundError(f"no jobs/{'tiny/' if tiny else ''}*.yaml has a sweep of {', '.join(experiments)}")
    outdir = os.environ.get("MPISWEEP_RESULTS_DIR") or os.path.join(repo_root(), "results")
    out = os.path.join(outdir, f"{name}{'-tiny' if tiny else ''}.h5")
    run([os.path.relpath(s, repo_root()) for s in specs], os.path.abspath(out))
    return out


def sweeps_of(path, experiments):
    """Names of the sweeps in `path` whose experiment is one of `experiments`."""
    return [s for s, e in sweep_experiments(path).items() if e in experiments]


def show(figures):
    """Displays (Figure, caption) pairs in a notebook: the figure, then its caption."""
    from IPython.display import Markdown, display
    for fig, caption in figures:
        display(fig)
        display(Markdown(f"*{caption}*"))


if __name__ == "__main__":  # pragma: no cover
    print(repo_root(), find_binary(), file=sys.stderr)
