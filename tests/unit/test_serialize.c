/* SPDX-License-Identifier: MIT */
/*
 * test_serialize.c -- records.jsonl round trip (bit-for-bit statistics,
 * every field and the timeline), bad lines with file:line messages, CSV
 * quoting and header, summary.json keys and values, writer failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "llmperf/metrics.h"
#include "llmperf/serialize.h"
#include "result_int.h"

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

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

static void setstr(llmperf_result *r, int f, const char *s)
{
    assert_int_equal(llmperf__result_set_str(r, f, s, strlen(s)), LLMPERF_OK);
}

/* A result with many fields set, some failures. */
static llmperf_result *mk_random(int64_t sent)
{
    llmperf_result *r;
    int64_t t = sent + rnd_in(1000000, 900000000), srv = -1;
    size_t n = (size_t)rnd_in(0, 30);

    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SCHEDULED_NS,
                            sent - rnd_in(0, 1000));
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, sent);
    for (size_t i = 0; i < n; i++) {
        llmperf__result_add_chunk(r, t, rnd() % 3 ? 1 : (int32_t)rnd_in(-1, 4));
        t += rnd_in(0, 60000000);
    }
    if (rnd() % 2)
        srv = (int64_t)n + rnd_in(0, 3);
    llmperf__result_set_i64(r, LLMPERF_RESULT_PROMPT_TOKENS, rnd_in(1, 5000));
    llmperf__result_set_i64(r, LLMPERF_RESULT_SERVER_PROMPT_NS,
                            rnd_in(1000, 100000000));
    llmperf__result_set_i64(r, LLMPERF_RESULT_BYTES_RECEIVED,
                            rnd_in(0, 100000));
    llmperf__result_set_i64(r, LLMPERF_RESULT_HTTP_STATUS, 200);
    llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS, t - sent + 1000);
    assert_int_equal(llmperf__result_derive(r, srv), LLMPERF_OK);
    setstr(r, LLMPERF_RESULT_MODEL, "m\xc3\xa9t\"a\"/llama");
    setstr(r, LLMPERF_RESULT_BACKEND, "openai-chat");
    if (rnd() % 8 == 0) {
        llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, LLMPERF_EHTTP);
        llmperf__result_set_i64(r, LLMPERF_RESULT_HTTP_STATUS, 503);
        setstr(r, LLMPERF_RESULT_ERROR_CLASS, "http");
        setstr(r, LLMPERF_RESULT_ERROR,
               "HTTP 503: {\"error\": \"overloaded, retry\"}\nline2\t\x01");
    } else {
        llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, LLMPERF_OK);
        setstr(r, LLMPERF_RESULT_ERROR_CLASS, "");
        setstr(r, LLMPERF_RESULT_ERROR, "");
        setstr(r, LLMPERF_RESULT_FINISH_REASON, "length");
        setstr(r, LLMPERF_RESULT_TEXT, "Hello, \"world\"\n\xe2\x9c\x93 \\o/");
    }
    return r;
}

static const char *const groups[] = {"model-a", "b,\"quoted\"\nline",
                                     "\xe6\xa8\xa1\xe5\x9e\x8b", "c"};

/* ---- memory writer ----------------------------------------------------- */

struct mem {
    char *b;
    size_t n, cap;
    int calls;
    int fail_at; /* fail this call (1-based); 0 never */
};

static int mem_cb(const char *buf, size_t len, void *ud)
{
    struct mem *m = ud;

    m->calls++;
    if (m->fail_at != 0 && m->calls == m->fail_at)
        return 1;
    if (m->n + len + 1 > m->cap) {
        m->cap = (m->n + len + 1) * 2;
        m->b = realloc(m->b, m->cap);
        assert_non_null(m->b);
    }
    memcpy(m->b + m->n, buf, len);
    m->n += len;
    m->b[m->n] = '\0';
    return 0;
}

/* ---- statistics snapshot (as in test_metrics.c) ----------------------- */

struct snap {
    unsigned char *b;
    size_t n, cap;
};

static void put(struct snap *s, int rc, double v)
{
    if (s->n + 12 > s->cap) {
        s->cap = s->cap * 2 + 4096;
        s->b = realloc(s->b, s->cap);
        assert_non_null(s->b);
    }
    if (rc != LLMPERF_OK)
        v = 0.0;
    memcpy(s->b + s->n, &rc, 4);
    memcpy(s->b + s->n + 4, &v, 8);
    s->n += 12;
}

