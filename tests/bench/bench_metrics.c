/* SPDX-License-Identifier: MIT */
/*
 * bench_metrics.c -- figures for the accumulator and the serialisers:
 * memory per request and time to add for 1,000,000 synthetic requests of
 * 100 chunks each, time for a full summary.json and HTML report, and
 * time to write and read back records.jsonl for 100,000 requests.
 *
 * Usage: bench_metrics [requests [chunks [jsonl_requests]]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llmperf/llmperf.h"
#include "metrics_int.h"
#include "result_int.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static double u01(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* Resident set size in bytes, from /proc/self/statm. */
static long rss(void)
{
    long pages = 0, resident = 0;
    FILE *fp = fopen("/proc/self/statm", "r");

    if (fp == NULL)
        return -1;
    if (fscanf(fp, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(fp);
    return resident * sysconf(_SC_PAGESIZE);
}

/* A plausible successful request: TTFT ~ 100 ms, ITL ~ 20 ms. */
static llmperf_result *synth(int64_t sent, int chunks)
{
    llmperf_result *r;
    int64_t t = sent + 50000000 + (int64_t)(u01() * 1e8);

    if (llmperf__result_new(&r) != LLMPERF_OK)
        return NULL;
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, sent);
    for (int k = 0; k < chunks; k++) {
        llmperf__result_add_chunk(r, t, 1);
        t += 10000000 + (int64_t)(u01() * 2e7);
    }
    llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS, t - sent);
    llmperf__result_set_i64(r, LLMPERF_RESULT_PROMPT_TOKENS,
                            20 + (int64_t)(u01() * 2000));
    llmperf__result_set_i64(r, LLMPERF_RESULT_HTTP_STATUS, 200);
    llmperf__result_set_i64(r, LLMPERF_RESULT_BYTES_RECEIVED, 180 * chunks);
    llmperf__result_set_i64(r, LLMPERF_RESULT_TTFB_NS, 40000000);
    llmperf__result_set_i64(r, LLMPERF_RESULT_NEW_CONNECTIONS, 0);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, 0);
    llmperf__result_derive(r, chunks);
    return r;
}

static int count_cb(const char *buf, size_t len, void *ud)
{
    (void)buf;
    *(size_t *)ud += len;
    return 0;
}

static double secs(int64_t a, int64_t b)
{
    return (double)(b - a) * 1e-9;
}

