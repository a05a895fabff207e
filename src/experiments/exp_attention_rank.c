/* exp_attention_rank.c: the low-rank bottleneck of attention (kexue.fm/archives/7325, science.md section 2).
 *
 * One task draws `draws` independent configurations and reports, as means with standard errors:
 *  - the numerical rank of the logits QK^T of one head with Q = X W_Q, K = X W_K (E1: min(n, d_model, k));
 *  - the numerical rank of a centred Gaussian target L* H and its best rank-k residual fraction (E2), next to the
 *    Marchenko-Pastur prediction and the exact representability criterion k >= n - 1;
 *  - the rank of head 1's logits after talking-heads mixing of h heads (E4: min(n, h k));
 *  - the entropy and effective rank of the attention matrix softmax(QK^T / sqrt(k)).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attention.h"
#include "mpisweep/experiment.h"
#include "stats.h"

enum { P_SEQ_LEN, P_KEY_SIZE, P_D_MODEL, P_HEADS, P_DRAWS, P_RANK_CUTOFF };
/* Streams: one per kind of random matrix, so that changing one part never shifts the draws of another. */
enum { STREAM_INPUT = 0, STREAM_WEIGHTS = 1, STREAM_TARGET = 2, STREAM_TALKING = 3 };

/* A task must fit in memory on a node; larger shapes are rejected by check() with a message. */
#define MAX_WORKSPACE_BYTES ((size_t)4 << 30)

static const sw_param params[] = {
    [P_SEQ_LEN] = {.name = "seq_len", .type = SW_INT, .min = 2, .max = 8192, .def = 64, .unit = "1",
                   .help = "sequence length n: the logit matrices are n x n"},
    [P_KEY_SIZE] = {.name = "key_size", .type = SW_INT, .min = 1, .max = 8192, .def = 16, .unit = "1",
                    .help = "key_size k: width of Q and K per head, and the rank allowed in the residual"},
    [P_D_MODEL] = {.name = "d_model", .type = SW_INT, .min = 1, .max = 8192, .def = 128, .unit = "1",
                   .help = "width d of the input X (n x d); W_Q, W_K are d x k with N(0, 1/d) entries"},
    [P_HEADS] = {.name = "heads", .type = SW_INT, .min = 1, .max = 256, .def = 4, .unit = "1",
                 .help = "number of heads h mixed by talking-heads attention"},
    [P_DRAWS] = {.name = "draws", .type = SW_INT, .min = 2, .max = 1e7, .def = 20, .unit = "1",
                 .help = "independent draws of all random matrices averaged in one task"},
    [P_RANK_CUTOFF] = {.name = "rank_cutoff", .type = SW_REAL, .min = 0, .max = 1, .min_open = true,
                       .max_open = true, .def = 1e-12, .unit = "1",
                       .help = "numerical rank counts singular values above rank_cutoff times the largest (rounding "
                               "leaves ~1e-16; square X, d_model = seq_len, can reach condition 1e9)"},
};

enum {
    O_LOGIT_RANK,
    O_LOGIT_RANK_SE,
    O_LOGIT_RANK_EXACT,
    O_TARGET_RANK,
    O_TARGET_RANK_SE,
    O_TARGET_RANK_EXACT,
    O_RESIDUAL,
    O_RESIDUAL_SE,
    O_RESIDUAL_MP,
    O_REPRESENTABLE,
    O_TALKING_RANK,
    O_TALKING_RANK_SE,
    O_TALKING_RANK_EXACT,
    O_ENTROPY,
    O_ENTROPY_SE,
    O_EFFECTIVE_RANK,
    O_EFFECTIVE_RANK_SE,
    O_COUNT
};

