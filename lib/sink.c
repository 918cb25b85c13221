/* SPDX-License-Identifier: MIT */
/*
 * sink.c -- buffered output for the serialisers and the report, the
 * escapers (JSON, HTML/XML, Prometheus, CSV) that also repair invalid
 * UTF-8, locale-independent shortest number formatting, and writing a
 * file atomically.
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void llmperf__sink_init(struct llmperf__sink *s, llmperf_write_cb cb,
                        void *ud)
{
    memset(s, 0, sizeof(*s));
    s->cb = cb;
    s->ud = ud;
    s->autoflush = cb != NULL ? 65536 : 0;
}

static int reserve(struct llmperf__sink *s, size_t n)
{
    size_t cap;
    char *b;

    if (s->len + n <= s->cap)
        return 1;
    if (n > SIZE_MAX / 4 - s->len) {
        s->status = LLMPERF_ENOMEM;
        return 0;
    }
    cap = s->cap ? s->cap : 4096;
    while (cap < s->len + n)
        cap *= 2;
    b = llmperf__realloc(s->buf, cap);
    if (b == NULL) {
        s->status = LLMPERF_ENOMEM;
        return 0;
    }
    s->buf = b;
    s->cap = cap;
    return 1;
}

int llmperf__sink_flush(struct llmperf__sink *s)
{
    if (s->status == LLMPERF_OK && s->cb != NULL && s->len > 0) {
        if (s->cb(s->buf, s->len, s->ud) != 0)
            s->status = LLMPERF_EIO;
        s->len = 0;
    }
    return s->status;
}

void llmperf__sink_put(struct llmperf__sink *s, const char *p, size_t n)
{
    if (s->status != LLMPERF_OK || n == 0 || !reserve(s, n))
        return;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    if (s->autoflush > 0 && s->len > s->autoflush)
        llmperf__sink_flush(s);
}

void llmperf__sink_puts(struct llmperf__sink *s, const char *p)
{
    llmperf__sink_put(s, p, strlen(p));
}

void llmperf__sink_printf(struct llmperf__sink *s, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    if (s->status != LLMPERF_OK)
        return;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        s->status = LLMPERF_ERR;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        llmperf__sink_put(s, small, (size_t)n);
        return;
    }
    if (!reserve(s, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

int llmperf__sink_finish(struct llmperf__sink *s)
{
    int rc = llmperf__sink_flush(s);

    llmperf__free(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
    return rc;
}

/* ---- UTF-8 ------------------------------------------------------------ */

/*
 * Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0 when the byte at p does
 * not start one. *cp gets the code point.
 */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
    uint32_t c = p[0];
    size_t n, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        c = c << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
        (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
        return 0;
    *cp = c;
    return n;
}

size_t llmperf__utf8_len(const char *s)
{
    size_t n = 0, k;
    uint32_t cp;

    while (*s != '\0') {
        k = utf8_seq((const unsigned char *)s, &cp);
        s += k ? k : 1;
        n++;
    }
    return n;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* ESC_UTF8 only repairs UTF-8; ESC_CSV also doubles quotes. */
enum esc { ESC_JSON, ESC_HTML, ESC_PROM, ESC_UTF8, ESC_CSV };

/* Escape str: runs of safe bytes are copied in one piece. */
static void escape(struct llmperf__sink *s, const char *str, enum esc how,
                   size_t max_cp)
{
    const unsigned char *p = (const unsigned char *)str, *run = p;
    size_t ncp = 0;

    for (;;) {
        const char *rep = NULL;
        char tmp[8];
        uint32_t cp;
        size_t k;

        if (*p == '\0' || ncp == max_cp)
            break;
        k = utf8_seq(p, &cp);
        ncp++;
        if (k == 0) {
            rep = replacement;
            k = 1;
        } else if (how == ESC_JSON) {
            if (cp == '"')
                rep = "\\\"";
            else if (cp == '\\')
                rep = "\\\\";
            else if (cp == '\n')
                rep = "\\n";
            else if (cp == '\r')
                rep = "\\r";
            else if (cp == '\t')
                rep = "\\t";
            else if (cp < 0x20) {
                snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
                rep = tmp;
            }
        } else if (how == ESC_HTML) {
            if (cp == '&')
                rep = "&amp;";
            else if (cp == '<')
                rep = "&lt;";
            else if (cp == '>')
                rep = "&gt;";
            else if (cp == '"')
                rep = "&quot;";
            else if (cp == '\'')
                rep = "&#39;";
            else if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                     cp == 0x7F)
                rep = replacement; /* not allowed in XML */
        } else if (how == ESC_PROM) {
            if (cp == '\\')
                rep = "\\\\";
            else if (cp == '"')
                rep = "\\\"";
            else if (cp == '\n')
                rep = "\\n";
        } else if (how == ESC_CSV && cp == '"') {
            rep = "\"\"";
        }
        if (rep != NULL) {
            llmperf__sink_put(s, (const char *)run, (size_t)(p - run));
            llmperf__sink_puts(s, rep);
            p += k;
            run = p;
        } else {
            p += k;
        }
    }
    llmperf__sink_put(s, (const char *)run, (size_t)(p - run));
    if (*p != '\0' && ncp == max_cp)
        llmperf__sink_puts(s, "\xE2\x80\xA6"); /* … */
}

