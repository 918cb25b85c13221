/* SPDX-License-Identifier: MIT */
/*
 * test_ndjson.c -- the NDJSON line splitter: framing, CRLF, blank lines,
 * the final unterminated line, caps, sticky errors, allocation failure,
 * no over-read, and every NDJSON fixture split in all ways.
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

#include "internal.h"
#include "ndjson.h"

/* ---- collecting lines --------------------------------------------- */

typedef struct line_list {
    char **v;
    size_t *len;
    size_t n, cap;
    size_t stop_at; /* return stop_rc from the stop_at-th line (1-based) */
    int stop_rc;
} line_list;

static int collect(const char *line, size_t len, void *userdata)
{
    line_list *l = userdata;

    assert_non_null(line);
    assert_int_equal(line[len], '\0'); /* the documented terminator */
    assert_true(len > 0);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        l->len = realloc(l->len, l->cap * sizeof(*l->len));
        assert_non_null(l->v);
        assert_non_null(l->len);
    }
    l->v[l->n] = malloc(len + 1);
    assert_non_null(l->v[l->n]);
    memcpy(l->v[l->n], line, len + 1);
    l->len[l->n] = len;
    l->n++;
    if (l->stop_at != 0 && l->n == l->stop_at)
        return l->stop_rc;
    return 0;
}

static void list_free(line_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

static void assert_lists_equal(const line_list *a, const line_list *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        assert_int_equal(a->len[i], b->len[i]);
        assert_memory_equal(a->v[i], b->v[i], a->len[i]);
    }
}

static void assert_line(const line_list *l, size_t i, const char *s)
{
    assert_true(i < l->n);
    assert_int_equal(l->len[i], strlen(s));
    assert_string_equal(l->v[i], s);
}

/* ---- feeding ------------------------------------------------------ */

enum { WHOLE, BYTES, RANDOM };

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* First non-OK status of feed(), else finish()'s; checks stickiness. */
static int run(llmperf__ndjson *p, const char *buf, size_t len, int how,
               uint64_t seed, line_list *out)
{
    size_t off = 0, n;
    int rc = LLMPERF_OK;

    while (off < len && rc == LLMPERF_OK) {
        if (how == WHOLE)
            n = len;
        else if (how == BYTES)
            n = 1;
        else if (rng_next(&seed) % 4 == 0)
            n = 1 + rng_next(&seed) % len;
        else
            n = 1 + rng_next(&seed) % 8;
        if (n > len - off)
            n = len - off;
        rc = llmperf__ndjson_feed(p, buf + off, n, collect, out);
        off += n;
    }
    if (rc == LLMPERF_OK)
        return llmperf__ndjson_finish(p, collect, out);
    assert_int_equal(llmperf__ndjson_feed(p, "{}\n", 3, collect, out), rc);
    assert_int_equal(llmperf__ndjson_finish(p, collect, out), rc);
    return rc;
}

static int parse_all_ways(const char *s, size_t len, size_t max_line,
                          line_list *out)
{
    llmperf__ndjson p;
    line_list other;
    int rc, rc2, round;

    memset(&p, 0, sizeof(p));
    p.max_line = max_line;
    rc = run(&p, s, len, WHOLE, 0, out);
    for (round = 0; round < 52; round++) {
        llmperf__ndjson_reset(&p);
        memset(&other, 0, sizeof(other));
        rc2 = run(&p, s, len, round == 0 ? BYTES : RANDOM,
                  0xD1B54A32D192ED03ull + (uint64_t)round, &other);
        assert_int_equal(rc2, rc);
        assert_lists_equal(out, &other);
        list_free(&other);
    }
    llmperf__ndjson_reset(&p);
    return rc;
}

#define PARSE(lit, ml, out) parse_all_ways(lit, sizeof(lit) - 1, ml, out)

/* ---- framing ------------------------------------------------------ */

static void test_several_lines_per_read(void **state)
{
    llmperf__ndjson p;
    line_list l;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    assert_int_equal(llmperf__ndjson_feed(&p, "{\"a\":1}\n{\"b\":2}\n[3]\n",
                                          20, collect, &l),
                     0);
    assert_int_equal(l.n, 3);
    assert_line(&l, 0, "{\"a\":1}");
    assert_line(&l, 1, "{\"b\":2}");
    assert_line(&l, 2, "[3]");
    assert_int_equal(p.len, 0); /* nothing held back */
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l), 0);
    assert_int_equal(p.lines, 3);
    llmperf__ndjson_reset(&p);
    list_free(&l);
}

