/* SPDX-License-Identifier: MIT */
/*
 * test_report.c -- the HTML report (well-formed tags, escaped labels, no
 * external reference, finite coordinates, thinned points, verdicts), a
 * render in headless Chromium when it is installed, and the Prometheus
 * exposition format.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "llmperf/metrics.h"
#include "llmperf/report.h"
#include "result_int.h"

#define CHROMIUM "/usr/bin/chromium"
#define CHROMIUM_TIMEOUT_S 120

static uint64_t rng_state = 88172645463325252ULL;

static double u01(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double lognorm(double med, double sig)
{
    double a = u01(), b = u01();

    return med * exp(sig * sqrt(-2 * log(a + 1e-300)) * cos(6.283185307 * b));
}

static const char *const evil = "<script>alert(1)</script> & \"x\" 'y'";

/* ng groups of per requests; group 1 has a hostile label; sweep over
 * concurrency when asked. TTFT grows with prompt tokens and group. */
static llmperf_metrics *build(int ng, long per, int sweep)
{
    llmperf_metrics *m;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    llmperf_metrics_set_info(m, LLMPERF_INFO_TITLE, "Report <b>test</b>");
    llmperf_metrics_set_info(m, LLMPERF_INFO_URL,
                             "http://user:hunter2@127.0.0.1:8000");
    llmperf_metrics_set_slo(m, LLMPERF_RESULT_TTFT_NS, 400000000);
    for (int g = 0; g < ng; g++) {
        char name[64];

        if (g == 1)
            snprintf(name, sizeof(name), "%s", evil);
        else
            snprintf(name, sizeof(name), "c=%d", 1 << g);
        if (sweep)
            llmperf_metrics_set_sweep(m, name, "concurrency", 1 << g,
                                      g % 2 ? "b" : "a");
        for (long i = 0; i < per; i++) {
            llmperf_result *r;
            int64_t sent = i * 10000000LL;
            int64_t prompt = 20 + (int64_t)(u01() * 2000);
            int64_t t = sent + (int64_t)lognorm(50e6 + prompt * 2e4 +
                                                    g * 2e7,
                                                0.2);
            int nout = 3 + (int)(u01() * 40);
            char pid[16];

            assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
            llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, sent);
            for (int k = 0; k < nout; k++) {
                llmperf__result_add_chunk(r, t, 1);
                t += (int64_t)lognorm(8e6 * (1 + 0.1 * g), 0.3);
            }
            llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS, t - sent);
            llmperf__result_set_i64(r, LLMPERF_RESULT_PROMPT_TOKENS, prompt);
            if (u01() < 0.03) {
                llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS,
                                        LLMPERF_ETIMEOUT);
                llmperf__result_set_str(r, LLMPERF_RESULT_ERROR_CLASS,
                                        "timeout", 7);
            } else {
                llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, 0);
            }
            llmperf__result_derive(r, -1);
            snprintf(pid, sizeof(pid), "p%ld", i % 20);
            assert_int_equal(llmperf_metrics_add_prompt(m, r, name, pid),
                             LLMPERF_OK);
            llmperf_result_free(r);
        }
    }
    return m;
}

/* ---- output in memory --------------------------------------------------- */

struct mem {
    char *b;
    size_t n, cap;
    int calls, fail_at;
};

