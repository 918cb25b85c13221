/* SPDX-License-Identifier: MIT */
/*
 * test_mock_protocols.c -- llmperf-mock speaks every protocol as the
 * fixtures show it: each endpoint's stream splits into events with the
 * library's SSE/NDJSON parsers and every event has the fixture's keys
 * and value types; non-streamed answers, error bodies and statuses,
 * model listings, keep-alive and chunked encoding, max-token rules, the
 * prefix cache and the server timings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_harness.h"

#define FIX LLMPERF_SHARED_DIR "/fixtures/"

static const char *const quick[] = {
    "--load-ms", "0", "--prefill-base-ms", "1", "--decode-ms-per-token",
    "1", "--jitter", "0", "--output-tokens", "fixed:6", NULL};

struct ctx {
    struct mockp p;
    struct xfer x;
    struct event_list *ev, *fx;
};

static struct ctx *ctx_new(const char *const *args)
{
    struct ctx *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    c->ev = calloc(1, sizeof(*c->ev));
    c->fx = calloc(1, sizeof(*c->fx));
    assert_non_null(c->ev);
    assert_non_null(c->fx);
    assert_int_equal(mockp_start(&c->p, args), 0);
    return c;
}

static void ctx_free(struct ctx *c)
{
    events_free(c->ev);
    events_free(c->fx);
    xfer_free(&c->x);
    /* a clean exit: under the sanitizer build a leak or an error in the
     * mock makes this non-zero */
    if (c->p.pid > 0)
        assert_int_equal(mockp_stop(&c->p, 0), 0);
    mockp_cleanup(&c->p);
    free(c->ev);
    free(c->fx);
    free(c);
}

/* POST (or GET with body NULL) and wait; x is reset first. */
static void run(struct ctx *c, const char *path, const char *body,
                const char *const *hdrs)
{
    xfer_free(&c->x);
    xfer_init(&c->x, &c->p, path, body, hdrs);
    assert_int_equal(xfer_one(&c->x, 10000), 0);
}

static void stream(struct ctx *c, const char *path, const char *body,
                   int kind)
{
    run(c, path, body, NULL);
    assert_int_equal(c->x.rc, CURLE_OK);
    assert_int_equal(c->x.status, 200);
    assert_true(c->x.chunked);
    events_free(c->ev);
    events_parse(c->ev, &c->x, kind);
    assert_int_equal(c->ev->parse_rc, 0);
}

static void fixture(struct ctx *c, const char *name, int kind)
{
    events_free(c->fx);
    assert_int_equal(events_parse_file(c->fx, name, kind), 0);
    assert_true(c->fx->n > 0);
}

static void same_shape(json_object *got, json_object *want, int extra_ok)
{
    const char *d;

    assert_non_null(got);
    assert_non_null(want);
    d = json_shape_diff(got, want, extra_ok);
    if (d)
        fail_msg("shape differs from the fixture: %s\n  got:  %s\n  want: %s",
                 d, json_object_to_json_string(got),
                 json_object_to_json_string(want));
}

/* Ollama omits zero metric fields (and "context" is optional): compare
 * without the optional keys that one side lacks. */
static void same_shape_omitempty(json_object *got, json_object *want)
{
    static const char *const opt[] = {
        "load_duration", "prompt_eval_count", "prompt_eval_duration",
        "eval_count", "eval_duration", "total_duration", "context", NULL};
    json_object *w = NULL, *g = NULL;
    int i;

    assert_int_equal(json_object_deep_copy(want, &w, NULL), 0);
    assert_int_equal(json_object_deep_copy(got, &g, NULL), 0);
    for (i = 0; opt[i]; i++)
        if (!json_object_object_get_ex(got, opt[i], NULL) ||
            !json_object_object_get_ex(want, opt[i], NULL)) {
            json_object_object_del(w, opt[i]);
            json_object_object_del(g, opt[i]);
        }
    same_shape(g, w, 0);
    json_object_put(w);
    json_object_put(g);
}

/* ---- streams against the fixtures -------------------------------------- */

