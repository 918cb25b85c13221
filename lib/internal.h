/* SPDX-License-Identifier: MIT */
/*
 * internal.h -- helpers shared by the library's modules. Nothing here is
 * exported: names use the llmperf__ prefix and default (hidden)
 * visibility. Unit tests reach them by linking the static library.
 */
#ifndef LLMPERF_INTERNAL_H
#define LLMPERF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/common.h"

/* Allocation: every module goes through these (see alloc.c). */
void *llmperf__malloc(size_t size);
void *llmperf__calloc(size_t count, size_t size);
void *llmperf__realloc(void *ptr, size_t size);
void *llmperf__reallocarray(void *ptr, size_t count, size_t size);
char *llmperf__strdup(const char *s);
char *llmperf__strndup(const char *s, size_t len);
void llmperf__free(void *ptr);

/*
 * Test hook: make the n-th allocation from now fail, and every one after
 * it (n = 0 turns injection off). llmperf__alloc_count() counts the
 * allocation calls since the last llmperf__alloc_fail_after().
 */
void llmperf__alloc_fail_after(long n);
long llmperf__alloc_count(void);

/* Number of unmatched llmperf_global_init() calls (tests). */
unsigned long llmperf__global_count(void);

#define LLMPERF__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define LLMPERF__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LLMPERF__PRINTF(f, a)
#endif

#endif /* LLMPERF_INTERNAL_H */
