/* SPDX-License-Identifier: MIT */
/*
 * llmperf/result.h -- the measurement of one request: timestamps, token
 * counts, the server's own timings, and how the request ended.
 *
 * A result is an opaque handle read through getters keyed by a field id,
 * so new fields can be added without changing any struct layout. The id's
 * range encodes the field's type, the same way option ids do in
 * llmperf/client.h:
 *
 *   1..999      int64_t  read with llmperf_result_get_i64()
 *   1001..1999  double   read with llmperf_result_get_f64()
 *   2001..2999  string   read with llmperf_result_get_str()
 *
 * Within each range the ids are contiguous from the first one, so a
 * serialiser can list every field this build knows by walking each range
 * until llmperf_result_field_name() returns NULL.
 *
 * Every time is int64_t nanoseconds of the CLOCK_MONOTONIC clock of
 * llmperf_now_ns(). Fields named *_NS that are absolute times (SENT_NS,
 * SCHEDULED_NS, chunk arrival times) are instants of that clock; all other
 * *_NS fields are durations. docs/client.md defines every metric exactly.
 *
 * Thread rule: a result is a plain value. Any number of results may be
 * read concurrently; one result must not be freed while another thread
 * reads it.
 */
#ifndef LLMPERF_RESULT_H
#define LLMPERF_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The measurement of one request (opaque). Owned by the caller that
 * received it; release it with llmperf_result_free(). */
typedef struct llmperf_result llmperf_result;

/* Base of each field-id range: the range encodes the getter to use. */
#define LLMPERF_FIELDKIND_I64 0
#define LLMPERF_FIELDKIND_F64 1000
#define LLMPERF_FIELDKIND_STR 2000

/*
 * Field ids. The numbers are ABI: new fields take the next free number of
 * their range; none is ever renumbered or reused. The lower-case name in
 * brackets is what llmperf_result_field_name() returns and what the
 * files of DESIGN.md section 5 use as a key. "Absent" means the getter
 * returns LLMPERF_ENOTFOUND for that result.
 */
