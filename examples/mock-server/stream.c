/* SPDX-License-Identifier: MIT */
/*
 * stream.c -- the life of one request in llmperf-mock: routing, admission
 * (faults, slow headers, queue limit), the per-token timer chain at
 * absolute times, the writes and their timestamps, faults inside the
 * stream, the end (or the client going away) and the ground-truth log
 * line.
 *
 * Where the write timestamps come from: a chunk is framed (size line,
 * event, CRLF) into one flat buffer and written to the socket at once
 * with send(2) when nothing is queued on the connection, or appended to
 * the connection's libevent output buffer and flushed at once
 * (evbuffer_write, writev(2)) when something is; never left for the
 * next loop turn. chunk_ns is CLOCK_MONOTONIC read immediately before
 * that call: the instant the bytes are handed to the kernel. Taking it
 * before (not after) the call keeps causality for the client, which may
 * read the bytes on another core before the call has even returned
 * here: a client's arrival time is never earlier than chunk_ns. When
 * the socket buffer is full the rest stays queued in libevent and the
 * chunk counts in chunks_backlogged. Non-streamed bodies and the final
 * "0\r\n\r\n" of a chunked reply are written by libevent itself; for
 * those the timestamp is the hand-off to the output buffer.
 *
 * Cost per token matters (the mock must sustain thousands of streams on
 * one core): all timed steps share one libevent timer and a heap (see
 * on_tick), hot events are formatted without evbuffers or printf
 * (proto_stream_tokens_flat), and the fields a token touches sit
 * together at the start of struct mock_stream.
 */
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>

#include "stream.h"

#define LIT(out, s) evbuffer_add((out), (s), sizeof(s) - 1)
#define LINGER_MAX 2000 /* 1 ms polls before a lingering close gives up */
/* Steps due within this much of the one that fired are served with it.
 * With thousands of streams whose deadlines are spread evenly, waking
 * for each deadline on its own (a timer re-armed every few µs, one loop
 * turn each) cost this VM three times the CPU of the writes themselves;
 * 0.1 ms of coalescing removes that, and a token is then at most 0.1 ms
 * early, never later because of it. */
#define COALESCE_NS 100000
#define FLAT_HEAD 16   /* room for the chunk-size line before an event */
#define FLAT_MIN 65536 /* initial size of the flat write buffer */

static void on_timer(evutil_socket_t fd, short what, void *arg);
static void finish(struct mock_stream *s, int outcome);

static const char *const outcome_names[] = {
    "ok", "rejected", "client_closed", "disconnect", "error_event",
    "garbage", "shutdown"};

/* ---- allocation -------------------------------------------------------- */

static void stream_free(struct mock_stream *s)
{
    if (!s)
        return;
    free(s->model);
    free(s->prompt);
    free(s->echo);
    free(s->head);
    free(s->model_esc);
    if (s->pend != s->pend_in)
        free((void *)s->pend);
    free(s->chunks);
    if (s->text)
        evbuffer_free(s->text);
    free(s);
}

static struct mock_stream *stream_new(struct mock *m,
                                      struct evhttp_request *req, int proto,
                                      const char *endpoint)
{
    /* cache-line aligned: the hot block at the start of the struct
     * then spans as few lines as possible */
    size_t size = (sizeof(struct mock_stream) + 63) & ~(size_t)63;
    struct mock_stream *s = aligned_alloc(64, size);

    if (!s)
        return NULL;
    memset(s, 0, size);
    if (m->cfg.tokens_per_chunk <= MOCK_PEND_INLINE)
        s->pend = s->pend_in;
    else
        s->pend = calloc((size_t)m->cfg.tokens_per_chunk, sizeof(*s->pend));
    s->text = evbuffer_new();
    if (!s->pend || !s->text) {
        stream_free(s);
        return NULL;
    }
    s->m = m;
    s->req = req;
    s->evcon = evhttp_request_get_connection(req);
    if (s->evcon) {
        s->bev = evhttp_connection_get_bufferevent(s->evcon);
        s->out = bufferevent_get_output(s->bev);
        s->fd = bufferevent_getfd(s->bev);
    }
    if (!s->bev || !s->out || s->fd < 0) {
        s->bev = NULL; /* emit_flat then goes through libevent */
        s->out = NULL;
        s->fd = -1;
    }
    s->proto = proto;
    s->endpoint = endpoint;
    s->slot = -1;
    s->seq = ++m->seq;
    s->status = 0;
    evtimer_assign(&s->timer, m->base, on_timer, s);
    s->all_next = m->all;
    if (m->all)
        m->all->all_prev = s;
    m->all = s;
    return s;
}

static void record_chunk(struct mock_stream *s, int64_t t, int ntok)
{
    if (s->n_chunks == s->cap_chunks) {
        size_t cap = s->cap_chunks ? s->cap_chunks * 2 : 32;
        struct mock_chunk *a = realloc(s->chunks, cap * sizeof(*a));

        if (!a)
            return;
        s->chunks = a;
        s->cap_chunks = cap;
    }
    s->chunks[s->n_chunks].ns = t;
    s->chunks[s->n_chunks].tok = ntok;
    s->n_chunks++;
    s->m->st.chunks++;
}

/* ---- writing ----------------------------------------------------------- */

/* Hand whatever is queued on the connection to the kernel now and
 * return the time just before the hand-off. What the socket does not
 * take stays queued and libevent's write event is armed to drain it;
 * otherwise no event is armed at all, so a token costs one writev and
 * no epoll_ctl. */