static void test_ollama_generate(void **state)
{
    static const char *const args[] = {
        "--load-ms", "20", "--prefill-base-ms", "1", "--decode-ms-per-token",
        "1", "--jitter", "0", "--output-tokens", "fixed:6", NULL};
    struct ctx *c = ctx_new(args);
    json_object *last;
    size_t i;

    (void)state;
    stream(c, "/api/generate",
           "{\"model\":\"llmperf-mock\",\"prompt\":\"Why is the sky blue?\"}",
           EV_NDJSON);
    assert_string_equal(c->x.ctype, "application/x-ndjson");
    assert_int_equal(c->ev->n, 7);
    fixture(c, FIX "ollama/generate_stream.ndjson", EV_NDJSON);
    for (i = 0; i < 6; i++) {
        same_shape(c->ev->obj[i], c->fx->obj[0], 0);
        assert_true(strlen(jstr(c->ev->obj[i], "response")) > 0);
    }
    last = c->ev->obj[6];
    /* cold start: every metric is there, as in the fixture */
    same_shape(last, c->fx->obj[c->fx->n - 1], 0);
    assert_int_equal(jint(last, "eval_count"), 6);
    assert_true(jint(last, "load_duration") >= 15000000);
    assert_true(json_object_get_boolean(jget(last, "done")));

    /* the same prompt again: warm and fully cached, like the fixture */
    stream(c, "/api/generate",
           "{\"model\":\"llmperf-mock\",\"prompt\":\"Why is the sky blue?\"}",
           EV_NDJSON);
    fixture(c, FIX "ollama/generate_stream_cached_prompt.ndjson", EV_NDJSON);
    last = c->ev->obj[c->ev->n - 1];
    assert_null(jget(last, "prompt_eval_count"));
    same_shape_omitempty(last, c->fx->obj[c->fx->n - 1]);
    ctx_free(c);
}

static void test_ollama_chat(void **state)
{
    struct ctx *c = ctx_new(quick);
    size_t i;

    (void)state;
    stream(c, "/api/chat",
           "{\"model\":\"llmperf-mock\",\"messages\":[{\"role\":\"user\","
           "\"content\":\"Say hello\"}]}", EV_NDJSON);
    fixture(c, FIX "ollama/chat_stream.ndjson", EV_NDJSON);
    assert_int_equal(c->ev->n, 7);
    for (i = 0; i < 6; i++)
        same_shape(c->ev->obj[i], c->fx->obj[0], 0);
    same_shape_omitempty(c->ev->obj[6], c->fx->obj[c->fx->n - 1]);
    assert_string_equal(jstr(c->ev->obj[6], "message.content"), "");
    assert_true(jint(c->ev->obj[6], "prompt_eval_count") > 5);
    ctx_free(c);
}

static void test_openai_completions(void **state)
{
    struct ctx *c = ctx_new(quick);
    struct event_list *usage_fx = calloc(1, sizeof(*usage_fx));
    size_t i;

    (void)state;
    assert_non_null(usage_fx);
    stream(c, "/v1/completions",
           "{\"model\":\"llmperf-mock\",\"prompt\":\"Once upon a time\","
           "\"max_tokens\":4,\"stream\":true,"
           "\"stream_options\":{\"include_usage\":true}}", EV_SSE);
    assert_string_equal(c->x.ctype, "text/event-stream; charset=utf-8");
    fixture(c, FIX "openai/completions_stream_crlf_nospace.sse", EV_SSE);
    assert_true(c->ev->done);
    assert_int_equal(c->ev->n, 5); /* 4 tokens + usage */
    for (i = 0; i < 3; i++) {
        same_shape(c->ev->obj[i], c->fx->obj[0], 0);
        assert_null(jstr(c->ev->obj[i], "choices.0.finish_reason"));
    }
    same_shape(c->ev->obj[3], c->fx->obj[1], 0);
    assert_string_equal(jstr(c->ev->obj[3], "choices.0.finish_reason"),
                        "length");
    /* usage chunk: empty choices, vLLM's keys plus cached_tokens */
    assert_int_equal(events_parse_file(usage_fx, FIX "openai/"
                                       "vllm_chat_stream_role_first.sse",
                                       EV_SSE), 0);
    same_shape(c->ev->obj[4], usage_fx->obj[usage_fx->n - 1], 1);
    assert_int_equal(json_object_array_length(jget(c->ev->obj[4], "choices")),
                     0);
    assert_int_equal(jint(c->ev->obj[4], "usage.completion_tokens"), 4);
    assert_non_null(jget(c->ev->obj[4],
                         "usage.prompt_tokens_details.cached_tokens"));

    /* without include_usage there is no usage chunk */
    stream(c, "/v1/completions",
           "{\"prompt\":\"x\",\"max_tokens\":3,\"stream\":true}", EV_SSE);
    assert_int_equal(c->ev->n, 3);
    assert_true(c->ev->done);
    events_free(usage_fx);
    free(usage_fx);
    ctx_free(c);
}

