/* SPDX-License-Identifier: MIT */
/*
 * test_http1.c -- the HTTP/1.1 response parser: status line, field
 * rules, the three body framings, 1xx, caps, sticky errors, no over-read
 * past len, the real captures, and every fixture body wrapped in each
 * framing giving the same bytes however the response is split.
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
#include <unistd.h>

#include "http1.h"
#include "internal.h"

/* ---- collecting what the parser hands out ------------------------- */

typedef struct sink {
    llmperf__http1 *p;
    char *body;
    size_t len, cap;
    size_t body_calls, max_piece;
    int head_calls;
    int head_rc;      /* what on_head returns */
    size_t body_stop; /* return body_rc from the body_stop-th call */
    int body_rc;
} sink;

static int on_head(void *userdata)
{
    sink *k = userdata;

    /* Once per final head, with the results set, before done and before
     * any body byte. */
    assert_true(k->p->head_done);
    assert_false(k->p->done);
    assert_true(k->p->status >= 200 && k->p->status <= 999);
    assert_int_equal(k->len, 0);
    assert_int_equal(k->head_calls, 0);
    k->head_calls++;
    return k->head_rc;
}

static int on_body(const char *data, size_t len, void *userdata)
{
    sink *k = userdata;

    assert_true(len > 0);
    assert_int_equal(k->head_calls, 1);
    if (k->len + len > k->cap) {
        k->cap = (k->len + len) * 2;
        k->body = realloc(k->body, k->cap);
        assert_non_null(k->body);
    }
    memcpy(k->body + k->len, data, len);
    k->len += len;
    k->body_calls++;
    if (len > k->max_piece)
        k->max_piece = len;
    if (k->body_stop != 0 && k->body_calls == k->body_stop)
        return k->body_rc;
    return 0;
}

/* Everything one parse produced, to compare runs. */
typedef struct outcome {
    int rc, status, minor, done, head_done, keep_alive, chunked;
    int head_calls;
    int64_t content_length;
    size_t used; /* bytes consumed over all feeds */
    uint64_t head_bytes, body_bytes;
    char *body;
    size_t body_len, body_calls, max_piece;
} outcome;

static void outcome_free(outcome *o)
{
    free(o->body);
    memset(o, 0, sizeof(*o));
}

/* ---- feeding ------------------------------------------------------ */

enum { WHOLE, BYTES, RANDOM };

typedef struct opts {
    int head_only;
    size_t head_max;
    int eof; /* call llmperf__http1_eof() when the input runs out */
} opts;

/* xorshift64*: a fixed seed makes every random split reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* The documented life after the end: a failed parser stays failed, a
 * finished one takes len 0 but no more bytes. */
static void check_after(llmperf__http1 *p, int rc)
{
    static const char more[] = "HTTP/1.1 200 OK\r\n\r\n";
    llmperf__http1 copy;
    size_t used = 99;

    if (rc != LLMPERF_OK) {
        assert_int_equal(llmperf__http1_feed(p, more, sizeof(more) - 1,
                                             &used, NULL, NULL, NULL),
                         rc);
        assert_int_equal(used, 0);
        assert_int_equal(llmperf__http1_feed(p, NULL, 0, &used, NULL,
                                             NULL, NULL),
                         rc);
        assert_int_equal(llmperf__http1_eof(p), rc);
        assert_int_equal(llmperf__http1_eof(p), rc);
        return;
    }
    if (!p->done)
        return;
    copy = *p;
    assert_int_equal(llmperf__http1_feed(&copy, more, 0, &used, NULL, NULL,
                                         NULL),
                     LLMPERF_OK);
    assert_int_equal(used, 0);
    assert_memory_equal(&copy, p, sizeof(copy));
    assert_int_equal(llmperf__http1_feed(&copy, "x", 1, &used, NULL, NULL,
                                         NULL),
                     LLMPERF_EPROTOCOL);
    assert_int_equal(used, 0);
    assert_int_equal(llmperf__http1_feed(&copy, "x", 1, NULL, NULL, NULL,
                                         NULL),
                     LLMPERF_EPROTOCOL);
    assert_int_equal(llmperf__http1_eof(&copy), LLMPERF_EPROTOCOL);
    assert_true(copy.done);
    assert_int_equal(llmperf__http1_eof(p), LLMPERF_OK);
}

static void take(outcome *o, const llmperf__http1 *p, sink *k, int rc,
                 size_t used)
{
    o->rc = rc;
    o->status = p->status;
    o->minor = p->minor;
    o->done = p->done;
    o->head_done = p->head_done;
    o->keep_alive = p->keep_alive;
    o->chunked = p->chunked;
    o->content_length = p->content_length;
    o->head_calls = k->head_calls;
    o->used = used;
    o->head_bytes = p->head_bytes;
    o->body_bytes = p->body_bytes;
    o->body = k->body;
    o->body_len = k->len;
    o->body_calls = k->body_calls;
    o->max_piece = k->max_piece;
    /* body_bytes counts exactly what was delivered. */
    assert_int_equal(p->body_bytes, k->len);
}

/* Parse buf in the given way; the input ends where len ends. */
static int run(const char *buf, size_t len, int how, uint64_t seed,
               const opts *o, outcome *out)
{
    llmperf__http1 p;
    sink k;
    size_t off = 0, n, used, total = 0;
    int rc = LLMPERF_OK;

    memset(&k, 0, sizeof(k));
    k.p = &p;
    llmperf__http1_init(&p, o->head_only);
    p.head_max = o->head_max;
    while (off < len) {
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
        used = 12345;
        rc = llmperf__http1_feed(&p, buf + off, n, &used, on_head, on_body,
                                 &k);
        assert_true(used <= n);
        total += used;
        if (rc != LLMPERF_OK || p.done)
            break;
        assert_int_equal(used, n); /* all taken unless done or failed */
        off += n;
    }
    if (rc == LLMPERF_OK && !p.done && o->eof)
        rc = llmperf__http1_eof(&p);
    check_after(&p, rc);
    take(out, &p, &k, rc, total);
    return rc;
}

static void assert_same(const outcome *a, const outcome *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->done, b->done);
    assert_int_equal(a->head_done, b->head_done);
    assert_int_equal(a->keep_alive, b->keep_alive);
    assert_int_equal(a->head_calls, b->head_calls);
    assert_int_equal(a->body_len, b->body_len);
    if (a->body_len > 0)
        assert_memory_equal(a->body, b->body, a->body_len);
    if (a->rc == LLMPERF_OK) {
        /* Where a failure is detected may depend on the pieces. */
        assert_int_equal(a->used, b->used);
        assert_int_equal(a->head_bytes, b->head_bytes);
        assert_int_equal(a->content_length, b->content_length);
        assert_int_equal(a->chunked, b->chunked);
    }
}

/* Parse whole, byte by byte and at 50 random split points; all must
 * agree. The whole-buffer outcome is left in out. */
