/*! \file
 * \brief The atom-types file (write/read round trip, malformed input) and the periodic table.
 */
#include "common/error.h"
#include "structure/atom_types.h"

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
    return writeTempFile("types", name, text);
}


const std::string c_header = "# deepmd-gromacs atom types v1\n# source: topol.tpr\n";

TEST(PeriodicTable, SymbolsAndNumbers)
{
    EXPECT_EQ(structure::elementOfAtomicNumber(1), "H");
    EXPECT_EQ(structure::elementOfAtomicNumber(8), "O");
    EXPECT_EQ(structure::elementOfAtomicNumber(17), "Cl");
    EXPECT_EQ(structure::elementOfAtomicNumber(26), "Fe");
    EXPECT_EQ(structure::elementOfAtomicNumber(79), "Au");
    EXPECT_EQ(structure::elementOfAtomicNumber(92), "U");
    EXPECT_EQ(structure::elementOfAtomicNumber(118), "Og");
    EXPECT_EQ(structure::elementOfAtomicNumber(0), "");
    EXPECT_EQ(structure::elementOfAtomicNumber(119), "");
    EXPECT_EQ(structure::elementOfAtomicNumber(-1), "");
    for (int z = 1; z <= 118; ++z)
    {
        EXPECT_EQ(structure::atomicNumberOfElement(structure::elementOfAtomicNumber(z)), z) << z;
    }
    EXPECT_EQ(structure::atomicNumberOfElement("CL"), 17);
    EXPECT_EQ(structure::atomicNumberOfElement(" na "), 11);
    EXPECT_EQ(structure::atomicNumberOfElement("Xx"), 0);
    EXPECT_EQ(structure::atomicNumberOfElement("X"), 0);
    EXPECT_EQ(structure::atomicNumberOfElement(""), 0);
    EXPECT_EQ(structure::atomicNumberOfElement("Cla"), 0);
}

TEST(PeriodicTable, StandardMasses)
{
    EXPECT_DOUBLE_EQ(structure::standardAtomicMass(1), 1.008);
    EXPECT_DOUBLE_EQ(structure::standardAtomicMass(6), 12.011);
    EXPECT_DOUBLE_EQ(structure::standardAtomicMass(8), 15.999);
    EXPECT_DOUBLE_EQ(structure::standardAtomicMass(11), 22.98976928);
    EXPECT_DOUBLE_EQ(structure::standardAtomicMass(17), 35.45);
    EXPECT_DOUBLE_EQ(structure::standardAtomicMass(79), 196.96657);
    EXPECT_EQ(structure::standardAtomicMass(43), 0.0); // Tc: no standard atomic weight
    EXPECT_EQ(structure::standardAtomicMass(0), 0.0);
    EXPECT_EQ(structure::standardAtomicMass(119), 0.0);
    // Where defined, masses increase with Z except for the known inversions.
    int inversions = 0;
    double last    = 0;
    for (int z = 1; z <= 118; ++z)
    {
        const double m = structure::standardAtomicMass(z);
        if (m > 0)
        {
            inversions += m < last ? 1 : 0;
            last = m;
        }
    }
    EXPECT_EQ(inversions, 4); // Ar/K, Co/Ni, Te/I, Th/Pa
}

TEST(AtomTypes, RoundTrip)
{
    structure::AtomTypesFile f;
    f.source = "run/topol.tpr\nsecond line";
    f.atoms  = { { 8, "O", 15.9994 }, { 1, "H", 1.008 }, { 1, "H", 3.024 }, { 17, "Cl", 35.453 },
                 { 0, "X", 0.0 }, { 6, "C", 12.011000000000001 } };
    const auto path = tempPath("types", "rt.dat");
    structure::writeAtomTypes(path, f);
    const auto g = structure::readAtomTypes(path);
    EXPECT_EQ(g.source, "run/topol.tpr second line");
    ASSERT_EQ(g.atoms.size(), f.atoms.size());
    for (std::size_t i = 0; i < f.atoms.size(); ++i)
    {
        EXPECT_EQ(g.atoms[i].atomicNumber, f.atoms[i].atomicNumber) << i;
        EXPECT_EQ(g.atoms[i].element, f.atoms[i].element) << i;
        EXPECT_EQ(g.atoms[i].mass, f.atoms[i].mass) << i; // exact: shortest round-trip text
    }
    std::ifstream in(path);
    std::string   first, second, third, fourth, fifth;
    std::getline(in, first);
    std::getline(in, second);
    std::getline(in, third);
    std::getline(in, fourth);
    std::getline(in, fifth);
    EXPECT_EQ(first, "# deepmd-gromacs atom types v1");
    EXPECT_EQ(third, "# natoms 6");
    EXPECT_EQ(fifth, "0 O 8 15.9994");
}

