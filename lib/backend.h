/* SPDX-License-Identifier: MIT */
/*
 * backend.h -- what each server protocol must provide (a request body, a
 * decoder for one framed event), and the decoder that runs the framing
 * parser, the JSON parser and a backend over a byte stream. Knows nothing
 * of curl: the client feeds it bytes, tests feed it fixtures.
 */
#ifndef LLMPERF_BACKEND_H
#define LLMPERF_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "config_int.h"
#include "jfast.h"
#include "ndjson.h"
#include "sse.h"

/* How a backend's stream is framed. */
enum {
    LLMPERF__FRAMING_SSE = 1,
    LLMPERF__FRAMING_NDJSON = 2
};

/* What one event carried for the timeline. Pointers are borrowed for the
 * chunk callback only. A chunk reaches the callback only when text or
 * reasoning is non-empty: that is the definition of a content chunk. */
typedef struct llmperf__chunk {
    const char *text;
    size_t text_len;
    const char *reasoning;
    size_t reasoning_len;
    int32_t tokens; /* tokens in this chunk, -1 unknown */
} llmperf__chunk;

/* Return 0 to go on; a negative LLMPERF_E* stops decoding (sticky). */
typedef int (*llmperf__chunk_cb)(const llmperf__chunk *c, void *userdata);

/* What the stream said about the whole request. -1: not reported. */
typedef struct llmperf__stream_info {
    int64_t prompt_tokens;
    int64_t output_tokens; /* the server's count of generated tokens */
    int64_t server_load_ns;
    int64_t server_prompt_ns;
    int64_t server_decode_ns;
    int64_t server_total_ns;
    int64_t server_prompt_tokens;
    int64_t server_output_tokens;
    int64_t server_cached_tokens;
    char *finish_reason; /* NULL: not said */
    char *model;         /* NULL: not said */
    char *error;         /* server's in-stream error message, or our
                            parse-error detail; NULL when none */
} llmperf__stream_info;

struct llmperf__decoder;

typedef struct llmperf__backend {
    int id;
    const char *name;
    const char *path;          /* streamed request */
    const char *path_nostream; /* non-streamed request */
    const char *default_url;
    int framing;
    /* "[DONE]"-style sentinel event that ends the stream, or NULL. */
    const char *sentinel;
    /* Add this backend's keys to body (a JSON object). max_tokens >= 0
     * (0: not sent). LLMPERF_OK or LLMPERF_ENOMEM. */
    int (*build)(json_object *body, const llmperf_config *cfg,
                 const char *prompt, int64_t max_tokens);
    /* Decode one event object: fill *c (zeroed, tokens = -1 on entry),
     * update d->info and set d->done when this event ends the stream.
     * Returns LLMPERF_OK, LLMPERF_ESERVER (d->info.error set),
     * LLMPERF_EPROTOCOL or LLMPERF_ENOMEM. */
    int (*decode)(struct llmperf__decoder *d, json_object *ev,
                  llmperf__chunk *c);
    /* Optional: decode from the allocation-free reader (jfast.h) with the
     * same results as decode(), or return LLMPERF__FAST_NO -- before any
     * side effect -- for anything it does not handle; decode() then runs
     * on json-c's tree. scratch holds at least the event's length for
     * unescaped strings. */
    int (*fast)(struct llmperf__decoder *d, const llmperf__jspan *ev,
                char *scratch, llmperf__chunk *c);
} llmperf__backend;

/* fast(): not handled here, use decode(). */
#define LLMPERF__FAST_NO 1

/* The backend table entry for an id, or NULL. */
const llmperf__backend *llmperf__backend_get(int id);

extern const llmperf__backend llmperf__backend_ollama;
extern const llmperf__backend llmperf__backend_ollama_chat;
extern const llmperf__backend llmperf__backend_openai;
extern const llmperf__backend llmperf__backend_openai_chat;
extern const llmperf__backend llmperf__backend_llamacpp;
extern const llmperf__backend llmperf__backend_tgi;

/*
 * The request body for cfg's backend: a NUL-terminated JSON text in *out
 * (free with llmperf__free), its length in *len. max_tokens < 0 takes the
 * config's. LLMPERF_OK, LLMPERF_EINVAL or LLMPERF_ENOMEM.
 */
int llmperf__build_body(char **out, size_t *len, const llmperf_config *cfg,
                        const char *prompt, int64_t max_tokens);

