/* SPDX-License-Identifier: MIT */
/*
 * h1conn.h -- the runner's own transport for plain-HTTP/1.1 URLs: one
 * non-blocking socket per request in flight, the request written with
 * send(2), the response read with one recv(2) per readiness event into a
 * buffer the runner owns and parsed by http1.c, kept-alive connections
 * pooled per target. It exists because it is about half the CPU per
 * streamed chunk of the curl path (no extra poll(2) after every read, no
 * per-transfer bookkeeping), which decides whether the client keeps up
 * with a server writing a token to a thousand streams at once; see
 * docs/runner.md and docs/PERFORMANCE.md. TLS, proxies and credentials
 * in the URL stay with libcurl.
 *
 * The caller (the runner) owns the epoll set: each function that may
 * change the events a socket waits for takes the epoll descriptor;
 * sockets are registered with LLMPERF__H1_TAG | descriptor, and
 * llmperf__h1_owner() maps an event back to its request (NULL: an idle
 * pooled connection the server closed or wrote to: remove it from the
 * set, the pool drops it at reuse). Failures are reported as the
 * CURLcode libcurl would have given, with a curl-style message in
 * req->curl_err, so that llmperf__request_finish() classifies both
 * transports alike.
 */
#ifndef LLMPERF_H1CONN_H
#define LLMPERF_H1CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "client_int.h"
#include "http1.h"

#define LLMPERF__H1_MAX_ADDRS 8

/* epoll data of the transport's sockets: this bit | the descriptor */
#define LLMPERF__H1_TAG (UINT64_C(1) << 63)

struct llmperf__h1_req;

/* Where requests go: the resolved addresses, the fixed start of every
 * request head, and the pool of idle kept-alive connections. */
typedef struct llmperf__h1_target {
    struct sockaddr_storage addr[LLMPERF__H1_MAX_ADDRS];
    socklen_t addr_len[LLMPERF__H1_MAX_ADDRS];
    int n_addr;
    int pref;               /* the address that last connected */
    char *head;             /* "POST /path HTTP/1.1\r\nHost: h\r\n" + ours */
    size_t head_len;
    size_t host_off;        /* where "Host: ...\r\n" starts in head */
    char host[128];         /* for messages: "host port N" */
    int *idle;              /* idle connections, most recent last; they
                             * stay registered for EPOLLIN */
    struct llmperf__h1_req **owner; /* by descriptor; NULL: idle */
    size_t owner_cap;
    size_t n_idle, cap_idle;
    int64_t connect_timeout_ns, total_timeout_ns; /* 0: none */
    int64_t max_read_delay_ns; /* largest read time - kernel arrival */
    int64_t rt_off, rt_off_at; /* CLOCK_REALTIME - MONOTONIC, and when */
    int ts_fd;              /* keeps kernel receive timestamps on */
} llmperf__h1_target;

/* One request's transport state; zero it (or call _reset) before start. */
typedef struct llmperf__h1_req {
    int fd;                 /* -1: no connection */
    int state;
    int reused;             /* the connection carried an earlier request */
    int retried;            /* already resent once on a fresh connection */
    int addr_i;             /* attempt number of the current connect */
    int addr_k;             /* its index in the target's addresses */
    int got_bytes;          /* a byte of the response arrived */
    int reusable;           /* the response ended cleanly, keep-alive */
    uint32_t events;        /* registered epoll events, 0: none */
    char *out;              /* the request: head and body */
    size_t out_len, out_off;
    int64_t deadline;       /* connect, then total timeout; 0: none */
    int64_t now;            /* arrival time of the bytes being parsed */
    llmperf__request *req;  /* borrowed, during start..release */
    llmperf__h1_target *t;  /* borrowed, likewise */
    llmperf__http1 p;
} llmperf__h1_req;

/*
 * Whether this client's requests can use the transport: an "http://" URL
 * without user:password, and no proxy from the environment (http_proxy,
 * all_proxy, ALL_PROXY), which libcurl would honour. 1 or 0; *why (may be
 * NULL) says why not.
 */
int llmperf__h1_usable(const llmperf_client *c, const char **why);

/*
 * Parse the client's URL, resolve the host (getaddrinfo(3): blocking,
 * once) and build the head. LLMPERF_OK; LLMPERF_ENOTSUP when not usable;
 * LLMPERF_ECONNECT when the name does not resolve; LLMPERF_ENOMEM. err
 * receives a message.
 */
int llmperf__h1_target_init(llmperf__h1_target *t, const llmperf_client *c,
                            char *err, size_t errsize);

/* Close the idle connections and free what the target holds. */
void llmperf__h1_target_free(llmperf__h1_target *t);

/*
 * Start req (initialised with no easy handle, marked sent): take an idle
 * connection or open one, and write as much of the request as the socket
 * takes. Returns 0 while under way, 1 when it already ended (*cc set:
 * nothing to connect to, or memory).
 */
int llmperf__h1_start(llmperf__h1_req *h, llmperf__h1_target *t,
                      llmperf__request *req, int ep_fd,
                      CURLcode *cc);

/*
 * Readiness (epoll events) of h's socket: connect, send, receive and
 * parse into req. buf/size: scratch for recv(2). 0 while under way, 1
 * when the request ended (*cc: CURLE_OK for a complete response).
 */
int llmperf__h1_event(llmperf__h1_req *h, llmperf__h1_target *t,
                      uint32_t events, int ep_fd, char *buf,
                      size_t size, CURLcode *cc);

/* The request whose socket is fd, or NULL (idle, or not ours). */
llmperf__h1_req *llmperf__h1_owner(const llmperf__h1_target *t, int fd);

/* 1 (and *cc, message in req) when h's connect or total deadline passed
 * at now. */
int llmperf__h1_expired(llmperf__h1_req *h, int64_t now, CURLcode *cc);

/* The request is over: pool its connection if the response ended cleanly
 * and the server keeps it alive, else close it. Frees the request bytes. */
void llmperf__h1_release(llmperf__h1_req *h, llmperf__h1_target *t,
                         int ep_fd);

#endif /* LLMPERF_H1CONN_H */
