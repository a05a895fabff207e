/* vecmath.c: exp, expm1, tanh and log over arrays, vectorisable (see vecmath.h).
 *
 * exp and expm1: x = k log 2 + r with |r| <= log(2)/2 (Cody and Waite: log 2 in two parts, the first with trailing
 * zeros so that k LN2_HI is exact), expm1(r) from its Taylor series to r^15 (truncation below 1e-19 relative),
 * then exp x = 2^k (1 + expm1 r) and expm1 x = 2^k expm1 r + (2^k - 1), which loses nothing for k = 0 (tiny x).
 * 2^k is assembled from bits, in two factors where it could leave the normal range. tanh |x| = -e / (e + 2) with
 * e = expm1(-2|x|). log: x = 2^k m, m in [sqrt(1/2), sqrt(2)), log m = 2 atanh s, s = (m - 1)/(m + 1), |s| <= 0.1716,
 * by its Taylor series to s^23. Rounding to an integer and the integer parts use the 1.5 * 2^52 shifter and bit
 * operations, which SSE2, AVX2 and AVX-512 all vectorise (they lack, or only AVX-512 has, 64-bit conversions).
 * Products that are added are written as fma() (see expm1_reduced). */
#include "vecmath.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Without this GCC turns the clamps below into conditional arithmetic that, under the default -ftrapping-math, it
 * will not if-convert for AVX2 (AVX-512 has masks), leaving that clone scalar. It changes no value: the code never
 * reads the floating-point exception flags. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SW_SIMD_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define SW_SIMD_CLONES
#endif

#define LN2_HI 0x1.62e42ff000000p-1   /* log 2 rounded to 29 bits: k LN2_HI is exact for |k| < 2^24 */
#define LN2_LO -0x1.718432a1b0e26p-35 /* log 2 - LN2_HI */
#define INV_LN2 0x1.71547652b82fep0
#define SHIFTER 0x1.8p52 /* t + SHIFTER - SHIFTER rounds t to an integer; its bits hold that integer at the bottom */
#define SHIFTER_BITS 0x4338000000000000ULL

