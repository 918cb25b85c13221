/* SPDX-License-Identifier: MIT */
/*
 * reader.c -- reading records.jsonl back: line by line (a hard cap on
 * line length), each line parsed with json-c and rebuilt into an
 * llmperf_result through the setters of result_int.h, so the result is
 * the one that was written: every field, the chunk timeline to the
 * nanosecond. Bad lines are reported as "file:line: reason".
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "llmperf/serialize.h"
#include "metrics_int.h"
#include "result_int.h"

#define MAX_LINE (64u << 20)

struct llmperf_reader {
    int flags;
    size_t records, bad;
    char reason[256];  /* why the current line is bad */
    char errmsg[512];
};

struct llmperf_record {
    llmperf_result *r;
    const char *group, *prompt_id, *wall, *params;
    const char *sweep_param, *sweep_series;
    double sweep_value;
    int has_sweep;
    size_t line;
};

static int bad(llmperf_reader *rd, const char *fmt, ...)
    LLMPERF__PRINTF(2, 3);

static int bad(llmperf_reader *rd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rd->reason, sizeof(rd->reason), fmt, ap);
    va_end(ap);
    return LLMPERF_EFORMAT;
}

static int is_int(struct json_object *v)
{
    return json_object_is_type(v, json_type_int);
}

/* One known result field from a JSON value. */
static int set_field(llmperf_reader *rd, llmperf_result *r, int id,
                     const char *key, struct json_object *v)
{
    const char *s;

    if (json_object_is_type(v, json_type_null))
        return LLMPERF_OK; /* absent */
    if (id < LLMPERF_FIELDKIND_F64) {
        if (!is_int(v))
            return bad(rd, "\"%s\" is not an integer", key);
        return llmperf__result_set_i64(r, id, json_object_get_int64(v));
    }
    if (id < LLMPERF_FIELDKIND_STR) {
        if (!is_int(v) && !json_object_is_type(v, json_type_double))
            return bad(rd, "\"%s\" is not a number", key);
        return llmperf__result_set_f64(r, id, json_object_get_double(v));
    }
    if (!json_object_is_type(v, json_type_string))
        return bad(rd, "\"%s\" is not a string", key);
    s = json_object_get_string(v);
    return llmperf__result_set_str(r, id, s,
                                   (size_t)json_object_get_string_len(v));
}

static int get_str(llmperf_reader *rd, struct json_object *v,
                   const char *key, const char **out)
{
    if (json_object_is_type(v, json_type_null)) {
        *out = NULL;
        return LLMPERF_OK;
    }
    if (!json_object_is_type(v, json_type_string))
        return bad(rd, "\"%s\" is not a string", key);
    *out = json_object_get_string(v);
    return LLMPERF_OK;
}

static int get_sweep(llmperf_reader *rd, struct json_object *v,
                     llmperf_record *rec)
{
    struct json_object *p, *val, *ser;

    if (json_object_is_type(v, json_type_null))
        return LLMPERF_OK;
    if (!json_object_is_type(v, json_type_object) ||
        !json_object_object_get_ex(v, "param", &p) ||
        !json_object_is_type(p, json_type_string) ||
        !json_object_object_get_ex(v, "value", &val) ||
        !(is_int(val) || json_object_is_type(val, json_type_double)))
        return bad(rd, "\"sweep\" needs a string param and a number value");
    rec->sweep_param = json_object_get_string(p);
    rec->sweep_value = json_object_get_double(val);
    rec->sweep_series = NULL;
    if (json_object_object_get_ex(v, "series", &ser) &&
        get_str(rd, ser, "sweep.series", &rec->sweep_series) != LLMPERF_OK)
        return LLMPERF_EFORMAT;
    rec->has_sweep = rec->sweep_param[0] != '\0';
    return LLMPERF_OK;
}

static int get_chunks(llmperf_reader *rd, llmperf_result *r,
                      struct json_object *t, struct json_object *tok)
{
    int64_t sent = 0;
    size_t n;
    int rc;

