/* test_rng.c: Random123 known-answer vectors, stream independence, and distribution checks of each transform. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpisweep/rng.h"

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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_known_answers), cmocka_unit_test(test_stream_is_pure_function),
        cmocka_unit_test(test_bulk_equals_random123), cmocka_unit_test(test_streams_differ),
        cmocka_unit_test(test_uniform),              cmocka_unit_test(test_normal),
        cmocka_unit_test(test_normal_cdf),           cmocka_unit_test(test_exponential),
        cmocka_unit_test(test_gumbel),               cmocka_unit_test(test_rademacher),
        cmocka_unit_test(test_below_and_permutation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
