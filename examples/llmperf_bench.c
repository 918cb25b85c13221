/* SPDX-License-Identifier: MIT */
/*
 * llmperf_bench.c -- llmperf-bench: run a benchmark or a sweep against an
 * LLM inference server and write records.jsonl, records.csv,
 * summary.json and report.html. Without --url it starts llmperf-mock on
 * a loopback port and benchmarks that, so a machine with no GPU and no
 * server still produces a full report. docs/CLI.md is the manual.
 *
 * A thin program over the public API: the runner sends, the writers
 * record, the accumulator computes, the report draws. This file only
 * parses flags, walks the sweep and prints.
 */
#include "progs_common.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MODELS 16

/* Settings of llmperf-mock when llmperf-bench starts it itself: fast
 * enough that the default sweep takes a few seconds. */
static const char *const mock_args[] = {
    "--port", "0", "--load-ms", "50", "--decode-ms-per-token", "2",
    "--output-tokens", "normal:64:16", "--any-model", NULL};

struct opts {
    const char *backend;
    const char *url;
    const char *models[MAX_MODELS];
    size_t n_models;
    const char *api_key_env;
    const char *prompts;
    const char *synthetic;
    const char *sizes;
    int64_t num_prompts; /* -1: default */
    int64_t iterations;
    int64_t *conc;
    size_t n_conc;
    double *rate;
    size_t n_rate;
    double burstiness; /* NAN: Poisson */
    double duration_s;
    int64_t *max_tokens;
    size_t n_max_tokens;
    int ignore_eos;
    int64_t warmup;
    int vary_prompts;
    int64_t transport; /* LLMPERF_TRANSPORT_* */
    double timeout_s;
    int64_t seed;
    int64_t slo_ttft_ns, slo_tpot_ns, slo_e2el_ns; /* -1: none */
    double *pct;
    size_t n_pct;
    const char *out;
    int quiet;
};

/* State the signal handler and the callbacks reach. */
static llmperf_runner *volatile g_runner;
static volatile sig_atomic_t g_interrupts;
static volatile pid_t g_mock_pid;

struct run_ctx {
    const llmperf_dataset *ds;
    llmperf_writer *jsonl;
    llmperf_writer *csv;
    llmperf_metrics *m;
    const char *group;
    int64_t expected; /* requests of this point, 0 if by duration */
    double duration_s;
    int tty;
    int quiet;
    int64_t last_line_ns;
    int64_t seen, connect_failures;
    int write_failed;
    int all_refused; /* the first requests all failed to connect */
};

static void usage(FILE *f)
{
    fprintf(f,
"usage: llmperf-bench [options]\n"
"Benchmark an LLM inference server; without --url, a built-in llmperf-mock.\n"
"\n"
"Server:\n"
"  --backend NAME      protocol: ollama, ollama-chat, openai, openai-chat,\n"
"                      llamacpp, tgi (default openai-chat; vLLM, SGLang use\n"
"                      openai or openai-chat)\n"
"  --url URL           server base URL, e.g. http://127.0.0.1:8000 (default:\n"
"                      start llmperf-mock on a free loopback port)\n"
"  --model NAME        model to request; repeat for several models, one\n"
"                      sweep each (default: none, or llmperf-mock)\n"
"  --api-key-env VAR   send the API key held in environment variable VAR\n"
"Prompts (one of; default --sizes small,medium,large,xlarge, or small with\n"
"the built-in mock):\n"
"  --prompts FILE      JSONL prompts, one object per line:\n"
"                      {\"prompt\": ...} or {\"messages\": [...]}\n"
"  --synthetic IN:OUT  generated prompts of IN tokens asking for OUT tokens\n"
"  --sizes LIST        built-in prompts: small,medium,large,xlarge\n"
"  --num-prompts N     requests per iteration of each point: the first N\n"
"                      lines of --prompts (default all), N synthetic prompts\n"
"                      (default 100), or --sizes cycled (default the larger\n"
"                      of 8 and 4 x concurrency); lists wrap around\n"
"  --iterations N      repeat each prompt N times (default 1); per-prompt\n"
"                      repeatability needs N >= 2\n"
"Load (LIST = comma-separated; lists form a sweep, one group per point):\n"
"  --concurrency LIST  users in the closed loop, or the in-flight cap with\n"
"                      --rate (default 1; 1,4 with the built-in mock)\n"
"  --rate LIST         open-loop arrivals in requests/s; 0 = closed loop\n"
"                      (default 0)\n"
"  --burstiness F      gamma arrivals of shape F (1 = Poisson, < 1 burstier);\n"
"                      default: Poisson\n"
"  --duration S        seconds per point instead of a request count\n"
"                      (default 0: the count)\n"
"  --max-tokens LIST   output tokens asked for (default 128; 64 with the\n"
"                      built-in mock)\n"
"  --ignore-eos        generate exactly max-tokens (vLLM, SGLang, llama.cpp)\n"
"  --warmup N          unmeasured requests before each point (default 0)\n"
"  --vary-prompts      unique prefix per request: no prefix-cache hits\n"
"  --transport T       auto (default: own HTTP/1.1 with kernel arrival\n"
"                      timestamps for http://, else libcurl), curl, native\n"
"  --timeout S         limit on each whole request, seconds (default 0 =\n"
"                      none; 300 s without a byte always fails it)\n"
"  --seed N            seed of synthetic prompts and arrivals (default 0)\n"
"Output:\n"
"  --goodput SPEC      SLOs for goodput, e.g. ttft:500,tpot:50,e2el:10000\n"
"                      (milliseconds; any subset)\n"
"  --percentiles LIST  percentiles reported (default 50,90,95,99)\n"
"  --out DIR           output directory, created if needed (default\n"
"                      llmperf-results)\n"
"  --quiet             no progress and no table; errors only\n"
"  --help              this text\n"
"\n"
"Writes DIR/records.jsonl, records.csv, summary.json and report.html.\n"
"Exit status: 0 some requests succeeded, 1 none did (the reason is printed),\n"
"2 bad usage, 130 stopped by Ctrl-C (files complete; twice: exit at once).\n");
}

