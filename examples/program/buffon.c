/* Buffon's needle: drop `n` needles of length `len` on a floor with lines 1 apart; estimate pi from the crossings.
 * An mpisweep program experiment (examples/program/buffon.yaml): usage buffon N LEN SEED. Prints one JSON object. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;
static double uniform(void) { /* splitmix64 -> [0, 1) */
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

int main(int argc, char **argv) {
    if (argc != 4) return fprintf(stderr, "usage: buffon N LEN SEED\n"), 2;
    long n = atol(argv[1]);
    double len = atof(argv[2]);
    state = strtoull(argv[3], NULL, 10); /* mpisweep's {task_seed}: reproducible on any number of ranks */
    long hits = 0;
    for (long i = 0; i < n; i++) {
        double centre = uniform() * 0.5, angle = uniform() * M_PI / 2;
        hits += centre <= len / 2 * sin(angle);
    }
    double p = (double)hits / (double)n;
    if (hits == 0) return fprintf(stderr, "buffon: no needle crossed a line; use more needles\n"), 1;
    printf("{\"pi\": %.17g, \"p\": %.17g, \"p_se\": %.17g}\n", 2 * len / p, p, sqrt(p * (1 - p) / (double)n));
    return 0;
}