static void snapshot(const llmperf_metrics *m, struct snap *s)
{
    static const double qs[] = {0, 10, 50, 90, 99, 100};
    size_t ng;
    double v, w;
    int rc;

    llmperf_metrics_group_count(m, &ng);
    put(s, 0, (double)ng);
    for (size_t gi = 0; gi <= ng; gi++) {
        const char *g = NULL;

        if (gi < ng)
            llmperf_metrics_group_name(m, gi, &g);
        for (int f = 1; f <= 24; f++)
            for (int st = LLMPERF_STAT_COUNT; st <= LLMPERF_STAT_MEDIAN;
                 st++) {
                rc = llmperf_metrics_stat(m, g, f, st, &v);
                put(s, rc, v);
            }
        for (int st = LLMPERF_STAT_COUNT; st <= LLMPERF_STAT_MEDIAN; st++) {
            rc = llmperf_metrics_stat(m, g, LLMPERF_RESULT_OUTPUT_TPS, st, &v);
            put(s, rc, v);
            rc = llmperf_metrics_stat(m, g, LLMPERF_METRICS_ITL_NS, st, &v);
            put(s, rc, v);
            rc = llmperf_metrics_repeatability(m, g, LLMPERF_RESULT_E2E_NS,
                                               st, &v);
            put(s, rc, v);
        }
        for (size_t q = 0; q < 6; q++) {
            rc = llmperf_metrics_percentile(m, g, LLMPERF_METRICS_ITL_NS,
                                            qs[q], &v);
            put(s, rc, v);
            rc = llmperf_metrics_percentile(m, g, LLMPERF_RESULT_TTFT_NS,
                                            qs[q], &v);
            put(s, rc, v);
        }
        for (int k = LLMPERF_RUN_REQUESTS; k <= LLMPERF_RUN_REQUEST_GOODPUT;
             k++) {
            rc = llmperf_metrics_run_stat(m, g, k, &v);
            put(s, rc, v);
        }
        rc = llmperf_metrics_pearson(m, g, LLMPERF_RESULT_PROMPT_TOKENS,
                                     LLMPERF_RESULT_TTFT_NS, &v, &w);
        put(s, rc, v);
        put(s, rc, w);
    }
}

/* ---- JSONL round trip ---------------------------------------------------- */

static int check_record(const llmperf_record *rec, void *ud)
{
    llmperf_result **orig = ud;
    const llmperf_result *r = llmperf_record_result(rec), *o;
    const int64_t *ta, *tb;
    const int32_t *ka, *kb;
    size_t na, nb;

    o = orig[llmperf_record_line(rec) - 1];
    for (int f = 1; llmperf_result_field_name(f) != NULL; f++) {
        int64_t a = 0, b = 0;
        int ra = llmperf_result_get_i64(o, f, &a);

        assert_int_equal(ra, llmperf_result_get_i64(r, f, &b));
        assert_true(a == b);
    }
    for (int f = 1001; llmperf_result_field_name(f) != NULL; f++) {
        double a = 0, b = 0;

        assert_int_equal(llmperf_result_get_f64(o, f, &a),
                         llmperf_result_get_f64(r, f, &b));
        assert_memory_equal(&a, &b, sizeof(a));
    }
    for (int f = 2001; llmperf_result_field_name(f) != NULL; f++) {
        const char *a = NULL, *b = NULL;

        assert_int_equal(llmperf_result_get_str(o, f, &a),
                         llmperf_result_get_str(r, f, &b));
        /* The error text held a control byte: escaped, same text back. */
        if (a != NULL)
            assert_string_equal(a, b);
    }
    llmperf_result_chunks(o, &ta, &ka, &na);
    llmperf_result_chunks(r, &tb, &kb, &nb);
    assert_int_equal((int)na, (int)nb);
    if (na > 0) {
        assert_memory_equal(ta, tb, na * sizeof(*ta));
        assert_memory_equal(ka, kb, na * sizeof(*ka));
    }
    assert_non_null(llmperf_record_wall_time(rec));
    assert_non_null(llmperf_record_params(rec));
    assert_null(strstr(llmperf_record_params(rec), "sk-secret"));
    return 0;
}

static int add_cb(const llmperf_record *rec, void *ud)
{
    return llmperf_metrics_add_record(ud, rec);
}

