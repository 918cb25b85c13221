/* SPDX-License-Identifier: MIT */
/*
 * test_client.c -- llmperf_client_stream() end to end over HTTP against
 * the canned-response replay server on 127.0.0.1: every backend with
 * split and delayed writes, timing of the chunk timeline, each failure
 * class (connect, HTTP error bodies, in-stream errors, truncation, idle
 * and total timeouts, malformed and oversized events, empty bodies,
 * callback abort), what goes on the wire (API key, X-Request-Id, extra
 * headers) and connection reuse. Every case is bounded to a few seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "llmperf/llmperf.h"
#include "testsrv.h"

#define FIX LLMPERF_SHARED_DIR "/fixtures/"
#define MS INT64_C(1000000)

static const char *const NDJSON[] = {"--header",
                                     "Content-Type: application/x-ndjson"};
static const char *const SSE[] = {"--header",
                                  "Content-Type: text/event-stream"};

/* ---- helpers ------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A temporary file holding len bytes; unlink it when done. */
static void temp_file(char *path, size_t size, const char *data, size_t len)
{
    int fd;

    snprintf(path, size, "/tmp/llmperf_test_client_XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* "A,B,..." = offsets just after each separator sep in the file, so each
 * event or line is its own write. */
static void event_splits(const char *path, const char *sep, char *out,
                         size_t size)
{
    size_t len, n = 0, sl = strlen(sep);
    char *data = slurp(path, &len);
    const char *p = data;

    out[0] = '\0';
    while ((p = strstr(p, sep)) != NULL) {
        p += sl;
        if ((size_t)(p - data) >= len)
            break;
        n += (size_t)snprintf(out + n, size - n, "%s%zu", n ? "," : "",
                              (size_t)(p - data));
        assert_true(n < size);
    }
    free(data);
}

/* Offset of the start of line (0-based) idx. */
static size_t line_offset(const char *path, int idx)
{
    size_t len, off = 0;
    char *data = slurp(path, &len);

    for (int i = 0; i < idx; i++)
        off = (size_t)(strchr(data + off, '\n') - data) + 1;
    free(data);
    return off;
}

static llmperf_config *cfg_for(int backend, const char *url)
{
    llmperf_config *cfg = NULL;

    assert_int_equal(llmperf_config_new(&cfg, backend), LLMPERF_OK);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL, url), 0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_KEEP_TEXT, 1), 0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IDLE_TIMEOUT_MS,
                                            5000), 0);
    assert_int_equal(llmperf_config_set_int(cfg,
                                            LLMPERF_OPT_CONNECT_TIMEOUT_MS,
                                            2000), 0);
    return cfg;
}

static llmperf_client *client_of(llmperf_config *cfg)
{
    llmperf_client *c = NULL;

    assert_int_equal(llmperf_client_new(&c, cfg), LLMPERF_OK);
    llmperf_config_free(cfg);
    return c;
}

typedef struct tokens_seen {
    int calls;
    int64_t last_t;
    uint32_t last_index;
    char text[8192];
    size_t len;
    int abort_after; /* return 1 once this many calls happened; 0: never */
} tokens_seen;

static int on_token(const llmperf_token *tok, void *userdata)
{
    tokens_seen *s = userdata;

    assert_int_equal(tok->struct_size, sizeof(llmperf_token));
    assert_true(tok->text_len > 0);
    assert_true(tok->t_ns >= s->last_t); /* arrival times never go back */
    if (s->calls > 0)
        assert_true(tok->index >= s->last_index);
    s->last_t = tok->t_ns;
    s->last_index = tok->index;
    if (!tok->is_reasoning) {
        assert_true(s->len + tok->text_len < sizeof(s->text));
        memcpy(s->text + s->len, tok->text, tok->text_len);
        s->len += tok->text_len;
    }
    s->calls++;
    return s->abort_after > 0 && s->calls >= s->abort_after;
}

static int64_t i64(const llmperf_result *r, int field)
{
    int64_t v = INT64_MIN;

    assert_int_equal(llmperf_result_get_i64(r, field, &v), LLMPERF_OK);
    return v;
}

static const char *str(const llmperf_result *r, int field)
{
    const char *s = NULL;

    assert_int_equal(llmperf_result_get_str(r, field, &s), LLMPERF_OK);
    return s;
}

static int absent(const llmperf_result *r, int field)
{
    int64_t v;

    return llmperf_result_get_i64(r, field, &v) == LLMPERF_ENOTFOUND;
}