static int mem_cb(const char *buf, size_t len, void *ud)
{
    struct mem *m = ud;

    if (++m->calls == m->fail_at)
        return -1;
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

static char *html_of(const llmperf_metrics *m)
{
    struct mem mem = {0};

    assert_int_equal(llmperf_report_html(m, mem_cb, &mem), LLMPERF_OK);
    assert_non_null(mem.b);
    assert_int_equal((int)strlen(mem.b), (int)mem.n); /* no NUL inside */
    return mem.b;
}

/* ---- checks on the page -------------------------------------------------- */

/*
 * Tags balance like XML: every element closed in order (void elements
 * written self-closed), comments and the doctype skipped, every '&'
 * starting one of the entities we write.
 */
static void check_well_formed(const char *h)
{
    char stack[64][16];
    int depth = 0;
    const char *p = h;

    while ((p = strpbrk(p, "<&")) != NULL) {
        char name[16];
        size_t k = 0;
        const char *end;

        if (*p == '&') {
            assert_true(strncmp(p, "&amp;", 5) == 0 ||
                        strncmp(p, "&lt;", 4) == 0 ||
                        strncmp(p, "&gt;", 4) == 0 ||
                        strncmp(p, "&quot;", 6) == 0 ||
                        strncmp(p, "&#39;", 5) == 0);
            p++;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            p = strstr(p, "-->");
            assert_non_null(p);
            continue;
        }
        end = strchr(p, '>');
        assert_non_null(end);
        if (p[1] == '!') {
            p = end + 1;
            continue;
        }
        if (p[1] == '/') {
            for (p += 2; isalnum((unsigned char)*p) && k < 15; p++)
                name[k++] = *p;
            name[k] = '\0';
            assert_true(depth > 0);
            if (strcmp(stack[depth - 1], name) != 0)
                fail_msg("</%s> closes <%s>", name, stack[depth - 1]);
            depth--;
            p = end + 1;
            continue;
        }
        for (p++; isalnum((unsigned char)*p) && k < 15; p++)
            name[k++] = *p;
        name[k] = '\0';
        assert_true(k > 0);
        /* A '<' inside the tag would mean an unescaped value. */
        assert_null(memchr(p, '<', (size_t)(end - p)));
        if (end[-1] != '/') {
            assert_true(depth < 64);
            strcpy(stack[depth++], name);
        }
        p = end + 1;
    }
    assert_int_equal(depth, 0);
}

/* Every numeric attribute of the SVG is a finite number. */
static void check_coordinates(const char *h)
{
    static const char *const attrs[] = {" x=\"", " y=\"", " x1=\"", " y1=\"",
                                        " x2=\"", " y2=\"", " cx=\"",
                                        " cy=\"", " r=\"", " width=\"",
                                        " height=\"", " points=\""};
    int seen = 0;

    for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++)
        for (const char *p = h; (p = strstr(p, attrs[a])) != NULL;) {
            p += strlen(attrs[a]);
            while (*p != '"') {
                char *e;
                double v = strtod(p, &e);

                if (e == p || !isfinite(v))
                    fail_msg("bad number in %s%.20s", attrs[a], p);
                p = e;
                while (*p == ' ' || *p == ',')
                    p++;
                seen++;
            }
        }
    assert_true(seen > 100);
}