static void test_jsonl_round_trip(void **state)
{
    enum { N = 400 };
    llmperf_result *res[N];
    llmperf_metrics *m1, *m2, *m3;
    llmperf_writer *w;
    llmperf_reader *rd;
    struct mem mem = {0};
    struct snap s1 = {0}, s2 = {0}, s3 = {0};
    char path[] = "/tmp/llmperf-test-XXXXXX";
    size_t recs, badn;
    int fd;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m1), LLMPERF_OK);
    assert_int_equal(llmperf_writer_new(&w, LLMPERF_FORMAT_JSONL, mem_cb,
                                        &mem),
                     LLMPERF_OK);
    assert_int_equal(llmperf_writer_set_params(
                         w, "{\"concurrency\": 4, \"api_key\": \"sk-secret\"}"),
                     LLMPERF_OK);
    assert_int_equal(llmperf_writer_set_sweep(w, "concurrency", 4, "p=1"),
                     LLMPERF_OK);
    for (int i = 0; i < N; i++) {
        const char *g = groups[rnd() % 4];
        char pid[16];

        snprintf(pid, sizeof(pid), "p%d", (int)(rnd() % 20));
        res[i] = mk_random(1000000000LL + i * 50000000LL);
        assert_int_equal(llmperf_metrics_add_prompt(m1, res[i], g, pid),
                         LLMPERF_OK);
        llmperf_metrics_set_sweep(m1, g, "concurrency", 4, "p=1");
        assert_int_equal(llmperf_writer_write(w, res[i], g, pid), LLMPERF_OK);
    }
    assert_int_equal(mem.calls, N); /* one callback per record */
    assert_int_equal(llmperf_writer_close(w), LLMPERF_OK);
    assert_int_equal(llmperf_writer_write(w, res[0], "x", NULL),
                     LLMPERF_ESTATE);
    llmperf_writer_free(w);
    assert_null(strstr(mem.b, "sk-secret"));

    /* Result by result: every field and the timeline come back. */
    assert_int_equal(llmperf_reader_new(&rd, 0), LLMPERF_OK);
    assert_int_equal(llmperf_reader_read_buffer(rd, mem.b, mem.n, "mem",
                                                check_record, res),
                     LLMPERF_OK);
    llmperf_reader_counts(rd, &recs, &badn);
    assert_int_equal((int)recs, N);
    assert_int_equal((int)badn, 0);
    llmperf_reader_free(rd);

    /* Into an accumulator, from memory and from a file: bit for bit. */
    assert_int_equal(llmperf_metrics_new(&m2), LLMPERF_OK);
    assert_int_equal(llmperf_reader_new(&rd, 0), LLMPERF_OK);
    assert_int_equal(llmperf_reader_read_buffer(rd, mem.b, mem.n, "mem",
                                                add_cb, m2),
                     LLMPERF_OK);
    llmperf_reader_free(rd);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, mem.b, mem.n), (ssize_t)mem.n);
    close(fd);
    assert_int_equal(llmperf_metrics_new(&m3), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_read_jsonl(m3, path, 0, &recs, &badn),
                     LLMPERF_OK);
    assert_int_equal((int)recs, N);
    unlink(path);

    snapshot(m1, &s1);
    snapshot(m2, &s2);
    snapshot(m3, &s3);
    assert_int_equal((int)s1.n, (int)s2.n);
    assert_memory_equal(s1.b, s2.b, s1.n);
    assert_memory_equal(s1.b, s3.b, s1.n);
    {
        const char *param, *series;
        double v;

        assert_int_equal(llmperf_metrics_get_sweep(m3, "c", &param, &v,
                                                   &series),
                         LLMPERF_OK);
        assert_string_equal(param, "concurrency");
        assert_string_equal(series, "p=1");
        assert_true(v == 4.0);
    }
    for (int i = 0; i < N; i++)
        llmperf_result_free(res[i]);
    free(s1.b);
    free(s2.b);
    free(s3.b);
    free(mem.b);
    llmperf_metrics_free(m1);
    llmperf_metrics_free(m2);
    llmperf_metrics_free(m3);
}

/* The file writer: each record is in the file before write returns. */
static void test_jsonl_file_append(void **state)
{
    char path[] = "/tmp/llmperf-test-XXXXXX", err[256];
    llmperf_writer *w;
    llmperf_result *r = mk_random(5);
    llmperf_metrics *m;
    size_t recs;
    FILE *fp;
    char line[8192];
    int fd = mkstemp(path), lines = 0;
    (void)state;

    assert_true(fd >= 0);
    close(fd);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(llmperf_writer_open(&w, LLMPERF_FORMAT_JSONL, path,
                                             err, sizeof(err)),
                         LLMPERF_OK);
        assert_int_equal(llmperf_writer_write(w, r, "g", NULL), LLMPERF_OK);
        /* Not closed yet: the line is already readable. */
        fp = fopen(path, "r");
        lines = 0;
        while (fgets(line, sizeof(line), fp) != NULL)
            lines++;
        fclose(fp);
        assert_int_equal(lines, round + 1);
        assert_int_equal(llmperf_writer_close(w), LLMPERF_OK);
        assert_int_equal(llmperf_writer_close(w), LLMPERF_OK);
        llmperf_writer_free(w);
    }
    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    assert_int_equal(llmperf_metrics_read_jsonl(m, path, 0, &recs, NULL),
                     LLMPERF_OK);
    assert_int_equal((int)recs, 2);
    llmperf_metrics_free(m);
    unlink(path);
    assert_int_equal(llmperf_writer_open(&w, LLMPERF_FORMAT_JSONL,
                                         "/nonexistent/dir/x.jsonl", err,
                                         sizeof(err)),
                     LLMPERF_EIO);
    assert_null(w);
    assert_non_null(strstr(err, "/nonexistent/dir/x.jsonl"));
    llmperf_result_free(r);
}

