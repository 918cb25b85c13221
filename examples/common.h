/* SPDX-License-Identifier: MIT */
/*
 * common.h -- what every example shares: CHECK() for library calls, so
 * each return value is looked at without cluttering the example.
 */
#ifndef LLMPERF_EXAMPLES_COMMON_H
#define LLMPERF_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <llmperf/llmperf.h>

/* Run a call returning an llmperf status; on failure print where, what
 * and why, and exit with status 1. */
#define CHECK(call)                                                      \
    do {                                                                 \
        int check_rc_ = (call);                                          \
        if (check_rc_ != LLMPERF_OK) {                                   \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, \
                    #call, llmperf_strerror(check_rc_),                  \
                    llmperf_status_name(check_rc_));                     \
            exit(1);                                                     \
        }                                                                \
    } while (0)

#endif /* LLMPERF_EXAMPLES_COMMON_H */
