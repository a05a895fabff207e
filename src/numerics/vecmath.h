/* vecmath.h: elementary functions over whole arrays, written so that the compiler vectorises them.
 *
 * glibc's exp, expm1, tanh, log and acos are scalar calls; a kernel that applies them to every element of a
 * matrix or of a block of chains spends most of its time there. These versions reduce the argument and evaluate a
 * Taylor polynomial with straight-line code, which GCC vectorises; each is compiled for the baseline x86-64, AVX2
 * and AVX-512 and the best one is picked at load time (target clones). Every element goes through the same IEEE
 * operations in every version (products that are added are explicit fma() calls, one correctly rounded operation
 * on every CPU; C17 mode never fuses by itself), so results do not depend on the CPU.
 *
 * Accuracy: a few ulps relative over the whole double range (test_rng checks it against glibc); NaN in gives NaN
 * out, and overflow and underflow give inf and 0 (or -1 for expm1) as the C library does. x and y may be the same
 * array. Pure: no allocation, no state, not collective.
 */
#ifndef SW_NUMERICS_VECMATH_H
#define SW_NUMERICS_VECMATH_H

#include <stddef.h>

/* y[i] = exp(x[i]) */
void sw_vexp(const double *x, double *y, size_t n);
/* y[i] = exp(x[i]) - 1, accurate relative to the result also for tiny x[i] */
void sw_vexpm1(const double *x, double *y, size_t n);
/* y[i] = tanh(x[i]) */
void sw_vtanh(const double *x, double *y, size_t n);
/* y[i] = log(x[i]); -inf for 0, NaN for negative x[i] */
void sw_vlog(const double *x, double *y, size_t n);
/* y[i] = log(1 + x[i]), accurate relative to the result also for tiny x[i]; -inf for -1, NaN below */
void sw_vlog1p(const double *x, double *y, size_t n);
/* y[i] = acos(x[i]) in [0, π]; NaN outside [-1, 1] */
void sw_vacos(const double *x, double *y, size_t n);

#endif
