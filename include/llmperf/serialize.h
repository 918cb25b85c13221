/* SPDX-License-Identifier: MIT */
/*
 * llmperf/serialize.h -- the files of a run: per-request records as JSON
 * Lines (records.jsonl) or CSV (records.csv), written as each result
 * arrives; reading records.jsonl back (into an accumulator or result by
 * result); and summary.json, the per-group aggregates with the key names
 * of vLLM's `bench serve`. docs/FORMATS.md specifies every format.
 *
 * Output goes either to a writer callback or to a path. Callbacks have
 * the shape of llmperf_write_cb; a non-zero return stops the call with
 * LLMPERF_EIO. Functions that fill a caller's buffer return
 * LLMPERF_EBUFS and the size needed when it is too small.
 *
 * Every file written is valid UTF-8: bytes that are not (a server may
 * send anything) are written as U+FFFD. No API key or URL credential is
 * ever written (see LLMPERF_INFO_URL in llmperf/metrics.h).
 *
 * Thread rule: one writer or reader handle is used by one thread at a
 * time; different handles are independent.
 */
#ifndef LLMPERF_SERIALIZE_H
#define LLMPERF_SERIALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/common.h"
#include "llmperf/metrics.h"
#include "llmperf/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A writer callback: consume len bytes of buf (not NUL-terminated,
 * borrowed for the call). Return 0 on success, non-zero to report a
 * failure (the caller then gets LLMPERF_EIO).
 */
typedef int (*llmperf_write_cb)(const char *buf, size_t len, void *userdata);

/* Formats of per-request records. Numbers are ABI. */
enum {
    LLMPERF_FORMAT_JSONL = 1, /* one JSON object per line: every field,
                                 the chunk timeline, labels, parameters */
    LLMPERF_FORMAT_CSV = 2    /* RFC 4180, CRLF, header row, scalar
                                 fields only (no text, no timeline)     */
};

/* ---- writing records ------------------------------------------------ */

/* A record writer (opaque). */
typedef struct llmperf_writer llmperf_writer;

/*
 * llmperf_writer_new -- a writer that hands each record to cb, one call
 * per record (a whole line, so the callback can flush it at once); the
 * CSV header goes in a call of its own before the first record.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL out or cb or an unknown
 * format; LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_writer_new(llmperf_writer **out, int format,
                                   llmperf_write_cb cb, void *userdata);

/*
 * llmperf_writer_open -- a writer that appends to the file at path
 * (created 0644 if absent). Each record is passed to the kernel with one
 * write(2) as soon as it is written, so a crash or Ctrl-C loses nothing
 * already written; llmperf_writer_close() also fsyncs. A CSV file that
 * already has content must start with this build's header (resuming an
 * interrupted run), else LLMPERF_EFORMAT.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL; LLMPERF_EIO (cannot open; errno's
 * text in errbuf); LLMPERF_EFORMAT; LLMPERF_ENOMEM. errbuf (may be NULL)
 * receives a message on failure. Added in 0.1.
 */
LLMPERF_API int llmperf_writer_open(llmperf_writer **out, int format,
                                    const char *path, char *errbuf,
                                    size_t errlen);

/*
 * llmperf_writer_set_params -- run parameters written with every
 * following JSONL record as "params" (a JSON object text, validated,
 * secrets redacted as LLMPERF_INFO_PARAMS; NULL stops writing them).
 * CSV records do not carry parameters. Returns LLMPERF_OK;
 * LLMPERF_EINVAL (not a JSON object); LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_writer_set_params(llmperf_writer *w,
                                          const char *json_object);

/*
 * llmperf_writer_set_sweep -- the sweep point of following records (see
 * llmperf_metrics_set_sweep(); param NULL stops writing one), so that a
 * reader restores it. Returns LLMPERF_OK; LLMPERF_EINVAL for an empty
 * param or a non-finite value; LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_writer_set_sweep(llmperf_writer *w,
                                         const char *param, double value,
                                         const char *series);

/*
 * llmperf_writer_write -- write one result with its group label (NULL:
 * "default") and prompt id (NULL: none). The result is only read.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL w or r; LLMPERF_ESTATE
 * after close; LLMPERF_EIO (the callback or write(2) failed; see
 * llmperf_writer_errmsg()); LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_writer_write(llmperf_writer *w,
                                     const llmperf_result *r,
                                     const char *group,
                                     const char *prompt_id);

/*
 * llmperf_writer_close -- finish: for a file, fsync(2) and close(2),
 * reporting their failure (LLMPERF_EIO). Later writes return
 * LLMPERF_ESTATE; closing twice is OK. The handle must still be freed.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_writer_close(llmperf_writer *w);

/* llmperf_writer_free -- close (without reporting) and release. NULL is
 * ignored. Added in 0.1. */