    if (t == NULL)
        return LLMPERF_OK;
    if (!json_object_is_type(t, json_type_array) ||
        (tok != NULL && !json_object_is_type(tok, json_type_array)))
        return bad(rd, "chunk_t_ns and chunk_tokens must be arrays");
    n = json_object_array_length(t);
    if (tok != NULL && json_object_array_length(tok) != n)
        return bad(rd, "chunk_t_ns and chunk_tokens differ in length");
    llmperf_result_get_i64(r, LLMPERF_RESULT_SENT_NS, &sent);
    for (size_t i = 0; i < n; i++) {
        struct json_object *a = json_object_array_get_idx(t, i), *b = NULL;
        int64_t k = -1;

        if (!is_int(a))
            return bad(rd, "chunk_t_ns[%zu] is not an integer", i);
        if (tok != NULL) {
            b = json_object_array_get_idx(tok, i);
            if (!is_int(b) || json_object_get_int64(b) < -1 ||
                json_object_get_int64(b) > INT32_MAX)
                return bad(rd, "chunk_tokens[%zu] is not a token count", i);
            k = json_object_get_int64(b);
        }
        if ((rc = llmperf__result_add_chunk(r, sent + json_object_get_int64(a),
                                            (int32_t)k)) != LLMPERF_OK)
            return rc;
    }
    return LLMPERF_OK;
}

/* Rebuild one record from a parsed object. OK, EFORMAT or ENOMEM. */
static int build(llmperf_reader *rd, struct json_object *o,
                 llmperf_record *rec)
{
    struct json_object_iterator it = json_object_iter_begin(o);
    struct json_object_iterator end = json_object_iter_end(o);
    struct json_object *t = NULL, *tok = NULL;
    int64_t status;
    int rc = LLMPERF_OK, id;

    rec->group = "default";
    for (; !json_object_iter_equal(&it, &end) && rc == LLMPERF_OK;
         json_object_iter_next(&it)) {
        const char *k = json_object_iter_peek_name(&it);
        struct json_object *v = json_object_iter_peek_value(&it);

        if (llmperf_result_field_from_name(&id, k) == LLMPERF_OK) {
            rc = set_field(rd, rec->r, id, k, v);
        } else if (strcmp(k, "v") == 0) {
            if (!is_int(v) || json_object_get_int64(v) != 1)
                rc = bad(rd, "unsupported record version");
        } else if (strcmp(k, "group") == 0) {
            rc = get_str(rd, v, k, &rec->group);
            if (rec->group == NULL)
                rec->group = "default";
        } else if (strcmp(k, "prompt_id") == 0) {
            rc = get_str(rd, v, k, &rec->prompt_id);
        } else if (strcmp(k, "wall_time") == 0) {
            rc = get_str(rd, v, k, &rec->wall);
        } else if (strcmp(k, "params") == 0) {
            if (json_object_is_type(v, json_type_object))
                rec->params = json_object_to_json_string_ext(
                    v, JSON_C_TO_STRING_PLAIN |
                           JSON_C_TO_STRING_NOSLASHESCAPE);
            else if (!json_object_is_type(v, json_type_null))
                rc = bad(rd, "\"params\" is not an object");
        } else if (strcmp(k, "sweep") == 0) {
            rc = get_sweep(rd, v, rec);
        } else if (strcmp(k, "chunk_t_ns") == 0) {
            t = v;
        } else if (strcmp(k, "chunk_tokens") == 0) {
            tok = v;
        }
        /* Other keys come from newer versions: ignored. */
    }
    if (rc == LLMPERF_OK)
        rc = get_chunks(rd, rec->r, t, tok); /* after sent_ns is known */
    if (rc == LLMPERF_OK &&
        llmperf_result_get_i64(rec->r, LLMPERF_RESULT_STATUS, &status) !=
            LLMPERF_OK)
        rc = bad(rd, "no \"status\"");
    return rc;
}

/*
 * One line (without its newline). OK, EFORMAT (bad line, reason in
 * rd->reason), EABORTED or ENOMEM.
 */