static const sw_output outputs[] = {
    [O_LOGIT_RANK] = {"logit_rank", "1", "mean numerical rank of one head's logits QK^T, Q = X W_Q, K = X W_K"},
    [O_LOGIT_RANK_SE] = {"logit_rank_se", "1", "standard error of logit_rank"},
    [O_LOGIT_RANK_EXACT] = {"logit_rank_exact", "1", "min(seq_len, d_model, key_size), the almost-sure rank"},
    [O_TARGET_RANK] = {"target_rank", "1", "mean numerical rank of the centred target L* H (L* iid N(0,1), n x n)"},
    [O_TARGET_RANK_SE] = {"target_rank_se", "1", "standard error of target_rank"},
    [O_TARGET_RANK_EXACT] = {"target_rank_exact", "1", "seq_len - 1, the almost-sure rank of L* H"},
    [O_RESIDUAL] = {"residual", "1",
                    "mean best rank-k residual fraction sum_{i>k} sigma_i^2 / sum_i sigma_i^2 of L* H (Eckart-Young)"},
    [O_RESIDUAL_SE] = {"residual_se", "1", "standard error of residual"},
    [O_RESIDUAL_MP] = {"residual_mp", "1",
                       "Marchenko-Pastur prediction of residual at alpha = key_size / (seq_len - 1) (large-n limit)"},
    [O_REPRESENTABLE] = {"representable", "1",
                         "1 when key_size >= seq_len - 1: every positive attention matrix is softmax(QK^T), else 0"},
    [O_TALKING_RANK] = {"talking_heads_rank", "1",
                        "mean numerical rank of head 1's mixed logits sum_j lambda_1j Q^(j) K^(j)T (Q, K iid n x k)"},
    [O_TALKING_RANK_SE] = {"talking_heads_rank_se", "1", "standard error of talking_heads_rank"},
    [O_TALKING_RANK_EXACT] = {"talking_heads_rank_exact", "1", "min(seq_len, heads * key_size), the generic rank"},
    [O_ENTROPY] = {"attention_entropy", "nat",
                   "mean row entropy of softmax(QK^T / sqrt(key_size)); log(seq_len) is uniform attention"},
    [O_ENTROPY_SE] = {"attention_entropy_se", "nat", "standard error of attention_entropy"},
    [O_EFFECTIVE_RANK] = {"attention_effective_rank", "1",
                          "mean effective rank exp(entropy of sigma_i / sum sigma) of softmax(QK^T / sqrt(key_size))"},
    [O_EFFECTIVE_RANK_SE] = {"attention_effective_rank_se", "1", "standard error of attention_effective_rank"},
};

/* Sizes of the workspace pieces, in elements. */
typedef struct shape {
    size_t n, k, d, h;
    size_t lwork;
} shape;

static shape shape_of(const sw_value *p) {
    shape s = {.n = (size_t)p[P_SEQ_LEN].integer, .k = (size_t)p[P_KEY_SIZE].integer,
               .d = (size_t)p[P_D_MODEL].integer, .h = (size_t)p[P_HEADS].integer};
    s.lwork = sw_attn_svd_lwork(s.n);
    return s;
}

/* Rounds a byte count up to the 64-byte alignment of every workspace piece. */
static size_t workspace_bytes(const sw_value *p) {
    shape s = shape_of(p);
    size_t doubles[] = {
        s.n * s.d,           /* X */
        s.d * 2 * s.k,       /* [W_Q W_K] */
        s.n * 2 * s.k,       /* [Q K] */
        s.n * s.n,           /* logits, then the attention matrix */
        s.n * s.n,           /* the matrix an SVD destroys */
        s.n * 2 * s.h * s.k, /* talking heads: all Q^(j), then all K^(j) */
        s.h,                 /* mixing weights lambda_1j */
        s.n,                 /* singular values */
        s.lwork,             /* dgesdd work */
    };
    size_t bytes = sw_work_bytes(8 * s.n * sizeof(int)); /* dgesdd iwork */
    for (size_t i = 0; i < SW_COUNT(doubles); i++) bytes += sw_work_bytes(doubles[i] * sizeof(double));
    return bytes;
}

static bool check(const sw_value *p, char *msg, size_t msg_size) {
    size_t bytes = workspace_bytes(p);
    if (bytes <= MAX_WORKSPACE_BYTES) return true;
    snprintf(msg, msg_size,
             "seq_len = %lld, key_size = %lld, d_model = %lld, heads = %lld need %.1f GiB of workspace per task; "
             "the limit is %.0f GiB",
             (long long)p[P_SEQ_LEN].integer, (long long)p[P_KEY_SIZE].integer, (long long)p[P_D_MODEL].integer,
             (long long)p[P_HEADS].integer, (double)bytes / (1 << 30), (double)MAX_WORKSPACE_BYTES / (1 << 30));
    return false;
}

