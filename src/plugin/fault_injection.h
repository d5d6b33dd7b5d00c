/*! \file
 * \brief A test hook, kept out of the force provider's own logic: make one rank fail at one
 * step (DEEPMD_GROMACS_TEST_FAIL=RANK:STEP), to test that every rank then stops together.
 * The kernel reads the variable once at init; a run without it carries no hook at all.
 */
#pragma once

#include <cstdint>
#include <optional>

namespace dgmx::plugin
{
struct FaultInjection
{
    int          rank = -1;
    std::int64_t step = -1;

    //! The hook DEEPMD_GROMACS_TEST_FAIL asks for; none when it is unset or not RANK:STEP.
    static std::optional<FaultInjection> fromEnvironment();
    //! Throws the injected dgmx::Error when \p atRank and \p atStep are the chosen ones.
    void check(int atRank, std::int64_t atStep) const;
};
} // namespace dgmx::plugin
