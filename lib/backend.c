/* SPDX-License-Identifier: MIT */
/*
 * backend.c -- what the backends share: the backend table, building a
 * request body (the backend's keys, then EXTRA_JSON merged in), the
 * message inside any server's error body, and the stream decoder that
 * runs SSE or NDJSON framing, the JSON parser and one backend's decode().
 */
#include "backend.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Cap on the excerpt of a non-JSON error body or a bad event we quote. */
#define EXCERPT_MAX 160

static const llmperf__backend *const backends[] = {
    &llmperf__backend_ollama,   &llmperf__backend_ollama_chat,
    &llmperf__backend_openai,   &llmperf__backend_openai_chat,
    &llmperf__backend_llamacpp, &llmperf__backend_tgi,
};

const llmperf__backend *llmperf__backend_get(int id)
{
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(backends); i++)
        if (backends[i]->id == id)
            return backends[i];
    return NULL;
}

LLMPERF_API int llmperf_backend_from_name(int *out, const char *name)
{
    if (out == NULL || name == NULL)
        return LLMPERF_EINVAL;
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(backends); i++) {
        if (strcmp(backends[i]->name, name) == 0) {
            *out = backends[i]->id;
            return LLMPERF_OK;
        }
    }
    return LLMPERF_ENOTFOUND;
}

LLMPERF_API const char *llmperf_backend_name(int backend)
{
    const llmperf__backend *be = llmperf__backend_get(backend);

    return be != NULL ? be->name : NULL;
}

/* ---- JSON helpers ----------------------------------------------------- */

int llmperf__set_owned(char **dst, const char *s, size_t len)
{
    char *copy = llmperf__strndup(s, len);

    if (copy == NULL)
        return LLMPERF_ENOMEM;
    llmperf__free(*dst);
    *dst = copy;
    return LLMPERF_OK;
}

int llmperf__json_put(json_object *obj, const char *key, json_object *value)
{
    if (value == NULL)
        return LLMPERF_ENOMEM;
    if (json_object_object_add(obj, key, value) != 0) {
        json_object_put(value); /* json-c leaves it to us on failure */
        return LLMPERF_ENOMEM;
    }
    return LLMPERF_OK;
}

int64_t llmperf__json_i64(json_object *obj, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(obj, key, &v))
        return -1;
    if (json_object_is_type(v, json_type_int))
        return json_object_get_int64(v);
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);

        if (isfinite(d) && d >= 0 && d < 9.2e18)
            return (int64_t)d;
    }
    return -1;
}

/* Milliseconds (llama.cpp reports doubles such as 1.331) to ns. */
static int64_t json_ms_to_ns(json_object *obj, const char *key)
{
    json_object *v;
    double ms;

    if (!json_object_object_get_ex(obj, key, &v) ||
        !(json_object_is_type(v, json_type_double) ||
          json_object_is_type(v, json_type_int)))
        return -1;
    ms = json_object_get_double(v);
    if (!isfinite(ms) || ms < 0 || ms > 9.2e12)
        return -1;
    return (int64_t)(ms * 1e6 + 0.5);
}

