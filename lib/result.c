/* SPDX-License-Identifier: MIT */
/*
 * result.c -- llmperf_result: one request's measurement, stored as flat
 * per-type arrays indexed by field id (so a field is a table entry, not a
 * struct member), the chunk timeline, and the derivation of every metric
 * of DESIGN.md section 4 from the raw timestamps and server counts.
 */
#include "result_int.h"

#include <string.h>

#include "internal.h"

#define N_I64 (LLMPERF__RESULT_LAST_I64 - LLMPERF_FIELDKIND_I64)
#define N_F64 (LLMPERF__RESULT_LAST_F64 - LLMPERF_FIELDKIND_F64)
#define N_STR (LLMPERF__RESULT_LAST_STR - LLMPERF_FIELDKIND_STR)

struct llmperf_result {
    int64_t i64[N_I64];
    unsigned char has_i64[N_I64];
    double f64[N_F64];
    unsigned char has_f64[N_F64];
    char *str[N_STR]; /* NULL: absent */
    size_t str_len[N_STR];
    size_t str_cap[N_STR];
    int64_t *chunk_t;
    int32_t *chunk_tokens;
    size_t n_chunks, cap_chunks;
};

/* Names, indexed by id - base - 1. They are the keys of records.jsonl
 * and the CSV header: never rename one. */
static const char *const i64_names[N_I64] = {
    "scheduled_ns",         "sent_ns",
    "client_lag_ns",        "ttft_ns",
    "last_token_ns",        "e2e_ns",
    "output_tokens",        "prompt_tokens",
    "tpot_ns",              "chunks",
    "server_load_ns",       "server_prompt_ns",
    "server_decode_ns",     "server_total_ns",
    "server_prompt_tokens", "server_output_tokens",
    "server_cached_tokens", "server_itl_ns",
    "wait_ns",              "status",
    "http_status",          "bytes_received",
    "ttfb_ns",              "new_connections",
};
static const char *const f64_names[N_F64] = {"output_tps"};
static const char *const str_names[N_STR] = {
    "tokens_source", "error_class", "error",          "finish_reason",
    "request_id",    "model",       "text",           "reasoning_text",
    "backend",
};

_Static_assert(N_I64 == 24 && N_F64 == 1 && N_STR == 9,
               "a field was added: extend the name tables");

/* Index of field in its type's arrays, or -1 when not of that type. */
static int slot(int field, int kind, int n)
{
    if (field <= kind || field > kind + n)
        return -1;
    return field - kind - 1;
}

/* EINVAL for a known id of another type, ENOTFOUND for an unknown id. */
static int wrong_type(int field)
{
    return llmperf_result_field_name(field) != NULL ? LLMPERF_EINVAL
                                                    : LLMPERF_ENOTFOUND;
}

LLMPERF_API const char *llmperf_result_field_name(int field)
{
    int i;

    if ((i = slot(field, LLMPERF_FIELDKIND_I64, N_I64)) >= 0)
        return i64_names[i];
    if ((i = slot(field, LLMPERF_FIELDKIND_F64, N_F64)) >= 0)
        return f64_names[i];
    if ((i = slot(field, LLMPERF_FIELDKIND_STR, N_STR)) >= 0)
        return str_names[i];
    return NULL;
}

