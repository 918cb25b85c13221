/* SPDX-License-Identifier: MIT */
/*
 * report_int.h -- the parts of the HTML report shared between the page
 * (report.c) and its charts (report_charts.c).
 */
#ifndef LLMPERF_REPORT_INT_H
#define LLMPERF_REPORT_INT_H

#include <stddef.h>

#include "metrics_int.h"
#include "sink.h"
#include "svg.h"

/* The four latency metrics of every chart and table. */
#define LLMPERF__REPORT_NLAT 4
struct llmperf__report_metric {
    const char *key, *title, *axis;
    int field;
};
extern const struct llmperf__report_metric
    llmperf__report_lat[LLMPERF__REPORT_NLAT];
#define LAT llmperf__report_lat /* short name inside the report files */

/* A legend of one item per group (caller frees *out). OK or ENOMEM. */
int llmperf__report_group_legend(const llmperf_metrics *m,
                                 struct llmperf__legend_item **out,
                                 int marker);
/* CDF of latency metric f, one line per group. */
int llmperf__report_cdf(struct llmperf__sink *s, const llmperf_metrics *m,
                        size_t f, const struct llmperf__legend_item *legend);
/* Box plots of latency metric f, one row per group. */
int llmperf__report_box(struct llmperf__sink *s, const llmperf_metrics *m,
                        size_t f);
/* Scatter of field fy (times yscale) against fx with least-squares
 * lines. */
int llmperf__report_scatter(struct llmperf__sink *s,
                            const llmperf_metrics *m, int fx, int fy,
                            double yscale, const char *title,
                            const char *xl, const char *yl);
/* A section of charts per sweep parameter. */
int llmperf__report_sweeps(struct llmperf__sink *s, const llmperf_metrics *m);

#endif /* LLMPERF_REPORT_INT_H */