static int parse_opts(const char *s, size_t len, const opts *o,
                      outcome *out)
{
    outcome other;
    int round;

    run(s, len, WHOLE, 0, o, out);
    for (round = 0; round < 51; round++) {
        run(s, len, round == 0 ? BYTES : RANDOM,
            0x9E3779B97F4A7C15ull + (uint64_t)round, o, &other);
        assert_same(out, &other);
        outcome_free(&other);
    }
    return out->rc;
}

static const opts with_eof = {0, 0, 1};
static const opts no_eof = {0, 0, 0};

#define PARSE(lit, out) parse_opts(lit, sizeof(lit) - 1, &with_eof, out)
#define PARSE_OPEN(lit, out) parse_opts(lit, sizeof(lit) - 1, &no_eof, out)

static void assert_body(const outcome *o, const char *body)
{
    assert_int_equal(o->body_len, strlen(body));
    if (o->body_len > 0)
        assert_memory_equal(o->body, body, o->body_len);
}

/* A complete response: OK, done, the status, keep-alive, body, used. */
static void expect_done(const outcome *o, int status, int keep_alive,
                        const char *body, size_t used)
{
    assert_int_equal(o->rc, LLMPERF_OK);
    assert_true(o->done);
    assert_true(o->head_done);
    assert_int_equal(o->head_calls, 1);
    assert_int_equal(o->status, status);
    assert_int_equal(o->keep_alive, keep_alive);
    assert_body(o, body);
    assert_int_equal(o->used, used);
}

/* Build "HTTP/1.1 200 OK\r\n" + fields + "\r\n" + rest into buf. */
static size_t build(char *buf, size_t cap, const char *status,
                    const char *fields, const char *rest)
{
    int n = snprintf(buf, cap, "%s\r\n%s\r\n%s", status, fields, rest);

    assert_true(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

/* ---- status line -------------------------------------------------- */

static void test_status_line(void **state)
{
    static const struct {
        const char *line;
        int status, minor;
    } good[] = {
        {"HTTP/1.1 200 OK", 200, 1},
        {"HTTP/1.0 200 OK", 200, 0},
        {"HTTP/1.1 200", 200, 1},  /* no SP, no reason */
        {"HTTP/1.1 200 ", 200, 1}, /* empty reason */
        {"HTTP/1.1 404 Not Found", 404, 1},
        {"HTTP/1.1 599 reason  with\tspaces", 599, 1},
        {"HTTP/1.1 999 \x80\xff obs-text", 999, 1},
    };
    static const char *const bad[] = {
        "HTTP/2 200",         "HTTP/2.0 200 OK",  "HTTP/1.2 200 OK",
        "HTTP/0.9 200 OK",    "HTTP/1.10 200 OK", "http/1.1 200 OK",
        "HTTP/1.1  200 OK",   "HTTP/1.1 20 OK",   "HTTP/1.1 2000 OK",
        "HTTP/1.1 099 Low",   "HTTP/1.1 2x0 OK",  "HTTP/1.1 200OK",
        "HTTP/1.1",           "HTTP/1.1 ",        "",
        " HTTP/1.1 200 OK",   "<html>",           "HTTP/1.1 200 O\x01K",
        "HTTP/1.1 200 O\rK",  "HTTP/1.1 200 OK\x7f", "ICY 200 OK",
        "HTTP/1.1 -20 OK",    "PRI * HTTP/2.0",   "HTTP/1.1 200\tOK",
    };
    char buf[256];
    outcome o;
    size_t i, n;
    int lf;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(good); i++) {
        for (lf = 0; lf < 2; lf++) {
            n = (size_t)snprintf(buf, sizeof(buf),
                                 lf ? "%s\nContent-Length: 0\n\nX"
                                    : "%s\r\nContent-Length: 0\r\n\r\nX",
                                 good[i].line);
            assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_OK);
            expect_done(&o, good[i].status, good[i].minor == 1, "", n - 1);
            assert_int_equal(o.minor, good[i].minor);
            assert_int_equal(o.head_bytes, n - 1);
            outcome_free(&o);
        }
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(bad); i++) {
        n = build(buf, sizeof(buf), bad[i], "Content-Length: 0\r\n", "");
        assert_int_equal(parse_opts(buf, n, &with_eof, &o),
                         LLMPERF_EPROTOCOL);
        assert_false(o.head_done);
        assert_int_equal(o.head_calls, 0);
        outcome_free(&o);
    }
    /* HTTP/0.9 had no status line at all: the body alone. */
    assert_int_equal(PARSE("hello world\n", &o), LLMPERF_EPROTOCOL);
    outcome_free(&o);
}

/* ---- line endings ------------------------------------------------- */

static void test_line_endings(void **state)
{
    static const char *const inputs[] = {
        "HTTP/1.1 200 OK\r\nContent-Type: a\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 200 OK\nContent-Type: a\nContent-Length: 3\n\nabc",
        "HTTP/1.1 200 OK\r\nContent-Type: a\nContent-Length: 3\r\n\nabc",
        "HTTP/1.1 200 OK\nContent-Type: a\r\nContent-Length: 3\n\r\nabc",
    };
    static const char *const chunked[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n",
        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\r\n\n"
        "3\nabc\r\n0\r\nT: 1\n\r\n",
    };
    outcome o;
    size_t i, n;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(inputs); i++) {
        n = strlen(inputs[i]);
        assert_int_equal(parse_opts(inputs[i], n, &with_eof, &o),
                         LLMPERF_OK);
        expect_done(&o, 200, 1, "abc", n);
        assert_int_equal(o.head_bytes, n - 3);
        outcome_free(&o);
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(chunked); i++) {
        n = strlen(chunked[i]);
        assert_int_equal(parse_opts(chunked[i], n, &with_eof, &o),
                         LLMPERF_OK);
        expect_done(&o, 200, 1, "abc", n);
        outcome_free(&o);
    }
    /* A CR must be followed by LF, in the head and after chunk data. */
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\rContent-Length: 0\r\n\r\n",
                           &o),
                     LLMPERF_EPROTOCOL);
    outcome_free(&o);
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nA: b\r\n\rX\r\n", &o),
                     LLMPERF_EPROTOCOL);
    outcome_free(&o);
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                           "\r\n\r\n3\r\nabc\r\r\n0\r\n\r\n",
                           &o),
                     LLMPERF_EPROTOCOL);
    outcome_free(&o);
}

/* ---- field lines -------------------------------------------------- */

typedef struct rawstr {
    const char *s;
    size_t len;
} rawstr;

#define B(lit) {lit, sizeof(lit) - 1}

