/* test_rng.c: Random123 known-answer vectors, stream independence, distribution checks of each transform, and the
 * accuracy of the vectorised elementary functions (numerics/vecmath) the transforms and kernels rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/rng.h"
#include "vecmath.h"

/* Random123's kat_vectors for philox4x64 with 10 rounds. */
static void test_philox_known_answers(void **state) {
    (void)state;
    static const struct {
        uint64_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x16554d9eca36314cULL, 0xdb20fe9d672d0fdcULL, 0xd7e772cee186176bULL, 0x7e68b68aec7ba23bULL}},
        {{~0ULL, ~0ULL, ~0ULL, ~0ULL}, {~0ULL, ~0ULL},
         {0x87b092c3013fe90bULL, 0x438c3c67be8d0224ULL, 0x9cc7d7c69cd777b6ULL, 0xa09caebf594f0ba0ULL}},
        {{0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL},
         {0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL},
         {0xa528f45403e61d95ULL, 0x38c72dbd566e9788ULL, 0xa5a1610e72fd18b5ULL, 0x57bd43b5e52b7fe6ULL}},
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        uint64_t out[4];
        sw_philox4x64_10(kat[i].ctr, kat[i].key, out);
        for (int j = 0; j < 4; j++) assert_int_equal(out[j], kat[i].out[j]);
    }
}

static const sw_rng_key key = {.seed = 7076, .hash = {0x1234, 0x5678}, .replicate = 3};

/* The stream is a pure function of (key, stream): scalar and bulk draws agree, restarts reproduce it. */
static void test_stream_is_pure_function(void **state) {
    (void)state;
    sw_rng a, b;
    sw_rng_init(&a, &key, 1);
    sw_rng_init(&b, &key, 1);
    uint64_t bulk[11];
    (void)sw_rng_u64(&b); /* unaligned start exercises the buffered path of the bulk fill */
    sw_rng_fill_u64(&b, bulk, 11);
    (void)sw_rng_u64(&a);
    for (int i = 0; i < 11; i++) assert_int_equal(sw_rng_u64(&a), bulk[i]);
}

/* The bulk path computes several Philox blocks at once with its own round code: it must give exactly the words of
 * Random123's block function (the scalar path), also where the block counter wraps (it never carries into the
 * replicate word). */
static void test_bulk_equals_random123(void **state) {
    (void)state;
    enum { WORDS = 1003 };
    static uint64_t bulk[WORDS];
    sw_rng_key near_carry = key;
    for (int variant = 0; variant < 2; variant++) {
        sw_rng a, b;
        sw_rng_init(&a, &near_carry, 5);
        sw_rng_init(&b, &near_carry, 5);
        if (variant == 1) a.ctr[0] = b.ctr[0] = ~0ULL - 40; /* the low counter word wraps inside the fill */
        sw_rng_fill_u64(&b, bulk, WORDS);
        for (int i = 0; i < WORDS; i++) assert_int_equal(sw_rng_u64(&a), bulk[i]);
        assert_int_equal(sw_rng_u64(&a), sw_rng_u64(&b)); /* both streams continue at the same place */
    }
}

/* The bulk fill's engine is chosen for the CPU (scalar, AVX2, AVX-512). Test hook in rng.c, not in rng.h. */
bool sw_rng_select_engine(const char *name);

/* Every engine this CPU can run gives exactly Random123's words, for every length and across the counter wrap. */
static void test_every_engine_equals_random123(void **state) {
    (void)state;
    static const char *const engines[] = {"scalar", "avx2", "avx512"};
    static const size_t lengths[] = {1, 3, 4, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000};
    enum { WORDS = 1000 };
    static uint64_t bulk[WORDS], ref[WORDS];
    int ran = 0;
    for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
        if (!sw_rng_select_engine(engines[e])) continue; /* not supported here */
        ran++;
        for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++)
            for (int wrap = 0; wrap < 2; wrap++) {
                sw_rng a, b;
                sw_rng_init(&a, &key, 9);
                sw_rng_init(&b, &key, 9);
                if (wrap) a.ctr[0] = b.ctr[0] = ~0ULL - 37;
                for (size_t i = 0; i < lengths[l]; i++) ref[i] = sw_rng_u64(&a);
                sw_rng_fill_u64(&b, bulk, lengths[l]);
                for (size_t i = 0; i < lengths[l]; i++) assert_int_equal(bulk[i], ref[i]);
                assert_int_equal(sw_rng_u64(&a), sw_rng_u64(&b));
            }
    }
    assert_true(sw_rng_select_engine("best"));
    assert_true(ran >= 1);
}

