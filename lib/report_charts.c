/* SPDX-License-Identifier: MIT */
/*
 * report_charts.c -- the charts of the HTML report: latency CDFs, box
 * plots, scatter plots with least-squares lines, and sweep charts. Values
 * are read through the accumulator's gather helpers and the pooled ITL
 * histogram; only the points drawn are thinned (CDF_POINTS quantiles,
 * SCATTER_POINTS points), never the statistics.
 */
#include "report_int.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmperf/stats.h"

#define NCODES (LLMPERF__ITL_BLOCKS * LLMPERF__ITL_BLOCK)
#define CDF_POINTS 500
#define SCATTER_POINTS 2000
#define PLOT_W 560.0
#define PLOT_H 300.0

/* The latency metrics, in the order of charts and tables. */
const struct llmperf__report_metric
    llmperf__report_lat[LLMPERF__REPORT_NLAT] = {
    {"ttft", "Time to first token (TTFT)", "TTFT", LLMPERF_RESULT_TTFT_NS},
    {"tpot", "Time per output token (TPOT)", "TPOT", LLMPERF_RESULT_TPOT_NS},
    {"itl", "Inter-token latency (ITL, pooled)", "ITL",
     LLMPERF_METRICS_ITL_NS},
    {"e2el", "End-to-end latency (E2E)", "E2E latency", LLMPERF_RESULT_E2E_NS},
};

/* ---- distributions: sorted values, or the pooled ITL histogram ------- */

struct dist {
    double *v;      /* sorted values (per-request fields)      */
    uint64_t *cum;  /* cumulative counts per ITL code          */
    uint64_t n;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void dist_free(struct dist *d)
{
    llmperf__free(d->v);
    llmperf__free(d->cum);
    memset(d, 0, sizeof(*d));
}

static int dist_load(const llmperf_metrics *m, const struct llmperf__group *g,
                     int field, struct dist *d)
{
    size_t n;
    int col, rc;

    memset(d, 0, sizeof(*d));
    if ((rc = llmperf__metrics_field(field, &col)) != LLMPERF_OK)
        return rc;
    if (col < 0) {
        uint64_t total;

        if ((rc = llmperf__metrics_itl_hist(m, g, &d->cum, &total)) !=
            LLMPERF_OK)
            return rc;
        for (unsigned c = 1; c < NCODES; c++)
            d->cum[c] += d->cum[c - 1];
        d->n = total;
        return LLMPERF_OK;
    }
    if ((rc = llmperf__metrics_gather(m, g, col, &d->v, &n)) != LLMPERF_OK)
        return rc;
    if (n > 0)
        qsort(d->v, n, sizeof(double), cmp_double);
    d->n = n;
    return LLMPERF_OK;
}

/* The value of 0-based rank k. */
static double dist_rank(const struct dist *d, uint64_t k)
{
    size_t lo = 0, hi = NCODES - 1;

    if (d->v != NULL)
        return d->v[k];
    while (lo < hi) { /* first code whose cumulative count exceeds k */
        size_t mid = (lo + hi) / 2;

        if (d->cum[mid] > k)
            hi = mid;
        else
            lo = mid + 1;
    }
    return llmperf__itl_value((unsigned)lo);
}

/* Smallest value >= v, or largest value <= v (whiskers). */
static double dist_bound(const struct dist *d, double v, int upper)
{
    uint64_t lo = 0, hi = d->n - 1;

    /* Binary search over ranks: values are non-decreasing in rank. */
    if (!upper) {
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;

            if (dist_rank(d, mid) >= v)
                hi = mid;
            else
                lo = mid + 1;
        }
        return dist_rank(d, lo);
    }
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;

        if (dist_rank(d, mid) <= v)
            lo = mid;
        else
            hi = mid - 1;
    }
    return dist_rank(d, lo);
}

static const char *gname(const llmperf_metrics *m, size_t i)
{
    return m->g[i]->name;
}

/* Legend of one line per group. */
int llmperf__report_group_legend(const llmperf_metrics *m,
                        struct llmperf__legend_item **out, int marker)
{
    struct llmperf__legend_item *l;

