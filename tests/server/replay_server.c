/* SPDX-License-Identifier: MIT */
/*
 * llmperf_replay_server: a canned-response HTTP/1.1 server for tests.
 * It listens on 127.0.0.1 only, prints "PORT <n>", and replays a fixture
 * body (or a whole raw response) with chosen framing, write splits,
 * delays, stalls and cuts, so client tests can reproduce what real LLM
 * servers do on the wire. One poll() loop serves many connections at
 * once; there are no threads and no dependency on the library.
 * Usage and the request log format: see tests/unit/testsrv.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 128
#define MAX_HEAD (64 * 1024)           /* request line + headers */
#define MAX_BODY (64 * 1024 * 1024)    /* request body */
#define MAX_SPLITS 4096
#define MAX_HEADERS 64
#define MAX_ROUTES 32
#define DRAIN_MS 1000   /* linger after our FIN so the peer reads it all */

enum framing { FR_UNSET, FR_CHUNKED, FR_LENGTH, FR_CLOSE };
enum kind { K_BODY, K_RAW, K_REFRAME, K_GARBAGE, K_NORESP, K_NOTFOUND };
enum end_action { END_KEEP, END_CLOSE };
enum cstate { ST_READ, ST_WRITE, ST_DRAIN };

struct blob {
    unsigned char *data;
    size_t len;
};

struct route {
    const char *path;
    enum kind kind;
    struct blob file;
};

struct opts {
    enum kind kind;                    /* default response */
    struct blob file;
    const char *status;
    const char *headers[MAX_HEADERS];
    size_t nheaders;
    enum framing framing;
    size_t splits[MAX_SPLITS];
    size_t nsplits;
    size_t split_every;
    long delay_ms, first_byte_delay_ms, stall_ms;
    long long stall_at, cut_at;        /* -1: not set */
    long long requests;                /* 0: unlimited */
    long max_seconds;                  /* 0: unlimited */
    const char *log_path;
    struct route routes[MAX_ROUTES];
    size_t nroutes;
};

struct piece {
    long delay_ms;                     /* wait before writing this piece */
    char *data;
    size_t len;
};

struct plan {
    struct piece *v;
    size_t n, cap;
    enum end_action end;
};

struct conn {
    int fd;
    enum cstate state;
    char *in;
    size_t in_len, in_cap;
    int sent_continue;
    struct plan plan;
    size_t step, off;
    int64_t due_ns;                    /* next write or drain deadline */
    int close_after;                   /* the request asked for close */
};

static volatile sig_atomic_t g_stop;
static struct opts g_o;
static int g_logfd = -1;
static long long g_completed;          /* responses fully handled */
static long long g_received;           /* requests fully read */

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "replay_server: %s\n", what);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        die("out of memory");
    return p;
}

static int load_file(const char *path, struct blob *out)
{
    FILE *f = fopen(path, "rb");
    long sz;
    int rc = -1;

    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto out;
    out->data = xmalloc((size_t)sz + 1);
    out->len = fread(out->data, 1, (size_t)sz, f);
    out->data[out->len] = 0;
    rc = out->len == (size_t)sz ? 0 : -1;
out:
    fclose(f);
    return rc;
}

static long long parse_num(const char *s, const char *opt)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0) {
        fprintf(stderr, "replay_server: bad number for %s: %s\n", opt, s);
        exit(2);
    }
    return v;
}

static void usage(void)
{
    fputs("usage: llmperf_replay_server [--response FILE | --raw FILE |\n"
          "  --raw-reframe FILE | --empty | --garbage | --no-response]\n"
          "  [--status \"200 OK\"] [--header \"K: V\"]...\n"
          "  [--framing chunked|length|close] [--split A,B,..]\n"
          "  [--split-every N] [--delay-ms D] [--first-byte-delay-ms D]\n"
          "  [--stall-at OFF --stall-ms D] [--cut-at OFF] [--requests N]\n"
          "  [--max-seconds S] [--log FILE] [--route PATH=FILE]...\n"
          "  [--route-raw PATH=FILE]...\n", stderr);
    exit(2);
}