static int count_cb(const llmperf_record *rec, void *ud)
{
    (void)rec;
    ++*(int *)ud;
    return 0;
}

static void test_jsonl_bad_lines(void **state)
{
    static const char good[] =
        "{\"v\":1,\"group\":\"g\",\"sent_ns\":100,\"status\":0,"
        "\"chunk_t_ns\":[5,9],\"chunk_tokens\":[1,1]}";
    char buf[4096];
    llmperf_reader *rd;
    llmperf_metrics *m;
    size_t recs, badn;
    int n = 0;
    (void)state;

    snprintf(buf, sizeof(buf),
             "%s\n"
             "\n"                                             /* 2 empty */
             "{\"status\":0,\"ttft_ns\":\"fast\"}\n"          /* 3 type */
             "%s\r\n"                                         /* 4 good */
             "{\"status\":0\n"                                /* 5 broken */
             "[1,2]\n"                                        /* 6 array */
             "{\"ttft_ns\":5}\n"                              /* 7 status */
             "{\"v\":2,\"status\":0}\n"                       /* 8 version */
             "{\"status\":0,\"chunk_t_ns\":[1,2],\"chunk_tokens\":[1]}\n"
             "{\"status\":0,\"sent_ns\":0,\"chunk_t_ns\":[9,2]}\n" /* 10 */
             "{\"status\":0} trailing\n"                      /* 11 */
             "%s",                                            /* 12, no NL */
             good, good, good);
    assert_int_equal(llmperf_reader_new(&rd, 0), LLMPERF_OK);
    assert_int_equal(llmperf_reader_read_buffer(rd, buf, strlen(buf),
                                                "runs.jsonl", count_cb, &n),
                     LLMPERF_EFORMAT);
    assert_int_equal(n, 1);
    assert_non_null(strstr(llmperf_reader_errmsg(rd), "runs.jsonl:3: "));
    assert_non_null(strstr(llmperf_reader_errmsg(rd), "ttft_ns"));
    llmperf_reader_free(rd);

    assert_int_equal(llmperf_reader_new(&rd, LLMPERF_READ_SKIP_BAD),
                     LLMPERF_OK);
    n = 0;
    assert_int_equal(llmperf_reader_read_buffer(rd, buf, strlen(buf),
                                                "runs.jsonl", count_cb, &n),
                     LLMPERF_OK);
    llmperf_reader_counts(rd, &recs, &badn);
    /* Line 10 (chunks backwards) is fine for the reader: only the
     * accumulator refuses it. */
    assert_int_equal(n, 4);
    assert_int_equal((int)recs, 4);
    assert_int_equal((int)badn, 7);
    assert_non_null(strstr(llmperf_reader_errmsg(rd), "runs.jsonl:3: "));
    llmperf_reader_free(rd);

    /* Through the accumulator, from a file, with the reason of line 10. */
    {
        char path[] = "/tmp/llmperf-test-XXXXXX";
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
        close(fd);
        assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
        assert_int_equal(llmperf_metrics_read_jsonl(m, path,
                                                    LLMPERF_READ_SKIP_BAD,
                                                    &recs, &badn),
                         LLMPERF_OK);
        assert_int_equal((int)recs, 3);
        assert_int_equal((int)badn, 8);
        llmperf_metrics_free(m);
        /* Stopping at a bad line names the file and the line. */
        snprintf(buf, sizeof(buf), "%s\n%s\n{\"status\":0,\"sent_ns\":0,"
                                   "\"chunk_t_ns\":[9,2]}\n",
                 good, good);
        fd = open(path, O_WRONLY | O_TRUNC);
        assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
        close(fd);
        assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
        assert_int_equal(llmperf_metrics_read_jsonl(m, path, 0, &recs, &badn),
                         LLMPERF_EFORMAT);
        assert_non_null(strstr(llmperf_metrics_errmsg(m), path));
        assert_non_null(strstr(llmperf_metrics_errmsg(m), ":3: chunk 1"));
        llmperf_metrics_free(m);
        unlink(path);
        assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
        assert_int_equal(llmperf_metrics_read_jsonl(m, path, 0, NULL, NULL),
                         LLMPERF_EIO);
        assert_non_null(strstr(llmperf_metrics_errmsg(m), path));
        llmperf_metrics_free(m);
    }
}

