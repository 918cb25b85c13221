/* SPDX-License-Identifier: MIT */
/*
 * llmperf/runner.h -- many requests at once: load generation against one
 * server endpoint from a dataset, closed loop (N concurrent users) or
 * open loop (a request rate with Poisson, constant or gamma arrivals),
 * for a count or a duration, with warm-up and an asynchronous stop.
 *
 * Use: make a client (llmperf/client.h), a runner from it, set options,
 * then llmperf_runner_run() with a dataset (llmperf/dataset.h) and a
 * callback that receives every result as it completes. The runner drives
 * all requests from the calling thread on one libcurl multi handle and
 * epoll; the chunk timestamps are taken as bytes arrive, exactly as in
 * llmperf_client_stream(). docs/runner.md describes the scheduling and
 * the accounting; docs/PERFORMANCE.md its measured accuracy and cost.
 *
 * Linux only (epoll, timerfd, eventfd). A run of N concurrent requests
 * needs about N file descriptors: raise RLIMIT_NOFILE for large N.
 *
 * Thread rule: one runner is used by one thread at a time, except
 * llmperf_runner_stop(), which any thread or a signal handler may call
 * at any time. Callbacks run on the thread that called
 * llmperf_runner_run(). The runner borrows its client: do not use or free
 * the client while a run is in progress, and free the runner first.
 */
#ifndef LLMPERF_RUNNER_H
#define LLMPERF_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "llmperf/client.h"
#include "llmperf/common.h"
#include "llmperf/dataset.h"
#include "llmperf/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A load generator bound to one client (opaque). */
typedef struct llmperf_runner llmperf_runner;

/* Arrival processes of the open loop (LLMPERF_RUNNER_ARRIVAL). ABI. */
enum {
    /* Exponential gaps of mean 1/RATE: a Poisson process (default). */
    LLMPERF_ARRIVAL_POISSON = 1,
    /* Gaps of exactly 1/RATE. */
    LLMPERF_ARRIVAL_CONSTANT = 2,
    /* Gamma-distributed gaps with shape BURSTINESS and mean 1/RATE
     * (vLLM's definition): BURSTINESS 1 is Poisson, < 1 burstier, > 1
     * more regular; the gaps' coefficient of variation is
     * 1/sqrt(BURSTINESS). */
    LLMPERF_ARRIVAL_GAMMA = 3
};

/*
 * Runner option ids. The id's range encodes the setter, as for client
 * options: 1..999 llmperf_runner_set_int(), 1001..1999
 * llmperf_runner_set_double(). The numbers are ABI; a new option takes
 * the next free number of its range.
 */
/*
 * Transports (LLMPERF_RUNNER_TRANSPORT). The own one ("native") speaks
 * HTTP/1.1 over plain TCP with one recv(2) per readiness event; it costs
 * about half the CPU per streamed chunk of libcurl, which decides whether
 * the client keeps up when a server writes a token to thousands of
 * streams at once (docs/PERFORMANCE.md). It serves "http://" URLs without
 * credentials and without a proxy in the environment (http_proxy,
 * all_proxy, ALL_PROXY); TLS, proxies and HTTP/2 stay with libcurl.
 * Both give the same results, statuses and messages for the same
 * exchange. llmperf_client_stream() always uses libcurl.
 */
typedef enum llmperf_transport {
    LLMPERF_TRANSPORT_AUTO = 0,
    LLMPERF_TRANSPORT_CURL = 1,
    LLMPERF_TRANSPORT_NATIVE = 2
} llmperf_transport;

