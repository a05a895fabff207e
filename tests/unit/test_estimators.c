/* test_estimators.c: the variance-estimator kernels and the variance_bias experiment against science.md §6: the
 * exact table, the Gaussian closed forms, c₄(n), and Monte-Carlo means within 4 standard errors at table points and
 * at points that are not in the table (other n, σ², and E s for n = 2, where it is known for every distribution). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators.h"
#include "mpisweep/experiment.h"
#include "mpisweep/spec.h"

/* ---- running a task the way the runner does ---- */

enum { MAX_PARAMS = 16, MAX_OUTPUTS = 40 };

typedef struct task_run {
    const sw_experiment *e;
    sw_value param[MAX_PARAMS];
    double *out[MAX_OUTPUTS];
    void *work;
    char msg[256];
    sw_outcome outcome;
} task_run;

static task_run task_new(const char *name) {
    task_run r = {.e = sw_experiment_find(name)};
    if (!r.e) fail_msg("experiment %s is not registered", name);
    assert_true(r.e->n_params <= MAX_PARAMS && r.e->n_outputs <= MAX_OUTPUTS);
    sw_param_defaults(r.e, r.param);
    return r;
}

/* Sets an integer, real or choice parameter (choices by name, as a spec would). */
static void task_set(task_run *r, const char *name, double value, const char *choice) {
    int i = sw_param_index(r->e, name);
    if (i < 0) fail_msg("%s has no parameter %s", r->e->name, name);
    const sw_param *p = &r->e->params[i];
    if (p->type == SW_REAL) r->param[i].real = value;
    if (p->type == SW_INT) r->param[i].integer = (int64_t)value;
    if (p->type != SW_CHOICE) return;
    for (int64_t c = 0; p->choices[c]; c++)
        if (strcmp(p->choices[c], choice) == 0) {
            r->param[i].integer = c;
            return;
        }
    fail_msg("parameter %s has no choice %s", name, choice);
}

/* Runs the task with random key `key`: check(), an aligned workspace, NaN-filled outputs; then asserts the outcome
 * is ok and every element of every output was written with a finite value. */
static void task_exec_key(task_run *r, const sw_rng_key *key) {
    if (r->e->check) assert_true(r->e->check(r->param, r->msg, sizeof r->msg));
    size_t bytes = r->e->workspace_bytes ? r->e->workspace_bytes(r->param) : 0;
    r->work = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    assert_non_null(r->work);
    for (size_t o = 0; o < r->e->n_outputs; o++) {
        size_t n = sw_output_count(r->e, &r->e->outputs[o], r->param);
        r->out[o] = malloc(n * sizeof(double));
        assert_non_null(r->out[o]);
        for (size_t j = 0; j < n; j++) r->out[o][j] = NAN;
    }
    sw_task t = {
        .param = r->param, .key = *key, .work = r->work, .out = r->out, .msg = r->msg, .msg_size = sizeof r->msg};
    r->outcome = r->e->run(&t);
    if (r->outcome != SW_TASK_OK) fail_msg("%s failed: %s", r->e->name, r->msg);
    for (size_t o = 0; o < r->e->n_outputs; o++)
        for (size_t j = 0; j < sw_output_count(r->e, &r->e->outputs[o], r->param); j++)
            if (!isfinite(r->out[o][j]))
                fail_msg("%s: output %s is %g", r->e->name, r->e->outputs[o].name, r->out[o][j]);
}

/* The same with the key from seed and the parameter hash, as a sweep's task 0 would have. */
static void task_exec(task_run *r, uint64_t seed) {
    sw_rng_key key = {.seed = seed};
    sw_param_hash(r->e, r->param, key.hash);
    task_exec_key(r, &key);
}

static double task_out(const task_run *r, const char *name) {
    int i = sw_output_index(r->e, name);
    if (i < 0) fail_msg("%s has no output %s", r->e->name, name);
    return r->out[i][0];
}