/* Start the server with a fixed prefix of args plus more (NULL-ended). */
static void start(testsrv *s, int logged, const char *const *args)
{
    int rc = logged ? testsrv_start_logged(s, args) : testsrv_start(s, args);

    assert_int_equal(rc, 0);
}

/* One request; checks the invariants every result must satisfy. */
static int stream(llmperf_client *c, llmperf_result **r, tokens_seen *seen)
{
    const int64_t *t;
    const int32_t *k;
    size_t n;
    int rc = llmperf_client_stream(r, c, "Why is the sky blue?", -1,
                                   seen ? on_token : NULL, seen);

    assert_non_null(*r);
    assert_int_equal(i64(*r, LLMPERF_RESULT_STATUS), rc);
    assert_string_equal(str(*r, LLMPERF_RESULT_ERROR),
                        llmperf_client_errmsg(c));
    assert_int_equal(llmperf_result_chunks(*r, &t, &k, &n), LLMPERF_OK);
    assert_int_equal((int64_t)n, i64(*r, LLMPERF_RESULT_CHUNKS));
    for (size_t i = 1; i < n; i++)
        assert_true(t[i] >= t[i - 1]);
    if (n > 0) {
        assert_true(i64(*r, LLMPERF_RESULT_TTFT_NS) > 0);
        assert_true(i64(*r, LLMPERF_RESULT_LAST_TOKEN_NS) >=
                    i64(*r, LLMPERF_RESULT_TTFT_NS));
        assert_true(i64(*r, LLMPERF_RESULT_E2E_NS) >=
                    i64(*r, LLMPERF_RESULT_LAST_TOKEN_NS));
    }
    if (rc == LLMPERF_OK)
        assert_string_equal(str(*r, LLMPERF_RESULT_ERROR_CLASS), "");
    else
        assert_true(strlen(str(*r, LLMPERF_RESULT_ERROR)) > 0);
    return rc;
}

/* ---- every backend ---------------------------------------------------- */

static void test_all_backends(void **state)
{
    static const struct {
        int backend;
        const char *file;
        int sse;
        int chunks;
        int out_tokens;
        const char *source;
        const char *text; /* prefix */
    } cases[] = {
        {1, FIX "ollama/generate_stream.ndjson", 0, 4, 5, "server",
         "The sky is blue"},
        {2, FIX "ollama/chat_stream.ndjson", 0, 3, 3, "server",
         "Hello there!"},
        {3, FIX "openai/completions_stream_crlf_nospace.sse", 1, 2, 2,
         "chunks", "A B"},
        {3, FIX "llama.cpp/openai_completions_stream.txt", 1, 8, 8, "server",
         "ernalrightarrow"},
        {4, FIX "openai/vllm_chat_stream_role_first.sse", 1, 3, 4, "server",
         "Hello world"},
        {4, FIX "llama.cpp/openai_chat_stream.txt", 1, 4, 4, "server",
         "alph zesificate successo"},
        {5, FIX "llama.cpp/llamacpp_completion_stream.txt", 1, 4, 4,
         "server", " bene recomZEistique"},
        {5, FIX "llama.cpp/llamacpp_completion_stream_progress.txt", 1, 3, 3,
         "server", "zeichnungen grab wand"},
        {6, FIX "tgi/generate_stream.sse", 1, 2, 3, "server", "Hello"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *const *ct = cases[i].sse ? SSE : NDJSON;
        const char *args[] = {"--response", cases[i].file, ct[0], ct[1],
                              "--split-every", "7", "--delay-ms", "1",
                              "--first-byte-delay-ms", "30", NULL};
        testsrv s;
        llmperf_client *c;
        llmperf_result *r = NULL;
        tokens_seen seen = {0};
        size_t flen;
        char *file = slurp(cases[i].file, &flen);

        start(&s, 0, args);
        c = client_of(cfg_for(cases[i].backend, s.url));
        assert_int_equal(stream(c, &r, &seen), LLMPERF_OK);
        assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), cases[i].chunks);
        assert_int_equal(i64(r, LLMPERF_RESULT_OUTPUT_TOKENS),
                         cases[i].out_tokens);
        assert_string_equal(str(r, LLMPERF_RESULT_TOKENS_SOURCE),
                            cases[i].source);
        assert_true(strncmp(str(r, LLMPERF_RESULT_TEXT), cases[i].text,
                            strlen(cases[i].text)) == 0);
        /* The callback saw exactly the kept text. */
        assert_int_equal(seen.len, strlen(str(r, LLMPERF_RESULT_TEXT)));
        assert_memory_equal(seen.text, str(r, LLMPERF_RESULT_TEXT), seen.len);
        assert_int_equal(seen.calls, cases[i].chunks);
        assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 200);
        assert_int_equal(i64(r, LLMPERF_RESULT_BYTES_RECEIVED), (int64_t)flen);
        assert_int_equal(i64(r, LLMPERF_RESULT_NEW_CONNECTIONS), 1);
        assert_string_equal(str(r, LLMPERF_RESULT_BACKEND),
                            llmperf_backend_name(cases[i].backend));
        assert_int_equal(strncmp(str(r, LLMPERF_RESULT_REQUEST_ID), "llmperf-",
                                 8), 0);
        assert_true(i64(r, LLMPERF_RESULT_TTFB_NS) >= 30 * MS);
        assert_true(i64(r, LLMPERF_RESULT_TTFB_NS) <=
                    i64(r, LLMPERF_RESULT_TTFT_NS));
        assert_int_equal(i64(r, LLMPERF_RESULT_SCHEDULED_NS),
                         i64(r, LLMPERF_RESULT_SENT_NS));
        llmperf_result_free(r);
        llmperf_client_free(c);
        testsrv_stop(&s);
        free(file);
    }
}