typedef enum llmperf_result_field {
    /* [scheduled_ns] When the request was meant to be sent (a runner's
     * arrival schedule). Equal to SENT_NS when nothing scheduled it. */
    LLMPERF_RESULT_SCHEDULED_NS = LLMPERF_FIELDKIND_I64 + 1,
    /* [sent_ns] Instant just before the request went to the transport. */
    LLMPERF_RESULT_SENT_NS = LLMPERF_FIELDKIND_I64 + 2,
    /* [client_lag_ns] SENT_NS - SCHEDULED_NS: the harness falling
     * behind its schedule. */
    LLMPERF_RESULT_CLIENT_LAG_NS = LLMPERF_FIELDKIND_I64 + 3,
    /* [ttft_ns] Arrival of the first chunk carrying non-empty generated
     * text (content or reasoning) - SENT_NS. Role-only, empty, progress
     * and keep-alive events do not count. Absent when no such chunk
     * arrived. */
    LLMPERF_RESULT_TTFT_NS = LLMPERF_FIELDKIND_I64 + 4,
    /* [last_token_ns] Arrival of the last such chunk - SENT_NS. */
    LLMPERF_RESULT_LAST_TOKEN_NS = LLMPERF_FIELDKIND_I64 + 5,
    /* [e2e_ns] End of the response - SENT_NS: the last response byte for
     * a completed request, the moment the failure was detected for a
     * failed one. Absent if the request never started. */
    LLMPERF_RESULT_E2E_NS = LLMPERF_FIELDKIND_I64 + 6,
    /* [output_tokens] The server's count of generated tokens (OpenAI
     * usage.completion_tokens, Ollama eval_count, llama.cpp
     * timings.predicted_n or tokens_predicted, TGI
     * details.generated_tokens), else the number of content chunks
     * (TOKENS_SOURCE says which). Always present. */
    LLMPERF_RESULT_OUTPUT_TOKENS = LLMPERF_FIELDKIND_I64 + 7,
    /* [prompt_tokens] Prompt length in tokens as the server reported it
     * (OpenAI usage.prompt_tokens, Ollama prompt_eval_count, llama.cpp
     * tokens_evaluated, TGI details.input_length). Absent if not
     * reported. */
    LLMPERF_RESULT_PROMPT_TOKENS = LLMPERF_FIELDKIND_I64 + 8,
    /* [tpot_ns] (LAST_TOKEN_NS - TTFT_NS) / (OUTPUT_TOKENS - 1), integer
     * division, present when OUTPUT_TOKENS > 1 and at least two content
     * chunks arrived (a single chunk spans no time). */
    LLMPERF_RESULT_TPOT_NS = LLMPERF_FIELDKIND_I64 + 9,
    /* [chunks] Number of content chunks (those that could count for
     * TTFT). Always present. llmperf_result_chunks() lists them. */
    LLMPERF_RESULT_CHUNKS = LLMPERF_FIELDKIND_I64 + 10,
    /* [server_load_ns] Model load time the server reported (Ollama
     * load_duration). */
    LLMPERF_RESULT_SERVER_LOAD_NS = LLMPERF_FIELDKIND_I64 + 11,
    /* [server_prompt_ns] Prefill time the server reported (Ollama
     * prompt_eval_duration, llama.cpp timings.prompt_ms). */
    LLMPERF_RESULT_SERVER_PROMPT_NS = LLMPERF_FIELDKIND_I64 + 12,
    /* [server_decode_ns] Decode time the server reported (Ollama
     * eval_duration, llama.cpp timings.predicted_ms). */
    LLMPERF_RESULT_SERVER_DECODE_NS = LLMPERF_FIELDKIND_I64 + 13,
    /* [server_total_ns] Total time the server reported (Ollama
     * total_duration). */
    LLMPERF_RESULT_SERVER_TOTAL_NS = LLMPERF_FIELDKIND_I64 + 14,
    /* [server_prompt_tokens] Prompt tokens the server actually evaluated
     * (Ollama prompt_eval_count, llama.cpp timings.prompt_n; cached
     * tokens are not included). */
    LLMPERF_RESULT_SERVER_PROMPT_TOKENS = LLMPERF_FIELDKIND_I64 + 15,
    /* [server_output_tokens] Tokens the server's decode timing covers
     * (Ollama eval_count, llama.cpp timings.predicted_n). */
    LLMPERF_RESULT_SERVER_OUTPUT_TOKENS = LLMPERF_FIELDKIND_I64 + 16,
    /* [server_cached_tokens] Prompt tokens served from the prefix cache
     * (OpenAI usage.prompt_tokens_details.cached_tokens, llama.cpp
     * timings.cache_n). */
    LLMPERF_RESULT_SERVER_CACHED_TOKENS = LLMPERF_FIELDKIND_I64 + 17,
    /* [server_itl_ns] SERVER_DECODE_NS / (SERVER_OUTPUT_TOKENS - 1) when
     * that count is > 1. */
    LLMPERF_RESULT_SERVER_ITL_NS = LLMPERF_FIELDKIND_I64 + 18,
    /* [wait_ns] TTFT_NS - SERVER_LOAD_NS (0 if not reported) -
     * SERVER_PROMPT_NS: time to first token the server's own timings do
     * not explain (queueing plus transport). Present when TTFT_NS and
     * SERVER_PROMPT_NS are. May be negative when the server's clock
     * covers work done before its response started. */
    LLMPERF_RESULT_WAIT_NS = LLMPERF_FIELDKIND_I64 + 19,
    /* [status] LLMPERF_OK, or the negative status the request ended
     * with. Always present. */
    LLMPERF_RESULT_STATUS = LLMPERF_FIELDKIND_I64 + 20,
    /* [http_status] The HTTP status code; absent when no response head
     * arrived (e.g. connection refused). */
    LLMPERF_RESULT_HTTP_STATUS = LLMPERF_FIELDKIND_I64 + 21,
    /* [bytes_received] Response body bytes received. Always present. */
    LLMPERF_RESULT_BYTES_RECEIVED = LLMPERF_FIELDKIND_I64 + 22,
    /* [ttfb_ns] Arrival of the first byte of the response head -
     * SENT_NS. */
    LLMPERF_RESULT_TTFB_NS = LLMPERF_FIELDKIND_I64 + 23,
    /* [new_connections] Connections opened for this request: 0 when an
     * existing keep-alive connection was reused. */
    LLMPERF_RESULT_NEW_CONNECTIONS = LLMPERF_FIELDKIND_I64 + 24,

    /* [output_tps] (OUTPUT_TOKENS - 1) / (LAST_TOKEN_NS - TTFT_NS) in
     * tokens per second; present when TPOT_NS is and the span is > 0. */
    LLMPERF_RESULT_OUTPUT_TPS = LLMPERF_FIELDKIND_F64 + 1,

    /* [tokens_source] "server" when OUTPUT_TOKENS is the server's count,
     * "chunks" when it is the number of content chunks. */
    LLMPERF_RESULT_TOKENS_SOURCE = LLMPERF_FIELDKIND_STR + 1,
    /* [error_class] "" on success, else one of "connect", "timeout",
     * "http", "server", "protocol", "aborted", "transport", "internal"
     * (docs/client.md lists which status maps to which class). */
    LLMPERF_RESULT_ERROR_CLASS = LLMPERF_FIELDKIND_STR + 2,
    /* [error] "" on success, else a one-line description (HTTP status
     * and the server's message, curl's text...). Never holds the API key
     * or credentials from the URL. */
    LLMPERF_RESULT_ERROR = LLMPERF_FIELDKIND_STR + 3,
    /* [finish_reason] Why generation stopped, in the server's words
     * ("length", "stop", "eos_token", "limit" ...); absent if not said. */
    LLMPERF_RESULT_FINISH_REASON = LLMPERF_FIELDKIND_STR + 4,
    /* [request_id] The X-Request-Id header this request carried. */
    LLMPERF_RESULT_REQUEST_ID = LLMPERF_FIELDKIND_STR + 5,
    /* [model] The model the server named in its response, else the
     * configured LLMPERF_OPT_MODEL; absent when neither exists. */
    LLMPERF_RESULT_MODEL = LLMPERF_FIELDKIND_STR + 6,
    /* [text] The generated text (content only), when the client was
     * configured with LLMPERF_OPT_KEEP_TEXT; bytes as received (see
     * docs/client.md on UTF-8). */
    LLMPERF_RESULT_TEXT = LLMPERF_FIELDKIND_STR + 7,
    /* [reasoning_text] The generated reasoning ("thinking") text, under
     * the same condition as TEXT; absent when there was none. */
    LLMPERF_RESULT_REASONING_TEXT = LLMPERF_FIELDKIND_STR + 8,
    /* [backend] The backend's name, as llmperf_backend_name() gives. */
    LLMPERF_RESULT_BACKEND = LLMPERF_FIELDKIND_STR + 9
    /* new fields: next free number in the right range, nothing else */
} llmperf_result_field;

