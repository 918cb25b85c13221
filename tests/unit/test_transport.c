/* SPDX-License-Identifier: MIT */
/*
 * test_transport.c -- the runner's two transports against each other.
 * Each scenario runs llmperf_runner_run() once through libcurl and once
 * through the own HTTP/1.1 transport (h1conn.c), each against a fresh
 * replay server started with the same arguments, and checks the promise
 * of llmperf/runner.h: the same results, statuses and error classes for
 * the same exchange (messages may be worded differently; both are printed
 * when the outcome differs), and the same request on the wire: method,
 * target, body bytes, and the same set of header lines, values byte for
 * byte (but X-Request-Id's, unique per request, and Host's, each run's
 * own server port). curl's request is the reference: the own transport
 * must send every header curl sends and nothing else.
 *
 * Every run is bounded by the client's connect, idle and total timeouts,
 * every server by --max-seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <ctype.h>
#include <sys/stat.h>

#include "llmperf/llmperf.h"
#include "testsrv.h"

#define FIX LLMPERF_SHARED_DIR "/fixtures/"
#define SSE "--header", "Content-Type: text/event-stream"
#define NDJSON "--header", "Content-Type: application/x-ndjson"
#define MAX_ARGS 24
#define MAX_RESULTS 4
#define MAX_HEADERS 32
#define OK(call) assert_int_equal((call), LLMPERF_OK)

/* scenario flags */
enum {
    F_NOSERVER = 1,  /* nothing listens: a refused port */
    F_KEEPALIVE = 2, /* NEW_CONNECTIONS sums to 1 over the run */
    F_SHOW = 4,      /* print what each transport did */
    F_WAIT_EXIT = 8  /* after result 0, wait until the server exited */
};

#define ANY_STATUS 1 /* want: any status, as long as both agree */

typedef struct scenario {
    const char *name;
    int backend;
    /* server arguments; "@MID" becomes half the --response file's size */
    const char *args[MAX_ARGS];
    int requests;    /* at concurrency 1; 0 means 1 */
    int64_t idle_ms; /* client idle timeout; 0 means 5000 */
    int flags;
    int want; /* status every result must have, or ANY_STATUS */
    const char *key;    /* LLMPERF_OPT_API_KEY, or NULL */
    const char *hdr[5]; /* LLMPERF_OPT_HEADER values, NULL-ended */
} scenario;

#define OAI_TXT FIX "llama.cpp/openai_completions_stream.txt"
#define OLL_GEN FIX "ollama/generate_stream.ndjson"
#define OAI_CHAT FIX "llama.cpp/openai_chat_stream.txt"
/* A scenario: name, backend, requests, idle ms, flags, wanted status,
 * then the server's arguments; ONE: 1 request, default idle, no flags. */
#define SC(name, be, req, idle, fl, want, ...) \
    {name, be, {__VA_ARGS__, NULL}, req, idle, fl, want, NULL, {NULL}}
#define ONE(name, be, want, ...) SC(name, be, 0, 0, 0, want, __VA_ARGS__)