/* ---- signals --------------------------------------------------------- */

static void on_sigint(int sig)
{
    (void)sig;
    g_interrupts++;
    if (g_interrupts > 1) {
        if (g_mock_pid > 0)
            kill(g_mock_pid, SIGTERM);
        _exit(PROG_EXIT_INTR);
    }
    llmperf_runner_stop(g_runner);
}

/* ---- llmperf-mock ---------------------------------------------------- */

static int is_executable(const char *path)
{
    return access(path, X_OK) == 0;
}

/* Where llmperf-mock is: $LLMPERF_MOCK, next to this program (also in
 * the build tree's mock-server/), then PATH. */
static char *find_mock(void)
{
    const char *env = getenv("LLMPERF_MOCK");
    char self[PATH_MAX], cand[PATH_MAX + 64];
    ssize_t len;
    const char *path;

    if (env != NULL && *env != '\0')
        return is_executable(env) ? strdup(env) : NULL;
    len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len > 0) {
        char *slash;

        self[len] = '\0';
        slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(cand, sizeof(cand), "%s/llmperf-mock", self);
            if (is_executable(cand))
                return strdup(cand);
            snprintf(cand, sizeof(cand), "%s/mock-server/llmperf-mock", self);
            if (is_executable(cand))
                return strdup(cand);
        }
    }
    path = getenv("PATH");
    while (path != NULL && *path != '\0') {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);

        if (n > 0 && n < PATH_MAX) {
            snprintf(cand, sizeof(cand), "%.*s/llmperf-mock", (int)n, path);
            if (is_executable(cand))
                return strdup(cand);
        }
        path = colon ? colon + 1 : NULL;
    }
    return NULL;
}

/* Start llmperf-mock, read its "listening on HOST:PORT" line and build
 * the URL. Returns 0 or prints why not. */
