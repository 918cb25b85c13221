/* SPDX-License-Identifier: MIT */
/*
 * backend_ollama.c -- Ollama's native API: POST /api/generate and
 * /api/chat, answered with NDJSON lines. The last line has "done": true
 * and the server's own timings in nanoseconds.
 *
 * Quirk that shapes the decoder: Ollama's Go structs mark the metric
 * fields omitempty, so a zero duration or count is *absent*, not 0 (a
 * fully cached prompt has no prompt_eval_* at all). Once the done line
 * arrives we therefore read an absent duration or count as 0, except the
 * prompt length: an absent prompt_eval_count says nothing about how long
 * the prompt was, so PROMPT_TOKENS stays unknown.
 */
#include <string.h>

#include "backend.h"
#include "internal.h"

static int put_options(json_object *body, const llmperf_config *cfg,
                       int64_t max_tokens)
{
    json_object *opts = json_object_new_object();
    int rc;

    if (opts == NULL)
        return LLMPERF_ENOMEM;
    rc = LLMPERF_OK;
    if (max_tokens > 0)
        rc = llmperf__json_put(opts, "num_predict",
                               json_object_new_int64(max_tokens));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put_sampling(opts, cfg);
    if (rc != LLMPERF_OK || json_object_object_length(opts) == 0) {
        json_object_put(opts);
        return rc;
    }
    return llmperf__json_put(body, "options", opts);
}

static int put_common(json_object *body, const llmperf_config *cfg)
{
    int rc = LLMPERF_OK;

    if (cfg->model != NULL)
        rc = llmperf__json_put(body, "model",
                               json_object_new_string(cfg->model));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(body, "stream",
                               json_object_new_boolean(cfg->stream != 0));
    return rc;
}

static int build_generate(json_object *body, const llmperf_config *cfg,
                          const char *prompt, int64_t max_tokens)
{
    int rc = put_common(body, cfg);

    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(body, "prompt", json_object_new_string(prompt));
    if (rc == LLMPERF_OK && cfg->system_prompt != NULL)
        rc = llmperf__json_put(body, "system",
                               json_object_new_string(cfg->system_prompt));
    if (rc == LLMPERF_OK)
        rc = put_options(body, cfg, max_tokens);
    return rc;
}

static int build_chat(json_object *body, const llmperf_config *cfg,
                      const char *prompt, int64_t max_tokens)
{
    int rc = put_common(body, cfg);

    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(body, "messages",
                               llmperf__json_chat_messages(cfg, prompt));
    if (rc == LLMPERF_OK)
        rc = put_options(body, cfg, max_tokens);
    return rc;
}

static int64_t or_zero(int64_t v)
{
    return v < 0 ? 0 : v;
}