/*
 * The message in an HTTP error body (or an in-stream error object) of
 * any of our servers: {"error":"m"}, {"error":{"message":"m"}},
 * {"object":"error","message":"m"}, {"message":"m"}, {"detail":"m"} or
 * {"detail":[{"msg":"m"}...]}. For a body that is not such JSON, a
 * printable excerpt of its start. *out is "" for an empty body; free with
 * llmperf__free. LLMPERF_OK or LLMPERF_ENOMEM.
 */
int llmperf__error_message(char **out, const char *body, size_t len);

/* Message of an error object already parsed (NULL if it has none). The
 * pointer is borrowed from obj. */
const char *llmperf__json_error_text(json_object *obj);

/*
 * Stream decoder: framing (SSE or NDJSON) + JSON + one backend. Valid
 * after llmperf__decoder_init(); feed any split of the body; finish()
 * checks the stream was complete.
 */
typedef struct llmperf__decoder {
    const llmperf__backend *be;
    int stream;     /* 0: the whole body is one JSON response */
    llmperf__sse sse;
    llmperf__ndjson nd;
    char *body;     /* non-streamed: the body so far */
    size_t body_len, body_cap, body_max;
    json_tokener *tok;
    char *scratch;  /* fast(): unescaped strings of one event */
    size_t scratch_cap;
    uint64_t fast_events; /* events decoded by fast() */
    int no_fast;    /* tests: json-c for every event */
    llmperf__chunk_cb cb;
    void *userdata;
    llmperf__stream_info info;
    int done;       /* the stream's terminator was seen */
    int status;     /* sticky failure */
    uint64_t events;
} llmperf__decoder;

/* max_event: cap on an event/line (0 = default). LLMPERF_OK,
 * LLMPERF_EINVAL (unknown backend) or LLMPERF_ENOMEM. */
int llmperf__decoder_init(llmperf__decoder *d, int backend, int stream,
                          size_t max_event, llmperf__chunk_cb cb,
                          void *userdata);

/* Feed body bytes. LLMPERF_OK or the sticky failure (ESERVER, EPROTOCOL,
 * ETOOBIG, ENOMEM, or the callback's status). Bytes after the terminator
 * are ignored. */
int llmperf__decoder_feed(llmperf__decoder *d, const char *buf, size_t len);

/* End of the body: LLMPERF_OK when the stream was complete, else the
 * sticky failure or LLMPERF_EPROTOCOL ("stream ended before completion",
 * in info.error). */
int llmperf__decoder_finish(llmperf__decoder *d);

void llmperf__decoder_free(llmperf__decoder *d);

/* ---- helpers for the backend files (backend.c) ---------------------- */

/* A jfast integer literal (no fraction) as json-c's int64: 1, or 0 when
 * not handled (a fraction: json-c's double rules apply). */
int llmperf__fast_i64(const llmperf__jspan *v, int64_t *out);

/* Set *dst to a copy of s (replacing the old one). OK or ENOMEM. */
int llmperf__set_owned(char **dst, const char *s, size_t len);

/* Add key = value, taking value's reference even on failure. Returns
 * LLMPERF_OK or LLMPERF_ENOMEM (value NULL counts as ENOMEM). */
int llmperf__json_put(json_object *obj, const char *key, json_object *value);

/* "stop": [...] when stop strings are set. */
int llmperf__json_put_stops(json_object *obj, const llmperf_config *cfg);

/* Sampling keys shared by most bodies: temperature, top_p, seed, and
 * "stop" as an array; into obj (TGI and Ollama pass a nested object). */
int llmperf__json_put_sampling(json_object *obj, const llmperf_config *cfg);

/* The prompt with the system prompt prepended ("system\n\nprompt"), for
 * raw-completion backends. */
json_object *llmperf__json_prompt_with_system(const llmperf_config *cfg,
                                              const char *prompt);

/* Chat "messages": [system?, user]. */
json_object *llmperf__json_chat_messages(const llmperf_config *cfg,
                                         const char *prompt);

/* Integer member of obj (int or double); -1 when absent or not a number. */
int64_t llmperf__json_i64(json_object *obj, const char *key);

/* String member of obj; NULL when absent or not a string. */
const char *llmperf__json_str(json_object *obj, const char *key,
                              size_t *len);

/* llama.cpp "timings" object into d->info (all optional). */
void llmperf__decode_llamacpp_timings(struct llmperf__decoder *d,
                                      json_object *timings);

/* Set an error from the event: stores the message, returns ESERVER or
 * ENOMEM. */
int llmperf__decoder_server_error(struct llmperf__decoder *d,
                                  const char *msg);

#endif /* LLMPERF_BACKEND_H */
