/* SPDX-License-Identifier: MIT */
/*
 * test_runner.c -- the runner: its arrival schedules (Poisson mean rate,
 * gamma burstiness, constant exactness, no drift), then real runs against
 * llmperf-mock on an ephemeral loopback port, checked against the mock's
 * ground-truth log: concurrency never exceeded, rate and count honoured,
 * duration on time with both drain modes, warm-up excluded, stop from a
 * callback, a timer signal and before the run, every fault class, the
 * server's own timings, cache-busting prefixes, conversations and the
 * synthetic length model. Every run is bounded to a few seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client_int.h"
#include "internal.h"
#include "llmperf/llmperf.h"
#include "runner_int.h"

#define MS INT64_C(1000000)

/* ---- schedule ----------------------------------------------------------- */

static void test_schedule_constant(void **state)
{
    llmperf__schedule s;
    const int64_t t0 = INT64_C(123456789);

    (void)state;
    assert_int_equal(llmperf__schedule_init(&s, LLMPERF_ARRIVAL_CONSTANT,
                                            7.0, 1.0, 0, t0),
                     LLMPERF_OK);
    /* exactly round(i * 1e9 / 7) after t0, for a million arrivals */
    for (int64_t i = 0; i < 1000000; i++) {
        int64_t t = llmperf__schedule_next(&s);
        int64_t want = t0 + (int64_t)llround((double)i * (1e9 / 7.0));

        if (t != want)
            fail_msg("arrival %lld: %lld != %lld", (long long)i,
                     (long long)t, (long long)want);
    }
    assert_int_equal(llmperf__schedule_init(&s, LLMPERF_ARRIVAL_CONSTANT,
                                            500.0, 1.0, 0, 0),
                     LLMPERF_OK);
    for (int64_t i = 0; i < 1000; i++)
        assert_int_equal(llmperf__schedule_next(&s), i * 2 * MS);
}

static void test_schedule_poisson(void **state)
{
    const int n = 200000;
    llmperf__schedule s;
    double sum = 0, sum2 = 0;
    int64_t prev, t;

    (void)state;
    assert_int_equal(llmperf__schedule_init(&s, LLMPERF_ARRIVAL_POISSON,
                                            500.0, 1.0, 42, 0),
                     LLMPERF_OK);
    prev = llmperf__schedule_next(&s);
    assert_int_equal(prev, 0); /* arrival 0 is t0 */
    for (int i = 0; i < n; i++) {
        double g;

        t = llmperf__schedule_next(&s);
        g = (double)(t - prev);
        assert_true(t >= prev);
        sum += g;
        sum2 += g * g;
        prev = t;
    }
    /* mean gap 2 ms within 1% (4.5 sigma), CV of an exponential 1 */
    {
        double mean = sum / n, var = sum2 / n - mean * mean;

        assert_true(fabs(mean - 2e6) < 2e4);
        assert_true(fabs(sqrt(var) / mean - 1.0) < 0.02);
        /* the achieved rate over the whole schedule */
        assert_true(fabs(n / ((double)prev / 1e9) - 500.0) < 5.0);
    }
    /* the same seed gives the same schedule, another one another */
    {
        llmperf__schedule a, b, c;
        int same = 1, diff = 0;

        llmperf__schedule_init(&a, LLMPERF_ARRIVAL_POISSON, 10, 1, 9, 0);
        llmperf__schedule_init(&b, LLMPERF_ARRIVAL_POISSON, 10, 1, 9, 0);
        llmperf__schedule_init(&c, LLMPERF_ARRIVAL_POISSON, 10, 1, 10, 0);
        for (int i = 0; i < 100; i++) {
            int64_t ta = llmperf__schedule_next(&a);

            same &= ta == llmperf__schedule_next(&b);
            diff += ta != llmperf__schedule_next(&c);
        }
        assert_true(same);
        assert_true(diff > 90);
    }
}

/* Gamma gaps: mean 1/rate whatever the shape, variance mean^2 / shape. */
static void test_schedule_gamma(void **state)
{
    static const double shapes[] = {0.25, 0.5, 1.0, 2.0, 4.0, 10.0};
    const int n = 200000;

    (void)state;
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        llmperf__schedule s;
        double sum = 0, sum2 = 0, mean, var, want_var;
        int64_t prev, t;

        assert_int_equal(llmperf__schedule_init(&s, LLMPERF_ARRIVAL_GAMMA,
                                                100.0, shapes[k], 3, 0),
                         LLMPERF_OK);
        prev = llmperf__schedule_next(&s);
        for (int i = 0; i < n; i++) {
            double g;

            t = llmperf__schedule_next(&s);
            g = (double)(t - prev) / 1e6; /* ms */
            sum += g;
            sum2 += g * g;
            prev = t;
        }
        mean = sum / n;
        var = sum2 / n - mean * mean;
        want_var = 100.0 / shapes[k];
        if (fabs(mean - 10.0) > 0.01 * 10.0 ||
            fabs(var - want_var) > 0.05 * want_var)
            fail_msg("shape %g: mean %g ms (10), variance %g (%g)",
                     shapes[k], mean, var, want_var);
    }
    /* the sampler itself at a tiny shape stays positive and finite */
    {
        llmperf__rng g;

        llmperf__rng_seed(&g, 1);
        for (int i = 0; i < 10000; i++) {
            double x = llmperf__gamma(&g, 0.05);

            assert_true(x >= 0.0 && isfinite(x));
        }
    }
}

/* The schedule is absolute: t_n is t0 plus the sum of the gaps, however
 * many arrivals were drawn; nothing depends on when they were used. */
static void test_schedule_no_drift(void **state)
{
    llmperf__schedule s, twin;
    long double sum = 0;
    const int64_t t0 = INT64_C(5000000000000);
    int64_t t = 0, prev;

    (void)state;
    llmperf__schedule_init(&s, LLMPERF_ARRIVAL_POISSON, 1000.0, 1.0, 5, t0);
    llmperf__schedule_init(&twin, LLMPERF_ARRIVAL_POISSON, 1000.0, 1.0, 5,
                           t0);
    prev = llmperf__schedule_next(&s);
    llmperf__schedule_next(&twin);
    for (int i = 0; i < 1000000; i++) {
        t = llmperf__schedule_next(&s);
        sum += (long double)(t - prev);
        prev = t;
    }
    /* one hour of arrivals later, still within a microsecond of the sum
     * of the rounded gaps (rounding is per instant, not accumulated) */
    assert_true(fabsl((long double)(t - t0) - sum) < 1000.0L);
    assert_true(fabs((double)(t - t0) / 1e9 - 1000.0) < 5.0);
    /* a twin drawn at another pace reaches the same instant */
    for (int i = 0; i < 999999; i++)
        llmperf__schedule_next(&twin);
    assert_int_equal(llmperf__schedule_next(&twin), t);

    assert_int_equal(llmperf__schedule_init(&s, LLMPERF_ARRIVAL_GAMMA, 0.0,
                                            1.0, 0, 0),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf__schedule_init(&s, LLMPERF_ARRIVAL_GAMMA, 1.0,
                                            0.0, 0, 0),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf__schedule_init(&s, 9, 1.0, 1.0, 0, 0),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf__schedule_init(&s, LLMPERF_ARRIVAL_POISSON,
                                            INFINITY, 1.0, 0, 0),
                     LLMPERF_EINVAL);
}

