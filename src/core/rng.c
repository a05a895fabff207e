/* rng.c: Philox4x64-10 streams and their transforms. */
#include "mpisweep/rng.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <Random123/philox.h>

void sw_philox4x64_10(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4]) {
    philox4x64_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x64_key_t k = {{key[0], key[1]}};
    philox4x64_ctr_t r = philox4x64_R(10, c, k);
    memcpy(out, r.v, sizeof r.v);
}

void sw_rng_init(sw_rng *r, const sw_rng_key *key, uint32_t stream) {
    r->key[0] = key->seed;
    r->key[1] = key->hash[0];
    r->ctr[0] = 0;
    r->ctr[1] = key->replicate;
    r->ctr[2] = stream;
    r->ctr[3] = key->hash[1];
    r->avail = 0;
}

static inline void next_block(sw_rng *r, uint64_t out[4]) {
    sw_philox4x64_10(r->ctr, r->key, out);
    r->ctr[0]++;
}

/* ---- the bulk path: many Philox blocks per call ----
 * One block is a chain of ten dependent rounds. Blocks with consecutive counters are independent, so a bulk fill
 * computes them side by side: SIMD lanes where the CPU has them (each 64 x 64 -> 128-bit product from four
 * 32 x 32 -> 64-bit ones), otherwise one block after another, which lets an out-of-order core overlap consecutive
 * blocks by itself (interleaving many blocks by hand in general-purpose registers only made it spill). Every
 * engine computes Philox4x64-10 exactly as Random123 defines it (Salmon et al., SC'11) and writes the words in
 * block order, so the stream is the same on every CPU; test_rng checks each engine against Random123. The block
 * counter wraps within its word: carrying would step into the next replicate's stream. */
#define PHILOX_M0 0xD2E7470EE14C6C93ULL
#define PHILOX_M1 0xCA5A826395121157ULL
#define PHILOX_W0 0x9E3779B97F4A7C15ULL
#define PHILOX_W1 0xBB67AE8584CAA73BULL

/* Writes `blocks` consecutive blocks (4 words each) whose low counter words are first, first + 1, ... */
typedef void philox_engine(uint64_t first, const uint64_t ctr[4], const uint64_t key[2], uint64_t *out,
                           size_t blocks);

