/* SPDX-License-Identifier: MIT */
/*
 * llmperf/client.h -- one streamed request to an LLM inference server,
 * timed chunk by chunk: backends, the configuration, the client and the
 * token callback.
 *
 * Use: make a config for a backend, set options, make a client from it
 * (the client copies the config), then call llmperf_client_stream() once
 * per prompt. Each call returns an llmperf_result (llmperf/result.h).
 * docs/client.md has the option table, the error classes and the exact
 * definition of every metric.
 *
 * Thread rule: any number of configs and clients may be used at once,
 * but one handle only by one thread at a time. The library starts no
 * threads; the token callback runs on the thread that called
 * llmperf_client_stream(). Call llmperf_global_init() first in a
 * multi-threaded program (see llmperf/common.h).
 */
#ifndef LLMPERF_CLIENT_H
#define LLMPERF_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/common.h"
#include "llmperf/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Backends: the wire protocol spoken and the default endpoint path. The
 * numbers are ABI. vLLM, SGLang and llama.cpp's OpenAI-compatible server
 * use LLMPERF_BACKEND_OPENAI or LLMPERF_BACKEND_OPENAI_CHAT.
 */
enum {
    LLMPERF_BACKEND_OLLAMA = 1,      /* POST /api/generate, NDJSON        */
    LLMPERF_BACKEND_OLLAMA_CHAT = 2, /* POST /api/chat, NDJSON            */
    LLMPERF_BACKEND_OPENAI = 3,      /* POST /v1/completions, SSE         */
    LLMPERF_BACKEND_OPENAI_CHAT = 4, /* POST /v1/chat/completions, SSE    */
    LLMPERF_BACKEND_LLAMACPP = 5,    /* POST /completion, SSE (llama.cpp) */
    LLMPERF_BACKEND_TGI = 6          /* POST /generate_stream, SSE (TGI)  */
};

/*
 * llmperf_backend_from_name -- the backend id for a name: "ollama",
 * "ollama-chat", "openai", "openai-chat", "llamacpp" or "tgi" (exact,
 * lower case). Server names such as "vllm" are deliberately not accepted:
 * vLLM serves both OpenAI endpoints and the caller must choose one.
 *
 * Returns LLMPERF_OK and sets *out; LLMPERF_ENOTFOUND for another name;
 * LLMPERF_EINVAL when out or name is NULL. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_backend_from_name(int *out, const char *name);

/*
 * llmperf_backend_name -- the name of a backend id (the inverse of
 * llmperf_backend_from_name()). Returns a static string, or NULL for an
 * unknown id. Thread-safe. Added in 0.1.
 */
LLMPERF_API const char *llmperf_backend_name(int backend);

/* Configuration of a client (opaque). */
typedef struct llmperf_config llmperf_config;

/* Base of each option-id range: the range encodes the setter to use. */
#define LLMPERF_OPTKIND_INT 0       /* ids 1..999: llmperf_config_set_int    */
#define LLMPERF_OPTKIND_DOUBLE 1000 /* ids 1001..1999: ..._set_double        */
#define LLMPERF_OPTKIND_STR 2000    /* ids 2001..2999: llmperf_config_set_str */

/*
 * Option ids. The numbers are ABI: a new option takes the next free
 * number of its range. "All" means every backend uses the option; an
 * option a backend cannot honour is refused with LLMPERF_ENOTSUP when a
 * non-default value is set (never silently ignored), except where noted.
 */
