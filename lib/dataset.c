/* SPDX-License-Identifier: MIT */
/*
 * dataset.c -- prompt lists: a JSONL reader with line-numbered errors and
 * hard limits, synthetic prompts of a target token length, the built-in
 * prompts of four sizes, and reproducible shuffle and repeat. Strings
 * live in an arena owned by the dataset, so repeat() only copies item
 * records and every borrowed pointer stays valid until the next change.
 */
#include "dataset_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"

/* ---- generator ---------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void llmperf__rng_seed(llmperf__rng *g, uint64_t seed)
{
    /* splitmix64 never yields four zero words, the one bad state. */
    for (int i = 0; i < 4; i++)
        g->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t llmperf__rng_next(llmperf__rng *g)
{
    uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

double llmperf__rng_uniform(llmperf__rng *g)
{
    /* 53 random bits, shifted half a step: never 0, never 1. */
    return ((double)(llmperf__rng_next(g) >> 11) + 0.5) *
           (1.0 / 9007199254740992.0);
}

uint64_t llmperf__rng_below(llmperf__rng *g, uint64_t n)
{
    /* Rejection of the top partial range (at most n - 1 values out of
     * 2^64), so every value is equally likely. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;

    do
        x = llmperf__rng_next(g);
    while (x >= lim);
    return x % n;
}

/* ---- UTF-8 -------------------------------------------------------------- */

int llmperf__utf8_valid(const char *str, size_t len, size_t *chars)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, n = 0;

    while (i < len) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            n++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0; /* continuation byte, 0xc0/0xc1 or > 0xf4 */
        }
        if (len - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        /* Overlong forms, UTF-16 surrogates, beyond Unicode. */
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return 0;
        i += k + 1;
        n++;
    }
    if (chars != NULL)
        *chars = n;
    return 1;
}

/* ---- the dataset -------------------------------------------------------- */

#define BLOCK_MIN 16384

struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

struct item {
    const char *prompt;
    const char *id;
    const char *category;
    const char *messages; /* JSON array text, or NULL */
    int64_t max_tokens;
};

struct llmperf_dataset {
    struct item *items;
    size_t n, cap;
    struct block *blocks;
    size_t skipped;
    char errmsg[512];
};

/* Copy len bytes of s (NUL added) into the arena. */
static char *store(llmperf_dataset *ds, const char *s, size_t len)
{
    struct block *b = ds->blocks;
    char *p;

    if (len >= SIZE_MAX - sizeof(*b) - BLOCK_MIN)
        return NULL;
    if (b == NULL || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > BLOCK_MIN ? len + 1 : BLOCK_MIN;

        b = llmperf__malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->cap = cap;
        /* A big string gets a block of its own behind the current one,
         * so the current block's free room is not wasted. */
        if (ds->blocks != NULL && cap > BLOCK_MIN) {
            b->next = ds->blocks->next;
            ds->blocks->next = b;
        } else {
            b->next = ds->blocks;
            ds->blocks = b;
        }
    }
    p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

static int grow_items(llmperf_dataset *ds, size_t need)
{
    struct item *items;
    size_t cap;

    if (need <= ds->cap)
        return LLMPERF_OK;
    cap = ds->cap ? ds->cap : 16;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return LLMPERF_EINVAL;
        cap *= 2;
    }
    items = llmperf__reallocarray(ds->items, cap, sizeof(*items));
    if (items == NULL)
        return LLMPERF_ENOMEM;
    ds->items = items;
    ds->cap = cap;
    return LLMPERF_OK;
}

LLMPERF_API const char *llmperf_dataset_length_category(size_t chars)
{
    /* The buckets of seed 000's course benchmark: < 200, 200-500,
     * 500-1000, > 1000 characters; 500 counts as long, 1000 as long. */
    if (chars < 200)
        return "short";
    if (chars < 500)
        return "medium";
    if (chars <= 1000)
        return "long";
    return "very_long";
}

/*
 * Append an item. chars is the length that picks the category when
 * category is NULL; id NULL uses auto_id (or the position when auto_id
 * is 0). Strings must be valid UTF-8 already.
 */