/* Injected delays show up in the timeline: TTFT >= the first-byte delay,
 * gaps between chunks ~ the delay between writes. */
static void test_timing(void **state)
{
    const char *file = FIX "ollama/generate_stream.ndjson";
    char splits[256];
    const char *args[] = {"--response", file, NDJSON[0], NDJSON[1],
                          "--split", splits, "--delay-ms", "60",
                          "--first-byte-delay-ms", "150", NULL};
    testsrv s;
    llmperf_client *c;
    llmperf_result *r = NULL;
    const int64_t *t;
    size_t n;
    int64_t ttft, last;
    double tps;

    (void)state;
    event_splits(file, "\n", splits, sizeof(splits));
    start(&s, 0, args);
    c = client_of(cfg_for(LLMPERF_BACKEND_OLLAMA, s.url));
    assert_int_equal(stream(c, &r, NULL), LLMPERF_OK);
    ttft = i64(r, LLMPERF_RESULT_TTFT_NS);
    last = i64(r, LLMPERF_RESULT_LAST_TOKEN_NS);
    assert_true(ttft >= 150 * MS);
    assert_true(ttft < 1500 * MS);
    assert_int_equal(llmperf_result_chunks(r, &t, NULL, &n), 0);
    assert_int_equal(n, 4);
    /* Lines 1,2,3 and 5 hold text; line 4 is empty: gaps 60, 60, 120.
     * Bounds are loose: on a loaded machine a chunk read late shortens
     * the next gap. Timestamps taken after the transfer instead of at
     * arrival would give gaps near 0 and fail here and on the span. */
    for (size_t i = 1; i < n; i++) {
        int64_t gap = t[i] - t[i - 1], want = i == 3 ? 120 : 60;

        assert_true(gap >= want / 6 * MS);
        assert_true(gap < (want + 400) * MS);
    }
    assert_true(t[3] - t[0] >= 200 * MS);
    assert_int_equal(i64(r, LLMPERF_RESULT_OUTPUT_TOKENS), 5);
    assert_int_equal(i64(r, LLMPERF_RESULT_TPOT_NS), (last - ttft) / 4);
    assert_int_equal(llmperf_result_get_f64(r, LLMPERF_RESULT_OUTPUT_TPS, &tps),
                     0);
    assert_true(tps > 4.0 / 0.7 && tps < 4.0 / 0.23);
    /* The server's own timings, and what they do not explain. */
    assert_int_equal(i64(r, LLMPERF_RESULT_SERVER_LOAD_NS), 2100000);
    assert_int_equal(i64(r, LLMPERF_RESULT_SERVER_PROMPT_NS), 98000000);
    assert_int_equal(i64(r, LLMPERF_RESULT_SERVER_DECODE_NS), 25000000);
    assert_int_equal(i64(r, LLMPERF_RESULT_SERVER_TOTAL_NS), 131000000);
    assert_int_equal(i64(r, LLMPERF_RESULT_SERVER_ITL_NS), 25000000 / 4);
    assert_int_equal(i64(r, LLMPERF_RESULT_WAIT_NS),
                     ttft - 2100000 - 98000000);
    assert_int_equal(i64(r, LLMPERF_RESULT_PROMPT_TOKENS), 31);
    assert_string_equal(str(r, LLMPERF_RESULT_FINISH_REASON), "length");
    assert_string_equal(str(r, LLMPERF_RESULT_MODEL), "qwen2.5:0.5b");
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

/* ---- failures ----------------------------------------------------------- */

static void expect_failure(llmperf_client *c, int status, const char *cls,
                           llmperf_result **out)
{
    llmperf_result *r = NULL;

    assert_int_equal(stream(c, &r, NULL), status);
    assert_string_equal(str(r, LLMPERF_RESULT_ERROR_CLASS), cls);
    if (out != NULL)
        *out = r;
    else
        llmperf_result_free(r);
}

static void test_connect_refused(void **state)
{
    char url[128];
    int port = testsrv_closed_port();
    llmperf_client *c;
    llmperf_result *r;

    (void)state;
    assert_true(port > 0);
    /* Credentials in the URL are used but never shown. */
    snprintf(url, sizeof(url), "http://alice:hunter2@127.0.0.1:%d/", port);
    c = client_of(cfg_for(LLMPERF_BACKEND_OLLAMA, url));
    expect_failure(c, LLMPERF_ECONNECT, "connect", &r);
    assert_true(absent(r, LLMPERF_RESULT_HTTP_STATUS));
    assert_true(absent(r, LLMPERF_RESULT_TTFT_NS));
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 0);
    assert_non_null(strstr(llmperf_client_errmsg(c), "could not connect"));
    assert_null(strstr(llmperf_client_errmsg(c), "hunter2"));
    assert_null(strstr(llmperf_client_url(c), "hunter2"));
    assert_null(strstr(llmperf_client_url(c), "alice"));
    assert_non_null(strstr(llmperf_client_url(c), "/api/generate"));
    llmperf_result_free(r);
    llmperf_client_free(c);
}

