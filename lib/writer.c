/* SPDX-License-Identifier: MIT */
/*
 * writer.c -- per-request records as JSON Lines or CSV. Each record is
 * built in memory and handed over whole: one callback call, or one
 * write(2) on an O_APPEND descriptor, so a record is in the kernel (and
 * survives the process) the moment llmperf_writer_write() returns.
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics_int.h"

struct llmperf_writer {
    int format;
    llmperf_write_cb cb;
    void *ud;
    int fd;          /* -1 when writing to a callback */
    int closed;
    int header_done;
    char *params;
    char *sweep_param, *sweep_series;
    double sweep_value;
    struct llmperf__sink line;
    char errmsg[512];
};

/* Text fields left out of CSV: multi-line payloads, not scalars. */
static int csv_skips(int field)
{
    return field == LLMPERF_RESULT_TEXT ||
           field == LLMPERF_RESULT_REASONING_TEXT;
}

/* The CSV header, without the line end. Its order is documented in
 * docs/FORMATS.md: labels, then each type range in id order. */
static void csv_header(struct llmperf__sink *s)
{
    static const int base[] = {LLMPERF_FIELDKIND_I64, LLMPERF_FIELDKIND_F64,
                               LLMPERF_FIELDKIND_STR};

    llmperf__sink_puts(s, "group,prompt_id,sweep_param,sweep_value,"
                          "sweep_series,wall_time");
    for (size_t k = 0; k < LLMPERF__ARRAY_LEN(base); k++)
        for (int f = base[k] + 1; llmperf_result_field_name(f) != NULL; f++)
            if (!csv_skips(f)) {
                llmperf__sink_put(s, ",", 1);
                llmperf__sink_puts(s, llmperf_result_field_name(f));
            }
}

static void put_wall(struct llmperf__sink *s, const llmperf_result *r,
                     int json)
{
    int64_t sent;
    char iso[48];

    if (llmperf_result_get_i64(r, LLMPERF_RESULT_SENT_NS, &sent) !=
        LLMPERF_OK)
        return;
    llmperf__iso8601_mono(iso, sizeof(iso), sent);
    if (json) {
        llmperf__sink_puts(s, ",\"wall_time\":");
        llmperf__sink_json_str(s, iso);
    } else {
        llmperf__sink_puts(s, iso);
    }
}

static void csv_row(llmperf_writer *w, const llmperf_result *r,
                    const char *group, const char *prompt_id)
{
    struct llmperf__sink *s = &w->line;
    char num[40];
    int64_t i;
    double d;
    const char *str;

    llmperf__sink_csv(s, group);
    llmperf__sink_put(s, ",", 1);
    llmperf__sink_csv(s, prompt_id);
    llmperf__sink_put(s, ",", 1);
    if (w->sweep_param != NULL) {
        llmperf__sink_csv(s, w->sweep_param);
        llmperf__fmt_double(num, sizeof(num), w->sweep_value);
        llmperf__sink_printf(s, ",%s,", num);
        llmperf__sink_csv(s, w->sweep_series);
    } else {
        llmperf__sink_puts(s, ",,");
    }
    llmperf__sink_put(s, ",", 1);
    put_wall(s, r, 0);
    for (int f = LLMPERF_FIELDKIND_I64 + 1; llmperf_result_field_name(f);
         f++) {
        llmperf__sink_put(s, ",", 1);
        if (llmperf_result_get_i64(r, f, &i) == LLMPERF_OK)
            llmperf__sink_i64(s, i);
    }
    for (int f = LLMPERF_FIELDKIND_F64 + 1; llmperf_result_field_name(f);
         f++) {
        llmperf__sink_put(s, ",", 1);
        if (llmperf_result_get_f64(r, f, &d) == LLMPERF_OK && isfinite(d)) {
            llmperf__fmt_double(num, sizeof(num), d);
            llmperf__sink_puts(s, num);
        }
    }
    for (int f = LLMPERF_FIELDKIND_STR + 1; llmperf_result_field_name(f);
         f++) {
        if (csv_skips(f))
            continue;
        llmperf__sink_put(s, ",", 1);
        if (llmperf_result_get_str(r, f, &str) == LLMPERF_OK)
            llmperf__sink_csv(s, str);
    }
    llmperf__sink_put(s, "\r\n", 2);
}