/* The done line: finish reason, durations and counts. */
static int decode_done(llmperf__decoder *d, json_object *ev)
{
    llmperf__stream_info *in = &d->info;
    const char *reason;
    size_t len;
    int64_t n;

    d->done = 1;
    reason = llmperf__json_str(ev, "done_reason", &len);
    if (reason != NULL &&
        llmperf__set_owned(&in->finish_reason, reason, len) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    in->server_load_ns = or_zero(llmperf__json_i64(ev, "load_duration"));
    in->server_prompt_ns =
        or_zero(llmperf__json_i64(ev, "prompt_eval_duration"));
    in->server_decode_ns = or_zero(llmperf__json_i64(ev, "eval_duration"));
    in->server_total_ns = or_zero(llmperf__json_i64(ev, "total_duration"));
    n = llmperf__json_i64(ev, "prompt_eval_count");
    in->server_prompt_tokens = or_zero(n);
    if (n >= 0)
        in->prompt_tokens = n;
    n = or_zero(llmperf__json_i64(ev, "eval_count"));
    in->server_output_tokens = n;
    in->output_tokens = n;
    return LLMPERF_OK;
}

static int decode(llmperf__decoder *d, json_object *ev, llmperf__chunk *c)
{
    json_object *v, *msg = ev;
    const char *s;
    size_t len;

    /* {"error": "..."}: as the last line of a 200 stream once generation
     * has started (status is already sent). */
    if (json_object_object_get_ex(ev, "error", &v) && v != NULL)
        return llmperf__decoder_server_error(d,
                                             llmperf__json_error_text(ev));
    if (d->info.model == NULL &&
        (s = llmperf__json_str(ev, "model", &len)) != NULL &&
        llmperf__set_owned(&d->info.model, s, len) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    /* /api/generate: "response" and "thinking" at the top level;
     * /api/chat: the same inside "message" as "content", "thinking". */
    if (d->be->id == LLMPERF_BACKEND_OLLAMA_CHAT) {
        if (json_object_object_get_ex(ev, "message", &msg) &&
            json_object_is_type(msg, json_type_object))
            c->text = llmperf__json_str(msg, "content", &c->text_len);
        else
            msg = NULL;
    } else {
        c->text = llmperf__json_str(ev, "response", &c->text_len);
    }
    if (msg != NULL)
        c->reasoning = llmperf__json_str(msg, "thinking", &c->reasoning_len);
    if (json_object_object_get_ex(ev, "done", &v) &&
        json_object_is_type(v, json_type_boolean) &&
        json_object_get_boolean(v))
        return decode_done(d, ev);
    return LLMPERF_OK;
}

/* decode() without json-c for lines that are not the done line or an
 * error (those go to decode()); nothing is stored before it decides. */
static int fast(llmperf__decoder *d, const llmperf__jspan *ev, char *scratch,
                llmperf__chunk *c)
{
    enum { ERR, MODEL, MESSAGE, RESPONSE, THINKING, DONE, NTOP };
    static const char *const top[NTOP] = {"error",    "model",
                                          "message",  "response",
                                          "thinking", "done"};
    static const char *const msk[] = {"content", "thinking"};
    llmperf__jspan v[NTOP], mv[2], *text = NULL, *think = NULL;
    const char *model = NULL;
    size_t model_len = 0;

    if (!llmperf__jfast_pick(ev, top, NTOP, v) ||
        (v[ERR].type != LLMPERF__J_NONE && v[ERR].type != LLMPERF__J_NULL) ||
        llmperf__jfast_true(&v[DONE]))
        return LLMPERF__FAST_NO;
    if (d->be->id == LLMPERF_BACKEND_OLLAMA_CHAT) {
        if (v[MESSAGE].type == LLMPERF__J_OBJ) {
            if (!llmperf__jfast_pick(&v[MESSAGE], msk, 2, mv))
                return LLMPERF__FAST_NO;
            text = &mv[0];
            think = &mv[1];
        }
    } else {
        text = &v[RESPONSE];
        think = &v[THINKING];
    }
    if (d->info.model == NULL && v[MODEL].type == LLMPERF__J_STR &&
        !llmperf__jfast_str(&v[MODEL], &scratch, &model, &model_len))
        return LLMPERF__FAST_NO;
    if ((text != NULL && text->type == LLMPERF__J_STR &&
         !llmperf__jfast_str(text, &scratch, &c->text, &c->text_len)) ||
        (think != NULL && think->type == LLMPERF__J_STR &&
         !llmperf__jfast_str(think, &scratch, &c->reasoning,
                             &c->reasoning_len)))
        return LLMPERF__FAST_NO;
    if (model != NULL && llmperf__set_owned(&d->info.model, model, model_len))
        return LLMPERF_ENOMEM;
    return LLMPERF_OK;
}

const llmperf__backend llmperf__backend_ollama = {
    .id = LLMPERF_BACKEND_OLLAMA,
    .name = "ollama",
    .path = "/api/generate",
    .path_nostream = "/api/generate",
    .default_url = "http://127.0.0.1:11434",
    .framing = LLMPERF__FRAMING_NDJSON,
    .sentinel = NULL,
    .build = build_generate,
    .decode = decode,
    .fast = fast,
};

const llmperf__backend llmperf__backend_ollama_chat = {
    .id = LLMPERF_BACKEND_OLLAMA_CHAT,
    .name = "ollama-chat",
    .path = "/api/chat",
    .path_nostream = "/api/chat",
    .default_url = "http://127.0.0.1:11434",
    .framing = LLMPERF__FRAMING_NDJSON,
    .sentinel = NULL,
    .build = build_chat,
    .decode = decode,
    .fast = fast,
};
