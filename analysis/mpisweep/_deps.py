"""Imports of the third-party modules the analysis package needs, with a message a person can act on.

Only Debian's packages are used (``/usr/bin/python3``): python3-h5py, python3-xarray, python3-h5netcdf,
python3-numpy, python3-pandas and python3-matplotlib; ``scripts/install-deps --python`` installs them.
"""
import importlib
import sys

DEBIAN_PACKAGES = {
    "numpy": "python3-numpy",
    "h5py": "python3-h5py",
    "h5netcdf": "python3-h5netcdf",
    "xarray": "python3-xarray",
    "pandas": "python3-pandas",
    "matplotlib": "python3-matplotlib",
    "nbconvert": "python3-nbconvert",
    "nbclient": "python3-nbclient",
    "ipykernel": "python3-ipykernel",
    "pytest": "python3-pytest",
    "yaml": "python3-yaml",
}


class MissingDependency(ImportError):
    """A module the analysis needs is not importable by this interpreter."""


def require(*names):
    """Imports the named modules and returns them; raises MissingDependency naming the Debian packages."""
    missing, modules = [], []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError:
            missing.append(name)
    if missing:
        pkgs = " ".join(DEBIAN_PACKAGES.get(m, m) for m in missing)
        raise MissingDependency(
            f"mpisweep analysis: {sys.executable} cannot import {', '.join(missing)}. Install the Debian "
            f"package(s) {pkgs} (scripts/install-deps --python does it), and run the analysis with "
            f"/usr/bin/python3: another python3 first on PATH may not see Debian's packages.")
    return modules[0] if len(modules) == 1 else modules
