/* SPDX-License-Identifier: MIT */
/*
 * test_mock_queue.c -- the server model of llmperf-mock against seed 001
 * (Ollama, 4 concurrent users, OLLAMA_NUM_PARALLEL 1 vs 4): with one
 * slot the 4th request's TTFT is about three generation times, with four
 * slots every TTFT stays near one prefill while per-request tokens/s
 * falls and total throughput rises. Also: cold start and unload after
 * idle, the queue limit, and a slot given back when its client leaves.
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

#define DECODE_MS 3.0
#define TOKENS 40
#define PREFILL_BASE_MS 20.0

struct run4 {
    double ttft_ms[4];  /* sorted */
    double tps[4];      /* per request decode tokens/s, client side */
    double makespan_ms; /* first send to last byte */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Four concurrent Ollama users, different prompts (no cache help). */
static void four_users(const char *slots, struct run4 *r)
{
    const char *const args[] = {
        "--slots", slots, "--load-ms", "0", "--prefill-base-ms", "20",
        "--prefill-ms-per-token", "0.1", "--decode-ms-per-token", "3",
        "--batch-factor", "0.7", "--jitter", "0", "--output-tokens",
        "fixed:40", "--no-prefix-cache", NULL};
    struct mockp p;
    struct xfer x[4], *xs[4];
    struct event_list *ev = calloc(1, sizeof(*ev));
    int64_t start, end = 0;
    int i;

    assert_non_null(ev);
    assert_int_equal(mockp_start(&p, args), 0);
    for (i = 0; i < 4; i++) {
        char body[160];

        snprintf(body, sizeof(body),
                 "{\"model\":\"llmperf-mock\",\"prompt\":\"Request number %d "
                 "asks about queues.\",\"raw\":true}", i);
        xfer_init(&x[i], &p, "/api/generate", body, NULL);
        xs[i] = &x[i];
    }
    start = now_ns();
    assert_int_equal(xfer_run(xs, 4, 10000), 0);
    for (i = 0; i < 4; i++) {
        int64_t n;

        assert_int_equal(x[i].rc, CURLE_OK);
        assert_int_equal(x[i].status, 200);
        events_parse(ev, &x[i], EV_NDJSON);
        assert_int_equal(ev->n, TOKENS + 1);
        n = jint(ev->obj[ev->n - 1], "eval_count");
        assert_int_equal(n, TOKENS);
        r->ttft_ms[i] = (double)(ev->t[0] - x[i].t_sent) / 1e6;
        r->tps[i] = (double)(TOKENS - 1) * 1e9 /
                    (double)(ev->t[TOKENS - 1] - ev->t[0]);
        if (ev->t[ev->n - 1] > end)
            end = ev->t[ev->n - 1];
        events_free(ev);
        xfer_free(&x[i]);
    }
    r->makespan_ms = (double)(end - start) / 1e6;
    qsort(r->ttft_ms, 4, sizeof(double), cmp_double);
    assert_int_equal(mockp_stop(&p, 0), 0);
    mockp_cleanup(&p);
    free(ev);
}

static void test_seed001_queueing(void **state)
{
    /* one request alone: prefill + 39 decode steps */
    double prefill = PREFILL_BASE_MS + 0.1 * 7, gen = prefill +
                     (TOKENS - 1) * DECODE_MS;
    struct run4 p1, p4;
    int k;

    (void)state;
    four_users("1", &p1);
    four_users("4", &p4);
    printf("slots=1: TTFT %.0f %.0f %.0f %.0f ms, %.0f tok/s, makespan %.0f"
           " ms\n", p1.ttft_ms[0], p1.ttft_ms[1], p1.ttft_ms[2],
           p1.ttft_ms[3], p1.tps[0], p1.makespan_ms);
    printf("slots=4: TTFT %.0f %.0f %.0f %.0f ms, %.0f tok/s, makespan %.0f"
           " ms\n", p4.ttft_ms[0], p4.ttft_ms[1], p4.ttft_ms[2],
           p4.ttft_ms[3], p4.tps[0], p4.makespan_ms);
    /* one slot: the k-th request waits for k whole generations (FIFO) */
    for (k = 0; k < 4; k++) {
        double want = k * gen + prefill;

        if (p1.ttft_ms[k] < want - 5 || p1.ttft_ms[k] > want + 0.25 * gen + 30)
            fail_msg("slots=1: TTFT[%d] %.1f ms, expected about %.1f", k,
                     p1.ttft_ms[k], want);
    }
    assert_true(p1.ttft_ms[3] > 2.5 * gen);
    /* four slots: nobody queues; prefill is slowed by batching only
     * (at most 1 + 0.7 * 3 = 3.1 times) */
    for (k = 0; k < 4; k++)
        if (p4.ttft_ms[k] > prefill * 3.1 + 40)
            fail_msg("slots=4: TTFT[%d] %.1f ms, expected near %.1f", k,
                     p4.ttft_ms[k], prefill);
    /* seed 001: 20,293 ms -> 118 ms for the 4th user */
    assert_true(p4.ttft_ms[3] < 0.25 * p1.ttft_ms[3]);
    /* per-request decode speed falls about 3.1x (seed: 75 -> 24 tok/s) */
    for (k = 0; k < 4; k++) {
        assert_true(p1.tps[k] > 0.8 * 1000.0 / DECODE_MS);
        assert_true(p4.tps[k] < 0.5 * p1.tps[k]);
    }
    /* ... yet all four finish sooner: total throughput rises */
    assert_true(p4.makespan_ms < 0.9 * p1.makespan_ms);
}