LLMPERF_API void llmperf_writer_free(llmperf_writer *w);

/* llmperf_writer_errmsg -- detail of the last failure; owned by w, never
 * NULL. Added in 0.1. */
LLMPERF_API const char *llmperf_writer_errmsg(const llmperf_writer *w);

/* ---- reading records ------------------------------------------------ */

/* One record being read (opaque, borrowed during the callback). */
typedef struct llmperf_record llmperf_record;

/*
 * Called once per good record. Return 0 to go on; LLMPERF_EFORMAT to
 * reject this record as a bad line (counted under LLMPERF_READ_SKIP_BAD,
 * else reading stops with LLMPERF_EFORMAT); LLMPERF_ENOMEM to stop with
 * that status; any other non-zero value stops with LLMPERF_EABORTED.
 */
typedef int (*llmperf_record_cb)(const llmperf_record *rec, void *userdata);

/* Reader flags. */
enum {
    LLMPERF_READ_SKIP_BAD = 1 /* count bad lines and go on, instead of
                                 stopping at the first with EFORMAT    */
};

/* A JSONL reader (opaque). */
typedef struct llmperf_reader llmperf_reader;

/*
 * llmperf_reader_new -- a reader with flags (LLMPERF_READ_*). Returns
 * LLMPERF_OK, LLMPERF_EINVAL or LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_reader_new(llmperf_reader **out, int flags);

/* llmperf_reader_free -- release. NULL is ignored. Added in 0.1. */
LLMPERF_API void llmperf_reader_free(llmperf_reader *rd);

/*
 * llmperf_reader_read_file -- read the records of a records.jsonl file,
 * calling cb for each, in file order. Empty lines are skipped. A bad
 * line (not a JSON object, a field of the wrong type, no status, a line
 * over 64 MiB) stops reading with LLMPERF_EFORMAT and a message
 * "path:line: reason" in llmperf_reader_errmsg(), unless
 * LLMPERF_READ_SKIP_BAD is set: then it is counted and the message of
 * the first one kept. Keys unknown to this build are ignored.
 *
 * Returns LLMPERF_OK; LLMPERF_EFORMAT; LLMPERF_EIO (cannot read);
 * LLMPERF_EABORTED (cb returned non-zero); LLMPERF_EINVAL; LLMPERF_ENOMEM.
 * Counters accumulate over calls. Added in 0.1.
 */
LLMPERF_API int llmperf_reader_read_file(llmperf_reader *rd,
                                         const char *path,
                                         llmperf_record_cb cb,
                                         void *userdata);

/*
 * llmperf_reader_read_buffer -- the same for len bytes in memory; name
 * labels messages. Added in 0.1.
 */
LLMPERF_API int llmperf_reader_read_buffer(llmperf_reader *rd,
                                           const char *buf, size_t len,
                                           const char *name,
                                           llmperf_record_cb cb,
                                           void *userdata);

/*
 * llmperf_reader_counts -- records delivered and bad lines seen so far
 * (either pointer may be NULL). Returns LLMPERF_OK or LLMPERF_EINVAL.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_reader_counts(const llmperf_reader *rd,
                                      size_t *records, size_t *bad_lines);

/* llmperf_reader_errmsg -- the message of the bad line or failure;
 * owned by rd, never NULL. Added in 0.1. */