static void add_route(const char *arg, enum kind kind)
{
    const char *eq = strchr(arg, '=');
    struct route *r;
    char *path;

    if (!eq || eq == arg || g_o.nroutes == MAX_ROUTES)
        usage();
    r = &g_o.routes[g_o.nroutes++];
    path = xmalloc((size_t)(eq - arg) + 1);
    memcpy(path, arg, (size_t)(eq - arg));
    path[eq - arg] = 0;
    r->path = path;
    r->kind = kind;
    if (load_file(eq + 1, &r->file) != 0) {
        fprintf(stderr, "replay_server: cannot read %s\n", eq + 1);
        exit(2);
    }
}

static void add_splits(const char *list)
{
    const char *p = list;

    while (*p) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(p, &end, 10);
        if (errno || end == p || v < 0 || (*end && *end != ','))
            die("bad --split list");
        if (g_o.nsplits == MAX_SPLITS)
            die("too many --split offsets");
        g_o.splits[g_o.nsplits++] = (size_t)v;
        p = *end ? end + 1 : end;
    }
}

static void parse_args(int argc, char **argv)
{
    const char *file = NULL;
    int i, explicit_default = 0;

    g_o.kind = K_BODY;
    g_o.status = "200 OK";
    g_o.stall_at = -1;
    g_o.cut_at = -1;
    g_o.max_seconds = 60;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;

        if (!strcmp(a, "--empty")) {
            g_o.kind = K_BODY;
            file = NULL;
            takes = 0;
            explicit_default = 1;
        }
        else if (!strcmp(a, "--garbage"))
            g_o.kind = K_GARBAGE, takes = 0;
        else if (!strcmp(a, "--no-response"))
            g_o.kind = K_NORESP, takes = 0;
        else if (!v)
            usage();
        else if (!strcmp(a, "--response"))
            g_o.kind = K_BODY, file = v;
        else if (!strcmp(a, "--raw"))
            g_o.kind = K_RAW, file = v;
        else if (!strcmp(a, "--raw-reframe"))
            g_o.kind = K_REFRAME, file = v;
        else if (!strcmp(a, "--status"))
            g_o.status = v;
        else if (!strcmp(a, "--header")) {
            if (g_o.nheaders == MAX_HEADERS)
                die("too many --header");
            g_o.headers[g_o.nheaders++] = v;
        } else if (!strcmp(a, "--framing")) {
            if (!strcmp(v, "chunked"))
                g_o.framing = FR_CHUNKED;
            else if (!strcmp(v, "length"))
                g_o.framing = FR_LENGTH;
            else if (!strcmp(v, "close"))
                g_o.framing = FR_CLOSE;
            else
                usage();
        } else if (!strcmp(a, "--split"))
            add_splits(v);
        else if (!strcmp(a, "--split-every"))
            g_o.split_every = (size_t)parse_num(v, a);
        else if (!strcmp(a, "--delay-ms"))
            g_o.delay_ms = (long)parse_num(v, a);
        else if (!strcmp(a, "--first-byte-delay-ms"))
            g_o.first_byte_delay_ms = (long)parse_num(v, a);
        else if (!strcmp(a, "--stall-at"))
            g_o.stall_at = parse_num(v, a);
        else if (!strcmp(a, "--stall-ms"))
            g_o.stall_ms = (long)parse_num(v, a);
        else if (!strcmp(a, "--cut-at"))
            g_o.cut_at = parse_num(v, a);
        else if (!strcmp(a, "--requests"))
            g_o.requests = parse_num(v, a);
        else if (!strcmp(a, "--max-seconds"))
            g_o.max_seconds = (long)parse_num(v, a);
        else if (!strcmp(a, "--log"))
            g_o.log_path = v;
        else if (!strcmp(a, "--route"))
            add_route(v, K_BODY);
        else if (!strcmp(a, "--route-raw"))
            add_route(v, K_RAW);
        else
            usage();
        i += takes;
    }
    if (file && load_file(file, &g_o.file) != 0) {
        fprintf(stderr, "replay_server: cannot read %s\n", file);
        exit(2);
    }
    /* Routes alone: other paths get 404 rather than an empty 200. */
    if (!file && !explicit_default && g_o.kind == K_BODY && g_o.nroutes)
        g_o.kind = K_NOTFOUND;
}

