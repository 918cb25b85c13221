/* SPDX-License-Identifier: MIT */
/*
 * h1conn.c -- the runner's plain-HTTP/1.1 transport (see h1conn.h).
 *
 * Behaviour follows libcurl's where a user could tell the difference:
 * the same request head (our headers, the user's, "Name:" removing a
 * header), every resolved address tried in turn, a request that finds
 * its kept-alive connection closed by the server resent once on a fresh
 * one, and the same CURLcode for each failure.
 */
#include "h1conn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "config_int.h"
#include "internal.h"
#include "llmperf/version.h"

enum { ST_IDLE, ST_CONNECTING, ST_SENDING, ST_RECEIVING, ST_DONE };

#define MS INT64_C(1000000)

#ifndef SCM_TIMESTAMPNS
#define SCM_TIMESTAMPNS SO_TIMESTAMPNS /* the same value in Linux */
#endif

/* ---- target ------------------------------------------------------------- */

static int env_set(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0';
}

int llmperf__h1_usable(const llmperf_client *c, const char **why)
{
    const char *w = NULL;

    if (strncasecmp(c->url, "http://", 7) != 0)
        w = "not a plain http:// URL";
    else if (c->userinfo != NULL)
        w = "credentials in the URL";
    else if (env_set("http_proxy") || env_set("all_proxy") ||
             env_set("ALL_PROXY"))
        w = "a proxy is set in the environment";
    if (why != NULL)
        *why = w;
    return w == NULL;
}

static int grow_append(char **buf, size_t *len, size_t *cap, const char *s,
                       size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap * 2 : 256);
        char *g;

        while (nc < *len + n + 1)
            nc *= 2;
        g = llmperf__realloc(*buf, nc);
        if (g == NULL)
            return LLMPERF_ENOMEM;
        *buf = g;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return LLMPERF_OK;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s)
{
    return grow_append(buf, len, cap, s, strlen(s));
}

static int resolve(llmperf__h1_target *t, const char *host, const char *port,
                   char *err, size_t errsize)
{
    struct addrinfo hints, *res = NULL, *ai;
    char name[256];
    size_t n = strlen(host);
    int gai;

    /* "[::1]" -> "::1" */
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n >= sizeof(name)) {
        snprintf(err, errsize, "host name too long");
        return LLMPERF_EINVAL;
    }
    memcpy(name, host, n);
    name[n] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    gai = getaddrinfo(name, port, &hints, &res);
    if (gai != 0 && gai != EAI_MEMORY) {
        /* AI_ADDRCONFIG hides loopback addresses on a host without any
         * other interface: ask again without it. */
        hints.ai_flags = AI_NUMERICSERV;
        gai = getaddrinfo(name, port, &hints, &res);
    }
    if (gai != 0) {
        snprintf(err, errsize, "Could not resolve host: %s (%s)", name,
                 gai_strerror(gai));
        return gai == EAI_MEMORY ? LLMPERF_ENOMEM : LLMPERF_ECONNECT;
    }
    for (ai = res; ai != NULL && t->n_addr < LLMPERF__H1_MAX_ADDRS;
         ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(t->addr[0]))
            continue;
        memcpy(&t->addr[t->n_addr], ai->ai_addr, ai->ai_addrlen);
        t->addr_len[t->n_addr++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    if (t->n_addr == 0) {
        snprintf(err, errsize, "Could not resolve host: %s", name);
        return LLMPERF_ECONNECT;
    }
    snprintf(t->host, sizeof(t->host), "%.100s port %.8s", name, port);
    return LLMPERF_OK;
}

