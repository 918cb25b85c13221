/* SPDX-License-Identifier: MIT */
/*
 * http1.c -- incremental parser of one HTTP/1.1 response (RFC 9112).
 * Head and chunk-size lines go through a small per-byte state machine,
 * so they may split anywhere; ignored field values are skipped with
 * memchr, and body bytes are passed on in the largest runs the caller's
 * buffer holds, straight from it. See http1.h.
 */
#include "http1.h"

#include <string.h>

#include "internal.h"

/* Parser states. The body states come last: see is_body(). */
enum {
    ST_STATUS,   /* status line, checked byte by byte */
    ST_NAME,     /* a field line: its name so far, or the empty line */
    ST_VALUE,    /* the value of a field we interpret, element by element */
    ST_SKIP,     /* the rest of a field line we ignore */
    ST_CHUNK,    /* chunk-size line, with any extensions */
    ST_DATA_END, /* the CRLF after chunk data */
    ST_DATA,     /* chunk data */
    ST_LENGTH,   /* Content-Length body */
    ST_EOF       /* body delimited by the end of the connection */
};

enum { F_OTHER, F_LENGTH, F_TE, F_CONN }; /* field, in a head */
enum { CH_DIGITS, CH_BWS, CH_EXT };        /* field, in a chunk line */
enum { CONN_CLOSE = 1, CONN_KEEP = 2 };

#define CHUNK_LINE_MAX 255 /* bytes before the CRLF, as http1.h says */

static int is_body(int state)
{
    return state >= ST_DATA;
}

static int is_head(int state)
{
    return state <= ST_SKIP;
}

static size_t head_cap(const llmperf__http1 *p)
{
    return p->head_max ? p->head_max : LLMPERF__HTTP1_HEAD_MAX;
}

static int is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 5.6.2 tchar. */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* s[0..n) equals the lower-case lit, ignoring ASCII case. n is checked
 * first, so s may be a prefix buffer shorter than n when n is too long. */
static int ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    unsigned char c;

    if (n != strlen(lit))
        return 0;
    for (i = 0; i < n; i++) {
        c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (c != (unsigned char)lit[i])
            return 0;
    }
    return 1;
}

/* Forget what one head said about framing (a 1xx head's fields do not
 * carry over to the final response). */
static void start_head(llmperf__http1 *p)
{
    p->state = ST_STATUS;
    p->status = 0;
    p->line_len = 0;
    p->head_len = 0;
    p->chunked = 0;
    p->content_length = -1;
    p->seen_cl = 0;
    p->seen_te = 0;
    p->conn = 0;
    p->field = F_OTHER;
}

/*
 * One byte of "HTTP/1.x SSS reason", checked as it arrives so that a
 * non-HTTP/1 reply (HTTP/2 preface, HTML) fails at once rather than at
 * head_max. The reason phrase may hold HT, SP, VCHAR and obs-text.
 */
static int status_byte(llmperf__http1 *p, unsigned char c)
{
    static const char http[] = "HTTP/1.";
    size_t i = p->line_len++;
    int ok;

    if (i < 7) {
        ok = c == (unsigned char)http[i];
    } else if (i == 7) {
        ok = c == '0' || c == '1';
        p->minor = c - '0';
    } else if (i == 8 || i == 12) {
        ok = c == ' ';
    } else if (i <= 11) {
        ok = c >= (i == 9 ? '1' : '0') && c <= '9';
        p->status = p->status * 10 + (c - '0');
    } else {
        ok = (c >= 0x20 && c != 0x7f) || c == '\t';
    }
    return ok ? LLMPERF_OK : LLMPERF_EPROTOCOL;
}

