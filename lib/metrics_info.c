/* SPDX-License-Identifier: MIT */
/*
 * metrics_info.c -- the run description an accumulator carries into
 * summary.json and the report (backend, URL, model, parameters, start
 * time, host, title): wall-clock labels, and the removal of credentials
 * before anything is stored, so no output can leak them.
 */
#include "metrics_int.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- wall clock ------------------------------------------------------ */

static void iso8601(char *buf, size_t len, const struct timespec *ts)
{
    struct tm tm;
    char day[32];

    gmtime_r(&ts->tv_sec, &tm);
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03ldZ", day, (long)(ts->tv_nsec / 1000000));
}

void llmperf__iso8601_now(char *buf, size_t len)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    iso8601(buf, len, &ts);
}

void llmperf__iso8601_mono(char *buf, size_t len, int64_t mono_ns)
{
    struct timespec ts;
    int64_t wall, back = llmperf_now_ns() - mono_ns;

    clock_gettime(CLOCK_REALTIME, &ts);
    wall = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - back;
    ts.tv_sec = (time_t)(wall / 1000000000);
    ts.tv_nsec = (long)(wall % 1000000000);
    if (ts.tv_nsec < 0) {
        ts.tv_sec--;
        ts.tv_nsec += 1000000000;
    }
    iso8601(buf, len, &ts);
}

/* ---- credentials out of run info ------------------------------------ */

/*
 * Whether a parameter or member name looks like it carries a secret:
 * it ends with one of these words (case-insensitive), or is "sig".
 * "max_tokens" is safe: it ends with "tokens", not "token".
 */
static int secret_name(const char *name, size_t len)
{
    static const char *const ends[] = {
        "key",    "token",         "secret", "password",   "passwd",
        "auth",   "authorization", "cookie", "credential", "credentials",
        "signature",
    };

    if (len == 3 && strncasecmp(name, "sig", 3) == 0)
        return 1;
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(ends); i++) {
        size_t n = strlen(ends[i]);

        if (len >= n && strncasecmp(name + len - n, ends[i], n) == 0)
            return 1;
    }
    return 0;
}

/* A copy of url without user:password@ and with secret query values
 * replaced by REDACTED. NULL on ENOMEM. */
static char *clean_url(const char *url)
{
    size_t len = strlen(url), o = 0;
    const char *auth = strstr(url, "://"), *end, *at = NULL, *p, *q;
    char *out = llmperf__malloc(len * 2 + 16);

    if (out == NULL)
        return NULL;
    auth = auth != NULL ? auth + 3 : url;
    end = auth + strcspn(auth, "/?#");
    for (p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    memcpy(out, url, (size_t)(auth - url));
    o = (size_t)(auth - url);
    p = at != NULL ? at + 1 : auth;
    q = strchr(p, '?');
    if (q == NULL) {
        strcpy(out + o, p);
        return out;
    }
    memcpy(out + o, p, (size_t)(q + 1 - p));
    o += (size_t)(q + 1 - p);
    p = q + 1;
    while (*p != '\0' && *p != '#') {
        size_t n = strcspn(p, "&;#"), k = strcspn(p, "=&;#");

        if (k < n && secret_name(p, k)) {
            memcpy(out + o, p, k + 1);
            o += k + 1;
            memcpy(out + o, "REDACTED", 8);
            o += 8;
        } else {
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
        if (*p == '&' || *p == ';')
            out[o++] = *p++;
    }
    strcpy(out + o, p);
    return out;
}

static void redact_json(struct json_object *o)
{
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            redact_json(json_object_array_get_idx(o, i));
    } else if (json_object_is_type(o, json_type_object)) {
        struct json_object_iterator it = json_object_iter_begin(o);
        struct json_object_iterator e = json_object_iter_end(o);

        for (; !json_object_iter_equal(&it, &e); json_object_iter_next(&it)) {
            const char *k = json_object_iter_peek_name(&it);
            struct json_object *v = json_object_iter_peek_value(&it);

            if (secret_name(k, strlen(k)))
                /* Replacing an existing key updates the entry in place,
                 * so the iteration stays valid. */
                json_object_object_add(o, k,
                                       json_object_new_string("REDACTED"));
            else
                redact_json(v);
        }
    }
}

/* See metrics_int.h. */
int llmperf__clean_params(const char *text, char **out)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = NULL;
    int rc = LLMPERF_EINVAL;
    size_t len = strlen(text);

    if (tok == NULL)
        return LLMPERF_ENOMEM;
    if (len > INT32_MAX)
        goto out;
    o = json_tokener_parse_ex(tok, text, (int)len);
    if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
        json_tokener_get_parse_end(tok) != len ||
        !json_object_is_type(o, json_type_object))
        goto out;
    redact_json(o);
    *out = llmperf__strdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    rc = *out == NULL ? LLMPERF_ENOMEM : LLMPERF_OK;
out:
    json_object_put(o);
    json_tokener_free(tok);
    return rc;
}

/* ---- public ------------------------------------------------------------ */

LLMPERF_API int llmperf_metrics_set_info(llmperf_metrics *m, int key,
                                         const char *value)
{
    char *copy = NULL;
    int rc = LLMPERF_OK;

    if (m == NULL || key < 1 || key > LLMPERF__N_INFO)
        return LLMPERF_EINVAL;
    if (value != NULL) {
        if (key == LLMPERF_INFO_URL)
            copy = clean_url(value);
        else if (key == LLMPERF_INFO_PARAMS)
            rc = llmperf__clean_params(value, &copy);
        else
            copy = llmperf__strdup(value);
        if (rc != LLMPERF_OK)
            return rc;
        if (copy == NULL)
            return LLMPERF_ENOMEM;
    }
    llmperf__free(m->info[key - 1]);
    m->info[key - 1] = copy;
    if (key == LLMPERF_INFO_START_TIME)
        m->start_from = 2;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_get_info(const llmperf_metrics *m, int key,
                                         const char **value)
{
    if (m == NULL || value == NULL || key < 1 || key > LLMPERF__N_INFO)
        return LLMPERF_EINVAL;
    if (m->info[key - 1] == NULL)
        return LLMPERF_ENOTFOUND;
    *value = m->info[key - 1];
    return LLMPERF_OK;
}

int llmperf__metrics_record_time(llmperf_metrics *m, const char *iso)
{
    char **cur = &m->info[LLMPERF_INFO_START_TIME - 1], *copy;

    if (m->start_from == 2)
        return LLMPERF_OK;
    /* ISO 8601 UTC times of one format sort as strings. */
    if (m->start_from == 1 && *cur != NULL && strcmp(iso, *cur) >= 0)
        return LLMPERF_OK;
    if ((copy = llmperf__strdup(iso)) == NULL)
        return LLMPERF_ENOMEM;
    llmperf__free(*cur);
    *cur = copy;
    m->start_from = 1;
    return LLMPERF_OK;
}

