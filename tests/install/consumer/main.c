/* Uses the installed headers and core library as an experiment would: a random stream and the status table. */
#include <stdio.h>

#include "mpisweep/experiment.h"
#include "mpisweep/version.h"

int main(void) {
    sw_rng_key key = {0};
    sw_rng rng;
    sw_rng_init(&rng, &key, 0);
    double u = sw_rng_uniform(&rng);
    printf("mpisweep %s: u=%.17g status=%s\n", SW_VERSION, u, sw_status_name(SW_OK));
    return u > 0 && u < 1 ? 0 : 1;
}