static int name_byte(llmperf__http1 *p, unsigned char c)
{
    size_t n = p->line_len;

    if (c != ':') {
        /* Also rejects a line starting with SP/HT (obs-fold) and
         * whitespace between the name and the colon. */
        if (!is_tchar(c))
            return LLMPERF_EPROTOCOL;
        if (n < sizeof(p->line))
            p->line[n] = (char)c;
        p->line_len++;
        return LLMPERF_OK;
    }
    if (n == 0)
        return LLMPERF_EPROTOCOL;
    p->field = F_OTHER;
    if (p->trailer) {
        /* Trailer fields are ignored, framing ones included. */
    } else if (ieq(p->line, n, "content-length")) {
        p->field = F_LENGTH;
        p->seen_cl = 1;
    } else if (ieq(p->line, n, "transfer-encoding")) {
        p->field = F_TE;
        p->seen_te = 1;
    } else if (ieq(p->line, n, "connection")) {
        p->field = F_CONN;
    }
    p->line_len = 0;
    p->val_end = 0;
    p->state = p->field == F_OTHER ? ST_SKIP : ST_VALUE;
    return LLMPERF_OK;
}

/* One comma-separated element of a known field's value, OWS trimmed. An
 * element too long for line[] matches nothing (val_end > sizeof). */
static int end_element(llmperf__http1 *p)
{
    const char *e = p->line;
    size_t n = p->val_end, i;
    int64_t v = 0;
    int d;

    p->line_len = 0;
    p->val_end = 0;
    if (p->field == F_LENGTH) {
        /* Digits only. Repeats ("5, 5" or a second header) must agree:
         * anything else is a request-smuggling shape (RFC 9112 6.3). */
        if (n == 0 || n > sizeof(p->line))
            return LLMPERF_EPROTOCOL;
        for (i = 0; i < n; i++) {
            d = e[i] - '0';
            if (d < 0 || d > 9 || v > (INT64_MAX - d) / 10)
                return LLMPERF_EPROTOCOL;
            v = v * 10 + d;
        }
        if (p->content_length >= 0 && v != p->content_length)
            return LLMPERF_EPROTOCOL;
        p->content_length = v;
    } else if (p->field == F_TE) {
        /* Empty list elements are allowed (RFC 9110 5.6.1); a coding
         * other than chunked, or chunked twice, is not ours to undo. */
        if (n > 0 && (p->chunked || !ieq(e, n, "chunked")))
            return LLMPERF_EPROTOCOL;
        if (n > 0)
            p->chunked = 1;
    } else if (ieq(e, n, "close")) {
        p->conn |= CONN_CLOSE;
    } else if (ieq(e, n, "keep-alive")) {
        p->conn |= CONN_KEEP;
    }
    return LLMPERF_OK;
}

static int value_byte(llmperf__http1 *p, unsigned char c)
{
    if (c == ',')
        return end_element(p);
    if (p->line_len == 0 && is_ows(c))
        return LLMPERF_OK; /* leading OWS */
    if (p->line_len < sizeof(p->line))
        p->line[p->line_len] = (char)c;
    p->line_len++;
    if (!is_ows(c))
        p->val_end = p->line_len;
    return LLMPERF_OK;
}

/*
 * One byte of a chunk-size line: hex digits, BWS, then extensions after
 * ';', which are ignored. Checked as it arrives, so a body that is not
 * chunk-framed fails at its first bytes. field holds the part reached.
 */
static int chunk_byte(llmperf__http1 *p, unsigned char c)
{
    int d = hex_val(c);

    if (p->line_len++ >= CHUNK_LINE_MAX)
        return LLMPERF_ETOOBIG;
    if (p->field == CH_EXT)
        return LLMPERF_OK;
    if (d >= 0 && p->field == CH_DIGITS) {
        if (p->remaining > (uint64_t)INT64_MAX >> 4)
            return LLMPERF_EPROTOCOL; /* the size overflows */
        p->remaining = p->remaining << 4 | (uint64_t)d;
        return LLMPERF_OK;
    }
    if (p->line_len == 1) /* no digit first */
        return LLMPERF_EPROTOCOL;
    if (is_ows(c))
        p->field = CH_BWS;
    else if (c == ';')
        p->field = CH_EXT;
    else
        return LLMPERF_EPROTOCOL;
    return LLMPERF_OK;
}

