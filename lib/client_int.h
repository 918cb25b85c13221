/* SPDX-License-Identifier: MIT */
/*
 * client_int.h -- one request as a unit that any curl driver can run:
 * llmperf_client_stream() runs one on a private multi handle; a runner
 * can put many on one shared multi handle with the same functions:
 *
 *   llmperf__request_init(&req, client, easy, prompt, ...);  configure
 *   llmperf__request_mark_sent(&req);  curl_multi_add_handle(m, easy);
 *   ... drive the multi handle; between waits call
 *   llmperf__request_check_idle(&req, now) and wait at most
 *   llmperf__request_wait_ms(&req, now) ...
 *   curl_multi_remove_handle(m, easy);
 *   llmperf__request_finish(&req, result_code_from_CURLMSG_DONE);
 *   r = llmperf__request_take_result(&req);
 *   llmperf__request_cleanup(&req);
 *
 * The request must stay at one address from init to cleanup: curl and the
 * decoder hold pointers to it. One easy handle serves one request at a
 * time.
 */
#ifndef LLMPERF_CLIENT_INT_H
#define LLMPERF_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "backend.h"
#include "llmperf/client.h"

/* Bytes of an HTTP error body kept for the message. */
#define LLMPERF__ERRBODY_MAX (64 * 1024)

struct llmperf_client {
    llmperf_config *cfg;       /* own copy */
    const llmperf__backend *be;
    char *url;                 /* BASE_URL + PATH, as given */
    char *display_url;         /* the same without "user:pass@" */
    char *userinfo;            /* "user:pass" from the URL, or NULL */
    CURLM *multi;              /* keeps the connection cache */
    CURL *easy;                /* reused request after request */
    char errmsg[1024];
};

typedef struct llmperf__request {
    llmperf_client *client;    /* borrowed */
    CURL *easy;                /* borrowed */
    struct curl_slist *headers;
    char *body;
    size_t body_len;
    llmperf__decoder dec;
    llmperf_result *result;
    llmperf_token_cb on_token;
    void *userdata;
    int keep_text;
    char request_id[64];
    char curl_err[CURL_ERROR_SIZE];
    char *errbody;             /* captured non-2xx body */
    size_t errbody_len;
    long http_status;          /* 0 until the head arrived */
    int64_t sent_ns;
    int64_t first_byte_ns;     /* 0: nothing received yet */
    int64_t last_byte_ns;      /* last body byte (0: none) */
    int64_t last_activity_ns;  /* last byte of head or body, or sent */
    int64_t now_ns;            /* arrival time of the bytes being parsed */
    int64_t idle_ns;           /* 0: no idle timeout */
    uint64_t bytes;
    uint32_t n_chunks;
    long new_conns;            /* connections opened (no easy handle) */
    int status;                /* first local failure (sticky) */
    int idle_expired;
    int aborted;               /* the token callback said stop */
} llmperf__request;

/*
 * Prepare req and configure easy (curl_easy_reset first: it keeps live
 * connections). easy may be NULL for a transport of the caller's own,
 * which then feeds bytes through llmperf__request_on_head_bytes() and
 * llmperf__request_on_body(), sets http_status when the head is parsed,
 * new_conns, and curl_err with a CURLcode-like description of a transport
 * failure for llmperf__request_finish(). max_tokens < 0: the config's.
 * Returns LLMPERF_OK, LLMPERF_EINVAL or LLMPERF_ENOMEM; on failure req
 * holds nothing.
 */
int llmperf__request_init(llmperf__request *req, llmperf_client *client,
                          CURL *easy, const char *prompt, int64_t max_tokens,
                          llmperf_token_cb on_token, void *userdata);

/*
 * llmperf__request_init() for a dataset item (the runner): prefix (NULL
 * or "": none) goes before the prompt; messages (NULL: none) is a JSON
 * array of chat messages that the chat backends send instead of the
 * single user message built from the prompt (the configured system
 * prompt and any "messages" in EXTRA_JSON are then replaced), with prefix
 * before the first message's content. Other backends send prefix +
 * prompt. EINVAL also for messages that are not a non-empty JSON array.
 */
int llmperf__request_init_item(llmperf__request *req,
                               llmperf_client *client, CURL *easy,
                               const char *prefix, const char *prompt,
                               const char *messages, int64_t max_tokens,
                               llmperf_token_cb on_token, void *userdata);

/* Bytes of the response head arrived at now (first ones: TTFB). */
void llmperf__request_on_head_bytes(llmperf__request *req, int64_t now);

/* Body bytes (de-chunked) arrived at now: error body or stream decoder.
 * Returns LLMPERF_OK, or the request's failure (sticky in req->status):
 * the transport then ends the transfer. */
int llmperf__request_on_body(llmperf__request *req, const char *data,
                             size_t len, int64_t now);

/* Stamp SENT_NS: call just before handing easy to the multi handle. */
void llmperf__request_mark_sent(llmperf__request *req);

/* 1 (and the request marked ETIMEOUT) when no byte arrived for the idle
 * timeout, or when the request already failed locally; the driver then
 * removes the handle and finishes with CURLE_OPERATION_TIMEDOUT. */
int llmperf__request_check_idle(llmperf__request *req, int64_t now);

/* How long a driver may wait before checking the idle deadline (ms,
 * at most max_ms). */
int llmperf__request_wait_ms(const llmperf__request *req, int64_t now,
                             int max_ms);

/*
 * Classify the outcome (cc: the transfer's CURLcode), fill the result
 * and the client's errmsg. Returns the request's status.
 */
int llmperf__request_finish(llmperf__request *req, CURLcode cc);

/* Hand the result over (the request no longer owns it). */
llmperf_result *llmperf__request_take_result(llmperf__request *req);

/* Release everything the request holds (not the easy handle). */
void llmperf__request_cleanup(llmperf__request *req);

/* Status to its error class ("" for LLMPERF_OK). */
const char *llmperf__error_class(int status);

#endif /* LLMPERF_CLIENT_INT_H */