static const scenario SCEN[] = {
    ONE("openai_chunked", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--response", OAI_TXT, SSE),
    ONE("openai_length", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--response", OAI_TXT, SSE, "--framing", "length"),
    ONE("openai_close", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--response", OAI_TXT, SSE, "--framing", "close"),
    ONE("openai_split_every_1", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--response", OAI_TXT, SSE, "--split-every", "1"),
    ONE("openai_split_offsets", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--response", OAI_TXT, SSE, "--split",
        "1,2,5,6,7,63,64,65,300,1000,1001,2000,2637"),
    ONE("openai_split_length", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--response", OAI_TXT, SSE, "--framing", "length", "--split",
        "1,6,500,2600", "--delay-ms", "2"),
    ONE("openai_crlf_nospace", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--response", FIX "openai/completions_stream_crlf_nospace.sse", SSE,
        "--split-every", "3"),
    ONE("vllm_chat", LLMPERF_BACKEND_OPENAI_CHAT, LLMPERF_OK,
        "--response", FIX "openai/vllm_chat_stream_role_first.sse", SSE,
        "--split-every", "7"),
    ONE("llamacpp_oai_chat", LLMPERF_BACKEND_OPENAI_CHAT, LLMPERF_OK,
        "--response", OAI_CHAT, SSE),
    ONE("tgi", LLMPERF_BACKEND_TGI, LLMPERF_OK,
        "--response", FIX "tgi/generate_stream.sse", SSE),
    ONE("llamacpp_completion", LLMPERF_BACKEND_LLAMACPP, LLMPERF_OK,
        "--response", FIX "llama.cpp/llamacpp_completion_stream.txt", SSE,
        "--split-every", "13"),
    ONE("llamacpp_progress", LLMPERF_BACKEND_LLAMACPP, LLMPERF_OK,
        "--response", FIX "llama.cpp/llamacpp_completion_stream_progress.txt",
        SSE),
    ONE("ollama_generate", LLMPERF_BACKEND_OLLAMA, LLMPERF_OK,
        "--response", OLL_GEN, NDJSON, "--split-every", "5"),
    ONE("ollama_chat", LLMPERF_BACKEND_OLLAMA_CHAT, LLMPERF_OK,
        "--response", FIX "ollama/chat_stream.ndjson", NDJSON),
    ONE("ollama_error_in_stream", LLMPERF_BACKEND_OLLAMA, LLMPERF_ESERVER,
        "--response", FIX "ollama/generate_stream_error_midstream.ndjson",
        NDJSON),
    ONE("vllm_error_in_stream", LLMPERF_BACKEND_OPENAI, LLMPERF_ESERVER,
        "--response", FIX "openai/vllm_stream_error_midstream.sse", SSE),
    /* Content-Length 54 under a 64-byte body: both read 54 bytes */
    ONE("raw_404_stale_length", LLMPERF_BACKEND_OLLAMA, LLMPERF_EHTTP,
        "--raw", FIX "ollama/generate_error_404.http"),
    ONE("reframed_404", LLMPERF_BACKEND_OLLAMA, LLMPERF_EHTTP,
        "--raw-reframe", FIX "ollama/generate_error_404.http"),
    ONE("raw_400_close", LLMPERF_BACKEND_OPENAI_CHAT, LLMPERF_EHTTP,
        "--raw", FIX "llama.cpp/openai_chat_error_400.http"),
    ONE("status_502", LLMPERF_BACKEND_TGI, LLMPERF_EHTTP,
        "--response", FIX "tgi/generate_stream.sse", "--status",
        "502 Bad Gateway"),
    ONE("reframed_with_headers", LLMPERF_BACKEND_OPENAI, LLMPERF_OK,
        "--raw-reframe",
        FIX "llama.cpp/openai_completions_stream_with_headers.http",
        "--split-every", "100"),
    ONE("empty", LLMPERF_BACKEND_LLAMACPP, LLMPERF_EPROTOCOL, "--empty"),
    ONE("garbage", LLMPERF_BACKEND_OPENAI, LLMPERF_EPROTOCOL, "--garbage"),
    ONE("no_response", LLMPERF_BACKEND_OPENAI, LLMPERF_EPROTOCOL,
        "--no-response"),
    ONE("cut_chunked", LLMPERF_BACKEND_OLLAMA, LLMPERF_EPROTOCOL,
        "--response", OLL_GEN, NDJSON, "--cut-at", "@MID"),
    ONE("cut_length", LLMPERF_BACKEND_OLLAMA, LLMPERF_EPROTOCOL,
        "--response", OLL_GEN, NDJSON, "--framing", "length", "--cut-at",
        "@MID"),
    ONE("cut_close", LLMPERF_BACKEND_OLLAMA, LLMPERF_EPROTOCOL,
        "--response", OLL_GEN, NDJSON, "--framing", "close", "--cut-at",
        "@MID"),
    SC("stall_idle_timeout", LLMPERF_BACKEND_OLLAMA, 0, 300, 0,
       LLMPERF_ETIMEOUT, "--response", OLL_GEN, NDJSON, "--stall-at", "@MID",
       "--stall-ms", "1500"),
    {"api_key_and_headers", LLMPERF_BACKEND_OPENAI_CHAT,
     {"--response", OAI_CHAT, SSE, NULL}, 0, 0, 0, LLMPERF_OK,
     "sk-test-4711", {"X-Bench-Run: 7", "X-Trace:  a b c "}},
    {"headers_replace_ours", LLMPERF_BACKEND_OLLAMA,
     {"--response", OLL_GEN, NDJSON, NULL}, 0, 0, 0, LLMPERF_OK, NULL,
     {"Content-Type: application/json; charset=utf-8",
      "Accept: application/json", "User-Agent: bench/1.0",
      "X-Request-Id: fixed-id"}},
    /* a user Host replaces ours (the own transport once sent both);
     * "Name:" (blank) removes a header */
    {"headers_host_blank_removed", LLMPERF_BACKEND_OPENAI,
     {"--response", OAI_TXT, SSE, NULL}, 0, 0, 0, LLMPERF_OK, NULL,
     {"Host: bench.example:8000", "X-Blank:  ", "Accept:"}},
    /* NEW_CONNECTIONS counts connections made: 0 for a refused one in
     * both (the own transport once counted the attempt) */
    SC("refused", LLMPERF_BACKEND_OPENAI, 0, 0, F_NOSERVER, LLMPERF_ECONNECT,
       NULL),
    SC("keep_alive", LLMPERF_BACKEND_OPENAI, 3, 0, F_KEEPALIVE, LLMPERF_OK,
       "--response", OAI_TXT, SSE),
    /* the second request finds its kept-alive connection closed and the
     * server gone (the result callback waits for it to exit first: left
     * racing, either transport may find the listening socket still open
     * and get a reset instead of a refusal) */
    SC("server_exits", LLMPERF_BACKEND_OPENAI, 2, 0, F_SHOW | F_WAIT_EXIT,
       ANY_STATUS, "--response", OAI_TXT, SSE, "--requests", "1"),
};

#define N_SCEN (sizeof(SCEN) / sizeof(SCEN[0]))

/* What one run through one transport gave. */
typedef struct run_out {
    int rc;
    int64_t transport;
    llmperf_result *r[MAX_RESULTS];
    size_t n;
    char *log; /* the server's request log; NULL without a server */
    char host[64]; /* "127.0.0.1:PORT": what Host must say */
    testsrv *srv;  /* during the run */
    int wait_exit; /* wait for the server to exit after result 0 */
} run_out;

static int bad_; /* mismatches in the current scenario */

static void bad(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    print_message("MISMATCH %s\n", buf);
    bad_++;
}

static const char *tname(int t)
{
    return t == LLMPERF_TRANSPORT_CURL ? "curl" : "native";
}

/* The value (leading blanks skipped) of the scenario's user header name,
 * NULL if it has none; "" means the header removes ours. */
static const char *user_value(const scenario *sc, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; sc->hdr[i] != NULL; i++)
        if (strncasecmp(sc->hdr[i], name, n) == 0 && sc->hdr[i][n] == ':')
            return sc->hdr[i] + n + 1 + strspn(sc->hdr[i] + n + 1, " \t");
    return NULL;
}

/* ---- running ------------------------------------------------------------ */

static int collect(llmperf_result *r, size_t item, void *ud)
{
    run_out *o = ud;

    (void)item;
    /* let the server finish exiting, so that the next request finds the
     * kept-alive connection closed and nothing listening */
    if (o->wait_exit && o->n == 0)
        assert_true(testsrv_wait(o->srv, 5000) >= 0);
    if (o->n < MAX_RESULTS)
        o->r[o->n++] = r;
    else
        llmperf_result_free(r);
    return 0;
}

static size_t file_size(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return (size_t)st.st_size;
}

/* The scenario's server arguments with "@MID" filled in and a time
 * limit added; mid must outlive the array. */
static void server_args(const scenario *sc, const char **args, char *mid,
                        size_t midsize)
{
    size_t n = 0;
    const char *resp = NULL;

    for (; sc->args[n] != NULL; n++) {
        args[n] = sc->args[n];
        if (n > 0 && strcmp(sc->args[n - 1], "--response") == 0)
            resp = sc->args[n];
        if (strcmp(args[n], "@MID") == 0) {
            assert_non_null(resp);
            snprintf(mid, midsize, "%zu", file_size(resp) / 2);
            args[n] = mid;
        }
    }
    assert_true(n + 3 <= MAX_ARGS);
    args[n++] = "--max-seconds";
    args[n++] = "20";
    args[n] = NULL;
}

static llmperf_client *client_of(const scenario *sc, const char *url)
{
    llmperf_config *cfg = NULL;
    llmperf_client *c = NULL;

    OK(llmperf_config_new(&cfg, sc->backend));
    OK(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL, url));
    OK(llmperf_config_set_int(cfg, LLMPERF_OPT_KEEP_TEXT, 1));
    OK(llmperf_config_set_int(cfg, LLMPERF_OPT_IDLE_TIMEOUT_MS,
                              sc->idle_ms ? sc->idle_ms : 5000));
    OK(llmperf_config_set_int(cfg, LLMPERF_OPT_CONNECT_TIMEOUT_MS, 2000));
    OK(llmperf_config_set_int(cfg, LLMPERF_OPT_TOTAL_TIMEOUT_MS, 10000));
    if (sc->key != NULL)
        OK(llmperf_config_set_str(cfg, LLMPERF_OPT_API_KEY, sc->key));
    for (size_t i = 0; sc->hdr[i] != NULL; i++)
        OK(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER, sc->hdr[i]));
    OK(llmperf_client_new(&c, cfg));
    llmperf_config_free(cfg);
    return c;
}

/* A runner of c with the transport, sending requests one at a time from
 * a one-prompt dataset (*ds; free it after the runner). */
static llmperf_runner *runner_of(llmperf_client *c, int transport,
                                 int requests, llmperf_dataset **ds)
{
    llmperf_runner *r = NULL;

    OK(llmperf_dataset_new(ds));
    OK(llmperf_dataset_add(*ds, "Why is the sky blue?", NULL, NULL, -1));
    OK(llmperf_runner_new(&r, c));
    OK(llmperf_runner_set_int(r, LLMPERF_RUNNER_TRANSPORT, transport));
    OK(llmperf_runner_set_int(r, LLMPERF_RUNNER_CONCURRENCY, 1));
    OK(llmperf_runner_set_int(r, LLMPERF_RUNNER_REQUESTS, requests));
    return r;
}

static void run_one(const scenario *sc, int transport, int refused_port,
                    run_out *o)
{
    const char *args[MAX_ARGS];
    char mid[32], url[64];
    testsrv s;
    llmperf_client *c;
    llmperf_runner *r;
    llmperf_dataset *ds = NULL;

    memset(o, 0, sizeof(*o));
    memset(&s, 0, sizeof(s));
    if (sc->flags & F_NOSERVER) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%d", refused_port);
    } else {
        server_args(sc, args, mid, sizeof(mid));
        assert_int_equal(testsrv_start_logged(&s, args), 0);
        snprintf(url, sizeof(url), "%s", s.url);
        snprintf(o->host, sizeof(o->host), "127.0.0.1:%d", s.port);
        if (user_value(sc, "host") != NULL) /* the user's replaces ours */
            snprintf(o->host, sizeof(o->host), "%s", user_value(sc, "host"));
        o->srv = &s;
        o->wait_exit = (sc->flags & F_WAIT_EXIT) != 0;
    }
    c = client_of(sc, url);
    r = runner_of(c, transport, sc->requests ? sc->requests : 1, &ds);
    o->rc = llmperf_runner_run(r, ds, collect, o);
    if (o->rc != LLMPERF_OK)
        print_message("%s: run returned %d (%s)\n", tname(transport), o->rc,
                      llmperf_runner_errmsg(r));
    OK(llmperf_runner_stat_i64(r, LLMPERF_RUNNER_STAT_TRANSPORT,
                               &o->transport));
    o->srv = NULL;
    if (!(sc->flags & F_NOSERVER)) {
        o->log = testsrv_read_log(&s);
        assert_non_null(o->log);
        testsrv_stop(&s);
    }
    llmperf_runner_free(r);
    llmperf_dataset_free(ds);
    llmperf_client_free(c);
}