static int64_t flush_now(struct mock_stream *s)
{
    struct bufferevent *bev;
    struct evbuffer *out;
    evutil_socket_t fd;
    int64_t t = mock_now_ns();

    if (!s->evcon || s->gone)
        return t;
    bev = evhttp_connection_get_bufferevent(s->evcon);
    out = bufferevent_get_output(bev);
    fd = bufferevent_getfd(bev);
    /* bufferevent_socket freezes the start of its output buffer so only
     * it drains it; it unfreezes around its own writes, and so do we */
    evbuffer_unfreeze(out, 1);
    while (evbuffer_get_length(out) > 0) {
        if (evbuffer_write(out, fd) <= 0)
            break; /* EAGAIN, or an error libevent will report */
    }
    evbuffer_freeze(out, 1);
    if (evbuffer_get_length(out) == 0) {
        bufferevent_disable(bev, EV_WRITE);
        s->queued = 0;
    } else {
        s->backlogged++;
        s->queued = 1;
        bufferevent_enable(bev, EV_WRITE);
    }
    return t;
}

static void idle_tv(struct mock *m, struct timeval *tv)
{
    tv->tv_sec = (long)m->cfg.idle_timeout_s;
    tv->tv_usec = (long)((m->cfg.idle_timeout_s - (double)tv->tv_sec) * 1e6);
}

static void send_headers(struct mock_stream *s)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(s->req);
    const char *ct = proto_content_type(s->proto, 1), *te;

    evhttp_add_header(h, "Content-Type", ct);
    if (strncmp(ct, "text/event-stream", 17) == 0)
        evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_send_reply_start(s->req, 200, "OK");
    te = evhttp_find_header(h, "Transfer-Encoding");
    s->chunked = te && strcmp(te, "chunked") == 0;
    if (s->evcon) {
        /* evhttp keeps reading during a reply only to notice a close;
         * its read timeout would cut streams longer than the idle
         * timeout, so only the write side keeps one while streaming */
        struct timeval tv;

        idle_tv(s->m, &tv);
        bufferevent_set_timeouts(evhttp_connection_get_bufferevent(s->evcon),
                                 NULL, &tv);
    }
    s->headers_sent = 1;
    s->status = 200;
    s->headers_ns = flush_now(s);
}

/* Room for len bytes of event after FLAT_HEAD in m->flat (plus the
 * CRLF). Grows only for unusually large events, never per chunk in the
 * steady state. Returns 0 or -1. */
static int flat_reserve(struct mock *m, size_t len)
{
    size_t need = FLAT_HEAD + len + 2, cap = m->flat_cap;
    char *p;

    if (need <= cap)
        return 0;
    if (cap < FLAT_MIN)
        cap = FLAT_MIN;
    while (cap < need)
        cap *= 2;
    p = realloc(m->flat, cap);
    if (!p)
        return -1;
    m->flat = p;
    m->flat_cap = cap;
    return 0;
}

static void lag_account(struct mock_stream *s, int64_t t, int64_t due)
{
    struct mock_stats *st = &s->m->st;
    int64_t lag = t - due;

    if (lag < 0)
        lag = 0;
    if (lag > s->lag_max_ns)
        s->lag_max_ns = lag;
    if (lag > st->lag_max_ns)
        st->lag_max_ns = lag;
    st->lag_sum_ns += lag;
    st->lag_n++;
}

/* Write the event at m->flat + FLAT_HEAD (len bytes) as one chunk
 * carrying ntok tokens; due is when the newest token in it was
 * scheduled (for the lag statistics).
 *
 * The chunk-size line is put in front of the event and the CRLF after
 * it, so the framed chunk is one contiguous run of bytes. When nothing
 * is queued on the connection it goes out with one send(2) on the
 * socket, bypassing libevent's buffers entirely (what the socket does
 * not take is queued in the output buffer and libevent drains it).
 * Otherwise it is appended behind the queued bytes, as evhttp would,
 * and flushed at once. chunk_ns is read immediately before the write
 * in both cases. */
static void emit_flat(struct mock_stream *s, size_t len, int ntok,
                      int64_t due)
{
    static const char hex[] = "0123456789abcdef";
    char *body = s->m->flat + FLAT_HEAD, *p = body;
    size_t n = len, total;
    int64_t t;

    if (s->gone || !s->req || len == 0)
        return;
    if (!s->headers_sent)
        send_headers(s);
    if (s->chunked) {
        /* the chunk-size line, without printf */
        *--p = '\n';
        *--p = '\r';
        do {
            *--p = hex[n & 15];
            n >>= 4;
        } while (n);
        body[len++] = '\r';
        body[len++] = '\n';
    }
    total = (size_t)(body + len - p);
    if (!s->evcon) {
        t = mock_now_ns();
    } else if (s->out &&
               (!s->queued || evbuffer_get_length(s->out) == 0)) {
        ssize_t w;

        s->queued = 0;
        t = mock_now_ns();
        w = send(s->fd, p, total, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0)
            w = 0; /* EAGAIN, or an error libevent will report */
        if ((size_t)w < total) {
            evbuffer_add(s->out, p + w, total - (size_t)w);
            s->backlogged++;
            s->queued = 1;
            bufferevent_enable(s->bev, EV_WRITE);
        }
    } else {
        evbuffer_add(bufferevent_get_output(
                         evhttp_connection_get_bufferevent(s->evcon)),
                     p, total);
        t = flush_now(s);
    }
    record_chunk(s, t, ntok);
    if (ntok > 0 && due > 0)
        lag_account(s, t, due);
}

/* emit_flat for an event built in an evbuffer (drained). */
static void emit(struct mock_stream *s, struct evbuffer *buf, int ntok,
                 int64_t due)
{
    size_t len = evbuffer_get_length(buf);
    int64_t t;

    if (s->gone || !s->req || len == 0) {
        evbuffer_drain(buf, len);
        return;
    }
    if (flat_reserve(s->m, len) == 0) {
        evbuffer_remove(buf, s->m->flat + FLAT_HEAD, len);
        emit_flat(s, len, ntok, due);
        return;
    }
    /* no memory for a flat copy: frame it in libevent's buffers */
    if (!s->headers_sent)
        send_headers(s);
    if (s->evcon) {
        struct evbuffer *out = bufferevent_get_output(
            evhttp_connection_get_bufferevent(s->evcon));

        if (s->chunked)
            evbuffer_add_printf(out, "%zx\r\n", len);
        evbuffer_add_buffer(out, buf);
        if (s->chunked)
            LIT(out, "\r\n");
    }
    evbuffer_drain(buf, evbuffer_get_length(buf));
    t = flush_now(s);
    record_chunk(s, t, ntok);
    if (ntok > 0 && due > 0)
        lag_account(s, t, due);
}