    *out = NULL;
    if (m->groups.n == 0)
        return LLMPERF_OK;
    l = llmperf__calloc(m->groups.n, sizeof(*l));
    if (l == NULL)
        return LLMPERF_ENOMEM;
    for (size_t i = 0; i < m->groups.n; i++) {
        l[i].label = gname(m, i);
        l[i].colour = (int)i;
        l[i].dash = (int)(i / LLMPERF__SVG_COLOURS);
        l[i].marker = marker;
    }
    *out = l;
    return LLMPERF_OK;
}

/* Latency CDFs: at most CDF_POINTS quantiles of each group. */
int llmperf__report_cdf(struct llmperf__sink *s, const llmperf_metrics *m,
                     size_t f, const struct llmperf__legend_item *legend)
{
    struct llmperf__chart c;
    struct dist *d;
    double lo = INFINITY, hi = -INFINITY, xs[CDF_POINTS], ys[CDF_POINTS];
    char title[128], xl[96];
    size_t ng = m->groups.n;
    int rc = LLMPERF_OK, any = 0;

    d = llmperf__calloc(ng ? ng : 1, sizeof(*d));
    if (d == NULL)
        return LLMPERF_ENOMEM;
    for (size_t i = 0; i < ng && rc == LLMPERF_OK; i++) {
        if ((rc = dist_load(m, m->g[i], LAT[f].field, &d[i])) != LLMPERF_OK ||
            d[i].n == 0)
            continue;
        any = 1;
        /* The log axis starts at the smallest positive value. */
        {
            double v = dist_bound(&d[i], DBL_MIN, 0);

            if (v > 0.0)
                lo = fmin(lo, v);
        }
        hi = fmax(hi, dist_rank(&d[i], d[i].n - 1));
    }
    if (rc != LLMPERF_OK || !any) {
        if (rc == LLMPERF_OK)
            llmperf__sink_printf(s, "<p class=\"note\">No %s values "
                                    "(no successful request had one).</p>\n",
                                 LAT[f].axis);
        goto out;
    }
    if (!(lo < INFINITY))
        lo = 0.0;
    memset(&c, 0, sizeof(c));
    llmperf__axis_auto(&c.x, lo * 1e-6, hi * 1e-6, 30.0);
    llmperf__axis_linear(&c.y, 0.0, 1.0, 6);
    snprintf(title, sizeof(title), "%s: cumulative distribution",
             LAT[f].title);
    snprintf(xl, sizeof(xl), "%s (ms%s)", LAT[f].axis,
             c.x.log ? ", log scale" : "");
    llmperf__chart_begin(&c, s, title, xl,
                         f == 2 ? "fraction of gaps \xe2\x89\xa4 x"
                                : "fraction of requests \xe2\x89\xa4 x",
                         PLOT_W, PLOT_H, 0, legend, ng, NULL, 0);
    for (size_t i = 0; i < ng; i++) {
        size_t np = d[i].n < CDF_POINTS ? (size_t)d[i].n : CDF_POINTS;

        if (d[i].n == 0)
            continue;
        for (size_t k = 0; k < np; k++) {
            /* Evenly spaced ranks, the extremes included. */
            uint64_t r = np > 1 ? (uint64_t)((double)k * (double)(d[i].n - 1) /
                                                 (double)(np - 1) +
                                             0.5)
                                : 0;

            xs[k] = dist_rank(&d[i], r) * 1e-6;
            ys[k] = d[i].n > 1 ? (double)(r + 1) / (double)d[i].n : 1.0;
        }
        if (np == 1)
            llmperf__svg_points(&c, xs, ys, 1, (int)i, 4, 1);
        else
            llmperf__svg_polyline(&c, xs, ys, np, (int)i,
                                  (int)(i / LLMPERF__SVG_COLOURS), 2);
    }
    llmperf__chart_end(&c, legend, ng);
out:
    for (size_t i = 0; i < ng; i++)
        dist_free(&d[i]);
    llmperf__free(d);
    return rc;
}