static void test_openai_chat(void **state)
{
    struct ctx *c = ctx_new(quick);
    json_object *role;
    size_t i;

    (void)state;
    stream(c, "/v1/chat/completions",
           "{\"model\":\"llmperf-mock\",\"messages\":[{\"role\":\"user\","
           "\"content\":\"hi\"}],\"max_tokens\":4,\"stream\":true,"
           "\"stream_options\":{\"include_usage\":true}}", EV_SSE);
    fixture(c, FIX "openai/vllm_chat_stream_role_first.sse", EV_SSE);
    assert_true(c->ev->done);
    assert_int_equal(c->ev->n, 6); /* role + 4 tokens + usage */
    role = c->ev->obj[0];
    same_shape(role, c->fx->obj[0], 0);
    assert_string_equal(jstr(role, "choices.0.delta.role"), "assistant");
    assert_string_equal(jstr(role, "choices.0.delta.content"), "");
    for (i = 1; i < 4; i++)
        same_shape(c->ev->obj[i], c->fx->obj[1], 0);
    same_shape(c->ev->obj[4], c->fx->obj[3], 0);
    assert_string_equal(jstr(c->ev->obj[4], "choices.0.finish_reason"),
                        "length");
    same_shape(c->ev->obj[5], c->fx->obj[4], 1);
    assert_int_equal(jint(c->ev->obj[5], "usage.total_tokens"),
                     jint(c->ev->obj[5], "usage.prompt_tokens") + 4);
    assert_string_equal(jstr(c->ev->obj[5], "object"),
                        "chat.completion.chunk");
    ctx_free(c);
}

static void test_llamacpp(void **state)
{
    struct ctx *c = ctx_new(quick);
    json_object *fin;
    size_t i;

    (void)state;
    stream(c, "/completion",
           "{\"prompt\":\"Once upon a time\",\"n_predict\":4,"
           "\"stream\":true}", EV_SSE);
    assert_string_equal(c->x.ctype, "text/event-stream");
    fixture(c, FIX "llama.cpp/llamacpp_completion_stream.txt", EV_SSE);
    assert_false(c->ev->done); /* llama.cpp sends no [DONE] */
    assert_int_equal(c->ev->n, 5);
    for (i = 0; i < 4; i++)
        same_shape(c->ev->obj[i], c->fx->obj[0], 0);
    fin = c->ev->obj[4];
    same_shape(fin, c->fx->obj[c->fx->n - 1], 0);
    assert_true(json_object_get_boolean(jget(fin, "stop")));
    assert_string_equal(jstr(fin, "stop_type"), "limit");
    assert_int_equal(jint(fin, "timings.predicted_n"), 4);
    /* "Once upon a time" is 4 tokens by the rule, plus BOS, as in the
     * captured fixture */
    assert_int_equal(jint(fin, "tokens_evaluated"), 5);
    assert_int_equal(jint(fin, "timings.prompt_n") +
                         jint(fin, "timings.cache_n"), 5);

    /* timings_per_token and return_progress, as the second capture */
    stream(c, "/completion",
           "{\"prompt\":\"Once upon a time\",\"n_predict\":3,\"stream\":true,"
           "\"timings_per_token\":true,\"return_progress\":true}", EV_SSE);
    fixture(c, FIX "llama.cpp/llamacpp_completion_stream_progress.txt",
            EV_SSE);
    assert_int_equal(c->ev->n, 6);
    same_shape(c->ev->obj[0], c->fx->obj[0], 0); /* progress, start */
    same_shape(c->ev->obj[1], c->fx->obj[1], 0); /* progress, done */
    for (i = 2; i < 5; i++)
        same_shape(c->ev->obj[i], c->fx->obj[2], 0);
    same_shape(c->ev->obj[5], c->fx->obj[c->fx->n - 1], 0);
    /* the repeated prompt was served from the slot's cache */
    assert_int_equal(jint(c->ev->obj[5], "timings.cache_n"), 4);
    assert_int_equal(jint(c->ev->obj[5], "timings.prompt_n"), 1);
    ctx_free(c);
}

