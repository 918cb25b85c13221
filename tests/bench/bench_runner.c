/* SPDX-License-Identifier: MIT */
/*
 * bench_runner.c -- the runner's accuracy and cost against llmperf-mock's
 * ground truth. For each number of concurrent streams (closed loop) and
 * for an open-loop run it prints:
 *
 *   - timing error: the arrival time the client recorded for each content
 *     chunk (llmperf_result_chunks) minus the instant the mock wrote that
 *     chunk (its --log, same CLOCK_MONOTONIC), matched by X-Request-Id
 *     and chunk index: p50 / p99 / max;
 *   - client CPU seconds per million output tokens (getrusage of this
 *     process only; the mock is a child whose CPU is read from /proc);
 *   - peak RSS growth during the run per request in flight;
 *   - open loop: the achieved request rate (sent), the rate of the
 *     schedule itself, and the p99 / max client lag.
 *
 *   bench_runner [--mock PATH] [--streams 1,100,1000,10000]
 *                [--rate 500] [--seconds 60] [--arrival poisson|constant]
 *                [--decode-ms 10] [--tokens 100] [--dump FILE]
 *                [--no-open] [--no-closed] [--pin CPU]
 *                [--transport auto|curl|native] [--mock-nice N]
 *
 * --pin CPU puts the mock on that CPU and the client on the next one, so
 * that neither preempts the other (the machine needs two free CPUs).
 *
 * Chunk timelines are spooled to an unlinked temporary file during the
 * run (freed results, no growth of this process's memory), then matched
 * against the log afterwards.
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "llmperf/llmperf.h"

#ifndef LLMPERF_MOCK
#define LLMPERF_MOCK "llmperf-mock"
#endif

#define MS INT64_C(1000000)

static const char *mock_path = LLMPERF_MOCK;
static char decode_ms[16] = "10";   /* --decode-ms */
static char out_tokens[32] = "fixed:100";
static int64_t n_tokens = 100;     /* --tokens */
static FILE *dump;                 /* --dump: "write_ns error_ns" lines */
static int64_t transport = LLMPERF_TRANSPORT_AUTO; /* --transport */
static int mock_nice;              /* --mock-nice: the mock's nice value */
static int pin = -1;               /* --pin: mock on CPU pin, client on
                                    * the next one */

/* Put the calling process on one CPU (--pin); a failure is reported and
 * the run goes on unpinned. */
