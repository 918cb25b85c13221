/* SPDX-License-Identifier: MIT */
/*
 * runner.c -- many requests at once from one thread: one curl multi
 * handle driven through its socket and timer callbacks by epoll, a
 * timerfd for every deadline (curl's, the next arrival, idle checks,
 * progress, the duration) and an eventfd that llmperf_runner_stop() can
 * write from a signal handler. Each request is the client's own unit
 * (llmperf__request_*), so byte arrival times are taken exactly as in
 * llmperf_client_stream(); easy handles are pooled, connections are
 * reused through the multi handle's connection cache.
 */
#include "runner_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "h1conn.h"
#include "internal.h"
#include "result_int.h"

#define MS INT64_C(1000000)
#define MAX_EVENTS 512
/* Time a loop turn may spend starting requests, and handing ended ones
 * over, before it looks at the sockets again: a closed loop of many users
 * ends and restarts requests in bursts, and a burst handled in one go
 * would leave every other stream's bytes waiting in the kernel,
 * unstamped, for tens of milliseconds. */
#define TURN_BUDGET_NS (MS / 2)
#define NO_TIME INT64_MAX
#define RXBUF_SIZE (64 * 1024)

/* ---- arrival schedule --------------------------------------------------- */

/* Standard normal by Box-Muller; one of the pair is enough here. */
static double normal(llmperf__rng *g)
{
    double u1 = llmperf__rng_uniform(g), u2 = llmperf__rng_uniform(g);

    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double llmperf__gamma(llmperf__rng *g, double shape)
{
    double d, c, x, v, u;

    if (shape < 1.0) {
        /* G(a) = G(a + 1) * U^(1/a) (Marsaglia and Tsang, section 6). */
        u = llmperf__rng_uniform(g);
        return llmperf__gamma(g, shape + 1.0) * pow(u, 1.0 / shape);
    }
    d = shape - 1.0 / 3.0;
    c = 1.0 / sqrt(9.0 * d);
    /* Accepts with probability > 0.95 per round: the bound is never
     * reached in practice; the mean is a safe answer if it were. */
    for (int round = 0; round < 1000; round++) {
        do {
            x = normal(g);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        u = llmperf__rng_uniform(g);
        if (u < 1.0 - 0.0331 * x * x * x * x ||
            log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
    return shape;
}

int llmperf__schedule_init(llmperf__schedule *s, int kind, double rate,
                           double burstiness, uint64_t seed, int64_t t0)
{
    if (s == NULL || !isfinite(rate) || rate <= 0.0 ||
        !isfinite(burstiness) || burstiness <= 0.0 ||
        (kind != LLMPERF_ARRIVAL_POISSON && kind != LLMPERF_ARRIVAL_CONSTANT &&
         kind != LLMPERF_ARRIVAL_GAMMA))
        return LLMPERF_EINVAL;
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->mean_ns = 1e9 / rate;
    s->shape = burstiness;
    s->t0 = t0;
    llmperf__rng_seed(&s->rng, seed);
    return LLMPERF_OK;
}

int64_t llmperf__schedule_next(llmperf__schedule *s)
{
    int64_t t;
    double gap;

    if (s->kind == LLMPERF_ARRIVAL_CONSTANT) {
        /* i * period from t0 directly: no accumulated rounding at all. */
        t = s->t0 + (int64_t)llround((double)s->i * s->mean_ns);
        s->i++;
        return t;
    }
    t = s->t0 + (int64_t)llround(s->sum_ns);
    if (s->kind == LLMPERF_ARRIVAL_POISSON)
        gap = -log(llmperf__rng_uniform(&s->rng)) * s->mean_ns;
    else /* scale mean/shape gives mean gap mean_ns, CV 1/sqrt(shape) */
        gap = llmperf__gamma(&s->rng, s->shape) * (s->mean_ns / s->shape);
    s->sum_ns += gap;
    s->i++;
    return t;
}

/* ---- the runner --------------------------------------------------------- */

/* One request's place: the client's request record and its easy handle,
 * kept for reuse. It stays at one address (curl points into it). */
struct slot {
    llmperf__request req;
    CURL *easy;        /* curl transport; NULL until needed */
    llmperf__h1_req h1; /* own transport */
    size_t item;
    size_t pos;        /* index in runner->active */
    int warmup;
    int cancelled;     /* the runner cancelled it */
    struct slot *next_free;
};

enum { PHASE_WARMUP = 1, PHASE_MEASURE = 2 };

struct llmperf_runner {
    llmperf_client *client; /* borrowed */
    /* options */
    int64_t concurrency, requests, duration_ms, warmup, arrival, seed;
    int64_t drain, drain_timeout_ms, vary, progress_ms, transport;
    double rate, burstiness;
    llmperf_progress_cb progress;
    void *progress_ud;
    /* wake-up and stop: the only fields another thread or a signal
     * handler touches */
    atomic_int stop_flag;
    int wake_fd;
    /* event loop */
    int ep_fd, timer_fd;
    CURLM *multi;
    /* the own HTTP/1.1 transport, when this run uses it */
    int native;
    int h1_ready;           /* h1t initialised (kept for later runs) */
    llmperf__h1_target h1t;
    char *rxbuf;
    int64_t curl_due;       /* curl's timeout instant, NO_TIME: none */
    int64_t timer_armed;    /* instant the timerfd is set to */
    long maxconnects;
    int sock_errno;         /* epoll_ctl failure inside a curl callback */
    char marker;            /* its address tags sockets known to epoll */
    /* request slots */
    struct slot **slots;    /* every slot, to free them */
    size_t n_slots, cap_slots;
    struct slot *free_slots;
    struct slot **active;   /* in flight */
    size_t n_active;
    int64_t idle_due;       /* earliest possible idle expiry */
    /* closed loop: when each free user became free, oldest first */
    int64_t *freeq;
    size_t fq_cap, fq_head, fq_len;
    int fq_on;
    uint64_t nonce, seq;    /* cache-busting prefixes */
    /* the run */
    int running;
    int stop_asked;         /* by a callback */
    const llmperf_dataset *ds;
    llmperf_result_cb on_result;
    void *userdata;
    int64_t t_start, t_end; /* measured phase; 0: not begun / running */
    int64_t stat[13];
    char errmsg[256];
};

static int fail(llmperf_runner *r, int rc, const char *what)
{
    snprintf(r->errmsg, sizeof(r->errmsg), "%s", what);
    return rc;
}

static int fail_errno(llmperf_runner *r, const char *what)
{
    snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", what,
             strerror(errno));
    return LLMPERF_ERR;
}

/* ---- curl callbacks ----------------------------------------------------- */

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
    llmperf_runner *r = userp;
    struct epoll_event ev;
    int op = socketp != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (socketp != NULL) {
            /* The socket may already be closed: nothing to undo then. */
            epoll_ctl(r->ep_fd, EPOLL_CTL_DEL, s, NULL);
            curl_multi_assign(r->multi, s, NULL);
        }
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
                ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.fd = s;
    if (epoll_ctl(r->ep_fd, op, s, &ev) != 0) {
        /* A descriptor number curl closed and reopened without telling:
         * take the other operation. */
        op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        if (epoll_ctl(r->ep_fd, op, s, &ev) != 0) {
            r->sock_errno = errno;
            return -1;
        }
    }
    if (socketp == NULL)
        curl_multi_assign(r->multi, s, &r->marker);
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    llmperf_runner *r = userp;

    (void)multi;
    r->curl_due = timeout_ms < 0 ? NO_TIME
                                 : llmperf_now_ns() + timeout_ms * MS;
    return 0;
}

/* ---- options and life cycle --------------------------------------------- */

LLMPERF_API int llmperf_runner_new(llmperf_runner **out,
                                   llmperf_client *client)
{
    llmperf_runner *r = NULL;
    int rc = LLMPERF_ERR;
    struct epoll_event ev;

    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (client == NULL)
        return LLMPERF_EINVAL;
    r = llmperf__calloc(1, sizeof(*r));
    if (r == NULL)
        return LLMPERF_ENOMEM;
    r->client = client;
    r->wake_fd = r->ep_fd = r->timer_fd = -1;
    r->arrival = LLMPERF_ARRIVAL_POISSON;
    r->drain = 1;
    r->progress_ms = 1000;
    r->burstiness = 1.0;
    r->curl_due = r->timer_armed = r->idle_due = NO_TIME;
    atomic_init(&r->stop_flag, 0);
    /* Per-runner nonce: prefixes differ between processes and runs. */
    r->nonce = (uint64_t)llmperf_now_ns() ^ ((uint64_t)getpid() << 40) ^
               (uint64_t)(uintptr_t)r;
    r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    r->ep_fd = epoll_create1(EPOLL_CLOEXEC);
    r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (r->wake_fd < 0 || r->ep_fd < 0 || r->timer_fd < 0)
        goto out;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.fd = r->wake_fd;
    if (epoll_ctl(r->ep_fd, EPOLL_CTL_ADD, r->wake_fd, &ev) != 0)
        goto out;
    ev.data.fd = r->timer_fd;
    if (epoll_ctl(r->ep_fd, EPOLL_CTL_ADD, r->timer_fd, &ev) != 0)
        goto out;
    r->multi = curl_multi_init();
    if (r->multi == NULL)
        goto out;
    if (curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, on_socket) ||
        curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r) ||
        curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, on_timer) ||
        curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r))
        goto out;
    *out = r;
    r = NULL;
    rc = LLMPERF_OK;
