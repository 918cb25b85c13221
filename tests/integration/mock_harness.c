/* SPDX-License-Identifier: MIT */
/*
 * mock_harness.c -- process control, libcurl transfers with arrival
 * timestamps, event splitting through lib/sse.c and lib/ndjson.c, and
 * JSON shape comparison for the llmperf-mock integration tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "llmperf/common.h"
#include "mock_harness.h"
#include "ndjson.h"
#include "sse.h"

int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- process ----------------------------------------------------------- */

int mockp_start(struct mockp *p, const char *const *extra)
{
    const char *argv[64];
    int pipefd[2], n = 0, i, fd;
    char line[256];
    size_t got = 0;
    int64_t deadline;

    memset(p, 0, sizeof(*p));
    p->pid = -1;
    snprintf(p->log_path, sizeof(p->log_path), "/tmp/llmperf-mock-log-XXXXXX");
    fd = mkstemp(p->log_path);
    if (fd < 0)
        return -1;
    close(fd);
    argv[n++] = LLMPERF_MOCK_PATH;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--log";
    argv[n++] = p->log_path;
    for (i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    if (pipe(pipefd) != 0)
        return -1;
    p->pid = fork();
    if (p->pid < 0)
        return -1;
    if (p->pid == 0) {
        /* a test that fails half-way must not leave mocks behind */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    deadline = now_ns() + 10000000000LL;
    while (got + 1 < sizeof(line) && now_ns() < deadline) {
        struct pollfd pf = {pipefd[0], POLLIN, 0};
        ssize_t r;

        if (poll(&pf, 1, 100) <= 0)
            continue;
        r = read(pipefd[0], line + got, 1);
        if (r <= 0)
            break;
        got++;
        if (line[got - 1] == '\n')
            break;
    }
    line[got] = '\0';
    close(pipefd[0]);
    {
        const char *c = strrchr(line, ':');

        if (strncmp(line, "llmperf-mock listening on ", 26) != 0 || !c) {
            fprintf(stderr, "mock did not start: '%s'\n", line);
            mockp_stop(p, 1);
            return -1;
        }
        p->port = atoi(c + 1);
    }
    return p->port > 0 ? 0 : -1;
}

int mockp_stop(struct mockp *p, int hard)
{
    int st = 0, i;

    if (p->pid <= 0)
        return -1;
    kill(p->pid, hard ? SIGKILL : SIGTERM);
    for (i = 0; i < 1000; i++) {
        pid_t r = waitpid(p->pid, &st, WNOHANG);

        if (r == p->pid) {
            p->pid = -1;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        sleep_ms(10);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &st, 0);
    p->pid = -1;
    return -1;
}

void mockp_cleanup(struct mockp *p)
{
    if (p->pid > 0)
        mockp_stop(p, 1);
    if (p->log_path[0])
        unlink(p->log_path);
    p->log_path[0] = '\0';
}

/* ---- HTTP -------------------------------------------------------------- */

static size_t on_body(char *data, size_t sz, size_t nm, void *ud)
{
    struct xfer *x = ud;
    size_t n = sz * nm;

    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 4096;
        char *b;

        while (cap < x->len + n + 1)
            cap *= 2;
        b = realloc(x->body, cap);
        if (!b)
            return 0;
        x->body = b;
        x->cap = cap;
    }
    memcpy(x->body + x->len, data, n);
    x->len += n;
    x->body[x->len] = '\0';
    if (x->n_pieces < XF_MAX_PIECES) {
        x->piece_t[x->n_pieces] = now_ns();
        x->piece_end[x->n_pieces] = x->len;
        x->n_pieces++;
    } else {
        x->piece_end[XF_MAX_PIECES - 1] = x->len;
    }
    return n;
}

static size_t on_header(char *data, size_t sz, size_t nm, void *ud)
{
    struct xfer *x = ud;
    size_t n = sz * nm, k;

    if (x->t_headers == 0)
        x->t_headers = now_ns();
    if (n > 13 && strncasecmp(data, "Content-Type:", 13) == 0) {
        for (k = 13; k < n && data[k] == ' '; k++)
            ;
        snprintf(x->ctype, sizeof(x->ctype), "%.*s", (int)(n - k), data + k);
        x->ctype[strcspn(x->ctype, "\r\n")] = '\0';
    }
    if (n > 13 && strncasecmp(data, "X-Request-Id:", 13) == 0) {
        for (k = 13; k < n && data[k] == ' '; k++)
            ;
        snprintf(x->reqid, sizeof(x->reqid), "%.*s", (int)(n - k), data + k);
        x->reqid[strcspn(x->reqid, "\r\n")] = '\0';
    }
    if (n >= 26 && strncasecmp(data, "Transfer-Encoding: chunked", 26) == 0)
        x->chunked = 1;
    return n;
}

void xfer_init(struct xfer *x, const struct mockp *p, const char *path,
               const char *body, const char *const *headers)
{
    int i;

    memset(x, 0, sizeof(*x));
    snprintf(x->url, sizeof(x->url), "http://127.0.0.1:%d%s", p->port, path);
    x->h = curl_easy_init();
    x->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    for (i = 0; headers && headers[i]; i++)
        x->hdrs = curl_slist_append(x->hdrs, headers[i]);
    curl_easy_setopt(x->h, CURLOPT_URL, x->url);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(x->h, CURLOPT_NOPROXY, "*");
    if (body) {
        x->req_body = strdup(body);
        curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, x->req_body);
    }
}

void xfer_free(struct xfer *x)
{
    if (x->h)
        curl_easy_cleanup(x->h);
    curl_slist_free_all(x->hdrs);
    free(x->req_body);
    free(x->body);
    memset(x, 0, sizeof(*x));
}

int xfer_run(struct xfer **xs, int n, long timeout_ms)
{
    CURLM *m = curl_multi_init();
    int i, running = 1, rc = 0;
    int64_t deadline = now_ns() + timeout_ms * 1000000LL;
    CURLMsg *msg;
    int left;

    for (i = 0; i < n; i++) {
        xs[i]->t_sent = now_ns();
        curl_multi_add_handle(m, xs[i]->h);
    }
    while (running) {
        curl_multi_perform(m, &running);
        if (!running)
            break;
        if (now_ns() > deadline) {
            rc = -1;
            break;
        }
        curl_multi_poll(m, NULL, 0, 20, NULL);
    }
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        for (i = 0; i < n; i++)
            if (xs[i]->h == msg->easy_handle)
                xs[i]->rc = msg->data.result;
    }
    for (i = 0; i < n; i++) {
        curl_easy_getinfo(xs[i]->h, CURLINFO_RESPONSE_CODE, &xs[i]->status);
        curl_multi_remove_handle(m, xs[i]->h);
    }
    curl_multi_cleanup(m);
    return rc;
}

