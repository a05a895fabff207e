# SwInstall.cmake: the install tree (cmake --install build --prefix P) and the Debian package (cpack -G DEB).
#   P/bin/mpisweep, P/bin/mpisweep-submit (-> P/share/mpisweep/slurm/submit, which finds P/bin/mpisweep itself)
#   P/share/mpisweep/slurm/{submit,mpisweep.sbatch,README.md}, P/share/mpisweep/jobs/ (the article sweeps)
#   P/include/mpisweep/*.h, P/lib/libmpisweep_core.a (what an experiment links: rng, status, schemas)
#   P/lib/pkgconfig/mpisweep.pc, P/lib/cmake/mpisweep/ (find_package(mpisweep): target mpisweep::core)
#   P/share/man/man1/mpisweep*.1 (help2man over the binary's own --help), P/share/bash-completion/completions/
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(PROGRAMS slurm/submit slurm/mpisweep.sbatch DESTINATION ${CMAKE_INSTALL_DATADIR}/mpisweep/slurm)
install(FILES slurm/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/mpisweep/slurm)
install(CODE "set(SW_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")\nset(SW_INSTALL_DATADIR \"${CMAKE_INSTALL_DATADIR}\")")
install(SCRIPT cmake/SwInstallSbatch.cmake)
install(DIRECTORY jobs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/mpisweep/jobs FILES_MATCHING PATTERN "*.yaml")
install(CODE "file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  file(CREATE_LINK ../${CMAKE_INSTALL_DATADIR}/mpisweep/slurm/submit
       \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/mpisweep-submit\" SYMBOLIC)")

# ---- headers and the library an experiment links ---------------------------------------------------------------
install(DIRECTORY include/mpisweep DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_BINARY_DIR}/generated/mpisweep/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mpisweep)
set_target_properties(sw_core PROPERTIES POSITION_INDEPENDENT_CODE ON) # plugins are shared objects
install(FILES $<TARGET_FILE:sw_core> DESTINATION ${CMAKE_INSTALL_LIBDIR} RENAME libmpisweep_core.a)
# Relative to the .pc file, so that an installed tree can be moved (cmake --install --prefix P, a .deb).
file(RELATIVE_PATH SW_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(cmake/mpisweep.pc.in ${CMAKE_BINARY_DIR}/mpisweep.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/mpisweep.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
configure_package_config_file(cmake/mpisweepConfig.cmake.in ${CMAKE_BINARY_DIR}/mpisweepConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mpisweep PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/mpisweepConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/mpisweepConfig.cmake ${CMAKE_BINARY_DIR}/mpisweepConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mpisweep)

# ---- man pages: help2man over the built binary's --help, so a page cannot say what --help does not ---------------
# Not in sanitizer or fuzzing builds: their binary is for tests, and LeakSanitizer's exit code would fail help2man.
find_program(SW_HELP2MAN help2man)
if(SW_HELP2MAN AND NOT SW_SANITIZE AND NOT SW_FUZZ)
  set(SW_MAN_PAGES "")
  set(SW_MAN_NAME_ "distributed parallel runner for numerical parameter sweeps")
  set(SW_MAN_NAME_run "run the sweeps of spec files into one parallel HDF5 file")
  set(SW_MAN_NAME_plan "validate sweep specs and show what a run would compute and write")
  set(SW_MAN_NAME_status "progress, failures and history of an mpisweep result file")
  set(SW_MAN_NAME_experiments "list the registered experiments")
  set(SW_MAN_NAME_describe "parameters and outputs of an experiment")
  foreach(cmd "" run plan status experiments describe)
    if(cmd)
      set(page mpisweep-${cmd}.1)
      set(help_option "--help-option=${cmd} --help")
    else()
      set(page mpisweep.1)
      set(help_option "--help-option=--help")
    endif()
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${SW_HELP2MAN} --no-info --no-discard-stderr "${help_option}" --version-option=--version
              --name=${SW_MAN_NAME_${cmd}} --section=1 --source=mpisweep --output=${CMAKE_BINARY_DIR}/man/${page}
              $<TARGET_FILE:mpisweep>
      DEPENDS mpisweep VERBATIM)
    list(APPEND SW_MAN_PAGES ${CMAKE_BINARY_DIR}/man/${page})
  endforeach()
  add_custom_target(man ALL DEPENDS ${SW_MAN_PAGES})
  install(FILES ${SW_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
elseif(NOT SW_HELP2MAN)
  message(STATUS "mpisweep: help2man not found: no man pages (Debian: help2man)")
endif()
install(FILES completions/mpisweep.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME mpisweep)
install(CODE "file(CREATE_LINK mpisweep
  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/mpisweep-submit\" SYMBOLIC)")

# ---- Debian package: cpack -G DEB in the build directory ----------------------------------------------------------
# Run-time dependencies from dpkg-shlibdeps (the MPI, HDF5, BLAS, yaml, GSL libraries the binary links), plus the
# launcher of the MPI it was built with.
set(CPACK_PACKAGE_NAME mpisweep)
set(CPACK_PACKAGE_CONTACT "mpisweep maintainers <mpisweep@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed parallel runner for numerical parameter sweeps (MPI + parallel HDF5)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
if(SW_MPI_FLAVOUR STREQUAL "mpich")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "mpich")
  set(CPACK_PACKAGE_NAME mpisweep-mpich)
elseif(SW_MPI_FLAVOUR STREQUAL "openmpi")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-client, python3-xarray, python3-h5netcdf, python3-matplotlib")
set(CPACK_GENERATOR DEB)
include(CPack)
