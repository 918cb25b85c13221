/* SPDX-License-Identifier: MIT */
/*
 * testsrv: spawn llmperf_replay_server for a test, read its "PORT <n>"
 * line, stop it, and parse its request log (format in testsrv.h).
 */
#include "testsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef LLMPERF_REPLAY_SERVER
#define LLMPERF_REPLAY_SERVER "llmperf_replay_server"
#endif

#define START_TIMEOUT_MS 5000
#define MAX_LIVE 32

/* Servers started and not yet stopped. A failed cmocka assertion jumps
 * out of a test before its testsrv_stop(), so an atexit() hook stops
 * what is left and removes its log instead of leaving both behind. */
static struct {
    int pid;
    char log_path[256];
} g_live[MAX_LIVE];
static int g_atexit_done;

static void stop_pid(int pid);

static void cleanup_at_exit(void)
{
    int i;

    for (i = 0; i < MAX_LIVE; i++) {
        if (g_live[i].pid > 0)
            stop_pid(g_live[i].pid);
        if (g_live[i].log_path[0])
            unlink(g_live[i].log_path);
        g_live[i].pid = 0;
        g_live[i].log_path[0] = 0;
    }
}

static void live_add(int pid, const char *log)
{
    int i;

    if (!g_atexit_done && atexit(cleanup_at_exit) == 0)
        g_atexit_done = 1;
    for (i = 0; i < MAX_LIVE; i++)
        if (g_live[i].pid == 0) {
            g_live[i].pid = pid;
            snprintf(g_live[i].log_path, sizeof(g_live[i].log_path), "%s",
                     log ? log : "");
            return;
        }
}

