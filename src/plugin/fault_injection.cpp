/*! \file
 * \brief The fault-injection test hook (see fault_injection.h).
 */
#include "plugin/fault_injection.h"

#include "common/error.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace dgmx::plugin
{
std::optional<FaultInjection> FaultInjection::fromEnvironment()
{
    const char* value = std::getenv("DEEPMD_GROMACS_TEST_FAIL");
    FaultInjection fault;
    long long      step = -1;
    if (value == nullptr || std::sscanf(value, "%d:%lld", &fault.rank, &step) != 2)
    {
        return std::nullopt;
    }
    fault.step = step;
    return fault;
}

void FaultInjection::check(int atRank, std::int64_t atStep) const
{
    if (atRank == rank && atStep == step)
    {
        throw Error(fmt::format("failure injected by DEEPMD_GROMACS_TEST_FAIL={}:{} (a test of stopping "
                                "every rank when one fails)",
                                rank, step));
    }
}
} // namespace dgmx::plugin
