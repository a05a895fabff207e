/* rng.h: counter-based random streams (Random123 Philox4x64-10).
 *
 * Every number a task draws is a pure function of (sweep seed, the task's parameter hash, replicate, stream id,
 * position). Nothing depends on the rank, the chunking or earlier tasks, which is what makes results bit-identical
 * on any number of ranks and after a resume. An experiment names its streams (data, noise, permutation, ...) with
 * small integer ids fixed in its source, so adding a new consumer never shifts an existing one.
 *
 * Layout: Philox key = {seed, hash_lo}; counter = {block, replicate, stream, hash_hi}. Each block gives four
 * 64-bit words. A stream holds 2^64 blocks.
 *
 * Bulk fill functions are the fast path: kernels draw arrays, never one number through a function pointer.
 * None of these functions allocate, fail or are collective.
 */
#ifndef SW_RNG_H
#define SW_RNG_H

#include <stddef.h>
#include <stdint.h>

/* The identity of a task's randomness. */
typedef struct sw_rng_key {
    uint64_t seed;          /* the sweep's seed */
    uint64_t hash[2];       /* canonical 128-bit hash of the task's parameter values (sw_param_hash) */
    uint64_t replicate;     /* 0-based replicate index */
} sw_rng_key;

/* One stream; plain data, may live on the stack. */
typedef struct sw_rng {
    uint64_t key[2];
    uint64_t ctr[4];
    uint64_t buf[4];
    unsigned avail;         /* words of buf not yet used */
} sw_rng;

/* Positions r at the start of stream `stream` of the task identified by key. */
void sw_rng_init(sw_rng *r, const sw_rng_key *key, uint32_t stream);

/* Next raw 64-bit word. */
uint64_t sw_rng_u64(sw_rng *r);
/* Uniform double in the open interval (0, 1), 53 random bits (never 0, never 1). */
double sw_rng_uniform(sw_rng *r);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t sw_rng_below(sw_rng *r, uint64_t n);
/* Standard normal N(0, 1). */
double sw_rng_normal(sw_rng *r);

/* Bulk versions: fill x[0..n) with independent draws. */
void sw_rng_fill_u64(sw_rng *r, uint64_t *x, size_t n);
void sw_rng_fill_uniform(sw_rng *r, double *x, size_t n);     /* U(0, 1), open */
void sw_rng_fill_normal(sw_rng *r, double *x, size_t n);      /* N(0, 1) */
void sw_rng_fill_exponential(sw_rng *r, double *x, size_t n); /* Exp(1): mean 1 */
void sw_rng_fill_gumbel(sw_rng *r, double *x, size_t n);      /* standard Gumbel: -log(-log U) */
void sw_rng_fill_rademacher(sw_rng *r, double *x, size_t n);  /* +1 or -1 with probability 1/2 each */
/* Random permutation of 0..n-1 into p (Fisher-Yates). */
void sw_rng_permutation(sw_rng *r, size_t *p, size_t n);

/* The raw Philox4x64-10 block function, exposed for known-answer tests. */
void sw_philox4x64_10(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4]);

#endif
