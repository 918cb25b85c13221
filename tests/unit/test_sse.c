/* SPDX-License-Identifier: MIT */
/*
 * test_sse.c -- the text/event-stream parser: the WHATWG line and field
 * rules, caps, sticky errors, allocation failure, no over-read past len,
 * and every SSE fixture giving the same events however it is split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "sse.h"

/* ---- collecting events ------------------------------------------- */

typedef struct ev_copy {
    char *event, *data, *id;
    size_t event_len, data_len, id_len;
} ev_copy;

typedef struct ev_list {
    ev_copy *v;
    size_t n, cap;
    size_t stop_at; /* return stop_rc from the stop_at-th event (1-based) */
    int stop_rc;
} ev_list;

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    assert_non_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int collect(const llmperf__sse_event *ev, void *userdata)
{
    ev_list *l = userdata;
    ev_copy *c;

    /* The documented contract: NUL-terminated, never NULL. */
    assert_non_null(ev->event);
    assert_non_null(ev->data);
    assert_non_null(ev->id);
    assert_int_equal(ev->data[ev->data_len], '\0');
    assert_int_equal(ev->event[ev->event_len], '\0');
    assert_int_equal(ev->id[ev->id_len], '\0');
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        assert_non_null(l->v);
    }
    c = &l->v[l->n++];
    c->event = dup_bytes(ev->event, ev->event_len);
    c->event_len = ev->event_len;
    c->data = dup_bytes(ev->data, ev->data_len);
    c->data_len = ev->data_len;
    c->id = dup_bytes(ev->id, ev->id_len);
    c->id_len = ev->id_len;
    if (l->stop_at != 0 && l->n == l->stop_at)
        return l->stop_rc;
    return 0;
}

static void list_free(ev_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].event);
        free(l->v[i].data);
        free(l->v[i].id);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void assert_lists_equal(const ev_list *a, const ev_list *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        assert_int_equal(a->v[i].data_len, b->v[i].data_len);
        assert_memory_equal(a->v[i].data, b->v[i].data, a->v[i].data_len);
        assert_string_equal(a->v[i].event, b->v[i].event);
        assert_string_equal(a->v[i].id, b->v[i].id);
    }
}

/* ---- feeding ------------------------------------------------------ */

enum { WHOLE, BYTES, RANDOM };

/* xorshift64*: a fixed seed makes every random split reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/*
 * Parse buf in the given way into out; returns the first non-OK status
 * of feed() or else finish()'s status. Also checks that a failed parser
 * stays failed.
 */
static int run(llmperf__sse *p, const char *buf, size_t len, int how,
               uint64_t seed, ev_list *out)
{
    size_t off = 0, n;
    int rc = LLMPERF_OK;

    while (off < len && rc == LLMPERF_OK) {
        if (how == WHOLE)
            n = len;
        else if (how == BYTES)
            n = 1;
        else if (rng_next(&seed) % 4 == 0)
            n = 1 + rng_next(&seed) % len; /* sometimes a big piece */
        else
            n = 1 + rng_next(&seed) % 8; /* mostly small ones */
        if (n > len - off)
            n = len - off;
        rc = llmperf__sse_feed(p, buf + off, n, collect, out);
        off += n;
    }
    if (rc == LLMPERF_OK)
        return llmperf__sse_finish(p);
    /* Sticky: further input and finish() report the same status. */
    assert_int_equal(llmperf__sse_feed(p, "data: x\n\n", 9, collect, out),
                     rc);
    assert_int_equal(llmperf__sse_finish(p), rc);
    return rc;
}

/* Parse s whole, byte by byte and in 50 random splits; all must agree.
 * The whole-buffer events are left in out; returns the status. */
static int parse_all_ways(const char *s, size_t len, size_t max_line,
                          size_t max_event, ev_list *out)
{
    llmperf__sse p;
    ev_list other;
    int rc, rc2, round;

    memset(&p, 0, sizeof(p));
    p.max_line = max_line;
    p.max_event = max_event;
    rc = run(&p, s, len, WHOLE, 0, out);
    for (round = 0; round < 52; round++) {
        llmperf__sse_reset(&p);
        memset(&other, 0, sizeof(other));
        rc2 = run(&p, s, len, round == 0 ? BYTES : RANDOM,
                  0x9E3779B97F4A7C15ull + (uint64_t)round, &other);
        assert_int_equal(rc2, rc);
        assert_lists_equal(out, &other);
        list_free(&other);
    }
    llmperf__sse_reset(&p);
    return rc;
}