typedef enum llmperf_runner_opt {
    /* Requests in flight at most. Closed loop (RATE 0): the number of
     * users, each sending its next request as soon as its previous one
     * ended; 0 (default) means 1. Open loop (RATE > 0): a cap; a request
     * due while the cap is reached waits for a free place, and the wait
     * shows in its client_lag_ns; 0 (default) means no cap. Range
     * 0..1000000. */
    LLMPERF_RUNNER_CONCURRENCY = 1,
    /* Measured requests to send. 0 (default): one pass over the dataset
     * when DURATION_MS is 0, no limit otherwise. Items are used in order,
     * wrapping around. >= 0. */
    LLMPERF_RUNNER_REQUESTS = 2,
    /* Length of the measured phase in ms; 0 (default) = no limit. At the
     * deadline no further request is sent; what is in flight is then
     * handled as DRAIN says. >= 0. */
    LLMPERF_RUNNER_DURATION_MS = 3,
    /* Warm-up requests sent before the measured phase (the dataset's
     * first items, CONCURRENCY at once, closed loop). They all end
     * before the measured phase starts; their results are not delivered
     * (counted in LLMPERF_RUNNER_STAT_WARMUP and _WARMUP_FAILED).
     * Default 0. >= 0. */
    LLMPERF_RUNNER_WARMUP = 4,
    /* LLMPERF_ARRIVAL_POISSON (default), _CONSTANT or _GAMMA. */
    LLMPERF_RUNNER_ARRIVAL = 5,
    /* Seed of the arrival schedule (default 0). The same seed, rate and
     * process give the same schedule. Any value. */
    LLMPERF_RUNNER_SEED = 6,
    /* What happens at the DURATION_MS deadline to requests in flight:
     * 1 (default) wait for them to end (bounded by DRAIN_TIMEOUT_MS and
     * the client's own timeouts); 0 cancel them at once. Cancelled
     * requests are delivered with status LLMPERF_EABORTED. */
    LLMPERF_RUNNER_DRAIN = 7,
    /* With DRAIN 1: how long to wait for requests in flight after the
     * deadline, in ms, before cancelling the rest (as with DRAIN 0).
     * 0 (default) = as long as they take. >= 0. */
    LLMPERF_RUNNER_DRAIN_TIMEOUT_MS = 8,
    /* 1: put a unique prefix "[xxxxxxxxxxxxxxxx] " (16 hex digits) before
     * every prompt (before the first message's content for a chat
     * conversation), so that no two requests share a cached prompt
     * prefix (seed 001's --vary-prompts). Default 0. */
    LLMPERF_RUNNER_VARY_PROMPTS = 9,
    /* Interval of the progress callback in ms (default 1000); >= 1. */
    LLMPERF_RUNNER_PROGRESS_INTERVAL_MS = 10,
    /* How requests travel (llmperf_transport): LLMPERF_TRANSPORT_AUTO
     * (default) uses the runner's own HTTP/1.1 transport for plain
     * "http://" URLs and libcurl for the rest; _CURL always libcurl;
     * _NATIVE always the own one (llmperf_runner_run() then fails with
     * LLMPERF_ENOTSUP, and a message, for a URL it cannot serve). Read
     * what a run used from LLMPERF_RUNNER_STAT_TRANSPORT. */
    LLMPERF_RUNNER_TRANSPORT = 11,

    /* Open-loop request rate in requests per second; 0 (default) = the
     * closed loop. Finite, >= 0, <= 1e6. */
    LLMPERF_RUNNER_RATE = 1001,
    /* Shape of the gamma arrivals (LLMPERF_ARRIVAL_GAMMA); default 1.
     * Finite, > 0. */
    LLMPERF_RUNNER_BURSTINESS = 1002
    /* new options: next free number in the right range, nothing else */
} llmperf_runner_opt;

/*
 * Counters of the current (or last) run, read with
 * llmperf_runner_stat_i64() / _f64() (ids 1001..). Measured requests only,
 * unless the name says warm-up. Every sent measured request ends as
 * exactly one of COMPLETED or FAILED and is delivered to the result
 * callback; ABORTED counts the failed ones the runner itself cancelled
 * (stop, DRAIN 0, DRAIN_TIMEOUT_MS, a callback asking to stop).
 */