static int chunk_size(llmperf__http1 *p)
{
    if (p->line_len == 0)
        return LLMPERF_EPROTOCOL;
    p->line_len = 0;
    if (p->remaining == 0) {
        /* Last chunk: trailer fields, then the empty line. */
        p->trailer = 1;
        p->head_len = 0;
        p->field = F_OTHER;
        p->state = ST_NAME;
    } else {
        p->state = ST_DATA;
    }
    return LLMPERF_OK;
}

/* Ready for a chunk-size line. */
static void start_chunk(llmperf__http1 *p)
{
    p->line_len = 0;
    p->remaining = 0;
    p->field = CH_DIGITS;
    p->state = ST_CHUNK;
}

/* The empty line ending a head or the trailer section. */
static int head_end(llmperf__http1 *p, llmperf__http1_head_cb on_head,
                    void *userdata)
{
    int rc;

    if (p->trailer) {
        p->done = 1;
        return LLMPERF_OK;
    }
    if (p->seen_cl && p->seen_te)
        return LLMPERF_EPROTOCOL;
    if (p->status < 200) {
        /* 101 would hand the connection to another protocol. */
        if (p->status == 101)
            return LLMPERF_EPROTOCOL;
        start_head(p);
        return LLMPERF_OK;
    }
    if (p->status == 204 || p->status == 304)
        p->no_body = 1;
    p->keep_alive = (p->minor == 1 || (p->conn & CONN_KEEP)) &&
                    !(p->conn & CONN_CLOSE);
    /* RFC 9112 6.1: chunked in HTTP/1.0 is suspect; close after it. */
    if (!p->no_body && (p->chunked ? p->minor == 0 : !p->seen_cl))
        p->keep_alive = 0;
    p->head_done = 1;
    if (on_head != NULL && (rc = on_head(userdata)) != 0)
        return rc;
    if (p->no_body || (p->seen_cl && p->content_length == 0)) {
        p->done = 1;
    } else if (p->chunked) {
        start_chunk(p);
    } else if (p->seen_cl) {
        p->remaining = (uint64_t)p->content_length;
        p->state = ST_LENGTH;
    } else {
        p->state = ST_EOF;
    }
    return LLMPERF_OK;
}

/* A line's LF (its CR, if any, already dropped). */
static int line_end(llmperf__http1 *p, llmperf__http1_head_cb on_head,
                    void *userdata)
{
    int rc;

    switch (p->state) {
    case ST_STATUS:
        if (p->line_len < 12) /* "HTTP/1.1 200", reason optional */
            return LLMPERF_EPROTOCOL;
        p->line_len = 0;
        p->state = ST_NAME;
        return LLMPERF_OK;
    case ST_NAME:
        if (p->line_len > 0) /* a name without a colon */
            return LLMPERF_EPROTOCOL;
        return head_end(p, on_head, userdata);
    case ST_VALUE:
        rc = end_element(p);
        if (rc == LLMPERF_OK && p->field == F_TE && !p->chunked)
            rc = LLMPERF_EPROTOCOL; /* an empty Transfer-Encoding */
        p->state = ST_NAME;
        return rc;
    case ST_CHUNK:
        return chunk_size(p);
    default: /* ST_DATA_END */
        start_chunk(p);
        return LLMPERF_OK;
    }
}

/* A byte of a line other than its CR LF; c may be a CR not before LF. */
static int line_byte(llmperf__http1 *p, unsigned char c)
{
    switch (p->state) {
    case ST_STATUS:
        return status_byte(p, c);
    case ST_NAME:
        return name_byte(p, c);
    case ST_VALUE:
        return value_byte(p, c);
    case ST_CHUNK:
        return chunk_byte(p, c);
    default: /* ST_DATA_END: chunk data runs past its size */
        return LLMPERF_EPROTOCOL;
    }
}

/* Lines end in CRLF or a bare LF (as curl accepts). A CR is held back
 * until the next byte says whether it ends the line, so the split of
 * the input never matters. */
