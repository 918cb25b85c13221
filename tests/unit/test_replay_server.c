/* SPDX-License-Identifier: MIT */
/*
 * Self-test of tests/server/replay_server.c through testsrv.h, with plain
 * sockets (no libcurl): framing, write splits and delays, stalls, cuts,
 * raw replay, keep-alive, 100-continue, the request log, routes and exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "testsrv.h"

#define FIX LLMPERF_SHARED_DIR "/fixtures/"
#define TGI FIX "tgi/generate_stream.sse"
#define NDJSON FIX "ollama/generate_stream.ndjson"
#define RAW400 FIX "llama.cpp/openai_chat_error_400.http"

struct buf {
    char *p;
    size_t len, cap;
    /* one entry per recv(): bytes so far after it, and when */
    size_t marks[256];
    int64_t when[256];
    int nreads;
    int eof;            /* read_to_eof() saw the peer close */
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct buf *load(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct buf *b = calloc(1, sizeof(*b));
    size_t r;

    assert_non_null(f);
    assert_non_null(b);
    b->cap = 1 << 16;
    b->p = malloc(b->cap);
    assert_non_null(b->p);
    r = fread(b->p, 1, b->cap, f);
    assert_true(r < b->cap);
    b->len = r;
    fclose(f);
    return b;
}

static void buf_free(struct buf *b)
{
    if (b)
        free(b->p);
    free(b);
}