static void test_tgi(void **state)
{
    static const char *const args[] = {
        "--load-ms", "0", "--decode-ms-per-token", "1", "--jitter", "0",
        "--output-tokens", "fixed:3", NULL};
    struct ctx *c = ctx_new(args);
    json_object *fin;
    size_t i;

    (void)state;
    stream(c, "/generate_stream",
           "{\"inputs\":\"Hello\",\"parameters\":{\"max_new_tokens\":10}}",
           EV_SSE);
    fixture(c, FIX "tgi/generate_stream.sse", EV_SSE);
    assert_false(c->ev->done);
    assert_int_equal(c->ev->n, 3);
    for (i = 0; i < 2; i++) {
        same_shape(c->ev->obj[i], c->fx->obj[0], 0);
        assert_int_equal(jint(c->ev->obj[i], "index"), (int64_t)i + 1);
    }
    fin = c->ev->obj[2];
    same_shape(fin, c->fx->obj[c->fx->n - 1], 0);
    /* a natural stop streams the EOS token itself */
    assert_true(json_object_get_boolean(jget(fin, "token.special")));
    assert_string_equal(jstr(fin, "details.finish_reason"), "eos_token");
    assert_int_equal(jint(fin, "details.generated_tokens"), 3);
    /* the data: lines carry no space after the colon */
    assert_non_null(strstr(c->x.body, "data:{\"index\":1"));
    ctx_free(c);
}

/* ---- non-streamed answers ---------------------------------------------- */

static json_object *body_json(struct ctx *c)
{
    json_object *o;

    assert_int_equal(c->x.rc, CURLE_OK);
    assert_false(c->x.chunked);
    o = json_tokener_parse(c->x.body ? c->x.body : "");
    assert_non_null(o);
    return o;
}