static int one_line(llmperf_reader *rd, struct json_tokener *tok,
                    const char *p, size_t len, size_t lineno,
                    llmperf_record_cb cb, void *ud)
{
    struct json_object *o = NULL;
    llmperf_record rec;
    int rc;

    while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' ||
                       p[len - 1] == '\t'))
        len--;
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    if (len == 0)
        return LLMPERF_OK;
    if (len > MAX_LINE)
        return bad(rd, "line longer than %u bytes", MAX_LINE);
    json_tokener_reset(tok);
    o = json_tokener_parse_ex(tok, p, (int)len);
    if (o == NULL || json_tokener_get_parse_end(tok) != len) {
        enum json_tokener_error e = json_tokener_get_error(tok);

        json_object_put(o);
        return bad(rd, "invalid JSON (%s)",
                   e == json_tokener_success || e == json_tokener_continue
                       ? "incomplete or trailing data"
                       : json_tokener_error_desc(e));
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return bad(rd, "not a JSON object");
    }
    memset(&rec, 0, sizeof(rec));
    rec.line = lineno;
    if ((rc = llmperf__result_new(&rec.r)) == LLMPERF_OK &&
        (rc = build(rd, o, &rec)) == LLMPERF_OK) {
        rd->reason[0] = '\0';
        rc = cb(&rec, ud);
        if (rc == LLMPERF_EFORMAT) {
            if (rd->reason[0] == '\0')
                bad(rd, "record rejected");
        } else if (rc != 0) {
            rc = rc == LLMPERF_ENOMEM ? rc : LLMPERF_EABORTED;
        } else {
            rd->records++;
        }
    }
    llmperf_result_free(rec.r);
    json_object_put(o);
    return rc;
}

/* Count a bad line or stop at it. */
static int on_bad(llmperf_reader *rd, const char *name, size_t lineno)
{
    if (rd->bad++ == 0 || !(rd->flags & LLMPERF_READ_SKIP_BAD))
        snprintf(rd->errmsg, sizeof(rd->errmsg), "%s:%zu: %s", name, lineno,
                 rd->reason);
    return rd->flags & LLMPERF_READ_SKIP_BAD ? LLMPERF_OK : LLMPERF_EFORMAT;
}

/* Feed whole lines of [p, p+len) ; *used gets the bytes consumed. */
struct feed {
    llmperf_reader *rd;
    struct json_tokener *tok;
    const char *name;
    size_t lineno;
    llmperf_record_cb cb;
    void *ud;
};

static int feed_line(struct feed *f, const char *p, size_t len)
{
    int rc;

    f->lineno++;
    rc = one_line(f->rd, f->tok, p, len, f->lineno, f->cb, f->ud);
    if (rc == LLMPERF_EFORMAT)
        rc = on_bad(f->rd, f->name, f->lineno);
    else if (rc == LLMPERF_ENOMEM || rc == LLMPERF_EABORTED)
        snprintf(f->rd->errmsg, sizeof(f->rd->errmsg), "%s:%zu: %s", f->name,
                 f->lineno, llmperf_strerror(rc));
    return rc;
}

LLMPERF_API int llmperf_reader_new(llmperf_reader **out, int flags)
{
    if (out == NULL)
        return LLMPERF_EINVAL;
    *out = NULL;
    if (flags & ~LLMPERF_READ_SKIP_BAD)
        return LLMPERF_EINVAL;
    *out = llmperf__calloc(1, sizeof(**out));
    if (*out == NULL)
        return LLMPERF_ENOMEM;
    (*out)->flags = flags;
    return LLMPERF_OK;
}

LLMPERF_API void llmperf_reader_free(llmperf_reader *rd)
{
    llmperf__free(rd);
}