static void run_free(run_out *o)
{
    for (size_t i = 0; i < o->n; i++)
        llmperf_result_free(o->r[i]);
    free(o->log);
    memset(o, 0, sizeof(*o));
}

/* ---- comparing results -------------------------------------------------- */

static int get_i(const llmperf_result *r, int f, int64_t *v)
{
    return llmperf_result_get_i64(r, f, v) == LLMPERF_OK;
}

static const char *get_s(const llmperf_result *r, int f)
{
    const char *s = NULL;

    return llmperf_result_get_str(r, f, &s) == LLMPERF_OK ? s : NULL;
}

/* Fields that must be equal (presence and value); the rest are times,
 * the request id and the error's wording. */
static const int SAME_I64[] = {
    LLMPERF_RESULT_STATUS, LLMPERF_RESULT_HTTP_STATUS,
    LLMPERF_RESULT_OUTPUT_TOKENS, LLMPERF_RESULT_PROMPT_TOKENS,
    LLMPERF_RESULT_CHUNKS, LLMPERF_RESULT_BYTES_RECEIVED,
    LLMPERF_RESULT_NEW_CONNECTIONS, LLMPERF_RESULT_SERVER_LOAD_NS,
    LLMPERF_RESULT_SERVER_PROMPT_NS, LLMPERF_RESULT_SERVER_DECODE_NS,
    LLMPERF_RESULT_SERVER_TOTAL_NS, LLMPERF_RESULT_SERVER_PROMPT_TOKENS,
    LLMPERF_RESULT_SERVER_OUTPUT_TOKENS, LLMPERF_RESULT_SERVER_CACHED_TOKENS,
    LLMPERF_RESULT_SERVER_ITL_NS};
