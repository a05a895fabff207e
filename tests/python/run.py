"""Runs one Python test file under pytest, after checking that /usr/bin/python3 has every module the analysis
and its tests need (a clear message naming the Debian packages otherwise). Usage: run.py test_x.py"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SW_SOURCE") or os.path.dirname(os.path.dirname(HERE)), "analysis"))
from mpisweep._deps import MissingDependency, require  # noqa: E402

try:
    require("numpy", "h5py", "h5netcdf", "xarray", "pandas", "matplotlib", "pytest", "nbconvert", "nbclient",
            "ipykernel", "scipy")
except MissingDependency as e:
    print(e, file=sys.stderr)
    sys.exit(1)
import pytest  # noqa: E402

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-rf", "--rootdir", HERE,
                      *[os.path.join(HERE, a) if a.endswith(".py") else a for a in sys.argv[1:]]]))
