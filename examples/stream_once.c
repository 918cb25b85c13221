/* SPDX-License-Identifier: MIT */
/*
 * stream_once -- send one prompt, stream the answer to stdout, and print
 * its timings to stderr: TTFT, TPOT, E2E, output tokens (and who counted
 * them), and the server's own timings when it reports them.
 *
 *   stream_once [--backend NAME] [--url URL] [--model M] [--max-tokens N]
 *               PROMPT
 *
 * Introduces: llmperf_config_*, llmperf_client_new, llmperf_client_stream
 * with a token callback, llmperf_result_get_*.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int on_token(const llmperf_token *tok, void *userdata)
{
    (void)userdata;
    /* Reasoning ("thinking") goes to stderr, the answer to stdout. */
    fwrite(tok->text, 1, tok->text_len, tok->is_reasoning ? stderr : stdout);
    fflush(tok->is_reasoning ? stderr : stdout);
    return 0; /* non-zero would stop the request */
}

/* Print a duration field in ms, or "-" when the result does not have it. */
static void print_ms(const llmperf_result *r, const char *label, int field)
{
    int64_t v;

    if (llmperf_result_get_i64(r, field, &v) == LLMPERF_OK)
        fprintf(stderr, "  %-16s %10.3f ms\n", label, (double)v / 1e6);
    else
        fprintf(stderr, "  %-16s %10s\n", label, "-");
}

static void print_int(const llmperf_result *r, const char *label, int field)
{
    int64_t v;

    if (llmperf_result_get_i64(r, field, &v) == LLMPERF_OK)
        fprintf(stderr, "  %-16s %10lld\n", label, (long long)v);
}

static void usage(void)
{
    fprintf(stderr, "usage: stream_once [--backend NAME] [--url URL] "
                    "[--model M] [--max-tokens N] PROMPT\n"
                    "backends: ollama ollama-chat openai openai-chat "
                    "llamacpp tgi (default ollama)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *backend_name = "ollama", *url = NULL, *model = NULL;
    const char *prompt = NULL, *source = "?", *s;
    long long max_tokens = -1;
    llmperf_config *cfg;
    llmperf_client *client;
    llmperf_result *r = NULL;
    int backend, rc;
    int64_t out = 0;
    double tps;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--backend") == 0 && v)
            backend_name = v, i++;
        else if (strcmp(a, "--url") == 0 && v)
            url = v, i++;
        else if (strcmp(a, "--model") == 0 && v)
            model = v, i++;
        else if (strcmp(a, "--max-tokens") == 0 && v)
            max_tokens = strtoll(v, NULL, 10), i++;
        else if (a[0] == '-' || prompt != NULL)
            usage();
        else
            prompt = a;
    }
    if (prompt == NULL || llmperf_backend_from_name(&backend, backend_name))
        usage();

    CHECK(llmperf_global_init());
    CHECK(llmperf_config_new(&cfg, backend));
    if (url != NULL)
        CHECK(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL, url));
    if (model != NULL)
        CHECK(llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, model));
    CHECK(llmperf_client_new(&client, cfg));
    llmperf_config_free(cfg); /* the client has its own copy */

    rc = llmperf_client_stream(&r, client, prompt, max_tokens, on_token, NULL);
    fputc('\n', stdout);
    fprintf(stderr, "\n%s -> %s\n", llmperf_backend_name(backend),
            llmperf_client_url(client));
    if (rc != LLMPERF_OK) {
        fprintf(stderr, "  failed: %s (%s): %s\n", llmperf_status_name(rc),
                llmperf_strerror(rc), llmperf_client_errmsg(client));
        if (r == NULL) /* failed before sending: nothing was measured */
            return 1;
    }
    llmperf_result_get_i64(r, LLMPERF_RESULT_OUTPUT_TOKENS, &out);
    llmperf_result_get_str(r, LLMPERF_RESULT_TOKENS_SOURCE, &source);
    fprintf(stderr, "  %-16s %10lld (counted by: %s)\n", "output tokens",
            (long long)out, source);
    print_int(r, "prompt tokens", LLMPERF_RESULT_PROMPT_TOKENS);
    print_int(r, "chunks", LLMPERF_RESULT_CHUNKS);
    print_ms(r, "ttft", LLMPERF_RESULT_TTFT_NS);
    print_ms(r, "tpot", LLMPERF_RESULT_TPOT_NS);
    print_ms(r, "e2e", LLMPERF_RESULT_E2E_NS);
    if (llmperf_result_get_f64(r, LLMPERF_RESULT_OUTPUT_TPS, &tps) == 0)
        fprintf(stderr, "  %-16s %10.1f tok/s\n", "decode rate", tps);
    if (llmperf_result_get_str(r, LLMPERF_RESULT_FINISH_REASON, &s) == 0)
        fprintf(stderr, "  %-16s %10s\n", "finish", s);
    fprintf(stderr, "server's own timings:\n");
    print_ms(r, "load", LLMPERF_RESULT_SERVER_LOAD_NS);
    print_ms(r, "prompt eval", LLMPERF_RESULT_SERVER_PROMPT_NS);
    print_ms(r, "decode", LLMPERF_RESULT_SERVER_DECODE_NS);
    print_ms(r, "itl", LLMPERF_RESULT_SERVER_ITL_NS);
    print_ms(r, "wait", LLMPERF_RESULT_WAIT_NS);
    print_int(r, "prompt evaluated", LLMPERF_RESULT_SERVER_PROMPT_TOKENS);
    print_int(r, "cached tokens", LLMPERF_RESULT_SERVER_CACHED_TOKENS);

    llmperf_result_free(r);
    llmperf_client_free(client);
    llmperf_global_cleanup();
    return rc == LLMPERF_OK ? 0 : 1;
}
