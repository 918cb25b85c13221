/* SPDX-License-Identifier: MIT */
/*
 * sched.c -- the server model around the requests: one model that must
 * be loaded (cold start, unload after an idle period), N parallel slots
 * with a FIFO queue in front (Ollama's OLLAMA_NUM_PARALLEL, vLLM's
 * max_num_seqs), a per-slot prompt prefix cache, the batching slowdown,
 * jitter and the output-length plan.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

/* With very many slots, only this many most recently freed ones are
 * searched for a cached prefix (llama.cpp searches all; it has few). */
#define PREFIX_SCAN_MAX 256

static void dispatch(struct mock *m);

double sched_jitter(struct mock *m)
{
    double j = m->cfg.jitter;

    if (j <= 0)
        return 1.0;
    return 1.0 - j + 2.0 * j * mock_rng_unit(&m->rng);
}

double sched_slowdown(struct mock *m)
{
    int b = m->busy > 0 ? m->busy : 1;

    return 1.0 + m->cfg.batch_factor * (double)(b - 1);
}

void sched_plan_length(struct mock *m, struct mock_stream *s)
{
    const struct mock_cfg *c = &m->cfg;
    int64_t cap = s->max_tokens >= 0 ? s->max_tokens : c->max_tokens_default;
    double x;
    int64_t natural;

    switch (c->dist) {
    case DIST_UNIFORM:
        x = c->dist_a + floor(mock_rng_unit(&m->rng) *
                              (c->dist_b - c->dist_a + 1));
        break;
    case DIST_NORMAL:
        x = floor(c->dist_a + c->dist_b * mock_rng_normal(&m->rng) + 0.5);
        break;
    default:
        x = c->dist_a;
        break;
    }
    natural = x < 1 ? 1 : (x > 1e9 ? 1000000000 : (int64_t)x);
    if (s->min_tokens > natural)
        natural = s->min_tokens;
    if (s->load_only) {
        s->target = 0;
        s->finish_length = 0;
    } else if (s->ignore_eos || natural >= cap) {
        s->target = cap;
        s->finish_length = 1;
    } else {
        s->target = natural;
        s->finish_length = 0;
    }
}

/* ---- model load / unload ----------------------------------------------- */

static void on_unload(evutil_socket_t fd, short what, void *arg)
{
    struct mock *m = arg;
    int i;

    (void)fd;
    (void)what;
    if (m->busy > 0 || m->q_len > 0 || m->model_state != MODEL_LOADED)
        return;
    m->model_state = MODEL_UNLOADED;
    /* the KV cache goes with the model */
    for (i = 0; i < m->cfg.slots; i++) {
        free(m->slots[i].cache);
        m->slots[i].cache = NULL;
        m->slots[i].cache_len = 0;
    }
}

static void on_loaded(evutil_socket_t fd, short what, void *arg)
{
    struct mock *m = arg;

    (void)fd;
    (void)what;
    m->model_state = MODEL_LOADED;
    m->load_end_ns = mock_now_ns();
    dispatch(m);
}

static void start_load(struct mock *m)
{
    double ms = m->cfg.load_ms * sched_jitter(m);

    m->st.loads++;
    m->load_start_ns = mock_now_ns();
    if (ms <= 0) {
        m->model_state = MODEL_LOADED;
        m->load_end_ns = m->load_start_ns;
        return;
    }
    m->model_state = MODEL_LOADING;
    {
        struct timeval tv;
        int64_t us = (int64_t)(ms * 1000.0);

        tv.tv_sec = (long)(us / 1000000);
        tv.tv_usec = (long)(us % 1000000);
        evtimer_add(m->load_ev, &tv);
    }
}

void mock_model_init(struct mock *m)
{
    m->load_ev = evtimer_new(m->base, on_loaded, m);
    m->unload_ev = evtimer_new(m->base, on_unload, m);
    m->model_state = MODEL_UNLOADED;
}

/* ---- slots ------------------------------------------------------------- */