/* ---- response plans ----------------------------------------------- */

static void plan_add(struct plan *p, long delay_ms, const void *data,
                     size_t len)
{
    struct piece *pc;

    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct piece *v = realloc(p->v, cap * sizeof(*v));

        if (!v)
            die("out of memory");
        p->v = v;
        p->cap = cap;
    }
    pc = &p->v[p->n++];
    pc->delay_ms = delay_ms;
    pc->data = xmalloc(len);
    if (len)
        memcpy(pc->data, data, len);
    pc->len = len;
}

static void plan_free(struct plan *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        free(p->v[i].data);
    free(p->v);
    memset(p, 0, sizeof(*p));
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* Write boundaries inside [0, len]: --split, --split-every, the stall and
 * the cut offsets, sorted and unique; 0 and len are always included. */
static size_t *cut_points(size_t len, size_t *n_out)
{
    size_t cap = g_o.nsplits + 4, n = 0, i, k;
    size_t *v;

    if (g_o.split_every)
        cap += len / g_o.split_every + 1;
    v = xmalloc(cap * sizeof(*v));
    v[n++] = 0;
    v[n++] = len;
    for (i = 0; i < g_o.nsplits; i++)
        if (g_o.splits[i] < len)
            v[n++] = g_o.splits[i];
    if (g_o.split_every)
        for (k = g_o.split_every; k < len; k += g_o.split_every)
            v[n++] = k;
    if (g_o.stall_at >= 0 && (unsigned long long)g_o.stall_at < len)
        v[n++] = (size_t)g_o.stall_at;
    if (g_o.cut_at >= 0 && (unsigned long long)g_o.cut_at < len)
        v[n++] = (size_t)g_o.cut_at;
    qsort(v, n, sizeof(*v), cmp_size);
    for (i = k = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    *n_out = k;
    return v;
}

/* Delay before the write that starts at body offset off (not the first). */
static long piece_delay(size_t off)
{
    if (g_o.stall_at >= 0 && (unsigned long long)g_o.stall_at == off)
        return g_o.stall_ms;
    return g_o.delay_ms;
}

static int is_cut(size_t off)
{
    return g_o.cut_at >= 0 &&
           (unsigned long long)off >= (unsigned long long)g_o.cut_at;
}

/* Body pieces after the head; returns 1 if the stream was cut. */
static int plan_body(struct plan *p, const unsigned char *body, size_t len,
                     enum framing fr)
{
    size_t n, i;
    size_t *pt = cut_points(len, &n);
    int cut = 0;

    for (i = 0; i + 1 < n; i++) {
        size_t a = pt[i], b = pt[i + 1];
        long d = i == 0 && !(g_o.stall_at == 0) ? 0 : piece_delay(a);

        if (is_cut(a)) {
            cut = 1;
            break;
        }
        if (fr == FR_CHUNKED) {
            char hex[24];
            int hl = snprintf(hex, sizeof(hex), "%zx\r\n", b - a);
            char *buf = xmalloc((size_t)hl + (b - a) + 2);

            memcpy(buf, hex, (size_t)hl);
            memcpy(buf + hl, body + a, b - a);
            memcpy(buf + hl + (b - a), "\r\n", 2);
            plan_add(p, d, buf, (size_t)hl + (b - a) + 2);
            free(buf);
        } else {
            plan_add(p, d, body + a, b - a);
        }
    }
    if (!cut && is_cut(len))
        cut = 1;
    /* A cut chunked stream lacks the terminating zero chunk, which is
     * exactly what "the server died mid-stream" looks like. */
    if (!cut && fr == FR_CHUNKED)
        plan_add(p, g_o.stall_at >= 0 &&
                    (unsigned long long)g_o.stall_at == len && len
                    ? g_o.stall_ms : 0, "0\r\n\r\n", 5);
    free(pt);
    return cut;
}

static int has_header(const char *head, size_t len, const char *name,
                      const char *value_has)
{
    const char *p = head, *end = head + len;
    size_t nl = strlen(name);

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);

        if (ll > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            size_t j, vl = value_has ? strlen(value_has) : 0;

            if (!value_has)
                return 1;
            for (j = nl + 1; j + vl <= ll; j++)
                if (!strncasecmp(p + j, value_has, vl))
                    return 1;
        }
        p += ll + 1;
    }
    return 0;
}