static void end_reply(struct mock_stream *s)
{
    if (!s->req)
        return;
    if (s->evcon) {
        struct timeval tv;

        evhttp_connection_set_closecb(s->evcon, NULL, NULL);
        /* back to the keep-alive idle timeout for the next request */
        idle_tv(s->m, &tv);
        bufferevent_set_timeouts(evhttp_connection_get_bufferevent(s->evcon),
                                 &tv, &tv);
    }
    if (!s->headers_sent)
        send_headers(s);
    evhttp_send_reply_end(s->req);
    s->req = NULL;
}

/* evhttp knows no phrase for some statuses servers use. */
static const char *phrase(int status)
{
    switch (status) {
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return NULL; /* evhttp's own */
    }
}

/* A complete (non-chunked) response; evhttp owns req afterwards. */
static void send_full(struct mock_stream *s, int status, const char *ctype,
                      struct evbuffer *body, int ntok)
{
    struct evkeyvalq *h;

    if (!s->req || s->gone) {
        evbuffer_drain(body, evbuffer_get_length(body));
        return;
    }
    h = evhttp_request_get_output_headers(s->req);
    if (s->evcon)
        evhttp_connection_set_closecb(s->evcon, NULL, NULL);
    evhttp_add_header(h, "Content-Type", ctype);
    if (status == 429 || status == 503)
        evhttp_add_header(h, "Retry-After", "1");
    s->headers_ns = mock_now_ns(); /* hand-off to libevent, see top */
    evhttp_send_reply(s->req, status, phrase(status), body);
    evbuffer_drain(body, evbuffer_get_length(body));
    s->req = NULL;
    s->status = status;
    record_chunk(s, s->headers_ns, ntok);
}

static void write_pending(struct mock_stream *s, int last)
{
    struct evbuffer *buf = s->m->scratch;
    int64_t upto = s->generated - s->n_pend;
    int j, n = s->n_pend;

    if (n == 0)
        return;
    s->n_pend = 0;
    if (!s->streaming || s->gone)
        return;
    if (upto > 0 && (s->m->cfg.chunk_mode == CHUNK_MERGE || n == 1) &&
        s->proto != PROTO_TGI) {
        /* the hot path: the event formatted straight into the flat
         * buffer (room for the widest pieces is kept at all times) */
        struct mock *m = s->m;
        size_t len;

        if (flat_reserve(m, 256 + (size_t)n * 64) == 0) {
            len = proto_stream_tokens_flat(s, s->pend, n, upto + n, last,
                                           m->flat + FLAT_HEAD,
                                           m->flat_cap - FLAT_HEAD - 2);
            if (len > 0) {
                emit_flat(s, len, n, s->due_ns);
                return;
            }
        }
    }
    if (upto == 0)
        proto_stream_open(s, buf);
    if (s->m->cfg.chunk_mode == CHUNK_MERGE && s->proto != PROTO_TGI) {
        proto_stream_tokens(s, s->pend, n, upto + n, last, buf);
    } else {
        /* burst: one event per token, all in one write (TGI never
         * merges tokens into one event) */
        for (j = 0; j < n; j++)
            proto_stream_tokens(s, s->pend + j, 1, upto + j + 1,
                                last && j == n - 1, buf);
    }
    emit(s, buf, n, s->due_ns);
}

/* ---- faults inside the stream ------------------------------------------ */

static int midstream(int kind)
{
    return kind == FAULT_DISCONNECT || kind == FAULT_STALL ||
           kind == FAULT_MALFORMED || kind == FAULT_ERROR_EVENT ||
           kind == FAULT_GARBAGE;
}

/* Index of an unfired in-stream fault due after i tokens (ge: any with
 * after >= i), or -1. Stalls count only with stall set: they act on the
 * schedule (stall_after), not here. */
static int fault_due(struct mock_stream *s, int64_t i, int ge, int stall)
{
    int k;

    for (k = 0; k < s->n_faults; k++) {
        struct mock_fault *f = &s->faults[k];

        if (!f->fired && midstream(f->kind) &&
            (stall || f->kind != FAULT_STALL) &&
            (f->after == i || (ge && f->after >= i)))
            return k;
    }
    return -1;
}

static void fault_disconnect(struct mock_stream *s)
{
    struct evhttp_connection *evcon = s->evcon;
    struct bufferevent *bev;

    if (!evcon || s->gone || !s->req) {
        finish(s, OUT_DISCONNECT);
        return;
    }
    bev = evhttp_connection_get_bufferevent(evcon);
    if (evbuffer_get_length(bufferevent_get_output(bev)) > 0 &&
        s->state != ST_LINGER) {
        /* let the bytes already written reach the client first */
        s->state = ST_LINGER;
        s->due_ns = 0;
    }
    if (s->state == ST_LINGER &&
        evbuffer_get_length(bufferevent_get_output(bev)) > 0 &&
        s->due_ns++ < LINGER_MAX) {
        struct timeval tv = {0, 1000};

        evtimer_add(&s->timer, &tv);
        return;
    }
    evhttp_connection_set_closecb(evcon, NULL, NULL);
    /* frees the request with it; the client sees the socket close in
     * the middle of a chunked body */
    evhttp_connection_free(evcon);
    s->req = NULL;
    s->evcon = NULL;
    s->out = NULL;
    s->bev = NULL;
    finish(s, OUT_DISCONNECT);
}

/* Apply in-stream faults due after i tokens. Returns 1 when the stream
 * ended. */
