# SwDependencies.cmake: finds every library mpisweep links, the way HPC sites provide them (environment modules,
# Spack, vendor trees), and defines one imported target per dependency. Nothing here needs pkg-config: it is used
# for hints when present. Results, all INTERFACE/IMPORTED targets:
#   MPI::MPI_C and HDF5_* (parallel, built with the same MPI), sw::blas (BLAS + LAPACK + LAPACKE), sw::yaml,
#   sw_gsl, Threads::Threads; RANDOM123_INCLUDE_DIR; for the tests SW_MPI_FLAVOUR (openmpi, mpich or other),
#   MPIEXEC_EXECUTABLE and SW_MPIEXEC_OVERSUBSCRIBE (the launcher's flag for more ranks than cores, if it needs one).

# ---- MPI and its parallel HDF5 ------------------------------------------------------------------------------------
# SW_MPI=openmpi|mpich picks one of Debian's co-installed MPIs by its suffixed wrappers (mpicc.mpich, h5pcc.mpich,
# mpiexec.mpich); elsewhere leave it empty and point FindMPI/FindHDF5 at the MPI of your module (MPI_C_COMPILER,
# HDF5_ROOT or HDF5_C_COMPILER_EXECUTABLE, MPIEXEC_EXECUTABLE) or just load the module.
set(SW_MPI "" CACHE STRING "Debian MPI flavour to build with: openmpi, mpich, or empty for the default mpicc")
if(SW_MPI)
  foreach(tool mpicc h5pcc mpiexec)
    find_program(SW_${tool}_${SW_MPI} NAMES ${tool}.${SW_MPI} REQUIRED)
  endforeach()
  set(MPI_C_COMPILER ${SW_mpicc_${SW_MPI}} CACHE FILEPATH "MPI C compiler wrapper (from SW_MPI)")
  set(MPIEXEC_EXECUTABLE ${SW_mpiexec_${SW_MPI}} CACHE FILEPATH "MPI launcher (from SW_MPI)")
  set(HDF5_C_COMPILER_EXECUTABLE ${SW_h5pcc_${SW_MPI}} CACHE FILEPATH "parallel HDF5 wrapper (from SW_MPI)")
endif()
set(MPI_DETERMINE_LIBRARY_VERSION TRUE) # gives MPI_C_LIBRARY_VERSION_STRING, hence the flavour
find_package(MPI REQUIRED COMPONENTS C)
if(MPI_C_LIBRARY_VERSION_STRING MATCHES "Open MPI")
  set(SW_MPI_FLAVOUR openmpi)
elseif(MPI_C_LIBRARY_VERSION_STRING MATCHES "MPICH")
  set(SW_MPI_FLAVOUR mpich)
else()
  set(SW_MPI_FLAVOUR other)
endif()
# Launcher flags for tests that start more ranks than there are cores: Open MPI refuses without --oversubscribe;
# MPICH's Hydra oversubscribes by default and does not know the option.
if(SW_MPI_FLAVOUR STREQUAL "openmpi")
  set(SW_MPIEXEC_OVERSUBSCRIBE --oversubscribe)
else()
  set(SW_MPIEXEC_OVERSUBSCRIBE "")
endif()
message(STATUS "mpisweep: MPI ${SW_MPI_FLAVOUR} (${MPI_C_LIBRARIES}), launcher ${MPIEXEC_EXECUTABLE}")

set(HDF5_PREFER_PARALLEL TRUE) # with the serial HDF5 also installed, FindHDF5 otherwise picks the serial one
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "mpisweep needs a parallel HDF5 (Debian: libhdf5-openmpi-dev or libhdf5-mpich-dev); "
                      "found a serial one at ${HDF5_INCLUDE_DIRS}")
endif()
# An HDF5 built against another MPI links but crashes in MPI-IO: refuse it at configure time (Debian's trees are
# hdf5/openmpi and hdf5/mpich; elsewhere the check is silent).
if(SW_MPI_FLAVOUR MATCHES "openmpi|mpich" AND HDF5_C_LIBRARIES MATCHES "/hdf5/(openmpi|mpich)/"
   AND NOT CMAKE_MATCH_1 STREQUAL SW_MPI_FLAVOUR)
  message(FATAL_ERROR "parallel HDF5 ${HDF5_C_LIBRARIES} is built for ${CMAKE_MATCH_1} but MPI is "
                      "${SW_MPI_FLAVOUR}: configure with -DSW_MPI=${SW_MPI_FLAVOUR} or set HDF5_C_COMPILER_EXECUTABLE")
endif()

