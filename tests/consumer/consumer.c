/* A program outside the build tree that uses the installed library. */
#include <llmperf/llmperf.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    double x[] = {1.0, 2.0, 3.0, 4.0};
    double p50 = 0;
    int rc;

    if (llmperf_version() != LLMPERF_VERSION_NUM) {
        fprintf(stderr, "header %s, library %s\n", LLMPERF_VERSION_STRING,
                llmperf_version_string());
        return 1;
    }
    if (llmperf_global_init() != LLMPERF_OK)
        return 1;
    rc = llmperf_stats_percentile(x, 4, 50.0, &p50);
    llmperf_global_cleanup();
    if (rc != LLMPERF_OK || p50 != 2.5) {
        fprintf(stderr, "percentile: %s, %g\n", llmperf_strerror(rc), p50);
        return 1;
    }
    printf("llmperf %s: ok\n", llmperf_version_string());
    return 0;
}