int xfer_one(struct xfer *x, long timeout_ms)
{
    struct xfer *xs[1] = {x};

    return xfer_run(xs, 1, timeout_ms);
}

/* ---- events ------------------------------------------------------------ */

struct ev_ctx {
    struct event_list *ev;
    int64_t t;
};

static void ev_add(struct ev_ctx *c, const char *data, size_t len)
{
    struct event_list *ev = c->ev;

    if (ev->n >= sizeof(ev->obj) / sizeof(ev->obj[0]))
        return;
    ev->raw[ev->n] = malloc(len + 1);
    if (ev->raw[ev->n]) {
        memcpy(ev->raw[ev->n], data, len);
        ev->raw[ev->n][len] = '\0';
    }
    ev->obj[ev->n] = json_tokener_parse(ev->raw[ev->n] ? ev->raw[ev->n]
                                                       : "");
    /* a JSON value that is not an object counts as malformed too */
    if (ev->obj[ev->n] && !json_object_is_type(ev->obj[ev->n],
                                               json_type_object)) {
        json_object_put(ev->obj[ev->n]);
        ev->obj[ev->n] = NULL;
    }
    ev->t[ev->n] = c->t;
    ev->n++;
}

static int on_sse(const llmperf__sse_event *e, void *ud)
{
    struct ev_ctx *c = ud;

    if (e->data_len == 6 && memcmp(e->data, "[DONE]", 6) == 0) {
        c->ev->done = 1;
        return 0;
    }
    ev_add(c, e->data, e->data_len);
    return 0;
}

static int on_line(const char *line, size_t len, void *ud)
{
    ev_add(ud, line, len);
    return 0;
}

static void parse_pieces(struct event_list *ev, const char *buf,
                         const size_t *ends, const int64_t *ts, size_t n,
                         int kind)
{
    struct ev_ctx c = {ev, 0};
    llmperf__sse sse;
    llmperf__ndjson nd;
    size_t i, start = 0;
    int rc = 0;

    memset(&sse, 0, sizeof(sse));
    memset(&nd, 0, sizeof(nd));
    for (i = 0; i < n && rc == 0; i++) {
        c.t = ts ? ts[i] : 0;
        if (kind == EV_SSE)
            rc = llmperf__sse_feed(&sse, buf + start, ends[i] - start, on_sse,
                                   &c);
        else
            rc = llmperf__ndjson_feed(&nd, buf + start, ends[i] - start,
                                      on_line, &c);
        start = ends[i];
    }
    if (rc == 0)
        rc = kind == EV_SSE ? llmperf__sse_finish(&sse)
                            : llmperf__ndjson_finish(&nd, on_line, &c);
    ev->parse_rc = rc;
    llmperf__sse_reset(&sse);
    llmperf__ndjson_reset(&nd);
}