static void pin_to(int cpu)
{
    cpu_set_t set;

    if (pin < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        perror("sched_setaffinity");
}

/* ---- the mock ----------------------------------------------------------- */

struct mock {
    pid_t pid;
    int port;
    char log[64];
};

static int mock_start(struct mock *m)
{
    const char *argv[] = {mock_path, "--port", "0", "--log", m->log,
                          "--prefill-base-ms", "50",
                          "--prefill-ms-per-token", "0",
                          "--decode-ms-per-token", decode_ms,
                          "--batch-factor", "0", "--jitter", "0",
                          "--output-tokens", out_tokens, "--load-ms", "0",
                          "--slots", "100000", "--any-model", NULL};
    int pipefd[2], fd;
    char line[256];
    size_t got = 0;
    const char *c;

    snprintf(m->log, sizeof(m->log), "/tmp/bench-runner-log-XXXXXX");
    fd = mkstemp(m->log);
    if (fd < 0 || pipe(pipefd) != 0)
        return -1;
    close(fd);
    m->pid = fork();
    if (m->pid < 0)
        return -1;
    if (m->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        pin_to(pin);
        if (mock_nice != 0 && setpriority(PRIO_PROCESS, 0, mock_nice) != 0)
            perror("setpriority");
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    while (got + 1 < sizeof(line)) {
        struct pollfd pf = {pipefd[0], POLLIN, 0};

        if (poll(&pf, 1, 10000) <= 0 || read(pipefd[0], line + got, 1) != 1)
            break;
        if (line[got++] == '\n')
            break;
    }
    line[got] = '\0';
    close(pipefd[0]);
    c = strrchr(line, ':');
    if (strncmp(line, "llmperf-mock listening on ", 26) != 0 || c == NULL) {
        fprintf(stderr, "mock did not start: %s\n", line);
        return -1;
    }
    m->port = atoi(c + 1);
    return 0;
}

static void mock_stop(struct mock *m)
{
    int st;

    kill(m->pid, SIGTERM);
    waitpid(m->pid, &st, 0);
}

/* utime + stime of a process in seconds (/proc/PID/stat). */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[2048], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the name may hold spaces */
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Resident set in bytes now. */
static int64_t rss_now(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = 0;
    fclose(f);
    return (int64_t)res * sysconf(_SC_PAGESIZE);
}

/* The 1-minute load average, to show how busy the machine was. */
static double loadavg(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");

    if (f != NULL) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

/* ---- spooling results --------------------------------------------------- */

struct run {
    FILE *spool;
    int64_t rss_base, rss_peak, inflight_max;
    size_t ok, failed;
};

static int on_result(llmperf_result *r, size_t item, void *ud)
{
    struct run *run = ud;
    const char *id = "";
    const int64_t *t = NULL;
    size_t n = 0;
    int64_t st = -1, sched = 0, sent = 0;
    uint32_t len, nn;

    (void)item;
    llmperf_result_get_i64(r, LLMPERF_RESULT_STATUS, &st);
    llmperf_result_get_i64(r, LLMPERF_RESULT_SCHEDULED_NS, &sched);
    llmperf_result_get_i64(r, LLMPERF_RESULT_SENT_NS, &sent);
    llmperf_result_get_str(r, LLMPERF_RESULT_REQUEST_ID, &id);
    llmperf_result_chunks(r, &t, NULL, &n);
    if (st == LLMPERF_OK)
        run->ok++;
    else
        run->failed++;
    len = (uint32_t)strlen(id);
    nn = (uint32_t)n;
    fwrite(&len, sizeof(len), 1, run->spool);
    fwrite(id, 1, len, run->spool);
    fwrite(&st, sizeof(st), 1, run->spool);
    fwrite(&sched, sizeof(sched), 1, run->spool);
    fwrite(&sent, sizeof(sent), 1, run->spool);
    fwrite(&nn, sizeof(nn), 1, run->spool);
    if (n > 0)
        fwrite(t, sizeof(*t), n, run->spool);
    llmperf_result_free(r);
    return 0;
}

static int on_progress(llmperf_runner *runner, void *ud)
{
    struct run *run = ud;
    int64_t rss = rss_now(), inflight = 0;

    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_IN_FLIGHT,
                            &inflight);
    if (inflight > run->inflight_max)
        run->inflight_max = inflight;
    if (rss > run->rss_peak)
        run->rss_peak = rss;
    return 0;
}

/* ---- matching ------------------------------------------------------------ */

struct rec {
    char *id;
    int64_t status, sched, sent;
    uint32_t n;
    int64_t *t;
};

struct table {
    struct rec *recs;
    size_t n;
    size_t *slots; /* open addressing: index + 1, 0 empty */
    size_t cap;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);

    while (*s)
        h = (h ^ (unsigned char)*s++) * UINT64_C(1099511628211);
    return h;
}

static void table_load(struct table *tb, FILE *f)
{
    uint32_t len;
    size_t cap = 1024;

    memset(tb, 0, sizeof(*tb));
    tb->recs = malloc(cap * sizeof(*tb->recs));
    rewind(f);
    while (fread(&len, sizeof(len), 1, f) == 1) {
        struct rec *r;

        if (tb->n == cap) {
            cap *= 2;
            tb->recs = realloc(tb->recs, cap * sizeof(*tb->recs));
        }
        r = &tb->recs[tb->n++];
        r->id = malloc(len + 1);
        if (fread(r->id, 1, len, f) != len ||
            fread(&r->status, sizeof(r->status), 1, f) != 1 ||
            fread(&r->sched, sizeof(r->sched), 1, f) != 1 ||
            fread(&r->sent, sizeof(r->sent), 1, f) != 1 ||
            fread(&r->n, sizeof(r->n), 1, f) != 1)
            abort();
        r->id[len] = '\0';
        r->t = malloc((r->n + 1) * sizeof(*r->t));
        if (r->n > 0 && fread(r->t, sizeof(*r->t), r->n, f) != r->n)
            abort();
    }
    tb->cap = 1;
    while (tb->cap < tb->n * 2 + 2)
        tb->cap *= 2;
    tb->slots = calloc(tb->cap, sizeof(*tb->slots));
    for (size_t i = 0; i < tb->n; i++) {
        size_t h = (size_t)fnv(tb->recs[i].id) & (tb->cap - 1);

        while (tb->slots[h] != 0)
            h = (h + 1) & (tb->cap - 1);
        tb->slots[h] = i + 1;
    }
}

static struct rec *table_find(struct table *tb, const char *id)
{
    size_t h = (size_t)fnv(id) & (tb->cap - 1);

    while (tb->slots[h] != 0) {
        struct rec *r = &tb->recs[tb->slots[h] - 1];

        if (strcmp(r->id, id) == 0)
            return r;
        h = (h + 1) & (tb->cap - 1);
    }
    return NULL;
}

static void table_free(struct table *tb)
{
    for (size_t i = 0; i < tb->n; i++) {
        free(tb->recs[i].id);
        free(tb->recs[i].t);
    }
    free(tb->recs);
    free(tb->slots);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

static int64_t pct(const int64_t *v, size_t n, double q)
{
    size_t i;

    if (n == 0)
        return 0;
    i = (size_t)(q / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

struct errs {
    int64_t *v;
    size_t n, cap;
    int64_t *first;    /* errors of each request's first chunk */
    size_t n_first;
    size_t matched, mismatched, missing;
    int64_t neg;
};

static void errs_add(struct errs *e, int64_t x)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 65536;
        e->v = realloc(e->v, e->cap * sizeof(*e->v));
    }
    e->v[e->n++] = x;
    if (x < 0)
        e->neg++;
}

/* Match every OK result's chunks with the mock's writes of that request:
 * the mock's chunks carrying tokens, in order. */
static void match_log(const char *path, struct table *tb, struct errs *e)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    json_tokener *tok = json_tokener_new();

    memset(e, 0, sizeof(*e));
    while (f != NULL && (len = getline(&line, &cap, f)) > 0) {
        json_object *o, *id, *ns, *tk;
        struct rec *r;
        size_t k = 0, n;

        json_tokener_reset(tok);
        o = json_tokener_parse_ex(tok, line, (int)len);
        if (o == NULL)
            continue;
        if (json_object_object_get_ex(o, "request_id", &id) &&
            json_object_object_get_ex(o, "chunk_ns", &ns) &&
            json_object_object_get_ex(o, "chunk_tokens", &tk) &&
            (r = table_find(tb, json_object_get_string(id))) != NULL &&
            r->status == LLMPERF_OK) {
            n = json_object_array_length(ns);
            for (size_t i = 0; i < n && k < r->n; i++) {
                int64_t w = json_object_get_int64(
                    json_object_array_get_idx(ns, i));

                if (json_object_get_int64(json_object_array_get_idx(tk, i)) <=
                    0)
                    continue;
                if (k == 0) {
                    e->first = realloc(e->first, (e->n_first + 1) *
                                                     sizeof(*e->first));
                    e->first[e->n_first++] = r->t[0] - w;
                }
                if (dump != NULL)
                    fprintf(dump, "%lld %lld\n", (long long)w,
                            (long long)(r->t[k] - w));
                errs_add(e, r->t[k++] - w);
            }
            if (k == r->n)
                e->matched++;
            else
                e->mismatched++;
        }
        json_object_put(o);
    }
    free(line);
    json_tokener_free(tok);
    if (f != NULL)
        fclose(f);
    qsort(e->v, e->n, sizeof(*e->v), cmp64);
    qsort(e->first, e->n_first, sizeof(*e->first), cmp64);
}

/* ---- one run ------------------------------------------------------------ */

struct cfg {
    int64_t streams;    /* closed loop: users */
    int64_t requests;
    double rate;        /* > 0: open loop */
    int64_t seconds;
    int arrival;
};

static void run_one_here(const struct cfg *c);

/* Each configuration runs in a fresh child process, so that its peak RSS
 * and CPU time are its own, not inherited from the previous run's heap. */
static void run_one(const struct cfg *c)
{
    pid_t pid;
    int st;

    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        pin_to(pin + 1);
        run_one_here(c);
        fflush(stdout);
        if (dump != NULL)
            fflush(dump);
        exit(0);
    }
    waitpid(pid, &st, 0);
}

