/* SPDX-License-Identifier: MIT */
/*
 * test_mock_faults.c -- every fault of llmperf-mock arrives as specified,
 * asked for per request (X-Mock-Fault) or by probability (--fault-rate):
 * HTTP 429/500/503 with each protocol's error body, a disconnect after N
 * tokens, a stall, a malformed event, an error event inside a 200 stream
 * in each protocol's form, slow response headers and garbage bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_harness.h"

static const char *const base_args[] = {
    "--load-ms", "0", "--prefill-base-ms", "1", "--decode-ms-per-token", "2",
    "--jitter", "0", "--output-tokens", "fixed:8", NULL};

struct ctx {
    struct mockp p;
    struct xfer x;
    struct event_list *ev;
};

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));

    if (!c || !(c->ev = calloc(1, sizeof(*c->ev))))
        return -1;
    if (mockp_start(&c->p, base_args) != 0)
        return -1;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    int rc = 0;

    events_free(c->ev);
    xfer_free(&c->x);
    /* a clean exit: under the sanitizer build a leak or an error in the
     * mock makes it non-zero, and the test fails */
    if (c->p.pid > 0 && mockp_stop(&c->p, 0) != 0)
        rc = -1;
    mockp_cleanup(&c->p);
    free(c->ev);
    free(c);
    return rc;
}

/* Run path/body with "X-Mock-Fault: fault"; parse events of kind. */
static void faulted(struct ctx *c, const char *path, const char *body,
                    const char *fault, int kind)
{
    char hdr[128];
    const char *hdrs[2] = {hdr, NULL};

    snprintf(hdr, sizeof(hdr), "X-Mock-Fault: %s", fault);
    xfer_free(&c->x);
    xfer_init(&c->x, &c->p, path, body, hdrs);
    assert_int_equal(xfer_one(&c->x, 10000), 0);
    events_free(c->ev);
    events_parse(c->ev, &c->x, kind);
}

static const char *const cmpl =
    "{\"prompt\":\"x\",\"max_tokens\":8,\"stream\":true}";

/* ---- HTTP status faults, in every protocol ----------------------------- */

static void test_http_status_faults(void **state)
{
    static const struct {
        const char *path, *body, *key;
    } eps[] = {
        {"/api/generate", "{\"model\":\"llmperf-mock\",\"prompt\":\"x\"}",
         "error"},
        {"/api/chat", "{\"model\":\"llmperf-mock\",\"messages\":[{\"role\":"
                      "\"user\",\"content\":\"x\"}]}", "error"},
        {"/v1/completions", "{\"prompt\":\"x\",\"stream\":true}",
         "error.code"},
        {"/v1/chat/completions", "{\"messages\":[{\"role\":\"user\","
                                 "\"content\":\"x\"}],\"stream\":true}",
         "error.type"},
        {"/completion", "{\"prompt\":\"x\",\"stream\":true}", "error.type"},
        {"/generate_stream", "{\"inputs\":\"x\"}", "error_type"},
    };
    static const char *const kinds[] = {"http-429", "http-500", "http-503"};
    static const long codes[] = {429, 500, 503};
    struct ctx *c = *state;
    size_t e, k;

    for (e = 0; e < sizeof(eps) / sizeof(eps[0]); e++)
        for (k = 0; k < 3; k++) {
            json_object *o;

            faulted(c, eps[e].path, eps[e].body, kinds[k], EV_SSE);
            assert_int_equal(c->x.status, codes[k]);
            assert_false(c->x.chunked);
            o = json_tokener_parse(c->x.body ? c->x.body : "");
            if (!o || !jget(o, eps[e].key))
                fail_msg("%s %s: body '%s'", eps[e].path, kinds[k],
                         c->x.body ? c->x.body : "");
            if (strncmp(eps[e].key, "error.code", 10) == 0)
                assert_int_equal(jint(o, "error.code"), codes[k]);
            json_object_put(o);
        }
}

/* ---- faults inside the stream ------------------------------------------ */

static void test_disconnect(void **state)
{
    struct ctx *c = *state;
    size_t i;

    faulted(c, "/v1/completions", cmpl, "disconnect:3", EV_SSE);
    assert_int_equal(c->x.status, 200);
    /* the socket closes inside the chunked body */
    assert_true(c->x.rc == CURLE_PARTIAL_FILE || c->x.rc == CURLE_RECV_ERROR);
    assert_int_equal(c->ev->n, 3);
    for (i = 0; i < 3; i++)
        assert_non_null(jstr(c->ev->obj[i], "choices.0.text"));
    assert_false(c->ev->done);

    /* before the first token, and on a non-streamed request */
    faulted(c, "/v1/completions", cmpl, "disconnect:0", EV_SSE);
    assert_int_equal(c->ev->n, 0);
    assert_true(c->x.rc != CURLE_OK);
    faulted(c, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":8}",
            "disconnect:2", EV_SSE);
    assert_true(c->x.rc == CURLE_GOT_NOTHING || c->x.rc == CURLE_RECV_ERROR);
}