typedef enum llmperf_opt {
    /* Maximum tokens to generate. Default 128; 0 sends no limit (the
     * server's default applies). All backends, under the server's name:
     * Ollama options.num_predict, OpenAI max_tokens (also for chat:
     * vLLM, SGLang and llama.cpp accept it), llama.cpp n_predict, TGI
     * parameters.max_new_tokens. Overridable per call. < 0: EINVAL. */
    LLMPERF_OPT_MAX_TOKENS = LLMPERF_OPTKIND_INT + 1,
    /* Sampling seed; -1 (default) sends none. All backends. */
    LLMPERF_OPT_SEED = LLMPERF_OPTKIND_INT + 2,
    /* 1: keep generating past the end-of-sequence token, so every
     * request produces MAX_TOKENS tokens. Default 0. OpenAI backends and
     * llama.cpp send "ignore_eos": true (vLLM, SGLang, llama.cpp honour
     * it). Ollama and TGI have no such parameter: ENOTSUP. */
    LLMPERF_OPT_IGNORE_EOS = LLMPERF_OPTKIND_INT + 3,
    /* Minimum tokens to generate; 0 (default) sends none. OpenAI
     * backends send "min_tokens" (vLLM, SGLang). Others: ENOTSUP. */
    LLMPERF_OPT_MIN_TOKENS = LLMPERF_OPTKIND_INT + 4,
    /* Connect timeout in ms (TCP and TLS). Default 10000; 0 = libcurl's
     * default (300 s). Expiry: LLMPERF_ETIMEOUT. */
    LLMPERF_OPT_CONNECT_TIMEOUT_MS = LLMPERF_OPTKIND_INT + 5,
    /* Longest gap without receiving a byte, in ms, measured from sending
     * and then from each received byte; checked with ms precision.
     * Default 300000 (5 min, room for long queues); 0 = none. Expiry:
     * LLMPERF_ETIMEOUT with the partial result. */
    LLMPERF_OPT_IDLE_TIMEOUT_MS = LLMPERF_OPTKIND_INT + 6,
    /* Limit on the whole request in ms. Default 0 = none. */
    LLMPERF_OPT_TOTAL_TIMEOUT_MS = LLMPERF_OPTKIND_INT + 7,
    /* 1 (default): verify the server's TLS certificate and host name;
     * 0: do not (self-signed test servers). */
    LLMPERF_OPT_TLS_VERIFY = LLMPERF_OPTKIND_INT + 8,
    /* 1 (default): OpenAI backends ask for token counts with
     * "stream_options": {"include_usage": true}; 0 omits it (for servers
     * that reject it; counts then fall back to chunks). Other backends
     * always report counts and accept either value. */
    LLMPERF_OPT_INCLUDE_USAGE = LLMPERF_OPTKIND_INT + 9,
    /* 1: keep the generated text in the result (LLMPERF_RESULT_TEXT,
     * LLMPERF_RESULT_REASONING_TEXT). Default 0, to save memory. */
    LLMPERF_OPT_KEEP_TEXT = LLMPERF_OPTKIND_INT + 10,
    /* 1 (default): ask for a streamed response. 0: one JSON response
     * (TGI then uses /generate); its only content chunk arrives with the
     * last byte, so TTFT equals the response time. */
    LLMPERF_OPT_STREAM = LLMPERF_OPTKIND_INT + 11,
    /* Hard cap in bytes on one SSE line or event, or one NDJSON line;
     * beyond it the request fails with LLMPERF_ETOOBIG. Default 1048576;
     * range 64..1073741824. A non-streamed body may be 16 times this. */
    LLMPERF_OPT_MAX_EVENT_BYTES = LLMPERF_OPTKIND_INT + 12,

    /* Sampling temperature >= 0; a negative value (the default, -1)
     * sends none. All backends (TGI: a value of 0 is sent as greedy
     * decoding, i.e. no temperature and "do_sample": false). */
    LLMPERF_OPT_TEMPERATURE = LLMPERF_OPTKIND_DOUBLE + 1,
    /* Nucleus sampling top_p in (0, 1]; a negative value (the default)
     * sends none. All backends. */
    LLMPERF_OPT_TOP_P = LLMPERF_OPTKIND_DOUBLE + 2,

    /* Server URL "http[s]://[user:pass@]host[:port][/prefix]". Default
     * per backend: Ollama http://127.0.0.1:11434, OpenAI
     * http://127.0.0.1:8000, llama.cpp http://127.0.0.1:8080, TGI
     * http://127.0.0.1:3000. A trailing "/" is dropped. Credentials in
     * it are used, never echoed in messages. Another scheme: EINVAL. */
    LLMPERF_OPT_BASE_URL = LLMPERF_OPTKIND_STR + 1,
    /* Endpoint path appended to BASE_URL, starting with "/". Default:
     * the backend's (see the backend enum). */
    LLMPERF_OPT_PATH = LLMPERF_OPTKIND_STR + 2,
    /* Model name sent as "model". Default none (omitted: llama.cpp and
     * TGI serve one model; Ollama and vLLM reject a request without it).
     * TGI never sends it. */
    LLMPERF_OPT_MODEL = LLMPERF_OPTKIND_STR + 3,
    /* Sent as "Authorization: Bearer <key>". Never written to a result,
     * an error message or any output. Default none. */
    LLMPERF_OPT_API_KEY = LLMPERF_OPTKIND_STR + 4,
    /* Add one stop string (each call adds one; NULL removes all). Sent
     * as a JSON array: "stop" (OpenAI, llama.cpp), options.stop
     * (Ollama), parameters.stop (TGI). "": EINVAL. */
    LLMPERF_OPT_STOP = LLMPERF_OPTKIND_STR + 5,
    /* System prompt. Chat backends send it as a first "system" message,
     * Ollama /api/generate as "system"; the raw-completion backends
     * (openai, llamacpp, tgi) prepend it to the prompt followed by a
     * blank line ("\n\n"). Default none. */
    LLMPERF_OPT_SYSTEM_PROMPT = LLMPERF_OPTKIND_STR + 6,
    /* Add one request header "Name: value" (each call adds one; NULL
     * removes all added headers). A header named like one the library
     * sets (Content-Type, X-Request-Id ...) replaces it. A string without
     * ':', an empty name, or a CR or LF anywhere: EINVAL. */
    LLMPERF_OPT_HEADER = LLMPERF_OPTKIND_STR + 7,
    /* A JSON object merged into every request body last, overriding:
     * objects merge key by key (recursively), any other value replaces
     * the body's, and a null value deletes the key. E.g.
     * {"options":{"num_ctx":4096}} for Ollama. Each call replaces the
     * previous object; NULL removes it. Not a JSON object: EINVAL. */
    LLMPERF_OPT_EXTRA_JSON = LLMPERF_OPTKIND_STR + 8
    /* new options: next free number in the right range, nothing else */
} llmperf_opt;