static void test_streams_differ(void **state) {
    (void)state;
    sw_rng_key other = key;
    other.replicate = 4;
    sw_rng s0, s1, r1;
    sw_rng_init(&s0, &key, 0);
    sw_rng_init(&s1, &key, 1);
    sw_rng_init(&r1, &other, 0);
    uint64_t a = sw_rng_u64(&s0), b = sw_rng_u64(&s1), c = sw_rng_u64(&r1);
    assert_true(a != b && a != c && b != c);
}

enum { N = 400000 };

/* Mean and variance of n draws, compared with exact values within 4 standard errors (science.md's rule):
 * SE(mean) = sqrt(var/N), SE(var) = sqrt((mu4 - var^2)/N). */
static void check_moments(const double *x, size_t n, double mean, double var, double mu4) {
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    double m = s / (double)n;
    for (size_t i = 0; i < n; i++) s2 += (x[i] - mean) * (x[i] - mean);
    double v = s2 / (double)n;
    assert_true(fabs(m - mean) <= 4 * sqrt(var / (double)n));
    assert_true(fabs(v - var) <= 4 * sqrt((mu4 - var * var) / (double)n));
}

static double *draws(void (*fill)(sw_rng *, double *, size_t), uint32_t stream) {
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    sw_rng r;
    sw_rng_init(&r, &key, stream);
    fill(&r, x, N);
    return x;
}

static void test_uniform(void **state) {
    (void)state;
    double *x = draws(sw_rng_fill_uniform, 10);
    for (size_t i = 0; i < N; i++) assert_true(x[i] > 0.0 && x[i] < 1.0);
    check_moments(x, N, 0.5, 1.0 / 12, 1.0 / 80);
    free(x);
}

static void test_normal(void **state) {
    (void)state;
    double *x = draws(sw_rng_fill_normal, 11);
    check_moments(x, N, 0.0, 1.0, 3.0);
    /* Tail mass P(|z| > 2) = 0.0455003; a proportion, SE = sqrt(p(1-p)/N). */
    size_t tail = 0;
    for (size_t i = 0; i < N; i++) tail += fabs(x[i]) > 2.0;
    double p = 0.04550026389635842;
    assert_true(fabs((double)tail / N - p) <= 4 * sqrt(p * (1 - p) / N));
    free(x);
}

/* The ziggurat's correctness: the empirical CDF at points across the body, the layer edges and the tail (beyond
 * 3.654) matches Phi within 4 SE of a proportion, and the sample is symmetric. */
static void test_normal_cdf(void **state) {
    (void)state;
    double *x = draws(sw_rng_fill_normal, 16);
    static const double points[] = {-4.0, -3.7, -3.0, -2.2, -1.5, -0.9, -0.3, 0.0, 0.2, 0.7, 1.3, 2.0, 2.6, 3.3, 3.8};
    for (size_t j = 0; j < sizeof points / sizeof points[0]; j++) {
        size_t below = 0;
        for (size_t i = 0; i < N; i++) below += x[i] <= points[j];
        double p = 0.5 * erfc(-points[j] / M_SQRT2), f = (double)below / N;
        assert_true(fabs(f - p) <= 4 * sqrt(p * (1 - p) / N) + 1.0 / N);
    }
    free(x);
}

static void test_exponential(void **state) {
    (void)state;
    double *x = draws(sw_rng_fill_exponential, 12);
    check_moments(x, N, 1.0, 1.0, 9.0);
    free(x);
}

