/* SPDX-License-Identifier: MIT */
/*
 * testsrv: start and stop llmperf_replay_server (tests/server) from a
 * test, and read back what the client sent it. Test-only code, linked
 * into every tests/unit executable as the static library llmperf_testsrv.
 */
#ifndef LLMPERF_TESTSRV_H
#define LLMPERF_TESTSRV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Server options (argv style, one array element per word):
 *
 *   --response FILE     body bytes to send; status "200 OK" unless
 *                       --status; default framing chunked
 *   --raw FILE          FILE is a whole HTTP response, sent byte for
 *                       byte; the connection is closed after it if its
 *                       head has neither Content-Length nor chunked
 *                       Transfer-Encoding, or says "Connection: close".
 *                       --split/--stall-at/--cut-at offsets count from
 *                       the start of FILE. A stale Content-Length or a
 *                       de-chunked body under "chunked" draws a warning
 *                       on stderr but is sent as is.
 *   --raw-reframe FILE  status line and headers from FILE (without its
 *                       Content-Length/Transfer-Encoding), body after the
 *                       blank line framed again as FILE said (chunked,
 *                       length, or close), or as --framing says. Use it
 *                       for captures like openai_completions_stream_with_
 *                       headers.http (decoded body under "chunked").
 *   --empty             200 with an empty body
 *   --garbage           non-HTTP bytes, then close
 *   --no-response       read the request, close without a reply
 *   --status "404 Not Found"        --header "Name: value" (repeatable)
 *   --framing chunked|length|close  chunked: each write is one chunk;
 *                       length: Content-Length; close: body ends at EOF
 *   --split A,B,...     body offsets where writes are split
 *   --split-every N     write N body bytes at a time
 *   --delay-ms D        sleep D ms before each body write but the first
 *                       (the head and the first write go out together)
 *   --first-byte-delay-ms D   sleep before the status line
 *   --stall-at OFF --stall-ms D   sleep D ms (instead of --delay-ms)
 *                       before the write that starts at body offset OFF;
 *                       OFF = body length stalls before the final
 *                       zero chunk
 *   --cut-at OFF        send OFF body bytes, then close (chunked: no
 *                       terminating zero chunk)
 *   --requests N        exit once N responses are done
 *   --max-seconds S     exit after S seconds (default 60; 0: never)
 *   --log FILE          append one record per request (format below)
 *   --route PATH=FILE   body FILE for requests to PATH (exact target, or
 *                       target without "?query"); repeatable
 *   --route-raw PATH=FILE   same with a raw response file. With routes but
 *                       no default response, other paths get 404.
 *
 * Requests: the whole request (head + Content-Length body) is read
 * before answering; "Expect: 100-continue" is answered with 100
 * Continue; keep-alive and pipelining work; "Connection: close" from the
 * client is honoured. A chunked request body gets 411.
 *
 * Log record format (all request bytes, CRLF in the head turned to LF):
 *
 *   == REQUEST <n> <body-length>\n       n counts from 1
 *   <METHOD> <target> HTTP/1.1\n
 *   <Header-Name>: <value>\n             as received, one per line
 *   \n
 *   <body-length raw bytes>\n
 *   == END <n>\n
 */

typedef struct testsrv {
    int pid;
    int port;
    char url[64];       /* "http://127.0.0.1:PORT" */
    char log_path[256]; /* "" unless started with testsrv_start_logged */
} testsrv;

/* Start the server with the NULL-terminated option list args (without
 * the program name; args may be NULL). The program is $LLMPERF_REPLAY_SERVER
 * if set in the environment, else the path compiled in. Waits at most 5 s
 * for its "PORT <n>" line. Returns 0, or -1 (nothing left running). */
int testsrv_start(testsrv *s, const char *const *args);

/* Same, plus "--log <fresh temporary file>" whose path goes to
 * s->log_path. */
int testsrv_start_logged(testsrv *s, const char *const *args);

/* SIGTERM (SIGKILL after 3 s), reap, remove the log file. NULL or a
 * stopped server is fine. */
void testsrv_stop(testsrv *s);

/* Wait (at most timeout_ms) for the server to exit by itself, e.g. after
 * --requests N. Returns its exit status (0..255), or -1 if it is still
 * running or was killed by a signal. The log file stays. */
int testsrv_wait(testsrv *s, int timeout_ms);

/* Whole log file, NUL-terminated, malloc'd (free with free()); NULL if
 * there is no log. */
char *testsrv_read_log(const testsrv *s);

/* A loopback port where nothing listens (bound, read, closed), or -1. */
int testsrv_closed_port(void);

/* Log parsing helpers; log is testsrv_read_log() output, index counts
 * from 0. Number of complete records: */
int testsrv_log_count(const char *log);

/* Request line of record index ("POST /v1/completions HTTP/1.1"),
 * malloc'd; NULL if there is no such record. */
char *testsrv_log_request_line(const char *log, int index);

/* Value of header name (case-insensitive; first occurrence, leading
 * blanks skipped) in record index, malloc'd; NULL if absent. */
char *testsrv_log_header(const char *log, int index, const char *name);

/* Body of record index, malloc'd and NUL-terminated (*len, if not NULL,
 * gets its length); NULL if there is no such record. */
char *testsrv_log_body(const char *log, int index, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