int llmperf__h1_target_init(llmperf__h1_target *t, const llmperf_client *c,
                            char *err, size_t errsize)
{
    const llmperf_config *cfg = c->cfg;
    CURLU *u = NULL;
    char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    size_t cap = 0;
    int rc = LLMPERF_ENOMEM;
    const char *why;

    memset(t, 0, sizeof(*t));
    t->ts_fd = -1;
    if (!llmperf__h1_usable(c, &why)) {
        snprintf(err, errsize, "own HTTP/1.1 transport not usable: %s", why);
        return LLMPERF_ENOTSUP;
    }
    u = curl_url();
    if (u == NULL)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
        snprintf(err, errsize, "URL not understood: %s", c->display_url);
        rc = LLMPERF_EINVAL;
        goto out;
    }
    /* no explicit port: the default one, and none in the Host header */
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL;
    rc = resolve(t, host, port != NULL ? port : "80", err, errsize);
    if (rc != LLMPERF_OK)
        goto out;
    rc = LLMPERF_ENOMEM;
    if (append(&t->head, &t->head_len, &cap, "POST ") ||
        append(&t->head, &t->head_len, &cap, path) ||
        (query != NULL && (append(&t->head, &t->head_len, &cap, "?") ||
                           append(&t->head, &t->head_len, &cap, query))) ||
        append(&t->head, &t->head_len, &cap, " HTTP/1.1\r\n"))
        goto out;
    t->host_off = t->head_len; /* "Host: ..." follows, unless replaced */
    if (append(&t->head, &t->head_len, &cap, "Host: ") ||
        append(&t->head, &t->head_len, &cap, host) ||
        (port != NULL && (append(&t->head, &t->head_len, &cap, ":") ||
                          append(&t->head, &t->head_len, &cap, port))) ||
        append(&t->head, &t->head_len, &cap, "\r\n"))
        goto out;
    t->connect_timeout_ns = cfg->connect_timeout_ms * MS;
    t->total_timeout_ns = cfg->total_timeout_ms * MS;
    /* The kernel stamps received packets only while some socket asks for
     * it, and switches that on from a work item a little later: a socket
     * asking from now on means the first responses are stamped too. */
    t->ts_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (t->ts_fd >= 0) {
        int one = 1;

        setsockopt(t->ts_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    }
    rc = LLMPERF_OK;
out:
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    if (rc == LLMPERF_ENOMEM)
        snprintf(err, errsize, "out of memory");
    if (rc != LLMPERF_OK)
        llmperf__h1_target_free(t);
    return rc;
}

void llmperf__h1_target_free(llmperf__h1_target *t)
{
    for (size_t i = 0; i < t->n_idle; i++)
        close(t->idle[i]);
    if (t->ts_fd >= 0)
        close(t->ts_fd);
    llmperf__free(t->idle);
    llmperf__free(t->owner);
    llmperf__free(t->head);
    memset(t, 0, sizeof(*t));
    t->ts_fd = -1;
}

/* ---- the request bytes -------------------------------------------------- */

/* The header list as libcurl sends it: "Name:" (nothing after the colon)
 * removes a header, "Name;" sends it with an empty value. */
static int build_out(llmperf__h1_req *h, const llmperf__h1_target *t,
                     const llmperf__request *req)
{
    size_t len = 0, cap = 0;
    char *out = NULL;
    char num[64];
    int ua = 0, host = 0, ok;

    /* a user "Host: x" replaces ours, and "Host:" removes it (curl) */
    for (const struct curl_slist *l = req->headers; l != NULL; l = l->next)
        if (strncasecmp(l->data, "Host:", 5) == 0)
            host = 1;
    ok = grow_append(&out, &len, &cap, t->head,
                     host ? t->host_off : t->head_len) == LLMPERF_OK;
    for (const struct curl_slist *l = req->headers; ok && l != NULL;
         l = l->next) {
        const char *s = l->data, *colon = strchr(s, ':');
        size_t n = strlen(s);

        if (strncasecmp(s, "User-Agent:", 11) == 0)
            ua = 1;
        if (colon != NULL && colon[1 + strspn(colon + 1, " \t")] == '\0')
            continue; /* "Name:" removes */
        if (colon == NULL && n > 0 && s[n - 1] == ';') {
            ok = grow_append(&out, &len, &cap, s, n - 1) == LLMPERF_OK &&
                 append(&out, &len, &cap, ":\r\n") == LLMPERF_OK;
            continue;
        }
        if (colon == NULL)
            continue; /* not a header line: curl sends it; we cannot */
        ok = grow_append(&out, &len, &cap, s, n) == LLMPERF_OK &&
             append(&out, &len, &cap, "\r\n") == LLMPERF_OK;
    }
    if (ok && !ua)
        ok = append(&out, &len, &cap,
                    "User-Agent: libllmperf/" LLMPERF_VERSION_STRING
                    "\r\n") == LLMPERF_OK;
    snprintf(num, sizeof(num), "Content-Length: %zu\r\n\r\n", req->body_len);
    ok = ok && append(&out, &len, &cap, num) == LLMPERF_OK &&
         grow_append(&out, &len, &cap, req->body, req->body_len) ==
             LLMPERF_OK;
    if (!ok) {
        llmperf__free(out);
        return LLMPERF_ENOMEM;
    }
    h->out = out;
    h->out_len = len;
    h->out_off = 0;
    return LLMPERF_OK;
}

