/* SPDX-License-Identifier: MIT */
/*
 * backend_tgi.c -- Hugging Face text-generation-inference: POST
 * /generate_stream with {"inputs", "parameters"}, answered with one SSE
 * event per token and no "[DONE]": the last event is the one with
 * "generated_text" (the whole text again, which must not count as a
 * chunk) and, since we ask for "details", details.generated_tokens.
 *
 * A special token (e.g. "</s>") is generated output but not text: it is
 * counted by the server, not shown as a content chunk. TGI has no
 * ignore-EOS or minimum-length parameter (config.c refuses them), and
 * rejects temperature 0: greedy decoding is "do_sample": false.
 */
#include <string.h>

#include "backend.h"
#include "internal.h"

static int build(json_object *body, const llmperf_config *cfg,
                 const char *prompt, int64_t max_tokens)
{
    json_object *params = json_object_new_object();
    int rc;

    rc = llmperf__json_put(body, "parameters", params);
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(body, "inputs",
                               llmperf__json_prompt_with_system(cfg, prompt));
    if (rc == LLMPERF_OK && max_tokens > 0)
        rc = llmperf__json_put(params, "max_new_tokens",
                               json_object_new_int64(max_tokens));
    if (rc == LLMPERF_OK && cfg->temperature > 0) {
        rc = llmperf__json_put(params, "temperature",
                               json_object_new_double(cfg->temperature));
        if (rc == LLMPERF_OK)
            rc = llmperf__json_put(params, "do_sample",
                                   json_object_new_boolean(1));
    } else if (rc == LLMPERF_OK && cfg->temperature == 0) {
        rc = llmperf__json_put(params, "do_sample",
                               json_object_new_boolean(0));
    }
    if (rc == LLMPERF_OK && cfg->top_p > 0)
        rc = llmperf__json_put(params, "top_p",
                               json_object_new_double(cfg->top_p));
    if (rc == LLMPERF_OK && cfg->seed >= 0)
        rc = llmperf__json_put(params, "seed",
                               json_object_new_int64(cfg->seed));
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put_stops(params, cfg);
    /* details: the final event then holds generated_tokens. */
    if (rc == LLMPERF_OK)
        rc = llmperf__json_put(params, "details", json_object_new_boolean(1));
    return rc;
}

static int decode_details(llmperf__decoder *d, json_object *det)
{
    const char *s;
    size_t len;
    int64_t n;

    if ((n = llmperf__json_i64(det, "generated_tokens")) >= 0)
        d->info.output_tokens = n;
    if ((n = llmperf__json_i64(det, "input_length")) >= 0)
        d->info.prompt_tokens = n;
    if ((s = llmperf__json_str(det, "finish_reason", &len)) != NULL &&
        llmperf__set_owned(&d->info.finish_reason, s, len) != LLMPERF_OK)
        return LLMPERF_ENOMEM;
    return LLMPERF_OK;
}

static int decode(llmperf__decoder *d, json_object *ev, llmperf__chunk *c)
{
    json_object *v, *tok;

    /* {"error": "...", "error_type": "..."} */
    if (json_object_object_get_ex(ev, "error", &v) && v != NULL)
        return llmperf__decoder_server_error(d,
                                             llmperf__json_error_text(ev));
    if (json_object_object_get_ex(ev, "token", &tok) &&
        json_object_is_type(tok, json_type_object)) {
        c->tokens = 1;
        if (!(json_object_object_get_ex(tok, "special", &v) &&
              json_object_get_boolean(v)))
            c->text = llmperf__json_str(tok, "text", &c->text_len);
    } else if (!d->stream) {
        /* /generate: the whole answer in generated_text. */
        c->text = llmperf__json_str(ev, "generated_text", &c->text_len);
    }
    if (json_object_object_get_ex(ev, "details", &v) &&
        json_object_is_type(v, json_type_object)) {
        d->done = 1;
        return decode_details(d, v);
    }
    if (llmperf__json_str(ev, "generated_text", NULL) != NULL)
        d->done = 1; /* the last event, sent without details */
    return LLMPERF_OK;
}

/* decode() without json-c for token events of a stream; errors, the
 * final event (details or generated_text) and /generate go to decode(). */
static int fast(llmperf__decoder *d, const llmperf__jspan *ev, char *scratch,
                llmperf__chunk *c)
{
    enum { ERR, TOKEN, DETAILS, GENERATED, NTOP };
    static const char *const top[NTOP] = {"error", "token", "details",
                                          "generated_text"};
    static const char *const tk[] = {"special", "text"};
    llmperf__jspan v[NTOP], tv[2];

    if (!d->stream || !llmperf__jfast_pick(ev, top, NTOP, v) ||
        (v[ERR].type != LLMPERF__J_NONE && v[ERR].type != LLMPERF__J_NULL) ||
        v[DETAILS].type == LLMPERF__J_OBJ ||
        v[GENERATED].type == LLMPERF__J_STR)
        return LLMPERF__FAST_NO;
    if (v[TOKEN].type != LLMPERF__J_OBJ)
        return LLMPERF_OK;
    if (!llmperf__jfast_pick(&v[TOKEN], tk, 2, tv) ||
        (tv[0].type != LLMPERF__J_NONE && tv[0].type != LLMPERF__J_NULL &&
         tv[0].type != LLMPERF__J_BOOL))
        return LLMPERF__FAST_NO; /* json-c's own truth rules */
    if (!llmperf__jfast_true(&tv[0]) && tv[1].type == LLMPERF__J_STR &&
        !llmperf__jfast_str(&tv[1], &scratch, &c->text, &c->text_len))
        return LLMPERF__FAST_NO;
    c->tokens = 1;
    return LLMPERF_OK;
}

const llmperf__backend llmperf__backend_tgi = {
    .id = LLMPERF_BACKEND_TGI,
    .name = "tgi",
    .path = "/generate_stream",
    .path_nostream = "/generate",
    .default_url = "http://127.0.0.1:3000",
    .framing = LLMPERF__FRAMING_SSE,
    .sentinel = NULL,
    .build = build,
    .decode = decode,
    .fast = fast,
};
