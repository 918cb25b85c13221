/* SPDX-License-Identifier: MIT */
/*
 * test_common.c -- status strings, clock, version, counted global init and
 * the allocation failure injection every other suite relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "llmperf/llmperf.h"

static void test_status_codes_are_pinned(void **state)
{
    (void)state;
    /* These numbers are ABI (docs/errors.md): a change here is a break. */
    assert_int_equal(LLMPERF_OK, 0);
    assert_int_equal(LLMPERF_ERR, -1);
    assert_int_equal(LLMPERF_ENOMEM, -2);
    assert_int_equal(LLMPERF_EINVAL, -3);
    assert_int_equal(LLMPERF_EBUFS, -4);
    assert_int_equal(LLMPERF_ETRANSPORT, -5);
    assert_int_equal(LLMPERF_EHTTP, -6);
    assert_int_equal(LLMPERF_EPROTOCOL, -7);
    assert_int_equal(LLMPERF_ETIMEOUT, -8);
    assert_int_equal(LLMPERF_EABORTED, -9);
    assert_int_equal(LLMPERF_ECONNECT, -10);
    assert_int_equal(LLMPERF_ESERVER, -11);
    assert_int_equal(LLMPERF_ETOOBIG, -12);
    assert_int_equal(LLMPERF_EUNDEFINED, -13);
    assert_int_equal(LLMPERF_EIO, -14);
    assert_int_equal(LLMPERF_EFORMAT, -15);
    assert_int_equal(LLMPERF_ENOTFOUND, -16);
    assert_int_equal(LLMPERF_ESTATE, -17);
    assert_int_equal(LLMPERF_ENOTSUP, -18);
    assert_int_equal(LLMPERF_STATUS_MIN, -18);
}

static void test_strerror_and_names(void **state)
{
    int s, t;

    (void)state;
    for (s = LLMPERF_STATUS_MIN; s <= 0; s++) {
        const char *msg = llmperf_strerror(s);
        const char *name = llmperf_status_name(s);

        assert_non_null(msg);
        assert_non_null(name);
        assert_true(strlen(msg) > 0);
        assert_true(strncmp(name, "LLMPERF_", 8) == 0);
        /* Every code has its own text and name. */
        for (t = s + 1; t <= 0; t++) {
            assert_string_not_equal(msg, llmperf_strerror(t));
            assert_string_not_equal(name, llmperf_status_name(t));
        }
    }
    assert_string_equal(llmperf_status_name(LLMPERF_EINVAL), "LLMPERF_EINVAL");
    assert_string_equal(llmperf_status_name(LLMPERF_ENOTSUP),
                        "LLMPERF_ENOTSUP");
    /* Unknown codes: never NULL, clearly unknown. */
    assert_string_equal(llmperf_strerror(1), "unknown status code");
    assert_string_equal(llmperf_strerror(LLMPERF_STATUS_MIN - 1),
                        "unknown status code");
    assert_string_equal(llmperf_strerror(INT32_MIN), "unknown status code");
    assert_string_equal(llmperf_status_name(12345), "LLMPERF_EUNKNOWN");
}

static void test_now_is_monotonic_ns(void **state)
{
    struct timespec ts, pause = {0, 2000000}; /* 2 ms */
    int64_t a, b, ref;
    int i;

    (void)state;
    a = llmperf_now_ns();
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ref = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    /* Same clock as CLOCK_MONOTONIC: within a second of it. */
    assert_true(ref - a >= 0 && ref - a < 1000000000);
    nanosleep(&pause, NULL);
    b = llmperf_now_ns();
    assert_true(b - a >= 2000000);
    for (i = 0; i < 1000; i++) {
        int64_t c = llmperf_now_ns();
        assert_true(c >= b);
        b = c;
    }
}

static void test_version(void **state)
{
    char buf[32];

    (void)state;
    assert_int_equal(llmperf_version(), LLMPERF_VERSION_NUM);
    assert_int_equal(LLMPERF_VERSION_NUM >> 16, LLMPERF_VERSION_MAJOR);
    assert_int_equal((LLMPERF_VERSION_NUM >> 8) & 0xff, LLMPERF_VERSION_MINOR);
    assert_int_equal(LLMPERF_VERSION_NUM & 0xff, LLMPERF_VERSION_PATCH);
    snprintf(buf, sizeof buf, "%d.%d.%d", LLMPERF_VERSION_MAJOR,
             LLMPERF_VERSION_MINOR, LLMPERF_VERSION_PATCH);
    assert_string_equal(llmperf_version_string(), buf);
    assert_true(LLMPERF_AT_LEAST(0, 0, 0));
    assert_true(LLMPERF_AT_LEAST(LLMPERF_VERSION_MAJOR, LLMPERF_VERSION_MINOR,
                                 LLMPERF_VERSION_PATCH));
    assert_false(LLMPERF_AT_LEAST(LLMPERF_VERSION_MAJOR + 1, 0, 0));
}

static void test_global_init_is_counted(void **state)
{
    (void)state;
    assert_int_equal(llmperf__global_count(), 0);
    llmperf_global_cleanup(); /* unmatched: ignored */
    assert_int_equal(llmperf__global_count(), 0);
    assert_int_equal(llmperf_global_init(), LLMPERF_OK);
    assert_int_equal(llmperf_global_init(), LLMPERF_OK);
    assert_int_equal(llmperf__global_count(), 2);
    llmperf_global_cleanup();
    assert_int_equal(llmperf__global_count(), 1);
    llmperf_global_cleanup();
    assert_int_equal(llmperf__global_count(), 0);
    /* And again after a full cycle. */
    assert_int_equal(llmperf_global_init(), LLMPERF_OK);
    assert_int_equal(llmperf__global_count(), 1);
    llmperf_global_cleanup();
    assert_int_equal(llmperf__global_count(), 0);
}

static void test_alloc_failure_injection(void **state)
{
    void *a, *b, *c;

    (void)state;
    llmperf__alloc_fail_after(3);
    a = llmperf__malloc(8);
    b = llmperf__calloc(2, 8);
    c = llmperf__strdup("x"); /* the third call fails */
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    /* ...and so does every later one, until reset. */
    assert_null(llmperf__malloc(1));
    assert_null(llmperf__realloc(a, 64));
    assert_int_equal(llmperf__alloc_count(), 5);
    llmperf__alloc_fail_after(0);
    c = llmperf__strndup("hello", 3);
    assert_non_null(c);
    assert_string_equal(c, "hel");
    llmperf__free(a);
    llmperf__free(b);
    llmperf_free(c);
    llmperf_free(NULL);
}

static void test_reallocarray_overflow(void **state)
{
    void *p;

    (void)state;
    p = llmperf__malloc(4);
    assert_non_null(p);
    assert_null(llmperf__reallocarray(p, SIZE_MAX / 2, 4));
    p = llmperf__reallocarray(p, 4, 4); /* p still valid after the failure */
    assert_non_null(p);
    llmperf__free(p);
    assert_null(llmperf__strdup(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_codes_are_pinned),
        cmocka_unit_test(test_strerror_and_names),
        cmocka_unit_test(test_now_is_monotonic_ns),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_global_init_is_counted),
        cmocka_unit_test(test_alloc_failure_injection),
        cmocka_unit_test(test_reallocarray_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
