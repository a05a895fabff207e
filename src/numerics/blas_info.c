/* blas_info.c: BLAS-neutral provenance and threading (see blas_info.h). */
#define _GNU_SOURCE /* dladdr */
#include "blas_info.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* Vendor APIs, weak: NULL unless the linked BLAS defines them. Declared here rather than taken from a cblas.h,
 * whose vendor-specific declarations differ between BLAS libraries. */
extern char *openblas_get_config(void) __attribute__((weak));
extern void openblas_set_num_threads(int n) __attribute__((weak));
extern char *bli_info_get_version_str(void) __attribute__((weak));
extern void bli_thread_set_num_threads(long n) __attribute__((weak));
extern void cblas_dgemm(void); /* only its address is taken, to find the library that serves it */

static const char *library_of_dgemm(void) {
    Dl_info info;
    if (!dladdr((void *)cblas_dgemm, &info) || !info.dli_fname) return "unknown library";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

void sw_blas_describe(char *buf, size_t n) {
    if (n == 0) return;
    const char *lib = library_of_dgemm();
    /* Several BLAS can be loaded at once (Debian's liblapack.so.3 may be OpenBLAS's): the vendor is the one whose
     * library serves cblas_dgemm. */
    if (openblas_get_config && strstr(lib, "openblas")) snprintf(buf, n, "%s (%s)", openblas_get_config(), lib);
    else if (bli_info_get_version_str && strstr(lib, "blis"))
        snprintf(buf, n, "BLIS %s (%s)", bli_info_get_version_str(), lib);
    else snprintf(buf, n, "BLAS %s", lib);
}

int sw_blas_single_thread(void) {
    int done = 0; /* every BLAS that is loaded, whichever serves which routine */
    if (openblas_set_num_threads) {
        openblas_set_num_threads(1);
        done = 1;
    }
    if (bli_thread_set_num_threads) {
        bli_thread_set_num_threads(1);
        done = 1;
    }
    return done;
}
