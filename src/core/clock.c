/* clock.c: monotonic and wall-clock seconds. */
#include "mpisweep/clock.h"

#include <time.h>

static double seconds(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double sw_now(void) { return seconds(CLOCK_MONOTONIC); }
double sw_wall_now(void) { return seconds(CLOCK_REALTIME); }