static const int SAME_STR[] = {
    LLMPERF_RESULT_ERROR_CLASS,   LLMPERF_RESULT_TOKENS_SOURCE,
    LLMPERF_RESULT_FINISH_REASON, LLMPERF_RESULT_MODEL,
    LLMPERF_RESULT_TEXT,          LLMPERF_RESULT_REASONING_TEXT,
    LLMPERF_RESULT_BACKEND};

/* Checks of one result alone: ERROR non-empty exactly on failure, times
 * present on success, the status the scenario expects. */
static void check_alone(const scenario *sc, const llmperf_result *r,
                        const char *who, size_t i)
{
    int64_t st = 0, v;
    const char *err = get_s(r, LLMPERF_RESULT_ERROR);

    assert_true(get_i(r, LLMPERF_RESULT_STATUS, &st));
    if (err == NULL || (st != LLMPERF_OK) != (err[0] != '\0'))
        bad("%s result %zu: status %lld with error \"%s\"", who, i,
            (long long)st, err != NULL ? err : "(absent)");
    /* (every successful exchange here carries text) */
    if (st == LLMPERF_OK && (!get_i(r, LLMPERF_RESULT_E2E_NS, &v) ||
                             !get_i(r, LLMPERF_RESULT_TTFT_NS, &v)))
        bad("%s result %zu: OK without E2E_NS or TTFT_NS", who, i);
    if (sc->want != ANY_STATUS && st != sc->want)
        bad("%s result %zu: status %lld (%s), want %d", who, i,
            (long long)st, err != NULL ? err : "", sc->want);
    if (sc->flags & F_SHOW)
        print_message("  %-6s result %zu: status %lld class \"%s\" "
                      "new_connections %lld error \"%s\"\n", who, i,
                      (long long)st,
                      get_s(r, LLMPERF_RESULT_ERROR_CLASS),
                      (long long)(get_i(r, LLMPERF_RESULT_NEW_CONNECTIONS, &v)
                                      ? v : -1),
                      err != NULL ? err : "");
}

