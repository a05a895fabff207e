/* hash.c: two-lane 64-bit multiply-xorshift hashing (see hash.h for the canonical encoding). */
#include "mpisweep/hash.h"

#include <string.h>

static uint64_t mix64(uint64_t z) { /* splitmix64 finaliser: a bijection with full avalanche */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sw_hash_init(sw_hash *h) {
    h->a = 0x243f6a8885a308d3ULL; /* digits of pi: nothing up our sleeve */
    h->b = 0x13198a2e03707344ULL;
}

static void absorb(sw_hash *h, uint64_t w) {
    h->a = mix64(h->a ^ w) + 0x9e3779b97f4a7c15ULL;
    h->b = mix64(h->b + (w ^ 0xa4093822299f31d0ULL)) ^ (h->a >> 17);
}

void sw_hash_bytes(sw_hash *h, const void *data, size_t n) {
    const unsigned char *p = data;
    absorb(h, (uint64_t)n);
    while (n > 0) {
        uint64_t w = 0;
        size_t k = n < 8 ? n : 8;
        for (size_t i = 0; i < k; i++) w |= (uint64_t)p[i] << (8 * i); /* little-endian on every host */
        absorb(h, w);
        p += k;
        n -= k;
    }
}

void sw_hash_u64(sw_hash *h, uint64_t v) { absorb(h, v); }
void sw_hash_i64(sw_hash *h, int64_t v) { absorb(h, (uint64_t)v); }

void sw_hash_double(sw_hash *h, double v) {
    if (v == 0.0) v = 0.0; /* fold -0.0 */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    absorb(h, bits);
}

void sw_hash_str(sw_hash *h, const char *s) { sw_hash_bytes(h, s, strlen(s)); }

void sw_hash_final(const sw_hash *h, uint64_t out[2]) {
    out[0] = mix64(h->a ^ (h->b >> 1));
    out[1] = mix64(h->b + 0x082efa98ec4e6c89ULL);
}