/* ---- epoll -------------------------------------------------------------- */

/* The request that owns fd, NULL for an idle pooled connection. */
static int set_owner(llmperf__h1_target *t, int fd, llmperf__h1_req *h)
{
    if ((size_t)fd >= t->owner_cap) {
        size_t cap = t->owner_cap ? t->owner_cap : 256;
        llmperf__h1_req **g;

        while (cap <= (size_t)fd)
            cap *= 2;
        g = llmperf__reallocarray(t->owner, cap, sizeof(*g));
        if (g == NULL)
            return -1;
        memset(g + t->owner_cap, 0, (cap - t->owner_cap) * sizeof(*g));
        t->owner = g;
        t->owner_cap = cap;
    }
    t->owner[fd] = h;
    return 0;
}

llmperf__h1_req *llmperf__h1_owner(const llmperf__h1_target *t, int fd)
{
    return fd >= 0 && (size_t)fd < t->owner_cap ? t->owner[fd] : NULL;
}

/* Sockets are registered under their descriptor and stay registered
 * (for EPOLLIN) while pooled, so reusing one costs no epoll_ctl. */
static int watch(llmperf__h1_req *h, int ep_fd, uint32_t ev)
{
    struct epoll_event e;

    if (ev == h->events)
        return 0;
    memset(&e, 0, sizeof(e));
    e.events = ev;
    e.data.u64 = LLMPERF__H1_TAG | (uint64_t)h->fd;
    if (epoll_ctl(ep_fd, h->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, h->fd,
                  &e) != 0)
        return -1;
    h->events = ev;
    return 0;
}

static void drop_fd(llmperf__h1_req *h)
{
    if (h->fd >= 0) {
        set_owner(h->t, h->fd, NULL); /* cannot fail: the slot exists */
        close(h->fd); /* also leaves the epoll set */
    }
    h->fd = -1;
    h->events = 0;
}

/* ---- connecting and sending --------------------------------------------- */

static int end(llmperf__h1_req *h, CURLcode code, CURLcode *cc)
{
    h->state = ST_DONE;
    *cc = code;
    return 1;
}

static int end_errno(llmperf__h1_req *h, CURLcode code, const char *what,
                     int err, CURLcode *cc)
{
    snprintf(h->req->curl_err, sizeof(h->req->curl_err), "%.60s: %.100s",
             what, strerror(err));
    return end(h, code, cc);
}

static int try_send(llmperf__h1_req *h, int ep_fd,
                    CURLcode *cc);

/* Deadlines: the connect timeout from now while connecting, bounded by
 * the total timeout from the send; only the total one once connected. */
static void arm_deadline(llmperf__h1_req *h, const llmperf__h1_target *t,
                         int connecting)
{
    int64_t total = t->total_timeout_ns > 0
                        ? h->req->sent_ns + t->total_timeout_ns
                        : 0;

    h->deadline = total;
    if (connecting && t->connect_timeout_ns > 0) {
        int64_t c = llmperf_now_ns() + t->connect_timeout_ns;

        if (total == 0 || c < total)
            h->deadline = c;
    }
}

/* Send, turning a send failure into the end of the request. */
static int send_or_end(llmperf__h1_req *h, int ep_fd,
                       CURLcode *cc)
{
    int rc = try_send(h, ep_fd, cc);

    if (rc < 0)
        return end_errno(h, CURLE_SEND_ERROR, "Send failure", -rc, cc);
    return rc;
}