/* ---- the mock ----------------------------------------------------------- */

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

#ifdef LLMPERF_MOCK
#define HAVE_MOCK 1
#else
#define HAVE_MOCK 0
#define LLMPERF_MOCK ""
#endif

struct mock {
    pid_t pid;
    int port;
    char log[64];
    char url[64];
};

/* Fast defaults: no load, no jitter, 5 ms prefill, 2 ms per token. */
static const char *const FAST[] = {
    "--any-model", "--load-ms", "0", "--jitter", "0", "--batch-factor", "0",
    "--prefill-base-ms", "5", "--prefill-ms-per-token", "0",
    "--decode-ms-per-token", "2", "--output-tokens", "fixed:5", "--slots",
    "1000", NULL};

static void mock_start(struct mock *m, const char *const *extra)
{
    const char *argv[96];
    int pipefd[2], n = 0, fd;
    char line[256];
    size_t got = 0;
    int64_t deadline;
    const char *c;

    if (!HAVE_MOCK)
        skip();
    memset(m, 0, sizeof(*m));
    snprintf(m->log, sizeof(m->log), "/tmp/llmperf-runner-log-XXXXXX");
    fd = mkstemp(m->log);
    assert_true(fd >= 0);
    close(fd);
    argv[n++] = LLMPERF_MOCK;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--log";
    argv[n++] = m->log;
    for (int i = 0; FAST[i] != NULL; i++)
        argv[n++] = FAST[i];
    /* later flags override the defaults */
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 94; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    assert_int_equal(pipe(pipefd), 0);
    m->pid = fork();
    assert_true(m->pid >= 0);
    if (m->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    deadline = llmperf_now_ns() + 10000 * MS;
    while (got + 1 < sizeof(line) && llmperf_now_ns() < deadline) {
        struct pollfd pf = {pipefd[0], POLLIN, 0};

        if (poll(&pf, 1, 100) <= 0)
            continue;
        if (read(pipefd[0], line + got, 1) != 1)
            break;
        if (line[got++] == '\n')
            break;
    }
    line[got] = '\0';
    close(pipefd[0]);
    c = strrchr(line, ':');
    if (strncmp(line, "llmperf-mock listening on ", 26) != 0 || c == NULL)
        fail_msg("the mock did not start: '%s'", line);
    m->port = atoi(c + 1);
    assert_true(m->port > 0);
    snprintf(m->url, sizeof(m->url), "http://127.0.0.1:%d", m->port);
}

static void mock_stop(struct mock *m)
{
    int st;

    if (m->pid > 0) {
        kill(m->pid, SIGTERM);
        for (int i = 0; i < 500; i++) {
            if (waitpid(m->pid, &st, WNOHANG) == m->pid) {
                m->pid = 0;
                break;
            }
            sleep_us(10000);
        }
        if (m->pid > 0) {
            kill(m->pid, SIGKILL);
            waitpid(m->pid, &st, 0);
        }
    }
    unlink(m->log);
}

/* The ground-truth log, waiting (at most 3 s) for at least want lines:
 * the mock writes a line just after the response ends. */
static json_object **mock_log(const struct mock *m, size_t want, size_t *n)
{
    json_object **lines = NULL;
    int64_t deadline = llmperf_now_ns() + 3000 * MS;

    for (;;) {
        FILE *f = fopen(m->log, "r");
        char *buf = NULL;
        size_t cap = 0, k = 0;
        ssize_t len;

        assert_non_null(f);
        while ((len = getline(&buf, &cap, f)) > 0) {
            lines = realloc(lines, (k + 1) * sizeof(*lines));
            assert_non_null(lines);
            lines[k] = json_tokener_parse(buf);
            if (lines[k] != NULL)
                k++;
        }
        free(buf);
        fclose(f);
        if (k >= want || llmperf_now_ns() > deadline) {
            *n = k;
            return lines;
        }
        for (size_t i = 0; i < k; i++)
            json_object_put(lines[i]);
        sleep_us(20000);
    }
}

static void log_free(json_object **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_object_put(lines[i]);
    free(lines);
}

static int64_t jint(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || v == NULL)
        return -1;
    return json_object_get_int64(v);
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || v == NULL)
        return NULL;
    return json_object_get_string(v);
}

static json_object *log_find(json_object **lines, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = jstr(lines[i], "request_id");

        if (s != NULL && strcmp(s, id) == 0)
            return lines[i];
    }
    return NULL;
}

/* Most requests the mock held at once: intervals [recv_ns, end_ns]. */
static int max_overlap(json_object **lines, size_t n)
{
    int64_t *t = calloc(2 * n, sizeof(*t));
    int cur = 0, best = 0;

    assert_non_null(t);
    for (size_t i = 0; i < n; i++) {
        /* encode the kind in the low bit: ends (0) sort before starts */
        t[2 * i] = jint(lines[i], "recv_ns") * 2 + 1;
        t[2 * i + 1] = jint(lines[i], "end_ns") * 2;
    }
    for (size_t i = 1; i < 2 * n; i++)
        for (size_t j = i; j > 0 && t[j - 1] > t[j]; j--) {
            int64_t x = t[j];

            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    for (size_t i = 0; i < 2 * n; i++) {
        cur += (t[i] & 1) ? 1 : -1;
        if (cur > best)
            best = cur;
    }
    free(t);
    return best;
}

/* ---- runs --------------------------------------------------------------- */

#define MAX_GOT 4096

/* What a run delivered. */
struct got {
    size_t n;
    llmperf_result *r[MAX_GOT];
    size_t item[MAX_GOT];
    int stop_after;         /* return 1 from the callback at this count */
    llmperf_runner *runner; /* for stop() from callbacks */
    int progress_calls;
    int stop_at_progress;   /* stop() in this progress call */
    int64_t in_flight_seen; /* at the progress calls */
    llmperf_dataset *ds;    /* for re-entry attempts */
};

static int collect(llmperf_result *r, size_t item, void *ud)
{
    struct got *g = ud;

    assert_true(g->n < MAX_GOT);
    g->r[g->n] = r;
    g->item[g->n] = item;
    g->n++;
    return g->stop_after > 0 && (int)g->n == g->stop_after;
}

static int slow_collect(llmperf_result *r, size_t item, void *ud)
{
    struct timespec ts = {0, 30 * 1000000L};

    nanosleep(&ts, NULL);
    return collect(r, item, ud);
}

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        llmperf_result_free(g->r[i]);
    g->n = 0;
}

static int64_t geti(const llmperf_result *r, int field)
{
    int64_t v = INT64_MIN;

    llmperf_result_get_i64(r, field, &v);
    return v;
}

static const char *gets_(const llmperf_result *r, int field)
{
    const char *s = NULL;

    llmperf_result_get_str(r, field, &s);
    return s;
}

/* The transport every runner of this process uses: LLMPERF_TEST_TRANSPORT
 * = "curl" or "native" (ctest runs this file once with each); unset: the
 * default (AUTO, which picks the own transport for the mock's URL). */
static int64_t transport_ = LLMPERF_TRANSPORT_AUTO;

