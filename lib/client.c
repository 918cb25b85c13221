/* SPDX-License-Identifier: MIT */
/*
 * client.c -- one request end to end on libcurl: configure an easy
 * handle, timestamp bytes as they arrive, feed them to the backend's
 * decoder, enforce the idle timeout with millisecond precision, classify
 * the outcome and fill the result.
 *
 * Timing rule: the clock is read once per curl write callback, and every
 * event parsed from that buffer gets that arrival time; SENT_NS is read
 * just before the handle goes to the multi handle. llmperf_client_stream()
 * drives a private multi handle (kept with the easy handle so keep-alive
 * connections are reused) and wakes up for the idle deadline itself,
 * because libcurl's low-speed limit only has one-second granularity.
 */
#include "client_int.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"
#include "llmperf/version.h"
#include "result_int.h"

/* ---- request ids -------------------------------------------------------- */

static pthread_once_t id_once = PTHREAD_ONCE_INIT;
static char id_prefix[17];
static atomic_uint_fast64_t id_counter;

/* splitmix64: spreads a weak seed over all 64 bits. */
static uint64_t mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static void init_id_prefix(void)
{
    uint64_t seed = 0;
    int fd = open("/dev/urandom", O_RDONLY);

    /* Random per process, so ids from several harness processes against
     * one server do not collide; the clock and pid are the fallback. */
    if (fd < 0 || read(fd, &seed, sizeof(seed)) != (ssize_t)sizeof(seed))
        seed = (uint64_t)llmperf_now_ns() ^ ((uint64_t)getpid() << 32);
    if (fd >= 0)
        close(fd);
    snprintf(id_prefix, sizeof(id_prefix), "%016" PRIx64, mix64(seed));
}

/* getpid() is a system call (~1 µs on a VM) once per request: cached,
 * and reset in a forked child. */
static atomic_int id_pid;

static void reset_pid(void)
{
    atomic_store(&id_pid, 0);
}

static void init_ids(void)
{
    init_id_prefix();
    pthread_atfork(NULL, NULL, reset_pid);
}

static void next_request_id(char *buf, size_t size)
{
    uint64_t n;
    int pid;

    pthread_once(&id_once, init_ids);
    n = atomic_fetch_add(&id_counter, 1) + 1;
    pid = atomic_load(&id_pid);
    if (pid == 0) {
        pid = (int)getpid();
        atomic_store(&id_pid, pid);
    }
    /* The pid keeps forked children apart (they inherit the prefix). */
    snprintf(buf, size, "llmperf-%s-%x-%" PRIu64, id_prefix, (unsigned)pid,
             n);
}

/* ---- messages ----------------------------------------------------------- */

/* Overwrite every occurrence of secret in msg with '*'. */
static void redact(char *msg, const char *secret)
{
    size_t n;
    char *p;

    if (secret == NULL || (n = strlen(secret)) == 0)
        return;
    while ((p = strstr(msg, secret)) != NULL)
        memset(p, '*', n);
}

const char *llmperf__error_class(int status)
{
    switch (status) {
    case LLMPERF_OK:
        return "";
    case LLMPERF_ECONNECT:
        return "connect";
    case LLMPERF_ETIMEOUT:
        return "timeout";
    case LLMPERF_EHTTP:
        return "http";
    case LLMPERF_ESERVER:
        return "server";
    case LLMPERF_EPROTOCOL:
    case LLMPERF_ETOOBIG:
        return "protocol";
    case LLMPERF_EABORTED:
        return "aborted";
    case LLMPERF_ETRANSPORT:
        return "transport";
    default:
        return "internal"; /* ENOMEM and anything unexpected */
    }
}

static int map_curl(CURLcode cc)
{
    switch (cc) {
    case CURLE_OK:
        return LLMPERF_OK;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return LLMPERF_ECONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return LLMPERF_ETIMEOUT;
    case CURLE_UNSUPPORTED_PROTOCOL: /* only http(s) is allowed: this is an
                                        HTTP/0.9 (non-HTTP) reply */
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return LLMPERF_EPROTOCOL;
    case CURLE_ABORTED_BY_CALLBACK:
        return LLMPERF_EABORTED;
    case CURLE_OUT_OF_MEMORY:
        return LLMPERF_ENOMEM;
    default:
        return LLMPERF_ETRANSPORT;
    }
}

