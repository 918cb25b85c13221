/* SPDX-License-Identifier: MIT */
/*
 * alloc.c -- the one allocation path of the library. Every module
 * allocates through llmperf__malloc() and friends so that tests can make
 * the Nth allocation fail and check that each failure path returns
 * LLMPERF_ENOMEM without leaking (nghttp2's failmalloc idea).
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/*
 * Countdown to an injected failure: 0 means no injection; n > 0 means the
 * n-th allocation from now fails, and so does every one after it until
 * the injection is reset. Atomic so that tests may use threads.
 */
static atomic_long fail_countdown;
static atomic_long alloc_calls;

void llmperf__alloc_fail_after(long n)
{
    atomic_store(&fail_countdown, n < 0 ? 0 : n);
    atomic_store(&alloc_calls, 0);
}

long llmperf__alloc_count(void)
{
    return atomic_load(&alloc_calls);
}

static int should_fail(void)
{
    long left;

    atomic_fetch_add(&alloc_calls, 1);
    left = atomic_load(&fail_countdown);
    if (left == 0)
        return 0;
    if (left == 1)
        return 1; /* stays at 1: every later allocation fails too */
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void *llmperf__malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *llmperf__calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    return calloc(count, size);
}

void *llmperf__realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

/* Multiply-and-grow helper: NULL on overflow, leaves ptr intact. */
void *llmperf__reallocarray(void *ptr, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return llmperf__realloc(ptr, count * size);
}

char *llmperf__strndup(const char *s, size_t len)
{
    char *copy;

    if (s == NULL)
        return NULL;
    copy = llmperf__malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *llmperf__strdup(const char *s)
{
    return s == NULL ? NULL : llmperf__strndup(s, strlen(s));
}

void llmperf__free(void *ptr)
{
    free(ptr);
}

LLMPERF_API void llmperf_free(void *ptr)
{
    llmperf__free(ptr);
}