int main(int argc, char **argv)
{
    static const char *const groups[] = {"model-a", "model-b", "model-c",
                                         "model-d"};
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int chunks = argc > 2 ? atoi(argv[2]) : 100;
    long nj = argc > 3 ? atol(argv[3]) : 100000;
    llmperf_metrics *m, *m2;
    llmperf_writer *w;
    int64_t t0, t1, add_ns = 0;
    long rss0, rss1;
    size_t bytes, out = 0, recs;
    char path[] = "/tmp/llmperf-bench-XXXXXX", err[256], pid[16];
    struct stat st;
    int fd, rc;

    if (n <= 0 || chunks < 1 || nj <= 0)
        return 2;
    printf("bench_metrics: %ld requests x %d chunks, %zu groups\n", n, chunks,
           sizeof(groups) / sizeof(groups[0]));

    /* ---- add ------------------------------------------------------- */
    /* A pool of distinct results is built first so that the timed loop
     * measures adding only (no result building, no clock per call). */
    {
        enum { POOL = 4096 };
        static llmperf_result *pool[POOL];

        for (int i = 0; i < POOL; i++)
            if ((pool[i] = synth(i * 1000000LL, chunks)) == NULL)
                return 1;
        rss0 = rss();
        if (llmperf_metrics_new(&m) != LLMPERF_OK)
            return 1;
        t0 = llmperf_now_ns();
        for (long i = 0; i < n; i++) {
            snprintf(pid, sizeof(pid), "p%ld", i % 1000);
            rc = llmperf_metrics_add_prompt(m, pool[i % POOL], groups[i % 4],
                                            pid);
            if (rc != LLMPERF_OK) {
                fprintf(stderr, "add: %s\n", llmperf_strerror(rc));
                return 1;
            }
        }
        add_ns = llmperf_now_ns() - t0;
        for (int i = 0; i < POOL; i++)
            llmperf_result_free(pool[i]);
    }
    rss1 = rss();
    bytes = llmperf__metrics_bytes(m);
    printf("memory:  %zu bytes allocated = %.1f bytes/request "
           "(%.1f MB for %ld requests)\n",
           bytes, (double)bytes / (double)n, (double)bytes / 1e6, n);
    printf("         RSS delta %.1f MB = %.1f bytes/request\n",
           (double)(rss1 - rss0) / 1e6, (double)(rss1 - rss0) / (double)n);
    printf("         ITL: %d gaps/request pooled into a histogram of 16-bit "
           "codes (no per-request storage)\n",
           chunks - 1);
    printf("add:     %.3f s total, %.0f ns/request (incl. formatting the "
           "prompt id)\n",
           (double)add_ns * 1e-9, (double)add_ns / (double)n);

    /* ---- queries --------------------------------------------------- */
    {
        double v;

        t0 = llmperf_now_ns();
        llmperf_metrics_percentile(m, NULL, LLMPERF_RESULT_TTFT_NS, 99, &v);
        t1 = llmperf_now_ns();
        printf("query:   p99 TTFT over all %ld requests %.3f s (%.1f ms)\n", n,
               secs(t0, t1), v * 1e-6);
        t0 = llmperf_now_ns();
        llmperf_metrics_percentile(m, NULL, LLMPERF_METRICS_ITL_NS, 99, &v);
        t1 = llmperf_now_ns();
        printf("query:   p99 ITL over %.0f gaps %.3f s (%.2f ms)\n",
               (double)n * (chunks - 1), secs(t0, t1), v * 1e-6);
    }
    t0 = llmperf_now_ns();
    rc = llmperf_summary_write(m, count_cb, &out);
    t1 = llmperf_now_ns();
    printf("summary: full summary.json (%zu bytes) in %.3f s (rc %d)\n", out,
           secs(t0, t1), rc);
    out = 0;
    t0 = llmperf_now_ns();
    rc = llmperf_report_html(m, count_cb, &out);
    t1 = llmperf_now_ns();
    printf("report:  HTML report (%zu bytes) in %.3f s (rc %d)\n", out,
           secs(t0, t1), rc);
    llmperf_metrics_free(m);

    /* ---- records.jsonl round trip ----------------------------------- */
    fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    if (llmperf_writer_open(&w, LLMPERF_FORMAT_JSONL, path, err,
                            sizeof(err)) != LLMPERF_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    t0 = llmperf_now_ns();
    for (long i = 0; i < nj; i++) {
        llmperf_result *r = synth(i * 1000000LL, chunks);

        snprintf(pid, sizeof(pid), "p%ld", i % 1000);
        rc = llmperf_writer_write(w, r, groups[i % 4], pid);
        llmperf_result_free(r);
        if (rc != LLMPERF_OK)
            return 1;
    }
    rc = llmperf_writer_close(w);
    t1 = llmperf_now_ns();
    llmperf_writer_free(w);
    stat(path, &st);
    printf("jsonl:   wrote %ld records (%.1f MB, %.0f bytes/record) in "
           "%.3f s incl. building the results, write(2) per record, fsync\n",
           nj, (double)st.st_size / 1e6, (double)st.st_size / (double)nj,
           secs(t0, t1));
    if (llmperf_metrics_new(&m2) != LLMPERF_OK)
        return 1;
    t0 = llmperf_now_ns();
    rc = llmperf_metrics_read_jsonl(m2, path, 0, &recs, NULL);
    t1 = llmperf_now_ns();
    printf("jsonl:   read %zu records back into an accumulator in %.3f s "
           "(%.0f records/s, rc %d)\n",
           recs, secs(t0, t1), (double)recs / secs(t0, t1), rc);
    llmperf_metrics_free(m2);
    unlink(path);
    return 0;
}