LLMPERF_API int llmperf_reader_read_buffer(llmperf_reader *rd,
                                           const char *buf, size_t len,
                                           const char *name,
                                           llmperf_record_cb cb,
                                           void *userdata)
{
    struct feed f = {rd, NULL, name, 0, cb, userdata};
    size_t at = 0;
    int rc = LLMPERF_OK;

    if (rd == NULL || cb == NULL || (buf == NULL && len > 0))
        return LLMPERF_EINVAL;
    if (f.name == NULL)
        f.name = "(buffer)";
    if ((f.tok = json_tokener_new()) == NULL)
        return LLMPERF_ENOMEM;
    while (at < len && rc == LLMPERF_OK) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t n = nl != NULL ? (size_t)(nl - (buf + at)) : len - at;

        rc = feed_line(&f, buf + at, n);
        at += n + 1;
    }
    json_tokener_free(f.tok);
    return rc;
}

LLMPERF_API int llmperf_reader_read_file(llmperf_reader *rd,
                                         const char *path,
                                         llmperf_record_cb cb,
                                         void *userdata)
{
    struct feed f = {rd, NULL, path, 0, cb, userdata};
    FILE *fp = NULL;
    char *line = NULL, chunk[65536];
    size_t len = 0, cap = 0, got;
    int rc = LLMPERF_OK, toolong = 0;

    if (rd == NULL || path == NULL || cb == NULL)
        return LLMPERF_EINVAL;
    if ((fp = fopen(path, "rb")) == NULL) {
        snprintf(rd->errmsg, sizeof(rd->errmsg), "%s: %s", path,
                 strerror(errno));
        return LLMPERF_EIO;
    }
    if ((f.tok = json_tokener_new()) == NULL) {
        rc = LLMPERF_ENOMEM;
        goto out;
    }
    /* Lines are assembled from blocks; a line over MAX_LINE is dropped
     * as it streams by instead of being held in memory. */
    while (rc == LLMPERF_OK && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        size_t at = 0;

        while (at < got && rc == LLMPERF_OK) {
            const char *nl = memchr(chunk + at, '\n', got - at);
            size_t n = nl != NULL ? (size_t)(nl - (chunk + at)) : got - at;

            if (!toolong && len + n > MAX_LINE) {
                toolong = 1;
                len = 0;
            }
            if (!toolong) {
                if (len + n > cap) {
                    size_t nc = cap ? cap : 4096;
                    char *g;

                    while (nc < len + n)
                        nc *= 2;
                    if ((g = llmperf__realloc(line, nc)) == NULL) {
                        rc = LLMPERF_ENOMEM;
                        break;
                    }
                    line = g;
                    cap = nc;
                }
                memcpy(line + len, chunk + at, n);
                len += n;
            }
            at += n;
            if (nl == NULL)
                break;
            at++; /* the newline */
            if (toolong) {
                f.lineno++;
                bad(rd, "line longer than %u bytes", MAX_LINE);
                rc = on_bad(rd, path, f.lineno);
                toolong = 0;
            } else {
                rc = feed_line(&f, line, len);
            }
            len = 0;
        }
    }
    if (rc == LLMPERF_OK && ferror(fp)) {
        snprintf(rd->errmsg, sizeof(rd->errmsg), "%s: read error", path);
        rc = LLMPERF_EIO;
    }
    if (rc == LLMPERF_OK && toolong) {
        f.lineno++;
        bad(rd, "line longer than %u bytes", MAX_LINE);
        rc = on_bad(rd, path, f.lineno);
    } else if (rc == LLMPERF_OK && len > 0) {
        rc = feed_line(&f, line, len); /* last line without newline */
    }
out:
    json_tokener_free(f.tok);
    llmperf__free(line);
    fclose(fp);
    return rc;
}

LLMPERF_API int llmperf_reader_counts(const llmperf_reader *rd,
                                      size_t *records, size_t *bad_lines)
{
    if (rd == NULL)
        return LLMPERF_EINVAL;
    if (records != NULL)
        *records = rd->records;
    if (bad_lines != NULL)
        *bad_lines = rd->bad;
    return LLMPERF_OK;
}

