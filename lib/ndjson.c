/* SPDX-License-Identifier: MIT */
/*
 * ndjson.c -- incremental line splitter for newline-delimited JSON. Each
 * "\n" ends a line (one trailing CR is dropped), blank lines are skipped,
 * a line longer than max_line is LLMPERF_ETOOBIG. See docs/parsers.md.
 */
#include "ndjson.h"

#include <string.h>

#include "internal.h"

static size_t max_of(const llmperf__ndjson *p)
{
    return p->max_line ? p->max_line : LLMPERF__NDJSON_DEFAULT_MAX;
}

/* Grow p->buf to hold need bytes: doubling, capped at the most any line
 * can need (max_line + 1 for the NUL), so no per-byte realloc. */
static int reserve(llmperf__ndjson *p, size_t need)
{
    size_t limit = max_of(p) + 1;
    size_t ncap;
    char *nbuf;

    if (need <= p->cap)
        return LLMPERF_OK;
    ncap = p->cap ? p->cap : 128;
    while (ncap < need && ncap <= SIZE_MAX / 2)
        ncap *= 2;
    if (ncap > limit)
        ncap = limit;
    if (ncap < need)
        ncap = need;
    nbuf = llmperf__realloc(p->buf, ncap);
    if (nbuf == NULL)
        return LLMPERF_ENOMEM;
    p->buf = nbuf;
    p->cap = ncap;
    return LLMPERF_OK;
}

/* Keep the start of a line whose "\n" has not arrived yet. */
static int append(llmperf__ndjson *p, const char *s, size_t n)
{
    int rc;

    /* p->len <= max_of(p) always holds: no wrap. */
    if (n > max_of(p) - p->len)
        return LLMPERF_ETOOBIG;
    rc = reserve(p, p->len + n);
    if (rc != LLMPERF_OK)
        return rc;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    return LLMPERF_OK;
}

static int is_blank(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/*
 * Hand one line (without its "\n") to the callback. s is either p->buf
 * (a line assembled across feeds) or the caller's buffer; the callback is
 * promised a NUL-terminated string and the caller's buffer is const, so a
 * whole line is copied once into p->buf. That single memcpy is cheap next
 * to the JSON parse the callback does on the same bytes.
 */
static int emit(llmperf__ndjson *p, const char *s, size_t n,
                llmperf__ndjson_cb cb, void *userdata)
{
    int in_buf = s == p->buf;
    int rc;

    if (n > 0 && s[n - 1] == '\r')
        n--; /* CRLF framing */
    if (is_blank(s, n))
        return LLMPERF_OK;
    /* May move p->buf: s is not used after this point when in_buf. */
    rc = reserve(p, n + 1);
    if (rc != LLMPERF_OK)
        return rc;
    if (!in_buf)
        memcpy(p->buf, s, n);
    p->buf[n] = '\0';
    p->lines++;
    return cb != NULL ? cb(p->buf, n, userdata) : LLMPERF_OK;
}

int llmperf__ndjson_feed(llmperf__ndjson *p, const char *buf, size_t len,
                         llmperf__ndjson_cb cb, void *userdata)
{
    const char *s = buf, *end, *nl;
    size_t n;
    int rc = LLMPERF_OK;

    if (p->error != LLMPERF_OK)
        return p->error;
    if (len == 0)
        return LLMPERF_OK;
    if (buf == NULL)
        return LLMPERF_EINVAL;
    end = buf + len;
    while (s < end) {
        nl = memchr(s, '\n', (size_t)(end - s));
        if (nl == NULL) {
            rc = append(p, s, (size_t)(end - s));
            break;
        }
        n = (size_t)(nl - s);
        if (p->len > 0) {
            rc = append(p, s, n);
            if (rc == LLMPERF_OK)
                rc = emit(p, p->buf, p->len, cb, userdata);
            p->len = 0;
        } else if (n > max_of(p)) {
            rc = LLMPERF_ETOOBIG;
        } else {
            rc = emit(p, s, n, cb, userdata);
        }
        if (rc != LLMPERF_OK)
            break;
        s = nl + 1;
    }
    if (rc != LLMPERF_OK)
        p->error = rc;
    return rc;
}

int llmperf__ndjson_finish(llmperf__ndjson *p, llmperf__ndjson_cb cb,
                           void *userdata)
{
    int rc = LLMPERF_OK;

    if (p->error != LLMPERF_OK)
        return p->error;
    if (p->len > 0) {
        /* Servers may omit the newline after the last object. */
        rc = emit(p, p->buf, p->len, cb, userdata);
        p->len = 0;
    }
    if (rc != LLMPERF_OK)
        p->error = rc;
    return rc;
}

void llmperf__ndjson_reset(llmperf__ndjson *p)
{
    size_t max_line = p->max_line;

    llmperf__free(p->buf);
    memset(p, 0, sizeof(*p));
    p->max_line = max_line;
}