/*
 * llmperf_config_new -- a configuration for backend (an
 * LLMPERF_BACKEND_* value) with every option at its default.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL out or an unknown backend;
 * LLMPERF_ENOMEM. On failure *out is NULL. Free with
 * llmperf_config_free(). Added in 0.1.
 */
LLMPERF_API int llmperf_config_new(llmperf_config **out, int backend);

/*
 * llmperf_config_set_int -- set an integer option (ids 1..999).
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL cfg, an unknown id, an id
 * of another type, or a value out of range; LLMPERF_ENOTSUP when the
 * backend cannot honour the value. The config is unchanged on failure.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_config_set_int(llmperf_config *cfg, int opt,
                                       int64_t value);

/*
 * llmperf_config_set_double -- set a floating-point option (ids
 * 1001..1999). NaN and infinities are LLMPERF_EINVAL; otherwise the same
 * returns as llmperf_config_set_int(). Added in 0.1.
 */
LLMPERF_API int llmperf_config_set_double(llmperf_config *cfg, int opt,
                                          double value);

/*
 * llmperf_config_set_str -- set a string option (ids 2001..2999).
 *
 * value is copied: the caller may reuse its buffer at once. NULL restores
 * the option's default (for STOP and HEADER: removes every added value).
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL cfg, an unknown id, an id
 * of another type or an invalid value; LLMPERF_ENOMEM. The config is
 * unchanged on failure. Added in 0.1.
 */
LLMPERF_API int llmperf_config_set_str(llmperf_config *cfg, int opt,
                                       const char *value);

/*
 * llmperf_config_free -- release a configuration. NULL is accepted and
 * ignored. Clients made from it are not affected. Added in 0.1.
 */
LLMPERF_API void llmperf_config_free(llmperf_config *cfg);

/* A connection to one server endpoint, reused across requests (opaque). */
typedef struct llmperf_client llmperf_client;

/*
 * llmperf_client_new -- make a client from cfg; the client keeps its own
 * copy, so cfg may be changed or freed at once.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL argument; LLMPERF_ENOMEM;
 * LLMPERF_ERR if libcurl could not make its handles. On failure *out is
 * NULL. Free with llmperf_client_free(). Added in 0.1.
 */
LLMPERF_API int llmperf_client_new(llmperf_client **out,
                                   const llmperf_config *cfg);

