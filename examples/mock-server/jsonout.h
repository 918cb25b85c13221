/* SPDX-License-Identifier: MIT */
/*
 * jsonout.h -- tiny helpers shared by proto.c and proto_request.c for
 * writing JSON into an evbuffer without printf where it is hot.
 */
#ifndef LLMPERF_MOCK_JSONOUT_H
#define LLMPERF_MOCK_JSONOUT_H

#include "mock.h"

#define LIT(out, s) evbuffer_add((out), (s), sizeof(s) - 1)

static inline void add_i64(struct evbuffer *out, int64_t v)
{
    char b[24];

    evbuffer_add(out, b, mock_i64(b, v));
}

/* A JSON string: quotes, escapes, invalid UTF-8 replaced. */
static inline void add_str(struct evbuffer *out, const char *s, size_t n)
{
    LIT(out, "\"");
    mock_json_escape(out, s, n);
    LIT(out, "\"");
}

#endif /* LLMPERF_MOCK_JSONOUT_H */
