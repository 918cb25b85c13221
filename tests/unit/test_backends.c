/* SPDX-License-Identifier: MIT */
/*
 * test_backends.c -- the backends without a network: every fixture of
 * ../shared/fixtures decoded through the real SSE/NDJSON parsers (fed
 * whole, byte by byte and split at random points, which must all agree),
 * error bodies, truncated and malformed streams, request bodies parsed
 * back as JSON, the config setters, result derivation, and allocation
 * failure injection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "backend.h"
#include "internal.h"
#include "llmperf/llmperf.h"
#include "result_int.h"

#define FIX LLMPERF_SHARED_DIR "/fixtures/"

/* ---- helpers ------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Body of a captured .http response (after the blank line). */
static const char *http_body(const char *raw, size_t *len)
{
    const char *p = strstr(raw, "\r\n\r\n");

    assert_non_null(p);
    p += 4;
    *len = strlen(p);
    return p;
}

typedef struct outcome {
    int status;
    char text[8192];
    size_t text_len;
    char reasoning[1024];
    size_t reasoning_len;
    int chunks;
    int32_t tokens[256];
    int abort_at; /* chunk index where the callback stops; -1: never */
    llmperf__stream_info info;
    char finish[64], model[128], error[512];
} outcome;

static int collect(const llmperf__chunk *c, void *userdata)
{
    outcome *o = userdata;

    assert_true(c->text_len > 0 || c->reasoning_len > 0);
    assert_true(o->text_len + c->text_len < sizeof(o->text));
    if (c->text_len > 0)
        memcpy(o->text + o->text_len, c->text, c->text_len);
    o->text_len += c->text_len;
    assert_true(o->reasoning_len + c->reasoning_len < sizeof(o->reasoning));
    if (c->reasoning_len > 0)
        memcpy(o->reasoning + o->reasoning_len, c->reasoning,
               c->reasoning_len);
    o->reasoning_len += c->reasoning_len;
    assert_true(o->chunks < 256);
    o->tokens[o->chunks++] = c->tokens;
    if (o->abort_at >= 0 && o->chunks > o->abort_at)
        return LLMPERF_EABORTED;
    return 0;
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* mode 0: whole; 1: byte by byte; >= 2: random splits seeded by mode. */
static void run_mode(outcome *o, int backend, int stream, const char *data,
                     size_t len, int mode, size_t max_event)
{
    llmperf__decoder d;
    size_t off = 0;
    int rc = LLMPERF_OK, abort_at = o->abort_at;

    memset(o, 0, sizeof(*o));
    o->abort_at = abort_at;
    assert_int_equal(llmperf__decoder_init(&d, backend, stream, max_event,
                                           collect, o),
                     LLMPERF_OK);
    rng_state = (uint64_t)mode * 7919u;
    while (off < len && rc == LLMPERF_OK) {
        size_t n = len - off;

        if (mode == 1)
            n = 1;
        else if (mode >= 2)
            n = 1 + rnd() % (n < 40 ? n : 40);
        rc = llmperf__decoder_feed(&d, data + off, n);
        off += n;
    }
    if (rc == LLMPERF_OK)
        rc = llmperf__decoder_finish(&d);
    o->status = rc;
    o->info = d.info;
    snprintf(o->finish, sizeof(o->finish), "%s",
             d.info.finish_reason ? d.info.finish_reason : "");
    snprintf(o->model, sizeof(o->model), "%s",
             d.info.model ? d.info.model : "");
    snprintf(o->error, sizeof(o->error), "%s",
             d.info.error ? d.info.error : "");
    o->info.finish_reason = o->info.model = o->info.error = NULL;
    llmperf__decoder_free(&d);
}

/* Decode in every mode; all must agree with the whole-buffer run. */
static void run_all(outcome *o, int backend, int stream, const char *data,
                    size_t len)
{
    outcome other;

    o->abort_at = -1;
    run_mode(o, backend, stream, data, len, 0, 0);
    for (int mode = 1; mode < 8; mode++) {
        other.abort_at = -1;
        run_mode(&other, backend, stream, data, len, mode, 0);
        assert_int_equal(other.status, o->status);
        assert_int_equal(other.chunks, o->chunks);
        assert_int_equal(other.text_len, o->text_len);
        assert_memory_equal(other.text, o->text, o->text_len);
        assert_memory_equal(other.tokens, o->tokens,
                            sizeof(int32_t) * (size_t)o->chunks);
        assert_int_equal(other.info.output_tokens, o->info.output_tokens);
        assert_string_equal(other.error, o->error);
        assert_string_equal(other.finish, o->finish);
    }
}

static void run_file(outcome *o, int backend, int stream, const char *name)
{
    size_t len;
    char *data = slurp(name, &len);

    run_all(o, backend, stream, data, len);
    free(data);
}

/* ---- fixtures: Ollama ---------------------------------------------------- */

static void test_ollama_generate(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OLLAMA, 1,
             FIX "ollama/generate_stream.ndjson");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, "The sky is blue");
    assert_int_equal(o.chunks, 4); /* the empty "response" is no chunk */
    assert_int_equal(o.tokens[0], -1);
    assert_int_equal(o.info.output_tokens, 5);
    assert_int_equal(o.info.prompt_tokens, 31);
    assert_int_equal(o.info.server_load_ns, 2100000);
    assert_int_equal(o.info.server_prompt_ns, 98000000);
    assert_int_equal(o.info.server_decode_ns, 25000000);
    assert_int_equal(o.info.server_total_ns, 131000000);
    assert_int_equal(o.info.server_prompt_tokens, 31);
    assert_int_equal(o.info.server_output_tokens, 5);
    assert_int_equal(o.info.server_cached_tokens, -1);
    assert_string_equal(o.finish, "length");
    assert_string_equal(o.model, "qwen2.5:0.5b");
}