static int apply_faults(struct mock_stream *s, int64_t i, int ge)
{
    struct mock *m = s->m;
    struct evbuffer *buf = m->scratch;
    int k;

    while ((k = fault_due(s, i, ge, 0)) >= 0) {
        struct mock_fault *f = &s->faults[k];

        f->fired = 1;
        m->st.faults[f->kind]++;
        switch (f->kind) {
        case FAULT_DISCONNECT:
            fault_disconnect(s);
            return 1;
        case FAULT_ERROR_EVENT:
            if (s->streaming) {
                proto_stream_error(s, "llmperf-mock injected fault "
                                      "error-event", buf);
                emit(s, buf, 0, 0);
            } else {
                proto_error_body(s->proto, 500,
                                 "llmperf-mock injected fault error-event",
                                 buf);
                send_full(s, 500, proto_content_type(s->proto, 0), buf, 0);
            }
            finish(s, OUT_ERROR_EVENT);
            return 1;
        case FAULT_GARBAGE: {
            unsigned char g[256];
            size_t j;

            for (j = 0; j < sizeof(g); j++)
                g[j] = (unsigned char)mock_rng_next(&s->rng);
            evbuffer_add(buf, g, sizeof(g));
            if (s->streaming)
                emit(s, buf, 0, 0);
            else
                send_full(s, 200, proto_content_type(s->proto, 0), buf, 0);
            finish(s, OUT_GARBAGE);
            return 1;
        }
        case FAULT_MALFORMED:
            if (s->streaming) {
                /* a real event cut in half, then the framing's end */
                const struct mock_token *t = mock_vocab_next(&s->rng, 0);
                size_t len;
                int sse = s->proto != PROTO_OLLAMA_GENERATE &&
                          s->proto != PROTO_OLLAMA_CHAT;

                proto_stream_tokens(s, &t, 1, s->generated, 0, buf);
                len = evbuffer_get_length(buf);
                evbuffer_drain(buf, 0);
                {
                    struct evbuffer *cut = evbuffer_new();

                    if (cut) {
                        evbuffer_remove_buffer(buf, cut, len / 2);
                        evbuffer_drain(buf, evbuffer_get_length(buf));
                        if (sse)
                            LIT(cut, "\n\n");
                        else
                            LIT(cut, "\n");
                        emit(s, cut, 0, 0);
                        evbuffer_free(cut);
                    } else {
                        evbuffer_drain(buf, len);
                    }
                }
            } else {
                s->malformed_body = 1;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Extra delay before the token after i (stall fault). */
static int64_t stall_after(struct mock_stream *s, int64_t i)
{
    int64_t extra = 0;
    int k;

    for (k = 0; k < s->n_faults; k++) {
        struct mock_fault *f = &s->faults[k];

        if (f->kind == FAULT_STALL && !f->fired && f->after == i) {
            f->fired = 1;
            s->m->st.faults[FAULT_STALL]++;
            extra += f->ms * 1000000;
        }
    }
    return extra;
}

/* ---- the timer chain --------------------------------------------------- */

/* Timed steps (slow-headers hold, prefill, every token) wait in one
 * binary min-heap on their absolute CLOCK_MONOTONIC due time, served by
 * a single libevent timer armed for the earliest. A token thus costs a
 * heap update of a few compares instead of adding, firing and
 * dispatching a libevent timer of its own. The entries hold the due
 * time next to the pointer and the heap keeps no index inside the
 * streams, so sifting touches no stream: with thousands of streams each
 * touch is a cache miss, and those misses were most of the user-space
 * time per token. The price is lazy removal: an entry whose generation
 * no longer matches its stream's is stale and skipped, and a finished
 * stream that still has entries stays allocated until they are popped
 * (heap_refs). */

static void heap_down(struct mock *m, size_t i)
{
    struct mock_due d = m->heap[i];
    size_t c;

    while ((c = 2 * i) <= m->heap_n) {
        if (c < m->heap_n && m->heap[c + 1].due < m->heap[c].due)
            c++;
        if (m->heap[c].due >= d.due)
            break;
        m->heap[i] = m->heap[c];
        i = c;
    }
    m->heap[i] = d;
}

static struct mock_due heap_pop(struct mock *m)
{
    struct mock_due top = m->heap[1];

    m->heap[1] = m->heap[m->heap_n];
    m->heap_n--;
    if (m->heap_n > 1)
        heap_down(m, 1);
    top.s->heap_refs--;
    return top;
}

static int heap_push(struct mock *m, struct mock_stream *s, int64_t due)
{
    struct mock_due d;
    size_t i;

    if (m->heap_n + 1 >= m->heap_cap) {
        size_t cap = m->heap_cap ? m->heap_cap * 2 : 1024;
        struct mock_due *h = realloc(m->heap, cap * sizeof(*h));

        if (!h)
            return -1;
        m->heap = h;
        m->heap_cap = cap;
    }
    d.due = due;
    d.s = s;
    d.gen = s->sched_gen;
    i = ++m->heap_n;
    while (i > 1 && m->heap[i / 2].due > due) {
        m->heap[i] = m->heap[i / 2];
        i /= 2;
    }
    m->heap[i] = d;
    s->heap_refs++;
    return 0;
}

/* Arm the tick for the earliest due time, unless it already is armed
 * for that or earlier (an early tick finds nothing due and re-arms).
 * libevent timers are relative: the delay is recomputed from the
 * absolute target, so lateness never accumulates along a stream. */
static void tick_arm(struct mock *m, int64_t now)
{
    int64_t due, d;
    struct timeval tv;

    if (m->in_tick || m->heap_n == 0)
        return;
    due = m->heap[1].due;
    if (m->tick_armed > 0 && m->tick_armed <= due)
        return;
    d = due - now;
    if (d < 0)
        d = 0;
    d = (d + 999) / 1000; /* µs, rounded up: never before the due time */
    tv.tv_sec = (long)(d / 1000000);
    tv.tv_usec = (long)(d % 1000000);
    if (evtimer_add(m->tick_ev, &tv) == 0)
        m->tick_armed = due;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct mock *m = arg;
    int64_t now = mock_now_ns();
    size_t budget = m->heap_n;

    (void)fd;
    (void)what;
    m->tick_armed = 0;
    m->in_tick = 1;
    /* Serve every step that is due, or due within COALESCE_NS,
     * re-reading the clock only when the earliest is not due by the
     * last reading. Each stream is served at most about once per tick
     * (budget), so a mock that has fallen behind still returns to the
     * loop for its sockets. */
    while (m->heap_n > 0 && budget-- > 0) {
        struct mock_due d;

        if (m->heap[1].due > now + COALESCE_NS) {
            now = mock_now_ns();
            if (m->heap[1].due > now + COALESCE_NS)
                break;
        }
        d = heap_pop(m);
        if (m->heap_n >= 3) {
            /* the next streams served (the root and, one step later,
             * one of its children): their hot lines load while this one
             * is served; each would be a cache miss otherwise */
            const char *n = (const char *)m->heap[1].s;
            const char *a = (const char *)m->heap[2].s;
            const char *b = (const char *)m->heap[3].s;

            __builtin_prefetch(n);
            __builtin_prefetch(n + 64);
            __builtin_prefetch(n + 128);
            __builtin_prefetch(n + 192);
            __builtin_prefetch(a);
            __builtin_prefetch(a + 64);
            __builtin_prefetch(b);
            __builtin_prefetch(b + 64);
        }
        if (d.gen == d.s->sched_gen)
            on_timer(-1, 0, d.s);
        else if (d.s->state == ST_DONE && d.s->heap_refs == 0)
            stream_free(d.s); /* finished while it waited here */
    }
    m->in_tick = 0;
    tick_arm(m, mock_now_ns());
}

/* Run s's next step at the absolute CLOCK_MONOTONIC time due. */
static void schedule(struct mock_stream *s, int64_t due)
{
    struct mock *m = s->m;

    s->due_ns = due;
    s->sched_gen++; /* any earlier entry of s is stale now */
    if (!m->tick_ev)
        m->tick_ev = evtimer_new(m->base, on_tick, m);
    if (m->tick_ev && heap_push(m, s, due) == 0) {
        if (!m->in_tick)
            tick_arm(m, mock_now_ns());
        return;
    }
    {
        /* out of memory for the heap: the stream's own timer */
        int64_t d = due - mock_now_ns();
        struct timeval tv;

        if (d < 0)
            d = 0;
        tv.tv_sec = (long)(d / 1000000000);
        tv.tv_usec = (long)((d % 1000000000) / 1000);
        evtimer_add(&s->timer, &tv);
    }
}

void mock_streams_free(struct mock *m)
{
    /* after mock_abort_all: only finished streams are left in here */
    while (m->heap && m->heap_n > 0) {
        struct mock_due d = heap_pop(m);

        if (d.s->state == ST_DONE && d.s->heap_refs == 0)
            stream_free(d.s);
    }
    if (m->tick_ev)
        event_free(m->tick_ev);
    m->tick_ev = NULL;
    free(m->heap);
    m->heap = NULL;
    m->heap_n = m->heap_cap = 0;
    free(m->flat);
    m->flat = NULL;
    m->flat_cap = 0;
}

static void gen_token(struct mock_stream *s)
{
    struct mock *m = s->m;
    const struct mock_token *tok;
    int64_t now = mock_now_ns(), i, due;
    int last;

    i = ++s->generated;
    if (s->proto == PROTO_TGI && i == s->target && !s->finish_length)
        tok = mock_vocab_eos(); /* TGI streams the EOS token itself */
    else
        tok = mock_vocab_next(&s->rng, i == 1);
    if (tok != mock_vocab_eos()) {
        /* only a non-streamed body and TGI's last event carry the whole
         * text; other streams need not keep it */
        if (s->keep_text)
            evbuffer_add(s->text, tok->esc, tok->esc_len);
        if (tok->nl)
            s->has_newline = 1;
    }
    if (i == 1)
        s->first_token_ns = now;
    s->last_token_ns = now;
    m->st.tokens_generated++;
    s->pend[s->n_pend++] = tok;
    last = i >= s->target;
    if (s->n_pend >= m->cfg.tokens_per_chunk || last ||
        fault_due(s, i, 0, 1) >= 0)
        write_pending(s, last);
    if (apply_faults(s, i, 0))
        return;
    if (last) {
        finish(s, OUT_OK);
        return;
    }
    due = s->due_ns + (int64_t)(m->cfg.decode_ms_per_token * 1e6 *
                                sched_slowdown(m) * sched_jitter(m));
    due += stall_after(s, i);
    schedule(s, due);
}

static void prefill_done(struct mock_stream *s)
{
    s->prefill_end_ns = mock_now_ns();
    s->state = ST_DECODE;
    if (s->target <= 0) {
        finish(s, OUT_OK);
        return;
    }
    if (apply_faults(s, 0, 0))
        return;
    gen_token(s);
}

void stream_start(struct mock_stream *s)
{
    struct mock *m = s->m;
    const struct mock_cfg *c = &m->cfg;
    int64_t now = mock_now_ns(), a, b, due;
    double ms = 0;

    s->dispatch_ns = now;
    if (m->load_end_ns > 0) {
        /* the part of the last load this request waited through */
        a = m->load_start_ns > s->admit_ns ? m->load_start_ns : s->admit_ns;
        b = m->load_end_ns < now ? m->load_end_ns : now;
        s->load_ns = b > a ? b - a : 0;
    }
    s->n_eval = s->load_only ? 0 : s->prompt_tokens - s->cached_tokens;
    m->st.prompt_tokens += (uint64_t)s->prompt_tokens;
    m->st.cached_tokens += (uint64_t)s->cached_tokens;
    s->state = ST_PREFILL;
    s->prefill_start_ns = now;
    if (s->n_eval > 0)
        ms = (c->prefill_base_ms + c->prefill_ms_per_token * (double)s->n_eval)
             * sched_slowdown(m) * sched_jitter(m);
    due = now + (int64_t)(ms * 1e6);
    due += stall_after(s, 0);
    if (s->streaming && s->proto == PROTO_LLAMACPP && s->return_progress) {
        proto_stream_progress(s, m->scratch);
        emit(s, m->scratch, 0, 0);
    }
    schedule(s, due);
}

/* ---- admission --------------------------------------------------------- */

static void reject(struct mock_stream *s, int status, const char *msg)
{
    struct evbuffer *buf = s->m->scratch;

    proto_error_body(s->proto, status, msg, buf);
    send_full(s, status, s->proto == PROTO_OPENAI_COMPLETIONS ||
                                 s->proto == PROTO_OPENAI_CHAT ||
                                 s->proto == PROTO_TGI
                             ? "application/json"
                             : "application/json; charset=utf-8",
              buf, 0);
    finish(s, OUT_REJECTED);
}

static void admit(struct mock_stream *s)
{
    struct mock *m = s->m;
    int k;

    s->admit_ns = mock_now_ns();
    for (k = 0; k < s->n_faults; k++) {
        static const int codes[] = {0, 429, 500, 503};
        char msg[64];
        int kind = s->faults[k].kind;

        if (kind >= FAULT_HTTP_429 && kind <= FAULT_HTTP_503) {
            s->faults[k].fired = 1;
            m->st.faults[kind]++;
            snprintf(msg, sizeof(msg), "llmperf-mock injected fault %s",
                     mock_fault_name(kind));
            reject(s, codes[kind], msg);
            return;
        }
    }
    if (m->cfg.max_queue > 0 && m->q_len >= m->cfg.max_queue) {
        /* Ollama answers 503 when OLLAMA_MAX_QUEUE is full; TGI 429 */
        int tgi = s->proto == PROTO_TGI;

        reject(s, tgi ? 429 : 503,
               tgi ? "Model is overloaded"
                   : "server busy, please try again.  maximum pending "
                     "requests exceeded");
        return;
    }
    sched_plan_length(m, s);
    if (s->streaming && !m->cfg.late_headers)
        send_headers(s);
    sched_enqueue(m, s);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct mock_stream *s = arg;

    (void)fd;
    (void)what;
    switch (s->state) {
    case ST_SLOW_HEADERS:
        admit(s);
        break;
    case ST_PREFILL:
        prefill_done(s);
        break;
    case ST_DECODE:
        gen_token(s);
        break;
    case ST_LINGER:
        fault_disconnect(s);
        break;
    default:
        break;
    }
}

/* The client closed the connection (evhttp's close callback). */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct mock_stream *s = arg;

    evhttp_connection_set_closecb(evcon, NULL, NULL);
    /* On EOF evhttp detaches a request the handler still owns
     * (connection NULL) and leaves freeing it to us; otherwise it frees
     * it together with the connection. */
    if (s->req && evhttp_request_get_connection(s->req) == NULL)
        evhttp_request_free(s->req);
    s->req = NULL;
    s->evcon = NULL;
    s->out = NULL;
    s->bev = NULL;
    s->gone = 1;
    s->m->st.client_disconnects++;
    finish(s, OUT_CLIENT_GONE);
}

/* ---- the end ----------------------------------------------------------- */

/* "[a,b,...]" of the chunks' times (tok 0) or token counts (tok 1),
 * formatted in blocks on the stack rather than one add per number. */
static void log_chunk_array(struct evbuffer *out,
                            const struct mock_chunk *c, size_t n, int tok)
{
    char b[1024];
    size_t i, k = 0;

    b[k++] = '[';
    for (i = 0; i < n; i++) {
        if (k > sizeof(b) - 32) {
            evbuffer_add(out, b, k);
            k = 0;
        }
        if (i)
            b[k++] = ',';
        k += mock_i64(b + k, tok ? c[i].tok : c[i].ns);
    }
    b[k++] = ']';
    evbuffer_add(out, b, k);
}

static void log_line(struct mock_stream *s)
{
    struct mock *m = s->m;
    struct evbuffer *out = evbuffer_new();
    int64_t qwait = 0;

    if (!out)
        return;
    if (s->dispatch_ns > 0)
        qwait = s->dispatch_ns - s->admit_ns - s->load_ns;
    LIT(out, "{\"request_id\":\"");
    mock_json_escape(out, s->reqid, strlen(s->reqid));
    evbuffer_add_printf(out,
        "\",\"seq\":%llu,\"endpoint\":\"%s\",\"protocol\":\"%s\",\"model\":\"",
        (unsigned long long)s->seq, s->endpoint, proto_name(s->proto));
    if (s->model)
        mock_json_escape(out, s->model, strlen(s->model));
    evbuffer_add_printf(out,
        "\",\"stream\":%s,\"status\":%d,\"outcome\":\"%s\",\"fault\":\"",
        s->streaming ? "true" : "false", s->status,
        outcome_names[s->outcome]);
    mock_json_escape(out, s->fault_desc, strlen(s->fault_desc));
    LIT(out, "\",\"finish_reason\":");
    if (s->outcome == OUT_OK)
        evbuffer_add_printf(out, "\"%s\"",
                            s->load_only ? "load"
                            : s->finish_length ? "length" : "stop");
    else
        LIT(out, "null");
    evbuffer_add_printf(out,
        ",\"recv_ns\":%lld,\"admit_ns\":%lld,\"dispatch_ns\":%lld,"
        "\"headers_ns\":%lld,\"prefill_start_ns\":%lld,"
        "\"prefill_end_ns\":%lld,\"first_token_ns\":%lld,"
        "\"last_token_ns\":%lld,\"end_ns\":%lld,\"queue_wait_ns\":%lld,"
        "\"load_ns\":%lld,\"prefill_ns\":%lld,\"slot\":%d,"
        "\"prompt_tokens\":%lld,\"cached_tokens\":%lld,"
        "\"prompt_eval_tokens\":%lld,\"output_tokens\":%lld,"
        "\"target_tokens\":%lld,\"tokens_per_chunk\":%d,"
        "\"chunk_mode\":\"%s\",\"chunks_backlogged\":%d,\"lag_max_ns\":%lld,"
        "\"chunk_ns\":",
        (long long)s->recv_ns, (long long)s->admit_ns,
        (long long)s->dispatch_ns, (long long)s->headers_ns,
        (long long)s->prefill_start_ns, (long long)s->prefill_end_ns,
        (long long)s->first_token_ns, (long long)s->last_token_ns,
        (long long)s->end_ns, (long long)qwait, (long long)s->load_ns,
        (long long)(s->prefill_end_ns > 0
                        ? s->prefill_end_ns - s->prefill_start_ns : 0),
        s->log_slot, (long long)s->prompt_tokens, (long long)s->cached_tokens,
        (long long)s->n_eval, (long long)s->generated,
        (long long)s->target, m->cfg.tokens_per_chunk,
        m->cfg.chunk_mode == CHUNK_MERGE ? "merge" : "burst", s->backlogged,
        (long long)s->lag_max_ns);
    log_chunk_array(out, s->chunks, s->n_chunks, 0);
    LIT(out, ",\"chunk_tokens\":");
    log_chunk_array(out, s->chunks, s->n_chunks, 1);
    LIT(out, "}\n");
    mock_log_write(m, out);
    evbuffer_free(out);
}

static void finish(struct mock_stream *s, int outcome)
{
    struct mock *m = s->m;
    struct evbuffer *buf = m->scratch;

    if (s->state == ST_DONE)
        return;
    evtimer_del(&s->timer);
    s->sched_gen++; /* its heap entries, if any, are stale */
    s->end_ns = mock_now_ns();
    if (outcome == OUT_OK && !s->gone && apply_faults(s, s->target, 1))
        return; /* a fault due beyond the last token ended it */
    s->outcome = outcome;
    if (s->state == ST_QUEUED || s->state == ST_SLOW_HEADERS)
        sched_remove(m, s);
    s->state = ST_DONE;
    if (s->req && !s->gone) {
        if (outcome == OUT_OK && s->streaming) {
            write_pending(s, 1);
            proto_stream_close(s, buf);
            emit(s, buf, 0, 0);
            end_reply(s);
        } else if (outcome == OUT_OK) {
            if (s->malformed_body) {
                /* half of the real body */
                size_t len;

                proto_body(s, buf);
                len = evbuffer_get_length(buf);
                {
                    struct evbuffer *cut = evbuffer_new();

                    if (cut) {
                        evbuffer_remove_buffer(buf, cut, len / 2);
                        evbuffer_drain(buf, evbuffer_get_length(buf));
                        evbuffer_add_buffer(buf, cut);
                        evbuffer_free(cut);
                    }
                }
            } else {
                proto_body(s, buf);
            }
            send_full(s, 200, proto_content_type(s->proto, 0), buf,
                      (int)s->generated);
        } else if (outcome == OUT_ERROR_EVENT || outcome == OUT_GARBAGE) {
            end_reply(s);
        }
    }
    if (outcome == OUT_SHUTDOWN && s->evcon)
        evhttp_connection_set_closecb(s->evcon, NULL, NULL);
    if (s->status == 0)
        s->status = outcome == OUT_CLIENT_GONE ? 499 : 0;
    s->log_slot = s->slot;
    log_line(s);
    mock_count_request(m, s->endpoint, s->status);
    if (m->cfg.verbose)
        fprintf(stderr,
                "llmperf-mock: %s %s status=%d outcome=%s tokens=%lld "
                "fault=%s\n",
                s->reqid, s->endpoint, s->status, outcome_names[outcome],
                (long long)s->generated,
                s->fault_desc[0] ? s->fault_desc : "none");
    if (s->counted)
        m->in_flight--;
    if (s->all_prev)
        s->all_prev->all_next = s->all_next;
    else
        m->all = s->all_next;
    if (s->all_next)
        s->all_next->all_prev = s->all_prev;
    if (s->slot >= 0)
        sched_release(m, s);
    if (s->heap_refs == 0)
        stream_free(s); /* else on_tick frees it when its entry pops */
}

void mock_abort_all(struct mock *m)
{
    m->shutting_down = 1;
    while (m->all) {
        struct mock_stream *s = m->all;

        if (s->evcon)
            evhttp_connection_set_closecb(s->evcon, NULL, NULL);
        /* evhttp_free() frees the connections and their requests */
        s->req = NULL;
        finish(s, OUT_SHUTDOWN);
    }
}

/* ---- routing ----------------------------------------------------------- */

static void simple_reply(struct evhttp_request *req, int status,
                         const char *ctype, struct evbuffer *body)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      ctype);
    evhttp_send_reply(req, status, NULL, body);
    evbuffer_drain(body, evbuffer_get_length(body));
}

static int route(const char *path, const char **endpoint)
{
    static const struct {
        const char *path;
        int proto;
    } table[] = {
        {"/api/generate", PROTO_OLLAMA_GENERATE},
        {"/api/chat", PROTO_OLLAMA_CHAT},
        {"/v1/completions", PROTO_OPENAI_COMPLETIONS},
        {"/v1/chat/completions", PROTO_OPENAI_CHAT},
        {"/completion", PROTO_LLAMACPP},
        {"/completions", PROTO_LLAMACPP},
        {"/generate_stream", PROTO_TGI},
        {"/generate", PROTO_TGI},
    };
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(path, table[i].path) == 0) {
            *endpoint = table[i].path;
            return table[i].proto;
        }
    return -1;
}

