/* SPDX-License-Identifier: MIT */
/*
 * test_metrics.c -- the accumulator: statistics equal llmperf/stats.h on
 * the same values, failures are excluded from latency fields, pooled ITL,
 * run aggregates and goodput, tests across groups, repeatability, merge
 * bit-for-bit, run info without credentials, allocation failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmperf/metrics.h"
#include "llmperf/stats.h"
#include "metrics_int.h"
#include "result_int.h"

/* ---- synthetic results ------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static int64_t rnd_in(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* A successful result sent at `sent` with chunks at sent + ttft + gaps. */
static llmperf_result *mk_ok(int64_t sent, int64_t ttft, const int64_t *gaps,
                             size_t ngaps, int64_t e2e_extra,
                             int64_t prompt_tokens)
{
    llmperf_result *r;
    int64_t t = sent + ttft;

    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    assert_int_equal(llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, sent),
                     LLMPERF_OK);
    assert_int_equal(llmperf__result_add_chunk(r, t, 1), LLMPERF_OK);
    for (size_t i = 0; i < ngaps; i++) {
        t += gaps[i];
        assert_int_equal(llmperf__result_add_chunk(r, t, 1), LLMPERF_OK);
    }
    llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS, t - sent + e2e_extra);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_HTTP_STATUS, 200);
    if (prompt_tokens >= 0)
        llmperf__result_set_i64(r, LLMPERF_RESULT_PROMPT_TOKENS,
                                prompt_tokens);
    assert_int_equal(llmperf__result_derive(r, -1), LLMPERF_OK);
    return r;
}

static llmperf_result *mk_fail(int64_t sent, int status, const char *cls)
{
    llmperf_result *r;

    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, sent);
    llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS, 5000000);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, status);
    llmperf__result_set_i64(r, LLMPERF_RESULT_TTFB_NS, 1000);
    /* A failed request may still have a partial timeline. */
    llmperf__result_add_chunk(r, sent + 1000000, 1);
    llmperf__result_add_chunk(r, sent + 9000000, 1);
    assert_int_equal(llmperf__result_derive(r, -1), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, status);
    if (cls != NULL)
        llmperf__result_set_str(r, LLMPERF_RESULT_ERROR_CLASS, cls,
                                strlen(cls));
    return r;
}

/* A random result: mostly successes with a few failures. */
static llmperf_result *mk_random(int64_t sent)
{
    int64_t gaps[40];
    size_t n = (size_t)rnd_in(0, 39);

    if (rnd() % 10 == 0)
        return mk_fail(sent, rnd() % 2 ? LLMPERF_ETIMEOUT : LLMPERF_EHTTP,
                       rnd() % 2 ? "timeout" : "http");
    for (size_t i = 0; i < n; i++)
        gaps[i] = rnd_in(1000, 80000000);
    return mk_ok(sent, rnd_in(1000000, 900000000), gaps, n,
                 rnd_in(0, 3000000), rnd() % 5 ? rnd_in(1, 4000) : -1);
}

static void add(llmperf_metrics *m, llmperf_result *r, const char *group,
                const char *prompt)
{
    assert_int_equal(llmperf_metrics_add_prompt(m, r, group, prompt),
                     LLMPERF_OK);
    llmperf_result_free(r);
}

/* ---- basic statistics ------------------------------------------------- */

static void test_stats_match_stats_module(void **state)
{
    static const int64_t ttft_ms[] = {120, 80, 95, 300, 101, 99, 250};
    llmperf_metrics *m;
    double x[7], want, got;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    for (int i = 0; i < 7; i++) {
        x[i] = (double)(ttft_ms[i] * 1000000);
        add(m, mk_ok(1000000000LL * i, ttft_ms[i] * 1000000, NULL, 0, 0, 10),
            "a", NULL);
    }
    /* A failure in the same group must not enter latency statistics. */
    add(m, mk_fail(42, LLMPERF_ECONNECT, "connect"), "a", NULL);

    assert_int_equal(llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFT_NS,
                                          LLMPERF_STAT_COUNT, &got),
                     LLMPERF_OK);
    assert_true(got == 7.0);
    assert_int_equal(llmperf_stats_mean(x, 7, &want), LLMPERF_OK);
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFT_NS, LLMPERF_STAT_MEAN,
                         &got);
    assert_memory_equal(&want, &got, sizeof(double));
    llmperf_stats_stddev(x, 7, &want);
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFT_NS, LLMPERF_STAT_STD,
                         &got);
    assert_memory_equal(&want, &got, sizeof(double));
    llmperf_stats_stddev_pop(x, 7, &want);
    llmperf_metrics_stat(m, NULL, LLMPERF_RESULT_TTFT_NS,
                         LLMPERF_STAT_STD_POP, &got);
    assert_memory_equal(&want, &got, sizeof(double));
    llmperf_stats_cv(x, 7, &want);
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFT_NS, LLMPERF_STAT_CV,
                         &got);
    assert_memory_equal(&want, &got, sizeof(double));
    for (double q = 0.0; q <= 100.0; q += 12.5) {
        llmperf_stats_percentile(x, 7, q, &want);
        assert_int_equal(llmperf_metrics_percentile(
                             m, "a", LLMPERF_RESULT_TTFT_NS, q, &got),
                         LLMPERF_OK);
        assert_memory_equal(&want, &got, sizeof(double));
    }
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFT_NS, LLMPERF_STAT_MIN,
                         &got);
    assert_true(got == 80e6);
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFT_NS, LLMPERF_STAT_MAX,
                         &got);
    assert_true(got == 300e6);
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFT_NS, LLMPERF_STAT_MEDIAN,
                         &got);
    assert_true(got == 101e6);

    /* Attempt fields count the failure too; latency fields do not. */
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_STATUS, LLMPERF_STAT_COUNT,
                         &got);
    assert_true(got == 8.0);
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_E2E_NS, LLMPERF_STAT_COUNT,
                         &got);
    assert_true(got == 7.0);
    llmperf_metrics_stat(m, "a", LLMPERF_RESULT_TTFB_NS, LLMPERF_STAT_COUNT,
                         &got);
    assert_true(got == 0.0);
    llmperf_metrics_free(m);
}