static int step(llmperf__http1 *p, unsigned char c,
                llmperf__http1_head_cb on_head, void *userdata)
{
    int rc;

    if (p->cr) {
        p->cr = 0;
        if (c == '\n')
            return line_end(p, on_head, userdata);
        rc = line_byte(p, '\r');
        if (rc != LLMPERF_OK)
            return rc;
    }
    if (c == '\r') {
        p->cr = 1;
        return LLMPERF_OK;
    }
    if (c == '\n')
        return line_end(p, on_head, userdata);
    return line_byte(p, c);
}

/* The value of a field we ignore: up to its LF, however long, within
 * the head cap. */
static int skip(llmperf__http1 *p, const char **sp, const char *end)
{
    const char *s = *sp;
    const char *lf = memchr(s, '\n', (size_t)(end - s));
    size_t n = (size_t)((lf != NULL ? lf + 1 : end) - s);

    if (p->head_len > head_cap(p) || n > head_cap(p) - p->head_len)
        return LLMPERF_ETOOBIG;
    p->head_len += n;
    if (!p->trailer)
        p->head_bytes += n;
    if (lf != NULL) {
        p->line_len = 0;
        p->state = ST_NAME;
    }
    *sp = s + n;
    return LLMPERF_OK;
}

/* As many body bytes as are here and belong to the body, in one call. */
static int body(llmperf__http1 *p, const char **sp, const char *end,
                llmperf__http1_body_cb on_body, void *userdata)
{
    size_t n = (size_t)(end - *sp);
    int rc = LLMPERF_OK;

    if (p->state != ST_EOF && n > p->remaining)
        n = (size_t)p->remaining;
    if (on_body != NULL)
        rc = on_body(*sp, n, userdata);
    *sp += n;
    p->body_bytes += n;
    if (rc != 0 || p->state == ST_EOF)
        return rc;
    p->remaining -= n;
    if (p->remaining == 0) {
        if (p->state == ST_LENGTH)
            p->done = 1;
        else
            p->state = ST_DATA_END;
    }
    return LLMPERF_OK;
}

void llmperf__http1_init(llmperf__http1 *p, int head_only)
{
    memset(p, 0, sizeof(*p));
    start_head(p);
    p->no_body = head_only != 0;
}

int llmperf__http1_feed(llmperf__http1 *p, const char *data, size_t len,
                        size_t *used, llmperf__http1_head_cb on_head,
                        llmperf__http1_body_cb on_body, void *userdata)
{
    const char *s = data, *end;
    int rc = p->error;

    if (rc != LLMPERF_OK || len == 0)
        goto out;
    if (p->done) {
        rc = LLMPERF_EPROTOCOL; /* the message is over: not ours */
        p->error = rc;
        goto out;
    }
    end = data + len;
    while (rc == LLMPERF_OK && s < end && !p->done) {
        if (is_body(p->state)) {
            rc = body(p, &s, end, on_body, userdata);
        } else if (p->state == ST_SKIP) {
            rc = skip(p, &s, end);
        } else {
            if (is_head(p->state)) {
                if (p->head_len >= head_cap(p)) {
                    rc = LLMPERF_ETOOBIG;
                    break;
                }
                p->head_len++;
                if (!p->trailer)
                    p->head_bytes++;
            }
            rc = step(p, (unsigned char)*s++, on_head, userdata);
        }
    }
    p->error = rc;
out:
    if (used != NULL)
        *used = s == data ? 0 : (size_t)(s - data); /* data may be NULL */
    return rc;
}

int llmperf__http1_eof(llmperf__http1 *p)
{
    if (p->error != LLMPERF_OK || p->done)
        return p->error;
    if (p->state == ST_EOF) {
        p->done = 1;
        return LLMPERF_OK;
    }
    /* Nothing at all: the server closed without answering (e.g. a
     * kept-alive connection it had already dropped). */
    if (p->state == ST_STATUS && p->head_bytes == 0)
        p->error = LLMPERF_ETRANSPORT;
    else
        p->error = LLMPERF_EPROTOCOL;
    return p->error;
}