static void test_ollama_cached_prompt(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OLLAMA, 1,
             FIX "ollama/generate_stream_cached_prompt.ndjson");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, "Yes");
    assert_int_equal(o.chunks, 1);
    assert_int_equal(o.info.output_tokens, 1);
    /* omitempty: absent prompt_eval_* means 0 evaluated, but the prompt
     * length itself is unknown. */
    assert_int_equal(o.info.prompt_tokens, -1);
    assert_int_equal(o.info.server_prompt_tokens, 0);
    assert_int_equal(o.info.server_prompt_ns, 0);
    assert_int_equal(o.info.server_load_ns, 900000);
    assert_int_equal(o.info.server_decode_ns, 5000000);
    assert_string_equal(o.finish, "stop");
}

static void test_ollama_chat(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OLLAMA_CHAT, 1,
             FIX "ollama/chat_stream.ndjson");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, "Hello there!");
    assert_int_equal(o.chunks, 3);
    assert_int_equal(o.info.output_tokens, 3);
    assert_int_equal(o.info.prompt_tokens, 26);
    assert_int_equal(o.info.server_prompt_ns, 120000000);
    assert_string_equal(o.finish, "stop");
    assert_string_equal(o.model, "llama3.2");
}

static void test_ollama_error_midstream(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OLLAMA, 1,
             FIX "ollama/generate_stream_error_midstream.ndjson");
    assert_int_equal(o.status, LLMPERF_ESERVER);
    assert_string_equal(o.text, "Once upon");
    assert_int_equal(o.chunks, 2);
    assert_int_equal(o.info.output_tokens, -1);
    assert_string_equal(o.error, "an error was encountered while running "
                                 "the model: unexpected EOF");
}

static void test_ollama_thinking(void **state)
{
    const char gen[] =
        "{\"model\":\"q\",\"response\":\"\",\"thinking\":\"hmm\","
        "\"done\":false}\n"
        "{\"model\":\"q\",\"response\":\"ok\",\"done\":false}\n"
        "{\"model\":\"q\",\"response\":\"\",\"done\":true,\"eval_count\":2}\n";
    const char chat[] =
        "{\"message\":{\"role\":\"assistant\",\"content\":\"\","
        "\"thinking\":\"let me\"},\"done\":false}\n"
        "{\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
        "\"done\":false}\n"
        "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
        "\"done\":true}";
    outcome o;

    (void)state;
    run_all(&o, LLMPERF_BACKEND_OLLAMA, 1, gen, strlen(gen));
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 2); /* reasoning counts as output */
    assert_string_equal(o.text, "ok");
    assert_int_equal(o.reasoning_len, 3);
    assert_memory_equal(o.reasoning, "hmm", 3);
    /* Chat; the last line has no "\n" (it still counts). */
    run_all(&o, LLMPERF_BACKEND_OLLAMA_CHAT, 1, chat, strlen(chat));
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 2);
    assert_string_equal(o.text, "Hi");
    assert_memory_equal(o.reasoning, "let me", 6);
    /* done with no counts at all: zeros (omitempty), not unknown. */
    assert_int_equal(o.info.output_tokens, 0);
}

/* ---- fixtures: OpenAI (vLLM-shaped and llama.cpp captures) --------------- */

static void test_openai_role_first(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OPENAI_CHAT, 1,
             FIX "openai/vllm_chat_stream_role_first.sse");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, "Hello world");
    assert_int_equal(o.chunks, 3); /* the role-only chunk is not one */
    assert_int_equal(o.info.output_tokens, 4);
    assert_int_equal(o.info.prompt_tokens, 12);
    assert_string_equal(o.finish, "length");
    assert_string_equal(o.model, "Qwen/Qwen2.5-7B-Instruct");
}

static void test_openai_crlf_nospace(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OPENAI, 1,
             FIX "openai/completions_stream_crlf_nospace.sse");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, "A B");
    assert_int_equal(o.chunks, 2);
    assert_int_equal(o.info.output_tokens, -1); /* no usage sent */
    assert_string_equal(o.finish, "stop");
}

static void test_openai_error_midstream(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OPENAI, 1,
             FIX "openai/vllm_stream_error_midstream.sse");
    /* vLLM's own client would count this as a success with 0 tokens. */
    assert_int_equal(o.status, LLMPERF_ESERVER);
    assert_string_equal(o.text, "Par");
    assert_string_equal(o.error,
                        "The decoder prompt (length 9000) is longer than "
                        "the maximum model length of 4096.");
}

static void test_llamacpp_openai_chat(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OPENAI_CHAT, 1,
             FIX "llama.cpp/openai_chat_stream.txt");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, "alph zesificate successo");
    assert_int_equal(o.chunks, 4);
    assert_int_equal(o.info.output_tokens, 4);
    assert_int_equal(o.info.prompt_tokens, 29);
    assert_int_equal(o.info.server_cached_tokens, 0);
    assert_int_equal(o.info.server_prompt_tokens, 29);
    assert_int_equal(o.info.server_prompt_ns, 48639000);
    assert_int_equal(o.info.server_output_tokens, 4);
    assert_int_equal(o.info.server_decode_ns, 1110000);
    assert_string_equal(o.finish, "length");
    assert_string_equal(o.model, "llama-2-tiny-random.gguf");
}

static void test_llamacpp_openai_completions(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OPENAI, 1,
             FIX "llama.cpp/openai_completions_stream.txt");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 8); /* the final "" text is no chunk */
    assert_true(strncmp(o.text, "ernalrightarrow ", 16) == 0);
    assert_true(strstr(o.text, "development Gar(), successo status") != NULL);
    /* usage sits in the chunk with the last choice (llama.cpp), not in a
     * separate "choices": [] chunk (vLLM). */
    assert_int_equal(o.info.output_tokens, 8);
    assert_int_equal(o.info.prompt_tokens, 5);
    assert_int_equal(o.info.server_cached_tokens, 0);
    assert_int_equal(o.info.server_decode_ns, 988212000);
    assert_string_equal(o.finish, "length");
}