static void jsonl_row(llmperf_writer *w, const llmperf_result *r,
                      const char *group, const char *prompt_id)
{
    struct llmperf__sink *s = &w->line;
    const int64_t *t;
    const int32_t *tok;
    int64_t i, sent = 0;
    double d;
    const char *str;
    size_t n;

    llmperf__sink_puts(s, "{\"v\":1,\"group\":");
    llmperf__sink_json_str(s, group);
    if (prompt_id != NULL) {
        llmperf__sink_puts(s, ",\"prompt_id\":");
        llmperf__sink_json_str(s, prompt_id);
    }
    put_wall(s, r, 1);
    for (int f = LLMPERF_FIELDKIND_I64 + 1; llmperf_result_field_name(f);
         f++)
        if (llmperf_result_get_i64(r, f, &i) == LLMPERF_OK)
            llmperf__sink_printf(s, ",\"%s\":%lld",
                                 llmperf_result_field_name(f), (long long)i);
    for (int f = LLMPERF_FIELDKIND_F64 + 1; llmperf_result_field_name(f);
         f++)
        if (llmperf_result_get_f64(r, f, &d) == LLMPERF_OK) {
            llmperf__sink_printf(s, ",\"%s\":", llmperf_result_field_name(f));
            llmperf__sink_json_num(s, d);
        }
    for (int f = LLMPERF_FIELDKIND_STR + 1; llmperf_result_field_name(f);
         f++)
        if (llmperf_result_get_str(r, f, &str) == LLMPERF_OK) {
            llmperf__sink_printf(s, ",\"%s\":", llmperf_result_field_name(f));
            llmperf__sink_json_str(s, str);
        }
    /* The timeline relative to sent_ns (absolute when there is none):
     * small numbers, and the reader adds sent_ns back exactly. */
    llmperf_result_get_i64(r, LLMPERF_RESULT_SENT_NS, &sent);
    llmperf_result_chunks(r, &t, &tok, &n);
    llmperf__sink_puts(s, ",\"chunk_t_ns\":[");
    for (size_t k = 0; k < n; k++)
        llmperf__sink_printf(s, k ? ",%lld" : "%lld",
                             (long long)(t[k] - sent));
    llmperf__sink_puts(s, "],\"chunk_tokens\":[");
    for (size_t k = 0; k < n; k++)
        llmperf__sink_printf(s, k ? ",%d" : "%d", (int)tok[k]);
    llmperf__sink_put(s, "]", 1);
    if (w->sweep_param != NULL) {
        llmperf__sink_puts(s, ",\"sweep\":{\"param\":");
        llmperf__sink_json_str(s, w->sweep_param);
        llmperf__sink_puts(s, ",\"value\":");
        llmperf__sink_json_num(s, w->sweep_value);
        if (w->sweep_series != NULL) {
            llmperf__sink_puts(s, ",\"series\":");
            llmperf__sink_json_str(s, w->sweep_series);
        }
        llmperf__sink_put(s, "}", 1);
    }
    if (w->params != NULL) {
        llmperf__sink_puts(s, ",\"params\":");
        llmperf__sink_puts(s, w->params);
    }
    llmperf__sink_puts(s, "}\n");
}

/* Hand the built line over: one callback call or one write(2). */
static int deliver(llmperf_writer *w)
{
    int rc = w->line.status;

    if (rc != LLMPERF_OK) {
        snprintf(w->errmsg, sizeof(w->errmsg), "%s", llmperf_strerror(rc));
    } else if (w->fd >= 0) {
        if (llmperf__write_all(w->fd, w->line.buf, w->line.len) != 0) {
            snprintf(w->errmsg, sizeof(w->errmsg), "write: %s",
                     strerror(errno));
            rc = LLMPERF_EIO;
        }
    } else if (w->cb(w->line.buf, w->line.len, w->ud) != 0) {
        snprintf(w->errmsg, sizeof(w->errmsg),
                 "the writer callback reported a failure");
        rc = LLMPERF_EIO;
    }
    w->line.len = 0;
    w->line.status = LLMPERF_OK;
    return rc;
}

static int writer_alloc(llmperf_writer **out, int format)
{
    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (format != LLMPERF_FORMAT_JSONL && format != LLMPERF_FORMAT_CSV)
        return LLMPERF_EINVAL;
    *out = llmperf__calloc(1, sizeof(**out));
    if (*out == NULL)
        return LLMPERF_ENOMEM;
    (*out)->format = format;
    (*out)->fd = -1;
    llmperf__sink_init(&(*out)->line, NULL, NULL);
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_writer_new(llmperf_writer **out, int format,
                                   llmperf_write_cb cb, void *userdata)
{
    int rc;

    if (cb == NULL) {
        if (out != NULL)
            *out = NULL;
        return LLMPERF_EINVAL;
    }
    if ((rc = writer_alloc(out, format)) != LLMPERF_OK)
        return rc;
    (*out)->cb = cb;
    (*out)->ud = userdata;
    return LLMPERF_OK;
}

/* A non-empty CSV file must begin with our header line. */
static int csv_check_header(llmperf_writer *w, const char *path)
{
    struct llmperf__sink h;
    char *have;
    ssize_t got;
    int rc = LLMPERF_OK;

    llmperf__sink_init(&h, NULL, NULL);
    csv_header(&h);
    llmperf__sink_put(&h, "\r\n", 2);
    if (h.status != LLMPERF_OK)
        return llmperf__sink_finish(&h);
    have = llmperf__malloc(h.len);
    if (have == NULL) {
        llmperf__sink_finish(&h);
        return LLMPERF_ENOMEM;
    }
    got = pread(w->fd, have, h.len, 0);
    /* Accept LF as well as CRLF after the header. */
    if (got < (ssize_t)h.len - 1 ||
        memcmp(have, h.buf, h.len - 2) != 0 ||
        (have[h.len - 2] != '\r' && have[h.len - 2] != '\n')) {
        snprintf(w->errmsg, sizeof(w->errmsg),
                 "%s: not a records.csv of this version (header differs)",
                 path);
        rc = LLMPERF_EFORMAT;
    }
    llmperf__free(have);
    llmperf__sink_finish(&h);
    return rc;
}

LLMPERF_API int llmperf_writer_open(llmperf_writer **out, int format,
                                    const char *path, char *errbuf,
                                    size_t errlen)
{
    llmperf_writer *w = NULL;
    struct stat st;
    int rc;

    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (path == NULL)
        return LLMPERF_EINVAL;
    if ((rc = writer_alloc(&w, format)) != LLMPERF_OK)
        return rc;
    w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (w->fd < 0 || fstat(w->fd, &st) != 0) {
        snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s", path,
                 strerror(errno));
        rc = LLMPERF_EIO;
        goto out;
    }
    if (format == LLMPERF_FORMAT_CSV && st.st_size > 0) {
        /* pread needs a readable descriptor: check through a second one. */
        int wfd = w->fd;

        w->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (w->fd < 0) {
            snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s", path,
                     strerror(errno));
            rc = LLMPERF_EIO;
        } else {
            rc = csv_check_header(w, path);
            close(w->fd);
        }
        w->fd = wfd;
        if (rc != LLMPERF_OK)
            goto out;
        w->header_done = 1;
    }
    rc = LLMPERF_OK;
