/* SPDX-License-Identifier: MIT */
/*
 * proto.c -- the bytes of the four wire protocols: every streamed event,
 * the non-streamed bodies and the model listings, shaped after the
 * captured and constructed fixtures in shared/fixtures/ (key names, key
 * order, types, framing). Requests are read in proto_request.c. Nothing
 * here touches time or sockets; stream.c decides when bytes go out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "stream.h"

#define CONTEXT_MAX 4096 /* Ollama's default num_ctx caps "context" */

/* The whole output so far (already JSON-escaped). */
static void add_text(struct evbuffer *out, struct mock_stream *s)
{
    size_t n = evbuffer_get_length(s->text);

    if (n > 0)
        evbuffer_add(out, evbuffer_pullup(s->text, -1), n);
}

static void add_double(struct evbuffer *out, double v)
{
    if (!isfinite(v))
        LIT(out, "null");
    else
        evbuffer_add_printf(out, "%.17g", v);
}

const char *proto_name(int proto)
{
    static const char *const names[PROTO_COUNT] = {
        "ollama-generate", "ollama-chat", "openai-completions",
        "openai-chat", "llamacpp", "tgi"};

    return (proto >= 0 && proto < PROTO_COUNT) ? names[proto] : "none";
}

const char *proto_content_type(int proto, int streaming)
{
    switch (proto) {
    case PROTO_OLLAMA_GENERATE:
    case PROTO_OLLAMA_CHAT:
        return streaming ? "application/x-ndjson"
                         : "application/json; charset=utf-8";
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        return streaming ? "text/event-stream; charset=utf-8"
                         : "application/json";
    case PROTO_LLAMACPP:
        return streaming ? "text/event-stream"
                         : "application/json; charset=utf-8";
    default:
        return streaming ? "text/event-stream" : "application/json";
    }
}

/* ---- event pieces ------------------------------------------------------ */

static void ollama_head(struct mock_stream *s, struct evbuffer *out)
{
    char t[48];

    LIT(out, "{\"model\":");
    add_str(out, s->model, strlen(s->model));
    LIT(out, ",\"created_at\":\"");
    evbuffer_add(out, t, mock_format_time(t, sizeof(t), mock_wall_ns()));
    LIT(out, "\",");
}

static void openai_head_build(struct mock_stream *s, struct evbuffer *out,
                              int chunk)
{
    LIT(out, "{\"id\":\"");
    evbuffer_add(out, s->oid, strlen(s->oid));
    if (s->proto == PROTO_OPENAI_CHAT)
        evbuffer_add_printf(out, "\",\"object\":\"%s\",\"created\":",
                            chunk ? "chat.completion.chunk"
                                  : "chat.completion");
    else
        LIT(out, "\",\"object\":\"text_completion\",\"created\":");
    add_i64(out, s->created);
    LIT(out, ",\"model\":");
    add_str(out, s->model, strlen(s->model));
}

/* The fields every chunk of a stream repeats: built once per stream,
 * since formatting them per token was a visible share of the cost. */
static void openai_head(struct mock_stream *s, struct evbuffer *out,
                        int chunk)
{
    struct evbuffer *tmp;
    size_t n;

    if (chunk && s->head) {
        evbuffer_add(out, s->head, s->head_len);
        return;
    }
    if (!chunk || !(tmp = evbuffer_new())) {
        openai_head_build(s, out, chunk);
        return;
    }
    openai_head_build(s, tmp, 1);
    n = evbuffer_get_length(tmp);
    s->head = malloc(n);
    if (s->head) {
        evbuffer_copyout(tmp, s->head, n);
        s->head_len = n;
    }
    evbuffer_add_buffer(out, tmp);
    evbuffer_free(tmp);
}

static const char *finish_reason(struct mock_stream *s)
{
    return s->finish_length ? "length" : "stop";
}

static void openai_usage(struct mock_stream *s, struct evbuffer *out)
{
    LIT(out, "\"usage\":{\"prompt_tokens\":");
    add_i64(out, s->prompt_tokens);
    LIT(out, ",\"total_tokens\":");
    add_i64(out, s->prompt_tokens + s->generated);
    LIT(out, ",\"completion_tokens\":");
    add_i64(out, s->generated);
    LIT(out, ",\"prompt_tokens_details\":{\"cached_tokens\":");
    add_i64(out, s->cached_tokens);
    LIT(out, "}}");
}