/* ---- CSV ----------------------------------------------------------------- */

/* A minimal RFC 4180 parser: fields of one record starting at *p. */
static int csv_record(const char **p, char fields[][512], int max)
{
    int n = 0;
    const char *s = *p;

    if (*s == '\0')
        return 0;
    for (;;) {
        size_t k = 0;

        assert_true(n < max);
        if (*s == '"') {
            for (s++;; s++) {
                if (*s == '"' && s[1] == '"') {
                    fields[n][k++] = '"';
                    s++;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    assert_true(*s != '\0');
                    fields[n][k++] = *s;
                }
            }
        } else {
            while (*s != ',' && *s != '\r' && *s != '\0') {
                assert_true(*s != '"' && *s != '\n');
                fields[n][k++] = *s++;
            }
        }
        fields[n++][k] = '\0';
        if (*s == ',') {
            s++;
            continue;
        }
        assert_true(s[0] == '\r' && s[1] == '\n');
        *p = s + 2;
        return n;
    }
}

static void test_csv(void **state)
{
    static char f[64][512], h[64][512];
    llmperf_writer *w;
    struct mem mem = {0};
    llmperf_result *r = mk_random(1000);
    const char *p;
    char path[] = "/tmp/llmperf-test-XXXXXX", err[256];
    int nh, nf, col_err = -1, fd;
    (void)state;

    setstr(r, LLMPERF_RESULT_ERROR, "bad, \"very\"\nbad");
    assert_int_equal(llmperf_writer_new(&w, LLMPERF_FORMAT_CSV, mem_cb, &mem),
                     LLMPERF_OK);
    assert_int_equal(llmperf_writer_write(w, r, "a,\"b\"\nc", "p,1"),
                     LLMPERF_OK);
    assert_int_equal(llmperf_writer_set_sweep(w, "concurrency", 2.5, NULL),
                     LLMPERF_OK);
    assert_int_equal(llmperf_writer_write(w, r, "plain", NULL), LLMPERF_OK);
    llmperf_writer_free(w);
    assert_int_equal(mem.calls, 3); /* header, row, row */
    assert_non_null(strstr(mem.b, "\"a,\"\"b\"\"\nc\""));

    p = mem.b;
    nh = csv_record(&p, h, 64);
    assert_string_equal(h[0], "group");
    assert_string_equal(h[1], "prompt_id");
    assert_string_equal(h[6], "scheduled_ns");
    assert_null(strstr(mem.b, ",text,"));
    nf = csv_record(&p, f, 64);
    assert_int_equal(nf, nh);
    assert_string_equal(f[0], "a,\"b\"\nc");
    assert_string_equal(f[1], "p,1");
    for (int i = 0; i < nh; i++)
        if (strcmp(h[i], "error") == 0)
            col_err = i;
    assert_true(col_err > 0);
    assert_string_equal(f[col_err], "bad, \"very\"\nbad");
    nf = csv_record(&p, f, 64);
    assert_int_equal(nf, nh);
    assert_string_equal(f[0], "plain");
    assert_string_equal(f[2], "concurrency");
    assert_string_equal(f[3], "2.5");
    assert_int_equal(csv_record(&p, f, 64), 0);

    /* A file: the header once, even over two opens; another header is
     * refused. */
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(llmperf_writer_open(&w, LLMPERF_FORMAT_CSV, path,
                                             err, sizeof(err)),
                         LLMPERF_OK);
        assert_int_equal(llmperf_writer_write(w, r, "g", NULL), LLMPERF_OK);
        assert_int_equal(llmperf_writer_close(w), LLMPERF_OK);
        llmperf_writer_free(w);
    }
    {
        FILE *fp = fopen(path, "r");
        char *all = calloc(1, 1 << 16);
        size_t got = fread(all, 1, (1 << 16) - 1, fp);

        fclose(fp);
        assert_true(got > 0);
        p = all;
        assert_int_equal(csv_record(&p, f, 64), nh);
        assert_int_equal(csv_record(&p, f, 64), nh);
        assert_string_equal(f[0], "g");
        assert_int_equal(csv_record(&p, f, 64), nh);
        assert_int_equal(csv_record(&p, f, 64), 0);
        free(all);
    }
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "a,b\r\n", 5), 5);
    close(fd);
    assert_int_equal(llmperf_writer_open(&w, LLMPERF_FORMAT_CSV, path, err,
                                         sizeof(err)),
                     LLMPERF_EFORMAT);
    assert_non_null(strstr(err, "header"));
    unlink(path);
    free(mem.b);
    llmperf_result_free(r);
}

