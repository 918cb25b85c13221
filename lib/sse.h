/* SPDX-License-Identifier: MIT */
/*
 * sse.h -- incremental parser for text/event-stream (WHATWG HTML, "Server-
 * sent events", section 9.2.6). Knows nothing of HTTP or JSON.
 *
 * Shape (STYLE.md item 14): the state is valid when zeroed; feed() never
 * reads past len, may be called with any split of the input, and emits
 * each complete event through the callback. Hard caps on line and event
 * size turn a hostile server into LLMPERF_ETOOBIG, not unbounded memory.
 */
#ifndef LLMPERF_SSE_H
#define LLMPERF_SSE_H

#include <stddef.h>
#include <stdint.h>

#define LLMPERF__SSE_DEFAULT_MAX (1u << 20) /* 1 MiB, line and event */

/* One dispatched event. Pointers are borrowed: valid only during the
 * callback. data is NUL-terminated (data[data_len] == '\0'); several
 * "data:" lines are joined with '\n'. event is "" when the event had no
 * "event:" field. Bytes are passed through as received: no UTF-8
 * validation, no U+FFFD replacement; data may hold NUL bytes (use
 * data_len). An event is dispatched only if it had at least one "data"
 * field (an "event: error" block without data is dropped, as the spec
 * says); a "data:" with an empty value does count and gives data "". */
typedef struct llmperf__sse_event {
    const char *event;
    size_t event_len;
    const char *data;
    size_t data_len;
    const char *id; /* last "id:" seen on the stream, "" if none */
    size_t id_len;
} llmperf__sse_event;

/* Return 0 to go on. A non-zero return stops parsing: feed() returns that
 * value at once, and the parser stays stopped (later feeds return it
 * again). Callers return a negative LLMPERF_E* code. The callback must
 * not call feed(), finish() or reset() on the same parser. */
typedef int (*llmperf__sse_cb)(const llmperf__sse_event *ev, void *userdata);

typedef struct llmperf__sse {
    /* Caps, 0 = LLMPERF__SSE_DEFAULT_MAX. max_line: bytes before a line's
     * CR/LF, checked on every line (comments too). max_event: data bytes
     * of one event, counting the '\n' that joins its data lines. */
    size_t max_line;
    size_t max_event;
    /* private below: zero before first use */
    char *line; /* a line split across feeds; whole ones are not copied */
    size_t line_len, line_cap;
    char *data; /* data of the pending event; NUL added at dispatch */
    size_t data_len, data_cap;
    char *event; /* "event:" value of the pending event */
    size_t event_len, event_cap;
    char *id; /* last event ID; kept across events, as the spec says */
    size_t id_len, id_cap;
    int have_data;   /* at least one data: field in the pending event */
    int skip_lf;     /* last byte was '\r': swallow a following '\n'  */
    int bom;         /* BOM bytes matched at stream start (0..2), 3 once
                        the start of the stream has been decided       */
    int error;       /* sticky status once failed or stopped           */
    uint64_t events; /* events dispatched so far                       */
} llmperf__sse;

/* Feed len bytes (buf may be NULL when len is 0). Returns LLMPERF_OK when
 * every byte was consumed, LLMPERF_ETOOBIG when a cap was exceeded,
 * LLMPERF_ENOMEM when a buffer could not grow, or the callback's non-zero
 * value. Errors are sticky. buf == NULL with len > 0 is LLMPERF_EINVAL
 * (not sticky). cb may be NULL (events are then only counted). Any split
 * of the same bytes gives the same events and the same status. */
int llmperf__sse_feed(llmperf__sse *p, const char *buf, size_t len,
                      llmperf__sse_cb cb, void *userdata);

/* End of input. Per the spec an unterminated final event is discarded;
 * returns LLMPERF_OK when nothing was pending, LLMPERF_EPROTOCOL when a
 * partial line or an event with data but no closing blank line was
 * dropped (a truncated stream; this status is then sticky), or the sticky
 * error. Call reset() before parsing another stream. */
int llmperf__sse_finish(llmperf__sse *p);

/* Release buffers and zero the state (ready for a new stream). The
 * caller's max_line and max_event settings are kept. */
void llmperf__sse_reset(llmperf__sse *p);

#endif /* LLMPERF_SSE_H */
