# The Debian package (cpack -G DEB): built from this build tree, its metadata declares the shared libraries the binary
# needs (dpkg-shlibdeps) and the MPI launcher, every declared dependency is an installable Debian package (here:
# installed), and the package's own tree, extracted with dpkg-deb -x, runs a sweep on 2 ranks and submit --dry-run.
# Not covered here: dpkg -i on a fresh Debian (needs a chroot made from the network; see README "Installing").
. "$SW_SOURCE/tests/mpi/lib.sh"
: "${SW_BUILD:?set by CTest}"
command -v dpkg-deb > /dev/null && command -v dpkg-shlibdeps > /dev/null ||
  { echo "skipped: dpkg-deb/dpkg-shlibdeps not found (Debian: dpkg-dev)"; exit 77; }
expect_exit 0 "cpack -G DEB" cpack -G DEB --config "$SW_BUILD/CPackConfig.cmake" -B "$SW_WORK/pkg"
deb=$(ls "$SW_WORK"/pkg/*.deb)
deps=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $deps"
for lib in libhdf5 libyaml libgsl liblapacke; do [[ $deps == *"$lib"* ]] || fail "Depends lacks $lib: $deps"; done
case $SW_MPI_FLAVOUR in
  openmpi) [[ $deps == *openmpi-bin* && $deps == *libhdf5-openmpi* ]] || fail "Depends lacks Open MPI's packages: $deps" ;;
  mpich) [[ $deps == *mpich* && $deps == *libhdf5-mpich* ]] || fail "Depends lacks MPICH's packages: $deps" ;;
esac
pass "Depends names the MPI, its parallel HDF5, BLAS/LAPACKE, libyaml and GSL"
for d in $(echo "$deps" | tr ',' '\n' | sed 's/(.*//; s/|.*//' | tr -d ' '); do
  dpkg-query -W -f='${Status}' "$d" 2> /dev/null | grep -q "install ok installed" || fail "dependency $d is not a Debian package installed here"
done
pass "every dependency is a real Debian package"
expect_exit 0 "dpkg-deb -x" dpkg-deb -x "$deb" root
R=$SW_WORK/root/usr
export PATH=/usr/bin:/bin
unset MPISWEEP
expect_exit 0 "the packaged binary runs the tiny demo sweeps on 2 ranks" mpirun_sweep_with "$R/bin/mpisweep" 2 run \
  "$R/share/mpisweep/jobs/tiny/angle.yaml" -o angle.h5 --progress none
expect_exit 0 "the packaged mpisweep-submit --dry-run finds the packaged binary" \
  "$R/bin/mpisweep-submit" "$R/share/mpisweep/jobs/tiny/angle.yaml" -o out.h5 --dry-run
expect_log "^export MPISWEEP=$R/bin/mpisweep "
done_testing