static void test_llamacpp_openai_with_headers(void **state)
{
    size_t raw_len, len;
    char *raw = slurp(
        FIX "llama.cpp/openai_completions_stream_with_headers.http", &raw_len);
    const char *body = http_body(raw, &len);
    outcome o;

    (void)state;
    run_all(&o, LLMPERF_BACKEND_OPENAI, 1, body, len);
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 3);
    assert_true(strncmp(o.text, " decideddirectory", 17) == 0);
    assert_int_equal(o.info.output_tokens, 3);
    assert_int_equal(o.info.prompt_tokens, 2);
    assert_int_equal(o.info.server_cached_tokens, 1);
    free(raw);
}

static void test_openai_nostream(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_OPENAI_CHAT, 0,
             FIX "llama.cpp/openai_chat_nostream.json");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, "alph zesificate successo");
    assert_int_equal(o.chunks, 1);
    assert_int_equal(o.info.output_tokens, 4);
    assert_int_equal(o.info.prompt_tokens, 29);
    assert_int_equal(o.info.server_cached_tokens, 28);
    assert_int_equal(o.info.server_prompt_ns, 144415000);
    assert_string_equal(o.finish, "length");
}

static void test_openai_reasoning(void **state)
{
    const char s[] =
        "data: {\"choices\":[{\"index\":0,\"delta\":"
        "{\"role\":\"assistant\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":"
        "\"think\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"more\"}}]}"
        "\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Yes\"},"
        "\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
        "event: message\ndata: [DONE]\n\n";
    outcome o;

    (void)state;
    run_all(&o, LLMPERF_BACKEND_OPENAI_CHAT, 1, s, strlen(s));
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 3);
    assert_string_equal(o.text, "Yes");
    assert_int_equal(o.reasoning_len, 9);
    assert_memory_equal(o.reasoning, "thinkmore", 9);
    assert_int_equal(o.info.output_tokens, -1);
}

/* ---- fixtures: llama.cpp /completion and TGI ----------------------------- */

static void test_llamacpp_completion(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_LLAMACPP, 1,
             FIX "llama.cpp/llamacpp_completion_stream.txt");
    assert_int_equal(o.status, LLMPERF_OK);
    assert_string_equal(o.text, " bene recomZEistique");
    assert_int_equal(o.chunks, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(o.tokens[i], 1);
    assert_int_equal(o.info.output_tokens, 4);
    assert_int_equal(o.info.prompt_tokens, 5);
    assert_int_equal(o.info.server_prompt_tokens, 1);
    assert_int_equal(o.info.server_cached_tokens, 4);
    assert_int_equal(o.info.server_prompt_ns, 1331000);
    assert_int_equal(o.info.server_decode_ns, 1187000);
    assert_string_equal(o.finish, "limit");
    assert_string_equal(o.model, "llama-2-tiny-random.gguf");
}

static void test_llamacpp_progress(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_LLAMACPP, 1,
             FIX "llama.cpp/llamacpp_completion_stream_progress.txt");
    assert_int_equal(o.status, LLMPERF_OK);
    /* The two progress events carry no text: never a first token. */
    assert_int_equal(o.chunks, 3);
    assert_string_equal(o.text, "zeichnungen grab wand");
    assert_int_equal(o.info.output_tokens, 3);
    assert_int_equal(o.info.server_prompt_ns, 5999000);
    assert_int_equal(o.info.server_decode_ns, 11513000);
}

static void test_tgi_stream(void **state)
{
    outcome o;

    (void)state;
    run_file(&o, LLMPERF_BACKEND_TGI, 1, FIX "tgi/generate_stream.sse");
    assert_int_equal(o.status, LLMPERF_OK);
    /* "</s>" is special: counted by the server, not shown as text; the
     * final generated_text is not a chunk either. */
    assert_string_equal(o.text, "Hello");
    assert_int_equal(o.chunks, 2);
    assert_int_equal(o.tokens[0], 1);
    assert_int_equal(o.tokens[1], 1);
    assert_int_equal(o.info.output_tokens, 3);
    assert_int_equal(o.info.prompt_tokens, 4);
    assert_string_equal(o.finish, "eos_token");
}

static void test_tgi_errors_and_nostream(void **state)
{
    const char err[] =
        "data:{\"index\":1,\"token\":{\"id\":1,\"text\":\"a\","
        "\"special\":false}}"
        "\n\ndata:{\"error\":\"Request failed during generation: CUDA OOM\","
        "\"error_type\":\"generation\"}\n\n";
    const char whole[] = "{\"generated_text\":\"Hi you\",\"details\":{"
                         "\"finish_reason\":\"length\","
                         "\"generated_tokens\":2}}";
    outcome o;

    (void)state;
    run_all(&o, LLMPERF_BACKEND_TGI, 1, err, strlen(err));
    assert_int_equal(o.status, LLMPERF_ESERVER);
    assert_int_equal(o.chunks, 1);
    assert_string_equal(o.error, "Request failed during generation: CUDA OOM");
    run_all(&o, LLMPERF_BACKEND_TGI, 0, whole, strlen(whole));
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 1);
    assert_string_equal(o.text, "Hi you");
    assert_int_equal(o.info.output_tokens, 2);
}

/* ---- truncation, malformed input, limits --------------------------------- */

/* Every fixture without its last event fails with EPROTOCOL and keeps
 * the chunks that did arrive. */