static void compare_results(const scenario *sc, const run_out *a,
                            const run_out *b)
{
    if (a->n != b->n) {
        bad("results: curl %zu, native %zu", a->n, b->n);
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        const llmperf_result *x = a->r[i], *y = b->r[i];
        const int32_t *tx, *ty;
        size_t nx = 0, ny = 0;
        int before = bad_;

        check_alone(sc, x, "curl", i);
        check_alone(sc, y, "native", i);
        for (size_t k = 0; k < sizeof(SAME_I64) / sizeof(SAME_I64[0]); k++) {
            int f = SAME_I64[k];
            int64_t vx = 0, vy = 0;
            int px = get_i(x, f, &vx), py = get_i(y, f, &vy);

            if (px != py || vx != vy)
                bad("result %zu %s: curl %s%lld, native %s%lld", i,
                    llmperf_result_field_name(f), px ? "" : "absent ",
                    (long long)vx, py ? "" : "absent ", (long long)vy);
        }
        for (size_t k = 0; k < sizeof(SAME_STR) / sizeof(SAME_STR[0]); k++) {
            int f = SAME_STR[k];
            const char *sx = get_s(x, f), *sy = get_s(y, f);

            if ((sx == NULL) != (sy == NULL) ||
                (sx != NULL && strcmp(sx, sy) != 0))
                bad("result %zu %s: curl \"%s\", native \"%s\"", i,
                    llmperf_result_field_name(f), sx ? sx : "(absent)",
                    sy ? sy : "(absent)");
        }
        assert_int_equal(llmperf_result_chunks(x, NULL, &tx, &nx), 0);
        assert_int_equal(llmperf_result_chunks(y, NULL, &ty, &ny), 0);
        if (nx != ny)
            bad("result %zu chunk list: curl %zu, native %zu", i, nx, ny);
        for (size_t k = 0; k < nx && k < ny; k++)
            if (tx[k] != ty[k])
                bad("result %zu chunk %zu tokens: curl %d, native %d", i, k,
                    (int)tx[k], (int)ty[k]);
        if (bad_ != before)
            print_message("  errors: curl \"%s\"\n          native \"%s\"\n",
                          get_s(x, LLMPERF_RESULT_ERROR),
                          get_s(y, LLMPERF_RESULT_ERROR));
    }
}

