/* SPDX-License-Identifier: MIT */
/*
 * llmperf/llmperf.h -- the umbrella header: include this one.
 *
 * libllmperf measures LLM inference servers: time to first token,
 * inter-token latency, end-to-end latency and throughput under load, with
 * the statistics to tell whether a change helped. Each module has its own
 * header, included from here; docs/ describes the ABI promise
 * (docs/ABI.md), the error codes (docs/errors.md) and the thread rules
 * (docs/threading.md).
 */
#ifndef LLMPERF_LLMPERF_H
#define LLMPERF_LLMPERF_H

#include "common.h"
#include "llmperf/version.h"
#include "llmperf/stats.h"
/* module headers are added here as they land */
#include "llmperf/client.h"
#include "llmperf/result.h"
#include "llmperf/metrics.h"
#include "llmperf/serialize.h"
#include "llmperf/report.h"
#include "llmperf/dataset.h"
#include "llmperf/runner.h"

#endif /* LLMPERF_LLMPERF_H */