/* Horizontal box plots: one row per group; Tukey whiskers. */
int llmperf__report_box(struct llmperf__sink *s, const llmperf_metrics *m,
                     size_t f)
{
    struct llmperf__chart c;
    struct dist d;
    const char **labels;
    double (*q)[6], lo = INFINITY, hi = -INFINITY, left = 62.0;
    size_t ng = m->groups.n;
    char title[128], xl[96];
    int rc = LLMPERF_OK, any = 0;
    static const double pq[] = {25, 50, 75};

    labels = llmperf__calloc(ng ? ng : 1, sizeof(*labels));
    q = llmperf__calloc(ng ? ng : 1, sizeof(*q));
    if (labels == NULL || q == NULL) {
        rc = LLMPERF_ENOMEM;
        goto out;
    }
    /* q[i]: whisker lo, q1, median, q3, whisker hi, mean; NaN: no data */
    for (size_t i = 0; i < ng; i++) {
        double w;

        labels[i] = gname(m, i);
        w = llmperf__text_width(labels[i], 11.0) + 14.0;
        left = fmax(left, fmin(w, 170.0));
        q[i][0] = NAN;
        if ((rc = dist_load(m, m->g[i], LAT[f].field, &d)) != LLMPERF_OK)
            goto out;
        if (d.n > 0) {
            double iqr;

            for (int k = 0; k < 3; k++)
                llmperf_metrics_percentile(m, gname(m, i), LAT[f].field,
                                           pq[k], &q[i][1 + k]);
            llmperf_metrics_stat(m, gname(m, i), LAT[f].field,
                                 LLMPERF_STAT_MEAN, &q[i][5]);
            iqr = q[i][3] - q[i][1];
            q[i][0] = dist_bound(&d, q[i][1] - 1.5 * iqr, 0);
            q[i][4] = dist_bound(&d, q[i][3] + 1.5 * iqr, 1);
            lo = fmin(lo, q[i][0]);
            hi = fmax(hi, q[i][4]);
            any = 1;
        }
        dist_free(&d);
    }
    if (!any)
        goto out;
    memset(&c, 0, sizeof(c));
    llmperf__axis_auto(&c.x, lo * 1e-6, hi * 1e-6, 30.0);
    snprintf(title, sizeof(title), "%s by group", LAT[f].title);
    snprintf(xl, sizeof(xl), "%s (ms%s)", LAT[f].axis,
             c.x.log ? ", log scale" : "");
    llmperf__chart_begin(&c, s, title, xl, NULL, PLOT_W + 62.0 - left,
                         fmax(60.0, 26.0 * (double)ng), left, NULL, 0,
                         labels, ng);
    {
        double band = (c.py1 - c.py0) / (double)ng;

        for (size_t i = 0; i < ng; i++) {
            double y = c.py0 + band * ((double)i + 0.5);
            double bh = fmin(16, band * 0.6);
            double x0, x1, x2, x3, x4, xm;

            if (isnan(q[i][0]))
                continue;
            x0 = llmperf__chart_x(&c, q[i][0] * 1e-6);
            x1 = llmperf__chart_x(&c, q[i][1] * 1e-6);
            x2 = llmperf__chart_x(&c, q[i][2] * 1e-6);
            x3 = llmperf__chart_x(&c, q[i][3] * 1e-6);
            x4 = llmperf__chart_x(&c, q[i][4] * 1e-6);
            xm = llmperf__chart_x(&c, q[i][5] * 1e-6);
            llmperf__sink_printf(
                s,
                "<g stroke=\"#333\"><line x1=\"%.1f\" y1=\"%.1f\" "
                "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" "
                "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" "
                "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" "
                "x2=\"%.1f\" y2=\"%.1f\"/>"
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"%s\" fill-opacity=\"0.55\"/>"
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke-width=\"2.5\"/>"
                "<path d=\"M%.1f %.1fl4 4l-4 4l-4 -4z\" fill=\"#fff\"/>"
                "</g>\n",
                x0, y, x1, y, x3, y, x4, y, x0, y - bh / 3, x0, y + bh / 3,
                x4, y - bh / 3, x4, y + bh / 3, x1, y - bh / 2,
                fmax(x3 - x1, 1.0), bh, llmperf__colour((int)i), x2,
                y - bh / 2, x2, y + bh / 2, xm, y - 4);
        }
    }
    llmperf__chart_end(&c, NULL, 0);
out:
    llmperf__free(labels);
    llmperf__free(q);
    return rc;
}

/* Scatter of y against x per group, with each group's least-squares line
 * (from all pairs) and r in the legend; at most SCATTER_POINTS drawn. */
