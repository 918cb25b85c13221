/* SPDX-License-Identifier: MIT */
/*
 * fault.c -- the fault grammar shared by --fault-rate and the per-request
 * X-Mock-Fault header:
 *
 *   list  = fault *( "," fault )
 *   fault = "http-429" | "http-500" | "http-503"
 *         | "disconnect" [ ":" AFTER ]
 *         | "stall" ":" MS [ ":" AFTER ]
 *         | "malformed" [ ":" AFTER ] | "error-event" [ ":" AFTER ]
 *         | "garbage" [ ":" AFTER ] | "slow-headers" ":" MS
 *
 * AFTER counts generated tokens before the fault strikes (default 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"

static const char *const names[FAULT_KIND_COUNT] = {
    "none",      "http-429",    "http-500",     "http-503",
    "disconnect", "stall",      "malformed",    "error-event",
    "slow-headers", "garbage"};

const char *mock_fault_name(int kind)
{
    if (kind < 0 || kind >= FAULT_KIND_COUNT)
        return "unknown";
    return names[kind];
}

/* Parse a non-negative decimal of at most 12 digits from s[0..len). */
static int parse_num(const char *s, size_t len, int64_t *out)
{
    int64_t v = 0;
    size_t i;

    if (len == 0 || len > 12)
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int mock_fault_parse(struct mock_fault *out, const char *s, size_t len,
                     const char **why)
{
    const char *arg[3] = {NULL, NULL, NULL};
    size_t arg_len[3] = {0, 0, 0}, i, nlen;
    int nargs = 0, kind = -1, k;
    int64_t a = 0, b = 0;

    /* trim blanks around the item */
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    for (nlen = 0; nlen < len && s[nlen] != ':'; nlen++)
        ;
    for (i = nlen; i < len && nargs < 3;) {
        size_t j = i + 1;

        while (j < len && s[j] != ':')
            j++;
        arg[nargs] = s + i + 1;
        arg_len[nargs] = j - i - 1;
        nargs++;
        i = j;
    }
    if (i < len) {
        *why = "too many ':' arguments";
        return -1;
    }
    for (k = 1; k < FAULT_KIND_COUNT; k++)
        if (strlen(names[k]) == nlen && memcmp(names[k], s, nlen) == 0)
            kind = k;
    if (kind < 0) {
        *why = "unknown fault kind";
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    out->after = 1;
    switch (kind) {
    case FAULT_HTTP_429:
    case FAULT_HTTP_500:
    case FAULT_HTTP_503:
        if (nargs != 0) {
            *why = "http faults take no argument";
            return -1;
        }
        break;
    case FAULT_STALL:
        if (nargs < 1 || nargs > 2 || parse_num(arg[0], arg_len[0], &a) ||
            (nargs == 2 && parse_num(arg[1], arg_len[1], &b))) {
            *why = "expected stall:MS[:AFTER_TOKENS]";
            return -1;
        }
        out->ms = a;
        if (nargs == 2)
            out->after = b;
        break;
    case FAULT_SLOW_HEADERS:
        if (nargs != 1 || parse_num(arg[0], arg_len[0], &a)) {
            *why = "expected slow-headers:MS";
            return -1;
        }
        out->ms = a;
        out->after = 0;
        break;
    default: /* disconnect, malformed, error-event, garbage */
        if (nargs > 1 || (nargs == 1 && parse_num(arg[0], arg_len[0], &b))) {
            *why = "expected KIND[:AFTER_TOKENS]";
            return -1;
        }
        if (nargs == 1)
            out->after = b;
        break;
    }
    return 0;
}

int mock_fault_parse_list(struct mock_fault *out, int max, const char *s,
                          const char **why)
{
    int n = 0;

    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);

        if (n >= max) {
            *why = "too many faults in one list";
            return -1;
        }
        if (mock_fault_parse(&out[n], s, len, why) != 0)
            return -1;
        n++;
        if (!e)
            break;
        s = e + 1;
    }
    return n;
}

char *mock_fault_format(const struct mock_fault *f, char *buf, size_t cap)
{
    switch (f->kind) {
    case FAULT_STALL:
        snprintf(buf, cap, "stall:%lld:%lld", (long long)f->ms,
                 (long long)f->after);
        break;
    case FAULT_SLOW_HEADERS:
        snprintf(buf, cap, "slow-headers:%lld", (long long)f->ms);
        break;
    case FAULT_DISCONNECT:
    case FAULT_MALFORMED:
    case FAULT_ERROR_EVENT:
    case FAULT_GARBAGE:
        snprintf(buf, cap, "%s:%lld", names[f->kind], (long long)f->after);
        break;
    default:
        snprintf(buf, cap, "%s", mock_fault_name(f->kind));
        break;
    }
    return buf;
}