static llmperf_runner *runner_for(llmperf_client *c)
{
    llmperf_runner *r = NULL;

    assert_int_equal(llmperf_runner_new(&r, c), LLMPERF_OK);
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_TRANSPORT,
                                            transport_),
                     LLMPERF_OK);
    return r;
}

/* What a run must have used: curl when asked, else the own one (every
 * URL here is plain http://). */
static int64_t transport_used(void)
{
    return transport_ == LLMPERF_TRANSPORT_CURL ? LLMPERF_TRANSPORT_CURL
                                                : LLMPERF_TRANSPORT_NATIVE;
}

static int64_t stat_(const llmperf_runner *r, int which)
{
    int64_t v = -1;

    assert_int_equal(llmperf_runner_stat_i64(r, which, &v), LLMPERF_OK);
    return v;
}

static llmperf_client *client_for(const struct mock *m, int backend,
                                  const char *header, int64_t idle_ms)
{
    llmperf_config *cfg = NULL;
    llmperf_client *c = NULL;

    assert_int_equal(llmperf_config_new(&cfg, backend), LLMPERF_OK);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL,
                                            m->url),
                     LLMPERF_OK);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, "m"),
                     LLMPERF_OK);
    if (header != NULL)
        assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER,
                                                header),
                         LLMPERF_OK);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IDLE_TIMEOUT_MS,
                                            idle_ms),
                     LLMPERF_OK);
    assert_int_equal(llmperf_client_new(&c, cfg), LLMPERF_OK);
    llmperf_config_free(cfg);
    return c;
}

static llmperf_dataset *small_dataset(size_t n)
{
    llmperf_dataset *ds = NULL;

    assert_int_equal(llmperf_dataset_synthetic(&ds, n, 20, 0, 1),
                     LLMPERF_OK);
    return ds;
}

struct env {
    struct mock m;
    llmperf_client *c;
    llmperf_runner *r;
    llmperf_dataset *ds;
    struct got *g;
};

static void env_start(struct env *e, const char *const *extra, int backend,
                      const char *header, int64_t idle_ms)
{
    memset(e, 0, sizeof(*e));
    mock_start(&e->m, extra);
    e->c = client_for(&e->m, backend, header, idle_ms);
    e->r = runner_for(e->c);
    e->ds = small_dataset(8);
    e->g = calloc(1, sizeof(*e->g));
    assert_non_null(e->g);
    e->g->runner = e->r;
}

static void env_stop(struct env *e)
{
    got_free(e->g);
    free(e->g);
    llmperf_dataset_free(e->ds);
    llmperf_runner_free(e->r);
    llmperf_client_free(e->c);
    mock_stop(&e->m);
}

/* Every delivered result matches one log line by request id. */
static void check_ids(struct got *g, json_object **lines, size_t n)
{
    for (size_t i = 0; i < g->n; i++) {
        const char *id = gets_(g->r[i], LLMPERF_RESULT_REQUEST_ID);

        assert_non_null(id);
        if (log_find(lines, n, id) == NULL)
            fail_msg("result %zu (%s) is not in the mock's log", i, id);
    }
}

static void test_closed_loop(void **state)
{
    struct env e;
    json_object **lines;
    size_t n, uses[8] = {0};
    int over;

    (void)state;
    env_start(&e, NULL, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    assert_int_equal(llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY,
                                            4),
                     LLMPERF_OK);
    assert_int_equal(llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS,
                                            40),
                     LLMPERF_OK);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 40);
    for (size_t i = 0; i < e.g->n; i++) {
        int64_t sent = geti(e.g->r[i], LLMPERF_RESULT_SENT_NS);

        assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_STATUS), LLMPERF_OK);
        assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_OUTPUT_TOKENS), 5);
        assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_CHUNKS), 5);
        /* closed loop: scheduled when the user was free, sent at once */
        assert_true(sent >= geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS));
        assert_true(geti(e.g->r[i], LLMPERF_RESULT_CLIENT_LAG_NS) < 50 * MS);
        uses[e.g->item[i]]++;
    }
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(uses[i], 5); /* items in order, wrapping */
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_SENT), 40);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED), 40);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_FAILED), 0);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_IN_FLIGHT), 0);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_OUTPUT_TOKENS), 200);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_TRANSPORT),
                     transport_used());
    {
        /* keep-alive: each of the 4 users opened one connection */
        int64_t conns = 0;

        for (size_t i = 0; i < e.g->n; i++)
            conns += geti(e.g->r[i], LLMPERF_RESULT_NEW_CONNECTIONS);
        assert_int_equal(conns, 4);
    }
    lines = mock_log(&e.m, 40, &n);
    assert_int_equal(n, 40); /* the count is honoured exactly */
    check_ids(e.g, lines, n);
    over = max_overlap(lines, n);
    if (over > 4 || over < 3)
        fail_msg("the mock held %d requests at once (want 3..4)", over);
    log_free(lines, n);

    /* a second run on the same runner reuses the connections */
    got_free(e.g);
    assert_int_equal(llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS,
                                            8),
                     LLMPERF_OK);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 8);
    for (size_t i = 0; i < e.g->n; i++)
        assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_NEW_CONNECTIONS), 0);
    /* REQUESTS 0 and no duration: one pass over the dataset */
    got_free(e.g);
    assert_int_equal(llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS,
                                            0),
                     LLMPERF_OK);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 8);
    /* no callback: results are freed, still counted */
    assert_int_equal(llmperf_runner_run(e.r, e.ds, NULL, NULL), LLMPERF_OK);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED), 8);
    /* a slow callback holds the loop: a user is due when its previous
     * request ended, so the harness's delay shows as client lag */
    got_free(e.g);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 1);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 3);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, slow_collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 3);
    assert_true(geti(e.g->r[0], LLMPERF_RESULT_CLIENT_LAG_NS) < 200 * MS);
    for (size_t i = 1; i < 3; i++) {
        int64_t lag = geti(e.g->r[i], LLMPERF_RESULT_CLIENT_LAG_NS);

        if (lag < 30 * MS || lag > 1000 * MS)
            fail_msg("request %zu: lag %lld ns after a 30 ms callback", i,
                     (long long)lag);
        assert_true(geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS) >=
                    geti(e.g->r[i - 1], LLMPERF_RESULT_SENT_NS));
    }
    env_stop(&e);
}

