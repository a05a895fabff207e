/* h5util.h: HDF5 helpers private to the store: error translation and attribute writing. */
#ifndef SW_STORE_H5UTIL_H
#define SW_STORE_H5UTIL_H

#include <hdf5.h>
#include <stdint.h>

#include "mpisweep/status.h"

/* Fails with SW_ERR_HDF5 and the innermost messages of HDF5's error stack, naming `what`. */
sw_status sw_h5_fail(const char *file, int line, const char *what);

/* Checks an HDF5 call returning hid_t or herr_t (negative on failure). */
#define SW_H5(call, what)                                                                                  \
    do {                                                                                                   \
        if ((call) < 0) return sw_h5_fail(__FILE__, __LINE__, (what));                                    \
    } while (0)

/* Turns off HDF5's automatic error printing: errors are reported through sw_status instead. */
void sw_h5_silence(void);

/* Writes (creating or replacing) an attribute on object obj. Collective when obj's file is open in parallel. */
sw_status sw_h5_attr_string(hid_t obj, const char *name, const char *value);
sw_status sw_h5_attr_double(hid_t obj, const char *name, double value);
sw_status sw_h5_attr_i64(hid_t obj, const char *name, int64_t value);
sw_status sw_h5_attr_u64(hid_t obj, const char *name, uint64_t value);
sw_status sw_h5_attr_doubles(hid_t obj, const char *name, const double *values, size_t n);
sw_status sw_h5_attr_i8s(hid_t obj, const char *name, const int8_t *values, size_t n);

/* Reads a string attribute into a malloc'd string (*out, caller frees). Errors: SW_ERR_HDF5, SW_ERR_NOMEM. */
sw_status sw_h5_attr_read_string(hid_t obj, const char *name, char **out);

/* Opens a file read-only with the POSIX driver and without HDF5's flock: readers must not be refused (or refuse a
 * writer) because of another process's lock; the run lock is separate (see store.c). Returns a file id or < 0. */
hid_t sw_h5_open_readonly(const char *path);

/* A variable-length UTF-8 string type (caller closes). */
hid_t sw_h5_vlstring_type(void);

/* A file-creation property list whose root group tracks the creation order of its links, so that readers can list
 * the sweeps in the order of the spec that created them (caller closes). */
hid_t sw_h5_ordered_fcpl(void);

#endif