/* Status line + header lines + framing header, into p as one piece. */
static void plan_head(struct plan *p, const char *status_line,
                      size_t sl_len, const char *const *hdrs,
                      const size_t *hlens, size_t nh, enum framing fr,
                      size_t body_len)
{
    size_t cap = sl_len + 128, n = 0, i;
    char *buf;

    for (i = 0; i < nh; i++)
        cap += hlens[i] + 2;
    buf = xmalloc(cap);
    memcpy(buf, status_line, sl_len);
    n = sl_len;
    memcpy(buf + n, "\r\n", 2);
    n += 2;
    for (i = 0; i < nh; i++) {
        memcpy(buf + n, hdrs[i], hlens[i]);
        n += hlens[i];
        memcpy(buf + n, "\r\n", 2);
        n += 2;
    }
    if (fr == FR_CHUNKED)
        n += (size_t)snprintf(buf + n, cap - n,
                              "Transfer-Encoding: chunked\r\n");
    else if (fr == FR_LENGTH)
        n += (size_t)snprintf(buf + n, cap - n, "Content-Length: %zu\r\n",
                              body_len);
    else
        n += (size_t)snprintf(buf + n, cap - n, "Connection: close\r\n");
    memcpy(buf + n, "\r\n", 2);
    n += 2;
    plan_add(p, g_o.first_byte_delay_ms, buf, n);
    p->end = fr == FR_CLOSE || has_header(buf, n, "Connection", "close")
             ? END_CLOSE : END_KEEP;
    free(buf);
}

static void build_body(struct plan *p, const char *status,
                       const struct blob *body)
{
    char sl[512];
    int sl_len = snprintf(sl, sizeof(sl), "HTTP/1.1 %s", status);
    size_t hl[MAX_HEADERS], i;
    enum framing fr = g_o.framing == FR_UNSET ? FR_CHUNKED : g_o.framing;

    if (sl_len < 0 || (size_t)sl_len >= sizeof(sl))
        sl_len = (int)sizeof(sl) - 1;
    for (i = 0; i < g_o.nheaders; i++)
        hl[i] = strlen(g_o.headers[i]);
    plan_head(p, sl, (size_t)sl_len, g_o.headers, hl, g_o.nheaders, fr,
              body->len);
    if (plan_body(p, body->data, body->len, fr))
        p->end = END_CLOSE;
}

/* Split a raw response into head (without the blank line) and body. */
static size_t head_end(const struct blob *b, size_t *body_off)
{
    const unsigned char *e;
    size_t i;

    for (i = 0; i + 3 < b->len; i++) {
        e = b->data + i;
        if (e[0] == '\r' && e[1] == '\n' && e[2] == '\r' && e[3] == '\n') {
            *body_off = i + 4;
            return i;
        }
    }
    *body_off = b->len;
    return b->len;
}

/* --raw: the file's bytes as they are, split at file offsets. */
static void build_raw(struct plan *p, const struct blob *b)
{
    size_t body_off, hl = head_end(b, &body_off), n, i;
    size_t *pt = cut_points(b->len, &n);
    const char *h = (const char *)b->data;
    int cut = 0;

    for (i = 0; i + 1 < n; i++) {
        size_t a = pt[i];
        long d = i == 0 ? g_o.first_byte_delay_ms : piece_delay(a);

        if (is_cut(a)) {
            cut = 1;
            break;
        }
        plan_add(p, d, b->data + a, pt[i + 1] - a);
    }
    free(pt);
    if (cut || is_cut(b->len) ||
        has_header(h, hl, "Connection", "close") ||
        (!has_header(h, hl, "Content-Length", NULL) &&
         !has_header(h, hl, "Transfer-Encoding", "chunked")))
        p->end = END_CLOSE;
}

