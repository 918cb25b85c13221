/* SPDX-License-Identifier: MIT */
/*
 * stream.h -- one generation request inside llmperf-mock: what the
 * client asked for (filled by proto.c), where it is in the server model
 * (sched.c) and what was written when (stream.c).
 */
#ifndef LLMPERF_MOCK_STREAM_H
#define LLMPERF_MOCK_STREAM_H

#include <event2/event_struct.h>

#include "mock.h"

enum mock_state {
    ST_NEW = 0,
    ST_SLOW_HEADERS, /* slow-headers fault: held before admission */
    ST_QUEUED,       /* admitted, waiting for the model and a slot */
    ST_PREFILL,      /* in a slot, prompt being processed */
    ST_DECODE,       /* generating tokens */
    ST_LINGER,       /* disconnect fault: waiting for bytes to drain */
    ST_DONE
};

enum mock_outcome {
    OUT_OK = 0,
    OUT_REJECTED,     /* answered with an HTTP error before generating */
    OUT_CLIENT_GONE,  /* the client closed the connection */
    OUT_DISCONNECT,   /* disconnect fault */
    OUT_ERROR_EVENT,  /* error-event fault ended the stream */
    OUT_GARBAGE,      /* garbage fault ended the stream */
    OUT_SHUTDOWN      /* the mock was stopped */
};

/* One write of a response: when it was handed to the kernel and how
 * many tokens it carried (the log's chunk_ns[] and chunk_tokens[]). */
struct mock_chunk {
    int64_t ns;
    int32_t tok;
};

#define MOCK_PEND_INLINE 16 /* pending tokens held inside the stream */

struct mock_stream {
    /* ---- hot: touched for every token; kept together so that a token
     * costs few cache lines with thousands of streams ---- */
    struct mock *m;
    int state;
    int proto;
    int64_t generated;
    int64_t target;
    int64_t due_ns;
    uint32_t sched_gen;  /* bumped per schedule; older heap entries stale */
    int heap_refs;       /* entries of this stream in m->heap */
    int n_pend;
    int n_faults;
    int keep_text;       /* the full text is needed at the end */
    int has_newline;
    int streaming;
    int finish_length;   /* 1: stopped by max tokens, 0: natural stop */
    int gone;
    int headers_sent;
    int chunked;         /* reply uses chunked encoding (HTTP/1.1) */
    int backlogged;
    int queued;          /* bytes may wait in out: check before a send */
    const struct mock_token **pend; /* tokens generated, not yet written */
    struct mock_rng rng; /* text */
    int64_t first_token_ns, last_token_ns;
    struct evhttp_request *req;
    struct evhttp_connection *evcon;
    /* evcon's bufferevent, its output buffer and socket, looked up once
     * (valid while evcon is set; NULL/-1 before) */
    struct bufferevent *bev;
    struct evbuffer *out;
    int fd;
    struct mock_chunk *chunks; /* ground truth of writes */
    size_t n_chunks, cap_chunks;
    int64_t lag_max_ns;
    char *head;          /* OpenAI: the constant start of every chunk */
    size_t head_len;
    const struct mock_token *pend_in[MOCK_PEND_INLINE];

    /* ---- the rest ---- */
    char *model_esc;     /* Ollama: the model name JSON-escaped, once */
    size_t model_esc_len;
    struct event timer;  /* only the disconnect fault's linger polls */
    struct mock_stream *q_next;
    struct mock_stream *all_prev, *all_next;
    uint64_t seq;
    const char *endpoint; /* literal */
    int outcome;
    int status;

    /* ---- request (proto.c) ---- */
    char reqid[MOCK_REQID_MAX];
    char *model;        /* as requested (or the default) */
    char *prompt;       /* rendered prompt: template applied */
    size_t prompt_len;
    char *echo;         /* llama.cpp echoes the prompt; raw text */
    size_t echo_len;
    int64_t prompt_tokens;
    int64_t max_tokens; /* -1: none given */
    int64_t min_tokens;
    int ignore_eos;
    int include_usage;
    int timings_per_token;
    int return_progress;
    int cache_prompt;
    int tgi_details;
    int load_only;      /* Ollama empty prompt: just load the model */
    int has_seed;
    uint64_t seed;
    double temperature;