out:
    if (rc != LLMPERF_OK) {
        if (errbuf != NULL && errlen > 0)
            snprintf(errbuf, errlen, "%s", w->errmsg);
        llmperf_writer_free(w);
        w = NULL;
    }
    *out = w;
    return rc;
}

LLMPERF_API int llmperf_writer_set_params(llmperf_writer *w,
                                          const char *json_object)
{
    char *copy = NULL;
    int rc;

    if (w == NULL)
        return LLMPERF_EINVAL;
    if (json_object != NULL &&
        (rc = llmperf__clean_params(json_object, &copy)) != LLMPERF_OK)
        return rc;
    llmperf__free(w->params);
    w->params = copy;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_writer_set_sweep(llmperf_writer *w,
                                         const char *param, double value,
                                         const char *series)
{
    char *p = NULL, *s = NULL;

    if (w == NULL || (param != NULL && (param[0] == '\0' || !isfinite(value))))
        return LLMPERF_EINVAL;
    if (param != NULL &&
        ((p = llmperf__strdup(param)) == NULL ||
         (series != NULL && (s = llmperf__strdup(series)) == NULL))) {
        llmperf__free(p);
        return LLMPERF_ENOMEM;
    }
    llmperf__free(w->sweep_param);
    llmperf__free(w->sweep_series);
    w->sweep_param = p;
    w->sweep_series = s;
    w->sweep_value = value;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_writer_write(llmperf_writer *w,
                                     const llmperf_result *r,
                                     const char *group,
                                     const char *prompt_id)
{
    int rc;

    if (w == NULL || r == NULL)
        return LLMPERF_EINVAL;
    if (w->closed)
        return LLMPERF_ESTATE;
    if (group == NULL)
        group = "default";
    if (w->format == LLMPERF_FORMAT_CSV && !w->header_done) {
        csv_header(&w->line);
        llmperf__sink_put(&w->line, "\r\n", 2);
        if ((rc = deliver(w)) != LLMPERF_OK)
            return rc;
        w->header_done = 1;
    }
    if (w->format == LLMPERF_FORMAT_CSV)
        csv_row(w, r, group, prompt_id);
    else
        jsonl_row(w, r, group, prompt_id);
    return deliver(w);
}

LLMPERF_API int llmperf_writer_close(llmperf_writer *w)
{
    int rc = LLMPERF_OK;

    if (w == NULL)
        return LLMPERF_EINVAL;
    if (w->closed)
        return LLMPERF_OK;
    w->closed = 1;
    if (w->fd >= 0) {
        if (fsync(w->fd) != 0) {
            snprintf(w->errmsg, sizeof(w->errmsg), "fsync: %s",
                     strerror(errno));
            rc = LLMPERF_EIO;
        }
        if (close(w->fd) != 0 && rc == LLMPERF_OK) {
            snprintf(w->errmsg, sizeof(w->errmsg), "close: %s",
                     strerror(errno));
            rc = LLMPERF_EIO;
        }
        w->fd = -1;
    }
    return rc;
}

LLMPERF_API void llmperf_writer_free(llmperf_writer *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0)
        close(w->fd);
    llmperf__sink_finish(&w->line);
    llmperf__free(w->params);
    llmperf__free(w->sweep_param);
    llmperf__free(w->sweep_series);
    llmperf__free(w);
}

LLMPERF_API const char *llmperf_writer_errmsg(const llmperf_writer *w)
{
    return w != NULL ? w->errmsg : "";
}
