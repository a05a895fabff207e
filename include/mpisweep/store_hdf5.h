/* store_hdf5.h: the parallel-HDF5 backend of the store interface (store.h describes the file it writes). Its own
 * CMake target, sw_store_hdf5, is the only part of the runner that links HDF5: the scheduler, the run layer and
 * the null and memory stores build without it. */
#ifndef SW_STORE_HDF5_H
#define SW_STORE_HDF5_H

#include "mpisweep/store.h"

/* The HDF5 result file. arg of sw_store_open: unused (NULL). */
extern const sw_store_ops sw_store_hdf5;

#endif