#define PARSE(lit, out) parse_all_ways(lit, sizeof(lit) - 1, 0, 0, out)
#define PARSE_CAPS(lit, ml, me, out)                                     \
    parse_all_ways(lit, sizeof(lit) - 1, ml, me, out)

static void assert_event(const ev_list *l, size_t i, const char *event,
                         const char *data, const char *id)
{
    assert_true(i < l->n);
    assert_string_equal(l->v[i].event, event);
    assert_string_equal(l->v[i].data, data);
    assert_int_equal(l->v[i].data_len, strlen(data));
    assert_string_equal(l->v[i].id, id);
}

/* ---- line endings ------------------------------------------------- */

static void test_line_endings(void **state)
{
    static const char *const streams[] = {
        "data: a\ndata: b\n\nevent: e\ndata: c\n\n",
        "data: a\rdata: b\r\revent: e\rdata: c\r\r",
        "data: a\r\ndata: b\r\n\r\nevent: e\r\ndata: c\r\n\r\n",
        "data: a\r\ndata: b\n\revent: e\rdata: c\n\r\n",
    };
    ev_list l;
    size_t i;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(streams); i++) {
        memset(&l, 0, sizeof(l));
        assert_int_equal(parse_all_ways(streams[i], strlen(streams[i]), 0,
                                        0, &l),
                         LLMPERF_OK);
        assert_int_equal(l.n, 2);
        assert_event(&l, 0, "", "a\nb", "");
        assert_event(&l, 1, "e", "c", "");
        list_free(&l);
    }
}

/* A CRLF split between two feeds is one line end, not CR + blank line. */
static void test_crlf_split_across_feeds(void **state)
{
    llmperf__sse p;
    ev_list l;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    assert_int_equal(llmperf__sse_feed(&p, "data: a\r", 8, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, "\ndata: b\r", 9, collect, &l),
                     0);
    assert_int_equal(l.n, 0); /* the LF did not end the event */
    assert_int_equal(llmperf__sse_feed(&p, "\n", 1, collect, &l), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(llmperf__sse_feed(&p, "\r", 1, collect, &l), 0);
    assert_int_equal(l.n, 1); /* the blank line dispatched at its CR */
    assert_event(&l, 0, "", "a\nb", "");
    assert_int_equal(llmperf__sse_feed(&p, "\n", 1, collect, &l), 0);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_OK);
    assert_int_equal(l.n, 1);
    llmperf__sse_reset(&p);
    list_free(&l);
}

/* A lone CR at the end of one feed, then LF first in the next. */
static void test_lone_cr_then_lf(void **state)
{
    llmperf__sse p;
    ev_list l;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    assert_int_equal(llmperf__sse_feed(&p, "data: x\r\r", 9, collect, &l),
                     0);
    assert_int_equal(l.n, 1);
    /* This LF belongs to the CR before it, not a new blank line; the
     * next CR is a line end, and the one after it a blank line. */
    assert_int_equal(llmperf__sse_feed(&p, "\ndata: y\r", 9, collect, &l),
                     0);
    assert_int_equal(llmperf__sse_feed(&p, "\r", 1, collect, &l), 0);
    assert_int_equal(l.n, 2);
    assert_event(&l, 1, "", "y", "");
    /* A CR at the end of a feed followed by something other than LF. */
    assert_int_equal(llmperf__sse_feed(&p, "data: z\r", 8, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, "data: w\n\n", 9, collect, &l),
                     0);
    assert_int_equal(l.n, 3);
    assert_event(&l, 2, "", "z\nw", "");
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_OK);
    llmperf__sse_reset(&p);
    list_free(&l);
}

/* ---- fields ------------------------------------------------------- */

static void test_data_join_and_space(void **state)
{
    ev_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE("data: a\ndata:b\ndata:  c\ndata:\n\n"
                           "data\n\n"
                           "data\ndata\n\n"
                           "data: \n\n",
                           &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 4);
    /* One space removed, not two; an empty data line still joins. */
    assert_event(&l, 0, "", "a\nb\n c\n", "");
    /* "data" without a colon: a data field with an empty value. */
    assert_event(&l, 1, "", "", "");
    assert_event(&l, 2, "", "\n", "");
    assert_event(&l, 3, "", "", "");
    list_free(&l);
}