static inline uint64_t bits_of(double d) {
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static inline double from_bits(uint64_t b) {
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* expm1(r) for |r| <= 0.35: r + r^2 (1/2! + r/3! + ... + r^13/15!), the polynomial by Estrin's scheme (pairs,
 * then pairs of pairs), whose dependency chains are a third as long as Horner's. Written with fma(): one IEEE
 * operation, correctly rounded, so the AVX2 and AVX-512 clones (which have FMA instructions) and the baseline one
 * (which calls the C library's fma) give the same bits; C17 mode never fuses a * b + c by itself. */
static inline double expm1_reduced(double r) {
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double a0 = fma(r, 1.0 / 6, 1.0 / 2), a1 = fma(r, 1.0 / 120, 1.0 / 24);
    double a2 = fma(r, 1.0 / 5040, 1.0 / 720), a3 = fma(r, 1.0 / 362880, 1.0 / 40320);
    double a4 = fma(r, 1.0 / 39916800, 1.0 / 3628800), a5 = fma(r, 1.0 / 6227020800, 1.0 / 479001600);
    double a6 = fma(r, 1.0 / 1307674368000, 1.0 / 87178291200);
    double b0 = fma(r2, a1, a0), b1 = fma(r2, a3, a2), b2 = fma(r2, a5, a4);
    double c0 = fma(r4, b1, b0), c1 = fma(r4, a6, b2);
    return fma(r2, fma(r8, c1, c0), r);
}

/* The reduction of x (|x| <= 2000) to k and r: returns r, k + 2048 in *kb. */
static inline double reduce(double x, uint64_t *kb) {
    double t = x * INV_LN2 + SHIFTER, k = t - SHIFTER;
    *kb = bits_of(t) - SHIFTER_BITS + 2048; /* k + 2048, positive */
    return fma(-k, LN2_LO, fma(-k, LN2_HI, x));
}

/* 2^k = s1 s2 for k in [-1080, 1024], both factors normal (kb = k + 2048). */
static inline void split_scale(uint64_t kb, double *s1, double *s2) {
    uint64_t h = kb >> 1; /* k1 = h - 1024, k2 = k - k1 = kb - h - 1024 */
    *s1 = from_bits((h - 1) << 52);
    *s2 = from_bits((kb - h - 1) << 52);
}

static inline double exp_one(double x) {
    double xc = x < -746.0 ? -746.0 : x > 710.0 ? 710.0 : x; /* NaN stays NaN */
    uint64_t kb;
    double r = reduce(xc, &kb), s1, s2;
    split_scale(kb, &s1, &s2);
    return (1.0 + expm1_reduced(r)) * s1 * s2;
}

static inline double expm1_one(double x) {
    double xc = x < -60.0 ? -60.0 : x > 710.0 ? 710.0 : x; /* expm1(-60) = -1 in double */
    uint64_t kb;
    double r = reduce(xc, &kb), em = expm1_reduced(r), s1, s2;
    split_scale(kb, &s1, &s2);
    double big = (1.0 + em) * s1 * s2; /* exp x: for k > 1000, exp x - 1 = exp x */
    bool huge = (int64_t)kb > 3048;                /* k > 1000 */
    uint64_t kb_small = huge ? 3048 : kb;           /* 2^k for k <= 1000 is normal */
    double s = from_bits((kb_small - 2048 + 1023) << 52);
    double small = fma(em, s, s - 1.0);
    return huge ? big : small;
}

/* Each function works in place on y (a copy of x when they differ): a loop over one array needs no aliasing check,
 * which GCC would otherwise answer with its scalar fallback whenever x == y. */
static inline void copy_in(const double *x, double *y, size_t n) {
    if (x != y) memmove(y, x, n * sizeof *y);
}

SW_SIMD_CLONES static void vexp_inplace(double *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = exp_one(y[i]);
}

SW_SIMD_CLONES static void vexpm1_inplace(double *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = expm1_one(y[i]);
}

SW_SIMD_CLONES static void vtanh_inplace(double *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double e = expm1_one(-2.0 * fabs(y[i]));
        y[i] = copysign(-e / (e + 2.0), y[i]);
    }
}

void sw_vexp(const double *x, double *y, size_t n) {
    copy_in(x, y, n);
    vexp_inplace(y, n);
}

void sw_vexpm1(const double *x, double *y, size_t n) {
    copy_in(x, y, n);
    vexpm1_inplace(y, n);
}

void sw_vtanh(const double *x, double *y, size_t n) {
    copy_in(x, y, n);
    vtanh_inplace(y, n);
}

#define SQRT_HALF_BITS 0x3fe6a09e667f3bcdULL

static inline double log_one(double x) {
    /* Subnormals are scaled into the normal range first (x 2^54, k - 54). */
    double tiny = x < 0x1p-1022 ? 1.0 : 0.0, xs = x * (1.0 + tiny * (0x1p54 - 1.0));
    /* the exponent of xs / sqrt(1/2), rounded down, plus 1024, in the top bits (unsigned: no borrow for xs > 0) */
    uint64_t shifted = bits_of(xs) + (1024ULL << 52) - SQRT_HALF_BITS;
    double k = (from_bits(0x4330000000000000ULL | (shifted >> 52)) - 0x1p52) - 1024.0 - 54.0 * tiny;
    double m = from_bits((shifted & 0x000fffffffffffffULL) + SQRT_HALF_BITS);
    double f = m - 1.0, s = f / (2.0 + f), z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    /* 2 atanh s = 2s + 2s z (1/3 + z/5 + ... + z^10/23), Estrin's scheme as for expm1 */
    double a0 = fma(z, 1.0 / 5, 1.0 / 3), a1 = fma(z, 1.0 / 9, 1.0 / 7), a2 = fma(z, 1.0 / 13, 1.0 / 11);
    double a3 = fma(z, 1.0 / 17, 1.0 / 15), a4 = fma(z, 1.0 / 21, 1.0 / 19);
    double b0 = fma(z2, a1, a0), b1 = fma(z2, a3, a2), b2 = fma(z2, 1.0 / 23, a4);
    double p = fma(z8, b2, fma(z4, b1, b0));
    double two_s = 2.0 * s, value = fma(k, LN2_HI, fma(two_s * z, p, fma(k, LN2_LO, two_s)));
    /* the special cases, as the C library gives them */
    value = x == 0.0 ? -INFINITY : value;
    value = x < 0.0 ? NAN : value;
    return x == INFINITY || x != x ? x : value;
}

SW_SIMD_CLONES static void vlog_inplace(double *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = log_one(y[i]);
}

SW_SIMD_CLONES static void vlog1p_inplace(double *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        /* log1p x = log(1 + x) x / ((1 + x) - 1): the rounding of 1 + x cancels out (Goldberg 1991) */
        double x = y[i], u = 1.0 + x, value = u == 1.0 ? x : log_one(u) * (x / (u - 1.0));
        y[i] = x == INFINITY ? x : value;
    }
}