int llmperf__report_scatter(struct llmperf__sink *s, const llmperf_metrics *m,
                         int fx, int fy, double yscale, const char *title,
                         const char *xl, const char *yl)
{
    struct llmperf__chart c;
    struct llmperf__legend_item *legend = NULL;
    double **xs = NULL, **ys = NULL, lox = INFINITY, hix = -INFINITY,
           loy = INFINITY, hiy = -INFINITY, *px = NULL, *py = NULL;
    size_t *n = NULL, ng = m->groups.n, total = 0, quota;
    char **lab = NULL;
    int cx, cy, rc = LLMPERF_ENOMEM;

    llmperf__metrics_field(fx, &cx);
    llmperf__metrics_field(fy, &cy);
    if (ng == 0)
        return LLMPERF_OK;
    xs = llmperf__calloc(ng, sizeof(*xs));
    ys = llmperf__calloc(ng, sizeof(*ys));
    n = llmperf__calloc(ng, sizeof(*n));
    lab = llmperf__calloc(ng, sizeof(*lab));
    legend = llmperf__calloc(ng, sizeof(*legend));
    px = llmperf__malloc(SCATTER_POINTS * sizeof(*px));
    py = llmperf__malloc(SCATTER_POINTS * sizeof(*py));
    if (!xs || !ys || !n || !lab || !legend || !px || !py)
        goto out;
    for (size_t i = 0; i < ng; i++) {
        if ((rc = llmperf__metrics_gather2(m, m->g[i], cx, cy, &xs[i], &ys[i],
                                           &n[i])) != LLMPERF_OK)
            goto out;
        total += n[i];
        for (size_t k = 0; k < n[i]; k++) {
            lox = fmin(lox, xs[i][k]);
            hix = fmax(hix, xs[i][k]);
            loy = fmin(loy, ys[i][k] * yscale);
            hiy = fmax(hiy, ys[i][k] * yscale);
        }
    }
    rc = LLMPERF_OK;
    llmperf__sink_printf(s, "<!-- %zu pairs -->\n", total);
    if (total == 0) {
        llmperf__sink_puts(s, "<p class=\"note\">");
        llmperf__sink_html(s, title);
        llmperf__sink_puts(s, ": no request reported both values.</p>\n");
        goto out;
    }
    for (size_t i = 0; i < ng; i++) {
        double r, p;
        char buf[200];

        if (n[i] >= 3 && llmperf_stats_pearson(xs[i], ys[i], n[i], &r, &p) ==
                             LLMPERF_OK)
            snprintf(buf, sizeof(buf), "%s (r=%.2f, n=%zu)", gname(m, i), r,
                     n[i]);
        else
            snprintf(buf, sizeof(buf), "%s (n=%zu)", gname(m, i), n[i]);
        if ((lab[i] = llmperf__strdup(buf)) == NULL) {
            rc = LLMPERF_ENOMEM;
            goto out;
        }
        legend[i].label = lab[i];
        legend[i].colour = (int)i;
        legend[i].dash = (int)(i / LLMPERF__SVG_COLOURS);
    }
    memset(&c, 0, sizeof(c));
    llmperf__axis_linear(&c.x, fmin(lox, 0.0), hix, 9);
    llmperf__axis_linear(&c.y, fmin(loy, 0.0), hiy, 9);
    llmperf__chart_begin(&c, s, title, xl, yl, PLOT_W, PLOT_H, 0, legend, ng,
                         NULL, 0);
    /* An even share of the points for each group with data. */
    {
        size_t with = 0;

        for (size_t i = 0; i < ng; i++)
            with += n[i] > 0;
        quota = SCATTER_POINTS / (with ? with : 1);
    }
    for (size_t i = 0; i < ng; i++) {
        size_t k = n[i] < quota ? n[i] : quota;

        for (size_t j = 0; j < k; j++) {
            size_t at = (size_t)((double)j * (double)n[i] / (double)k);

            px[j] = xs[i][at];
            py[j] = ys[i][at] * yscale;
        }
        llmperf__svg_points(&c, px, py, k, (int)i,
                            total > SCATTER_POINTS / 2 ? 2.0 : 3.0, 0.45);
    }
    for (size_t i = 0; i < ng; i++) {
        double mx, my, sx, sy, r, p, slope, x0 = INFINITY, x1 = -INFINITY;

        if (n[i] < 3 ||
            llmperf_stats_pearson(xs[i], ys[i], n[i], &r, &p) != LLMPERF_OK ||
            llmperf_stats_mean(xs[i], n[i], &mx) != LLMPERF_OK ||
            llmperf_stats_mean(ys[i], n[i], &my) != LLMPERF_OK ||
            llmperf_stats_stddev(xs[i], n[i], &sx) != LLMPERF_OK ||
            llmperf_stats_stddev(ys[i], n[i], &sy) != LLMPERF_OK ||
            llmperf_stats_min_max(xs[i], n[i], &x0, &x1) != LLMPERF_OK)
            continue;
        /* Least squares: slope = r sy / sx through the means. */
        slope = r * sy / sx;
        llmperf__svg_line(&c, x0, (my + slope * (x0 - mx)) * yscale, x1,
                          (my + slope * (x1 - mx)) * yscale, (int)i,
                          (int)(i / LLMPERF__SVG_COLOURS), 2.5);
    }
    llmperf__chart_end(&c, legend, ng);
out:
    for (size_t i = 0; i < ng; i++) {
        if (xs != NULL)
            llmperf__free(xs[i]);
        if (ys != NULL)
            llmperf__free(ys[i]);
        if (lab != NULL)
            llmperf__free(lab[i]);
    }
    llmperf__free(xs);
    llmperf__free(ys);
    llmperf__free(n);
    llmperf__free(lab);
    llmperf__free(legend);
    llmperf__free(px);
    llmperf__free(py);
    return rc;
}