static int append(llmperf_dataset *ds, const char *prompt, size_t prompt_len,
                  const char *id, const char *category, const char *messages,
                  size_t chars, int64_t max_tokens, uint64_t auto_id)
{
    struct item it;
    char num[24];
    int rc;

    rc = grow_items(ds, ds->n + 1);
    if (rc != LLMPERF_OK)
        return rc;
    if (id == NULL) {
        snprintf(num, sizeof(num), "%" PRIu64,
                 auto_id ? auto_id : (uint64_t)ds->n);
        id = num;
    }
    if (category == NULL)
        category = llmperf_dataset_length_category(chars);
    /* Arena copies; on ENOMEM the few bytes already stored stay in the
     * arena (freed with the dataset) and the item list is unchanged. */
    it.prompt = store(ds, prompt, prompt_len);
    it.id = store(ds, id, strlen(id));
    it.category = store(ds, category, strlen(category));
    it.messages = messages ? store(ds, messages, strlen(messages)) : NULL;
    it.max_tokens = max_tokens < 0 ? -1 : max_tokens;
    if (it.prompt == NULL || it.id == NULL || it.category == NULL ||
        (messages != NULL && it.messages == NULL))
        return LLMPERF_ENOMEM;
    ds->items[ds->n++] = it;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_dataset_new(llmperf_dataset **out)
{
    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = llmperf__calloc(1, sizeof(**out));
    return *out != NULL ? LLMPERF_OK : LLMPERF_ENOMEM;
}

LLMPERF_API void llmperf_dataset_free(llmperf_dataset *ds)
{
    struct block *b, *next;

    if (ds == NULL)
        return;
    for (b = ds->blocks; b != NULL; b = next) {
        next = b->next;
        llmperf__free(b);
    }
    llmperf__free(ds->items);
    llmperf__free(ds);
}

static int valid_opt_str(const char *s)
{
    return s == NULL || (s[0] != '\0' && llmperf__utf8_valid(s, strlen(s),
                                                             NULL));
}

LLMPERF_API int llmperf_dataset_add(llmperf_dataset *ds, const char *prompt,
                                    const char *id, const char *category,
                                    int64_t max_tokens)
{
    size_t len, chars;

    if (ds == NULL || prompt == NULL || prompt[0] == '\0')
        return LLMPERF_EINVAL;
    len = strlen(prompt);
    if (!llmperf__utf8_valid(prompt, len, &chars) || !valid_opt_str(id) ||
        !valid_opt_str(category))
        return LLMPERF_EINVAL;
    return append(ds, prompt, len, id, category, NULL, chars, max_tokens,
                  0);
}

/* ---- JSONL -------------------------------------------------------------- */

#define READ_BUF 65536

/* A line reader that never holds more than LINE_MAX bytes of a line. */
struct reader {
    FILE *f;
    char *buf;
    size_t pos, len;
    char *line;
    size_t line_len, line_cap;
    int too_long;
    int eof;
};

/* Next line into r->line (without "\n"). Returns 1 for a line, 0 at the
 * end of the file, LLMPERF_EIO or LLMPERF_ENOMEM. */
static int read_line(struct reader *r)
{
    int any = 0;

    r->line_len = 0;
    r->too_long = 0;
    for (;;) {
        char *nl;
        size_t piece;

        if (r->pos == r->len) {
            if (r->eof)
                return any ? 1 : 0;
            r->len = fread(r->buf, 1, READ_BUF, r->f);
            r->pos = 0;
            if (r->len < READ_BUF) {
                if (ferror(r->f))
                    return LLMPERF_EIO;
                r->eof = 1;
            }
            continue;
        }
        any = 1;
        nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        piece = nl ? (size_t)(nl - (r->buf + r->pos)) : r->len - r->pos;
        if (!r->too_long && r->line_len + piece > LLMPERF_DATASET_LINE_MAX) {
            /* Keep reading to the line end, but drop the bytes. */
            r->too_long = 1;
        }
        if (!r->too_long) {
            if (r->line_len + piece + 1 > r->line_cap) {
                size_t cap = r->line_cap ? r->line_cap : 4096;
                char *p;

                while (cap < r->line_len + piece + 1)
                    cap *= 2;
                p = llmperf__realloc(r->line, cap);
                if (p == NULL)
                    return LLMPERF_ENOMEM;
                r->line = p;
                r->line_cap = cap;
            }
            memcpy(r->line + r->line_len, r->buf + r->pos, piece);
            r->line_len += piece;
            r->line[r->line_len] = '\0';
        }
        r->pos += piece;
        if (nl != NULL) {
            r->pos++;
            return 1;
        }
    }
}

/* What a bad line said, for the error message. */
struct why {
    char text[256];
};

static int bad(struct why *w, const char *fmt, ...) LLMPERF__PRINTF(2, 3);

static int bad(struct why *w, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(w->text, sizeof(w->text), fmt, ap);
    va_end(ap);
    return LLMPERF_EFORMAT;
}

/* A JSON string member that must be valid, NUL-free UTF-8. Returns 1 and
 * sets *s and *len, 0 when absent, or EFORMAT. */
static int get_str(json_object *o, const char *key, const char **s,
                   size_t *len, struct why *w)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || v == NULL)
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return bad(w, "\"%s\" is not a string", key);
    *s = json_object_get_string(v);
    *len = (size_t)json_object_get_string_len(v);
    if (memchr(*s, '\0', *len) != NULL)
        return bad(w, "\"%s\" holds a NUL character", key);
    if (!llmperf__utf8_valid(*s, *len, NULL))
        return bad(w, "\"%s\" is not valid UTF-8", key);
    return 1;
}