/* Open a connection to address i or a later one. */
static int connect_from(llmperf__h1_req *h, llmperf__h1_target *t, int i,
                        int ep_fd, CURLcode *cc)
{
    int err = ECONNREFUSED, one = 1;

    for (; i < t->n_addr; i++) {
        int k = (t->pref + i) % t->n_addr, fd;

        fd = socket(t->addr[k].ss_family,
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
                err == ENOMEM)
                break; /* another address will not help */
            continue;
        }
        if (set_owner(t, fd, h) != 0) {
            close(fd);
            err = ENOMEM;
            break;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        /* kernel receive timestamps (see arrival()); without them the
         * time of the read is used */
        setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
        h->fd = fd;
        h->events = 0;
        h->addr_i = i;
        h->addr_k = k;
        h->reused = 0;
        if (connect(fd, (struct sockaddr *)&t->addr[k], t->addr_len[k]) ==
            0) {
            h->req->new_conns++; /* counted once made, as libcurl does */
            t->pref = k;
            h->state = ST_SENDING;
            arm_deadline(h, t, 0);
            return send_or_end(h, ep_fd, cc);
        }
        if (errno == EINPROGRESS) {
            h->state = ST_CONNECTING;
            arm_deadline(h, t, 1);
            if (watch(h, ep_fd, EPOLLOUT) != 0)
                return end_errno(h, CURLE_COULDNT_CONNECT, "epoll_ctl",
                                 errno, cc);
            return 0;
        }
        err = errno;
        drop_fd(h);
    }
    snprintf(h->req->curl_err, sizeof(h->req->curl_err),
             "Failed to connect to %.120s: %.100s", t->host, strerror(err));
    return end(h, CURLE_COULDNT_CONNECT, cc);
}

/* Resend on a fresh connection: the kept-alive one was closed by the
 * server before it answered (as libcurl does, once). */
static int retry(llmperf__h1_req *h, llmperf__h1_target *t, int ep_fd, CURLcode *cc)
{
    drop_fd(h);
    h->retried = 1;
    h->out_off = 0;
    llmperf__http1_init(&h->p, 0);
    return connect_from(h, t, 0, ep_fd, cc);
}

static int try_send(llmperf__h1_req *h, int ep_fd,
                    CURLcode *cc)
{
    while (h->out_off < h->out_len) {
        ssize_t n = send(h->fd, h->out + h->out_off, h->out_len - h->out_off,
                         MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -errno; /* the caller decides: retry or fail */
        }
        h->out_off += (size_t)n;
    }
    if (h->out_off == h->out_len)
        h->state = ST_RECEIVING;
    /* While sending, also read: a server may answer (413, 400) before it
     * has read the whole request. */
    if (watch(h, ep_fd,
              h->state == ST_RECEIVING ? EPOLLIN : EPOLLIN | EPOLLOUT) != 0)
        return end_errno(h, CURLE_SEND_ERROR, "epoll_ctl", errno, cc);
    return 0;
}

/* An idle kept-alive connection the server has not closed (nor sent
 * anything on): checked before reuse, as libcurl does, so that a request
 * is not first sent into a dead connection and then resent, with the
 * failed round trip counted in its times. */