static void task_free(task_run *r) {
    for (size_t o = 0; o < r->e->n_outputs; o++) free(r->out[o]);
    free(r->work);
}

static void assert_rel(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol * fabs(want))) {
        double rel = fabs(got - want) / fabs(want);
        fail_msg("%s: got %.15g, want %.15g (relative error %.3g > %.3g)", what, got, want, rel, tol);
    }
}

static void assert_abs(double got, double want, double tol, const char *what) {
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.15g, want %.15g (|diff| %.3g > %.3g)", what, got, want, fabs(got - want), tol);
}

static void assert_within_se(double got, double want, double se, double z, const char *what) {
    if (!(se > 0.0) || !(fabs(got - want) <= z * se))
        fail_msg("%s: got %.10g, want %.10g, se %.3g (z = %.2f > %.1f)", what, got, want, se, fabs(got - want) / se, z);
}

/* ---- exact values ---- */

static void test_exact_table(void **state) {
    (void)state;
    /* science.md §6.3 with σ² = 1: dist, n, E σ̂²_n, MSE_n, MSE_{n−1}, MSE_{n+1}, printed to 4–5 digits. */
    static const struct {
        sw_var_dist dist;
        size_t n;
        double mean, mse_n, mse_n1, mse_np1;
    } table[] = {
        {SW_VAR_GAUSS, 2, 0.5, 0.75, 2, 0.6667},           {SW_VAR_GAUSS, 3, 0.6667, 0.5556, 1, 0.5},
        {SW_VAR_GAUSS, 5, 0.8, 0.36, 0.5, 0.3333},         {SW_VAR_GAUSS, 10, 0.9, 0.19, 0.2222, 0.1818},
        {SW_VAR_GAUSS, 20, 0.95, 0.0975, 0.10526, 0.09524}, {SW_VAR_GAUSS, 100, 0.99, 0.0199, 0.0202, 0.0198},
        {SW_VAR_UNIFORM, 2, 0.5, 0.6, 1.4, 0.6},           {SW_VAR_UNIFORM, 5, 0.8, 0.2064, 0.26, 0.22667},
        {SW_VAR_UNIFORM, 10, 0.9, 0.0928, 0.10222, 0.10149}, {SW_VAR_EXPONENTIAL, 2, 0.5, 1.5, 5, 1.0},
        {SW_VAR_EXPONENTIAL, 5, 0.8, 1.128, 1.7, 0.86667}, {SW_VAR_EXPONENTIAL, 10, 0.9, 0.676, 0.82222, 0.58347},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        sw_var_exact e;
        sw_var_exact_values(table[i].n, table[i].dist, 1.0, &e);
        /* Every entry is printed to at least 4 decimals: half a unit of the 4th. */
        assert_abs(e.mean[SW_VAR_BIASED], table[i].mean, 5.1e-5, "E SS/n (science.md table)");
        assert_abs(e.mse[SW_VAR_BIASED], table[i].mse_n, 5.1e-5, "MSE_n (science.md table)");
        assert_abs(e.mse[SW_VAR_UNBIASED], table[i].mse_n1, 5.1e-5, "MSE_{n-1} (science.md table)");
        assert_abs(e.mse[SW_VAR_MINMSE], table[i].mse_np1, 5.1e-5, "MSE_{n+1} (science.md table)");
    }
}

