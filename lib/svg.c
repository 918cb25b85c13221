/* SPDX-License-Identifier: MIT */
/*
 * svg.c -- axes, frames, series and legends of the report's charts.
 * Ticks are nice round numbers (1, 2 or 5 times a power of ten); the
 * legend is laid out from estimated text widths and wraps into rows, so
 * charts stay legible from one group to a dozen and beyond.
 */
#include "svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FONT 11.0
#define TITLE_FONT 13.0
#define LEGEND_ROW 17.0

/* Tableau-10 plus two: distinct in hue and lightness. */
static const char *const palette[LLMPERF__SVG_COLOURS] = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#79706e", "#1b3a6b", "#8cd17d",
};

const char *llmperf__colour(int i)
{
    return palette[(i < 0 ? 0 : i) % LLMPERF__SVG_COLOURS];
}

const char *llmperf__dash(int style)
{
    static const char *const d[] = {"", "6 3", "2 3"};

    return d[(style < 0 ? 0 : style) % 3];
}

double llmperf__text_width(const char *text, double px)
{
    /* Sans-serif averages ~0.55 em; 0.6 keeps layouts from colliding. */
    return (double)llmperf__utf8_len(text) * px * 0.6;
}

/* ---- axes ------------------------------------------------------------ */

/* Ticks a step gives over [lo, hi] when rounded out. */
static long tick_count(double lo, double hi, double step)
{
    return (long)ceil(hi / step - 1e-9) - (long)floor(lo / step + 1e-9) + 1;
}

/*
 * The smallest step of 1, 2, 2.5 or 5 times a power of ten that covers
 * [lo, hi] with at most max_ticks ticks once rounded out, so the axis
 * wastes little room (0..3020 gets 0..3500 by 500, not 0..4000).
 */
static double nice_step(double lo, double hi, int max_ticks)
{
    static const double mult[] = {1.0, 2.0, 2.5, 5.0};
    double mag = pow(10.0, floor(log10((hi - lo) / (max_ticks - 1))));

    for (int e = 0; e < 3; e++, mag *= 10.0)
        for (size_t k = 0; k < LLMPERF__ARRAY_LEN(mult); k++)
            if (tick_count(lo, hi, mult[k] * mag) <= max_ticks)
                return mult[k] * mag;
    return mag;
}

void llmperf__axis_linear(struct llmperf__axis *a, double lo, double hi,
                          int max_ticks)
{
    double step;
    long i0, i1;

    memset(a, 0, sizeof(*a));
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (hi < lo) {
        double t = lo;

        lo = hi;
        hi = t;
    }
    if (hi - lo <= fabs(hi) * 1e-12) { /* one value: open a window */
        double pad = lo != 0.0 ? fabs(lo) * 0.1 : 1.0;

        lo -= pad;
        hi += pad;
    }
    if (max_ticks < 2)
        max_ticks = 2;
    if (max_ticks > LLMPERF__SVG_MAX_TICKS)
        max_ticks = LLMPERF__SVG_MAX_TICKS;
    step = nice_step(lo, hi, max_ticks);
    i0 = (long)floor(lo / step + 1e-9);
    i1 = (long)ceil(hi / step - 1e-9);
    a->step = step;
    a->lo = (double)i0 * step;
    a->hi = (double)i1 * step;
    for (long i = i0; i <= i1; i++)
        a->tick[a->nticks++] = (double)i * step;
}

