/* simsleep.h: the simulation's experiment and its duration law (bench/sim). */
#ifndef SW_BENCH_SIMSLEEP_H
#define SW_BENCH_SIMSLEEP_H

#include "mpisweep/experiment.h"

extern const sw_experiment sw_exp_simsleep;
/* The duration of the task with these parameters and key, in seconds. */
double sim_task_seconds(const sw_value *param, const sw_rng_key *key);

#endif
