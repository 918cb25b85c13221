/* SPDX-License-Identifier: MIT */
/*
 * text.c -- the deterministic pieces of llmperf-mock: the seeded RNG
 * (xoshiro256** seeded through splitmix64), the pseudo-word vocabulary
 * that generated text is drawn from, the prompt token-count rule, JSON
 * string escaping and clock formatting.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock.h"

/* ---- RNG ------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void mock_rng_seed(struct mock_rng *r, uint64_t seed)
{
    int i;

    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

uint64_t mock_rng_next(struct mock_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double mock_rng_unit(struct mock_rng *r)
{
    return (double)(mock_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double mock_rng_normal(struct mock_rng *r)
{
    /* Box-Muller; u1 is kept away from 0 so log() stays finite. */
    double u1 = mock_rng_unit(r), u2 = mock_rng_unit(r);

    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t mock_hash64(const void *p, size_t n, uint64_t seed)
{
    /* FNV-1a, then one splitmix round to spread the low bits. */
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return splitmix64(&h);
}

/* ---- vocabulary -------------------------------------------------------- */

/* Syllables are combined into stems; each stem exists as a word start
 * (leading space) and as a continuation, like BPE pieces. */
static const char *const onsets[] = {
    "",   "b",  "c",  "d",  "f",  "g",  "h",  "j",  "k",  "l",  "m",  "n",
    "p",  "r",  "s",  "t",  "v",  "w",  "z",  "st", "tr", "ch", "th", "pl"};
static const char *const vowels[] = {"a", "e", "i", "o", "u", "ou"};
static const char *const codas[] = {"", "n", "r", "s", "nd", "ng"};
static const char *const puncts[] = {",", ".", ",", ".", "!", "?", ";", ":",
                                     ",", "."};
/* Multi-byte pieces for --vocab utf8: Latin-1, Cyrillic, Greek, CJK and
 * one 4-byte emoji, so clients meet every UTF-8 sequence length. */
static const char *const utf8_stems[] = {
    "\xc3\xa9t\xc3\xa9", "\xc3\xbc" "ber", "na\xc3\xafve",
    "\xd0\xb4\xd0\xb0", "\xd0\xbd\xd0\xb8\xd0\xba", "\xd0\xb6\xd0\xb8",
    "\xce\xbb\xcf\x8c", "\xce\xb1\xce\xb2", "\xe6\x97\xa5\xe6\x9c\xac",
    "\xe8\xaa\x9e", "\xe5\xad\x97", "\xf0\x9f\x99\x82"};

static struct {
    struct mock_token *words; /* leading space */
    struct mock_token *conts; /* no leading space */
    size_t n_ascii;           /* first n_ascii entries are ASCII stems */
    size_t n;
    struct mock_token punct[10];
    struct mock_token newline;
    struct mock_token eos;
    char *pool;
    int kind;
    int ready;
} V;

static void set_token(struct mock_token *t, const char *raw, const char *esc,
                      int32_t id)
{
    t->raw = raw;
    t->esc = esc;
    t->raw_len = (uint16_t)strlen(raw);
    t->esc_len = (uint16_t)strlen(esc);
    t->id = id;
    t->nl = raw[0] == '\n';
}

