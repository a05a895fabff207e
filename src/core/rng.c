/* rng.c: Philox4x64-10 streams and their transforms. */
#include "mpisweep/rng.h"

#include <math.h>
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
    for (; i + 4 <= n; i += 4) next_block(r, x + i);
    while (i < n) x[i++] = sw_rng_u64(r);
}

void sw_rng_fill_uniform(sw_rng *r, double *x, size_t n) {
    /* Draw the raw words into the output array itself, then convert in place (same size, 8 bytes). */
    uint64_t *w = (uint64_t *)(void *)x;
    sw_rng_fill_u64(r, w, n);
    for (size_t i = 0; i < n; i++) x[i] = u01(w[i]);
}

/* Box-Muller on pairs of uniforms: exact, branch-free, and each pair uses two words. */
static inline void box_muller(double u1, double u2, double *z1, double *z2) {
    double radius = sqrt(-2.0 * log(u1));
    double angle = 2.0 * M_PI * u2;
    *z1 = radius * cos(angle);
    *z2 = radius * sin(angle);
}

void sw_rng_fill_normal(sw_rng *r, double *x, size_t n) {
    sw_rng_fill_uniform(r, x, n);
    size_t i = 0;
    for (; i + 2 <= n; i += 2) box_muller(x[i], x[i + 1], &x[i], &x[i + 1]);
    if (i < n) {
        double spare;
        box_muller(x[i], sw_rng_uniform(r), &x[i], &spare);
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