static size_t count(const char *h, const char *what)
{
    size_t n = 0;

    for (const char *p = h; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* No way for the page to fetch anything or run code. */
static void check_self_contained(const char *h)
{
    static const char *const bad[] = {"<script", "<SCRIPT", "src=", "href=",
                                      "url(", "@import", "<link", "<img",
                                      "<iframe", "javascript:", "onload"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (strstr(h, bad[i]) != NULL)
            fail_msg("report contains %s", bad[i]);
}

/* Scatter charts draw at most 2,000 points, CDF lines 500. */
static void check_thinning(const char *h, size_t max_per_scatter)
{
    const char *p = h;
    int charts = 0;

    while ((p = strstr(p, " pairs -->")) != NULL) {
        const char *end = strstr(p, "</svg>");
        size_t n = 0;

        assert_non_null(end);
        for (const char *c = p; (c = strstr(c, "<circle")) != NULL && c < end;
             c++)
            n++;
        assert_true(n <= max_per_scatter);
        charts++;
        p = end;
    }
    assert_int_equal(charts, 3);
    for (p = h; (p = strstr(p, "points=\"")) != NULL;) {
        size_t pts = 0;

        for (p += 8; *p != '"'; p++)
            pts += *p == ',';
        assert_true(pts <= 500);
    }
}

static void test_html_twelve_groups(void **state)
{
    llmperf_metrics *m = build(12, 400, 1);
    char *h = html_of(m);
    (void)state;

    check_well_formed(h);
    check_coordinates(h);
    check_self_contained(h);
    check_thinning(h, 2000);
    /* The hostile label and title are text. */
    assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt; "
                              "&amp; &quot;x&quot; &#39;y&#39;"));
    assert_non_null(strstr(h, "<title>Report &lt;b&gt;test&lt;/b&gt;"));
    assert_null(strstr(h, "hunter2"));
    /* 4 CDFs, 4 box plots, 3 scatter plots, 6 sweep charts. */
    assert_int_equal((int)count(h, "<svg "), 17);
    assert_non_null(strstr(h, "TTFT differs significantly across groups"
                              "</span> (Kruskal-Wallis H="));
    assert_non_null(strstr(h, "Sweep over concurrency"));
    assert_non_null(strstr(h, "Repeatability"));
    assert_non_null(strstr(h, "TTFT rises with prompt tokens"));
    assert_non_null(strstr(h, "log scale"));
    free(h);
    llmperf_metrics_free(m);
}

static void test_html_one_group(void **state)
{
    llmperf_metrics *m = build(1, 10, 0);
    char *h = html_of(m);
    (void)state;

    check_well_formed(h);
    check_coordinates(h);
    check_self_contained(h);
    check_thinning(h, 10);
    assert_int_equal((int)count(h, "<svg "), 11);
    assert_non_null(strstr(h, "need at least two groups"));
    assert_null(strstr(h, "Sweep over"));
    free(h);
    llmperf_metrics_free(m);
}

/* Many points: drawing is thinned, statistics are not. */
static void test_html_many_points(void **state)
{
    llmperf_metrics *m = build(2, 60000, 0);
    char *h = html_of(m), want[64];
    double v;
    (void)state;

    check_well_formed(h);
    check_thinning(h, 2000);
    /* The summary table shows the p99 TTFT of all 60,000 values. */
    assert_int_equal(llmperf_metrics_percentile(m, "c=1",
                                                LLMPERF_RESULT_TTFT_NS, 99,
                                                &v),
                     LLMPERF_OK);
    v *= 1e-6; /* ms, formatted as the report does */
    snprintf(want, sizeof(want), v >= 100   ? "<td class=\"n\">%.0f</td>"
                                 : v >= 10 ? "<td class=\"n\">%.1f</td>"
                                           : "<td class=\"n\">%.2f</td>",
             v);
    assert_non_null(strstr(h, want));
    free(h);
    llmperf_metrics_free(m);
}

static void test_html_edge_cases(void **state)
{
    llmperf_metrics *m;
    struct mem mem = {0};
    llmperf_result *r;
    char *h, err[256];
    (void)state;

    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    h = html_of(m);
    check_well_formed(h);
    assert_non_null(strstr(h, "No results."));
    free(h);
    /* Only failures, and a group with one success without prompt tokens. */
    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, 5);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, LLMPERF_ECONNECT);
    llmperf_metrics_add(m, r, "down");
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, 0);
    llmperf__result_add_chunk(r, 1000, 1);
    llmperf__result_derive(r, -1);
    llmperf_metrics_add(m, r, "one");
    llmperf_result_free(r);
    h = html_of(m);
    check_well_formed(h);
    check_coordinates(h);
    assert_non_null(strstr(h, "no request reported both values"));
    assert_non_null(strstr(h, "No TPOT values"));
    free(h);

    assert_int_equal(llmperf_report_html(NULL, mem_cb, &mem), LLMPERF_EINVAL);
    assert_int_equal(llmperf_report_html(m, NULL, NULL), LLMPERF_EINVAL);
    mem.fail_at = 1;
    assert_int_equal(llmperf_report_html(m, mem_cb, &mem), LLMPERF_EIO);
    assert_int_equal(llmperf_report_html_file(m, "/nonexistent/r.html", err,
                                              sizeof(err)),
                     LLMPERF_EIO);
    free(mem.b);
    llmperf_metrics_free(m);
}

/* ---- headless Chromium --------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Run Chromium on a file with a time bound; 0 and the PNG size, or -1. */
static int screenshot(const char *html, const char *png, long *png_size)
{
    char profile[] = "/tmp/llmperf-chromium-XXXXXX", url[512], shot[512];
    struct timespec tick = {0, 100000000};
    struct stat st;
    pid_t pid;
    int status = -1, waited = 0;

    assert_non_null(mkdtemp(profile));
    snprintf(url, sizeof(url), "file://%s", html);
    snprintf(shot, sizeof(shot), "--screenshot=%s", png);
    {
        char udd[600];

        snprintf(udd, sizeof(udd), "--user-data-dir=%s", profile);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int null = open("/dev/null", O_RDWR);

            /* Its own process group, so helpers can be stopped with it. */
            setpgid(0, 0);
            dup2(null, 1);
            dup2(null, 2);
            execl(CHROMIUM, CHROMIUM, "--headless", "--no-sandbox",
                  "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", udd, shot,
                  "--window-size=1400,4000", url, (char *)NULL);
            _exit(127);
        }
    }
    setpgid(pid, pid);
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);

        if (w == pid)
            break;
        if (waited++ > CHROMIUM_TIMEOUT_S * 10) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            status = -1;
            break;
        }
        nanosleep(&tick, NULL);
    }
    kill(-pid, SIGKILL); /* helpers left in the group, if any */
    nftw(profile, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    if (stat(png, &st) != 0)
        return -1;
    *png_size = (long)st.st_size;
    return 0;
}