static void test_http_errors(void **state)
{
    const char *a404[] = {"--raw-reframe", FIX "ollama/generate_error_404.http",
                          NULL};
    const char *a400[] = {"--raw", FIX "llama.cpp/openai_chat_error_400.http",
                          NULL};
    const char *a502[] = {"--response", FIX "tgi/generate_stream.sse",
                          "--status", "502 Bad Gateway", NULL};
    testsrv s;
    llmperf_client *c;
    llmperf_result *r;

    (void)state;
    start(&s, 0, a404);
    c = client_of(cfg_for(LLMPERF_BACKEND_OLLAMA, s.url));
    expect_failure(c, LLMPERF_EHTTP, "http", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 404);
    assert_string_equal(str(r, LLMPERF_RESULT_ERROR),
                        "HTTP 404: model \"llama9:70b\" not found, try "
                        "pulling it first");
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 0);
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);

    start(&s, 0, a400);
    c = client_of(cfg_for(LLMPERF_BACKEND_OPENAI_CHAT, s.url));
    expect_failure(c, LLMPERF_EHTTP, "http", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 400);
    assert_string_equal(llmperf_client_errmsg(c),
                        "HTTP 400: Expected 'messages' to be an array");
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);

    /* A 5xx with a body that is no error object: never parsed as a
     * stream, quoted as an excerpt. */
    start(&s, 0, a502);
    c = client_of(cfg_for(LLMPERF_BACKEND_TGI, s.url));
    expect_failure(c, LLMPERF_EHTTP, "http", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 502);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 0);
    assert_int_equal(strncmp(llmperf_client_errmsg(c), "HTTP 502: data:", 15),
                     0);
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

static void test_error_in_stream(void **state)
{
    const char *ao[] = {"--response",
                        FIX "ollama/generate_stream_error_midstream.ndjson",
                        NDJSON[0], NDJSON[1], "--split-every", "5", NULL};
    const char *av[] = {"--response",
                        FIX "openai/vllm_stream_error_midstream.sse", SSE[0],
                        SSE[1], NULL};
    testsrv s;
    llmperf_client *c;
    llmperf_result *r;

    (void)state;
    start(&s, 0, ao);
    c = client_of(cfg_for(LLMPERF_BACKEND_OLLAMA, s.url));
    expect_failure(c, LLMPERF_ESERVER, "server", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 200);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 2);
    assert_string_equal(str(r, LLMPERF_RESULT_TEXT), "Once upon");
    assert_string_equal(str(r, LLMPERF_RESULT_ERROR),
                        "server error in stream: an error was encountered "
                        "while running the model: unexpected EOF");
    assert_true(i64(r, LLMPERF_RESULT_TTFT_NS) > 0); /* partial kept */
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);

    start(&s, 0, av);
    c = client_of(cfg_for(LLMPERF_BACKEND_OPENAI, s.url));
    expect_failure(c, LLMPERF_ESERVER, "server", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 1);
    assert_non_null(strstr(llmperf_client_errmsg(c),
                           "longer than the maximum model length of 4096"));
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