static void test_non_streaming(void **state)
{
    struct ctx *c = ctx_new(quick);
    json_object *o;

    (void)state;
    run(c, "/api/generate",
        "{\"model\":\"llmperf-mock\",\"prompt\":\"hi\",\"stream\":false}",
        NULL);
    assert_int_equal(c->x.status, 200);
    o = body_json(c);
    assert_true(strlen(jstr(o, "response")) > 0);
    assert_int_equal(jint(o, "eval_count"), 6);
    assert_true(json_object_get_boolean(jget(o, "done")));
    json_object_put(o);

    run(c, "/api/chat",
        "{\"model\":\"llmperf-mock\",\"stream\":false,\"messages\":"
        "[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL);
    o = body_json(c);
    assert_string_equal(jstr(o, "message.role"), "assistant");
    json_object_put(o);

    run(c, "/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":5}", NULL);
    o = body_json(c);
    assert_string_equal(jstr(o, "object"), "text_completion");
    assert_int_equal(jint(o, "usage.completion_tokens"), 5);
    assert_non_null(jstr(o, "choices.0.text"));
    json_object_put(o);

    run(c, "/v1/chat/completions",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
        "\"text\":\"hi\"}]}],\"max_completion_tokens\":2}", NULL);
    o = body_json(c);
    assert_string_equal(jstr(o, "object"), "chat.completion");
    assert_string_equal(jstr(o, "choices.0.message.role"), "assistant");
    assert_int_equal(jint(o, "usage.completion_tokens"), 2);
    json_object_put(o);

    run(c, "/completion", "{\"prompt\":\"Once upon a time\",\"n_predict\":4}",
        NULL);
    o = body_json(c);
    fixture(c, FIX "llama.cpp/llamacpp_completion_stream.txt", EV_SSE);
    same_shape(o, c->fx->obj[c->fx->n - 1], 0);
    assert_true(strlen(jstr(o, "content")) > 0);
    json_object_put(o);

    run(c, "/generate",
        "{\"inputs\":\"hi\",\"parameters\":{\"max_new_tokens\":4,"
        "\"details\":true}}", NULL);
    o = body_json(c);
    assert_non_null(jstr(o, "generated_text"));
    assert_int_equal(jint(o, "details.generated_tokens"), 4);
    json_object_put(o);
    ctx_free(c);
}

/* ---- errors ------------------------------------------------------------ */

static void expect_error(struct ctx *c, const char *path, const char *body,
                         long status, const char *key)
{
    json_object *o;

    run(c, path, body, NULL);
    assert_int_equal(c->x.status, status);
    o = json_tokener_parse(c->x.body ? c->x.body : "");
    if (!o || !jget(o, key))
        fail_msg("%s %s: %ld body '%s' lacks %s", path, body, c->x.status,
                 c->x.body ? c->x.body : "", key);
    json_object_put(o);
}

static void test_errors(void **state)
{
    struct ctx *c = ctx_new(quick);
    size_t flen = 0;
    char *fx = read_file_all(FIX "ollama/generate_error_404.http", &flen);
    const char *fbody;
    json_object *o, *want;

    (void)state;
    /* Ollama's unknown model: the fixture's exact bytes */
    assert_non_null(fx);
    fbody = strstr(fx, "\r\n\r\n");
    assert_non_null(fbody);
    run(c, "/api/generate", "{\"model\":\"llama9:70b\",\"prompt\":\"hi\"}",
        NULL);
    assert_int_equal(c->x.status, 404);
    assert_string_equal(c->x.body, fbody + 4);
    assert_string_equal(c->x.ctype, "application/json; charset=utf-8");
    free(fx);

    /* OpenAI's unknown model */
    run(c, "/v1/completions", "{\"model\":\"nope\",\"prompt\":\"hi\"}", NULL);
    assert_int_equal(c->x.status, 404);
    o = json_tokener_parse(c->x.body);
    assert_string_equal(jstr(o, "error.type"), "NotFoundError");
    assert_int_equal(jint(o, "error.code"), 404);
    assert_non_null(jstr(o, "error.message"));
    json_object_put(o);

    /* llama.cpp's error object, as captured */
    fx = read_file_all(FIX "llama.cpp/openai_chat_error_400.http", &flen);
    assert_non_null(fx);
    want = json_tokener_parse(strstr(fx, "\r\n\r\n") + 4);
    free(fx);
    run(c, "/completion", "{\"n_predict\":3}", NULL);
    assert_int_equal(c->x.status, 400);
    o = json_tokener_parse(c->x.body);
    same_shape(o, want, 0);
    assert_string_equal(jstr(o, "error.type"), "invalid_request_error");
    json_object_put(o);
    json_object_put(want);

    /* bad JSON: 400 everywhere, in each server's error shape */
    expect_error(c, "/api/generate", "{\"model\":", 400, "error");
    expect_error(c, "/api/chat", "[1,2]", 400, "error");
    expect_error(c, "/v1/completions", "not json", 400, "error.message");
    expect_error(c, "/v1/chat/completions", "{", 400, "error.code");
    expect_error(c, "/completion", "}", 400, "error.type");
    expect_error(c, "/generate_stream", "{\"inputs\"", 400, "error_type");
    /* missing prompt / messages */
    expect_error(c, "/api/generate", "{\"model\":\"llmperf-mock\"}", 400,
                 "error");
    expect_error(c, "/api/chat", "{\"model\":\"llmperf-mock\"}", 400,
                 "error");
    expect_error(c, "/v1/completions", "{\"max_tokens\":3}", 400,
                 "error.message");
    expect_error(c, "/v1/chat/completions", "{\"messages\":[]}", 400,
                 "error.message");
    expect_error(c, "/generate_stream", "{\"parameters\":{}}", 422,
                 "error_type");
    expect_error(c, "/v1/completions",
                 "{\"prompt\":\"x\",\"max_tokens\":0}", 400, "error.message");
    /* Ollama without a model */
    expect_error(c, "/api/generate", "{\"prompt\":\"x\"}", 400, "error");

    /* wrong method, unknown path */
    run(c, "/v1/completions", NULL, NULL);
    assert_int_equal(c->x.status, 405);
    run(c, "/nowhere", NULL, NULL);
    assert_int_equal(c->x.status, 404);
    ctx_free(c);
}

static void test_info_endpoints(void **state)
{
    static const char *const args[] = {"--model", "qwen2.5:0.5b", "--model",
                                       "llama3.2", NULL};
    struct ctx *c = ctx_new(args);
    json_object *o;

    (void)state;
    run(c, "/api/tags", NULL, NULL);
    assert_int_equal(c->x.status, 200);
    o = json_tokener_parse(c->x.body);
    assert_int_equal(json_object_array_length(jget(o, "models")), 2);
    assert_string_equal(jstr(o, "models.0.name"), "qwen2.5:0.5b");
    assert_string_equal(jstr(o, "models.1.model"), "llama3.2");
    json_object_put(o);
    run(c, "/v1/models", NULL, NULL);
    o = json_tokener_parse(c->x.body);
    assert_string_equal(jstr(o, "object"), "list");
    assert_string_equal(jstr(o, "data.1.id"), "llama3.2");
    json_object_put(o);
    run(c, "/health", NULL, NULL);
    o = json_tokener_parse(c->x.body);
    assert_string_equal(jstr(o, "status"), "ok");
    json_object_put(o);
    /* a served model is accepted, the default name is not */
    run(c, "/api/generate",
        "{\"model\":\"llama3.2\",\"prompt\":\"x\",\"stream\":false,"
        "\"options\":{\"num_predict\":2}}", NULL);
    assert_int_equal(c->x.status, 200);
    run(c, "/api/generate", "{\"model\":\"llmperf-mock\",\"prompt\":\"x\"}",
        NULL);
    assert_int_equal(c->x.status, 404);
    run(c, "/metrics", NULL, NULL);
    assert_int_equal(c->x.status, 200);
    assert_non_null(strstr(c->x.body,
        "llmperf_mock_requests_total{endpoint=\"/api/generate\","
        "status=\"404\"} 1\n"));
    assert_non_null(strstr(c->x.body, "llmperf_mock_tokens_generated_total 2"));
    ctx_free(c);
}

/* ---- connection behaviour ---------------------------------------------- */

static void test_keepalive(void **state)
{
    struct ctx *c = ctx_new(quick);
    struct xfer x;
    long conns = -1;
    int i;

    (void)state;
    /* one easy handle (it owns the connection cache), three requests:
     * the connection is reused */
    xfer_init(&x, &c->p, "/v1/completions",
              "{\"prompt\":\"x\",\"max_tokens\":3,\"stream\":true}", NULL);
    for (i = 0; i < 3; i++) {
        free(x.body);
        x.body = NULL;
        x.len = x.cap = 0;
        x.n_pieces = 0;
        x.chunked = 0;
        x.rc = curl_easy_perform(x.h);
        assert_int_equal(x.rc, CURLE_OK);
        assert_true(x.chunked);
        curl_easy_getinfo(x.h, CURLINFO_NUM_CONNECTS, &conns);
        assert_int_equal(conns, i == 0 ? 1 : 0);
        assert_non_null(strstr(x.body, "data: [DONE]\n\n"));
    }
    /* a non-streamed answer has a Content-Length, then the connection
     * is still reusable */
    curl_easy_setopt(x.h, CURLOPT_POSTFIELDS, "{\"prompt\":\"x\"}");
    x.chunked = 0;
    assert_int_equal(curl_easy_perform(x.h), CURLE_OK);
    assert_false(x.chunked);
    curl_easy_getinfo(x.h, CURLINFO_NUM_CONNECTS, &conns);
    assert_int_equal(conns, 0);
    xfer_free(&x);
    ctx_free(c);
}

/* ---- the output-length rules ------------------------------------------- */

static void test_max_tokens_rules(void **state)
{
    struct ctx *c = ctx_new(quick); /* natural length 6 */
    json_object *o;

    (void)state;
    run(c, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":4}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "usage.completion_tokens"), 4);
    assert_string_equal(jstr(o, "choices.0.finish_reason"), "length");
    json_object_put(o);
    run(c, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":50}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "usage.completion_tokens"), 6);
    assert_string_equal(jstr(o, "choices.0.finish_reason"), "stop");
    json_object_put(o);
    /* vLLM ignore_eos: exactly max_tokens */
    run(c, "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":13,\"ignore_eos\":true}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "usage.completion_tokens"), 13);
    json_object_put(o);
    /* vLLM min_tokens: a floor under the natural length */
    run(c, "/v1/chat/completions",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
        "\"max_tokens\":20,\"min_tokens\":9}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "usage.completion_tokens"), 9);
    json_object_put(o);
    /* llama.cpp ignore_eos with n_predict */
    run(c, "/completion",
        "{\"prompt\":\"x\",\"n_predict\":11,\"ignore_eos\":true}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "tokens_predicted"), 11);
    assert_string_equal(jstr(o, "stop_type"), "limit");
    json_object_put(o);
    /* Ollama num_predict; an empty prompt only loads the model */
    run(c, "/api/generate",
        "{\"model\":\"llmperf-mock\",\"prompt\":\"x\",\"stream\":false,"
        "\"options\":{\"num_predict\":3}}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "eval_count"), 3);
    assert_string_equal(jstr(o, "done_reason"), "length");
    json_object_put(o);
    run(c, "/api/generate",
        "{\"model\":\"llmperf-mock\",\"prompt\":\"\",\"stream\":false}", NULL);
    o = body_json(c);
    assert_string_equal(jstr(o, "done_reason"), "load");
    assert_null(jget(o, "eval_count"));
    json_object_put(o);
    ctx_free(c);
}

static void test_prefix_cache(void **state)
{
    static const char *const one_slot[] = {
        "--slots", "1", "--load-ms", "0", "--decode-ms-per-token", "1",
        "--jitter", "0", "--output-tokens", "fixed:2", NULL};
    static const char *const no_cache[] = {
        "--slots", "1", "--load-ms", "0", "--decode-ms-per-token", "1",
        "--jitter", "0", "--output-tokens", "fixed:2", "--no-prefix-cache",
        NULL};
    const char *body = "{\"prompt\":\"The quick brown fox jumps over the "
                       "lazy dog, then it naps.\",\"max_tokens\":2}";
    struct ctx *c = ctx_new(one_slot);
    json_object *o;
    int64_t pt;

    (void)state;
    run(c, "/v1/completions", body, NULL);
    o = body_json(c);
    pt = jint(o, "usage.prompt_tokens");
    assert_true(pt >= 10);
    assert_int_equal(jint(o, "usage.prompt_tokens_details.cached_tokens"), 0);
    json_object_put(o);
    run(c, "/v1/completions", body, NULL);
    o = body_json(c);
    /* all but the last token is reused (logits need one evaluation) */
    assert_int_equal(jint(o, "usage.prompt_tokens_details.cached_tokens"),
                     pt - 1);
    json_object_put(o);
    /* a shared prefix only */
    run(c, "/v1/completions",
        "{\"prompt\":\"The quick brown fox sleeps.\",\"max_tokens\":2}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "usage.prompt_tokens_details.cached_tokens"), 4);
    json_object_put(o);
    /* llama.cpp cache_prompt:false */
    run(c, "/completion",
        "{\"prompt\":\"The quick brown fox sleeps.\",\"n_predict\":2,"
        "\"cache_prompt\":false}", NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "timings.cache_n"), 0);
    json_object_put(o);
    ctx_free(c);

    c = ctx_new(no_cache);
    run(c, "/v1/completions", body, NULL);
    run(c, "/v1/completions", body, NULL);
    o = body_json(c);
    assert_int_equal(jint(o, "usage.prompt_tokens_details.cached_tokens"), 0);
    json_object_put(o);
    ctx_free(c);
}

/* ---- server timings are what the model spent --------------------------- */

static void test_server_timings(void **state)
{
    static const char *const args[] = {
        "--load-ms", "0", "--prefill-base-ms", "8", "--prefill-ms-per-token",
        "0.5", "--decode-ms-per-token", "5", "--jitter", "0",
        "--output-tokens", "fixed:21", "--slots", "1", NULL};
    struct ctx *c = ctx_new(args);
    json_object *fin;
    double itl_server, itl_client = 0, prompt_ms, expect_prompt_ms;
    int64_t n, content = 0, i, ttft;

    (void)state;
    stream(c, "/api/generate",
           "{\"model\":\"llmperf-mock\",\"prompt\":\"Please explain how "
           "tides work, briefly.\",\"raw\":true}", EV_NDJSON);
    fin = c->ev->obj[c->ev->n - 1];
    n = jint(fin, "eval_count");
    assert_int_equal(n, 21);
    itl_server = (double)jint(fin, "eval_duration") / 1e6 / (double)(n - 1);
    assert_true(fabs(itl_server - 5.0) < 1.0);
    prompt_ms = (double)jint(fin, "prompt_eval_duration") / 1e6;
    expect_prompt_ms = 8 + 0.5 * (double)jint(fin, "prompt_eval_count");
    assert_true(prompt_ms >= expect_prompt_ms - 0.5);
    assert_true(prompt_ms < expect_prompt_ms + 5);
    /* the client sees the same pace */
    for (i = 1; i < (int64_t)c->ev->n - 1; i++) {
        itl_client += (double)(c->ev->t[i] - c->ev->t[i - 1]) / 1e6;
        content++;
    }
    itl_client /= (double)content;
    assert_true(fabs(itl_client - 5.0) < 1.5);
    ttft = c->ev->t[0] - c->x.t_sent;
    assert_true((double)ttft / 1e6 >= prompt_ms);
    /* total_duration covers the whole request */
    assert_true(jint(fin, "total_duration") >=
                jint(fin, "eval_duration") + jint(fin, "prompt_eval_duration"));
    ctx_free(c);
}

/* ---- chunking and text ------------------------------------------------- */

static void test_tokens_per_chunk(void **state)
{
    static const char *const merge[] = {
        "--load-ms", "0", "--decode-ms-per-token", "2", "--jitter", "0",
        "--output-tokens", "fixed:10", "--tokens-per-chunk", "4", NULL};
    static const char *const burst[] = {
        "--load-ms", "0", "--decode-ms-per-token", "2", "--jitter", "0",
        "--output-tokens", "fixed:10", "--tokens-per-chunk", "4",
        "--chunk-mode", "burst", NULL};
    struct ctx *c = ctx_new(merge);
    json_object **log;
    size_t n_log;

    (void)state;
    /* merge: 10 tokens -> events of 4, 4, 2 tokens (llama.cpp ids) */
    stream(c, "/completion",
           "{\"prompt\":\"x\",\"n_predict\":10,\"stream\":true}", EV_SSE);
    assert_int_equal(c->ev->n, 4);
    assert_int_equal(json_object_array_length(jget(c->ev->obj[0], "tokens")),
                     4);
    assert_int_equal(json_object_array_length(jget(c->ev->obj[2], "tokens")),
                     2);
    assert_int_equal(jint(c->ev->obj[1], "tokens_predicted"), 8);
    ctx_free(c);

    /* burst: one event per token, four per write (Ollama-like) */
    c = ctx_new(burst);
    stream(c, "/api/generate",
           "{\"model\":\"llmperf-mock\",\"prompt\":\"x\"}", EV_NDJSON);
    assert_int_equal(c->ev->n, 11);
    assert_int_equal(mockp_stop(&c->p, 0), 0);
    log = log_read(&c->p, &n_log);
    assert_int_equal(n_log, 1);
    assert_string_equal(json_object_to_json_string(jget(log[0],
                                                        "chunk_tokens")),
                        "[ 4, 4, 2, 0 ]");
    log_free(log, n_log);
    ctx_free(c);
}

static int valid_utf8(const unsigned char *s, size_t n, int *multi)
{
    size_t i = 0, k, len;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        *multi = 1;
        len = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc0 ? 2 : 0;
        if (len == 0 || i + len > n)
            return 0;
        for (k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

static void test_utf8_text(void **state)
{
    static const char *const args[] = {
        "--load-ms", "0", "--decode-ms-per-token", "0", "--jitter", "0",
        "--output-tokens", "fixed:400", "--vocab", "utf8", NULL};
    struct ctx *c = ctx_new(args);
    json_object *o;
    const char *text;
    int multi = 0;

    (void)state;
    run(c, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":400}", NULL);
    o = body_json(c);
    text = jstr(o, "choices.0.text");
    assert_non_null(text);
    assert_true(valid_utf8((const unsigned char *)text, strlen(text), &multi));
    assert_true(multi);
    json_object_put(o);
    ctx_free(c);
}

static void test_deterministic_text(void **state)
{
    struct ctx *c = ctx_new(quick);
    char *first;

    (void)state;
    /* a request seed fixes the text, whatever came before */
    run(c, "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":6,\"seed\":7}", NULL);
    first = strdup(c->x.body);
    run(c, "/v1/completions", "{\"prompt\":\"y\",\"max_tokens\":6}", NULL);
    run(c, "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":6,\"seed\":7}", NULL);
    assert_string_equal(strstr(first, "\"choices\""),
                        strstr(c->x.body, "\"choices\""));
    free(first);
    ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ollama_generate),
        cmocka_unit_test(test_ollama_chat),
        cmocka_unit_test(test_openai_completions),
        cmocka_unit_test(test_openai_chat),
        cmocka_unit_test(test_llamacpp),
        cmocka_unit_test(test_tgi),
        cmocka_unit_test(test_non_streaming),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_info_endpoints),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_max_tokens_rules),
        cmocka_unit_test(test_prefix_cache),
        cmocka_unit_test(test_server_timings),
        cmocka_unit_test(test_tokens_per_chunk),
        cmocka_unit_test(test_utf8_text),
        cmocka_unit_test(test_deterministic_text),
    };

    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