const char *llmperf__json_str(json_object *obj, const char *key, size_t *len)
{
    json_object *v;

    if (!json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    if (len != NULL)
        *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

int llmperf__json_put_stops(json_object *obj, const llmperf_config *cfg)
{
    json_object *arr;
    int rc;

    if (cfg->n_stops == 0)
        return LLMPERF_OK;
    arr = json_object_new_array();
    rc = llmperf__json_put(obj, "stop", arr);
    for (size_t i = 0; rc == LLMPERF_OK && i < cfg->n_stops; i++) {
        json_object *s = json_object_new_string(cfg->stops[i]);

        if (s == NULL || json_object_array_add(arr, s) != 0) {
            json_object_put(s);
            rc = LLMPERF_ENOMEM;
        }
    }
    return rc;
}

int llmperf__json_put_sampling(json_object *obj, const llmperf_config *cfg)
{
    int rc = LLMPERF_OK;

    if (cfg->temperature >= 0)
        rc = llmperf__json_put(obj, "temperature",
                               json_object_new_double(cfg->temperature));
    if (rc == LLMPERF_OK && cfg->top_p > 0)
        rc = llmperf__json_put(obj, "top_p",
                               json_object_new_double(cfg->top_p));
    if (rc == LLMPERF_OK && cfg->seed >= 0)
        rc = llmperf__json_put(obj, "seed",
                               json_object_new_int64(cfg->seed));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put_stops(obj, cfg);
    return rc;
}

json_object *llmperf__json_prompt_with_system(const llmperf_config *cfg,
                                              const char *prompt)
{
    json_object *s;
    size_t a, b;
    char *joined;

    if (cfg->system_prompt == NULL)
        return json_object_new_string(prompt);
    a = strlen(cfg->system_prompt);
    b = strlen(prompt);
    joined = llmperf__malloc(a + 2 + b + 1);
    if (joined == NULL)
        return NULL;
    memcpy(joined, cfg->system_prompt, a);
    memcpy(joined + a, "\n\n", 2);
    memcpy(joined + a + 2, prompt, b + 1);
    s = json_object_new_string_len(joined, (int)(a + 2 + b));
    llmperf__free(joined);
    return s;
}

static int add_message(json_object *arr, const char *role, const char *text)
{
    json_object *m = json_object_new_object();
    int rc;

    if (m == NULL)
        return LLMPERF_ENOMEM;
    if (json_object_array_add(arr, m) != 0) {
        json_object_put(m);
        return LLMPERF_ENOMEM;
    }
    rc = llmperf__json_put(m, "role", json_object_new_string(role));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(m, "content", json_object_new_string(text));
    return rc;
}

json_object *llmperf__json_chat_messages(const llmperf_config *cfg,
                                         const char *prompt)
{
    json_object *arr = json_object_new_array();
    int rc = LLMPERF_OK;

    if (arr == NULL)
        return NULL;
    if (cfg->system_prompt != NULL)
        rc = add_message(arr, "system", cfg->system_prompt);
    if (rc == LLMPERF_OK)
        rc = add_message(arr, "user", prompt);
    if (rc != LLMPERF_OK) {
        json_object_put(arr);
        return NULL;
    }
    return arr;
}

/* EXTRA_JSON semantics: objects merge key by key, null deletes, anything
 * else replaces (docs/client.md). */
static int merge(json_object *dst, json_object *src)
{
    json_object_object_foreach(src, key, val) {
        json_object *cur, *copy = NULL;
        int rc;

        if (val == NULL) {
            json_object_object_del(dst, key);
            continue;
        }
        if (json_object_is_type(val, json_type_object) &&
            json_object_object_get_ex(dst, key, &cur) &&
            json_object_is_type(cur, json_type_object)) {
            rc = merge(cur, val);
        } else if (json_object_deep_copy(val, &copy, NULL) != 0) {
            rc = LLMPERF_ENOMEM;
        } else {
            rc = llmperf__json_put(dst, key, copy);
        }
        if (rc != LLMPERF_OK)
            return rc;
    }
    return LLMPERF_OK;
}

int llmperf__build_body(char **out, size_t *len, const llmperf_config *cfg,
                        const char *prompt, int64_t max_tokens)
{
    const llmperf__backend *be;
    json_object *body = NULL;
    const char *text;
    size_t n = 0;
    int rc;

    if (out == NULL || len == NULL || cfg == NULL || prompt == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    *len = 0;
    be = llmperf__backend_get(cfg->backend);
    if (be == NULL)
        return LLMPERF_EINVAL;
    if (max_tokens < 0)
        max_tokens = cfg->max_tokens;
    body = json_object_new_object();
    if (body == NULL)
        return LLMPERF_ENOMEM;
    rc = be->build(body, cfg, prompt, max_tokens);
    if (rc == LLMPERF_OK && cfg->extra != NULL)
        rc = merge(body, cfg->extra);
    if (rc != LLMPERF_OK)
        goto out;
    text = json_object_to_json_string_length(
        body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (text == NULL) {
        rc = LLMPERF_ENOMEM;
        goto out;
    }
    *out = llmperf__strndup(text, n);
    if (*out == NULL) {
        rc = LLMPERF_ENOMEM;
        goto out;
    }
    *len = n;
out:
    json_object_put(body);
    return rc;
}

/* ---- error bodies ------------------------------------------------------ */

const char *llmperf__json_error_text(json_object *obj)
{
    json_object *e, *first;
    const char *s;

    if (!json_object_is_type(obj, json_type_object))
        return NULL;
    if (json_object_object_get_ex(obj, "error", &e)) {
        /* Ollama, TGI: a string. OpenAI, vLLM, llama.cpp: an object. */
        if (json_object_is_type(e, json_type_string))
            return json_object_get_string(e);
        if (json_object_is_type(e, json_type_object) &&
            (s = llmperf__json_str(e, "message", NULL)) != NULL)
            return s;
    }
    /* vLLM's older {"object":"error","message":...}; FastAPI's
     * {"detail":"..."} or {"detail":[{"msg":...}]} validation errors. */
    if ((s = llmperf__json_str(obj, "message", NULL)) != NULL)
        return s;
    if ((s = llmperf__json_str(obj, "detail", NULL)) != NULL)
        return s;
    if (json_object_object_get_ex(obj, "detail", &e) &&
        json_object_is_type(e, json_type_array) &&
        json_object_array_length(e) > 0 &&
        (first = json_object_array_get_idx(e, 0)) != NULL &&
        (s = llmperf__json_str(first, "msg", NULL)) != NULL)
        return s;
    return NULL;
}

/* A printable, single-line excerpt of arbitrary bytes. */
static char *excerpt(const char *buf, size_t len)
{
    size_t n = len < EXCERPT_MAX ? len : EXCERPT_MAX;
    char *s = llmperf__strndup(buf, n);

    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            s[i] = ' ';
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

int llmperf__error_message(char **out, const char *body, size_t len)
{
    json_tokener *tok = NULL;
    json_object *obj = NULL;
    const char *msg;
    int rc = LLMPERF_OK;

    *out = NULL;
    if (len > 0 && len < (size_t)INT32_MAX) {
        tok = json_tokener_new();
        if (tok == NULL)
            return LLMPERF_ENOMEM;
        obj = json_tokener_parse_ex(tok, body, (int)len);
    }
    msg = obj != NULL ? llmperf__json_error_text(obj) : NULL;
    *out = msg != NULL ? llmperf__strdup(msg) : excerpt(body, len);
    if (*out == NULL)
        rc = LLMPERF_ENOMEM;
    json_object_put(obj);
    if (tok != NULL)
        json_tokener_free(tok); /* json-c 0.16 crashes on NULL */
    return rc;
}

/* ---- decoder ----------------------------------------------------------- */

void llmperf__decode_llamacpp_timings(llmperf__decoder *d,
                                      json_object *t)
{
    int64_t v;

    if (!json_object_is_type(t, json_type_object))
        return;
    if ((v = llmperf__json_i64(t, "prompt_n")) >= 0)
        d->info.server_prompt_tokens = v;
    if ((v = json_ms_to_ns(t, "prompt_ms")) >= 0)
        d->info.server_prompt_ns = v;
    if ((v = llmperf__json_i64(t, "predicted_n")) >= 0)
        d->info.server_output_tokens = v;
    if ((v = json_ms_to_ns(t, "predicted_ms")) >= 0)
        d->info.server_decode_ns = v;
    /* OpenAI usage's cached_tokens, when present, is preferred. */
    if (d->info.server_cached_tokens < 0 &&
        (v = llmperf__json_i64(t, "cache_n")) >= 0)
        d->info.server_cached_tokens = v;
}

int llmperf__decoder_server_error(llmperf__decoder *d, const char *msg)
{
    if (msg == NULL || *msg == '\0')
        msg = "error without a message";
    if (llmperf__set_owned(&d->info.error, msg, strlen(msg)))
        return LLMPERF_ENOMEM;
    return LLMPERF_ESERVER;
}

/* Record a failure with a detail message; returns status. A failure to
 * store the message does not hide the status. */
static int fail(llmperf__decoder *d, int status, const char *what,
                const char *data, size_t len)
{
    char *ex = data != NULL ? excerpt(data, len) : NULL;
    size_t n = strlen(what) + (ex != NULL ? strlen(ex) + 3 : 0) + 1;
    char *msg = llmperf__malloc(n);

    if (msg != NULL) {
        if (ex != NULL)
            snprintf(msg, n, "%s: %s", what, ex);
        else
            snprintf(msg, n, "%s", what);
        llmperf__free(d->info.error);
        d->info.error = msg;
    }
    llmperf__free(ex);
    d->status = status;
    return status;
}

int llmperf__fast_i64(const llmperf__jspan *v, int64_t *out)
{
    int64_t x = 0;
    size_t i = 0;
    int neg = 0;

    if (v->type != LLMPERF__J_NUM)
        return 0;
    if (v->p[0] == '-') {
        neg = 1;
        i = 1;
    }
    for (; i < v->n; i++) {
        if (v->p[i] < '0' || v->p[i] > '9')
            return 0;
        x = x * 10 + (v->p[i] - '0'); /* at most 18 digits: no overflow */
    }
    *out = neg ? -x : x;
    return 1;
}

/* The backend's fast decoder, when it has one and handles this event:
 * LLMPERF__FAST_NO otherwise. */
static int try_fast(llmperf__decoder *d, const char *data, size_t len,
                    llmperf__chunk *c)
{
    llmperf__jspan root;

    if (d->be->fast == NULL || d->no_fast ||
        !llmperf__jfast_parse(data, len, &root) ||
        root.type != LLMPERF__J_OBJ)
        return LLMPERF__FAST_NO;
    if (d->scratch_cap < len) {
        char *g = llmperf__realloc(d->scratch, len);

        if (g == NULL)
            return LLMPERF__FAST_NO; /* json-c reports the memory */
        d->scratch = g;
        d->scratch_cap = len;
    }
    memset(c, 0, sizeof(*c));
    c->tokens = -1;
    return d->be->fast(d, &root, d->scratch, c);
}

/* One event's JSON text through the backend; then the chunk callback. */
static int handle_json(llmperf__decoder *d, const char *data, size_t len)
{
    llmperf__chunk c;
    json_object *obj;
    size_t end;
    int rc;

    if (len > (size_t)INT32_MAX)
        return fail(d, LLMPERF_ETOOBIG, "event too large", NULL, 0);
    rc = try_fast(d, data, len, &c);
    if (rc != LLMPERF__FAST_NO) {
        d->events++;
        d->fast_events++;
        if (rc == LLMPERF_OK && (c.text_len > 0 || c.reasoning_len > 0) &&
            d->cb != NULL)
            rc = d->cb(&c, d->userdata);
        if (rc != LLMPERF_OK)
            d->status = rc;
        return rc;
    }
    if (d->tok == NULL) {
        d->tok = json_tokener_new();
        if (d->tok == NULL)
            return fail(d, LLMPERF_ENOMEM, "out of memory", NULL, 0);
        json_tokener_set_flags(d->tok, JSON_TOKENER_STRICT);
    }
    json_tokener_reset(d->tok);
    obj = json_tokener_parse_ex(d->tok, data, (int)len);
    end = json_tokener_get_parse_end(d->tok);
    while (obj != NULL && end < len && strchr(" \t\r\n", data[end]) != NULL)
        end++;
    if (obj == NULL ||
        json_tokener_get_error(d->tok) != json_tokener_success ||
        end != len) {
        json_object_put(obj);
        if (len == 0)
            return fail(d, LLMPERF_EPROTOCOL, "empty response body", NULL,
                        0);
        return fail(d, LLMPERF_EPROTOCOL, "invalid JSON in response", data,
                    len);
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return fail(d, LLMPERF_EPROTOCOL, "response event is not a JSON object",
                    data, len);
    }
    memset(&c, 0, sizeof(c));
    c.tokens = -1;
    d->events++;
    rc = d->be->decode(d, obj, &c);
    if (rc == LLMPERF_OK && (c.text_len > 0 || c.reasoning_len > 0) &&
        d->cb != NULL)
        rc = d->cb(&c, d->userdata);
    json_object_put(obj);
    if (rc != LLMPERF_OK)
        d->status = rc;
    return rc;
}

static int on_sse(const llmperf__sse_event *ev, void *userdata)
{
    llmperf__decoder *d = userdata;
    const char *s = ev->data;
    size_t n = ev->data_len;

    if (d->done)
        return LLMPERF_OK; /* nothing after the terminator counts */
    if (ev->event_len == 5 && memcmp(ev->event, "error", 5) == 0) {
        char *msg = NULL;
        int rc = llmperf__error_message(&msg, s, n);

        if (rc == LLMPERF_OK)
            rc = llmperf__decoder_server_error(d, msg);
        llmperf__free(msg);
        d->status = rc;
        return rc;
    }
    while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
        n--;
    if (n == 0)
        return LLMPERF_OK; /* an empty data field carries nothing */
    if (d->be->sentinel != NULL && n == strlen(d->be->sentinel) &&
        memcmp(s, d->be->sentinel, n) == 0) {
        d->done = 1;
        return LLMPERF_OK;
    }
    return handle_json(d, ev->data, ev->data_len);
}

static int on_line(const char *line, size_t len, void *userdata)
{
    llmperf__decoder *d = userdata;

    if (d->done)
        return LLMPERF_OK;
    return handle_json(d, line, len);
}

int llmperf__decoder_init(llmperf__decoder *d, int backend, int stream,
                          size_t max_event, llmperf__chunk_cb cb,
                          void *userdata)
{
    memset(d, 0, sizeof(*d));
    d->be = llmperf__backend_get(backend);
    if (d->be == NULL)
        return LLMPERF_EINVAL;
    d->stream = stream;
    if (max_event == 0)
        max_event = LLMPERF__SSE_DEFAULT_MAX;
    d->sse.max_line = d->sse.max_event = max_event;
    d->nd.max_line = max_event;
    /* A whole non-streamed answer is allowed to be much larger. */
    d->body_max = max_event > SIZE_MAX / 16 ? SIZE_MAX : max_event * 16;
    d->cb = cb;
    d->userdata = userdata;
    d->info.prompt_tokens = d->info.output_tokens = -1;
    d->info.server_load_ns = d->info.server_prompt_ns = -1;
    d->info.server_decode_ns = d->info.server_total_ns = -1;
    d->info.server_prompt_tokens = d->info.server_output_tokens = -1;
    d->info.server_cached_tokens = -1;
    /* json-c's tokener is made when an event first needs it: most
     * streams are decoded by the backends' fast() alone. */
    return LLMPERF_OK;
}

static int append_body(llmperf__decoder *d, const char *buf, size_t len)
{
    if (len > d->body_max - d->body_len)
        return fail(d, LLMPERF_ETOOBIG, "response body too large", NULL, 0);
    if (d->body_len + len + 1 > d->body_cap) {
        size_t cap = d->body_cap ? d->body_cap : 4096;
        char *grown;

        while (cap < d->body_len + len + 1)
            cap *= 2;
        grown = llmperf__realloc(d->body, cap);
        if (grown == NULL)
            return fail(d, LLMPERF_ENOMEM, "out of memory", NULL, 0);
        d->body = grown;
        d->body_cap = cap;
    }
    memcpy(d->body + d->body_len, buf, len);
    d->body_len += len;
    d->body[d->body_len] = '\0';
    return LLMPERF_OK;
}

static int framing_failed(llmperf__decoder *d, int rc)
{
    /* The callback path has already recorded its own failure. */
    if (d->status != LLMPERF_OK)
        return d->status;
    if (rc == LLMPERF_ETOOBIG)
        return fail(d, rc, "event larger than LLMPERF_OPT_MAX_EVENT_BYTES",
                    NULL, 0);
    if (rc == LLMPERF_ENOMEM)
        return fail(d, rc, "out of memory", NULL, 0);
    if (rc == LLMPERF_EPROTOCOL)
        return fail(d, rc, "stream ended before completion", NULL, 0);
    return fail(d, rc, "stream framing error", NULL, 0);
}

int llmperf__decoder_feed(llmperf__decoder *d, const char *buf, size_t len)
{
    int rc;

    if (d->status != LLMPERF_OK)
        return d->status;
    if (d->done || len == 0)
        return LLMPERF_OK;
    if (!d->stream)
        return append_body(d, buf, len);
    d->body_len += len; /* streamed: only counted (empty-body check) */
    if (d->be->framing == LLMPERF__FRAMING_SSE)
        rc = llmperf__sse_feed(&d->sse, buf, len, on_sse, d);
    else
        rc = llmperf__ndjson_feed(&d->nd, buf, len, on_line, d);
    return rc == LLMPERF_OK ? rc : framing_failed(d, rc);
}

int llmperf__decoder_finish(llmperf__decoder *d)
{
    int rc = LLMPERF_OK;

    if (d->status != LLMPERF_OK)
        return d->status;
    if (!d->stream) {
        rc = handle_json(d, d->body != NULL ? d->body : "", d->body_len);
        if (rc != LLMPERF_OK)
            return rc;
        d->done = 1; /* a whole response needs no terminator */
        return LLMPERF_OK;
    }
    if (!d->done) {
        if (d->be->framing == LLMPERF__FRAMING_SSE) {
            rc = llmperf__sse_finish(&d->sse);
        } else {
            /* An unterminated last line is still a line (servers may omit
             * the final newline); if it does not parse, the stream was
             * cut inside it, and that is what we report. */
            int partial = d->nd.len > 0;

            rc = llmperf__ndjson_finish(&d->nd, on_line, d);
            if (rc == LLMPERF_EPROTOCOL && partial && !d->done) {
                d->status = LLMPERF_OK;
                return fail(d, rc, "stream ended before completion", NULL,
                            0);
            }
        }
        if (rc != LLMPERF_OK)
            return framing_failed(d, rc);
    }
    if (d->done)
        return LLMPERF_OK;
    if (d->body_len == 0)
        return fail(d, LLMPERF_EPROTOCOL, "empty response body", NULL, 0);
    return fail(d, LLMPERF_EPROTOCOL, "stream ended before completion", NULL,
                0);
}

void llmperf__decoder_free(llmperf__decoder *d)
{
    llmperf__sse_reset(&d->sse);
    llmperf__ndjson_reset(&d->nd);
    llmperf__free(d->body);
    llmperf__free(d->scratch);
    if (d->tok != NULL)
        json_tokener_free(d->tok);
    llmperf__free(d->info.finish_reason);
    llmperf__free(d->info.model);
    llmperf__free(d->info.error);
    memset(d, 0, sizeof(*d));
}
