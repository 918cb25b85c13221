/* SPDX-License-Identifier: MIT */
/*
 * mock_harness.h -- shared by the llmperf-mock integration tests: start
 * and stop the mock on a free loopback port, run HTTP requests (several
 * at once) with libcurl while timestamping every received piece on
 * CLOCK_MONOTONIC, split responses into events with the library's own
 * SSE and NDJSON parsers, read the ground-truth log, compare JSON shapes
 * with the fixtures.
 */
#ifndef LLMPERF_MOCK_HARNESS_H
#define LLMPERF_MOCK_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <json-c/json.h>

/* ---- the mock process -------------------------------------------------- */

struct mockp {
    pid_t pid;
    int port;
    char log_path[256];
};

/* Start LLMPERF_MOCK_PATH --port 0 --log <tmp> extra... (NULL-ended).
 * Waits (at most 10 s) for the "listening" line. 0 or -1. */
int mockp_start(struct mockp *p, const char *const *extra);
/* SIGTERM (or SIGKILL with hard), wait at most 10 s; returns the exit
 * status, or -1. The log file is kept until mockp_cleanup(). */
int mockp_stop(struct mockp *p, int hard);
void mockp_cleanup(struct mockp *p);

/* ---- HTTP -------------------------------------------------------------- */

#define XF_MAX_PIECES 8192

struct xfer {
    CURL *h;
    struct curl_slist *hdrs;
    char url[256];
    char *req_body;
    char *body;           /* response body, NUL-terminated */
    size_t len, cap;
    int64_t t_sent;       /* just before the transfer started */
    int64_t t_headers;    /* first response header line */
    int64_t piece_t[XF_MAX_PIECES];   /* arrival of each write callback */
    size_t piece_end[XF_MAX_PIECES];  /* body length after that piece */
    size_t n_pieces;
    long status;
    CURLcode rc;
    char ctype[128];
    char reqid[128];
    int chunked;          /* Transfer-Encoding: chunked seen */
};

/* Prepare a POST (body != NULL) or GET of path; headers is a
 * NULL-ended list of "Name: value" (may be NULL). */
void xfer_init(struct xfer *x, const struct mockp *p, const char *path,
               const char *body, const char *const *headers);
void xfer_free(struct xfer *x);
/* Run n transfers at once; at most timeout_ms. 0 or -1 (timeout). */
int xfer_run(struct xfer **xs, int n, long timeout_ms);
/* One transfer. */
int xfer_one(struct xfer *x, long timeout_ms);

/* ---- events ------------------------------------------------------------ */

enum { EV_SSE = 0, EV_NDJSON = 1 };

struct event_list {
    size_t n;
    json_object *obj[4096]; /* NULL when the event was not valid JSON */
    char *raw[4096];
    int64_t t[4096];        /* arrival of the piece that completed it */
    int done;               /* "data: [DONE]" seen (SSE) */
    int parse_rc;           /* feed/finish status */
};

/* Split x's body into events with llmperf__sse_feed / ndjson_feed,
 * replaying the received pieces in order so each event gets the
 * arrival time of its last byte. */
void events_parse(struct event_list *ev, const struct xfer *x, int kind);
/* The same for a file (fixtures); t is 0. Returns 0 or -1. */
int events_parse_file(struct event_list *ev, const char *path, int kind);
void events_free(struct event_list *ev);

/* ---- JSON helpers ------------------------------------------------------ */

/* Compare the shape of got against want: same keys in every object
 * (superset allowed where extra_ok), same type class (null, bool,
 * number, string, array, object) for every key, recursively; arrays
 * compare their first elements. Returns NULL when equal, else a
 * static message describing the first difference. */
const char *json_shape_diff(json_object *got, json_object *want,
                            int extra_ok);
/* o.path (dot-separated, "choices.0.text") or NULL. */
json_object *jget(json_object *o, const char *path);
int64_t jint(json_object *o, const char *path); /* -1 when absent */
const char *jstr(json_object *o, const char *path); /* NULL when absent */

/* ---- files ------------------------------------------------------------- */

char *read_file_all(const char *path, size_t *len);
/* The ground-truth log, one object per line; n gets the count. */
json_object **log_read(const struct mockp *p, size_t *n);
void log_free(json_object **lines, size_t n);

int64_t now_ns(void);
void sleep_ms(long ms);

#endif /* LLMPERF_MOCK_HARNESS_H */
