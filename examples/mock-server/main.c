/* SPDX-License-Identifier: MIT */
/*
 * main.c -- llmperf-mock: set up the process (file limit, SIGPIPE), the
 * libevent base with precise monotonic timers, the listening socket and
 * the HTTP server; announce the port; run until SIGTERM/SIGINT; then end
 * every live stream (each gets its log line) and free everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>

#include "mock.h"

/* Thousands of streams need thousands of descriptors: take the hard
 * limit, as servers built for many connections do. */
static void raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            fprintf(stderr, "llmperf-mock: cannot raise RLIMIT_NOFILE: %s\n",
                    strerror(errno));
    }
}

/* A bound, listening, non-blocking socket with a deep backlog (evhttp's
 * own binding uses a short one, and thousands of clients connecting at
 * once would then see SYN retries of a second or more). Returns the fd
 * or -1. */
static evutil_socket_t listen_on(const char *host, int port, int *bound_port)
{
    struct addrinfo hints, *res = NULL, *ai;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char portstr[16];
    evutil_socket_t fd = -1;
    int one = 1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(portstr, sizeof(portstr), "%d", port);
    rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "llmperf-mock: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, 4096) == 0 && evutil_make_socket_nonblocking(fd) == 0 &&
            evutil_make_socket_closeonexec(fd) == 0)
            break;
        evutil_closesocket(fd);
        fd = -1;
    }
    if (fd < 0) {
        fprintf(stderr, "llmperf-mock: cannot listen on %s:%d: %s\n", host,
                port, strerror(errno));
        goto out;
    }
    *bound_port = port;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
out:
    freeaddrinfo(res);
    return fd;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct mock *m = arg;

    (void)what;
    if (m->cfg.verbose)
        fprintf(stderr, "llmperf-mock: signal %d, stopping\n", (int)sig);
    event_base_loopbreak(m->base);
}

int main(int argc, char **argv)
{
    static struct mock m; /* large; zeroed */
    struct event_config *ecfg = NULL;
    struct event *sig_int = NULL, *sig_term = NULL;
    evutil_socket_t lfd = -1;
    int rc, port = 0, ret = 1;
    struct timeval idle;

    rc = mock_cfg_parse(&m.cfg, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    m.log_fd = -1;
    raise_nofile();
    signal(SIGPIPE, SIG_IGN); /* a vanished client must not kill us */
    if (mock_vocab_init(m.cfg.vocab) != 0)
        goto out;
    ecfg = event_config_new();
    if (!ecfg)
        goto out;
    /* timerfd-backed timers (microseconds, CLOCK_MONOTONIC) instead of
     * epoll's millisecond timeout. Not the epoll changelist: with a
     * reply ending and the next starting on one connection in the same
     * loop turn it left EPOLLOUT armed with no handler, a busy loop. */
    event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER |
                                    EVENT_BASE_FLAG_NOLOCK);
    m.base = event_base_new_with_config(ecfg);
    if (!m.base)
        goto out;
    m.scratch = evbuffer_new();
    m.slots = calloc((size_t)m.cfg.slots, sizeof(*m.slots));
    if (!m.scratch || !m.slots)
        goto out;
    mock_rng_seed(&m.rng, m.cfg.seed);
    mock_model_init(&m);
    m.start_wall_s = mock_wall_ns() / 1000000000;
    if (m.cfg.log_path) {
        m.log_fd = open(m.cfg.log_path,
                        O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                        0644);
        if (m.log_fd < 0) {
            fprintf(stderr, "llmperf-mock: %s: %s\n", m.cfg.log_path,
                    strerror(errno));
            goto out;
        }
    }
    m.http = evhttp_new(m.base);
    if (!m.http)
        goto out;
    evhttp_set_gencb(m.http, mock_handle_request, &m);
    idle.tv_sec = (long)m.cfg.idle_timeout_s;
    idle.tv_usec = 0;
    evhttp_set_timeout_tv(m.http, &idle);
    evhttp_set_max_body_size(m.http, 64 << 20);
    evhttp_set_allowed_methods(m.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                                           EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                           EVHTTP_REQ_DELETE |
                                           EVHTTP_REQ_OPTIONS);
    lfd = listen_on(m.cfg.host, m.cfg.port, &port);
    if (lfd < 0)
        goto out;
    if (!evhttp_accept_socket_with_handle(m.http, lfd)) {
        fprintf(stderr, "llmperf-mock: cannot accept on the socket\n");
        evutil_closesocket(lfd);
        goto out;
    }
    sig_int = evsignal_new(m.base, SIGINT, on_signal, &m);
    sig_term = evsignal_new(m.base, SIGTERM, on_signal, &m);
    if (!sig_int || !sig_term || evsignal_add(sig_int, NULL) ||
        evsignal_add(sig_term, NULL))
        goto out;
    /* The contract with tests and llmperf-bench: this is the first line
     * on stdout, flushed before the first request can be served. */
    printf("llmperf-mock listening on %s:%d\n", m.cfg.host, port);
    fflush(stdout);
    event_base_dispatch(m.base);
    ret = 0;
out:
    if (m.base)
        mock_abort_all(&m);
    if (m.http)
        evhttp_free(m.http);
    if (sig_int)
        event_free(sig_int);
    if (sig_term)
        event_free(sig_term);
    if (m.load_ev)
        event_free(m.load_ev);
    if (m.unload_ev)
        event_free(m.unload_ev);
    mock_streams_free(&m);
    if (m.slots) {
        int i;

        for (i = 0; i < m.cfg.slots; i++)
            free(m.slots[i].cache);
        free(m.slots);
    }
    if (m.scratch)
        evbuffer_free(m.scratch);
    if (m.base)
        event_base_free(m.base);
    if (ecfg)
        event_config_free(ecfg);
    if (m.log_fd >= 0)
        close(m.log_fd);
    mock_vocab_free();
    return ret;
}