static void set_reqid(struct mock_stream *s, struct evhttp_request *req)
{
    const char *id = evhttp_find_header(evhttp_request_get_input_headers(req),
                                        "X-Request-Id");
    size_t i, n = 0;

    if (id && *id) {
        for (i = 0; id[i] && n + 1 < sizeof(s->reqid); i++)
            if ((unsigned char)id[i] >= 0x20 && id[i] != 0x7f)
                s->reqid[n++] = id[i];
        s->reqid[n] = '\0';
    }
    if (n == 0)
        snprintf(s->reqid, sizeof(s->reqid), "mock-%016llx",
                 (unsigned long long)mock_hash64(&s->seq, sizeof(s->seq),
                                                 s->m->cfg.seed));
    evhttp_add_header(evhttp_request_get_output_headers(req), "X-Request-Id",
                      s->reqid);
}

static void set_nodelay(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    int one = 1;

    /* tokens are small writes: without TCP_NODELAY, Nagle and delayed
     * ACKs would hold them back by up to 40 ms */
    if (evcon)
        setsockopt(bufferevent_getfd(evhttp_connection_get_bufferevent(evcon)),
                   IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void handle_generate(struct mock *m, struct evhttp_request *req,
                            int proto, const char *endpoint, int64_t now)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    struct evbuffer *err = m->scratch;
    struct mock_stream *s = stream_new(m, req, proto, endpoint);
    const char *hdr, *why = NULL;
    size_t len = evbuffer_get_length(in);
    int status, k;
    uint64_t h;

    if (!s) {
        LIT(err, "{\"error\":\"out of memory\"}");
        simple_reply(req, 500, "application/json", err);
        return;
    }
    s->recv_ns = now;
    set_reqid(s, req);
    evhttp_connection_set_closecb(s->evcon, on_close, s);
    m->in_flight++;
    s->counted = 1;
    status = proto_parse(s, len ? (const char *)evbuffer_pullup(in, -1) : "",
                         len, err);
    if (status) {
        /* err holds the protocol's error body */
        send_full(s, status, s->proto == PROTO_OPENAI_COMPLETIONS ||
                                     s->proto == PROTO_OPENAI_CHAT ||
                                     s->proto == PROTO_TGI
                                 ? "application/json"
                                 : "application/json; charset=utf-8",
                  err, 0);
        finish(s, OUT_REJECTED);
        return;
    }
    hdr = evhttp_find_header(evhttp_request_get_input_headers(req),
                             "X-Mock-Fault");
    if (hdr) {
        int n = mock_fault_parse_list(s->faults, MOCK_MAX_FAULTS, hdr, &why);
        char msg[160];

        if (n < 0) {
            snprintf(msg, sizeof(msg), "invalid X-Mock-Fault header: %s",
                     why);
            reject(s, 400, msg);
            return;
        }
        s->n_faults = n;
    }
    for (k = 0; k < m->cfg.n_rates && s->n_faults < MOCK_MAX_FAULTS; k++)
        if (mock_rng_unit(&m->rng) < m->cfg.rates[k].p)
            s->faults[s->n_faults++] = m->cfg.rates[k].f;
    for (k = 0; k < s->n_faults; k++) {
        char one[48];
        size_t used = strlen(s->fault_desc);

        snprintf(s->fault_desc + used, sizeof(s->fault_desc) - used, "%s%s",
                 k ? "," : "",
                 mock_fault_format(&s->faults[k], one, sizeof(one)));
    }
    s->keep_text = !s->streaming || proto == PROTO_TGI;
    h = s->has_seed ? mock_hash64(&s->seed, sizeof(s->seed), 0x5eed)
                    : mock_hash64(&s->seq, sizeof(s->seq), m->cfg.seed);
    mock_rng_seed(&s->rng, h);
    snprintf(s->oid, sizeof(s->oid), "%s-%016llx%08llx",
             proto == PROTO_OPENAI_CHAT ? "chatcmpl" : "cmpl",
             (unsigned long long)h, (unsigned long long)(s->seq & 0xffffffff));
    s->created = mock_wall_ns() / 1000000000;
    for (k = 0; k < s->n_faults; k++)
        if (s->faults[k].kind == FAULT_SLOW_HEADERS) {
            s->faults[k].fired = 1;
            m->st.faults[FAULT_SLOW_HEADERS]++;
            s->state = ST_SLOW_HEADERS;
            schedule(s, now + s->faults[k].ms * 1000000);
            return;
        }
    admit(s);
}

void mock_handle_request(struct evhttp_request *req, void *arg)
{
    struct mock *m = arg;
    int64_t now = mock_now_ns();
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    struct evbuffer *out = m->scratch;
    const char *endpoint = NULL, *ctype;
    int proto, status;

    if (!path || !*path)
        path = "/";
    evhttp_add_header(oh, "Server", "llmperf-mock/" MOCK_VERSION);
    set_nodelay(req);
    proto = route(path, &endpoint);
    if (proto >= 0) {
        if (cmd != EVHTTP_REQ_POST) {
            evhttp_add_header(oh, "Allow", "POST");
            LIT(out, "405 method not allowed");
            simple_reply(req, 405, "text/plain; charset=utf-8", out);
            mock_count_request(m, endpoint, 405);
            return;
        }
        handle_generate(m, req, proto, endpoint, now);
        return;
    }
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        LIT(out, "404 page not found");
        simple_reply(req, 404, "text/plain; charset=utf-8", out);
        mock_count_request(m, "other", 404);
        return;
    }
    if (strcmp(path, "/metrics") == 0) {
        mock_metrics_text(m, out);
        simple_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                     out);
        mock_count_request(m, "/metrics", 200);
        return;
    }
    status = proto_info(m, path, out, &ctype);
    if (status) {
        simple_reply(req, status, ctype, out);
        mock_count_request(m, strcmp(path, "/api/tags") == 0   ? "/api/tags"
                              : strcmp(path, "/v1/models") == 0 ? "/v1/models"
                              : strcmp(path, "/health") == 0    ? "/health"
                                                                : "other",
                           status);
        return;
    }
    LIT(out, "404 page not found");
    simple_reply(req, 404, "text/plain; charset=utf-8", out);
    mock_count_request(m, "other", 404);
}
