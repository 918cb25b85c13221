/* SPDX-License-Identifier: MIT */
/*
 * sse.c -- incremental text/event-stream parser (WHATWG HTML 9.2.6,
 * "Interpreting an event stream"). Splits lines on CR, LF or CRLF, keeps
 * data/event/id fields, dispatches an event at each blank line, and stops
 * with LLMPERF_ETOOBIG at the line and event caps. See docs/parsers.md.
 */
#include "sse.h"

#include <string.h>

#include "internal.h"

static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

static size_t cap_or_default(size_t cap)
{
    return cap ? cap : LLMPERF__SSE_DEFAULT_MAX;
}

/*
 * Make *buf hold at least need bytes. Capacity doubles (amortised O(1)
 * per byte, never one realloc per byte) but never beyond limit, the most
 * the caller can ever need, so a 1 MiB cap costs at most 1 MiB + 1.
 */
static int reserve(char **buf, size_t *cap, size_t need, size_t limit)
{
    size_t ncap;
    char *nbuf;

    if (need <= *cap)
        return LLMPERF_OK;
    ncap = *cap ? *cap : 64;
    while (ncap < need && ncap <= SIZE_MAX / 2)
        ncap *= 2;
    if (ncap > limit)
        ncap = limit;
    if (ncap < need)
        ncap = need;
    nbuf = llmperf__realloc(*buf, ncap);
    if (nbuf == NULL)
        return LLMPERF_ENOMEM;
    *buf = nbuf;
    *cap = ncap;
    return LLMPERF_OK;
}

/* Copy value into a NUL-terminated field buffer (event type, id). */
static int set_field(char **buf, size_t *len, size_t *cap, const char *v,
                     size_t n, size_t limit)
{
    int rc = reserve(buf, cap, n + 1, limit);

    if (rc != LLMPERF_OK)
        return rc;
    if (n > 0)
        memcpy(*buf, v, n);
    (*buf)[n] = '\0';
    *len = n;
    return LLMPERF_OK;
}

/* Append part of a line that did not end inside the caller's buffer. */
static int line_append(llmperf__sse *p, const char *s, size_t n)
{
    size_t max = cap_or_default(p->max_line);
    int rc;

    /* line_len <= max always holds, so the subtraction cannot wrap. */
    if (n > max - p->line_len)
        return LLMPERF_ETOOBIG;
    rc = reserve(&p->line, &p->line_cap, p->line_len + n, max);
    if (rc != LLMPERF_OK)
        return rc;
    memcpy(p->line + p->line_len, s, n);
    p->line_len += n;
    return LLMPERF_OK;
}

static int append_data(llmperf__sse *p, const char *v, size_t n)
{
    size_t max = cap_or_default(p->max_event);
    size_t sep = p->have_data ? 1 : 0;
    size_t need;
    int rc;

    /* The spec appends value + LF and strips the last LF at dispatch:
     * the same as joining the data lines with LF. data_len <= max. */
    if (sep + n > max - p->data_len)
        return LLMPERF_ETOOBIG;
    need = p->data_len + sep + n;
    if (need > 0) {
        /* + 1 so dispatch can always write the NUL terminator. */
        rc = reserve(&p->data, &p->data_cap, need + 1, max + 1);
        if (rc != LLMPERF_OK)
            return rc;
        if (sep)
            p->data[p->data_len] = '\n';
        if (n > 0)
            memcpy(p->data + p->data_len + sep, v, n);
    }
    p->data_len = need;
    p->have_data = 1;
    return LLMPERF_OK;
}

static int dispatch(llmperf__sse *p, llmperf__sse_cb cb, void *userdata)
{
    llmperf__sse_event ev;
    int rc = LLMPERF_OK;

    /* No data field: nothing is dispatched and the event type is reset. */
    if (!p->have_data)
        goto out;
    if (p->data != NULL)
        p->data[p->data_len] = '\0';
    ev.event = p->event_len ? p->event : "";
    ev.event_len = p->event_len;
    ev.data = p->data != NULL ? p->data : "";
    ev.data_len = p->data_len;
    ev.id = p->id_len ? p->id : "";
    ev.id_len = p->id_len;
    p->events++;
    if (cb != NULL)
        rc = cb(&ev, userdata);
out:
    p->data_len = 0;
    p->have_data = 0;
    p->event_len = 0;
    return rc;
}

