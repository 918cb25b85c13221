/* SPDX-License-Identifier: MIT */
/*
 * mock.h -- internal declarations of llmperf-mock, the simulated LLM
 * inference server. One thread, one libevent loop; every module shares
 * the single `struct mock` built in main.c. Not part of libllmperf.
 */
#ifndef LLMPERF_MOCK_H
#define LLMPERF_MOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#define MOCK_VERSION "0.1.0"
#define MOCK_MAX_RATES 32
#define MOCK_MAX_FAULTS 8
#define MOCK_MAX_MODELS 32
#define MOCK_REQID_MAX 128

/* ---- protocols ------------------------------------------------------ */

enum mock_proto {
    PROTO_OLLAMA_GENERATE = 0,
    PROTO_OLLAMA_CHAT,
    PROTO_OPENAI_COMPLETIONS,
    PROTO_OPENAI_CHAT,
    PROTO_LLAMACPP,
    PROTO_TGI,
    PROTO_COUNT
};

/* ---- faults --------------------------------------------------------- */

enum mock_fault_kind {
    FAULT_NONE = 0,
    FAULT_HTTP_429,
    FAULT_HTTP_500,
    FAULT_HTTP_503,
    FAULT_DISCONNECT,
    FAULT_STALL,
    FAULT_MALFORMED,
    FAULT_ERROR_EVENT,
    FAULT_SLOW_HEADERS,
    FAULT_GARBAGE,
    FAULT_KIND_COUNT
};

struct mock_fault {
    int kind;      /* enum mock_fault_kind */
    int64_t ms;    /* stall / slow-headers duration */
    int64_t after; /* tokens generated before it strikes */
    int fired;     /* per request: already applied */
};

struct mock_fault_rate {
    struct mock_fault f;
    double p; /* probability per request */
};

/* Parse one fault ("stall:500:3"). Returns 0, or -1 with a reason. */
int mock_fault_parse(struct mock_fault *out, const char *s, size_t len,
                     const char **why);
/* Parse a comma-separated list into out[0..max). Returns the count or
 * -1 on a bad item. */
int mock_fault_parse_list(struct mock_fault *out, int max, const char *s,
                          const char **why);
const char *mock_fault_name(int kind);
/* "stall:500:3" into buf; returns buf. */
char *mock_fault_format(const struct mock_fault *f, char *buf, size_t cap);

/* ---- configuration --------------------------------------------------- */

enum mock_dist { DIST_FIXED = 0, DIST_UNIFORM, DIST_NORMAL };
enum mock_chunk_mode { CHUNK_MERGE = 0, CHUNK_BURST };
enum mock_vocab { VOCAB_ASCII = 0, VOCAB_UTF8 };

struct mock_cfg {
    const char *host;
    int port;
    const char *models[MOCK_MAX_MODELS];
    int n_models;
    int any_model;
    int slots;
    int max_queue; /* 0 = unbounded */
    double load_ms;
    double unload_after_ms; /* 0 = never unload */
    double prefill_base_ms;
    double prefill_ms_per_token;
    double decode_ms_per_token;
    double batch_factor;
    double jitter; /* relative half-width of the uniform factor */
    int tokens_per_chunk;
    int chunk_mode;
    int dist;
    double dist_a, dist_b;
    int max_tokens_default;
    int prefix_cache;
    int late_headers;
    uint64_t seed;
    int vocab;
    const char *log_path;
    struct mock_fault_rate rates[MOCK_MAX_RATES];
    int n_rates;
    double idle_timeout_s;
    int verbose;
};

/* Fill defaults, then parse argv. Returns 0 to run, 1 when --help or
 * --version printed (exit 0), -1 on a usage error (message on stderr). */
int mock_cfg_parse(struct mock_cfg *cfg, int argc, char **argv);

/* ---- random numbers and text ---------------------------------------- */

struct mock_rng {
    uint64_t s[4];
};

void mock_rng_seed(struct mock_rng *r, uint64_t seed);
uint64_t mock_rng_next(struct mock_rng *r);
double mock_rng_unit(struct mock_rng *r);   /* [0, 1) */
double mock_rng_normal(struct mock_rng *r); /* N(0, 1) */
uint64_t mock_hash64(const void *p, size_t n, uint64_t seed);

struct mock_token {
    const char *raw; /* UTF-8 text */
    const char *esc; /* JSON-escaped text (no quotes) */
    uint16_t raw_len, esc_len;
    int32_t id;
    uint8_t nl; /* raw starts with a newline (saves a miss per token) */
};