static void test_gumbel(void **state) {
    (void)state;
    double *x = draws(sw_rng_fill_gumbel, 13);
    const double euler_gamma = 0.57721566490153286, var = M_PI * M_PI / 6;
    /* Gumbel excess kurtosis is 12/5, so mu4 = (3 + 2.4) var^2. */
    check_moments(x, N, euler_gamma, var, 5.4 * var * var);
    free(x);
}

/* Uniforms are the stream's words w, each mapped to ((w >> 11) + 1/2) 2^-53 exactly (the bulk conversion uses
 * integer tricks; they must not change a bit). */
static void test_uniform_is_exact_map_of_words(void **state) {
    (void)state;
    enum { M = 4099 };
    static uint64_t w[M];
    static double u[M];
    sw_rng a, b;
    sw_rng_init(&a, &key, 17);
    sw_rng_init(&b, &key, 17);
    sw_rng_fill_u64(&a, w, M);
    sw_rng_fill_uniform(&b, u, M);
    for (size_t i = 0; i < M; i++) assert_true(u[i] == ((double)(w[i] >> 11) + 0.5) * 0x1.0p-53);
}

/* The exponential ziggurat: the empirical CDF 1 - e^{-t} at points across the body, the layer edges and the tail
 * (which starts at 7.697), within 4 SE of a proportion. */
static void test_exponential_cdf(void **state) {
    (void)state;
    double *x = draws(sw_rng_fill_exponential, 18);
    static const double points[] = {0.01, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 7.6, 7.8, 9.0, 11.0};
    for (size_t i = 0; i < N; i++) assert_true(x[i] > 0.0 && isfinite(x[i]));
    for (size_t j = 0; j < sizeof points / sizeof points[0]; j++) {
        size_t below = 0;
        for (size_t i = 0; i < N; i++) below += x[i] <= points[j];
        double p = -expm1(-points[j]), f = (double)below / N;
        assert_true(fabs(f - p) <= 4 * sqrt(p * (1 - p) / N) + 1.0 / N);
    }
    free(x);
}

/* Gumbels are -log of the same stream's exponentials, with a vectorised logarithm good to a few ulps over the
 * whole range the exponentials cover (1e-17 ... 40), and their CDF is exp(-e^{-t}). */
static void test_gumbel_is_minus_log_exponential(void **state) {
    (void)state;
    double *e = draws(sw_rng_fill_exponential, 19), *g = draws(sw_rng_fill_gumbel, 19);
    for (size_t i = 0; i < N; i++) {
        double want = -log(e[i]);
        assert_true(fabs(g[i] - want) <= 4.0 * 0x1.0p-52 * fmax(fabs(want), 1e-300));
    }
    static const double points[] = {-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0};
    for (size_t j = 0; j < sizeof points / sizeof points[0]; j++) {
        size_t below = 0;
        for (size_t i = 0; i < N; i++) below += g[i] <= points[j];
        double p = exp(-exp(-points[j])), f = (double)below / N;
        assert_true(fabs(f - p) <= 4 * sqrt(p * (1 - p) / N) + 1.0 / N);
    }
    free(e);
    free(g);
}

static void test_rademacher(void **state) {
    (void)state;
    double *x = draws(sw_rng_fill_rademacher, 14);
    for (size_t i = 0; i < N; i++) assert_true(x[i] == 1.0 || x[i] == -1.0);
    check_moments(x, N, 0.0, 1.0, 1.0 + 1e-12);
    free(x);
}

static void test_below_and_permutation(void **state) {
    (void)state;
    sw_rng r;
    sw_rng_init(&r, &key, 15);
    enum { K = 7 };
    size_t counts[K] = {0};
    for (int i = 0; i < N; i++) counts[sw_rng_below(&r, K)]++;
    for (int k = 0; k < K; k++) /* each count is binomial(N, 1/7) */
        assert_true(fabs((double)counts[k] - N / 7.0) <= 4 * sqrt(N * (1.0 / 7) * (6.0 / 7)));
    size_t p[50];
    sw_rng_permutation(&r, p, 50);
    int seen[50] = {0};
    for (int i = 0; i < 50; i++) seen[p[i]]++;
    for (int i = 0; i < 50; i++) assert_int_equal(seen[i], 1);
}