/*
 * llmperf_client_free -- close the client's connections and release it.
 * NULL is accepted and ignored. Results it returned stay valid.
 * Added in 0.1.
 */
LLMPERF_API void llmperf_client_free(llmperf_client *client);

/*
 * llmperf_client_errmsg -- detail on the last failure of this client:
 * the HTTP status and the message extracted from the server's error
 * body, libcurl's error text, the parse error. "" after a success.
 *
 * Owned by the client, valid until the next call on it; never NULL
 * (a NULL client gives ""). Never holds the API key or URL credentials.
 * Added in 0.1.
 */
LLMPERF_API const char *llmperf_client_errmsg(const llmperf_client *client);

/*
 * llmperf_client_url -- the endpoint URL requests go to (BASE_URL +
 * PATH), with any "user:password@" removed: safe to print or store.
 * Owned by the client; never NULL (a NULL client gives "").
 * Added in 0.1.
 */
LLMPERF_API const char *llmperf_client_url(const llmperf_client *client);

/*
 * llmperf_client_backend -- the client's backend id, or 0 for a NULL
 * client. Added in 0.1.
 */
LLMPERF_API int llmperf_client_backend(const llmperf_client *client);

/*
 * One piece of streamed output, handed to the token callback. This is the
 * library's one public struct: it begins with struct_size (what this
 * build fills in) and only ever grows at the end. Check
 * struct_size >= offsetof(field) + sizeof(field) before reading a field
 * added after 0.1.
 */
typedef struct llmperf_token {
    uint32_t struct_size; /* sizeof(llmperf_token) of the library       */
    uint32_t index;       /* 0-based content chunk of this response;
                             reasoning and content pieces of the same
                             chunk share an index                        */
    int64_t t_ns;         /* llmperf_now_ns() when the chunk's bytes
                             arrived                                     */
    const char *text;     /* borrowed, valid only during the call; not
                             NUL-terminated; bytes as received            */
    size_t text_len;      /* bytes in text (> 0)                          */
    int32_t is_reasoning; /* 1: reasoning ("thinking") text, 0: content   */
    int32_t tokens;       /* tokens in this chunk, -1 when unknown        */
} llmperf_token;

/*
 * llmperf_token_size -- sizeof(llmperf_token) in this build, for bindings
 * that lay the struct out themselves. Added in 0.1.
 */
LLMPERF_API size_t llmperf_token_size(void);

/*
 * Token callback: called once per piece of a content chunk, in order, on
 * the caller's thread (reasoning before content when one chunk has both).
 * Return 0 to go on; any other value ends the request, which then returns
 * LLMPERF_EABORTED with a partial result. It must not call into the same
 * client. Never called if the request fails before its response starts.
 */
typedef int (*llmperf_token_cb)(const llmperf_token *tok, void *userdata);

/*
 * llmperf_client_stream -- send prompt and stream the reply, timing each
 * chunk.
 *
 * max_tokens < 0 uses LLMPERF_OPT_MAX_TOKENS; 0 sends no limit; > 0
 * overrides it for this call. on_token may be NULL.
 *
 * *result is set whenever the request was attempted, also when it failed
 * or was aborted (partial timings, chunks and the failure are kept; read
 * LLMPERF_RESULT_STATUS and _ERROR); free it with llmperf_result_free().
 * It is NULL only when the call fails before sending: LLMPERF_EINVAL (a
 * NULL argument) or LLMPERF_ENOMEM.
 *
 * Returns LLMPERF_OK, or the request's failure: LLMPERF_ECONNECT,
 * LLMPERF_ETIMEOUT, LLMPERF_EHTTP (non-2xx status), LLMPERF_ESERVER (an
 * error inside a 200 stream), LLMPERF_EPROTOCOL (invalid JSON, bad
 * framing, empty or truncated stream), LLMPERF_ETOOBIG (an event beyond
 * LLMPERF_OPT_MAX_EVENT_BYTES), LLMPERF_EABORTED, LLMPERF_ETRANSPORT,
 * LLMPERF_ENOMEM. llmperf_client_errmsg() then holds the detail.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_client_stream(llmperf_result **result,
                                      llmperf_client *client,
                                      const char *prompt, int64_t max_tokens,
                                      llmperf_token_cb on_token,
                                      void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_CLIENT_H */
