/*! \file
 * \brief .xvg reading/writing and the NN + GROMACS energy combination behind
 * `deepmd-gromacs energy`, on small files written by the test.
 */
#include "common/error.h"
#include "energy/energy_combine.h"
#include "energy/xvg.h"

#include "support/test_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace dgmx::test
{
namespace
{
std::string writeFile(const std::string& name, const std::string& text)
{
    return writeTempFile("energy", name, text);
}


// As `gmx energy` writes it (GROMACS 2025), terms in the order the user chose.
const std::string c_gmxHeader = "# This file was created Mon Dec  1 09:00:00 2025\n"
                                "# Created by:\n#   :-) GROMACS - gmx energy, 2025.2 (-:\n"
                                "@    title \"GROMACS Energies\"\n@    xaxis  label \"Time (ps)\"\n"
                                "@    yaxis  label \"(kJ/mol)\"\n@TYPE xy\n@ view 0.15, 0.15, 0.75, 0.85\n"
                                "@ legend on\n@ legend box on\n@ legend loctype view\n@ legend 0.78, 0.8\n"
                                "@ legend length 2\n@ s0 legend \"Potential\"\n@ s1 legend \"Kinetic En.\"\n"
                                "@ s2 legend \"Total Energy\"\n@ s3 legend \"Conserved En.\"\n";
const std::string c_nnHeader = "# NN energy written by the deepmd-gromacs plugin.\n# model: m.pth\n# natoms 300\n"
                               "@    title \"DeePMD-kit NN energy\"\n@    xaxis  label \"Time (ps)\"\n"
                               "@    yaxis  label \"(kJ/mol)\"\n@TYPE xy\n@ s0 legend \"NN energy\"\n";

TEST(Xvg, ReadsGmxEnergyOutput)
{
    const auto f = energy::readXvg(writeFile("g.xvg", c_gmxHeader + "    0.000000  -100.5  50.25  -50.25  -50.0\n"
                                                                "    0.010000  -101.5  51.25  -50.25  -49.5\n"));
    EXPECT_EQ(f.title, "GROMACS Energies");
    EXPECT_EQ(f.xLabel, "Time (ps)");
    ASSERT_EQ(f.legends.size(), 4u);
    EXPECT_EQ(f.legends[1], "Kinetic En.");
    EXPECT_EQ(f.columnOfLegend("conserved en."), 4);
    EXPECT_EQ(f.columnOfLegend("Pres. DC"), -1);
    ASSERT_EQ(f.rows.size(), 2u);
    EXPECT_DOUBLE_EQ(f.rows[1][0], 0.01);
    EXPECT_DOUBLE_EQ(f.rows[1][2], 51.25);
    EXPECT_EQ(f.comments.size(), 3u);
}

TEST(Xvg, OldStyleLegendsAndRoundTrip)
{
    const auto f = energy::readXvg(writeFile("o.xvg", "@ legend string 1 \"B\"\n@ legend string 0 \"A\"\n1 2 3\n"));
    ASSERT_EQ(f.legends.size(), 2u);
    EXPECT_EQ(f.legends[0], "A");
    EXPECT_EQ(f.legends[1], "B");
    const auto path = tempPath("energy", "rt.xvg");
    energy::writeXvg(path, f);
    const auto g = energy::readXvg(path);
    EXPECT_EQ(g.legends, f.legends);
    EXPECT_EQ(g.rows, f.rows);
}

TEST(Xvg, MalformedInput)
{
    EXPECT_NE(errorOf([&] { energy::readXvg(writeFile("r.xvg", "1 2 3\n2 3\n")); }).find("r.xvg:2: 2 columns, but the first data line has 3"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { energy::readXvg(writeFile("t.xvg", "1 2\n2 abc\n")); }).find("t.xvg:2: 'abc' is not a number"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { energy::readXvg(writeFile("a.xvg", "1 2\n&\n1 3\n")); }).find("a.xvg:2: a second data set"),
              std::string::npos);
    EXPECT_NE(errorOf([] { energy::readXvg("/nonexistent.xvg"); }).find("cannot open .xvg file"), std::string::npos);
}

TEST(Energy, AddsNNToTheMatchingFrames)
{
    // GROMACS every 0.01 ps, NN every 0.02 ps and one NN time GROMACS lacks; rows not sorted.
    const auto gmx = energy::readXvg(writeFile("g.xvg", c_gmxHeader + "0.000000 -100 50 -50 -50\n"
                                                                  "0.010000 -101 51 -50 -49.5\n"
                                                                  "0.030000 -103 53 -50 -48.5\n"
                                                                  "0.020000 -102 52 -50 -49\n"));
    const auto nn  = energy::readXvg(writeFile("n.xvg", c_nnHeader + "0.020000 -7.0\n0.000000 -5.0\n0.025 -9\n"
                                                                 "0.0300004 -8.0\n"));
    const auto c   = energy::combineEnergies(nn, gmx, "n.xvg", "g.xvg");
    ASSERT_EQ(c.frames(), 3u);
    EXPECT_EQ(c.nnFrames, 4u);
    EXPECT_EQ(c.gmxFrames, 4u);
    EXPECT_EQ(c.natomsFromHeader, 300);
    const std::vector<std::vector<double>> expected = { { 0.0, -5, -100, -105, 50, -55, -55 },
                                                        { 0.02, -7, -102, -109, 52, -57, -56 },
                                                        { 0.0300004, -8, -103, -111, 53, -58, -56.5 } };
    ASSERT_EQ(c.table.rows.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
    {
        for (std::size_t k = 0; k < expected[i].size(); ++k)
        {
            EXPECT_DOUBLE_EQ(c.table.rows[i][k], expected[i][k]) << i << "," << k;
        }
    }
    EXPECT_EQ(c.table.legends.size(), 6u);
    // Conserved + NN: -55, -56, -56.5 at t = 0, 0.02, 0.0300004: least squares by hand.
    ASSERT_TRUE(c.conserved.has_value());
    const double t[3] = { 0, 0.02, 0.0300004 }, y[3] = { -55, -56, -56.5 };
    const double tm = (t[0] + t[1] + t[2]) / 3, ym = (y[0] + y[1] + y[2]) / 3;
    double       stt = 0, sty = 0;
    for (int i = 0; i < 3; ++i)
    {
        stt += (t[i] - tm) * (t[i] - tm);
        sty += (t[i] - tm) * (y[i] - ym);
    }
    EXPECT_NEAR(c.conserved->slope, sty / stt, 1e-9);
    EXPECT_NEAR(c.conservedGromacs->slope, 50.0, 0.01); // -50, -49, -48.5: ~50 kJ/mol/ps
}

TEST(Energy, ExactLinearDriftHasNoFluctuation)
{
    std::vector<double> t, y;
    for (int i = 0; i < 11; ++i)
    {
        t.push_back(1000.0 + 0.1 * i);
        y.push_back(-1.0e6 + 2.5 * t.back());
    }
    const auto f = energy::fitLine(t, y);
    EXPECT_NEAR(f.slope, 2.5, 1e-6);
    EXPECT_NEAR(f.rmsAboutFit, 0.0, 1e-6);
    EXPECT_NEAR(f.rmsAboutMean, 2.5 * 0.1 * std::sqrt(10.0), 1e-6); // RMS of 0..10 about 5, times 0.25
    EXPECT_THROW(energy::fitLine({ 1.0 }, { 2.0 }), Error);
    EXPECT_THROW(energy::fitLine({ 1.0, 1.0 }, { 2.0, 3.0 }), Error);
}

TEST(Energy, ClearErrors)
{
    const auto gmx = energy::readXvg(writeFile("g.xvg", c_gmxHeader + "0 -100 50 -50 -50\n0.01 -101 51 -50 -49.5\n"));
    const auto nn  = energy::readXvg(writeFile("n.xvg", c_nnHeader + "5.0 -5\n6.0 -5\n"));
    const std::string none = errorOf([&] { energy::combineEnergies(nn, gmx, "n.xvg", "g.xvg"); });
    EXPECT_NE(none.find("no time is in both files"), std::string::npos) << none;
    EXPECT_NE(none.find("n.xvg: 2 rows, times 5 .. 6 ps"), std::string::npos) << none;
    EXPECT_NE(none.find("g.xvg: 2 rows, times 0 .. 0.01 ps"), std::string::npos) << none;

    const auto partial = energy::readXvg(writeFile("p.xvg", "@ s0 legend \"Potential\"\n@ s1 legend \"Kinetic En.\"\n"
                                                        "0 -100 50\n"));
    const std::string missing = errorOf([&] { energy::combineEnergies(nn, partial, "n.xvg", "p.xvg"); });
    EXPECT_NE(missing.find("p.xvg: no column \"Total Energy\", \"Conserved En.\""), std::string::npos) << missing;
    EXPECT_NE(missing.find("its legends are: \"Potential\", \"Kinetic En.\""), std::string::npos) << missing;
    EXPECT_NE(missing.find("gmx energy -f ener.edr"), std::string::npos) << missing;

    const auto twice = energy::readXvg(writeFile("d.xvg", c_nnHeader + "0 -5\n0.01 -5\n0.0100001 -6\n"));
    EXPECT_NE(errorOf([&] { energy::combineEnergies(twice, gmx, "d.xvg", "g.xvg"); }).find("d.xvg: time 0.0100001 ps appears twice"),
              std::string::npos);
    const auto empty = energy::readXvg(writeFile("e.xvg", c_nnHeader));
    EXPECT_NE(errorOf([&] { energy::combineEnergies(empty, gmx, "e.xvg", "g.xvg"); }).find("e.xvg: no data rows"),
              std::string::npos);

    // One common frame: a table, but no drift.
    const auto one = energy::readXvg(writeFile("1.xvg", c_nnHeader + "0.01 -5\n"));
    const auto c   = energy::combineEnergies(one, gmx, "1.xvg", "g.xvg");
    EXPECT_EQ(c.frames(), 1u);
    EXPECT_FALSE(c.conserved.has_value());
}

TEST(Energy, UnlabelledNNFileUsesTheFirstDataColumn)
{
    const auto gmx = energy::readXvg(writeFile("g.xvg", c_gmxHeader + "0 -100 50 -50 -50\n0.01 -101 51 -50 -49.5\n"));
    const auto nn  = energy::readXvg(writeFile("u.xvg", "0 -5 99\n0.01 -6 99\n"));
    const auto c   = energy::combineEnergies(nn, gmx, "u.xvg", "g.xvg");
    EXPECT_DOUBLE_EQ(c.table.rows[1][1], -6);
    EXPECT_FALSE(c.natomsFromHeader.has_value());
}
} // namespace
} // namespace dgmx::test
