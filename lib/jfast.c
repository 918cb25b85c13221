/* SPDX-License-Identifier: MIT */
/*
 * jfast.c -- allocation-free JSON subset reader (see jfast.h).
 *
 * parse() validates by recursive descent with a depth cap below
 * json-c's (32), so anything it accepts json-c accepts. pick() and
 * first() walk already validated text, so they only need to find the
 * end of each value: strings by their closing quote, containers by
 * counting brackets outside strings.
 */
#include "jfast.h"

#include <string.h>

#define MAX_DEPTH 24
#define MAX_INT_DIGITS 18

typedef struct scan {
    const char *p, *end;
} scan;

static void ws(scan *s)
{
    while (s->p < s->end &&
           (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* \uXXXX at p (p at the 'u'): the code unit, or -1. */
static long u4(const char *p, const char *end)
{
    long v = 0;

    if (end - p < 5)
        return -1;
    for (int i = 1; i <= 4; i++) {
        int h = hexval((unsigned char)p[i]);

        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A string at s->p (the opening quote). */
static int string(scan *s, llmperf__jspan *v)
{
    const char *start = s->p++;
    int esc = 0;

    while (s->p < s->end) {
        unsigned char c = (unsigned char)*s->p;

        if (c == '"') {
            s->p++;
            v->type = LLMPERF__J_STR;
            v->escaped = esc;
            v->p = start;
            v->n = (size_t)(s->p - start);
            return 1;
        }
        if (c < 0x20)
            return 0; /* raw control byte: json-c's business */
        if (c == '\\') {
            long u;

            esc = 1;
            if (s->p + 1 >= s->end)
                return 0;
            switch (s->p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n':
            case 'r': case 't':
                s->p += 2;
                continue;
            case 'u':
                u = u4(s->p + 1, s->end);
                /* NUL and surrogates: not handled */
                if (u <= 0 || (u >= 0xD800 && u <= 0xDFFF))
                    return 0;
                s->p += 6;
                continue;
            default:
                return 0;
            }
        }
        s->p++;
    }
    return 0;
}

static int number(scan *s, llmperf__jspan *v)
{
    const char *start = s->p;
    size_t digits = 0;

    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
        return 0;
    if (*s->p == '0') {
        s->p++;
        digits = 1;
    } else {
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
            s->p++;
            digits++;
        }
    }
    if (digits > MAX_INT_DIGITS)
        return 0;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return 0;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
        return 0; /* exponents: json-c's range rules; not handled */
    v->type = LLMPERF__J_NUM;
    v->escaped = 0;
    v->p = start;
    v->n = (size_t)(s->p - start);
    return 1;
}

static int literal(scan *s, const char *word, int type, llmperf__jspan *v)
{
    size_t n = strlen(word);

    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return 0;
    v->type = type;
    v->escaped = 0;
    v->p = s->p;
    v->n = n;
    s->p += n;
    return 1;
}

static int value(scan *s, llmperf__jspan *v, int depth);

static int container(scan *s, llmperf__jspan *v, int depth)
{
    const char *start = s->p;
    char close = *s->p == '{' ? '}' : ']';
    int obj = close == '}';
    llmperf__jspan sub;

    if (depth >= MAX_DEPTH)
        return 0;
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        goto done;
    }
    for (;;) {
        if (obj) {
            if (s->p >= s->end || *s->p != '"' || !string(s, &sub))
                return 0;
            ws(s);
            if (s->p >= s->end || *s->p != ':')
                return 0;
            s->p++;
            ws(s);
        }
        if (!value(s, &sub, depth + 1))
            return 0;
        ws(s);
        if (s->p >= s->end)
            return 0;
        if (*s->p == ',') {
            s->p++;
            ws(s);
            continue;
        }
        if (*s->p != close)
            return 0;
        s->p++;
        break;
    }
done:
    v->type = obj ? LLMPERF__J_OBJ : LLMPERF__J_ARR;
    v->escaped = 0;
    v->p = start;
    v->n = (size_t)(s->p - start);
    return 1;
}

static int value(scan *s, llmperf__jspan *v, int depth)
{
    if (s->p >= s->end)
        return 0;
    switch (*s->p) {
    case '{':
    case '[':
        return container(s, v, depth);
    case '"':
        return string(s, v);
    case 't':
        return literal(s, "true", LLMPERF__J_BOOL, v);
    case 'f':
        return literal(s, "false", LLMPERF__J_BOOL, v);
    case 'n':
        return literal(s, "null", LLMPERF__J_NULL, v);
    default:
        return number(s, v);
    }
}

int llmperf__jfast_parse(const char *s, size_t n, llmperf__jspan *root)
{
    scan sc = {s, s + n};

    ws(&sc);
    if (!value(&sc, root, 0))
        return 0;
    ws(&sc);
    return sc.p == sc.end;
}

/* ---- walking validated text --------------------------------------------- */

/* End of the validated value starting at p. */
static const char *skip(const char *p, const char *end)
{
    int depth = 0;

    do {
        switch (*p) {
        case '"':
            p++;
            while (*p != '"') {
                const char *q = memchr(p, '"', (size_t)(end - p));
                const char *b = memchr(p, '\\', (size_t)(q - p));

                if (b == NULL) {
                    p = q;
                    break;
                }
                p = b + 2;
            }
            p++;
            break;
        case '{':
        case '[':
            depth++;
            p++;
            break;
        case '}':
        case ']':
            depth--;
            p++;
            break;
        default:
            if (depth == 0) {
                /* a scalar: up to a delimiter */
                while (p < end && *p != ',' && *p != '}' && *p != ']' &&
                       *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
                    p++;
                return p;
            }
            p++;
        }
    } while (depth > 0);
    return p;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static void span_at(const char *p, const char *e, llmperf__jspan *v)
{
    v->p = p;
    v->n = (size_t)(e - p);
    v->escaped = 0;
    switch (*p) {
    case '{':
        v->type = LLMPERF__J_OBJ;
        break;
    case '[':
        v->type = LLMPERF__J_ARR;
        break;
    case '"':
        v->type = LLMPERF__J_STR;
        v->escaped = memchr(p, '\\', v->n) != NULL;
        break;
    case 't':
    case 'f':
        v->type = LLMPERF__J_BOOL;
        break;
    case 'n':
        v->type = LLMPERF__J_NULL;
        break;
    default:
        v->type = LLMPERF__J_NUM;
    }
}

int llmperf__jfast_pick(const llmperf__jspan *obj, const char *const *keys,
                        size_t nkeys, llmperf__jspan *out)
{
    const char *p = obj->p + 1, *end = obj->p + obj->n - 1;

    for (size_t k = 0; k < nkeys; k++)
        out[k].type = LLMPERF__J_NONE;
    p = skip_ws(p, end);
    while (p < end) {
        const char *key = p + 1, *kend = skip(p, end) - 1, *v, *ve;
        size_t klen = (size_t)(kend - key);
        size_t hit = nkeys;

        for (size_t k = 0; k < nkeys; k++)
            if (strlen(keys[k]) == klen && memcmp(keys[k], key, klen) == 0)
                hit = k;
        if (hit == nkeys && memchr(key, '\\', klen) != NULL)
            return 0; /* an escaped key might spell a wanted one */
        p = skip_ws(kend + 1, end) + 1; /* past ':' */
        v = skip_ws(p, end);
        ve = skip(v, end + 1);
        if (hit < nkeys) {
            if (out[hit].type != LLMPERF__J_NONE)
                return 0; /* duplicate: json-c keeps the last */
            span_at(v, ve, &out[hit]);
        }
        p = skip_ws(ve, end);
        if (p < end && *p == ',')
            p = skip_ws(p + 1, end);
    }
    return 1;
}

int llmperf__jfast_first(const llmperf__jspan *arr, llmperf__jspan *el)
{
    const char *end = arr->p + arr->n - 1;
    const char *p = skip_ws(arr->p + 1, end);

    if (p >= end)
        return 0;
    span_at(p, skip(p, end + 1), el);
    return 1;
}

int llmperf__jfast_true(const llmperf__jspan *v)
{
    return v->type == LLMPERF__J_BOOL && v->p[0] == 't';
}

/* UTF-8 of code point c (< 0x10000, not a surrogate) at o. */
static char *put_utf8(char *o, long c)
{
    if (c < 0x80) {
        *o++ = (char)c;
    } else if (c < 0x800) {
        *o++ = (char)(0xC0 | (c >> 6));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else {
        *o++ = (char)(0xE0 | (c >> 12));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    }
    return o;
}

int llmperf__jfast_str(const llmperf__jspan *v, char **scratch,
                       const char **out, size_t *len)
{
    const char *p = v->p + 1, *end = v->p + v->n - 1;
    char *o = *scratch;

    if (!v->escaped) {
        *out = p;
        *len = (size_t)(end - p);
        return 1;
    }
    while (p < end) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        switch (p[1]) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            long c = u4(p + 1, end + 1);

            if (c <= 0 || (c >= 0xD800 && c <= 0xDFFF))
                return 0;
            o = put_utf8(o, c);
            p += 6;
            continue;
        }
        default: /* '"', '\\', '/' */
            *o++ = p[1];
        }
        p += 2;
    }
    *out = *scratch;
    *len = (size_t)(o - *scratch);
    *scratch = o;
    return 1;
}
