/* SPDX-License-Identifier: MIT */
/*
 * svg.h -- the chart primitives of the HTML report: axes with nice round
 * ticks (linear or 1-2-5 logarithmic), a frame with title, axis labels
 * and units, series (polylines, points, boxes) and a legend that wraps.
 * Everything is written as inline SVG through a sink; every text is
 * escaped.
 */
#ifndef LLMPERF_SVG_H
#define LLMPERF_SVG_H

#include <stddef.h>

#include "sink.h"

#define LLMPERF__SVG_MAX_TICKS 24
#define LLMPERF__SVG_COLOURS 12

struct llmperf__axis {
    double lo, hi;      /* data range shown                    */
    int log;            /* 1: log10 scale                       */
    double tick[LLMPERF__SVG_MAX_TICKS];
    int nticks;
    double step;        /* linear tick step (labels' precision) */
};

/* Nice linear axis covering [lo, hi] with at most max_ticks ticks. */
void llmperf__axis_linear(struct llmperf__axis *a, double lo, double hi,
                          int max_ticks);
/* 1-2-5 log axis covering [lo, hi] (lo > 0). */
void llmperf__axis_log(struct llmperf__axis *a, double lo, double hi);
/* Linear, or log when lo > 0 and hi / lo exceeds ratio. */
void llmperf__axis_auto(struct llmperf__axis *a, double lo, double hi,
                        double ratio);
/* Tick label: "0.5", "20", "1.5k", "2M". */
void llmperf__tick_label(char *buf, size_t len, double v,
                         const struct llmperf__axis *a);

struct llmperf__legend_item {
    const char *label;
    int colour;      /* palette index */
    int dash;        /* 0 solid, 1 dashed, 2 dotted */
    int marker;      /* 1: a dot instead of a line */
};

struct llmperf__chart {
    struct llmperf__sink *s;
    double w, h;                /* whole SVG                         */
    double px0, px1, py0, py1;  /* plot area: py0 top, py1 bottom    */
    struct llmperf__axis x, y;
    double legend_y;            /* top of the legend                 */
    int legend_rows;
};

/* Colour of palette index i (12 distinct colours, then repeats). */
const char *llmperf__colour(int i);
/* Dash pattern for index i beyond the palette: "" / "6 3" / "2 3". */
const char *llmperf__dash(int style);

/*
 * Lay out and open a chart: plot area of plot_w x plot_h, left margin
 * for y labels (left >= 0: that width), room below for the legend of n
 * items. Writes <svg>, the background, grid lines, ticks and their
 * labels, the title and both axis labels. y_labels (optional, n_y) are
 * category labels for a categorical y axis (box plots): they replace the
 * numeric y axis.
 */
void llmperf__chart_begin(struct llmperf__chart *c, struct llmperf__sink *s,
                          const char *title, const char *xlabel,
                          const char *ylabel, double plot_w, double plot_h,
                          double left,
                          const struct llmperf__legend_item *legend,
                          size_t n_legend, const char *const *y_labels,
                          size_t n_y);
/* Close the chart: the legend, then </svg>. */
void llmperf__chart_end(struct llmperf__chart *c,
                        const struct llmperf__legend_item *legend,
                        size_t n_legend);

/* Data to pixels (clamped to the plot area; log axes clamp at lo). */
double llmperf__chart_x(const struct llmperf__chart *c, double v);
double llmperf__chart_y(const struct llmperf__chart *c, double v);

void llmperf__svg_polyline(struct llmperf__chart *c, const double *x,
                           const double *y, size_t n, int colour, int dash,
                           double width);
void llmperf__svg_points(struct llmperf__chart *c, const double *x,
                         const double *y, size_t n, int colour, double r,
                         double opacity);
void llmperf__svg_line(struct llmperf__chart *c, double x0, double y0,
                       double x1, double y1, int colour, int dash,
                       double width);

/* Width in pixels of text at font size px (an estimate for layout). */
double llmperf__text_width(const char *text, double px);

#endif /* LLMPERF_SVG_H */