static void test_errors(void **state)
{
    llmperf_metrics *m;
    llmperf_result *r;
    double v = 12345.0, h, p;
    (void)state;

    assert_int_equal(llmperf_metrics_new(NULL), LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    /* Empty accumulator: counts are 0, everything else undefined. */
    assert_int_equal(llmperf_metrics_stat(m, NULL, LLMPERF_RESULT_TTFT_NS,
                                          LLMPERF_STAT_COUNT, &v),
                     LLMPERF_OK);
    assert_true(v == 0.0);
    v = 12345.0;
    assert_int_equal(llmperf_metrics_stat(m, NULL, LLMPERF_RESULT_TTFT_NS,
                                          LLMPERF_STAT_MEAN, &v),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_metrics_stat(m, NULL, LLMPERF_METRICS_ITL_NS,
                                          LLMPERF_STAT_MEAN, &v),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_metrics_percentile(m, NULL,
                                                LLMPERF_METRICS_ITL_NS, 50,
                                                &v),
                     LLMPERF_EUNDEFINED);
    assert_true(v == 12345.0);
    assert_int_equal(llmperf_metrics_run_stat(m, NULL,
                                              LLMPERF_RUN_DURATION_NS, &v),
                     LLMPERF_EUNDEFINED);
    add(m, mk_ok(0, 5000000, NULL, 0, 0, 3), "one", NULL);
    /* One value: std undefined, population std 0. */
    assert_int_equal(llmperf_metrics_stat(m, "one", LLMPERF_RESULT_TTFT_NS,
                                          LLMPERF_STAT_STD, &v),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_metrics_stat(m, "one", LLMPERF_RESULT_TTFT_NS,
                                          LLMPERF_STAT_STD_POP, &v),
                     LLMPERF_OK);
    assert_true(v == 0.0);
    assert_int_equal(llmperf_metrics_stat(m, "nope", LLMPERF_RESULT_TTFT_NS,
                                          LLMPERF_STAT_MEAN, &v),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_metrics_stat(m, "one", 999, LLMPERF_STAT_MEAN,
                                          &v),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_metrics_stat(m, "one", 3999, LLMPERF_STAT_MEAN,
                                          &v),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_metrics_stat(m, "one", LLMPERF_RESULT_ERROR,
                                          LLMPERF_STAT_MEAN, &v),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_stat(m, "one", LLMPERF_RESULT_TTFT_NS,
                                          99, &v),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_percentile(
                         m, "one", LLMPERF_RESULT_TTFT_NS, 100.5, &v),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_percentile(
                         m, "one", LLMPERF_RESULT_TTFT_NS, NAN, &v),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_kruskal(m, LLMPERF_RESULT_TTFT_NS, &h,
                                             &p),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_metrics_pearson(m, "one",
                                             LLMPERF_RESULT_PROMPT_TOKENS,
                                             LLMPERF_RESULT_TTFT_NS, &h, &p),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_metrics_pearson(m, "one", LLMPERF_METRICS_ITL_NS,
                                             LLMPERF_RESULT_TTFT_NS, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_run_stat(m, NULL,
                                              LLMPERF_RUN_REQUEST_GOODPUT,
                                              &v),
                     LLMPERF_EUNDEFINED);

    /* Bad results add nothing. */
    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_add(m, r, "bad"), LLMPERF_EINVAL);
    assert_non_null(strstr(llmperf_metrics_errmsg(m), "status"));
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, 100);
    llmperf__result_add_chunk(r, 500, 1);
    llmperf__result_add_chunk(r, 400, 1);
    llmperf__result_derive(r, -1);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, 0);
    assert_int_equal(llmperf_metrics_add(m, r, "bad"), LLMPERF_EINVAL);
    assert_non_null(strstr(llmperf_metrics_errmsg(m), "before"));
    llmperf_result_free(r);
    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, 0);
    llmperf__result_set_f64(r, LLMPERF_RESULT_OUTPUT_TPS, INFINITY);
    assert_int_equal(llmperf_metrics_add(m, r, "bad"), LLMPERF_EINVAL);
    llmperf_result_free(r);
    assert_int_equal(llmperf_metrics_stat(m, "bad", LLMPERF_RESULT_STATUS,
                                          LLMPERF_STAT_COUNT, &v),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_metrics_add(m, NULL, "x"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_add(NULL, NULL, "x"), LLMPERF_EINVAL);
    llmperf_metrics_free(m);
    llmperf_metrics_free(NULL);
}