/*
 * llmperf_result_get_i64 -- read an integer field.
 *
 * Returns LLMPERF_OK and sets *out; LLMPERF_ENOTFOUND when the field is
 * absent from this result or unknown to this build (*out unchanged);
 * LLMPERF_EINVAL when r or out is NULL or the field is of another type.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_result_get_i64(const llmperf_result *r, int field,
                                       int64_t *out);

/*
 * llmperf_result_get_f64 -- read a floating-point field. Same returns as
 * llmperf_result_get_i64(). Added in 0.1.
 */
LLMPERF_API int llmperf_result_get_f64(const llmperf_result *r, int field,
                                       double *out);

/*
 * llmperf_result_get_str -- read a string field.
 *
 * *out is borrowed: NUL-terminated, owned by r and valid until r is
 * freed. Same returns as llmperf_result_get_i64(). A string that held a
 * NUL byte (JSON "\u0000") reads as ending there. Added in 0.1.
 */
LLMPERF_API int llmperf_result_get_str(const llmperf_result *r, int field,
                                       const char **out);

/*
 * llmperf_result_chunks -- the timeline of content chunks, in arrival
 * order.
 *
 * *t_ns gets the arrival instant of each chunk (llmperf_now_ns() clock;
 * subtract SENT_NS for a time since sending; consecutive differences are
 * the inter-token latencies), *tokens the number of tokens the server
 * said the chunk held, or -1 when it did not say. Both arrays are
 * borrowed from r and hold *n entries; when *n is 0 both pointers are
 * NULL. t_ns or tokens may be NULL if not wanted.
 *
 * Returns LLMPERF_OK, or LLMPERF_EINVAL when r or n is NULL.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_result_chunks(const llmperf_result *r,
                                      const int64_t **t_ns,
                                      const int32_t **tokens, size_t *n);

/*
 * llmperf_result_free -- release a result and everything it owns. NULL is
 * accepted and ignored. Added in 0.1.
 */
LLMPERF_API void llmperf_result_free(llmperf_result *r);

/*
 * llmperf_result_field_name -- the lower-case name of a field id, e.g.
 * "ttft_ns" for LLMPERF_RESULT_TTFT_NS.
 *
 * Returns a static string, or NULL for an id this build does not know.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API const char *llmperf_result_field_name(int field);

/*
 * llmperf_result_field_from_name -- the field id of a name given by
 * llmperf_result_field_name() (exact, case-sensitive match).
 *
 * Returns LLMPERF_OK and sets *out; LLMPERF_ENOTFOUND for an unknown
 * name; LLMPERF_EINVAL when out or name is NULL. Thread-safe.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_result_field_from_name(int *out, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_RESULT_H */
