// Compiles the umbrella header as C++ (extern "C" guards, no C-only syntax).
#include <llmperf/llmperf.h>

int main()
{
    return llmperf_version() == LLMPERF_VERSION_NUM ? 0 : 1;
}