out:
    llmperf_runner_free(r);
    return rc;
}

LLMPERF_API void llmperf_runner_free(llmperf_runner *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_slots; i++) {
        if (r->slots[i]->easy != NULL)
            curl_easy_cleanup(r->slots[i]->easy);
        llmperf__free(r->slots[i]);
    }
    if (r->h1_ready)
        llmperf__h1_target_free(&r->h1t);
    llmperf__free(r->rxbuf);
    llmperf__free(r->slots);
    llmperf__free(r->active);
    llmperf__free(r->freeq);
    if (r->multi != NULL)
        curl_multi_cleanup(r->multi); /* closes cached connections */
    if (r->timer_fd >= 0)
        close(r->timer_fd);
    if (r->ep_fd >= 0)
        close(r->ep_fd);
    if (r->wake_fd >= 0)
        close(r->wake_fd);
    llmperf__free(r);
}

LLMPERF_API int llmperf_runner_set_int(llmperf_runner *r, int opt,
                                       int64_t v)
{
    int64_t *dst, lo = 0, hi = INT64_MAX;

    if (r == NULL)
        return LLMPERF_EINVAL;
    switch (opt) {
    case LLMPERF_RUNNER_CONCURRENCY:
        dst = &r->concurrency;
        hi = 1000000;
        break;
    case LLMPERF_RUNNER_REQUESTS:
        dst = &r->requests;
        break;
    case LLMPERF_RUNNER_DURATION_MS:
        dst = &r->duration_ms;
        hi = INT64_MAX / MS;
        break;
    case LLMPERF_RUNNER_WARMUP:
        dst = &r->warmup;
        break;
    case LLMPERF_RUNNER_ARRIVAL:
        dst = &r->arrival;
        lo = LLMPERF_ARRIVAL_POISSON;
        hi = LLMPERF_ARRIVAL_GAMMA;
        break;
    case LLMPERF_RUNNER_SEED:
        dst = &r->seed;
        lo = INT64_MIN;
        break;
    case LLMPERF_RUNNER_DRAIN:
        dst = &r->drain;
        hi = 1;
        break;
    case LLMPERF_RUNNER_DRAIN_TIMEOUT_MS:
        dst = &r->drain_timeout_ms;
        hi = INT64_MAX / MS / 2;
        break;
    case LLMPERF_RUNNER_VARY_PROMPTS:
        dst = &r->vary;
        hi = 1;
        break;
    case LLMPERF_RUNNER_PROGRESS_INTERVAL_MS:
        dst = &r->progress_ms;
        lo = 1;
        hi = INT64_MAX / MS / 2;
        break;
    case LLMPERF_RUNNER_TRANSPORT:
        dst = &r->transport;
        lo = LLMPERF_TRANSPORT_AUTO;
        hi = LLMPERF_TRANSPORT_NATIVE;
        break;
    default:
        return LLMPERF_EINVAL;
    }
    if (v < lo || v > hi)
        return LLMPERF_EINVAL;
    if (r->running)
        return LLMPERF_ESTATE;
    *dst = v;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_runner_set_double(llmperf_runner *r, int opt,
                                          double v)
{
    if (r == NULL || !isfinite(v))
        return LLMPERF_EINVAL;
    switch (opt) {
    case LLMPERF_RUNNER_RATE:
        if (v < 0.0 || v > 1e6)
            return LLMPERF_EINVAL;
        if (r->running)
            return LLMPERF_ESTATE;
        r->rate = v;
        return LLMPERF_OK;
    case LLMPERF_RUNNER_BURSTINESS:
        if (v <= 0.0 || v > 1e6)
            return LLMPERF_EINVAL;
        if (r->running)
            return LLMPERF_ESTATE;
        r->burstiness = v;
        return LLMPERF_OK;
    default:
        return LLMPERF_EINVAL;
    }
}

LLMPERF_API int llmperf_runner_set_progress(llmperf_runner *r,
                                            llmperf_progress_cb cb,
                                            void *userdata)
{
    if (r == NULL)
        return LLMPERF_EINVAL;
    if (r->running)
        return LLMPERF_ESTATE;
    r->progress = cb;
    r->progress_ud = userdata;
    return LLMPERF_OK;
}

LLMPERF_API void llmperf_runner_stop(llmperf_runner *r)
{
    uint64_t one = 1;
    ssize_t w;

    if (r == NULL)
        return;
    /* Only async-signal-safe operations: a lock-free atomic store and
     * write(2). A full eventfd counter (EAGAIN) is already a wake-up. */
    atomic_store(&r->stop_flag, 1);
    w = write(r->wake_fd, &one, sizeof(one));
    (void)w;
}

static int64_t elapsed(const llmperf_runner *r)
{
    if (r->t_start == 0)
        return 0;
    return (r->t_end != 0 ? r->t_end : llmperf_now_ns()) - r->t_start;
}

LLMPERF_API int llmperf_runner_stat_i64(const llmperf_runner *r, int stat,
                                        int64_t *out)
{
    if (r == NULL || out == NULL || stat < LLMPERF_RUNNER_STAT_SENT ||
        stat > LLMPERF_RUNNER_STAT_MAX_READ_DELAY_NS)
        return LLMPERF_EINVAL;
    if (stat == LLMPERF_RUNNER_STAT_IN_FLIGHT) {
        int64_t n = 0;

        for (size_t i = 0; i < r->n_active; i++)
            n += !r->active[i]->warmup;
        *out = n;
    } else if (stat == LLMPERF_RUNNER_STAT_MAX_READ_DELAY_NS) {
        *out = r->native ? r->h1t.max_read_delay_ns : 0;
    } else if (stat == LLMPERF_RUNNER_STAT_ELAPSED_NS) {
        *out = elapsed(r);
    } else {
        *out = r->stat[stat];
    }
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_runner_stat_f64(const llmperf_runner *r, int stat,
                                        double *out)
{
    double secs;

    if (r == NULL || out == NULL)
        return LLMPERF_EINVAL;
    secs = (double)elapsed(r) / 1e9;
    switch (stat) {
    case LLMPERF_RUNNER_STAT_TOKENS_PER_S:
        *out = secs > 0 ? (double)r->stat[LLMPERF_RUNNER_STAT_OUTPUT_TOKENS] /
                              secs
                        : 0.0;
        return LLMPERF_OK;
    case LLMPERF_RUNNER_STAT_REQUESTS_PER_S:
        *out = secs > 0 ? (double)(r->stat[LLMPERF_RUNNER_STAT_COMPLETED] +
                                   r->stat[LLMPERF_RUNNER_STAT_FAILED]) /
                              secs
                        : 0.0;
        return LLMPERF_OK;
    default:
        return LLMPERF_EINVAL;
    }
}

LLMPERF_API const char *llmperf_runner_errmsg(const llmperf_runner *r)
{
    return r != NULL ? r->errmsg : "";
}

/* ---- slots -------------------------------------------------------------- */

static struct slot *get_slot(llmperf_runner *r)
{
    struct slot *s = r->free_slots, **grown;

    if (s != NULL) {
        r->free_slots = s->next_free;
        return s;
    }
    if (r->n_slots == r->cap_slots) {
        size_t cap = r->cap_slots ? r->cap_slots * 2 : 16;

        grown = llmperf__reallocarray(r->slots, cap, sizeof(*grown));
        if (grown == NULL)
            return NULL;
        r->slots = grown;
        grown = llmperf__reallocarray(r->active, cap, sizeof(*grown));
        if (grown == NULL)
            return NULL;
        r->active = grown;
        r->cap_slots = cap;
    }
    s = llmperf__calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->h1.fd = -1;
    r->slots[r->n_slots++] = s;
    return s;
}

static void put_slot(llmperf_runner *r, struct slot *s)
{
    s->next_free = r->free_slots;
    r->free_slots = s;
}

static void deactivate(llmperf_runner *r, struct slot *s)
{
    struct slot *last = r->active[--r->n_active];

    r->active[s->pos] = last;
    last->pos = s->pos;
}

/* ---- requests ----------------------------------------------------------- */

static void complete(llmperf_runner *r, struct slot *s, CURLcode cc,
                     int cancel);

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    return x ^ (x >> 33);
}

/* Start the request for a dataset item, meant to go at sched. */
static int launch(llmperf_runner *r, size_t item, int64_t sched, int warm)
{
    const char *prompt = NULL, *messages = NULL;
    int64_t max_tokens = -1;
    char prefix[24];
    struct slot *s;
    int rc;

    rc = llmperf_dataset_get(r->ds, item, &prompt, NULL, NULL, &max_tokens);
    if (rc != LLMPERF_OK)
        return fail(r, rc, "dataset item out of range");
    if (llmperf_dataset_messages(r->ds, item, &messages) != LLMPERF_OK)
        messages = NULL;
    prefix[0] = '\0';
    if (r->vary)
        snprintf(prefix, sizeof(prefix), "[%016" PRIx64 "] ",
                 mix(r->nonce + r->seq++));
    s = get_slot(r);
    if (s == NULL)
        return fail(r, LLMPERF_ENOMEM, "out of memory for a request slot");
    if (!r->native && s->easy == NULL &&
        (s->easy = curl_easy_init()) == NULL) {
        put_slot(r, s);
        return fail(r, LLMPERF_ENOMEM, "out of memory for a curl handle");
    }
    rc = llmperf__request_init_item(&s->req, r->client,
                                    r->native ? NULL : s->easy, prefix,
                                    prompt, messages, max_tokens, NULL,
                                    NULL);
    if (rc == LLMPERF_OK)
        rc = llmperf__result_set_i64(s->req.result,
                                     LLMPERF_RESULT_SCHEDULED_NS, sched);
    if (rc != LLMPERF_OK) {
        llmperf__request_cleanup(&s->req);
        put_slot(r, s);
        return fail(r, rc, "could not prepare a request");
    }
    s->item = item;
    s->warmup = warm;
    s->cancelled = 0;
    if (r->native) {
        CURLcode cc;

        s->pos = r->n_active;
        r->active[r->n_active++] = s;
        if (!warm)
            r->stat[LLMPERF_RUNNER_STAT_SENT]++;
        llmperf__request_mark_sent(&s->req);
        if (llmperf__h1_start(&s->h1, &r->h1t, &s->req, r->ep_fd, &cc)) {
            complete(r, s, cc, 0); /* nothing to connect to */
            return LLMPERF_OK;
        }
        if (s->req.idle_ns > 0 &&
            s->req.sent_ns + s->req.idle_ns < r->idle_due)
            r->idle_due = s->req.sent_ns + s->req.idle_ns;
        if (s->h1.deadline != 0 && s->h1.deadline < r->idle_due)
            r->idle_due = s->h1.deadline;
        return LLMPERF_OK;
    }
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    llmperf__request_mark_sent(&s->req);
    if (curl_multi_add_handle(r->multi, s->easy) != CURLM_OK) {
        llmperf__request_cleanup(&s->req);
        put_slot(r, s);
        return fail(r, LLMPERF_ERR, "curl_multi_add_handle failed");
    }
    s->pos = r->n_active;
    r->active[r->n_active++] = s;
    if (!warm)
        r->stat[LLMPERF_RUNNER_STAT_SENT]++;
    if (s->req.idle_ns > 0 && s->req.sent_ns + s->req.idle_ns < r->idle_due)
        r->idle_due = s->req.sent_ns + s->req.idle_ns;
    /* The connection cache must hold one connection per request in
     * flight, or finished requests would close connections that the
     * next ones then open again. */
    if ((long)r->n_active > r->maxconnects) {
        r->maxconnects = (long)r->n_active * 2;
        curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS, r->maxconnects);
    }
    return LLMPERF_OK;
}

