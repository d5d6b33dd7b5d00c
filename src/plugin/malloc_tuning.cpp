#include "plugin/malloc_tuning.h"

#include <malloc.h>

#include <cstdlib>
#include <string>

namespace dgmx::plugin
{
namespace
{
bool disabledByEnvironment()
{
    const char* v = std::getenv("DEEPMD_GROMACS_MALLOC_TUNING");
    if (v == nullptr)
    {
        return false;
    }
    const std::string s(v);
    return s == "0" || s == "off" || s == "no" || s == "false";
}
} // namespace

std::string tuneMalloc()
{
    if (disabledByEnvironment())
    {
        return "malloc tuning: off (DEEPMD_GROMACS_MALLOC_TUNING)";
    }
    constexpr int c_topPad = 64 << 20;
    // mallopt returns 1 on success; the trim threshold is an int, so INT_MAX (2 GiB) is "never".
    const bool ok = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, 0x7fffffff) == 1
                    && mallopt(M_TOP_PAD, c_topPad) == 1;
    return ok ? "malloc tuning: large blocks from the heap, heap kept (M_MMAP_MAX 0, M_TRIM_THRESHOLD 2 GiB, "
                "M_TOP_PAD 64 MiB; DEEPMD_GROMACS_MALLOC_TUNING=0 turns it off)"
              : "malloc tuning: glibc refused a mallopt setting; allocator left as it was";
}
} // namespace dgmx::plugin
