/* SPDX-License-Identifier: MIT */
/*
 * config.c -- llmperf_config: typed setters keyed by option id, with every
 * value checked when it is set so a bad option fails at once rather than
 * as a confusing server error later. The option table is in client.h.
 */
#include "config_int.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "internal.h"

/* Largest count or millisecond value we accept: fits libcurl's long and
 * every server's 32-bit token limits. */
#define MAX_I32 INT64_C(2147483647)

static int is_openai(int backend)
{
    return backend == LLMPERF_BACKEND_OPENAI ||
           backend == LLMPERF_BACKEND_OPENAI_CHAT;
}

/* Control characters (CR, LF above all) would let a value split or
 * inject HTTP header lines. */
static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        llmperf__free(v[i]);
    llmperf__free(v);
}

static int list_add(char ***v, size_t *n, const char *s)
{
    char **grown;
    char *copy = llmperf__strdup(s);

    if (copy == NULL)
        return LLMPERF_ENOMEM;
    grown = llmperf__reallocarray(*v, *n + 1, sizeof(*grown));
    if (grown == NULL) {
        llmperf__free(copy);
        return LLMPERF_ENOMEM;
    }
    grown[(*n)++] = copy;
    *v = grown;
    return LLMPERF_OK;
}

/* Replace *dst with a copy of s; NULL or "" (when empty_unsets) unsets. */
static int replace_str(char **dst, const char *s, int empty_unsets)
{
    char *copy = NULL;

    if (s != NULL && !(empty_unsets && *s == '\0')) {
        copy = llmperf__strdup(s);
        if (copy == NULL)
            return LLMPERF_ENOMEM;
    }
    llmperf__free(*dst);
    *dst = copy;
    return LLMPERF_OK;
}

static int valid_base_url(const char *s)
{
    size_t skip;

    if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return 0;
    /* A host must follow the scheme; no spaces or control bytes. */
    if (s[skip] == '\0' || s[skip] == '/' || has_ctl(s) || strchr(s, ' '))
        return 0;
    return 1;
}

static int valid_header(const char *s)
{
    const char *colon = strchr(s, ':');

    if (colon == NULL || colon == s || has_ctl(s))
        return 0;
    for (const char *p = s; p < colon; p++)
        if (*p == ' ' || *p == '\t')
            return 0; /* a name has no blanks (RFC 9110 token) */
    return 1;
}

/* json-c's strict mode still takes 'single-quoted' strings; JSON does
 * not, so a quote outside a double-quoted string is refused here. */
static int has_single_quote(const char *s)
{
    int in_str = 0;

    for (; *s; s++) {
        if (in_str && *s == '\\' && s[1] != '\0')
            s++;
        else if (*s == '"')
            in_str = !in_str;
        else if (!in_str && *s == '\'')
            return 1;
    }
    return 0;
}

/* Parse EXTRA_JSON strictly; it must be one JSON object and nothing
 * after it. */
static int parse_object(json_object **out, const char *text)
{
    json_tokener *tok = json_tokener_new();
    json_object *obj = NULL;
    size_t len = strlen(text), end;
    int rc = LLMPERF_EINVAL;

    *out = NULL;
    if (tok == NULL)
        return LLMPERF_ENOMEM;
    if (len > (size_t)INT32_MAX || has_single_quote(text))
        goto out; /* json-c takes an int length */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, text, (int)len);
    if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success)
        goto out;
    end = json_tokener_get_parse_end(tok);
    while (end < len && strchr(" \t\r\n", text[end]) != NULL)
        end++;
    if (end != len || !json_object_is_type(obj, json_type_object))
        goto out;
    *out = obj;
    obj = NULL;
    rc = LLMPERF_OK;
out:
    json_object_put(obj);
    json_tokener_free(tok);
    return rc;
}