TEST(AtomTypes, EmptySystem)
{
    const auto path = tempPath("types", "empty.dat");
    structure::writeAtomTypes(path, {});
    EXPECT_TRUE(structure::readAtomTypes(path).atoms.empty());
}

TEST(AtomTypes, ReadsHandWrittenFileWithCommentsAndBlanks)
{
    const auto path = writeFile("hand.dat", c_header + "# natoms 2\n# index element z mass\n\n"
                                                       "  0   Na 11 22.98977  \n# comment\n1\tCl\t17\t35.453\n");
    const auto f = structure::readAtomTypes(path);
    EXPECT_EQ(f.source, "topol.tpr");
    ASSERT_EQ(f.atoms.size(), 2u);
    EXPECT_EQ(f.atoms[0].element, "Na");
    EXPECT_EQ(f.atoms[1].atomicNumber, 17);
    EXPECT_DOUBLE_EQ(f.atoms[1].mass, 35.453);
}

TEST(AtomTypes, RejectsMalformedInput)
{
    struct Case
    {
        const char* name;
        std::string text;
        std::string expect; //!< a substring of the message
    };
    const std::vector<Case> cases = {
        { "noversion", "# natoms 1\n0 H 1 1.008\n", ":1: not a deepmd-gromacs atom-types file" },
        { "nonatoms", c_header + "0 H 1 1.008\n", ":3: atom line before the '# natoms N' header" },
        { "nonatoms2", c_header, "no '# natoms N' header" },
        { "badnatoms", c_header + "# natoms two\n", ":3: '# natoms N' needs a count" },
        { "short", c_header + "# natoms 3\n0 H 1 1.008\n1 H 1 1.008\n", "file ends after 2 of 3 atoms" },
        { "long", c_header + "# natoms 1\n0 H 1 1.008\n1 H 1 1.008\n", ":5: more atom lines than '# natoms 1'" },
        { "order", c_header + "# natoms 2\n1 H 1 1.008\n0 H 1 1.008\n", ":4: atom index 1 out of order, expected 0" },
        { "skip", c_header + "# natoms 2\n0 H 1 1.008\n2 H 1 1.008\n", ":5: atom index 2 out of order, expected 1" },
        { "columns", c_header + "# natoms 1\n0 H 1\n", ":4: expected 4 columns" },
        { "extra", c_header + "# natoms 1\n0 H 1 1.008 7\n", ":4: expected 4 columns" },
        { "mismatch", c_header + "# natoms 1\n0 C 1 1.008\n", ":4: element 'C' does not match atomic number 1 (H)" },
        { "case", c_header + "# natoms 1\n0 CL 17 35.45\n", "element 'CL' does not match atomic number 17 (Cl)" },
        { "z", c_header + "# natoms 1\n0 H 200 1.008\n", "atomic number '200' must be an integer 0..118" },
        { "mass", c_header + "# natoms 1\n0 H 1 heavy\n", "mass 'heavy' is not a number" },
        { "negmass", c_header + "# natoms 1\n0 H 1 -1\n", "must be a finite number >= 0" },
        { "vsite", c_header + "# natoms 1\n0 X 0 4\n", "only for a massless virtual site" },
        { "late", c_header + "# natoms 1\n0 H 1 1.008\n# natoms 1\n", "second '# natoms' line" },
    };
    for (const auto& c : cases)
    {
        const auto        path = writeFile(std::string(c.name) + ".dat", c.text);
        const std::string msg  = errorOf([&] { structure::readAtomTypes(path); });
        EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
        EXPECT_NE(msg.find(path), std::string::npos) << c.name << ": " << msg;
        EXPECT_NE(msg.find("deepmd-gromacs types"), std::string::npos) << c.name << ": " << msg;
    }
    const std::string missing = errorOf([] { structure::readAtomTypes("/nonexistent/types.dat"); });
    EXPECT_NE(missing.find("cannot open atom-types file '/nonexistent/types.dat'"), std::string::npos) << missing;
}

TEST(AtomTypes, WriterRejectsInconsistentRecords)
{
    structure::AtomTypesFile f;
    f.atoms = { { 1, "H", 1.008 }, { 6, "O", 12.011 } };
    EXPECT_NE(errorOf([&] { structure::writeAtomTypes(tempPath("types", "bad.dat"), f); }).find("atom 1"), std::string::npos);
    f.atoms = { { 1, "H", 1.008 } };
    EXPECT_NE(errorOf([&] { structure::writeAtomTypes("/nonexistent/dir/t.dat", f); }).find("cannot write"),
              std::string::npos);
}
} // namespace
} // namespace dgmx::test
