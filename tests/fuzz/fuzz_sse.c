/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sse.c -- libFuzzer target for lib/sse.c (also replayed under gcc
 * by tests/fuzz_replay through standalone.c).
 *
 * Input: [flags][param][k][k chunk lengths][stream bytes]. flags bit 0
 * selects small caps (max_line = 1 + param, max_event = 1 + 4 * (flags
 * >> 2)), bit 1 makes the callback stop at event 1 + (param & 7), bit 2
 * adds a run that fails the (1 + (param >> 4))-th allocation. The stream
 * is parsed whole, one byte at a time, and in chunks of the given
 * lengths (cycled; 0 is a zero-length feed). All three must give the same
 * events and status as a plain reference model of the WHATWG rules
 * written below; any difference abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Events are serialised into a byte log so runs compare with memcmp. */
typedef struct rec {
    unsigned char *b;
    size_t len, cap;
    size_t events, stop_at;
    size_t max_line, max_event; /* effective caps, for invariants */
    int stop_rc;
} rec;

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

static void put_field(rec *r, const char *s, size_t n)
{
    put(r, &n, sizeof(n));
    put(r, s, n);
}

static void check(int ok)
{
    if (!ok)
        abort();
}

static int on_event(const llmperf__sse_event *ev, void *userdata)
{
    rec *r = userdata;

    /* The contract of llmperf__sse_event, whatever the input. */
    check(ev->data[ev->data_len] == '\0');
    check(ev->event[ev->event_len] == '\0');
    check(ev->id[ev->id_len] == '\0');
    check(ev->data_len <= r->max_event);
    check(ev->event_len < r->max_line && ev->id_len < r->max_line);
    check(memchr(ev->data, '\r', ev->data_len) == NULL);
    check(memchr(ev->event, '\n', ev->event_len) == NULL);
    check(memchr(ev->event, '\r', ev->event_len) == NULL);
    check(memchr(ev->id, '\0', ev->id_len) == NULL);
    check(memchr(ev->id, '\n', ev->id_len) == NULL);
    put_field(r, ev->event, ev->event_len);
    put_field(r, ev->data, ev->data_len);
    put_field(r, ev->id, ev->id_len);
    r->events++;
    if (r->stop_at != 0 && r->events == r->stop_at)
        return r->stop_rc;
    return 0;
}

/* ---- the reference model: whole input, no state carried ----------- */

typedef struct buf {
    char *p;
    size_t len;
} buf;

static void buf_set(buf *b, const char *s, size_t n)
{
    b->p = realloc(b->p, n + 1);
    if (b->p == NULL)
        abort();
    memcpy(b->p, s, n);
    b->p[n] = '\0';
    b->len = n;
}

static int reference(const unsigned char *in, size_t n, rec *r)
{
    buf data = {NULL, 0}, event = {NULL, 0}, id = {NULL, 0}, tmp = {0, 0};
    const char *s = (const char *)in, *line, *colon, *v;
    size_t i = 0, start, len, name, vn;
    int have_data = 0, rc = LLMPERF_OK;
    llmperf__sse_event ev;

    buf_set(&data, "", 0);
    buf_set(&event, "", 0);
    buf_set(&id, "", 0);
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    else if (n > 0 && n < 3 && memcmp(s, "\xEF\xBB\xBF", n) == 0)
        rc = LLMPERF_EPROTOCOL; /* ended before the BOM was complete */
    while (rc == LLMPERF_OK && i < n) {
        start = i;
        while (i < n && s[i] != '\r' && s[i] != '\n')
            i++;
        line = s + start;
        len = i - start;
        if (len > r->max_line) {
            rc = LLMPERF_ETOOBIG;
            break;
        }
        if (i == n) {
            rc = LLMPERF_EPROTOCOL; /* unterminated last line */
            break;
        }
        i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
        if (len == 0) {
            if (have_data) {
                ev.event = event.p;
                ev.event_len = event.len;
                ev.data = data.p;
                ev.data_len = data.len;
                ev.id = id.p;
                ev.id_len = id.len;
                rc = on_event(&ev, r);
            }
            buf_set(&data, "", 0);
            buf_set(&event, "", 0);
            have_data = 0;
            continue;
        }
        if (line[0] == ':')
            continue;
        colon = memchr(line, ':', len);
        name = colon ? (size_t)(colon - line) : len;
        v = colon ? colon + 1 : line + len;
        vn = colon ? len - name - 1 : 0;
        if (vn > 0 && *v == ' ') {
            v++;
            vn--;
        }
        if (name == 4 && memcmp(line, "data", 4) == 0) {
            size_t total = data.len + (have_data ? 1 : 0) + vn;

            if (total > r->max_event) {
                rc = LLMPERF_ETOOBIG;
                break;
            }
            tmp.p = realloc(tmp.p, total + 1);
            if (tmp.p == NULL)
                abort();
            memcpy(tmp.p, data.p, data.len);
            if (have_data)
                tmp.p[data.len] = '\n';
            memcpy(tmp.p + total - vn, v, vn);
            buf_set(&data, tmp.p, total);
            have_data = 1;
        } else if (name == 5 && memcmp(line, "event", 5) == 0) {
            buf_set(&event, v, vn);
        } else if (name == 2 && memcmp(line, "id", 2) == 0 &&
                   memchr(v, '\0', vn) == NULL) {
            buf_set(&id, v, vn);
        }
    }
    if (rc == LLMPERF_OK && have_data)
        rc = LLMPERF_EPROTOCOL; /* an event without its blank line */
    free(data.p);
    free(event.p);
    free(id.p);
    free(tmp.p);
    return rc;
}