static int set_extra(llmperf_config *cfg, const char *text)
{
    json_object *obj = NULL;
    char *copy = NULL;
    int rc;

    if (text != NULL) {
        rc = parse_object(&obj, text);
        if (rc != LLMPERF_OK)
            return rc;
        copy = llmperf__strdup(text);
        if (copy == NULL) {
            json_object_put(obj);
            return LLMPERF_ENOMEM;
        }
    }
    json_object_put(cfg->extra);
    llmperf__free(cfg->extra_text);
    cfg->extra = obj;
    cfg->extra_text = copy;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_config_new(llmperf_config **out, int backend)
{
    llmperf_config *cfg;

    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (llmperf__backend_get(backend) == NULL)
        return LLMPERF_EINVAL;
    cfg = llmperf__calloc(1, sizeof(*cfg));
    if (cfg == NULL)
        return LLMPERF_ENOMEM;
    cfg->backend = backend;
    cfg->max_tokens = LLMPERF__DEF_MAX_TOKENS;
    cfg->seed = -1;
    cfg->connect_timeout_ms = LLMPERF__DEF_CONNECT_TIMEOUT_MS;
    cfg->idle_timeout_ms = LLMPERF__DEF_IDLE_TIMEOUT_MS;
    cfg->tls_verify = 1;
    cfg->include_usage = 1;
    cfg->stream = 1;
    cfg->max_event_bytes = LLMPERF__DEF_MAX_EVENT_BYTES;
    cfg->temperature = -1.0;
    cfg->top_p = -1.0;
    *out = cfg;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_config_set_int(llmperf_config *cfg, int opt,
                                       int64_t v)
{
    int64_t *slot;
    int64_t lo = 0, hi = 1;

    if (cfg == NULL)
        return LLMPERF_EINVAL;
    switch (opt) {
    case LLMPERF_OPT_MAX_TOKENS:
        slot = &cfg->max_tokens, hi = MAX_I32;
        break;
    case LLMPERF_OPT_SEED:
        slot = &cfg->seed, lo = -1, hi = INT64_MAX;
        break;
    case LLMPERF_OPT_IGNORE_EOS:
        if (v == 1 && (cfg->backend == LLMPERF_BACKEND_OLLAMA ||
                       cfg->backend == LLMPERF_BACKEND_OLLAMA_CHAT ||
                       cfg->backend == LLMPERF_BACKEND_TGI))
            return LLMPERF_ENOTSUP;
        slot = &cfg->ignore_eos;
        break;
    case LLMPERF_OPT_MIN_TOKENS:
        if (v > 0 && v <= MAX_I32 && !is_openai(cfg->backend))
            return LLMPERF_ENOTSUP;
        slot = &cfg->min_tokens, hi = MAX_I32;
        break;
    case LLMPERF_OPT_CONNECT_TIMEOUT_MS:
        slot = &cfg->connect_timeout_ms, hi = MAX_I32;
        break;
    case LLMPERF_OPT_IDLE_TIMEOUT_MS:
        slot = &cfg->idle_timeout_ms, hi = MAX_I32;
        break;
    case LLMPERF_OPT_TOTAL_TIMEOUT_MS:
        slot = &cfg->total_timeout_ms, hi = MAX_I32;
        break;
    case LLMPERF_OPT_TLS_VERIFY:
        slot = &cfg->tls_verify;
        break;
    case LLMPERF_OPT_INCLUDE_USAGE:
        slot = &cfg->include_usage;
        break;
    case LLMPERF_OPT_KEEP_TEXT:
        slot = &cfg->keep_text;
        break;
    case LLMPERF_OPT_STREAM:
        slot = &cfg->stream;
        break;
    case LLMPERF_OPT_MAX_EVENT_BYTES:
        slot = &cfg->max_event_bytes, lo = 64, hi = INT64_C(1) << 30;
        break;
    default:
        return LLMPERF_EINVAL; /* unknown, or not an integer option */
    }
    if (v < lo || v > hi)
        return LLMPERF_EINVAL;
    *slot = v;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_config_set_double(llmperf_config *cfg, int opt,
                                          double v)
{
    if (cfg == NULL || !isfinite(v))
        return LLMPERF_EINVAL;
    switch (opt) {
    case LLMPERF_OPT_TEMPERATURE:
        cfg->temperature = v < 0 ? -1.0 : v;
        return LLMPERF_OK;
    case LLMPERF_OPT_TOP_P:
        if (v == 0 || v > 1)
            return LLMPERF_EINVAL;
        cfg->top_p = v < 0 ? -1.0 : v;
        return LLMPERF_OK;
    default:
        return LLMPERF_EINVAL;
    }
}

LLMPERF_API int llmperf_config_set_str(llmperf_config *cfg, int opt,
                                       const char *v)
{
    if (cfg == NULL)
        return LLMPERF_EINVAL;
    switch (opt) {
    case LLMPERF_OPT_BASE_URL: {
        char *copy;
        size_t n;

        if (v == NULL)
            return replace_str(&cfg->base_url, NULL, 0);
        if (!valid_base_url(v))
            return LLMPERF_EINVAL;
        /* Drop trailing slashes so BASE_URL + PATH has one '/'. */
        n = strlen(v);
        while (n > 0 && v[n - 1] == '/')
            n--;
        copy = llmperf__strndup(v, n);
        if (copy == NULL)
            return LLMPERF_ENOMEM;
        llmperf__free(cfg->base_url);
        cfg->base_url = copy;
        return LLMPERF_OK;
    }
    case LLMPERF_OPT_PATH:
        if (v != NULL && (v[0] != '/' || has_ctl(v) || strchr(v, ' ')))
            return LLMPERF_EINVAL;
        return replace_str(&cfg->path, v, 0);
    case LLMPERF_OPT_MODEL:
        return replace_str(&cfg->model, v, 1);
    case LLMPERF_OPT_API_KEY:
        if (v != NULL && has_ctl(v))
            return LLMPERF_EINVAL;
        return replace_str(&cfg->api_key, v, 1);
    case LLMPERF_OPT_SYSTEM_PROMPT:
        return replace_str(&cfg->system_prompt, v, 1);
    case LLMPERF_OPT_STOP:
        if (v == NULL) {
            free_list(cfg->stops, cfg->n_stops);
            cfg->stops = NULL, cfg->n_stops = 0;
            return LLMPERF_OK;
        }
        if (*v == '\0')
            return LLMPERF_EINVAL;
        return list_add(&cfg->stops, &cfg->n_stops, v);
    case LLMPERF_OPT_HEADER:
        if (v == NULL) {
            free_list(cfg->headers, cfg->n_headers);
            cfg->headers = NULL, cfg->n_headers = 0;
            return LLMPERF_OK;
        }
        if (!valid_header(v))
            return LLMPERF_EINVAL;
        return list_add(&cfg->headers, &cfg->n_headers, v);
    case LLMPERF_OPT_EXTRA_JSON:
        return set_extra(cfg, v);
    default:
        return LLMPERF_EINVAL;
    }
}

LLMPERF_API void llmperf_config_free(llmperf_config *cfg)
{
    if (cfg == NULL)
        return;
    llmperf__free(cfg->base_url);
    llmperf__free(cfg->path);
    llmperf__free(cfg->model);
    llmperf__free(cfg->api_key);
    llmperf__free(cfg->system_prompt);
    free_list(cfg->stops, cfg->n_stops);
    free_list(cfg->headers, cfg->n_headers);
    llmperf__free(cfg->extra_text);
    json_object_put(cfg->extra);
    llmperf__free(cfg);
}

static int dup_opt(char **dst, const char *src)
{
    if (src == NULL)
        return LLMPERF_OK;
    *dst = llmperf__strdup(src);
    return *dst == NULL ? LLMPERF_ENOMEM : LLMPERF_OK;
}

int llmperf__config_copy(llmperf_config **out, const llmperf_config *src)
{
    llmperf_config *c;
    int rc = LLMPERF_ENOMEM;

    *out = NULL;
    c = llmperf__calloc(1, sizeof(*c));
    if (c == NULL)
        return LLMPERF_ENOMEM;
    /* Scalars first; every pointer is then replaced by a copy (or NULL)
     * so a failure half-way leaves c safe to free. */
    *c = *src;
    c->base_url = c->path = c->model = c->api_key = NULL;
    c->system_prompt = c->extra_text = NULL;
    c->stops = c->headers = NULL;
    c->n_stops = c->n_headers = 0;
    c->extra = NULL;
    if (dup_opt(&c->base_url, src->base_url) ||
        dup_opt(&c->path, src->path) || dup_opt(&c->model, src->model) ||
        dup_opt(&c->api_key, src->api_key) ||
        dup_opt(&c->system_prompt, src->system_prompt))
        goto out;
    for (size_t i = 0; i < src->n_stops; i++)
        if (list_add(&c->stops, &c->n_stops, src->stops[i]))
            goto out;
    for (size_t i = 0; i < src->n_headers; i++)
        if (list_add(&c->headers, &c->n_headers, src->headers[i]))
            goto out;
    /* Re-parse rather than share: json-c reference counts are not
     * atomic, and two clients may live on two threads. */
    if (src->extra_text != NULL) {
        rc = set_extra(c, src->extra_text);
        if (rc != LLMPERF_OK)
            goto out;
    }
    *out = c;
    c = NULL;
    rc = LLMPERF_OK;
out:
    llmperf_config_free(c);
    return rc;
}

const char *llmperf__config_base_url(const llmperf_config *cfg)
{
    return cfg->base_url != NULL
               ? cfg->base_url
               : llmperf__backend_get(cfg->backend)->default_url;
}

const char *llmperf__config_path(const llmperf_config *cfg)
{
    const llmperf__backend *be = llmperf__backend_get(cfg->backend);

    if (cfg->path != NULL)
        return cfg->path;
    return cfg->stream ? be->path : be->path_nostream;
}