/* --raw-reframe: the file's status line and headers, minus its framing
 * headers, with the body after the blank line framed again (the file's
 * own framing unless --framing is given). For captures whose body was
 * already de-chunked or whose Content-Length is stale. */
static void build_reframe(struct plan *p, const struct blob *b)
{
    size_t body_off, hl = head_end(b, &body_off), nh = 0, lens[MAX_HEADERS];
    const char *hdrs[MAX_HEADERS];
    const char *h = (const char *)b->data, *line = h, *end = h + hl;
    const char *sl = h;
    size_t sl_len = 0;
    enum framing fr = g_o.framing;
    struct blob body;
    int first = 1;

    if (fr == FR_UNSET)
        fr = has_header(h, hl, "Transfer-Encoding", "chunked")
             ? FR_CHUNKED
             : has_header(h, hl, "Content-Length", NULL) ? FR_LENGTH
                                                         : FR_CLOSE;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        size_t ll = eol ? (size_t)(eol - line) : (size_t)(end - line);
        size_t adv = ll + 1;

        if (ll && line[ll - 1] == '\r')
            ll--;
        if (first) {
            sl_len = ll;
            first = 0;
        } else if (nh < MAX_HEADERS &&
                   !has_header(line, ll, "Content-Length", NULL) &&
                   !has_header(line, ll, "Transfer-Encoding", NULL)) {
            hdrs[nh] = line;
            lens[nh++] = ll;
        }
        line += adv;
    }
    plan_head(p, sl, sl_len, hdrs, lens, nh, fr, b->len - body_off);
    body.data = b->data + body_off;
    body.len = b->len - body_off;
    if (plan_body(p, body.data, body.len, fr))
        p->end = END_CLOSE;
}

static void build_plan(struct plan *p, const char *path, size_t path_len)
{
    static const char garbage[] =
        "\x16\x03\x01\x02\x00garbage: this is not an HTTP response\n"
        "\xff\xfe\x00\x01 SSH-2.0-nope\r\n\r\n";
    static const struct blob empty = { NULL, 0 };
    const struct route *r = NULL;
    enum kind kind = g_o.kind;
    const struct blob *file = &g_o.file;
    size_t i, plen = path_len;
    const char *q = memchr(path, '?', path_len);

    /* Match the whole target first, then the path without its query. */
    for (i = 0; i < g_o.nroutes && !r; i++)
        if (strlen(g_o.routes[i].path) == path_len &&
            !memcmp(g_o.routes[i].path, path, path_len))
            r = &g_o.routes[i];
    if (q)
        plen = (size_t)(q - path);
    for (i = 0; i < g_o.nroutes && !r; i++)
        if (strlen(g_o.routes[i].path) == plen &&
            !memcmp(g_o.routes[i].path, path, plen))
            r = &g_o.routes[i];
    if (r) {
        kind = r->kind;
        file = &r->file;
    }
    memset(p, 0, sizeof(*p));
    switch (kind) {
    case K_BODY:
        build_body(p, g_o.status, file->data ? file : &empty);
        break;
    case K_NOTFOUND:
        build_body(p, "404 Not Found", &empty);
        break;
    case K_RAW:
        build_raw(p, file);
        break;
    case K_REFRAME:
        build_reframe(p, file);
        break;
    case K_GARBAGE:
        plan_add(p, g_o.first_byte_delay_ms, garbage, sizeof(garbage) - 1);
        p->end = END_CLOSE;
        break;
    case K_NORESP:
        p->end = END_CLOSE;
        break;
    }
}

/* Raw fixtures copied from `curl -i` often hold a de-chunked body under
 * "Transfer-Encoding: chunked", or a stale Content-Length. --raw sends
 * them as they are (that is its contract), so say so on stderr. */