void sw_vlog(const double *x, double *y, size_t n) {
    copy_in(x, y, n);
    vlog_inplace(y, n);
}

void sw_vlog1p(const double *x, double *y, size_t n) {
    copy_in(x, y, n);
    vlog1p_inplace(y, n);
}

/* acos: for |c| <= 1/2, π/2 − asin c; beyond, 2 asin(sqrt((1 − |c|)/2)), reflected for c < 0 (π minus it). Both
 * arguments s lie in [0, 1/2], where asin s = s + s z Q(z), z = s², Q the Taylor series of asin to z^24: its
 * coefficients (2k)!/(4^k (k!)² (2k + 1)), k = 1..25 (truncation below 3e-18 relative at s = 1/2). */
static const double ASIN_SERIES[25] = {
    1.0 / 6.0,
    3.0 / 40.0,
    5.0 / 112.0,
    35.0 / 1152.0,
    63.0 / 2816.0,
    231.0 / 13312.0,
    143.0 / 10240.0,
    6435.0 / 557056.0,
    12155.0 / 1245184.0,
    46189.0 / 5505024.0,
    88179.0 / 12058624.0,
    676039.0 / 104857600.0,
    1300075.0 / 226492416.0,
    5014575.0 / 973078528.0,
    9694845.0 / 2080374784.0,
    100180065.0 / 23622320128.0,
    116680311.0 / 30064771072.0,
    2268783825.0 / 635655159808.0,
    1472719325.0 / 446676598784.0,
    34461632205.0 / 11269994184704.0,
    67282234305.0 / 23639499997184.0,
    17534158031.0 / 6597069766656.0,
    514589420475.0 / 206708186021888.0,
    8061900920775.0 / 3448068464705536.0,
    5267108601573.0 / 2392537302040576.0,
};

static inline double asin_half(double s) { /* asin s for 0 <= s <= 1/2 */
    double z = s * s, z2 = z * z, z4 = z2 * z2, z8 = z4 * z4, z16 = z8 * z8;
    const double *a = ASIN_SERIES;
    double p0 = fma(z, a[1], a[0]), p1 = fma(z, a[3], a[2]), p2 = fma(z, a[5], a[4]), p3 = fma(z, a[7], a[6]);
    double p4 = fma(z, a[9], a[8]), p5 = fma(z, a[11], a[10]), p6 = fma(z, a[13], a[12]), p7 = fma(z, a[15], a[14]);
    double p8 = fma(z, a[17], a[16]), p9 = fma(z, a[19], a[18]), p10 = fma(z, a[21], a[20]);
    double p11 = fma(z, a[23], a[22]);
    double q0 = fma(z2, p1, p0), q1 = fma(z2, p3, p2), q2 = fma(z2, p5, p4), q3 = fma(z2, p7, p6);
    double q4 = fma(z2, p9, p8), q5 = fma(z2, p11, p10);
    double r0 = fma(z4, q1, q0), r1 = fma(z4, q3, q2), r2 = fma(z4, q5, q4);
    double t0 = fma(z8, r1, r0), t1 = fma(z8, a[24], r2);
    return fma(s * z, fma(z16, t1, t0), s);
}

static inline double acos_one(double c) {
    double a = fabs(c), s = sqrt(0.5 * (1.0 - a)); /* NaN for |c| > 1 */
    double far = 2.0 * asin_half(s), near = M_PI_2 - asin_half(c);
    double value = a <= 0.5 ? near : (c > 0.0 ? far : M_PI - far);
    return a > 1.0 ? NAN : value; /* also NaN for NaN c: both branches are NaN */
}

SW_SIMD_CLONES static void vacos_inplace(double *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = acos_one(y[i]);
}

void sw_vacos(const double *x, double *y, size_t n) {
    copy_in(x, y, n);
    vacos_inplace(y, n);
}