static void test_open_loop_rate(void **state)
{
    struct env e;
    json_object **lines;
    size_t n;
    int64_t first_sched = INT64_MAX, first_sent = INT64_MAX, last_sent = 0;
    int64_t lags[100];
    double achieved;

    (void)state;
    env_start(&e, NULL, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    llmperf_runner_set_double(e.r, LLMPERF_RUNNER_RATE, 200.0);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_ARRIVAL,
                           LLMPERF_ARRIVAL_CONSTANT);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 100);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 100);
    for (size_t i = 0; i < e.g->n; i++) {
        int64_t sc = geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS);
        int64_t se = geti(e.g->r[i], LLMPERF_RESULT_SENT_NS);

        if (sc < first_sched)
            first_sched = sc;
        if (se < first_sent)
            first_sent = se;
        if (se > last_sent)
            last_sent = se;
    }
    /* every scheduled instant lies exactly on the 5 ms grid */
    for (size_t i = 0; i < e.g->n; i++) {
        int64_t sc = geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS);

        assert_int_equal((sc - first_sched) % (5 * MS), 0);
        lags[i] = geti(e.g->r[i], LLMPERF_RESULT_CLIENT_LAG_NS);
        assert_int_equal(lags[i], geti(e.g->r[i], LLMPERF_RESULT_SENT_NS) -
                                      sc);
        assert_true(lags[i] >= 0);
    }
    /* The rate is honoured exactly by the schedule: 100 arrivals 5 ms
     * apart. What the machine achieves depends on its load (ctest runs
     * in parallel on shared cores), so the measured rate and lag get
     * loose bounds here; bench_runner measures them properly. */
    {
        int64_t last_sched = 0;

        for (size_t i = 0; i < e.g->n; i++) {
            int64_t sc = geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS);

            if (sc > last_sched)
                last_sched = sc;
        }
        assert_int_equal(last_sched - first_sched, 99 * 5 * MS);
    }
    achieved = 99.0 / ((double)(last_sent - first_sent) / 1e9);
    if (fabs(achieved - 200.0) > 50.0)
        fail_msg("achieved %.2f req/s for 200", achieved);
    /* the harness keeps up: median lag far below the 5 ms spacing */
    for (size_t i = 1; i < 100; i++)
        for (size_t j = i; j > 0 && lags[j - 1] > lags[j]; j--) {
            int64_t x = lags[j];

            lags[j] = lags[j - 1];
            lags[j - 1] = x;
        }
    if (lags[50] > 4 * MS)
        fail_msg("median client lag %lld ns", (long long)lags[50]);
    assert_true(stat_(e.r, LLMPERF_RUNNER_STAT_MAX_LAG_NS) == lags[99]);
    lines = mock_log(&e.m, 100, &n);
    assert_int_equal(n, 100);
    check_ids(e.g, lines, n);
    log_free(lines, n);

    /* Poisson at 1000/s: the mean gap of 300 arrivals within 20% */
    got_free(e.g);
    llmperf_runner_set_double(e.r, LLMPERF_RUNNER_RATE, 1000.0);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_ARRIVAL,
                           LLMPERF_ARRIVAL_POISSON);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 300);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_SEED, 11);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 300);
    {
        int64_t lo = INT64_MAX, hi = 0;

        for (size_t i = 0; i < e.g->n; i++) {
            int64_t sc = geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS);

            lo = sc < lo ? sc : lo;
            hi = sc > hi ? sc : hi;
            assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_STATUS),
                             LLMPERF_OK);
        }
        achieved = 299.0 / ((double)(hi - lo) / 1e9);
        if (achieved < 800 || achieved > 1250)
            fail_msg("Poisson: %.1f req/s scheduled for 1000", achieved);
    }
    env_stop(&e);
}

/* Open loop capped by CONCURRENCY: requests wait, the wait is lag. */
static void test_open_loop_cap(void **state)
{
    static const char *const slow[] = {"--decode-ms-per-token", "5", NULL};
    struct env e;
    json_object **lines;
    size_t n;
    int64_t first = INT64_MAX, max_lag = 0;

    (void)state;
    env_start(&e, slow, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    llmperf_runner_set_double(e.r, LLMPERF_RUNNER_RATE, 400.0);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_ARRIVAL,
                           LLMPERF_ARRIVAL_CONSTANT);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 2);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 20);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 20);
    for (size_t i = 0; i < e.g->n; i++) {
        int64_t sc = geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS);

        first = sc < first ? sc : first;
    }
    for (size_t i = 0; i < e.g->n; i++) {
        int64_t sc = geti(e.g->r[i], LLMPERF_RESULT_SCHEDULED_NS);
        int64_t lag = geti(e.g->r[i], LLMPERF_RESULT_CLIENT_LAG_NS);

        /* the schedule stays the 2.5 ms grid however late requests go */
        assert_int_equal((sc - first) % (2500 * 1000), 0);
        max_lag = lag > max_lag ? lag : max_lag;
    }
    /* 20 requests of ~30 ms two at a time take ~300 ms, scheduled over
     * 47.5 ms: the last ones wait about 200 ms */
    if (max_lag < 150 * MS)
        fail_msg("max lag %lld ns", (long long)max_lag);
    lines = mock_log(&e.m, 20, &n);
    assert_int_equal(n, 20);
    assert_true(max_overlap(lines, n) <= 2);
    log_free(lines, n);
    env_stop(&e);
}

/* Requests of ~50 ms (10 ms prefill + 10 tokens of 4 ms). */
static const char *const MID[] = {"--prefill-base-ms", "10",
                                  "--decode-ms-per-token", "4",
                                  "--output-tokens", "fixed:10", NULL};

/*
 * Upper time bounds in these tests are wide on purpose: ctest runs suites
 * in parallel on shared cores. They only tell "stopped at the deadline"
 * from "ran to the end" (minutes); bench_runner measures precision.
 */
static void test_duration(void **state)
{
    struct env e;
    int64_t t0, took, start;

    (void)state;
    env_start(&e, MID, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 3);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_DURATION_MS, 400);
    /* drain (default): stop sending at 400 ms, let the last ones end */
    t0 = llmperf_now_ns();
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    took = llmperf_now_ns() - t0;
    if (took < 400 * MS || took > 1500 * MS)
        fail_msg("drain run took %lld ms", (long long)(took / MS));
    start = t0;
    assert_true(e.g->n >= 3 && e.g->n <= 30);
    for (size_t i = 0; i < e.g->n; i++) {
        assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_STATUS), LLMPERF_OK);
        assert_true(geti(e.g->r[i], LLMPERF_RESULT_SENT_NS) <
                    start + 401 * MS);
    }
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_SENT), (int64_t)e.g->n);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_ABORTED), 0);
    assert_true(stat_(e.r, LLMPERF_RUNNER_STAT_ELAPSED_NS) >= 400 * MS);

    /* no drain: what is in flight at the deadline is cancelled. On a
     * loaded machine all three users can be between requests at the
     * deadline (nothing to cancel), so up to three runs are allowed;
     * at least one must cancel something. */
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_DRAIN, 0);
    for (int attempt = 0; attempt < 3; attempt++) {
    int64_t aborted;

    got_free(e.g);
    t0 = llmperf_now_ns();
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    took = llmperf_now_ns() - t0;
    if (took < 400 * MS || took > 1200 * MS)
        fail_msg("cancelling run took %lld ms", (long long)(took / MS));
    aborted = stat_(e.r, LLMPERF_RUNNER_STAT_ABORTED);
    {
        int64_t seen = 0;

        assert_true(aborted >= 0 && aborted <= 3);
        assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_SENT),
                         (int64_t)e.g->n);
        for (size_t i = 0; i < e.g->n; i++) {
            if (geti(e.g->r[i], LLMPERF_RESULT_STATUS) == LLMPERF_OK)
                continue;
            seen++;
            assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_STATUS),
                             LLMPERF_EABORTED);
            assert_string_equal(gets_(e.g->r[i], LLMPERF_RESULT_ERROR_CLASS),
                                "aborted");
            assert_non_null(strstr(gets_(e.g->r[i], LLMPERF_RESULT_ERROR),
                                   "cancelled by the runner"));
        }
        assert_int_equal(seen, aborted);
        assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_FAILED), aborted);
    }
    if (aborted >= 1)
        break;
    if (attempt == 2)
        fail_msg("three runs without drain cancelled nothing");
    }

    /* drain with a bound: requests of ~1 s are cut 100 ms after 200 ms */
    got_free(e.g);
    env_stop(&e);
    {
        static const char *const slow[] = {"--decode-ms-per-token", "100",
                                           "--output-tokens", "fixed:10",
                                           NULL};

        env_start(&e, slow, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    }
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 2);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_DURATION_MS, 200);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_DRAIN_TIMEOUT_MS, 100);
    t0 = llmperf_now_ns();
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    took = llmperf_now_ns() - t0;
    if (took < 300 * MS || took > 1200 * MS)
        fail_msg("bounded drain took %lld ms", (long long)(took / MS));
    assert_int_equal(e.g->n, 2);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_ABORTED), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_STATUS),
                         LLMPERF_EABORTED);
        /* the partial timeline is kept */
        assert_true(geti(e.g->r[i], LLMPERF_RESULT_CHUNKS) >= 1);
    }
    env_stop(&e);
}