static void test_field_names(void **state)
{
    static const rawstr good[] = {
        B("X-Foo: bar\r\n"),
        B("x!#$%&'*+-.^_`|~09azAZ: v\r\n"),
        B("A:\r\n"),
        B("Empty: \r\n"),
        B("NoSpace:value\r\n"),
        B("Value: a \"quoted\" : colon, comma\t\r\n"),
        B("Value: bytes \x01\x7f\x80\xff and a bare \r in it\r\n"),
    };
    static const rawstr bad[] = {
        B("Bad Name: x\r\n"),    B("Name : x\r\n"),
        B("Name\t: x\r\n"),      B(": x\r\n"),
        B("NoColon\r\n"),        B("X: a\r\n folded\r\n"),
        B("X: a\r\n\tfolded\r\n"), B(" Leading: x\r\n"),
        B("Na(me: x\r\n"),       B("Na\0me: x\r\n"),
        B("Name\r: x\r\n"),      B("Na\x80me: x\r\n"),
        B("Name\x7f: x\r\n"),    B("Na/me: x\r\n"),
    };
    char buf[512];
    outcome o;
    size_t i, n;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(good) + LLMPERF__ARRAY_LEN(bad);
         i++) {
        const rawstr *f = i < LLMPERF__ARRAY_LEN(good)
                             ? &good[i]
                             : &bad[i - LLMPERF__ARRAY_LEN(good)];
        static const char head[] = "HTTP/1.1 200 OK\r\n";
        static const char tail[] = "Content-Length: 2\r\n\r\nhi";

        memcpy(buf, head, sizeof(head) - 1);
        memcpy(buf + sizeof(head) - 1, f->s, f->len);
        memcpy(buf + sizeof(head) - 1 + f->len, tail, sizeof(tail) - 1);
        n = sizeof(head) - 1 + f->len + sizeof(tail) - 1;
        parse_opts(buf, n, &with_eof, &o);
        if (i < LLMPERF__ARRAY_LEN(good)) {
            expect_done(&o, 200, 1, "hi", n);
        } else {
            assert_int_equal(o.rc, LLMPERF_EPROTOCOL);
            assert_false(o.head_done);
        }
        outcome_free(&o);
    }
}

/* Long names and values of fields we ignore need no buffer: only the
 * head cap applies to them. */
static void test_long_fields(void **state)
{
    const size_t big = 100000;
    char *buf = malloc(big + 256);
    outcome o;
    opts op = {0, 0, 1};
    size_t n;

    (void)state;
    assert_non_null(buf);
    n = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(buf + n, 'v', big);
    n += big;
    n += (size_t)sprintf(buf + n, "\r\nContent-Length: 2\r\n\r\nhi");
    op.head_max = 2 * big;
    assert_int_equal(parse_opts(buf, n, &op, &o), LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", n);
    outcome_free(&o);
    op.head_max = 0; /* the default cap, 64 KiB */
    assert_int_equal(parse_opts(buf, n, &op, &o), LLMPERF_ETOOBIG);
    assert_false(o.head_done);
    outcome_free(&o);

    /* A 1000-byte field name, then a long value of a known field: its
     * elements that do not fit are simply not "close". */
    n = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\n");
    memset(buf + n, 'N', 1000);
    n += 1000;
    n += (size_t)sprintf(buf + n, ": x\r\nConnection: ");
    memset(buf + n, 'c', 300);
    n += 300;
    n += (size_t)sprintf(buf + n, ", close\r\nContent-Length: 2\r\n\r\nhi");
    assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_OK);
    expect_done(&o, 200, 0, "hi", n);
    outcome_free(&o);
    free(buf);
}

/* ---- Content-Length ----------------------------------------------- */

static void test_content_length(void **state)
{
    static const char *const good5[] = {
        "5",          "05",  "  5  ", "\t5\t", "5, 5", "5,5", " 5 ,  5 ",
        "00000000000000000000000000000005",
    };
    static const char *const bad[] = {
        "",        " ",     "abc",    "+5",     "-5",   "5 5", "5,6",
        "5,",      ",5",    "5;",     "0x5",    "5.0",  "1e3", "5\x01",
        "9223372036854775808", "99999999999999999999999",
    };
    char buf[1024], field[700];
    outcome o;
    size_t i, n, head;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(good5); i++) {
        snprintf(field, sizeof(field), "Content-Length:%s\r\n", good5[i]);
        n = build(buf, sizeof(buf), "HTTP/1.1 200 OK", field,
                  "hello world");
        assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_OK);
        expect_done(&o, 200, 1, "hello", n - 6);
        assert_int_equal(o.content_length, 5);
        assert_int_equal(o.head_bytes, n - 11);
        assert_false(o.chunked);
        outcome_free(&o);
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(bad); i++) {
        snprintf(field, sizeof(field), "Content-Length:%s\r\n", bad[i]);
        n = build(buf, sizeof(buf), "HTTP/1.1 200 OK", field, "hello");
        assert_int_equal(parse_opts(buf, n, &with_eof, &o),
                         LLMPERF_EPROTOCOL);
        assert_false(o.head_done);
        outcome_free(&o);
    }
    /* 300 digits do not fit the element buffer: rejected, not cut. */
    memset(field, '0', 300);
    memcpy(field, "Content-Length: ", 16);
    memcpy(field + 300, "5\r\n", 4);
    n = build(buf, sizeof(buf), "HTTP/1.1 200 OK", field, "hello");
    assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_EPROTOCOL);
    outcome_free(&o);

    /* Repeated fields: the same value is fine, another one is not. */
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                           "content-LENGTH: 2\r\n\r\nhi",
                           &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", o.used);
    outcome_free(&o);
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                           "Content-Length: 3\r\n\r\nhi!",
                           &o),
                     LLMPERF_EPROTOCOL);
    outcome_free(&o);

    /* 0: done right after the head; what follows is not used. */
    head = strlen("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                           "HTTP/1.1 200 OK\r\n",
                           &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "", head);
    assert_int_equal(o.body_calls, 0);
    outcome_free(&o);

    /* The largest value: accepted; the body just is not over yet. */
    assert_int_equal(PARSE_OPEN("HTTP/1.1 200 OK\r\n"
                                "Content-Length: 9223372036854775807\r\n"
                                "\r\nhello",
                                &o),
                     LLMPERF_OK);
    assert_false(o.done);
    assert_int_equal(o.content_length, INT64_MAX);
    assert_body(&o, "hello");
    outcome_free(&o);
    /* ... and EOF before the end is a truncated body. */
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"
                           "hello",
                           &o),
                     LLMPERF_EPROTOCOL);
    assert_body(&o, "hello");
    assert_false(o.done);
    outcome_free(&o);
}

/* ---- Transfer-Encoding -------------------------------------------- */