typedef enum llmperf_runner_stat {
    LLMPERF_RUNNER_STAT_SENT = 1,          /* measured requests sent      */
    LLMPERF_RUNNER_STAT_COMPLETED = 2,     /* ended with LLMPERF_OK       */
    LLMPERF_RUNNER_STAT_FAILED = 3,        /* ended with a failure        */
    LLMPERF_RUNNER_STAT_ABORTED = 4,       /* failed: cancelled by us     */
    LLMPERF_RUNNER_STAT_IN_FLIGHT = 5,     /* sent, not yet ended         */
    LLMPERF_RUNNER_STAT_WARMUP = 6,        /* warm-up requests ended      */
    LLMPERF_RUNNER_STAT_WARMUP_FAILED = 7, /* ... of which failed         */
    LLMPERF_RUNNER_STAT_ELAPSED_NS = 8,    /* since the measured phase
                                              began (0 before)            */
    LLMPERF_RUNNER_STAT_OUTPUT_TOKENS = 9, /* OUTPUT_TOKENS of completed
                                              requests, summed            */
    LLMPERF_RUNNER_STAT_MAX_LAG_NS = 10,   /* largest client_lag_ns       */
    LLMPERF_RUNNER_STAT_TRANSPORT = 11,    /* LLMPERF_TRANSPORT_CURL or
                                              _NATIVE: what the run used  */
    /* Own transport: the largest delay between a chunk's arrival (the
     * kernel's receive timestamp, which the results carry) and the moment
     * the runner read it: how far the harness fell behind, reported
     * rather than hidden in the times. 0 with libcurl, which reads
     * without timestamps (its times are those of the read). */
    LLMPERF_RUNNER_STAT_MAX_READ_DELAY_NS = 12,

    /* OUTPUT_TOKENS / elapsed seconds */
    LLMPERF_RUNNER_STAT_TOKENS_PER_S = 1001,
    /* (COMPLETED + FAILED) / elapsed seconds */
    LLMPERF_RUNNER_STAT_REQUESTS_PER_S = 1002
} llmperf_runner_stat;

/*
 * Result callback: called once per measured request as it ends, on the
 * run's thread, in the order requests end. The callback takes ownership
 * of result (free it with llmperf_result_free(), or keep it). item is the
 * index of the dataset item the request used (llmperf_dataset_get()).
 * Return 0 to go on; any other value stops the run as
 * llmperf_runner_stop() does. It may call llmperf_runner_stop() and the
 * stat getters, but no other function of this runner.
 */
typedef int (*llmperf_result_cb)(llmperf_result *result, size_t item,
                                 void *userdata);

/*
 * Progress callback: called every PROGRESS_INTERVAL_MS during a run and
 * once when it ends, on the run's thread; read the counters with the stat
 * getters. Return 0 to go on; any other value stops the run. Same rules
 * as the result callback.
 */
typedef int (*llmperf_progress_cb)(llmperf_runner *runner, void *userdata);

/*
 * llmperf_runner_new -- a runner sending through client (borrowed: it
 * must outlive the runner) with every option at its default.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL argument; LLMPERF_ENOMEM;
 * LLMPERF_ERR when the kernel or libcurl refuse a handle (e.g. out of
 * file descriptors). On failure *out is NULL. Added in 0.1.
 */
LLMPERF_API int llmperf_runner_new(llmperf_runner **out,
                                   llmperf_client *client);

/*
 * llmperf_runner_set_int -- set an integer option (ids 1..999).
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for a NULL runner, an unknown id, an
 * id of another type or a value out of range; LLMPERF_ESTATE during a
 * run. Added in 0.1.
 */
LLMPERF_API int llmperf_runner_set_int(llmperf_runner *runner, int opt,
                                       int64_t value);

/*
 * llmperf_runner_set_double -- set a floating-point option (ids
 * 1001..1999). Same returns as llmperf_runner_set_int(). Added in 0.1.
 */