/* Prefix the reason with the message's index. */
static int in_message(struct why *w, size_t i)
{
    struct why inner = *w;

    return bad(w, "message %zu: %s", i, inner.text);
}

/* Check a "messages" array; the last user message is the prompt, the
 * sum of content lengths in characters the item's length. */
static int check_messages(json_object *arr, const char **prompt,
                          size_t *prompt_len, size_t *chars, struct why *w)
{
    size_t n, total = 0;
    int rc;

    if (!json_object_is_type(arr, json_type_array))
        return bad(w, "\"messages\" is not an array");
    n = json_object_array_length(arr);
    if (n == 0)
        return bad(w, "\"messages\" is empty");
    *prompt = NULL;
    for (size_t i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(arr, i);
        const char *role = NULL, *content = NULL;
        size_t rlen = 0, clen = 0, cc = 0;

        if (!json_object_is_type(m, json_type_object))
            return bad(w, "message %zu is not an object", i);
        rc = get_str(m, "role", &role, &rlen, w);
        if (rc < 0)
            return in_message(w, i);
        if (rc == 0 || rlen == 0)
            return bad(w, "message %zu has no \"role\"", i);
        rc = get_str(m, "content", &content, &clen, w);
        if (rc < 0)
            return in_message(w, i);
        if (rc == 0)
            return bad(w, "message %zu has no string \"content\"", i);
        llmperf__utf8_valid(content, clen, &cc);
        total += cc;
        if (strcmp(role, "user") == 0 && clen > 0) {
            *prompt = content;
            *prompt_len = clen;
        }
    }
    if (*prompt == NULL)
        return bad(w, "\"messages\" has no non-empty \"user\" message");
    *chars = total;
    return LLMPERF_OK;
}

/* Parse one non-blank line into an item. */
static int parse_line(llmperf_dataset *ds, json_tokener *tok,
                      const char *line, size_t len, uint64_t lineno,
                      struct why *w)
{
    json_object *obj = NULL, *v;
    const char *prompt = NULL, *id = NULL, *cat = NULL, *msgs = NULL;
    size_t plen = 0, idlen = 0, clen = 0, chars = 0;
    int64_t max_tokens = -1;
    char idnum[24];
    int rc, has_prompt, has_msgs;

