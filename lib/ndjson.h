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
 * and is returned by feed() (sticky), as in sse.h. The callback must not
 * call feed(), finish() or reset() on the same parser. */
typedef int (*llmperf__ndjson_cb)(const char *line, size_t len,
                                  void *userdata);

typedef struct llmperf__ndjson {
    /* 0 = LLMPERF__NDJSON_DEFAULT_MAX. Counts the bytes before "\n",
     * including the CR of a CRLF, so the check does not depend on how
     * the input was split. */
    size_t max_line;
    /* private below: zero before first use */
    char *buf; /* pending partial line, or the NUL-terminated copy of a
                  whole line handed to the callback */
    size_t len, cap;
    int error;      /* sticky status once failed or stopped */
    uint64_t lines; /* lines delivered to the callback so far */
} llmperf__ndjson;

/* Returns LLMPERF_OK, LLMPERF_ETOOBIG, LLMPERF_ENOMEM, or the callback's
 * value (all sticky). buf may be NULL when len is 0; NULL with len > 0
 * is LLMPERF_EINVAL (not sticky). cb may be NULL (lines only counted). */
int llmperf__ndjson_feed(llmperf__ndjson *p, const char *buf, size_t len,
                         llmperf__ndjson_cb cb, void *userdata);

/* End of input. A final line without "\n" is still a line (servers may
 * omit the last newline): it is emitted here. Returns LLMPERF_OK, the
 * callback's value, or the sticky error. Call reset() before parsing
 * another stream. */
int llmperf__ndjson_finish(llmperf__ndjson *p, llmperf__ndjson_cb cb,
                           void *userdata);

/* Release the buffer and zero the state. max_line is kept. */
void llmperf__ndjson_reset(llmperf__ndjson *p);

#endif /* LLMPERF_NDJSON_H */