static int start_mock(char *url, size_t cap, int64_t seed)
{
    char *bin = find_mock();
    char line[256], seedbuf[32];
    const char *argv[32];
    size_t len = 0, k = 0;
    int fds[2] = {-1, -1}, rc = -1;
    pid_t pid;
    int64_t deadline = llmperf_now_ns() + 10 * 1000000000LL;

    if (bin == NULL) {
        prog_err("no --url given and llmperf-mock not found (looked in "
                 "$LLMPERF_MOCK, next to llmperf-bench and in PATH)");
        return -1;
    }
    argv[k++] = bin;
    for (size_t i = 0; mock_args[i] != NULL; i++)
        argv[k++] = mock_args[i];
    snprintf(seedbuf, sizeof(seedbuf), "%lld", (long long)(seed + 42));
    argv[k++] = "--seed";
    argv[k++] = seedbuf;
    argv[k] = NULL;
    if (pipe(fds) != 0) {
        prog_err("pipe: %s", strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        prog_err("fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);

        /* Own process group: the terminal's Ctrl-C must reach only
         * llmperf-bench, which then stops the mock after the files are
         * written; and die with the parent whatever happens to it. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fds[1], STDOUT_FILENO);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    g_mock_pid = pid;
    close(fds[1]);
    fds[1] = -1;
    while (len < sizeof(line) - 1) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int64_t left_ms = (deadline - llmperf_now_ns()) / 1000000;
        ssize_t got;

        if (left_ms <= 0 || poll(&pfd, 1, (int)left_ms) <= 0)
            break;
        got = read(fds[0], line + len, 1);
        if (got <= 0)
            break;
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    {
        const char *hostport = strstr(line, "listening on ");

        if (hostport == NULL) {
            prog_err("%s did not start (its output: \"%s\")", bin, line);
            goto out;
        }
        snprintf(url, cap, "http://%s", hostport + strlen("listening on "));
    }
    rc = 0;
out:
    if (fds[0] >= 0 && rc != 0)
        close(fds[0]);
    /* On success the read end stays open so the mock never writes to a
     * closed pipe; it is closed at exit. */
    if (fds[1] >= 0)
        close(fds[1]);
    free(bin);
    return rc;
}

static void stop_mock(void)
{
    pid_t pid = g_mock_pid;

    if (pid <= 0)
        return;
    g_mock_pid = 0;
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; i++) { /* up to 2 s, then SIGKILL */
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* ---- flags ------------------------------------------------------------ */

enum {
    OPT_BACKEND = 256, OPT_URL, OPT_MODEL, OPT_KEYENV, OPT_PROMPTS,
    OPT_SYNTH, OPT_SIZES, OPT_NPROMPTS, OPT_ITER, OPT_CONC, OPT_RATE,
    OPT_BURST, OPT_DURATION, OPT_MAXTOK, OPT_IGNEOS, OPT_WARMUP, OPT_VARY, OPT_TRANSPORT,
    OPT_TIMEOUT, OPT_SEED, OPT_GOODPUT, OPT_PCT, OPT_OUT, OPT_QUIET,
    OPT_HELP
};

static int bad_value(const char *flag, const char *value, const char *want)
{
    prog_err("invalid value '%s' for %s: %s", value, flag, want);
    return PROG_EXIT_USAGE;
}

static int parse_goodput(struct opts *o, const char *spec)
{
    char *copy = strdup(spec), *tok, *save = NULL;
    int rc = 0;

    if (copy == NULL)
        return PROG_EXIT_FAIL;
    for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        double v;
        int64_t *dst = NULL;

        if (colon != NULL) {
            *colon = '\0';
            if (strcmp(tok, "ttft") == 0)
                dst = &o->slo_ttft_ns;
            else if (strcmp(tok, "tpot") == 0)
                dst = &o->slo_tpot_ns;
            else if (strcmp(tok, "e2el") == 0)
                dst = &o->slo_e2el_ns;
        }
        if (dst == NULL || prog_parse_f64(colon + 1, 0, 1e12, &v) != 0)
            rc = bad_value("--goodput", spec,
                           "want ttft:MS,tpot:MS,e2el:MS (any subset)");
        else
            *dst = (int64_t)llround(v * 1e6);
    }
    free(copy);
    return rc;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, OPT_BACKEND},
        {"url", required_argument, NULL, OPT_URL},
        {"model", required_argument, NULL, OPT_MODEL},
        {"api-key-env", required_argument, NULL, OPT_KEYENV},
        {"prompts", required_argument, NULL, OPT_PROMPTS},
        {"synthetic", required_argument, NULL, OPT_SYNTH},
        {"sizes", required_argument, NULL, OPT_SIZES},
        {"num-prompts", required_argument, NULL, OPT_NPROMPTS},
        {"iterations", required_argument, NULL, OPT_ITER},
        {"concurrency", required_argument, NULL, OPT_CONC},
        {"rate", required_argument, NULL, OPT_RATE},
        {"burstiness", required_argument, NULL, OPT_BURST},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"max-tokens", required_argument, NULL, OPT_MAXTOK},
        {"ignore-eos", no_argument, NULL, OPT_IGNEOS},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"vary-prompts", no_argument, NULL, OPT_VARY},
        {"transport", required_argument, NULL, OPT_TRANSPORT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"goodput", required_argument, NULL, OPT_GOODPUT},
        {"percentiles", required_argument, NULL, OPT_PCT},
        {"out", required_argument, NULL, OPT_OUT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    int c, sources = 0;

    opterr = 0; /* one message of our own, not getopt's */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_BACKEND:
            if (llmperf_backend_from_name(&(int){0}, optarg) != LLMPERF_OK)
                return bad_value("--backend", optarg,
                                 "want ollama, ollama-chat, openai, "
                                 "openai-chat, llamacpp or tgi");
            o->backend = optarg;
            break;
        case OPT_URL:
            o->url = optarg;
            break;
        case OPT_MODEL:
            if (o->n_models == MAX_MODELS)
                return bad_value("--model", optarg, "at most 16 models");
            o->models[o->n_models++] = optarg;
            break;
        case OPT_KEYENV:
            o->api_key_env = optarg;
            break;
        case OPT_PROMPTS:
            o->prompts = optarg;
            sources++;
            break;
        case OPT_SYNTH:
            o->synthetic = optarg;
            sources++;
            break;
        case OPT_SIZES:
            o->sizes = optarg;
            sources++;
            break;
        case OPT_NPROMPTS:
            if (prog_parse_i64(optarg, 1, 100000000, &o->num_prompts))
                return bad_value("--num-prompts", optarg, "want 1..1e8");
            break;
        case OPT_ITER:
            if (prog_parse_i64(optarg, 1, 1000000, &o->iterations))
                return bad_value("--iterations", optarg, "want 1..1e6");
            break;
        case OPT_CONC:
            free(o->conc);
            if (prog_parse_i64_list(optarg, 1, 100000, &o->conc, &o->n_conc))
                return bad_value("--concurrency", optarg,
                                 "want a list of integers 1..100000");
            break;
        case OPT_RATE:
            free(o->rate);
            if (prog_parse_f64_list(optarg, 0, 1e6, &o->rate, &o->n_rate))
                return bad_value("--rate", optarg,
                                 "want a list of requests/s, 0..1e6");
            break;
        case OPT_BURST:
            if (prog_parse_f64(optarg, 1e-6, 1e6, &o->burstiness))
                return bad_value("--burstiness", optarg, "want a number > 0");
            break;
        case OPT_DURATION:
            if (prog_parse_f64(optarg, 0.001, 1e7, &o->duration_s))
                return bad_value("--duration", optarg, "want seconds > 0");
            break;
        case OPT_MAXTOK:
            free(o->max_tokens);
            if (prog_parse_i64_list(optarg, 1, 10000000, &o->max_tokens,
                                    &o->n_max_tokens))
                return bad_value("--max-tokens", optarg,
                                 "want a list of integers >= 1");
            break;
        case OPT_IGNEOS:
            o->ignore_eos = 1;
            break;
        case OPT_WARMUP:
            if (prog_parse_i64(optarg, 0, 1000000, &o->warmup))
                return bad_value("--warmup", optarg, "want 0..1e6");
            break;
        case OPT_VARY:
            o->vary_prompts = 1;
            break;
        case OPT_TRANSPORT:
            if (strcmp(optarg, "auto") == 0)
                o->transport = LLMPERF_TRANSPORT_AUTO;
            else if (strcmp(optarg, "curl") == 0)
                o->transport = LLMPERF_TRANSPORT_CURL;
            else if (strcmp(optarg, "native") == 0)
                o->transport = LLMPERF_TRANSPORT_NATIVE;
            else
                return bad_value("--transport", optarg,
                                 "want auto, curl or native");
            break;
        case OPT_TIMEOUT:
            if (prog_parse_f64(optarg, 0, 1e7, &o->timeout_s))
                return bad_value("--timeout", optarg, "want seconds >= 0");
            break;
        case OPT_SEED:
            if (prog_parse_i64(optarg, 0, INT64_MAX - 1000, &o->seed))
                return bad_value("--seed", optarg, "want an integer >= 0");
            break;
        case OPT_GOODPUT:
            if (parse_goodput(o, optarg))
                return PROG_EXIT_USAGE;
            break;
        case OPT_PCT:
            free(o->pct);
            if (prog_parse_f64_list(optarg, 0, 100, &o->pct, &o->n_pct) ||
                o->n_pct > 32)
                return bad_value("--percentiles", optarg,
                                 "want up to 32 numbers in 0..100");
            break;
        case OPT_OUT:
            o->out = optarg;
            break;
        case OPT_QUIET:
            o->quiet = 1;
            break;
        case OPT_HELP:
            usage(stdout);
            exit(PROG_EXIT_OK);
        case ':':
            prog_err("option '%s' needs a value (try --help)",
                     argv[optind - 1]);
            return PROG_EXIT_USAGE;
        default:
            prog_err("unknown option '%s' (try --help)", argv[optind - 1]);
            return PROG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        prog_err("unexpected argument '%s' (try --help)", argv[optind]);
        return PROG_EXIT_USAGE;
    }
    if (sources > 1) {
        prog_err("give only one of --prompts, --synthetic and --sizes");
        return PROG_EXIT_USAGE;
    }
    if (o->synthetic != NULL) {
        const char *colon = strchr(o->synthetic, ':');
        char in[32];
        int64_t a, b;

        if (colon == NULL || (size_t)(colon - o->synthetic) >= sizeof(in))
            return bad_value("--synthetic", o->synthetic, "want IN:OUT");
        memcpy(in, o->synthetic, (size_t)(colon - o->synthetic));
        in[colon - o->synthetic] = '\0';
        if (prog_parse_i64(in, 1, 1000000, &a) ||
            prog_parse_i64(colon + 1, 1, 10000000, &b))
            return bad_value("--synthetic", o->synthetic,
                             "want IN:OUT token counts >= 1");
    }
    return PROG_EXIT_OK;
}