# ---- BLAS, LAPACK, LAPACKE -----------------------------------------------------------------------------------------
# BLA_VENDOR is honoured (OpenBLAS, FLAME for BLIS, Intel10_64lp_seq for MKL, Generic for reference BLAS, ...).
# A vendor without its own LAPACK (BLIS) gets the reference LAPACK on top of it; LAPACKE comes from the LAPACK
# library when it has it (MKL, some OpenBLAS builds), else from liblapacke.
find_package(BLAS REQUIRED)
find_package(LAPACK)
if(NOT LAPACK_FOUND)
  find_library(SW_REFERENCE_LAPACK NAMES lapack REQUIRED)
  message(STATUS "mpisweep: BLA_VENDOR=${BLA_VENDOR} has no LAPACK; using ${SW_REFERENCE_LAPACK} over its BLAS")
  set(LAPACK_LIBRARIES ${SW_REFERENCE_LAPACK})
endif()
# The BLAS first: with a generic LAPACK on the line, BLAS symbols must still resolve to the chosen vendor.
set(SW_BLAS_LAPACK ${BLAS_LIBRARIES} ${LAPACK_LIBRARIES})
include(CheckFunctionExists)
set(CMAKE_REQUIRED_LIBRARIES ${SW_BLAS_LAPACK})
set(CMAKE_REQUIRED_QUIET TRUE)
check_function_exists(LAPACKE_dgesdd SW_LAPACK_HAS_LAPACKE)
unset(CMAKE_REQUIRED_LIBRARIES)
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(SW_PC_LAPACKE QUIET lapacke)
  pkg_check_modules(SW_PC_CBLAS QUIET cblas)
  pkg_check_modules(SW_PC_YAML QUIET yaml-0.1)
  pkg_check_modules(SW_PC_GSL QUIET gsl)
endif()
if(NOT SW_LAPACK_HAS_LAPACKE)
  find_library(SW_LAPACKE_LIBRARY NAMES lapacke HINTS ${SW_PC_LAPACKE_LIBRARY_DIRS} REQUIRED)
  list(PREPEND SW_BLAS_LAPACK ${SW_LAPACKE_LIBRARY})
endif()
find_path(SW_LAPACKE_INCLUDE_DIR lapacke.h HINTS ${SW_PC_LAPACKE_INCLUDE_DIRS} PATH_SUFFIXES lapacke mkl REQUIRED)
# cblas.h: the vendor's own when a BLAS ships one (BLIS: -DSW_CBLAS_INCLUDE_DIR=.../blis-openmp); the prototypes
# are standard, so any cblas.h declares what the kernels call.
find_path(SW_CBLAS_INCLUDE_DIR cblas.h HINTS ${SW_PC_CBLAS_INCLUDE_DIRS} PATH_SUFFIXES openblas mkl REQUIRED)
add_library(sw::blas INTERFACE IMPORTED)
target_include_directories(sw::blas SYSTEM INTERFACE ${SW_CBLAS_INCLUDE_DIR} ${SW_LAPACKE_INCLUDE_DIR})
target_link_libraries(sw::blas INTERFACE ${SW_BLAS_LAPACK} ${CMAKE_DL_LIBS})
message(STATUS "mpisweep: BLAS/LAPACK/LAPACKE: ${SW_BLAS_LAPACK}")

# ---- libyaml, GSL, Random123, threads -----------------------------------------------------------------------------
find_library(SW_YAML_LIBRARY NAMES yaml HINTS ${SW_PC_YAML_LIBRARY_DIRS} REQUIRED)
find_path(SW_YAML_INCLUDE_DIR yaml.h HINTS ${SW_PC_YAML_INCLUDE_DIRS} REQUIRED)
add_library(sw::yaml INTERFACE IMPORTED)
target_include_directories(sw::yaml SYSTEM INTERFACE ${SW_YAML_INCLUDE_DIR})
target_link_libraries(sw::yaml INTERFACE ${SW_YAML_LIBRARY})

# GSL brings its own CBLAS (GSL::gslcblas); we link only libgsl, for special functions, and keep BLAS to sw::blas.
# (Found directly: CMake's FindGSL calls pkg_check_modules unconditionally.)
find_library(SW_GSL_LIBRARY NAMES gsl HINTS ${SW_PC_GSL_LIBRARY_DIRS} REQUIRED)
find_path(SW_GSL_INCLUDE_DIR gsl/gsl_sf_psi.h HINTS ${SW_PC_GSL_INCLUDE_DIRS} REQUIRED)
add_library(sw_gsl INTERFACE)
target_include_directories(sw_gsl SYSTEM INTERFACE ${SW_GSL_INCLUDE_DIR})
target_link_libraries(sw_gsl INTERFACE ${SW_GSL_LIBRARY})

# jansson: reads the JSON object a declared program prints (src/experiments/declared.c).
find_library(SW_JANSSON_LIBRARY NAMES jansson REQUIRED)
find_path(SW_JANSSON_INCLUDE_DIR jansson.h REQUIRED)
add_library(sw_jansson INTERFACE)
target_include_directories(sw_jansson SYSTEM INTERFACE ${SW_JANSSON_INCLUDE_DIR})
target_link_libraries(sw_jansson INTERFACE ${SW_JANSSON_LIBRARY})

find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
find_package(Threads REQUIRED)