static void check_png(const char *png, long size)
{
    unsigned char head[24];
    FILE *fp = fopen(png, "rb");
    uint32_t w, h;

    assert_non_null(fp);
    assert_int_equal(fread(head, 1, 24, fp), 24);
    fclose(fp);
    assert_memory_equal(head, "\x89PNG\r\n\x1a\n", 8);
    w = (uint32_t)head[16] << 24 | head[17] << 16 | head[18] << 8 | head[19];
    h = (uint32_t)head[20] << 24 | head[21] << 16 | head[22] << 8 | head[23];
    assert_int_equal((int)w, 1400);
    assert_int_equal((int)h, 4000);
    /* A blank 1400x4000 page compresses to a few KB; charts do not. */
    assert_true(size > 60000);
}

static void test_chromium(void **state)
{
    static const struct {
        int ng;
        long per;
        int sweep;
    } cases[] = {{1, 10, 0}, {12, 1500, 1}};
    (void)state;

    if (access(CHROMIUM, X_OK) != 0) {
        print_message("%s not installed: skipping the render test\n",
                      CHROMIUM);
        skip();
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char dir[] = "/tmp/llmperf-report-XXXXXX", html[256], png[256],
             err[256];
        llmperf_metrics *m = build(cases[i].ng, cases[i].per, cases[i].sweep);
        long size = 0;

        assert_non_null(mkdtemp(dir));
        snprintf(html, sizeof(html), "%s/report.html", dir);
        snprintf(png, sizeof(png), "%s/report.png", dir);
        assert_int_equal(llmperf_report_html_file(m, html, err, sizeof(err)),
                         LLMPERF_OK);
        if (screenshot(html, png, &size) != 0)
            fail_msg("chromium failed on %s", html);
        check_png(png, size);
        print_message("chromium rendered %d group(s): %ld-byte PNG\n",
                      cases[i].ng, size);
        unlink(html);
        unlink(png);
        rmdir(dir);
        llmperf_metrics_free(m);
    }
}

/* ---- Prometheus ---------------------------------------------------------- */

static int name_ok(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' ||
                    s[0] == ':'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
            return 0;
    return 1;
}

/*
 * Validate the text exposition format: HELP/TYPE lines, a TYPE before
 * the first sample of its family, families not interleaved, names and
 * label names valid, label values with only \\ \" \n escapes, finite
 * values, no duplicate series.
 */
static int check_exposition(const char *text, char (*series)[256],
                            size_t max_series)
{
    char family[128] = "", typed[128] = "";
    size_t nseries = 0;
    const char *p = text;

    while (*p != '\0') {
        const char *eol = strchr(p, '\n'), *q;
        char name[128];
        size_t n;

        assert_non_null(eol); /* every line ends with \n */
        if (strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0) {
            q = p + 7;
            n = strcspn(q, " \n");
            assert_true(name_ok(q, n));
            if (p[2] == 'T') {
                const char *t = q + n + 1;

                assert_true(strncmp(t, "gauge\n", 6) == 0 ||
                            strncmp(t, "summary\n", 8) == 0 ||
                            strncmp(t, "counter\n", 8) == 0);
                memcpy(typed, q, n);
                typed[n] = '\0';
            }
            memcpy(family, q, n);
            family[n] = '\0';
            assert_int_equal(strncmp(family, "llmperf_", 8), 0);
            p = eol + 1;
            continue;
        }
        assert_true(*p != '#');
        n = strcspn(p, "{ ");
        assert_true(name_ok(p, n));
        memcpy(name, p, n);
        name[n] = '\0';
        /* The sample belongs to the family just typed (summaries add
         * _sum and _count). */
        assert_int_equal(strncmp(name, typed, strlen(typed)), 0);
        assert_true(strcmp(name + strlen(typed), "") == 0 ||
                    strcmp(name + strlen(typed), "_sum") == 0 ||
                    strcmp(name + strlen(typed), "_count") == 0);
        q = p + n;
        if (*q == '{') {
            for (q++; *q != '}';) {
                size_t ln = strcspn(q, "=");

                assert_true(name_ok(q, ln));
                q += ln;
                assert_true(q[0] == '=' && q[1] == '"');
                for (q += 2; *q != '"'; q++) {
                    assert_true(*q != '\n');
                    if (*q == '\\') {
                        q++;
                        assert_true(*q == '\\' || *q == '"' || *q == 'n');
                    }
                }
                q++;
                if (*q == ',')
                    q++;
                else
                    assert_true(*q == '}');
            }
            q++;
        }
        assert_true(*q == ' ');
        {
            char *e;
            double v = strtod(q + 1, &e);

            assert_true(e != q + 1 && e == eol && isfinite(v));
        }
        assert_true(nseries < max_series);
        n = (size_t)(q - p);
        assert_true(n < 256);
        memcpy(series[nseries], p, n);
        series[nseries][n] = '\0';
        for (size_t i = 0; i < nseries; i++)
            if (strcmp(series[i], series[nseries]) == 0)
                fail_msg("duplicate series %s", series[i]);
        nseries++;
        p = eol + 1;
    }
    return (int)nseries;
}