int mock_vocab_init(int kind)
{
    size_t n_on = sizeof(onsets) / sizeof(onsets[0]);
    size_t n_vo = sizeof(vowels) / sizeof(vowels[0]);
    size_t n_co = sizeof(codas) / sizeof(codas[0]);
    size_t n_u = sizeof(utf8_stems) / sizeof(utf8_stems[0]);
    size_t n_ascii = n_on * n_vo * n_co, n, i, a, b, c, off = 0;
    char *p;
    int rc = -1;

    if (V.ready)
        return 0;
    n = n_ascii + (kind == VOCAB_UTF8 ? n_u : 0);
    /* each stem <= 12 bytes; two variants with a NUL each */
    V.pool = malloc(n * 2 * 16);
    V.words = calloc(n, sizeof(*V.words));
    V.conts = calloc(n, sizeof(*V.conts));
    if (!V.pool || !V.words || !V.conts)
        goto out;
    p = V.pool;
    i = 0;
    for (a = 0; a < n_on; a++)
        for (b = 0; b < n_vo; b++)
            for (c = 0; c < n_co; c++, i++) {
                char *w = p + off, *k;
                size_t len = (size_t)sprintf(w, " %s%s%s", onsets[a],
                                             vowels[b], codas[c]);
                off += len + 1;
                k = p + off;
                memcpy(k, w + 1, len);
                off += len;
                set_token(&V.words[i], w, w, (int32_t)(1000 + 2 * i));
                set_token(&V.conts[i], k, k, (int32_t)(1001 + 2 * i));
            }
    for (a = 0; a < n - n_ascii; a++, i++) {
        char *w = p + off, *k;
        size_t len = (size_t)sprintf(w, " %s", utf8_stems[a]);
        off += len + 1;
        k = p + off;
        memcpy(k, w + 1, len);
        off += len;
        set_token(&V.words[i], w, w, (int32_t)(1000 + 2 * i));
        set_token(&V.conts[i], k, k, (int32_t)(1001 + 2 * i));
    }
    for (a = 0; a < sizeof(puncts) / sizeof(puncts[0]); a++)
        set_token(&V.punct[a], puncts[a], puncts[a], (int32_t)(13 + a));
    set_token(&V.newline, "\n", "\\n", 198);
    set_token(&V.eos, "</s>", "</s>", 2);
    V.n = n;
    V.n_ascii = n_ascii;
    V.kind = kind;
    V.ready = 1;
    rc = 0;
out:
    if (rc != 0)
        mock_vocab_free();
    return rc;
}

void mock_vocab_free(void)
{
    free(V.pool);
    free(V.words);
    free(V.conts);
    memset(&V, 0, sizeof(V));
}

const struct mock_token *mock_vocab_next(struct mock_rng *r, int first)
{
    double u = mock_rng_unit(r);
    uint64_t x = mock_rng_next(r);
    size_t idx;

    if (!first && u < 0.06)
        return &V.punct[x % 10];
    if (!first && u < 0.07)
        return &V.newline;
    /* utf8 vocabulary: one piece in eight is multi-byte */
    if (V.n > V.n_ascii && (x >> 40) % 8 == 0)
        idx = V.n_ascii + (size_t)(x % (V.n - V.n_ascii));
    else
        idx = (size_t)(x % V.n_ascii);
    return (first || u < 0.62) ? &V.words[idx] : &V.conts[idx];
}

const struct mock_token *mock_vocab_eos(void)
{
    return &V.eos;
}

/* ---- prompt token count ------------------------------------------------ */

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Length of a "<|...|>" special marker at p (0 if none): 1 token. */
static size_t special_len(const char *p, size_t n)
{
    size_t i;

    if (n < 4 || p[0] != '<' || p[1] != '|')
        return 0;
    for (i = 2; i + 1 < n && i < 32; i++)
        if (p[i] == '|' && p[i + 1] == '>')
            return i + 2;
    return 0;
}

/*
 * The rule (docs/MOCK.md): the text is cut into pieces like a BPE
 * pre-tokenizer; a single space before a word belongs to that word.
 *   letters run (ASCII)      ceil(n / 6) tokens (most words are one)
 *   digit run                ceil(n / 3) (digits are grouped by three)
 *   non-ASCII run            one token per code point
 *   "<|...|>" marker         one token (chat template specials)
 *   other whitespace run     one token
 *   any other byte           one token (punctuation, symbols)
 * English prose comes out near 1.3 tokens per word, as with common
 * BPE tokenizers.
 */
