/*! \file
 * \brief .gro and .ndx readers and element guessing, on small files written by the test.
 */
#include "common/error.h"
#include "structure/structure.h"

#include "support/test_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace dgmx::test
{
namespace
{
std::string writeFile(const std::string& name, const std::string& text)
{
    return writeTempFile("io", name, text);
}

TEST(Gro, ReadsAtomsAndTriclinicBox)
{
    const std::string text = "water and ion\n"
                             "    3\n"
                             "    1SOL     OW    1   0.126   1.624   1.679\n"
                             "    1SOL    HW1    2   0.190   1.661   1.747  0.1 0.2 0.3\n"
                             "    2NA      NA    3  -0.500  10.250   2.000\n"
                             "   5.00000   4.00000   3.00000   0.00000   0.00000   1.00000   0.00000   0.50000   0.70000\n";
    const auto gro = structure::readGro(writeFile("a.gro", text));
    EXPECT_EQ(gro.title, "water and ion");
    ASSERT_EQ(gro.atoms.size(), 3u);
    EXPECT_EQ(gro.atoms[1].atomName, "HW1");
    EXPECT_EQ(gro.atoms[2].residueName, "NA");
    EXPECT_EQ(gro.atoms[2].residueNumber, 2);
    EXPECT_DOUBLE_EQ(gro.atoms[2].x[0], -0.5);
    EXPECT_DOUBLE_EQ(gro.atoms[2].x[1], 10.25);
    EXPECT_DOUBLE_EQ(gro.atoms[1].x[2], 1.747);
    // v1(x) v2(y) v3(z) v1(y) v1(z) v2(x) v2(z) v3(x) v3(y) -> rows a, b, c
    const std::array<double, 9> expected{ 5, 0, 0, 1, 4, 0, 0.5, 0.7, 3 };
    for (int k = 0; k < 9; ++k)
    {
        EXPECT_DOUBLE_EQ(gro.box[k], expected[k]) << k;
    }
}

TEST(Gro, HigherPrecisionColumns)
{
    const std::string text = "t\n1\n    1LIG     C1    1   0.12345   1.00000  -2.50000\n   2.0   2.0   2.0\n";
    const auto        gro  = structure::readGro(writeFile("b.gro", text));
    EXPECT_DOUBLE_EQ(gro.atoms[0].x[0], 0.12345);
    EXPECT_DOUBLE_EQ(gro.atoms[0].x[2], -2.5);
    EXPECT_DOUBLE_EQ(gro.box[4], 2.0);
}

TEST(Gro, MalformedFilesGiveClearErrors)
{
    auto expectError = [](const std::string& text, const std::string& needle) {
        try
        {
            structure::readGro(writeFile("bad.gro", text));
            ADD_FAILURE() << "no error for: " << needle;
        }
        catch (const Error& e)
        {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expectError("t\nthree\n", "number of atoms");
    expectError("t\n2\n    1SOL     OW    1   0.126   1.624   1.679\n", "file ends after 1 of 2");
    expectError("t\n1\n    1SOL     OW    1   0.126   x.624   1.679\n   1 1 1\n", "cannot read a number");
    expectError("t\n1\n    1SOL     OW    1   0.126   1.624   1.679\n   1 1\n", "3 or 9 numbers");
    expectError("t\n1\n    1SOL     OW    1   0.126   1.624   1.679\n", "box line");
    EXPECT_THROW(structure::readGro("/nonexistent/x.gro"), Error);
}

TEST(Ndx, ReadsGroupsZeroBased)
{
    const auto groups = structure::readNdx(writeFile("a.ndx", "[ System ]\n1 2 3\n4\n[ Protein ]\n 2  3\n[ Empty ]\n"));
    ASSERT_EQ(groups.size(), 3u);
    EXPECT_EQ(groups.at("System"), (std::vector<int>{ 0, 1, 2, 3 }));
    EXPECT_EQ(groups.at("Protein"), (std::vector<int>{ 1, 2 }));
    EXPECT_TRUE(groups.at("Empty").empty());
    EXPECT_THROW(structure::readNdx(writeFile("b.ndx", "1 2\n")), Error);
    EXPECT_THROW(structure::readNdx(writeFile("c.ndx", "[ A ]\n1 x\n")), Error);
    EXPECT_THROW(structure::readNdx(writeFile("d.ndx", "[ A ]\n0\n")), Error);
}

TEST(Elements, GuessedFromAtomAndResidueNames)
{
    EXPECT_EQ(structure::guessElement("OW", "SOL"), "O");
    EXPECT_EQ(structure::guessElement("HW1", "SOL"), "H");
    EXPECT_EQ(structure::guessElement("CA", "ALA"), "C");  // C-alpha
    EXPECT_EQ(structure::guessElement("CA", "CA"), "Ca");  // calcium ion
    EXPECT_EQ(structure::guessElement("NA", "NA"), "Na");
    EXPECT_EQ(structure::guessElement("CL", "CL-"), "Cl");
    EXPECT_EQ(structure::guessElement("Cl", "LIG"), "Cl");
    EXPECT_EQ(structure::guessElement("ZN", "ZN"), "Zn");
    EXPECT_EQ(structure::guessElement("1HB", "ALA"), "H");
    EXPECT_EQ(structure::guessElement("SG", "CYS"), "S");
    EXPECT_EQ(structure::guessElement("P", "DA"), "P");
    EXPECT_EQ(structure::guessElement("NZ", "LYS"), "N");
    EXPECT_THROW(structure::guessElement("123", "X"), Error);
    EXPECT_THROW(structure::guessElement("QQ", "X"), Error);
}
} // namespace
} // namespace dgmx::test
