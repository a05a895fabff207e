/* simrun.c: the simulated program (bench/sim): the real sw_run with the null store on every rank of
 * MPI_COMM_WORLD, built with smpicc and run under smpirun. Rank 0 prints one line of figures:
 *
 *   simrun SPEC.yaml [GROUP_SIZE]  ->  ranks=N group=G coordinators=C tasks=T makespan=S work=W efficiency=E
 *                                       busy=B tail=S msgs_per_s=M requests=R ...
 *
 * GROUP_SIZE: ranks per sub-coordinator (sw_run_options.group_size: 0 automatic, >= ranks none).
 * efficiency: the tasks' summed durations over (workers x makespan), workers = ranks - coordinators (a simulated
 * coordinator only coordinates); busy: 1 - rank 0's idle time / makespan. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mpisweep/run.h"
#include "mpisweep/store.h"
#include "simsleep.h"

/* The summed and the longest duration of every task of the spec (simsleep sweeps only; NaN otherwise). */
static double total_work(const char *path, double *longest) {
    sw_spec *spec = NULL;
    sw_diag diag = {0};
    const char *paths[] = {path};
    if (sw_spec_load_files(paths, 1, NULL, &spec, &diag) != SW_OK) {
        sw_diag_print(&diag, stderr);
        sw_diag_clear(&diag);
        return -1;
    }
    sw_diag_clear(&diag);
    double sum = 0;
    *longest = 0;
    sw_value param[16];
    for (size_t i = 0; i < spec->n_sweeps; i++)
        for (uint64_t t = 0; t < spec->sweeps[i].n_tasks; t++) {
            if (spec->sweeps[i].exp != &sw_exp_simsleep) {
                sum = *longest = NAN;
                break;
            }
            uint64_t replicate;
            sw_rng_key key;
            sw_sweep_task(&spec->sweeps[i], t, param, &replicate);
            sw_sweep_task_key(&spec->sweeps[i], param, replicate, &key);
            double d = sim_task_seconds(param, &key);
            sum += d;
            *longest = d > *longest ? d : *longest;
        }
    sw_spec_free(&spec);
    return sum;
}

int main(int argc, char **argv) {
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (argc != 2 && argc != 3) {
        if (rank == 0) fprintf(stderr, "usage: simrun SPEC.yaml [GROUP_SIZE]\n");
        MPI_Finalize();
        return 2;
    }
    const char *specs[] = {argv[1]};
    sw_run_config cfg = {.specs = specs, .n_specs = 1, .store = &sw_store_null, .output = "unused",
                         .mode = SW_STORE_OVERWRITE, .sched = {.grace = 30, .progress = SW_PROGRESS_NONE}};
    cfg.sched.group_size = argc == 3 ? atoi(argv[2]) : 0;
    sw_run_result r;
    sw_status s = sw_run(&cfg, MPI_COMM_WORLD, rank == 0 ? stderr : NULL, &r);
    if (s != SW_OK && (rank == r.error_rank || r.error_rank < 0))
        fprintf(stderr, "simrun: rank %d: %s\n", rank, sw_error_message());
    if (rank == 0 && s == SW_OK) {
        double longest, work = total_work(argv[1], &longest);
        int workers = size > r.coordinators ? size - r.coordinators : 1;
        printf("ranks=%d group=%d coordinators=%d tasks=%llu makespan=%.6f work=%.6f efficiency=%.4f busy=%.4f tail=%.6f msgs_per_s=%.0f "
               "requests=%llu longest_first=%llu longest_task=%.6f\n", size, r.group_size, r.coordinators,
               (unsigned long long)r.ran, r.seconds,
               work, work / (workers * r.seconds), 1 - r.idle_seconds / r.seconds, r.tail_seconds,
               (double)r.messages / r.seconds, (unsigned long long)r.requests, (unsigned long long)r.longest_first,
               longest);
    }
    MPI_Finalize();
    return s == SW_OK ? 0 : 1;
}
