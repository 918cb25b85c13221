/* Compiles the umbrella header as strict C11 and calls into the library. */
#include <llmperf/llmperf.h>

int main(void)
{
    return llmperf_version() == LLMPERF_VERSION_NUM ? 0 : 1;
}
