# The analysis package installs as a user would into their own environment: a venv of Debian's python3 with
# --system-site-packages (numpy, h5py, xarray come from apt), pip with no index and no build isolation (offline, with
# Debian's setuptools), from a copy of analysis/ (pip writes its build files next to the sources). The console
# script mpisweep-report then writes a report of a real result file, from outside the source tree.
. "$SW_SOURCE/tests/mpi/lib.sh"
py=/usr/bin/python3
"$py" -c "import venv, ensurepip" 2> /dev/null || { echo "skipped: $py has no venv/ensurepip (Debian: python3-venv)"; exit 77; }
"$py" -c "import setuptools, xarray, h5netcdf, matplotlib" 2> /dev/null ||
  { echo "skipped: Debian's python3-setuptools or the analysis modules are missing (scripts/install-deps --python)"; exit 77; }
cp -r "$SW_SOURCE/analysis" src
expect_exit 0 "python3 -m venv --system-site-packages" "$py" -m venv --system-site-packages venv
expect_exit 0 "pip install --no-index --no-build-isolation ./analysis" \
  venv/bin/pip install --no-index --no-build-isolation ./src
[ -x venv/bin/mpisweep-report ] || fail "no console script venv/bin/mpisweep-report"
pass "the console script mpisweep-report is installed"
expect_exit 0 "a result file to report on" mpirun_sweep 2 run "$SW_SOURCE/jobs/tiny/angle.yaml" -o angle.h5 --progress none
mkdir elsewhere && cd elsewhere || fail "mkdir"
expect_exit 0 "mpisweep-report from the environment" env -u PYTHONPATH MPLBACKEND=Agg ../venv/bin/mpisweep-report ../angle.h5 -o rep
[ -s rep/index.html ] && ls rep/*.png > /dev/null 2>&1 || fail "the report has no index.html or PNG"
module=$(../venv/bin/python -c "import mpisweep, os; print(os.path.dirname(mpisweep.__file__))")
case $module in "$SW_WORK"/venv/*) ;; *) fail "mpisweep was imported from $module, not from the environment" ;; esac
pass "the report (index.html and PNGs) was made by the installed package ($module)"
expect_exit 2 "mpisweep-report on a file that is not a result file" ../venv/bin/mpisweep-report ../venv/bin/python -o rep2
done_testing
