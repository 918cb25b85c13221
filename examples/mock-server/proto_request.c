/* SPDX-License-Identifier: MIT */
/*
 * proto_request.c -- reading requests of the four protocols: JSON body
 * validation with each server's error status and body, the parameters
 * that shape generation (max tokens, ignore_eos, min_tokens, seed,
 * stream options) and the prompt as the model sees it (chat messages
 * rendered with a ChatML template).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonout.h"
#include "stream.h"

/* ---- error bodies ------------------------------------------------------ */

static const char *openai_type(int status)
{
    switch (status) {
    case 400: return "BadRequestError";
    case 401: return "AuthenticationError";
    case 404: return "NotFoundError";
    case 429: return "RateLimitError";
    case 500: return "InternalServerError";
    case 503: return "ServiceUnavailableError";
    default: return "APIError";
    }
}

static const char *llamacpp_type(int status)
{
    switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 501: return "not_supported_error";
    case 429:
    case 503: return "unavailable_error";
    default: return "server_error";
    }
}

static const char *tgi_type(int status)
{
    switch (status) {
    case 400:
    case 422: return "validation";
    case 404: return "not_found";
    case 429:
    case 503: return "overloaded";
    default: return "generation";
    }
}

void proto_error_body(int proto, int status, const char *msg,
                      struct evbuffer *out)
{
    size_t n = strlen(msg);

    switch (proto) {
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        LIT(out, "{\"error\":{\"message\":");
        add_str(out, msg, n);
        evbuffer_add_printf(out,
                            ",\"type\":\"%s\",\"param\":null,\"code\":%d}}",
                            openai_type(status), status);
        break;
    case PROTO_LLAMACPP:
        evbuffer_add_printf(out, "{\"error\":{\"code\":%d,\"message\":",
                            status);
        add_str(out, msg, n);
        evbuffer_add_printf(out, ",\"type\":\"%s\"}}", llamacpp_type(status));
        break;
    case PROTO_TGI:
        LIT(out, "{\"error\":");
        add_str(out, msg, n);
        evbuffer_add_printf(out, ",\"error_type\":\"%s\"}", tgi_type(status));
        break;
    default: /* Ollama */
        LIT(out, "{\"error\":");
        add_str(out, msg, n);
        LIT(out, "}");
        break;
    }
}

/* ---- request parsing --------------------------------------------------- */

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

static int is_type(json_object *v, json_type t)
{
    return v && json_object_is_type(v, t);
}

/* Integer field: 0 absent or null, 1 found, -1 wrong type. */
static int get_int(json_object *o, const char *key, int64_t *out)
{
    json_object *v = get(o, key);

    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return 1;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);

        if (d == floor(d) && fabs(d) < 9e15) {
            *out = (int64_t)d;
            return 1;
        }
    }
    return -1;
}

static int get_bool(json_object *o, const char *key, int dflt)
{
    json_object *v = get(o, key);

    if (!v || json_object_is_type(v, json_type_null))
        return dflt;
    return json_object_get_boolean(v) ? 1 : 0;
}

static double get_double(json_object *o, const char *key, double dflt)
{
    json_object *v = get(o, key);

    if (is_type(v, json_type_double) || is_type(v, json_type_int))
        return json_object_get_double(v);
    return dflt;
}

static int model_known(struct mock *m, const char *name)
{
    int i;

    if (m->cfg.any_model)
        return 1;
    for (i = 0; i < m->cfg.n_models; i++)
        if (strcmp(m->cfg.models[i], name) == 0)
            return 1;
    return 0;
}