void events_parse(struct event_list *ev, const struct xfer *x, int kind)
{
    memset(ev, 0, sizeof(*ev));
    parse_pieces(ev, x->body ? x->body : "", x->piece_end, x->piece_t,
                 x->n_pieces, kind);
}

int events_parse_file(struct event_list *ev, const char *path, int kind)
{
    size_t len = 0;
    char *buf = read_file_all(path, &len);

    memset(ev, 0, sizeof(*ev));
    if (!buf)
        return -1;
    parse_pieces(ev, buf, &len, NULL, 1, kind);
    free(buf);
    return 0;
}

void events_free(struct event_list *ev)
{
    size_t i;

    for (i = 0; i < ev->n; i++) {
        if (ev->obj[i])
            json_object_put(ev->obj[i]);
        free(ev->raw[i]);
    }
    ev->n = 0;
}

/* ---- JSON -------------------------------------------------------------- */

static const char *type_class(json_object *o)
{
    switch (o ? json_object_get_type(o) : json_type_null) {
    case json_type_null: return "null";
    case json_type_boolean: return "bool";
    case json_type_int:
    case json_type_double: return "number";
    case json_type_string: return "string";
    case json_type_array: return "array";
    default: return "object";
    }
}

static char diff_msg[512];

static const char *shape(json_object *got, json_object *want, int extra_ok,
                         const char *path)
{
    const char *tg = type_class(got), *tw = type_class(want), *r;
    char sub[256];

    if (strcmp(tg, tw) != 0) {
        snprintf(diff_msg, sizeof(diff_msg), "%s: type %s, fixture has %s",
                 path, tg, tw);
        return diff_msg;
    }
    if (strcmp(tg, "object") == 0) {
        json_object_object_foreach(want, k, wv) {
            json_object *gv;

            snprintf(sub, sizeof(sub), "%s.%s", path, k);
            if (!json_object_object_get_ex(got, k, &gv)) {
                snprintf(diff_msg, sizeof(diff_msg), "%s: missing", sub);
                return diff_msg;
            }
            if ((r = shape(gv, wv, extra_ok, sub)) != NULL)
                return r;
        }
        if (!extra_ok) {
            json_object_object_foreach(got, k2, gv2) {
                (void)gv2;
                if (!json_object_object_get_ex(want, k2, NULL)) {
                    snprintf(diff_msg, sizeof(diff_msg),
                             "%s.%s: not in the fixture", path, k2);
                    return diff_msg;
                }
            }
        }
    } else if (strcmp(tg, "array") == 0 &&
               json_object_array_length(got) > 0 &&
               json_object_array_length(want) > 0) {
        snprintf(sub, sizeof(sub), "%s[0]", path);
        return shape(json_object_array_get_idx(got, 0),
                     json_object_array_get_idx(want, 0), extra_ok, sub);
    }
    return NULL;
}

const char *json_shape_diff(json_object *got, json_object *want,
                            int extra_ok)
{
    return shape(got, want, extra_ok, "$");
}

json_object *jget(json_object *o, const char *path)
{
    char buf[256], *save = NULL, *tok;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok && o;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)atoi(tok));
        else if (!json_object_object_get_ex(o, tok, &o))
            o = NULL;
    }
    return o;
}

int64_t jint(json_object *o, const char *path)
{
    json_object *v = jget(o, path);

    return v ? json_object_get_int64(v) : -1;
}

const char *jstr(json_object *o, const char *path)
{
    json_object *v = jget(o, path);

    return v && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

/* ---- files ------------------------------------------------------------- */

char *read_file_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

json_object **log_read(const struct mockp *p, size_t *n)
{
    size_t len = 0, cap = 0;
    char *buf = read_file_all(p->log_path, &len), *line, *save = NULL;
    json_object **out = NULL;

    *n = 0;
    if (!buf)
        return NULL;
    for (line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (*n == cap) {
            json_object **o;

            cap = cap ? cap * 2 : 64;
            o = realloc(out, cap * sizeof(*o));
            if (!o)
                break;
            out = o;
        }
        out[*n] = json_tokener_parse(line);
        (*n)++;
    }
    free(buf);
    return out;
}

void log_free(json_object **lines, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (lines[i])
            json_object_put(lines[i]);
    free(lines);
}