/* Hand a finished result to the caller and count it. */
static void deliver(llmperf_runner *r, llmperf_result *res, int status,
                    size_t item, int warm, int cancelled)
{
    int64_t v;

    if (warm) {
        r->stat[LLMPERF_RUNNER_STAT_WARMUP]++;
        if (status != LLMPERF_OK)
            r->stat[LLMPERF_RUNNER_STAT_WARMUP_FAILED]++;
        llmperf_result_free(res);
        return;
    }
    if (status == LLMPERF_OK) {
        r->stat[LLMPERF_RUNNER_STAT_COMPLETED]++;
        if (llmperf_result_get_i64(res, LLMPERF_RESULT_OUTPUT_TOKENS, &v) ==
            LLMPERF_OK)
            r->stat[LLMPERF_RUNNER_STAT_OUTPUT_TOKENS] += v;
    } else {
        r->stat[LLMPERF_RUNNER_STAT_FAILED]++;
        if (cancelled)
            r->stat[LLMPERF_RUNNER_STAT_ABORTED]++;
    }
    if (llmperf_result_get_i64(res, LLMPERF_RESULT_CLIENT_LAG_NS, &v) ==
            LLMPERF_OK &&
        v > r->stat[LLMPERF_RUNNER_STAT_MAX_LAG_NS])
        r->stat[LLMPERF_RUNNER_STAT_MAX_LAG_NS] = v;
    if (r->on_result == NULL) {
        llmperf_result_free(res);
        return;
    }
    if (r->on_result(res, item, r->userdata) != 0)
        r->stop_asked = 1;
}