LLMPERF_API const char *llmperf_reader_errmsg(const llmperf_reader *rd)
{
    return rd != NULL ? rd->errmsg : "";
}

/* ---- records ----------------------------------------------------------- */

LLMPERF_API const llmperf_result *llmperf_record_result(
    const llmperf_record *rec)
{
    return rec != NULL ? rec->r : NULL;
}

LLMPERF_API const char *llmperf_record_group(const llmperf_record *rec)
{
    return rec != NULL ? rec->group : NULL;
}

LLMPERF_API const char *llmperf_record_prompt_id(const llmperf_record *rec)
{
    return rec != NULL ? rec->prompt_id : NULL;
}

LLMPERF_API const char *llmperf_record_params(const llmperf_record *rec)
{
    return rec != NULL ? rec->params : NULL;
}

LLMPERF_API const char *llmperf_record_wall_time(const llmperf_record *rec)
{
    return rec != NULL ? rec->wall : NULL;
}

LLMPERF_API size_t llmperf_record_line(const llmperf_record *rec)
{
    return rec != NULL ? rec->line : 0;
}

LLMPERF_API int llmperf_record_sweep(const llmperf_record *rec,
                                     const char **param, double *value,
                                     const char **series)
{
    if (rec == NULL)
        return LLMPERF_EINVAL;
    if (!rec->has_sweep)
        return LLMPERF_ENOTFOUND;
    if (param != NULL)
        *param = rec->sweep_param;
    if (value != NULL)
        *value = rec->sweep_value;
    if (series != NULL)
        *series = rec->sweep_series;
    return LLMPERF_OK;
}

/* ---- into an accumulator ------------------------------------------------ */

static int same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

LLMPERF_API int llmperf_metrics_add_record(llmperf_metrics *m,
                                           const llmperf_record *rec)
{
    const char *param, *series;
    double value;
    int rc;

    if (m == NULL || rec == NULL)
        return LLMPERF_EINVAL;
    rc = llmperf_metrics_add_prompt(m, rec->r, rec->group, rec->prompt_id);
    if (rc == LLMPERF_OK && rec->has_sweep &&
        !(llmperf_metrics_get_sweep(m, rec->group, &param, &value,
                                    &series) == LLMPERF_OK &&
          strcmp(param, rec->sweep_param) == 0 && value == rec->sweep_value &&
          same_str(series, rec->sweep_series)))
        rc = llmperf_metrics_set_sweep(m, rec->group, rec->sweep_param,
                                       rec->sweep_value, rec->sweep_series);
    if (rc == LLMPERF_OK && rec->wall != NULL)
        rc = llmperf__metrics_record_time(m, rec->wall);
    return rc;
}

struct into {
    llmperf_metrics *m;
    llmperf_reader *rd;
};

/* A record the accumulator refuses (e.g. chunks out of order) is a bad
 * line, with the accumulator's reason. */
static int add_cb(const llmperf_record *rec, void *ud)
{
    struct into *in = ud;
    int rc = llmperf_metrics_add_record(in->m, rec);

    if (rc == LLMPERF_EINVAL) {
        snprintf(in->rd->reason, sizeof(in->rd->reason), "%s",
                 llmperf_metrics_errmsg(in->m));
        return LLMPERF_EFORMAT;
    }
    return rc;
}

LLMPERF_API int llmperf_metrics_read_jsonl(llmperf_metrics *m,
                                           const char *path, int flags,
                                           size_t *records,
                                           size_t *bad_lines)
{
    struct into in;
    int rc;

    if (m == NULL || path == NULL)
        return LLMPERF_EINVAL;
    if ((rc = llmperf_reader_new(&in.rd, flags)) != LLMPERF_OK)
        return rc;
    in.m = m;
    rc = llmperf_reader_read_file(in.rd, path, add_cb, &in);
    llmperf_reader_counts(in.rd, records, bad_lines);
    snprintf(m->errmsg, sizeof(m->errmsg), "%s", in.rd->errmsg);
    llmperf_reader_free(in.rd);
    return rc;
}
