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

/* ---- the bulk path: SW_LANES independent Philox blocks per step ----
 * One block is a chain of ten dependent rounds, so a single stream leaves most of the core idle. Blocks with
 * consecutive counters are independent: computing several at once lets the multipliers overlap. This is
 * Philox4x64-10 exactly as Random123 defines it (Salmon et al., SC'11); test_rng checks it against Random123. */
enum { SW_LANES = 8 };
#define PHILOX_M0 0xD2E7470EE14C6C93ULL
#define PHILOX_M1 0xCA5A826395121157ULL
#define PHILOX_W0 0x9E3779B97F4A7C15ULL
#define PHILOX_W1 0xBB67AE8584CAA73BULL

static inline void mulhilo(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    unsigned __int128 p = (unsigned __int128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
}

/* Writes SW_LANES consecutive blocks (4 * SW_LANES words) starting at the stream's counter, and advances it. */
static void blocks_interleaved(sw_rng *r, uint64_t *out) {
    uint64_t x0[SW_LANES], x1[SW_LANES], x2[SW_LANES], x3[SW_LANES];
    for (int l = 0; l < SW_LANES; l++) {
        /* The block counter wraps within its word: carrying would step into the next replicate's stream. */
        x0[l] = r->ctr[0] + (uint64_t)l;
        x1[l] = r->ctr[1];
        x2[l] = r->ctr[2];
        x3[l] = r->ctr[3];
    }
    uint64_t k0 = r->key[0], k1 = r->key[1];
    for (int round = 0; round < 10; round++) {
        for (int l = 0; l < SW_LANES; l++) {
            uint64_t hi0, lo0, hi1, lo1;
            mulhilo(PHILOX_M0, x0[l], &hi0, &lo0);
            mulhilo(PHILOX_M1, x2[l], &hi1, &lo1);
            uint64_t n0 = hi1 ^ x1[l] ^ k0, n2 = hi0 ^ x3[l] ^ k1;
            x0[l] = n0;
            x1[l] = lo1;
            x2[l] = n2;
            x3[l] = lo0;
        }
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    for (int l = 0; l < SW_LANES; l++) {
        out[4 * l] = x0[l];
        out[4 * l + 1] = x1[l];
        out[4 * l + 2] = x2[l];
        out[4 * l + 3] = x3[l];
    }
    r->ctr[0] += SW_LANES;
}

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
    for (; i + 4 * SW_LANES <= n; i += 4 * SW_LANES) blocks_interleaved(r, x + i);
    for (; i + 4 <= n; i += 4) next_block(r, x + i);
    while (i < n) x[i++] = sw_rng_u64(r);
}

void sw_rng_fill_uniform(sw_rng *r, double *x, size_t n) {
    /* Draw the raw words into the output array itself, then convert in place (same size, 8 bytes). */
    uint64_t *w = (uint64_t *)(void *)x;
    sw_rng_fill_u64(r, w, n);
    for (size_t i = 0; i < n; i++) x[i] = u01(w[i]);
}

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
static double normal_slow(sw_rng *r, uint64_t w) {
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

void sw_rng_fill_normal(sw_rng *r, double *x, size_t n) {
    /* Draw n words in bulk into x itself, accept the fast cases in place, redo the few that missed. */
    uint64_t *w = (uint64_t *)(void *)x;
    sw_rng_fill_u64(r, w, n);
    for (size_t k = 0; k < n; k++) {
        uint64_t word = w[k];
        unsigned i = (unsigned)(word & 0xff);
        double u = 2.0 * ((double)(word >> 11) * 0x1.0p-53) - 1.0;
        x[k] = fabs(u) < zig_ratio[i] ? u * zig_x[i] : normal_slow(r, word);
    }
}

double sw_rng_normal(sw_rng *r) {
    double z;
    sw_rng_fill_normal(r, &z, 1);
    return z;
}

void sw_rng_fill_exponential(sw_rng *r, double *x, size_t n) {
    sw_rng_fill_uniform(r, x, n);
    for (size_t i = 0; i < n; i++) x[i] = -log(x[i]);
}

void sw_rng_fill_gumbel(sw_rng *r, double *x, size_t n) {
    sw_rng_fill_uniform(r, x, n);
    for (size_t i = 0; i < n; i++) x[i] = -log(-log(x[i]));
}

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