/* ---- the parser under test --------------------------------------- */

enum { WHOLE, BYTES, CHUNKS };

static int run(const unsigned char *in, size_t n, int how,
               const unsigned char *chunks, size_t k, size_t max_line,
               size_t max_event, rec *r)
{
    llmperf__sse p;
    size_t off = 0, step, c = 0;
    int rc = LLMPERF_OK, rc2;

    memset(&p, 0, sizeof(p));
    p.max_line = max_line;
    p.max_event = max_event;
    while (off < n) {
        if (how == WHOLE) {
            step = n;
        } else if (how == BYTES || k == 0) {
            step = 1;
        } else {
            step = chunks[c++ % k];
            if (step == 0) {
                /* A zero-length feed changes nothing. */
                rc2 = llmperf__sse_feed(&p, NULL, 0, on_event, r);
                check(rc2 == rc);
                step = 1;
            }
        }
        if (step > n - off)
            step = n - off;
        rc2 = llmperf__sse_feed(&p, (const char *)in + off, step, on_event,
                                r);
        if (rc != LLMPERF_OK) {
            check(rc2 == rc); /* sticky, and no more events */
        } else {
            rc = rc2;
        }
        off += step;
    }
    rc2 = llmperf__sse_finish(&p);
    check(rc == LLMPERF_OK || rc2 == rc);
    rc = rc2;
    if (rc != LLMPERF_OK)
        check(llmperf__sse_finish(&p) == rc);
    llmperf__sse_reset(&p);
    return rc;
}

static void rec_init(rec *r, size_t max_line, size_t max_event,
                     size_t stop_at, int stop_rc)
{
    memset(r, 0, sizeof(*r));
    r->max_line = max_line;
    r->max_event = max_event;
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
    size_t max_line = 0, max_event = 0, stop_at = 0, k, hdr;
    size_t eff_line = LLMPERF__SSE_DEFAULT_MAX;
    size_t eff_event = LLMPERF__SSE_DEFAULT_MAX;
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
    if (flags & 1) {
        eff_line = max_line = 1 + (size_t)param;
        eff_event = max_event = 1 + 4 * (size_t)(flags >> 2);
    }
    if (flags & 2) {
        stop_at = 1 + (size_t)(param & 7);
        stop_rc = (param & 8) ? 1 : LLMPERF_EABORTED;
    }

    rec_init(&ref, eff_line, eff_event, stop_at, stop_rc);
    rec_init(&whole, eff_line, eff_event, stop_at, stop_rc);
    rec_init(&bytes, eff_line, eff_event, stop_at, stop_rc);
    rec_init(&chunked, eff_line, eff_event, stop_at, stop_rc);
    rc_ref = reference(in, size - hdr, &ref);
    rc_w = run(in, size - hdr, WHOLE, data + 3, k, max_line, max_event,
               &whole);
    rc_b = run(in, size - hdr, BYTES, data + 3, k, max_line, max_event,
               &bytes);
    rc_c = run(in, size - hdr, CHUNKS, data + 3, k, max_line, max_event,
               &chunked);
    same(&ref, rc_ref, &whole, rc_w);
    same(&whole, rc_w, &bytes, rc_b);
    same(&whole, rc_w, &chunked, rc_c);

    if (flags & 4) {
        /* Allocation failure: a clean ENOMEM, and whatever came out
         * before it is a prefix of the real events. */
        rec_init(&failing, eff_line, eff_event, stop_at, stop_rc);
        llmperf__alloc_fail_after(1 + (param >> 4));
        rc_f = run(in, size - hdr, CHUNKS, data + 3, k, max_line, max_event,
                   &failing);
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
