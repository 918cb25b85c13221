/* SPDX-License-Identifier: MIT */
/*
 * ndjson.h -- incremental splitter for newline-delimited JSON (Ollama's
 * application/x-ndjson). It frames lines; it does not parse JSON.
 *
 * Same shape as sse.h: valid when zeroed, feed() never reads past len,
 * any split of the input gives the same lines, a hard line cap.
 */
#ifndef LLMPERF_NDJSON_H
#define LLMPERF_NDJSON_H

#include <stddef.h>
#include <stdint.h>

#define LLMPERF__NDJSON_DEFAULT_MAX (1u << 20) /* 1 MiB per line */

/* One line without its terminator ("\n" or "\r\n"), NUL-terminated,
 * borrowed for the call. Blank lines (only spaces, tabs, CR) are skipped
 * and never reach the callback. Return 0 to go on; non-zero stops parsing
 * and is returned by feed() (sticky), as in sse.h. */
typedef int (*llmperf__ndjson_cb)(const char *line, size_t len,
                                  void *userdata);

typedef struct llmperf__ndjson {
    size_t max_line; /* 0 = LLMPERF__NDJSON_DEFAULT_MAX */
    /* private below: zero before first use */
    char *buf;
    size_t len, cap;
    int error;
    uint64_t lines;
} llmperf__ndjson;

/* Returns LLMPERF_OK, LLMPERF_ETOOBIG, or the callback's value (sticky). */
int llmperf__ndjson_feed(llmperf__ndjson *p, const char *buf, size_t len,
                         llmperf__ndjson_cb cb, void *userdata);

/* End of input. A final line without "\n" is still a line (servers may
 * omit the last newline): it is emitted here. Returns LLMPERF_OK, the
 * callback's value, or the sticky error. */
int llmperf__ndjson_finish(llmperf__ndjson *p, llmperf__ndjson_cb cb,
                           void *userdata);

/* Release the buffer and zero the state. */
void llmperf__ndjson_reset(llmperf__ndjson *p);

#endif /* LLMPERF_NDJSON_H */