/* Ollama's duration fields, each omitted when zero (Go omitempty). */
static void ollama_metrics(struct mock_stream *s, struct evbuffer *out,
                           int with_context)
{
    int64_t prompt_ns = s->prefill_end_ns - s->prefill_start_ns;
    int64_t eval_ns = s->last_token_ns - s->prefill_end_ns;
    int64_t total = s->end_ns - s->recv_ns;

    evbuffer_add_printf(out, "\"done_reason\":\"%s\"",
                        s->load_only ? "load" : finish_reason(s));
    if (with_context && !s->load_only) {
        int64_t i, n = 0;

        LIT(out, ",\"context\":[");
        /* pseudo ids: enough to carry the shape, capped like num_ctx */
        for (i = 0; i < s->prompt_tokens + s->generated && n < CONTEXT_MAX;
             i++, n++) {
            if (n)
                LIT(out, ",");
            add_i64(out, (int64_t)(mock_hash64(&i, sizeof(i), s->seq) %
                                   150000));
        }
        LIT(out, "]");
    }
    if (total > 0) {
        LIT(out, ",\"total_duration\":");
        add_i64(out, total);
    }
    if (s->load_ns > 0) {
        LIT(out, ",\"load_duration\":");
        add_i64(out, s->load_ns);
    }
    if (s->n_eval > 0) {
        LIT(out, ",\"prompt_eval_count\":");
        add_i64(out, s->n_eval);
        if (prompt_ns > 0) {
            LIT(out, ",\"prompt_eval_duration\":");
            add_i64(out, prompt_ns);
        }
    }
    if (s->generated > 0) {
        LIT(out, ",\"eval_count\":");
        add_i64(out, s->generated);
        if (eval_ns > 0) {
            LIT(out, ",\"eval_duration\":");
            add_i64(out, eval_ns);
        }
    }
}

/* llama.cpp "timings", measured from the stream's own timeline, as of
 * n_pred tokens predicted. */
static void llamacpp_timings(struct mock_stream *s, struct evbuffer *out,
                             int64_t n_pred)
{
    int64_t p_ns = s->prefill_end_ns - s->prefill_start_ns;
    int64_t g_ns = n_pred > 0 ? s->last_token_ns - s->prefill_end_ns : 0;
    double p_ms = (double)p_ns / 1e6, g_ms = (double)g_ns / 1e6;

    /* llama.cpp's clock has microsecond resolution: never 0 ms once a
     * token exists (keeps the rates finite) */
    if (s->n_eval > 0 && p_ms < 0.001)
        p_ms = 0.001;
    if (n_pred > 0 && g_ms < 0.001)
        g_ms = 0.001;
    LIT(out, "\"timings\":{\"cache_n\":");
    add_i64(out, s->cached_tokens);
    LIT(out, ",\"prompt_n\":");
    add_i64(out, s->n_eval);
    evbuffer_add_printf(out, ",\"prompt_ms\":%.3f,\"prompt_per_token_ms\":",
                        p_ms);
    add_double(out, s->n_eval > 0 ? p_ms / (double)s->n_eval : 0.0);
    LIT(out, ",\"prompt_per_second\":");
    add_double(out, p_ms > 0 ? 1e3 * (double)s->n_eval / p_ms : 0.0);
    LIT(out, ",\"predicted_n\":");
    add_i64(out, n_pred);
    evbuffer_add_printf(out, ",\"predicted_ms\":%.3f", g_ms);
    LIT(out, ",\"predicted_per_token_ms\":");
    if (n_pred > 0)
        add_double(out, g_ms / (double)n_pred);
    else
        LIT(out, "null");
    LIT(out, ",\"predicted_per_second\":");
    add_double(out, g_ms > 0 ? 1e3 * (double)n_pred / g_ms : 0.0);
    LIT(out, "}");
}