/* Split "scheme://user:pass@host..." into a URL safe to show and the
 * secret part. */
static int split_userinfo(llmperf_client *c)
{
    const char *s = c->url, *auth = strstr(s, "://"), *end, *at = NULL;
    size_t pre;

    auth = auth != NULL ? auth + 3 : s;
    end = auth + strcspn(auth, "/?#");
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at == NULL) {
        c->display_url = llmperf__strdup(s);
        return c->display_url != NULL ? LLMPERF_OK : LLMPERF_ENOMEM;
    }
    pre = (size_t)(auth - s);
    c->userinfo = llmperf__strndup(auth, (size_t)(at - auth));
    c->display_url = llmperf__malloc(strlen(s) + 1);
    if (c->userinfo == NULL || c->display_url == NULL)
        return LLMPERF_ENOMEM;
    memcpy(c->display_url, s, pre);
    strcpy(c->display_url + pre, at + 1);
    return LLMPERF_OK;
}

/* ---- curl callbacks ----------------------------------------------------- */

static int on_chunk(const llmperf__chunk *c, void *userdata)
{
    llmperf__request *req = userdata;
    llmperf_token tok;
    int rc;

    rc = llmperf__result_add_chunk(req->result, req->now_ns, c->tokens);
    if (rc == LLMPERF_OK && req->keep_text && c->text_len > 0)
        rc = llmperf__result_append_str(req->result, LLMPERF_RESULT_TEXT,
                                        c->text, c->text_len);
    if (rc == LLMPERF_OK && req->keep_text && c->reasoning_len > 0)
        rc = llmperf__result_append_str(req->result,
                                        LLMPERF_RESULT_REASONING_TEXT,
                                        c->reasoning, c->reasoning_len);
    if (rc != LLMPERF_OK)
        return rc;
    if (req->on_token != NULL) {
        memset(&tok, 0, sizeof(tok));
        tok.struct_size = (uint32_t)sizeof(tok);
        tok.index = req->n_chunks;
        tok.t_ns = req->now_ns;
        tok.tokens = c->tokens;
        if (c->reasoning_len > 0) {
            tok.text = c->reasoning;
            tok.text_len = c->reasoning_len;
            tok.is_reasoning = 1;
            if (req->on_token(&tok, req->userdata) != 0)
                goto abort;
        }
        if (c->text_len > 0) {
            tok.text = c->text;
            tok.text_len = c->text_len;
            tok.is_reasoning = 0;
            if (req->on_token(&tok, req->userdata) != 0)
                goto abort;
        }
    }
    req->n_chunks++;
    return LLMPERF_OK;
abort:
    req->n_chunks++;
    req->aborted = 1;
    return LLMPERF_EABORTED;
}

static int is_2xx(long code)
{
    return code >= 200 && code < 300;
}

int llmperf__request_on_body(llmperf__request *req, const char *ptr,
                             size_t len, int64_t now)
{
    int rc;

    req->now_ns = req->last_byte_ns = req->last_activity_ns = now;
    req->bytes += len;
    if (req->status != LLMPERF_OK)
        return req->status; /* already failed: stop the transfer */
    if (req->http_status == 0 && req->easy != NULL)
        curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE,
                          &req->http_status);
    if (!is_2xx(req->http_status)) {
        /* Keep the start of an error body for its message; read the rest
         * so the connection stays reusable. */
        size_t room = LLMPERF__ERRBODY_MAX - req->errbody_len;
        size_t take = len < room ? len : room;
        char *grown;

        if (take == 0)
            return LLMPERF_OK;
        grown = llmperf__realloc(req->errbody, req->errbody_len + take + 1);
        if (grown == NULL) {
            req->status = LLMPERF_ENOMEM;
            return req->status;
        }
        memcpy(grown + req->errbody_len, ptr, take);
        req->errbody = grown;
        req->errbody_len += take;
        grown[req->errbody_len] = '\0';
        return LLMPERF_OK;
    }
    rc = llmperf__decoder_feed(&req->dec, ptr, len);
    if (rc != LLMPERF_OK)
        req->status = rc;
    return rc;
}