static void test_comments_only(void **state)
{
    ev_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE(": ping\n\n:\n\n: data: x\n\n::\r\n\r\n", &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 0);
    /* A comment inside an event does not end or change it. */
    assert_int_equal(PARSE("data: a\n: ping\ndata: b\n\n", &l), LLMPERF_OK);
    assert_int_equal(l.n, 1);
    assert_event(&l, 0, "", "a\nb", "");
    list_free(&l);
}

static void test_unknown_and_ignored_fields(void **state)
{
    ev_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE("foo: bar\nretry: 100\nData: no\n data: no\n"
                           "data : no\nretry\ndata: x\nfoo\n\n",
                           &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 1);
    assert_event(&l, 0, "", "x", "");
    list_free(&l);
}

static void test_event_and_id_fields(void **state)
{
    ev_list l;
    static const char s[] = "event: error\ndata: {\"e\":1}\nid: 7\n\n"
                            "data: next\n\n"
                            "id: a\0b\ndata: nul id ignored\n\n"
                            "id\nevent\ndata: cleared\n\n"
                            "event: first\nevent:second\ndata: d\n\n";

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(parse_all_ways(s, sizeof(s) - 1, 0, 0, &l), 0);
    assert_int_equal(l.n, 5);
    assert_event(&l, 0, "error", "{\"e\":1}", "7");
    /* The event type is per event; the last event ID persists. */
    assert_event(&l, 1, "", "next", "7");
    assert_event(&l, 2, "", "nul id ignored", "7");
    assert_event(&l, 3, "", "cleared", "");
    assert_event(&l, 4, "second", "d", "");
    list_free(&l);
}

/* Without a data field nothing is dispatched, and the event type of the
 * dropped block does not leak into the next event (spec). */
static void test_event_without_data(void **state)
{
    ev_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE("event: error\n\ndata: x\n\nid: 3\n\n", &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 1);
    assert_event(&l, 0, "", "x", "");
    list_free(&l);
}

static void test_data_with_nul_and_high_bytes(void **state)
{
    static const char s[] = "data: a\0b\xff\xfe\n\n";
    ev_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(parse_all_ways(s, sizeof(s) - 1, 0, 0, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].data_len, 5);
    assert_memory_equal(l.v[0].data, "a\0b\xff\xfe", 5);
    list_free(&l);
}

static void test_bom(void **state)
{
    llmperf__sse p;
    ev_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE("\xEF\xBB\xBF" "data: x\n\n", &l), LLMPERF_OK);
    assert_int_equal(l.n, 1);
    assert_event(&l, 0, "", "x", "");
    list_free(&l);
    /* Only one BOM is skipped: a second one is part of the field name. */
    assert_int_equal(PARSE("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\n"
                           "data: y\n\n",
                           &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 1);
    assert_event(&l, 0, "", "y", "");
    list_free(&l);
    /* Bytes that only start like a BOM are kept as line text. */
    assert_int_equal(PARSE("\xEF\xBB" "data: x\n\ndata: y\n\n", &l), 0);
    assert_int_equal(l.n, 1);
    assert_event(&l, 0, "", "y", "");
    list_free(&l);
    assert_int_equal(PARSE("\xEF\n\xEF\xBB\xBF" "data: y\n\n", &l), 0);
    assert_int_equal(l.n, 0);
    /* Not at the start of the stream: not a BOM. */
    assert_int_equal(PARSE("data: x\n\n\xEF\xBB\xBF" "data: y\n\n", &l), 0);
    assert_int_equal(l.n, 1);
    list_free(&l);
    /* After reset() a new stream may start with a BOM again. */
    memset(&p, 0, sizeof(p));
    assert_int_equal(llmperf__sse_feed(&p, "\xEF", 1, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, "\xBB\xBF", 2, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, "data: a\n\n", 9, collect, &l),
                     0);
    llmperf__sse_reset(&p);
    assert_int_equal(llmperf__sse_feed(&p, "\xEF\xBB\xBF" "data: b\n\n", 12,
                                       collect, &l),
                     0);
    assert_int_equal(l.n, 2);
    assert_event(&l, 0, "", "a", "");
    assert_event(&l, 1, "", "b", "");
    /* A stream cut inside its BOM is truncated. */
    llmperf__sse_reset(&p);
    assert_int_equal(llmperf__sse_feed(&p, "\xEF\xBB", 2, collect, &l), 0);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_EPROTOCOL);
    llmperf__sse_reset(&p);
    list_free(&l);
}

