/* SPDX-License-Identifier: MIT */
/*
 * test_jfast.c -- the allocation-free JSON reader (lib/jfast.c) and the
 * backends' fast decoders: what the reader accepts and declines, member
 * lookup, unescaping; and every stream fixture decoded with and without
 * the fast path giving the same chunks and stream information, with the
 * fast path actually taking the token events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "internal.h"
#include "jfast.h"

static int parses(const char *s)
{
    llmperf__jspan v;

    return llmperf__jfast_parse(s, strlen(s), &v);
}

static void test_accepts_and_declines(void **state)
{
    static const char *const ok[] = {
        "{}", "[]", " {\"a\" : [1, -2.5, true, false, null, \"x\"]} ",
        "{\"a\":{\"b\":{\"c\":[0]}}}", "\"\\u00e9\\n\\/\"", "-0", "0.125",
        "{\"k\":\"caf\xc3\xa9\"}"};
    static const char *const no[] = {
        "", "{", "{\"a\":1,}", "[1,]", "{a:1}", "{'a':1}", "01", "1.",
        "1e5", "-", "+1", "tru", "nul", "{\"a\":1} x", "\"\\x\"",
        "\"\\u12\"", "\"\\u0000\"", "\"\\ud83d\\ude00\"", "\"a\tb\"",
        "1234567890123456789", "{\"a\":1}{}", "NaN", "[1 2]",
        "{\"a\" 1}"};
    char deep[200];

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!parses(ok[i]))
            fail_msg("declined: %s", ok[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (parses(no[i]))
            fail_msg("accepted: %s", no[i]);
    /* nesting beyond the cap is left to json-c */
    memset(deep, '[', 50);
    memset(deep + 50, ']', 50);
    deep[100] = '\0';
    assert_false(parses(deep));
    memset(deep, '[', 10);
    memset(deep + 10, ']', 10);
    deep[20] = '\0';
    assert_true(parses(deep));
}

static void test_pick_first_str(void **state)
{
    static const char ev[] =
        "{\"x\":{\"text\":\"no\"},\"text\":\"a\\\"b\\\\c\\u00e9\\u20ac\","
        "\"n\":12,\"arr\":[ {\"k\":1} ,2],\"b\":true,\"z\":null}";
    static const char *const keys[] = {"text", "n", "arr", "b", "z", "gone"};
    llmperf__jspan root, v[6], el;
    char scratch[sizeof(ev)], *sp = scratch;
    const char *s;
    size_t n;
    int64_t i;

    (void)state;
    assert_true(llmperf__jfast_parse(ev, strlen(ev), &root));
    assert_int_equal(root.type, LLMPERF__J_OBJ);
    assert_true(llmperf__jfast_pick(&root, keys, 6, v));
    assert_int_equal(v[0].type, LLMPERF__J_STR);
    assert_true(v[0].escaped);
    assert_true(llmperf__jfast_str(&v[0], &sp, &s, &n));
    assert_int_equal(n, strlen("a\"b\\c\xc3\xa9\xe2\x82\xac"));
    assert_memory_equal(s, "a\"b\\c\xc3\xa9\xe2\x82\xac", n);
    assert_ptr_equal(sp, scratch + n);
    assert_int_equal(v[1].type, LLMPERF__J_NUM);
    assert_true(llmperf__fast_i64(&v[1], &i));
    assert_int_equal(i, 12);
    assert_int_equal(v[2].type, LLMPERF__J_ARR);
    assert_true(llmperf__jfast_first(&v[2], &el));
    assert_int_equal(el.type, LLMPERF__J_OBJ);
    assert_int_equal(el.n, strlen("{\"k\":1}"));
    assert_true(llmperf__jfast_true(&v[3]));
    assert_int_equal(v[4].type, LLMPERF__J_NULL);
    assert_int_equal(v[5].type, LLMPERF__J_NONE);
    /* a duplicated wanted key, or a key that might spell one, declines */
    assert_true(llmperf__jfast_parse("{\"text\":1,\"text\":2}", 19, &root));
    assert_false(llmperf__jfast_pick(&root, keys, 1, v));
    assert_true(llmperf__jfast_parse("{\"te\\u0078t\":1}", 15, &root));
    assert_false(llmperf__jfast_pick(&root, keys, 1, v));
    /* an empty array has no first element */
    assert_true(llmperf__jfast_parse("[ ]", 3, &root));
    assert_false(llmperf__jfast_first(&root, &el));
}

/* ---- fixtures through both paths ---------------------------------------- */

typedef struct rec {
    char *b;
    size_t len, cap;
} rec;

static void put(rec *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        r->cap = (r->len + n) * 2;
        r->b = realloc(r->b, r->cap);
        assert_non_null(r->b);
    }
    memcpy(r->b + r->len, p, n);
    r->len += n;
}

