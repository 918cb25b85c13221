/* SPDX-License-Identifier: MIT */
/*
 * test_mock_log.c -- the ground truth of llmperf-mock is complete and on
 * the client's clock: one log line per request with the client's
 * X-Request-Id (or a generated one, echoed), one CLOCK_MONOTONIC stamp
 * per chunk written, each no later than the moment the client received
 * that chunk; lines survive SIGKILL; SIGTERM logs what was in flight;
 * /metrics agrees with the log.
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

#define N_REQ 6
#define TOKENS 8

static json_object *find_line(json_object **log, size_t n, const char *id)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *r = jstr(log[i], "request_id");

        if (r && strcmp(r, id) == 0)
            return log[i];
    }
    return NULL;
}

static void test_log_matches_client(void **state)
{
    static const char *const args[] = {
        "--slots", "2", "--load-ms", "30", "--prefill-base-ms", "3",
        "--decode-ms-per-token", "4", "--jitter", "0.2", "--output-tokens",
        "fixed:8", NULL};
    struct mockp p;
    struct xfer x[N_REQ], *xs[N_REQ], anon, bad;
    struct event_list *ev = calloc(1, sizeof(*ev));
    char hdr[N_REQ][64], id[N_REQ][32];
    json_object **log;
    size_t n, i, k;
    int64_t tokens_total = 0;

    (void)state;
    assert_non_null(ev);
    assert_int_equal(mockp_start(&p, args), 0);
    for (i = 0; i < N_REQ; i++) {
        const char *h[2];

        snprintf(id[i], sizeof(id[i]), "client-req-%zu", i);
        snprintf(hdr[i], sizeof(hdr[i]), "X-Request-Id: %s", id[i]);
        h[0] = hdr[i];
        h[1] = NULL;
        xfer_init(&x[i], &p, "/v1/chat/completions",
                  "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                  "\"max_tokens\":8,\"stream\":true}", h);
        xs[i] = &x[i];
    }
    /* six users on two slots: queueing shows in the log */
    assert_int_equal(xfer_run(xs, N_REQ, 10000), 0);
    xfer_init(&anon, &p, "/api/generate",
              "{\"model\":\"llmperf-mock\",\"prompt\":\"x\"}", NULL);
    assert_int_equal(xfer_one(&anon, 10000), 0);
    xfer_init(&bad, &p, "/api/generate",
              "{\"model\":\"missing\",\"prompt\":\"x\"}", NULL);
    assert_int_equal(xfer_one(&bad, 10000), 0);
    assert_int_equal(bad.status, 404);
    /* a generated id is echoed to the client */
    assert_int_equal(strncmp(anon.reqid, "mock-", 5), 0);

    assert_int_equal(mockp_stop(&p, 0), 0);
    log = log_read(&p, &n);
    assert_int_equal(n, N_REQ + 2);
    for (i = 0; i < n; i++)
        assert_non_null(log[i]);
    assert_non_null(find_line(log, n, anon.reqid));
    assert_int_equal(jint(find_line(log, n, bad.reqid), "status"), 404);

    for (i = 0; i < N_REQ; i++) {
        json_object *l = find_line(log, n, id[i]);
        json_object *cns, *ctok;
        size_t nc, content = 0;

        assert_non_null(l);
        assert_string_equal(x[i].reqid, id[i]);
        assert_string_equal(jstr(l, "outcome"), "ok");
        assert_int_equal(jint(l, "output_tokens"), TOKENS);
        tokens_total += TOKENS;
        events_parse(ev, &x[i], EV_SSE);
        assert_int_equal(ev->n, 1 + TOKENS); /* role chunk + tokens */
        cns = jget(l, "chunk_ns");
        ctok = jget(l, "chunk_tokens");
        nc = json_object_array_length(cns);
        assert_int_equal(nc, json_object_array_length(ctok));
        /* one write per token (role chunk shares the first), then the
         * closing write ([DONE]) */
        assert_int_equal(nc, TOKENS + 1);
        for (k = 0; k < nc; k++) {
            int64_t t = json_object_get_int64(
                json_object_array_get_idx(cns, k));
            int64_t ntok = json_object_get_int64(
                json_object_array_get_idx(ctok, k));

            if (k > 0)
                assert_true(t >= json_object_get_int64(
                                     json_object_array_get_idx(cns, k - 1)));
            if (ntok == 0)
                continue;
            assert_int_equal(ntok, 1);
            /* same clock, causality: the client got chunk k after the
             * mock handed it to the kernel, and not long after */
            assert_true(ev->t[content + 1] >= t);
            assert_true(ev->t[content + 1] - t < 200000000);
            content++;
        }
        assert_int_equal(content, TOKENS);
        /* the timeline is ordered and consistent */
        assert_true(jint(l, "recv_ns") >= x[i].t_sent);
        assert_true(jint(l, "admit_ns") >= jint(l, "recv_ns"));
        assert_true(jint(l, "dispatch_ns") >= jint(l, "admit_ns"));
        assert_int_equal(jint(l, "prefill_start_ns"), jint(l, "dispatch_ns"));
        assert_int_equal(jint(l, "prefill_ns"),
                         jint(l, "prefill_end_ns") -
                             jint(l, "prefill_start_ns"));
        assert_int_equal(jint(l, "queue_wait_ns"),
                         jint(l, "dispatch_ns") - jint(l, "admit_ns") -
                             jint(l, "load_ns"));
        assert_true(jint(l, "queue_wait_ns") >= 0);
        assert_true(jint(l, "first_token_ns") >= jint(l, "prefill_end_ns"));
        assert_true(jint(l, "end_ns") >= jint(l, "last_token_ns"));
        assert_true(jint(l, "end_ns") <= x[i].piece_t[x[i].n_pieces - 1]);
        events_free(ev);
    }
    /* the cold start shows up as load time, the two slots as waits */
    {
        int loaded = 0, waited = 0;

        for (i = 0; i < N_REQ; i++) {
            json_object *l = find_line(log, n, id[i]);

            loaded += jint(l, "load_ns") > 20000000;
            waited += jint(l, "queue_wait_ns") > 20000000;
        }
        /* at least the first request met the cold start, and with six
         * users on two slots someone queued; more of each when the
         * requests arrive together, which a loaded machine may spread */
        assert_true(loaded >= 1);
        assert_true(waited >= 1);
    }
    log_free(log, n);
    (void)tokens_total;
    for (i = 0; i < N_REQ; i++)
        xfer_free(&x[i]);
    xfer_free(&anon);
    xfer_free(&bad);
    mockp_cleanup(&p);
    free(ev);
}