static void test_warmup(void **state)
{
    struct env e;
    json_object **lines;
    size_t n;
    int64_t first_measured = INT64_MAX;
    int warm_seen = 0;

    (void)state;
    env_start(&e, NULL, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_WARMUP, 3);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 5);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 2);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 5);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_WARMUP), 3);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_WARMUP_FAILED), 0);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_SENT), 5);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED), 5);
    /* the measured phase uses the dataset from its start again */
    {
        size_t uses[8] = {0};

        for (size_t i = 0; i < 5; i++)
            uses[e.g->item[i]]++;
        for (size_t i = 0; i < 5; i++)
            assert_int_equal(uses[i], 1);
    }
    for (size_t i = 0; i < e.g->n; i++) {
        int64_t s = geti(e.g->r[i], LLMPERF_RESULT_SENT_NS);

        first_measured = s < first_measured ? s : first_measured;
    }
    lines = mock_log(&e.m, 8, &n);
    assert_int_equal(n, 8);
    check_ids(e.g, lines, n);
    /* the 3 requests not delivered all ended before the measured ones
     * were sent */
    for (size_t i = 0; i < n; i++) {
        const char *id = jstr(lines[i], "request_id");
        int delivered = 0;

        for (size_t k = 0; k < e.g->n; k++)
            delivered |= strcmp(gets_(e.g->r[k], LLMPERF_RESULT_REQUEST_ID),
                                id) == 0;
        if (!delivered) {
            warm_seen++;
            assert_true(jint(lines[i], "end_ns") <= first_measured);
        }
    }
    assert_int_equal(warm_seen, 3);
    log_free(lines, n);
    env_stop(&e);
}

static int stop_in_progress(llmperf_runner *r, void *ud)
{
    struct got *g = ud;
    int64_t v;

    g->progress_calls++;
    assert_int_equal(llmperf_runner_stat_i64(r, LLMPERF_RUNNER_STAT_IN_FLIGHT,
                                             &v),
                     LLMPERF_OK);
    if (v > g->in_flight_seen)
        g->in_flight_seen = v;
    /* nothing may be reconfigured from inside the run */
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_REQUESTS, 1),
                     LLMPERF_ESTATE);
    assert_int_equal(llmperf_runner_run(r, NULL, NULL, NULL),
                     LLMPERF_EINVAL);
    if (g->progress_calls == g->stop_at_progress)
        llmperf_runner_stop(r);
    return 0;
}

/* Every sent request is delivered exactly once, completed or aborted. */
static void check_accounting(struct env *e)
{
    int64_t ok = 0, aborted = 0;

    for (size_t i = 0; i < e->g->n; i++) {
        int64_t st = geti(e->g->r[i], LLMPERF_RESULT_STATUS);

        if (st == LLMPERF_OK)
            ok++;
        else if (st == LLMPERF_EABORTED)
            aborted++;
        else
            fail_msg("result %zu: status %lld", i, (long long)st);
    }
    assert_int_equal(stat_(e->r, LLMPERF_RUNNER_STAT_SENT), (int64_t)e->g->n);
    assert_int_equal(stat_(e->r, LLMPERF_RUNNER_STAT_COMPLETED), ok);
    assert_int_equal(stat_(e->r, LLMPERF_RUNNER_STAT_ABORTED), aborted);
    assert_int_equal(stat_(e->r, LLMPERF_RUNNER_STAT_FAILED), aborted);
    assert_int_equal(stat_(e->r, LLMPERF_RUNNER_STAT_IN_FLIGHT), 0);
}

static void test_stop_from_callbacks(void **state)
{
    struct env e;
    int64_t t0, took;

    (void)state;
    env_start(&e, MID, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 4);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 100000);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_PROGRESS_INTERVAL_MS, 50);
    assert_int_equal(llmperf_runner_set_progress(e.r, stop_in_progress, e.g),
                     LLMPERF_OK);
    e.g->stop_at_progress = 3;
    t0 = llmperf_now_ns();
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_EABORTED);
    took = llmperf_now_ns() - t0;
    if (took < 150 * MS || took > 1500 * MS)
        fail_msg("stopped after %lld ms", (long long)(took / MS));
    /* 3 periodic calls and the final one */
    assert_int_equal(e.g->progress_calls, 4);
    assert_true(e.g->in_flight_seen >= 1 && e.g->in_flight_seen <= 4);
    assert_true(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED) >= 4);
    assert_true(stat_(e.r, LLMPERF_RUNNER_STAT_ABORTED) >= 1);
    check_accounting(&e);

    /* the result callback asks to stop after 6 results */
    got_free(e.g);
    llmperf_runner_set_progress(e.r, NULL, NULL);
    e.g->stop_after = 6;
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_EABORTED);
    /* requests that ended in the same loop turn are still delivered as
     * completed; the rest in flight are cancelled */
    assert_true(e.g->n >= 6 && e.g->n <= 9);
    assert_true(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED) >= 6);
    check_accounting(&e);

    /* stop() before the run: the run ends at once, sending nothing; the
     * next run is not affected */
    got_free(e.g);
    e.g->stop_after = 0;
    llmperf_runner_stop(e.r);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_EABORTED);
    assert_int_equal(e.g->n, 0);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_SENT), 0);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 3);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 3);
    llmperf_runner_stop(NULL);
    env_stop(&e);
}

static llmperf_runner *volatile alarm_runner;

static void on_alarm(int sig)
{
    (void)sig;
    llmperf_runner_stop(alarm_runner);
}

static void test_stop_from_signal(void **state)
{
    struct env e;
    struct sigaction sa, old;
    struct itimerval it;
    int64_t t0, took;

    (void)state;
    env_start(&e, MID, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 4);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_DURATION_MS, 10000);
    alarm_runner = e.r;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    memset(&it, 0, sizeof(it));
    it.it_value.tv_usec = 150000;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    t0 = llmperf_now_ns();
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_EABORTED);
    took = llmperf_now_ns() - t0;
    sigaction(SIGALRM, &old, NULL);
    if (took < 140 * MS || took > 1500 * MS)
        fail_msg("stopped after %lld ms", (long long)(took / MS));
    assert_true(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED) >= 4);
    check_accounting(&e);
    env_stop(&e);
}

