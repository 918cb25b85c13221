/* SPDX-License-Identifier: MIT */
/*
 * jfast.h -- an allocation-free reader for the common shape of streamed
 * events, in front of json-c. json-c builds a tree, allocates for every
 * value and switches the thread's locale for every parse: about a third
 * of the client's user-space time per token. Most events are small
 * objects whose few interesting members are plain strings, so a backend
 * may first try a fast decoder built on this reader and fall back to
 * json-c whenever anything is unusual.
 *
 * The contract that keeps both paths equal: jfast accepts only input
 * that json-c (strict mode) also accepts, and returns the same values;
 * everything else -- syntax it does not know, deep nesting, \u escapes
 * of surrogates or NUL, integers of 19+ digits, duplicated wanted keys,
 * control bytes inside strings -- is "not handled" (the caller uses
 * json-c, which then accepts or rejects it). A differential fuzz target
 * (tests/fuzz/fuzz_jfast.c) checks the contract.
 */
#ifndef LLMPERF_JFAST_H
#define LLMPERF_JFAST_H

#include <stddef.h>

enum {
    LLMPERF__J_NONE = 0, /* member absent */
    LLMPERF__J_NULL,
    LLMPERF__J_BOOL,
    LLMPERF__J_NUM,
    LLMPERF__J_STR,
    LLMPERF__J_ARR,
    LLMPERF__J_OBJ
};

/* One value: its type and its bytes in the event (a string with its
 * quotes). escaped: a string containing backslash escapes. */
typedef struct llmperf__jspan {
    int type;
    int escaped;
    const char *p;
    size_t n;
} llmperf__jspan;

/*
 * Validate s[0..n) as one JSON value with optional surrounding
 * whitespace, within jfast's subset. 1 and *root set, or 0 (not handled).
 */
int llmperf__jfast_parse(const char *s, size_t n, llmperf__jspan *root);

/*
 * The members named keys[0..nkeys) of object obj (validated by
 * llmperf__jfast_parse), into out[] (type LLMPERF__J_NONE when absent).
 * Returns 1, or 0 when one of the wanted keys appears twice or is
 * written with escapes (not handled: json-c keeps the last one).
 */
int llmperf__jfast_pick(const llmperf__jspan *obj, const char *const *keys,
                        size_t nkeys, llmperf__jspan *out);

/* First element of array arr into *el; 0 when the array is empty. */
int llmperf__jfast_first(const llmperf__jspan *arr, llmperf__jspan *el);

/* A boolean's value (1 true, 0 false). */
int llmperf__jfast_true(const llmperf__jspan *v);

/*
 * The text of string v: *out points into the event when there is no
 * escape, else the unescaped text is written to *scratch (advanced past
 * it; the caller's buffer must hold at least v->n bytes more). Returns 1,
 * or 0 when an escape is not handled.
 */
int llmperf__jfast_str(const llmperf__jspan *v, char **scratch,
                       const char **out, size_t *len);

#endif /* LLMPERF_JFAST_H */