/* ---- dataset ---------------------------------------------------------- */

/* The prompts, and how many requests one iteration of a point sends. */
static int make_dataset(const struct opts *o, llmperf_dataset **out,
                        int64_t *per_iter)
{
    llmperf_dataset *ds = NULL, *cut = NULL;
    char err[512] = "";
    int rc;

    *out = NULL;
    if (o->prompts != NULL) {
        rc = llmperf_dataset_load_jsonl(&ds, o->prompts, 0, err, sizeof(err));
        if (rc != LLMPERF_OK) {
            prog_err("%s", *err ? err : llmperf_strerror(rc));
            return PROG_EXIT_USAGE;
        }
        *per_iter = o->num_prompts > 0 ? o->num_prompts
                                       : (int64_t)llmperf_dataset_count(ds);
        /* The runner wraps around the list: to use only the first N
         * prompts the others must go. (A conversation item keeps its last
         * user message only: the library has no way to copy messages.) */
        if ((size_t)*per_iter < llmperf_dataset_count(ds)) {
            rc = llmperf_dataset_new(&cut);
            for (size_t i = 0; rc == LLMPERF_OK && i < (size_t)*per_iter;
                 i++) {
                const char *p, *id, *cat;
                int64_t mt;

                rc = llmperf_dataset_get(ds, i, &p, &id, &cat, &mt);
                if (rc == LLMPERF_OK)
                    rc = llmperf_dataset_add(cut, p, id, cat, mt);
            }
            llmperf_dataset_free(ds);
            ds = cut;
            if (rc != LLMPERF_OK) {
                prog_err("%s: %s", o->prompts, llmperf_strerror(rc));
                llmperf_dataset_free(ds);
                return PROG_EXIT_FAIL;
            }
        }
    } else if (o->synthetic != NULL) {
        long long in = 0, outk = 0;

        sscanf(o->synthetic, "%lld:%lld", &in, &outk);
        *per_iter = o->num_prompts > 0 ? o->num_prompts : 100;
        rc = llmperf_dataset_synthetic(&ds, (size_t)*per_iter, in, outk,
                                       (uint64_t)o->seed);
        if (rc != LLMPERF_OK) {
            prog_err("--synthetic %s: %s", o->synthetic, llmperf_strerror(rc));
            return PROG_EXIT_USAGE;
        }
    } else {
        const char *sizes = o->sizes ? o->sizes
                            : o->url ? "small,medium,large,xlarge"
                                     : "small";

        rc = llmperf_dataset_builtin(&ds, sizes);
        if (rc != LLMPERF_OK) {
            prog_err("invalid value '%s' for --sizes: want a list of small, "
                     "medium, large, xlarge",
                     sizes);
            return PROG_EXIT_USAGE;
        }
        *per_iter = o->num_prompts > 0 ? o->num_prompts : 8;
    }
    *out = ds;
    return PROG_EXIT_OK;
}

/* ---- client ----------------------------------------------------------- */

static int make_client(const struct opts *o, const char *url,
                       const char *model, int64_t max_tokens,
                       llmperf_client **out)
{
    llmperf_config *cfg = NULL;
    int backend = LLMPERF_BACKEND_OPENAI_CHAT, rc;
    const char *what = "";

    *out = NULL;
    llmperf_backend_from_name(&backend, o->backend);
    rc = llmperf_config_new(&cfg, backend);
    if (rc == LLMPERF_OK) {
        what = "--url";
        rc = llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL, url);
    }
    if (rc == LLMPERF_OK && model != NULL) {
        what = "--model";
        rc = llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, model);
    }
    if (rc == LLMPERF_OK) {
        what = "--max-tokens";
        rc = llmperf_config_set_int(cfg, LLMPERF_OPT_MAX_TOKENS, max_tokens);
    }
    if (rc == LLMPERF_OK && o->ignore_eos) {
        what = "--ignore-eos";
        rc = llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 1);
    }
    if (rc == LLMPERF_OK && o->timeout_s > 0) {
        what = "--timeout";
        rc = llmperf_config_set_int(cfg, LLMPERF_OPT_TOTAL_TIMEOUT_MS,
                                    (int64_t)(o->timeout_s * 1000.0));
    }
    if (rc == LLMPERF_OK && o->api_key_env != NULL) {
        const char *key = getenv(o->api_key_env);

        what = "--api-key-env";
        if (key == NULL || *key == '\0') {
            prog_err("--api-key-env: environment variable %s is not set",
                     o->api_key_env);
            llmperf_config_free(cfg);
            return PROG_EXIT_USAGE;
        }
        rc = llmperf_config_set_str(cfg, LLMPERF_OPT_API_KEY, key);
    }
    if (rc == LLMPERF_OK)
        rc = llmperf_client_new(out, cfg);
    llmperf_config_free(cfg);
    if (rc != LLMPERF_OK) {
        if (rc == LLMPERF_ENOTSUP)
            prog_err("%s: the %s backend does not support it", what,
                     o->backend);
        else
            prog_err("%s: %s", what, llmperf_strerror(rc));
        return rc == LLMPERF_ENOMEM ? PROG_EXIT_FAIL : PROG_EXIT_USAGE;
    }
    return PROG_EXIT_OK;
}

