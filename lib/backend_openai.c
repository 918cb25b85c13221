/* SPDX-License-Identifier: MIT */
/*
 * backend_openai.c -- the OpenAI-compatible API as served by vLLM, SGLang
 * and llama.cpp: POST /v1/completions and /v1/chat/completions, answered
 * with SSE "data:" events and a final "data: [DONE]".
 *
 * Where the token counts are: with stream_options.include_usage, vLLM
 * sends "usage" in an extra chunk whose "choices" is empty; llama.cpp puts
 * it in the chunk that carries the last choice (and adds its own
 * "timings"). Both forms are read: any chunk's usage counts. An error
 * after the stream started arrives as a data event holding an "error"
 * object; it fails the request (LLMPERF_ESERVER) rather than ending it
 * quietly with no tokens.
 */
#include <string.h>

#include "backend.h"
#include "internal.h"

static int put_common(json_object *body, const llmperf_config *cfg,
                      int64_t max_tokens)
{
    int rc = LLMPERF_OK;

    if (cfg->model != NULL)
        rc = llmperf__json_put(body, "model",
                               json_object_new_string(cfg->model));
    /* max_tokens also for chat: OpenAI renamed it max_completion_tokens,
     * but vLLM, SGLang and llama.cpp all accept the old name. */
    if (rc == LLMPERF_OK && max_tokens > 0)
        rc = llmperf__json_put(body, "max_tokens",
                               json_object_new_int64(max_tokens));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(body, "stream",
                               json_object_new_boolean(cfg->stream != 0));
    if (rc == LLMPERF_OK && cfg->stream && cfg->include_usage) {
        json_object *so = json_object_new_object();

        rc = llmperf__json_put(body, "stream_options", so);
        if (rc == LLMPERF_OK)
            rc = llmperf__json_put(so, "include_usage",
                                   json_object_new_boolean(1));
    }
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put_sampling(body, cfg);
    if (rc == LLMPERF_OK && cfg->ignore_eos)
        rc = llmperf__json_put(body, "ignore_eos", json_object_new_boolean(1));
    if (rc == LLMPERF_OK && cfg->min_tokens > 0)
        rc = llmperf__json_put(body, "min_tokens",
                               json_object_new_int64(cfg->min_tokens));
    return rc;
}

static int build_completions(json_object *body, const llmperf_config *cfg,
                             const char *prompt, int64_t max_tokens)
{
    int rc = llmperf__json_put(body, "prompt",
                               llmperf__json_prompt_with_system(cfg, prompt));

    return rc == LLMPERF_OK ? put_common(body, cfg, max_tokens) : rc;
}

static int build_chat(json_object *body, const llmperf_config *cfg,
                      const char *prompt, int64_t max_tokens)
{
    int rc = llmperf__json_put(body, "messages",
                               llmperf__json_chat_messages(cfg, prompt));

    return rc == LLMPERF_OK ? put_common(body, cfg, max_tokens) : rc;
}

static void decode_usage(llmperf__decoder *d, json_object *u)
{
    json_object *details;
    int64_t v;

    if (!json_object_is_type(u, json_type_object))
        return; /* "usage": null on ordinary chunks */
    if ((v = llmperf__json_i64(u, "prompt_tokens")) >= 0)
        d->info.prompt_tokens = v;
    if ((v = llmperf__json_i64(u, "completion_tokens")) >= 0)
        d->info.output_tokens = v;
    if (json_object_object_get_ex(u, "prompt_tokens_details", &details) &&
        json_object_is_type(details, json_type_object) &&
        (v = llmperf__json_i64(details, "cached_tokens")) >= 0)
        d->info.server_cached_tokens = v;
}

/* Text of one choice: "text" (completions), or "content" and the
 * reasoning ("reasoning_content" in vLLM/SGLang/llama.cpp, "reasoning"
 * in newer vLLM) inside "delta" (streamed chat) or "message" (whole). */
static void decode_choice(json_object *ch, llmperf__chunk *c)
{
    json_object *m;

    c->text = llmperf__json_str(ch, "text", &c->text_len);
    if (c->text != NULL)
        return;
    if (!(json_object_object_get_ex(ch, "delta", &m) ||
          json_object_object_get_ex(ch, "message", &m)) ||
        !json_object_is_type(m, json_type_object))
        return;
    c->text = llmperf__json_str(m, "content", &c->text_len);
    c->reasoning = llmperf__json_str(m, "reasoning_content",
                                     &c->reasoning_len);
    if (c->reasoning == NULL)
        c->reasoning = llmperf__json_str(m, "reasoning", &c->reasoning_len);
}

