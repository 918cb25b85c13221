/* SPDX-License-Identifier: MIT */
/*
 * common.c -- status strings, the monotonic clock, version queries and the
 * counted global initialisation around curl_global_init().
 */
#include "internal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <time.h>

#include "llmperf/version.h"

/* Indexed by -status. Keep in step with the enum in common.h. */
static const char *const status_text[] = {
    "success",
    "unclassified failure",
    "out of memory",
    "invalid argument",
    "buffer too small",
    "transport failure",
    "HTTP error status",
    "malformed response stream",
    "timed out",
    "aborted",
    "could not connect",
    "error reported by the server inside the stream",
    "size limit exceeded",
    "statistic undefined for this input",
    "file I/O failure",
    "malformed input data",
    "not found",
    "handle in the wrong state for this call",
    "not supported",
};

static const char *const status_names[] = {
    "LLMPERF_OK",         "LLMPERF_ERR",        "LLMPERF_ENOMEM",
    "LLMPERF_EINVAL",     "LLMPERF_EBUFS",      "LLMPERF_ETRANSPORT",
    "LLMPERF_EHTTP",      "LLMPERF_EPROTOCOL",  "LLMPERF_ETIMEOUT",
    "LLMPERF_EABORTED",   "LLMPERF_ECONNECT",   "LLMPERF_ESERVER",
    "LLMPERF_ETOOBIG",    "LLMPERF_EUNDEFINED", "LLMPERF_EIO",
    "LLMPERF_EFORMAT",    "LLMPERF_ENOTFOUND",  "LLMPERF_ESTATE",
    "LLMPERF_ENOTSUP",
};

_Static_assert(sizeof(status_text) / sizeof(status_text[0]) ==
                   (size_t)(1 - LLMPERF_STATUS_MIN),
               "status_text must cover every status code");
_Static_assert(sizeof(status_names) / sizeof(status_names[0]) ==
                   (size_t)(1 - LLMPERF_STATUS_MIN),
               "status_names must cover every status code");

LLMPERF_API const char *llmperf_strerror(int status)
{
    if (status > 0 || status < LLMPERF_STATUS_MIN)
        return "unknown status code";
    return status_text[-status];
}

LLMPERF_API const char *llmperf_status_name(int status)
{
    if (status > 0 || status < LLMPERF_STATUS_MIN)
        return "LLMPERF_EUNKNOWN";
    return status_names[-status];
}

LLMPERF_API int64_t llmperf_now_ns(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail on Linux for a valid pointer. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

LLMPERF_API unsigned int llmperf_version(void)
{
    return LLMPERF_VERSION_NUM;
}

LLMPERF_API const char *llmperf_version_string(void)
{
    return LLMPERF_VERSION_STRING;
}

/*
 * The counter is guarded by a mutex so that balanced init/cleanup pairs
 * from several threads keep a correct count; curl_global_init() itself is
 * only safe when no other thread is inside libcurl, which is the caller's
 * rule (docs/threading.md).
 */
static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long global_count;

LLMPERF_API int llmperf_global_init(void)
{
    int rc = LLMPERF_OK;

    pthread_mutex_lock(&global_lock);
    if (global_count == 0 && curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
        rc = LLMPERF_ERR;
        goto out;
    }
    global_count++;
out:
    pthread_mutex_unlock(&global_lock);
    return rc;
}

LLMPERF_API void llmperf_global_cleanup(void)
{
    pthread_mutex_lock(&global_lock);
    if (global_count > 0 && --global_count == 0)
        curl_global_cleanup();
    pthread_mutex_unlock(&global_lock);
}

unsigned long llmperf__global_count(void)
{
    unsigned long n;

    pthread_mutex_lock(&global_lock);
    n = global_count;
    pthread_mutex_unlock(&global_lock);
    return n;
}
