/* SPDX-License-Identifier: MIT */
/*
 * runner_int.h -- the runner's arrival schedule, separate from the event
 * loop so that tests can check its statistics directly.
 *
 * The schedule is absolute: arrival i is t0 + (sum of the first i gaps),
 * computed from t0 and the running sum, never from the time the previous
 * request actually went out, so lateness of the harness does not shift
 * later arrivals (no drift). Arrival 0 is t0 itself.
 */
#ifndef LLMPERF_RUNNER_INT_H
#define LLMPERF_RUNNER_INT_H

#include <stdint.h>

#include "dataset_int.h"
#include "llmperf/runner.h"

typedef struct llmperf__schedule {
    int kind;          /* LLMPERF_ARRIVAL_* */
    double mean_ns;    /* 1e9 / rate */
    double shape;      /* gamma shape (burstiness) */
    int64_t t0;
    uint64_t i;        /* arrivals handed out so far */
    double sum_ns;     /* sum of the gaps handed out so far */
    llmperf__rng rng;
} llmperf__schedule;

/* rate > 0 (requests/s), finite; burstiness > 0 (used by GAMMA only).
 * LLMPERF_OK or LLMPERF_EINVAL. */
int llmperf__schedule_init(llmperf__schedule *s, int kind, double rate,
                           double burstiness, uint64_t seed, int64_t t0);

/* The next arrival instant (ns, same clock as t0). */
int64_t llmperf__schedule_next(llmperf__schedule *s);

/* One gamma variate of the given shape and scale 1 (Marsaglia-Tsang). */
double llmperf__gamma(llmperf__rng *g, double shape);

#endif /* LLMPERF_RUNNER_INT_H */
