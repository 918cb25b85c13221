/* SPDX-License-Identifier: MIT */
/*
 * llmperf/common.h -- definitions shared by every public header: the
 * export macro, status codes, the monotonic clock, library-wide set-up
 * and the release function for buffers the library hands out.
 *
 * Thread rule for this header: every function here may be called from any
 * thread at any time, except llmperf_global_init() and
 * llmperf_global_cleanup(), which must not race with other threads using
 * the library (see docs/threading.md).
 */
#ifndef LLMPERF_COMMON_H
#define LLMPERF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * LLMPERF_API marks every exported declaration. The library is built with
 * hidden visibility, so anything without it stays internal. Define
 * LLMPERF_STATIC when linking the static library on Windows.
 */
#if defined(LLMPERF_STATIC)
#  define LLMPERF_API
#elif defined(_WIN32)
#  if defined(LLMPERF_BUILDING)
#    define LLMPERF_API __declspec(dllexport)
#  else
#    define LLMPERF_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define LLMPERF_API __attribute__((visibility("default")))
#else
#  define LLMPERF_API
#endif

/*
 * Status codes. Every function that can fail returns one of these as an
 * int: LLMPERF_OK (0) on success, a negative value on failure.
 *
 * The numbers are ABI: they are appended to, never renumbered or reused.
 * A retired code keeps its slot. docs/errors.md describes each one and the
 * functions that return it.
 */
enum {
    LLMPERF_OK         =   0, /* success                                  */
    LLMPERF_ERR        =  -1, /* unclassified failure; see the handle's
                                 error message                            */
    LLMPERF_ENOMEM     =  -2, /* an allocation failed                     */
    LLMPERF_EINVAL     =  -3, /* bad argument: NULL where not allowed, out
                                 of range, NaN or infinity, option of the
                                 wrong type                               */
    LLMPERF_EBUFS      =  -4, /* caller's buffer too small; the size needed
                                 is reported through the call's out-param */
    LLMPERF_ETRANSPORT =  -5, /* socket or TLS failure after connecting   */
    LLMPERF_EHTTP      =  -6, /* the server answered with a non-2xx status */
    LLMPERF_EPROTOCOL  =  -7, /* the response could not be parsed: bad
                                 framing, invalid JSON, truncated stream  */
    LLMPERF_ETIMEOUT   =  -8, /* connect, idle or total timeout expired   */
    LLMPERF_EABORTED   =  -9, /* a callback returned non-zero, or the run
                                 was stopped                              */
    LLMPERF_ECONNECT   = -10, /* could not connect (refused, unreachable,
                                 name not resolved)                       */
    LLMPERF_ESERVER    = -11, /* the server reported an error inside a
                                 successful (HTTP 200) stream             */
    LLMPERF_ETOOBIG    = -12, /* a line, event or value exceeded a hard
                                 size limit                               */
    LLMPERF_EUNDEFINED = -13, /* statistic undefined for this input: too
                                 few values, zero variance               */
    LLMPERF_EIO        = -14, /* reading or writing a file failed         */
    LLMPERF_EFORMAT    = -15, /* input data is malformed: a bad JSONL line,
                                 invalid UTF-8, a missing field           */
    LLMPERF_ENOTFOUND  = -16, /* no such group, field or item             */
    LLMPERF_ESTATE     = -17, /* the handle is in the wrong state for this
                                 call (e.g. already running)              */
    LLMPERF_ENOTSUP    = -18  /* not supported by this backend or build   */
};

/*
 * Number of the lowest status code this build knows. Codes in
 * [LLMPERF_STATUS_MIN, 0] have names and messages; others are unknown.
 */
#define LLMPERF_STATUS_MIN (-18)

/*
 * llmperf_strerror -- a one-line English description of a status code.
 *
 * Returns a pointer to a static, NUL-terminated string; never NULL. An
 * unknown code (e.g. from a newer library) gives "unknown status code".
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API const char *llmperf_strerror(int status);

/*
 * llmperf_status_name -- the symbolic name of a status code, such as
 * "LLMPERF_EINVAL" (bindings use it to name exceptions).
 *
 * Returns a static string; never NULL. Unknown codes give
 * "LLMPERF_EUNKNOWN". Thread-safe. Added in 0.1.
 */
LLMPERF_API const char *llmperf_status_name(int status);

/*
 * llmperf_now_ns -- the library's clock: CLOCK_MONOTONIC in nanoseconds.
 *
 * Every timestamp the library records uses this clock, so callers and
 * bindings can compare their own times with it. The origin is arbitrary
 * (not the time of day); only differences are meaningful. Thread-safe.
 * Added in 0.1.
 */
LLMPERF_API int64_t llmperf_now_ns(void);

/*
 * llmperf_global_init -- set up process-wide state (libcurl's global
 * initialisation).
 *
 * Calls are counted: each successful call must be matched by one
 * llmperf_global_cleanup(), and only the last cleanup releases the state.
 * Call it before any other thread uses the library; it must not race
 * with other threads using libcurl. Handles created without it still work
 * (libcurl initialises itself lazily), but that lazy path is not
 * thread-safe.
 *
 * Returns LLMPERF_OK, or LLMPERF_ERR if libcurl could not initialise (the
 * count is then unchanged). Added in 0.1.
 */
LLMPERF_API int llmperf_global_init(void);

/*
 * llmperf_global_cleanup -- undo one llmperf_global_init(). The last one
 * releases libcurl's global state. A call with no matching init does
 * nothing. Same thread rule as llmperf_global_init(). Added in 0.1.
 */
LLMPERF_API void llmperf_global_cleanup(void);

/*
 * llmperf_free -- release a raw buffer that a library function returned
 * through an out-parameter and documented as "free with llmperf_free()".
 * Never pass such buffers to libc free(). NULL is accepted and ignored.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API void llmperf_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_COMMON_H */