/* One line without its terminator; s may point into the caller's buffer. */
static int process_line(llmperf__sse *p, const char *s, size_t n,
                        llmperf__sse_cb cb, void *userdata)
{
    size_t limit = cap_or_default(p->max_line) + 1;
    const char *colon, *v;
    size_t name_len, vn;

    if (n == 0)
        return dispatch(p, cb, userdata);
    if (s[0] == ':')
        return LLMPERF_OK; /* comment, e.g. vLLM ": ping", TGI ":" */
    colon = memchr(s, ':', n);
    if (colon != NULL) {
        name_len = (size_t)(colon - s);
        v = colon + 1;
        vn = n - name_len - 1;
        if (vn > 0 && v[0] == ' ') { /* only one space is removed */
            v++;
            vn--;
        }
    } else {
        /* A line without a colon is a field name with an empty value. */
        name_len = n;
        v = s + n;
        vn = 0;
    }
    if (name_len == 4 && memcmp(s, "data", 4) == 0)
        return append_data(p, v, vn);
    if (name_len == 5 && memcmp(s, "event", 5) == 0)
        return set_field(&p->event, &p->event_len, &p->event_cap, v, vn,
                         limit);
    /* An id holding NUL is ignored: it could not be sent back in a
     * Last-Event-ID header. */
    if (name_len == 2 && memcmp(s, "id", 2) == 0 &&
        (vn == 0 || memchr(v, '\0', vn) == NULL))
        return set_field(&p->id, &p->id_len, &p->id_cap, v, vn, limit);
    /* "retry" only matters to a reconnecting browser; unknown fields are
     * ignored by the spec. */
    return LLMPERF_OK;
}

/*
 * Skip one leading UTF-8 BOM, which may arrive split over several feeds.
 * When the first bytes only start like a BOM, they are line text after
 * all and go to the line buffer.
 */
static int eat_bom(llmperf__sse *p, const char **sp, const char *end)
{
    const char *s = *sp;
    int matched;
    int rc = LLMPERF_OK;

    while (p->bom < 3 && s < end) {
        if ((unsigned char)*s == utf8_bom[p->bom]) {
            p->bom++;
            s++;
            continue;
        }
        matched = p->bom;
        p->bom = 3;
        if (matched > 0)
            rc = line_append(p, (const char *)utf8_bom, (size_t)matched);
        break;
    }
    *sp = s;
    return rc;
}

/* Next c at or after s, or end; cached is the previous answer or NULL.
 * Each byte is scanned at most once per character by memchr. */
static const char *next_of(const char *cached, const char *s,
                           const char *end, int c)
{
    const char *hit;

    if (cached != NULL && cached >= s)
        return cached;
    hit = memchr(s, c, (size_t)(end - s));
    return hit != NULL ? hit : end;
}

int llmperf__sse_feed(llmperf__sse *p, const char *buf, size_t len,
                      llmperf__sse_cb cb, void *userdata)
{
    const char *s = buf, *end, *eol, *cr = NULL, *lf = NULL;
    size_t n;
    int rc = LLMPERF_OK;

    if (p->error != LLMPERF_OK)
        return p->error;
    if (len == 0)
        return LLMPERF_OK;
    if (buf == NULL)
        return LLMPERF_EINVAL;
    end = buf + len;
    if (p->skip_lf) {
        /* The CR that ended the last feed already closed its line. */
        p->skip_lf = 0;
        if (*s == '\n')
            s++;
    }
    if (p->bom < 3) {
        rc = eat_bom(p, &s, end);
        if (rc != LLMPERF_OK)
            goto out;
    }
    while (s < end) {
        cr = next_of(cr, s, end, '\r');
        lf = next_of(lf, s, end, '\n');
        eol = cr < lf ? cr : lf;
        if (eol == end) {
            rc = line_append(p, s, (size_t)(end - s));
            break;
        }
        n = (size_t)(eol - s);
        if (p->line_len > 0) {
            rc = line_append(p, s, n);
            if (rc == LLMPERF_OK)
                rc = process_line(p, p->line, p->line_len, cb, userdata);
            p->line_len = 0;
        } else if (n > cap_or_default(p->max_line)) {
            rc = LLMPERF_ETOOBIG;
        } else {
            /* The whole line is in the caller's buffer: no copy. */
            rc = process_line(p, s, n, cb, userdata);
        }
        if (rc != LLMPERF_OK)
            break;
        s = eol + 1;
        if (*eol == '\r') {
            if (s == end)
                p->skip_lf = 1;
            else if (*s == '\n')
                s++;
        }
    }
out:
    if (rc != LLMPERF_OK)
        p->error = rc;
    return rc;
}

int llmperf__sse_finish(llmperf__sse *p)
{
    if (p->error != LLMPERF_OK)
        return p->error;
    /* Input ended inside a line (or a BOM), or after data lines with no
     * closing blank line: the spec drops that event; report truncation. */
    if (p->line_len > 0 || (p->bom > 0 && p->bom < 3) || p->have_data)
        p->error = LLMPERF_EPROTOCOL;
    return p->error;
}

void llmperf__sse_reset(llmperf__sse *p)
{
    size_t max_line = p->max_line, max_event = p->max_event;

    llmperf__free(p->line);
    llmperf__free(p->data);
    llmperf__free(p->event);
    llmperf__free(p->id);
    memset(p, 0, sizeof(*p));
    p->max_line = max_line;
    p->max_event = max_event;
}