static void test_transfer_encoding(void **state)
{
    static const char *const good[] = {
        "chunked", "Chunked", "CHUNKED", "  chunked \t", ", chunked",
        "chunked,", " , chunked , ",
    };
    static const char *const bad[] = {
        "gzip",     "gzip, chunked", "chunked, gzip", "identity",
        "",         "  ",            "chunk ed",      "xchunked",
        "chunkedx", "chunked, chunked", ",", "chunked;q=1",
    };
    static const char body[] = "5\r\nhello\r\n0\r\n\r\n";
    char buf[512], field[128];
    outcome o;
    size_t i, n;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(good); i++) {
        snprintf(field, sizeof(field), "Transfer-Encoding:%s\r\n", good[i]);
        n = build(buf, sizeof(buf), "HTTP/1.1 200 OK", field, body);
        assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_OK);
        expect_done(&o, 200, 1, "hello", n);
        assert_true(o.chunked);
        assert_int_equal(o.content_length, -1);
        outcome_free(&o);
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(bad); i++) {
        snprintf(field, sizeof(field), "Transfer-Encoding:%s\r\n", bad[i]);
        n = build(buf, sizeof(buf), "HTTP/1.1 200 OK", field, body);
        assert_int_equal(parse_opts(buf, n, &with_eof, &o),
                         LLMPERF_EPROTOCOL);
        assert_false(o.head_done);
        outcome_free(&o);
        /* Even where no body follows. */
        n = build(buf, sizeof(buf), "HTTP/1.1 204 No Content", field, "");
        assert_int_equal(parse_opts(buf, n, &with_eof, &o),
                         LLMPERF_EPROTOCOL);
        outcome_free(&o);
    }
    /* chunked applied twice, over two fields. */
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                           &o),
                     LLMPERF_EPROTOCOL);
    outcome_free(&o);
    /* Both framings, in either order: a smuggling shape, refused. */
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                           "Content-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                           &o),
                     LLMPERF_EPROTOCOL);
    outcome_free(&o);
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                           "Transfer-Encoding: chunked\r\n\r\nhello",
                           &o),
                     LLMPERF_EPROTOCOL);
    assert_int_equal(o.head_calls, 0);
    outcome_free(&o);
}

/* ---- Connection and keep_alive ------------------------------------ */

static void test_connection(void **state)
{
    static const struct {
        const char *status, *fields;
        int keep_alive;
    } cases[] = {
        {"HTTP/1.1 200 OK", "Content-Length: 0\r\n", 1},
        {"HTTP/1.1 200 OK", "Connection: close\r\nContent-Length: 0\r\n", 0},
        {"HTTP/1.1 200 OK", "connection: CLOSE\r\nContent-Length: 0\r\n", 0},
        {"HTTP/1.1 200 OK", "Connection: keep-alive\r\nContent-Length: 0\r\n",
         1},
        {"HTTP/1.1 200 OK",
         "Connection: keep-alive, close\r\nContent-Length: 0\r\n", 0},
        {"HTTP/1.1 200 OK",
         "Connection: close,keep-alive\r\nContent-Length: 0\r\n", 0},
        {"HTTP/1.1 200 OK",
         "Connection: Upgrade ,  close \r\nContent-Length: 0\r\n", 0},
        {"HTTP/1.1 200 OK", "Connection: closed\r\nContent-Length: 0\r\n", 1},
        {"HTTP/1.1 200 OK", "Connection: x-close\r\nContent-Length: 0\r\n",
         1},
        {"HTTP/1.1 200 OK",
         "Connection: keep-alive\r\nConnection: close\r\nContent-Length: 0"
         "\r\n",
         0},
        {"HTTP/1.1 200 OK", "X-Connection: close\r\nContent-Length: 0\r\n",
         1},
        {"HTTP/1.0 200 OK", "Content-Length: 0\r\n", 0},
        {"HTTP/1.0 200 OK", "Connection: keep-alive\r\nContent-Length: 0\r\n",
         1},
        {"HTTP/1.0 200 OK", "Connection: Keep-Alive\r\nContent-Length: 0\r\n",
         1},
        {"HTTP/1.0 200 OK",
         "Connection: foo, keep-alive\r\nContent-Length: 0\r\n", 1},
        {"HTTP/1.0 200 OK",
         "Connection: keep-alive, close\r\nContent-Length: 0\r\n", 0},
        /* Chunked: fine in 1.1; in 1.0 close after it (RFC 9112 6.1). */
        {"HTTP/1.1 200 OK", "Transfer-Encoding: chunked\r\n", 1},
        {"HTTP/1.0 200 OK",
         "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n", 0},
        /* A body up to EOF leaves nothing to keep alive. */
        {"HTTP/1.1 200 OK", "", 0},
        {"HTTP/1.0 200 OK", "Connection: keep-alive\r\n", 0},
        /* No body at all: the connection is clean. */
        {"HTTP/1.1 204 No Content", "", 1},
        {"HTTP/1.0 304 Not Modified", "Connection: keep-alive\r\n", 1},
        {"HTTP/1.1 304 Not Modified", "Connection: close\r\n", 0},
    };
    char buf[512];
    outcome o;
    size_t i, n;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(cases); i++) {
        n = build(buf, sizeof(buf), cases[i].status, cases[i].fields,
                  strstr(cases[i].fields, "chunked") ? "0\r\n\r\n" : "");
        assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_OK);
        assert_true(o.done);
        if (o.keep_alive != cases[i].keep_alive)
            fail_msg("case %zu: keep_alive %d", i, o.keep_alive);
        assert_int_equal(o.used, n);
        outcome_free(&o);
    }
}

/* ---- head cap ----------------------------------------------------- */