/* End a request: cc is its CURLcode; cancel marks one the runner ends. */
static void complete(llmperf_runner *r, struct slot *s, CURLcode cc,
                     int cancel)
{
    static const char msg[] = "cancelled by the runner before it ended";
    llmperf_result *res;
    size_t item = s->item;
    int status, warm = s->warmup;

    if (!r->native)
        curl_multi_remove_handle(r->multi, s->easy);
    if (cancel && s->req.status == LLMPERF_OK) {
        s->req.status = LLMPERF_EABORTED;
        s->cancelled = 1;
    }
    status = llmperf__request_finish(&s->req, cc);
    res = llmperf__request_take_result(&s->req);
    if (s->cancelled && status == LLMPERF_EABORTED && res != NULL)
        llmperf__result_set_str(res, LLMPERF_RESULT_ERROR, msg,
                                sizeof(msg) - 1);
    cancel = s->cancelled && status == LLMPERF_EABORTED;
    if (r->fq_on && r->fq_len < r->fq_cap) {
        /* this user is free from now on: its next request is due now */
        r->freeq[(r->fq_head + r->fq_len++) % r->fq_cap] = llmperf_now_ns();
    }
    if (r->native)
        llmperf__h1_release(&s->h1, &r->h1t, r->ep_fd);
    llmperf__request_cleanup(&s->req);
    deactivate(r, s);
    put_slot(r, s);
    deliver(r, res, status, item, warm, cancel);
}