void llmperf__axis_log(struct llmperf__axis *a, double lo, double hi)
{
    static const double m125[] = {1.0, 2.0, 5.0};
    int d0, d1, every;

    memset(a, 0, sizeof(*a));
    a->log = 1;
    if (!(lo > 0.0) || !isfinite(lo) || !isfinite(hi) || hi <= lo) {
        llmperf__axis_linear(a, lo, hi, 6);
        return;
    }
    d0 = (int)floor(log10(lo));
    d1 = (int)ceil(log10(hi));
    if (d1 == d0)
        d1++;
    /* Round the range out to 1-2-5 values. */
    a->lo = pow(10.0, d0);
    for (int k = 2; k >= 0; k--)
        if (m125[k] * pow(10.0, d0) <= lo * (1 + 1e-12)) {
            a->lo = m125[k] * pow(10.0, d0);
            break;
        }
    a->hi = pow(10.0, d1);
    for (int k = 0; k < 3; k++)
        if (m125[k] * pow(10.0, d1 - 1) >= hi * (1 - 1e-12)) {
            a->hi = m125[k] * pow(10.0, d1 - 1);
            break;
        }
    /* Few decades: 1-2-5 ticks; many: powers of ten, thinned. */
    every = (d1 - d0) > 12 ? (d1 - d0 + 11) / 12 : 1;
    for (int d = d0; d <= d1 && a->nticks < LLMPERF__SVG_MAX_TICKS; d++) {
        for (int k = 0; k < 3; k++) {
            double t = m125[k] * pow(10.0, d);

            if ((d1 - d0 > 3 && k > 0) || ((d - d0) % every != 0))
                continue;
            if (t >= a->lo * (1 - 1e-12) && t <= a->hi * (1 + 1e-12) &&
                a->nticks < LLMPERF__SVG_MAX_TICKS)
                a->tick[a->nticks++] = t;
        }
    }
}

void llmperf__axis_auto(struct llmperf__axis *a, double lo, double hi,
                        double ratio)
{
    if (lo > 0.0 && hi / lo > ratio)
        llmperf__axis_log(a, lo, hi);
    else
        llmperf__axis_linear(a, lo > 0.0 && lo < hi * 0.3 ? 0.0 : lo, hi, 9);
}

static void trim_zeros(char *b)
{
    char *dot = strchr(b, '.'), *end;

    if (dot == NULL)
        return;
    end = b + strlen(b) - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot)
        *end = '\0';
}