/* Growable text for the rendered prompt. */
struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;

        while (cap < b->n + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* ChatML, a template common to Qwen and many others: the markers count
 * one token each under the token rule. */
static void render_msg(struct sbuf *b, const char *role, const char *content,
                       size_t len)
{
    sb_str(b, "<|im_start|>");
    sb_str(b, role);
    sb_str(b, "\n");
    sb_add(b, content, len);
    sb_str(b, "<|im_end|>\n");
}

/* Text of an OpenAI message content: a string or an array of parts. */
static int content_text(json_object *c, struct sbuf *b)
{
    size_t i, n;

    if (!c || json_object_is_type(c, json_type_null))
        return 0;
    if (json_object_is_type(c, json_type_string)) {
        sb_add(b, json_object_get_string(c),
               (size_t)json_object_get_string_len(c));
        return 0;
    }
    if (!json_object_is_type(c, json_type_array))
        return -1;
    n = json_object_array_length(c);
    for (i = 0; i < n; i++) {
        json_object *part = json_object_array_get_idx(c, i);
        json_object *t = part ? get(part, "text") : NULL;

        if (is_type(t, json_type_string))
            sb_add(b, json_object_get_string(t),
                   (size_t)json_object_get_string_len(t));
    }
    return 0;
}

/* Render messages into b; returns 0, or -1 with *why. */
static int render_messages(json_object *msgs, struct sbuf *b,
                           const char **why)
{
    size_t i, n = json_object_array_length(msgs);

    for (i = 0; i < n; i++) {
        json_object *msg = json_object_array_get_idx(msgs, i);
        json_object *role = msg ? get(msg, "role") : NULL;
        struct sbuf content = {0};
        int bad;

        if (!is_type(msg, json_type_object) ||
            !is_type(role, json_type_string)) {
            *why = "each message needs a string 'role'";
            return -1;
        }
        bad = content_text(get(msg, "content"), &content);
        if (bad) {
            free(content.p);
            *why = "message 'content' must be a string or an array of parts";
            return -1;
        }
        render_msg(b, json_object_get_string(role),
                   content.p ? content.p : "", content.n);
        free(content.p);
    }
    sb_str(b, "<|im_start|>assistant\n");
    return 0;
}

static void set_model(struct mock_stream *s, const char *name)
{
    free(s->model);
    s->model = strdup(name);
}

/* Each parser below returns 0 or an HTTP status, with msg set. */

static int parse_ollama(struct mock_stream *s, json_object *root,
                        struct sbuf *b, const char **msg, char *mbuf,
                        size_t mcap)
{
    json_object *model = get(root, "model"), *opts = get(root, "options");
    int64_t v;

    if (!is_type(model, json_type_string) ||
        json_object_get_string_len(model) == 0) {
        *msg = "model is required";
        return 400;
    }
    set_model(s, json_object_get_string(model));
    if (!model_known(s->m, s->model)) {
        snprintf(mbuf, mcap,
                 "model \"%s\" not found, try pulling it first", s->model);
        *msg = mbuf;
        return 404;
    }
    s->streaming = get_bool(root, "stream", 1);
    if (is_type(opts, json_type_object)) {
        if (get_int(opts, "num_predict", &v) == 1 && v >= 0)
            s->max_tokens = v;
        if (get_int(opts, "seed", &v) == 1) {
            s->has_seed = 1;
            s->seed = (uint64_t)v;
        }
        s->temperature = get_double(opts, "temperature", s->temperature);
    }
    if (s->proto == PROTO_OLLAMA_GENERATE) {
        json_object *p = get(root, "prompt"), *sys = get(root, "system");

        if (!p) {
            *msg = "prompt is required";
            return 400;
        }
        if (!is_type(p, json_type_string)) {
            *msg = "json: cannot unmarshal prompt into Go struct field "
                   "GenerateRequest.prompt of type string";
            return 400;
        }
        if (json_object_get_string_len(p) == 0) {
            s->load_only = 1; /* Ollama: an empty prompt loads the model */
            return 0;
        }
        if (get_bool(root, "raw", 0)) {
            sb_add(b, json_object_get_string(p),
                   (size_t)json_object_get_string_len(p));
        } else {
            if (is_type(sys, json_type_string))
                render_msg(b, "system", json_object_get_string(sys),
                           (size_t)json_object_get_string_len(sys));
            render_msg(b, "user", json_object_get_string(p),
                       (size_t)json_object_get_string_len(p));
            sb_str(b, "<|im_start|>assistant\n");
        }
    } else {
        json_object *msgs = get(root, "messages");

        if (!is_type(msgs, json_type_array)) {
            *msg = "messages is required";
            return 400;
        }
        if (json_object_array_length(msgs) == 0) {
            s->load_only = 1;
            return 0;
        }
        if (render_messages(msgs, b, msg) != 0)
            return 400;
    }
    return 0;
}

static int parse_openai(struct mock_stream *s, json_object *root,
                        struct sbuf *b, const char **msg, char *mbuf,
                        size_t mcap)
{
    json_object *model = get(root, "model"), *so = get(root, "stream_options");
    int64_t v;
    int r;

    if (model && !is_type(model, json_type_string)) {
        *msg = "'model' must be a string";
        return 400;
    }
    set_model(s, model ? json_object_get_string(model)
                       : s->m->cfg.models[0]);
    if (!model_known(s->m, s->model)) {
        snprintf(mbuf, mcap, "The model `%s` does not exist.", s->model);
        *msg = mbuf;
        return 404;
    }
    s->streaming = get_bool(root, "stream", 0);
    if (is_type(so, json_type_object))
        s->include_usage = get_bool(so, "include_usage", 0);
    if (get_int(root, "n", &v) == 1 && v != 1) {
        *msg = "llmperf-mock supports only n = 1";
        return 400;
    }
    /* vLLM: completions default to 16 tokens (the legacy OpenAI
     * default); chat to whatever the context leaves. */
    if (s->proto == PROTO_OPENAI_COMPLETIONS)
        s->max_tokens = 16;
    r = get_int(root, "max_tokens", &v);
    if (r == 0 && s->proto == PROTO_OPENAI_CHAT)
        r = get_int(root, "max_completion_tokens", &v);
    if (r < 0 || (r == 1 && v < 1)) {
        *msg = "max_tokens must be at least 1";
        return 400;
    }
    if (r == 1)
        s->max_tokens = v;
    r = get_int(root, "min_tokens", &v);
    if (r < 0 || (r == 1 && (v < 0 || (s->max_tokens >= 0 &&
                                       v > s->max_tokens)))) {
        *msg = "min_tokens must be between 0 and max_tokens";
        return 400;
    }
    if (r == 1)
        s->min_tokens = v;
    s->ignore_eos = get_bool(root, "ignore_eos", 0);
    if (get_int(root, "seed", &v) == 1) {
        s->has_seed = 1;
        s->seed = (uint64_t)v;
    }
    s->temperature = get_double(root, "temperature", s->temperature);
    if (s->proto == PROTO_OPENAI_COMPLETIONS) {
        json_object *p = get(root, "prompt");

        if (is_type(p, json_type_string)) {
            sb_add(b, json_object_get_string(p),
                   (size_t)json_object_get_string_len(p));
        } else if (is_type(p, json_type_array) &&
                   json_object_array_length(p) == 1 &&
                   is_type(json_object_array_get_idx(p, 0),
                           json_type_string)) {
            json_object *p0 = json_object_array_get_idx(p, 0);

            sb_add(b, json_object_get_string(p0),
                   (size_t)json_object_get_string_len(p0));
        } else if (is_type(p, json_type_array) &&
                   json_object_array_length(p) > 0 &&
                   is_type(json_object_array_get_idx(p, 0), json_type_int)) {
            /* token ids: render one marker per id so counts match */
            size_t i, n = json_object_array_length(p);

            for (i = 0; i < n; i++) {
                char t[40];

                snprintf(t, sizeof(t), "<|%d|>",
                         json_object_get_int(json_object_array_get_idx(p, i)));
                sb_str(b, t);
            }
        } else {
            *msg = p ? "'prompt' must be a string, a list of one string or "
                       "a list of token ids"
                     : "Field required: 'prompt'";
            return 400;
        }
    } else {
        json_object *msgs = get(root, "messages");

        if (!is_type(msgs, json_type_array) ||
            json_object_array_length(msgs) == 0) {
            *msg = msgs ? "'messages' must be a non-empty array"
                        : "Field required: 'messages'";
            return 400;
        }
        if (render_messages(msgs, b, msg) != 0)
            return 400;
    }
    return 0;
}

static int parse_llamacpp(struct mock_stream *s, json_object *root,
                          struct sbuf *b, const char **msg)
{
    json_object *p = get(root, "prompt");
    int64_t v;
    int r;

    set_model(s, s->m->cfg.models[0]); /* llama-server serves one model */
    s->streaming = get_bool(root, "stream", 0);
    if (is_type(p, json_type_string)) {
        sb_add(b, json_object_get_string(p),
               (size_t)json_object_get_string_len(p));
    } else if (is_type(p, json_type_array) &&
               json_object_array_length(p) > 0) {
        size_t i, n = json_object_array_length(p);

        for (i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(p, i);

            if (is_type(e, json_type_string))
                sb_str(b, json_object_get_string(e));
            else {
                char t[40];

                snprintf(t, sizeof(t), "<|%d|>", json_object_get_int(e));
                sb_str(b, t);
            }
        }
    } else {
        *msg = "\"prompt\" must be provided";
        return 400;
    }
    r = get_int(root, "n_predict", &v);
    if (r == 0)
        r = get_int(root, "max_tokens", &v);
    if (r < 0) {
        *msg = "\"n_predict\" must be an integer";
        return 400;
    }
    if (r == 1 && v >= 0)
        s->max_tokens = v;
    s->ignore_eos = get_bool(root, "ignore_eos", 0);
    if (get_int(root, "min_tokens", &v) == 1 && v > 0)
        s->min_tokens = v;
    if (get_int(root, "seed", &v) == 1 && v >= 0 && v != 4294967295LL) {
        s->has_seed = 1;
        s->seed = (uint64_t)v;
    }
    s->temperature = get_double(root, "temperature", s->temperature);
    s->timings_per_token = get_bool(root, "timings_per_token", 0);
    s->return_progress = get_bool(root, "return_progress", 0);
    s->cache_prompt = get_bool(root, "cache_prompt", 1);
    return 0;
}

static int parse_tgi(struct mock_stream *s, json_object *root,
                     struct sbuf *b, const char **msg)
{
    json_object *in = get(root, "inputs"), *par = get(root, "parameters");
    int64_t v;

    set_model(s, s->m->cfg.models[0]);
    /* /generate_stream always streams, /generate never does */
    s->streaming = strcmp(s->endpoint, "/generate_stream") == 0;
    if (!is_type(in, json_type_string) ||
        json_object_get_string_len(in) == 0) {
        *msg = "Input validation error: `inputs` cannot be empty";
        return 422;
    }
    sb_add(b, json_object_get_string(in),
           (size_t)json_object_get_string_len(in));
    if (is_type(par, json_type_object)) {
        int r = get_int(par, "max_new_tokens", &v);

        if (r < 0 || (r == 1 && v < 1)) {
            *msg = "Input validation error: `max_new_tokens` must be "
                   "strictly positive";
            return 422;
        }
        if (r == 1)
            s->max_tokens = v;
        if (get_int(par, "seed", &v) == 1) {
            s->has_seed = 1;
            s->seed = (uint64_t)v;
        }
        s->temperature = get_double(par, "temperature", s->temperature);
        s->tgi_details = get_bool(par, "details", 0);
    }
    return 0;
}

int proto_parse(struct mock_stream *s, const char *body, size_t len,
                struct evbuffer *err)
{
    struct json_tokener *tok = json_tokener_new();
    json_object *root = NULL;
    struct sbuf b = {0};
    const char *msg = NULL;
    char mbuf[512];
    int status = 0;

    s->max_tokens = -1;
    s->cache_prompt = 1;
    s->temperature = 0.8;
    if (!tok) {
        msg = "out of memory";
        status = 500;
        goto out;
    }
    if (len > 0)
        root = json_tokener_parse_ex(tok, body, (int)len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(root, json_type_object)) {
        enum json_tokener_error e = json_tokener_get_error(tok);

        snprintf(mbuf, sizeof(mbuf), "invalid JSON body: %s",
                 len == 0 ? "empty body"
                 : root ? "expected an object"
                 : json_tokener_error_desc(e == json_tokener_continue
                                               ? json_tokener_error_parse_eof
                                               : e));
        msg = mbuf;
        /* TGI (axum) rejects unparsable JSON with 400 too */
        status = 400;
        goto out;
    }
    switch (s->proto) {
    case PROTO_OLLAMA_GENERATE:
    case PROTO_OLLAMA_CHAT:
        status = parse_ollama(s, root, &b, &msg, mbuf, sizeof(mbuf));
        break;
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        status = parse_openai(s, root, &b, &msg, mbuf, sizeof(mbuf));
        break;
    case PROTO_LLAMACPP:
        status = parse_llamacpp(s, root, &b, &msg);
        break;
    default:
        status = parse_tgi(s, root, &b, &msg);
        break;
    }
    if (status)
        goto out;
    if (b.oom || !s->model) {
        msg = "out of memory";
        status = 500;
        goto out;
    }
    if (s->proto == PROTO_LLAMACPP) {
        /* the echo is the detokenized prompt, BOS included */
        s->echo_len = b.n + 4;
        s->echo = malloc(s->echo_len + 1);
        if (s->echo) {
            memcpy(s->echo, "<s> ", 4);
            memcpy(s->echo + 4, b.p ? b.p : "", b.n);
            s->echo[s->echo_len] = '\0';
        }
    }
    s->prompt = b.p ? b.p : strdup("");
    s->prompt_len = b.n;
    b.p = NULL;
    s->prompt_tokens = mock_count_tokens(s->prompt, s->prompt_len,
                                         s->prompt_len);
    if (s->proto == PROTO_LLAMACPP)
        s->prompt_tokens += 1; /* BOS */
    if (s->prompt_tokens < 1 && !s->load_only)
        s->prompt_tokens = 1;
out:
    if (status)
        proto_error_body(s->proto, status, msg, err);
    free(b.p);
    if (root)
        json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    return status;
}