/* ---- sweeps ----------------------------------------------------------- */

static int cmp_idx_value(const void *a, const void *b, const llmperf_metrics *m)
{
    double x = m->g[*(const size_t *)a]->sweep_value;
    double y = m->g[*(const size_t *)b]->sweep_value;

    return (x > y) - (x < y);
}

/* Insertion sort by sweep value: sweeps have few points. */
static void sort_by_value(size_t *idx, size_t n, const llmperf_metrics *m)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp_idx_value(&idx[j - 1], &idx[j], m) > 0;
             j--) {
            size_t t = idx[j];

            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
}

static int same(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * One sweep chart over param: per series, a line through the groups'
 * values of `which` (a run stat when field is 0) or of percentiles
 * pq[0..npq) of field (solid, dashed, dotted).
 */
static int chart_sweep(struct llmperf__sink *s, const llmperf_metrics *m,
                       const char *param, int which, int field,
                       const double *pq, size_t npq, double scale,
                       const char *title, const char *yl)
{
    struct llmperf__chart c;
    struct llmperf__legend_item *legend = NULL;
    const char **series = NULL;
    size_t *idx = NULL, ng = m->groups.n, nser = 0, nl = 0, cnt;
    double *xv = NULL, *yv = NULL, lox = INFINITY, hix = -INFINITY,
           loy = INFINITY, hiy = -INFINITY;
    char **lab = NULL, xl[160];
    int rc = LLMPERF_ENOMEM;

    idx = llmperf__calloc(ng, sizeof(*idx));
    series = llmperf__calloc(ng, sizeof(*series));
    xv = llmperf__calloc(ng, sizeof(*xv));
    yv = llmperf__calloc(ng, sizeof(*yv));
    legend = llmperf__calloc(ng * (npq ? npq : 1), sizeof(*legend));
    lab = llmperf__calloc(ng * (npq ? npq : 1), sizeof(*lab));
    if (!idx || !series || !xv || !yv || !legend || !lab)
        goto out;
    /* Series in order of first appearance. */
    for (size_t i = 0; i < ng; i++) {
        const struct llmperf__group *g = m->g[i];
        size_t k;

        if (!g->has_sweep || strcmp(g->sweep_param, param) != 0)
            continue;
        for (k = 0; k < nser && !same(series[k], g->sweep_series); k++)
            ;
        if (k == nser)
            series[nser++] = g->sweep_series;
    }
    /* Ranges first (the axes are drawn before the lines). */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            memset(&c, 0, sizeof(c));
            llmperf__axis_auto(&c.x, lox, hix, 50.0);
            llmperf__axis_linear(&c.y, fmin(0.0, loy), hiy, 7);
            snprintf(xl, sizeof(xl), "%s%s", param,
                     c.x.log ? " (log scale)" : "");
            llmperf__chart_begin(&c, s, title, xl, yl, PLOT_W, PLOT_H, 0,
                                 legend, nl, NULL, 0);
        }
        for (size_t k = 0; k < nser; k++)
            for (size_t p = 0; p < (npq ? npq : 1); p++) {
                cnt = 0;
                for (size_t i = 0; i < ng; i++) {
                    const struct llmperf__group *g = m->g[i];

                    if (g->has_sweep && strcmp(g->sweep_param, param) == 0 &&
                        same(g->sweep_series, series[k]))
                        idx[cnt++] = i;
                }
                sort_by_value(idx, cnt, m);
                {
                    size_t np = 0;

                    for (size_t j = 0; j < cnt; j++) {
                        double v;
                        int ok = field != 0
                                     ? llmperf_metrics_percentile(
                                           m, gname(m, idx[j]), field, pq[p],
                                           &v) == LLMPERF_OK
                                     : llmperf_metrics_run_stat(
                                           m, gname(m, idx[j]), which, &v) ==
                                           LLMPERF_OK;

                        if (!ok)
                            continue;
                        xv[np] = m->g[idx[j]]->sweep_value;
                        yv[np++] = v * scale;
                    }
                    if (pass == 0) {
                        char buf[200];

                        for (size_t j = 0; j < np; j++) {
                            lox = fmin(lox, xv[j]);
                            hix = fmax(hix, xv[j]);
                            loy = fmin(loy, yv[j]);
                            hiy = fmax(hiy, yv[j]);
                        }
                        if (npq)
                            snprintf(buf, sizeof(buf), "%s%sp%g",
                                     series[k] ? series[k] : "",
                                     series[k] ? " " : "", pq[p]);
                        else
                            snprintf(buf, sizeof(buf), "%s",
                                     series[k] ? series[k] : param);
                        if ((lab[nl] = llmperf__strdup(buf)) == NULL)
                            goto out;
                        legend[nl].label = lab[nl];
                        legend[nl].colour = (int)k;
                        legend[nl].dash = (int)p;
                        nl++;
                    } else {
                        llmperf__svg_polyline(&c, xv, yv, np, (int)k, (int)p,
                                              2);
                        llmperf__svg_points(&c, xv, yv, np, (int)k, 3.5, 1);
                    }
                }
            }
        if (pass == 0 && !(lox <= hix)) {
            rc = LLMPERF_OK; /* nothing to draw */
            goto out;
        }
    }
    llmperf__chart_end(&c, legend, nl);
    rc = LLMPERF_OK;