static void llamacpp_settings(struct mock_stream *s, struct evbuffer *out)
{
    int64_t n_predict = s->max_tokens >= 0 ? s->max_tokens : -1;

    LIT(out, "\"generation_settings\":{\"seed\":");
    add_i64(out, s->has_seed ? (int64_t)s->seed : 4294967295LL);
    LIT(out, ",\"temperature\":");
    /* llama.cpp holds it as a float and prints the widened double */
    evbuffer_add_printf(out, "%.15g", (double)(float)s->temperature);
    LIT(out, ",\"dynatemp_range\":0.0,\"dynatemp_exponent\":1.0,"
             "\"top_k\":40,\"top_p\":0.949999988079071,"
             "\"min_p\":0.05000000074505806,\"top_n_sigma\":-1.0,"
             "\"xtc_probability\":0.0,\"xtc_threshold\":0.10000000149011612,"
             "\"typical_p\":1.0,\"repeat_last_n\":64,\"repeat_penalty\":1.0,"
             "\"presence_penalty\":0.0,\"frequency_penalty\":0.0,"
             "\"dry_multiplier\":0.0,\"dry_base\":1.75,"
             "\"dry_allowed_length\":2,\"dry_penalty_last_n\":512,"
             "\"dry_sequence_breakers\":[\"\\n\",\":\",\"\\\"\",\"*\"],"
             "\"mirostat\":0,\"mirostat_tau\":5.0,"
             "\"mirostat_eta\":0.10000000149011612,\"stop\":[],"
             "\"max_tokens\":");
    add_i64(out, n_predict);
    LIT(out, ",\"n_predict\":");
    add_i64(out, n_predict);
    evbuffer_add_printf(out,
        ",\"n_keep\":0,\"n_discard\":0,\"ignore_eos\":%s,\"stream\":%s,"
        "\"logit_bias\":[],\"n_probs\":0,\"min_keep\":0,\"grammar\":\"\","
        "\"grammar_lazy\":false,\"grammar_triggers\":[],"
        "\"preserved_tokens\":[],\"chat_format\":\"Content-only\","
        "\"reasoning_format\":\"deepseek\",\"reasoning_in_content\":false,"
        "\"generation_prompt\":\"\",\"samplers\":[\"penalties\",\"dry\","
        "\"top_n_sigma\",\"top_k\",\"typ_p\",\"top_p\",\"min_p\",\"xtc\","
        "\"temperature\"],\"speculative.types\":\"none\","
        "\"timings_per_token\":%s,\"post_sampling_probs\":false,"
        "\"backend_sampling\":false,\"lora\":[]}",
        s->ignore_eos ? "true" : "false", s->streaming ? "true" : "false",
        s->timings_per_token ? "true" : "false");
}

/* The llama.cpp final object without the "data: " framing; content is
 * the whole text for a non-streamed answer, "" for the stream's end. */
static void llamacpp_final(struct mock_stream *s, struct evbuffer *out,
                           int full)
{
    LIT(out, "{\"index\":0,\"content\":\"");
    if (full)
        add_text(out, s);
    LIT(out, "\",\"tokens\":[],\"id_slot\":");
    add_i64(out, s->slot >= 0 ? s->slot : 0);
    LIT(out, ",\"stop\":true,\"model\":");
    add_str(out, s->model, strlen(s->model));
    LIT(out, ",\"tokens_predicted\":");
    add_i64(out, s->generated);
    LIT(out, ",\"tokens_evaluated\":");
    add_i64(out, s->prompt_tokens);
    LIT(out, ",");
    llamacpp_settings(s, out);
    LIT(out, ",\"prompt\":");
    if (s->echo)
        add_str(out, s->echo, s->echo_len);
    else
        LIT(out, "\"\"");
    evbuffer_add_printf(out,
        ",\"has_new_line\":%s,\"truncated\":false,\"stop_type\":\"%s\","
        "\"stopping_word\":\"\",\"tokens_cached\":",
        s->has_newline ? "true" : "false", s->finish_length ? "limit" : "eos");
    add_i64(out, s->prompt_tokens + s->generated - 1);
    LIT(out, ",");
    llamacpp_timings(s, out, s->generated);
    LIT(out, "}");
}

static void tgi_details(struct mock_stream *s, struct evbuffer *out)
{
    evbuffer_add_printf(out, "{\"finish_reason\":\"%s\",\"generated_tokens\":",
                        s->finish_length ? "length" : "eos_token");
    add_i64(out, s->generated);
    LIT(out, ",\"input_length\":");
    add_i64(out, s->prompt_tokens);
    LIT(out, ",\"seed\":");
    if (s->has_seed)
        add_i64(out, (int64_t)s->seed);
    else
        LIT(out, "null");
    LIT(out, "}");
}

/* ---- streaming --------------------------------------------------------- */

