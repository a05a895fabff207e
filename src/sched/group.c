/* group.c: a sub-coordinator's pool, waiting ranks, finals and report batch (see group.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

/* Reports wait at most this long before they go to rank 0: its progress line and cost model stay current, and a
 * group sends it about 20 batches a second however many ranks it has. */
#define SW_GROUP_BATCH_SECONDS 0.05

sw_status sw_group_init(sw_group *g, int size) {
    memset(g, 0, sizeof *g);
    g->size = size;
    g->waiting = malloc((size_t)size * sizeof *g->waiting);
    g->final = calloc((size_t)size, sizeof *g->final);
    g->lost = calloc((size_t)size, sizeof *g->lost);
    SW_CHECK_ALLOC(g->waiting && g->final && g->lost, "a sub-coordinator");
    return SW_OK;
}

void sw_group_free(sw_group *g) {
    free(g->waiting);
    free(g->final);
    free(g->lost);
    g->waiting = NULL;
    g->final = g->lost = NULL;
}

int sw_group_wants_refill(const sw_group *g) {
    if (g->refill_out || g->exhausted || g->halted || g->n_pool == SW_GROUP_POOL) return 0;
    /* Near the end, work held here could be done sooner in another group: ask only for the ranks waiting. */
    if (g->tail) return g->n_pool == 0 ? g->n_waiting : 0;
    /* Less than one round left: ask now, so that the next round is here before the group needs it. */
    uint64_t chunk = g->chunk ? g->chunk : 1;
    return g->pooled < chunk * (uint64_t)g->size ? g->size : 0;
}

void sw_group_refilled(sw_group *g, const msg_reply *reply) {
    g->refill_out = false;
    if (reply->kind == REPLY_STOP) {
        g->exhausted = true;
        return;
    }
    g->chunk = reply->chunk;
    g->tail = reply->tail;
    g->pool[(g->head + g->n_pool) % SW_GROUP_POOL] =
        (pool_item){.item = reply->item, .chunk = reply->chunk ? reply->chunk : 1, .tail = reply->tail};
    g->n_pool++;
    g->pooled += reply->item.count;
}

bool sw_group_take(sw_group *g, msg_reply *reply) {
    memset(reply, 0, sizeof *reply);
    if (g->halted || (g->n_pool == 0 && g->exhausted)) {
        reply->kind = REPLY_STOP;
        return true;
    }
    if (g->n_pool == 0) return false;
    pool_item *p = &g->pool[g->head];
    uint64_t n = p->chunk;
    /* Near the end of the sweep, the guided rule within the group: at most half of what it holds per rank. */
    if (p->tail) n = (uint64_t)fmin((double)n, fmax(1.0, ceil((double)g->pooled / (2.0 * g->size))));
    if (n > p->item.count) n = p->item.count;
    reply->kind = REPLY_CHUNK;
    reply->tail = p->tail;
    reply->item = (work_item){.sweep = p->item.sweep, .start = p->item.start, .count = n};
    p->item.start += n;
    p->item.count -= n;
    g->pooled -= n;
    if (p->item.count == 0) {
        g->head = (g->head + 1) % SW_GROUP_POOL;
        g->n_pool--;
    }
    return true;
}

void sw_group_wait(sw_group *g, int local) {
    g->waiting[g->n_waiting++] = local;
}

int sw_group_next_answer(sw_group *g, msg_reply *reply) {
    if (g->n_waiting == 0 || !sw_group_take(g, reply)) return -1;
    int local = g->waiting[0];
    memmove(g->waiting, g->waiting + 1, (size_t)--g->n_waiting * sizeof *g->waiting);
    return local;
}

int sw_group_halt(sw_group *g, work_item *items) {
    g->halted = true;
    int n = 0;
    for (; g->n_pool > 0; g->n_pool--, g->head = (g->head + 1) % SW_GROUP_POOL)
        items[n++] = g->pool[g->head].item;
    g->pooled = 0;
    return n;
}

bool sw_group_batch_add(sw_group *g, const msg_report *r, double now) {
    if (g->n_batch == 0) g->batch_since = now;
    g->batch[g->n_batch++] = *r;
    return g->n_batch == SW_GROUP_BATCH || r->kind != REPORT_ITEM;
}

bool sw_group_batch_due(const sw_group *g, double now) {
    return g->n_batch > 0 && now - g->batch_since >= SW_GROUP_BATCH_SECONDS;
}

bool sw_group_final(sw_group *g, int local) {
    if (!g->final[local]) g->n_final++;
    g->final[local] = true;
    return g->n_final == g->size;
}