static void test_truncated(void **state)
{
    static const struct {
        const char *file;
        int backend;
        int chunks;
    } cases[] = {
        {FIX "ollama/generate_stream.ndjson", LLMPERF_BACKEND_OLLAMA, 4},
        {FIX "ollama/chat_stream.ndjson", LLMPERF_BACKEND_OLLAMA_CHAT, 3},
        {FIX "llama.cpp/openai_chat_stream.txt", LLMPERF_BACKEND_OPENAI_CHAT,
         4},
        {FIX "openai/vllm_chat_stream_role_first.sse",
         LLMPERF_BACKEND_OPENAI_CHAT, 3},
        {FIX "llama.cpp/llamacpp_completion_stream.txt",
         LLMPERF_BACKEND_LLAMACPP, 4},
        {FIX "tgi/generate_stream.sse", LLMPERF_BACKEND_TGI, 2},
    };
    outcome o;

    (void)state;
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(cases); i++) {
        size_t len;
        char *data = slurp(cases[i].file, &len);
        /* Cut just after the second-to-last event or line. */
        size_t cut = len - 2;

        while (cut > 0 && data[cut - 1] != '\n')
            cut--;
        run_all(&o, cases[i].backend, 1, data, cut);
        assert_int_equal(o.status, LLMPERF_EPROTOCOL);
        assert_string_equal(o.error, "stream ended before completion");
        assert_int_equal(o.chunks, cases[i].chunks);
        /* Cut in the middle of the last event: the same verdict. */
        run_all(&o, cases[i].backend, 1, data, len - 7);
        assert_int_equal(o.status, LLMPERF_EPROTOCOL);
        free(data);
    }
}

static void test_malformed(void **state)
{
    outcome o;
    const char bad_sse[] = "data: {\"choices\":[{\"text\":\"a\"}]}\n\n"
                           "data: {\"choices\":[\n\n";
    const char bad_nd[] = "{\"response\":\"a\",\"done\":false}\n{bad}\n";
    const char not_obj[] = "data: [1,2]\n\n";
    const char trailing[] = "data: {\"content\":\"a\"} x\n\n";
    const char after_done[] = "data: {\"choices\":[{\"text\":\"a\"}]}\n\n"
                              "data: [DONE]\n\ndata: {garbage\n\n";
    const char ev_error[] =
        "event: error\ndata: {\"message\":\"overloaded\"}\n\n";
    const char empty_data[] = "data:\n\ndata: {\"choices\":[{\"text\":\"z\"}]}"
                              "\n\n: keep-alive\n\ndata: [DONE]\n\n";

    (void)state;
    run_all(&o, LLMPERF_BACKEND_OPENAI, 1, bad_sse, strlen(bad_sse));
    assert_int_equal(o.status, LLMPERF_EPROTOCOL);
    assert_int_equal(o.chunks, 1);
    assert_non_null(strstr(o.error, "invalid JSON"));
    run_all(&o, LLMPERF_BACKEND_OLLAMA, 1, bad_nd, strlen(bad_nd));
    assert_int_equal(o.status, LLMPERF_EPROTOCOL);
    assert_string_equal(o.error, "invalid JSON in response: {bad}");
    run_all(&o, LLMPERF_BACKEND_OPENAI, 1, not_obj, strlen(not_obj));
    assert_int_equal(o.status, LLMPERF_EPROTOCOL);
    run_all(&o, LLMPERF_BACKEND_LLAMACPP, 1, trailing, strlen(trailing));
    assert_int_equal(o.status, LLMPERF_EPROTOCOL);
    run_all(&o, LLMPERF_BACKEND_OPENAI, 1, after_done, strlen(after_done));
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 1);
    run_all(&o, LLMPERF_BACKEND_OPENAI, 1, ev_error, strlen(ev_error));
    assert_int_equal(o.status, LLMPERF_ESERVER);
    assert_string_equal(o.error, "overloaded");
    run_all(&o, LLMPERF_BACKEND_OPENAI, 1, empty_data, strlen(empty_data));
    assert_int_equal(o.status, LLMPERF_OK);
    assert_int_equal(o.chunks, 1);
    /* Nothing at all. */
    run_all(&o, LLMPERF_BACKEND_TGI, 1, "", 0);
    assert_int_equal(o.status, LLMPERF_EPROTOCOL);
    assert_string_equal(o.error, "empty response body");
    run_all(&o, LLMPERF_BACKEND_OPENAI, 0, "", 0);
    assert_int_equal(o.status, LLMPERF_EPROTOCOL);
    assert_string_equal(o.error, "empty response body");
}

static void test_too_big(void **state)
{
    char line[400];
    outcome o;

    (void)state;
    memset(line, 'x', sizeof(line));
    memcpy(line, "data: ", 6);
    o.abort_at = -1;
    run_mode(&o, LLMPERF_BACKEND_OPENAI, 1, line, sizeof(line), 0, 64);
    assert_int_equal(o.status, LLMPERF_ETOOBIG);
    o.abort_at = -1;
    run_mode(&o, LLMPERF_BACKEND_OLLAMA, 1, line, sizeof(line), 1, 64);
    assert_int_equal(o.status, LLMPERF_ETOOBIG);
    /* A whole body may be 16 times the event cap. */
    o.abort_at = -1;
    run_mode(&o, LLMPERF_BACKEND_OPENAI, 0, line, sizeof(line), 0, 16);
    assert_int_equal(o.status, LLMPERF_ETOOBIG);
}

static void test_callback_abort(void **state)
{
    size_t len;
    char *data = slurp(FIX "ollama/generate_stream.ndjson", &len);
    outcome o;

    (void)state;
    o.abort_at = 1; /* stop inside the second chunk */
    run_mode(&o, LLMPERF_BACKEND_OLLAMA, 1, data, len, 0, 0);
    assert_int_equal(o.status, LLMPERF_EABORTED);
    assert_int_equal(o.chunks, 2);
    free(data);
}

/* ---- error bodies -------------------------------------------------------- */

static void check_msg(const char *body, const char *want)
{
    char *msg = NULL;

    assert_int_equal(llmperf__error_message(&msg, body, strlen(body)),
                     LLMPERF_OK);
    assert_string_equal(msg, want);
    llmperf__free(msg);
}