static void test_truncated(void **state)
{
    const char *file = FIX "ollama/generate_stream.ndjson";
    char cut[32];
    const char *chunked[] = {"--response", file, NDJSON[0], NDJSON[1],
                             "--cut-at", cut, NULL};
    const char *closed[] = {"--response", file, NDJSON[0], NDJSON[1],
                            "--framing", "close", "--cut-at", cut, NULL};
    testsrv s;
    llmperf_client *c;
    llmperf_result *r;

    (void)state;
    snprintf(cut, sizeof(cut), "%zu", line_offset(file, 2) + 10);
    /* Chunked without its last chunk: curl sees the cut. */
    start(&s, 0, chunked);
    c = client_of(cfg_for(LLMPERF_BACKEND_OLLAMA, s.url));
    expect_failure(c, LLMPERF_EPROTOCOL, "protocol", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 2);
    assert_non_null(strstr(str(r, LLMPERF_RESULT_ERROR),
                           "stream ended before completion"));
    assert_true(i64(r, LLMPERF_RESULT_TTFT_NS) > 0);
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
    /* Close-delimited: HTTP looks complete; the missing done:true says
     * otherwise. */
    start(&s, 0, closed);
    c = client_of(cfg_for(LLMPERF_BACKEND_OLLAMA, s.url));
    expect_failure(c, LLMPERF_EPROTOCOL, "protocol", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 2);
    assert_string_equal(str(r, LLMPERF_RESULT_ERROR),
                        "stream ended before completion");
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

static void test_idle_and_total_timeout(void **state)
{
    const char *file = FIX "ollama/generate_stream.ndjson";
    char at[32];
    const char *args[] = {"--response", file, NDJSON[0], NDJSON[1],
                          "--stall-at", at, "--stall-ms", "3000", NULL};
    testsrv s;
    llmperf_config *cfg;
    llmperf_client *c;
    llmperf_result *r;
    int64_t t0, took;

    (void)state;
    snprintf(at, sizeof(at), "%zu", line_offset(file, 2));
    start(&s, 0, args);
    cfg = cfg_for(LLMPERF_BACKEND_OLLAMA, s.url);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IDLE_TIMEOUT_MS,
                                            200), 0);
    c = client_of(cfg);
    t0 = llmperf_now_ns();
    expect_failure(c, LLMPERF_ETIMEOUT, "timeout", &r);
    took = llmperf_now_ns() - t0;
    assert_true(took >= 200 * MS);
    assert_true(took < 1000 * MS); /* ms precision, not curl's 1 s */
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 2);
    assert_string_equal(str(r, LLMPERF_RESULT_ERROR),
                        "no data received for 200 ms (idle timeout)");
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);

    /* The total limit, with no idle limit. */
    start(&s, 0, args);
    cfg = cfg_for(LLMPERF_BACKEND_OLLAMA, s.url);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IDLE_TIMEOUT_MS,
                                            0), 0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_TOTAL_TIMEOUT_MS,
                                            300), 0);
    c = client_of(cfg);
    t0 = llmperf_now_ns();
    expect_failure(c, LLMPERF_ETIMEOUT, "timeout", NULL);
    took = llmperf_now_ns() - t0;
    assert_true(took >= 290 * MS && took < 2000 * MS);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

/* A custom body served by the replay server. */
static void serve_body(testsrv *s, char *path, size_t size, const char *body,
                       size_t len, int sse, const char *extra_opt)
{
    const char *const *ct = sse ? SSE : NDJSON;
    const char *args[] = {"--response", path, ct[0], ct[1], extra_opt, NULL};

    temp_file(path, size, body, len);
    start(s, 0, args);
}