static void test_queue_wait_in_log(void **state)
{
    static const char *const args[] = {
        "--slots", "1", "--load-ms", "0", "--prefill-base-ms", "5",
        "--decode-ms-per-token", "2", "--jitter", "0", "--output-tokens",
        "fixed:20", NULL};
    struct mockp p;
    struct xfer x[3], *xs[3];
    json_object **log;
    size_t n, i;
    int64_t waits[3];

    (void)state;
    assert_int_equal(mockp_start(&p, args), 0);
    for (i = 0; i < 3; i++) {
        xfer_init(&x[i], &p, "/v1/completions",
                  "{\"prompt\":\"q\",\"max_tokens\":20,\"stream\":true}", NULL);
        xs[i] = &x[i];
    }
    assert_int_equal(xfer_run(xs, 3, 10000), 0);
    for (i = 0; i < 3; i++)
        xfer_free(&x[i]);
    assert_int_equal(mockp_stop(&p, 0), 0);
    log = log_read(&p, &n);
    assert_int_equal(n, 3);
    for (i = 0; i < 3; i++)
        waits[i] = jint(log[i], "queue_wait_ns");
    /* lines are written in completion order = FIFO order here; one
     * request takes 45 ms of slot time (5 + 20 x 2), so each waits about
     * one more service time than the one before. Bounds are wide: on a
     * loaded machine the three requests may reach the mock apart. */
    assert_true(waits[0] < 20000000);
    assert_true(waits[1] > 20000000 && waits[1] < 150000000);
    assert_true(waits[2] > waits[1] + 20000000 && waits[2] < 300000000);
    for (i = 0; i < 3; i++)
        assert_int_equal(jint(log[i], "slot"), 0);
    log_free(log, n);
    mockp_cleanup(&p);
}

static json_object *last_line(struct xfer *x)
{
    const char *s = x->body, *nl;
    json_object *o;

    assert_non_null(s);
    /* the done line is the last non-empty line */
    nl = s + strlen(s);
    while (nl > s && nl[-1] == '\n')
        nl--;
    while (nl > s && nl[-1] != '\n')
        nl--;
    o = json_tokener_parse(nl);
    assert_non_null(o);
    return o;
}

static void test_cold_start_and_unload(void **state)
{
    static const char *const args[] = {
        "--load-ms", "150", "--unload-after-ms", "200", "--jitter", "0",
        "--decode-ms-per-token", "1", "--output-tokens", "fixed:3", NULL};
    const char *body = "{\"model\":\"llmperf-mock\",\"prompt\":\"cold\"}";
    struct mockp p;
    struct xfer x[2], *xs[2];
    json_object *o;
    int i;

    (void)state;
    assert_int_equal(mockp_start(&p, args), 0);
    /* two users hit the cold server at once: both wait for the load */
    for (i = 0; i < 2; i++) {
        xfer_init(&x[i], &p, "/api/generate", body, NULL);
        xs[i] = &x[i];
    }
    assert_int_equal(xfer_run(xs, 2, 10000), 0);
    for (i = 0; i < 2; i++) {
        int64_t ld;

        o = last_line(&x[i]);
        ld = jint(o, "load_duration");
        assert_true(ld >= 140000000 && ld < 300000000);
        json_object_put(o);
        xfer_free(&x[i]);
    }
    /* warm: no load at all (Ollama omits the zero field) */
    xfer_init(&x[0], &p, "/api/generate", body, NULL);
    assert_int_equal(xfer_one(&x[0], 10000), 0);
    o = last_line(&x[0]);
    assert_null(jget(o, "load_duration"));
    json_object_put(o);
    xfer_free(&x[0]);
    /* idle past --unload-after-ms: the next request loads again */
    sleep_ms(400);
    xfer_init(&x[0], &p, "/api/generate", body, NULL);
    assert_int_equal(xfer_one(&x[0], 10000), 0);
    o = last_line(&x[0]);
    assert_true(jint(o, "load_duration") >= 140000000);
    json_object_put(o);
    xfer_free(&x[0]);
    xfer_init(&x[0], &p, "/metrics", NULL, NULL);
    assert_int_equal(xfer_one(&x[0], 10000), 0);
    assert_non_null(strstr(x[0].body, "llmperf_mock_model_loads_total 2\n"));
    xfer_free(&x[0]);
    assert_int_equal(mockp_stop(&p, 0), 0);
    mockp_cleanup(&p);
}