static void check_raw(const char *what, const struct blob *b)
{
    size_t body_off, hl = head_end(b, &body_off);
    const char *h = (const char *)b->data, *cl;
    size_t body = b->len - body_off;

    if (has_header(h, hl, "Transfer-Encoding", "chunked")) {
        const unsigned char *d = b->data + body_off;
        size_t i = 0;

        while (i < body && strchr("0123456789abcdefABCDEF", d[i]) && d[i])
            i++;
        if (i == 0 || i + 1 >= body || d[i] != '\r' || d[i + 1] != '\n')
            fprintf(stderr, "replay_server: warning: %s says chunked but "
                    "its body is not chunk-encoded (try --raw-reframe)\n",
                    what);
    }
    cl = NULL;
    if (has_header(h, hl, "Content-Length", NULL)) {
        size_t i;

        for (i = 0; i + 15 < hl && !cl; i++)
            if ((i == 0 || h[i - 1] == '\n') &&
                !strncasecmp(h + i, "Content-Length:", 15))
                cl = h + i + 15;
        if (cl && strtoull(cl, NULL, 10) != body)
            fprintf(stderr, "replay_server: warning: %s has Content-Length "
                    "%llu but a %zu-byte body (try --raw-reframe)\n", what,
                    strtoull(cl, NULL, 10), body);
    }
}

/* ---- request log --------------------------------------------------- */

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* One record per request; format documented in tests/unit/testsrv.h. */
static void log_request(const char *req, size_t head_len, size_t body_len)
{
    char top[64];
    char *buf;
    size_t n = 0, i;
    int tl;

    if (g_logfd < 0)
        return;
    buf = xmalloc(head_len + body_len + 128);
    tl = snprintf(top, sizeof(top), "== REQUEST %lld %zu\n", g_received,
                  body_len);
    memcpy(buf, top, (size_t)tl);
    n = (size_t)tl;
    /* Header block with CRLF turned into LF; it ends with an empty line. */
    for (i = 0; i < head_len; i++)
        if (!(req[i] == '\r' && i + 1 < head_len && req[i + 1] == '\n'))
            buf[n++] = req[i];
    memcpy(buf + n, req + head_len, body_len);
    n += body_len;
    n += (size_t)snprintf(buf + n, 64, "\n== END %lld\n", g_received);
    write_all(g_logfd, buf, n);
    free(buf);
}

/* ---- connections --------------------------------------------------- */

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->in);
    c->in = NULL;
    c->in_len = c->in_cap = 0;
    plan_free(&c->plan);
}

/* Half-close, then read and drop until EOF so that closing never sends a
 * RST that could make the peer lose the tail of our response. */
static void conn_finish(struct conn *c)
{
    shutdown(c->fd, SHUT_WR);
    c->state = ST_DRAIN;
    c->due_ns = now_ns() + (int64_t)DRAIN_MS * 1000000;
    plan_free(&c->plan);
}

static void conn_start_plan(struct conn *c)
{
    c->step = 0;
    c->off = 0;
    c->state = ST_WRITE;
    c->due_ns = now_ns() +
                (c->plan.n ? (int64_t)c->plan.v[0].delay_ms * 1000000 : 0);
}

static const char *find_crlfcrlf(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i + 3 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' &&
            p[i + 3] == '\n')
            return p + i;
    return NULL;
}

static void bad_request(struct conn *c, const char *status)
{
    char buf[160];
    int n = snprintf(buf, sizeof(buf), "HTTP/1.1 %s\r\nContent-Length: 0"
                     "\r\nConnection: close\r\n\r\n", status);

    plan_free(&c->plan);
    plan_add(&c->plan, 0, buf, (size_t)n);
    c->plan.end = END_CLOSE;
    c->in_len = 0;
    conn_start_plan(c);
}

