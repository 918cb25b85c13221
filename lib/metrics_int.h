/* SPDX-License-Identifier: MIT */
/*
 * metrics_int.h -- the accumulator's storage, shared by metrics.c (add,
 * merge, groups), metrics_query.c (statistics) and the writers of
 * summaries and reports, which read values through the gather helpers.
 */
#ifndef LLMPERF_METRICS_INT_H
#define LLMPERF_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "llmperf/metrics.h"
#include "result_int.h"

/* Numeric columns: every int64 field, then every double field. */
#define LLMPERF__M_NI64 (LLMPERF__RESULT_LAST_I64 - LLMPERF_FIELDKIND_I64)
#define LLMPERF__M_NF64 (LLMPERF__RESULT_LAST_F64 - LLMPERF_FIELDKIND_F64)
#define LLMPERF__M_NCOL (LLMPERF__M_NI64 + LLMPERF__M_NF64)

/* ITL code: 16 bits, 64 blocks of 1024 codes (see itl_encode()). */
#define LLMPERF__ITL_BLOCKS 64
#define LLMPERF__ITL_BLOCK 1024

#define LLMPERF__NO_PROMPT UINT32_MAX
#define LLMPERF__MAX_PCTS 32

/*
 * One numeric field of one group: a presence bit per row, and the values
 * of the rows that have one, densely, in row order (an int64, or the bits
 * of a double for the double fields).
 */
struct llmperf__col {
    uint64_t *bits;
    int64_t *v;
    size_t n, cap;
};

struct llmperf__group {
    char *name;
    size_t rows;
    size_t words;          /* capacity of every bitmap, in 64-bit words */
    uint64_t *ok;          /* status == LLMPERF_OK                      */
    struct llmperf__col col[LLMPERF__M_NCOL];
    uint32_t *prompt;      /* per row; NULL until a prompt id is used   */
    int64_t *class_fail;   /* failures by class index                   */
    size_t n_class;
    uint64_t *itl[LLMPERF__ITL_BLOCKS]; /* pooled ITL histogram          */
    uint64_t itl_n;
    char *sweep_param, *sweep_series;
    double sweep_value;
    int has_sweep;
};

/* Interned strings with a hash index (groups, prompts, error classes). */
struct llmperf__strset {
    char **s;
    size_t n, cap;
    uint32_t *slot;        /* open addressing; UINT32_MAX empty        */
    size_t nslot;          /* power of two                              */
};

#define LLMPERF__N_INFO 7

struct llmperf_metrics {
    struct llmperf__group **g;   /* index = position in `groups` set  */
    struct llmperf__strset groups, prompts, classes;
    int64_t slo[3];              /* ttft, tpot, e2e                     */
    int has_slo[3];
    double pct[LLMPERF__MAX_PCTS];
    size_t n_pct;
    char *info[LLMPERF__N_INFO];
    int start_from; /* 0 default clock, 1 from records, 2 set by caller */
    char errmsg[512];
};

/*
 * Validate a field id for a numeric query: OK with *col (-1 for
 * LLMPERF_METRICS_ITL_NS); ENOTFOUND for an unknown id; EINVAL for a
 * string field.
 */
int llmperf__metrics_field(int field, int *col);

/* Whether a column counts failed requests too (the "attempt" fields). */
int llmperf__metrics_col_all_rows(int col);

/* Group by name; NULL when absent. */
struct llmperf__group *llmperf__metrics_find(const llmperf_metrics *m,
                                             const char *name);

/*
 * Values of a numeric column in a group (or every group when g is NULL)
 * as doubles, in row order: a new array in *out (NULL when *n is 0) that
 * the caller frees with llmperf__free. OK or ENOMEM.
 */
int llmperf__metrics_gather(const llmperf_metrics *m,
                            const struct llmperf__group *g, int col,
                            double **out, size_t *n);

/* Pairs of two columns over the rows having both. OK or ENOMEM. */
int llmperf__metrics_gather2(const llmperf_metrics *m,
                             const struct llmperf__group *g, int cx, int cy,
                             double **x, double **y, size_t *n);

/* Every per-prompt CV of a group (NULL: all), in a new array (NULL when
 * *n is 0) the caller frees; returns as llmperf_metrics_prompt_cvs(). */
int llmperf__metrics_cvs(const llmperf_metrics *m, const char *group,
                         int field, double **cv, size_t *n);

/* Decoded value of an ITL code, in ns. */
double llmperf__itl_value(unsigned code);
/* ITL code of a gap in ns (gap >= 0). */
unsigned llmperf__itl_encode(int64_t gap);

/*
 * Pooled ITL histogram of a group (or every group): counts per code, a
 * new array of 65536 counts the caller frees, and the total. OK, ENOMEM.
 */
int llmperf__metrics_itl_hist(const llmperf_metrics *m,
                              const struct llmperf__group *g,
                              uint64_t **counts, uint64_t *total);

/* Bytes the accumulator has allocated (benchmarks). */
size_t llmperf__metrics_bytes(const llmperf_metrics *m);

/* Set the errmsg and return code. */
int llmperf__metrics_err(llmperf_metrics *m, int code, const char *fmt, ...)
    LLMPERF__PRINTF(3, 4);

/*
 * Start time from a record's wall-clock time (ISO 8601, UTC): keeps the
 * earliest unless the caller set LLMPERF_INFO_START_TIME. OK or ENOMEM.
 */
int llmperf__metrics_record_time(llmperf_metrics *m, const char *iso);

/* JSON object text, compacted and with secret-looking members replaced
 * by "REDACTED", in a new string; EINVAL when not one object. */
int llmperf__clean_params(const char *text, char **out);

/* Current wall-clock time as "YYYY-MM-DDTHH:MM:SS.mmmZ" (buf >= 32). */
void llmperf__iso8601_now(char *buf, size_t len);
/* Wall-clock time of a CLOCK_MONOTONIC instant, same format. */
void llmperf__iso8601_mono(char *buf, size_t len, int64_t mono_ns);

#endif /* LLMPERF_METRICS_INT_H */