static void test_head_max(void **state)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nServer: x\r\n"
                               "Content-Length: 2\r\n\r\nhi";
    static const char interim[] = "HTTP/1.1 100 Continue\r\nA: b\r\n\r\n"
                                  "HTTP/1.1 200 OK\r\nA: b\r\n"
                                  "Content-Length: 2\r\n\r\nhi";
    /* A 47-byte head, then trailer sections of 25 and 65 bytes. */
    static const char trailers[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                                   "chunked\r\n\r\n2\r\nhi\r\n0\r\n"
                                   "X-Trailer: 0123456789\r\n\r\n";
    static const char long_trailers[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\nhi\r\n0\r\nX-Trailer: 01234567890123456789012345678901234"
        "567890123456789\r\n\r\n";
    const size_t head = sizeof(resp) - 1 - 2;
    opts op = {0, 0, 1};
    outcome o;

    (void)state;
    op.head_max = head; /* exactly the head: fits */
    assert_int_equal(parse_opts(resp, sizeof(resp) - 1, &op, &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", sizeof(resp) - 1);
    outcome_free(&o);
    op.head_max = head - 1;
    assert_int_equal(parse_opts(resp, sizeof(resp) - 1, &op, &o),
                     LLMPERF_ETOOBIG);
    assert_false(o.head_done);
    outcome_free(&o);
    /* The status line counts too. */
    op.head_max = 10;
    assert_int_equal(parse_opts(resp, sizeof(resp) - 1, &op, &o),
                     LLMPERF_ETOOBIG);
    outcome_free(&o);
    /* The cap is per head: the 1xx head (31) and the final one (44)
     * each fit, their sum does not. */
    op.head_max = 44;
    assert_int_equal(parse_opts(interim, sizeof(interim) - 1, &op, &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", sizeof(interim) - 1);
    assert_int_equal(o.head_bytes, sizeof(interim) - 1 - 2);
    outcome_free(&o);
    /* The trailer section has a cap of its own, also head_max, and does
     * not count in head_bytes. */
    op.head_max = 47;
    assert_int_equal(parse_opts(trailers, sizeof(trailers) - 1, &op, &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", sizeof(trailers) - 1);
    assert_int_equal(o.head_bytes, 47);
    outcome_free(&o);
    op.head_max = 60;
    assert_int_equal(parse_opts(long_trailers, sizeof(long_trailers) - 1,
                                &op, &o),
                     LLMPERF_ETOOBIG);
    assert_true(o.head_done);
    assert_body(&o, "hi");
    outcome_free(&o);
    op.head_max = 0; /* the default */
    assert_int_equal(parse_opts(long_trailers, sizeof(long_trailers) - 1,
                                &op, &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", sizeof(long_trailers) - 1);
    outcome_free(&o);
}

/* ---- 1xx responses ------------------------------------------------ */

static void test_interim(void **state)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                               "\r\nhi";
    static const char hints[] =
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"
        "Content-Length: 99\r\nConnection: close\r\n\r\n"
        "HTTP/1.1 102 Processing\r\n\r\n"
        "HTTP/1.0 199 Whatever\nTransfer-Encoding: chunked\n\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\nhi\r\n0\r\n\r\n";
    outcome o;

    (void)state;
    assert_int_equal(PARSE(cont, &o), LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", sizeof(cont) - 1);
    assert_int_equal(o.head_bytes, sizeof(cont) - 1 - 2);
    outcome_free(&o);
    /* The fields of 1xx heads do not carry over. */
    assert_int_equal(PARSE(hints, &o), LLMPERF_OK);
    expect_done(&o, 200, 1, "hi", sizeof(hints) - 1);
    assert_int_equal(o.content_length, -1);
    assert_true(o.chunked);
    assert_int_equal(o.minor, 1);
    outcome_free(&o);
    /* 101 Switching Protocols: the connection is not HTTP/1 any more. */
    assert_int_equal(PARSE("HTTP/1.1 101 Switching Protocols\r\n"
                           "Upgrade: h2c\r\n\r\n",
                           &o),
                     LLMPERF_EPROTOCOL);
    assert_false(o.head_done);
    outcome_free(&o);
    /* EOF after a 1xx: a response had started, so not ETRANSPORT. */
    assert_int_equal(PARSE("HTTP/1.1 100 Continue\r\n\r\n", &o),
                     LLMPERF_EPROTOCOL);
    assert_false(o.head_done);
    outcome_free(&o);
}

/* ---- responses without a body ------------------------------------- */

static void test_no_body(void **state)
{
    static const char r204[] = "HTTP/1.1 204 No Content\r\n"
                               "Content-Length: 5\r\n\r\nhello";
    static const char r304[] = "HTTP/1.1 304 Not Modified\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    static const char head_cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 11"
                                  "\r\n\r\nhello world";
    static const char head_te[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                                  "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    static const char head_none[] = "HTTP/1.1 200 OK\r\n\r\nhello";
    opts head = {1, 0, 1};
    outcome o;

    (void)state;
    assert_int_equal(PARSE(r204, &o), LLMPERF_OK);
    expect_done(&o, 204, 1, "", sizeof(r204) - 1 - 5);
    outcome_free(&o);
    assert_int_equal(PARSE(r304, &o), LLMPERF_OK);
    expect_done(&o, 304, 1, "", sizeof(r304) - 1 - 5);
    outcome_free(&o);
    /* A reply to HEAD: the framing fields describe a body never sent. */
    assert_int_equal(parse_opts(head_cl, sizeof(head_cl) - 1, &head, &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "", sizeof(head_cl) - 1 - 11);
    assert_int_equal(o.content_length, 11);
    outcome_free(&o);
    assert_int_equal(parse_opts(head_te, sizeof(head_te) - 1, &head, &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "", sizeof(head_te) - 1 - 15);
    outcome_free(&o);
    assert_int_equal(parse_opts(head_none, sizeof(head_none) - 1, &head,
                                &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 1, "", sizeof(head_none) - 1 - 5);
    outcome_free(&o);
    /* Without head_only the last one runs to EOF. */
    assert_int_equal(PARSE(head_none, &o), LLMPERF_OK);
    expect_done(&o, 200, 0, "hello", sizeof(head_none) - 1);
    outcome_free(&o);
}

/* ---- chunked framing ---------------------------------------------- */

static void test_chunked(void **state)
{
    static const struct {
        const char *chunks, *body;
    } good[] = {
        {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"},
        {"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n",
         "0123456789abcdefghij"},
        {"00005\r\nhello\r\n000\r\n\r\n", "hello"},
        {"5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello"},
        {"5 ; a=b ; c\r\nhello\r\n0\r\n\r\n", "hello"},
        {"5;q=\"x;y\\\"z\"\r\nhello\r\n0\r\n\r\n", "hello"},
        {"5\t;x\r\nhello\r\n0  \r\n\r\n", "hello"},
        {"5;bare\rcr\r\nhello\r\n0\r\n\r\n", "hello"},
        {"5\nhello\n0\n\n", "hello"},
        {"1\r\n\r\r\n1\r\n\n\r\n0\r\n\r\n", "\r\n"},
        /* Trailers are parsed for shape and ignored, framing ones too. */
        {"5\r\nhello\r\n0\r\nX-Checksum: abc\r\nContent-Length: 99\r\n"
         "Transfer-Encoding: gzip\r\n\r\n",
         "hello"},
        {"0\r\n\r\n", ""},
    };
    static const char *const bad[] = {
        "5\r\nhelloX\r\n0\r\n\r\n", "5\r\nhello\r\r\n0\r\n\r\n",
        "5\r\nhello0\r\n\r\n",      "5\r\nhello5\r\nhello\r\n0\r\n\r\n",
        "g\r\nhello\r\n0\r\n\r\n",  "\r\nhello\r\n0\r\n\r\n",
        "-1\r\nh\r\n0\r\n\r\n",     " 5\r\nhello\r\n0\r\n\r\n",
        "5x\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n",
        "5 5\r\nhello\r\n0\r\n\r\n", ";5\r\nhello\r\n0\r\n\r\n",
        "5\rX\r\nhello\r\n0\r\n\r\n",
        "10000000000000000\r\n",    "8000000000000000\r\n",
        "ffffffffffffffffff\r\n",
        "0\r\nX: a\r\n folded\r\n\r\n", "0\r\nBad Name: x\r\n\r\n",
        "0\r\nNoColon\r\n\r\n",
        "data: {\"a\":1}\n\n",
    };
    static const char *const truncated[] = {
        "5\r\nhel", "5\r\nhello", "5\r\nhello\r", "5\r\nhello\r\n",
        "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: y\r\n", "5",
        "5;ext", "5\r\nhello\r\n0\r\n\r",
    };
    static const char hdr[] = "HTTP/1.1 200 OK\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n";
    char buf[1024];
    outcome o;
    size_t i, n;

    (void)state;
    for (i = 0; i < LLMPERF__ARRAY_LEN(good); i++) {
        /* Bytes after the last chunk belong to the next response. */
        n = (size_t)snprintf(buf, sizeof(buf), "%s%sHTTP/1.1 200 OK\r\n",
                             hdr, good[i].chunks);
        assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_OK);
        expect_done(&o, 200, 1, good[i].body, n - 17);
        assert_int_equal(o.head_bytes, sizeof(hdr) - 1);
        outcome_free(&o);
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(bad); i++) {
        n = (size_t)snprintf(buf, sizeof(buf), "%s%s", hdr, bad[i]);
        if (parse_opts(buf, n, &with_eof, &o) != LLMPERF_EPROTOCOL)
            fail_msg("bad chunked case %zu: rc %d", i, o.rc);
        assert_true(o.head_done);
        assert_false(o.done);
        outcome_free(&o);
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(truncated); i++) {
        n = (size_t)snprintf(buf, sizeof(buf), "%s%s", hdr, truncated[i]);
        assert_int_equal(parse_opts(buf, n, &no_eof, &o), LLMPERF_OK);
        assert_false(o.done);
        outcome_free(&o);
        assert_int_equal(parse_opts(buf, n, &with_eof, &o),
                         LLMPERF_EPROTOCOL);
        outcome_free(&o);
    }
    /* The largest size is accepted; the chunk just is not over. */
    n = (size_t)snprintf(buf, sizeof(buf), "%s7fffffffffffffff\r\nabc", hdr);
    assert_int_equal(parse_opts(buf, n, &no_eof, &o), LLMPERF_OK);
    assert_body(&o, "abc");
    assert_false(o.done);
    outcome_free(&o);
    /* A chunk-size line may have 255 bytes, not 256. */
    n = (size_t)snprintf(buf, sizeof(buf), "%s5;", hdr);
    memset(buf + n, 'x', 253);
    n += 253;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                          "\r\nhello\r\n0\r\n\r\n");
    assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_OK);
    expect_done(&o, 200, 1, "hello", n);
    outcome_free(&o);
    n = (size_t)snprintf(buf, sizeof(buf), "%s5;", hdr);
    memset(buf + n, 'x', 254);
    n += 254;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                          "\r\nhello\r\n0\r\n\r\n");
    assert_int_equal(parse_opts(buf, n, &with_eof, &o), LLMPERF_ETOOBIG);
    outcome_free(&o);
}

/* ---- body up to EOF, and eof() ------------------------------------ */

static void test_eof(void **state)
{
    static const char *const partial[] = {
        "H", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK\r", "HTTP/1.1 200 OK\r\n",
        "HTTP/1.1 200 OK\r\nA: b", "HTTP/1.1 200 OK\r\nConnection: clo",
        "HTTP/1.1 200 OK\r\n\r", "\r",
    };
    llmperf__http1 p;
    outcome o;
    size_t i;

    (void)state;
    assert_int_equal(PARSE("HTTP/1.1 200 OK\r\n\r\nhello", &o), LLMPERF_OK);
    expect_done(&o, 200, 0, "hello", o.used);
    assert_int_equal(o.content_length, -1);
    outcome_free(&o);
    assert_int_equal(PARSE("HTTP/1.0 200 OK\nConnection: keep-alive\n\nab",
                           &o),
                     LLMPERF_OK);
    expect_done(&o, 200, 0, "ab", o.used);
    outcome_free(&o);
    /* An empty body ended by EOF right after the head. */
    assert_int_equal(PARSE("HTTP/1.1 500 Oops\r\n\r\n", &o), LLMPERF_OK);
    expect_done(&o, 500, 0, "", o.used);
    outcome_free(&o);
    /* Not over until EOF. */
    assert_int_equal(PARSE_OPEN("HTTP/1.1 200 OK\r\n\r\nhello", &o),
                     LLMPERF_OK);
    assert_false(o.done);
    assert_body(&o, "hello");
    outcome_free(&o);

    /* Nothing at all: a transport failure, and it sticks. */
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_eof(&p), LLMPERF_ETRANSPORT);
    check_after(&p, LLMPERF_ETRANSPORT);
    /* Part of a head: a protocol failure. */
    for (i = 0; i < LLMPERF__ARRAY_LEN(partial); i++) {
        assert_int_equal(parse_opts(partial[i], strlen(partial[i]),
                                    &with_eof, &o),
                         LLMPERF_EPROTOCOL);
        assert_false(o.head_done);
        outcome_free(&o);
    }
    /* eof() after done changes nothing. */
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, "HTTP/1.1 204 x\r\n\r\n", 18,
                                         NULL, NULL, NULL, NULL),
                     LLMPERF_OK);
    assert_true(p.done);
    assert_int_equal(llmperf__http1_eof(&p), LLMPERF_OK);
    assert_int_equal(llmperf__http1_eof(&p), LLMPERF_OK);
    assert_true(p.done);
}

/* ---- callbacks, sticky errors, feeding after done ----------------- */

static void test_callbacks_and_sticky(void **state)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
                               "\r\n0123456789";
    static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                                  "chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n"
                                  "0\r\n\r\n";
    llmperf__http1 p;
    sink k;
    size_t used;

    (void)state;
    /* on_head's value is returned as is, and sticks. */
    memset(&k, 0, sizeof(k));
    k.p = &p;
    k.head_rc = 42;
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, resp, sizeof(resp) - 1, &used,
                                         on_head, on_body, &k),
                     42);
    assert_true(p.head_done);
    assert_false(p.done);
    assert_int_equal(k.len, 0);
    check_after(&p, 42);

    /* Also for a response without a body: done is not set. */
    memset(&k, 0, sizeof(k));
    k.p = &p;
    k.head_rc = LLMPERF_EABORTED;
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, "HTTP/1.1 204 x\r\n\r\n", 18,
                                         &used, on_head, on_body, &k),
                     LLMPERF_EABORTED);
    assert_false(p.done);
    check_after(&p, LLMPERF_EABORTED);

    /* on_body's value: the piece was delivered and counted. */
    memset(&k, 0, sizeof(k));
    k.p = &p;
    k.body_stop = 1;
    k.body_rc = LLMPERF_EABORTED;
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, chunked, sizeof(chunked) - 1,
                                         &used, on_head, on_body, &k),
                     LLMPERF_EABORTED);
    assert_int_equal(k.len, 3);
    assert_int_equal(p.body_bytes, 3);
    assert_true(used < sizeof(chunked) - 1);
    check_after(&p, LLMPERF_EABORTED);
    free(k.body);

    /* A stop on the last body byte: not done. */
    memset(&k, 0, sizeof(k));
    k.p = &p;
    k.body_stop = 1;
    k.body_rc = -1000;
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, resp, sizeof(resp) - 1, &used,
                                         on_head, on_body, &k),
                     -1000);
    assert_int_equal(used, sizeof(resp) - 1);
    assert_false(p.done);
    check_after(&p, -1000);
    free(k.body);

    /* NULL callbacks: bytes are still parsed and counted. */
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, chunked, sizeof(chunked) - 1,
                                         &used, NULL, NULL, NULL),
                     LLMPERF_OK);
    assert_true(p.done);
    assert_int_equal(p.body_bytes, 6);
    assert_int_equal(used, sizeof(chunked) - 1);
    check_after(&p, LLMPERF_OK);

    /* len 0 before anything, with NULL data. */
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, NULL, 0, &used, NULL, NULL,
                                         NULL),
                     LLMPERF_OK);
    assert_int_equal(used, 0);
    assert_int_equal(llmperf__http1_eof(&p), LLMPERF_ETRANSPORT);

    /* Each kind of failure sticks: EPROTOCOL, ETOOBIG. */
    llmperf__http1_init(&p, 0);
    assert_int_equal(llmperf__http1_feed(&p, "HTTP/2 200\r\n", 12, &used,
                                         NULL, NULL, NULL),
                     LLMPERF_EPROTOCOL);
    check_after(&p, LLMPERF_EPROTOCOL);
    llmperf__http1_init(&p, 0);
    p.head_max = 8;
    assert_int_equal(llmperf__http1_feed(&p, resp, sizeof(resp) - 1, &used,
                                         NULL, NULL, NULL),
                     LLMPERF_ETOOBIG);
    check_after(&p, LLMPERF_ETOOBIG);
}