static int decode(llmperf__decoder *d, json_object *ev, llmperf__chunk *c)
{
    json_object *v, *ch;
    const char *s;
    size_t len;

    /* {"error":{...}} (vLLM, llama.cpp) or {"object":"error",...}. */
    if ((json_object_object_get_ex(ev, "error", &v) && v != NULL) ||
        ((s = llmperf__json_str(ev, "object", NULL)) != NULL &&
         strcmp(s, "error") == 0))
        return llmperf__decoder_server_error(d,
                                             llmperf__json_error_text(ev));
    if (d->info.model == NULL &&
        (s = llmperf__json_str(ev, "model", &len)) != NULL &&
        llmperf__set_owned(&d->info.model, s, len) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    if (json_object_object_get_ex(ev, "usage", &v))
        decode_usage(d, v);
    if (json_object_object_get_ex(ev, "timings", &v))
        llmperf__decode_llamacpp_timings(d, v);
    /* We ask for one choice (no "n"), so only the first one is read. */
    if (json_object_object_get_ex(ev, "choices", &v) &&
        json_object_is_type(v, json_type_array) &&
        json_object_array_length(v) > 0 &&
        (ch = json_object_array_get_idx(v, 0)) != NULL &&
        json_object_is_type(ch, json_type_object)) {
        decode_choice(ch, c);
        s = llmperf__json_str(ch, "finish_reason", &len);
        if (s != NULL &&
            llmperf__set_owned(&d->info.finish_reason, s, len) != LLMPERF_OK)
            return LLMPERF_ENOMEM;
    }
    return LLMPERF_OK;
}

/* decode() without json-c for the usual chunk: no error, no usage, no
 * timings (those go to decode()). Everything is read before anything is
 * stored, so a LLMPERF__FAST_NO leaves no trace. */
static int fast(llmperf__decoder *d, const llmperf__jspan *ev, char *scratch,
                llmperf__chunk *c)
{
    enum { ERR, OBJECT, MODEL, USAGE, TIMINGS, CHOICES, NTOP };
    static const char *const top[NTOP] = {"error", "object", "model",
                                          "usage", "timings", "choices"};
    static const char *const chk[] = {"text", "delta", "message",
                                      "finish_reason"};
    static const char *const msk[] = {"content", "reasoning_content",
                                      "reasoning"};
    llmperf__jspan v[NTOP], ch, cv[4], mv[3], *m;
    const char *model = NULL, *fin = NULL;
    size_t model_len = 0, fin_len = 0;

    if (!llmperf__jfast_pick(ev, top, NTOP, v) ||
        (v[ERR].type != LLMPERF__J_NONE && v[ERR].type != LLMPERF__J_NULL) ||
        (v[OBJECT].type == LLMPERF__J_STR &&
         (v[OBJECT].escaped ||
          (v[OBJECT].n == 7 && memcmp(v[OBJECT].p, "\"error\"", 7) == 0))) ||
        (v[USAGE].type != LLMPERF__J_NONE &&
         v[USAGE].type != LLMPERF__J_NULL) ||
        v[TIMINGS].type != LLMPERF__J_NONE)
        return LLMPERF__FAST_NO;
    if (d->info.model == NULL && v[MODEL].type == LLMPERF__J_STR &&
        !llmperf__jfast_str(&v[MODEL], &scratch, &model, &model_len))
        return LLMPERF__FAST_NO;
    if (v[CHOICES].type == LLMPERF__J_ARR &&
        llmperf__jfast_first(&v[CHOICES], &ch) &&
        ch.type == LLMPERF__J_OBJ) {
        if (!llmperf__jfast_pick(&ch, chk, 4, cv))
            return LLMPERF__FAST_NO;
        if (cv[0].type == LLMPERF__J_STR) {
            if (!llmperf__jfast_str(&cv[0], &scratch, &c->text,
                                    &c->text_len))
                return LLMPERF__FAST_NO;
        } else {
            /* "delta" if present (even null), else "message" */
            m = cv[1].type != LLMPERF__J_NONE ? &cv[1] : &cv[2];
            if (m->type == LLMPERF__J_OBJ) {
                if (!llmperf__jfast_pick(m, msk, 3, mv) ||
                    (mv[0].type == LLMPERF__J_STR &&
                     !llmperf__jfast_str(&mv[0], &scratch, &c->text,
                                         &c->text_len)))
                    return LLMPERF__FAST_NO;
                if (mv[1].type != LLMPERF__J_STR)
                    mv[1] = mv[2];
                if (mv[1].type == LLMPERF__J_STR &&
                    !llmperf__jfast_str(&mv[1], &scratch, &c->reasoning,
                                        &c->reasoning_len))
                    return LLMPERF__FAST_NO;
            }
        }
        if (cv[3].type == LLMPERF__J_STR &&
            !llmperf__jfast_str(&cv[3], &scratch, &fin, &fin_len))
            return LLMPERF__FAST_NO;
    }
    if ((model != NULL &&
         llmperf__set_owned(&d->info.model, model, model_len)) ||
        (fin != NULL &&
         llmperf__set_owned(&d->info.finish_reason, fin, fin_len)))
        return LLMPERF_ENOMEM;
    return LLMPERF_OK;
}

const llmperf__backend llmperf__backend_openai = {
    .id = LLMPERF_BACKEND_OPENAI,
    .name = "openai",
    .path = "/v1/completions",
    .path_nostream = "/v1/completions",
    .default_url = "http://127.0.0.1:8000",
    .framing = LLMPERF__FRAMING_SSE,
    .sentinel = "[DONE]",
    .build = build_completions,
    .decode = decode,
    .fast = fast,
};

const llmperf__backend llmperf__backend_openai_chat = {
    .id = LLMPERF_BACKEND_OPENAI_CHAT,
    .name = "openai-chat",
    .path = "/v1/chat/completions",
    .path_nostream = "/v1/chat/completions",
    .default_url = "http://127.0.0.1:8000",
    .framing = LLMPERF__FRAMING_SSE,
    .sentinel = "[DONE]",
    .build = build_chat,
    .decode = decode,
    .fast = fast,
};