static void test_malformed_streams(void **state)
{
    static const char bad_json[] =
        "data: {\"choices\":[{\"text\":\"ok\"}]}\n\ndata: {\"choices\":[}\n\n"
        "data: [DONE]\n\n";
    char big[6000];
    char path[64];
    testsrv s;
    llmperf_config *cfg;
    llmperf_client *c;
    llmperf_result *r;
    const char *empty[] = {"--empty", NULL};
    const char *garbage[] = {"--garbage", NULL};
    const char *noresp[] = {"--no-response", NULL};

    (void)state;
    serve_body(&s, path, sizeof(path), bad_json, strlen(bad_json), 1, NULL);
    c = client_of(cfg_for(LLMPERF_BACKEND_OPENAI, s.url));
    expect_failure(c, LLMPERF_EPROTOCOL, "protocol", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 1);
    assert_non_null(strstr(str(r, LLMPERF_RESULT_ERROR), "invalid JSON"));
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
    unlink(path);

    /* One line beyond LLMPERF_OPT_MAX_EVENT_BYTES. */
    memset(big, 'x', sizeof(big));
    memcpy(big, "{\"response\":\"", 14);
    big[sizeof(big) - 1] = '\n';
    serve_body(&s, path, sizeof(path), big, sizeof(big), 0, NULL);
    cfg = cfg_for(LLMPERF_BACKEND_OLLAMA, s.url);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_MAX_EVENT_BYTES,
                                            1024), 0);
    c = client_of(cfg);
    expect_failure(c, LLMPERF_ETOOBIG, "protocol", NULL);
    llmperf_client_free(c);
    testsrv_stop(&s);
    unlink(path);

    start(&s, 0, empty);
    c = client_of(cfg_for(LLMPERF_BACKEND_LLAMACPP, s.url));
    expect_failure(c, LLMPERF_EPROTOCOL, "protocol", &r);
    assert_string_equal(str(r, LLMPERF_RESULT_ERROR), "empty response body");
    assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 200);
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);

    start(&s, 0, garbage);
    c = client_of(cfg_for(LLMPERF_BACKEND_OPENAI, s.url));
    expect_failure(c, LLMPERF_EPROTOCOL, "protocol", NULL);
    llmperf_client_free(c);
    testsrv_stop(&s);

    start(&s, 0, noresp);
    c = client_of(cfg_for(LLMPERF_BACKEND_OPENAI, s.url));
    expect_failure(c, LLMPERF_EPROTOCOL, "protocol", NULL);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

/* Tokens may split a UTF-8 sequence (random-weight models do): bytes go
 * through unchanged and the request succeeds. */
static void test_invalid_utf8(void **state)
{
    static const char body[] =
        "{\"content\":\"\xd0\",\"tokens\":[1],\"stop\":false}\n\n"
        "{\"content\":\"\xbf ok \xff\",\"tokens\":[2],\"stop\":false}\n\n"
        "{\"content\":\"\",\"stop\":true,\"tokens_predicted\":2}\n\n";
    char sse[512], path[64];
    size_t n = 0;
    testsrv s;
    llmperf_client *c;
    llmperf_result *r = NULL;
    tokens_seen seen = {0};

    (void)state;
    /* Prefix each event with "data: ". */
    for (const char *p = body; *p; p = strstr(p, "\n\n") + 2)
        n += (size_t)snprintf(sse + n, sizeof(sse) - n, "data: %.*s\n\n",
                              (int)(strstr(p, "\n\n") - p), p);
    serve_body(&s, path, sizeof(path), sse, n, 1, NULL);
    c = client_of(cfg_for(LLMPERF_BACKEND_LLAMACPP, s.url));
    assert_int_equal(stream(c, &r, &seen), LLMPERF_OK);
    assert_string_equal(str(r, LLMPERF_RESULT_TEXT), "\xd0\xbf ok \xff");
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 2);
    assert_int_equal(i64(r, LLMPERF_RESULT_OUTPUT_TOKENS), 2);
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
    unlink(path);
}

static void test_abort(void **state)
{
    const char *args[] = {"--response", FIX "llama.cpp/openai_chat_stream.txt",
                          SSE[0], SSE[1], "--split-every", "40", NULL};
    testsrv s;
    llmperf_client *c;
    llmperf_result *r = NULL;
    tokens_seen seen = {0};

    (void)state;
    seen.abort_after = 2;
    start(&s, 0, args);
    c = client_of(cfg_for(LLMPERF_BACKEND_OPENAI_CHAT, s.url));
    assert_int_equal(stream(c, &r, &seen), LLMPERF_EABORTED);
    assert_string_equal(str(r, LLMPERF_RESULT_ERROR_CLASS), "aborted");
    assert_string_equal(llmperf_client_errmsg(c),
                        "aborted by the token callback");
    assert_int_equal(seen.calls, 2);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 2);
    assert_true(i64(r, LLMPERF_RESULT_TTFT_NS) > 0);
    llmperf_result_free(r);
    /* The client is still usable afterwards. */
    assert_int_equal(stream(c, &r, NULL), LLMPERF_OK);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 4);
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

/* ---- what goes on the wire ----------------------------------------------- */

static int secret_in_result(const llmperf_result *r, const char *secret)
{
    for (int f = LLMPERF_FIELDKIND_STR + 1; llmperf_result_field_name(f); f++) {
        const char *s;

        if (llmperf_result_get_str(r, f, &s) == LLMPERF_OK &&
            strstr(s, secret) != NULL)
            return 1;
    }
    return 0;
}

