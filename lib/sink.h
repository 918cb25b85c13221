/* SPDX-License-Identifier: MIT */
/*
 * sink.h -- buffered output shared by the serialisers and the report: a
 * growable buffer drained into a writer callback, the escapers for JSON,
 * HTML/XML and Prometheus label values (all of them repair invalid
 * UTF-8 with U+FFFD so every file we write is valid UTF-8), shortest
 * round-trip number formatting, and file helpers.
 */
#ifndef LLMPERF_SINK_H
#define LLMPERF_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "llmperf/serialize.h"

/*
 * A sink: bytes collect in buf; llmperf__sink_flush() hands them to cb
 * (or keeps them when cb is NULL: a memory sink). The first failure is
 * kept in status and later calls do nothing.
 */
struct llmperf__sink {
    llmperf_write_cb cb;
    void *ud;
    char *buf;
    size_t len, cap;
    size_t autoflush;  /* flush when len exceeds this; 0: never       */
    int status;
};

void llmperf__sink_init(struct llmperf__sink *s, llmperf_write_cb cb,
                        void *ud);
void llmperf__sink_put(struct llmperf__sink *s, const char *p, size_t n);
void llmperf__sink_puts(struct llmperf__sink *s, const char *p);
void llmperf__sink_printf(struct llmperf__sink *s, const char *fmt, ...)
    LLMPERF__PRINTF(2, 3);
/* JSON string with quotes. NULL writes null. */
void llmperf__sink_json_str(struct llmperf__sink *s, const char *str);
/* Shortest decimal that reads back as v; null when not finite. */
void llmperf__sink_json_num(struct llmperf__sink *s, double v);
void llmperf__sink_i64(struct llmperf__sink *s, int64_t v);
/* Text for HTML/XML element content and attribute values. */
void llmperf__sink_html(struct llmperf__sink *s, const char *str);
/* HTML text of at most max code points, "…" appended when cut. */
void llmperf__sink_html_cut(struct llmperf__sink *s, const char *str,
                            size_t max);
/* Prometheus label value (without quotes) / HELP text. */
void llmperf__sink_prom_label(struct llmperf__sink *s, const char *str);
/* RFC 4180 field: quoted when it holds , " CR or LF. */
void llmperf__sink_csv(struct llmperf__sink *s, const char *str);
/* Hand buffered bytes to cb; returns status. */
int llmperf__sink_flush(struct llmperf__sink *s);
/* Flush, release the buffer, return the status. */
int llmperf__sink_finish(struct llmperf__sink *s);

/* Shortest "%.*g" form of v that reads back as v, '.' as the decimal
 * point whatever the locale (buf >= 32). */
void llmperf__fmt_double(char *buf, size_t len, double v);

/* Number of code points in a UTF-8 string (invalid bytes count 1). */
size_t llmperf__utf8_len(const char *s);

/*
 * Render into a file atomically: a temporary file next to path is
 * written through render(s, ctx), synced and renamed over path. errbuf
 * (may be NULL) gets a message on failure. OK, EIO, ENOMEM, or render's
 * status.
 */
typedef int (*llmperf__render_fn)(struct llmperf__sink *s, const void *ctx);
int llmperf__write_file_atomic(const char *path, llmperf__render_fn render,
                               const void *ctx, char *errbuf, size_t errlen);

/*
 * Render through a caller's writer callback: the sink buffers, the
 * writer gets the text in pieces. OK, or the first failure (render's,
 * or the writer's non-zero return).
 */
int llmperf__render_cb(llmperf__render_fn render, const void *ctx,
                       llmperf_write_cb cb, void *userdata);

/*
 * Render into a caller's buffer: OK when the text and its NUL fit in cap
 * (buf may be NULL when cap is 0); EBUFS otherwise. *needed is the size
 * including the NUL in both cases.
 */
int llmperf__render_buf(llmperf__render_fn render, const void *ctx,
                        char *buf, size_t cap, size_t *needed);

/* write(2) all of p to fd, retrying on EINTR. 0 or -1 (errno set). */
int llmperf__write_all(int fd, const char *p, size_t n);

#endif /* LLMPERF_SINK_H */