void llmperf__request_on_head_bytes(llmperf__request *req, int64_t now)
{
    if (req->first_byte_ns == 0)
        req->first_byte_ns = now;
    req->last_activity_ns = now;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    size_t len = size * nmemb;

    /* A non-zero status makes curl end the transfer (CURLE_WRITE_ERROR);
     * the request's own status then says why. */
    if (llmperf__request_on_body(userdata, ptr, len, llmperf_now_ns()) !=
        LLMPERF_OK)
        return 0;
    return len;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    llmperf__request_on_head_bytes(userdata, llmperf_now_ns());
    return size * nmemb;
}

/* A second guard for drivers that rely on curl's own waits (a runner);
 * llmperf_client_stream() checks the deadline itself as well. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return llmperf__request_check_idle(userdata, llmperf_now_ns());
}

/* ---- request ------------------------------------------------------------ */

int llmperf__request_check_idle(llmperf__request *req, int64_t now)
{
    if (req->status != LLMPERF_OK)
        return 1;
    if (req->idle_ns > 0 && now - req->last_activity_ns > req->idle_ns) {
        req->status = LLMPERF_ETIMEOUT;
        req->idle_expired = 1;
        return 1;
    }
    return 0;
}

int llmperf__request_wait_ms(const llmperf__request *req, int64_t now,
                             int max_ms)
{
    int64_t left;

    if (req->idle_ns <= 0)
        return max_ms;
    left = req->last_activity_ns + req->idle_ns - now;
    if (left <= 0)
        return 0;
    /* Round up so we wake just after, not just before, the deadline. */
    left = (left + 999999) / 1000000;
    return left < max_ms ? (int)left : max_ms;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *h,
                                     int *ok)
{
    struct curl_slist *n;

    if (!*ok)
        return list;
    n = curl_slist_append(list, h);
    if (n == NULL) {
        *ok = 0;
        return list;
    }
    return n;
}

/* Whether the user added a header of this name (it then replaces ours). */
static int user_has(const llmperf_config *cfg, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < cfg->n_headers; i++)
        if (strncasecmp(cfg->headers[i], name, n) == 0 &&
            cfg->headers[i][n] == ':')
            return 1;
    return 0;
}

/* Add our header "Name: value" unless the user set that name. */
static struct curl_slist *add_ours(struct curl_slist *list,
                                   const llmperf_config *cfg,
                                   const char *name, const char *value,
                                   int *ok)
{
    char line[256];

    if (user_has(cfg, name))
        return list;
    snprintf(line, sizeof(line), "%s: %s", name, value);
    return add_header(list, line, ok);
}

static int build_headers(llmperf__request *req)
{
    const llmperf_config *cfg = req->client->cfg;
    struct curl_slist *h = NULL;
    char *auth = NULL;
    int ok = 1;

    h = add_ours(h, cfg, "Content-Type", "application/json", &ok);
    h = add_ours(h, cfg, "Accept",
                 cfg->backend == LLMPERF_BACKEND_OLLAMA ||
                         cfg->backend == LLMPERF_BACKEND_OLLAMA_CHAT
                     ? "application/x-ndjson, application/json"
                     : "text/event-stream, application/json",
                 &ok);
    /* No "Expect: 100-continue" for long prompts: it costs a round trip
     * (or a 1 s wait) before the body goes out. An empty value tells
     * curl not to send the header at all. */
    if (!user_has(cfg, "Expect"))
        h = add_header(h, "Expect:", &ok);
    h = add_ours(h, cfg, "X-Request-Id", req->request_id, &ok);
    if (cfg->api_key != NULL && !user_has(cfg, "Authorization")) {
        size_t n = strlen(cfg->api_key) + sizeof("Authorization: Bearer ");

        auth = llmperf__malloc(n);
        if (auth == NULL)
            ok = 0;
        else
            snprintf(auth, n, "Authorization: Bearer %s", cfg->api_key);
        h = add_header(h, auth, &ok);
        if (auth != NULL) {
            memset(auth, 0, n); /* do not leave the key in freed memory */
            llmperf__free(auth);
        }
    }
    /* User headers, which replace ours of the same name (skipped above)
     * and curl's own (curl skips its default when the list has one). */
    for (size_t i = 0; i < cfg->n_headers; i++)
        h = add_header(h, cfg->headers[i], &ok);
    req->headers = h;
    return ok ? LLMPERF_OK : LLMPERF_ENOMEM;
}