static void test_wire(void **state)
{
    const char *args[] = {"--response", FIX "llama.cpp/openai_chat_stream.txt",
                          SSE[0], SSE[1], NULL};
    const char *key = "sk-test-Secret-4711";
    testsrv s;
    llmperf_config *cfg;
    llmperf_client *c;
    llmperf_result *r1 = NULL, *r2 = NULL;
    char *log, *h, *body, *line;
    const char *end;
    int n_ct = 0;

    (void)state;
    start(&s, 1, args);
    cfg = cfg_for(LLMPERF_BACKEND_OPENAI_CHAT, s.url);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_API_KEY, key), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, "tiny"), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER,
                                            "X-Bench-Run: 7"), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER,
                                            "Content-Type: application/json; "
                                            "charset=utf-8"), 0);
    c = client_of(cfg);
    assert_int_equal(stream(c, &r1, NULL), LLMPERF_OK);
    assert_int_equal(stream(c, &r2, NULL), LLMPERF_OK);
    /* Keep-alive: the second request reused the first connection. */
    assert_int_equal(i64(r1, LLMPERF_RESULT_NEW_CONNECTIONS), 1);
    assert_int_equal(i64(r2, LLMPERF_RESULT_NEW_CONNECTIONS), 0);
    log = testsrv_read_log(&s);
    assert_non_null(log);
    assert_int_equal(testsrv_log_count(log), 2);
    line = testsrv_log_request_line(log, 0);
    assert_string_equal(line, "POST /v1/chat/completions HTTP/1.1");
    free(line);
    h = testsrv_log_header(log, 0, "Authorization");
    assert_non_null(h);
    assert_int_equal(strncmp(h, "Bearer ", 7), 0);
    assert_string_equal(h + 7, key);
    free(h);
    for (int i = 0; i < 2; i++) {
        h = testsrv_log_header(log, i, "X-Request-Id");
        assert_non_null(h);
        assert_string_equal(h, str(i ? r2 : r1, LLMPERF_RESULT_REQUEST_ID));
        free(h);
    }
    assert_string_not_equal(str(r1, LLMPERF_RESULT_REQUEST_ID),
                            str(r2, LLMPERF_RESULT_REQUEST_ID));
    h = testsrv_log_header(log, 0, "X-Bench-Run");
    assert_string_equal(h, "7");
    free(h);
    /* The user's Content-Type replaced ours: one header of that name. */
    end = strstr(log, "== END 1");
    for (const char *p = strstr(log, "== REQUEST 1 "); p != NULL && p < end;
         p = strchr(p, '\n') != NULL ? strchr(p, '\n') + 1 : NULL)
        n_ct += strncasecmp(p, "Content-Type:", 13) == 0;
    assert_int_equal(n_ct, 1);
    h = testsrv_log_header(log, 0, "Content-Type");
    assert_string_equal(h, "application/json; charset=utf-8");
    free(h);
    h = testsrv_log_header(log, 0, "Expect");
    assert_null(h);
    body = testsrv_log_body(log, 0, NULL);
    assert_non_null(strstr(body, "\"model\":\"tiny\""));
    assert_non_null(strstr(body, "\"include_usage\":true"));
    free(body);
    free(log);
    assert_false(secret_in_result(r1, key));
    assert_false(secret_in_result(r1, "Secret-4711"));
    assert_null(strstr(llmperf_client_errmsg(c), key));
    llmperf_result_free(r1);
    llmperf_result_free(r2);
    llmperf_client_free(c);
    testsrv_stop(&s);
}

/* A server that echoes the key in its error: the message is redacted. */
static void test_key_redacted(void **state)
{
    static const char body[] =
        "{\"error\":{\"message\":\"Incorrect API key provided: "
        "sk-test-Secret-4711\",\"type\":\"invalid_request_error\"}}";
    char path[64];
    const char *args[] = {"--response", path, "--status", "401 Unauthorized",
                          NULL};
    testsrv s;
    llmperf_config *cfg;
    llmperf_client *c;
    llmperf_result *r;

    (void)state;
    temp_file(path, sizeof(path), body, strlen(body));
    start(&s, 0, args);
    cfg = cfg_for(LLMPERF_BACKEND_OPENAI, s.url);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_API_KEY,
                                            "sk-test-Secret-4711"), 0);
    c = client_of(cfg);
    expect_failure(c, LLMPERF_EHTTP, "http", &r);
    assert_int_equal(i64(r, LLMPERF_RESULT_HTTP_STATUS), 401);
    assert_non_null(strstr(llmperf_client_errmsg(c),
                           "HTTP 401: Incorrect API key provided: ***"));
    assert_null(strstr(llmperf_client_errmsg(c), "Secret"));
    assert_false(secret_in_result(r, "Secret"));
    llmperf_result_free(r);
    llmperf_client_free(c);
    testsrv_stop(&s);
    unlink(path);
}