void llmperf__sink_json_str(struct llmperf__sink *s, const char *str)
{
    if (str == NULL) {
        llmperf__sink_puts(s, "null");
        return;
    }
    llmperf__sink_put(s, "\"", 1);
    escape(s, str, ESC_JSON, SIZE_MAX);
    llmperf__sink_put(s, "\"", 1);
}

void llmperf__sink_html(struct llmperf__sink *s, const char *str)
{
    escape(s, str != NULL ? str : "", ESC_HTML, SIZE_MAX);
}

void llmperf__sink_html_cut(struct llmperf__sink *s, const char *str,
                            size_t max)
{
    escape(s, str != NULL ? str : "", ESC_HTML, max);
}

void llmperf__sink_prom_label(struct llmperf__sink *s, const char *str)
{
    escape(s, str != NULL ? str : "", ESC_PROM, SIZE_MAX);
}

void llmperf__sink_csv(struct llmperf__sink *s, const char *str)
{
    if (str == NULL)
        return;
    if (strpbrk(str, ",\"\r\n") == NULL) {
        escape(s, str, ESC_UTF8, SIZE_MAX);
        return;
    }
    llmperf__sink_put(s, "\"", 1);
    escape(s, str, ESC_CSV, SIZE_MAX);
    llmperf__sink_put(s, "\"", 1);
}

/* ---- numbers ------------------------------------------------------------ */

void llmperf__fmt_double(char *buf, size_t len, double v)
{
    const char *dp = localeconv()->decimal_point;
    char *at;

    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* JSON and CSV want '.', whatever LC_NUMERIC says. */
    if (dp != NULL && strcmp(dp, ".") != 0 && dp[0] != '\0' &&
        (at = strstr(buf, dp)) != NULL) {
        size_t dl = strlen(dp);

        *at = '.';
        memmove(at + 1, at + dl, strlen(at + dl) + 1);
    }
}

void llmperf__sink_json_num(struct llmperf__sink *s, double v)
{
    char buf[40];

    if (!isfinite(v)) {
        llmperf__sink_puts(s, "null");
        return;
    }
    llmperf__fmt_double(buf, sizeof(buf), v);
    llmperf__sink_puts(s, buf);
}

void llmperf__sink_i64(struct llmperf__sink *s, int64_t v)
{
    llmperf__sink_printf(s, "%lld", (long long)v);
}

/* ---- files -------------------------------------------------------------- */

int llmperf__write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fd_cb(const char *buf, size_t len, void *ud)
{
    return llmperf__write_all(*(int *)ud, buf, len);
}

int llmperf__render_cb(llmperf__render_fn render, const void *ctx,
                       llmperf_write_cb cb, void *userdata)
{
    struct llmperf__sink s;
    int rc;

    llmperf__sink_init(&s, cb, userdata);
    rc = render(&s, ctx);
    /* Flush what is buffered either way; report render's failure first. */
    if (rc == LLMPERF_OK)
        return llmperf__sink_finish(&s);
    llmperf__sink_finish(&s);
    return rc;
}

int llmperf__write_file_atomic(const char *path, llmperf__render_fn render,
                               const void *ctx, char *errbuf, size_t errlen)
{
    struct llmperf__sink s;
    size_t plen = strlen(path);
    char *tmp = llmperf__malloc(plen + 16);
    int fd = -1, rc, saved = 0;

    if (tmp == NULL)
        return LLMPERF_ENOMEM;
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        saved = errno;
        rc = LLMPERF_EIO;
        goto out;
    }
    llmperf__sink_init(&s, fd_cb, &fd);
    rc = render(&s, ctx);
    if (rc == LLMPERF_OK)
        rc = llmperf__sink_finish(&s);
    else
        llmperf__sink_finish(&s);
    if (rc == LLMPERF_EIO)
        saved = errno;
    if (rc == LLMPERF_OK && (fchmod(fd, 0644) != 0 || fsync(fd) != 0)) {
        saved = errno;
        rc = LLMPERF_EIO;
    }
    if (close(fd) != 0 && rc == LLMPERF_OK) {
        saved = errno;
        rc = LLMPERF_EIO;
    }
    fd = -1;
    if (rc == LLMPERF_OK && rename(tmp, path) != 0) {
        saved = errno;
        rc = LLMPERF_EIO;
    }
out:
    if (rc != LLMPERF_OK) {
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        if (errbuf != NULL && errlen > 0)
            snprintf(errbuf, errlen, "%s: %s", path,
                     rc == LLMPERF_EIO && saved != 0 ? strerror(saved)
                                                      : llmperf_strerror(rc));
    }
    llmperf__free(tmp);
    return rc;
}

int llmperf__render_buf(llmperf__render_fn render, const void *ctx,
                        char *buf, size_t cap, size_t *needed)
{
    struct llmperf__sink s;
    int rc;

    if (needed == NULL || (buf == NULL && cap > 0))
        return LLMPERF_EINVAL;
    llmperf__sink_init(&s, NULL, NULL);
    rc = render(&s, ctx);
    if (rc == LLMPERF_OK)
        rc = s.status;
    if (rc == LLMPERF_OK) {
        *needed = s.len + 1;
        if (cap < s.len + 1) {
            rc = LLMPERF_EBUFS;
        } else {
            if (s.len > 0)
                memcpy(buf, s.buf, s.len);
            buf[s.len] = '\0';
        }
    }
    llmperf__sink_finish(&s);
    return rc;
}