LLMPERF_API int llmperf_runner_set_double(llmperf_runner *runner, int opt,
                                          double value);

/*
 * llmperf_runner_set_progress -- call cb (NULL: none) with userdata
 * every PROGRESS_INTERVAL_MS during a run. Returns LLMPERF_OK,
 * LLMPERF_EINVAL for a NULL runner, LLMPERF_ESTATE during a run.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_runner_set_progress(llmperf_runner *runner,
                                            llmperf_progress_cb cb,
                                            void *userdata);

/*
 * llmperf_runner_run -- send dataset's prompts as the options say and
 * deliver each measured result to on_result (NULL: results are freed).
 * Returns when the count is reached, the duration is over and in-flight
 * requests are handled, or the run is stopped.
 *
 * Each item's prompt, max_tokens (< 0: the client's) and, for the chat
 * backends, its messages are sent; non-chat backends send the prompt
 * (for a conversation: its last user message). Failed requests are
 * delivered like successful ones (read LLMPERF_RESULT_STATUS).
 *
 * Returns LLMPERF_OK when the run ended by its count or duration (even
 * if requests failed); LLMPERF_EABORTED when it was stopped
 * (llmperf_runner_stop() or a callback's non-zero return) -- requests
 * in flight then are delivered with status LLMPERF_EABORTED;
 * LLMPERF_EINVAL for a NULL runner or dataset or an empty dataset;
 * LLMPERF_ESTATE when called from a callback of this runner;
 * LLMPERF_ENOMEM or LLMPERF_ERR (llmperf_runner_errmsg() says why) when
 * the run could not go on -- requests in flight are then cancelled and
 * delivered as for a stop. Added in 0.1.
 */
LLMPERF_API int llmperf_runner_run(llmperf_runner *runner,
                                   const llmperf_dataset *dataset,
                                   llmperf_result_cb on_result,
                                   void *userdata);

/*
 * llmperf_runner_stop -- end the current run as soon as possible: no new
 * request is sent, requests in flight are cancelled and delivered with
 * status LLMPERF_EABORTED (error class "aborted"), and
 * llmperf_runner_run() returns LLMPERF_EABORTED. Every result completed
 * before is delivered. Called when no run is in progress, it makes the
 * next run stop at once. NULL is ignored.
 *
 * Async-signal-safe and thread-safe: it only stores to an atomic flag and
 * writes to an eventfd. Added in 0.1.
 */
LLMPERF_API void llmperf_runner_stop(llmperf_runner *runner);

/*
 * llmperf_runner_stat_i64 -- read a counter of the current or last run
 * (ids 1..999 of llmperf_runner_stat). Returns LLMPERF_OK; LLMPERF_EINVAL
 * for a NULL argument or an unknown id. Added in 0.1.
 */
LLMPERF_API int llmperf_runner_stat_i64(const llmperf_runner *runner,
                                        int stat, int64_t *out);

/*
 * llmperf_runner_stat_f64 -- read a rate of the current or last run (ids
 * 1001..1999); 0 before the measured phase began. Same returns as
 * llmperf_runner_stat_i64(). Added in 0.1.
 */
LLMPERF_API int llmperf_runner_stat_f64(const llmperf_runner *runner,
                                        int stat, double *out);

/*
 * llmperf_runner_errmsg -- why the last run failed with LLMPERF_ENOMEM or
 * LLMPERF_ERR; "" otherwise. Owned by the runner; never NULL ("" for
 * NULL). Added in 0.1.
 */
LLMPERF_API const char *llmperf_runner_errmsg(const llmperf_runner *runner);

/*
 * llmperf_runner_free -- release the runner, its connections and handles
 * (not the client). NULL is accepted and ignored. Must not be called
 * during a run. Added in 0.1.
 */
LLMPERF_API void llmperf_runner_free(llmperf_runner *runner);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_RUNNER_H */
