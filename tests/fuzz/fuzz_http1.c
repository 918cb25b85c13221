/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http1.c -- libFuzzer target for lib/http1.c (also replayed under
 * gcc by tests/fuzz_replay through standalone.c).
 *
 * Input: [flags][param][k][k piece lengths][response bytes]. flags bit 0
 * parses a reply to HEAD, bit 1 sets head_max = 1 + 4 * param, bit 2
 * makes on_head stop the parse, bit 3 calls eof() when the bytes run
 * out. The response is parsed whole, one byte at a time, and in pieces
 * of the given lengths (cycled; 0 is a zero-length feed). The three
 * runs must agree on status, framing results, the status code returned
 * and the body bytes, and each must keep the documented contract
 * (callback order, no empty or out-of-buffer body pieces, body_bytes,
 * used, sticky errors, nothing accepted after done); any breach
 * abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rec {
    llmperf__http1 *p;
    const char *cur; /* the piece being fed, to bound body pointers */
    size_t cur_len;
    unsigned char *b; /* body bytes, concatenated */
    size_t len, cap;
    int head_calls, head_rc;
} rec;

static void check(int ok)
{
    if (!ok)
        abort();
}

static int on_head(void *userdata)
{
    rec *r = userdata;

    check(r->p->head_done && !r->p->done);
    check(r->p->status >= 200 && r->p->status <= 999);
    check(r->head_calls == 0 && r->len == 0);
    r->head_calls++;
    return r->head_rc;
}

static int on_body(const char *data, size_t len, void *userdata)
{
    rec *r = userdata;

    /* Never empty, always inside the bytes being fed (no copy, no
     * over-read), only after the head. */
    check(len > 0 && r->head_calls == 1);
    check(data >= r->cur && len <= r->cur_len &&
          (size_t)(data - r->cur) <= r->cur_len - len);
    if (r->len + len > r->cap) {
        size_t ncap = r->cap ? r->cap : 256;

        while (ncap < r->len + len)
            ncap *= 2;
        r->b = realloc(r->b, ncap);
        if (r->b == NULL)
            abort();
        r->cap = ncap;
    }
    memcpy(r->b + r->len, data, len);
    r->len += len;
    return 0;
}

typedef struct out {
    int rc, status, minor, done, head_done, keep_alive, chunked;
    int64_t content_length;
    uint64_t head_bytes;
    size_t used;
} out;

enum { WHOLE, BYTES, PIECES };

/* After the end: errors stick, done takes len 0 but no more bytes. */
static void after(llmperf__http1 *p, int rc)
{
    llmperf__http1 copy;
    size_t used = 1;

    if (rc != LLMPERF_OK) {
        check(llmperf__http1_feed(p, "H", 1, &used, NULL, NULL, NULL) ==
              rc);
        check(used == 0);
        check(llmperf__http1_feed(p, NULL, 0, NULL, NULL, NULL, NULL) ==
              rc);
        check(llmperf__http1_eof(p) == rc);
    } else if (p->done) {
        copy = *p;
        check(llmperf__http1_feed(&copy, NULL, 0, &used, NULL, NULL,
                                  NULL) == LLMPERF_OK);
        check(used == 0 && memcmp(&copy, p, sizeof(copy)) == 0);
        check(llmperf__http1_feed(&copy, "H", 1, &used, NULL, NULL,
                                  NULL) == LLMPERF_EPROTOCOL);
        check(used == 0 && llmperf__http1_eof(&copy) == LLMPERF_EPROTOCOL);
        check(llmperf__http1_eof(p) == LLMPERF_OK);
    }
}

