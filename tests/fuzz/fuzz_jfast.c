/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jfast.c -- differential target for the backends' fast decoders
 * (lib/jfast.c and each backend's fast()) against json-c (decode()).
 * Also replayed under gcc by tests/fuzz_replay through standalone.c.
 *
 * Input: [backend][flags][event bytes]. The event is framed for the
 * backend (SSE "data:" line, or an NDJSON line; newlines in it split it
 * into several events, the same for both) and fed to two decoders: one
 * with the fast path, one with json-c only (no_fast). Every chunk (text,
 * reasoning, token count), the final status, the error message and
 * every stream_info field must be identical; any difference abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int backends[] = {
    LLMPERF_BACKEND_OLLAMA, LLMPERF_BACKEND_OLLAMA_CHAT,
    LLMPERF_BACKEND_OPENAI, LLMPERF_BACKEND_OPENAI_CHAT,
    LLMPERF_BACKEND_LLAMACPP, LLMPERF_BACKEND_TGI};

typedef struct rec {
    unsigned char *b;
    size_t len, cap;
} rec;

static void put(rec *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t ncap = r->cap ? r->cap : 256;

        while (ncap < r->len + n)
            ncap *= 2;
        r->b = realloc(r->b, ncap);
        if (r->b == NULL)
            abort();
        r->cap = ncap;
    }
    if (n > 0)
        memcpy(r->b + r->len, p, n);
    r->len += n;
}

static void put_str(rec *r, const char *s, size_t n)
{
    put(r, &n, sizeof(n));
    put(r, s != NULL ? s : "", n);
    put(r, s == NULL ? "N" : "S", 1);
}

static int on_chunk(const llmperf__chunk *c, void *ud)
{
    rec *r = ud;

    put_str(r, c->text, c->text_len);
    put_str(r, c->reasoning, c->reasoning_len);
    put(r, &c->tokens, sizeof(c->tokens));
    return LLMPERF_OK;
}

static void put_info(rec *r, const llmperf__decoder *d, int rc)
{
    const llmperf__stream_info *in = &d->info;
    const char *s;

    put(r, &rc, sizeof(rc));
    put(r, &d->done, sizeof(d->done));
    put(r, &d->events, sizeof(d->events));
    put(r, &in->prompt_tokens, sizeof(int64_t) * 9); /* the counts */
    s = in->finish_reason;
    put_str(r, s, s != NULL ? strlen(s) : 0);
    s = in->model;
    put_str(r, s, s != NULL ? strlen(s) : 0);
    s = in->error;
    put_str(r, s, s != NULL ? strlen(s) : 0);
}

/* Decode the framed stream with or without the fast path. */
static uint64_t run(int backend, int stream, int no_fast, const char *buf,
                    size_t len, rec *r)
{
    llmperf__decoder d;
    uint64_t fast;
    int rc;

    if (llmperf__decoder_init(&d, backend, stream, 0, on_chunk, r) !=
        LLMPERF_OK)
        abort();
    d.no_fast = no_fast;
    rc = llmperf__decoder_feed(&d, buf, len);
    if (rc == LLMPERF_OK)
        rc = llmperf__decoder_finish(&d);
    put_info(r, &d, rc);
    fast = d.fast_events;
    llmperf__decoder_free(&d);
    return fast;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const llmperf__backend *be;
    rec a = {0}, b = {0};
    char *buf;
    size_t n = 0, evlen;
    int backend, stream;

    if (size < 2)
        return 0;
    backend = backends[data[0] % (sizeof(backends) / sizeof(backends[0]))];
    stream = (data[1] & 1) == 0;
    be = llmperf__backend_get(backend);
    data += 2;
    evlen = size - 2;
    buf = malloc(evlen + 16);
    if (buf == NULL)
        abort();
    if (stream && be->framing == LLMPERF__FRAMING_SSE) {
        memcpy(buf, "data: ", 6);
        n = 6;
    }
    memcpy(buf + n, data, evlen);
    n += evlen;
    if (stream) {
        memcpy(buf + n, "\n\n", 2);
        n += be->framing == LLMPERF__FRAMING_SSE ? 2 : 1;
    }
    run(backend, stream, 0, buf, n, &a);
    run(backend, stream, 1, buf, n, &b);
    if (a.len != b.len || memcmp(a.b, b.b, a.len) != 0)
        abort();
    free(a.b);
    free(b.b);
    free(buf);
    return 0;
}
