/* SPDX-License-Identifier: MIT */
/*
 * http1.h -- incremental parser of one HTTP/1.1 response (RFC 9112), for
 * the runner's own plain-HTTP transport: status line, header fields, and
 * the body framed by "Transfer-Encoding: chunked", by Content-Length, or
 * by the end of the connection. Body bytes are handed to a callback as
 * they arrive (de-chunked), without copying where possible.
 *
 * Bytes may be fed in pieces of any size, down to one byte at a time;
 * the callbacks see the same sequence of body bytes whatever the
 * splitting (the pieces of body may differ). Interim 1xx responses
 * (100 Continue, 103 Early Hints) are skipped whole. The parser never
 * reads outside the bytes given, allocates nothing and holds no pointer
 * into fed data between calls.
 *
 *   llmperf__http1 p;
 *   llmperf__http1_init(&p, 0);
 *   while (bytes arrive)
 *       rc = llmperf__http1_feed(&p, buf, n, &used, on_head, on_body, ud);
 *       ... rc != LLMPERF_OK: failed; p.done: message complete, the
 *       bytes after `used` are not part of it ...
 *   at end of file: rc = llmperf__http1_eof(&p);
 */
#ifndef LLMPERF_HTTP1_H
#define LLMPERF_HTTP1_H

#include <stddef.h>
#include <stdint.h>

/* Default cap on the response head (status line + header fields). */
#define LLMPERF__HTTP1_HEAD_MAX (64 * 1024)

/* The head is complete: called once per final (non-1xx) response, before
 * any body byte. A non-zero return stops the parse and is returned by
 * llmperf__http1_feed(). */
typedef int (*llmperf__http1_head_cb)(void *userdata);

/* Body bytes (de-chunked), in order. Non-zero return: as above. */
typedef int (*llmperf__http1_body_cb)(const char *data, size_t len,
                                      void *userdata);

typedef struct llmperf__http1 {
    /* ---- results, valid once head_done ---- */
    int status;             /* HTTP status code, 100..999 */
    int minor;              /* HTTP/1.x minor version (0 or 1) */
    int head_done;          /* the final response's head is parsed */
    int chunked;            /* Transfer-Encoding: chunked */
    int keep_alive;         /* the connection may carry another request:
                             * HTTP/1.1 without "Connection: close", or
                             * HTTP/1.0 with "Connection: keep-alive";
                             * 0 also when the body runs to EOF */
    int64_t content_length; /* -1: none given */
    int done;               /* the whole message has been parsed */
    uint64_t head_bytes;    /* bytes of heads parsed so far (incl. 1xx) */
    uint64_t body_bytes;    /* de-chunked body bytes delivered */
    /* ---- limits (set after init, before the first feed) ---- */
    size_t head_max;        /* cap on one head, and on the trailer
                             * section; 0 (as init sets it) means
                             * LLMPERF__HTTP1_HEAD_MAX */
    /* ---- private state ---- */
    int state;
    int no_body;            /* 204, 304, or a HEAD request */
    uint64_t remaining;     /* bytes left in this chunk / the body */
    size_t line_len;        /* bytes of the current line / list element */
    size_t head_len;        /* bytes of the current head (or trailers) */
    char line[256];         /* a field name's first bytes, or one
                             * element of a known field's value (status
                             * and chunk-size lines are checked bytewise) */
    int field;              /* which known field is being read / which
                             * part of a chunk-size line */
    int seen_cl, seen_te;   /* duplicates and conflicts are errors */
    size_t val_end;         /* element length without trailing OWS */
    int conn;               /* "close" / "keep-alive" tokens seen */
    int cr;                 /* a CR is pending: LF must or may follow */
    int trailer;            /* parsing the trailer section */
    int error;              /* sticky status once failed */
} llmperf__http1;

/* Ready to parse a response to a request; head_only: the request was
 * HEAD (no body whatever the headers say). */
void llmperf__http1_init(llmperf__http1 *p, int head_only);

/*
 * Parse len bytes. *used (may be NULL) receives how many were consumed:
 * all of them unless the message ended (p->done) inside them or an error
 * occurred. on_head / on_body may be NULL; on_body is never called with
 * len 0. Returns LLMPERF_OK;
 * LLMPERF_EPROTOCOL for a malformed status line, header field, chunk
 * framing, Content-Length, a Transfer-Encoding other than chunked, both
 * Content-Length and chunked, a 101 response, or bytes fed after done;
 * LLMPERF_ETOOBIG for a head (or trailer section) over head_max or a
 * chunk-size line over 255 bytes; a callback's non-zero return as is.
 * After an error the parser stays failed: every later call returns the
 * same status. len 0 is always allowed (also after done) and changes
 * nothing; it returns the sticky error if there is one.
 */
int llmperf__http1_feed(llmperf__http1 *p, const char *data, size_t len,
                        size_t *used, llmperf__http1_head_cb on_head,
                        llmperf__http1_body_cb on_body, void *userdata);

/*
 * The connection ended (EOF) with nothing more to feed. Returns
 * LLMPERF_OK if that completes the message (it was done already, or its
 * body runs to EOF; done is then set), LLMPERF_ETRANSPORT if no byte of
 * a response arrived at all, else LLMPERF_EPROTOCOL (truncated head,
 * chunk, or Content-Length body).
 */
int llmperf__http1_eof(llmperf__http1 *p);

#endif /* LLMPERF_HTTP1_H */