LLMPERF_API const char *llmperf_reader_errmsg(const llmperf_reader *rd);

/* Getters of a record (valid only during the callback). Added in 0.1. */
/* The result, rebuilt with every field and the chunk timeline. */
LLMPERF_API const llmperf_result *llmperf_record_result(
    const llmperf_record *rec);
/* The group label ("default" when the line had none). */
LLMPERF_API const char *llmperf_record_group(const llmperf_record *rec);
/* The prompt id, or NULL. */
LLMPERF_API const char *llmperf_record_prompt_id(const llmperf_record *rec);
/* The run parameters as compact JSON object text, or NULL. */
LLMPERF_API const char *llmperf_record_params(const llmperf_record *rec);
/* The wall-clock send time (ISO 8601 UTC), or NULL. */
LLMPERF_API const char *llmperf_record_wall_time(const llmperf_record *rec);
/* 1-based line number in its file. */
LLMPERF_API size_t llmperf_record_line(const llmperf_record *rec);
/*
 * llmperf_record_sweep -- the record's sweep point (outputs may be NULL;
 * *series NULL when none). Returns LLMPERF_OK, LLMPERF_ENOTFOUND when the
 * record has none, LLMPERF_EINVAL for NULL rec. Added in 0.1.
 */
LLMPERF_API int llmperf_record_sweep(const llmperf_record *rec,
                                     const char **param, double *value,
                                     const char **series);

/*
 * llmperf_metrics_add_record -- add a record to an accumulator: its
 * result under its group and prompt id, its sweep point as the group's
 * sweep attribute, its wall time as a candidate start time (the earliest
 * wins unless LLMPERF_INFO_START_TIME was set). Returns as
 * llmperf_metrics_add(). Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_add_record(llmperf_metrics *m,
                                           const llmperf_record *rec);

/*
 * llmperf_metrics_read_jsonl -- read a records.jsonl file into m with
 * llmperf_metrics_add_record(); flags as llmperf_reader_new(). Results
 * are identical to adding the original results: every statistic agrees
 * bit for bit. records and bad_lines (may be NULL) get the counts.
 * Messages ("path:line: reason") go to llmperf_metrics_errmsg().
 * Returns as llmperf_reader_read_file(). Added in 0.1.
 */
LLMPERF_API int llmperf_metrics_read_jsonl(llmperf_metrics *m,
                                           const char *path, int flags,
                                           size_t *records,
                                           size_t *bad_lines);

/* ---- summary.json ---------------------------------------------------- */

/*
 * llmperf_summary_write -- summary.json of an accumulator: run metadata,
 * the overall aggregates at the top level and one object per group under
 * "groups", with vLLM's key names (completed, failed, duration,
 * request_throughput, mean_ttft_ms, std_ttft_ms, p99_ttft_ms, ...) where
 * vLLM has the same quantity; docs/FORMATS.md lists every key, its unit
 * and where it differs from vLLM. An undefined statistic is written as
 * null, never NaN.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL; LLMPERF_EIO (cb failed);
 * LLMPERF_ENOMEM. Added in 0.1.
 */
LLMPERF_API int llmperf_summary_write(const llmperf_metrics *m,
                                      llmperf_write_cb cb, void *userdata);

/*
 * llmperf_summary_write_file -- the same into path, atomically (a
 * temporary file renamed over path). errbuf (may be NULL) gets a message
 * on failure. Returns as llmperf_summary_write(). Added in 0.1.
 */
LLMPERF_API int llmperf_summary_write_file(const llmperf_metrics *m,
                                           const char *path, char *errbuf,
                                           size_t errlen);

/*
 * llmperf_summary_buf -- the same into buf (NUL-terminated). *needed
 * gets the size including the NUL; LLMPERF_EBUFS when cap is smaller
 * (buf may be NULL with cap 0 to ask). Added in 0.1.
 */
LLMPERF_API int llmperf_summary_buf(const llmperf_metrics *m, char *buf,
                                    size_t cap, size_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_SERIALIZE_H */