static void test_nostream_and_args(void **state)
{
    const char *args[] = {"--response",
                          FIX "llama.cpp/openai_chat_nostream.json",
                          "--header", "Content-Type: application/json",
                          "--first-byte-delay-ms", "50", NULL};
    testsrv s;
    llmperf_config *cfg;
    llmperf_client *c;
    llmperf_result *r = NULL;
    char *log, *body;

    (void)state;
    start(&s, 1, args);
    cfg = cfg_for(LLMPERF_BACKEND_OPENAI_CHAT, s.url);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_STREAM, 0), 0);
    c = client_of(cfg);
    assert_int_equal(stream(c, &r, NULL), LLMPERF_OK);
    assert_int_equal(i64(r, LLMPERF_RESULT_CHUNKS), 1);
    assert_int_equal(i64(r, LLMPERF_RESULT_OUTPUT_TOKENS), 4);
    assert_int_equal(i64(r, LLMPERF_RESULT_SERVER_CACHED_TOKENS), 28);
    assert_true(i64(r, LLMPERF_RESULT_TTFT_NS) >= 50 * MS);
    assert_int_equal(i64(r, LLMPERF_RESULT_TTFT_NS),
                     i64(r, LLMPERF_RESULT_E2E_NS));
    log = testsrv_read_log(&s);
    body = testsrv_log_body(log, 0, NULL);
    assert_non_null(strstr(body, "\"stream\":false"));
    free(body);
    free(log);
    llmperf_result_free(r);

    /* Bad arguments: no result, nothing sent. */
    r = (llmperf_result *)1;
    assert_int_equal(llmperf_client_stream(&r, c, NULL, -1, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_null(r);
    assert_int_equal(llmperf_client_stream(&r, NULL, "x", -1, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_client_stream(NULL, c, "x", -1, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_client_new(NULL, NULL), LLMPERF_EINVAL);
    assert_string_equal(llmperf_client_errmsg(NULL), "");
    assert_int_equal(llmperf_client_backend(c), LLMPERF_BACKEND_OPENAI_CHAT);
    llmperf_client_free(c);
    llmperf_client_free(NULL);
    testsrv_stop(&s);
}

/* Fail the n-th library allocation for n = 1, 2, ... until a request
 * gets through: every attempt ends in ENOMEM (with no result before
 * sending, or a result saying so after), never a crash or a leak. */
static void test_alloc_failure(void **state)
{
    const char *args[] = {"--response", FIX "llama.cpp/openai_chat_stream.txt",
                          SSE[0], SSE[1], "--split-every", "50", NULL};
    testsrv s;
    llmperf_client *c;
    int rc = LLMPERF_ENOMEM, with_result = 0;
    long n;

    (void)state;
    start(&s, 0, args);
    c = client_of(cfg_for(LLMPERF_BACKEND_OPENAI_CHAT, s.url));
    for (n = 1; n < 500 && rc != LLMPERF_OK; n++) {
        llmperf_result *r = NULL;
        int64_t st;

        llmperf__alloc_fail_after(n);
        rc = llmperf_client_stream(&r, c, "x", -1, NULL, NULL);
        llmperf__alloc_fail_after(0);
        if (rc == LLMPERF_OK) {
            assert_int_equal(llmperf_result_get_i64(r, LLMPERF_RESULT_CHUNKS,
                                                    &st), 0);
            assert_int_equal(st, 4);
        } else {
            assert_int_equal(rc, LLMPERF_ENOMEM);
            if (r != NULL) {
                with_result++;
                assert_int_equal(llmperf_result_get_i64(
                                     r, LLMPERF_RESULT_STATUS, &st), 0);
                assert_int_equal(st, LLMPERF_ENOMEM);
            }
        }
        llmperf_result_free(r);
    }
    assert_int_equal(rc, LLMPERF_OK);
    assert_true(with_result > 0); /* failures after sending were seen */
    llmperf_client_free(c);
    testsrv_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_backends),
        cmocka_unit_test(test_timing),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_http_errors),
        cmocka_unit_test(test_error_in_stream),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_idle_and_total_timeout),
        cmocka_unit_test(test_malformed_streams),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_wire),
        cmocka_unit_test(test_key_redacted),
        cmocka_unit_test(test_nostream_and_args),
        cmocka_unit_test(test_alloc_failure),
    };
    int rc;

    llmperf_global_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    llmperf_global_cleanup();
    return rc;
}
