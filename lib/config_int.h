/* SPDX-License-Identifier: MIT */
/*
 * config_int.h -- the layout of llmperf_config, shared by config.c, the
 * backends (which build request bodies from it) and the client.
 */
#ifndef LLMPERF_CONFIG_INT_H
#define LLMPERF_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "llmperf/client.h"

/* Defaults (documented in include/llmperf/client.h). */
#define LLMPERF__DEF_MAX_TOKENS 128
#define LLMPERF__DEF_CONNECT_TIMEOUT_MS 10000
#define LLMPERF__DEF_IDLE_TIMEOUT_MS 300000
#define LLMPERF__DEF_MAX_EVENT_BYTES (1 << 20)

struct llmperf_config {
    int backend;
    int64_t max_tokens;  /* 0: not sent */
    int64_t seed;        /* -1: not sent */
    int64_t ignore_eos;  /* 0 or 1 */
    int64_t min_tokens;  /* 0: not sent */
    int64_t connect_timeout_ms;
    int64_t idle_timeout_ms;
    int64_t total_timeout_ms;
    int64_t tls_verify;
    int64_t include_usage;
    int64_t keep_text;
    int64_t stream;
    int64_t max_event_bytes;
    double temperature;  /* < 0: not sent */
    double top_p;        /* < 0: not sent */
    char *base_url;      /* NULL: the backend's default */
    char *path;          /* NULL: the backend's default */
    char *model;         /* NULL: not sent */
    char *api_key;       /* NULL: no Authorization header */
    char *system_prompt; /* NULL: none */
    char **stops;
    size_t n_stops;
    char **headers;
    size_t n_headers;
    char *extra_text;       /* EXTRA_JSON as given (NULL: none) */
    json_object *extra;     /* the same, parsed: always a JSON object */
};

/* Deep copy (the client keeps its own). LLMPERF_OK or LLMPERF_ENOMEM. */
int llmperf__config_copy(llmperf_config **out, const llmperf_config *src);

/* The effective base URL and path (defaults applied). */
const char *llmperf__config_base_url(const llmperf_config *cfg);
const char *llmperf__config_path(const llmperf_config *cfg);

#endif /* LLMPERF_CONFIG_INT_H */
