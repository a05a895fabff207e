/* h5util.c: HDF5 error translation and attribute helpers. */
#include "h5util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char text[1024];
    size_t used;
} stack_text;

static herr_t collect_frame(unsigned n, const H5E_error2_t *e, void *data) {
    stack_text *t = data;
    if (n > 2 || t->used >= sizeof t->text) return 0; /* the innermost frames say what actually failed */
    int k = snprintf(t->text + t->used, sizeof t->text - t->used, "%s%s (%s)", t->used ? "; " : "",
                     e->desc ? e->desc : "?", e->func_name ? e->func_name : "?");
    if (k > 0) t->used += (size_t)k;
    return 0;
}

sw_status sw_h5_fail(const char *file, int line, const char *what) {
    stack_text t = {.used = 0};
    t.text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_frame, &t);
    H5Eclear2(H5E_DEFAULT);
    return sw_error_set(SW_ERR_HDF5, file, line, "%s failed: %s", what, t.used ? t.text : "no HDF5 detail");
}

void sw_h5_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

hid_t sw_h5_vlstring_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0) {
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
    }
    return t;
}

/* Creates or replaces attribute `name` with the given type and shape, then writes buf. */
static sw_status write_attr(hid_t obj, const char *name, hid_t type, hid_t space, const void *buf) {
    htri_t exists = H5Aexists(obj, name);
    SW_H5(exists, "checking an attribute");
    if (exists) SW_H5(H5Adelete(obj, name), "replacing an attribute");
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return sw_h5_fail(__FILE__, __LINE__, name);
    herr_t w = H5Awrite(a, type, buf);
    H5Aclose(a);
    SW_H5(w, name);
    return SW_OK;
}

static sw_status write_scalar(hid_t obj, const char *name, hid_t type, const void *buf) {
    hid_t space = H5Screate(H5S_SCALAR);
    SW_H5(space, "creating a dataspace");
    sw_status s = write_attr(obj, name, type, space, buf);
    H5Sclose(space);
    return s;
}

static sw_status write_array(hid_t obj, const char *name, hid_t type, const void *buf, size_t n) {
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    SW_H5(space, "creating a dataspace");
    sw_status s = write_attr(obj, name, type, space, buf);
    H5Sclose(space);
    return s;
}

sw_status sw_h5_attr_string(hid_t obj, const char *name, const char *value) {
    hid_t type = sw_h5_vlstring_type();
    SW_H5(type, "creating a string type");
    sw_status s = write_scalar(obj, name, type, &value);
    H5Tclose(type);
    return s;
}

sw_status sw_h5_attr_double(hid_t obj, const char *name, double value) {
    return write_scalar(obj, name, H5T_NATIVE_DOUBLE, &value);
}
sw_status sw_h5_attr_i64(hid_t obj, const char *name, int64_t value) {
    return write_scalar(obj, name, H5T_NATIVE_INT64, &value);
}
sw_status sw_h5_attr_u64(hid_t obj, const char *name, uint64_t value) {
    return write_scalar(obj, name, H5T_NATIVE_UINT64, &value);
}
sw_status sw_h5_attr_doubles(hid_t obj, const char *name, const double *values, size_t n) {
    return write_array(obj, name, H5T_NATIVE_DOUBLE, values, n);
}
sw_status sw_h5_attr_i8s(hid_t obj, const char *name, const int8_t *values, size_t n) {
    return write_array(obj, name, H5T_NATIVE_INT8, values, n);
}

sw_status sw_h5_attr_read_string(hid_t obj, const char *name, char **out) {
    *out = NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return sw_h5_fail(__FILE__, __LINE__, name);
    hid_t type = sw_h5_vlstring_type();
    char *value = NULL;
    herr_t r = H5Aread(a, type, &value);
    H5Tclose(type);
    H5Aclose(a);
    SW_H5(r, name);
    *out = strdup(value ? value : "");
    H5free_memory(value);
    SW_CHECK_ALLOC(*out, "an attribute value");
    return SW_OK;
}

hid_t sw_h5_open_readonly(const char *path) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    H5Pset_file_locking(fapl, 0, 1);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

hid_t sw_h5_ordered_fcpl(void) {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl >= 0) H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    return fcpl;
}
