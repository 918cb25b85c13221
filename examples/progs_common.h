/* SPDX-License-Identifier: MIT */
/*
 * progs_common.h -- what llmperf-bench, llmperf-analyze and
 * llmperf-compare share: one-line error messages, parsing of flag values
 * and lists, reading result directories, and the summary table. Output
 * formatting only: every measurement and statistic comes from the
 * library.
 */
#ifndef LLMPERF_PROGS_COMMON_H
#define LLMPERF_PROGS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <llmperf/llmperf.h>

/* Exit statuses shared by the three programs (docs/CLI.md). */
#define PROG_EXIT_OK 0
#define PROG_EXIT_FAIL 1     /* nothing measured / cannot read input */
#define PROG_EXIT_USAGE 2    /* bad flag or flag value                */
#define PROG_EXIT_REGRESS 3  /* llmperf-compare: regression found     */
#define PROG_EXIT_INTR 130   /* llmperf-bench: stopped by Ctrl-C      */

#if defined(__GNUC__)
#define PROG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PROG_PRINTF(a, b)
#endif

/* The program name used as the prefix of every message. */
extern const char *prog_name;

/* "prog: message\n" on stderr. */
void prog_err(const char *fmt, ...) PROG_PRINTF(1, 2);

/* Parse a whole string as a number; 0 on success, -1 otherwise. */
int prog_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int prog_parse_f64(const char *s, double min, double max, double *out);

/*
 * Parse a comma-separated list of numbers into a new array (*out, free
 * with free()); *n gets the count. 0 on success, -1 on a bad element.
 */
int prog_parse_i64_list(const char *s, int64_t min, int64_t max,
                        int64_t **out, size_t *n);
int prog_parse_f64_list(const char *s, double min, double max,
                        double **out, size_t *n);

/*
 * The records.jsonl of a path: the path itself when it is a file, or
 * PATH/records.jsonl for a directory. Returns a new string (free()), or
 * NULL when neither exists (message printed).
 */
char *prog_records_path(const char *path);

/*
 * Read records from path (file or directory) into m. group NULL keeps
 * each record's own group; otherwise every record goes to that group.
 * Prints one line and returns non-zero on failure; *count gets the
 * number of records read.
 */
int prog_read_records(llmperf_metrics *m, const char *path,
                      const char *group, size_t *count);


/* Print the per-group summary table (Markdown) of m to f. */
void prog_print_summary(FILE *f, const llmperf_metrics *m);

/* A statistic of a field in ms (ns fields) or as is; NAN when undefined. */
double prog_stat(const llmperf_metrics *m, const char *group, int field,
                 int stat);
double prog_pct(const llmperf_metrics *m, const char *group, int field,
                double q);
double prog_run(const llmperf_metrics *m, const char *group, int which);

/* Format v with the given decimals, or "-" for NAN, into buf. */
const char *prog_fmt(char *buf, size_t cap, double v, int decimals);

#endif /* LLMPERF_PROGS_COMMON_H */