/* ---- large bodies arrive in one piece ----------------------------- */

static void test_large_body_one_call(void **state)
{
    const size_t big = 1u << 20;
    static const char *const heads[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
    };
    llmperf__http1 p;
    sink k;
    size_t i, n, used;
    char *buf = malloc(big + 128);
    int split;

    (void)state;
    assert_non_null(buf);
    for (i = 0; i < LLMPERF__ARRAY_LEN(heads); i++) {
        for (split = 0; split < 2; split++) {
            n = strlen(heads[i]);
            memcpy(buf, heads[i], n);
            memset(buf + n, 'b', big);
            memset(&k, 0, sizeof(k));
            k.p = &p;
            llmperf__http1_init(&p, 0);
            if (split) {
                /* The head alone first, then the whole body. */
                assert_int_equal(llmperf__http1_feed(&p, buf, n, &used,
                                                     on_head, on_body, &k),
                                 LLMPERF_OK);
                assert_int_equal(llmperf__http1_feed(&p, buf + n, big,
                                                     &used, on_head,
                                                     on_body, &k),
                                 LLMPERF_OK);
                assert_int_equal(used, big);
            } else {
                assert_int_equal(llmperf__http1_feed(&p, buf, n + big,
                                                     &used, on_head,
                                                     on_body, &k),
                                 LLMPERF_OK);
                assert_int_equal(used, n + big);
            }
            assert_int_equal(k.body_calls, 1);
            assert_int_equal(k.max_piece, big);
            assert_int_equal(p.body_bytes, big);
            assert_int_equal(p.done, i == 0);
            free(k.body);
        }
    }
    free(buf);
}