/* One small request before the run, so that an unreachable server, a
 * wrong path or an unknown model is one clear line, not N failures. */
static int preflight(llmperf_client *client, const char *url)
{
    llmperf_result *r = NULL;
    int rc = llmperf_client_stream(&r, client, "Say hello.", 1, NULL, NULL);
    int ret = PROG_EXIT_OK;

    if (rc == LLMPERF_ECONNECT) {
        const char *msg = llmperf_client_errmsg(client);

        /* libcurl's "Couldn't connect to server" covers refused and
         * unreachable alike; its long text adds nothing for the user. */
        prog_err("cannot connect to %s: %s", url,
                 strstr(msg, "refused") ? "connection refused"
                 : strstr(msg, "connect to server")
                     ? "connection failed (is the server running and the "
                       "--url right?)"
                 : *msg ? msg
                        : llmperf_strerror(rc));
        ret = PROG_EXIT_FAIL;
    } else if (rc != LLMPERF_OK && rc != LLMPERF_EABORTED) {
        prog_err("%s: %s", llmperf_client_url(client),
                 *llmperf_client_errmsg(client) ? llmperf_client_errmsg(client)
                                                : llmperf_strerror(rc));
        ret = PROG_EXIT_FAIL;
    }
    llmperf_result_free(r);
    return ret;
}

/* ---- callbacks --------------------------------------------------------- */

static int on_result(llmperf_result *r, size_t item, void *userdata)
{
    struct run_ctx *ctx = userdata;
    const char *id = NULL, *cls = "";
    int rc;

    llmperf_dataset_get(ctx->ds, item, NULL, &id, NULL, NULL);
    rc = llmperf_writer_write(ctx->jsonl, r, ctx->group, id);
    if (rc == LLMPERF_OK)
        rc = llmperf_writer_write(ctx->csv, r, ctx->group, id);
    if (rc != LLMPERF_OK && !ctx->write_failed) {
        prog_err("writing records: %s", llmperf_strerror(rc));
        ctx->write_failed = 1;
    }
    if (llmperf_metrics_add_prompt(ctx->m, r, ctx->group, id) != LLMPERF_OK)
        prog_err("%s", llmperf_metrics_errmsg(ctx->m));
    ctx->seen++;
    llmperf_result_get_str(r, LLMPERF_RESULT_ERROR_CLASS, &cls);
    if (strcmp(cls, "connect") == 0)
        ctx->connect_failures++;
    llmperf_result_free(r);
    /* The server went away: the first requests all failed to connect. */
    if (ctx->seen >= 4 && ctx->connect_failures == ctx->seen) {
        ctx->all_refused = 1;
        return 1;
    }
    return ctx->write_failed;
}

static int on_progress(llmperf_runner *runner, void *userdata)
{
    struct run_ctx *ctx = userdata;
    int64_t done = 0, failed = 0, inflight = 0, elapsed = 0;
    double tps = 0;
    int64_t now = llmperf_now_ns();

    if (ctx->quiet)
        return 0;
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_COMPLETED, &done);
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_FAILED, &failed);
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_IN_FLIGHT, &inflight);
    llmperf_runner_stat_i64(runner, LLMPERF_RUNNER_STAT_ELAPSED_NS, &elapsed);
    llmperf_runner_stat_f64(runner, LLMPERF_RUNNER_STAT_TOKENS_PER_S, &tps);
    if (ctx->tty) {
        double frac = ctx->expected > 0
                          ? (double)(done + failed) / (double)ctx->expected
                      : ctx->duration_s > 0
                          ? (double)elapsed / 1e9 / ctx->duration_s
                          : 0;
        int fill = (int)(fmin(frac, 1.0) * 30.0);
        char bar[31];

        memset(bar, '#', (size_t)fill);
        memset(bar + fill, '.', (size_t)(30 - fill));
        bar[30] = '\0';
        fprintf(stderr,
                "\r\033[K%-14.14s [%s] %3.0f%% ok %lld fail %lld "
                "in-flight %lld %.0f tok/s %.1fs",
                ctx->group, bar, fmin(frac, 1.0) * 100.0, (long long)done,
                (long long)failed, (long long)inflight, tps,
                (double)elapsed / 1e9);
    } else if (now - ctx->last_line_ns >= 5000000000LL) {
        ctx->last_line_ns = now;
        fprintf(stderr,
                "%s: %s: %.1fs ok %lld failed %lld in-flight %lld "
                "%.0f tok/s\n",
                prog_name, ctx->group, (double)elapsed / 1e9,
                (long long)done, (long long)failed, (long long)inflight,
                tps);
    }
    return 0;
}

/* ---- the sweep -------------------------------------------------------- */

struct point {
    const char *model;
    int64_t conc;
    double rate;
    int64_t max_tokens;
};

/* Group label: the dimensions that vary, or c=N when none does. */
static void group_name(const struct opts *o, const struct point *p,
                       char *buf, size_t cap)
{
    size_t len = 0;

    buf[0] = '\0';
    if (o->n_models > 1)
        len += (size_t)snprintf(buf + len, cap - len, "%s ", p->model);
    if (o->n_conc > 1 || (o->n_rate <= 1 && o->n_max_tokens <= 1 &&
                          o->n_models <= 1))
        len += (size_t)snprintf(buf + len, cap - len, "c=%lld ",
                                (long long)p->conc);
    if (o->n_rate > 1 && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "rate=%g ", p->rate);
    if (o->n_max_tokens > 1 && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "max_tokens=%lld ",
                                (long long)p->max_tokens);
    if (len > 0 && len < cap)
        buf[len - 1] = '\0';
}