/* Position of name in a table, or -1. */
static int find_name(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

LLMPERF_API int llmperf_result_field_from_name(int *out, const char *name)
{
    int i;

    if (out == NULL || name == NULL)
        return LLMPERF_EINVAL;
    if ((i = find_name(i64_names, N_I64, name)) >= 0)
        *out = LLMPERF_FIELDKIND_I64 + i + 1;
    else if ((i = find_name(f64_names, N_F64, name)) >= 0)
        *out = LLMPERF_FIELDKIND_F64 + i + 1;
    else if ((i = find_name(str_names, N_STR, name)) >= 0)
        *out = LLMPERF_FIELDKIND_STR + i + 1;
    else
        return LLMPERF_ENOTFOUND;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_result_get_i64(const llmperf_result *r, int field,
                                       int64_t *out)
{
    int i;

    if (r == NULL || out == NULL)
        return LLMPERF_EINVAL;
    if ((i = slot(field, LLMPERF_FIELDKIND_I64, N_I64)) < 0)
        return wrong_type(field);
    if (!r->has_i64[i])
        return LLMPERF_ENOTFOUND;
    *out = r->i64[i];
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_result_get_f64(const llmperf_result *r, int field,
                                       double *out)
{
    int i;

    if (r == NULL || out == NULL)
        return LLMPERF_EINVAL;
    if ((i = slot(field, LLMPERF_FIELDKIND_F64, N_F64)) < 0)
        return wrong_type(field);
    if (!r->has_f64[i])
        return LLMPERF_ENOTFOUND;
    *out = r->f64[i];
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_result_get_str(const llmperf_result *r, int field,
                                       const char **out)
{
    int i;

    if (r == NULL || out == NULL)
        return LLMPERF_EINVAL;
    if ((i = slot(field, LLMPERF_FIELDKIND_STR, N_STR)) < 0)
        return wrong_type(field);
    if (r->str[i] == NULL)
        return LLMPERF_ENOTFOUND;
    *out = r->str[i];
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_result_chunks(const llmperf_result *r,
                                      const int64_t **t_ns,
                                      const int32_t **tokens, size_t *n)
{
    if (r == NULL || n == NULL)
        return LLMPERF_EINVAL;
    *n = r->n_chunks;
    if (t_ns != NULL)
        *t_ns = r->n_chunks ? r->chunk_t : NULL;
    if (tokens != NULL)
        *tokens = r->n_chunks ? r->chunk_tokens : NULL;
    return LLMPERF_OK;
}

LLMPERF_API void llmperf_result_free(llmperf_result *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < N_STR; i++)
        llmperf__free(r->str[i]);
    llmperf__free(r->chunk_t);
    llmperf__free(r->chunk_tokens);
    llmperf__free(r);
}

int llmperf__result_new(llmperf_result **out)
{
    *out = llmperf__calloc(1, sizeof(**out));
    return *out == NULL ? LLMPERF_ENOMEM : LLMPERF_OK;
}

int llmperf__result_set_i64(llmperf_result *r, int field, int64_t v)
{
    int i = slot(field, LLMPERF_FIELDKIND_I64, N_I64);

    if (i < 0)
        return LLMPERF_EINVAL;
    r->i64[i] = v;
    r->has_i64[i] = 1;
    return LLMPERF_OK;
}

int llmperf__result_set_f64(llmperf_result *r, int field, double v)
{
    int i = slot(field, LLMPERF_FIELDKIND_F64, N_F64);

    if (i < 0)
        return LLMPERF_EINVAL;
    r->f64[i] = v;
    r->has_f64[i] = 1;
    return LLMPERF_OK;
}

int llmperf__result_set_str(llmperf_result *r, int field, const char *s,
                            size_t len)
{
    int i = slot(field, LLMPERF_FIELDKIND_STR, N_STR);
    char *copy;

    if (i < 0 || s == NULL)
        return LLMPERF_EINVAL;
    copy = llmperf__strndup(s, len);
    if (copy == NULL)
        return LLMPERF_ENOMEM;
    llmperf__free(r->str[i]);
    r->str[i] = copy;
    r->str_len[i] = len;
    r->str_cap[i] = len + 1;
    return LLMPERF_OK;
}

int llmperf__result_append_str(llmperf_result *r, int field, const char *s,
                               size_t len)
{
    int i = slot(field, LLMPERF_FIELDKIND_STR, N_STR);
    size_t need;

    if (i < 0 || (s == NULL && len > 0))
        return LLMPERF_EINVAL;
    if (len > SIZE_MAX / 2 - r->str_len[i])
        return LLMPERF_ENOMEM;
    need = r->str_len[i] + len + 1;
    if (r->str[i] == NULL || need > r->str_cap[i]) {
        size_t cap = r->str_cap[i] > 0 ? r->str_cap[i] : 64;
        char *grown;

        while (cap < need)
            cap *= 2;
        grown = llmperf__realloc(r->str[i], cap);
        if (grown == NULL)
            return LLMPERF_ENOMEM;
        if (r->str[i] == NULL)
            r->str_len[i] = 0;
        r->str[i] = grown;
        r->str_cap[i] = cap;
    }
    if (len > 0)
        memcpy(r->str[i] + r->str_len[i], s, len);
    r->str_len[i] += len;
    r->str[i][r->str_len[i]] = '\0';
    return LLMPERF_OK;
}

void llmperf__result_clear(llmperf_result *r, int field)
{
    int i;

    if ((i = slot(field, LLMPERF_FIELDKIND_I64, N_I64)) >= 0) {
        r->has_i64[i] = 0;
    } else if ((i = slot(field, LLMPERF_FIELDKIND_F64, N_F64)) >= 0) {
        r->has_f64[i] = 0;
    } else if ((i = slot(field, LLMPERF_FIELDKIND_STR, N_STR)) >= 0) {
        llmperf__free(r->str[i]);
        r->str[i] = NULL;
        r->str_len[i] = r->str_cap[i] = 0;
    }
}

int llmperf__result_reserve_chunks(llmperf_result *r, size_t n)
{
    int64_t *t;
    int32_t *k;

    if (n <= r->cap_chunks)
        return LLMPERF_OK;
    /* Grow both before committing either, so a failure leaves the
     * arrays consistent with n_chunks. */
    t = llmperf__reallocarray(r->chunk_t, n, sizeof(*t));
    if (t == NULL)
        return LLMPERF_ENOMEM;
    r->chunk_t = t;
    k = llmperf__reallocarray(r->chunk_tokens, n, sizeof(*k));
    if (k == NULL)
        return LLMPERF_ENOMEM;
    r->chunk_tokens = k;
    r->cap_chunks = n;
    return LLMPERF_OK;
}

int llmperf__result_add_chunk(llmperf_result *r, int64_t t_ns,
                              int32_t tokens)
{
    if (r->n_chunks == r->cap_chunks &&
        llmperf__result_reserve_chunks(
            r, r->cap_chunks ? r->cap_chunks * 2 : 64) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    r->chunk_t[r->n_chunks] = t_ns;
    r->chunk_tokens[r->n_chunks] = tokens;
    r->n_chunks++;
    return LLMPERF_OK;
}

static int has(const llmperf_result *r, int field, int64_t *v)
{
    return llmperf_result_get_i64(r, field, v) == LLMPERF_OK;
}

int llmperf__result_derive(llmperf_result *r, int64_t server_output_tokens)
{
    int64_t sent, sched, ttft = 0, last = 0, out, load = 0, prompt, v, n;
    const char *source;

    if (!has(r, LLMPERF_RESULT_SENT_NS, &sent))
        return LLMPERF_EINVAL;
    if (!has(r, LLMPERF_RESULT_SCHEDULED_NS, &sched)) {
        sched = sent;
        llmperf__result_set_i64(r, LLMPERF_RESULT_SCHEDULED_NS, sched);
    }
    llmperf__result_set_i64(r, LLMPERF_RESULT_CLIENT_LAG_NS, sent - sched);
    n = (int64_t)r->n_chunks;
    llmperf__result_set_i64(r, LLMPERF_RESULT_CHUNKS, n);
    if (n > 0) {
        ttft = r->chunk_t[0] - sent;
        last = r->chunk_t[n - 1] - sent;
        llmperf__result_set_i64(r, LLMPERF_RESULT_TTFT_NS, ttft);
        llmperf__result_set_i64(r, LLMPERF_RESULT_LAST_TOKEN_NS, last);
    } else {
        llmperf__result_clear(r, LLMPERF_RESULT_TTFT_NS);
        llmperf__result_clear(r, LLMPERF_RESULT_LAST_TOKEN_NS);
    }
    if (server_output_tokens >= 0) {
        out = server_output_tokens;
        source = "server";
    } else {
        out = n;
        source = "chunks";
    }
    llmperf__result_set_i64(r, LLMPERF_RESULT_OUTPUT_TOKENS, out);
    if (llmperf__result_set_str(r, LLMPERF_RESULT_TOKENS_SOURCE, source,
                                strlen(source)) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    /* TPOT and decode throughput need a span: two chunks at least. */
    llmperf__result_clear(r, LLMPERF_RESULT_TPOT_NS);
    llmperf__result_clear(r, LLMPERF_RESULT_OUTPUT_TPS);
    if (out > 1 && n >= 2) {
        llmperf__result_set_i64(r, LLMPERF_RESULT_TPOT_NS,
                                (last - ttft) / (out - 1));
        if (last > ttft)
            llmperf__result_set_f64(r, LLMPERF_RESULT_OUTPUT_TPS,
                                    (double)(out - 1) * 1e9 /
                                        (double)(last - ttft));
    }
    llmperf__result_clear(r, LLMPERF_RESULT_SERVER_ITL_NS);
    if (has(r, LLMPERF_RESULT_SERVER_DECODE_NS, &v) &&
        has(r, LLMPERF_RESULT_SERVER_OUTPUT_TOKENS, &n) && n > 1)
        llmperf__result_set_i64(r, LLMPERF_RESULT_SERVER_ITL_NS, v / (n - 1));
    llmperf__result_clear(r, LLMPERF_RESULT_WAIT_NS);
    if (r->n_chunks > 0 && has(r, LLMPERF_RESULT_SERVER_PROMPT_NS, &prompt)) {
        has(r, LLMPERF_RESULT_SERVER_LOAD_NS, &load);
        llmperf__result_set_i64(r, LLMPERF_RESULT_WAIT_NS,
                                ttft - load - prompt);
    }
    return LLMPERF_OK;
}