static void test_line_across_reads(void **state)
{
    static const char s[] = "{\"response\":\"a long line in pieces\"}\n";
    const size_t text = sizeof(s) - 2;
    llmperf__ndjson p;
    line_list l;
    size_t i, n;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    /* Everything but the final "\n", three bytes at a time. */
    for (i = 0; i < text; i += n) {
        n = text - i < 3 ? text - i : 3;
        assert_int_equal(llmperf__ndjson_feed(&p, s + i, n, collect, &l), 0);
        assert_int_equal(l.n, 0);
    }
    assert_int_equal(llmperf__ndjson_feed(&p, "\n", 1, collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_line(&l, 0, "{\"response\":\"a long line in pieces\"}");
    llmperf__ndjson_reset(&p);
    list_free(&l);
}

static void test_crlf_blank_and_cr(void **state)
{
    line_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE("{\"a\":1}\r\n\r\n\n   \n\t \r\n{\"b\":\"x\ry\"}\n"
                           "\n{\"c\":3}\r\r\n",
                           0, &l),
                     LLMPERF_OK);
    assert_int_equal(l.n, 3);
    assert_line(&l, 0, "{\"a\":1}");
    /* A lone CR is data, not a line end (JSON strings may not hold one
     * raw, but splitting there would be wrong either way). */
    assert_line(&l, 1, "{\"b\":\"x\ry\"}");
    /* Only the CR of the CRLF is dropped. */
    assert_line(&l, 2, "{\"c\":3}\r");
    list_free(&l);
    /* Nothing but blank lines. */
    assert_int_equal(PARSE("\n\r\n  \n\t\n \r", 0, &l), LLMPERF_OK);
    assert_int_equal(l.n, 0);
    list_free(&l);
}

static void test_finish_emits_last_line(void **state)
{
    llmperf__ndjson p;
    line_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE("{\"a\":1}\n{\"done\":true}", 0, &l), 0);
    assert_int_equal(l.n, 2);
    assert_line(&l, 1, "{\"done\":true}");
    list_free(&l);
    assert_int_equal(PARSE("{\"a\":1}\n{\"done\":true}\r", 0, &l), 0);
    assert_int_equal(l.n, 2);
    assert_line(&l, 1, "{\"done\":true}");
    list_free(&l);
    /* finish() emits once; the parser is then empty. */
    memset(&p, 0, sizeof(p));
    assert_int_equal(llmperf__ndjson_feed(&p, "{}", 2, collect, &l), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_line(&l, 0, "{}");
    llmperf__ndjson_reset(&p);
    list_free(&l);
}

static void test_nul_and_high_bytes(void **state)
{
    static const char s[] = "{\"a\":\"\xff\xfe\"}\n\0x\n";
    line_list l;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(parse_all_ways(s, sizeof(s) - 1, 0, &l), 0);
    assert_int_equal(l.n, 2);
    assert_line(&l, 0, "{\"a\":\"\xff\xfe\"}");
    /* An embedded NUL is passed on; len is what counts. */
    assert_int_equal(l.len[1], 2);
    assert_memory_equal(l.v[1], "\0x", 2);
    list_free(&l);
}

/* ---- caps, errors, lifecycle ------------------------------------- */

static void test_line_cap(void **state)
{
    size_t max = LLMPERF__NDJSON_DEFAULT_MAX;
    llmperf__ndjson p;
    line_list l;
    char *big;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(PARSE("{\"k\":\"0123456789\"}\n", 18, &l), 0);
    assert_int_equal(l.n, 1);
    list_free(&l);
    /* Earlier lines are delivered, then the long one stops everything. */
    assert_int_equal(PARSE("{}\n{\"k\":\"0123456789\"}\n{}\n", 17, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(l.n, 1);
    list_free(&l);
    /* The CR of a CRLF counts, so the check does not depend on splits. */
    assert_int_equal(PARSE("{\"k\":\"0123456789\"}\r\n", 18, &l),
                     LLMPERF_ETOOBIG);
    list_free(&l);
    /* A line that never ends is caught while it grows; blank too. */
    assert_int_equal(PARSE("{\"k\":\"0123456789\"", 10, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(PARSE("                    \n", 10, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(l.n, 0);

    /* Default cap: max bytes pass, max + 1 fail, whole or in pieces. */
    big = malloc(max + 2);
    assert_non_null(big);
    memset(big, ' ', max + 2);
    big[0] = '"';
    big[max - 1] = '"';
    big[max] = '\n';
    memset(&p, 0, sizeof(p));
    assert_int_equal(llmperf__ndjson_feed(&p, big, max + 1, collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.len[0], max);
    llmperf__ndjson_reset(&p);
    assert_int_equal(llmperf__ndjson_feed(&p, big, 7, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_feed(&p, big + 7, max + 1 - 7, collect,
                                          &l),
                     0);
    assert_int_equal(l.n, 2);
    llmperf__ndjson_reset(&p);
    big[max] = ' ';
    big[max + 1] = '\n';
    assert_int_equal(llmperf__ndjson_feed(&p, big, max + 2, collect, &l),
                     LLMPERF_ETOOBIG);
    llmperf__ndjson_reset(&p);
    assert_int_equal(llmperf__ndjson_feed(&p, big, max, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_feed(&p, big + max, 2, collect, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(l.n, 2);
    llmperf__ndjson_reset(&p);
    free(big);
    list_free(&l);
}

static void test_callback_stops_sticky(void **state)
{
    llmperf__ndjson p;
    line_list l;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    l.stop_at = 2;
    l.stop_rc = LLMPERF_EABORTED;
    assert_int_equal(llmperf__ndjson_feed(&p, "1\n2\n3\n", 6, collect, &l),
                     LLMPERF_EABORTED);
    assert_int_equal(l.n, 2);
    assert_int_equal(llmperf__ndjson_feed(&p, "4\n", 2, collect, &l),
                     LLMPERF_EABORTED);
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l),
                     LLMPERF_EABORTED);
    assert_int_equal(l.n, 2);
    llmperf__ndjson_reset(&p);
    list_free(&l);
    /* The value returned from finish()'s last line is sticky too. */
    l.stop_at = 2;
    l.stop_rc = 9;
    assert_int_equal(llmperf__ndjson_feed(&p, "1\n2", 3, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l), 9);
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l), 9);
    assert_int_equal(llmperf__ndjson_feed(&p, "3\n", 2, collect, &l), 9);
    assert_int_equal(l.n, 2);
    llmperf__ndjson_reset(&p);
    list_free(&l);
}

static void test_reset_reuse_and_zero_len(void **state)
{
    llmperf__ndjson p;
    line_list l;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    p.max_line = 4;
    assert_int_equal(llmperf__ndjson_feed(&p, NULL, 0, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_feed(&p, NULL, 3, collect, &l),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf__ndjson_feed(&p, "12345\n", 6, collect, &l),
                     LLMPERF_ETOOBIG);
    assert_int_equal(llmperf__ndjson_feed(&p, NULL, 0, collect, &l),
                     LLMPERF_ETOOBIG);
    llmperf__ndjson_reset(&p);
    assert_int_equal(p.max_line, 4);
    assert_null(p.buf);
    assert_int_equal(p.error, 0);
    assert_int_equal(llmperf__ndjson_feed(&p, "12", 2, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_feed(&p, NULL, 0, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_feed(&p, "34\n", 3, collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_line(&l, 0, "1234");
    /* reset() drops a pending partial line. */
    assert_int_equal(llmperf__ndjson_feed(&p, "xx", 2, collect, &l), 0);
    llmperf__ndjson_reset(&p);
    assert_int_equal(llmperf__ndjson_finish(&p, collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(llmperf__ndjson_feed(&p, "{}\n", 3, NULL, NULL), 0);
    assert_int_equal(p.lines, 1);
    llmperf__ndjson_reset(&p);
    llmperf__ndjson_reset(&p);
    list_free(&l);
}

static void test_enomem(void **state)
{
    static const char s[] = "{\"a\":1}\n{\"split line\":2}\n{\"c\":3}";
    llmperf__ndjson p;
    line_list l;
    long n;
    int rc, failures = 0;

    (void)state;
    for (n = 1; n < 32; n++) {
        memset(&p, 0, sizeof(p));
        memset(&l, 0, sizeof(l));
        llmperf__alloc_fail_after(n);
        rc = llmperf__ndjson_feed(&p, s, 12, collect, &l);
        if (rc == LLMPERF_OK)
            rc = llmperf__ndjson_feed(&p, s + 12, sizeof(s) - 1 - 12,
                                      collect, &l);
        if (rc == LLMPERF_OK)
            rc = llmperf__ndjson_finish(&p, collect, &l);
        llmperf__alloc_fail_after(0);
        if (rc == LLMPERF_OK) {
            assert_int_equal(l.n, 3);
            assert_line(&l, 1, "{\"split line\":2}");
            llmperf__ndjson_reset(&p);
            list_free(&l);
            break;
        }
        assert_int_equal(rc, LLMPERF_ENOMEM);
        failures++;
        assert_int_equal(llmperf__ndjson_feed(&p, "\n", 1, collect, &l),
                         LLMPERF_ENOMEM);
        assert_int_equal(llmperf__ndjson_finish(&p, collect, &l),
                         LLMPERF_ENOMEM);
        llmperf__ndjson_reset(&p);
        list_free(&l);
    }
    assert_true(failures >= 1);
    assert_true(n < 32);
}

static void test_growth(void **state)
{
    enum { N = 200000 };
    llmperf__ndjson p;
    line_list l;
    size_t i;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(&l, 0, sizeof(l));
    llmperf__alloc_fail_after(0);
    for (i = 0; i < N; i++)
        assert_int_equal(llmperf__ndjson_feed(&p, "7", 1, collect, &l), 0);
    assert_int_equal(llmperf__ndjson_feed(&p, "\n", 1, collect, &l), 0);
    assert_true(llmperf__alloc_count() < 30);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.len[0], N);
    /* Capacity stays within cap + 1, never double the cap. */
    assert_true(p.cap <= LLMPERF__NDJSON_DEFAULT_MAX + 1);
    llmperf__ndjson_reset(&p);
    list_free(&l);
}

/* Inputs end right before a PROT_NONE page: any over-read faults. */
static void test_no_overread(void **state)
{
    static const char *const inputs[] = {
        "{}\n{\"a\"", "{}\r", "{}\n", "\r\n", "\n", " ", "x", "{}\r\n\r",
    };
    long page = sysconf(_SC_PAGESIZE);
    llmperf__ndjson p;
    line_list whole, bytes;
    char *map, *at;
    size_t i, j, len;
    int fd, rc1, rc2;

    (void)state;
    assert_true(page > 0);
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
        rc1 = llmperf__ndjson_feed(&p, at, len, collect, &whole);
        if (rc1 == LLMPERF_OK)
            rc1 = llmperf__ndjson_finish(&p, collect, &whole);
        llmperf__ndjson_reset(&p);
        rc2 = LLMPERF_OK;
        for (j = 0; j < len && rc2 == LLMPERF_OK; j++) {
            map[page - 1] = inputs[i][j];
            rc2 = llmperf__ndjson_feed(&p, map + page - 1, 1, collect,
                                       &bytes);
        }
        if (rc2 == LLMPERF_OK)
            rc2 = llmperf__ndjson_finish(&p, collect, &bytes);
        llmperf__ndjson_reset(&p);
        assert_int_equal(rc1, rc2);
        assert_lists_equal(&whole, &bytes);
        list_free(&whole);
        list_free(&bytes);
    }
    munmap(map, 2 * (size_t)page);
}

/* ---- fixtures ----------------------------------------------------- */

typedef struct fixture {
    const char *path; /* under LLMPERF_SHARED_DIR/fixtures */
    size_t count;
    const char *first; /* prefix of the first line */
    const char *last;  /* suffix of the last line */
    int seen;
} fixture;

static fixture fixtures[] = {
    {"ollama/chat_stream.ndjson", 4,
     "{\"model\":\"llama3.2\","
     "\"created_at\":\"2026-11-20T10:00:01.000000000Z\","
     "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"}",
     "\"eval_count\":3,\"eval_duration\":33000000}", 0},
    {"ollama/generate_stream.ndjson", 6,
     "{\"model\":\"qwen2.5:0.5b\","
     "\"created_at\":\"2026-11-20T10:00:00.100000000Z\",\"response\":\"The\"",
     "\"eval_count\":5,\"eval_duration\":25000000}", 0},
    {"ollama/generate_stream_cached_prompt.ndjson", 2,
     "{\"model\":\"qwen2.5:0.5b\","
     "\"created_at\":\"2026-11-20T10:00:02.000000000Z\",\"response\":\"Yes\"",
     "\"eval_count\":1,\"eval_duration\":5000000}", 0},
    {"ollama/generate_stream_error_midstream.ndjson", 3,
     "{\"model\":\"qwen2.5:0.5b\","
     "\"created_at\":\"2026-11-20T10:00:03.000000000Z\",\"response\":\"Once\"",
     "{\"error\":\"an error was encountered while running the model: "
     "unexpected EOF\"}",
     0},
};

static const char *const non_streams[] = {
    "ollama/generate_error_404.http",
    "llama.cpp/openai_chat_error_400.http",
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

/* .http capture: body offset; *is_ndjson from its Content-Type. */
static size_t http_body(const char *buf, size_t len, int *is_ndjson)
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
    *is_ndjson = strncmp(ct, "Content-Type: application/x-ndjson", 34) == 0;
    return (size_t)(end - buf) + 4;
}

static void check_fixture(const fixture *fx, const char *body, size_t len)
{
    line_list l;
    size_t i, n;

    memset(&l, 0, sizeof(l));
    assert_int_equal(parse_all_ways(body, len, 0, &l), LLMPERF_OK);
    assert_int_equal(l.n, fx->count);
    assert_true(strncmp(l.v[0], fx->first, strlen(fx->first)) == 0);
    n = strlen(fx->last);
    assert_true(l.len[l.n - 1] >= n);
    assert_string_equal(l.v[l.n - 1] + l.len[l.n - 1] - n, fx->last);
    for (i = 0; i < l.n; i++) {
        /* One whole JSON object per line, framing removed. */
        assert_int_equal(l.v[i][0], '{');
        assert_int_equal(l.v[i][l.len[i] - 1], '}');
        assert_null(memchr(l.v[i], '\n', l.len[i]));
        assert_null(memchr(l.v[i], '\r', l.len[i]));
        if (i + 1 < l.n)
            assert_non_null(strstr(l.v[i], "\"done\":false"));
    }
    if (strstr(fx->path, "error_midstream") == NULL)
        assert_non_null(strstr(l.v[l.n - 1], "\"done\":true"));
    /* The cached-prompt reply omits prompt_eval_* (zero in Ollama). */
    if (strstr(fx->path, "cached_prompt") != NULL)
        assert_null(strstr(l.v[1], "prompt_eval"));
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
    int is_nd, listed, n_nd = 0;

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
                off = http_body(buf, len, &is_nd);
            else
                is_nd = ends_with(rel, ".ndjson");
            listed = 0;
            for (i = 0; i < LLMPERF__ARRAY_LEN(fixtures); i++)
                if (strcmp(fixtures[i].path, rel) == 0) {
                    assert_true(is_nd);
                    check_fixture(&fixtures[i], buf + off, len - off);
                    fixtures[i].seen = 1;
                    listed = 1;
                    n_nd++;
                }
            if (is_nd && !listed)
                fail_msg("NDJSON fixture %s has no expectations here", rel);
            for (i = 0; i < LLMPERF__ARRAY_LEN(non_streams); i++)
                if (strcmp(non_streams[i], rel) == 0)
                    assert_false(is_nd);
            free(buf);
        }
        closedir(d);
    }
    for (i = 0; i < LLMPERF__ARRAY_LEN(fixtures); i++)
        if (!fixtures[i].seen)
            fail_msg("fixture %s not found", fixtures[i].path);
    assert_int_equal(n_nd, LLMPERF__ARRAY_LEN(fixtures));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_several_lines_per_read),
        cmocka_unit_test(test_line_across_reads),
        cmocka_unit_test(test_crlf_blank_and_cr),
        cmocka_unit_test(test_finish_emits_last_line),
        cmocka_unit_test(test_nul_and_high_bytes),
        cmocka_unit_test(test_line_cap),
        cmocka_unit_test(test_callback_stops_sticky),
        cmocka_unit_test(test_reset_reuse_and_zero_len),
        cmocka_unit_test(test_enomem),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_no_overread),
        cmocka_unit_test(test_fixtures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
