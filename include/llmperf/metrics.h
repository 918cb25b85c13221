/* SPDX-License-Identifier: MIT */
/*
 * llmperf/metrics.h -- the accumulator: results added one at a time, by
 * group, kept as compact per-request rows; statistics per group and
 * overall, run aggregates (throughput, goodput), correlations, rank tests
 * across groups and within-run repeatability.
 *
 * A group is a label the caller chooses (a model, a concurrency level, a
 * prompt category...). Every query takes a group name, or NULL for all
 * groups together ("overall").
 *
 * Fields are the numeric field ids of llmperf/result.h (the int64 and
 * double ranges), plus LLMPERF_METRICS_ITL_NS below. Statistics are in
 * the field's own unit: nanoseconds for *_NS fields, tokens, tokens/s.
 *
 * Which requests count: fields that describe the attempt itself
 * (scheduled_ns, sent_ns, client_lag_ns, status, http_status,
 * bytes_received, new_connections) use every request; every other field
 * (latencies, token counts, server timings) uses successful requests
 * (status == LLMPERF_OK) only. A request without a value for a field
 * (e.g. no prompt_tokens reported) does not count for that field.
 *
 * Statistics never return NaN: a statistic that is not defined for the
 * data (no values, one value for a standard deviation, a zero mean for a
 * CV) returns LLMPERF_EUNDEFINED. An unknown group or field id gives
 * LLMPERF_ENOTFOUND; a string field where a number is needed gives
 * LLMPERF_EINVAL. On any status but LLMPERF_OK outputs are untouched.
 *
 * Thread rule: one accumulator is used by one thread at a time (queries
 * take a const pointer and change nothing, so several threads may query
 * one accumulator that nobody modifies). To measure from several threads
 * or processes, give each its own accumulator and combine them with
 * llmperf_metrics_merge(). docs/FORMATS.md describes the storage.
 */
#ifndef LLMPERF_METRICS_H
#define LLMPERF_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/common.h"
#include "llmperf/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The accumulator (opaque). Create with llmperf_metrics_new(). */
typedef struct llmperf_metrics llmperf_metrics;

/* Base of the pseudo-field range: values the accumulator derives. */
#define LLMPERF_FIELDKIND_METRICS 3000

/*
 * [itl_ns] Inter-token latency, pooled: the gaps between consecutive
 * content chunks of every successful request (vLLM's ITL). Supports
 * llmperf_metrics_stat() and llmperf_metrics_percentile(); not a
 * per-request value, so the correlation and two-sample functions reject
 * it with LLMPERF_EINVAL (use LLMPERF_RESULT_TPOT_NS there).
 *
 * Gaps are stored in a 16-bit code with a relative precision of 2^-11
 * (0.05%; exact below 2048 ns), so ITL statistics are those of the coded
 * values. docs/FORMATS.md explains the code and why it is precise enough.
 */
#define LLMPERF_METRICS_ITL_NS (LLMPERF_FIELDKIND_METRICS + 1)

/* Statistics of one field (llmperf_metrics_stat()). Numbers are ABI. */
typedef enum llmperf_stat {
    LLMPERF_STAT_COUNT = 1,   /* number of values (0 is a valid answer)  */
    LLMPERF_STAT_MEAN = 2,    /* arithmetic mean                         */
    LLMPERF_STAT_STD = 3,     /* sample standard deviation (n - 1)       */
    LLMPERF_STAT_STD_POP = 4, /* population standard deviation (n), the
                                 std_* of vLLM's summaries               */
    LLMPERF_STAT_CV = 5,      /* sample std / mean                       */
    LLMPERF_STAT_MIN = 6,
    LLMPERF_STAT_MAX = 7,
    LLMPERF_STAT_MEDIAN = 8   /* the 50th percentile                     */
} llmperf_stat;

/* Aggregates of a run or group (llmperf_metrics_run_stat()). ABI. */
typedef enum llmperf_run_stat {
    LLMPERF_RUN_REQUESTS = 1,   /* requests added                        */
    LLMPERF_RUN_COMPLETED = 2,  /* successful requests                   */
    LLMPERF_RUN_FAILED = 3,     /* requests - completed                  */
    LLMPERF_RUN_GOOD = 4,       /* successful requests meeting every SLO
                                   set; LLMPERF_EUNDEFINED with no SLO    */
    LLMPERF_RUN_DURATION_NS = 5, /* first send to last completion (end
                                   of the last response), ns             */
    LLMPERF_RUN_TOTAL_INPUT_TOKENS = 6,  /* sum of prompt_tokens over
                                   successful requests                   */
    LLMPERF_RUN_TOTAL_OUTPUT_TOKENS = 7, /* sum of output_tokens over
                                   successful requests                   */
    LLMPERF_RUN_REQUEST_THROUGHPUT = 8,  /* completed / duration, 1/s    */
    LLMPERF_RUN_OUTPUT_THROUGHPUT = 9,   /* output tokens / duration     */
    LLMPERF_RUN_TOTAL_TOKEN_THROUGHPUT = 10, /* (input + output tokens)
                                   / duration                            */
    LLMPERF_RUN_REQUEST_GOODPUT = 11     /* good / duration, 1/s         */
} llmperf_run_stat;

