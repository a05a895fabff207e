/* A compiled declared program for tests/mpi/test_programs.sh: a random walk of `steps` steps, seeded by the task
 * seed (argv[2]). Prints {"final": x, "path": [...]} on stdout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    if (argc != 4) return fprintf(stderr, "usage: walk STEPS SEED DRIFT\n"), 2;
    int steps = atoi(argv[1]);
    uint64_t state = strtoull(argv[2], NULL, 10);
    double drift = atof(argv[3]), x = 0;
    nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL); /* some work: the test kills the run midway */
    printf("{\"path\": [");
    for (int i = 0; i < steps; i++) {
        x += drift + ((double)(splitmix(&state) >> 11) * 0x1.0p-53 - 0.5);
        printf("%s%.17g", i ? ", " : "", x);
    }
    printf("], \"final\": %.17g}\n", x);
    return 0;
}