static void test_stall(void **state)
{
    struct ctx *c = *state;
    double gap;
    size_t i;

    faulted(c, "/v1/completions", cmpl, "stall:400:2", EV_SSE);
    assert_int_equal(c->x.rc, CURLE_OK);
    assert_int_equal(c->ev->n, 8);
    assert_true(c->ev->done);
    /* Client arrival times, not the mock's write times: a busy machine
     * may deliver token 1 late and so shorten the measured gap a little.
     * The margins still tell a 400 ms stall from a normal gap. */
    for (i = 1; i < 8; i++) {
        gap = (double)(c->ev->t[i] - c->ev->t[i - 1]) / 1e6;
        if (i == 2)
            assert_true(gap >= 350 && gap < 1000);
        else
            assert_true(gap < 200);
    }
    /* a stall before the first token lengthens the TTFT */
    faulted(c, "/v1/completions", cmpl, "stall:300:0", EV_SSE);
    assert_true((double)(c->ev->t[0] - c->x.t_sent) / 1e6 >= 300);
}

static void test_malformed(void **state)
{
    struct ctx *c = *state;
    size_t i, bad = 0;

    faulted(c, "/v1/completions", cmpl, "malformed:2", EV_SSE);
    assert_int_equal(c->x.rc, CURLE_OK);
    assert_int_equal(c->ev->n, 9); /* 8 tokens + 1 broken event */
    for (i = 0; i < c->ev->n; i++)
        if (!c->ev->obj[i]) {
            bad++;
            assert_int_equal(i, 2);
        }
    assert_int_equal(bad, 1);
    assert_true(c->ev->done);

    faulted(c, "/api/generate", "{\"model\":\"llmperf-mock\",\"prompt\":\"x\"}",
            "malformed:1", EV_NDJSON);
    assert_null(c->ev->obj[1]);
    assert_non_null(c->ev->obj[0]);
    /* non-streamed: the body itself is cut */
    faulted(c, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":4}",
            "malformed", EV_SSE);
    assert_int_equal(c->x.status, 200);
    {
        json_object *o = json_tokener_parse(c->x.body);

        assert_null(o);
    }
}

static void test_error_event(void **state)
{
    struct ctx *c = *state;
    json_object *e;

    /* OpenAI (vLLM): an error object in the 200 stream, then [DONE] */
    faulted(c, "/v1/completions", cmpl, "error-event:2", EV_SSE);
    assert_int_equal(c->x.status, 200);
    assert_int_equal(c->ev->n, 3);
    e = c->ev->obj[2];
    assert_non_null(jstr(e, "error.message"));
    assert_non_null(jstr(e, "error.type"));
    assert_true(c->ev->done);

    /* Ollama: a last {"error":...} line */
    faulted(c, "/api/chat",
            "{\"model\":\"llmperf-mock\",\"messages\":[{\"role\":\"user\","
            "\"content\":\"x\"}]}", "error-event:1", EV_NDJSON);
    assert_int_equal(c->ev->n, 2);
    assert_non_null(jstr(c->ev->obj[1], "error"));
    assert_int_equal(json_object_object_length(c->ev->obj[1]), 1);

    /* TGI: data:{"error":...,"error_type":...} */
    faulted(c, "/generate_stream", "{\"inputs\":\"x\"}", "error-event:1",
            EV_SSE);
    assert_int_equal(c->ev->n, 2);
    assert_non_null(jstr(c->ev->obj[1], "error"));
    assert_string_equal(jstr(c->ev->obj[1], "error_type"), "generation");

    /* llama.cpp: its own "error:" SSE field, which SSE parsers skip;
     * the stream ends without a stop:true event */
    faulted(c, "/completion", "{\"prompt\":\"x\",\"stream\":true}",
            "error-event:1", EV_SSE);
    assert_int_equal(c->ev->n, 1);
    assert_false(json_object_get_boolean(jget(c->ev->obj[0], "stop")));
    assert_non_null(strstr(c->x.body, "\n\nerror: {\"code\":500,"));

    /* non-streamed: a 500 with the error body */
    faulted(c, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":4}",
            "error-event", EV_SSE);
    assert_int_equal(c->x.status, 500);
    e = json_tokener_parse(c->x.body);
    assert_int_equal(jint(e, "error.code"), 500);
    json_object_put(e);
}