/* The series of a point: the varying dimensions other than the sweep
 * parameter, so that each combination of them is one curve of the
 * report. "" when there is none. */
static void series_name(const struct opts *o, const struct point *p,
                        const char *param, char *buf, size_t cap)
{
    size_t len = 0;

    buf[0] = '\0';
    if (o->n_models > 1)
        len += (size_t)snprintf(buf + len, cap - len, "%s ", p->model);
    if (o->n_conc > 1 && strcmp(param, "concurrency") != 0 && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "c=%lld ",
                                (long long)p->conc);
    if (o->n_rate > 1 && strcmp(param, "request_rate") != 0 && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "rate=%g ", p->rate);
    if (o->n_max_tokens > 1 && strcmp(param, "max_tokens") != 0 && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "max_tokens=%lld ",
                                (long long)p->max_tokens);
    if (len > 0 && len < cap)
        buf[len - 1] = '\0';
}

/* The sweep parameter of a point: the first list with several values. */
static const char *sweep_param(const struct opts *o, const struct point *p,
                               double *value)
{
    if (o->n_conc > 1) {
        *value = (double)p->conc;
        return "concurrency";
    }
    if (o->n_rate > 1) {
        *value = p->rate;
        return "request_rate";
    }
    if (o->n_max_tokens > 1) {
        *value = (double)p->max_tokens;
        return "max_tokens";
    }
    return NULL;
}

static void json_escape(char *dst, size_t cap, const char *s)
{
    size_t j = 0;

    for (; s != NULL && *s != '\0' && j + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\') {
            dst[j++] = '\\';
            dst[j++] = (char)ch;
        } else if (ch < 0x20) {
            j += (size_t)snprintf(dst + j, cap - j, "\\u%04x", ch);
        } else {
            dst[j++] = (char)ch;
        }
    }
    dst[j] = '\0';
}

static int run_point(const struct opts *o, const char *url,
                     llmperf_client *client, const llmperf_dataset *ds,
                     int64_t per_iter, const struct point *p,
                     llmperf_writer *jsonl, llmperf_writer *csv,
                     llmperf_metrics *m, int *refused)
{
    struct run_ctx ctx;
    llmperf_runner *runner = NULL;
    char group[256], series[256] = "", params[1024], model_esc[256];
    char url_esc[512];
    const char *param;
    double value = 0;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    group_name(o, p, group, sizeof(group));
    json_escape(model_esc, sizeof(model_esc), p->model ? p->model : "");
    json_escape(url_esc, sizeof(url_esc), url);
    snprintf(params, sizeof(params),
             "{\"backend\":\"%s\",\"url\":\"%s\",\"model\":\"%s\","
             "\"concurrency\":%lld,\"request_rate\":%.17g,"
             "\"max_tokens\":%lld,\"ignore_eos\":%s,\"iterations\":%lld,"
             "\"num_prompts\":%lld,\"warmup\":%lld,\"vary_prompts\":%s,"
             "\"duration_s\":%.17g,\"seed\":%lld,\"transport\":\"%s\"}",
             o->backend, url_esc, model_esc, (long long)p->conc, p->rate,
             (long long)p->max_tokens, o->ignore_eos ? "true" : "false",
             (long long)o->iterations, (long long)per_iter,
             (long long)o->warmup, o->vary_prompts ? "true" : "false",
             o->duration_s, (long long)o->seed,
             o->transport == LLMPERF_TRANSPORT_CURL     ? "curl"
             : o->transport == LLMPERF_TRANSPORT_NATIVE ? "native"
                                                        : "auto");
    param = sweep_param(o, p, &value);
    if (param != NULL)
        series_name(o, p, param, series, sizeof(series));
    llmperf_writer_set_params(jsonl, params);
    llmperf_writer_set_sweep(jsonl, param, value, *series ? series : NULL);
    llmperf_writer_set_sweep(csv, param, value, *series ? series : NULL);
    if (param != NULL)
        llmperf_metrics_set_sweep(m, group, param, value,
                                  *series ? series : NULL);

    ctx.ds = ds;
    ctx.jsonl = jsonl;
    ctx.csv = csv;
    ctx.m = m;
    ctx.group = group;
    /* The built-in prompts are few: by default send at least four per
     * user so that a concurrency level is measured in steady state. */
    if (o->prompts == NULL && o->synthetic == NULL && o->num_prompts < 0 &&
        per_iter < 4 * p->conc)
        per_iter = 4 * p->conc;
    ctx.expected = o->duration_s > 0 ? 0 : per_iter * o->iterations;
    ctx.duration_s = o->duration_s;
    ctx.tty = isatty(STDERR_FILENO);
    ctx.quiet = o->quiet;
    ctx.last_line_ns = llmperf_now_ns();

    rc = llmperf_runner_new(&runner, client);
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_CONCURRENCY,
                                    p->conc);
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_REQUESTS,
                                    ctx.expected);
    if (rc == LLMPERF_OK && o->duration_s > 0)
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_DURATION_MS,
                                    (int64_t)(o->duration_s * 1000.0));
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_WARMUP, o->warmup);
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_SEED, o->seed);
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_VARY_PROMPTS,
                                    o->vary_prompts);
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_TRANSPORT,
                                    o->transport);
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_int(runner,
                                    LLMPERF_RUNNER_PROGRESS_INTERVAL_MS,
                                    ctx.tty ? 250 : 1000);
    if (rc == LLMPERF_OK && p->rate > 0)
        rc = llmperf_runner_set_double(runner, LLMPERF_RUNNER_RATE, p->rate);
    if (rc == LLMPERF_OK && !isnan(o->burstiness)) {
        rc = llmperf_runner_set_int(runner, LLMPERF_RUNNER_ARRIVAL,
                                    LLMPERF_ARRIVAL_GAMMA);
        if (rc == LLMPERF_OK)
            rc = llmperf_runner_set_double(runner, LLMPERF_RUNNER_BURSTINESS,
                                           o->burstiness);
    }
    if (rc == LLMPERF_OK)
        rc = llmperf_runner_set_progress(runner, on_progress, &ctx);
    if (rc != LLMPERF_OK) {
        prog_err("%s: cannot set up the runner: %s", group,
                 llmperf_strerror(rc));
        llmperf_runner_free(runner);
        return rc;
    }
    if (!o->quiet && !ctx.tty)
        fprintf(stderr, "%s: %s: running\n", prog_name, group);
    g_runner = runner;
    if (g_interrupts > 0) /* Ctrl-C came before the runner existed */
        llmperf_runner_stop(runner);
    rc = llmperf_runner_run(runner, ds, on_result, &ctx);
    g_runner = NULL;
    if (!o->quiet && ctx.tty)
        fputc('\n', stderr);
    if (rc == LLMPERF_ERR || rc == LLMPERF_ENOMEM)
        prog_err("%s: %s", group, *llmperf_runner_errmsg(runner)
                                      ? llmperf_runner_errmsg(runner)
                                      : llmperf_strerror(rc));
    llmperf_runner_free(runner);
    *refused = ctx.all_refused;
    if (ctx.all_refused) {
        prog_err("cannot connect to %s: connection refused (the server "
                 "stopped answering)",
                 url);
        rc = LLMPERF_ECONNECT;
    }
    if (ctx.write_failed)
        rc = LLMPERF_EIO;
    return rc;
}

