/* SPDX-License-Identifier: MIT */
/*
 * test_dataset.c -- the dataset module: JSONL files (good lines, every
 * kind of bad line with its line number, skip mode and its count,
 * invalid UTF-8, oversized lines, missing and empty files), synthetic
 * prompts against their length model, the built-in sizes, length
 * categories, shuffle determinism, repeat, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataset_int.h"
#include "internal.h"
#include "llmperf/llmperf.h"

/* ---- helpers ------------------------------------------------------------ */

/* Write len bytes to a new temporary file; path gets its name. */
static void temp_file(char *path, size_t size, const char *data, size_t len)
{
    int fd;

    snprintf(path, size, "/tmp/llmperf-ds-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* Load text as a JSONL file; err gets the message. */
static int load_text(llmperf_dataset **ds, const char *text, unsigned flags,
                     char *err, size_t errsize, char *path, size_t pathsize)
{
    int rc;

    temp_file(path, pathsize, text, strlen(text));
    rc = llmperf_dataset_load_jsonl(ds, path, flags, err, errsize);
    unlink(path);
    return rc;
}

static const char *item_str(const llmperf_dataset *ds, size_t i, int which)
{
    const char *p = NULL, *id = NULL, *cat = NULL;

    assert_int_equal(llmperf_dataset_get(ds, i, &p, &id, &cat, NULL),
                     LLMPERF_OK);
    return which == 0 ? p : which == 1 ? id : cat;
}

static int64_t item_max(const llmperf_dataset *ds, size_t i)
{
    int64_t m = 99;

    assert_int_equal(llmperf_dataset_get(ds, i, NULL, NULL, NULL, &m),
                     LLMPERF_OK);
    return m;
}

/* ---- JSONL -------------------------------------------------------------- */

static void test_jsonl_good(void **state)
{
    static const char text[] =
        "{\"id\":\"q1\",\"prompt\":\"Why is the sky blue?\","
        "\"category\":\"science\",\"max_tokens\":256}\n"
        "\n"
        "   \t \n"
        "{\"prompt\":\"Hello\", \"extra\": [1, 2, {\"x\": null}]}\r\n"
        "  {\"id\": 42, \"prompt\": \"caf\\u00e9 \xe2\x82\xac\"}  \n"
        "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        "{\"role\":\"user\",\"content\":\"first\"},"
        "{\"role\":\"assistant\",\"content\":\"ok\"},"
        "{\"role\":\"user\",\"content\":\"second question\"}],"
        "\"max_tokens\":0}\n"
        "{\"prompt\":\"no newline at the end\",\"id\":null}";
    llmperf_dataset *ds = NULL;
    char err[256], path[64];
    const char *json = NULL;

    (void)state;
    assert_int_equal(load_text(&ds, text, 0, err, sizeof(err), path,
                               sizeof(path)),
                     LLMPERF_OK);
    assert_string_equal(err, "");
    assert_int_equal(llmperf_dataset_count(ds), 5);
    assert_int_equal(llmperf_dataset_skipped(ds), 0);
    assert_string_equal(llmperf_dataset_errmsg(ds), "");

    assert_string_equal(item_str(ds, 0, 0), "Why is the sky blue?");
    assert_string_equal(item_str(ds, 0, 1), "q1");
    assert_string_equal(item_str(ds, 0, 2), "science");
    assert_int_equal(item_max(ds, 0), 256);

    /* absent id: the line number; absent category: by length */
    assert_string_equal(item_str(ds, 1, 0), "Hello");
    assert_string_equal(item_str(ds, 1, 1), "4");
    assert_string_equal(item_str(ds, 1, 2), "short");
    assert_int_equal(item_max(ds, 1), -1);

    assert_string_equal(item_str(ds, 2, 0), "caf\xc3\xa9 \xe2\x82\xac");
    assert_string_equal(item_str(ds, 2, 1), "42");

    /* a conversation: the prompt is the last user message */
    assert_string_equal(item_str(ds, 3, 0), "second question");
    assert_string_equal(item_str(ds, 3, 1), "6");
    assert_int_equal(item_max(ds, 3), 0);
    assert_int_equal(llmperf_dataset_messages(ds, 3, &json), LLMPERF_OK);
    assert_non_null(strstr(json, "\"role\":\"system\""));
    assert_non_null(strstr(json, "\"content\":\"second question\""));
    assert_int_equal(json[0], '[');
    assert_int_equal(llmperf_dataset_messages(ds, 0, &json),
                     LLMPERF_ENOTFOUND);
    assert_null(json);

    assert_string_equal(item_str(ds, 4, 0), "no newline at the end");
    assert_string_equal(item_str(ds, 4, 1), "7");

    /* out of range and NULL handling */
    assert_int_equal(llmperf_dataset_get(ds, 5, NULL, NULL, NULL, NULL),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_dataset_get(NULL, 0, NULL, NULL, NULL, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_messages(ds, 9, &json),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_dataset_messages(ds, 0, NULL), LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_count(NULL), 0);
    assert_string_equal(llmperf_dataset_errmsg(NULL), "");
    llmperf_dataset_free(ds);
    llmperf_dataset_free(NULL);
}

/* Each bad line, as line 3 after two good ones: the load fails with
 * EFORMAT and the message names the file, line 3 and the reason. */
static void test_jsonl_bad_lines(void **state)
{
    static const struct {
        const char *line;
        const char *why;
    } cases[] = {
        {"not json", "not valid JSON"},
        {"{\"prompt\":\"a\"", "not valid JSON"},
        {"{\"prompt\":\"a\",}", "not valid JSON"},
        {"[\"prompt\"]", "not a JSON object"},
        {"\"just a string\"", "not a JSON object"},
        {"{\"prompt\":\"a\"} {\"prompt\":\"b\"}", "not valid JSON"},
        {"{\"prompt\":\"a\"} x", "not valid JSON"},
        {"{\"id\":\"x\"}", "no \"prompt\" or \"messages\""},
        {"{\"prompt\":17}", "\"prompt\" is not a string"},
        {"{\"prompt\":\"\"}", "\"prompt\" is empty"},
        {"{\"prompt\":\"a\\u0000b\"}", "NUL"},
        {"{\"prompt\":\"a\",\"messages\":[]}", "both"},
        {"{\"messages\":[]}", "\"messages\" is empty"},
        {"{\"messages\":{}}", "not an array"},
        {"{\"messages\":[\"hi\"]}", "message 0 is not an object"},
        {"{\"messages\":[{\"role\":\"user\"}]}", "no string \"content\""},
        {"{\"messages\":[{\"content\":\"x\"}]}", "no \"role\""},
        {"{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
         "no non-empty \"user\""},
        {"{\"messages\":[{\"role\":\"user\",\"content\":5}]}",
         "\"content\" is not a string"},
        {"{\"prompt\":\"a\",\"id\":true}", "\"id\" is not a string"},
        {"{\"prompt\":\"a\",\"id\":1.5}", "\"id\" is not a string"},
        {"{\"prompt\":\"a\",\"category\":\"\"}", "\"category\" is empty"},
        {"{\"prompt\":\"a\",\"category\":3}", "\"category\" is not"},
        {"{\"prompt\":\"a\",\"max_tokens\":-1}", "max_tokens"},
        {"{\"prompt\":\"a\",\"max_tokens\":1.5}", "max_tokens"},
        {"{\"prompt\":\"a\",\"max_tokens\":\"9\"}", "max_tokens"},
    };
    char text[512], err[256], path[64], want[128];
    llmperf_dataset *ds;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text),
                 "{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n%s\n"
                 "{\"prompt\":\"four\"}\n",
                 cases[i].line);
        ds = (llmperf_dataset *)&ds; /* must be reset to NULL */
        assert_int_equal(load_text(&ds, text, 0, err, sizeof(err), path,
                                   sizeof(path)),
                         LLMPERF_EFORMAT);
        assert_null(ds);
        snprintf(want, sizeof(want), "%s:3: ", path);
        if (strncmp(err, want, strlen(want)) != 0 ||
            strstr(err, cases[i].why) == NULL)
            fail_msg("case %zu (%s): message '%s'", i, cases[i].line, err);
    }
}

static void test_jsonl_skip_mode(void **state)
{
    static const char text[] = "{\"prompt\":\"a\"}\n"
                               "{\"prompt\":\n"
                               "{\"prompt\":\"b\"}\n"
                               "[]\n"
                               "\xff\xfe\n"
                               "{\"prompt\":\"c\"}\n";
    char err[256], path[64], want[128];
    llmperf_dataset *ds = NULL;

    (void)state;
    assert_int_equal(load_text(&ds, text, LLMPERF_DATASET_SKIP_BAD, err,
                               sizeof(err), path, sizeof(path)),
                     LLMPERF_OK);
    assert_string_equal(err, "");
    assert_int_equal(llmperf_dataset_count(ds), 3);
    assert_int_equal(llmperf_dataset_skipped(ds), 3);
    snprintf(want, sizeof(want), "%s:2: not valid JSON", path);
    assert_true(strncmp(llmperf_dataset_errmsg(ds), want, strlen(want)) ==
                0);
    assert_string_equal(item_str(ds, 0, 0), "a");
    assert_string_equal(item_str(ds, 1, 0), "b");
    assert_string_equal(item_str(ds, 2, 0), "c");
    assert_string_equal(item_str(ds, 2, 1), "6"); /* its line number */
    llmperf_dataset_free(ds);

    /* only bad lines: still a failure, with the count */
    assert_int_equal(load_text(&ds, "x\ny\n", LLMPERF_DATASET_SKIP_BAD, err,
                               sizeof(err), path, sizeof(path)),
                     LLMPERF_EFORMAT);
    assert_null(ds);
    assert_non_null(strstr(err, "2 skipped"));
    assert_non_null(strstr(err, ":1: not valid JSON"));

    /* unknown flags */
    assert_int_equal(load_text(&ds, text, 0x80, err, sizeof(err), path,
                               sizeof(path)),
                     LLMPERF_EINVAL);
}

static void test_jsonl_utf8(void **state)
{
    static const char *const lines[] = {
        "{\"prompt\":\"\xff\"}",             /* never valid */
        "{\"prompt\":\"\xc0\xaf\"}",         /* overlong '/' */
        "{\"prompt\":\"\xe0\x80\xaf\"}",     /* overlong, 3 bytes */
        "{\"prompt\":\"\xed\xa0\x80\"}",     /* UTF-16 surrogate */
        "{\"prompt\":\"\xf4\x90\x80\x80\"}", /* above U+10FFFF */
        "{\"prompt\":\"\xe2\x82\"}",         /* truncated sequence */
        "{\"prompt\":\"a\x80\"}",            /* lone continuation */
    };
    char text[128], err[256], path[64];
    llmperf_dataset *ds = NULL;
    size_t n = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        snprintf(text, sizeof(text), "%s\n", lines[i]);
        assert_int_equal(load_text(&ds, text, 0, err, sizeof(err), path,
                                   sizeof(path)),
                         LLMPERF_EFORMAT);
        assert_non_null(strstr(err, ":1: not valid UTF-8"));
    }
    /* the validator itself: 1- to 4-byte forms and code point counts */
    assert_true(llmperf__utf8_valid("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
                                    10, &n));
    assert_int_equal(n, 4);
    assert_true(llmperf__utf8_valid("\xf4\x8f\xbf\xbf", 4, NULL));
    assert_false(llmperf__utf8_valid("\xf0\x8f\xbf\xbf", 4, NULL));
    assert_false(llmperf__utf8_valid("\xf8\x88\x80\x80\x80", 5, NULL));
    /* an escaped lone surrogate is not raw invalid UTF-8: the JSON
     * parser turns it into U+FFFD, which is kept */
    assert_int_equal(load_text(&ds, "{\"prompt\":\"a\\ud800b\"}\n", 0, err,
                               sizeof(err), path, sizeof(path)),
                     LLMPERF_OK);
    assert_string_equal(item_str(ds, 0, 0), "a\xef\xbf\xbd" "b");
    llmperf_dataset_free(ds);
    /* add() checks too */
    assert_int_equal(llmperf_dataset_new(&ds), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_add(ds, "\xc0\xaf", NULL, NULL, -1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_add(ds, "ok", "\xff", NULL, -1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_add(ds, "ok", NULL, "", -1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_count(ds), 0);
    llmperf_dataset_free(ds);
}

static void test_jsonl_oversized(void **state)
{
    size_t big = LLMPERF_DATASET_LINE_MAX + 100, pos;
    char *text = malloc(big + 64), err[256], path[64];
    llmperf_dataset *ds = NULL;
    const char *p;

    (void)state;
    assert_non_null(text);
    pos = (size_t)sprintf(text, "{\"prompt\":\"");
    memset(text + pos, 'x', big - pos - 2);
    pos = big - 2;
    pos += (size_t)sprintf(text + pos, "\"}\n{\"prompt\":\"small\"}\n");
    temp_file(path, sizeof(path), text, pos);
    assert_int_equal(llmperf_dataset_load_jsonl(&ds, path, 0, err,
                                                sizeof(err)),
                     LLMPERF_EFORMAT);
    assert_non_null(strstr(err, ":1: line longer than 4194304 bytes"));
    assert_int_equal(llmperf_dataset_load_jsonl(&ds, path,
                                                LLMPERF_DATASET_SKIP_BAD,
                                                err, sizeof(err)),
                     LLMPERF_OK);
    assert_int_equal(llmperf_dataset_count(ds), 1);
    assert_int_equal(llmperf_dataset_skipped(ds), 1);
    assert_string_equal(item_str(ds, 0, 0), "small");
    assert_string_equal(item_str(ds, 0, 1), "2");
    llmperf_dataset_free(ds);
    unlink(path);

    /* a line of exactly the cap is accepted */
    pos = (size_t)sprintf(text, "{\"prompt\":\"");
    memset(text + pos, 'y', LLMPERF_DATASET_LINE_MAX - pos - 2);
    pos = LLMPERF_DATASET_LINE_MAX - 2;
    pos += (size_t)sprintf(text + pos, "\"}\n");
    temp_file(path, sizeof(path), text, pos);
    assert_int_equal(llmperf_dataset_load_jsonl(&ds, path, 0, err,
                                                sizeof(err)),
                     LLMPERF_OK);
    assert_int_equal(llmperf_dataset_get(ds, 0, &p, NULL, NULL, NULL),
                     LLMPERF_OK);
    assert_int_equal(strlen(p), LLMPERF_DATASET_LINE_MAX - 13);
    assert_string_equal(item_str(ds, 0, 2), "very_long");
    llmperf_dataset_free(ds);
    unlink(path);
    free(text);
}

static void test_jsonl_files(void **state)
{
    char err[256], path[64], small[8];
    llmperf_dataset *ds = (llmperf_dataset *)&ds;

    (void)state;
    assert_int_equal(llmperf_dataset_load_jsonl(&ds, "/nonexistent/x.jsonl",
                                                0, err, sizeof(err)),
                     LLMPERF_EIO);
    assert_null(ds);
    assert_non_null(strstr(err, "/nonexistent/x.jsonl: "));
    assert_int_equal(load_text(&ds, "", 0, err, sizeof(err), path,
                               sizeof(path)),
                     LLMPERF_EFORMAT);
    assert_non_null(strstr(err, ": no prompts"));
    assert_int_equal(load_text(&ds, "\n \n\r\n", 0, err, sizeof(err), path,
                               sizeof(path)),
                     LLMPERF_EFORMAT);
    /* NULL and tiny error buffers */
    assert_int_equal(load_text(&ds, "x\n", 0, NULL, 0, path, sizeof(path)),
                     LLMPERF_EFORMAT);
    assert_int_equal(load_text(&ds, "x\n", 0, small, sizeof(small), path,
                               sizeof(path)),
                     LLMPERF_EFORMAT);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_int_equal(llmperf_dataset_load_jsonl(NULL, "x", 0, NULL, 0),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_load_jsonl(&ds, NULL, 0, err,
                                                sizeof(err)),
                     LLMPERF_EINVAL);
}

/* ---- synthetic ---------------------------------------------------------- */

/* Tokens by the documented model: one per word, one per ".". */
static size_t model_tokens(const char *s)
{
    size_t n = 0;

    for (const char *p = s; *p != '\0';) {
        if (*p == '.') {
            n++;
            p++;
        } else if (*p == ' ') {
            p++;
        } else {
            n++;
            while (*p >= 'a' && *p <= 'z')
                p++;
            assert_true(*p == ' ' || *p == '.' || *p == '\0');
        }
    }
    return n;
}

static void test_synthetic(void **state)
{
    static const int64_t sizes[] = {1, 2, 7, 17, 100, 1000, 4096};
    llmperf_dataset *a = NULL, *b = NULL, *c = NULL;
    const char *pa, *pb, *pc, *id;
    int64_t m;

    (void)state;
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        assert_int_equal(llmperf_dataset_synthetic(&a, 3, sizes[k], 64, 1),
                         LLMPERF_OK);
        assert_int_equal(llmperf_dataset_count(a), 3);
        for (size_t i = 0; i < 3; i++) {
            size_t len;

            assert_int_equal(llmperf_dataset_get(a, i, &pa, &id, NULL, &m),
                             LLMPERF_OK);
            assert_int_equal(model_tokens(pa), (size_t)sizes[k]);
            assert_int_equal(m, 64);
            len = strlen(pa);
            /* the stated approximation: about 4.5 characters a token */
            if (sizes[k] >= 100)
                assert_true(len > (size_t)sizes[k] * 3 &&
                            len < (size_t)sizes[k] * 6);
        }
        llmperf_dataset_free(a);
    }
    /* same seed: same text; another seed or item: different text; item i
     * does not depend on n */
    assert_int_equal(llmperf_dataset_synthetic(&a, 4, 50, 0, 7), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_synthetic(&b, 2, 50, 0, 7), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_synthetic(&c, 4, 50, 0, 8), LLMPERF_OK);
    for (size_t i = 0; i < 2; i++) {
        llmperf_dataset_get(a, i, &pa, &id, NULL, &m);
        llmperf_dataset_get(b, i, &pb, NULL, NULL, NULL);
        llmperf_dataset_get(c, i, &pc, NULL, NULL, NULL);
        assert_string_equal(pa, pb);
        assert_string_not_equal(pa, pc);
        assert_int_equal(m, -1); /* output 0: the client's setting */
        assert_int_equal(atoi(id), (int)i);
    }
    llmperf_dataset_get(a, 0, &pa, NULL, NULL, NULL);
    llmperf_dataset_get(a, 1, &pb, NULL, NULL, NULL);
    assert_string_not_equal(pa, pb);
    /* prompts do not share a first word more than chance allows */
    assert_true(strncmp(pa, pb, 12) != 0);
    llmperf_dataset_free(a);
    llmperf_dataset_free(b);
    llmperf_dataset_free(c);

    assert_int_equal(llmperf_dataset_synthetic(&a, 0, 10, 10, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_synthetic(&a, 1, 0, 10, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_synthetic(&a, 1, 10, -1, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_synthetic(&a, 1, 1000001, 1, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_synthetic(NULL, 1, 10, 1, 1),
                     LLMPERF_EINVAL);
}

/* ---- built-in, categories ----------------------------------------------- */

static void test_builtin(void **state)
{
    static const char *const names[] = {"small", "medium", "large",
                                        "xlarge"};
    static const char *const cats[] = {"short", "medium", "long",
                                       "very_long"};
    llmperf_dataset *ds = NULL;
    size_t prev = 0;

    (void)state;
    assert_int_equal(llmperf_dataset_builtin(&ds, "all"), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_count(ds), 4);
    for (size_t i = 0; i < 4; i++) {
        const char *p, *id, *cat;
        int64_t m;

        assert_int_equal(llmperf_dataset_get(ds, i, &p, &id, &cat, &m),
                         LLMPERF_OK);
        /* one size per length bucket of seed 000 */
        assert_string_equal(id, names[i]);
        assert_string_equal(cat, cats[i]);
        assert_int_equal(m, -1);
        assert_true(strlen(p) > prev); /* sizes grow */
        prev = strlen(p);
    }
    llmperf_dataset_free(ds);

    assert_int_equal(llmperf_dataset_builtin(&ds, "large,small"),
                     LLMPERF_OK);
    assert_int_equal(llmperf_dataset_count(ds), 2);
    assert_string_equal(item_str(ds, 0, 1), "large");
    assert_string_equal(item_str(ds, 1, 1), "small");
    llmperf_dataset_free(ds);
    assert_int_equal(llmperf_dataset_builtin(&ds, "xlarge"), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_count(ds), 1);
    llmperf_dataset_free(ds);

    assert_int_equal(llmperf_dataset_builtin(&ds, "huge"), LLMPERF_ENOTFOUND);
    assert_null(ds);
    assert_int_equal(llmperf_dataset_builtin(&ds, ""), LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_dataset_builtin(&ds, "small,"),
                     LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_dataset_builtin(&ds, "smal"), LLMPERF_ENOTFOUND);
    assert_int_equal(llmperf_dataset_builtin(&ds, NULL), LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_builtin(NULL, "all"), LLMPERF_EINVAL);
}

static void test_categories(void **state)
{
    llmperf_dataset *ds = NULL;
    char *text = malloc(8192), *p, err[128], path[64];
    static const size_t lens[] = {1, 199, 200, 499, 500, 1000, 1001, 3000};
    static const char *const want[] = {"short", "short", "medium", "medium",
                                       "long", "long", "very_long",
                                       "very_long"};

    (void)state;
    assert_non_null(text);
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(llmperf_dataset_length_category(lens[i]),
                            want[i]);
    assert_string_equal(llmperf_dataset_length_category(0), "short");

    /* from JSONL, counting characters, not bytes: 199 two-byte "é" are
     * short, 200 medium; an explicit category wins */
    p = text;
    p += sprintf(p, "{\"prompt\":\"");
    for (int i = 0; i < 199; i++)
        p += sprintf(p, "\xc3\xa9");
    p += sprintf(p, "\"}\n{\"prompt\":\"");
    for (int i = 0; i < 200; i++)
        p += sprintf(p, "\xc3\xa9");
    p += sprintf(p, "\"}\n{\"prompt\":\"x\",\"category\":\"mine\"}\n");
    /* a conversation is measured over all its contents: 150 + 150 */
    p += sprintf(p, "{\"messages\":[{\"role\":\"system\",\"content\":\"");
    for (int i = 0; i < 150; i++)
        *p++ = 's';
    p += sprintf(p, "\"},{\"role\":\"user\",\"content\":\"");
    for (int i = 0; i < 150; i++)
        *p++ = 'u';
    p += sprintf(p, "\"}]}\n");
    assert_int_equal(load_text(&ds, text, 0, err, sizeof(err), path,
                               sizeof(path)),
                     LLMPERF_OK);
    assert_string_equal(item_str(ds, 0, 2), "short");
    assert_string_equal(item_str(ds, 1, 2), "medium");
    assert_string_equal(item_str(ds, 2, 2), "mine");
    assert_string_equal(item_str(ds, 3, 2), "medium");
    llmperf_dataset_free(ds);

    /* add(): the same rules, and automatic ids are positions */
    assert_int_equal(llmperf_dataset_new(&ds), LLMPERF_OK);
    memset(text, 'z', 600);
    text[600] = '\0';
    assert_int_equal(llmperf_dataset_add(ds, text, NULL, NULL, 10),
                     LLMPERF_OK);
    assert_int_equal(llmperf_dataset_add(ds, "hi", "own", "c", -5),
                     LLMPERF_OK);
    assert_string_equal(item_str(ds, 0, 1), "0");
    assert_string_equal(item_str(ds, 0, 2), "long");
    assert_int_equal(item_max(ds, 0), 10);
    assert_string_equal(item_str(ds, 1, 1), "own");
    assert_int_equal(item_max(ds, 1), -1);
    assert_int_equal(llmperf_dataset_add(ds, "", NULL, NULL, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_add(ds, NULL, NULL, NULL, 1),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_add(NULL, "x", NULL, NULL, 1),
                     LLMPERF_EINVAL);
    llmperf_dataset_free(ds);
    free(text);
}

/* ---- order -------------------------------------------------------------- */

static llmperf_dataset *numbered(size_t n)
{
    llmperf_dataset *ds = NULL;
    char buf[32];

    assert_int_equal(llmperf_dataset_new(&ds), LLMPERF_OK);
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "prompt %zu", i);
        assert_int_equal(llmperf_dataset_add(ds, buf, NULL, NULL, -1),
                         LLMPERF_OK);
    }
    return ds;
}

static void test_shuffle(void **state)
{
    llmperf_dataset *a = numbered(50), *b = numbered(50), *c = numbered(50);
    int seen[50] = {0}, moved = 0, differ = 0;

    (void)state;
    assert_int_equal(llmperf_dataset_shuffle(a, 7), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_shuffle(b, 7), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_shuffle(c, 8), LLMPERF_OK);
    for (size_t i = 0; i < 50; i++) {
        const char *ia = item_str(a, i, 1), *pa = item_str(a, i, 0);
        int k = atoi(ia);

        /* deterministic, and a permutation that keeps items whole */
        assert_string_equal(ia, item_str(b, i, 1));
        assert_true(k >= 0 && k < 50);
        assert_int_equal(atoi(pa + 7), k);
        seen[k]++;
        moved += k != (int)i;
        differ += strcmp(ia, item_str(c, i, 1)) != 0;
    }
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > 40);
    assert_true(differ > 40);
    llmperf_dataset_free(a);
    llmperf_dataset_free(b);
    llmperf_dataset_free(c);
    assert_int_equal(llmperf_dataset_shuffle(NULL, 1), LLMPERF_EINVAL);
}

static void test_rng_pinned(void **state)
{
    /* xoshiro256** seeded by splitmix64(0): the first output is fixed,
     * so a seed means the same order and text everywhere. */
    llmperf__rng g;
    uint64_t first;
    double u;

    (void)state;
    llmperf__rng_seed(&g, 0);
    first = llmperf__rng_next(&g);
    llmperf__rng_seed(&g, 0);
    assert_true(llmperf__rng_next(&g) == first);
    assert_true(first == UINT64_C(0x99ec5f36cb75f2b4));
    for (int i = 0; i < 100000; i++) {
        u = llmperf__rng_uniform(&g);
        assert_true(u > 0.0 && u < 1.0);
        assert_true(llmperf__rng_below(&g, 3) < 3);
    }
}

static void test_repeat(void **state)
{
    llmperf_dataset *ds = numbered(3);

    (void)state;
    assert_int_equal(llmperf_dataset_repeat(ds, 1), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_count(ds), 3);
    assert_int_equal(llmperf_dataset_repeat(ds, 3), LLMPERF_OK);
    assert_int_equal(llmperf_dataset_count(ds), 9);
    for (size_t i = 0; i < 9; i++) {
        char want[16];

        snprintf(want, sizeof(want), "%zu", i % 3);
        assert_string_equal(item_str(ds, i, 1), want);
    }
    /* shuffling interleaves the iterations, each id still thrice */
    assert_int_equal(llmperf_dataset_shuffle(ds, 1), LLMPERF_OK);
    {
        int n[3] = {0, 0, 0};

        for (size_t i = 0; i < 9; i++)
            n[atoi(item_str(ds, i, 1))]++;
        assert_true(n[0] == 3 && n[1] == 3 && n[2] == 3);
    }
    assert_int_equal(llmperf_dataset_repeat(ds, 0), LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_repeat(ds, SIZE_MAX), LLMPERF_EINVAL);
    assert_int_equal(llmperf_dataset_repeat(NULL, 2), LLMPERF_EINVAL);
    llmperf_dataset_free(ds);
}

/* ---- allocation failures ------------------------------------------------ */

static void test_alloc_failures(void **state)
{
    static const char text[] =
        "{\"prompt\":\"a\",\"id\":\"x\"}\n"
        "{\"messages\":[{\"role\":\"user\",\"content\":\"m\"}]}\n";
    char path[64], err[128];
    llmperf_dataset *ds;
    int rc, ok = 0;

    (void)state;
    temp_file(path, sizeof(path), text, strlen(text));
    for (long n = 1; n < 200 && !ok; n++) {
        ds = NULL;
        llmperf__alloc_fail_after(n);
        rc = llmperf_dataset_load_jsonl(&ds, path, 0, err, sizeof(err));
        llmperf__alloc_fail_after(0);
        if (rc == LLMPERF_OK) {
            assert_int_equal(llmperf_dataset_count(ds), 2);
            ok = 1;
        } else {
            assert_int_equal(rc, LLMPERF_ENOMEM);
            assert_null(ds);
        }
        llmperf_dataset_free(ds);
    }
    assert_true(ok);
    unlink(path);
    ok = 0;
    for (long n = 1; n < 200 && !ok; n++) {
        ds = NULL;
        llmperf__alloc_fail_after(n);
        rc = llmperf_dataset_synthetic(&ds, 3, 20, 5, 1);
        if (rc == LLMPERF_OK)
            rc = llmperf_dataset_repeat(ds, 4);
        llmperf__alloc_fail_after(0);
        assert_true(rc == LLMPERF_OK || rc == LLMPERF_ENOMEM);
        ok = rc == LLMPERF_OK;
        if (ok)
            assert_int_equal(llmperf_dataset_count(ds), 12);
        llmperf_dataset_free(ds);
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_good),
        cmocka_unit_test(test_jsonl_bad_lines),
        cmocka_unit_test(test_jsonl_skip_mode),
        cmocka_unit_test(test_jsonl_utf8),
        cmocka_unit_test(test_jsonl_oversized),
        cmocka_unit_test(test_jsonl_files),
        cmocka_unit_test(test_synthetic),
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_shuffle),
        cmocka_unit_test(test_rng_pinned),
        cmocka_unit_test(test_repeat),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