void proto_stream_progress(struct mock_stream *s, struct evbuffer *out)
{
    int done = s->prefill_end_ns > 0;
    int64_t processed = done ? s->prompt_tokens : s->cached_tokens;
    int64_t t_ms = done ? (s->prefill_end_ns - s->prefill_start_ns) / 1000000
                        : 0;

    LIT(out, "data: {\"index\":0,\"content\":\"\",\"tokens\":[],"
             "\"stop\":false,\"id_slot\":-1,\"tokens_predicted\":0,"
             "\"tokens_evaluated\":");
    add_i64(out, s->prompt_tokens);
    if (done && s->timings_per_token) {
        LIT(out, ",");
        llamacpp_timings(s, out, 0);
    }
    LIT(out, ",\"prompt_progress\":{\"total\":");
    add_i64(out, s->prompt_tokens);
    LIT(out, ",\"cache\":");
    add_i64(out, s->cached_tokens);
    LIT(out, ",\"processed\":");
    add_i64(out, processed);
    LIT(out, ",\"time_ms\":");
    add_i64(out, t_ms);
    LIT(out, "}}\n\n");
}

void proto_stream_open(struct mock_stream *s, struct evbuffer *out)
{
    if (s->proto == PROTO_OPENAI_CHAT) {
        /* vLLM: a role-only first chunk with empty content, sent as the
         * first output arrives */
        LIT(out, "data: ");
        openai_head(s, out, 1);
        LIT(out, ",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
                 "\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                 "\"finish_reason\":null}]}\n\n");
    } else if (s->proto == PROTO_LLAMACPP && s->return_progress) {
        proto_stream_progress(s, out);
    }
}

static void tgi_token(struct mock_stream *s, const struct mock_token *t,
                      int64_t index, int last, struct evbuffer *out)
{
    int special = t == mock_vocab_eos();

    LIT(out, "data:{\"index\":");
    add_i64(out, index);
    LIT(out, ",\"token\":{\"id\":");
    add_i64(out, t->id);
    LIT(out, ",\"text\":\"");
    evbuffer_add(out, t->esc, t->esc_len);
    evbuffer_add_printf(out, "\",\"logprob\":%.2f,\"special\":%s},",
                        -0.01 - 2.0 * mock_rng_unit(&s->rng),
                        special ? "true" : "false");
    if (last) {
        LIT(out, "\"top_tokens\":null,\"generated_text\":\"");
        add_text(out, s);
        LIT(out, "\",\"details\":");
        tgi_details(s, out);
        LIT(out, "}\n\n");
    } else {
        LIT(out, "\"top_tokens\":null,\"generated_text\":null,"
                 "\"details\":null}\n\n");
    }
}