/* ---- caps, errors, lifecycle ------------------------------------- */

static void test_line_cap(void **state)
{
    ev_list l;
    char *big;
    size_t max = LLMPERF__SSE_DEFAULT_MAX;
    llmperf__sse p;

    (void)state;
    memset(&l, 0, sizeof(l));
    /* "data: 0123456789" is 16 bytes: fits max_line 16, not 15. */
    assert_int_equal(PARSE_CAPS("data: 0123456789\n\n", 16, 0, &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 1);
    list_free(&l);
    assert_int_equal(PARSE_CAPS("data: 0123456789\n\n", 15, 0, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(l.n, 0);
    /* Comments count too; events before the long line are delivered. */
    assert_int_equal(PARSE_CAPS("data: a\n\n: 0123456789abcdef\n", 15, 0,
                                &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(l.n, 1);
    list_free(&l);
    /* A line that never ends is caught while it grows. */
    assert_int_equal(PARSE_CAPS("data: 0123456789abcdef", 15, 0, &l),
                     LLMPERF_ETOOBIG);
    list_free(&l);

    /* The default cap (1 MiB): a comment of exactly max bytes passes, one
     * byte more fails, however it arrives. */
    big = malloc(max + 2);
    assert_non_null(big);
    memset(big, 'a', max + 1);
    big[0] = ':';
    big[max] = '\n';
    memset(&p, 0, sizeof(p));
    assert_int_equal(llmperf__sse_feed(&p, big, max + 1, collect, &l), 0);
    llmperf__sse_reset(&p);
    assert_int_equal(llmperf__sse_feed(&p, big, max / 2, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, big + max / 2, max + 1 - max / 2,
                                       collect, &l),
                     0);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_OK);
    llmperf__sse_reset(&p);
    big[max] = 'a';
    big[max + 1] = '\n';
    assert_int_equal(llmperf__sse_feed(&p, big, max + 2, collect, &l),
                     LLMPERF_ETOOBIG);
    llmperf__sse_reset(&p);
    assert_int_equal(llmperf__sse_feed(&p, big, max, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, big + max, 2, collect, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(llmperf__sse_feed(&p, "\n", 1, collect, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(l.n, 0);
    llmperf__sse_reset(&p);
    free(big);
}

static void test_event_cap(void **state)
{
    ev_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    /* "01234\n56789" is 11 bytes with its joining LF. */
    assert_int_equal(PARSE_CAPS("data: 01234\ndata: 56789\n\n", 0, 11, &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 1);
    list_free(&l);
    assert_int_equal(PARSE_CAPS("data: x\n\ndata: 01234\ndata: 56789\n\n"
                                "data: y\n\n",
                                0, 10, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(l.n, 1); /* only the event before the big one */
    assert_event(&l, 0, "", "x", "");
    list_free(&l);
    /* Many empty data lines grow the event too (their LFs). */
    assert_int_equal(PARSE_CAPS("data\ndata\ndata\ndata\n\n", 0, 2, &l),
                     LLMPERF_ETOOBIG);
    list_free(&l);
}

static void test_callback_stops_sticky(void **state)
{
    static const char s[] = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
    llmperf__sse p;
    ev_list l;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    l.stop_at = 2;
    l.stop_rc = LLMPERF_EABORTED;
    assert_int_equal(llmperf__sse_feed(&p, s, sizeof(s) - 1, collect, &l),
                     LLMPERF_EABORTED);
    assert_int_equal(l.n, 2);
    assert_int_equal(llmperf__sse_feed(&p, s, sizeof(s) - 1, collect, &l),
                     LLMPERF_EABORTED);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_EABORTED);
    assert_int_equal(l.n, 2);
    /* Any non-zero value is passed back unchanged, split or not. */
    llmperf__sse_reset(&p);
    list_free(&l);
    l.stop_at = 1;
    l.stop_rc = 42;
    assert_int_equal(run(&p, s, sizeof(s) - 1, BYTES, 0, &l), 42);
    assert_int_equal(l.n, 1);
    llmperf__sse_reset(&p);
    list_free(&l);
}

static void test_finish_truncated(void **state)
{
    static const struct {
        const char *in;
        int rc;
    } cases[] = {
        {"", LLMPERF_OK},
        {"data: x\n\n", LLMPERF_OK},
        {"data: x\n\n: bye\n", LLMPERF_OK},
        {"data: x\r", LLMPERF_EPROTOCOL},  /* event without blank line */
        {"data: x\n", LLMPERF_EPROTOCOL},
        {"data: x\n\ndata: y", LLMPERF_EPROTOCOL}, /* partial line */
        {": partial comment", LLMPERF_EPROTOCOL},
        {"event: e\n", LLMPERF_OK}, /* nothing would be dispatched */
    };
    llmperf__sse p;
    ev_list l;
    size_t i;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(cases); i++) {
        memset(&l, 0, sizeof(l));
        assert_int_equal(parse_all_ways(cases[i].in, strlen(cases[i].in), 0,
                                        0, &l),
                         cases[i].rc);
        list_free(&l);
    }
    /* The truncated event is not delivered, and EPROTOCOL is sticky. */
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    assert_int_equal(llmperf__sse_feed(&p, "data: x\n", 8, collect, &l), 0);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_EPROTOCOL);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_EPROTOCOL);
    assert_int_equal(llmperf__sse_feed(&p, "\n", 1, collect, &l),
                     LLMPERF_EPROTOCOL);
    assert_int_equal(l.n, 0);
    llmperf__sse_reset(&p);
}

static void test_reset_reuse_and_zero_len(void **state)
{
    llmperf__sse p;
    ev_list l;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    p.max_line = 8;
    /* len 0: fine with a NULL buffer, and changes nothing. */
    assert_int_equal(llmperf__sse_feed(&p, NULL, 0, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, NULL, 1, collect, &l),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf__sse_feed(&p, "data: 0123456789\n", 17,
                                       collect, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(llmperf__sse_feed(&p, NULL, 0, collect, &l),
                     LLMPERF_ETOOBIG);
    llmperf__sse_reset(&p);
    /* reset() cleared the error and every buffer but kept the cap. */
    assert_int_equal(p.max_line, 8);
    assert_null(p.line);
    assert_null(p.data);
    assert_int_equal(p.events, 0);
    assert_int_equal(llmperf__sse_feed(&p, "data: 1\n\nda", 11, collect, &l),
                     0);
    assert_int_equal(llmperf__sse_feed(&p, NULL, 0, collect, &l), 0);
    assert_int_equal(llmperf__sse_feed(&p, "ta: 2\n\n", 7, collect, &l), 0);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_OK);
    assert_int_equal(p.events, 2);
    assert_int_equal(l.n, 2);
    assert_event(&l, 1, "", "2", "");
    /* reset() on a parser in the middle of an event drops it. */
    assert_int_equal(llmperf__sse_feed(&p, "data: 3\n", 8, collect, &l), 0);
    llmperf__sse_reset(&p);
    assert_int_equal(llmperf__sse_feed(&p, "\n", 1, collect, &l), 0);
    assert_int_equal(llmperf__sse_finish(&p), LLMPERF_OK);
    assert_int_equal(l.n, 2);
    /* A NULL callback parses and counts. */
    assert_int_equal(llmperf__sse_feed(&p, "data: 4\n\n", 9, NULL, NULL), 0);
    assert_int_equal(p.events, 1);
    llmperf__sse_reset(&p);
    llmperf__sse_reset(&p); /* twice is fine */
    list_free(&l);
}

static void test_enomem(void **state)
{
    static const char s[] = "event: e\nid: 1\ndata: first\n\n"
                            "data: second, split\n\n";
    llmperf__sse p;
    ev_list l;
    long n;
    int rc, failures = 0;

    (void)state;
    for (n = 1; n < 64; n++) {
        memset(&p, 0, sizeof(p));
        memset(&l, 0, sizeof(l));
        llmperf__alloc_fail_after(n);
        /* Split so that the line buffer is needed as well. */
        rc = llmperf__sse_feed(&p, s, 33, collect, &l);
        if (rc == LLMPERF_OK)
            rc = llmperf__sse_feed(&p, s + 33, sizeof(s) - 1 - 33, collect,
                                   &l);
        if (rc == LLMPERF_OK)
            rc = llmperf__sse_finish(&p);
        llmperf__alloc_fail_after(0);
        if (rc == LLMPERF_OK) {
            assert_int_equal(l.n, 2);
            assert_event(&l, 0, "e", "first", "1");
            assert_event(&l, 1, "", "second, split", "1");
            llmperf__sse_reset(&p);
            list_free(&l);
            break;
        }
        assert_int_equal(rc, LLMPERF_ENOMEM);
        failures++;
        assert_int_equal(llmperf__sse_feed(&p, "\n", 1, collect, &l),
                         LLMPERF_ENOMEM);
        assert_int_equal(llmperf__sse_finish(&p), LLMPERF_ENOMEM);
        /* Whatever was delivered before the failure was right. */
        if (l.n > 0)
            assert_event(&l, 0, "e", "first", "1");
        llmperf__sse_reset(&p); /* and nothing leaks (ASan) */
        list_free(&l);
    }
    /* event, id, data, line buffer: at least four allocation points. */
    assert_true(failures >= 4);
    assert_true(n < 64);
}

/* Growth is amortised: a 200 kB line fed one byte at a time costs a
 * logarithmic number of allocations, and whole lines are not copied. */
static void test_growth_and_no_copy(void **state)
{
    enum { N = 200000 };
    llmperf__sse p;
    ev_list l;
    size_t i;
    char c;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    llmperf__alloc_fail_after(0); /* resets the counter */
    assert_int_equal(llmperf__sse_feed(&p, "data:", 5, collect, &l), 0);
    for (i = 0; i < N; i++) {
        c = (char)('a' + i % 26);
        assert_int_equal(llmperf__sse_feed(&p, &c, 1, collect, &l), 0);
    }
    assert_int_equal(llmperf__sse_feed(&p, "\n\n", 2, collect, &l), 0);
    assert_true(llmperf__alloc_count() < 30);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].data_len, N);
    llmperf__sse_reset(&p);
    list_free(&l);

    /* Lines wholly inside the caller's buffer never touch p.line. */
    assert_int_equal(llmperf__sse_feed(&p, "data: a\n\n: c\ndata: b\r\n\r\n",
                                       24, collect, &l),
                     0);
    assert_int_equal(l.n, 2);
    assert_null(p.line);
    assert_int_equal(p.line_cap, 0);
    llmperf__sse_reset(&p);
    list_free(&l);
}

/* ---- no over-read (picohttpparser style) ------------------------- */

/*
 * Put each input right before a PROT_NONE page and feed it from there,
 * whole and one byte at a time (every single byte again sits right
 * before the guard page): any read past len faults.
 */
static void test_no_overread(void **state)
{
    static const char *const inputs[] = {
        "data: x\n\ndata: tail", "data: x\r", "data: x\r\n\r", "\xEF\xBB",
        "\xEF", "data:", "data", "id", "id:", ":", "data: x\n\n",
        "event: e\ndata: y\n\n", "\r", "data: \r\n\r\n",
    };
    long page = sysconf(_SC_PAGESIZE);
    llmperf__sse p;
    ev_list whole, bytes;
    char *map, *at;
    size_t i, j, len;
    int fd, rc1, rc2;

    (void)state;
    assert_true(page > 0);
    /* /dev/zero keeps this POSIX (MAP_ANONYMOUS is an extension). */
    fd = open("/dev/zero", O_RDWR);
    assert_true(fd >= 0);
    map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE,
               fd, 0);
    close(fd);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
    for (i = 0; i < LLMPERF__ARRAY_LEN(inputs); i++) {
        len = strlen(inputs[i]);
        at = map + page - len;
        memcpy(at, inputs[i], len);
        memset(&p, 0, sizeof(p));
        memset(&whole, 0, sizeof(whole));
        memset(&bytes, 0, sizeof(bytes));
        rc1 = llmperf__sse_feed(&p, at, len, collect, &whole);
        if (rc1 == LLMPERF_OK)
            rc1 = llmperf__sse_finish(&p);
        llmperf__sse_reset(&p);
        rc2 = LLMPERF_OK;
        for (j = 0; j < len && rc2 == LLMPERF_OK; j++) {
            map[page - 1] = inputs[i][j];
            rc2 = llmperf__sse_feed(&p, map + page - 1, 1, collect, &bytes);
        }
        if (rc2 == LLMPERF_OK)
            rc2 = llmperf__sse_finish(&p);
        llmperf__sse_reset(&p);
        assert_int_equal(rc1, rc2);
        assert_lists_equal(&whole, &bytes);
        list_free(&whole);
        list_free(&bytes);
    }
    munmap(map, 2 * (size_t)page);
}

/* ---- fixtures ----------------------------------------------------- */

/* What each SSE fixture must give, checked in all the ways above. */
typedef struct fixture {
    const char *path; /* under LLMPERF_SHARED_DIR/fixtures */
    size_t count;
    const char *first; /* prefix of the first event's data */
    const char *last;  /* prefix of the last event's data */
    int seen;
} fixture;

static fixture fixtures[] = {
    {"llama.cpp/llamacpp_completion_stream.txt", 5,
     "{\"index\":0,\"content\":\" bene\",\"tokens\":[13982]",
     "{\"index\":0,\"content\":\"\",\"tokens\":[],\"id_slot\":3,\"stop\":true",
     0},
    {"llama.cpp/llamacpp_completion_stream_progress.txt", 6,
     "{\"index\":0,\"content\":\"\",\"tokens\":[],\"stop\":false",
     "{\"index\":0,\"content\":\"\",\"tokens\":[],\"id_slot\":3,\"stop\":true",
     0},
    {"llama.cpp/openai_chat_stream.txt", 8,
     "{\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":"
     "{\"role\":\"assistant\",\"content\":null}}]",
     "[DONE]", 0},
    {"llama.cpp/openai_completions_stream.txt", 10,
     "{\"choices\":[{\"text\":\"ernal\"", "[DONE]", 0},
    {"llama.cpp/openai_completions_stream_with_headers.http", 5,
     "{\"choices\":[{\"text\":\" decided\"", "[DONE]", 0},
    {"openai/completions_stream_crlf_nospace.sse", 3,
     "{\"id\":\"cmpl-2\"", "[DONE]", 0},
    {"openai/vllm_chat_stream_role_first.sse", 6,
     "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\"", "[DONE]",
     0},
    {"openai/vllm_stream_error_midstream.sse", 3, "{\"id\":\"cmpl-3\"",
     "[DONE]", 0},
    {"tgi/generate_stream.sse", 3, "{\"index\":1,\"token\":{\"id\":9906",
     "{\"index\":3,\"token\":{\"id\":2,\"text\":\"</s>\"", 0},
};

/* Not streams: JSON bodies (errors before the stream, non-streamed). */
static const char *const non_streams[] = {
    "llama.cpp/openai_chat_error_400.http",
    "llama.cpp/openai_chat_nostream.json",
    "ollama/generate_error_404.http",
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0 && n < 16 * 1024 * 1024);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/*
 * For an .http capture: skip the status line and headers up to the first
 * blank line; *is_sse says whether Content-Type is text/event-stream.
 * Returns the offset of the body.
 */
static size_t http_body(const char *buf, size_t len, int *is_sse)
{
    const char *end = NULL, *ct;
    size_t i;

    for (i = 0; i + 3 < len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
            end = buf + i;
            break;
        }
    assert_non_null(end);
    ct = strstr(buf, "Content-Type:");
    assert_non_null(ct);
    assert_true(ct < end);
    *is_sse = strncmp(ct, "Content-Type: text/event-stream", 31) == 0;
    return (size_t)(end - buf) + 4;
}

static void check_fixture(fixture *fx, const char *body, size_t len)
{
    ev_list l;
    size_t i;

    memset(&l, 0, sizeof(l));
    assert_int_equal(parse_all_ways(body, len, 0, 0, &l), LLMPERF_OK);
    assert_int_equal(l.n, fx->count);
    assert_true(strncmp(l.v[0].data, fx->first, strlen(fx->first)) == 0);
    assert_true(strncmp(l.v[l.n - 1].data, fx->last, strlen(fx->last)) ==
                0);
    for (i = 0; i < l.n; i++) {
        /* No framing left in any data, no event names in these fixtures,
         * and no leading space survived "data: ". */
        assert_null(memchr(l.v[i].data, '\r', l.v[i].data_len));
        assert_null(memchr(l.v[i].data, '\n', l.v[i].data_len));
        assert_string_equal(l.v[i].event, "");
        assert_true(l.v[i].data_len > 0 && l.v[i].data[0] != ' ');
        assert_true(l.v[i].data[0] != ':');
        /* Only the last event may be the [DONE] sentinel. */
        if (i + 1 < l.n)
            assert_string_not_equal(l.v[i].data, "[DONE]");
    }
    if (strstr(fx->path, "crlf_nospace") != NULL) {
        /* "data:{...}" without a space, between CRLF lines. */
        assert_true(strncmp(l.v[1].data, "{\"id\":\"cmpl-2\"", 14) == 0);
        assert_non_null(strstr(l.v[1].data, "\"text\":\" B\""));
    }
    if (strstr(fx->path, "vllm_chat") != NULL) {
        /* ": ping" sat between events 3 and 4 and was dropped. */
        assert_non_null(strstr(l.v[2].data, "\"content\":\"lo wor\""));
        assert_non_null(strstr(l.v[3].data, "\"content\":\"ld\""));
        assert_non_null(strstr(l.v[4].data, "\"choices\":[],\"usage\""));
    }
    if (strstr(fx->path, "error_midstream") != NULL)
        assert_true(strncmp(l.v[1].data, "{\"error\":{", 10) == 0);
    if (strstr(fx->path, "tgi/") != NULL) {
        /* The bare ":" keep-alive is not an event; TGI sends no [DONE]. */
        assert_non_null(strstr(l.v[1].data, "\"text\":\"lo\""));
        assert_non_null(strstr(l.v[2].data, "\"generated_tokens\":3"));
    }
    list_free(&l);
}

static void test_fixtures(void **state)
{
    static const char *const dirs[] = {"llama.cpp", "ollama", "openai",
                                       "tgi"};
    char path[1024], rel[512];
    struct dirent *de;
    DIR *d;
    size_t i, k, len, off;
    char *buf;
    int is_sse, listed, n_sse = 0;

    (void)state;
    for (k = 0; k < LLMPERF__ARRAY_LEN(dirs); k++) {
        snprintf(path, sizeof(path), "%s/fixtures/%s", LLMPERF_SHARED_DIR,
                 dirs[k]);
        d = opendir(path);
        assert_non_null(d);
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            snprintf(rel, sizeof(rel), "%s/%s", dirs[k], de->d_name);
            snprintf(path, sizeof(path), "%s/fixtures/%s",
                     LLMPERF_SHARED_DIR, rel);
            buf = slurp(path, &len);
            off = 0;
            if (ends_with(rel, ".http"))
                off = http_body(buf, len, &is_sse);
            else
                is_sse = ends_with(rel, ".sse") || ends_with(rel, ".txt");
            listed = 0;
            for (i = 0; i < LLMPERF__ARRAY_LEN(fixtures); i++)
                if (strcmp(fixtures[i].path, rel) == 0) {
                    /* Every SSE fixture has expectations, and only
                     * SSE ones do. */
                    assert_true(is_sse);
                    check_fixture(&fixtures[i], buf + off, len - off);
                    fixtures[i].seen = 1;
                    listed = 1;
                    n_sse++;
                }
            if (is_sse && !listed)
                fail_msg("SSE fixture %s has no expectations here", rel);
            for (i = 0; i < LLMPERF__ARRAY_LEN(non_streams); i++)
                if (strcmp(non_streams[i], rel) == 0)
                    assert_false(is_sse);
            free(buf);
        }
        closedir(d);
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(fixtures); i++)
        if (!fixtures[i].seen)
            fail_msg("fixture %s not found", fixtures[i].path);
    assert_int_equal(n_sse, LLMPERF__ARRAY_LEN(fixtures));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_crlf_split_across_feeds),
        cmocka_unit_test(test_lone_cr_then_lf),
        cmocka_unit_test(test_data_join_and_space),
        cmocka_unit_test(test_comments_only),
        cmocka_unit_test(test_unknown_and_ignored_fields),
        cmocka_unit_test(test_event_and_id_fields),
        cmocka_unit_test(test_event_without_data),
        cmocka_unit_test(test_data_with_nul_and_high_bytes),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_line_cap),
        cmocka_unit_test(test_event_cap),
        cmocka_unit_test(test_callback_stops_sticky),
        cmocka_unit_test(test_finish_truncated),
        cmocka_unit_test(test_reset_reuse_and_zero_len),
        cmocka_unit_test(test_enomem),
        cmocka_unit_test(test_growth_and_no_copy),
        cmocka_unit_test(test_no_overread),
        cmocka_unit_test(test_fixtures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