static int configure_easy(llmperf__request *req)
{
    const llmperf_config *cfg = req->client->cfg;
    CURL *e = req->easy;
    int ok = 1;

#define SET(opt, val) \
    (ok = ok && curl_easy_setopt(e, opt, val) == CURLE_OK)
    SET(CURLOPT_URL, req->client->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDS, req->body);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    SET(CURLOPT_HTTPHEADER, req->headers);
    SET(CURLOPT_USERAGENT, "libllmperf/" LLMPERF_VERSION_STRING);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, req);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, req);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, req);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_ERRORBUFFER, req->curl_err);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TCP_NODELAY, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, (long)cfg->total_timeout_ms);
    SET(CURLOPT_SSL_VERIFYPEER, cfg->tls_verify ? 1L : 0L);
    SET(CURLOPT_SSL_VERIFYHOST, cfg->tls_verify ? 2L : 0L);
#undef SET
    return ok ? LLMPERF_OK : LLMPERF_ENOMEM;
}

static int is_chat(int backend)
{
    return backend == LLMPERF_BACKEND_OLLAMA_CHAT ||
           backend == LLMPERF_BACKEND_OPENAI_CHAT;
}

/* Put a dataset item's conversation in place of the body's "messages"
 * (the built body is reparsed: only items with messages pay for it),
 * with prefix before the first message's content. */
static int put_messages(llmperf__request *req, const char *messages,
                        const char *prefix)
{
    json_object *body = json_tokener_parse(req->body);
    json_object *arr = json_tokener_parse(messages), *first, *c;
    const char *text;
    char *joined = NULL;
    size_t n = 0, plen = prefix != NULL ? strlen(prefix) : 0, clen;
    int rc = LLMPERF_EINVAL;

    if (body == NULL) {
        rc = LLMPERF_ENOMEM; /* our own JSON: only memory can fail */
        goto out;
    }
    if (!json_object_is_type(arr, json_type_array) ||
        json_object_array_length(arr) == 0)
        goto out;
    first = json_object_array_get_idx(arr, 0);
    if (plen > 0 && json_object_object_get_ex(first, "content", &c) &&
        json_object_is_type(c, json_type_string)) {
        clen = (size_t)json_object_get_string_len(c);
        rc = LLMPERF_ENOMEM;
        joined = llmperf__malloc(plen + clen + 1);
        if (joined == NULL)
            goto out;
        memcpy(joined, prefix, plen);
        memcpy(joined + plen, json_object_get_string(c), clen + 1);
        if (json_object_object_add(first, "content",
                                   json_object_new_string_len(
                                       joined, (int)(plen + clen))) != 0)
            goto out;
    }
    rc = LLMPERF_ENOMEM;
    if (json_object_object_add(body, "messages", arr) != 0)
        goto out;
    arr = NULL; /* body owns it now */
    text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (text == NULL)
        goto out;
    llmperf__free(req->body);
    req->body = llmperf__strndup(text, n);
    req->body_len = req->body != NULL ? n : 0;
    rc = req->body != NULL ? LLMPERF_OK : LLMPERF_ENOMEM;
out:
    llmperf__free(joined);
    json_object_put(arr);
    json_object_put(body);
    return rc;
}