static void test_gauss_closed_forms(void **state) {
    (void)state;
    /* MSE_n = (2n−1)σ⁴/n², MSE_{n−1} = 2σ⁴/(n−1), MSE_{n+1} = 2σ⁴/(n+1), the minimum; c* = n + 1. */
    static const double sigma2s[] = {1.0, 0.3, 7.5};
    for (size_t n = 2; n <= 200; n += (n < 12 ? 1 : 17))
        for (int s = 0; s < 3; s++) {
            double nn = (double)n, s2 = sigma2s[s], s4 = s2 * s2;
            sw_var_exact e;
            sw_var_exact_values(n, SW_VAR_GAUSS, s2, &e);
            assert_rel(e.mean[SW_VAR_BIASED], (nn - 1) / nn * s2, 1e-14, "E SS/n");
            assert_rel(e.mean[SW_VAR_UNBIASED], s2, 1e-14, "E SS/(n-1)");
            assert_rel(e.mean[SW_VAR_MINMSE], (nn - 1) / (nn + 1) * s2, 1e-14, "E SS/(n+1)");
            assert_rel(e.mse[SW_VAR_BIASED], (2 * nn - 1) / (nn * nn) * s4, 1e-13, "Gaussian MSE_n");
            assert_rel(e.mse[SW_VAR_UNBIASED], 2 / (nn - 1) * s4, 1e-13, "Gaussian MSE_{n-1}");
            assert_rel(e.mse[SW_VAR_MINMSE], 2 / (nn + 1) * s4, 1e-13, "Gaussian MSE_{n+1}");
            assert_rel(e.best_divisor, nn + 1, 1e-13, "Gaussian best divisor n + 1");
            assert_true(e.mse[SW_VAR_MINMSE] < e.mse[SW_VAR_BIASED] && e.mse[SW_VAR_BIASED] < e.mse[SW_VAR_UNBIASED]);
        }
    /* Uniform data: the best divisor is close to n (science.md §6.1). */
    sw_var_exact e;
    sw_var_exact_values(10, SW_VAR_UNIFORM, 1.0, &e);
    assert_abs(e.best_divisor, 10.0, 0.25, "uniform best divisor ~ n");
}

static void test_c4(void **state) {
    (void)state;
    /* Closed forms for small n, the brief's values, and the asymptotic series for large n. */
    assert_rel(sw_c4(2), sqrt(2.0 / M_PI), 1e-14, "c4(2) = sqrt(2/pi)");
    assert_rel(sw_c4(3), sqrt(M_PI) / 2, 1e-14, "c4(3) = sqrt(pi)/2");
    assert_rel(sw_c4(4), sqrt(2.0 / 3.0) * 2 / sqrt(M_PI), 1e-14, "c4(4)");
    assert_rel(sw_c4(5), 0.75 * sqrt(M_PI) / sqrt(2.0), 1e-14, "c4(5)");
    static const size_t n_brief[] = {2, 5, 10, 100};
    static const double c4_brief[] = {0.797885, 0.939986, 0.972659, 0.997478};
    for (int i = 0; i < 4; i++) assert_abs(sw_c4(n_brief[i]), c4_brief[i], 6e-7, "c4 (science.md 6.2)");
    static const double big[] = {1e4, 1e6};
    for (int i = 0; i < 2; i++) {
        double n = big[i], series = 1 - 1 / (4 * n) - 7 / (32 * n * n) - 19 / (128 * n * n * n);
        assert_rel(sw_c4((size_t)n), series, 1e-14, "c4 asymptotic series");
    }
    /* The recursion c4(n+2) = c4(n) sqrt((n−1)/(n+1)) · n/(n−1), from Γ(x+1) = xΓ(x). */
    for (size_t n = 2; n < 60; n++) {
        double nn = (double)n;
        assert_rel(sw_c4(n + 2), sw_c4(n) * sqrt((nn - 1) / (nn + 1)) * nn / (nn - 1), 1e-13, "c4 recursion");
    }
}

/* ---- Monte Carlo through the kernels ---- */

/* R replicates of n draws; the means of the three estimators against (n−1)σ²/c with SE sqrt(Var/R) from the exact
 * variance (science.md's rule), their MSEs with the sample SE, and E s where it is known. */