/* Run description (llmperf_metrics_set_info()). Numbers are ABI. */
typedef enum llmperf_info {
    LLMPERF_INFO_BACKEND = 1,    /* e.g. "openai-chat"                    */
    LLMPERF_INFO_URL = 2,        /* base URL; stored WITHOUT credentials:
                                    user:password@ is removed and query
                                    values of key/token/secret/password/
                                    auth/sig parameters are redacted      */
    LLMPERF_INFO_MODEL = 3,
    LLMPERF_INFO_PARAMS = 4,     /* a JSON object of run parameters; must
                                    parse as an object; members whose
                                    names look like secrets (api_key,
                                    authorization, token, password...)
                                    are stored as "REDACTED"              */
    LLMPERF_INFO_START_TIME = 5, /* wall clock, ISO 8601; defaults to the
                                    time llmperf_metrics_new() ran        */
    LLMPERF_INFO_HOST = 6,       /* defaults to gethostname()             */
    LLMPERF_INFO_TITLE = 7       /* title of the HTML report              */
} llmperf_info;

/*
 * llmperf_metrics_new -- an empty accumulator. Default percentiles are
 * 50, 90, 95 and 99; no SLO is set. Returns LLMPERF_OK, or
 * LLMPERF_EINVAL (out NULL) / LLMPERF_ENOMEM with *out = NULL.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_new(llmperf_metrics **out);

/* llmperf_metrics_free -- release m. NULL is ignored. Added in 0.1. */
LLMPERF_API void llmperf_metrics_free(llmperf_metrics *m);

/*
 * llmperf_metrics_errmsg -- detail of the last failure of a call that
 * modified m (add, merge, reading records: "records.jsonl:17: ..."). Owned
 * by m, valid until the next such call; never NULL (may be "").
 * Added in 0.1.
 */
LLMPERF_API const char *llmperf_metrics_errmsg(const llmperf_metrics *m);