/* ---- ITL -------------------------------------------------------------- */

static void test_itl_code(void **state)
{
    unsigned prev = 0;
    (void)state;

    for (int64_t v = 0; v < 5000; v++) {
        unsigned c = llmperf__itl_encode(v);

        assert_true(c >= prev);
        prev = c;
        if (v < 2048)
            assert_true(llmperf__itl_value(c) == (double)v);
    }
    for (int i = 0; i < 200000; i++) {
        int64_t v = (int64_t)((rnd() >> 1) >> (rnd() % 63));
        double d = llmperf__itl_value(llmperf__itl_encode(v));

        assert_true(fabs(d - (double)v) <= ldexp((double)v, -11));
        assert_true(llmperf__itl_encode(v) < 65536);
    }
    assert_true(llmperf__itl_value(llmperf__itl_encode(INT64_MAX)) > 9.2e18);
}

static void test_itl_pooled(void **state)
{
    static const int64_t g1[] = {10, 20, 30, 2000000};
    static const int64_t g2[] = {40, 50};
    llmperf_metrics *m;
    double x[6], v, want;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    add(m, mk_ok(0, 1000, g1, 4, 0, 1), "a", NULL);
    add(m, mk_ok(0, 1000, g2, 2, 0, 1), "b", NULL);
    add(m, mk_fail(0, LLMPERF_ETIMEOUT, "timeout"), "b", NULL);
    for (int i = 0; i < 4; i++)
        x[i] = llmperf__itl_value(llmperf__itl_encode(g1[i]));
    x[4] = 40;
    x[5] = 50;
    assert_int_equal(llmperf_metrics_stat(m, NULL, LLMPERF_METRICS_ITL_NS,
                                          LLMPERF_STAT_COUNT, &v),
                     LLMPERF_OK);
    assert_true(v == 6.0); /* the failure's chunks are not pooled */
    llmperf_metrics_stat(m, "b", LLMPERF_METRICS_ITL_NS, LLMPERF_STAT_COUNT,
                         &v);
    assert_true(v == 2.0);
    for (double q = 0.0; q <= 100.0; q += 2.5) {
        llmperf_stats_percentile(x, 6, q, &want);
        llmperf_metrics_percentile(m, NULL, LLMPERF_METRICS_ITL_NS, q, &v);
        assert_memory_equal(&want, &v, sizeof(double));
    }
    llmperf_stats_mean(x, 6, &want);
    llmperf_metrics_stat(m, NULL, LLMPERF_METRICS_ITL_NS, LLMPERF_STAT_MEAN,
                         &v);
    assert_true(fabs(v - want) <= 1e-12 * want);
    llmperf_stats_stddev_pop(x, 6, &want);
    llmperf_metrics_stat(m, NULL, LLMPERF_METRICS_ITL_NS,
                         LLMPERF_STAT_STD_POP, &v);
    assert_true(fabs(v - want) <= 1e-12 * want);
    llmperf_stats_stddev(x, 6, &want);
    llmperf_metrics_stat(m, NULL, LLMPERF_METRICS_ITL_NS, LLMPERF_STAT_STD,
                         &v);
    assert_true(fabs(v - want) <= 1e-12 * want);
    llmperf_metrics_stat(m, NULL, LLMPERF_METRICS_ITL_NS, LLMPERF_STAT_MIN,
                         &v);
    assert_true(v == 10.0);
    llmperf_metrics_stat(m, "a", LLMPERF_METRICS_ITL_NS, LLMPERF_STAT_MAX,
                         &v);
    assert_true(fabs(v - 2e6) <= 2e6 / 2048);
    llmperf_metrics_stat(m, "b", LLMPERF_METRICS_ITL_NS, LLMPERF_STAT_MEDIAN,
                         &v);
    assert_true(v == 45.0);
    llmperf_metrics_free(m);
}

/* ---- run aggregates ---------------------------------------------------- */