static void test_error_bodies(void **state)
{
    size_t len, blen;
    char *raw;
    const char *body;
    char *msg = NULL;

    (void)state;
    raw = slurp(FIX "ollama/generate_error_404.http", &len);
    body = http_body(raw, &blen);
    assert_int_equal(llmperf__error_message(&msg, body, blen), LLMPERF_OK);
    assert_string_equal(msg,
                        "model \"llama9:70b\" not found, try pulling it first");
    llmperf__free(msg);
    free(raw);
    raw = slurp(FIX "llama.cpp/openai_chat_error_400.http", &len);
    body = http_body(raw, &blen);
    assert_int_equal(llmperf__error_message(&msg, body, blen), LLMPERF_OK);
    assert_string_equal(msg, "Expected 'messages' to be an array");
    llmperf__free(msg);
    free(raw);
    check_msg("{\"object\":\"error\",\"message\":\"The model `x` does not "
              "exist.\",\"type\":\"NotFoundError\",\"code\":404}",
              "The model `x` does not exist.");
    check_msg("{\"error\":\"Input validation error: `inputs` must have less "
              "than 4096 tokens\",\"error_type\":\"validation\"}",
              "Input validation error: `inputs` must have less than 4096 "
              "tokens");
    check_msg("{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\"}]}",
              "field required");
    check_msg("{\"detail\":\"Not Found\"}", "Not Found");
    check_msg("<html>\r\n<h1>502 Bad Gateway</h1>\n</html>\n",
              "<html>  <h1>502 Bad Gateway</h1> </html>");
    check_msg("", "");
}

/* ---- request bodies ------------------------------------------------------ */

static json_object *body_of(const llmperf_config *cfg, const char *prompt,
                            int64_t max_tokens)
{
    char *text = NULL;
    size_t len = 0;
    json_object *obj;

    assert_int_equal(llmperf__build_body(&text, &len, cfg, prompt, max_tokens),
                     LLMPERF_OK);
    assert_int_equal(strlen(text), len);
    obj = json_tokener_parse(text);
    assert_non_null(obj);
    llmperf__free(text);
    return obj;
}

static json_object *get(json_object *o, const char *path)
{
    char buf[128], *save = NULL, *key;

    snprintf(buf, sizeof(buf), "%s", path);
    for (key = strtok_r(buf, ".", &save); key && o;
         key = strtok_r(NULL, ".", &save)) {
        if (!json_object_object_get_ex(o, key, &o))
            return NULL;
    }
    return o;
}

static int64_t get_int(json_object *o, const char *path)
{
    json_object *v = get(o, path);

    assert_non_null(v);
    assert_true(json_object_is_type(v, json_type_int));
    return json_object_get_int64(v);
}

static const char *get_str(json_object *o, const char *path)
{
    json_object *v = get(o, path);

    assert_non_null(v);
    assert_true(json_object_is_type(v, json_type_string));
    return json_object_get_string(v);
}

static int get_bool(json_object *o, const char *path)
{
    json_object *v = get(o, path);

    assert_non_null(v);
    assert_true(json_object_is_type(v, json_type_boolean));
    return json_object_get_boolean(v);
}

static llmperf_config *new_cfg(int backend)
{
    llmperf_config *cfg = NULL;

    assert_int_equal(llmperf_config_new(&cfg, backend), LLMPERF_OK);
    return cfg;
}

static void test_body_ollama(void **state)
{
    llmperf_config *cfg = new_cfg(LLMPERF_BACKEND_OLLAMA);
    json_object *b, *v;

    (void)state;
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, "qwen"), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_SYSTEM_PROMPT,
                                            "be brief"), 0);
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_TEMPERATURE,
                                               0.0), 0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_SEED, 42), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_STOP, "\n\n"), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_STOP, "END"), 0);
    b = body_of(cfg, "why?", 50);
    assert_string_equal(get_str(b, "model"), "qwen");
    assert_string_equal(get_str(b, "prompt"), "why?");
    assert_string_equal(get_str(b, "system"), "be brief");
    assert_true(get_bool(b, "stream"));
    assert_int_equal(get_int(b, "options.num_predict"), 50);
    assert_int_equal(get_int(b, "options.seed"), 42);
    assert_non_null(get(b, "options.temperature"));
    v = get(b, "options.stop");
    assert_int_equal(json_object_array_length(v), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)),
                        "END");
    assert_null(get(b, "max_tokens"));
    assert_null(get(b, "stop"));
    json_object_put(b);
    /* Per-call < 0: the config's default (128); 0: no limit sent. */
    b = body_of(cfg, "x", -1);
    assert_int_equal(get_int(b, "options.num_predict"), 128);
    json_object_put(b);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_STOP, NULL), 0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_SEED, -1), 0);
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_TEMPERATURE,
                                               -1), 0);
    b = body_of(cfg, "x", 0);
    assert_null(get(b, "options")); /* nothing left to put there */
    json_object_put(b);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_STREAM, 0), 0);
    b = body_of(cfg, "x", 3);
    assert_false(get_bool(b, "stream"));
    json_object_put(b);
    llmperf_config_free(cfg);

    cfg = new_cfg(LLMPERF_BACKEND_OLLAMA_CHAT);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_SYSTEM_PROMPT,
                                            "sys"), 0);
    b = body_of(cfg, "hello", 9);
    v = get(b, "messages");
    assert_int_equal(json_object_array_length(v), 2);
    assert_string_equal(get_str(json_object_array_get_idx(v, 0), "role"),
                        "system");
    assert_string_equal(get_str(json_object_array_get_idx(v, 1), "content"),
                        "hello");
    assert_int_equal(get_int(b, "options.num_predict"), 9);
    assert_null(get(b, "model"));
    assert_null(get(b, "prompt"));
    json_object_put(b);
    llmperf_config_free(cfg);
}

