/* SPDX-License-Identifier: MIT */
/*
 * observe.c -- what the mock tells about itself: request counters, the
 * Prometheus text of GET /metrics, and the ground-truth log writer.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mock.h"

void mock_count_request(struct mock *m, const char *endpoint, int status)
{
    struct mock_stats *st = &m->st;
    int i;

    for (i = 0; i < st->n_counters; i++)
        if (st->by_endpoint[i].status == status &&
            strcmp(st->by_endpoint[i].endpoint, endpoint) == 0) {
            st->by_endpoint[i].n++;
            return;
        }
    /* endpoints are a fixed set of literals; statuses a handful, so the
     * table does not fill up; if it ever does, fold into "other" */
    if (st->n_counters < (int)(sizeof(st->by_endpoint) /
                               sizeof(st->by_endpoint[0]))) {
        st->by_endpoint[i].endpoint = endpoint;
        st->by_endpoint[i].status = status;
        st->by_endpoint[i].n = 1;
        st->n_counters++;
    }
}

void mock_metrics_text(struct mock *m, struct evbuffer *out)
{
    const struct mock_stats *st = &m->st;
    int i;

    evbuffer_add_printf(out,
        "# HELP llmperf_mock_requests_total Requests answered, by endpoint "
        "and HTTP status.\n"
        "# TYPE llmperf_mock_requests_total counter\n");
    for (i = 0; i < st->n_counters; i++)
        evbuffer_add_printf(out,
            "llmperf_mock_requests_total{endpoint=\"%s\",status=\"%d\"} "
            "%llu\n", st->by_endpoint[i].endpoint, st->by_endpoint[i].status,
            (unsigned long long)st->by_endpoint[i].n);
    evbuffer_add_printf(out,
        "# HELP llmperf_mock_requests_in_flight Generation requests "
        "admitted and not finished.\n"
        "# TYPE llmperf_mock_requests_in_flight gauge\n"
        "llmperf_mock_requests_in_flight %d\n"
        "# HELP llmperf_mock_queue_depth Requests waiting for a slot.\n"
        "# TYPE llmperf_mock_queue_depth gauge\n"
        "llmperf_mock_queue_depth %d\n"
        "# HELP llmperf_mock_slots_busy Slots in prefill or decode.\n"
        "# TYPE llmperf_mock_slots_busy gauge\n"
        "llmperf_mock_slots_busy %d\n"
        "# HELP llmperf_mock_slots Configured parallel slots.\n"
        "# TYPE llmperf_mock_slots gauge\n"
        "llmperf_mock_slots %d\n"
        "# HELP llmperf_mock_model_loaded 1 when the model is loaded.\n"
        "# TYPE llmperf_mock_model_loaded gauge\n"
        "llmperf_mock_model_loaded %d\n"
        "# HELP llmperf_mock_model_loads_total Model loads (cold starts).\n"
        "# TYPE llmperf_mock_model_loads_total counter\n"
        "llmperf_mock_model_loads_total %llu\n"
        "# HELP llmperf_mock_tokens_generated_total Output tokens "
        "generated.\n"
        "# TYPE llmperf_mock_tokens_generated_total counter\n"
        "llmperf_mock_tokens_generated_total %llu\n"
        "# HELP llmperf_mock_prompt_tokens_total Prompt tokens received.\n"
        "# TYPE llmperf_mock_prompt_tokens_total counter\n"
        "llmperf_mock_prompt_tokens_total %llu\n"
        "# HELP llmperf_mock_cached_prompt_tokens_total Prompt tokens "
        "served from the prefix cache.\n"
        "# TYPE llmperf_mock_cached_prompt_tokens_total counter\n"
        "llmperf_mock_cached_prompt_tokens_total %llu\n"
        "# HELP llmperf_mock_chunks_written_total Response chunks handed "
        "to sockets.\n"
        "# TYPE llmperf_mock_chunks_written_total counter\n"
        "llmperf_mock_chunks_written_total %llu\n"
        "# HELP llmperf_mock_client_disconnects_total Requests whose "
        "client went away before the end.\n"
        "# TYPE llmperf_mock_client_disconnects_total counter\n"
        "llmperf_mock_client_disconnects_total %llu\n",
        m->in_flight, m->q_len, m->busy, m->cfg.slots,
        m->model_state == MODEL_LOADED, (unsigned long long)st->loads,
        (unsigned long long)st->tokens_generated,
        (unsigned long long)st->prompt_tokens,
        (unsigned long long)st->cached_tokens,
        (unsigned long long)st->chunks,
        (unsigned long long)st->client_disconnects);
    evbuffer_add_printf(out,
        "# HELP llmperf_mock_faults_total Faults injected, by kind.\n"
        "# TYPE llmperf_mock_faults_total counter\n");
    for (i = 1; i < FAULT_KIND_COUNT; i++)
        evbuffer_add_printf(out,
            "llmperf_mock_faults_total{kind=\"%s\"} %llu\n",
            mock_fault_name(i), (unsigned long long)st->faults[i]);
    evbuffer_add_printf(out,
        "# HELP llmperf_mock_write_lag_seconds How late token writes were "
        "against their scheduled time.\n"
        "# TYPE llmperf_mock_write_lag_seconds summary\n"
        "llmperf_mock_write_lag_seconds_sum %.9f\n"
        "llmperf_mock_write_lag_seconds_count %llu\n"
        "# HELP llmperf_mock_write_lag_max_seconds Largest write lag seen.\n"
        "# TYPE llmperf_mock_write_lag_max_seconds gauge\n"
        "llmperf_mock_write_lag_max_seconds %.9f\n",
        (double)st->lag_sum_ns / 1e9, (unsigned long long)st->lag_n,
        (double)st->lag_max_ns / 1e9);
}

void mock_log_write(struct mock *m, struct evbuffer *line)
{
    /* One write(2) per line on an O_APPEND descriptor: a killed mock
     * leaves every finished request's line complete. Lines over the
     * pipe-buffer size may take several writes; loop until done. */
    while (m->log_fd >= 0 && evbuffer_get_length(line) > 0) {
        int n = evbuffer_write(line, m->log_fd);

        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "llmperf-mock: log write failed: %s\n",
                    strerror(errno));
            break;
        }
    }
    evbuffer_drain(line, evbuffer_get_length(line));
}
