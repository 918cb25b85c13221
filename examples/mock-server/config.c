/* SPDX-License-Identifier: MIT */
/*
 * config.c -- command line of llmperf-mock. Every flag, its default and
 * the model's equations are printed by --help; docs/MOCK.md says the
 * same at length. Long options only, as "--name value" or "--name=value".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"

static const char usage_text[] =
    "usage: llmperf-mock [options]\n"
    "\n"
    "A simulated LLM inference server for benchmarking clients. It speaks\n"
    "Ollama (/api/generate, /api/chat, /api/tags), OpenAI-compatible\n"
    "(/v1/completions, /v1/chat/completions, /v1/models), llama.cpp\n"
    "(/completion, /health) and TGI (/generate_stream, /generate), plus\n"
    "GET /metrics (Prometheus). One thread, libevent.\n"
    "\n"
    "Network:\n"
    "  --host ADDR             listen address (127.0.0.1)\n"
    "  --port N                port; 0 picks a free one (8000). The first\n"
    "                          stdout line is always\n"
    "                          'llmperf-mock listening on HOST:PORT'\n"
    "  --idle-timeout-s S      drop a connection idle for S seconds (300)\n"
    "  --late-headers          send response headers with the first chunk\n"
    "                          (Go/Ollama style) instead of on admission\n"
    "\n"
    "Models:\n"
    "  --model NAME            a served model; repeatable (llmperf-mock).\n"
    "                          Unknown names get each protocol's 404\n"
    "  --any-model             accept every model name\n"
    "\n"
    "Server model (times in ms; J = jitter factor, uniform in\n"
    "[1-j, 1+j], drawn per step; b = busy slots incl. this one):\n"
    "  --slots N               parallel slots, FIFO queue in front (4)\n"
    "  --max-queue N           queued requests beyond which new ones get\n"
    "                          503 (Ollama 503, TGI 429); 0 = no limit (0)\n"
    "  --load-ms MS            model load on the first request and after\n"
    "                          an unload (200)\n"
    "  --unload-after-ms MS    unload after MS idle; 0 = never (300000)\n"
    "  --prefill-base-ms MS    fixed cost of a prefill (5)\n"
    "  --prefill-ms-per-token MS  per uncached prompt token (0.2)\n"
    "  --decode-ms-per-token MS   per output token at b = 1 (10)\n"
    "  --batch-factor F        slowdown per extra busy slot (0.7):\n"
    "                            s(b) = 1 + F * (b - 1)\n"
    "                            prefill = (base + per_token * n_eval)\n"
    "                                      * s(b) * J\n"
    "                            token 1 at prefill end; token i > 1 at\n"
    "                            t(i-1) + decode * s(b) * J\n"
    "  --jitter J              relative jitter half-width (0.05)\n"
    "  --output-tokens DIST    natural output length: fixed:N,\n"
    "                          uniform:MIN:MAX or normal:MEAN:SD\n"
    "                          (normal:128:32), at least 1, then capped by\n"
    "                          the request's max tokens; ignore_eos gives\n"
    "                          exactly max tokens, min_tokens a floor\n"
    "  --max-tokens-default N  cap when a request names none (2048)\n"
    "  --tokens-per-chunk K    tokens per socket write (1)\n"
    "  --chunk-mode MODE       merge: one event holds K tokens (vLLM\n"
    "                          stream interval); burst: K events in one\n"
    "                          write (buffering servers) (merge)\n"
    "  --no-prefix-cache       disable the per-slot prompt prefix cache\n"
    "  --seed N                RNG seed for lengths, jitter, faults, text\n"
    "                          (42)\n"
    "  --vocab ascii|utf8      generated text: ASCII pseudo-words, or\n"
    "                          with multi-byte UTF-8 pieces too (ascii)\n"
    "\n"
    "Prompt tokens: pieces as a BPE pre-tokenizer cuts them (a space\n"
    "joins the next word): letter run ceil(n/6), digit run ceil(n/3),\n"
    "one per non-ASCII code point, one per '<|...|>' marker, one per\n"
    "other whitespace run and per punctuation byte. Chat messages and\n"
    "Ollama prompts are first rendered with a ChatML template.\n"
    "\n"
    "Faults:\n"
    "  --fault-rate SPEC=P     apply fault SPEC to a request with\n"
    "                          probability P; repeatable. Per request:\n"
    "                          header 'X-Mock-Fault: SPEC[,SPEC...]'\n"
    "     SPEC: http-429 | http-500 | http-503 | disconnect[:AFTER]\n"
    "         | stall:MS[:AFTER] | malformed[:AFTER] | error-event[:AFTER]\n"
    "         | garbage[:AFTER] | slow-headers:MS\n"
    "     AFTER = tokens generated before the fault strikes (default 1)\n"
    "\n"
    "Ground truth and output:\n"
    "  --log FILE              one JSON line per finished request, written\n"
    "                          and flushed as it finishes (docs/MOCK.md)\n"
    "  --verbose               one summary line per request on stderr\n"
    "  --help, --version\n";

static int parse_int(const char *v, long lo, long hi, long *out)
{
    char *end;
    long x;

    errno = 0;
    x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
    char *end;
    double x;

    errno = 0;
    x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x) || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int parse_dist(struct mock_cfg *c, const char *v)
{
    double a = 0, b = 0;
    char tail;

    if (sscanf(v, "fixed:%lf%c", &a, &tail) == 1 && a >= 1) {
        c->dist = DIST_FIXED;
    } else if (sscanf(v, "uniform:%lf:%lf%c", &a, &b, &tail) == 2 &&
               a >= 1 && b >= a) {
        c->dist = DIST_UNIFORM;
    } else if (sscanf(v, "normal:%lf:%lf%c", &a, &b, &tail) == 2 &&
               a >= 1 && b >= 0) {
        c->dist = DIST_NORMAL;
    } else {
        return -1;
    }
    c->dist_a = a;
    c->dist_b = b;
    return 0;
}

static int parse_rate(struct mock_cfg *c, const char *v)
{
    const char *eq = strrchr(v, '=');
    const char *why = "expected SPEC=P";
    double p;

    if (!eq || c->n_rates >= MOCK_MAX_RATES)
        goto bad;
    if (parse_double(eq + 1, 0.0, 1.0, &p) != 0) {
        why = "P must be in [0, 1]";
        goto bad;
    }
    if (mock_fault_parse(&c->rates[c->n_rates].f, v, (size_t)(eq - v),
                         &why) != 0)
        goto bad;
    c->rates[c->n_rates].p = p;
    c->n_rates++;
    return 0;
bad:
    fprintf(stderr, "llmperf-mock: --fault-rate %s: %s\n", v, why);
    return -1;
}

static void set_defaults(struct mock_cfg *c)
{
    memset(c, 0, sizeof(*c));
    c->host = "127.0.0.1";
    c->port = 8000;
    c->slots = 4;
    c->load_ms = 200;
    c->unload_after_ms = 300000;
    c->prefill_base_ms = 5;
    c->prefill_ms_per_token = 0.2;
    c->decode_ms_per_token = 10;
    c->batch_factor = 0.7;
    c->jitter = 0.05;
    c->tokens_per_chunk = 1;
    c->chunk_mode = CHUNK_MERGE;
    c->dist = DIST_NORMAL;
    c->dist_a = 128;
    c->dist_b = 32;
    c->max_tokens_default = 2048;
    c->prefix_cache = 1;
    c->seed = 42;
    c->vocab = VOCAB_ASCII;
    c->idle_timeout_s = 300;
}

/* Options that take a value, and those that do not. */
static const char *const with_value[] = {
    "host", "port", "idle-timeout-s", "model", "slots", "max-queue",
    "load-ms", "unload-after-ms", "prefill-base-ms", "prefill-ms-per-token",
    "decode-ms-per-token", "batch-factor", "jitter", "output-tokens",
    "max-tokens-default", "tokens-per-chunk", "chunk-mode", "seed", "vocab",
    "log", "fault-rate", NULL};