/* ---- comparing requests ------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Header lines of log record index as sent but with the name in lower
 * case, sorted. X-Request-Id's value (which must not be empty) and Host's
 * (which must be host) become "*". Returns the count; free each line. */
static size_t header_set(const char *who, const char *log, int index,
                         const char *host, char **out)
{
    char tag[48];
    const char *p;
    size_t n = 0;

    snprintf(tag, sizeof(tag), "== REQUEST %d ", index + 1);
    p = strstr(log, tag);
    assert_non_null(p);
    p = strchr(strchr(p, '\n') + 1, '\n') + 1; /* past the request line */
    while (*p != '\n' && *p != '\0') {
        const char *eol = strchr(p, '\n'), *colon = memchr(p, ':', eol - p);
        const char *v = colon + 1 + strspn(colon + 1, " ");
        size_t nl = (size_t)(colon - p), vl = (size_t)(eol - v);
        char *line = malloc((size_t)(eol - p) + 3);

        assert_non_null(line);
        assert_true(n < MAX_HEADERS);
        for (size_t i = 0; i < nl; i++)
            line[i] = (char)tolower((unsigned char)p[i]);
        if (nl == 12 && strncmp(line, "x-request-id", 12) == 0) {
            if (vl == 0)
                bad("%s request %d: empty X-Request-Id", who, index);
            v = "*";
            vl = 1;
        } else if (nl == 4 && strncmp(line, "host", 4) == 0) {
            if (vl != strlen(host) || strncmp(v, host, vl) != 0)
                bad("%s request %d: Host \"%.*s\", want \"%s\"", who,
                    index, (int)vl, v, host);
            v = "*";
            vl = 1;
        } else { /* the value exactly as sent, blanks included */
            v = colon + 1;
            vl = (size_t)(eol - v);
        }
        line[nl] = ':';
        memcpy(line + nl + 1, v, vl);
        line[nl + 1 + vl] = '\0';
        out[n++] = line;
        p = eol + 1;
    }
    qsort(out, n, sizeof(out[0]), cmp_str);
    return n;
}