/* ---- faults ------------------------------------------------------------- */

static const struct {
    const char *spec;
    int status;
    const char *cls;
    int http;
} FAULTS[] = {
    {"http-429", LLMPERF_EHTTP, "http", 429},
    {"http-500", LLMPERF_EHTTP, "http", 500},
    {"http-503", LLMPERF_EHTTP, "http", 503},
    {"disconnect:2", LLMPERF_EPROTOCOL, "protocol", 200},
    {"stall:3000:1", LLMPERF_ETIMEOUT, "timeout", 200},
    {"malformed:2", LLMPERF_EPROTOCOL, "protocol", 200},
    {"error-event:2", LLMPERF_ESERVER, "server", 200},
};

static void test_faults_by_header(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(FAULTS) / sizeof(FAULTS[0]); k++) {
        struct env e;
        char hdr[64];

        snprintf(hdr, sizeof(hdr), "X-Mock-Fault: %s", FAULTS[k].spec);
        env_start(&e, NULL, LLMPERF_BACKEND_OPENAI, hdr, 300);
        llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 2);
        llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 3);
        assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                         LLMPERF_OK);
        assert_int_equal(e.g->n, 3);
        assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_FAILED), 3);
        assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_ABORTED), 0);
        for (size_t i = 0; i < 3; i++) {
            llmperf_result *r = e.g->r[i];

            if (geti(r, LLMPERF_RESULT_STATUS) != FAULTS[k].status ||
                strcmp(gets_(r, LLMPERF_RESULT_ERROR_CLASS), FAULTS[k].cls))
                fail_msg("%s: status %lld class %s (%s)", FAULTS[k].spec,
                         (long long)geti(r, LLMPERF_RESULT_STATUS),
                         gets_(r, LLMPERF_RESULT_ERROR_CLASS),
                         gets_(r, LLMPERF_RESULT_ERROR));
            assert_int_equal(geti(r, LLMPERF_RESULT_HTTP_STATUS),
                             FAULTS[k].http);
        }
        env_stop(&e);
    }
}

/* A mixed run by probability: each result's class matches the fault the
 * mock's log says it injected into that very request. */
static void test_faults_mixed(void **state)
{
    static const char *const mix_args[] = {
        "--fault-rate", "http-429=0.1", "--fault-rate", "http-503=0.1",
        "--fault-rate", "disconnect:1=0.1", "--fault-rate", "malformed=0.1",
        "--fault-rate", "error-event=0.1", "--fault-rate", "stall:3000=0.05",
        "--seed", "3", NULL};
    struct env e;
    json_object **lines;
    size_t n, ok = 0, failed = 0;

    (void)state;
    env_start(&e, mix_args, LLMPERF_BACKEND_OPENAI, NULL, 300);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 8);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 120);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 120);
    lines = mock_log(&e.m, 120, &n);
    assert_int_equal(n, 120);
    for (size_t i = 0; i < e.g->n; i++) {
        llmperf_result *r = e.g->r[i];
        json_object *l = log_find(lines, n,
                                  gets_(r, LLMPERF_RESULT_REQUEST_ID));
        const char *fault, *want = "";
        int64_t st = geti(r, LLMPERF_RESULT_STATUS);

        assert_non_null(l);
        fault = jstr(l, "fault");
        assert_non_null(fault);
        if (strchr(fault, ',') != NULL) {
            /* two faults drawn for one request: which one strikes first
             * is the mock's business; it must fail either way */
            assert_int_not_equal(st, LLMPERF_OK);
            failed++;
            continue;
        }
        for (size_t k = 0; k < sizeof(FAULTS) / sizeof(FAULTS[0]); k++) {
            size_t len = strcspn(FAULTS[k].spec, ":");

            if (strncmp(fault, FAULTS[k].spec, len) == 0 &&
                (fault[len] == '\0' || fault[len] == ':'))
                want = FAULTS[k].cls;
        }
        if (strcmp(gets_(r, LLMPERF_RESULT_ERROR_CLASS), want) != 0)
            fail_msg("fault '%s': class '%s' (%s)", fault,
                     gets_(r, LLMPERF_RESULT_ERROR_CLASS),
                     gets_(r, LLMPERF_RESULT_ERROR));
        if (st == LLMPERF_OK)
            ok++;
        else
            failed++;
    }
    /* counts agree with the callbacks, and faults did happen */
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED), (int64_t)ok);
    assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_FAILED),
                     (int64_t)failed);
    assert_true(failed >= 30 && ok >= 30);
    log_free(lines, n);
    env_stop(&e);
}

/* ---- what the results carry --------------------------------------------- */

static void test_server_timings(void **state)
{
    static const char *const args[] = {"--prefill-base-ms", "20",
                                       "--decode-ms-per-token", "5",
                                       "--output-tokens", "fixed:6", NULL};
    struct env e;
    json_object **lines;
    size_t n;

    (void)state;
    env_start(&e, args, LLMPERF_BACKEND_OLLAMA, NULL, 5000);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 3);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 6);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 6);
    lines = mock_log(&e.m, 6, &n);
    for (size_t i = 0; i < e.g->n; i++) {
        llmperf_result *r = e.g->r[i];
        json_object *l = log_find(lines, n,
                                  gets_(r, LLMPERF_RESULT_REQUEST_ID));
        int64_t prompt = geti(r, LLMPERF_RESULT_SERVER_PROMPT_NS);
        int64_t decode = geti(r, LLMPERF_RESULT_SERVER_DECODE_NS);

        assert_non_null(l);
        assert_int_equal(geti(r, LLMPERF_RESULT_STATUS), LLMPERF_OK);
        /* exactly the mock's own clock readings */
        assert_int_equal(prompt, jint(l, "prefill_end_ns") -
                                     jint(l, "prefill_start_ns"));
        assert_int_equal(decode, jint(l, "last_token_ns") -
                                     jint(l, "prefill_end_ns"));
        /* plausible (upper bounds leave room for a loaded machine) */
        /* plausible: 20 ms of prefill and 5 gaps of 5 ms; the mock keeps
         * its token times absolute, so a late prefill end shortens the
         * decode span by as much */
        if (prompt < 19 * MS || prompt > 500 * MS || decode < 10 * MS ||
            decode > 500 * MS || prompt + decode < 44 * MS)
            fail_msg("server prompt %lld ns, decode %lld ns",
                     (long long)prompt, (long long)decode);
        assert_int_equal(geti(r, LLMPERF_RESULT_SERVER_OUTPUT_TOKENS), 6);
        assert_int_equal(geti(r, LLMPERF_RESULT_OUTPUT_TOKENS), 6);
        /* Ollama's prompt_eval_count: tokens evaluated, not cached */
        assert_int_equal(geti(r, LLMPERF_RESULT_PROMPT_TOKENS),
                         jint(l, "prompt_eval_tokens"));
        /* the client saw the first token after the server's prefill */
        assert_true(geti(r, LLMPERF_RESULT_TTFT_NS) >= prompt);
        assert_true(geti(r, LLMPERF_RESULT_WAIT_NS) >= 0);
        assert_true(geti(r, LLMPERF_RESULT_SERVER_ITL_NS) == decode / 5);
    }
    log_free(lines, n);
    env_stop(&e);
}