static void test_max_queue(void **state)
{
    static const char *const args[] = {
        "--slots", "1", "--max-queue", "1", "--load-ms", "0",
        "--decode-ms-per-token", "5", "--jitter", "0", "--output-tokens",
        "fixed:20", NULL};
    struct mockp p;
    struct xfer x[3], *xs[3];
    int i, ok = 0, busy = 0;

    (void)state;
    assert_int_equal(mockp_start(&p, args), 0);
    for (i = 0; i < 3; i++) {
        xfer_init(&x[i], &p, "/api/generate",
                  "{\"model\":\"llmperf-mock\",\"prompt\":\"q\"}", NULL);
        xs[i] = &x[i];
    }
    assert_int_equal(xfer_run(xs, 3, 10000), 0);
    for (i = 0; i < 3; i++) {
        if (x[i].status == 200)
            ok++;
        if (x[i].status == 503) {
            busy++;
            assert_non_null(strstr(x[i].body, "server busy"));
        }
        xfer_free(&x[i]);
    }
    /* one runs, one waits, the third finds the queue full */
    assert_int_equal(ok, 2);
    assert_int_equal(busy, 1);
    assert_int_equal(mockp_stop(&p, 0), 0);
    mockp_cleanup(&p);
}

static void test_abandoned_request_frees_slot(void **state)
{
    static const char *const args[] = {
        "--slots", "1", "--load-ms", "0", "--decode-ms-per-token", "5",
        "--jitter", "0", "--output-tokens", "fixed:400", NULL};
    struct mockp p;
    struct xfer a, b;
    struct event_list *ev = calloc(1, sizeof(*ev));
    json_object **log;
    size_t n;
    double ttft;

    (void)state;
    assert_non_null(ev);
    assert_int_equal(mockp_start(&p, args), 0);
    /* A would hold the only slot for 2 s; its client gives up at 150 ms */
    xfer_init(&a, &p, "/v1/completions",
              "{\"prompt\":\"a\",\"max_tokens\":400,\"stream\":true}", NULL);
    curl_easy_setopt(a.h, CURLOPT_TIMEOUT_MS, 150L);
    assert_int_equal(xfer_one(&a, 10000), 0);
    assert_int_equal(a.rc, CURLE_OPERATION_TIMEDOUT);
    sleep_ms(50);
    xfer_init(&b, &p, "/v1/completions",
              "{\"prompt\":\"b\",\"max_tokens\":3,\"stream\":true}", NULL);
    assert_int_equal(xfer_one(&b, 10000), 0);
    events_parse(ev, &b, EV_SSE);
    ttft = (double)(ev->t[0] - b.t_sent) / 1e6;
    /* B did not wait for A's remaining 1.8 s */
    assert_true(ttft < 100);
    events_free(ev);
    xfer_free(&a);
    xfer_free(&b);
    assert_int_equal(mockp_stop(&p, 0), 0);
    log = log_read(&p, &n);
    assert_int_equal(n, 2);
    assert_string_equal(jstr(log[0], "outcome"), "client_closed");
    assert_true(jint(log[0], "output_tokens") < 100);
    assert_string_equal(jstr(log[1], "outcome"), "ok");
    log_free(log, n);
    mockp_cleanup(&p);
    free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed001_queueing),
        cmocka_unit_test(test_queue_wait_in_log),
        cmocka_unit_test(test_cold_start_and_unload),
        cmocka_unit_test(test_max_queue),
        cmocka_unit_test(test_abandoned_request_frees_slot),
    };

    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