static inline void mulhilo(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    unsigned __int128 p = (unsigned __int128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
}

static void philox_scalar(uint64_t first, const uint64_t ctr[4], const uint64_t key[2], uint64_t *out,
                          size_t blocks) {
    for (size_t b = 0; b < blocks; b++) {
        uint64_t x0 = first + b, x1 = ctr[1], x2 = ctr[2], x3 = ctr[3], k0 = key[0], k1 = key[1];
        for (int round = 0; round < 10; round++) {
            uint64_t hi0, lo0, hi1, lo1;
            mulhilo(PHILOX_M0, x0, &hi0, &lo0);
            mulhilo(PHILOX_M1, x2, &hi1, &lo1);
            x0 = hi1 ^ x1 ^ k0;
            x2 = hi0 ^ x3 ^ k1;
            x1 = lo1;
            x3 = lo0;
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        out[4 * b] = x0, out[4 * b + 1] = x1, out[4 * b + 2] = x2, out[4 * b + 3] = x3;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SW_RNG_X86 1
#include <immintrin.h>

/* AVX2: two vectors of four blocks. hi and lo of a * m for a constant m = mh 2^32 + ml. */
__attribute__((target("avx2"))) static inline void mul_avx2(__m256i a, __m256i ml, __m256i mh, __m256i *hi,
                                                            __m256i *lo) {
    const __m256i low32 = _mm256_set1_epi64x(0xffffffff);
    __m256i ah = _mm256_srli_epi64(a, 32);
    __m256i ll = _mm256_mul_epu32(a, ml), lh = _mm256_mul_epu32(a, mh), hl = _mm256_mul_epu32(ah, ml);
    __m256i hh = _mm256_mul_epu32(ah, mh);
    __m256i mid = _mm256_add_epi64(_mm256_srli_epi64(ll, 32),
                                   _mm256_add_epi64(_mm256_and_si256(lh, low32), _mm256_and_si256(hl, low32)));
    *hi = _mm256_add_epi64(_mm256_add_epi64(hh, _mm256_srli_epi64(mid, 32)),
                           _mm256_add_epi64(_mm256_srli_epi64(lh, 32), _mm256_srli_epi64(hl, 32)));
    *lo = _mm256_or_si256(_mm256_slli_epi64(mid, 32), _mm256_and_si256(ll, low32));
}

/* Four blocks held word by word (x0 = word 0 of blocks 0..3, ...) stored in block order. */
__attribute__((target("avx2"))) static inline void store_avx2(__m256i x0, __m256i x1, __m256i x2, __m256i x3,
                                                              uint64_t *out) {
    __m256i a = _mm256_unpacklo_epi64(x0, x1), b = _mm256_unpackhi_epi64(x0, x1);
    __m256i c = _mm256_unpacklo_epi64(x2, x3), d = _mm256_unpackhi_epi64(x2, x3);
    _mm256_storeu_si256((__m256i *)(void *)out, _mm256_permute2x128_si256(a, c, 0x20));
    _mm256_storeu_si256((__m256i *)(void *)(out + 4), _mm256_permute2x128_si256(b, d, 0x20));
    _mm256_storeu_si256((__m256i *)(void *)(out + 8), _mm256_permute2x128_si256(a, c, 0x31));
    _mm256_storeu_si256((__m256i *)(void *)(out + 12), _mm256_permute2x128_si256(b, d, 0x31));
}

__attribute__((target("avx2"))) static void philox_avx2(uint64_t first, const uint64_t ctr[4],
                                                        const uint64_t key[2], uint64_t *out, size_t blocks) {
    const __m256i m0l = _mm256_set1_epi64x((long long)(PHILOX_M0 & 0xffffffff));
    const __m256i m0h = _mm256_set1_epi64x((long long)(PHILOX_M0 >> 32));
    const __m256i m1l = _mm256_set1_epi64x((long long)(PHILOX_M1 & 0xffffffff));
    const __m256i m1h = _mm256_set1_epi64x((long long)(PHILOX_M1 >> 32));
    const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
    size_t b = 0;
    for (; b + 8 <= blocks; b += 8) {
        __m256i x0 = _mm256_add_epi64(_mm256_set1_epi64x((long long)(first + b)), lane);
        __m256i y0 = _mm256_add_epi64(_mm256_set1_epi64x((long long)(first + b + 4)), lane);
        __m256i x1 = _mm256_set1_epi64x((long long)ctr[1]), x2 = _mm256_set1_epi64x((long long)ctr[2]);
        __m256i x3 = _mm256_set1_epi64x((long long)ctr[3]), y1 = x1, y2 = x2, y3 = x3;
        uint64_t k0 = key[0], k1 = key[1];
        for (int round = 0; round < 10; round++) {
            __m256i hx0, lx0, hx2, lx2, hy0, ly0, hy2, ly2;
            __m256i c0 = _mm256_set1_epi64x((long long)k0), c1 = _mm256_set1_epi64x((long long)k1);
            mul_avx2(x0, m0l, m0h, &hx0, &lx0);
            mul_avx2(x2, m1l, m1h, &hx2, &lx2);
            mul_avx2(y0, m0l, m0h, &hy0, &ly0);
            mul_avx2(y2, m1l, m1h, &hy2, &ly2);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hx2, x1), c0);
            x2 = _mm256_xor_si256(_mm256_xor_si256(hx0, x3), c1);
            x1 = lx2, x3 = lx0;
            y0 = _mm256_xor_si256(_mm256_xor_si256(hy2, y1), c0);
            y2 = _mm256_xor_si256(_mm256_xor_si256(hy0, y3), c1);
            y1 = ly2, y3 = ly0;
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        store_avx2(x0, x1, x2, x3, out + 4 * b);
        store_avx2(y0, y1, y2, y3, out + 4 * b + 16);
    }
    philox_scalar(first + b, ctr, key, out + 4 * b, blocks - b);
}

/* AVX-512 (F and DQ): two vectors of eight blocks; the low product by vpmullq. */
#define SW_AVX512 __attribute__((target("avx512f,avx512dq")))
SW_AVX512 static inline __m512i mulhi_avx512(__m512i a, __m512i ml, __m512i mh) {
    const __m512i low32 = _mm512_set1_epi64(0xffffffff);
    __m512i ah = _mm512_srli_epi64(a, 32);
    __m512i ll = _mm512_mul_epu32(a, ml), lh = _mm512_mul_epu32(a, mh), hl = _mm512_mul_epu32(ah, ml);
    __m512i hh = _mm512_mul_epu32(ah, mh);
    __m512i mid = _mm512_add_epi64(_mm512_srli_epi64(ll, 32),
                                   _mm512_add_epi64(_mm512_and_si512(lh, low32), _mm512_and_si512(hl, low32)));
    return _mm512_add_epi64(_mm512_add_epi64(hh, _mm512_srli_epi64(mid, 32)),
                            _mm512_add_epi64(_mm512_srli_epi64(lh, 32), _mm512_srli_epi64(hl, 32)));
}

SW_AVX512 static inline void store_avx512(__m512i x0, __m512i x1, __m512i x2, __m512i x3, uint64_t *out) {
    __m512i a = _mm512_unpacklo_epi64(x0, x1), b = _mm512_unpackhi_epi64(x0, x1);
    __m512i c = _mm512_unpacklo_epi64(x2, x3), d = _mm512_unpackhi_epi64(x2, x3);
    /* 128-bit lanes: a = [a0 a1 a2 a3] holds blocks (0,2,4,6) words 0-1, b blocks (1,3,5,7), c and d words 2-3 */
    __m512i ac_lo = _mm512_shuffle_i64x2(a, c, 0x44), ac_hi = _mm512_shuffle_i64x2(a, c, 0xEE);
    __m512i bd_lo = _mm512_shuffle_i64x2(b, d, 0x44), bd_hi = _mm512_shuffle_i64x2(b, d, 0xEE);
    _mm512_storeu_si512(out, _mm512_shuffle_i64x2(ac_lo, bd_lo, 0x88));
    _mm512_storeu_si512(out + 8, _mm512_shuffle_i64x2(ac_lo, bd_lo, 0xDD));
    _mm512_storeu_si512(out + 16, _mm512_shuffle_i64x2(ac_hi, bd_hi, 0x88));
    _mm512_storeu_si512(out + 24, _mm512_shuffle_i64x2(ac_hi, bd_hi, 0xDD));
}

SW_AVX512 static void philox_avx512(uint64_t first, const uint64_t ctr[4], const uint64_t key[2], uint64_t *out,
                                    size_t blocks) {
    const __m512i m0 = _mm512_set1_epi64((long long)PHILOX_M0), m1 = _mm512_set1_epi64((long long)PHILOX_M1);
    const __m512i m0l = _mm512_set1_epi64((long long)(PHILOX_M0 & 0xffffffff));
    const __m512i m0h = _mm512_set1_epi64((long long)(PHILOX_M0 >> 32));
    const __m512i m1l = _mm512_set1_epi64((long long)(PHILOX_M1 & 0xffffffff));
    const __m512i m1h = _mm512_set1_epi64((long long)(PHILOX_M1 >> 32));
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    size_t b = 0;
    for (; b + 16 <= blocks; b += 16) {
        __m512i x0 = _mm512_add_epi64(_mm512_set1_epi64((long long)(first + b)), lane);
        __m512i y0 = _mm512_add_epi64(_mm512_set1_epi64((long long)(first + b + 8)), lane);
        __m512i x1 = _mm512_set1_epi64((long long)ctr[1]), x2 = _mm512_set1_epi64((long long)ctr[2]);
        __m512i x3 = _mm512_set1_epi64((long long)ctr[3]), y1 = x1, y2 = x2, y3 = x3;
        uint64_t k0 = key[0], k1 = key[1];
        for (int round = 0; round < 10; round++) {
            __m512i c0 = _mm512_set1_epi64((long long)k0), c1 = _mm512_set1_epi64((long long)k1);
            __m512i hx0 = mulhi_avx512(x0, m0l, m0h), hx2 = mulhi_avx512(x2, m1l, m1h);
            __m512i hy0 = mulhi_avx512(y0, m0l, m0h), hy2 = mulhi_avx512(y2, m1l, m1h);
            __m512i lx0 = _mm512_mullo_epi64(x0, m0), lx2 = _mm512_mullo_epi64(x2, m1);
            __m512i ly0 = _mm512_mullo_epi64(y0, m0), ly2 = _mm512_mullo_epi64(y2, m1);
            x0 = _mm512_ternarylogic_epi64(hx2, x1, c0, 0x96); /* three-way xor */
            x2 = _mm512_ternarylogic_epi64(hx0, x3, c1, 0x96);
            x1 = lx2, x3 = lx0;
            y0 = _mm512_ternarylogic_epi64(hy2, y1, c0, 0x96);
            y2 = _mm512_ternarylogic_epi64(hy0, y3, c1, 0x96);
            y1 = ly2, y3 = ly0;
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        store_avx512(x0, x1, x2, x3, out + 4 * b);
        store_avx512(y0, y1, y2, y3, out + 4 * b + 32);
    }
    philox_avx2(first + b, ctr, key, out + 4 * b, blocks - b);
}
#endif

static philox_engine *philox_blocks = philox_scalar;

/* Test hook (declared in test_rng.c, not in rng.h): selects the bulk engine by name, "scalar", "avx2" or
 * "avx512"; "best" restores the choice made at start-up. Returns false, changing nothing, when this CPU or build
 * cannot run it. Not thread-safe: only for single-threaded tests. */
bool sw_rng_select_engine(const char *name);
bool sw_rng_select_engine(const char *name) {
    philox_engine *pick = NULL;
    if (strcmp(name, "scalar") == 0) pick = philox_scalar;
#ifdef SW_RNG_X86
    __builtin_cpu_init();
    bool avx2 = __builtin_cpu_supports("avx2");
    bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    if (strcmp(name, "avx2") == 0 && avx2) pick = philox_avx2;
    if (strcmp(name, "avx512") == 0 && avx512) pick = philox_avx512;
    if (strcmp(name, "best") == 0) pick = avx512 ? philox_avx512 : avx2 ? philox_avx2 : philox_scalar;
#else
    if (strcmp(name, "best") == 0) pick = philox_scalar;
#endif
    if (!pick) return false;
    philox_blocks = pick;
    return true;
}

__attribute__((constructor)) static void pick_engine(void) { (void)sw_rng_select_engine("best"); }

uint64_t sw_rng_u64(sw_rng *r) {
    if (r->avail == 0) {
        next_block(r, r->buf);
        r->avail = 4;
    }
    return r->buf[4 - r->avail--];
}

/* 53 random bits centred in their cell: the result lies in (0, 1), never on either end. */
static inline double u01(uint64_t w) { return ((double)(w >> 11) + 0.5) * 0x1.0p-53; }

double sw_rng_uniform(sw_rng *r) { return u01(sw_rng_u64(r)); }

uint64_t sw_rng_below(sw_rng *r, uint64_t n) {
    /* Lemire's nearly divisionless method: multiply-shift, rejecting the biased low region. */
    unsigned __int128 m = (unsigned __int128)sw_rng_u64(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (unsigned __int128)sw_rng_u64(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void sw_rng_fill_u64(sw_rng *r, uint64_t *x, size_t n) {
    size_t i = 0;
    while (i < n && r->avail > 0) x[i++] = sw_rng_u64(r);
    size_t blocks = (n - i) / 4;
    if (blocks > 0) {
        philox_blocks(r->ctr[0], r->ctr, r->key, x + i, blocks);
        r->ctr[0] += blocks;
        i += 4 * blocks;
    }
    while (i < n) x[i++] = sw_rng_u64(r);
}

/* Loops over whole arrays of words are compiled for the baseline ISA and for AVX2 and AVX-512 machines, chosen
 * at load time (GCC's target clones). Each element goes through the same IEEE operations in every version (C17
 * mode does not contract a*b + c into an FMA), so the numbers do not depend on the CPU. */
#if defined(SW_RNG_X86) && !defined(__clang__)
#define SW_SIMD_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define SW_SIMD_CLONES
#endif

static inline double from_bits(uint64_t b) {
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* (double)v for v < 2^53, exactly, with integer operations and two exact subtractions that vectorise on every
 * x86-64 level (SSE2 and AVX2 have no 64-bit integer to double conversion). */
static inline double exact_u53(uint64_t v) {
    double lo = from_bits((v & 0xffffffff) | 0x4330000000000000ULL) - 0x1p52; /* the low 32 bits */
    double hi = from_bits((v >> 32) | 0x4530000000000000ULL) - 0x1p84;        /* the high 21 bits, times 2^32 */
    return hi + lo;
}

/* ---- transforms over bulk words, chunk by chunk ----
 * A fill of n numbers uses the same n words, in the same order, as sw_rng_fill_u64 would write, and leaves r where
 * it leaves it; but each chunk of words is generated into a small buffer that stays in the L1 cache and transformed
 * straight into the output, so the words never make a round trip through the output array. A transform's slow path
 * draws from r, which is already past the n bulk words: its extra words come after them, in index order, exactly
 * as in a loop over the array of words. */
enum { FILL_CHUNK_BLOCKS = 64 }; /* 256 words, 2 KiB */

/* Transforms the m words w into x[0..m); draws any extra words from r. */
typedef void words_apply(sw_rng *r, const uint64_t *w, double *x, size_t m);

static void fill_chunked(sw_rng *r, double *x, size_t n, words_apply *apply) {
    uint64_t head[4] = {0}, tail[4] = {0}, w[4 * FILL_CHUNK_BLOCKS], ctr[4], key[2];
    size_t n_head = 0;
    while (n_head < n && r->avail > 0) head[n_head++] = sw_rng_u64(r);
    size_t blocks = (n - n_head) / 4, n_tail = n - n_head - 4 * blocks;
    memcpy(ctr, r->ctr, sizeof ctr);
    memcpy(key, r->key, sizeof key);
    r->ctr[0] += blocks;
    for (size_t t = 0; t < n_tail; t++) tail[t] = sw_rng_u64(r);
    apply(r, head, x, n_head);
    for (size_t b = 0; b < blocks; b += FILL_CHUNK_BLOCKS) {
        size_t nb = blocks - b < FILL_CHUNK_BLOCKS ? blocks - b : FILL_CHUNK_BLOCKS;
        philox_blocks(ctr[0] + b, ctr, key, w, nb);
        apply(r, w, x + n_head + 4 * b, 4 * nb);
    }
    apply(r, tail, x + n_head + 4 * blocks, n_tail);
}

SW_SIMD_CLONES static void words_to_uniform(const uint64_t *w, double *x, size_t m) {
    for (size_t i = 0; i < m; i++) x[i] = (exact_u53(w[i] >> 11) + 0.5) * 0x1.0p-53;
}

static void uniform_apply(sw_rng *r, const uint64_t *w, double *x, size_t m) {
    (void)r;
    words_to_uniform(w, x, m);
}

void sw_rng_fill_uniform(sw_rng *r, double *x, size_t n) { fill_chunked(r, x, n, uniform_apply); }

/* ---- normals: the ziggurat (Marsaglia and Tsang 2000) ----
 * 256 layers of equal area under exp(-x^2/2); a point in layer i is accepted at once when it falls inside the
 * layer's rectangle (about 99 % of draws, one 64-bit word each). Following Doornik (2005), the layer index and the
 * value come from disjoint bits of the word (bits 0-7 and 11-63), which the original method did not do.
 * The tables are built once, before main(), from the two defining constants. */
enum { ZIG_LAYERS = 256 };
#define ZIG_R 3.6541528853610088 /* start of the tail */
#define ZIG_V 0.00492867323399   /* area of each layer */
static double zig_x[ZIG_LAYERS + 1], zig_ratio[ZIG_LAYERS];

__attribute__((constructor)) static void zig_tables(void) {
    double f = exp(-0.5 * ZIG_R * ZIG_R);
    zig_x[0] = ZIG_V / f; /* the base layer: the rectangle under f(R) plus the tail, as one pseudo-rectangle */
    zig_x[1] = ZIG_R;
    zig_x[ZIG_LAYERS] = 0.0;
    for (int i = 2; i < ZIG_LAYERS; i++) {
        zig_x[i] = sqrt(-2.0 * log(ZIG_V / zig_x[i - 1] + f));
        f = exp(-0.5 * zig_x[i] * zig_x[i]);
    }
    for (int i = 0; i < ZIG_LAYERS; i++) zig_ratio[i] = zig_x[i + 1] / zig_x[i];
}

/* The tail beyond ZIG_R (Marsaglia 1964): exact, by rejection from a shifted exponential. */
static double normal_tail(sw_rng *r, bool negative) {
    double x, y;
    do {
        x = log(sw_rng_uniform(r)) / ZIG_R;
        y = log(sw_rng_uniform(r));
    } while (-2.0 * y < x * x);
    return negative ? x - ZIG_R : ZIG_R - x;
}

/* The slow path of one draw whose first word w missed the rectangles. */
__attribute__((noinline)) static double normal_slow(sw_rng *r, uint64_t w) {
    for (;;) {
        unsigned i = (unsigned)(w & 0xff);
        double u = 2.0 * ((double)(w >> 11) * 0x1.0p-53) - 1.0;
        if (fabs(u) < zig_ratio[i]) return u * zig_x[i];
        if (i == 0) return normal_tail(r, u < 0);
        double x = u * zig_x[i];
        double f0 = exp(-0.5 * (zig_x[i] * zig_x[i] - x * x)), f1 = exp(-0.5 * (zig_x[i + 1] * zig_x[i + 1] - x * x));
        if (f1 + sw_rng_uniform(r) * (f0 - f1) < 1.0) return x; /* inside the wedge under the density */
        w = sw_rng_u64(r);
    }
}

static void normal_apply(sw_rng *r, const uint64_t *w, double *x, size_t m) {
    /* The fast cases at once, the few that missed through the slow path. (A vectorised fast path with gathers
     * measured no faster than this loop, about 1 ns per draw; the Philox words dominate.) */
    for (size_t k = 0; k < m; k++) {
        unsigned i = (unsigned)(w[k] & 0xff);
        double u = 2.0 * ((double)(w[k] >> 11) * 0x1.0p-53) - 1.0;
        x[k] = __builtin_expect(fabs(u) < zig_ratio[i], 1) ? u * zig_x[i] : normal_slow(r, w[k]);
    }
}

void sw_rng_fill_normal(sw_rng *r, double *x, size_t n) { fill_chunked(r, x, n, normal_apply); }

double sw_rng_normal(sw_rng *r) {
    /* The same draw as a one-element fill, written out: GCC's -O3 flags the inlined bulk path as overflowing z. */
    uint64_t word = sw_rng_u64(r);
    unsigned i = (unsigned)(word & 0xff);
    double u = 2.0 * ((double)(word >> 11) * 0x1.0p-53) - 1.0;
    return fabs(u) < zig_ratio[i] ? u * zig_x[i] : normal_slow(r, word);
}

/* ---- exponentials: the ziggurat for e^{-x} (Marsaglia and Tsang 2000), built like the normal one ----
 * 256 layers of equal area V under e^{-x}, x >= 0; the base layer is the rectangle under e^{-R} plus the tail.
 * Layer index and value again come from disjoint bits of one word (0-7 and 11-63, the value centred in its cell
 * so that it is never 0); about 99 % of draws are accepted at once, one word each. */
#define EXP_R 7.69711747013104972  /* start of the tail */
#define EXP_V 3.949659822581572e-3 /* area of each layer: (R + 1) e^{-R} */
static double exp_x[ZIG_LAYERS + 1], exp_ratio[ZIG_LAYERS], exp_f[ZIG_LAYERS + 1];

__attribute__((constructor)) static void exp_tables(void) {
    double f = exp(-EXP_R);
    exp_x[0] = EXP_V / f;
    exp_x[1] = EXP_R;
    exp_x[ZIG_LAYERS] = 0.0;
    for (int i = 2; i < ZIG_LAYERS; i++) {
        exp_x[i] = -log(EXP_V / exp_x[i - 1] + f);
        f = exp(-exp_x[i]);
    }
    for (int i = 0; i < ZIG_LAYERS; i++) exp_ratio[i] = exp_x[i + 1] / exp_x[i];
    for (int i = 0; i <= ZIG_LAYERS; i++) exp_f[i] = exp(-exp_x[i]);
}

/* The slow path of one exponential draw whose first word w missed the rectangles. */
__attribute__((noinline)) static double exponential_slow(sw_rng *r, uint64_t w) {
    for (;;) {
        unsigned i = (unsigned)(w & 0xff);
        double u = ((double)(w >> 11) + 0.5) * 0x1.0p-53, x = u * exp_x[i];
        if (u < exp_ratio[i]) return x;
        if (i == 0) return EXP_R - log(sw_rng_uniform(r)); /* the tail: memoryless, R + Exp(1) */
        /* a point of the layer's box at height between e^{-x_i} and e^{-x_{i+1}}: under the density? */
        if (exp_f[i] + sw_rng_uniform(r) * (exp_f[i + 1] - exp_f[i]) < exp(-x)) return x;
        w = sw_rng_u64(r);
    }
}

static void exponential_apply(sw_rng *r, const uint64_t *w, double *x, size_t m) {
    for (size_t k = 0; k < m; k++) {
        unsigned i = (unsigned)(w[k] & 0xff);
        double u = ((double)(w[k] >> 11) + 0.5) * 0x1.0p-53;
        x[k] = __builtin_expect(u < exp_ratio[i], 1) ? u * exp_x[i] : exponential_slow(r, w[k]);
    }
}

void sw_rng_fill_exponential(sw_rng *r, double *x, size_t n) { fill_chunked(r, x, n, exponential_apply); }

/* ---- Gumbels: -log E for E ~ Exp(1), with a logarithm that vectorises ----
 * For x > 0 normal: x = 2^k m with m in [sqrt(1/2), sqrt(2)), and log m = 2 atanh(s), s = (m - 1)/(m + 1),
 * |s| <= 0.1716, by its Taylor series to s^23 (truncation below 1e-17 relative); k log 2 is added in two parts, the
 * first exact. About 1 ulp; the argument is never 0, negative, subnormal or infinite here. */
#define LN2_HI 0x1.62e42ff000000p-1  /* log 2 rounded to 29 bits: k LN2_HI is exact */
#define LN2_LO -0x1.718432a1b0e26p-35 /* log 2 - LN2_HI */
#define SQRT_HALF_BITS 0x3fe6a09e667f3bcdULL

static inline double log_positive(double x) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* the exponent of x / sqrt(1/2), rounded down, plus 1024, in the top bits (integer operations that SSE2 and
     * AVX2 vectorise, which have no 64-bit arithmetic shift or conversion) */
    uint64_t shifted = bits + (1024ULL << 52) - SQRT_HALF_BITS;
    double k = (from_bits(0x4330000000000000ULL | (shifted >> 52)) - 0x1p52) - 1024.0;
    double m = from_bits((shifted & 0x000fffffffffffffULL) + SQRT_HALF_BITS);
    double f = m - 1.0, s = f / (2.0 + f), z = s * s;
    double p = 1.0 / 23;
    static const double inv_odd[] = {1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11,
                                      1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
    for (int j = 0; j < 10; j++) p = inv_odd[j] + z * p;
    double two_s = 2.0 * s;
    return k * LN2_HI + (two_s + (two_s * z * p + k * LN2_LO));
}

SW_SIMD_CLONES static void negative_logs(double *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = -log_positive(x[i]);
}

static void gumbel_apply(sw_rng *r, const uint64_t *w, double *x, size_t m) {
    exponential_apply(r, w, x, m);
    negative_logs(x, m);
}

void sw_rng_fill_gumbel(sw_rng *r, double *x, size_t n) { fill_chunked(r, x, n, gumbel_apply); }

void sw_rng_fill_rademacher(sw_rng *r, double *x, size_t n) {
    for (size_t i = 0; i < n; i += 64) {
        uint64_t bits = sw_rng_u64(r);
        size_t k = n - i < 64 ? n - i : 64;
        for (size_t j = 0; j < k; j++) x[i + j] = ((bits >> j) & 1) ? 1.0 : -1.0;
    }
}

void sw_rng_permutation(sw_rng *r, size_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)sw_rng_below(r, i);
        size_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
}
