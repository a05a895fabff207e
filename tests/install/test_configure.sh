# Configuring as a site without pkg-config and without cmocka would: -DBUILD_TESTING=OFF and pkg-config disabled
# still find MPI, parallel HDF5, BLAS/LAPACK/LAPACKE, libyaml and GSL, and nothing asks for cmocka. A bad BLA_VENDOR
# fails at configure time, naming BLAS.
. "$SW_SOURCE/tests/mpi/lib.sh"
expect_exit 0 "configure with -DBUILD_TESTING=OFF and pkg-config disabled" cmake -S "$SW_SOURCE" -B b \
  -DBUILD_TESTING=OFF -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON -DSW_MPI="${SW_MPI:-}"
! grep -qi cmocka b/CMakeCache.txt || fail "a build without tests looked for cmocka"
! grep -q "^PKG_CONFIG_EXECUTABLE" b/CMakeCache.txt || fail "pkg-config was used although disabled"
grep -q "^SW_LAPACKE_LIBRARY:FILEPATH=/" b/CMakeCache.txt || fail "LAPACKE not found without pkg-config"
pass "no cmocka and no pkg-config needed; LAPACKE found directly"
expect_exit 1 "an unknown BLA_VENDOR is refused at configure time" cmake -S "$SW_SOURCE" -B bad -DBLA_VENDOR=NoSuchBLAS
expect_log "BLAS"
done_testing