static int still_open(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

int llmperf__h1_start(llmperf__h1_req *h, llmperf__h1_target *t,
                      llmperf__request *req, int ep_fd,
                      CURLcode *cc)
{
    int rc;

    memset(h, 0, sizeof(*h));
    h->fd = -1;
    h->req = req;
    h->t = t;
    llmperf__http1_init(&h->p, 0);
    if (build_out(h, t, req) != LLMPERF_OK) {
        snprintf(req->curl_err, sizeof(req->curl_err), "out of memory");
        return end(h, CURLE_OUT_OF_MEMORY, cc);
    }
    while (t->n_idle > 0 && !still_open(t->idle[t->n_idle - 1]))
        close(t->idle[--t->n_idle]);
    if (t->n_idle > 0) {
        h->fd = t->idle[--t->n_idle];
        h->events = EPOLLIN; /* still registered from its last use */
        t->owner[h->fd] = h;
        h->reused = 1;
        h->state = ST_SENDING;
        arm_deadline(h, t, 0);
        rc = try_send(h, ep_fd, cc);
        if (rc < 0)
            return retry(h, t, ep_fd, cc);
        return rc;
    }
    return connect_from(h, t, 0, ep_fd, cc);
}

/* ---- receiving ---------------------------------------------------------- */

static int on_head(void *ud)
{
    llmperf__h1_req *h = ud;

    h->req->http_status = h->p.status;
    return LLMPERF_OK;
}

static int on_body(const char *data, size_t len, void *ud)
{
    llmperf__h1_req *h = ud;

    return llmperf__request_on_body(h->req, data, len, h->now);
}

/* EOF from the server. */
static int on_eof(llmperf__h1_req *h, llmperf__h1_target *t, int ep_fd, CURLcode *cc)
{
    int rc = llmperf__http1_eof(&h->p);

    if (rc == LLMPERF_OK)
        return end(h, CURLE_OK, cc);
    if (!h->got_bytes && h->reused && !h->retried)
        return retry(h, t, ep_fd, cc);
    if (!h->got_bytes) {
        snprintf(h->req->curl_err, sizeof(h->req->curl_err),
                 "Empty reply from server");
        return end(h, CURLE_GOT_NOTHING, cc);
    }
    snprintf(h->req->curl_err, sizeof(h->req->curl_err),
             "transfer closed with outstanding read data remaining");
    return end(h, CURLE_PARTIAL_FILE, cc);
}

/*
 * When the bytes just read arrived: the kernel's receive timestamp of the
 * newest segment among them (SO_TIMESTAMPNS, CLOCK_REALTIME, taken as the
 * segment reached the host's network stack), moved to CLOCK_MONOTONIC by
 * the offset between the two clocks read now. So a client that is busy
 * elsewhere when a token arrives still records when it arrived, not when
 * it got round to reading it. Segments read together all get the newest
 * one's time, which never precedes their real arrival. Falls back to the
 * time of the read when there is no usable timestamp (none given, or a
 * step of the real-time clock puts it after now or before the send).
 */
/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns. The two clocks run at the same
 * rate (NTP slews both), so the difference changes only when the real-time
 * clock is stepped; it is measured again every 100 ms. Each measurement
 * brackets the real-time read between two monotonic ones and keeps the
 * narrowest of three tries, so a preemption in between cannot skew it. */
static int64_t rt_offset(llmperf__h1_target *t, int64_t now)
{
    int64_t best = INT64_MAX;

    if (t->rt_off_at != 0 && now - t->rt_off_at < 100 * MS &&
        now >= t->rt_off_at)
        return t->rt_off;
    for (int i = 0; i < 3; i++) {
        struct timespec rt;
        int64_t m1 = llmperf_now_ns(), m2, r;

        if (clock_gettime(CLOCK_REALTIME, &rt) != 0)
            break;
        m2 = llmperf_now_ns();
        r = (int64_t)rt.tv_sec * INT64_C(1000000000) + rt.tv_nsec;
        if (m2 - m1 < best) {
            best = m2 - m1;
            t->rt_off = r - m1 - (m2 - m1) / 2;
        }
        if (best < 1000)
            break;
    }
    t->rt_off_at = now;
    return t->rt_off;
}

static int64_t arrival(llmperf__h1_req *h, llmperf__h1_target *t,
                       struct msghdr *msg, int64_t now)
{
    struct timespec ts;
    struct cmsghdr *c;
    int64_t k;

    for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS ||
            c->cmsg_len < CMSG_LEN(sizeof(ts)))
            continue;
        memcpy(&ts, CMSG_DATA(c), sizeof(ts));
        k = (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec -
            rt_offset(t, now);
        if (k > now || k < h->req->sent_ns)
            return now;
        if (k < h->now)
            k = h->now; /* never before the previous bytes */
        if (now - k > t->max_read_delay_ns)
            t->max_read_delay_ns = now - k;
        return k;
    }
    return now;
}