/* ---- vecmath: the vectorised exp, expm1, tanh, log, log1p and acos that the transforms and kernels use ---- */

/* Distance of y from the C library's value r in units in the last place of r (0 when both are NaN or equal). */
static double ulps_from(double y, double r) {
    if (y == r || (isnan(y) && isnan(r))) return 0.0;
    if (!isfinite(y) || !isfinite(r)) return HUGE_VAL;
    double ulp = nextafter(fabs(r), INFINITY) - fabs(r);
    return fabs(y - r) / (ulp > 0.0 ? ulp : 0x1p-1074);
}

/* Every function within 4 ulps of glibc over random arguments spanning its range (including underflow to
 * subnormals and overflow), in place and out of place, and equal to it on the special values. */
static void test_vecmath_against_libm(void **state) {
    (void)state;
    enum { M = 100000 };
    static double x[M], y[M], z[M];
    static const struct {
        void (*vec)(const double *, double *, size_t);
        double (*ref)(double);
        double lo, hi;
    } cases[] = {
        {sw_vexp, exp, -750.0, 712.0},    {sw_vexp, exp, -1.0, 1.0},       {sw_vexpm1, expm1, -70.0, 712.0},
        {sw_vexpm1, expm1, -1e-3, 1e-3}, {sw_vtanh, tanh, -25.0, 25.0},   {sw_vtanh, tanh, -1e-5, 1e-5},
        {sw_vlog, log, 0.0, 1e3},         {sw_vlog, log, 0.9, 1.1},        {sw_vlog1p, log1p, -0.999, 100.0},
        {sw_vlog1p, log1p, -1e-6, 1e-6},  {sw_vacos, acos, -1.0, 1.0},     {sw_vacos, acos, 0.999999, 1.0},
    };
    sw_rng r;
    sw_rng_init(&r, &key, 20);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sw_rng_fill_uniform(&r, x, M);
        for (size_t i = 0; i < M; i++) x[i] = cases[c].lo + (cases[c].hi - cases[c].lo) * x[i];
        cases[c].vec(x, y, M);
        memcpy(z, x, sizeof z);
        cases[c].vec(z, z, M);
        for (size_t i = 0; i < M; i++) {
            assert_true(ulps_from(y[i], cases[c].ref(x[i])) <= 4.0);
            assert_true(y[i] == z[i] || (isnan(y[i]) && isnan(z[i])));
        }
    }
    for (size_t i = 0; i < M; i++) x[i] = ldexp(1.0 + (double)i / M, -1030 - (int)(i % 40)); /* subnormal logs */
    sw_vlog(x, y, M);
    for (size_t i = 0; i < M; i++) assert_true(ulps_from(y[i], log(x[i])) <= 4.0);
    static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-310, -1e-310, 5e-324,
                                     709.78, 709.79, 710.0, -745.0, -746.0, 1e-300, -1.0, 1.0};
    enum { S = sizeof special / sizeof special[0] };
    double out[S];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c += 2) {
        cases[c].vec(special, out, S);
        for (size_t i = 0; i < S; i++) assert_true(ulps_from(out[i], cases[c].ref(special[i])) <= 2.0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_known_answers), cmocka_unit_test(test_stream_is_pure_function),
        cmocka_unit_test(test_bulk_equals_random123), cmocka_unit_test(test_streams_differ),
        cmocka_unit_test(test_uniform),              cmocka_unit_test(test_normal),
        cmocka_unit_test(test_normal_cdf),           cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_gumbel),               cmocka_unit_test(test_rademacher),
        cmocka_unit_test(test_below_and_permutation), cmocka_unit_test(test_every_engine_equals_random123),
        cmocka_unit_test(test_uniform_is_exact_map_of_words), cmocka_unit_test(test_exponential_cdf),
        cmocka_unit_test(test_gumbel_is_minus_log_exponential), cmocka_unit_test(test_vecmath_against_libm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