void proto_stream_tokens(struct mock_stream *s,
                         const struct mock_token *const *toks, int n,
                         int64_t upto, int last, struct evbuffer *out)
{
    int i;

    switch (s->proto) {
    case PROTO_OLLAMA_GENERATE:
    case PROTO_OLLAMA_CHAT:
        ollama_head(s, out);
        if (s->proto == PROTO_OLLAMA_CHAT)
            LIT(out, "\"message\":{\"role\":\"assistant\",\"content\":\"");
        else
            LIT(out, "\"response\":\"");
        for (i = 0; i < n; i++)
            evbuffer_add(out, toks[i]->esc, toks[i]->esc_len);
        if (s->proto == PROTO_OLLAMA_CHAT)
            LIT(out, "\"},\"done\":false}\n");
        else
            LIT(out, "\",\"done\":false}\n");
        break;
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        LIT(out, "data: ");
        openai_head(s, out, 1);
        if (s->proto == PROTO_OPENAI_CHAT)
            LIT(out, ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
        else
            LIT(out, ",\"choices\":[{\"index\":0,\"text\":\"");
        for (i = 0; i < n; i++)
            evbuffer_add(out, toks[i]->esc, toks[i]->esc_len);
        if (s->proto == PROTO_OPENAI_CHAT)
            LIT(out, "\"}");
        else
            LIT(out, "\"");
        /* vLLM puts finish_reason on the last content chunk */
        if (last)
            evbuffer_add_printf(out, ",\"logprobs\":null,\"finish_reason\":"
                                     "\"%s\"}]}\n\n", finish_reason(s));
        else
            LIT(out, ",\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        break;
    case PROTO_LLAMACPP:
        LIT(out, "data: {\"index\":0,\"content\":\"");
        for (i = 0; i < n; i++)
            evbuffer_add(out, toks[i]->esc, toks[i]->esc_len);
        LIT(out, "\",\"tokens\":[");
        for (i = 0; i < n; i++) {
            if (i)
                LIT(out, ",");
            add_i64(out, toks[i]->id);
        }
        LIT(out, "],\"stop\":false,\"id_slot\":-1,\"tokens_predicted\":");
        add_i64(out, upto);
        LIT(out, ",\"tokens_evaluated\":");
        add_i64(out, s->prompt_tokens);
        if (s->timings_per_token) {
            LIT(out, ",");
            llamacpp_timings(s, out, upto);
        }
        LIT(out, "}\n\n");
        break;
    default: /* TGI: one event per token, always */
        for (i = 0; i < n; i++)
            tgi_token(s, toks[i], upto - n + 1 + i,
                      last && i == n - 1, out);
        break;
    }
}

/* A bounded cursor for proto_stream_tokens_flat: writes past the end
 * only set the overflow flag, so the caller falls back. */
struct flat {
    char *p, *end;
    int over;
};

static void flat_add(struct flat *f, const void *src, size_t n)
{
    if (f->over || (size_t)(f->end - f->p) < n) {
        f->over = 1;
        return;
    }
    memcpy(f->p, src, n);
    f->p += n;
}

#define FLIT(f, s) flat_add((f), (s), sizeof(s) - 1)

static void flat_i64(struct flat *f, int64_t v)
{
    char b[24];

    flat_add(f, b, mock_i64(b, v));
}

/* s->model_esc: the model name as JSON string contents. 0 or -1. */
static int ollama_model_esc(struct mock_stream *s)
{
    struct evbuffer *tmp = evbuffer_new();
    size_t n;
    int rc = -1;

    if (!tmp)
        return -1;
    if (mock_json_escape(tmp, s->model, strlen(s->model)) == 0) {
        n = evbuffer_get_length(tmp);
        s->model_esc = malloc(n + 1);
        if (s->model_esc) {
            evbuffer_remove(tmp, s->model_esc, n);
            s->model_esc[n] = '\0';
            s->model_esc_len = n;
            rc = 0;
        }
    }
    evbuffer_free(tmp);
    return rc;
}

size_t proto_stream_tokens_flat(struct mock_stream *s,
                                const struct mock_token *const *toks, int n,
                                int64_t upto, int last, char *dst,
                                size_t cap)
{
    struct flat f = {dst, dst + cap, 0};
    int i, chat = s->proto == PROTO_OPENAI_CHAT;

    switch (s->proto) {
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        if (!s->head)
            return 0; /* built by the first event, on the evbuffer path */
        FLIT(&f, "data: ");
        flat_add(&f, s->head, s->head_len);
        if (chat)
            FLIT(&f, ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"");
        else
            FLIT(&f, ",\"choices\":[{\"index\":0,\"text\":\"");
        for (i = 0; i < n; i++)
            flat_add(&f, toks[i]->esc, toks[i]->esc_len);
        if (chat)
            FLIT(&f, "\"}");
        else
            FLIT(&f, "\"");
        if (last) {
            const char *fr = finish_reason(s);

            FLIT(&f, ",\"logprobs\":null,\"finish_reason\":\"");
            flat_add(&f, fr, strlen(fr));
            FLIT(&f, "\"}]}\n\n");
        } else {
            FLIT(&f, ",\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        break;
    case PROTO_LLAMACPP:
        if (s->timings_per_token)
            return 0;
        FLIT(&f, "data: {\"index\":0,\"content\":\"");
        for (i = 0; i < n; i++)
            flat_add(&f, toks[i]->esc, toks[i]->esc_len);
        FLIT(&f, "\",\"tokens\":[");
        for (i = 0; i < n; i++) {
            if (i)
                FLIT(&f, ",");
            flat_i64(&f, toks[i]->id);
        }
        FLIT(&f, "],\"stop\":false,\"id_slot\":-1,\"tokens_predicted\":");
        flat_i64(&f, upto);
        FLIT(&f, ",\"tokens_evaluated\":");
        flat_i64(&f, s->prompt_tokens);
        FLIT(&f, "}\n\n");
        break;
    case PROTO_OLLAMA_GENERATE:
    case PROTO_OLLAMA_CHAT: {
        char tb[48];

        if (!s->model_esc && ollama_model_esc(s) != 0)
            return 0;
        FLIT(&f, "{\"model\":\"");
        flat_add(&f, s->model_esc, s->model_esc_len);
        FLIT(&f, "\",\"created_at\":\"");
        flat_add(&f, tb, mock_format_time(tb, sizeof(tb), mock_wall_ns()));
        FLIT(&f, "\",");
        if (s->proto == PROTO_OLLAMA_CHAT)
            FLIT(&f, "\"message\":{\"role\":\"assistant\",\"content\":\"");
        else
            FLIT(&f, "\"response\":\"");
        for (i = 0; i < n; i++)
            flat_add(&f, toks[i]->esc, toks[i]->esc_len);
        if (s->proto == PROTO_OLLAMA_CHAT)
            FLIT(&f, "\"},\"done\":false}\n");
        else
            FLIT(&f, "\",\"done\":false}\n");
        break;
    }
    default: /* TGI: a logprob drawn and printed per token */
        return 0;
    }
    return f.over ? 0 : (size_t)(f.p - dst);
}

void proto_stream_close(struct mock_stream *s, struct evbuffer *out)
{
    switch (s->proto) {
    case PROTO_OLLAMA_GENERATE:
    case PROTO_OLLAMA_CHAT:
        ollama_head(s, out);
        if (s->proto == PROTO_OLLAMA_CHAT)
            LIT(out, "\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                     "\"done\":true,");
        else
            LIT(out, "\"response\":\"\",\"done\":true,");
        ollama_metrics(s, out, s->proto == PROTO_OLLAMA_GENERATE);
        LIT(out, "}\n");
        break;
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        if (s->include_usage) {
            LIT(out, "data: ");
            openai_head(s, out, 1);
            LIT(out, ",\"choices\":[],");
            openai_usage(s, out);
            LIT(out, "}\n\n");
        }
        LIT(out, "data: [DONE]\n\n");
        break;
    case PROTO_LLAMACPP:
        LIT(out, "data: ");
        llamacpp_final(s, out, 0);
        LIT(out, "\n\n");
        break;
    default:
        break; /* TGI: the last token event was the final one */
    }
}

void proto_stream_error(struct mock_stream *s, const char *msg,
                        struct evbuffer *out)
{
    size_t n = strlen(msg);

    switch (s->proto) {
    case PROTO_OLLAMA_GENERATE:
    case PROTO_OLLAMA_CHAT:
        LIT(out, "{\"error\":");
        add_str(out, msg, n);
        LIT(out, "}\n");
        break;
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        /* vLLM: an error object inside the 200 stream, then [DONE] */
        LIT(out, "data: ");
        proto_error_body(s->proto, 500, msg, out);
        LIT(out, "\n\ndata: [DONE]\n\n");
        break;
    case PROTO_LLAMACPP:
        /* llama-server writes errors on its own SSE field "error:",
         * which generic SSE parsers ignore: the stream then simply ends
         * without a stop:true event */
        evbuffer_add_printf(out, "error: {\"code\":500,\"message\":");
        add_str(out, msg, n);
        LIT(out, ",\"type\":\"server_error\"}\n\n");
        break;
    default:
        LIT(out, "data:{\"error\":");
        add_str(out, msg, n);
        LIT(out, ",\"error_type\":\"generation\"}\n\n");
        break;
    }
}

/* ---- non-streaming ----------------------------------------------------- */

void proto_body(struct mock_stream *s, struct evbuffer *out)
{
    switch (s->proto) {
    case PROTO_OLLAMA_GENERATE:
    case PROTO_OLLAMA_CHAT:
        ollama_head(s, out);
        if (s->proto == PROTO_OLLAMA_CHAT)
            LIT(out, "\"message\":{\"role\":\"assistant\",\"content\":\"");
        else
            LIT(out, "\"response\":\"");
        add_text(out, s);
        if (s->proto == PROTO_OLLAMA_CHAT)
            LIT(out, "\"},\"done\":true,");
        else
            LIT(out, "\",\"done\":true,");
        ollama_metrics(s, out, s->proto == PROTO_OLLAMA_GENERATE);
        LIT(out, "}");
        break;
    case PROTO_OPENAI_COMPLETIONS:
    case PROTO_OPENAI_CHAT:
        openai_head(s, out, 0);
        if (s->proto == PROTO_OPENAI_CHAT)
            LIT(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                     "\"assistant\",\"content\":\"");
        else
            LIT(out, ",\"choices\":[{\"index\":0,\"text\":\"");
        add_text(out, s);
        if (s->proto == PROTO_OPENAI_CHAT)
            LIT(out, "\"}");
        else
            LIT(out, "\"");
        evbuffer_add_printf(out, ",\"logprobs\":null,\"finish_reason\":\"%s\","
                                 "\"stop_reason\":null}],",
                            finish_reason(s));
        openai_usage(s, out);
        LIT(out, "}");
        break;
    case PROTO_LLAMACPP:
        llamacpp_final(s, out, 1);
        break;
    default:
        LIT(out, "{\"generated_text\":\"");
        add_text(out, s);
        LIT(out, "\"");
        if (s->tgi_details) {
            LIT(out, ",\"details\":");
            tgi_details(s, out);
        }
        LIT(out, "}");
        break;
    }
}

/* ---- model-free GET endpoints ------------------------------------------ */

int proto_info(struct mock *m, const char *path, struct evbuffer *out,
               const char **ctype)
{
    int i;

    *ctype = "application/json; charset=utf-8";
    if (strcmp(path, "/api/tags") == 0) {
        char t[48];

        mock_format_time(t, sizeof(t), m->start_wall_s * 1000000000);
        LIT(out, "{\"models\":[");
        for (i = 0; i < m->cfg.n_models; i++) {
            const char *name = m->cfg.models[i];
            uint64_t h = mock_hash64(name, strlen(name), 0);

            if (i)
                LIT(out, ",");
            LIT(out, "{\"name\":");
            add_str(out, name, strlen(name));
            LIT(out, ",\"model\":");
            add_str(out, name, strlen(name));
            evbuffer_add_printf(out,
                ",\"modified_at\":\"%s\",\"size\":397821319,"
                "\"digest\":\"%016llx%016llx%016llx%016llx\","
                "\"details\":{\"parent_model\":\"\",\"format\":\"gguf\","
                "\"family\":\"mock\",\"families\":[\"mock\"],"
                "\"parameter_size\":\"494.03M\","
                "\"quantization_level\":\"Q4_K_M\"}}",
                t, (unsigned long long)h, (unsigned long long)(h * 3),
                (unsigned long long)(h * 5), (unsigned long long)(h * 7));
        }
        LIT(out, "]}");
        return 200;
    }
    if (strcmp(path, "/api/version") == 0) {
        evbuffer_add_printf(out, "{\"version\":\"%s\"}", MOCK_VERSION);
        return 200;
    }
    if (strcmp(path, "/v1/models") == 0) {
        *ctype = "application/json";
        LIT(out, "{\"object\":\"list\",\"data\":[");
        for (i = 0; i < m->cfg.n_models; i++) {
            if (i)
                LIT(out, ",");
            LIT(out, "{\"id\":");
            add_str(out, m->cfg.models[i], strlen(m->cfg.models[i]));
            evbuffer_add_printf(out,
                ",\"object\":\"model\",\"created\":%lld,"
                "\"owned_by\":\"llmperf-mock\",\"root\":",
                (long long)m->start_wall_s);
            add_str(out, m->cfg.models[i], strlen(m->cfg.models[i]));
            LIT(out, ",\"parent\":null,\"max_model_len\":32768}");
        }
        LIT(out, "]}");
        return 200;
    }
    if (strcmp(path, "/health") == 0) {
        LIT(out, "{\"status\":\"ok\"}");
        return 200;
    }
    if (strcmp(path, "/info") == 0) {
        *ctype = "application/json";
        LIT(out, "{\"model_id\":");
        add_str(out, m->cfg.models[0], strlen(m->cfg.models[0]));
        evbuffer_add_printf(out,
            ",\"model_dtype\":\"float16\",\"max_concurrent_requests\":%d,"
            "\"max_input_tokens\":32767,\"max_total_tokens\":32768,"
            "\"version\":\"%s\",\"router\":\"llmperf-mock\"}",
            m->cfg.slots, MOCK_VERSION);
        return 200;
    }
    if (strcmp(path, "/") == 0) {
        *ctype = "text/plain; charset=utf-8";
        LIT(out, "llmperf-mock is running");
        return 200;
    }
    return 0;
}
