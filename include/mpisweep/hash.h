/* hash.h: canonical, platform-independent hashing of parameter values and spec content.
 *
 * A 128-bit hash built from two independently seeded 64-bit mixing lanes. It keys random streams and detects a
 * changed spec on resume; it is not cryptographic. Values are hashed by their meaning, not their spelling:
 * doubles by their IEEE bits with -0.0 folded to 0.0, integers as 64-bit two's complement, strings with their
 * length, all little-endian. None of these functions allocate, fail or are collective.
 */
#ifndef SW_HASH_H
#define SW_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct sw_hash {
    uint64_t a, b;
} sw_hash;

void sw_hash_init(sw_hash *h);
void sw_hash_bytes(sw_hash *h, const void *data, size_t n);
void sw_hash_u64(sw_hash *h, uint64_t v);
void sw_hash_i64(sw_hash *h, int64_t v);
void sw_hash_double(sw_hash *h, double v);
void sw_hash_str(sw_hash *h, const char *s);
/* Finalises into out[2] (out[0] low word). h may be updated further afterwards. */
void sw_hash_final(const sw_hash *h, uint64_t out[2]);

#endif