/* The body for a prompt, or for an item's conversation on a chat
 * backend; prefix (cache busting) goes before the text sent first. */
static int item_body(llmperf__request *req, const llmperf_config *cfg,
                     const char *prefix, const char *prompt,
                     const char *messages, int64_t max_tokens)
{
    int use_msgs = messages != NULL && is_chat(cfg->backend);
    size_t plen = prefix != NULL ? strlen(prefix) : 0, n;
    char *joined = NULL;
    int rc;

    if (plen > 0 && !use_msgs) {
        n = strlen(prompt);
        joined = llmperf__malloc(plen + n + 1);
        if (joined == NULL)
            return LLMPERF_ENOMEM;
        memcpy(joined, prefix, plen);
        memcpy(joined + plen, prompt, n + 1);
        prompt = joined;
    }
    rc = llmperf__build_body(&req->body, &req->body_len, cfg, prompt,
                             max_tokens);
    if (rc == LLMPERF_OK && use_msgs)
        rc = put_messages(req, messages, prefix);
    llmperf__free(joined);
    return rc;
}

int llmperf__request_init(llmperf__request *req, llmperf_client *client,
                          CURL *easy, const char *prompt, int64_t max_tokens,
                          llmperf_token_cb on_token, void *userdata)
{
    return llmperf__request_init_item(req, client, easy, NULL, prompt, NULL,
                                      max_tokens, on_token, userdata);
}

int llmperf__request_init_item(llmperf__request *req,
                               llmperf_client *client, CURL *easy,
                               const char *prefix, const char *prompt,
                               const char *messages, int64_t max_tokens,
                               llmperf_token_cb on_token, void *userdata)
{
    const llmperf_config *cfg;
    const char *name;
    int rc;

    memset(req, 0, sizeof(*req));
    if (client == NULL || prompt == NULL)
        return LLMPERF_EINVAL;
    cfg = client->cfg;
    req->client = client;
    req->easy = easy;
    req->on_token = on_token;
    req->userdata = userdata;
    req->keep_text = cfg->keep_text != 0;
    req->idle_ns = cfg->idle_timeout_ms * INT64_C(1000000);
    next_request_id(req->request_id, sizeof(req->request_id));
    rc = llmperf__result_new(&req->result);
    if (rc != LLMPERF_OK)
        goto out;
    name = client->be->name;
    rc = llmperf__result_set_str(req->result, LLMPERF_RESULT_REQUEST_ID,
                                 req->request_id, strlen(req->request_id));
    if (rc == LLMPERF_OK)
        rc = llmperf__result_set_str(req->result, LLMPERF_RESULT_BACKEND,
                                     name, strlen(name));
    if (rc == LLMPERF_OK) {
        /* The timeline's room for the expected chunks now, not by
         * doubling mid-stream: many streams in lockstep would all grow
         * (and fault in fresh pages) in the same instant, while their
         * bytes wait unstamped. Capped: a generous max_tokens must not
         * cost memory up front. */
        int64_t want = max_tokens >= 0 ? max_tokens : cfg->max_tokens;

        if (want > 0)
            rc = llmperf__result_reserve_chunks(
                req->result, (size_t)(want < 1024 ? want : 1024) + 1);
    }
    if (rc == LLMPERF_OK)
        rc = item_body(req, cfg, prefix, prompt, messages, max_tokens);
    if (rc == LLMPERF_OK)
        rc = llmperf__decoder_init(&req->dec, cfg->backend, cfg->stream != 0,
                                   (size_t)cfg->max_event_bytes, on_chunk,
                                   req);
    if (rc == LLMPERF_OK)
        rc = build_headers(req);
    if (rc == LLMPERF_OK && easy != NULL) {
        curl_easy_reset(easy); /* keeps live connections and caches */
        rc = configure_easy(req);
    }
out:
    if (rc != LLMPERF_OK)
        llmperf__request_cleanup(req);
    return rc;
}

void llmperf__request_mark_sent(llmperf__request *req)
{
    req->sent_ns = req->last_activity_ns = llmperf_now_ns();
}

