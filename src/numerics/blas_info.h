/* blas_info.h: which BLAS the process runs on, and one BLAS thread per rank, for any BLAS.
 *
 * mpisweep is linked against whatever BLAS the site chose at configure time (BLA_VENDOR), and on Debian the
 * library behind libblas.so.3 can even change after linking (update-alternatives). These functions look at the
 * library that actually serves cblas_dgemm at run time and use the vendor's own API where it has one (OpenBLAS,
 * BLIS), found through weak symbols, so the code compiles and runs against any BLAS.
 *
 * Not collective, no allocation; safe to call before MPI_Init.
 */
#ifndef SW_NUMERICS_BLAS_INFO_H
#define SW_NUMERICS_BLAS_INFO_H

#include <stddef.h>

/* Writes a one-line description of the BLAS in use into buf (always NUL-terminated, truncated to n bytes): the
 * vendor's version string when it has one, and the shared library that provides cblas_dgemm, for example
 * "OpenBLAS 0.3.21 DYNAMIC_ARCH ... (libopenblas.so.0)" or "BLIS 0.9.0 (libblis.so.4)". */
void sw_blas_describe(char *buf, size_t n);

/* Asks the BLAS to use one thread (ranks are the parallelism, and a fixed thread count keeps every result bit
 * independent of the machine). Returns 1 when the vendor has an API for it (OpenBLAS, BLIS), 0 otherwise, when
 * the environment (OMP_NUM_THREADS, ...) decides. */
int sw_blas_single_thread(void);

#endif