/* Forget the entry of this server (by pid, or by log once reaped). */
static void live_remove(int pid, const char *log)
{
    int i;

    for (i = 0; i < MAX_LIVE; i++)
        if ((pid > 0 && g_live[i].pid == pid) ||
            (g_live[i].pid < 0 && log[0] &&
             !strcmp(g_live[i].log_path, log))) {
            g_live[i].pid = 0;
            g_live[i].log_path[0] = 0;
        }
}

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Reap pid within timeout_ms; returns the waitpid status or -1. */
static int reap(int pid, int timeout_ms, int *status)
{
    long long end = mono_ms() + timeout_ms;

    for (;;) {
        pid_t r = waitpid((pid_t)pid, status, WNOHANG);

        if (r == (pid_t)pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return 0;  /* not our child any more: nothing to wait for */
        if (mono_ms() >= end)
            return -1;
        sleep_ms(5);
    }
}

/* Read "PORT <n>\n" from fd within the start timeout. */
static int read_port(int fd)
{
    char buf[64];
    size_t n = 0;
    long long end = mono_ms() + START_TIMEOUT_MS;
    int port = -1;

    while (n + 1 < sizeof(buf)) {
        struct pollfd p = { fd, POLLIN, 0 };
        long long left = end - mono_ms();
        ssize_t r;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        r = read(fd, buf + n, sizeof(buf) - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = 0;
        if (strchr(buf, '\n')) {
            if (sscanf(buf, "PORT %d", &port) != 1 || port <= 0 ||
                port > 65535)
                port = -1;
            break;
        }
    }
    return port;
}

static int start(testsrv *s, const char *const *args, const char *log)
{
    const char *prog = getenv("LLMPERF_REPLAY_SERVER");
    size_t nargs = 0, i, k = 0;
    const char **argv = NULL;
    int pfd[2] = { -1, -1 }, rc = -1, status;
    pid_t pid;

    if (!s)
        return -1;
    memset(s->url, 0, sizeof(s->url));
    s->pid = 0;
    s->port = 0;
    if (!prog || !*prog)
        prog = LLMPERF_REPLAY_SERVER;
    while (args && args[nargs])
        nargs++;
    /* Build argv before fork: the child may only exec. */
    argv = calloc(nargs + 4, sizeof(*argv));
    if (!argv || pipe(pfd) != 0)
        goto out;
    fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
    argv[k++] = prog;
    for (i = 0; i < nargs; i++)
        argv[k++] = args[i];
    if (log) {
        argv[k++] = "--log";
        argv[k++] = log;
    }
    argv[k] = NULL;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        goto out;
    if (pid == 0) {
        dup2(pfd[1], STDOUT_FILENO);
        close(pfd[1]);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    pfd[1] = -1;
    s->port = read_port(pfd[0]);
    if (s->port < 0) {
        fprintf(stderr, "testsrv: %s gave no PORT line\n", prog);
        kill(pid, SIGKILL);
        reap((int)pid, 3000, &status);
        s->port = 0;
        goto out;
    }
    s->pid = (int)pid;
    live_add(s->pid, log);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
    rc = 0;
out:
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    free(argv);
    return rc;
}

int testsrv_start(testsrv *s, const char *const *args)
{
    if (s)
        s->log_path[0] = 0;
    return start(s, args, NULL);
}

int testsrv_start_logged(testsrv *s, const char *const *args)
{
    const char *tmp = getenv("TMPDIR");
    int fd, n;

    if (!s)
        return -1;
    if (!tmp || !*tmp)
        tmp = "/tmp";
    n = snprintf(s->log_path, sizeof(s->log_path),
                 "%s/llmperf-srvlog-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof(s->log_path))
        return -1;
    fd = mkstemp(s->log_path);
    if (fd < 0) {
        s->log_path[0] = 0;
        return -1;
    }
    close(fd);
    if (start(s, args, s->log_path) != 0) {
        unlink(s->log_path);
        s->log_path[0] = 0;
        return -1;
    }
    return 0;
}

static void stop_pid(int pid)
{
    int status;

    kill((pid_t)pid, SIGTERM);
    if (reap(pid, 3000, &status) != 0) {
        kill((pid_t)pid, SIGKILL);
        reap(pid, 3000, &status);
    }
}

void testsrv_stop(testsrv *s)
{
    if (!s)
        return;
    live_remove(s->pid, s->log_path);
    if (s->pid > 0)
        stop_pid(s->pid);
    s->pid = 0;
    if (s->log_path[0])
        unlink(s->log_path);
    s->log_path[0] = 0;
}

int testsrv_wait(testsrv *s, int timeout_ms)
{
    int status = 0, i;

    if (!s || s->pid <= 0 || reap(s->pid, timeout_ms, &status) != 0)
        return -1;
    /* Reaped: keep the entry (pid -1) only while its log must go. */
    for (i = 0; i < MAX_LIVE; i++)
        if (g_live[i].pid == s->pid)
            g_live[i].pid = g_live[i].log_path[0] ? -1 : 0;
    s->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *testsrv_read_log(const testsrv *s)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (!s || !s->log_path[0] || !(f = fopen(s->log_path, "rb")))
        return NULL;
    for (;;) {
        size_t r;

        if (cap - len < 4096) {
            char *nb = realloc(buf, cap + 65536);

            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap += 65536;
        }
        r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    if (buf)
        buf[len] = 0;
    fclose(f);
    return buf;
}

int testsrv_closed_port(void)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* ---- log parsing --------------------------------------------------- */

struct rec {
    const char *head;      /* request line */
    size_t head_len;       /* request line + header lines, LF-separated */
    const char *body;
    size_t body_len;
};

/* Walk records by their declared body length, so a body that contains
 * "== REQUEST" cannot confuse the parser. */
static int find_rec(const char *log, int index, struct rec *out)
{
    const char *p = log;
    int i;

    if (!log || index < 0)
        return -1;
    for (i = 0;; i++) {
        unsigned long long n, blen;
        const char *nl, *hend;
        int used = 0;

        if (sscanf(p, "== REQUEST %llu %llu\n%n", &n, &blen, &used) != 2 ||
            !used)
            return -1;
        nl = p + used;
        hend = strstr(nl, "\n\n");
        if (!hend || strlen(hend + 2) < blen + 1)
            return -1;
        out->head = nl;
        out->head_len = (size_t)(hend - nl) + 1;
        out->body = hend + 2;
        out->body_len = (size_t)blen;
        p = out->body + blen;
        if (strncmp(p, "\n== END ", 8) != 0)
            return -1;
        p = strchr(p + 1, '\n');
        if (!p)
            return -1;
        p++;
        if (i == index)
            return 0;
    }
}

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);

    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

int testsrv_log_count(const char *log)
{
    struct rec r;
    int n = 0;

    while (find_rec(log, n, &r) == 0)
        n++;
    return n;
}

char *testsrv_log_request_line(const char *log, int index)
{
    struct rec r;
    const char *nl;

    if (find_rec(log, index, &r) != 0)
        return NULL;
    nl = memchr(r.head, '\n', r.head_len);
    return dup_n(r.head, nl ? (size_t)(nl - r.head) : r.head_len);
}

char *testsrv_log_header(const char *log, int index, const char *name)
{
    struct rec r;
    const char *p, *end;
    size_t nl = name ? strlen(name) : 0;

    if (!nl || find_rec(log, index, &r) != 0)
        return NULL;
    end = r.head + r.head_len;
    p = memchr(r.head, '\n', r.head_len);
    while (p && ++p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);

        if (ll > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1;

            while (v < p + ll && (*v == ' ' || *v == '\t'))
                v++;
            return dup_n(v, (size_t)(p + ll - v));
        }
        p = eol;
    }
    return NULL;
}

char *testsrv_log_body(const char *log, int index, size_t *len)
{
    struct rec r;

    if (find_rec(log, index, &r) != 0)
        return NULL;
    if (len)
        *len = r.body_len;
    return dup_n(r.body, r.body_len);
}