/* The synthetic length model is exact for the mock's pre-tokenizer. */
static void test_synthetic_tokens(void **state)
{
    struct env e;
    llmperf_dataset *ds = NULL;
    json_object **lines;
    size_t n;

    (void)state;
    env_start(&e, NULL, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    assert_int_equal(llmperf_dataset_synthetic(&ds, 3, 123, 4, 9),
                     LLMPERF_OK);
    assert_int_equal(llmperf_runner_run(e.r, ds, collect, e.g), LLMPERF_OK);
    assert_int_equal(e.g->n, 3);
    lines = mock_log(&e.m, 3, &n);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(jint(lines[i], "prompt_tokens"), 123);
        /* the item's max_tokens went out with the request */
        assert_int_equal(jint(lines[i], "output_tokens"), 4);
    }
    log_free(lines, n);
    llmperf_dataset_free(ds);
    env_stop(&e);
}

/* VARY_PROMPTS defeats the server's prefix cache. */
static void test_vary_prompts(void **state)
{
    static const char *const one_slot[] = {"--slots", "1", NULL};
    struct env e;
    llmperf_dataset *ds = NULL;
    json_object **lines;
    size_t n;

    (void)state;
    env_start(&e, one_slot, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    assert_int_equal(llmperf_dataset_builtin(&ds, "medium"), LLMPERF_OK);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 3);
    assert_int_equal(llmperf_runner_run(e.r, ds, collect, e.g), LLMPERF_OK);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_VARY_PROMPTS, 1);
    assert_int_equal(llmperf_runner_run(e.r, ds, collect, e.g), LLMPERF_OK);
    assert_int_equal(e.g->n, 6);
    lines = mock_log(&e.m, 6, &n);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        int64_t cached = jint(lines[i], "cached_tokens");
        int64_t prompt = jint(lines[i], "prompt_tokens");

        if (i >= 1 && i < 3 && cached < prompt / 2)
            fail_msg("repeat %zu: %lld of %lld tokens cached", i,
                     (long long)cached, (long long)prompt);
        if (i >= 3 && cached > 2)
            fail_msg("varied %zu: %lld tokens cached", i, (long long)cached);
    }
    log_free(lines, n);
    llmperf_dataset_free(ds);
    env_stop(&e);
}

/* Conversations: the chat backends send the item's messages (with the
 * prefix on the first), the others the last user message. */