static int connect_port(int port)
{
    struct sockaddr_in sa;
    struct timeval tv = { 5, 0 };  /* no read may hang the test */
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_str(int fd, const char *s)
{
    size_t n = strlen(s);

    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

static void get(int fd, const char *path, int keep_alive)
{
    char req[256];

    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n",
             path, keep_alive ? "" : "Connection: close\r\n");
    send_str(fd, req);
}

/* One recv() into b; returns its result. */
static ssize_t recv_some(int fd, struct buf *b)
{
    ssize_t r;

    if (b->cap - b->len < 4096) {
        b->cap = b->cap ? b->cap * 2 : 1 << 16;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    r = recv(fd, b->p + b->len, b->cap - b->len - 1, 0);
    if (r > 0) {
        b->len += (size_t)r;
        b->p[b->len] = 0;
        if (b->nreads < 256) {
            b->marks[b->nreads] = b->len;
            b->when[b->nreads++] = now_ms();
        }
    }
    return r;
}

static struct buf *read_to_eof(int fd)
{
    struct buf *b = calloc(1, sizeof(*b));
    int64_t end = now_ms() + 5000;
    ssize_t r = -1;

    assert_non_null(b);
    while (now_ms() < end && (r = recv_some(fd, b)) > 0)
        ;
    b->eof = r == 0;
    if (!b->p) {  /* nothing came */
        b->p = calloc(1, 1);
        assert_non_null(b->p);
    }
    return b;
}

static size_t head_len(const struct buf *b)
{
    const char *e = b->p ? strstr(b->p, "\r\n\r\n") : NULL;

    assert_non_null(e);
    return (size_t)(e - b->p) + 4;
}

/* De-chunk src[0..n) into *out. Returns 1 when the zero chunk and its
 * CRLF were seen, 0 if the data stops early, -1 on bad framing.
 * *chunks gets the number of data chunks. */
static int dechunk(const char *src, size_t n, struct buf *out, int *chunks,
                   size_t *first_size)
{
    size_t i = 0;

    *chunks = 0;
    out->len = 0;
    for (;;) {
        char *e;
        unsigned long sz;
        const char *crlf;

        if (i >= n)
            return 0;
        crlf = strstr(src + i, "\r\n");
        if (!crlf || (size_t)(crlf - src) >= n)
            return 0;
        sz = strtoul(src + i, &e, 16);
        if (e != crlf)
            return -1;
        i = (size_t)(crlf - src) + 2;
        if (sz == 0)
            return i + 2 <= n && !memcmp(src + i, "\r\n", 2) ? 1 : 0;
        if (i + sz + 2 > n)
            return 0;
        if (memcmp(src + i + sz, "\r\n", 2) != 0)
            return -1;
        if (out->cap < out->len + sz + 1) {
            out->cap = out->len + sz + 65536;
            out->p = realloc(out->p, out->cap);
            assert_non_null(out->p);
        }
        memcpy(out->p + out->len, src + i, sz);
        out->len += sz;
        out->p[out->len] = 0;
        if (!*chunks && first_size)
            *first_size = sz;
        (*chunks)++;
        i += sz + 2;
    }
}

/* Take exactly one response (Content-Length or chunked) from the
 * connection buffer in, reading fd as needed; returns a fresh buffer with
 * its bytes and puts the body in *body. Bytes of a later (pipelined)
 * response stay in in. */
static struct buf *read_one(int fd, struct buf *in, struct buf *body)
{
    struct buf *b = calloc(1, sizeof(*b));
    int64_t end = now_ms() + 5000;
    size_t total = 0;

    assert_non_null(b);
    while (!total && now_ms() < end) {
        const char *e = in->p ? strstr(in->p, "\r\n\r\n") : NULL;

        if (e) {
            size_t h = (size_t)(e - in->p) + 4;
            const char *cl = strstr(in->p, "\r\nContent-Length:");
            const char *te = strstr(in->p, "\r\nTransfer-Encoding: chunked");
            int chunks;

            if (cl && cl < e) {
                size_t n = strtoul(cl + 17, NULL, 10);

                if (in->len >= h + n) {
                    body->p = realloc(body->p, n + 1);
                    assert_non_null(body->p);
                    memcpy(body->p, in->p + h, n);
                    body->p[n] = 0;
                    body->len = n;
                    total = h + n;
                }
            } else {
                assert_true(te && te < e);
                if (dechunk(in->p + h, in->len - h, body, &chunks,
                            NULL) == 1) {
                    const char *z = strstr(in->p + h - 2,
                                          "\r\n0\r\n\r\n");

                    assert_non_null(z);
                    total = (size_t)(z - in->p) + 7;
                }
            }
        }
        if (!total)
            assert_true(recv_some(fd, in) > 0);
    }
    if (!total)
        fail_msg("no complete response in 5 s");
    b->p = malloc(total + 1);
    assert_non_null(b->p);
    memcpy(b->p, in->p, total);
    b->p[total] = 0;
    b->len = b->cap = total;
    memmove(in->p, in->p + total, in->len - total + 1);
    in->len -= total;
    return b;
}

static void start_or_fail(testsrv *s, const char *const *args, int logged)
{
    int rc = logged ? testsrv_start_logged(s, args) : testsrv_start(s, args);

    assert_int_equal(rc, 0);
    assert_true(s->port > 0);
    assert_true(s->pid > 0);
}

/* Chunked framing: de-chunked bytes == the fixture, one chunk per write. */
static void test_chunked_equals_fixture(void **state)
{
    const char *args[] = { "--response", TGI, "--split-every", "37",
                           "--header", "Content-Type: text/event-stream",
                           NULL };
    struct buf *fix = load(TGI), body = { 0 }, *b;
    testsrv s;
    size_t h, first = 0;
    int fd, chunks;

    (void)state;
    start_or_fail(&s, args, 0);
    assert_non_null(strstr(s.url, "http://127.0.0.1:"));
    fd = connect_port(s.port);
    assert_true(fd >= 0);
    get(fd, "/generate_stream", 0);
    b = read_to_eof(fd);
    assert_true(b->eof);
    close(fd);
    h = head_len(b);
    assert_memory_equal(b->p, "HTTP/1.1 200 OK\r\n", 17);
    assert_non_null(strstr(b->p, "\r\nContent-Type: text/event-stream\r\n"));
    assert_non_null(strstr(b->p, "\r\nTransfer-Encoding: chunked\r\n"));
    assert_int_equal(dechunk(b->p + h, b->len - h, &body, &chunks, &first),
                     1);
    assert_int_equal(body.len, fix->len);
    assert_memory_equal(body.p, fix->p, fix->len);
    assert_int_equal(chunks, (int)((fix->len + 36) / 37));
    assert_int_equal(first, 37);
    free(body.p);
    buf_free(b);
    buf_free(fix);
    testsrv_stop(&s);
}

/* Body offset off arrived with the recv() that ended at index k. */
static int read_of(const struct buf *b, size_t abs_off)
{
    int k;

    for (k = 0; k < b->nreads; k++)
        if (b->marks[k] > abs_off)
            return k;
    return -1;
}

/* --split + --delay-ms: separate reads, at the offsets, with the delay. */
static void test_split_and_delay(void **state)
{
    const char *args[] = { "--response", NDJSON, "--framing", "length",
                           "--split", "10,50", "--delay-ms", "120", NULL };
    struct buf *fix = load(NDJSON), *b;
    testsrv s;
    size_t h;
    int fd, r0, r10, r50;

    (void)state;
    start_or_fail(&s, args, 0);
    fd = connect_port(s.port);
    get(fd, "/api/generate", 0);
    b = read_to_eof(fd);
    assert_true(b->eof);
    close(fd);
    h = head_len(b);
    assert_int_equal(b->len - h, fix->len);
    assert_memory_equal(b->p + h, fix->p, fix->len);
    r0 = read_of(b, h);
    r10 = read_of(b, h + 10);
    r50 = read_of(b, h + 50);
    /* Each write came in its own read, ending exactly at the split. */
    assert_true(r0 >= 0 && r10 > r0 && r50 > r10);
    assert_int_equal(b->marks[r10 - 1], h + 10);
    assert_int_equal(b->marks[r50 - 1], h + 50);
    assert_true(b->when[r10] - b->when[r0] >= 100);
    assert_true(b->when[r50] - b->when[r10] >= 100);
    assert_true(b->when[r50] - b->when[r0] < 2000);
    buf_free(b);
    buf_free(fix);
    testsrv_stop(&s);
}

/* --stall-at: one long pause at the offset, none elsewhere. */
static void test_stall(void **state)
{
    const char *args[] = { "--response", TGI, "--stall-at", "60",
                           "--stall-ms", "300", "--split-every", "30",
                           NULL };
    struct buf *b;
    testsrv s;
    size_t h;
    int fd, a, z;

    (void)state;
    start_or_fail(&s, args, 0);
    fd = connect_port(s.port);
    get(fd, "/", 0);
    b = read_to_eof(fd);
    assert_true(b->eof);
    close(fd);
    h = head_len(b);
    /* Chunked: 60 body bytes = two 30-byte chunks of 4 + 30 + 2 bytes. */
    a = read_of(b, h + 2 * 36 - 1);
    z = read_of(b, h + 2 * 36);
    assert_true(a >= 0 && z == a + 1);
    assert_true(b->when[z] - b->when[a] >= 270);
    assert_true(b->when[a] - b->when[0] < 200);
    buf_free(b);
    testsrv_stop(&s);
}

/* --cut-at: the body stops at the offset and the connection closes. */
static void test_cut_at(void **state)
{
    const char *chunked[] = { "--response", TGI, "--cut-at", "100", NULL };
    const char *length[] = { "--response", TGI, "--cut-at", "100",
                             "--framing", "length", NULL };
    struct buf *fix = load(TGI), body = { 0 }, *b;
    testsrv s;
    size_t h;
    int fd, chunks;

    (void)state;
    start_or_fail(&s, chunked, 0);
    fd = connect_port(s.port);
    get(fd, "/", 1);   /* keep-alive asked: the cut must still close */
    b = read_to_eof(fd);
    assert_true(b->eof);
    close(fd);
    h = head_len(b);
    assert_int_equal(dechunk(b->p + h, b->len - h, &body, &chunks, NULL),
                     0);
    assert_int_equal(body.len, 100);
    assert_memory_equal(body.p, fix->p, 100);
    buf_free(b);
    testsrv_stop(&s);

    start_or_fail(&s, length, 0);
    fd = connect_port(s.port);
    get(fd, "/", 1);
    b = read_to_eof(fd);
    assert_true(b->eof);
    close(fd);
    h = head_len(b);
    assert_int_equal(b->len - h, 100);
    assert_non_null(strstr(b->p, "Content-Length: 490\r\n"));
    assert_int_equal(fix->len, 490);
    free(body.p);
    buf_free(b);
    buf_free(fix);
    testsrv_stop(&s);
}

/* --raw: the file's bytes, unchanged; "Connection: close" closes. */
static void test_raw(void **state)
{
    const char *args[] = { "--raw", RAW400, "--split", "5,100", NULL };
    struct buf *fix = load(RAW400), *b;
    testsrv s;
    int fd;

    (void)state;
    start_or_fail(&s, args, 0);
    fd = connect_port(s.port);
    get(fd, "/v1/chat/completions", 1);
    b = read_to_eof(fd);
    assert_true(b->eof);
    close(fd);
    assert_int_equal(b->len, fix->len);
    assert_memory_equal(b->p, fix->p, fix->len);
    buf_free(b);
    buf_free(fix);
    testsrv_stop(&s);
}

/* Keep-alive: three requests on one connection, two of them pipelined. */
static void test_keep_alive(void **state)
{
    const char *chunked[] = { "--response", NDJSON, "--split-every", "100",
                              NULL };
    const char *length[] = { "--response", NDJSON, "--framing", "length",
                             NULL };
    const char *const *modes[] = { chunked, length };
    struct buf in = { 0 };
    struct buf *fix = load(NDJSON), body = { 0 }, *b;
    testsrv s;
    int fd, m, i;

    (void)state;
    for (m = 0; m < 2; m++) {
        in.len = 0;
        start_or_fail(&s, modes[m], 0);
        fd = connect_port(s.port);
        get(fd, "/api/generate", 1);
        for (i = 0; i < 3; i++) {
            if (i == 1) {
                get(fd, "/api/generate", 1);
                get(fd, "/api/generate", 1);
            }
            b = read_one(fd, &in, &body);
            assert_memory_equal(b->p, "HTTP/1.1 200 OK\r\n", 17);
            assert_int_equal(body.len, fix->len);
            assert_memory_equal(body.p, fix->p, fix->len);
            buf_free(b);
        }
        close(fd);
        testsrv_stop(&s);
    }
    free(in.p);
    free(body.p);
    buf_free(fix);
}

/* The log holds request line, headers and body; 100-continue works. */
static void test_log_and_continue(void **state)
{
    const char *args[] = { "--empty", NULL };
    const char *json = "{\"model\":\"m\",\"stream\":true}";
    struct buf in = { 0 };
    struct buf *b, body = { 0 };
    char req[512], *log, *v;
    testsrv s;
    size_t blen = 0;
    int fd;

    (void)state;
    start_or_fail(&s, args, 1);
    assert_true(s.log_path[0] != 0);
    fd = connect_port(s.port);
    snprintf(req, sizeof(req),
             "POST /v1/completions HTTP/1.1\r\nHost: h\r\n"
             "Authorization: Bearer sk-test\r\nX-Request-Id: r-42\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n"
             "\r\n%s", strlen(json), json);
    send_str(fd, req);
    b = read_one(fd, &in, &body);
    assert_int_equal(body.len, 0);
    buf_free(b);
    /* Second request waits for "100 Continue" before its body. */
    snprintf(req, sizeof(req),
             "POST /api/chat?x=1 HTTP/1.1\r\nHost: h\r\n"
             "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    send_str(fd, req);
    b = calloc(1, sizeof(*b));
    assert_non_null(b);
    while (b->len < 25)
        assert_true(recv_some(fd, b) > 0);
    assert_int_equal(b->len, 25);
    assert_memory_equal(b->p, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    buf_free(b);
    send_str(fd, "hello");
    b = read_one(fd, &in, &body);
    buf_free(b);
    close(fd);

    log = testsrv_read_log(&s);
    assert_non_null(log);
    assert_int_equal(testsrv_log_count(log), 2);
    v = testsrv_log_request_line(log, 0);
    assert_string_equal(v, "POST /v1/completions HTTP/1.1");
    free(v);
    v = testsrv_log_header(log, 0, "x-request-id");
    assert_string_equal(v, "r-42");
    free(v);
    v = testsrv_log_header(log, 0, "Authorization");
    assert_string_equal(v, "Bearer sk-test");
    free(v);
    assert_null(testsrv_log_header(log, 0, "Expect"));
    v = testsrv_log_body(log, 0, &blen);
    assert_int_equal(blen, strlen(json));
    assert_string_equal(v, json);
    free(v);
    v = testsrv_log_request_line(log, 1);
    assert_string_equal(v, "POST /api/chat?x=1 HTTP/1.1");
    free(v);
    v = testsrv_log_body(log, 1, NULL);
    assert_string_equal(v, "hello");
    free(v);
    assert_null(testsrv_log_body(log, 2, NULL));
    free(log);
    free(in.p);
    free(body.p);
    testsrv_stop(&s);
    assert_int_equal(s.log_path[0], 0);
}

/* --requests N: the server exits by itself after N responses. */
static void test_requests_exit(void **state)
{
    const char *args[] = { "--requests", "2", "--empty", NULL };
    struct buf *b;
    testsrv s;
    int i, fd;

    (void)state;
    start_or_fail(&s, args, 0);
    for (i = 0; i < 2; i++) {
        assert_int_equal(testsrv_wait(&s, 0), -1);  /* still up */
        fd = connect_port(s.port);
        get(fd, "/", 0);
        b = read_to_eof(fd);
        assert_true(b->eof);
        assert_memory_equal(b->p, "HTTP/1.1 200 OK\r\n", 17);
        close(fd);
        buf_free(b);
    }
    assert_int_equal(testsrv_wait(&s, 3000), 0);
    assert_int_equal(s.pid, 0);
    assert_true(connect_port(s.port) < 0);
    testsrv_stop(&s);
}

/* Routes, --no-response, --garbage, closed port, bad start. */
static void test_routes_and_failures(void **state)
{
    const char *routes[] = { "--route", "/a=" NDJSON, NULL };
    const char *noresp[] = { "--no-response", NULL };
    const char *garbage[] = { "--garbage", NULL };
    const char *missing[] = { "--response", FIX "no/such/file", NULL };
    struct buf in = { 0 };
    struct buf *b, body = { 0 };
    testsrv s;
    int fd, port;

    (void)state;
    start_or_fail(&s, routes, 0);
    fd = connect_port(s.port);
    get(fd, "/a?stream=1", 1);
    b = read_one(fd, &in, &body);
    assert_memory_equal(b->p, "HTTP/1.1 200 OK\r\n", 17);
    assert_true(body.len > 100);
    buf_free(b);
    get(fd, "/b", 1);
    b = read_one(fd, &in, &body);
    assert_memory_equal(b->p, "HTTP/1.1 404 Not Found\r\n", 24);
    buf_free(b);
    close(fd);
    testsrv_stop(&s);

    start_or_fail(&s, noresp, 0);
    fd = connect_port(s.port);
    get(fd, "/", 1);
    b = read_to_eof(fd);
    assert_true(b->eof);
    assert_int_equal(b->len, 0);
    close(fd);
    buf_free(b);
    testsrv_stop(&s);

    start_or_fail(&s, garbage, 0);
    fd = connect_port(s.port);
    get(fd, "/", 1);
    b = read_to_eof(fd);
    assert_true(b->eof);
    assert_true(b->len > 0);
    assert_true(memcmp(b->p, "HTTP/", 5) != 0);
    close(fd);
    buf_free(b);
    testsrv_stop(&s);

    port = testsrv_closed_port();
    assert_true(port > 0);
    assert_true(connect_port(port) < 0);

    assert_int_equal(testsrv_start(&s, missing), -1);
    assert_int_equal(s.pid, 0);
    testsrv_stop(&s);  /* harmless on a server that never started */
    free(in.p);
    free(body.p);
}

/* Hostile input: junk request lines and early EOF never kill it. */
static void test_bad_input(void **state)
{
    const char *args[] = { "--empty", NULL };
    struct buf in = { 0 };
    struct buf *b, body = { 0 };
    testsrv s;
    int fd;

    (void)state;
    start_or_fail(&s, args, 0);
    fd = connect_port(s.port);
    send_str(fd, "\x01\x02 nonsense\r\n\r\n");
    b = read_to_eof(fd);
    assert_true(b->eof);
    assert_memory_equal(b->p, "HTTP/1.1 400 Bad Request\r\n", 26);
    close(fd);
    buf_free(b);
    fd = connect_port(s.port);
    send_str(fd, "POST / HTTP/1.1\r\nContent-Length: 99\r\n\r\nab");
    close(fd);   /* gone mid-body */
    fd = connect_port(s.port);
    get(fd, "/", 1);
    b = read_one(fd, &in, &body);
    assert_memory_equal(b->p, "HTTP/1.1 200 OK\r\n", 17);
    close(fd);
    buf_free(b);
    free(in.p);
    free(body.p);
    assert_int_equal(testsrv_wait(&s, 0), -1);  /* still alive */
    testsrv_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunked_equals_fixture),
        cmocka_unit_test(test_split_and_delay),
        cmocka_unit_test(test_stall),
        cmocka_unit_test(test_cut_at),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_log_and_continue),
        cmocka_unit_test(test_requests_exit),
        cmocka_unit_test(test_routes_and_failures),
        cmocka_unit_test(test_bad_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