/* Build the vocabulary (idempotent). 0 or -1 on allocation failure. */
int mock_vocab_init(int kind);
void mock_vocab_free(void);
/* Draw the next token; prev_word_end tells whether the previous token
 * ended a word (so punctuation does not lead a response). */
const struct mock_token *mock_vocab_next(struct mock_rng *r, int first);
const struct mock_token *mock_vocab_eos(void);

/* Prompt tokens of text[0..len) under the documented rule; with limit <
 * len, only pieces that end at or before `limit` are counted (used for
 * the cached prefix). */
int64_t mock_count_tokens(const char *text, size_t len, size_t limit);

/* Append s as JSON string contents (no quotes): escapes, and replaces
 * invalid UTF-8 by U+FFFD. Returns 0 or -1. */
int mock_json_escape(struct evbuffer *out, const char *s, size_t len);

/* ---- time ------------------------------------------------------------ */

int64_t mock_now_ns(void);      /* CLOCK_MONOTONIC */
int64_t mock_wall_ns(void);     /* CLOCK_REALTIME */
/* RFC 3339 UTC with nanoseconds: "2026-11-20T10:00:00.100000000Z". */
size_t mock_format_time(char *buf, size_t cap, int64_t wall_ns);
/* Fast decimal formatting; returns the number of bytes written. */
size_t mock_i64(char *buf, int64_t v);

/* ---- server state ----------------------------------------------------- */

struct mock_stream;

struct mock_slot {
    int busy;
    char *cache;      /* last prompt seen by this slot (prefix cache) */
    size_t cache_len;
};

struct mock_counter {
    const char *endpoint;
    int status;
    uint64_t n;
};

struct mock_stats {
    struct mock_counter by_endpoint[64];
    int n_counters;
    uint64_t tokens_generated;
    uint64_t prompt_tokens;
    uint64_t cached_tokens;
    uint64_t faults[FAULT_KIND_COUNT];
    uint64_t client_disconnects;
    uint64_t loads;
    uint64_t chunks;
    int64_t lag_sum_ns;
    int64_t lag_max_ns;
    uint64_t lag_n;
};

enum mock_model_state { MODEL_UNLOADED = 0, MODEL_LOADING, MODEL_LOADED };

struct mock {
    struct mock_cfg cfg;
    struct event_base *base;
    struct evhttp *http;
    struct evbuffer *scratch; /* reused for every chunk */
    struct event *unload_ev;
    struct event *load_ev;
    struct mock_rng rng; /* scheduling draws: faults, lengths, jitter */
    struct mock_slot *slots;
    int busy;
    int model_state;
    int64_t load_start_ns, load_end_ns;
    /* FIFO of admitted requests waiting for a slot */
    struct mock_stream *q_head, *q_tail;
    int q_len;
    /* every live stream (for shutdown) */
    struct mock_stream *all;
    int in_flight;
    uint64_t seq;
    int log_fd;
    int shutting_down;
    struct mock_stats st;
    int64_t start_wall_s;
    /* Timed steps of every stream (stream.c): a binary min-heap on the
     * due time, 1-based, served by the one libevent timer tick_ev, so a
     * token costs a heap update instead of a libevent timer of its own */
    struct mock_due *heap;
    size_t heap_n, heap_cap;
    struct event *tick_ev;
    int64_t tick_armed; /* due time tick_ev is armed for; 0: not armed */
    int in_tick;        /* serving the heap: re-arm once at the end */
    /* one framed chunk (size line, event, CRLF) for a single write */
    char *flat;
    size_t flat_cap;
};

struct mock_due {
    int64_t due;
    struct mock_stream *s;
    uint32_t gen; /* s->sched_gen when scheduled; else the entry is stale */
};

/* ---- requests (stream.c) --------------------------------------------- */

void mock_handle_request(struct evhttp_request *req, void *arg);
/* Abort every live stream (shutdown). */
void mock_abort_all(struct mock *m);
/* Free the timer heap, its event and the write buffer (at exit). */
void mock_streams_free(struct mock *m);
void mock_model_init(struct mock *m);

/* ---- observability (observe.c) ---------------------------------------- */

void mock_count_request(struct mock *m, const char *endpoint, int status);
void mock_metrics_text(struct mock *m, struct evbuffer *out);
/* Append one line to the ground-truth log (no-op without --log). */
void mock_log_write(struct mock *m, struct evbuffer *line);

#endif /* LLMPERF_MOCK_H */