static void test_writer_errors(void **state)
{
    llmperf_writer *w;
    struct mem mem = {0};
    llmperf_result *r = mk_random(1);
    (void)state;

    assert_int_equal(llmperf_writer_new(&w, 9, mem_cb, &mem), LLMPERF_EINVAL);
    assert_int_equal(llmperf_writer_new(&w, LLMPERF_FORMAT_JSONL, NULL, NULL),
                     LLMPERF_EINVAL);
    mem.fail_at = 2;
    assert_int_equal(llmperf_writer_new(&w, LLMPERF_FORMAT_JSONL, mem_cb,
                                        &mem),
                     LLMPERF_OK);
    assert_int_equal(llmperf_writer_write(w, r, NULL, NULL), LLMPERF_OK);
    assert_int_equal(llmperf_writer_write(w, r, NULL, NULL), LLMPERF_EIO);
    assert_non_null(strstr(llmperf_writer_errmsg(w), "callback"));
    assert_int_equal(llmperf_writer_write(w, NULL, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_writer_set_params(w, "[1,2]"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_writer_set_sweep(w, "", 1, NULL),
                     LLMPERF_EINVAL);
    llmperf_writer_free(w);
    llmperf_writer_free(NULL);
    /* The group label "default" when none is given. */
    assert_non_null(strstr(mem.b, "\"group\":\"default\""));
    free(mem.b);
    llmperf_result_free(r);
}

/* Invalid UTF-8 from a server becomes U+FFFD: the file stays valid. */
static void test_utf8_repair(void **state)
{
    llmperf_writer *w;
    llmperf_reader *rd;
    struct mem mem = {0};
    llmperf_result *r = mk_random(1);
    int n = 0;
    (void)state;

    setstr(r, LLMPERF_RESULT_ERROR, "bad \xff\xfe byte, overlong \xc0\xaf, "
                                    "surrogate \xed\xa0\x80, ok \xe2\x82\xac");
    assert_int_equal(llmperf_writer_new(&w, LLMPERF_FORMAT_JSONL, mem_cb,
                                        &mem),
                     LLMPERF_OK);
    assert_int_equal(llmperf_writer_write(w, r, "g\xff", NULL), LLMPERF_OK);
    llmperf_writer_free(w);
    assert_non_null(strstr(mem.b, "bad \xef\xbf\xbd\xef\xbf\xbd byte"));
    assert_non_null(strstr(mem.b, "ok \xe2\x82\xac"));
    assert_null(strstr(mem.b, "\xff"));
    assert_int_equal(llmperf_reader_new(&rd, 0), LLMPERF_OK);
    assert_int_equal(llmperf_reader_read_buffer(rd, mem.b, mem.n, NULL,
                                                count_cb, &n),
                     LLMPERF_OK);
    assert_int_equal(n, 1);
    llmperf_reader_free(rd);
    free(mem.b);
    llmperf_result_free(r);
}

/* ---- summary.json ----------------------------------------------------- */

static llmperf_result *mk_known(int64_t sent, int64_t ttft_ms, int ntok,
                                int64_t gap_ms, int64_t prompt)
{
    llmperf_result *r;
    int64_t t = sent + ttft_ms * 1000000;

    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, sent);
    for (int i = 0; i < ntok; i++, t += gap_ms * 1000000)
        llmperf__result_add_chunk(r, t, 1);
    llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS,
                            t - gap_ms * 1000000 - sent + 2000000);
    llmperf__result_set_i64(r, LLMPERF_RESULT_PROMPT_TOKENS, prompt);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, 0);
    llmperf__result_derive(r, -1);
    return r;
}

static struct json_object *get(struct json_object *o, const char *k)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(o, k, &v))
        fail_msg("summary key %s missing", k);
    return v;
}

static double num(struct json_object *o, const char *k)
{
    struct json_object *v = get(o, k);

    assert_true(json_object_is_type(v, json_type_double) ||
                json_object_is_type(v, json_type_int));
    return json_object_get_double(v);
}