static void check_monte_carlo(sw_var_dist dist, size_t n, double sigma2, double sd_exact, uint64_t seed) {
    enum { R = 200000 };
    double *x = malloc(R * n * sizeof *x);
    assert_non_null(x);
    sw_rng_key key = {.seed = seed, .hash = {6747, n}};
    sw_rng rng;
    sw_rng_init(&rng, &key, 0);
    if (dist == SW_VAR_GAUSS) sw_rng_fill_normal(&rng, x, R * n);
    if (dist == SW_VAR_UNIFORM) sw_rng_fill_uniform(&rng, x, R * n);
    if (dist == SW_VAR_EXPONENTIAL) sw_rng_fill_exponential(&rng, x, R * n);
    sw_var_scale(dist, sigma2, x, R * n);
    sw_var_acc acc;
    sw_var_acc_reset(&acc);
    sw_var_batch(n, x, R, sigma2, &acc);
    sw_var_exact e;
    sw_var_exact_values(n, dist, sigma2, &e);
    for (int c = 0; c < SW_VAR_DIVISORS; c++) {
        double shrink = ((double)n - 1) / sw_var_divisor(n, c), se = shrink * sqrt(e.var_unbiased / R);
        assert_within_se(acc.estimate[c].mean, e.mean[c], se, 4, "estimator mean");
        assert_within_se(acc.sq_error[c].mean, e.mse[c], sw_moments_se(&acc.sq_error[c]), 4, "estimator MSE");
    }
    if (sd_exact > 0) assert_within_se(acc.sd.mean, sd_exact, sw_moments_se(&acc.sd), 4, "E s");
    free(x);
}

static void test_monte_carlo(void **state) {
    (void)state;
    /* Table points, */
    check_monte_carlo(SW_VAR_GAUSS, 2, 1.0, sqrt(2.0 / M_PI), 1);
    check_monte_carlo(SW_VAR_UNIFORM, 5, 1.0, 0, 2);
    check_monte_carlo(SW_VAR_EXPONENTIAL, 10, 1.0, 0, 3);
    /* and points that are not in it: other n and σ²; for n = 2, s = |x1 − x2|/√2 and E|x1 − x2| is 2√3σ/3 for the
     * uniform and σ for the exponential distribution. */
    check_monte_carlo(SW_VAR_GAUSS, 7, 2.5, sw_c4(7) * sqrt(2.5), 4);
    check_monte_carlo(SW_VAR_UNIFORM, 13, 0.4, 0, 5);
    check_monte_carlo(SW_VAR_EXPONENTIAL, 4, 3.0, 0, 6);
    check_monte_carlo(SW_VAR_UNIFORM, 2, 1.7, sqrt(6.0) / 3 * sqrt(1.7), 7);
    check_monte_carlo(SW_VAR_EXPONENTIAL, 2, 0.6, sqrt(0.6) / sqrt(2.0), 8);
}

/* ---- the experiment through the registry ---- */

static void test_registry(void **state) {
    (void)state;
    static const struct {
        const char *dist;
        double n, sigma2, mu4; /* μ₄/σ⁴ */
    } cases[] = {{"gauss", 5, 1.0, 3.0}, {"uniform", 3, 4.0, 1.8}, {"exponential", 6, 0.5, 9.0}};
    for (int i = 0; i < 3; i++) {
        task_run t = task_new("variance_bias");
        task_set(&t, "dist", 0, cases[i].dist);
        task_set(&t, "n", cases[i].n, NULL);
        task_set(&t, "sigma2", cases[i].sigma2, NULL);
        task_set(&t, "draws", 150000, NULL);
        task_exec(&t, 9);
        double n = cases[i].n, s2 = cases[i].sigma2, s4 = s2 * s2;
        double var_u = (cases[i].mu4 - (n - 3) / (n - 1)) * s4 / n; /* Var(s_u²) written out */
        static const char *const names[] = {"biased", "unbiased", "minmse"};
        const double divisor[] = {n, n - 1, n + 1};
        for (int c = 0; c < 3; c++) {
            char mean[32], mse[32], buf[48];
            snprintf(mean, sizeof mean, "mean_%s", names[c]);
            snprintf(mse, sizeof mse, "mse_%s", names[c]);
            double shrink = (n - 1) / divisor[c], want_mse = shrink * shrink * var_u + (shrink - 1) * (shrink - 1) * s4;
            snprintf(buf, sizeof buf, "%s_exact", mean);
            assert_rel(task_out(&t, buf), shrink * s2, 1e-14, buf);
            snprintf(buf, sizeof buf, "%s_se", mean);
            assert_within_se(task_out(&t, mean), shrink * s2, task_out(&t, buf), 4, mean);
            assert_rel(task_out(&t, buf), shrink * sqrt(var_u / 150000), 0.05, "SE of the mean ~ sqrt(Var/R)");
            snprintf(buf, sizeof buf, "%s_exact", mse);
            assert_rel(task_out(&t, buf), want_mse, 1e-13, buf);
            snprintf(buf, sizeof buf, "%s_se", mse);
            assert_within_se(task_out(&t, mse), want_mse, task_out(&t, buf), 4, mse);
        }
        assert_rel(task_out(&t, "mean_sd_exact"), sw_c4((size_t)n) * sqrt(s2), 1e-14, "mean_sd_exact = c4 sigma");
        if (i == 0)
            assert_within_se(task_out(&t, "mean_sd"), sw_c4(5), task_out(&t, "mean_sd_se"), 4, "Gaussian E s");
        assert_rel(task_out(&t, "best_divisor_exact"), (n - 1) * (1 + var_u / s4), 1e-13, "best divisor");
        task_free(&t);
    }
}