static size_t common_prefix(const char *a, size_t na, const char *b,
                            size_t nb)
{
    size_t n = na < nb ? na : nb, i = 0;

    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Free slot for s: the one whose cached prompt shares the longest
 * prefix with s's prompt (llama.cpp's slot selection), else the lowest
 * free index. Fills s->cached_tokens. */
static int pick_slot(struct mock *m, struct mock_stream *s)
{
    int i, best = -1, scanned = 0;
    size_t best_len = 0, l;

    for (i = 0; i < m->cfg.slots; i++) {
        struct mock_slot *sl = &m->slots[i];

        if (sl->busy)
            continue;
        if (best < 0)
            best = i;
        if (!m->cfg.prefix_cache || !s->cache_prompt)
            break;
        if (sl->cache) {
            l = common_prefix(sl->cache, sl->cache_len, s->prompt,
                              s->prompt_len);
            if (l > best_len) {
                best_len = l;
                best = i;
            }
        }
        if (++scanned >= PREFIX_SCAN_MAX)
            break;
    }
    s->cached_tokens = 0;
    if (best >= 0 && best_len > 0) {
        int64_t c = mock_count_tokens(s->prompt, s->prompt_len, best_len);

        /* llama.cpp and vLLM always evaluate at least the last prompt
         * token to get logits; Ollama may report a fully cached prompt
         * (no prompt_eval fields at all). */
        if (s->proto != PROTO_OLLAMA_GENERATE &&
            s->proto != PROTO_OLLAMA_CHAT && c >= s->prompt_tokens)
            c = s->prompt_tokens - 1;
        s->cached_tokens = c > 0 ? c : 0;
    }
    return best;
}

static void dispatch(struct mock *m)
{
    while (m->q_head && m->busy < m->cfg.slots) {
        struct mock_stream *s;
        struct mock_slot *sl;
        int i;

        if (m->model_state == MODEL_UNLOADED)
            start_load(m);
        if (m->model_state != MODEL_LOADED)
            return;
        s = m->q_head;
        m->q_head = s->q_next;
        if (!m->q_head)
            m->q_tail = NULL;
        s->q_next = NULL;
        m->q_len--;
        i = pick_slot(m, s);
        sl = &m->slots[i];
        sl->busy = 1;
        m->busy++;
        s->slot = i;
        if (m->cfg.prefix_cache && s->cache_prompt) {
            char *copy = malloc(s->prompt_len + 1);

            if (copy) {
                memcpy(copy, s->prompt, s->prompt_len);
                copy[s->prompt_len] = '\0';
                free(sl->cache);
                sl->cache = copy;
                sl->cache_len = s->prompt_len;
            }
        }
        stream_start(s);
    }
}

void sched_enqueue(struct mock *m, struct mock_stream *s)
{
    evtimer_del(m->unload_ev);
    s->state = ST_QUEUED;
    s->q_next = NULL;
    if (m->q_tail)
        m->q_tail->q_next = s;
    else
        m->q_head = s;
    m->q_tail = s;
    m->q_len++;
    dispatch(m);
}

void sched_remove(struct mock *m, struct mock_stream *s)
{
    struct mock_stream **pp = &m->q_head, *prev = NULL;

    while (*pp && *pp != s) {
        prev = *pp;
        pp = &(*pp)->q_next;
    }
    if (!*pp)
        return;
    *pp = s->q_next;
    if (m->q_tail == s)
        m->q_tail = prev;
    s->q_next = NULL;
    m->q_len--;
}

void sched_release(struct mock *m, struct mock_stream *s)
{
    if (s->slot >= 0) {
        m->slots[s->slot].busy = 0;
        m->busy--;
        s->slot = -1;
    }
    if (m->shutting_down)
        return;
    dispatch(m);
    if (m->busy == 0 && m->q_len == 0 && m->model_state == MODEL_LOADED &&
        m->cfg.unload_after_ms > 0) {
        struct timeval tv;
        int64_t us = (int64_t)(m->cfg.unload_after_ms * 1000.0);

        tv.tv_sec = (long)(us / 1000000);
        tv.tv_usec = (long)(us % 1000000);
        evtimer_add(m->unload_ev, &tv);
    }
}