static void test_summary(void **state)
{
    static const char *const vllm_keys[] = {
        "completed", "failed", "duration", "request_throughput",
        "output_throughput", "total_token_throughput", "request_goodput",
        "total_input_tokens", "total_output_tokens",
        "mean_ttft_ms", "median_ttft_ms", "std_ttft_ms", "p99_ttft_ms",
        "mean_tpot_ms", "median_tpot_ms", "std_tpot_ms", "p99_tpot_ms",
        "mean_itl_ms", "median_itl_ms", "std_itl_ms", "p99_itl_ms",
        "mean_e2el_ms", "median_e2el_ms", "std_e2el_ms", "p99_e2el_ms",
        "p50_ttft_ms", "p99.9_e2el_ms"};
    static const char *const top_keys[] = {
        "llmperf_version", "summary_version", "backend", "base_url",
        "model_id", "title", "start_time", "host", "params", "percentiles",
        "slo_ms", "groups", "tests", "requests", "failed_by_class",
        "good_requests", "fields", "correlations", "repeatability"};
    static const double pcts[] = {50, 90, 99, 99.9};
    llmperf_metrics *m;
    llmperf_result *r;
    struct mem mem = {0};
    struct json_object *root, *g, *o;
    char small[16];
    size_t need = 0;
    double v;
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    llmperf_metrics_set_percentiles(m, pcts, 4);
    llmperf_metrics_set_info(m, LLMPERF_INFO_URL,
                             "http://user:pa55@127.0.0.1:8000/v1?key=abc");
    llmperf_metrics_set_info(m, LLMPERF_INFO_BACKEND, "openai");
    llmperf_metrics_set_info(m, LLMPERF_INFO_MODEL, "llama3.2:3b");
    llmperf_metrics_set_info(m, LLMPERF_INFO_PARAMS,
                             "{\"max_tokens\":256,\"token\":\"sk-zzz\"}");
    /* Group "fast": TTFT 100 and 200 ms, 5 tokens, gaps 10 ms, sent at
     * 0 and 1 s. Group "slow<script>": TTFT 300 ms, plus a failure. */
    r = mk_known(0, 100, 5, 10, 50);
    llmperf_metrics_add(m, r, "fast");
    llmperf_result_free(r);
    r = mk_known(1000000000, 200, 5, 10, 150);
    llmperf_metrics_add(m, r, "fast");
    llmperf_result_free(r);
    r = mk_known(0, 300, 3, 20, 100);
    llmperf_metrics_add(m, r, "slow<script>");
    llmperf_result_free(r);
    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, 0);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, LLMPERF_ETIMEOUT);
    llmperf__result_set_str(r, LLMPERF_RESULT_ERROR_CLASS, "timeout", 7);
    llmperf_metrics_add(m, r, "slow<script>");
    llmperf_result_free(r);

    assert_int_equal(llmperf_summary_write(m, mem_cb, &mem), LLMPERF_OK);
    root = json_tokener_parse(mem.b);
    assert_non_null(root);
    assert_null(strstr(mem.b, "pa55"));
    assert_null(strstr(mem.b, "abc"));
    assert_null(strstr(mem.b, "sk-zzz"));
    assert_null(strstr(mem.b, "NaN"));
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(vllm_keys); i++)
        get(root, vllm_keys[i]);
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(top_keys); i++)
        get(root, top_keys[i]);
    assert_string_equal(json_object_get_string(get(root, "base_url")),
                        "http://127.0.0.1:8000/v1?key=REDACTED");
    assert_string_equal(json_object_get_string(get(root, "model_id")),
                        "llama3.2:3b");
    assert_true(json_object_is_type(get(root, "params"), json_type_object));
    assert_true(num(get(root, "params"), "max_tokens") == 256);
    assert_true(json_object_is_type(get(root, "request_goodput"),
                                    json_type_null));
    /* Overall: 3 completed, 1 failed; duration first send (0) to last
     * completion (1 s + 200 ms + 40 ms + 2 ms). */
    assert_true(num(root, "completed") == 3);
    assert_true(num(root, "failed") == 1);
    assert_true(num(get(root, "failed_by_class"), "timeout") == 1);
    assert_true(fabs(num(root, "duration") - 1.242) < 1e-12);
    assert_true(num(root, "total_input_tokens") == 300);
    assert_true(num(root, "total_output_tokens") == 13);
    assert_true(fabs(num(root, "request_throughput") - 3 / 1.242) < 1e-12);
    assert_true(fabs(num(root, "output_throughput") - 13 / 1.242) < 1e-12);
    assert_true(fabs(num(root, "total_token_throughput") - 313 / 1.242) <
                1e-9);
    /* TTFT 100, 200, 300 ms: mean 200, median 200, population std
     * sqrt(20000/3) = 81.65 (vLLM's np.std). */
    assert_true(fabs(num(root, "mean_ttft_ms") - 200) < 1e-9);
    assert_true(fabs(num(root, "median_ttft_ms") - 200) < 1e-9);
    assert_true(fabs(num(root, "std_ttft_ms") - sqrt(20000.0 / 3)) < 1e-9);
    assert_true(fabs(num(root, "p99_ttft_ms") - 298) < 1e-9);
    assert_true(fabs(num(root, "p99.9_ttft_ms") - 299.8) < 1e-9);
    /* TPOT per request: 10, 10, 20 ms; ITL pooled 8 x 10 ms + 2 x 20,
     * stored to 2^-11 relative precision. */
    assert_true(fabs(num(root, "mean_tpot_ms") - 40.0 / 3) < 1e-9);
    assert_true(fabs(num(root, "median_itl_ms") - 10) < 10.0 / 2048);
    assert_true(fabs(num(root, "mean_itl_ms") - 12) < 12.0 / 2048);
    assert_true(fabs(num(root, "p99_itl_ms") - 20) < 20.0 / 2048);
    assert_true(num(root, "count_itl") == 10);
    /* Exactly the values of the accumulator, in ms. */
    llmperf_metrics_stat(m, NULL, LLMPERF_RESULT_E2E_NS,
                         LLMPERF_STAT_STD_POP, &v);
    assert_true(num(root, "std_e2el_ms") == v * 1e-6);
    llmperf_metrics_percentile(m, NULL, LLMPERF_RESULT_E2E_NS, 90, &v);
    assert_true(num(root, "p90_e2el_ms") == v * 1e-6);

    g = get(get(root, "groups"), "fast");
    assert_true(json_object_is_type(get(g, "sweep"), json_type_null));
    assert_true(num(g, "completed") == 2);
    assert_true(fabs(num(g, "mean_ttft_ms") - 150) < 1e-9);
    assert_true(fabs(num(g, "std_ttft_ms") - 50) < 1e-9);
    assert_true(fabs(num(g, "duration") - 1.242) < 1e-12);
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(vllm_keys); i++)
        get(g, vllm_keys[i]);
    o = get(get(g, "fields"), "ttft_ns");
    assert_true(num(o, "count") == 2);
    assert_true(num(o, "mean") == 150e6);
    assert_true(num(o, "p50") == 150e6);
    g = get(get(root, "groups"), "slow<script>");
    assert_true(num(g, "failed") == 1);
    /* One value: population std 0, sample std undefined -> null. */
    assert_true(num(g, "std_ttft_ms") == 0);
    assert_true(json_object_is_type(get(get(get(g, "fields"), "ttft_ns"),
                                        "std"),
                                    json_type_null));
    assert_true(num(get(get(get(root, "tests"), "kruskal"), "ttft_ns"), "p") >
                0);
    json_object_put(root);

    /* With an SLO, goodput is a number. */
    llmperf_metrics_set_slo(m, LLMPERF_RESULT_TTFT_NS, 150000000);
    mem.n = 0;
    assert_int_equal(llmperf_summary_write(m, mem_cb, &mem), LLMPERF_OK);
    root = json_tokener_parse(mem.b);
    assert_true(fabs(num(root, "request_goodput") - 1 / 1.242) < 1e-12);
    assert_true(num(get(root, "slo_ms"), "ttft") == 150);
    json_object_put(root);

    /* Caller buffer: EBUFS and the size, then the same text. */
    assert_int_equal(llmperf_summary_buf(m, small, sizeof(small), &need),
                     LLMPERF_EBUFS);
    assert_int_equal((int)need, (int)mem.n + 1);
    {
        char *buf = malloc(need);

        assert_int_equal(llmperf_summary_buf(m, buf, need, &need),
                         LLMPERF_OK);
        assert_string_equal(buf, mem.b);
        free(buf);
    }
    /* File, atomically. */
    {
        char path[] = "/tmp/llmperf-sum-XXXXXX", err[256];
        int fd = mkstemp(path);

        close(fd);
        assert_int_equal(llmperf_summary_write_file(m, path, err,
                                                    sizeof(err)),
                         LLMPERF_OK);
        root = json_object_from_file(path);
        assert_non_null(root);
        json_object_put(root);
        unlink(path);
        assert_int_equal(llmperf_summary_write_file(m, "/nonexistent/x.json",
                                                    err, sizeof(err)),
                         LLMPERF_EIO);
        assert_non_null(strstr(err, "/nonexistent/x.json"));
    }
    /* A failing callback. */
    mem.fail_at = mem.calls + 1;
    assert_int_equal(llmperf_summary_write(m, mem_cb, &mem), LLMPERF_EIO);
    free(mem.b);
    llmperf_metrics_free(m);

    /* An empty accumulator still gives valid JSON with nulls. */
    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    memset(&mem, 0, sizeof(mem));
    assert_int_equal(llmperf_summary_write(m, mem_cb, &mem), LLMPERF_OK);
    root = json_tokener_parse(mem.b);
    assert_non_null(root);
    assert_true(json_object_is_type(get(root, "mean_ttft_ms"),
                                    json_type_null));
    json_object_put(root);
    free(mem.b);
    llmperf_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_round_trip),
        cmocka_unit_test(test_jsonl_file_append),
        cmocka_unit_test(test_jsonl_bad_lines),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_utf8_repair),
        cmocka_unit_test(test_summary),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