static void test_run_stats(void **state)
{
    static const int64_t gaps[] = {10000000, 10000000, 10000000};
    llmperf_metrics *m;
    double v;
    int64_t lim, cnt;
    const char *name;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    /* r1: sent 1 s, ttft 100 ms, 4 chunks (3 gaps of 10 ms), e2e 135 ms,
     *     output 4 tokens, tpot 10 ms.
     * r2: sent 1.5 s, ttft 300 ms, e2e 335 ms.
     * r3: failed at 2 s after 5 ms; r4: timeout. */
    add(m, mk_ok(1000000000, 100000000, gaps, 3, 5000000, 20), "g", NULL);
    add(m, mk_ok(1500000000, 300000000, gaps, 3, 5000000, 30), "g", NULL);
    add(m, mk_fail(2000000000, LLMPERF_EHTTP, "http"), "g", NULL);
    add(m, mk_fail(2000000000, LLMPERF_ETIMEOUT, "timeout"), "h", NULL);

    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_REQUESTS, &v);
    assert_true(v == 3.0);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_COMPLETED, &v);
    assert_true(v == 2.0);
    llmperf_metrics_run_stat(m, NULL, LLMPERF_RUN_FAILED, &v);
    assert_true(v == 2.0);
    /* first send 1 s, last completion 2.005 s (the failure's end) */
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_DURATION_NS, &v);
    assert_true(v == 1005000000.0);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_TOTAL_OUTPUT_TOKENS, &v);
    assert_true(v == 8.0);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_TOTAL_INPUT_TOKENS, &v);
    assert_true(v == 50.0);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_REQUEST_THROUGHPUT, &v);
    assert_true(fabs(v - 2.0 / 1.005) < 1e-12);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_OUTPUT_THROUGHPUT, &v);
    assert_true(fabs(v - 8.0 / 1.005) < 1e-12);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_TOTAL_TOKEN_THROUGHPUT, &v);
    assert_true(fabs(v - 58.0 / 1.005) < 1e-12);
    assert_int_equal(llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_GOOD, &v),
                     LLMPERF_EUNDEFINED);

    /* TTFT <= 200 ms: only r1 is good. */
    assert_int_equal(llmperf_metrics_set_slo(m, LLMPERF_RESULT_TTFT_NS,
                                             200000000),
                     LLMPERF_OK);
    assert_int_equal(llmperf_metrics_get_slo(m, LLMPERF_RESULT_TTFT_NS,
                                             &lim),
                     LLMPERF_OK);
    assert_true(lim == 200000000);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_GOOD, &v);
    assert_true(v == 1.0);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_REQUEST_GOODPUT, &v);
    assert_true(fabs(v - 1.0 / 1.005) < 1e-12);
    /* Add TPOT <= 5 ms: nobody meets both. */
    llmperf_metrics_set_slo(m, LLMPERF_RESULT_TPOT_NS, 5000000);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_GOOD, &v);
    assert_true(v == 0.0);
    llmperf_metrics_set_slo(m, LLMPERF_RESULT_TPOT_NS, 10000000);
    llmperf_metrics_set_slo(m, LLMPERF_RESULT_E2E_NS, 500000000);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_GOOD, &v);
    assert_true(v == 1.0);
    llmperf_metrics_set_slo(m, LLMPERF_RESULT_TTFT_NS, -1);
    llmperf_metrics_run_stat(m, "g", LLMPERF_RUN_GOOD, &v);
    assert_true(v == 2.0);
    assert_int_equal(llmperf_metrics_get_slo(m, LLMPERF_RESULT_TTFT_NS,
                                             &lim),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_metrics_set_slo(m, LLMPERF_RESULT_CHUNKS, 1),
                     LLMPERF_EINVAL);

    assert_int_equal(llmperf_metrics_error_class(m, NULL, 0, &name, &cnt),
                     LLMPERF_OK);
    assert_string_equal(name, "http");
    assert_true(cnt == 1);
    assert_int_equal(llmperf_metrics_error_class(m, NULL, 1, &name, &cnt),
                     LLMPERF_OK);
    assert_string_equal(name, "timeout");
    assert_int_equal(llmperf_metrics_error_class(m, NULL, 2, &name, &cnt),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_metrics_error_class(m, "h", 0, &name, &cnt),
                     LLMPERF_OK);
    assert_string_equal(name, "timeout");
    assert_int_equal(llmperf_metrics_error_class(m, "h", 1, &name, &cnt),
                     LLMPERF_ENOTFOUND);
    llmperf_metrics_free(m);
}

/* ---- tests across groups ----------------------------------------------- */