static int receive(llmperf__h1_req *h, llmperf__h1_target *t, int ep_fd, char *buf, size_t size, CURLcode *cc)
{
    for (;;) {
        union {
            char b[CMSG_SPACE(sizeof(struct timespec)) * 2];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {buf, size};
        struct msghdr msg;
        ssize_t n;
        size_t used = 0;
        int rc;

        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctl.b;
        msg.msg_controllen = sizeof(ctl.b);
        n = recvmsg(h->fd, &msg, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (!h->got_bytes && h->reused && !h->retried &&
                (errno == ECONNRESET || errno == EPIPE))
                return retry(h, t, ep_fd, cc);
            return end_errno(h, CURLE_RECV_ERROR, "Recv failure", errno,
                             cc);
        }
        if (n == 0)
            return on_eof(h, t, ep_fd, cc);
        h->now = arrival(h, t, &msg, llmperf_now_ns());
        if (!h->p.head_done)
            llmperf__request_on_head_bytes(h->req, h->now);
        h->got_bytes = 1;
        rc = llmperf__http1_feed(&h->p, buf, (size_t)n, &used, on_head,
                                 on_body, h);
        if (rc != LLMPERF_OK) {
            if (h->req->status != LLMPERF_OK)
                return end(h, CURLE_WRITE_ERROR, cc); /* the decoder's */
            snprintf(h->req->curl_err, sizeof(h->req->curl_err),
                     "%s", rc == LLMPERF_ETOOBIG
                               ? "response head too large"
                               : "malformed HTTP/1.1 response");
            return end(h, CURLE_WEIRD_SERVER_REPLY, cc);
        }
        if (h->p.done) {
            /* bytes beyond the response: the connection is not clean */
            h->reusable = h->p.keep_alive && used == (size_t)n &&
                          h->out_off == h->out_len;
            return end(h, CURLE_OK, cc);
        }
        if ((size_t)n < size)
            return 0; /* drained; level-triggered epoll says when more */
    }
}

int llmperf__h1_event(llmperf__h1_req *h, llmperf__h1_target *t,
                      uint32_t events, int ep_fd, char *buf,
                      size_t size, CURLcode *cc)
{
    int rc;

    if (h->state == ST_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);

        if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err == EINPROGRESS || err == EALREADY)
            return 0;
        if (err != 0) {
            drop_fd(h);
            return connect_from(h, t, h->addr_i + 1, ep_fd, cc);
        }
        t->pref = h->addr_k;
        h->req->new_conns++;
        arm_deadline(h, t, 0);
        h->state = ST_SENDING;
    }
    if (h->state == ST_SENDING && (events & (EPOLLOUT | EPOLLERR))) {
        rc = try_send(h, ep_fd, cc);
        if (rc < 0) {
            if (h->reused && !h->retried && !h->got_bytes)
                return retry(h, t, ep_fd, cc);
            return end_errno(h, CURLE_SEND_ERROR, "Send failure", -rc, cc);
        }
        if (rc > 0)
            return rc;
    }
    if ((h->state == ST_SENDING || h->state == ST_RECEIVING) &&
        (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        return receive(h, t, ep_fd, buf, size, cc);
    return 0;
}

int llmperf__h1_expired(llmperf__h1_req *h, int64_t now, CURLcode *cc)
{
    if (h->state == ST_DONE || h->deadline == 0 || now < h->deadline)
        return 0;
    snprintf(h->req->curl_err, sizeof(h->req->curl_err),
             h->state == ST_CONNECTING
                 ? "Connection timed out after %lld milliseconds"
                 : "Operation timed out after %lld milliseconds",
             (long long)((now - h->req->sent_ns) / MS));
    return end(h, CURLE_OPERATION_TIMEDOUT, cc);
}

void llmperf__h1_release(llmperf__h1_req *h, llmperf__h1_target *t,
                         int ep_fd)
{
    if (h->fd >= 0 && h->reusable && h->state == ST_DONE &&
        h->req->status == LLMPERF_OK) {
        if (t->n_idle == t->cap_idle) {
            size_t cap = t->cap_idle ? t->cap_idle * 2 : 64;
            int *g = llmperf__reallocarray(t->idle, cap, sizeof(*g));

            if (g != NULL) {
                t->idle = g;
                t->cap_idle = cap;
            }
        }
        if (t->n_idle < t->cap_idle && watch(h, ep_fd, EPOLLIN) == 0) {
            t->owner[h->fd] = NULL;
            t->idle[t->n_idle++] = h->fd;
            h->fd = -1;
            h->events = 0;
        }
    }
    drop_fd(h);
    llmperf__free(h->out);
    h->out = NULL;
    h->req = NULL;
    h->state = ST_IDLE;
}