/* Message for a failed request, written into buf. */
static void describe(llmperf__request *req, int status, CURLcode cc,
                     char *buf, size_t size)
{
    const char *detail = req->dec.info.error;
    const char *cerr = req->curl_err[0] ? req->curl_err
                                        : curl_easy_strerror(cc);
    char *body_msg = NULL;

    if (status == LLMPERF_EHTTP) {
        if (llmperf__error_message(&body_msg, req->errbody,
                                   req->errbody_len) == LLMPERF_OK &&
            body_msg[0] != '\0')
            snprintf(buf, size, "HTTP %ld: %s", req->http_status, body_msg);
        else
            snprintf(buf, size, "HTTP %ld", req->http_status);
        llmperf__free(body_msg);
    } else if (req->idle_expired) {
        snprintf(buf, size, "no data received for %" PRId64
                 " ms (idle timeout)", req->idle_ns / 1000000);
    } else if (req->aborted) {
        snprintf(buf, size, "aborted by the token callback");
    } else if (status == LLMPERF_ESERVER) {
        snprintf(buf, size, "server error in stream: %s",
                 detail != NULL ? detail : "");
    } else if (req->status != LLMPERF_OK || cc == CURLE_OK) {
        /* The decoder's own failure (parse, size, truncation). */
        snprintf(buf, size, "%s",
                 detail != NULL ? detail : llmperf_strerror(status));
    } else if (status == LLMPERF_ECONNECT) {
        snprintf(buf, size, "could not connect to %s: %s",
                 req->client->display_url, cerr);
    } else if (cc == CURLE_PARTIAL_FILE) {
        snprintf(buf, size, "stream ended before completion: %s", cerr);
    } else if (status == LLMPERF_EPROTOCOL) {
        snprintf(buf, size, "invalid HTTP response: %s", cerr);
    } else {
        snprintf(buf, size, "%s", cerr);
    }
}

static void put_info(llmperf_result *r, int field, int64_t v)
{
    if (v >= 0)
        llmperf__result_set_i64(r, field, v);
}