static int write_outputs(const llmperf_metrics *m, const char *dir)
{
    char path[PATH_MAX], err[512] = "";
    int rc;

    snprintf(path, sizeof(path), "%s/summary.json", dir);
    rc = llmperf_summary_write_file(m, path, err, sizeof(err));
    if (rc != LLMPERF_OK) {
        prog_err("%s: %s", path, *err ? err : llmperf_strerror(rc));
        return PROG_EXIT_FAIL;
    }
    snprintf(path, sizeof(path), "%s/report.html", dir);
    rc = llmperf_report_html_file(m, path, err, sizeof(err));
    if (rc != LLMPERF_OK) {
        prog_err("%s: %s", path, *err ? err : llmperf_strerror(rc));
        return PROG_EXIT_FAIL;
    }
    return PROG_EXIT_OK;
}

/* Make dir (one level) and check it is a directory we can write to. */
static int make_out_dir(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        prog_err("--out %s: %s", dir, strerror(errno));
        return PROG_EXIT_USAGE;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        prog_err("--out %s: not a directory", dir);
        return PROG_EXIT_USAGE;
    }
    return PROG_EXIT_OK;
}

/* Remove the record files of an earlier run in the same directory, so
 * that the files describe this run only. */
static int open_writers(const char *dir, llmperf_writer **jsonl,
                        llmperf_writer **csv)
{
    char path[PATH_MAX], err[512] = "";
    int rc;

    snprintf(path, sizeof(path), "%s/records.jsonl", dir);
    unlink(path);
    rc = llmperf_writer_open(jsonl, LLMPERF_FORMAT_JSONL, path, err,
                             sizeof(err));
    if (rc == LLMPERF_OK) {
        snprintf(path, sizeof(path), "%s/records.csv", dir);
        unlink(path);
        rc = llmperf_writer_open(csv, LLMPERF_FORMAT_CSV, path, err,
                                 sizeof(err));
    }
    if (rc != LLMPERF_OK) {
        prog_err("%s: %s", path, *err ? err : llmperf_strerror(rc));
        return PROG_EXIT_FAIL;
    }
    return PROG_EXIT_OK;
}