int64_t mock_count_tokens(const char *text, size_t len, size_t limit)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, j, start;
    int64_t n = 0, add;

    if (limit > len)
        limit = len;
    while (i < len) {
        start = i;
        if ((j = special_len(text + i, len - i)) > 0) {
            i += j;
            add = 1;
        } else if (is_space(s[i]) &&
                   !(s[i] == ' ' && i + 1 < len &&
                     (is_alpha(s[i + 1]) || is_digit(s[i + 1]) ||
                      s[i + 1] >= 0x80))) {
            /* whitespace run; a final single space before a word is
             * left for the word */
            while (i < len && is_space(s[i])) {
                if (s[i] == ' ' && i + 1 < len &&
                    (is_alpha(s[i + 1]) || is_digit(s[i + 1]) ||
                     s[i + 1] >= 0x80) && i > start)
                    break;
                i++;
            }
            add = 1;
        } else {
            if (s[i] == ' ')
                i++;
            if (i < len && is_alpha(s[i])) {
                j = i;
                while (i < len && is_alpha(s[i]))
                    i++;
                add = (int64_t)((i - j + 5) / 6);
            } else if (i < len && is_digit(s[i])) {
                j = i;
                while (i < len && is_digit(s[i]))
                    i++;
                add = (int64_t)((i - j + 2) / 3);
            } else if (i < len && s[i] >= 0x80) {
                add = 0;
                while (i < len && s[i] >= 0x80) {
                    if ((s[i] & 0xc0) != 0x80)
                        add++;
                    i++;
                }
                if (add == 0)
                    add = 1;
            } else {
                if (i < len)
                    i++;
                add = 1;
            }
        }
        if (i <= limit)
            n += add;
        else if (start < limit)
            break;
    }
    return n;
}

/* ---- JSON escaping ----------------------------------------------------- */

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (s[0] == 0xe0 && s[1] < 0xa0)
            return 0; /* overlong */
        if (s[0] == 0xed && s[1] >= 0xa0)
            return 0; /* surrogate */
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
            (s[3] & 0xc0) != 0x80)
            return 0;
        if (s[0] == 0xf0 && s[1] < 0x90)
            return 0;
        if (s[0] == 0xf4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

int mock_json_escape(struct evbuffer *out, const char *str, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0, k;
    char esc[8];
    int rc = 0;

    while (i < len) {
        unsigned char c = s[i];
        const char *rep = NULL;
        size_t rep_len = 2;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            k = utf8_len(s + i, len - i);
            if (k > 0) {
                i += k;
                continue;
            }
            rep = "\\ufffd";
            rep_len = 6;
        } else if (c == '"') {
            rep = "\\\"";
        } else if (c == '\\') {
            rep = "\\\\";
        } else if (c == '\n') {
            rep = "\\n";
        } else if (c == '\r') {
            rep = "\\r";
        } else if (c == '\t') {
            rep = "\\t";
        } else {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            rep = esc;
            rep_len = 6;
        }
        if (i > run)
            rc |= evbuffer_add(out, s + run, i - run);
        rc |= evbuffer_add(out, rep, rep_len);
        i++;
        run = i;
    }
    if (i > run)
        rc |= evbuffer_add(out, s + run, i - run);
    return rc ? -1 : 0;
}

/* ---- time ------------------------------------------------------------- */

int64_t mock_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mock_wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

size_t mock_i64(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0, i, sign = 0;
    uint64_t u = (uint64_t)v;

    if (v < 0) {
        buf[0] = '-';
        sign = 1;
        u = (uint64_t)0 - u; /* well defined even for INT64_MIN */
    }
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (i = 0; i < n; i++)
        buf[sign + i] = tmp[n - 1 - i];
    buf[sign + n] = '\0';
    return sign + n;
}

size_t mock_format_time(char *buf, size_t cap, int64_t wall_ns)
{
    /* The date part changes once a second: cache it, since every Ollama
     * line carries a timestamp. */
    static int64_t cached_s = -1;
    static char prefix[32];
    int64_t s = wall_ns / 1000000000, ns = wall_ns % 1000000000;
    char frac[16];
    size_t n, i;

    if (cap < 32)
        return 0;
    if (s != cached_s) {
        time_t t = (time_t)s;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(prefix, sizeof(prefix), "%Y-%m-%dT%H:%M:%S.", &tm);
        cached_s = s;
    }
    n = strlen(prefix);
    memcpy(buf, prefix, n);
    for (i = 0; i < 9; i++) {
        frac[8 - i] = (char)('0' + ns % 10);
        ns /= 10;
    }
    memcpy(buf + n, frac, 9);
    buf[n + 9] = 'Z';
    buf[n + 10] = '\0';
    return n + 10;
}