static void put_str(rec *r, const char *s, size_t n)
{
    char tag = s == NULL ? 'N' : 'S';

    put(r, &n, sizeof(n));
    put(r, &tag, 1);
    if (s != NULL && n > 0)
        put(r, s, n);
}

static int on_chunk(const llmperf__chunk *c, void *ud)
{
    put_str(ud, c->text, c->text_len);
    put_str(ud, c->reasoning, c->reasoning_len);
    put(ud, &c->tokens, sizeof(c->tokens));
    return LLMPERF_OK;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;

    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Decode buf; the record gets chunks, status and stream info. */
static uint64_t decode(int backend, int no_fast, const char *buf,
                       size_t len, rec *r, uint64_t *events)
{
    llmperf__decoder d;
    const llmperf__stream_info *in = &d.info;
    uint64_t fast;
    int rc;

    assert_int_equal(llmperf__decoder_init(&d, backend, 1, 0, on_chunk, r),
                     LLMPERF_OK);
    d.no_fast = no_fast;
    /* in pieces of 7 bytes: events split across feeds */
    rc = LLMPERF_OK;
    for (size_t off = 0; off < len && rc == LLMPERF_OK; off += 7)
        rc = llmperf__decoder_feed(&d, buf + off,
                                   len - off < 7 ? len - off : 7);
    if (rc == LLMPERF_OK)
        rc = llmperf__decoder_finish(&d);
    put(r, &rc, sizeof(rc));
    put(r, &in->prompt_tokens, sizeof(in->prompt_tokens));
    put(r, &in->output_tokens, sizeof(in->output_tokens));
    put(r, &in->server_decode_ns, sizeof(in->server_decode_ns));
    put(r, &in->server_cached_tokens, sizeof(in->server_cached_tokens));
    put_str(r, in->finish_reason,
            in->finish_reason ? strlen(in->finish_reason) : 0);
    put_str(r, in->model, in->model ? strlen(in->model) : 0);
    put_str(r, in->error, in->error ? strlen(in->error) : 0);
    fast = d.fast_events;
    *events = d.events;
    llmperf__decoder_free(&d);
    return fast;
}

static void test_fixtures_both_paths(void **state)
{
    static const struct {
        const char *file;
        int backend;
    } fx[] = {
        {"ollama/generate_stream.ndjson", LLMPERF_BACKEND_OLLAMA},
        {"ollama/generate_stream_cached_prompt.ndjson",
         LLMPERF_BACKEND_OLLAMA},
        {"ollama/generate_stream_error_midstream.ndjson",
         LLMPERF_BACKEND_OLLAMA},
        {"ollama/chat_stream.ndjson", LLMPERF_BACKEND_OLLAMA_CHAT},
        {"llama.cpp/openai_completions_stream.txt", LLMPERF_BACKEND_OPENAI},
        {"llama.cpp/openai_chat_stream.txt", LLMPERF_BACKEND_OPENAI_CHAT},
        {"llama.cpp/llamacpp_completion_stream.txt",
         LLMPERF_BACKEND_LLAMACPP},
        {"llama.cpp/llamacpp_completion_stream_progress.txt",
         LLMPERF_BACKEND_LLAMACPP},
        {"openai/completions_stream_crlf_nospace.sse",
         LLMPERF_BACKEND_OPENAI},
        {"openai/vllm_chat_stream_role_first.sse",
         LLMPERF_BACKEND_OPENAI_CHAT},
        {"openai/vllm_stream_error_midstream.sse",
         LLMPERF_BACKEND_OPENAI_CHAT},
        {"tgi/generate_stream.sse", LLMPERF_BACKEND_TGI},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
        char path[512];
        size_t len;
        char *buf;
        rec a = {0}, b = {0};
        uint64_t fast, slow, events, events_b;

        snprintf(path, sizeof(path), "%s/fixtures/%s", LLMPERF_SHARED_DIR,
                 fx[i].file);
        buf = slurp(path, &len);
        fast = decode(fx[i].backend, 0, buf, len, &a, &events);
        slow = decode(fx[i].backend, 1, buf, len, &b, &events_b);
        if (a.len != b.len || memcmp(a.b, b.b, a.len) != 0)
            fail_msg("%s: the fast path decodes differently", fx[i].file);
        assert_int_equal(slow, 0);
        assert_int_equal(events, events_b);
        /* the token events take the fast path: all but the first/last
         * few (usage, final, error events go to json-c); the "progress"
         * capture has llama.cpp timings in every event, which json-c
         * reads */
        if (events >= 4 && fast * 2 < events &&
            strstr(fx[i].file, "progress") == NULL)
            fail_msg("%s: only %llu of %llu events on the fast path",
                     fx[i].file, (unsigned long long)fast,
                     (unsigned long long)events);
        free(a.b);
        free(b.b);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_and_declines),
        cmocka_unit_test(test_pick_first_str),
        cmocka_unit_test(test_fixtures_both_paths),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
