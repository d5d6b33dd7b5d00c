/*! \file
 * \brief The decomposition's clock: monotonic seconds for its per-phase timings.
 */
#pragma once

#include <chrono>

namespace dgmx::dd
{
inline double seconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace dgmx::dd