int llmperf__request_finish(llmperf__request *req, CURLcode cc)
{
    llmperf__stream_info *in = &req->dec.info;
    llmperf_result *r = req->result;
    const llmperf_config *cfg = req->client->cfg;
    const char *cls, *model;
    long conns = 0;
    int64_t end = llmperf_now_ns();
    int status, rc = LLMPERF_OK;
    char msg[1024] = "";

    if (req->easy == NULL) {
        /* another transport (the runner's own HTTP/1.1) filled these */
        llmperf__result_set_i64(r, LLMPERF_RESULT_NEW_CONNECTIONS,
                                req->new_conns);
    } else {
        if (req->http_status == 0)
            curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE,
                              &req->http_status);
        if (curl_easy_getinfo(req->easy, CURLINFO_NUM_CONNECTS, &conns) ==
            CURLE_OK)
            llmperf__result_set_i64(r, LLMPERF_RESULT_NEW_CONNECTIONS,
                                    conns);
    }
    /* Precedence: a non-2xx status says most; then our own verdict
     * (abort, idle timeout, decode failure); then curl's; and only a
     * transfer that ended cleanly is checked for a complete stream. */
    if (req->http_status != 0 && !is_2xx(req->http_status)) {
        status = LLMPERF_EHTTP;
    } else if (req->status != LLMPERF_OK) {
        status = req->status;
    } else if (cc != CURLE_OK) {
        status = map_curl(cc);
    } else {
        /* A non-streamed answer's one chunk arrived with its last byte. */
        req->now_ns = req->last_byte_ns ? req->last_byte_ns : end;
        status = llmperf__decoder_finish(&req->dec);
        if (status != LLMPERF_OK)
            req->status = status;
    }
    if (status == LLMPERF_OK && req->last_byte_ns != 0)
        end = req->last_byte_ns;
    if (status != LLMPERF_OK)
        describe(req, status, cc, msg, sizeof(msg));
    redact(msg, cfg->api_key);
    redact(msg, req->client->userinfo);

    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, req->sent_ns);
    llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS, end - req->sent_ns);
    if (req->first_byte_ns != 0)
        llmperf__result_set_i64(r, LLMPERF_RESULT_TTFB_NS,
                                req->first_byte_ns - req->sent_ns);
    if (req->http_status != 0)
        llmperf__result_set_i64(r, LLMPERF_RESULT_HTTP_STATUS,
                                req->http_status);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, status);
    llmperf__result_set_i64(r, LLMPERF_RESULT_BYTES_RECEIVED,
                            (int64_t)req->bytes);
    put_info(r, LLMPERF_RESULT_PROMPT_TOKENS, in->prompt_tokens);
    put_info(r, LLMPERF_RESULT_SERVER_LOAD_NS, in->server_load_ns);
    put_info(r, LLMPERF_RESULT_SERVER_PROMPT_NS, in->server_prompt_ns);
    put_info(r, LLMPERF_RESULT_SERVER_DECODE_NS, in->server_decode_ns);
    put_info(r, LLMPERF_RESULT_SERVER_TOTAL_NS, in->server_total_ns);
    put_info(r, LLMPERF_RESULT_SERVER_PROMPT_TOKENS,
             in->server_prompt_tokens);
    put_info(r, LLMPERF_RESULT_SERVER_OUTPUT_TOKENS,
             in->server_output_tokens);
    put_info(r, LLMPERF_RESULT_SERVER_CACHED_TOKENS,
             in->server_cached_tokens);
    cls = llmperf__error_class(status);
    model = in->model != NULL ? in->model : cfg->model;
    if (llmperf__result_set_str(r, LLMPERF_RESULT_ERROR_CLASS, cls,
                                strlen(cls)) ||
        llmperf__result_set_str(r, LLMPERF_RESULT_ERROR, msg, strlen(msg)) ||
        (in->finish_reason != NULL &&
         llmperf__result_set_str(r, LLMPERF_RESULT_FINISH_REASON,
                                 in->finish_reason,
                                 strlen(in->finish_reason))) ||
        (model != NULL && llmperf__result_set_str(r, LLMPERF_RESULT_MODEL,
                                                  model, strlen(model))) ||
        llmperf__result_derive(r, in->output_tokens))
        rc = LLMPERF_ENOMEM;
    if (rc != LLMPERF_OK && status == LLMPERF_OK) {
        /* The measurement is incomplete: say so rather than pass it. */
        status = rc;
        llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, status);
        snprintf(msg, sizeof(msg), "out of memory while filling the result");
    }
    snprintf(req->client->errmsg, sizeof(req->client->errmsg), "%s", msg);
    return status;
}

llmperf_result *llmperf__request_take_result(llmperf__request *req)
{
    llmperf_result *r = req->result;

    req->result = NULL;
    return r;
}

void llmperf__request_cleanup(llmperf__request *req)
{
    if (req->easy != NULL && req->headers != NULL)
        curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(req->headers);
    req->headers = NULL;
    llmperf__free(req->body);
    req->body = NULL;
    llmperf__free(req->errbody);
    req->errbody = NULL;
    llmperf__decoder_free(&req->dec);
    llmperf_result_free(req->result);
    req->result = NULL;
}

/* ---- client ------------------------------------------------------------- */