/* ---- no over-read (picohttpparser style) -------------------------- */

/* Feed the input from right before a PROT_NONE page, whole and one byte
 * at a time (each byte again sits just before the guard page). */
static void guard_run(const char *in, size_t len, char *map, size_t page,
                      int bytewise, outcome *out)
{
    llmperf__http1 p;
    sink k;
    size_t j, used, total = 0;
    int rc = LLMPERF_OK;

    memset(&k, 0, sizeof(k));
    k.p = &p;
    llmperf__http1_init(&p, 0);
    if (!bytewise) {
        memcpy(map + page - len, in, len);
        rc = llmperf__http1_feed(&p, map + page - len, len, &total, on_head,
                                 on_body, &k);
    }
    for (j = 0; bytewise && j < len && rc == LLMPERF_OK && !p.done; j++) {
        map[page - 1] = in[j];
        rc = llmperf__http1_feed(&p, map + page - 1, 1, &used, on_head,
                                 on_body, &k);
        total += used;
    }
    if (rc == LLMPERF_OK)
        rc = llmperf__http1_eof(&p);
    take(out, &p, &k, rc, total);
}

static void test_no_overread(void **state)
{
    static const char *const inputs[] = {
        "H", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK\r",
        "HTTP/1.1 200 OK\r\nX-Skip: abc", "HTTP/1.1 200 OK\r\nX-Skip:",
        "HTTP/1.1 200 OK\r\nConnection: clo",
        "HTTP/1.1 200 OK\r\nContent-Length: 12",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;e",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: x",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2",
        "HTTP/1.1 200 OK\r\n\r\nrest of the body",
        "HTTP/1.1 204 No Content\r\n\r",
    };
    long page = sysconf(_SC_PAGESIZE);
    outcome whole, bytes;
    char *map;
    size_t i;
    int fd;

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
        guard_run(inputs[i], strlen(inputs[i]), map, (size_t)page, 0,
                  &whole);
        guard_run(inputs[i], strlen(inputs[i]), map, (size_t)page, 1,
                  &bytes);
        assert_same(&whole, &bytes);
        outcome_free(&whole);
        outcome_free(&bytes);
    }
    munmap(map, 2 * (size_t)page);
}

/* ---- fixtures ----------------------------------------------------- */

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

static char *fixture(const char *rel, size_t *len)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/fixtures/%s", LLMPERF_SHARED_DIR, rel);
    return slurp(path, len);
}

/* Offset of the body: after the first CRLF CRLF. */
static size_t head_len_of(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i + 3 < len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return i + 4;
    fail_msg("no end of head");
    return 0;
}