/* Try to take one whole request from c->in; start its response. */
static void conn_parse(struct conn *c)
{
    const char *hend, *sp1, *sp2, *line, *end;
    size_t head_len, body_len = 0, total;
    int expect = 0, chunked = 0, http10 = 0, ka = 0;

    if (c->state != ST_READ || !c->in_len)
        return;
    hend = find_crlfcrlf(c->in, c->in_len);
    if (!hend) {
        if (c->in_len > MAX_HEAD)
            bad_request(c, "431 Request Header Fields Too Large");
        return;
    }
    head_len = (size_t)(hend - c->in) + 4;
    end = c->in + head_len - 2;
    line = memchr(c->in, '\n', head_len);
    sp1 = memchr(c->in, ' ', head_len);
    sp2 = sp1 && sp1 < line
          ? memchr(sp1 + 1, ' ', (size_t)(line - sp1 - 1)) : NULL;
    if (!sp2 || sp1 == c->in || sp2 == sp1 + 1) {
        bad_request(c, "400 Bad Request");
        return;
    }
    http10 = !strncmp(sp2 + 1, "HTTP/1.0", 8);
    for (line = line + 1; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line) + 1);
        size_t ll = (size_t)(eol - line);

        if (ll >= 15 && !strncasecmp(line, "Content-Length:", 15)) {
            char *e;
            unsigned long long v = strtoull(line + 15, &e, 10);

            if (v > MAX_BODY) {
                bad_request(c, "413 Content Too Large");
                return;
            }
            body_len = (size_t)v;
        }
        if (has_header(line, ll, "Transfer-Encoding", "chunked"))
            chunked = 1;
        if (has_header(line, ll, "Expect", "100-continue"))
            expect = 1;
        if (has_header(line, ll, "Connection", "close"))
            c->close_after = 1;
        if (has_header(line, ll, "Connection", "keep-alive"))
            ka = 1;
        line = eol + 1;
    }
    if (chunked) {  /* test clients always know their body size */
        bad_request(c, "411 Length Required");
        return;
    }
    if (http10 && !ka)
        c->close_after = 1;
    total = head_len + body_len;
    if (c->in_len < total) {
        if (expect && !c->sent_continue) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

            c->sent_continue = 1;
            /* 25 bytes into an idle socket: a short write cannot happen
             * in practice, and the client falls back to sending anyway. */
            if (send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL) < 0)
                c->close_after = 1;
        }
        return;
    }
    g_received++;
    log_request(c->in, head_len, body_len);
    build_plan(&c->plan, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    if (c->close_after)
        c->plan.end = END_CLOSE;
    memmove(c->in, c->in + total, c->in_len - total);
    c->in_len -= total;
    c->sent_continue = 0;
    conn_start_plan(c);
}

static void conn_done_response(struct conn *c)
{
    g_completed++;
    if (c->plan.end == END_CLOSE) {
        conn_finish(c);
        return;
    }
    plan_free(&c->plan);
    c->state = ST_READ;
    conn_parse(c);  /* a pipelined request may already be buffered */
}

static void conn_write(struct conn *c)
{
    while (c->state == ST_WRITE) {
        struct piece *pc;
        ssize_t w;

        if (c->step == c->plan.n) {
            conn_done_response(c);
            return;
        }
        if (now_ns() < c->due_ns)
            return;
        pc = &c->plan.v[c->step];
        w = send(c->fd, pc->data + c->off, pc->len - c->off, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
                      errno == EINTR))
            return;
        if (w < 0) {
            conn_close(c);
            return;
        }
        c->off += (size_t)w;
        if (c->off < pc->len)
            return;
        c->off = 0;
        c->step++;
        c->due_ns = now_ns();
        if (c->step < c->plan.n)
            c->due_ns += (int64_t)c->plan.v[c->step].delay_ms * 1000000;
    }
}

static void conn_read(struct conn *c)
{
    char tmp[16384];
    ssize_t r = recv(c->fd, tmp, sizeof(tmp), 0);

    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r <= 0) {
        conn_close(c);
        return;
    }
    if (c->state == ST_DRAIN)
        return;
    if (c->in_len + (size_t)r > c->in_cap) {
        size_t cap = c->in_cap ? c->in_cap : 16384;
        char *p;

        while (cap < c->in_len + (size_t)r)
            cap *= 2;
        if (cap > MAX_HEAD + MAX_BODY + sizeof(tmp)) {
            conn_close(c);
            return;
        }
        p = realloc(c->in, cap);
        if (!p) {
            conn_close(c);
            return;
        }
        c->in = p;
        c->in_cap = cap;
    }
    memcpy(c->in + c->in_len, tmp, (size_t)r);
    c->in_len += (size_t)r;
    conn_parse(c);
}

