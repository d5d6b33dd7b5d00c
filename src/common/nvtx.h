/*! \file
 * \brief NVTX ranges for profiles (Nsight Systems shows each step's phases). Header-only
 * NVTX3, compiled in only with the CMake option DEEPMD_GROMACS_NVTX; otherwise the macro
 * expands to nothing and costs nothing.
 */
#pragma once

#if defined(DEEPMD_GROMACS_NVTX)
#    include <nvtx3/nvtx3.hpp>

namespace dgmx::nvtx
{
//! All our ranges live in one NVTX domain, so a profile can filter them.
struct Domain
{
    static constexpr const char* name{ "deepmd-gromacs" };
};
} // namespace dgmx::nvtx

#    define DGMX_NVTX_CONCAT_(a, b) a##b
#    define DGMX_NVTX_CONCAT(a, b) DGMX_NVTX_CONCAT_(a, b)
//! Marks the rest of the enclosing scope as the phase \p name (a string literal).
#    define DGMX_NVTX_RANGE(name) \
        const ::nvtx3::scoped_range_in<::dgmx::nvtx::Domain> DGMX_NVTX_CONCAT(dgmxNvtxRange_, __LINE__)(name)
#else
#    define DGMX_NVTX_RANGE(name) static_cast<void>(0)
#endif