out:
    for (size_t i = 0; lab != NULL && i < ng * (npq ? npq : 1); i++)
        llmperf__free(lab[i]);
    llmperf__free(lab);
    llmperf__free(legend);
    llmperf__free(idx);
    llmperf__free(series);
    llmperf__free(xv);
    llmperf__free(yv);
    return rc;
}

int llmperf__report_sweeps(struct llmperf__sink *s, const llmperf_metrics *m)
{
    static const double pq[] = {50, 99};
    int rc = LLMPERF_OK;

    for (size_t i = 0; i < m->groups.n && rc == LLMPERF_OK; i++) {
        const char *param = m->g[i]->sweep_param;
        char title[200], yl[64];
        size_t j;

        if (!m->g[i]->has_sweep)
            continue;
        for (j = 0; j < i; j++) /* each param once */
            if (m->g[j]->has_sweep && strcmp(m->g[j]->sweep_param, param) == 0)
                break;
        if (j < i)
            continue;
        llmperf__sink_puts(s, "<h2>Sweep over ");
        llmperf__sink_html(s, param);
        llmperf__sink_puts(s, "</h2>\n<div class=\"charts\">\n");
        snprintf(title, sizeof(title), "Output throughput vs %s", param);
        rc = chart_sweep(s, m, param, LLMPERF_RUN_OUTPUT_THROUGHPUT, 0, NULL,
                         0, 1, title, "output tokens/s");
        snprintf(title, sizeof(title), "Request throughput vs %s", param);
        if (rc == LLMPERF_OK)
            rc = chart_sweep(s, m, param, LLMPERF_RUN_REQUEST_THROUGHPUT, 0,
                             NULL, 0, 1, title, "requests/s");
        for (size_t f = 0; f < LLMPERF__REPORT_NLAT && rc == LLMPERF_OK;
             f++) {
            snprintf(title, sizeof(title), "%s p50 and p99 vs %s",
                     LAT[f].axis, param);
            snprintf(yl, sizeof(yl), "%s (ms)", LAT[f].axis);
            rc = chart_sweep(s, m, param, 0, LAT[f].field, pq, 2, 1e-6, title,
                             yl);
        }
        llmperf__sink_puts(s, "</div>\n");
    }
    return rc;
}