static int has_name(char **set, size_t n, const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < n; i++)
        if (strncmp(set[i], name, len) == 0 && set[i][len] == ':')
            return 1;
    return 0;
}

/* Print record index's request head as logged. */
static void print_head(const char *who, const char *log, int index)
{
    char tag[48];
    const char *p, *end;

    snprintf(tag, sizeof(tag), "== REQUEST %d ", index + 1);
    p = strstr(log, tag);
    if (p == NULL || (p = strchr(p, '\n')) == NULL ||
        (end = strstr(p, "\n\n")) == NULL)
        return;
    print_message("  %s request %d head:%.*s\n", who, index,
                  (int)(end - p), p);
}

static void compare_requests(const scenario *sc, const run_out *a,
                             const run_out *b)
{
    int na = testsrv_log_count(a->log), nb = testsrv_log_count(b->log);

    if (na != nb)
        bad("requests logged: curl %d, native %d", na, nb);
    for (int i = 0; i < na && i < nb; i++) {
        char *la = testsrv_log_request_line(a->log, i);
        char *lb = testsrv_log_request_line(b->log, i);
        size_t blen_a, blen_b, ha, hb, x = 0, y = 0;
        char *ba = testsrv_log_body(a->log, i, &blen_a);
        char *bb = testsrv_log_body(b->log, i, &blen_b);
        char *sa[MAX_HEADERS], *sb[MAX_HEADERS];
        int before = bad_;

        if (strcmp(la, lb) != 0)
            bad("request %d line: curl \"%s\", native \"%s\"", i, la, lb);
        if (blen_a != blen_b || memcmp(ba, bb, blen_a) != 0)
            bad("request %d body: curl %zu bytes \"%s\", native %zu bytes "
                "\"%s\"", i, blen_a, ba, blen_b, bb);
        ha = header_set("curl", a->log, i, a->host, sa);
        hb = header_set("native", b->log, i, b->host, sb);
        /* both sorted: walk them together */
        while (x < ha || y < hb) {
            int c = x == ha ? 1 : y == hb ? -1 : strcmp(sa[x], sb[y]);

            if (c < 0)
                bad("request %d header only curl sent: \"%s\"", i, sa[x++]);
            else if (c > 0)
                bad("request %d header only native sent: \"%s\"", i, sb[y++]);
            else
                x++, y++;
        }
        if (bad_ != before) {
            print_head("curl", a->log, i);
            print_head("native", b->log, i);
        }
        /* what curl's request must hold (the reference itself): ours
         * unless a blank user header removed it, the key, the user's */
        {
            static const char *const need[] = {
                "host", "user-agent", "accept", "content-type",
                "content-length", "x-request-id"};
            char name[64];

            for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
                const char *v = user_value(sc, need[k]);

                if (!has_name(sa, ha, need[k]) && (v == NULL || *v != '\0'))
                    bad("request %d: curl sent no %s", i, need[k]);
            }
            if (sc->key != NULL && !has_name(sa, ha, "authorization"))
                bad("request %d: curl sent no authorization", i);
            for (size_t k = 0; sc->hdr[k] != NULL; k++) {
                size_t nl = strcspn(sc->hdr[k], ":");

                snprintf(name, sizeof(name), "%.*s", (int)nl, sc->hdr[k]);
                for (char *q = name; *q; q++)
                    *q = (char)tolower((unsigned char)*q);
                if (*user_value(sc, name) != '\0' && !has_name(sa, ha, name))
                    bad("request %d: curl sent no %s", i, name);
            }
        }
        for (size_t k = 0; k < ha; k++)
            free(sa[k]);
        for (size_t k = 0; k < hb; k++)
            free(sb[k]);
        free(la);
        free(lb);
        free(ba);
        free(bb);
    }
}

/* ---- the scenarios ------------------------------------------------------ */