    /* ---- plan ---- */
    struct mock_fault faults[MOCK_MAX_FAULTS];
    char fault_desc[160];
    char oid[48];        /* OpenAI / chat id */
    int64_t created;     /* unix seconds */

    /* ---- progress ---- */
    int slot;
    int64_t cached_tokens;
    int64_t n_eval;
    struct evbuffer *text; /* JSON-escaped output so far */
    int malformed_body;  /* non-streaming: malformed fault struck */

    /* ---- timeline (CLOCK_MONOTONIC ns) ---- */
    int64_t recv_ns, admit_ns, dispatch_ns, headers_ns;
    int64_t prefill_start_ns, prefill_end_ns;
    int64_t end_ns;
    int64_t load_ns;

    int log_slot;  /* slot for the log (s->slot is cleared on release) */
    int counted;   /* counted in m->in_flight */
};

/* ---- proto.c: requests in, bytes out ---------------------------------- */

/* Parse and validate the body for s->proto. On failure returns the HTTP
 * status and appends the protocol's error body to err. */
int proto_parse(struct mock_stream *s, const char *body, size_t len,
                struct evbuffer *err);
/* Error body of proto for an HTTP status; msg is plain text. */
void proto_error_body(int proto, int status, const char *msg,
                      struct evbuffer *out);
/* Content-Type of a response of proto. */
const char *proto_content_type(int proto, int streaming);
/* Streaming: the first bytes before token 1 (OpenAI chat role chunk).
 * May add nothing. */
void proto_stream_open(struct mock_stream *s, struct evbuffer *out);
/* Streaming: an event carrying toks[0..n), which end at token number
 * upto (1-based); last marks the final token. */
void proto_stream_tokens(struct mock_stream *s,
                         const struct mock_token *const *toks, int n,
                         int64_t upto, int last, struct evbuffer *out);
/* The same event as proto_stream_tokens, written as flat bytes into
 * dst[0..cap) for the protocols whose per-token events are hot (OpenAI,
 * llama.cpp without timings). Returns the length, or 0 when this event
 * has no flat form or does not fit: then use proto_stream_tokens. */
size_t proto_stream_tokens_flat(struct mock_stream *s,
                                const struct mock_token *const *toks, int n,
                                int64_t upto, int last, char *dst,
                                size_t cap);
/* Streaming: everything after the last token event (done line, final
 * event, usage chunk, [DONE]). */
void proto_stream_close(struct mock_stream *s, struct evbuffer *out);
/* Streaming: the in-stream error event (error-event fault). */
void proto_stream_error(struct mock_stream *s, const char *msg,
                        struct evbuffer *out);
/* llama.cpp return_progress: the prompt progress event. */
void proto_stream_progress(struct mock_stream *s, struct evbuffer *out);
/* Non-streaming: the whole response body. */
void proto_body(struct mock_stream *s, struct evbuffer *out);
/* GET endpoints that need no model: /api/tags, /v1/models, ... Returns
 * the status, 0 if path is not one of them. */
int proto_info(struct mock *m, const char *path, struct evbuffer *out,
               const char **ctype);
const char *proto_name(int proto);

/* ---- sched.c: queue, slots, model load -------------------------------- */

void sched_enqueue(struct mock *m, struct mock_stream *s);
void sched_remove(struct mock *m, struct mock_stream *s);
/* Give back s's slot (prompt kept in its prefix cache), start waiting
 * requests, arm the unload timer when idle. */
void sched_release(struct mock *m, struct mock_stream *s);
/* Multiplicative jitter factor in [1-j, 1+j]. */
double sched_jitter(struct mock *m);
/* Current batching slowdown s(b). */
double sched_slowdown(struct mock *m);
/* Natural output length and the cap: fills s->target, finish_length. */
void sched_plan_length(struct mock *m, struct mock_stream *s);

/* ---- stream.c ---------------------------------------------------------- */

/* Called by sched.c when s has a slot and the model is loaded. */
void stream_start(struct mock_stream *s);

#endif /* LLMPERF_MOCK_STREAM_H */