static void cancel_all(llmperf_runner *r)
{
    while (r->n_active > 0)
        complete(r, r->active[r->n_active - 1], CURLE_ABORTED_BY_CALLBACK,
                 1);
}

/* Collect transfers curl has finished, for at most TURN_BUDGET_NS;
 * returns 1 when more are waiting. */
static int reap(llmperf_runner *r)
{
    int64_t t0 = llmperf_now_ns();
    CURLMsg *m;
    int left = 0, n = 0;

    while ((n == 0 || llmperf_now_ns() - t0 < TURN_BUDGET_NS) &&
           (m = curl_multi_info_read(r->multi, &left)) != NULL) {
        char *p = NULL;
        CURLcode cc = m->data.result;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
        if (p != NULL)
            complete(r, (struct slot *)(void *)p, cc, 0);
        n++;
    }
    return left > 0;
}

/* End requests silent for their idle timeout; curl has no timer for a
 * stalled stream. idle_due is a lower bound of the next expiry: activity
 * only moves deadlines later, so one scan per bound is enough. */
static void check_idle(llmperf_runner *r, int64_t now)
{
    int64_t next = NO_TIME;
    size_t i = 0;

    while (i < r->n_active) {
        struct slot *s = r->active[i];

        CURLcode cc;

        if (llmperf__request_check_idle(&s->req, now)) {
            complete(r, s, CURLE_OPERATION_TIMEDOUT, 0);
            continue; /* another slot moved into place i */
        }
        if (r->native && llmperf__h1_expired(&s->h1, now, &cc)) {
            complete(r, s, cc, 0);
            continue;
        }
        if (s->req.idle_ns > 0 &&
            s->req.last_activity_ns + s->req.idle_ns < next)
            next = s->req.last_activity_ns + s->req.idle_ns;
        if (r->native && s->h1.deadline != 0 && s->h1.deadline < next)
            next = s->h1.deadline;
        i++;
    }
    /* + 1 ms: check_idle() wants strictly more than the timeout. */
    r->idle_due = next == NO_TIME ? NO_TIME : next + MS;
}

