/*! \file
 * \brief The fault-injection test hook: parsed from DEEPMD_GROMACS_TEST_FAIL=RANK:STEP, absent
 * otherwise, and failing at exactly that rank and step.
 */
#include "plugin/fault_injection.h"

#include "support/test_files.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace dgmx::test
{
namespace
{
std::optional<plugin::FaultInjection> withVariable(const char* value)
{
    if (value == nullptr)
    {
        ::unsetenv("DEEPMD_GROMACS_TEST_FAIL");
    }
    else
    {
        ::setenv("DEEPMD_GROMACS_TEST_FAIL", value, 1);
    }
    auto fault = plugin::FaultInjection::fromEnvironment();
    ::unsetenv("DEEPMD_GROMACS_TEST_FAIL");
    return fault;
}

TEST(FaultInjection, NoneUnlessTheVariableIsRankColonStep)
{
    EXPECT_FALSE(withVariable(nullptr).has_value());
    EXPECT_FALSE(withVariable("").has_value());
    EXPECT_FALSE(withVariable("1").has_value());
    EXPECT_FALSE(withVariable("x:3").has_value());
}

TEST(FaultInjection, FailsAtThatRankAndStepOnly)
{
    const auto fault = withVariable("1:30000000000");
    ASSERT_TRUE(fault.has_value());
    EXPECT_EQ(fault->rank, 1);
    EXPECT_EQ(fault->step, 30000000000LL);
    EXPECT_EQ(errorOf([&] { fault->check(0, 30000000000LL); }), "");
    EXPECT_EQ(errorOf([&] { fault->check(1, 29999999999LL); }), "");
    EXPECT_EQ(errorOf([&] { fault->check(1, 30000000000LL); }),
              "failure injected by DEEPMD_GROMACS_TEST_FAIL=1:30000000000 (a test of stopping every rank "
              "when one fails)");
}
} // namespace
} // namespace dgmx::test