static void test_body_openai(void **state)
{
    llmperf_config *cfg = new_cfg(LLMPERF_BACKEND_OPENAI);
    json_object *b, *v;

    (void)state;
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, "m"), 0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 1), 0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_MIN_TOKENS, 5), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_SYSTEM_PROMPT,
                                            "S"), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_STOP, "##"), 0);
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_TOP_P, 0.5), 0);
    b = body_of(cfg, "P", 64);
    assert_string_equal(get_str(b, "prompt"), "S\n\nP");
    assert_int_equal(get_int(b, "max_tokens"), 64);
    assert_true(get_bool(b, "stream"));
    assert_true(get_bool(b, "stream_options.include_usage"));
    assert_true(get_bool(b, "ignore_eos"));
    assert_int_equal(get_int(b, "min_tokens"), 5);
    assert_non_null(get(b, "top_p"));
    assert_int_equal(json_object_array_length(get(b, "stop")), 1);
    assert_null(get(b, "n_predict"));
    json_object_put(b);
    /* Merge: scalars replace, objects merge, null deletes. */
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON,
                                            "{\"max_tokens\":7,\"min_tokens\":"
                                            "null,\"stream_options\":{\"x\":1},"
                                            "\"logprobs\":[1]}"),
                     0);
    b = body_of(cfg, "P", 64);
    assert_int_equal(get_int(b, "max_tokens"), 7);
    assert_null(get(b, "min_tokens"));
    assert_true(get_bool(b, "stream_options.include_usage"));
    assert_int_equal(get_int(b, "stream_options.x"), 1);
    assert_int_equal(json_object_array_length(get(b, "logprobs")), 1);
    json_object_put(b);
    llmperf_config_free(cfg);

    cfg = new_cfg(LLMPERF_BACKEND_OPENAI_CHAT);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_INCLUDE_USAGE, 0),
                     0);
    b = body_of(cfg, "hi", 3);
    v = get(b, "messages");
    assert_int_equal(json_object_array_length(v), 1);
    assert_string_equal(get_str(json_object_array_get_idx(v, 0), "role"),
                        "user");
    assert_int_equal(get_int(b, "max_tokens"), 3);
    assert_null(get(b, "stream_options"));
    assert_null(get(b, "ignore_eos"));
    assert_null(get(b, "model"));
    json_object_put(b);
    /* Not streamed: no stream_options even with usage on. */
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_INCLUDE_USAGE, 1),
                     0);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_STREAM, 0), 0);
    b = body_of(cfg, "hi", 3);
    assert_false(get_bool(b, "stream"));
    assert_null(get(b, "stream_options"));
    json_object_put(b);
    llmperf_config_free(cfg);
}

static void test_body_llamacpp_tgi(void **state)
{
    llmperf_config *cfg = new_cfg(LLMPERF_BACKEND_LLAMACPP);
    json_object *b;

    (void)state;
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 1), 0);
    b = body_of(cfg, "Once", 16);
    assert_string_equal(get_str(b, "prompt"), "Once");
    assert_int_equal(get_int(b, "n_predict"), 16);
    assert_true(get_bool(b, "ignore_eos"));
    assert_true(get_bool(b, "stream"));
    assert_null(get(b, "max_tokens"));
    json_object_put(b);
    llmperf_config_free(cfg);

    cfg = new_cfg(LLMPERF_BACKEND_TGI);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, "m"), 0);
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_TEMPERATURE,
                                               0.7), 0);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_STOP, "x"), 0);
    b = body_of(cfg, "Q", 20);
    assert_string_equal(get_str(b, "inputs"), "Q");
    assert_int_equal(get_int(b, "parameters.max_new_tokens"), 20);
    assert_true(get_bool(b, "parameters.details"));
    assert_true(get_bool(b, "parameters.do_sample"));
    assert_non_null(get(b, "parameters.temperature"));
    assert_non_null(get(b, "parameters.stop"));
    assert_null(get(b, "model"));
    assert_null(get(b, "max_tokens"));
    json_object_put(b);
    /* Temperature 0 is greedy: TGI rejects temperature 0 itself. */
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_TEMPERATURE,
                                               0), 0);
    b = body_of(cfg, "Q", 20);
    assert_false(get_bool(b, "parameters.do_sample"));
    assert_null(get(b, "parameters.temperature"));
    json_object_put(b);
    llmperf_config_free(cfg);
}

/* ---- config -------------------------------------------------------------- */

static void test_config(void **state)
{
    llmperf_config *cfg = NULL;
    int id = 0;

    (void)state;
    assert_int_equal(llmperf_config_new(&cfg, 0), LLMPERF_EINVAL);
    assert_null(cfg);
    assert_int_equal(llmperf_config_new(&cfg, 7), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_new(NULL, 1), LLMPERF_EINVAL);
    cfg = new_cfg(LLMPERF_BACKEND_OLLAMA);
    /* Wrong setter for the id's type, unknown ids. */
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_TEMPERATURE, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_MAX_TOKENS, "1"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_MODEL, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_int(cfg, 999, 1), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_int(NULL, 1, 1), LLMPERF_EINVAL);
    /* Ranges. */
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_MAX_TOKENS, -1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_TLS_VERIFY, 2),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_MAX_EVENT_BYTES,
                                            10), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_TEMPERATURE,
                                               0.0 / 0.0), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_double(cfg, LLMPERF_OPT_TOP_P, 1.5),
                     LLMPERF_EINVAL);
    /* What Ollama cannot do is refused, not ignored. */
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 1),
                     LLMPERF_ENOTSUP);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 0),
                     LLMPERF_OK);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_MIN_TOKENS, 4),
                     LLMPERF_ENOTSUP);
    /* Strings. */
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL,
                                            "ftp://x"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL,
                                            "http://"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL,
                                            "http://h:1/\n"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL,
                                            "HTTPS://h:1/v//"), LLMPERF_OK);
    assert_string_equal(llmperf__config_base_url(cfg), "HTTPS://h:1/v");
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_BASE_URL, NULL),
                     LLMPERF_OK);
    assert_string_equal(llmperf__config_base_url(cfg),
                        "http://127.0.0.1:11434");
    assert_string_equal(llmperf__config_path(cfg), "/api/generate");
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_PATH, "x"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_STOP, ""),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER, "NoColon"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER, ": v"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER,
                                            "X-A: b\r\nX-B: c"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_HEADER, "X-A: b"),
                     LLMPERF_OK);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_API_KEY, "a\nb"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON, "[1]"),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON,
                                            "{\"a\":1} x"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON,
                                            "{\"a\":"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON,
                                            "{'a':1}"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON,
                                            " {\"a\":1}\n"), LLMPERF_OK);
    llmperf_config_free(cfg);
    llmperf_config_free(NULL);

    cfg = new_cfg(LLMPERF_BACKEND_TGI);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_IGNORE_EOS, 1),
                     LLMPERF_ENOTSUP);
    assert_int_equal(llmperf_config_set_int(cfg, LLMPERF_OPT_STREAM, 0), 0);
    assert_string_equal(llmperf__config_path(cfg), "/generate");
    llmperf_config_free(cfg);

    /* Backend names both ways; server names are not backends. */
    for (int b = 1; b <= 6; b++) {
        assert_non_null(llmperf_backend_name(b));
        assert_int_equal(
            llmperf_backend_from_name(&id, llmperf_backend_name(b)),
            LLMPERF_OK);
        assert_int_equal(id, b);
    }
    assert_null(llmperf_backend_name(0));
    assert_int_equal(llmperf_backend_from_name(&id, "vllm"), LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_backend_from_name(&id, "openai-chat"), LLMPERF_OK);
    assert_int_equal(id, LLMPERF_BACKEND_OPENAI_CHAT);
    assert_int_equal(llmperf_backend_from_name(NULL, "x"), LLMPERF_EINVAL);
    assert_int_equal(llmperf_token_size(), sizeof(llmperf_token));
}