static void test_log_survives_sigkill(void **state)
{
    static const char *const args[] = {
        "--load-ms", "0", "--decode-ms-per-token", "1", "--jitter", "0",
        "--output-tokens", "fixed:5", NULL};
    struct mockp p;
    struct xfer x;
    json_object **log;
    size_t n, len = 0, i;
    char *raw;

    (void)state;
    assert_int_equal(mockp_start(&p, args), 0);
    for (i = 0; i < 3; i++) {
        xfer_init(&x, &p, "/api/generate",
                  "{\"model\":\"llmperf-mock\",\"prompt\":\"x\"}", NULL);
        assert_int_equal(xfer_one(&x, 10000), 0);
        assert_int_equal(x.rc, CURLE_OK);
        xfer_free(&x);
    }
    /* no chance to flush anything at exit */
    assert_int_equal(mockp_stop(&p, 1), 128 + 9);
    raw = read_file_all(p.log_path, &len);
    assert_non_null(raw);
    assert_true(len > 0 && raw[len - 1] == '\n');
    free(raw);
    log = log_read(&p, &n);
    assert_int_equal(n, 3);
    for (i = 0; i < n; i++) {
        assert_non_null(log[i]);
        assert_int_equal(jint(log[i], "output_tokens"), 5);
    }
    log_free(log, n);
    mockp_cleanup(&p);
}