LLMPERF_API int llmperf_client_new(llmperf_client **out,
                                   const llmperf_config *cfg)
{
    llmperf_client *c = NULL;
    const char *base, *path;
    size_t nb, np;
    int rc;

    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (cfg == NULL)
        return LLMPERF_EINVAL;
    c = llmperf__calloc(1, sizeof(*c));
    if (c == NULL)
        return LLMPERF_ENOMEM;
    rc = llmperf__config_copy(&c->cfg, cfg);
    if (rc != LLMPERF_OK)
        goto out;
    c->be = llmperf__backend_get(cfg->backend);
    base = llmperf__config_base_url(c->cfg);
    path = llmperf__config_path(c->cfg);
    nb = strlen(base);
    np = strlen(path);
    rc = LLMPERF_ENOMEM;
    c->url = llmperf__malloc(nb + np + 1);
    if (c->url == NULL)
        goto out;
    memcpy(c->url, base, nb);
    memcpy(c->url + nb, path, np + 1);
    rc = split_userinfo(c);
    if (rc != LLMPERF_OK)
        goto out;
    rc = LLMPERF_ERR;
    c->multi = curl_multi_init();
    c->easy = curl_easy_init();
    if (c->multi == NULL || c->easy == NULL)
        goto out;
    *out = c;
    c = NULL;
    rc = LLMPERF_OK;
out:
    llmperf_client_free(c);
    return rc;
}

LLMPERF_API void llmperf_client_free(llmperf_client *client)
{
    if (client == NULL)
        return;
    if (client->easy != NULL)
        curl_easy_cleanup(client->easy);
    if (client->multi != NULL)
        curl_multi_cleanup(client->multi);
    llmperf_config_free(client->cfg);
    llmperf__free(client->url);
    llmperf__free(client->display_url);
    llmperf__free(client->userinfo);
    llmperf__free(client);
}

LLMPERF_API const char *llmperf_client_errmsg(const llmperf_client *client)
{
    return client != NULL ? client->errmsg : "";
}

LLMPERF_API const char *llmperf_client_url(const llmperf_client *client)
{
    return client != NULL ? client->display_url : "";
}

LLMPERF_API int llmperf_client_backend(const llmperf_client *client)
{
    return client != NULL ? client->cfg->backend : 0;
}

LLMPERF_API size_t llmperf_token_size(void)
{
    return sizeof(llmperf_token);
}

/* Run one request on the client's own multi handle until it ends. */
static CURLcode drive(llmperf_client *c, llmperf__request *req)
{
    CURLcode cc = CURLE_OK;
    CURLMsg *m;
    int running, left, done = 0;

    if (curl_multi_add_handle(c->multi, c->easy) != CURLM_OK)
        return CURLE_OUT_OF_MEMORY;
    while (!done) {
        int64_t now;

        if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
            cc = CURLE_OUT_OF_MEMORY;
            break;
        }
        while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
            if (m->msg == CURLMSG_DONE && m->easy_handle == c->easy) {
                cc = m->data.result;
                done = 1;
            }
        }
        if (done)
            break;
        if (running == 0) {
            cc = CURLE_RECV_ERROR; /* cannot happen without a DONE message */
            break;
        }
        now = llmperf_now_ns();
        if (llmperf__request_check_idle(req, now)) {
            cc = CURLE_OPERATION_TIMEDOUT;
            break;
        }
        if (curl_multi_poll(c->multi, NULL, 0,
                            llmperf__request_wait_ms(req, now, 1000),
                            NULL) != CURLM_OK) {
            cc = CURLE_OUT_OF_MEMORY;
            break;
        }
    }
    curl_multi_remove_handle(c->multi, c->easy);
    return cc;
}

LLMPERF_API int llmperf_client_stream(llmperf_result **result,
                                      llmperf_client *client,
                                      const char *prompt, int64_t max_tokens,
                                      llmperf_token_cb on_token,
                                      void *userdata)
{
    llmperf__request req;
    CURLcode cc;
    int rc;

    if (result == NULL)
        return LLMPERF_EINVAL;
    *result = NULL;
    if (client == NULL || prompt == NULL)
        return LLMPERF_EINVAL;
    rc = llmperf__request_init(&req, client, client->easy, prompt,
                               max_tokens, on_token, userdata);
    if (rc != LLMPERF_OK) {
        snprintf(client->errmsg, sizeof(client->errmsg),
                 "could not prepare the request: %s", llmperf_strerror(rc));
        return rc;
    }
    llmperf__request_mark_sent(&req);
    cc = drive(client, &req);
    rc = llmperf__request_finish(&req, cc);
    *result = llmperf__request_take_result(&req);
    llmperf__request_cleanup(&req);
    return rc;
}