/* ---- result -------------------------------------------------------------- */

static void test_result_fields(void **state)
{
    static const int kinds[] = {LLMPERF_FIELDKIND_I64, LLMPERF_FIELDKIND_F64,
                                LLMPERF_FIELDKIND_STR};
    llmperf_result *r = NULL;
    int64_t i;
    double d;
    const char *s;
    int n = 0, id;

    (void)state;
    /* Every id of every range round-trips through its name. */
    for (size_t k = 0; k < 3; k++) {
        for (int f = kinds[k] + 1; llmperf_result_field_name(f); f++, n++) {
            assert_int_equal(llmperf_result_field_from_name(
                                 &id, llmperf_result_field_name(f)),
                             LLMPERF_OK);
            assert_int_equal(id, f);
        }
    }
    assert_int_equal(n, 24 + 1 + 9);
    assert_string_equal(llmperf_result_field_name(LLMPERF_RESULT_TTFT_NS),
                        "ttft_ns");
    assert_null(llmperf_result_field_name(0));
    assert_null(llmperf_result_field_name(LLMPERF_FIELDKIND_STR + 500));
    assert_int_equal(llmperf_result_field_from_name(&id, "nope"),
                     LLMPERF_ENOTFOUND);

    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    assert_int_equal(llmperf_result_get_i64(r, LLMPERF_RESULT_TTFT_NS, &i),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_result_get_i64(r, LLMPERF_RESULT_OUTPUT_TPS, &i),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_result_get_f64(r, LLMPERF_RESULT_ERROR, &d),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_STATUS, &s),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_result_get_i64(r, 900, &i), LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_result_get_i64(NULL, 1, &i), LLMPERF_EINVAL);
    assert_int_equal(llmperf__result_derive(r, -1), LLMPERF_EINVAL);

    /* sent 1000; chunks at 2000, 3000, 5000; the server says 7 tokens. */
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, 1000);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SERVER_LOAD_NS, 100);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SERVER_PROMPT_NS, 300);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SERVER_DECODE_NS, 6000);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SERVER_OUTPUT_TOKENS, 7);
    assert_int_equal(llmperf__result_add_chunk(r, 2000, 1), 0);
    assert_int_equal(llmperf__result_add_chunk(r, 3000, 2), 0);
    assert_int_equal(llmperf__result_add_chunk(r, 5000, -1), 0);
    assert_int_equal(llmperf__result_derive(r, 7), LLMPERF_OK);
#define I64(f, v)                                                 \
    do {                                                          \
        assert_int_equal(llmperf_result_get_i64(r, f, &i), 0);    \
        assert_int_equal(i, v);                                   \
    } while (0)
    I64(LLMPERF_RESULT_SCHEDULED_NS, 1000);
    I64(LLMPERF_RESULT_CLIENT_LAG_NS, 0);
    I64(LLMPERF_RESULT_TTFT_NS, 1000);
    I64(LLMPERF_RESULT_LAST_TOKEN_NS, 4000);
    I64(LLMPERF_RESULT_OUTPUT_TOKENS, 7);
    I64(LLMPERF_RESULT_CHUNKS, 3);
    I64(LLMPERF_RESULT_TPOT_NS, 500);
    I64(LLMPERF_RESULT_SERVER_ITL_NS, 1000);
    I64(LLMPERF_RESULT_WAIT_NS, 600);
    assert_int_equal(
        llmperf_result_get_f64(r, LLMPERF_RESULT_OUTPUT_TPS, &d), 0);
    assert_true(d > 1999999.0 && d < 2000001.0);
    assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_TOKENS_SOURCE,
                                            &s), 0);
    assert_string_equal(s, "server");
    {
        const int64_t *t;
        const int32_t *k;
        size_t nc;

        assert_int_equal(llmperf_result_chunks(r, &t, &k, &nc), 0);
        assert_int_equal(nc, 3);
        assert_int_equal(t[2], 5000);
        assert_int_equal(k[1], 2);
    }
    /* A runner's schedule; chunk counting when the server is silent. */
    llmperf__result_set_i64(r, LLMPERF_RESULT_SCHEDULED_NS, 400);
    assert_int_equal(llmperf__result_derive(r, -1), LLMPERF_OK);
    I64(LLMPERF_RESULT_CLIENT_LAG_NS, 600);
    I64(LLMPERF_RESULT_OUTPUT_TOKENS, 3);
    I64(LLMPERF_RESULT_TPOT_NS, 1500);
    assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_TOKENS_SOURCE,
                                            &s), 0);
    assert_string_equal(s, "chunks");
    llmperf_result_free(r);

    /* One chunk: no TPOT, no throughput, even with a server count. */
    assert_int_equal(llmperf__result_new(&r), LLMPERF_OK);
    llmperf__result_set_i64(r, LLMPERF_RESULT_SENT_NS, 0);
    assert_int_equal(llmperf__result_add_chunk(r, 10, -1), 0);
    assert_int_equal(llmperf__result_derive(r, 5), LLMPERF_OK);
    assert_int_equal(llmperf_result_get_i64(r, LLMPERF_RESULT_TPOT_NS, &i),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_result_get_f64(r, LLMPERF_RESULT_OUTPUT_TPS, &d),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_result_get_i64(r, LLMPERF_RESULT_WAIT_NS, &i),
                     LLMPERF_ENOTFOUND);
    /* Appending text grows one string. */
    for (int k = 0; k < 100; k++)
        assert_int_equal(llmperf__result_append_str(r, LLMPERF_RESULT_TEXT,
                                                    "ab", 2), 0);
    assert_int_equal(llmperf_result_get_str(r, LLMPERF_RESULT_TEXT, &s), 0);
    assert_int_equal(strlen(s), 200);
    llmperf_result_free(r);
    llmperf_result_free(NULL);