static void test_sigterm_logs_in_flight(void **state)
{
    static const char *const args[] = {
        "--load-ms", "0", "--decode-ms-per-token", "10", "--jitter", "0",
        "--output-tokens", "fixed:1000", "--slots", "1", NULL};
    const char *h[] = {"X-Request-Id: long-one", NULL};
    struct mockp p;
    CURLM *multi = curl_multi_init();
    struct xfer x, y;
    json_object **log;
    size_t n;
    int running = 1, i;

    (void)state;
    assert_int_equal(mockp_start(&p, args), 0);
    xfer_init(&x, &p, "/v1/completions",
              "{\"prompt\":\"x\",\"max_tokens\":1000,\"stream\":true}", h);
    xfer_init(&y, &p, "/v1/completions",
              "{\"prompt\":\"y\",\"max_tokens\":1000,\"stream\":true}", NULL);
    curl_multi_add_handle(multi, x.h);
    curl_multi_add_handle(multi, y.h);
    /* let x stream for a while (y waits in the queue), then stop */
    for (i = 0; i < 30 && running; i++) {
        curl_multi_perform(multi, &running);
        curl_multi_poll(multi, NULL, 0, 10, NULL);
    }
    assert_int_equal(mockp_stop(&p, 0), 0);
    for (i = 0; i < 200 && running; i++) {
        curl_multi_perform(multi, &running);
        curl_multi_poll(multi, NULL, 0, 10, NULL);
    }
    curl_multi_remove_handle(multi, x.h);
    curl_multi_remove_handle(multi, y.h);
    curl_multi_cleanup(multi);
    log = log_read(&p, &n);
    assert_int_equal(n, 2);
    assert_non_null(find_line(log, n, "long-one"));
    assert_string_equal(jstr(find_line(log, n, "long-one"), "outcome"),
                        "shutdown");
    assert_true(jint(find_line(log, n, "long-one"), "output_tokens") > 5);
    log_free(log, n);
    xfer_free(&x);
    xfer_free(&y);
    mockp_cleanup(&p);
}

static void test_metrics_agree(void **state)
{
    static const char *const args[] = {
        "--load-ms", "0", "--decode-ms-per-token", "1", "--jitter", "0",
        "--output-tokens", "fixed:7", "--slots", "3", NULL};
    struct mockp p;
    struct xfer x;
    int i;

    (void)state;
    assert_int_equal(mockp_start(&p, args), 0);
    for (i = 0; i < 4; i++) {
        xfer_init(&x, &p, "/completion", "{\"prompt\":\"x\",\"stream\":true}",
                  NULL);
        assert_int_equal(xfer_one(&x, 10000), 0);
        xfer_free(&x);
    }
    xfer_init(&x, &p, "/metrics", NULL, NULL);
    assert_int_equal(xfer_one(&x, 10000), 0);
    assert_string_equal(x.ctype, "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(x.body, "llmperf_mock_requests_total{endpoint="
                                   "\"/completion\",status=\"200\"} 4\n"));
    assert_non_null(strstr(x.body, "llmperf_mock_tokens_generated_total 28\n"));
    assert_non_null(strstr(x.body, "llmperf_mock_requests_in_flight 0\n"));
    assert_non_null(strstr(x.body, "llmperf_mock_queue_depth 0\n"));
    assert_non_null(strstr(x.body, "llmperf_mock_slots_busy 0\n"));
    assert_non_null(strstr(x.body, "llmperf_mock_slots 3\n"));
    /* 4 requests x (7 token writes + the final event) */
    assert_non_null(strstr(x.body, "llmperf_mock_chunks_written_total 32\n"));
    xfer_free(&x);
    assert_int_equal(mockp_stop(&p, 0), 0);
    mockp_cleanup(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_matches_client),
        cmocka_unit_test(test_log_survives_sigkill),
        cmocka_unit_test(test_sigterm_logs_in_flight),
        cmocka_unit_test(test_metrics_agree),
    };

    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