static void run_one_here(const struct cfg *c)
{
    struct mock m;
    llmperf_config *cfg = NULL;
    llmperf_client *client = NULL;
    llmperf_runner *runner = NULL;
    llmperf_dataset *ds = NULL;
    struct run run;
    struct table tb;
    struct errs e;
    char url[64];
    double cpu0, cpu1, mcpu0, mcpu1, secs, load0;
    int64_t t0, t1, tokens = 0, maxlag = 0, used = 0, readdelay = 0;
    int rc;

    memset(&run, 0, sizeof(run));
    if (mock_start(&m) != 0)
        exit(1);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", m.port);
    if (llmperf_config_new(&cfg, LLMPERF_BACKEND_OPENAI) ||
        llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL, url) ||
        llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, "bench") ||
        llmperf_config_set_int(cfg, LLMPERF_OPT_MAX_TOKENS, n_tokens) ||
        llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 1) ||
        llmperf_config_set_int(cfg, LLMPERF_OPT_CONNECT_TIMEOUT_MS, 60000) ||
        llmperf_client_new(&client, cfg) ||
        llmperf_runner_new(&runner, client) ||
        llmperf_runner_set_int(runner, LLMPERF_RUNNER_TRANSPORT, transport) ||
        llmperf_dataset_synthetic(&ds, 64, 32, n_tokens, 1)) {
        fprintf(stderr, "setup failed\n");
        exit(1);
    }
    llmperf_config_free(cfg);
    if (c->rate > 0) {
        llmperf_runner_set_double(runner, LLMPERF_RUNNER_RATE, c->rate);
        llmperf_runner_set_int(runner, LLMPERF_RUNNER_ARRIVAL, c->arrival);
        llmperf_runner_set_int(runner, LLMPERF_RUNNER_DURATION_MS,
                               c->seconds * 1000);
        llmperf_runner_set_int(runner, LLMPERF_RUNNER_SEED, 1);
    } else {
        llmperf_runner_set_int(runner, LLMPERF_RUNNER_CONCURRENCY,
                               c->streams);
        llmperf_runner_set_int(runner, LLMPERF_RUNNER_REQUESTS, c->requests);
    }
    llmperf_runner_set_int(runner, LLMPERF_RUNNER_PROGRESS_INTERVAL_MS, 100);
    llmperf_runner_set_progress(runner, on_progress, &run);
    run.spool = tmpfile();
    if (run.spool == NULL) {
        perror("tmpfile");
        exit(1);
    }
    load0 = loadavg();
    run.rss_base = rss_now();
    cpu0 = self_cpu_s();
    mcpu0 = proc_cpu_s(m.pid);
    t0 = llmperf_now_ns();
    rc = llmperf_runner_run(runner, ds, on_result, &run);
    t1 = llmperf_now_ns();
    cpu1 = self_cpu_s();
    mcpu1 = proc_cpu_s(m.pid);
    if (rc != LLMPERF_OK)
        fprintf(stderr, "run: %s %s\n", llmperf_strerror(rc),
                llmperf_runner_errmsg(runner));
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_OUTPUT_TOKENS,
                            &tokens);
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_MAX_LAG_NS, &maxlag);
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_TRANSPORT, &used);
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_MAX_READ_DELAY_NS,
                            &readdelay);
    llmperf_runner_free(runner);
    llmperf_client_free(client);
    llmperf_dataset_free(ds);
    {
        /* the log lines of the last requests are written as they end */
        struct timespec ts = {0, 300 * 1000000L};

        nanosleep(&ts, NULL);
    }
    mock_stop(&m);
    fflush(run.spool);
    table_load(&tb, run.spool);
    fclose(run.spool);
    secs = (double)(t1 - t0) / 1e9;
    match_log(m.log, &tb, &e);
    unlink(m.log);
    printf("%s %lld | req %zu ok %zu fail %zu | wall %.1f s | load "
           "average %.2f before, %.2f after\n",
           c->rate > 0 ? "open-loop rate" : "streams",
           c->rate > 0 ? (long long)c->rate : (long long)c->streams,
           tb.n, run.ok, run.failed, secs, load0, loadavg());
    printf("  timing error (client - mock) over %zu chunks of %zu requests"
           " (%zu unmatched): p50 %.3f ms  p99 %.3f ms  max %.3f ms"
           "  (min %.3f ms, %lld negative)\n",
           e.n, e.matched, e.mismatched, pct(e.v, e.n, 50) / 1e6,
           pct(e.v, e.n, 99) / 1e6, e.n ? e.v[e.n - 1] / 1e6 : 0.0,
           e.n ? e.v[0] / 1e6 : 0.0, (long long)e.neg);
    printf("  first chunks only: p50 %.3f ms  p99 %.3f ms\n",
           pct(e.first, e.n_first, 50) / 1e6,
           pct(e.first, e.n_first, 99) / 1e6);
    printf("  transport %s; largest delay from kernel arrival to read "
           "%.3f ms\n",
           used == LLMPERF_TRANSPORT_NATIVE ? "native (kernel receive "
                                              "timestamps)"
                                            : "curl (time of the read)",
           (double)readdelay / 1e6);
    printf("  client CPU %.2f s for %lld tokens = %.2f s per million tokens"
           "; mock CPU %.2f s\n",
           cpu1 - cpu0, (long long)tokens,
           tokens > 0 ? (cpu1 - cpu0) / (double)tokens * 1e6 : 0.0,
           mcpu1 - mcpu0);
    /* freed memory stays in the heap: the peak belongs to the most
     * requests ever in flight at once */
    printf("  peak RSS +%.1f MiB over the start, max in flight %lld = "
           "%.1f KiB per stream\n",
           (double)(run.rss_peak - run.rss_base) / 1048576.0,
           (long long)run.inflight_max,
           run.inflight_max > 0
               ? (double)(run.rss_peak - run.rss_base) / 1024.0 /
                     (double)run.inflight_max
               : 0.0);
    if (c->rate > 0) {
        int64_t s0 = INT64_MAX, s1 = 0, p0 = INT64_MAX, p1 = 0;
        int64_t *lags = malloc((tb.n + 1) * sizeof(*lags));

        for (size_t i = 0; i < tb.n; i++) {
            struct rec *r = &tb.recs[i];

            s0 = r->sent < s0 ? r->sent : s0;
            s1 = r->sent > s1 ? r->sent : s1;
            p0 = r->sched < p0 ? r->sched : p0;
            p1 = r->sched > p1 ? r->sched : p1;
            lags[i] = r->sent - r->sched;
        }
        qsort(lags, tb.n, sizeof(*lags), cmp64);
        printf("  achieved %.2f req/s sent (target %.0f; the schedule "
               "itself %.2f req/s); client lag p50 %.3f ms p99 %.3f ms "
               "max %.3f ms\n",
               (double)(tb.n - 1) / ((double)(s1 - s0) / 1e9), c->rate,
               (double)(tb.n - 1) / ((double)(p1 - p0) / 1e9),
               pct(lags, tb.n, 50) / 1e6, pct(lags, tb.n, 99) / 1e6,
               (double)maxlag / 1e6);
        free(lags);
    }
    fflush(stdout);
    free(e.v);
    free(e.first);
    table_free(&tb);
}