void llmperf__tick_label(char *buf, size_t len, double v,
                         const struct llmperf__axis *a)
{
    static const struct {
        double f;
        const char *sfx;
    } units[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    double av = fabs(v);
    int dec;

    if (av < 1e-12) {
        snprintf(buf, len, "0");
        return;
    }
    for (size_t i = 0; i < 3; i++)
        if (av >= units[i].f * (a->log ? 1.0 : 10.0)) {
            snprintf(buf, len, "%.3f", v / units[i].f);
            trim_zeros(buf);
            strncat(buf, units[i].sfx, len - strlen(buf) - 1);
            return;
        }
    if (a->log)
        dec = av >= 1.0 ? 0 : (int)ceil(-log10(av) - 1e-9);
    else
        dec = a->step >= 1.0 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
    if (dec > 9)
        dec = 9;
    snprintf(buf, len, "%.*f", dec, v);
}

/* ---- chart ---------------------------------------------------------- */

double llmperf__chart_x(const struct llmperf__chart *c, double v)
{
    const struct llmperf__axis *a = &c->x;
    double f;

    if (a->log)
        f = v > 0.0 ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                    : 0.0;
    else
        f = (v - a->lo) / (a->hi - a->lo);
    if (!(f >= 0.0))
        f = 0.0;
    if (f > 1.0)
        f = 1.0;
    return c->px0 + f * (c->px1 - c->px0);
}

double llmperf__chart_y(const struct llmperf__chart *c, double v)
{
    const struct llmperf__axis *a = &c->y;
    double f;

    if (a->log)
        f = v > 0.0 ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                    : 0.0;
    else
        f = (v - a->lo) / (a->hi - a->lo);
    if (!(f >= 0.0))
        f = 0.0;
    if (f > 1.0)
        f = 1.0;
    return c->py1 - f * (c->py1 - c->py0);
}

/*
 * Position of legend item idx when items are laid left to right in rows
 * of the given width (an item wider than a row gets a row to itself and
 * its label is cut). O(idx); legends are short.
 */
static void legend_pos(const struct llmperf__legend_item *it, size_t idx,
                       double width, double *xo, int *rowo)
{
    double x = 0.0;
    int row = 0;

    for (size_t j = 0; j <= idx; j++) {
        double w = 22.0 + llmperf__text_width(it[j].label, FONT) + 14.0;

        if (w > width)
            w = width;
        if (x > 0.0 && x + w > width) {
            row++;
            x = 0.0;
        }
        if (j < idx)
            x += w;
    }
    *xo = x;
    *rowo = row;
}

void llmperf__chart_begin(struct llmperf__chart *c, struct llmperf__sink *s,
                          const char *title, const char *xlabel,
                          const char *ylabel, double plot_w, double plot_h,
                          double left,
                          const struct llmperf__legend_item *legend,
                          size_t n_legend, const char *const *y_labels,
                          size_t n_y)
{
    double top = 34.0, right = 26.0, lx;
    int rows = 0;
    char lab[48];

    c->s = s;
    c->px0 = left > 0 ? left : 62.0;
    c->px1 = c->px0 + plot_w;
    c->py0 = top;
    c->py1 = top + plot_h;
    c->w = c->px1 + right;
    if (n_legend > 0) {
        legend_pos(legend, n_legend - 1, c->w - 20.0, &lx, &rows);
        rows++;
    }
    c->legend_rows = rows;
    c->legend_y = c->py1 + 46.0;
    c->h = c->legend_y + rows * LEGEND_ROW + (rows ? 6.0 : 0.0);

    llmperf__sink_printf(s,
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                         "class=\"chart\" width=\"%.0f\" height=\"%.0f\" "
                         "viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                         "aria-label=\"",
                         c->w, c->h, c->w, c->h);
    llmperf__sink_html(s, title);
    llmperf__sink_printf(s, "\">\n<rect x=\"0\" y=\"0\" width=\"%.0f\" "
                            "height=\"%.0f\" fill=\"#ffffff\"/>\n",
                         c->w, c->h);
    llmperf__sink_printf(s,
                         "<text x=\"%.1f\" y=\"20\" font-size=\"%.0f\" "
                         "font-weight=\"bold\" text-anchor=\"middle\">",
                         (c->px0 + c->px1) / 2, TITLE_FONT);
    llmperf__sink_html(s, title);
    llmperf__sink_puts(s, "</text>\n");

    /* Grid and x ticks. */
    llmperf__sink_puts(s, "<g font-size=\"11\" fill=\"#333\">\n");
    for (int i = 0; i < c->x.nticks; i++) {
        double x = llmperf__chart_x(c, c->x.tick[i]);

        llmperf__tick_label(lab, sizeof(lab), c->x.tick[i], &c->x);
        llmperf__sink_printf(s,
                             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                             "y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                             "y2=\"%.1f\" stroke=\"#555\"/>"
                             "<text x=\"%.1f\" y=\"%.1f\" "
                             "text-anchor=\"middle\">%s</text>\n",
                             x, c->py0, x, c->py1, x, c->py1, x, c->py1 + 5,
                             x, c->py1 + 17, lab);
    }
    if (y_labels != NULL) {
        double band = (c->py1 - c->py0) / (double)(n_y ? n_y : 1);
        size_t maxc = (size_t)((c->px0 - 10.0) / (FONT * 0.6));

        for (size_t i = 0; i < n_y; i++) {
            double y = c->py0 + band * ((double)i + 0.5);

            llmperf__sink_printf(s,
                                 "<text x=\"%.1f\" y=\"%.1f\" "
                                 "text-anchor=\"end\"><title>",
                                 c->px0 - 6, y + 4);
            llmperf__sink_html(s, y_labels[i]);
            llmperf__sink_puts(s, "</title>");
            llmperf__sink_html_cut(s, y_labels[i], maxc > 2 ? maxc - 1 : 1);
            llmperf__sink_puts(s, "</text>\n");
        }
    } else {
        for (int i = 0; i < c->y.nticks; i++) {
            double y = llmperf__chart_y(c, c->y.tick[i]);

            llmperf__tick_label(lab, sizeof(lab), c->y.tick[i], &c->y);
            llmperf__sink_printf(s,
                                 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                                 "y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                                 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                                 "y2=\"%.1f\" stroke=\"#555\"/>"
                                 "<text x=\"%.1f\" y=\"%.1f\" "
                                 "text-anchor=\"end\">%s</text>\n",
                                 c->px0, y, c->px1, y, c->px0 - 5, y, c->px0,
                                 y, c->px0 - 7, y + 4, lab);
        }
    }
    /* Frame and axis labels. */
    llmperf__sink_printf(s,
                         "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                         "height=\"%.1f\" fill=\"none\" stroke=\"#555\"/>\n",
                         c->px0, c->py0, c->px1 - c->px0, c->py1 - c->py0);
    llmperf__sink_printf(s,
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                         "font-size=\"12\">",
                         (c->px0 + c->px1) / 2, c->py1 + 34);
    llmperf__sink_html(s, xlabel);
    llmperf__sink_puts(s, "</text>\n");
    if (ylabel != NULL && ylabel[0] != '\0') {
        llmperf__sink_printf(s,
                             "<text transform=\"translate(14 %.1f) "
                             "rotate(-90)\" text-anchor=\"middle\" "
                             "font-size=\"12\">",
                             (c->py0 + c->py1) / 2);
        llmperf__sink_html(s, ylabel);
        llmperf__sink_puts(s, "</text>\n");
    }
    llmperf__sink_puts(s, "</g>\n");
}

void llmperf__chart_end(struct llmperf__chart *c,
                        const struct llmperf__legend_item *legend,
                        size_t n_legend)
{
    struct llmperf__sink *s = c->s;
    double width = c->w - 20.0;

    llmperf__sink_puts(s, "<g font-size=\"11\" fill=\"#222\">\n");
    for (size_t i = 0; i < n_legend; i++) {
        const struct llmperf__legend_item *it = &legend[i];
        size_t maxc = (size_t)((width - 36.0) / (FONT * 0.6));
        double lx, ly;
        int row;

        legend_pos(legend, i, width, &lx, &row);
        lx += 10.0;
        ly = c->legend_y + row * LEGEND_ROW;
        if (it->marker)
            llmperf__sink_printf(s,
                                 "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                                 "fill=\"%s\"/>",
                                 lx + 8, ly - 4, llmperf__colour(it->colour));
        else
            llmperf__sink_printf(s,
                                 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                                 "y2=\"%.1f\" stroke=\"%s\" "
                                 "stroke-width=\"3\" "
                                 "stroke-dasharray=\"%s\"/>",
                                 lx, ly - 4, lx + 16, ly - 4,
                                 llmperf__colour(it->colour),
                                 llmperf__dash(it->dash));
        llmperf__sink_printf(s, "<text x=\"%.1f\" y=\"%.1f\">", lx + 22, ly);
        llmperf__sink_html_cut(s, it->label, maxc);
        llmperf__sink_puts(s, "</text>\n");
    }
    llmperf__sink_puts(s, "</g>\n</svg>\n");
}

static void dash_attr(struct llmperf__sink *s, int dash)
{
    if (dash != 0)
        llmperf__sink_printf(s, " stroke-dasharray=\"%s\"",
                             llmperf__dash(dash));
}

void llmperf__svg_polyline(struct llmperf__chart *c, const double *x,
                           const double *y, size_t n, int colour, int dash,
                           double width)
{
    struct llmperf__sink *s = c->s;

    if (n == 0)
        return;
    llmperf__sink_printf(s,
                         "<polyline fill=\"none\" stroke=\"%s\" "
                         "stroke-width=\"%.1f\" stroke-linejoin=\"round\"",
                         llmperf__colour(colour), width);
    dash_attr(s, dash);
    llmperf__sink_puts(s, " points=\"");
    for (size_t i = 0; i < n; i++)
        llmperf__sink_printf(s, "%s%.1f,%.1f", i ? " " : "",
                             llmperf__chart_x(c, x[i]),
                             llmperf__chart_y(c, y[i]));
    llmperf__sink_puts(s, "\"/>\n");
}

void llmperf__svg_points(struct llmperf__chart *c, const double *x,
                         const double *y, size_t n, int colour, double r,
                         double opacity)
{
    struct llmperf__sink *s = c->s;

    if (n == 0)
        return;
    /* One group element carries the style; each point is short. */
    llmperf__sink_printf(s, "<g fill=\"%s\" fill-opacity=\"%.2f\">",
                         llmperf__colour(colour), opacity);
    for (size_t i = 0; i < n; i++)
        llmperf__sink_printf(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>",
                             llmperf__chart_x(c, x[i]),
                             llmperf__chart_y(c, y[i]), r);
    llmperf__sink_puts(s, "</g>\n");
}

void llmperf__svg_line(struct llmperf__chart *c, double x0, double y0,
                       double x1, double y1, int colour, int dash,
                       double width)
{
    struct llmperf__sink *s = c->s;

    llmperf__sink_printf(s,
                         "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                         "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"",
                         llmperf__chart_x(c, x0), llmperf__chart_y(c, y0),
                         llmperf__chart_x(c, x1), llmperf__chart_y(c, y1),
                         llmperf__colour(colour), width);
    dash_attr(s, dash);
    llmperf__sink_puts(s, "/>\n");
}
