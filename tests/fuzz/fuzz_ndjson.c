/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ndjson.c -- libFuzzer target for lib/ndjson.c (also replayed
 * under gcc by tests/fuzz_replay through standalone.c).
 *
 * Input: [flags][param][k][k chunk lengths][stream bytes], as in
 * fuzz_sse.c: flags bit 0 sets max_line = 1 + param, bit 1 stops the
 * callback at line 1 + (param & 7), bit 2 adds a run that fails the
 * (1 + (param >> 4))-th allocation. Whole, per-byte and chunked feeding
 * must match a plain reference splitter; any difference abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rec {
    unsigned char *b;
    size_t len, cap;
    size_t lines, stop_at, max_line;
    int stop_rc;
} rec;

static void check(int ok)
{
    if (!ok)
        abort();
}

static void put(rec *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t ncap = r->cap ? r->cap : 256;

        while (ncap < r->len + n)
            ncap *= 2;
        r->b = realloc(r->b, ncap);
        if (r->b == NULL)
            abort();
        r->cap = ncap;
    }
    if (n > 0)
        memcpy(r->b + r->len, p, n);
    r->len += n;
}

static int is_blank(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static int on_line(const char *line, size_t len, void *userdata)
{
    rec *r = userdata;

    check(line[len] == '\0');
    check(len > 0 && len <= r->max_line);
    check(!is_blank(line, len));
    check(memchr(line, '\n', len) == NULL);
    put(r, &len, sizeof(len));
    put(r, line, len);
    r->lines++;
    if (r->stop_at != 0 && r->lines == r->stop_at)
        return r->stop_rc;
    return 0;
}

/* Reference: split the whole input on LF, drop one CR before it. */
static int reference(const unsigned char *in, size_t n, rec *r)
{
    const char *s = (const char *)in, *nl;
    char *copy;
    size_t i = 0, len;
    int rc = LLMPERF_OK;

    while (rc == LLMPERF_OK && i < n) {
        nl = memchr(s + i, '\n', n - i);
        len = nl ? (size_t)(nl - (s + i)) : n - i;
        if (len > r->max_line) {
            rc = LLMPERF_ETOOBIG;
            break;
        }
        if (len > 0 && s[i + len - 1] == '\r')
            len--;
        if (!is_blank(s + i, len)) {
            copy = malloc(len + 1);
            if (copy == NULL)
                abort();
            memcpy(copy, s + i, len);
            copy[len] = '\0';
            rc = on_line(copy, len, r);
            free(copy);
        }
        i = nl ? (size_t)(nl - s) + 1 : n;
    }
    return rc;
}

enum { WHOLE, BYTES, CHUNKS };

static int run(const unsigned char *in, size_t n, int how,
               const unsigned char *chunks, size_t k, size_t max_line,
               rec *r)
{
    llmperf__ndjson p;
    size_t off = 0, step, c = 0;
    int rc = LLMPERF_OK, rc2;

    memset(&p, 0, sizeof(p));
    p.max_line = max_line;
    while (off < n) {
        if (how == WHOLE) {
            step = n;
        } else if (how == BYTES || k == 0) {
            step = 1;
        } else {
            step = chunks[c++ % k];
            if (step == 0) {
                rc2 = llmperf__ndjson_feed(&p, NULL, 0, on_line, r);
                check(rc2 == rc);
                step = 1;
            }
        }
        if (step > n - off)
            step = n - off;
        rc2 = llmperf__ndjson_feed(&p, (const char *)in + off, step, on_line,
                                   r);
        if (rc != LLMPERF_OK)
            check(rc2 == rc);
        else
            rc = rc2;
        off += step;
    }
    rc2 = llmperf__ndjson_finish(&p, on_line, r);
    check(rc == LLMPERF_OK || rc2 == rc);
    rc = rc2;
    if (rc != LLMPERF_OK)
        check(llmperf__ndjson_finish(&p, on_line, r) == rc);
    llmperf__ndjson_reset(&p);
    return rc;
}

static void rec_init(rec *r, size_t max_line, size_t stop_at, int stop_rc)
{
    memset(r, 0, sizeof(*r));
    r->max_line = max_line;
    r->stop_at = stop_at;
    r->stop_rc = stop_rc;
}

static void same(const rec *a, int rca, const rec *b, int rcb)
{
    check(rca == rcb);
    check(a->len == b->len);
    check(a->len == 0 || memcmp(a->b, b->b, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max_line = 0, eff_line = LLMPERF__NDJSON_DEFAULT_MAX;
    size_t stop_at = 0, k, hdr;
    rec ref, whole, bytes, chunked, failing;
    int flags, param, rc_ref, rc_w, rc_b, rc_c, rc_f;
    int stop_rc = LLMPERF_EABORTED;
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
    if (flags & 1)
        eff_line = max_line = 1 + (size_t)param;
    if (flags & 2) {
        stop_at = 1 + (size_t)(param & 7);
        stop_rc = (param & 8) ? 1 : LLMPERF_EABORTED;
    }

    rec_init(&ref, eff_line, stop_at, stop_rc);
    rec_init(&whole, eff_line, stop_at, stop_rc);
    rec_init(&bytes, eff_line, stop_at, stop_rc);
    rec_init(&chunked, eff_line, stop_at, stop_rc);
    rc_ref = reference(in, size - hdr, &ref);
    rc_w = run(in, size - hdr, WHOLE, data + 3, k, max_line, &whole);
    rc_b = run(in, size - hdr, BYTES, data + 3, k, max_line, &bytes);
    rc_c = run(in, size - hdr, CHUNKS, data + 3, k, max_line, &chunked);
    same(&ref, rc_ref, &whole, rc_w);
    same(&whole, rc_w, &bytes, rc_b);
    same(&whole, rc_w, &chunked, rc_c);

    if (flags & 4) {
        rec_init(&failing, eff_line, stop_at, stop_rc);
        llmperf__alloc_fail_after(1 + (param >> 4));
        rc_f = run(in, size - hdr, CHUNKS, data + 3, k, max_line, &failing);
        llmperf__alloc_fail_after(0);
        if (rc_f == LLMPERF_ENOMEM) {
            check(failing.len <= whole.len);
            check(failing.len == 0 ||
                  memcmp(failing.b, whole.b, failing.len) == 0);
        } else {
            same(&whole, rc_w, &failing, rc_f);
        }
        free(failing.b);
    }
    free(ref.b);
    free(whole.b);
    free(bytes.b);
    free(chunked.b);
    return 0;
}