int main(int argc, char **argv)
{
    const char *streams = "1,100,1000,10000";
    double rate = 500;
    int64_t seconds = 60;
    int arrival = LLMPERF_ARRIVAL_POISSON, open = 1, closed = 1;
    struct rlimit rl;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mock") == 0 && i + 1 < argc)
            mock_path = argv[++i];
        else if (strcmp(argv[i], "--streams") == 0 && i + 1 < argc)
            streams = argv[++i];
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atoll(argv[++i]);
        else if (strcmp(argv[i], "--arrival") == 0 && i + 1 < argc)
            arrival = strcmp(argv[++i], "constant") == 0
                          ? LLMPERF_ARRIVAL_CONSTANT
                          : LLMPERF_ARRIVAL_POISSON;
        else if (strcmp(argv[i], "--decode-ms") == 0 && i + 1 < argc)
            snprintf(decode_ms, sizeof(decode_ms), "%s", argv[++i]);
        else if (strcmp(argv[i], "--tokens") == 0 && i + 1 < argc) {
            n_tokens = atoll(argv[++i]);
            snprintf(out_tokens, sizeof(out_tokens), "fixed:%lld",
                     (long long)n_tokens);
        } else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            dump = fopen(argv[++i], "w");
            if (dump == NULL) {
                perror(argv[i]);
                return 1;
            }
        } else if (strcmp(argv[i], "--no-open") == 0)
            open = 0;
        else if (strcmp(argv[i], "--no-closed") == 0)
            closed = 0;
        else if (strcmp(argv[i], "--transport") == 0 && i + 1 < argc) {
            i++;
            transport = strcmp(argv[i], "curl") == 0 ? LLMPERF_TRANSPORT_CURL
                        : strcmp(argv[i], "native") == 0
                            ? LLMPERF_TRANSPORT_NATIVE
                            : LLMPERF_TRANSPORT_AUTO;
        } else if (strcmp(argv[i], "--mock-nice") == 0 && i + 1 < argc)
            mock_nice = atoi(argv[++i]);
        else if (strcmp(argv[i], "--pin") == 0 && i + 1 < argc)
            pin = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: %s [--mock PATH] [--streams 1,100,...] "
                    "[--rate R] [--seconds S] [--arrival poisson|constant] "
                    "[--decode-ms MS] [--tokens N] [--dump FILE] "
                    "[--no-open] [--no-closed] [--pin CPU] "
                    "[--transport auto|curl|native] [--mock-nice N]\n",
                    argv[0]);
            return 2;
        }
    }
    /* 10,000 streams need 10,000 descriptors here and in the mock (which
     * inherits the limit). */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    llmperf_global_init();
    printf("mock: TTFT 50 ms, %s ms per token, %lld tokens, openai SSE, "
           "loopback; RLIMIT_NOFILE %llu\n",
           decode_ms, (long long)n_tokens, (unsigned long long)rl.rlim_cur);
    for (const char *p = streams; closed && *p != '\0';) {
        struct cfg c;

        memset(&c, 0, sizeof(c));
        c.streams = atoll(p);
        /* two requests per stream (the second on a kept-alive
         * connection); a single stream runs 20 */
        c.requests = c.streams == 1 ? 20 : 2 * c.streams;
        if (c.streams > 0)
            run_one(&c);
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    if (open) {
        struct cfg c;

        memset(&c, 0, sizeof(c));
        c.rate = rate;
        c.seconds = seconds;
        c.arrival = arrival;
        run_one(&c);
    }
    llmperf_global_cleanup();
    if (dump != NULL)
        fclose(dump);
    return 0;
}
