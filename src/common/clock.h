/*! \file
 * \brief The one clock for timings: seconds on a monotonic clock (differences only).
 */
#pragma once

#include <chrono>

namespace dgmx
{
//! Seconds since an arbitrary fixed point; subtract two readings for an elapsed time.
inline double secondsNow()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace dgmx