/* ---- the sweep specs ---- */

static sw_spec *load_spec(const char *path) {
    sw_spec *spec = NULL;
    sw_diag diag = {0};
    const char *paths[] = {path};
    if (sw_spec_load_files(paths, 1, NULL, &spec, &diag) != SW_OK) {
        sw_diag_print(&diag, stderr);
        sw_diag_clear(&diag);
        fail_msg("%s does not load", path);
    }
    return spec;
}

/* jobs/estimators.yaml loads and runs variance_bias; every task of jobs/tiny/estimators.yaml runs through the
 * registry with the parameters and key the spec layer gives it, as the runner would, and every x with x_se and
 * x_exact lies within 5 SE (5: ~30 checks) -- except mean_sd away from Gaussian data, whose reference c4 sigma is
 * the Gaussian one by design. */
static void test_jobs(void **state) {
    (void)state;
    sw_spec *full = load_spec(SW_JOBS_DIR "/estimators.yaml");
    for (size_t s = 0; s < full->n_sweeps; s++) assert_string_equal(full->sweeps[s].exp->name, "variance_bias");
    sw_spec_free(&full);
    sw_spec *tiny = load_spec(SW_JOBS_DIR "/tiny/estimators.yaml");
    for (size_t s = 0; s < tiny->n_sweeps; s++) {
        const sw_sweep *sw = &tiny->sweeps[s];
        for (uint64_t i = 0; i < sw->n_tasks; i++) {
            task_run r = task_new(sw->exp->name);
            uint64_t replicate;
            sw_rng_key key;
            sw_sweep_task(sw, i, r.param, &replicate);
            sw_sweep_task_key(sw, r.param, replicate, &key);
            task_exec_key(&r, &key);
            bool gauss = r.param[sw_param_index(r.e, "dist")].integer == SW_VAR_GAUSS;
            for (size_t o = 0; o < r.e->n_outputs; o++) {
                char se[96], exact[96];
                snprintf(se, sizeof se, "%s_se", r.e->outputs[o].name);
                snprintf(exact, sizeof exact, "%s_exact", r.e->outputs[o].name);
                if (sw_output_index(r.e, se) < 0 || sw_output_index(r.e, exact) < 0) continue;
                if (!gauss && strcmp(r.e->outputs[o].name, "mean_sd") == 0) continue;
                assert_within_se(r.out[o][0], task_out(&r, exact), task_out(&r, se), 5, r.e->outputs[o].name);
            }
            task_free(&r);
        }
    }
    sw_spec_free(&tiny);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_table),
        cmocka_unit_test(test_gauss_closed_forms),
        cmocka_unit_test(test_c4),
        cmocka_unit_test(test_monte_carlo),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