static int listen_loopback(int *port)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static void accept_one(int lfd, struct conn *conns)
{
    int fd = accept(lfd, NULL, NULL), one = 1, i;

    if (fd < 0)
        return;
    for (i = 0; i < MAX_CONNS; i++)
        if (conns[i].fd < 0)
            break;
    if (i == MAX_CONNS || fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        close(fd);
        return;
    }
    /* Each planned write must leave at once as its own segment. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&conns[i], 0, sizeof(conns[i]));
    conns[i].fd = fd;
    conns[i].state = ST_READ;
}

static void serve(int lfd)
{
    static struct conn conns[MAX_CONNS];
    struct pollfd pfd[MAX_CONNS + 1];
    int64_t deadline = g_o.max_seconds
                       ? now_ns() + (int64_t)g_o.max_seconds * 1000000000
                       : INT64_MAX;
    int i;

    for (i = 0; i < MAX_CONNS; i++)
        conns[i].fd = -1;
    while (!g_stop && now_ns() < deadline &&
           !(g_o.requests && g_completed >= g_o.requests)) {
        int64_t now = now_ns(), wake = now + 250 * 1000000LL;
        int timeout;

        if (deadline < wake)
            wake = deadline;
        pfd[0].fd = lfd;
        pfd[0].events = POLLIN;
        for (i = 0; i < MAX_CONNS; i++) {
            struct conn *c = &conns[i];

            pfd[i + 1].fd = c->fd;
            pfd[i + 1].events = POLLIN;
            pfd[i + 1].revents = 0;
            if (c->fd < 0)
                continue;
            if (c->state == ST_DRAIN && c->due_ns < wake)
                wake = c->due_ns;
            if (c->state == ST_WRITE) {
                /* Waiting on a timer: leave the fd out of poll. */
                if (c->due_ns > now) {
                    pfd[i + 1].fd = -1;
                    if (c->due_ns < wake)
                        wake = c->due_ns;
                } else {
                    pfd[i + 1].events = POLLOUT;
                }
            }
        }
        timeout = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
        if (poll(pfd, MAX_CONNS + 1, timeout) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents & POLLIN)
            accept_one(lfd, conns);
        now = now_ns();
        for (i = 0; i < MAX_CONNS; i++) {
            struct conn *c = &conns[i];
            short re = pfd[i + 1].fd >= 0 ? pfd[i + 1].revents : 0;

            if (c->fd < 0)
                continue;
            if (c->state == ST_DRAIN && now >= c->due_ns) {
                conn_close(c);
                continue;
            }
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                if (c->state == ST_WRITE)
                    conn_write(c);  /* POLLERR: send reports it */
                else
                    conn_read(c);
            }
            if (c->fd >= 0 && c->state == ST_WRITE)
                conn_write(c);
        }
    }
    for (i = 0; i < MAX_CONNS; i++)
        if (conns[i].fd >= 0)
            conn_close(&conns[i]);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    int lfd, port = 0;
    size_t i;

    parse_args(argc, argv);
    if (g_o.kind == K_RAW)
        check_raw("--raw file", &g_o.file);
    for (i = 0; i < g_o.nroutes; i++)
        if (g_o.routes[i].kind == K_RAW)
            check_raw(g_o.routes[i].path, &g_o.routes[i].file);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;  /* no SA_RESTART: poll() must wake up */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (g_o.log_path) {
        g_logfd = open(g_o.log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (g_logfd < 0)
            die("cannot open the --log file");
    }
    lfd = listen_loopback(&port);
    if (lfd < 0)
        die("cannot listen on 127.0.0.1");
    printf("PORT %d\n", port);
    fflush(stdout);
    serve(lfd);
    close(lfd);
    if (g_logfd >= 0)
        close(g_logfd);
    free(g_o.file.data);
    for (i = 0; i < g_o.nroutes; i++) {
        free((void *)g_o.routes[i].path);
        free(g_o.routes[i].file.data);
    }
    return 0;
}