static void test_correlation_and_tests(void **state)
{
    llmperf_metrics *m;
    double px[60], ty[60], a[30], b[30], r, p, r2, p2, h, u, lo, hi, ratio;
    const double *grp[2] = {a, b};
    size_t sz[2] = {30, 30};
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    for (int i = 0; i < 60; i++) {
        int64_t tok = rnd_in(10, 4000);
        int64_t ttft = 20000000 + tok * 30000 + rnd_in(0, 40000000) +
                       (i >= 30 ? 50000000 : 0);

        px[i] = (double)tok;
        ty[i] = (double)ttft;
        if (i < 30)
            a[i] = (double)ttft;
        else
            b[i - 30] = (double)ttft;
        add(m, mk_ok(i * 1000000000LL, ttft, NULL, 0, 0, tok),
            i < 30 ? "A" : "B", NULL);
    }
    assert_int_equal(llmperf_metrics_pearson(m, NULL,
                                             LLMPERF_RESULT_PROMPT_TOKENS,
                                             LLMPERF_RESULT_TTFT_NS, &r, &p),
                     LLMPERF_OK);
    llmperf_stats_pearson(px, ty, 60, &r2, &p2);
    assert_memory_equal(&r, &r2, sizeof(double));
    assert_memory_equal(&p, &p2, sizeof(double));
    assert_true(r > 0.5);
    assert_int_equal(llmperf_metrics_spearman(m, "B",
                                              LLMPERF_RESULT_PROMPT_TOKENS,
                                              LLMPERF_RESULT_TTFT_NS, &r, &p),
                     LLMPERF_OK);
    llmperf_stats_spearman(px + 30, ty + 30, 30, &r2, &p2);
    assert_memory_equal(&r, &r2, sizeof(double));
    assert_memory_equal(&p, &p2, sizeof(double));

    assert_int_equal(llmperf_metrics_kruskal(m, LLMPERF_RESULT_TTFT_NS, &h,
                                             &p),
                     LLMPERF_OK);
    llmperf_stats_kruskal(grp, sz, 2, &r2, &p2);
    assert_memory_equal(&h, &r2, sizeof(double));
    assert_memory_equal(&p, &p2, sizeof(double));

    assert_int_equal(llmperf_metrics_mannwhitney(
                         m, LLMPERF_RESULT_TTFT_NS, "A", "B", &u, &p),
                     LLMPERF_OK);
    llmperf_stats_mannwhitney(a, 30, b, 30, &r2, &p2);
    assert_memory_equal(&u, &r2, sizeof(double));
    assert_memory_equal(&p, &p2, sizeof(double));
    assert_int_equal(llmperf_metrics_mannwhitney(
                         m, LLMPERF_RESULT_TTFT_NS, "A", "Z", &u, &p),
                     LLMPERF_ENOTFOUND);

    assert_int_equal(llmperf_metrics_median_ratio(m, LLMPERF_RESULT_TTFT_NS,
                                                  "A", "B", 0.95, 500, 7,
                                                  &ratio, &lo, &hi),
                     LLMPERF_OK);
    assert_true(lo <= ratio && ratio <= hi && ratio > 1.0);
    llmperf_stats_bootstrap_ratio_ci(a, 30, b, 30, 50, 0.95, 500, 7, &r2,
                                     &lo, &h);
    assert_memory_equal(&ratio, &r2, sizeof(double));
    assert_memory_equal(&hi, &h, sizeof(double));
    assert_int_equal(llmperf_metrics_median_ratio(m, LLMPERF_RESULT_TTFT_NS,
                                                  "A", "B", 1.0, 500, 7,
                                                  &ratio, &lo, &hi),
                     LLMPERF_EINVAL);
    llmperf_metrics_free(m);
}

/* ---- repeatability ------------------------------------------------------ */

static void test_repeatability(void **state)
{
    llmperf_metrics *m;
    double cv[8], v, want;
    double p1[] = {100e6, 200e6, 300e6};
    size_t n;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    /* Interleaved iterations, as a runner produces them. */
    for (int it = 0; it < 3; it++) {
        add(m, mk_ok(0, (int64_t)p1[it], NULL, 0, 0, 5), "m", "p1");
        add(m, mk_ok(0, 50000000, NULL, 0, 0, 5), "m", "p2");
        if (it == 0)
            add(m, mk_ok(0, 70000000, NULL, 0, 0, 5), "m", "once");
        add(m, mk_ok(0, 1000000, NULL, 0, 0, 5), "m", NULL);
    }
    add(m, mk_ok(0, 10000000, NULL, 0, 0, 5), "other", "p1");
    add(m, mk_ok(0, 30000000, NULL, 0, 0, 5), "other", "p1");
    add(m, mk_fail(0, LLMPERF_ETIMEOUT, "timeout"), "other", "p1");

    assert_int_equal(llmperf_metrics_prompt_cvs(m, "m",
                                                LLMPERF_RESULT_TTFT_NS, NULL,
                                                0, &n),
                     LLMPERF_EBUFS);
    assert_int_equal((int)n, 2);
    assert_int_equal(llmperf_metrics_prompt_cvs(m, "m",
                                                LLMPERF_RESULT_TTFT_NS, cv, 8,
                                                &n),
                     LLMPERF_OK);
    llmperf_stats_cv(p1, 3, &want);
    assert_memory_equal(&cv[0], &want, sizeof(double));
    assert_true(cv[1] == 0.0);
    assert_int_equal(llmperf_metrics_prompt_cvs(m, NULL,
                                                LLMPERF_RESULT_TTFT_NS, cv, 8,
                                                &n),
                     LLMPERF_OK);
    assert_int_equal((int)n, 3); /* (m,p1) (m,p2) (other,p1) */
    assert_true(fabs(cv[2] - sqrt(200.0) / 20.0) < 1e-12);
    assert_int_equal(llmperf_metrics_repeatability(
                         m, NULL, LLMPERF_RESULT_TTFT_NS, LLMPERF_STAT_COUNT,
                         &v),
                     LLMPERF_OK);
    assert_true(v == 3.0);
    llmperf_metrics_repeatability(m, NULL, LLMPERF_RESULT_TTFT_NS,
                                  LLMPERF_STAT_MAX, &v);
    assert_memory_equal(&v, &cv[2], sizeof(double));
    assert_int_equal(llmperf_metrics_repeatability(
                         m, "other", LLMPERF_METRICS_ITL_NS,
                         LLMPERF_STAT_MAX, &v),
                     LLMPERF_EINVAL);
    llmperf_metrics_free(m);
}