int main(int argc, char **argv)
{
    struct opts o;
    char mock_url[128], title[256];
    const char *url;
    llmperf_dataset *ds = NULL;
    llmperf_metrics *m = NULL;
    llmperf_writer *jsonl = NULL, *csv = NULL;
    int64_t per_iter = 0, def_conc_mock[] = {1, 4}, def_conc[] = {1};
    int64_t def_mt = 128, def_mt_mock = 64;
    double def_rate = 0, completed = 0;
    int ret, rc, interrupted = 0, stop = 0;
    struct sigaction sa;

    prog_name = "llmperf-bench";
    memset(&o, 0, sizeof(o));
    o.backend = "openai-chat";
    o.num_prompts = -1;
    o.iterations = 1;
    o.burstiness = NAN;
    o.slo_ttft_ns = o.slo_tpot_ns = o.slo_e2el_ns = -1;
    o.out = "llmperf-results";
    ret = parse_args(&o, argc, argv);
    if (ret != PROG_EXIT_OK)
        goto out;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    ret = make_dataset(&o, &ds, &per_iter);
    if (ret != PROG_EXIT_OK)
        goto out;
    ret = make_out_dir(o.out);
    if (ret != PROG_EXIT_OK)
        goto out;
    llmperf_global_init();

    if (o.url == NULL) {
        if (start_mock(mock_url, sizeof(mock_url), o.seed) != 0) {
            ret = PROG_EXIT_FAIL;
            goto out;
        }
        url = mock_url;
        if (o.n_models == 0)
            o.models[o.n_models++] = "llmperf-mock";
        if (!o.quiet)
            fprintf(stderr,
                    "%s: no --url: benchmarking the built-in simulated "
                    "server llmperf-mock at %s\n",
                    prog_name, url);
    } else {
        url = o.url;
    }
    if (o.n_conc == 0) {
        o.n_conc = o.url ? 1 : 2;
        o.conc = malloc(o.n_conc * sizeof(*o.conc));
        if (o.conc != NULL)
            memcpy(o.conc, o.url ? def_conc : def_conc_mock,
                   o.n_conc * sizeof(*o.conc));
    }
    if (o.n_rate == 0) {
        o.n_rate = 1;
        o.rate = malloc(sizeof(*o.rate));
        if (o.rate != NULL)
            o.rate[0] = def_rate;
    }
    if (o.n_max_tokens == 0) {
        o.n_max_tokens = 1;
        o.max_tokens = malloc(sizeof(*o.max_tokens));
        if (o.max_tokens != NULL)
            o.max_tokens[0] = o.url ? def_mt : def_mt_mock;
    }
    if (o.conc == NULL || o.rate == NULL || o.max_tokens == NULL) {
        prog_err("out of memory");
        ret = PROG_EXIT_FAIL;
        goto out;
    }

    rc = llmperf_metrics_new(&m);
    if (rc == LLMPERF_OK && o.n_pct > 0)
        rc = llmperf_metrics_set_percentiles(m, o.pct, o.n_pct);
    if (rc == LLMPERF_OK && o.slo_ttft_ns >= 0)
        rc = llmperf_metrics_set_slo(m, LLMPERF_RESULT_TTFT_NS,
                                     o.slo_ttft_ns);
    if (rc == LLMPERF_OK && o.slo_tpot_ns >= 0)
        rc = llmperf_metrics_set_slo(m, LLMPERF_RESULT_TPOT_NS,
                                     o.slo_tpot_ns);
    if (rc == LLMPERF_OK && o.slo_e2el_ns >= 0)
        rc = llmperf_metrics_set_slo(m, LLMPERF_RESULT_E2E_NS,
                                     o.slo_e2el_ns);
    if (rc == LLMPERF_OK)
        rc = llmperf_metrics_set_info(m, LLMPERF_INFO_BACKEND, o.backend);
    if (rc == LLMPERF_OK)
        rc = llmperf_metrics_set_info(m, LLMPERF_INFO_URL, url);
    if (rc == LLMPERF_OK && o.n_models > 0)
        rc = llmperf_metrics_set_info(m, LLMPERF_INFO_MODEL, o.models[0]);
    snprintf(title, sizeof(title), "llmperf-bench: %s%s%s", o.backend,
             o.n_models ? " " : "", o.n_models ? o.models[0] : "");
    if (rc == LLMPERF_OK)
        rc = llmperf_metrics_set_info(m, LLMPERF_INFO_TITLE, title);
    if (rc != LLMPERF_OK) {
        prog_err("%s", llmperf_strerror(rc));
        ret = PROG_EXIT_FAIL;
        goto out;
    }
    ret = open_writers(o.out, &jsonl, &csv);
    if (ret != PROG_EXIT_OK)
        goto out;

    /* The sweep: models x concurrency x rate x max_tokens. */
    for (size_t im = 0; im < (o.n_models ? o.n_models : 1) && !stop; im++) {
        const char *model = o.n_models ? o.models[im] : NULL;
        int checked = 0;

        for (size_t it = 0; it < o.n_max_tokens && !stop; it++) {
            llmperf_client *client = NULL;
            int refused = 0;

            ret = make_client(&o, url, model, o.max_tokens[it], &client);
            if (ret != PROG_EXIT_OK) {
                stop = 1;
                break;
            }
            if (!checked && g_interrupts == 0) {
                ret = preflight(client, url);
                checked = 1;
                if (ret != PROG_EXIT_OK) {
                    llmperf_client_free(client);
                    stop = 1;
                    break;
                }
            }
            for (size_t ic = 0; ic < o.n_conc && !stop; ic++) {
                for (size_t ir = 0; ir < o.n_rate && !stop; ir++) {
                    struct point p = {model, o.conc[ic], o.rate[ir],
                                      o.max_tokens[it]};

                    rc = run_point(&o, url, client, ds, per_iter, &p, jsonl,
                                   csv, m, &refused);
                    if (g_interrupts > 0 || rc == LLMPERF_EABORTED) {
                        interrupted = g_interrupts > 0;
                        stop = 1;
                    }
                    /* Each of these printed its one line already. */
                    if (refused || rc == LLMPERF_EIO || rc == LLMPERF_ERR ||
                        rc == LLMPERF_ENOMEM || rc == LLMPERF_EINVAL) {
                        stop = 1;
                        ret = PROG_EXIT_FAIL;
                    }
                }
            }
            llmperf_client_free(client);
        }
    }

    /* Whatever happened, finish the files with what was measured. */
    if (llmperf_writer_close(jsonl) != LLMPERF_OK ||
        llmperf_writer_close(csv) != LLMPERF_OK)
        prog_err("closing the record files: %s",
                 llmperf_writer_errmsg(jsonl));
    if (write_outputs(m, o.out) != PROG_EXIT_OK && ret == PROG_EXIT_OK)
        ret = PROG_EXIT_FAIL;
    completed = prog_run(m, NULL, LLMPERF_RUN_COMPLETED);
    if (!o.quiet && completed > 0) {
        printf("\n");
        prog_print_summary(stdout, m);
        printf("\nWrote %s/records.jsonl, records.csv, summary.json, "
               "report.html\n",
               o.out);
    }
    if (interrupted) {
        if (!o.quiet)
            prog_err("interrupted: files hold the requests that finished");
        ret = PROG_EXIT_INTR;
    } else if (ret == PROG_EXIT_OK && !(completed > 0)) {
        const char *cls = NULL;
        int64_t n = 0;

        if (llmperf_metrics_error_class(m, NULL, 0, &cls, &n) == LLMPERF_OK)
            prog_err("no request succeeded (%lld failed with %s errors; "
                     "see %s/records.jsonl)",
                     (long long)n, cls, o.out);
        else
            prog_err("no request succeeded");
        ret = PROG_EXIT_FAIL;
    }
out:
    llmperf_writer_free(jsonl);
    llmperf_writer_free(csv);
    llmperf_metrics_free(m);
    llmperf_dataset_free(ds);
    stop_mock();
    free(o.conc);
    free(o.rate);
    free(o.max_tokens);
    free(o.pct);
    return ret;
}