/* ---- the event loop ----------------------------------------------------- */

static int arm_timer(llmperf_runner *r, int64_t due)
{
    struct itimerspec its;

    /* Never disarm: a stale expiry costs one spurious wake-up, cheaper
     * than a system call each time the precise deadline goes away. */
    if (due == r->timer_armed || due == NO_TIME)
        return LLMPERF_OK;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(due / 1000000000);
    its.it_value.tv_nsec = (long)(due % 1000000000);
    if (timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
        return fail_errno(r, "timerfd_settime");
    r->timer_armed = due;
    return LLMPERF_OK;
}

/*
 * Wait until due (NO_TIME: until an event) and let curl act on what is
 * ready. precise is an instant that must not be missed by even a
 * fraction of a millisecond (the next open-loop arrival): it goes to the
 * timerfd, which is re-armed only when it changes. The other deadlines
 * (curl's, idle checks, progress, duration) are whole milliseconds and
 * use epoll_wait's timeout, rounded up, so the busy loop does not pay a
 * timerfd_settime() per turn.
 */
static int wait_events(llmperf_runner *r, int64_t due, int64_t precise)
{
    struct epoll_event ev[MAX_EVENTS];
    int n, running, timeout = -1, rc;
    int64_t now = llmperf_now_ns();

    if (due <= now || precise <= now) {
        timeout = 0;
    } else {
        rc = arm_timer(r, precise);
        if (rc != LLMPERF_OK)
            return rc;
        if (due != NO_TIME) {
            int64_t ms = (due - now + MS - 1) / MS;

            timeout = ms > 60000 ? 60000 : (int)ms;
        }
    }
    n = epoll_wait(r->ep_fd, ev, MAX_EVENTS, timeout);
    if (n < 0) {
        if (errno == EINTR)
            return LLMPERF_OK; /* a signal: the loop checks the flag */
        return fail_errno(r, "epoll_wait");
    }
    for (int i = 0; i < n; i++) {
        int fd = ev[i].data.fd, flags = 0;
        uint64_t junk;

        /* An arrival must not wait behind a long batch of streams: leave
         * the rest (epoll is level-triggered: they come back at once). */
        if (precise != NO_TIME && (i & 3) == 3 &&
            llmperf_now_ns() >= precise)
            break;

        /* the own transport's sockets: LLMPERF__H1_TAG | descriptor
         * (curl's sockets, the eventfd and the timerfd carry their fd) */
        if (ev[i].data.u64 & LLMPERF__H1_TAG) {
            int sfd = (int)(ev[i].data.u64 & ~LLMPERF__H1_TAG);
            llmperf__h1_req *h = llmperf__h1_owner(&r->h1t, sfd);
            struct slot *s;
            CURLcode cc;

            if (h == NULL) {
                /* an idle pooled connection the server closed (or wrote
                 * to): out of the set; the pool drops it at reuse */
                epoll_ctl(r->ep_fd, EPOLL_CTL_DEL, sfd, NULL);
                continue;
            }
            s = (struct slot *)(void *)((char *)h - offsetof(struct slot, h1));
            if (llmperf__h1_event(h, &r->h1t, ev[i].events, r->ep_fd,
                                  r->rxbuf, RXBUF_SIZE, &cc))
                complete(r, s, cc, 0);
            continue;
        }
        if (fd == r->wake_fd || fd == r->timer_fd) {
            if (read(fd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
                return fail_errno(r, "read");
            if (fd == r->timer_fd)
                r->timer_armed = NO_TIME; /* one-shot: it has fired */
            continue;
        }
        if (ev[i].events & EPOLLIN)
            flags |= CURL_CSELECT_IN;
        if (ev[i].events & EPOLLOUT)
            flags |= CURL_CSELECT_OUT;
        if (ev[i].events & (EPOLLERR | EPOLLHUP))
            flags |= CURL_CSELECT_ERR;
        if (curl_multi_socket_action(r->multi, fd, flags, &running) !=
            CURLM_OK)
            return fail(r, LLMPERF_ERR, "curl_multi_socket_action failed");
    }
    if (r->curl_due != NO_TIME && llmperf_now_ns() >= r->curl_due) {
        r->curl_due = NO_TIME;
        if (curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0,
                                     &running) != CURLM_OK)
            return fail(r, LLMPERF_ERR, "curl_multi_socket_action failed");
    }
    if (r->sock_errno != 0) {
        errno = r->sock_errno;
        r->sock_errno = 0;
        return fail_errno(r, "epoll_ctl");
    }
    return LLMPERF_OK;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int call_progress(llmperf_runner *r)
{
    if (r->progress != NULL && r->progress(r, r->progress_ud) != 0)
        r->stop_asked = 1;
    return LLMPERF_OK;
}

/*
 * One phase: warm-up (closed loop, results not delivered) or the
 * measured run. Returns LLMPERF_OK when it ran its course,
 * LLMPERF_EABORTED when stopped, or the error that ended it (requests in
 * flight are then cancelled and delivered).
 */
static int run_phase(llmperf_runner *r, int phase)
{
    size_t count = llmperf_dataset_count(r->ds), item = 0;
    int warm = phase == PHASE_WARMUP;
    int open = !warm && r->rate > 0.0;
    int64_t total, cap, launched = 0, now = llmperf_now_ns();
    int64_t deadline = NO_TIME, drain_due = NO_TIME, next_arrival = NO_TIME;
    int64_t progress_due = NO_TIME;
    llmperf__schedule sched;
    int sending = 1, more = 0, rc = LLMPERF_OK;

    memset(&sched, 0, sizeof(sched));
    if (warm) {
        total = r->warmup;
        cap = r->concurrency > 0 ? r->concurrency : 1;
    } else {
        total = r->requests > 0     ? r->requests
                : r->duration_ms > 0 ? INT64_MAX
                                     : (int64_t)count;
        cap = open ? r->concurrency
                   : (r->concurrency > 0 ? r->concurrency : 1);
        r->t_start = now;
        if (r->duration_ms > 0)
            deadline = now + r->duration_ms * MS;
    }
    r->fq_on = 0;
    if (open) {
        rc = llmperf__schedule_init(&sched, (int)r->arrival, r->rate,
                                    r->burstiness, (uint64_t)r->seed, now);
        if (rc != LLMPERF_OK)
            return fail(r, rc, "invalid arrival schedule");
        next_arrival = llmperf__schedule_next(&sched);
    } else {
        /* Every user is free from the start; a user whose request is
         * started a few turns late (the turn budget) keeps its due time,
         * and the delay shows in client_lag_ns. */
        size_t users = (size_t)(cap < total ? cap : total);

        if (users > r->fq_cap) {
            int64_t *q = llmperf__reallocarray(r->freeq, users, sizeof(*q));

            if (q == NULL)
                return fail(r, LLMPERF_ENOMEM, "out of memory for users");
            r->freeq = q;
            r->fq_cap = users;
        }
        for (size_t i = 0; i < users; i++)
            r->freeq[i] = now;
        r->fq_head = 0;
        r->fq_len = users;
        r->fq_on = 1;
    }
    if (r->progress != NULL)
        progress_due = now + r->progress_ms * MS;
    for (;;) {
        int64_t due, precise, started;

        now = llmperf_now_ns();
        if (atomic_load(&r->stop_flag) || r->stop_asked) {
            cancel_all(r);
            rc = LLMPERF_EABORTED;
            break;
        }
        if (sending && now >= deadline) {
            sending = 0;
            if (!r->drain)
                cancel_all(r);
            else if (r->drain_timeout_ms > 0)
                drain_due = deadline + r->drain_timeout_ms * MS;
        }
        if (now >= drain_due)
            cancel_all(r);
        started = 0;
        while (sending && launched < total &&
               (cap == 0 || (int64_t)r->n_active < cap)) {
            int64_t at = now;

            if (open) {
                if (next_arrival > now)
                    break;
                at = next_arrival;
            } else if (r->fq_len > 0) {
                at = r->freeq[r->fq_head];
            }
            if (started > 0 && llmperf_now_ns() - now >= TURN_BUDGET_NS) {
                more = 1; /* the rest after the next look at the sockets */
                break;
            }
            if (!open && r->fq_len > 0) {
                r->fq_head = (r->fq_head + 1) % r->fq_cap;
                r->fq_len--;
            }
            rc = launch(r, item, at, warm);
            if (rc != LLMPERF_OK)
                break;
            started++;
            launched++;
            item = item + 1 < count ? item + 1 : 0;
            if (open)
                next_arrival = llmperf__schedule_next(&sched);
        }
        if (rc != LLMPERF_OK) {
            cancel_all(r);
            break;
        }
        if (launched >= total)
            sending = 0;
        if (!sending && r->n_active == 0)
            break;
        /* After launching, so a closed loop refills before the progress
         * callback looks; a request ended here is replaced at once. */
        if (now >= r->idle_due) {
            size_t before = r->n_active;

            check_idle(r, now);
            if (r->n_active != before)
                continue;
        }
        if (now >= progress_due) {
            call_progress(r);
            progress_due = now + r->progress_ms * MS;
            if (r->stop_asked)
                continue;
        }
        due = min64(r->curl_due, min64(r->idle_due, progress_due));
        due = min64(due, drain_due);
        precise = NO_TIME;
        if (sending) {
            due = min64(due, deadline);
            if (open && (cap == 0 || (int64_t)r->n_active < cap))
                precise = next_arrival;
        }
        if (more)
            due = now; /* work left: only collect what is ready */
        more = 0;
        rc = wait_events(r, due, precise);
        if (rc == LLMPERF_OK)
            more = reap(r);
        if (rc != LLMPERF_OK) {
            cancel_all(r);
            break;
        }
    }
    r->fq_on = 0;
    if (!warm)
        r->t_end = llmperf_now_ns();
    return rc;
}

/* The transport of this run (LLMPERF_RUNNER_TRANSPORT): AUTO takes the
 * own HTTP/1.1 one where it is usable and could resolve the host; curl
 * otherwise (which then reports a resolve failure per request). */
static int choose_transport(llmperf_runner *r)
{
    const char *why = NULL;
    char err[200];
    int rc;

    r->native = 0;
    if (r->transport == LLMPERF_TRANSPORT_CURL)
        return LLMPERF_OK;
    if (!llmperf__h1_usable(r->client, &why)) {
        if (r->transport != LLMPERF_TRANSPORT_NATIVE)
            return LLMPERF_OK;
        snprintf(r->errmsg, sizeof(r->errmsg),
                 "LLMPERF_TRANSPORT_NATIVE cannot serve this client: %s",
                 why);
        return LLMPERF_ENOTSUP;
    }
    if (!r->h1_ready) {
        rc = llmperf__h1_target_init(&r->h1t, r->client, err, sizeof(err));
        if (rc != LLMPERF_OK) {
            if (r->transport != LLMPERF_TRANSPORT_NATIVE &&
                rc != LLMPERF_ENOMEM)
                return LLMPERF_OK;
            return fail(r, rc, err);
        }
        r->h1_ready = 1;
    }
    if (r->rxbuf == NULL && (r->rxbuf = llmperf__malloc(RXBUF_SIZE)) == NULL)
        return fail(r, LLMPERF_ENOMEM, "out of memory for a receive buffer");
    r->native = 1;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_runner_run(llmperf_runner *r,
                                   const llmperf_dataset *dataset,
                                   llmperf_result_cb on_result,
                                   void *userdata)
{
    uint64_t junk;
    int rc = LLMPERF_OK;

    if (r == NULL || dataset == NULL)
        return LLMPERF_EINVAL;
    if (r->running)
        return LLMPERF_ESTATE;
    if (llmperf_dataset_count(dataset) == 0)
        return LLMPERF_EINVAL;
    r->running = 1;
    r->stop_asked = 0;
    r->ds = dataset;
    r->on_result = on_result;
    r->userdata = userdata;
    r->t_start = r->t_end = 0;
    r->errmsg[0] = '\0';
    memset(r->stat, 0, sizeof(r->stat));
    rc = choose_transport(r);
    r->h1t.max_read_delay_ns = 0;
    r->stat[LLMPERF_RUNNER_STAT_TRANSPORT] =
        r->native ? LLMPERF_TRANSPORT_NATIVE : LLMPERF_TRANSPORT_CURL;
    if (rc != LLMPERF_OK) {
        r->ds = NULL;
        r->on_result = NULL;
        r->running = 0;
        return rc;
    }
    if (r->warmup > 0)
        rc = run_phase(r, PHASE_WARMUP);
    if (rc == LLMPERF_OK)
        rc = run_phase(r, PHASE_MEASURE);
    call_progress(r);
    /* The stop request belonged to this run: clear it and the wake-up
     * counter (a stop() racing with the end of the run is harmless). */
    atomic_store(&r->stop_flag, 0);
    if (read(r->wake_fd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
        rc = rc != LLMPERF_OK ? rc : fail_errno(r, "read");
    r->ds = NULL;
    r->on_result = NULL;
    r->running = 0;
    return rc;
}