static void test_real_captures(void **state)
{
    outcome o;
    size_t len, head;
    char *buf;

    (void)state;
    /* llama.cpp's 400: Connection: close and a Content-Length that
     * matches its 100-byte JSON body. */
    buf = fixture("llama.cpp/openai_chat_error_400.http", &len);
    head = head_len_of(buf, len);
    assert_int_equal(len - head, 100);
    assert_int_equal(parse_opts(buf, len, &with_eof, &o), LLMPERF_OK);
    assert_true(o.done);
    assert_int_equal(o.status, 400);
    assert_int_equal(o.keep_alive, 0);
    assert_int_equal(o.used, len);
    assert_int_equal(o.body_len, 100);
    assert_memory_equal(o.body, buf + head, 100);
    assert_int_equal(o.content_length, 100);
    assert_int_equal(o.head_bytes, head);
    outcome_free(&o);
    free(buf);

    /* This capture is internally inconsistent: it says Content-Length 54
     * but carries 64 body bytes. The parser must stop after 54 (done) and
     * leave the last 10 bytes unused. */
    buf = fixture("ollama/generate_error_404.http", &len);
    head = head_len_of(buf, len);
    assert_int_equal(len - head, 64);
    assert_int_equal(parse_opts(buf, len, &with_eof, &o), LLMPERF_OK);
    assert_true(o.done);
    assert_int_equal(o.status, 404);
    assert_int_equal(o.keep_alive, 1);
    assert_int_equal(o.content_length, 54);
    assert_int_equal(o.used, head + 54);
    assert_int_equal(o.used, len - 10);
    assert_int_equal(o.body_len, 54);
    assert_memory_equal(o.body, buf + head, 54);
    outcome_free(&o);
    free(buf);

    /* Also inconsistent: "Transfer-Encoding: chunked", but the body was
     * saved de-chunked (curl -N output), so it is not chunk-framed. Its
     * first "chunk-size line" starts "data: {" ("da" parses as hex, then
     * 't'): the parser must refuse it with LLMPERF_EPROTOCOL after an
     * intact head, having delivered no body byte. */
    buf = fixture("llama.cpp/openai_completions_stream_with_headers.http",
                  &len);
    assert_int_equal(memcmp(buf + head_len_of(buf, len), "data: {", 7), 0);
    assert_int_equal(parse_opts(buf, len, &with_eof, &o), LLMPERF_EPROTOCOL);
    assert_true(o.head_done);
    assert_int_equal(o.status, 200);
    assert_true(o.chunked);
    assert_false(o.done);
    assert_int_equal(o.body_len, 0);
    outcome_free(&o);
    free(buf);
}

static int is_body_fixture(const char *name)
{
    static const char *const ext[] = {".txt", ".sse", ".ndjson", ".json"};
    size_t i, n = strlen(name), e;

    for (i = 0; i < LLMPERF__ARRAY_LEN(ext); i++) {
        e = strlen(ext[i]);
        if (n > e && strcmp(name + n - e, ext[i]) == 0)
            return 1;
    }
    return 0;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s,
                   size_t n)
{
    if (*len + n > *cap) {
        *cap = 2 * (*len + n) + 256;
        *buf = realloc(*buf, *cap);
        assert_non_null(*buf);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
}

#define APPEND_STR(b, l, c, s) append(b, l, c, s, strlen(s))

/* The next response on the connection: must be left unused. */
static const char pipelined[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";

/* Wrap body as a chunked response: random chunk sizes, some with
 * extensions, trailer fields, then bytes of a next response. */
static char *wrap_chunked(const char *body, size_t len, uint64_t seed,
                          size_t *out_len)
{
    static const char *const ext[] = {"", ";a", ";name=value",
                                      " ; q=\"x;y\" ; z", "\t;e=1"};
    char *buf = NULL, line[64];
    size_t n = 0, cap = 0, off = 0, piece;

    APPEND_STR(&buf, &n, &cap, "HTTP/1.1 200 OK\r\nServer: t\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n");
    while (off < len) {
        piece = 1 + rng_next(&seed) % (len / 3 + 1);
        if (piece > len - off)
            piece = len - off;
        snprintf(line, sizeof(line), rng_next(&seed) % 2 ? "%zx%s\r\n"
                                                         : "%zX%s\r\n",
                 piece, ext[rng_next(&seed) % LLMPERF__ARRAY_LEN(ext)]);
        APPEND_STR(&buf, &n, &cap, line);
        append(&buf, &n, &cap, body + off, piece);
        APPEND_STR(&buf, &n, &cap, "\r\n");
        off += piece;
    }
    APPEND_STR(&buf, &n, &cap, "0;end\r\nX-Trailer: done\r\n\r\n");
    APPEND_STR(&buf, &n, &cap, pipelined);
    *out_len = n;
    return buf;
}

static char *wrap_length(const char *body, size_t len, size_t *out_len)
{
    char *buf = NULL, line[64];
    size_t n = 0, cap = 0;

    snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", len);
    APPEND_STR(&buf, &n, &cap, "HTTP/1.1 200 OK\r\nContent-Type: x\r\n");
    APPEND_STR(&buf, &n, &cap, line);
    append(&buf, &n, &cap, body, len);
    APPEND_STR(&buf, &n, &cap, pipelined);
    *out_len = n;
    return buf;
}

static char *wrap_close(const char *body, size_t len, size_t *out_len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;

    APPEND_STR(&buf, &n, &cap, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
                               "Content-Type: x\r\n\r\n");
    append(&buf, &n, &cap, body, len);
    *out_len = n;
    return buf;
}

static void check_wrapped(const char *resp, size_t len, const char *body,
                          size_t body_len, int keep_alive, size_t used)
{
    outcome o;

    assert_int_equal(parse_opts(resp, len, &with_eof, &o), LLMPERF_OK);
    assert_true(o.done);
    assert_int_equal(o.status, 200);
    assert_int_equal(o.keep_alive, keep_alive);
    assert_int_equal(o.used, used);
    assert_int_equal(o.body_len, body_len);
    assert_memory_equal(o.body, body, body_len);
    assert_int_equal(o.body_bytes, body_len);
    outcome_free(&o);
}

static void test_body_fixtures(void **state)
{
    static const char *const dirs[] = {"llama.cpp", "ollama", "openai",
                                       "tgi"};
    char path[1024], rel[512];
    struct dirent *de;
    DIR *d;
    size_t k, len, n;
    char *body, *resp;
    int count = 0;

    (void)state;
    for (k = 0; k < LLMPERF__ARRAY_LEN(dirs); k++) {
        snprintf(path, sizeof(path), "%s/fixtures/%s", LLMPERF_SHARED_DIR,
                 dirs[k]);
        d = opendir(path);
        assert_non_null(d);
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.' || !is_body_fixture(de->d_name))
                continue;
            snprintf(rel, sizeof(rel), "%s/%s", dirs[k], de->d_name);
            body = fixture(rel, &len);
            assert_true(len > 0);
            resp = wrap_chunked(body, len, 0xC0FFEEull + (uint64_t)count,
                                &n);
            check_wrapped(resp, n, body, len, 1, n - strlen(pipelined));
            free(resp);
            resp = wrap_length(body, len, &n);
            check_wrapped(resp, n, body, len, 1, n - strlen(pipelined));
            free(resp);
            resp = wrap_close(body, len, &n);
            check_wrapped(resp, n, body, len, 0, n);
            free(resp);
            free(body);
            count++;
        }
        closedir(d);
    }
    /* 4 .txt, 1 .json, 4 .ndjson, 4 .sse when this was written. */
    assert_true(count >= 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_field_names),
        cmocka_unit_test(test_long_fields),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_connection),
        cmocka_unit_test(test_head_max),
        cmocka_unit_test(test_interim),
        cmocka_unit_test(test_no_body),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_eof),
        cmocka_unit_test(test_callbacks_and_sticky),
        cmocka_unit_test(test_large_body_one_call),
        cmocka_unit_test(test_no_overread),
        cmocka_unit_test(test_real_captures),
        cmocka_unit_test(test_body_fixtures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