/* ---- merge --------------------------------------------------------------- */

static const int snap_fields[] = {
    LLMPERF_RESULT_SENT_NS,      LLMPERF_RESULT_TTFT_NS,
    LLMPERF_RESULT_E2E_NS,       LLMPERF_RESULT_TPOT_NS,
    LLMPERF_RESULT_OUTPUT_TOKENS, LLMPERF_RESULT_PROMPT_TOKENS,
    LLMPERF_RESULT_STATUS,       LLMPERF_RESULT_OUTPUT_TPS,
    LLMPERF_RESULT_CHUNKS,       LLMPERF_RESULT_LAST_TOKEN_NS,
    LLMPERF_RESULT_TTFB_NS,      LLMPERF_METRICS_ITL_NS,
};

struct snap {
    unsigned char *b;
    size_t n, cap;
};

static void put(struct snap *s, int rc, double v)
{
    if (s->n + sizeof(rc) + sizeof(v) > s->cap) {
        s->cap = s->cap * 2 + 4096;
        s->b = realloc(s->b, s->cap);
        assert_non_null(s->b);
    }
    memcpy(s->b + s->n, &rc, sizeof(rc));
    s->n += sizeof(rc);
    if (rc != LLMPERF_OK)
        v = 0.0;
    memcpy(s->b + s->n, &v, sizeof(v));
    s->n += sizeof(v);
}

/* Every statistic this test can think of, as bytes. */
static void snapshot(const llmperf_metrics *m, struct snap *s)
{
    static const double qs[] = {0, 1, 25, 50, 90, 99, 99.9, 100};
    size_t ng, k;
    double v, w;
    const char *name;
    int64_t cnt;
    int rc;

    llmperf_metrics_group_count(m, &ng);
    put(s, 0, (double)ng);
    for (size_t gi = 0; gi <= ng; gi++) {
        const char *g = NULL;

        if (gi < ng) {
            llmperf_metrics_group_name(m, gi, &g);
            put(s, 0, (double)strlen(g));
        }
        for (size_t f = 0; f < LLMPERF__ARRAY_LEN(snap_fields); f++) {
            for (int st = LLMPERF_STAT_COUNT; st <= LLMPERF_STAT_MEDIAN;
                 st++) {
                rc = llmperf_metrics_stat(m, g, snap_fields[f], st, &v);

                put(s, rc, v);
                rc = llmperf_metrics_repeatability(m, g, snap_fields[f], st,
                                                   &v);
                put(s, rc, v);
            }
            for (size_t q = 0; q < LLMPERF__ARRAY_LEN(qs); q++) {
                rc = llmperf_metrics_percentile(m, g, snap_fields[f],
                                                    qs[q], &v);

                put(s, rc, v);
            }
        }
        for (int w2 = LLMPERF_RUN_REQUESTS; w2 <= LLMPERF_RUN_REQUEST_GOODPUT;
             w2++) {
            rc = llmperf_metrics_run_stat(m, g, w2, &v);

            put(s, rc, v);
        }
        rc = llmperf_metrics_pearson(m, g, LLMPERF_RESULT_PROMPT_TOKENS,
                                     LLMPERF_RESULT_TTFT_NS, &v, &w);
        put(s, rc, v);
        put(s, rc, w);
        rc = llmperf_metrics_spearman(m, g, LLMPERF_RESULT_OUTPUT_TOKENS,
                                      LLMPERF_RESULT_E2E_NS, &v, &w);
        put(s, rc, v);
        put(s, rc, w);
        for (k = 0; llmperf_metrics_error_class(m, g, k, &name, &cnt) ==
                    LLMPERF_OK;
             k++)
            put(s, (int)strlen(name), (double)cnt);
    }
    rc = llmperf_metrics_kruskal(m, LLMPERF_RESULT_E2E_NS, &v, &w);
    put(s, rc, v);
    put(s, rc, w);
}