static int apply(struct mock_cfg *c, const char *name, const char *v)
{
    long l;
    double d;

#define OPT(s) (strcmp(name, s) == 0)
    if (OPT("host")) {
        c->host = v;
    } else if (OPT("port")) {
        if (parse_int(v, 0, 65535, &l))
            return -1;
        c->port = (int)l;
    } else if (OPT("idle-timeout-s")) {
        if (parse_double(v, 1, 86400 * 7, &c->idle_timeout_s))
            return -1;
    } else if (OPT("model")) {
        if (c->n_models >= MOCK_MAX_MODELS || !*v)
            return -1;
        c->models[c->n_models++] = v;
    } else if (OPT("slots")) {
        if (parse_int(v, 1, 1000000, &l))
            return -1;
        c->slots = (int)l;
    } else if (OPT("max-queue")) {
        if (parse_int(v, 0, 100000000, &l))
            return -1;
        c->max_queue = (int)l;
    } else if (OPT("load-ms")) {
        return parse_double(v, 0, 3.6e6, &c->load_ms);
    } else if (OPT("unload-after-ms")) {
        return parse_double(v, 0, 8.64e7, &c->unload_after_ms);
    } else if (OPT("prefill-base-ms")) {
        return parse_double(v, 0, 3.6e6, &c->prefill_base_ms);
    } else if (OPT("prefill-ms-per-token")) {
        return parse_double(v, 0, 3.6e6, &c->prefill_ms_per_token);
    } else if (OPT("decode-ms-per-token")) {
        return parse_double(v, 0, 3.6e6, &c->decode_ms_per_token);
    } else if (OPT("batch-factor")) {
        return parse_double(v, 0, 1000, &c->batch_factor);
    } else if (OPT("jitter")) {
        return parse_double(v, 0, 0.99, &c->jitter);
    } else if (OPT("output-tokens")) {
        return parse_dist(c, v);
    } else if (OPT("max-tokens-default")) {
        if (parse_int(v, 1, 10000000, &l))
            return -1;
        c->max_tokens_default = (int)l;
    } else if (OPT("tokens-per-chunk")) {
        if (parse_int(v, 1, 4096, &l))
            return -1;
        c->tokens_per_chunk = (int)l;
    } else if (OPT("chunk-mode")) {
        if (strcmp(v, "merge") == 0)
            c->chunk_mode = CHUNK_MERGE;
        else if (strcmp(v, "burst") == 0)
            c->chunk_mode = CHUNK_BURST;
        else
            return -1;
    } else if (OPT("seed")) {
        if (parse_double(v, 0, 1.8e19, &d))
            return -1;
        c->seed = (uint64_t)d;
    } else if (OPT("vocab")) {
        if (strcmp(v, "ascii") == 0)
            c->vocab = VOCAB_ASCII;
        else if (strcmp(v, "utf8") == 0)
            c->vocab = VOCAB_UTF8;
        else
            return -1;
    } else if (OPT("log")) {
        c->log_path = v;
    } else if (OPT("fault-rate")) {
        return parse_rate(c, v);
    } else if (OPT("any-model")) {
        c->any_model = 1;
    } else if (OPT("no-prefix-cache")) {
        c->prefix_cache = 0;
    } else if (OPT("late-headers")) {
        c->late_headers = 1;
    } else if (OPT("verbose")) {
        c->verbose = 1;
    } else {
        return -2;
    }
#undef OPT
    return 0;
}

