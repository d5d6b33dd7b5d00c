/*! \file
 * \brief The row-by-row .xvg writer the plugin uses for its NN energy: header, fixed-decimal
 * rows, and the restart that keeps the rows before the continued step.
 */
#include "energy/xvg_series.h"

#include "support/test_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace dgmx::test
{
namespace
{
energy::XvgFile header()
{
    energy::XvgFile h;
    h.comments = { "NN energy written by the test", "natoms 3" };
    h.title    = "NN energy";
    h.xLabel   = "Time (ps)";
    h.yLabel   = "(kJ/mol)";
    h.legends  = { "NN energy" };
    return h;
}

std::string text(const std::string& path)
{
    std::ifstream     in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

//! Writes rows at t = step * 0.002 for steps [from, to).
void writeSteps(energy::XvgSeries& series, int from, int to)
{
    for (int step = from; step < to; ++step)
    {
        const double e = -100.0 - step;
        series.append(step * 0.002, std::vector<double>{ e });
    }
}

//! \p existing as the file, resumed keeping the rows below \p keepBelow, one row (x, y) appended:
//! the file read back.
energy::XvgFile resumedWith(const std::string& name, const std::string& existing, double keepBelow, double x, double y)
{
    const std::string path = tempPath("xvgseries", name);
    std::ofstream(path) << existing;
    {
        auto series = energy::XvgSeries::resume(path, header(), keepBelow);
        series.append(x, std::vector<double>{ y });
    }
    return energy::readXvg(path);
}

TEST(XvgSeries, HeaderThenFixedDecimalRowsReadBack)
{
    const std::string path = tempPath("xvgseries", "new.xvg");
    {
        auto series = energy::XvgSeries::create(path, header());
        series.append(0.3, std::vector<double>{ -1.25, 2.0 });
    }
    const std::string t = text(path);
    EXPECT_EQ(t.substr(0, t.find('@')), "# NN energy written by the test\n# natoms 3\n");
    EXPECT_NE(t.find("@ s0 legend \"NN energy\"\n"), std::string::npos) << t;
    // 15 wide with 6 decimals, then 20 wide with 10 decimals per value.
    EXPECT_NE(t.find("\n       0.300000        -1.2500000000         2.0000000000\n"), std::string::npos) << t;
    const auto f = energy::readXvg(path);
    EXPECT_EQ(f.title, "NN energy");
    ASSERT_EQ(f.rows.size(), 1u);
    EXPECT_EQ(f.rows[0], (std::vector<double>{ 0.3, -1.25, 2.0 }));
}

TEST(XvgSeries, ResumeKeepsRowsBeforeTheContinuedStepAndAppends)
{
    const std::string path = tempPath("xvgseries", "restart.xvg");
    {
        auto series = energy::XvgSeries::create(path, header());
        writeSteps(series, 0, 15); // the first run wrote past its checkpoint at step 10
    }
    {
        auto series = energy::XvgSeries::resume(path, header(), 10 * 0.002 - 0.25 * 0.002);
        writeSteps(series, 10, 21);
    }
    const auto f = energy::readXvg(path);
    ASSERT_EQ(f.rows.size(), 21u);
    for (int step = 0; step <= 20; ++step)
    {
        EXPECT_DOUBLE_EQ(f.rows[step][0], step * 0.002);
        EXPECT_DOUBLE_EQ(f.rows[step][1], -100.0 - step);
    }
    EXPECT_EQ(f.comments.size(), 2u); // the header once
}

TEST(XvgSeries, ResumeWithoutAFileOrHeaderStartsAfresh)
{
    const std::string path = tempPath("xvgseries", "absent.xvg");
    std::filesystem::remove(path);
    {
        auto series = energy::XvgSeries::resume(path, header(), 1.0);
        writeSteps(series, 0, 2);
    }
    EXPECT_EQ(energy::readXvg(path).rows.size(), 2u);
    EXPECT_EQ(energy::readXvg(path).legends, std::vector<std::string>{ "NN energy" });

    const auto noHeader = resumedWith("no-header.xvg", "0.0 1.0\n", 1.0, 0.01, -5.0);
    ASSERT_EQ(noHeader.rows.size(), 1u);
    EXPECT_DOUBLE_EQ(noHeader.rows[0][0], 0.01);
    EXPECT_EQ(noHeader.title, "NN energy");
}

TEST(XvgSeries, ResumeKeepsTheExistingHeaderAndDropsLaterAndCutLines)
{
    const auto later = resumedWith("later.xvg", "# h\n@    title \"t\"\n 0.000 -1.0\n 0.002 -2.0\n 0.004 -3.0\n",
                                   0.003, 0.004, -4.0);
    ASSERT_EQ(later.rows.size(), 3u);
    EXPECT_DOUBLE_EQ(later.rows[2][1], -4.0);
    EXPECT_EQ(later.title, "t"); // the existing header is kept
    // An unterminated last line is a write cut short: dropped even before the continued step.
    const auto cut = resumedWith("cut.xvg", "@    title \"t\"\n 0.000 -1.0\n 0.002 -2", 1.0, 0.002, -5.0);
    ASSERT_EQ(cut.rows.size(), 2u);
    EXPECT_DOUBLE_EQ(cut.rows[1][1], -5.0);
}

TEST(XvgSeries, FullDiskIsAClearError)
{
    if (!std::filesystem::exists("/dev/full"))
    {
        GTEST_SKIP() << "no /dev/full";
    }
    const std::string message = errorOf([] {
        auto series = energy::XvgSeries::create("/dev/full", header());
        series.append(0.0, std::vector<double>{ 1.0 });
    });
    EXPECT_NE(message.find("writing .xvg file '/dev/full' failed: No space left on device"), std::string::npos)
            << message;
}

TEST(XvgSeries, UnwritablePathIsAClearError)
{
    const std::string message = errorOf([] {
        energy::XvgSeries::create("/nonexistent-dir/e.xvg", header());
    });
    EXPECT_NE(message.find("cannot write .xvg file '/nonexistent-dir/e.xvg'"), std::string::npos) << message;
}
} // namespace
} // namespace dgmx::test