/* The workspace carved into its pieces. */
typedef struct buffers {
    double *x, *w, *qk, *attn, *scratch, *talking, *lambda, *s, *work;
    int *iwork;
} buffers;

static buffers carve(void *work, const shape *s) {
    char *c = work;
    buffers b;
    b.iwork = sw_work_take(&c, 8 * s->n * sizeof(int));
    b.x = sw_work_take(&c, s->n * s->d * sizeof(double));
    b.w = sw_work_take(&c, s->d * 2 * s->k * sizeof(double));
    b.qk = sw_work_take(&c, s->n * 2 * s->k * sizeof(double));
    b.attn = sw_work_take(&c, s->n * s->n * sizeof(double));
    b.scratch = sw_work_take(&c, s->n * s->n * sizeof(double));
    b.talking = sw_work_take(&c, s->n * 2 * s->h * s->k * sizeof(double));
    b.lambda = sw_work_take(&c, s->h * sizeof(double));
    b.s = sw_work_take(&c, s->n * sizeof(double));
    b.work = sw_work_take(&c, s->lwork * sizeof(double));
    return b;
}

/* Per-draw quantities, accumulated into running moments. */
enum { M_LOGIT_RANK, M_TARGET_RANK, M_RESIDUAL, M_TALKING_RANK, M_ENTROPY, M_EFFECTIVE_RANK, M_COUNT };

typedef struct streams {
    sw_rng input, weights, target, talking;
} streams;

/* Singular values of the n x n matrix src (kept intact) into b->s, through b->scratch. */
static sw_status singular_values_of(const shape *s, const buffers *b, const double *src) {
    memcpy(b->scratch, src, s->n * s->n * sizeof(double));
    return sw_attn_singular_values(s->n, b->scratch, b->s, b->work, s->lwork, b->iwork);
}

/* One head's logits, their rank, and the entropy and effective rank of its attention matrix. */
static sw_status head_draw(const shape *s, const buffers *b, streams *r, double rank_cutoff, double *m) {
    sw_rng_fill_normal(&r->input, b->x, s->n * s->d);
    sw_rng_fill_normal(&r->weights, b->w, s->d * 2 * s->k);
    /* N(0, 1/d) weights give Q, K entries of variance ~1, so softmax(QK^T / sqrt(k)) is neither uniform nor
     * one-hot; ranks do not depend on this scale. */
    double w_scale = 1.0 / sqrt((double)s->d);
    for (size_t i = 0; i < s->d * 2 * s->k; i++) b->w[i] *= w_scale;
    sw_attn_head_logits(s->n, s->d, s->k, b->x, b->w, b->qk, b->attn);
    SW_TRY(singular_values_of(s, b, b->attn));
    m[M_LOGIT_RANK] = (double)sw_attn_numerical_rank(b->s, s->n, rank_cutoff);
    m[M_ENTROPY] = sw_attn_softmax_columns(s->n, b->attn, 1.0 / sqrt((double)s->k));
    SW_TRY(singular_values_of(s, b, b->attn));
    m[M_EFFECTIVE_RANK] = sw_attn_effective_rank(b->s, s->n);
    return SW_OK;
}

/* A Gaussian target, centred the way softmax sees it, its rank and its best rank-k residual. The buffer holds
 * the transpose of L*, which is again iid N(0,1), so centring its columns forms (L* H)^T. */
static sw_status target_draw(const shape *s, const buffers *b, streams *r, double rank_cutoff, double *m) {
    sw_rng_fill_normal(&r->target, b->scratch, s->n * s->n);
    double frob2 = sw_attn_centre_columns(s->n, b->scratch);
    SW_TRY(sw_attn_singular_values(s->n, b->scratch, b->s, b->work, s->lwork, b->iwork));
    m[M_TARGET_RANK] = (double)sw_attn_numerical_rank(b->s, s->n, rank_cutoff);
    m[M_RESIDUAL] = sw_attn_rank_k_residual(b->s, s->n, s->k, frob2);
    return SW_OK;
}