static void test_scenario(void **state)
{
    const scenario *sc = *state;
    run_out a, b;
    int port = 9;

    bad_ = 0;
    if (sc->flags & F_NOSERVER) {
        port = testsrv_closed_port();
        assert_true(port > 0);
    }
    run_one(sc, LLMPERF_TRANSPORT_CURL, port, &a);
    run_one(sc, LLMPERF_TRANSPORT_NATIVE, port, &b);
    if (a.rc != LLMPERF_OK || b.rc != LLMPERF_OK)
        bad("run: curl %d, native %d", a.rc, b.rc);
    if (a.transport != LLMPERF_TRANSPORT_CURL)
        bad("curl run used transport %lld", (long long)a.transport);
    if (b.transport != LLMPERF_TRANSPORT_NATIVE)
        bad("native run used transport %lld", (long long)b.transport);
    if (a.n != (size_t)(sc->requests ? sc->requests : 1))
        bad("curl delivered %zu results", a.n);
    compare_results(sc, &a, &b);
    if (sc->flags & F_KEEPALIVE) {
        int64_t ca = 0, cb = 0, v;

        for (size_t i = 0; i < a.n; i++)
            ca += get_i(a.r[i], LLMPERF_RESULT_NEW_CONNECTIONS, &v) ? v : 0;
        for (size_t i = 0; i < b.n; i++)
            cb += get_i(b.r[i], LLMPERF_RESULT_NEW_CONNECTIONS, &v) ? v : 0;
        if (ca != 1 || cb != 1)
            bad("connections opened: curl %lld, native %lld (want 1)",
                (long long)ca, (long long)cb);
    }
    if (!(sc->flags & F_NOSERVER))
        compare_requests(sc, &a, &b);
    run_free(&a);
    run_free(&b);
    if (bad_ > 0)
        fail_msg("%s: %d difference(s) between the transports", sc->name,
                 bad_);
}

/* ---- https ------------------------------------------------------------- */

static void test_https(void **state)
{
    static const scenario sc = SC("https", LLMPERF_BACKEND_OPENAI, 1, 0, 0,
                                  0, NULL);
    llmperf_client *c = client_of(&sc, "https://127.0.0.1:9");
    llmperf_dataset *ds = NULL;
    llmperf_runner *r = runner_of(c, LLMPERF_TRANSPORT_NATIVE, 1, &ds);
    run_out o;
    int64_t st = -1;

    (void)state;
    memset(&o, 0, sizeof(o));
    /* NATIVE cannot do TLS: refused, with a reason, before sending */
    assert_int_equal(llmperf_runner_run(r, ds, collect, &o), LLMPERF_ENOTSUP);
    assert_true(strlen(llmperf_runner_errmsg(r)) > 0);
    assert_int_equal(o.n, 0);
    OK(llmperf_runner_stat_i64(r, LLMPERF_RUNNER_STAT_SENT, &st));
    assert_int_equal(st, 0);
    /* AUTO hands https:// to libcurl (refused port: a connect failure) */
    OK(llmperf_runner_set_int(r, LLMPERF_RUNNER_TRANSPORT,
                              LLMPERF_TRANSPORT_AUTO));
    OK(llmperf_runner_run(r, ds, collect, &o));
    assert_string_equal(llmperf_runner_errmsg(r), "");
    OK(llmperf_runner_stat_i64(r, LLMPERF_RUNNER_STAT_TRANSPORT, &st));
    assert_int_equal(st, LLMPERF_TRANSPORT_CURL);
    assert_int_equal(o.n, 1);
    assert_true(get_i(o.r[0], LLMPERF_RESULT_STATUS, &st));
    assert_int_equal(st, LLMPERF_ECONNECT);
    run_free(&o);
    llmperf_runner_free(r);
    llmperf_dataset_free(ds);
    llmperf_client_free(c);
}

int main(void)
{
    struct CMUnitTest tests[N_SCEN + 1];
    int rc;

    for (size_t i = 0; i < N_SCEN; i++) {
        memset(&tests[i], 0, sizeof(tests[i]));
        tests[i].name = SCEN[i].name;
        tests[i].test_func = test_scenario;
        tests[i].initial_state = (void *)&SCEN[i];
    }
    memset(&tests[N_SCEN], 0, sizeof(tests[N_SCEN]));
    tests[N_SCEN].name = "https";
    tests[N_SCEN].test_func = test_https;
    llmperf_global_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    llmperf_global_cleanup();
    return rc;
}