static void test_messages(void **state)
{
    static const char msgs[] =
        "[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        "{\"role\":\"user\",\"content\":\"hello there\"}]";
    struct mock m;
    llmperf_client *c;
    llmperf__request req;
    CURL *easy = curl_easy_init();
    struct env e;
    char path[64], line[512], err[128];
    llmperf_dataset *ds = NULL;
    json_object **lines;
    size_t n;
    FILE *f;
    int fd;

    (void)state;
    assert_non_null(easy);
    memset(&m, 0, sizeof(m));
    snprintf(m.url, sizeof(m.url), "http://127.0.0.1:9");
    c = client_for(&m, LLMPERF_BACKEND_OPENAI_CHAT, NULL, 1000);
    assert_int_equal(llmperf__request_init_item(&req, c, easy, "[p] ",
                                                "hello there", msgs, 7, NULL,
                                                NULL),
                     LLMPERF_OK);
    assert_non_null(strstr(req.body,
                           "\"messages\":[{\"role\":\"system\","
                           "\"content\":\"[p] Be brief.\"},{\"role\":"
                           "\"user\",\"content\":\"hello there\"}]"));
    assert_non_null(strstr(req.body, "\"max_tokens\":7"));
    llmperf__request_cleanup(&req);
    /* not an array: refused */
    assert_int_equal(llmperf__request_init_item(&req, c, easy, NULL, "x",
                                                "{\"a\":1}", -1, NULL, NULL),
                     LLMPERF_EINVAL);
    llmperf_client_free(c);
    c = client_for(&m, LLMPERF_BACKEND_OPENAI, NULL, 1000);
    assert_int_equal(llmperf__request_init_item(&req, c, easy, "[p] ",
                                                "hello there", msgs, -1,
                                                NULL, NULL),
                     LLMPERF_OK);
    assert_non_null(strstr(req.body, "\"prompt\":\"[p] hello there\""));
    assert_null(strstr(req.body, "Be brief"));
    llmperf__request_cleanup(&req);
    llmperf_client_free(c);
    curl_easy_cleanup(easy);

    /* end to end: the mock counts the system message's tokens too */
    snprintf(path, sizeof(path), "/tmp/llmperf-msgs-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    snprintf(line, sizeof(line), "{\"messages\":%s}\n", msgs);
    fputs(line, f);
    fputs("{\"prompt\":\"hello there\"}\n", f);
    fclose(f);
    assert_int_equal(llmperf_dataset_load_jsonl(&ds, path, 0, err,
                                                sizeof(err)),
                     LLMPERF_OK);
    unlink(path);
    env_start(&e, NULL, LLMPERF_BACKEND_OPENAI_CHAT, NULL, 5000);
    assert_int_equal(llmperf_runner_run(e.r, ds, collect, e.g), LLMPERF_OK);
    assert_int_equal(e.g->n, 2);
    lines = mock_log(&e.m, 2, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(geti(e.g->r[i], LLMPERF_RESULT_STATUS), LLMPERF_OK);
    {
        int64_t a = jint(log_find(lines, n, gets_(e.g->r[0],
                                                  LLMPERF_RESULT_REQUEST_ID)),
                         "prompt_tokens");
        int64_t b = jint(log_find(lines, n, gets_(e.g->r[1],
                                                  LLMPERF_RESULT_REQUEST_ID)),
                         "prompt_tokens");

        if (e.g->item[0] == 1) {
            int64_t t = a;

            a = b;
            b = t;
        }
        /* "Be brief." adds its words, its "." and a message frame */
        assert_true(a >= b + 3);
    }
    log_free(lines, n);
    llmperf_dataset_free(ds);
    env_stop(&e);
}

/* ---- arguments ---------------------------------------------------------- */

static int reenter(llmperf_result *r, size_t item, void *ud)
{
    struct got *g = ud;

    (void)item;
    llmperf_result_free(r);
    assert_int_equal(llmperf_runner_run(g->runner, g->ds, NULL, NULL),
                     LLMPERF_ESTATE);
    assert_int_equal(llmperf_runner_set_double(g->runner,
                                               LLMPERF_RUNNER_RATE, 1.0),
                     LLMPERF_ESTATE);
    assert_int_equal(llmperf_runner_set_progress(g->runner, NULL, NULL),
                     LLMPERF_ESTATE);
    g->n++;
    return 0;
}

static void test_arguments(void **state)
{
    struct mock m;
    llmperf_client *c;
    llmperf_runner *r = NULL;
    llmperf_dataset *empty = NULL;
    int64_t v;
    double d;

    (void)state;
    memset(&m, 0, sizeof(m));
    snprintf(m.url, sizeof(m.url), "http://127.0.0.1:9");
    c = client_for(&m, LLMPERF_BACKEND_OPENAI, NULL, 1000);
    assert_int_equal(llmperf_runner_new(NULL, c), LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_new(&r, NULL), LLMPERF_EINVAL);
    assert_null(r);
    assert_int_equal(llmperf_runner_new(&r, c), LLMPERF_OK);
    /* wrong ranges, wrong setters, unknown ids */
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_CONCURRENCY,
                                            -1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_CONCURRENCY,
                                            1000001),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_ARRIVAL, 4),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_DRAIN, 2),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(r,
                                            LLMPERF_RUNNER_PROGRESS_INTERVAL_MS,
                                            0),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_RATE, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(r, 999, 1), LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(NULL, LLMPERF_RUNNER_REQUESTS,
                                            1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_int(r, LLMPERF_RUNNER_SEED, -5),
                     LLMPERF_OK);
    assert_int_equal(llmperf_runner_set_double(r, LLMPERF_RUNNER_RATE, -1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_double(r, LLMPERF_RUNNER_RATE, NAN),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_double(r, LLMPERF_RUNNER_RATE,
                                               INFINITY),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_double(r, LLMPERF_RUNNER_BURSTINESS,
                                               0),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_double(r,
                                               LLMPERF_RUNNER_CONCURRENCY,
                                               1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_set_progress(NULL, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_stat_i64(r, 0, &v), LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_stat_i64(r, LLMPERF_RUNNER_STAT_SENT,
                                             NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_stat_f64(r, 1003, &d), LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_stat_f64(r,
                                             LLMPERF_RUNNER_STAT_TOKENS_PER_S,
                                             &d),
                     LLMPERF_OK);
    assert_true(d == 0.0);
    /* an empty dataset or none */
    assert_int_equal(llmperf_dataset_new(&empty), LLMPERF_OK);
    assert_int_equal(llmperf_runner_run(r, empty, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_runner_run(r, NULL, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_string_equal(llmperf_runner_errmsg(r), "");
    assert_string_equal(llmperf_runner_errmsg(NULL), "");
    llmperf_dataset_free(empty);
    llmperf_runner_free(r);
    llmperf_runner_free(NULL);
    llmperf_client_free(c);
}

/* Connection refused (port 9 on loopback): every request fails with the
 * connect class; a re-entrant run from the callback is refused. */
static void test_refused_and_reentry(void **state)
{
    struct mock m;
    llmperf_client *c;
    llmperf_runner *r = NULL;
    llmperf_dataset *ds = small_dataset(2);
    struct got *g = calloc(1, sizeof(*g));

    (void)state;
    assert_non_null(g);
    memset(&m, 0, sizeof(m));
    snprintf(m.url, sizeof(m.url), "http://127.0.0.1:9");
    c = client_for(&m, LLMPERF_BACKEND_OPENAI, NULL, 1000);
    r = runner_for(c);
    g->runner = r;
    g->ds = ds;
    llmperf_runner_set_int(r, LLMPERF_RUNNER_REQUESTS, 4);
    llmperf_runner_set_int(r, LLMPERF_RUNNER_CONCURRENCY, 2);
    assert_int_equal(llmperf_runner_run(r, ds, collect, g), LLMPERF_OK);
    assert_int_equal(g->n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(geti(g->r[i], LLMPERF_RESULT_STATUS),
                         LLMPERF_ECONNECT);
        assert_string_equal(gets_(g->r[i], LLMPERF_RESULT_ERROR_CLASS),
                            "connect");
    }
    assert_int_equal(stat_(r, LLMPERF_RUNNER_STAT_FAILED), 4);
    assert_int_equal(stat_(r, LLMPERF_RUNNER_STAT_TRANSPORT),
                     transport_used());
    got_free(g);
    assert_int_equal(llmperf_runner_run(r, ds, reenter, g), LLMPERF_OK);
    assert_int_equal(g->n, 4);
    g->n = 0;
    llmperf_runner_free(r);
    llmperf_client_free(c);
    llmperf_dataset_free(ds);
    free(g);
}

/* Allocation failures at any point of a run: the run ends with ENOMEM
 * (or completes), and every request sent is still delivered once. */
static void test_alloc_failures(void **state)
{
    static const long points[] = {1, 2, 3, 5, 8, 13, 21, 40, 80, 160, 320};
    struct env e;
    int enomem = 0;

    (void)state;
    env_start(&e, NULL, LLMPERF_BACKEND_OPENAI, NULL, 5000);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_CONCURRENCY, 3);
    llmperf_runner_set_int(e.r, LLMPERF_RUNNER_REQUESTS, 6);
    for (size_t k = 0; k < sizeof(points) / sizeof(points[0]); k++) {
        int rc;

        got_free(e.g);
        llmperf__alloc_fail_after(points[k]);
        rc = llmperf_runner_run(e.r, e.ds, collect, e.g);
        llmperf__alloc_fail_after(0);
        if (rc != LLMPERF_OK && rc != LLMPERF_ENOMEM)
            fail_msg("after %ld allocations: %s", points[k],
                     llmperf_strerror(rc));
        if (rc == LLMPERF_ENOMEM) {
            assert_true(llmperf_runner_errmsg(e.r)[0] != '\0');
            enomem++;
        }
        assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_SENT),
                         (int64_t)e.g->n);
        assert_int_equal(stat_(e.r, LLMPERF_RUNNER_STAT_COMPLETED) +
                             stat_(e.r, LLMPERF_RUNNER_STAT_FAILED),
                         (int64_t)e.g->n);
    }
    assert_true(enomem >= 3);
    /* and the runner still works afterwards */
    got_free(e.g);
    assert_int_equal(llmperf_runner_run(e.r, e.ds, collect, e.g),
                     LLMPERF_OK);
    assert_int_equal(e.g->n, 6);
    env_stop(&e);
}

int main(void)
{
    const char *t = getenv("LLMPERF_TEST_TRANSPORT");

    if (t != NULL && strcmp(t, "curl") == 0)
        transport_ = LLMPERF_TRANSPORT_CURL;
    else if (t != NULL && strcmp(t, "native") == 0)
        transport_ = LLMPERF_TRANSPORT_NATIVE;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_constant),
        cmocka_unit_test(test_schedule_poisson),
        cmocka_unit_test(test_schedule_gamma),
        cmocka_unit_test(test_schedule_no_drift),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_refused_and_reentry),
        cmocka_unit_test(test_closed_loop),
        cmocka_unit_test(test_open_loop_rate),
        cmocka_unit_test(test_open_loop_cap),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_warmup),
        cmocka_unit_test(test_stop_from_callbacks),
        cmocka_unit_test(test_stop_from_signal),
        cmocka_unit_test(test_faults_by_header),
        cmocka_unit_test(test_faults_mixed),
        cmocka_unit_test(test_server_timings),
        cmocka_unit_test(test_synthetic_tokens),
        cmocka_unit_test(test_vary_prompts),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_alloc_failures),
    };

    curl_global_init(CURL_GLOBAL_ALL);
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