/* Head 1's logits mixed over h heads with iid N(0,1) Q^(j), K^(j) (n x k) and mixing weights. */
static sw_status talking_draw(const shape *s, const buffers *b, streams *r, double rank_cutoff, double *m) {
    size_t block = s->n * s->h * s->k;
    sw_rng_fill_normal(&r->talking, b->talking, 2 * block);
    sw_rng_fill_normal(&r->talking, b->lambda, s->h);
    sw_attn_talking_heads_logits(s->n, s->h, s->k, b->talking, b->talking + block, b->lambda, b->scratch);
    SW_TRY(sw_attn_singular_values(s->n, b->scratch, b->s, b->work, s->lwork, b->iwork));
    m[M_TALKING_RANK] = (double)sw_attn_numerical_rank(b->s, s->n, rank_cutoff);
    return SW_OK;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static void write_outputs(const sw_task *t, const shape *s, const sw_moments *mom) {
    static const int mean_slot[M_COUNT] = {
        [M_LOGIT_RANK] = O_LOGIT_RANK, [M_TARGET_RANK] = O_TARGET_RANK,     [M_RESIDUAL] = O_RESIDUAL,
        [M_TALKING_RANK] = O_TALKING_RANK, [M_ENTROPY] = O_ENTROPY, [M_EFFECTIVE_RANK] = O_EFFECTIVE_RANK,
    };
    for (int i = 0; i < M_COUNT; i++) {
        t->out[mean_slot[i]][0] = mom[i].mean;
        t->out[mean_slot[i] + 1][0] = sw_moments_se(&mom[i]); /* every _se output follows its mean */
    }
    t->out[O_LOGIT_RANK_EXACT][0] = (double)min_size(s->n, min_size(s->d, s->k));
    t->out[O_TARGET_RANK_EXACT][0] = (double)(s->n - 1);
    t->out[O_RESIDUAL_MP][0] = sw_attn_mp_residual((double)s->k / (double)(s->n - 1));
    t->out[O_REPRESENTABLE][0] = s->k + 1 >= s->n ? 1.0 : 0.0;
    t->out[O_TALKING_RANK_EXACT][0] = (double)min_size(s->n, s->h * s->k);
}

static sw_outcome run(const sw_task *t) {
    shape s = shape_of(t->param);
    buffers b = carve(t->work, &s);
    double rank_cutoff = t->param[P_RANK_CUTOFF].real;
    streams r;
    sw_rng_init(&r.input, &t->key, STREAM_INPUT);
    sw_rng_init(&r.weights, &t->key, STREAM_WEIGHTS);
    sw_rng_init(&r.target, &t->key, STREAM_TARGET);
    sw_rng_init(&r.talking, &t->key, STREAM_TALKING);
    sw_moments mom[M_COUNT];
    for (int i = 0; i < M_COUNT; i++) sw_moments_reset(&mom[i]);

    for (int64_t draw = 0; draw < t->param[P_DRAWS].integer; draw++) {
        double m[M_COUNT] = {0}; /* set by the three draws; initialised for GCC -O3, which cannot see that */
        if (head_draw(&s, &b, &r, rank_cutoff, m) != SW_OK || target_draw(&s, &b, &r, rank_cutoff, m) != SW_OK ||
            talking_draw(&s, &b, &r, rank_cutoff, m) != SW_OK)
            return sw_task_fail(t, SW_TASK_NUMERICAL, "draw %lld: %s", (long long)draw, sw_error_message());
        for (int i = 0; i < M_COUNT; i++) sw_moments_add(&mom[i], m[i]);
    }
    write_outputs(t, &s, mom);
    return SW_TASK_OK;
}

const sw_experiment sw_exp_attention_rank = {
    .name = "attention_rank",
    .version = 1,
    .summary = "low-rank bottleneck of attention: logit ranks, rank-k residual of targets, talking-heads rank",
    .article = "kexue.fm/archives/7325: 突破瓶颈，打造更强大的Transformer (2020-04-13)",
    .params = params,
    .n_params = SW_COUNT(params),
    .outputs = outputs,
    .n_outputs = SW_COUNT(outputs),
    .workspace_bytes = workspace_bytes,
    .check = check,
    .run = run,
};