static void test_merge_bit_for_bit(void **state)
{
    static const char *const groups[] = {"alpha", "beta", "gamma", "delta"};
    static const char *const prompts[] = {"p0", "p1", "p2", "p3", "p4"};
    llmperf_metrics *all, *a, *b, *c;
    struct snap s1 = {0}, s2 = {0};
    (void)state;

    assert_int_equal(llmperf_metrics_new(&all), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_new(&a), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_new(&b), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_new(&c), LLMPERF_OK);
    llmperf_metrics_set_slo(all, LLMPERF_RESULT_TTFT_NS, 500000000);
    llmperf_metrics_set_slo(a, LLMPERF_RESULT_TTFT_NS, 500000000);
    for (int i = 0; i < 3000; i++) {
        /* a gets the first half, b and c share the second; b never
         * sees "alpha" so merging creates groups in both orders. */
        const char *g = groups[i < 1500 ? rnd() % 3 : 1 + rnd() % 3];
        const char *p = rnd() % 4 ? prompts[rnd() % 5] : NULL;
        llmperf_metrics *part = i < 1500 ? a : (i < 2200 ? b : c);
        uint64_t save = rng_state;
        llmperf_result *r1 = mk_random(i * 10000000LL), *r2;

        rng_state = save;
        r2 = mk_random(i * 10000000LL);
        add(all, r1, g, p);
        add(part, r2, g, p);
    }
    llmperf_metrics_set_sweep(b, "delta", "concurrency", 8, NULL);
    assert_int_equal(llmperf_metrics_merge(a, b), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_merge(a, c), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_merge(a, a), LLMPERF_EINVAL);
    snapshot(all, &s1);
    snapshot(a, &s2);
    assert_int_equal((int)s1.n, (int)s2.n);
    assert_memory_equal(s1.b, s2.b, s1.n);
    {
        const char *param;
        double v;

        assert_int_equal(llmperf_metrics_get_sweep(a, "delta", &param, &v,
                                                   NULL),
                         LLMPERF_OK);
        assert_string_equal(param, "concurrency");
        assert_true(v == 8.0);
    }
    free(s1.b);
    free(s2.b);
    llmperf_metrics_free(all);
    llmperf_metrics_free(a);
    llmperf_metrics_free(b);
    llmperf_metrics_free(c);
}

/* ---- allocation failures ------------------------------------------------- */

static void test_alloc_failures(void **state)
{
    llmperf_metrics *m = NULL, *src;
    struct snap before = {0}, after = {0};
    int saw_ok = 0;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&src), LLMPERF_OK);
    for (int i = 0; i < 50; i++)
        add(src, mk_random(i * 1000000LL), i % 2 ? "x" : "y",
            i % 3 ? "p" : "q");
    for (long n = 1; n < 400 && !saw_ok; n++) {
        llmperf_result *r = mk_random(77);
        int rc;

        assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
        add(m, mk_random(5), "x", "p");
        before.n = after.n = 0;
        snapshot(m, &before);
        llmperf__alloc_fail_after(n);
        rc = llmperf_metrics_merge(m, src);
        if (rc == LLMPERF_OK)
            rc = llmperf_metrics_add_prompt(m, r, "new", "pnew");
        llmperf__alloc_fail_after(0);
        if (rc == LLMPERF_OK) {
            saw_ok = 1;
        } else {
            assert_int_equal(rc, LLMPERF_ENOMEM);
            /* A failed merge changes nothing; a failed add after a good
             * merge leaves the merged state, checked by the count. */
            snapshot(m, &after);
            if (after.n == before.n &&
                memcmp(after.b, before.b, before.n) == 0)
                ;
            else {
                double v;

                assert_int_equal(llmperf_metrics_run_stat(
                                     m, NULL, LLMPERF_RUN_REQUESTS, &v),
                                 LLMPERF_OK);
                assert_true(v == 51.0);
                assert_int_equal(llmperf_metrics_run_stat(
                                     m, "new", LLMPERF_RUN_REQUESTS, &v),
                                 LLMPERF_ENOTFOUND);
            }
        }
        llmperf_result_free(r);
        llmperf_metrics_free(m);
    }
    assert_true(saw_ok);
    free(before.b);
    free(after.b);
    llmperf_metrics_free(src);
    /* new() under failure */
    for (long n = 1; n < 10; n++) {
        llmperf__alloc_fail_after(n);
        m = (llmperf_metrics *)1;
        int rc = llmperf_metrics_new(&m);
        llmperf__alloc_fail_after(0);
        if (rc == LLMPERF_OK) {
            llmperf_metrics_free(m);
            break;
        }
        assert_int_equal(rc, LLMPERF_ENOMEM);
        assert_null(m);
    }
}

/* ---- settings ---------------------------------------------------------- */

