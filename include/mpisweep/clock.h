/* clock.h: the two clocks of mpisweep. Task and loop timings use the monotonic clock (sw_now); deadlines are
 * calendar times and use the wall clock (sw_wall_now). */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

/* Seconds on the monotonic clock (arbitrary origin). Not collective; thread-safe. */
double sw_now(void);
/* Seconds since the UNIX epoch (CLOCK_REALTIME). Not collective; thread-safe. */
double sw_wall_now(void);

#endif
