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
 * "event:" field. */
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
 * again). Callers return a negative LLMPERF_E* code. */
typedef int (*llmperf__sse_cb)(const llmperf__sse_event *ev, void *userdata);

typedef struct llmperf__sse {
    size_t max_line;  /* 0 = LLMPERF__SSE_DEFAULT_MAX */
    size_t max_event; /* 0 = LLMPERF__SSE_DEFAULT_MAX (sum of data bytes) */
    /* private below: zero before first use */
    char *line;
    size_t line_len, line_cap;
    char *data;
    size_t data_len, data_cap;
    char *event;
    size_t event_len, event_cap;
    char *id;
    size_t id_len, id_cap;
    int have_data;   /* at least one data: field in the pending event */
    int skip_lf;     /* last byte was '\r': swallow a following '\n'   */
    int bom_checked; /* leading U+FEFF handled                          */
    int error;       /* sticky status once failed or stopped            */
    uint64_t events; /* events dispatched so far                        */
} llmperf__sse;

/* Feed len bytes (buf may be NULL when len is 0). Returns LLMPERF_OK when
 * every byte was consumed, LLMPERF_ETOOBIG when a cap was exceeded, or the
 * callback's non-zero value. Errors are sticky. */
int llmperf__sse_feed(llmperf__sse *p, const char *buf, size_t len,
                      llmperf__sse_cb cb, void *userdata);

/* End of input. Per the spec an unterminated final event is discarded;
 * returns LLMPERF_OK when nothing was pending, LLMPERF_EPROTOCOL when a
 * partial line or an undispatched event was dropped (a truncated stream),
 * or the sticky error. */
int llmperf__sse_finish(llmperf__sse *p);

/* Release buffers and zero the state (ready for a new stream). */
void llmperf__sse_reset(llmperf__sse *p);

#endif /* LLMPERF_SSE_H */
