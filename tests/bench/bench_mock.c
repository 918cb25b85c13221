/* SPDX-License-Identifier: MIT */
/*
 * bench_mock.c -- how many concurrent streams and tokens per second one
 * llmperf-mock (one thread) sustains, so it is known never to limit a
 * client measurement. A deliberately cheap load client: raw non-blocking
 * sockets on one epoll, N keep-alive connections each running streamed
 * /v1/completions requests back to back, counting SSE events ("\n\n"
 * only ends an event: HTTP and chunk framing use CRLF). The mock's CPU
 * time comes from /proc/PID/stat, its own counters from GET /metrics.
 *
 *   bench_mock [--streams N] [--seconds S] [--decode-ms MS]
 *              [--tokens T] [--tokens-per-chunk K] [--mock PATH]
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef LLMPERF_MOCK_PATH
#define LLMPERF_MOCK_PATH "llmperf-mock"
#endif

struct conn {
    int fd;
    int tail_nl;       /* last byte seen was '\n' */
    long events;       /* SSE events in the current response */
    int want_write;
    size_t sent;       /* bytes of the request written */
};

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* utime + stime of pid, in seconds; the utime part in *user_s. */
static double proc_cpu_s(pid_t pid, double *user_s)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;
    int i;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    if (!fgets(buf, sizeof(buf), f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    p = strrchr(buf, ')'); /* the command may hold spaces */
    if (!p)
        return -1;
    /* fields after ")": state is field 3; utime 14, stime 15 */
    for (i = 3; i <= 14 && p; i++)
        p = strchr(p + 1, ' ');
    if (!p || sscanf(p, " %lu %lu", &ut, &st) != 2)
        return -1;
    *user_s = (double)ut / (double)sysconf(_SC_CLK_TCK);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static pid_t start_mock(const char *path, char *const *argv, int *port)
{
    int pfd[2];
    pid_t pid;
    char line[256];
    size_t n = 0;

    if (pipe(pfd) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(path, argv);
        _exit(127);
    }
    close(pfd[1]);
    while (n + 1 < sizeof(line) && read(pfd[0], line + n, 1) == 1)
        if (line[n++] == '\n')
            break;
    line[n] = '\0';
    close(pfd[0]);
    if (strncmp(line, "llmperf-mock listening on ", 26) != 0) {
        fprintf(stderr, "bench_mock: mock did not start ('%s')\n", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    *port = atoi(strrchr(line, ':') + 1);
    return pid;
}

/* Blocking GET /metrics; returns a malloc'd body or NULL. */
static char *get_metrics(int port)
{
    struct sockaddr_in a;
    static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\n\r\n";
    char *buf = malloc(1 << 16);
    size_t n = 0;
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (!buf || fd < 0) {
        free(buf);
        return NULL;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
        close(fd);
        free(buf);
        return NULL;
    }
    while (n + 1 < (1 << 16) && (r = read(fd, buf + n, (1 << 16) - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(fd);
    return buf;
}

static double metric(const char *text, const char *name)
{
    const char *p = text;
    size_t n = strlen(name);

    while (p && (p = strstr(p, name)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return atof(p + n + 1);
        p += n;
    }
    return -1;
}

int main(int argc, char **argv)
{
    const char *mock = LLMPERF_MOCK_PATH;
    long streams = 5000, tokens = 100, k = 1;
    double seconds = 5, decode_ms = 10;
    char req[512], body[128], a_slots[32], a_dec[32], a_tok[32], a_k[32];
    size_t req_len;
    struct conn *c;
    struct epoll_event *evs;
    struct sockaddr_in addr;
    int ep, port = 0, i, ret = 1;
    pid_t pid;
    long connected = 0, responses = 0, total_events = 0;
    long events_at_start = 0, responses_at_start = 0, errors = 0;
    int64_t t0, t_start = 0, t_end;
    double cpu0 = 0, cpu1, self0 = 0, self1, gen0 = 0, gen1;
    double user0 = 0, user1 = 0;
    char *m0 = NULL, *m1 = NULL;

    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--streams"))
            streams = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds"))
            seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--decode-ms"))
            decode_ms = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--tokens"))
            tokens = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--tokens-per-chunk"))
            k = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--mock"))
            mock = argv[i + 1];
        else {
            fprintf(stderr, "usage: bench_mock [--streams N] [--seconds S] "
                            "[--decode-ms MS] [--tokens T] "
                            "[--tokens-per-chunk K] [--mock PATH]\n");
            return 2;
        }
    }
    if (streams < 1 || tokens < 1 || k < 1 || seconds <= 0)
        return 2;
    {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(a_slots, sizeof(a_slots), "%ld", streams);
    snprintf(a_dec, sizeof(a_dec), "%g", decode_ms);
    snprintf(a_tok, sizeof(a_tok), "fixed:%ld", tokens);
    snprintf(a_k, sizeof(a_k), "%ld", k);
    {
        char *margv[] = {
            (char *)mock, "--port", "0", "--slots", a_slots, "--load-ms", "0",
            "--prefill-base-ms", "0", "--prefill-ms-per-token", "0",
            "--decode-ms-per-token", a_dec, "--batch-factor", "0",
            "--jitter", "0", "--output-tokens", a_tok, "--no-prefix-cache",
            "--tokens-per-chunk", a_k, NULL};

        pid = start_mock(mock, margv, &port);
    }
    if (pid < 0)
        return 1;
    snprintf(body, sizeof(body),
             "{\"prompt\":\"bench\",\"max_tokens\":%ld,\"stream\":true}",
             tokens);
    req_len = (size_t)snprintf(req, sizeof(req),
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
        strlen(body), body);
    c = calloc((size_t)streams, sizeof(*c));
    evs = calloc(1024, sizeof(*evs));
    ep = epoll_create1(0);
    if (!c || !evs || ep < 0)
        goto out;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (i = 0; i < streams; i++) {
        struct epoll_event e;
        int one = 1;

        c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c[i].fd < 0) {
            perror("bench_mock: socket");
            goto out;
        }
        setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
        if (connect(c[i].fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 &&
            errno != EINPROGRESS) {
            perror("bench_mock: connect");
            goto out;
        }
        c[i].want_write = 1;
        e.events = EPOLLIN | EPOLLOUT;
        e.data.u32 = (uint32_t)i;
        epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &e);
    }
    t0 = now_ns();
    t_end = 0;
    for (;;) {
        int n = epoll_wait(ep, evs, 1024, 100), j;
        int64_t t = now_ns();

        /* measure once every stream is running, after a 1 s warm-up */
        if (!t_start && connected == streams && t - t0 > 1000000000LL) {
            t_start = t;
            cpu0 = proc_cpu_s(pid, &user0);
            self0 = self_cpu_s();
            events_at_start = total_events;
            responses_at_start = responses;
            m0 = get_metrics(port);
            t_end = t_start + (int64_t)(seconds * 1e9);
        }
        if (t_end && t >= t_end)
            break;
        if (t - t0 > (int64_t)(seconds + 30) * 1000000000LL) {
            fprintf(stderr, "bench_mock: streams never all started "
                            "(%ld of %ld)\n", connected, streams);
            goto out;
        }
        for (j = 0; j < n; j++) {
            struct conn *x = &c[evs[j].data.u32];

            if ((evs[j].events & EPOLLOUT) && x->want_write) {
                ssize_t w = write(x->fd, req + x->sent, req_len - x->sent);

                if (w > 0)
                    x->sent += (size_t)w;
                if (x->sent == req_len) {
                    struct epoll_event e;

                    if (x->want_write == 1)
                        connected++;
                    x->want_write = 0;
                    e.events = EPOLLIN;
                    e.data.u32 = evs[j].data.u32;
                    epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &e);
                }
            }
            if (evs[j].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                char buf[65536];
                ssize_t r = read(x->fd, buf, sizeof(buf));
                ssize_t b;

                if (r <= 0) {
                    if (r < 0 && errno == EAGAIN)
                        continue;
                    errors++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
                    continue;
                }
                for (b = 0; b < r; b++) {
                    if (buf[b] == '\n') {
                        if (x->tail_nl) {
                            x->events++;
                            total_events++;
                        }
                        x->tail_nl = 1;
                    } else {
                        x->tail_nl = 0;
                    }
                }
                /* tokens events + [DONE]: the response is complete;
                 * the next request goes on the same connection */
                if (x->events >= (tokens + k - 1) / k + 1) {
                    x->events = 0;
                    responses++;
                    x->sent = 0;
                    x->want_write = 2;
                    {
                        struct epoll_event e;

                        e.events = EPOLLIN | EPOLLOUT;
                        e.data.u32 = evs[j].data.u32;
                        epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &e);
                    }
                }
            }
        }
    }
    cpu1 = proc_cpu_s(pid, &user1);
    self1 = self_cpu_s();
    m1 = get_metrics(port);
    {
        double dt = (double)(now_ns() - t_start) / 1e9;
        long ev = total_events - events_at_start;
        long rs = responses - responses_at_start;
        double tok_rx = (double)(ev - rs) * (double)k / dt;
        double mock_cpu = (cpu1 - cpu0) / dt;
        double lag_sum0 = metric(m0, "llmperf_mock_write_lag_seconds_sum");
        double lag_n0 = metric(m0, "llmperf_mock_write_lag_seconds_count");
        double lag_sum1 = metric(m1, "llmperf_mock_write_lag_seconds_sum");
        double lag_n1 = metric(m1, "llmperf_mock_write_lag_seconds_count");

        gen0 = metric(m0, "llmperf_mock_tokens_generated_total");
        gen1 = metric(m1, "llmperf_mock_tokens_generated_total");
        printf("llmperf-mock benchmark: %ld streams, %ld tokens/request, "
               "%g ms/token, %ld token(s)/chunk, %.1f s measured\n",
               streams, tokens, decode_ms, k, dt);
        printf("  concurrent streams (mock slots busy): %.0f\n",
               metric(m1, "llmperf_mock_slots_busy"));
        printf("  tokens/s written by the mock:  %.0f\n", (gen1 - gen0) / dt);
        printf("  tokens/s received by client:   %.0f (ideal %.0f)\n", tok_rx,
               (double)streams * 1000.0 / decode_ms);
        printf("  writes/s (chunks) by the mock: %.0f\n",
               (metric(m1, "llmperf_mock_chunks_written_total") -
                metric(m0, "llmperf_mock_chunks_written_total")) / dt);
        printf("  mock CPU: %.1f%% of one core (user %.1f%%, kernel %.1f%%)"
               " -> %.0f tokens per CPU-second\n", 100 * mock_cpu,
               100 * (user1 - user0) / dt,
               100 * (mock_cpu - (user1 - user0) / dt),
               mock_cpu > 0 ? (gen1 - gen0) / dt / mock_cpu : 0);
        printf("  client CPU: %.1f%% of one core\n",
               100 * (self1 - self0) / dt);
        printf("  write lag vs schedule: mean %.3f ms, max %.3f ms "
               "(since start)\n",
               lag_n1 > lag_n0 ? 1e3 * (lag_sum1 - lag_sum0) /
                                     (lag_n1 - lag_n0) : 0.0,
               1e3 * metric(m1, "llmperf_mock_write_lag_max_seconds"));
        printf("  responses completed: %ld, connection errors: %ld\n", rs,
               errors);
    }
    ret = 0;
out:
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (c)
        for (i = 0; i < streams; i++)
            if (c[i].fd > 0)
                close(c[i].fd);
    free(c);
    free(evs);
    free(m0);
    free(m1);
    if (ep >= 0)
        close(ep);
    return ret;
}