    if (!llmperf__utf8_valid(line, len, NULL))
        return bad(w, "not valid UTF-8");
    json_tokener_reset(tok);
    obj = json_tokener_parse_ex(tok, line, (int)len);
    if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
        rc = bad(w, "not valid JSON (%s)",
                 json_tokener_error_desc(json_tokener_get_error(tok)));
        goto out;
    }
    if (json_tokener_get_parse_end(tok) != len) {
        rc = bad(w, "text after the JSON value");
        goto out;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        rc = bad(w, "not a JSON object");
        goto out;
    }
    rc = has_prompt = get_str(obj, "prompt", &prompt, &plen, w);
    if (rc < 0)
        goto out;
    has_msgs = json_object_object_get_ex(obj, "messages", &v) && v != NULL;
    if (has_prompt && has_msgs) {
        rc = bad(w, "both \"prompt\" and \"messages\"");
        goto out;
    }
    if (has_msgs) {
        rc = check_messages(v, &prompt, &plen, &chars, w);
        if (rc != LLMPERF_OK)
            goto out;
        msgs = json_object_to_json_string_ext(
            v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (msgs == NULL) {
            rc = LLMPERF_ENOMEM;
            goto out;
        }
    } else if (!has_prompt) {
        rc = bad(w, "no \"prompt\" or \"messages\"");
        goto out;
    } else if (plen == 0) {
        rc = bad(w, "\"prompt\" is empty");
        goto out;
    } else {
        llmperf__utf8_valid(prompt, plen, &chars);
    }
    if (json_object_object_get_ex(obj, "id", &v) && v != NULL) {
        if (json_object_is_type(v, json_type_int)) {
            snprintf(idnum, sizeof(idnum), "%" PRId64,
                     json_object_get_int64(v));
            id = idnum;
        } else if ((rc = get_str(obj, "id", &id, &idlen, w)) < 0) {
            rc = bad(w, "\"id\" is not a string or an integer");
            goto out;
        }
    }
    rc = get_str(obj, "category", &cat, &clen, w);
    if (rc < 0)
        goto out;
    if (rc > 0 && clen == 0) {
        rc = bad(w, "\"category\" is empty");
        goto out;
    }
    if (json_object_object_get_ex(obj, "max_tokens", &v) && v != NULL) {
        if (!json_object_is_type(v, json_type_int) ||
            (max_tokens = json_object_get_int64(v)) < 0) {
            rc = bad(w, "\"max_tokens\" is not an integer >= 0");
            goto out;
        }
    }
    rc = append(ds, prompt, plen, id, cat, msgs, chars, max_tokens, lineno);
out:
    json_object_put(obj);
    return rc;
}

static void put_err(char *buf, size_t size, const char *fmt, ...)
    LLMPERF__PRINTF(3, 4);