/*
 * llmperf_metrics_add -- add one result to a group (created on first
 * use; group NULL means the group named "default"). The result is not
 * kept: its numeric fields, error class and ITL gaps are copied into
 * compact rows; the caller still owns and frees it.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL m or r, a result without
 * a status, chunks whose times go backwards, or a non-finite double
 * field (the reason is in llmperf_metrics_errmsg()); LLMPERF_ENOMEM.
 * On failure nothing is added. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_add(llmperf_metrics *m,
                                    const llmperf_result *r,
                                    const char *group);

/*
 * llmperf_metrics_add_prompt -- llmperf_metrics_add() with the identity
 * of the prompt the request used (any string: an index, a hash, a
 * dataset id; copied). Requests with the same prompt id in one group are
 * iterations of that prompt: llmperf_metrics_repeatability() measures
 * how much they vary. prompt_id NULL is the same as llmperf_metrics_add().
 * Returns as llmperf_metrics_add(). Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_add_prompt(llmperf_metrics *m,
                                           const llmperf_result *r,
                                           const char *group,
                                           const char *prompt_id);

/*
 * llmperf_metrics_merge -- add everything in src to dst: groups of the
 * same name are combined, src's rows going after dst's, new groups are
 * appended in src's order. Every statistic of dst afterwards is
 * bit-for-bit the one obtained by adding dst's results and then src's to
 * one accumulator. dst keeps its own SLOs, percentiles and run info; a
 * group's sweep attribute and any info unset in dst are taken from src.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL or identical handles;
 * LLMPERF_ENOMEM (dst unchanged). src is not modified. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_merge(llmperf_metrics *dst,
                                      const llmperf_metrics *src);

/*
 * llmperf_metrics_group_count -- number of groups, in the order they
 * were created. Returns LLMPERF_OK, or LLMPERF_EINVAL for NULL.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_group_count(const llmperf_metrics *m,
                                            size_t *n);

/*
 * llmperf_metrics_group_name -- name of the group at index (0-based,
 * creation order). *name is borrowed from m, valid until m is freed.
 * Returns LLMPERF_OK; LLMPERF_ENOTFOUND for index >= count;
 * LLMPERF_EINVAL for NULL. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_group_name(const llmperf_metrics *m,
                                           size_t index, const char **name);

/*
 * llmperf_metrics_set_sweep -- say that a group is one point of a sweep:
 * param is what was varied ("concurrency", "request_rate", "max_tokens"),
 * value its numeric value for this group, series an optional label that
 * separates several curves over the same param (e.g. one per model;
 * NULL for one curve). The HTML report draws throughput and latency
 * against param for the groups that share it. Strings are copied; the
 * group is created if it does not exist yet.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL m, group or param, an empty
 * param or a non-finite value; LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_set_sweep(llmperf_metrics *m,
                                          const char *group,
                                          const char *param, double value,
                                          const char *series);

/*
 * llmperf_metrics_get_sweep -- a group's sweep attribute. *param and
 * *series are borrowed (*series NULL when none was given); any output
 * pointer may be NULL. Returns LLMPERF_OK; LLMPERF_ENOTFOUND for an
 * unknown group or one without a sweep attribute; LLMPERF_EINVAL for
 * NULL m or group. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_get_sweep(const llmperf_metrics *m,
                                          const char *group,
                                          const char **param, double *value,
                                          const char **series);

/*
 * llmperf_metrics_set_slo -- a service-level objective for goodput:
 * field is LLMPERF_RESULT_TTFT_NS, LLMPERF_RESULT_TPOT_NS or
 * LLMPERF_RESULT_E2E_NS, limit_ns the largest value a good request may
 * have (a negative limit removes the SLO). A successful request is good
 * when it meets every SLO set (vLLM's definition); a request without a
 * TPOT (one output token) meets the TPOT SLO, one without a TTFT or E2E
 * does not meet theirs.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL m or another field.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_set_slo(llmperf_metrics *m, int field,
                                        int64_t limit_ns);

/*
 * llmperf_metrics_get_slo -- the SLO set for field. Returns LLMPERF_OK and
 * *limit_ns; LLMPERF_ENOTFOUND when none is set; LLMPERF_EINVAL for NULL
 * or a field that cannot have one. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_get_slo(const llmperf_metrics *m, int field,
                                        int64_t *limit_ns);

/*
 * llmperf_metrics_set_percentiles -- the percentiles summaries and
 * reports list (q[i] in [0, 100], copied, at most 32). n = 0 restores the
 * default {50, 90, 95, 99}. Returns LLMPERF_OK; LLMPERF_EINVAL for NULL,
 * n > 32 or a q out of range. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_set_percentiles(llmperf_metrics *m,
                                                const double *q, size_t n);

/*
 * llmperf_metrics_get_percentiles -- the list set above. *q is borrowed,
 * valid until the next set. Returns LLMPERF_OK or LLMPERF_EINVAL.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_get_percentiles(const llmperf_metrics *m,
                                                const double **q,
                                                size_t *n);

/*
 * llmperf_metrics_set_info -- describe the run (llmperf_info keys).
 * value is copied (after removing credentials, see LLMPERF_INFO_URL and
 * LLMPERF_INFO_PARAMS); NULL clears the key. Never pass an API key here:
 * it would not be written, but it has no place in run metadata.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL m, an unknown key, or
 * PARAMS that is not a JSON object; LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_set_info(llmperf_metrics *m, int key,
                                         const char *value);

/*
 * llmperf_metrics_get_info -- a run description value, borrowed from m
 * until it is set again. HOST falls back to the host name. Returns
 * LLMPERF_OK; LLMPERF_ENOTFOUND when unset; LLMPERF_EINVAL for NULL or an
 * unknown key. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_get_info(const llmperf_metrics *m, int key,
                                         const char **value);

/*
 * llmperf_metrics_stat -- one statistic (llmperf_stat) of a field over a
 * group (NULL: all groups). Means, deviations and percentiles are those
 * of llmperf/stats.h on the group's values in the order they were added.
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EUNDEFINED (no value, n < 2 for a
 * standard deviation, zero mean for a CV); LLMPERF_ENOTFOUND for an
 * unknown group or field; LLMPERF_EINVAL for NULL m or out, a string
 * field or an unknown stat; LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_stat(const llmperf_metrics *m,
                                     const char *group, int field, int stat,
                                     double *out);

/*
 * llmperf_metrics_percentile -- the q-th percentile (q in [0, 100],
 * linear interpolation as numpy.percentile) of a field over a group.
 * Returns as llmperf_metrics_stat(); q out of range is LLMPERF_EINVAL.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_percentile(const llmperf_metrics *m,
                                           const char *group, int field,
                                           double q, double *out);

/*
 * llmperf_metrics_run_stat -- a run aggregate (llmperf_run_stat) of a
 * group or (NULL) of everything. Counts are returned as exact doubles.
 * Throughputs are per second of LLMPERF_RUN_DURATION_NS; over several
 * groups the duration runs from the first send of any group to the last
 * completion of any group.
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EUNDEFINED for a duration of zero
 * or no request, and for GOOD / REQUEST_GOODPUT when no SLO is set;
 * LLMPERF_ENOTFOUND for an unknown group; LLMPERF_EINVAL for NULL or an
 * unknown aggregate. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_run_stat(const llmperf_metrics *m,
                                         const char *group, int which,
                                         double *out);

/*
 * llmperf_metrics_error_class -- failed requests by error class (the
 * result's error_class: "connect", "timeout", "http"...). Lists the
 * index-th class with at least one failure in the group (NULL: all), in
 * the order classes were first seen; *name is borrowed from m, *count the
 * number of failures. Either output may be NULL.
 *
 * Returns LLMPERF_OK; LLMPERF_ENOTFOUND past the last class or for an
 * unknown group; LLMPERF_EINVAL for NULL m. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_error_class(const llmperf_metrics *m,
                                            const char *group, size_t index,
                                            const char **name,
                                            int64_t *count);

/*
 * llmperf_metrics_pearson -- Pearson's r between two fields over the
 * requests of a group (NULL: all) that have both, with its two-sided p
 * (llmperf_stats_pearson()). E.g. prompt tokens vs TTFT.
 * Returns as llmperf_metrics_stat(); LLMPERF_EUNDEFINED for fewer than 3
 * pairs or a constant field. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_pearson(const llmperf_metrics *m,
                                        const char *group, int field_x,
                                        int field_y, double *r, double *p);

/*
 * llmperf_metrics_spearman -- Spearman's rho and its p-value between two
 * fields (llmperf_stats_spearman()). Returns as llmperf_metrics_pearson().
 * Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_spearman(const llmperf_metrics *m,
                                         const char *group, int field_x,
                                         int field_y, double *rho,
                                         double *p);

/*
 * llmperf_metrics_kruskal -- Kruskal-Wallis H test that a field has the
 * same distribution in every group (llmperf_stats_kruskal(); groups
 * without values are left out). Returns as llmperf_metrics_stat();
 * LLMPERF_EUNDEFINED for fewer than two groups with values.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_kruskal(const llmperf_metrics *m, int field,
                                        double *h, double *p);

/*
 * llmperf_metrics_mannwhitney -- Mann-Whitney U test between two groups
 * (llmperf_stats_mannwhitney(); *u is U of group_a). Returns as
 * llmperf_metrics_stat(). Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_mannwhitney(const llmperf_metrics *m,
                                            int field, const char *group_a,
                                            const char *group_b, double *u,
                                            double *p);

/*
 * llmperf_metrics_median_ratio -- median of group_b divided by median of
 * group_a, with a percentile-bootstrap confidence interval at level
 * (e.g. 0.95) from `resamples` resamples seeded by seed
 * (llmperf_stats_bootstrap_ratio_ci(); deterministic). A ratio of 1.2 on
 * TTFT means b's median TTFT is 20% above a's.
 *
 * Returns as llmperf_metrics_stat(); LLMPERF_EUNDEFINED when a group has
 * no value or a baseline median is 0; LLMPERF_EINVAL for level outside
 * (0, 1) or resamples = 0. Time O(resamples * (na + nb)). Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_median_ratio(const llmperf_metrics *m,
                                             int field, const char *group_a,
                                             const char *group_b,
                                             double level, size_t resamples,
                                             uint64_t seed, double *ratio,
                                             double *lo, double *hi);

/*
 * llmperf_metrics_prompt_cvs -- within-run repeatability: for each prompt
 * id with at least two values of field in the group (NULL: every group,
 * each (group, prompt) pair on its own), the CV (sample std / mean) of
 * its values across iterations. Prompts with a zero mean are left out.
 * Writes up to cap values to out (group order, then order of first
 * appearance of the prompt id) and the number available to *n.
 *
 * Returns LLMPERF_OK; LLMPERF_EBUFS when cap < *n (out then holds the
 * first cap values; out may be NULL with cap 0 to ask the size);
 * LLMPERF_ENOTFOUND / LLMPERF_EINVAL as llmperf_metrics_stat();
 * LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_prompt_cvs(const llmperf_metrics *m,
                                           const char *group, int field,
                                           double *out, size_t cap,
                                           size_t *n);

/*
 * llmperf_metrics_repeatability -- a statistic (llmperf_stat) of the
 * per-prompt CVs of llmperf_metrics_prompt_cvs(): COUNT is the number of
 * prompts measured, MEDIAN the typical CV, MAX the worst prompt.
 * Returns as llmperf_metrics_stat(). Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_repeatability(const llmperf_metrics *m,
                                              const char *group, int field,
                                              int stat, double *out);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_METRICS_H */
