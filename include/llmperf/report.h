/* SPDX-License-Identifier: MIT */
/*
 * llmperf/report.h -- reports for people and for monitoring systems:
 * a self-contained HTML page with inline SVG charts (no JavaScript, no
 * network access), and the Prometheus text exposition format of the
 * run's summaries.
 *
 * The HTML report holds: the run description and a summary table per
 * group; latency CDFs of TTFT, TPOT, ITL and E2E per group; box plots
 * per group; TTFT vs prompt tokens, E2E vs output tokens and decode
 * throughput vs prompt tokens with least-squares lines and r; throughput
 * and latency percentiles against the sweep parameter for groups marked
 * with llmperf_metrics_set_sweep(); Kruskal-Wallis, Mann-Whitney and
 * bootstrap confidence intervals with plain-language verdicts,
 * correlations and per-prompt repeatability. Statistics always use every
 * value; only the points drawn are thinned (CDFs at most 500 quantiles
 * per group, scatter plots at most 2,000 points in all). docs/REPORT.md
 * describes each part.
 *
 * All text from the caller (group labels, run info) is escaped.
 *
 * Thread rule: these functions only read the accumulator; the rules of
 * llmperf/metrics.h apply.
 */
#ifndef LLMPERF_REPORT_H
#define LLMPERF_REPORT_H

#include <stddef.h>

#include "llmperf/common.h"
#include "llmperf/metrics.h"
#include "llmperf/serialize.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * llmperf_report_html -- write the HTML report of m to cb (in pieces of
 * up to 64 KiB). The title is LLMPERF_INFO_TITLE, else "LLM inference
 * benchmark".
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL m or cb; LLMPERF_EIO when
 * cb fails; LLMPERF_ENOMEM. Time grows with the number of requests
 * (sorting for the charts, bootstrap resamples for the confidence
 * intervals; docs/REPORT.md gives figures). Added in 0.1.
 */
LLMPERF_API int llmperf_report_html(const llmperf_metrics *m,
                                    llmperf_write_cb cb, void *userdata);

/*
 * llmperf_report_html_file -- the same into path, atomically (a temporary
 * file renamed over path). errbuf (may be NULL) gets a message on
 * failure. Added in 0.1.
 */
LLMPERF_API int llmperf_report_html_file(const llmperf_metrics *m,
                                         const char *path, char *errbuf,
                                         size_t errlen);

/*
 * llmperf_report_prometheus -- the run's summaries in the Prometheus text
 * exposition format (version 0.0.4): metric names prefixed llmperf_,
 * one series per group with a group="..." label and one without it for
 * the whole run; latencies as summaries in seconds with quantile labels
 * from llmperf_metrics_set_percentiles(), throughputs and counts as
 * gauges. Undefined values are left out (never NaN). A node exporter
 * textfile collector or a push gateway can ingest the output of a
 * finished run.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL; LLMPERF_EIO; LLMPERF_ENOMEM.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_report_prometheus(const llmperf_metrics *m,
                                          llmperf_write_cb cb,
                                          void *userdata);

/* llmperf_report_prometheus_file -- the same into path, atomically.
 * Added in 0.1. */
LLMPERF_API int llmperf_report_prometheus_file(const llmperf_metrics *m,
                                               const char *path,
                                               char *errbuf, size_t errlen);

/*
 * llmperf_report_prometheus_buf -- the same into buf (NUL-terminated);
 * *needed gets the size including the NUL; LLMPERF_EBUFS when cap is
 * smaller. Added in 0.1.
 */
LLMPERF_API int llmperf_report_prometheus_buf(const llmperf_metrics *m,
                                              char *buf, size_t cap,
                                              size_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_REPORT_H */
