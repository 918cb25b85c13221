/* SPDX-License-Identifier: MIT */
/*
 * backend_llamacpp.c -- llama.cpp's native POST /completion, answered
 * with SSE "data:" events; the last one has "stop": true and the
 * server's "timings" (prompt_n, prompt_ms, predicted_n, predicted_ms,
 * cache_n). There is no "[DONE]".
 *
 * With "return_progress" or "timings_per_token" the server also sends
 * events with "content": "" (prompt-processing progress, timings): they
 * carry no text and so never count as the first token. "tokens" lists the
 * token ids of an event, which gives the chunk's token count.
 */
#include <string.h>

#include "backend.h"
#include "internal.h"

static int build(json_object *body, const llmperf_config *cfg,
                 const char *prompt, int64_t max_tokens)
{
    int rc = llmperf__json_put(body, "prompt",
                               llmperf__json_prompt_with_system(cfg, prompt));

    /* llama.cpp serves one model but its router mode picks by name. */
    if (rc == LLMPERF_OK && cfg->model != NULL)
        rc = llmperf__json_put(body, "model",
                               json_object_new_string(cfg->model));
    if (rc == LLMPERF_OK && max_tokens > 0)
        rc = llmperf__json_put(body, "n_predict",
                               json_object_new_int64(max_tokens));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(body, "stream",
                               json_object_new_boolean(cfg->stream != 0));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put_sampling(body, cfg);
    if (rc == LLMPERF_OK && cfg->ignore_eos)
        rc = llmperf__json_put(body, "ignore_eos", json_object_new_boolean(1));
    return rc;
}

static int decode(llmperf__decoder *d, json_object *ev, llmperf__chunk *c)
{
    json_object *v;
    const char *s;
    size_t len;
    int64_t n;

    if (json_object_object_get_ex(ev, "error", &v) && v != NULL)
        return llmperf__decoder_server_error(d,
                                             llmperf__json_error_text(ev));
    c->text = llmperf__json_str(ev, "content", &c->text_len);
    if (json_object_object_get_ex(ev, "tokens", &v) &&
        json_object_is_type(v, json_type_array))
        c->tokens = (int32_t)json_object_array_length(v);
    if ((n = llmperf__json_i64(ev, "tokens_evaluated")) >= 0)
        d->info.prompt_tokens = n;
    if (json_object_object_get_ex(ev, "timings", &v))
        llmperf__decode_llamacpp_timings(d, v);
    if (!(json_object_object_get_ex(ev, "stop", &v) &&
          json_object_is_type(v, json_type_boolean) &&
          json_object_get_boolean(v)))
        return LLMPERF_OK;
    /* The final event. Its counts are trusted only here: progress events
     * carry tokens_predicted values that are not the final count. */
    d->done = 1;
    if (d->info.server_output_tokens >= 0)
        d->info.output_tokens = d->info.server_output_tokens;
    else if ((n = llmperf__json_i64(ev, "tokens_predicted")) >= 0)
        d->info.output_tokens = n;
    if ((s = llmperf__json_str(ev, "stop_type", &len)) != NULL &&
        llmperf__set_owned(&d->info.finish_reason, s, len) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    if ((s = llmperf__json_str(ev, "model", &len)) != NULL &&
        llmperf__set_owned(&d->info.model, s, len) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    return LLMPERF_OK;
}

/* decode() without json-c for progress-free token events; the final
 * event (stop true), timings and errors go to decode(). */
static int fast(llmperf__decoder *d, const llmperf__jspan *ev, char *scratch,
                llmperf__chunk *c)
{
    enum { ERR, CONTENT, TOKENS, EVALUATED, TIMINGS, STOP, NTOP };
    static const char *const top[NTOP] = {"error",  "content",
                                          "tokens", "tokens_evaluated",
                                          "timings", "stop"};
    llmperf__jspan v[NTOP];
    int64_t evaluated = -1;

    if (!llmperf__jfast_pick(ev, top, NTOP, v) ||
        (v[ERR].type != LLMPERF__J_NONE && v[ERR].type != LLMPERF__J_NULL) ||
        v[TIMINGS].type != LLMPERF__J_NONE ||
        llmperf__jfast_true(&v[STOP]) ||
        (v[EVALUATED].type == LLMPERF__J_NUM &&
         !llmperf__fast_i64(&v[EVALUATED], &evaluated)) ||
        (v[CONTENT].type == LLMPERF__J_STR &&
         !llmperf__jfast_str(&v[CONTENT], &scratch, &c->text, &c->text_len)))
        return LLMPERF__FAST_NO;
    if (v[TOKENS].type == LLMPERF__J_ARR) {
        llmperf__jspan el;
        const char *p;
        int32_t n = 0;

        /* elements are token ids (numbers): count the commas */
        if (llmperf__jfast_first(&v[TOKENS], &el)) {
            if (el.type != LLMPERF__J_NUM)
                return LLMPERF__FAST_NO;
            n = 1;
            for (p = el.p; p < v[TOKENS].p + v[TOKENS].n; p++) {
                if (*p == ',')
                    n++;
                else if (*p == '"' || *p == '[' || *p == '{')
                    return LLMPERF__FAST_NO;
            }
        }
        c->tokens = n;
    }
    if (evaluated >= 0)
        d->info.prompt_tokens = evaluated;
    return LLMPERF_OK;
}

const llmperf__backend llmperf__backend_llamacpp = {
    .id = LLMPERF_BACKEND_LLAMACPP,
    .name = "llamacpp",
    .path = "/completion",
    .path_nostream = "/completion",
    .default_url = "http://127.0.0.1:8080",
    .framing = LLMPERF__FRAMING_SSE,
    .sentinel = NULL,
    .build = build,
    .decode = decode,
    .fast = fast,
};
