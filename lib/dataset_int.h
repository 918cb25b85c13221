/* SPDX-License-Identifier: MIT */
/*
 * dataset_int.h -- internals of the dataset module shared with the
 * runner and the tests: the seeded generator every reproducible choice
 * in the library uses (shuffles, synthetic text, arrival schedules) and
 * UTF-8 helpers.
 */
#ifndef LLMPERF_DATASET_INT_H
#define LLMPERF_DATASET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/dataset.h"

/* xoshiro256** seeded through splitmix64: fast, 256 bits of state, the
 * same sequence on every platform for a given seed. */
typedef struct llmperf__rng {
    uint64_t s[4];
} llmperf__rng;

void llmperf__rng_seed(llmperf__rng *g, uint64_t seed);
uint64_t llmperf__rng_next(llmperf__rng *g);
/* Uniform in the open interval (0, 1): safe for log(). */
double llmperf__rng_uniform(llmperf__rng *g);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t llmperf__rng_below(llmperf__rng *g, uint64_t n);

/* 1 when s[0..len) is valid UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF); *chars (may be NULL) gets the number of code
 * points. */
int llmperf__utf8_valid(const char *s, size_t len, size_t *chars);

#endif /* LLMPERF_DATASET_INT_H */