int mock_cfg_parse(struct mock_cfg *c, int argc, char **argv)
{
    int i, k, rc;

    set_defaults(c);
    for (i = 1; i < argc; i++) {
        char name[64];
        const char *a = argv[i], *v = NULL, *eq;
        size_t n;
        int needs = 0;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return 1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("llmperf-mock %s\n", MOCK_VERSION);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0)
            goto bad;
        a += 2;
        eq = strchr(a, '=');
        n = eq ? (size_t)(eq - a) : strlen(a);
        if (n == 0 || n >= sizeof(name))
            goto bad;
        memcpy(name, a, n);
        name[n] = '\0';
        for (k = 0; with_value[k]; k++)
            if (strcmp(with_value[k], name) == 0)
                needs = 1;
        if (needs) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                goto missing;
        } else if (eq) {
            goto bad;
        }
        rc = apply(c, name, v ? v : "");
        if (rc == -2)
            goto bad;
        if (rc != 0) {
            fprintf(stderr, "llmperf-mock: bad value for --%s: '%s'\n", name,
                    v ? v : "");
            return -1;
        }
        continue;
    missing:
        fprintf(stderr, "llmperf-mock: --%s needs a value\n", name);
        return -1;
    bad:
        fprintf(stderr, "llmperf-mock: unknown option '%s' (see --help)\n",
                argv[i]);
        return -1;
    }
    if (c->n_models == 0)
        c->models[c->n_models++] = "llmperf-mock";
    return 0;
}