#undef I64
}

/* ---- allocation failure -------------------------------------------------- */

/* Fail the n-th allocation for n = 1, 2, ... until the operation gets
 * through: each attempt must end in ENOMEM (or success), never a crash or
 * a leak (ASan checks the latter). */
static void test_alloc_failure_body(void **state)
{
    (void)state;
    for (int b = 1; b <= 6; b++) {
        llmperf_config *cfg = new_cfg(b);
        int rc = LLMPERF_ENOMEM;

        assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_SYSTEM_PROMPT,
                                                "sys"), 0);
        assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_STOP, "s"), 0);
        assert_int_equal(
            llmperf_config_set_str(cfg, LLMPERF_OPT_MODEL, "m"), 0);
        assert_int_equal(llmperf_config_set_str(cfg, LLMPERF_OPT_EXTRA_JSON,
                                                "{\"k\":{\"v\":1}}"), 0);
        for (long n = 1; n < 1000 && rc == LLMPERF_ENOMEM; n++) {
            char *text = NULL;
            size_t len;
            llmperf_config *copy = NULL;

            llmperf__alloc_fail_after(n);
            rc = llmperf__config_copy(&copy, cfg);
            if (rc == LLMPERF_OK)
                rc = llmperf__build_body(&text, &len, copy, "prompt", 10);
            llmperf__alloc_fail_after(0);
            assert_true(rc == LLMPERF_OK || rc == LLMPERF_ENOMEM);
            if (rc == LLMPERF_OK)
                assert_non_null(text);
            llmperf__free(text);
            llmperf_config_free(copy);
        }
        assert_int_equal(rc, LLMPERF_OK);
        llmperf_config_free(cfg);
    }
}

static void test_alloc_failure_decode(void **state)
{
    static const struct {
        const char *file;
        int backend;
    } cases[] = {
        {FIX "ollama/generate_stream.ndjson", LLMPERF_BACKEND_OLLAMA},
        {FIX "ollama/generate_stream_error_midstream.ndjson",
         LLMPERF_BACKEND_OLLAMA},
        {FIX "llama.cpp/openai_chat_stream.txt", LLMPERF_BACKEND_OPENAI_CHAT},
        {FIX "llama.cpp/llamacpp_completion_stream.txt",
         LLMPERF_BACKEND_LLAMACPP},
        {FIX "tgi/generate_stream.sse", LLMPERF_BACKEND_TGI},
        {FIX "openai/vllm_stream_error_midstream.sse", LLMPERF_BACKEND_OPENAI},
    };

    (void)state;
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(cases); i++) {
        size_t len;
        char *data = slurp(cases[i].file, &len);
        outcome want, o;
        int done = 0;

        want.abort_at = -1;
        run_mode(&want, cases[i].backend, 1, data, len, 3, 0);
        for (long n = 1; n < 1000 && !done; n++) {
            o.abort_at = -1;
            llmperf__alloc_fail_after(n);
            run_mode(&o, cases[i].backend, 1, data, len, 3, 0);
            llmperf__alloc_fail_after(0);
            if (o.status == LLMPERF_ENOMEM)
                continue;
            /* Got through: the same verdict as without injection. */
            assert_int_equal(o.status, want.status);
            assert_int_equal(o.chunks, want.chunks);
            done = 1;
        }
        assert_true(done);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ollama_generate),
        cmocka_unit_test(test_ollama_cached_prompt),
        cmocka_unit_test(test_ollama_chat),
        cmocka_unit_test(test_ollama_error_midstream),
        cmocka_unit_test(test_ollama_thinking),
        cmocka_unit_test(test_openai_role_first),
        cmocka_unit_test(test_openai_crlf_nospace),
        cmocka_unit_test(test_openai_error_midstream),
        cmocka_unit_test(test_llamacpp_openai_chat),
        cmocka_unit_test(test_llamacpp_openai_completions),
        cmocka_unit_test(test_llamacpp_openai_with_headers),
        cmocka_unit_test(test_openai_nostream),
        cmocka_unit_test(test_openai_reasoning),
        cmocka_unit_test(test_llamacpp_completion),
        cmocka_unit_test(test_llamacpp_progress),
        cmocka_unit_test(test_tgi_stream),
        cmocka_unit_test(test_tgi_errors_and_nostream),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_callback_abort),
        cmocka_unit_test(test_error_bodies),
        cmocka_unit_test(test_body_ollama),
        cmocka_unit_test(test_body_openai),
        cmocka_unit_test(test_body_llamacpp_tgi),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_result_fields),
        cmocka_unit_test(test_alloc_failure_body),
        cmocka_unit_test(test_alloc_failure_decode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