static void test_slow_headers(void **state)
{
    struct ctx *c = *state;
    double hdr_ms;

    faulted(c, "/v1/completions", cmpl, "slow-headers:300", EV_SSE);
    assert_int_equal(c->x.rc, CURLE_OK);
    hdr_ms = (double)(c->x.t_headers - c->x.t_sent) / 1e6;
    assert_true(hdr_ms >= 300 && hdr_ms < 450);
    assert_int_equal(c->ev->n, 8);
    /* combined with a status fault: the error comes late */
    faulted(c, "/v1/completions", cmpl, "slow-headers:200,http-503",
            EV_SSE);
    assert_int_equal(c->x.status, 503);
    assert_true((double)(c->x.t_headers - c->x.t_sent) / 1e6 >= 200);
}

static void test_garbage(void **state)
{
    struct ctx *c = *state;
    size_t i, high = 0;

    faulted(c, "/v1/completions", cmpl, "garbage:1", EV_SSE);
    assert_int_equal(c->x.status, 200);
    assert_int_equal(c->x.rc, CURLE_OK); /* framing stays valid */
    assert_non_null(c->ev->obj[0]);
    assert_false(c->ev->done);
    /* 256 random bytes follow the first event */
    assert_true(c->x.len >= 256);
    for (i = 0; i < c->x.len; i++)
        if ((unsigned char)c->x.body[i] >= 0x80)
            high++;
    assert_true(high > 60);
}

static void test_bad_fault_header(void **state)
{
    struct ctx *c = *state;

    faulted(c, "/v1/completions", cmpl, "explode", EV_SSE);
    assert_int_equal(c->x.status, 400);
    assert_non_null(strstr(c->x.body, "X-Mock-Fault"));
    faulted(c, "/v1/completions", cmpl, "stall", EV_SSE);
    assert_int_equal(c->x.status, 400);
    faulted(c, "/v1/completions", cmpl, "http-500:3", EV_SSE);
    assert_int_equal(c->x.status, 400);
}

static void test_fault_log_and_metrics(void **state)
{
    struct ctx *c = *state;
    json_object **log;
    size_t n;

    faulted(c, "/v1/completions", cmpl, "stall:10:1,malformed:3", EV_SSE);
    faulted(c, "/v1/completions", cmpl, "disconnect:4", EV_SSE);
    xfer_free(&c->x);
    xfer_init(&c->x, &c->p, "/metrics", NULL, NULL);
    assert_int_equal(xfer_one(&c->x, 10000), 0);
    assert_non_null(strstr(c->x.body,
                           "llmperf_mock_faults_total{kind=\"stall\"} 1\n"));
    assert_non_null(strstr(c->x.body,
        "llmperf_mock_faults_total{kind=\"disconnect\"} 1\n"));
    assert_int_equal(mockp_stop(&c->p, 0), 0);
    log = log_read(&c->p, &n);
    assert_int_equal(n, 2);
    assert_string_equal(jstr(log[0], "fault"), "stall:10:1,malformed:3");
    assert_string_equal(jstr(log[0], "outcome"), "ok");
    assert_string_equal(jstr(log[1], "fault"), "disconnect:4");
    assert_string_equal(jstr(log[1], "outcome"), "disconnect");
    assert_int_equal(jint(log[1], "output_tokens"), 4);
    log_free(log, n); /* teardown copes with the stopped mock */
}

/* ---- faults by probability --------------------------------------------- */

static void test_fault_rates(void **state)
{
    static const char *const always[] = {
        "--load-ms", "0", "--decode-ms-per-token", "0", "--jitter", "0",
        "--output-tokens", "fixed:2", "--fault-rate", "http-500=1", NULL};
    static const char *const half[] = {
        "--load-ms", "0", "--decode-ms-per-token", "0", "--jitter", "0",
        "--output-tokens", "fixed:2", "--fault-rate", "http-429=0.5",
        "--seed", "3", NULL};
    struct mockp p;
    struct xfer x;
    int i, hit = 0;

    (void)state;
    assert_int_equal(mockp_start(&p, always), 0);
    for (i = 0; i < 5; i++) {
        xfer_init(&x, &p, "/v1/completions", "{\"prompt\":\"x\"}", NULL);
        assert_int_equal(xfer_one(&x, 10000), 0);
        assert_int_equal(x.status, 500);
        xfer_free(&x);
    }
    assert_int_equal(mockp_stop(&p, 0), 0);
    mockp_cleanup(&p);

    assert_int_equal(mockp_start(&p, half), 0);
    for (i = 0; i < 60; i++) {
        xfer_init(&x, &p, "/v1/completions", "{\"prompt\":\"x\"}", NULL);
        assert_int_equal(xfer_one(&x, 10000), 0);
        assert_true(x.status == 200 || x.status == 429);
        hit += x.status == 429;
        xfer_free(&x);
    }
    /* binomial(60, 0.5): outside [15, 45] has probability < 1e-4 */
    assert_true(hit >= 15 && hit <= 45);
    assert_int_equal(mockp_stop(&p, 0), 0);
    mockp_cleanup(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_status_faults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_disconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_fault_header, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_log_and_metrics, setup,
                                        teardown),
        cmocka_unit_test(test_fault_rates),
    };

    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