static void put_err(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (buf == NULL || size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

LLMPERF_API int llmperf_dataset_load_jsonl(llmperf_dataset **out,
                                           const char *path, unsigned flags,
                                           char *errbuf, size_t errbuf_size)
{
    llmperf_dataset *ds = NULL;
    json_tokener *tok = NULL;
    struct reader r;
    struct why w;
    uint64_t lineno = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    put_err(errbuf, errbuf_size, "%s", "");
    if (out == NULL || path == NULL || (flags & ~LLMPERF_DATASET_SKIP_BAD)) {
        put_err(errbuf, errbuf_size, "invalid argument");
        if (out != NULL)
            *out = NULL;
        return LLMPERF_EINVAL;
    }
    *out = NULL;
    rc = llmperf_dataset_new(&ds);
    if (rc != LLMPERF_OK)
        goto out;
    rc = LLMPERF_ENOMEM;
    r.buf = llmperf__malloc(READ_BUF);
    tok = json_tokener_new();
    if (r.buf == NULL || tok == NULL)
        goto out;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    r.f = fopen(path, "rb");
    if (r.f == NULL) {
        put_err(errbuf, errbuf_size, "%s: %s", path, strerror(errno));
        rc = LLMPERF_EIO;
        goto out;
    }
    while ((rc = read_line(&r)) == 1) {
        size_t len = r.line_len;
        const char *s = r.line;

        lineno++;
        if (r.too_long) {
            rc = bad(&w, "line longer than %u bytes",
                     (unsigned)LLMPERF_DATASET_LINE_MAX);
        } else {
            if (len > 0 && s[len - 1] == '\r')
                len--;
            /* Leading and trailing blanks around the object are fine. */
            while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
            if (len == 0 || blank(s, len))
                continue;
            rc = parse_line(ds, tok, s, len, lineno, &w);
        }
        if (rc == LLMPERF_ENOMEM)
            goto out;
        if (rc != LLMPERF_OK) {
            if (!(flags & LLMPERF_DATASET_SKIP_BAD)) {
                put_err(errbuf, errbuf_size, "%s:%" PRIu64 ": %s", path,
                        lineno, w.text);
                goto out;
            }
            if (ds->skipped++ == 0)
                snprintf(ds->errmsg, sizeof(ds->errmsg),
                         "%s:%" PRIu64 ": %s", path, lineno, w.text);
        }
    }
    if (rc < 0) {
        if (rc == LLMPERF_EIO)
            put_err(errbuf, errbuf_size, "%s: read error", path);
        goto out;
    }
    if (ds->n == 0) {
        if (ds->skipped > 0)
            put_err(errbuf, errbuf_size,
                    "%s: no valid line (%zu skipped; first: %s)", path,
                    ds->skipped, ds->errmsg);
        else
            put_err(errbuf, errbuf_size, "%s: no prompts", path);
        rc = LLMPERF_EFORMAT;
        goto out;
    }
    *out = ds;
    ds = NULL;
    rc = LLMPERF_OK;
out:
    if (rc == LLMPERF_ENOMEM)
        put_err(errbuf, errbuf_size, "%s: out of memory", path);
    if (r.f != NULL)
        fclose(r.f);
    llmperf__free(r.buf);
    llmperf__free(r.line);
    if (tok != NULL)
        json_tokener_free(tok);
    llmperf_dataset_free(ds);
    return rc;
}

/* ---- synthetic prompts -------------------------------------------------- */

/* Common English words of at most six letters: a single token each after
 * a space in the GPT-4 (cl100k) and Llama 3 vocabularies, and one token
 * for any pre-tokenizer that cuts letter runs of six or fewer. */
static const char *const words[] = {
    "the", "of", "and", "to", "in", "is", "was", "for", "that", "on",
    "with", "as", "by", "at", "from", "his", "her", "they", "this", "have",
    "are", "not", "but", "had", "one", "all", "were", "we", "when", "there",
    "can", "an", "which", "their", "said", "if", "do", "will", "each",
    "about", "how", "up", "out", "them", "then", "she", "many", "some",
    "so", "these", "would", "other", "into", "has", "more", "two", "like",
    "him", "time", "see", "no", "could", "make", "than", "first", "been",
    "its", "who", "now", "people", "my", "made", "over", "did", "down",
    "only", "way", "find", "use", "may", "water", "long", "little", "very",
    "after", "words", "called", "just", "where", "most", "know", "get",
    "back", "much", "before", "go", "good", "new", "write", "our", "used",
    "me", "man", "too", "any", "day", "same", "right", "look", "think",
    "also", "around", "came", "come", "work", "three", "word", "must",
    "does", "part", "even", "place", "well", "such", "here", "take", "why",
    "help", "put", "years", "away", "again", "off", "went", "old",
    "number", "great", "tell", "men", "say", "small", "every", "found",
    "still", "name", "should", "home", "big", "give", "air", "line", "set",
    "own", "under", "read", "last", "never", "us", "left", "end", "along",
    "while", "might", "next", "sound", "below", "saw", "both", "few",
    "those", "always", "show", "large", "often", "asked", "house", "world",
    "going", "want", "school", "until", "form", "food", "keep", "feet",
    "land", "side", "boy", "once", "animal", "life", "enough", "took",
    "four", "head", "above", "kind", "began", "almost", "live", "page",
    "got", "earth", "need", "far", "hand", "high", "year", "mother",
    "light", "let", "night", "being", "study", "second", "soon", "story",
    "since", "white", "ever", "paper", "hard", "near", "better", "best",
    "across", "during", "today", "sure", "knew", "try", "told", "young",
    "sun", "thing", "whole", "hear", "heard", "change", "answer", "room",
    "sea", "top", "turned", "learn", "point", "city", "play", "toward",
    "five", "money", "seen", "car", "system", "model", "data", "river",
    "table", "music", "road", "green", "power", "field"};

/* n tokens of text into a fresh arena string (see the header for the
 * model: one token per word and per sentence-ending "."). */
static char *synth_text(llmperf__rng *g, int64_t n, size_t *len)
{
    size_t cap = (size_t)n * 8 + 8, pos = 0;
    char *s = llmperf__malloc(cap);
    int64_t left = n;

    if (s == NULL)
        return NULL;
    while (left > 0) {
        /* A sentence of 6..16 words and its ".", shortened to fit; one
         * token left is a lone word. */
        int64_t w = 6 + (int64_t)llmperf__rng_below(g, 11);

        if (left == 1)
            w = 1;
        else if (w > left - 1)
            w = left - 1;
        for (int64_t i = 0; i < w; i++) {
            const char *word =
                words[llmperf__rng_below(g, LLMPERF__ARRAY_LEN(words))];
            size_t wl = strlen(word);

            if (pos > 0)
                s[pos++] = ' ';
            memcpy(s + pos, word, wl);
            pos += wl;
        }
        left -= w;
        if (left > 0) {
            s[pos++] = '.';
            left--;
        }
    }
    s[pos] = '\0';
    *len = pos;
    return s;
}

LLMPERF_API int llmperf_dataset_synthetic(llmperf_dataset **out, size_t n,
                                          int64_t input_tokens,
                                          int64_t output_tokens,
                                          uint64_t seed)
{
    llmperf_dataset *ds = NULL;
    char *text = NULL;
    size_t len;
    int rc;

    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (n == 0 || input_tokens < 1 || input_tokens > 1000000 ||
        output_tokens < 0)
        return LLMPERF_EINVAL;
    rc = llmperf_dataset_new(&ds);
    if (rc != LLMPERF_OK)
        return rc;
    rc = grow_items(ds, n);
    for (size_t i = 0; i < n && rc == LLMPERF_OK; i++) {
        llmperf__rng g;

        /* One stream per item: item i is the same whatever n is. */
        llmperf__rng_seed(&g, seed ^ (UINT64_C(0xd1b54a32d192ed03) * (i + 1)));
        text = synth_text(&g, input_tokens, &len);
        if (text == NULL) {
            rc = LLMPERF_ENOMEM;
            break;
        }
        rc = append(ds, text, len, NULL, NULL, NULL, len,
                    output_tokens > 0 ? output_tokens : -1, 0);
        llmperf__free(text);
    }
    if (rc == LLMPERF_OK) {
        *out = ds;
        ds = NULL;
    }
    llmperf_dataset_free(ds);
    return rc;
}

/* ---- built-in prompts --------------------------------------------------- */

/* Four sizes after seed 001's benchmark: the prompt asks for a short
 * answer, three paragraphs, a detailed design, a comprehensive design
 * from a long brief. Written for this library. */
static const struct {
    const char *name;
    const char *prompt;
} builtins[] = {
    {"small", "In about ten words, what does a compiler do?"},
    {"medium",
     "Explain in three paragraphs how a content delivery network makes "
     "web pages load faster. Describe what happens when a requested file "
     "is already cached at the edge, what happens when it is not, and how "
     "operators decide which files to cache and for how long."},
    {"large",
     "Design the architecture of a URL shortening service that must "
     "handle 5,000 new links and 200,000 redirects per second. Cover in "
     "detail: the API (create, resolve, delete, statistics), how short "
     "codes are generated without collisions across several data centres, "
     "the storage layout and the choice of database, the caching layer in "
     "front of it and how it is invalidated, how redirect latency is kept "
     "under 10 ms at the 99th percentile, rate limiting and abuse "
     "detection, and how the system is monitored. For each component, "
     "state the alternatives you considered and why you rejected them. "
     "Finish with the failure modes you expect and how the design "
     "degrades when a data centre is lost."},
    {"xlarge",
     "You are the lead architect of a regional food delivery company that "
     "is replacing its monolithic ordering system. The brief from the "
     "business: the platform serves 40 cities and 12 million registered "
     "customers; at the dinner peak it takes 3,000 orders per minute, and "
     "marketing campaigns have produced bursts five times higher. "
     "Restaurants receive orders on tablets with unreliable mobile "
     "connections; couriers use a phone app that reports their position "
     "every five seconds. Customers must see an accurate delivery "
     "estimate before they pay and live courier tracking afterwards. "
     "Payments go through two external providers, either of which can be "
     "down for minutes at a time, and no order may ever be charged twice. "
     "Regulators require that personal data of customers in each country "
     "stays in that country and can be deleted on request within 30 days. "
     "The engineering organisation has eight teams of six people, most of "
     "them familiar with Java and PostgreSQL, and the budget allows one "
     "major cloud provider.\n\n"
     "Write a comprehensive system design. Include: the decomposition "
     "into services and the reasons for each boundary; the data model of "
     "orders, menus, couriers and payments, and where each is stored; the "
     "order life cycle as a state machine, including cancellations and "
     "refunds; how orders reach restaurants reliably over flaky "
     "connections; the dispatch algorithm that assigns couriers and how it "
     "scales; how delivery estimates are computed and kept honest; the "
     "payment flow with idempotency and reconciliation; data residency "
     "and deletion; caching, queues and back-pressure during bursts; "
     "deployment, observability and on-call; and a migration plan from the "
     "monolith that never stops taking orders. Conclude with the three "
     "biggest risks of your design and how you would reduce each."}};

static int add_builtin(llmperf_dataset *ds, const char *name, size_t len)
{
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(builtins); i++) {
        const char *p = builtins[i].prompt;
        size_t chars;

        if (strlen(builtins[i].name) != len ||
            strncmp(builtins[i].name, name, len) != 0)
            continue;
        llmperf__utf8_valid(p, strlen(p), &chars);
        return append(ds, p, strlen(p), builtins[i].name, NULL, NULL,
                      chars, -1, 0);
    }
    return LLMPERF_ENOTFOUND;
}

LLMPERF_API int llmperf_dataset_builtin(llmperf_dataset **out,
                                        const char *name)
{
    llmperf_dataset *ds = NULL;
    const char *p;
    int rc;

    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (name == NULL)
        return LLMPERF_EINVAL;
    rc = llmperf_dataset_new(&ds);
    if (rc != LLMPERF_OK)
        return rc;
    if (strcmp(name, "all") == 0)
        name = "small,medium,large,xlarge";
    for (p = name; rc == LLMPERF_OK;) {
        size_t len = strcspn(p, ",");

        rc = add_builtin(ds, p, len);
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    if (rc == LLMPERF_OK) {
        *out = ds;
        ds = NULL;
    }
    llmperf_dataset_free(ds);
    return rc;
}

/* ---- order and access --------------------------------------------------- */

LLMPERF_API int llmperf_dataset_shuffle(llmperf_dataset *ds, uint64_t seed)
{
    llmperf__rng g;

    if (ds == NULL)
        return LLMPERF_EINVAL;
    llmperf__rng_seed(&g, seed);
    for (size_t i = ds->n; i > 1; i--) {
        size_t j = (size_t)llmperf__rng_below(&g, i);
        struct item t = ds->items[i - 1];

        ds->items[i - 1] = ds->items[j];
        ds->items[j] = t;
    }
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_dataset_repeat(llmperf_dataset *ds, size_t times)
{
    size_t n;
    int rc;

    if (ds == NULL || times == 0 || (ds->n > 0 && times > SIZE_MAX / ds->n))
        return LLMPERF_EINVAL;
    n = ds->n;
    rc = grow_items(ds, n * times);
    if (rc != LLMPERF_OK)
        return rc;
    for (size_t k = 1; k < times; k++)
        memcpy(ds->items + k * n, ds->items, n * sizeof(*ds->items));
    ds->n = n * times;
    return LLMPERF_OK;
}

LLMPERF_API size_t llmperf_dataset_count(const llmperf_dataset *ds)
{
    return ds != NULL ? ds->n : 0;
}

LLMPERF_API size_t llmperf_dataset_skipped(const llmperf_dataset *ds)
{
    return ds != NULL ? ds->skipped : 0;
}

LLMPERF_API const char *llmperf_dataset_errmsg(const llmperf_dataset *ds)
{
    return ds != NULL ? ds->errmsg : "";
}

LLMPERF_API int llmperf_dataset_get(const llmperf_dataset *ds, size_t i,
                                    const char **prompt, const char **id,
                                    const char **category,
                                    int64_t *max_tokens)
{
    const struct item *it;

    if (ds == NULL)
        return LLMPERF_EINVAL;
    if (i >= ds->n)
        return LLMPERF_ENOTFOUND;
    it = &ds->items[i];
    if (prompt != NULL)
        *prompt = it->prompt;
    if (id != NULL)
        *id = it->id;
    if (category != NULL)
        *category = it->category;
    if (max_tokens != NULL)
        *max_tokens = it->max_tokens;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_dataset_messages(const llmperf_dataset *ds,
                                         size_t i, const char **json)
{
    if (ds == NULL || json == NULL)
        return LLMPERF_EINVAL;
    *json = NULL;
    if (i >= ds->n || ds->items[i].messages == NULL)
        return LLMPERF_ENOTFOUND;
    *json = ds->items[i].messages;
    return LLMPERF_OK;
}
