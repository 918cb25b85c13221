/* SPDX-License-Identifier: MIT */
/*
 * test_llama_real.c -- the client against a real llama.cpp llama-server,
 * through its three protocols (/v1/completions, /v1/chat/completions,
 * /completion). Skipped unless LLMPERF_TEST_LLAMA_URL names the server,
 * e.g. after
 *
 *   llama-server -m ../shared/models/llama-2-tiny-random.gguf \
 *                --host 127.0.0.1 --port 8091 -np 4
 *   LLMPERF_TEST_LLAMA_URL=http://127.0.0.1:8091 ./test_llama_real
 *
 * LLMPERF_TEST_LLAMA_MODEL optionally sets the model name sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "llmperf/llmperf.h"

#define MS INT64_C(1000000)
#define MAX_TOKENS 8

static const char *server_url(void)
{
    const char *url = getenv("LLMPERF_TEST_LLAMA_URL");

    return url != NULL && *url != '\0' ? url : NULL;
}

static llmperf_client *client_for(int backend, const char *extra_json)
{
    llmperf_config *cfg = NULL;
    llmperf_client *c = NULL;
    const char *model = getenv("LLMPERF_TEST_LLAMA_MODEL");

    assert_int_equal(llmperf_config_new(&cfg, backend), LLMPERF_OK);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL,
                                            server_url()), LLMPERF_OK);
    if (model != NULL && *model != '\0')
        assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, model),
                         LLMPERF_OK);
    /* ignore_eos: the random-weight model must produce every token. */
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 1),
                     LLMPERF_OK);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_MAX_TOKENS,
                                            MAX_TOKENS), LLMPERF_OK);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_KEEP_TEXT, 1),
                     LLMPERF_OK);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IDLE_TIMEOUT_MS,
                                            10000), LLMPERF_OK);
    if (extra_json != NULL)
        assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON,
                                                extra_json), LLMPERF_OK);
    assert_int_equal(llmperf_client_new(&c, cfg), LLMPERF_OK);
    llmperf_config_free(cfg);
    return c;
}

static int64_t i64(const llmperf_result *r, int field)
{
    int64_t v = -1;

    assert_int_equal(llmperf_result_get_i64(r, field, &v), LLMPERF_OK);
    return v;
}

static int count_tokens(const llmperf_token *tok, void *userdata)
{
    (*(int *)userdata)++;
    assert_true(tok->text_len > 0);
    return 0;
}

static void check_backend(int backend, const char *finish)
{
    llmperf_client *c;
    llmperf_result *r = NULL;
    const char *s;
    int calls = 0;
    int64_t ttft, e2e;

    if (server_url() == NULL)
        skip();
    c = client_for(backend, NULL);
    for (int round = 0; round < 2; round++) {
        int rc = llmperf_client_stream(&r, c, "Once upon a time", -1,
                                       count_tokens, &calls);

        assert_int_equal(rc, LLMPERF_OK);
        assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 200);
        assert_int_equal(i64(r, LLMPERF_RESULT_OUTPUT_TOKENS), MAX_TOKENS);
        assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_TOKENS_SOURCE,
                                                &s), 0);
        assert_string_equal(s, "server");
        assert_true(i64(r, LLMPERF_RESULT_CHUNKS) >= 1);
        assert_true(i64(r, LLMPERF_RESULT_CHUNKS) <= MAX_TOKENS);
        ttft = i64(r, LLMPERF_RESULT_TTFT_NS);
        e2e = i64(r, LLMPERF_RESULT_E2E_NS);
        assert_true(ttft > 0 && ttft < 10000 * MS);
        assert_true(e2e >= i64(r, LLMPERF_RESULT_LAST_TOKEN_NS));
        assert_true(i64(r, LLMPERF_RESULT_LAST_TOKEN_NS) >= ttft);
        assert_true(i64(r, LLMPERF_RESULT_PROMPT_TOKENS) > 0);
        /* llama.cpp's own timings come with every protocol. */
        assert_true(i64(r, LLMPERF_RESULT_SERVER_PROMPT_NS) >= 0);
        assert_true(i64(r, LLMPERF_RESULT_SERVER_DECODE_NS) > 0);
        assert_int_equal(i64(r, LLMPERF_RESULT_SERVER_OUTPUT_TOKENS),
                         MAX_TOKENS);
        assert_true(i64(r, LLMPERF_RESULT_SERVER_ITL_NS) > 0);
        assert_true(i64(r, LLMPERF_RESULT_SERVER_PROMPT_NS) < ttft);
        assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_FINISH_REASON,
                                                &s), 0);
        assert_string_equal(s, finish);
        assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_TEXT, &s), 0);
        assert_true(strlen(s) > 0);
        /* llama-server (cpp-httplib) closes the connection after a
         * streamed response despite "Keep-Alive:", so each request may
         * open one; the first always does. */
        assert_true(i64(r, LLMPERF_RESULT_NEW_CONNECTIONS) <= 1);
        if (round == 0)
            assert_int_equal(i64(r, LLMPERF_RESULT_NEW_CONNECTIONS), 1);
        llmperf_result_free(r);
        r = NULL;
    }
    assert_true(calls >= 2);
    llmperf_client_free(c);
}

static void test_openai(void **state)
{
    (void)state;
    check_backend(LLMPERF_BACKEND_OPENAI, "length");
}

static void test_openai_chat(void **state)
{
    (void)state;
    check_backend(LLMPERF_BACKEND_OPENAI_CHAT, "length");
}

static void test_llamacpp(void **state)
{
    (void)state;
    check_backend(LLMPERF_BACKEND_LLAMACPP, "limit");
}

/* A request the real server rejects (llama.cpp answers 500 here, older
 * builds 400): the message of its error body surfaces. */
static void test_real_http_error(void **state)
{
    llmperf_client *c;
    llmperf_result *r = NULL;
    const char *cls;

    (void)state;
    if (server_url() == NULL)
        skip();
    c = client_for(LLMPERF_BACKEND_OPENAI_CHAT,
                   "{\"messages\":\"not a list\"}");
    assert_int_equal(llmperf_client_stream(&r, c, "x", -1, NULL, NULL),
                     LLMPERF_EHTTP);
    assert_true(i64(r, LLMPERF_RESULT_HTTP_STATUS) >= 400);
    assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_ERROR_CLASS,
                                            &cls), 0);
    assert_string_equal(cls, "http");
    assert_int_equal(strncmp(llmperf_client_errmsg(c), "HTTP ", 5), 0);
    assert_non_null(strstr(llmperf_client_errmsg(c),
                           "Expected 'messages' to be an array"));
    llmperf_result_free(r);
    llmperf_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openai),
        cmocka_unit_test(test_openai_chat),
        cmocka_unit_test(test_llamacpp),
        cmocka_unit_test(test_real_http_error),
    };
    int rc;

    llmperf_global_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    llmperf_global_cleanup();
    return rc;
}