static void run(const unsigned char *in, size_t n, int how,
                const unsigned char *lens, size_t k, int flags, int param,
                rec *r, out *o)
{
    llmperf__http1 p;
    size_t off = 0, step, used, c = 0, total = 0;
    int rc = LLMPERF_OK;

    memset(r, 0, sizeof(*r));
    r->p = &p;
    r->head_rc = (flags & 4) ? LLMPERF_EABORTED : 0;
    llmperf__http1_init(&p, flags & 1);
    if (flags & 2)
        p.head_max = 1 + 4 * (size_t)param;
    while (off < n) {
        if (how == WHOLE) {
            step = n;
        } else if (how == BYTES || k == 0) {
            step = 1;
        } else {
            step = lens[c++ % k];
            if (step == 0) {
                check(llmperf__http1_feed(&p, NULL, 0, &used, on_head,
                                          on_body, r) == LLMPERF_OK);
                check(used == 0);
                step = 1;
            }
        }
        if (step > n - off)
            step = n - off;
        r->cur = (const char *)in + off;
        r->cur_len = step;
        rc = llmperf__http1_feed(&p, r->cur, step, &used, on_head, on_body,
                                 r);
        check(used <= step);
        total += used;
        if (rc != LLMPERF_OK || p.done)
            break;
        check(used == step);
        off += step;
    }
    if (rc == LLMPERF_OK && !p.done && (flags & 8)) {
        rc = llmperf__http1_eof(&p);
        check(rc != LLMPERF_OK || p.done);
    }
    /* The contract, whatever the input. */
    check(p.body_bytes == r->len);
    check(r->len == 0 || p.head_done);
    check(!p.done || p.head_done);
    check(r->head_calls == p.head_done);
    if (p.head_done) {
        check(p.status >= 200 && p.status <= 999);
        check(p.minor == 0 || p.minor == 1);
        check(!(p.chunked && p.content_length >= 0));
        /* A body up to EOF leaves nothing to keep alive. */
        if (!p.chunked && p.content_length < 0 && !(flags & 1) &&
            p.status != 204 && p.status != 304)
            check(!p.keep_alive);
        /* Content-Length bodies end exactly at their length. */
        if (p.done && !p.chunked && p.content_length >= 0 &&
            !(flags & 1) && p.status != 204 && p.status != 304)
            check(p.body_bytes == (uint64_t)p.content_length);
        if (p.content_length >= 0 && !(flags & 1) && p.status != 204 &&
            p.status != 304)
            check(p.body_bytes <= (uint64_t)p.content_length);
    }
    if (rc == LLMPERF_OK && p.done)
        check(total <= n);
    if (rc == LLMPERF_OK && !p.done)
        check(total == n);
    after(&p, rc);
    o->rc = rc;
    o->status = p.status;
    o->minor = p.minor;
    o->done = p.done;
    o->head_done = p.head_done;
    o->keep_alive = p.keep_alive;
    o->chunked = p.chunked;
    o->content_length = p.content_length;
    o->head_bytes = p.head_bytes;
    o->used = total;
}

static void same(const rec *ra, const out *a, const rec *rb, const out *b)
{
    check(a->rc == b->rc);
    check(a->head_done == b->head_done && a->done == b->done);
    check(ra->head_calls == rb->head_calls);
    check(ra->len == rb->len);
    check(ra->len == 0 || memcmp(ra->b, rb->b, ra->len) == 0);
    if (a->head_done) {
        check(a->status == b->status && a->minor == b->minor);
        check(a->keep_alive == b->keep_alive && a->chunked == b->chunked);
        check(a->content_length == b->content_length);
    }
    if (a->rc == LLMPERF_OK) {
        /* Where a failure is seen may depend on the pieces. */
        check(a->used == b->used && a->head_bytes == b->head_bytes);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rec rw, rb, rp;
    out ow, ob, op;
    size_t k, hdr, n;
    int flags, param;
    const unsigned char *in;

    if (size < 3)
        return 0;
    flags = data[0];
    param = data[1];
    k = data[2] & 15u;
    hdr = 3 + k;
    if (size < hdr)
        return 0;
    in = data + hdr;
    n = size - hdr;
    run(in, n, WHOLE, data + 3, k, flags, param, &rw, &ow);
    run(in, n, BYTES, data + 3, k, flags, param, &rb, &ob);
    run(in, n, PIECES, data + 3, k, flags, param, &rp, &op);
    same(&rw, &ow, &rb, &ob);
    same(&rw, &ow, &rp, &op);
    free(rw.b);
    free(rb.b);
    free(rp.b);
    return 0;
}