static void test_prometheus(void **state)
{
    static char series[2048][256];
    llmperf_metrics *m = build(3, 200, 0);
    llmperf_result *r;
    struct mem mem = {0};
    char small[8];
    size_t need;
    int n;
    (void)state;

    /* A label needing every escape. */
    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, 0);
    llmperf__result_add_chunk(r, 1000000, 1);
    llmperf__result_add_chunk(r, 3000000, 1);
    llmperf__result_set_i64(r, LLMPERF_RESULT_E2E_NS, 4000000);
    llmperf__result_set_i64(r, LLMPERF_RESULT_STATUS, 0);
    llmperf__result_derive(r, -1);
    llmperf_metrics_add(m, r, "a\"b\\c\nd");
    llmperf_result_free(r);

    assert_int_equal(llmperf_report_prometheus(m, mem_cb, &mem), LLMPERF_OK);
    n = check_exposition(mem.b, series, 2048);
    assert_true(n > 50);
    assert_non_null(strstr(mem.b, "group=\"a\\\"b\\\\c\\nd\""));
    assert_non_null(strstr(mem.b, "# TYPE llmperf_ttft_seconds summary\n"));
    assert_non_null(strstr(mem.b, "llmperf_ttft_seconds{group=\"c=1\","
                                  "quantile=\"0.99\"} "));
    assert_non_null(
        strstr(mem.b, "llmperf_ttft_seconds_count{group=\"c=1\"} "));
    assert_non_null(strstr(mem.b, "llmperf_requests{outcome=\"completed\"} "));
    assert_non_null(strstr(mem.b, "llmperf_failed_requests{group=\"c=1\","
                                  "error_class=\"timeout\"} "));
    assert_null(strstr(mem.b, "hunter2"));
    /* Values are the accumulator's, in seconds. */
    {
        double v;
        char want[128];

        llmperf_metrics_percentile(m, "c=4", LLMPERF_RESULT_E2E_NS, 50, &v);
        snprintf(want, sizeof(want),
                 "llmperf_e2e_seconds{group=\"c=4\",quantile=\"0.5\"} ");
        assert_non_null(strstr(mem.b, want));
        assert_true(fabs(strtod(strstr(mem.b, want) + strlen(want), NULL) -
                         v * 1e-9) <= 1e-15 * v);
    }
    assert_int_equal(llmperf_report_prometheus_buf(m, small, sizeof(small),
                                                   &need),
                     LLMPERF_EBUFS);
    assert_int_equal((int)need, (int)mem.n + 1);
    free(mem.b);
    llmperf_metrics_free(m);

    /* Empty: still valid, nothing undefined written. */
    assert_int_equal(llmperf_metrics_new(&m), LLMPERF_OK);
    memset(&mem, 0, sizeof(mem));
    assert_int_equal(llmperf_report_prometheus(m, mem_cb, &mem), LLMPERF_OK);
    check_exposition(mem.b, series, 2048);
    free(mem.b);
    llmperf_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_twelve_groups),
        cmocka_unit_test(test_html_one_group),
        cmocka_unit_test(test_html_many_points),
        cmocka_unit_test(test_html_edge_cases),
        cmocka_unit_test(test_prometheus),
        cmocka_unit_test(test_chromium),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