static void test_info_and_settings(void **state)
{
    llmperf_metrics *m;
    const char *v;
    const double *q;
    double qs[] = {50, 99.9}, bad[] = {101};
    size_t n;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_get_info(m, LLMPERF_INFO_START_TIME, &v),
                     LLMPERF_OK);
    assert_int_equal((int)strlen(v), 24);
    assert_true(v[4] == '-' && v[10] == 'T' && v[23] == 'Z');
    assert_int_equal(llmperf_metrics_get_info(m, LLMPERF_INFO_HOST, &v),
                     LLMPERF_OK);
    assert_int_equal(llmperf_metrics_get_info(m, LLMPERF_INFO_MODEL, &v),
                     LLMPERF_ENOTFOUND);

    assert_int_equal(llmperf_metrics_set_info(
                         m, LLMPERF_INFO_URL,
                         "https://bob:hunter2@api.example.com:8443/v1?"
                         "api_key=sk-123&model=x&access_token=t#frag"),
                     LLMPERF_OK);
    llmperf_metrics_get_info(m, LLMPERF_INFO_URL, &v);
    assert_string_equal(v, "https://api.example.com:8443/v1?"
                           "api_key=REDACTED&model=x&access_token=REDACTED"
                           "#frag");
    llmperf_metrics_set_info(m, LLMPERF_INFO_URL, "http://127.0.0.1:8000");
    llmperf_metrics_get_info(m, LLMPERF_INFO_URL, &v);
    assert_string_equal(v, "http://127.0.0.1:8000");
    llmperf_metrics_set_info(m, LLMPERF_INFO_URL, "http://u@h/p@q");
    llmperf_metrics_get_info(m, LLMPERF_INFO_URL, &v);
    assert_string_equal(v, "http://h/p@q");

    assert_int_equal(llmperf_metrics_set_info(
                         m, LLMPERF_INFO_PARAMS,
                         "{\"max_tokens\": 256, \"api_key\": \"sk-1\", "
                         "\"headers\": {\"Authorization\": \"Bearer x\"}}"),
                     LLMPERF_OK);
    llmperf_metrics_get_info(m, LLMPERF_INFO_PARAMS, &v);
    assert_null(strstr(v, "sk-1"));
    assert_null(strstr(v, "Bearer"));
    assert_non_null(strstr(v, "\"max_tokens\":256"));
    assert_int_equal(llmperf_metrics_set_info(m, LLMPERF_INFO_PARAMS, "[1]"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_set_info(m, LLMPERF_INFO_PARAMS,
                                              "{} x"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_set_info(m, 99, "x"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_set_info(m, LLMPERF_INFO_MODEL, NULL),
                     LLMPERF_OK);

    assert_int_equal(llmperf_metrics_get_percentiles(m, &q, &n), LLMPERF_OK);
    assert_int_equal((int)n, 4);
    assert_true(q[3] == 99.0);
    assert_int_equal(llmperf_metrics_set_percentiles(m, qs, 2), LLMPERF_OK);
    llmperf_metrics_get_percentiles(m, &q, &n);
    assert_true(n == 2 && q[1] == 99.9);
    assert_int_equal(llmperf_metrics_set_percentiles(m, bad, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_set_percentiles(m, NULL, 0), LLMPERF_OK);
    llmperf_metrics_get_percentiles(m, &q, &n);
    assert_int_equal((int)n, 4);

    assert_int_equal(llmperf_metrics_set_sweep(m, "c=4", "concurrency", 4,
                                               "p=1"),
                     LLMPERF_OK);
    assert_int_equal(llmperf_metrics_group_count(m, &n), LLMPERF_OK);
    assert_int_equal((int)n, 1);
    assert_int_equal(llmperf_metrics_group_name(m, 0, &v), LLMPERF_OK);
    assert_string_equal(v, "c=4");
    assert_int_equal(llmperf_metrics_group_name(m, 1, &v), LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_metrics_get_sweep(m, "c=4", NULL, NULL, &v),
                     LLMPERF_OK);
    assert_string_equal(v, "p=1");
    assert_int_equal(llmperf_metrics_set_sweep(m, "c=4", "", 4, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_set_sweep(m, "c=4", "c", NAN, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_metrics_get_sweep(m, "zzz", NULL, NULL, NULL),
                     LLMPERF_ENOTFOUND);
    llmperf_metrics_free(m);
}

/* Many groups: lookups stay correct past hash-table growth. */
static void test_many_groups(void **state)
{
    llmperf_metrics *m;
    char name[32];
    double v;
    size_t n;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof(name), "g%d", i % 700);
        add(m, mk_ok(i, 1000 + i, NULL, 0, 0, 1), name, name);
    }
    llmperf_metrics_group_count(m, &n);
    assert_int_equal((int)n, 700);
    for (int i = 0; i < 700; i++) {
        snprintf(name, sizeof(name), "g%d", i);
        assert_int_equal(llmperf_metrics_stat(m, name, LLMPERF_RESULT_TTFT_NS,
                                              LLMPERF_STAT_COUNT, &v),
                         LLMPERF_OK);
        assert_true(v == (i < 3000 % 700 ? 5.0 : 4.0));
    }
    llmperf_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_match_stats_module),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_itl_code),
        cmocka_unit_test(test_itl_pooled),
        cmocka_unit_test(test_run_stats),
        cmocka_unit_test(test_correlation_and_tests),
        cmocka_unit_test(test_repeatability),
        cmocka_unit_test(test_merge_bit_for_bit),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_info_and_settings),
        cmocka_unit_test(test_many_groups),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
