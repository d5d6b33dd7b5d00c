/*! \file
 * \brief The NN topology rewrite on small hand-written topologies: what must be removed, kept
 * and added follows from GROMACS's topology format (written out below), not from the code.
 */
#include "common/error.h"
#include "topology/topology.h"

#include "support/test_files.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace dgmx::test
{
namespace
{
using topology::makeNnTopology;
using topology::parseTopology;
using topology::Section;
using topology::Topology;

// A three-site water, a five-atom molecule with every kind of bonded term, a TIP4P-like
// moleculetype with a virtual site (unused unless a test lists it), parameter tables.
const std::string c_forceField = R"(; test force field
[ defaults ]
; nbfunc comb-rule gen-pairs fudgeLJ fudgeQQ
1 2 yes 0.5 0.8333

[ atomtypes ]
; name at.num mass charge ptype sigma epsilon
OW   8  15.9994  0.0  A  0.315  0.636
HW   1   1.008   0.0  A  0.0    0.0
CT   6  12.011   0.0  A  0.35   0.276
HC   1   1.008   0.0  A  0.25   0.126
MW   0   0.0     0.0  D  0.0    0.0

[ bondtypes ]
CT HC 1 0.109 284512.0

[ pairtypes ]
CT HC 1 0.3 0.2

[ nonbond_params ]
OW CT 1 0.33 0.4

[ cmaptypes ]
CT HC CT HC CT 1 2 2\
 0.1 0.2\
 0.3 0.4

[ moleculetype ]
SOL 2

[ atoms ]
1 OW 1 SOL OW  1 -0.834 15.9994
2 HW 1 SOL HW1 1  0.417  1.008
3 HW 1 SOL HW2 1  0.417  1.008

[ settles ]
1 1 0.09572 0.15139

[ exclusions ]
1 2 3
2 1 3
3 1 2

[ moleculetype ]
MOL 3

[ atoms ]
1 CT 1 MOL C1 1 -0.4 12.011
2 HC 1 MOL H1 1  0.1  1.008
3 HC 1 MOL H2 1  0.1  1.008
4 HC 1 MOL H3 1  0.1  1.008
5 HC 1 MOL H4 1  0.1  1.008 HC 0.2 1.008

[ bonds ]
1 2 1
1 3 1
1 4 1
1 5 1

[ pairs ]
2 3 1

[ angles ]
2 1 3 1 109.5 300
2 1 4 1 109.5 300

[ dihedrals ]
2 1 3 4 9

[ constraints ]
1 5 1 0.109

[ position_restraints ]
1 1 1000 1000 1000

[ moleculetype ]
TIP4 2

[ atoms ]
1 OW 1 T4 OW 1  0.0   16.0
2 HW 1 T4 HW1 1 0.52  1.008
3 HW 1 T4 HW2 1 0.52  1.008
4 MW 1 T4 MW  1 -1.04 0.0

[ virtual_sites3 ]
4 1 2 3 1 0.128 0.128
)";

std::string system(const std::string& molecules)
{
    return c_forceField + "\n[ system ]\ntest\n\n[ molecules ]\n" + molecules;
}

//! Data lines of every section named `name` (optionally only in moleculetype `mol`).
std::vector<std::vector<std::string>> rows(const Topology& top, const std::string& name, const std::string& mol = "")
{
    const auto                            types = topology::moleculeTypes(top);
    std::vector<std::vector<std::string>> out;
    for (const auto& s : top.sections)
    {
        if (s.name != name || (!mol.empty() && (s.owner < 0 || types[s.owner].name != mol)))
        {
            continue;
        }
        for (const auto& l : s.lines)
        {
            if (!l.fields.empty())
            {
                out.push_back(l.fields);
            }
        }
    }
    return out;
}

//! The written topology, read back: what grompp would see.
Topology roundTrip(const Topology& top)
{
    return parseTopology(topology::writeTopology(top), "out.top");
}


TEST(TopologyIo, WritesBackWhatItRead)
{
    const std::string text = system("SOL 2\nMOL 1\n");
    const auto        top  = parseTopology(text, "in.top");
    EXPECT_EQ(topology::writeTopology(top), text);
    EXPECT_EQ(topology::atomCount(top), 2 * 3 + 5);
    const auto types = topology::moleculeTypes(top);
    ASSERT_EQ(types.size(), 3u);
    EXPECT_EQ(types[1].name, "MOL");
    EXPECT_EQ(types[1].nrexcl, 3);
    EXPECT_EQ(types[1].atoms, 5);
    // The cmap table's continuation lines form one line of 12 fields.
    const auto cmap = rows(top, "cmaptypes");
    ASSERT_EQ(cmap.size(), 1u);
    EXPECT_EQ(cmap[0].size(), 12u);
}

TEST(TopologyIo, PreprocessorLinesAndMisplacedDirectivesAreRefused)
{
    const std::string withInclude = "#include \"oplsaa.ff/forcefield.itp\"\n" + system("SOL 1\n");
    EXPECT_TRUE(topology::needsPreprocessing(withInclude));
    EXPECT_FALSE(topology::needsPreprocessing(system("SOL 1\n")));
    const auto e1 = errorOf([&] { parseTopology(withInclude, "in.top"); });
    EXPECT_NE(e1.find("in.top:1"), std::string::npos) << e1;
    EXPECT_NE(e1.find("grompp -pp"), std::string::npos) << e1;
    const auto e2 = errorOf([] { parseTopology("[ defaults ]\n1 2 yes 0.5 0.5\n[ bonds ]\n1 2 1\n", "b.top"); });
    EXPECT_NE(e2.find("b.top:3"), std::string::npos) << e2;
    EXPECT_NE(e2.find("outside a [ moleculetype ]"), std::string::npos) << e2;
    const auto e3 = errorOf([] { makeNnTopology(parseTopology(system("XYZ 1\n"), "c.top"), std::nullopt); });
    EXPECT_NE(e3.find("'XYZ'"), std::string::npos) << e3;
}

TEST(AllNn, RemovesEveryClassicalInteraction)
{
    const auto in  = parseTopology(system("SOL 2\nMOL 1\n"), "in.top");
    const auto res = makeNnTopology(in, std::nullopt);
    const auto out = roundTrip(res.topology);
    for (const char* name : { "bonds", "pairs", "angles", "dihedrals", "constraints", "settles", "exclusions",
                              "bondtypes", "pairtypes", "nonbond_params", "cmaptypes", "virtual_sites3" })
    {
        EXPECT_TRUE(rows(out, name).empty()) << name;
    }
    // Every charge zero (A and B state), masses and types kept.
    const auto atoms = rows(out, "atoms");
    ASSERT_EQ(atoms.size(), 3u + 5u); // TIP4 is not in [ molecules ]: dropped
    for (const auto& a : atoms)
    {
        EXPECT_EQ(std::stod(a[6]), 0.0);
        if (a.size() > 9)
        {
            EXPECT_EQ(std::stod(a[9]), 0.0);
        }
    }
    EXPECT_EQ(atoms[3][1], "CT");
    EXPECT_EQ(std::stod(atoms[3][7]), 12.011);
    // Atom types: atomic number and mass kept, charge, sigma and epsilon zero.
    const auto types = rows(out, "atomtypes");
    ASSERT_EQ(types.size(), 5u);
    EXPECT_EQ(types[0][0], "OW");
    EXPECT_EQ(types[0][1], "8");
    EXPECT_EQ(types[2][1], "6");
    EXPECT_EQ(std::stod(types[2][2]), 12.011);
    for (const auto& t : types)
    {
        EXPECT_EQ(std::stod(t[3]), 0.0);
        EXPECT_EQ(std::stod(t[5]), 0.0);
        EXPECT_EQ(std::stod(t[6]), 0.0);
    }
    // User restraints stay; [ defaults ], [ system ] and [ molecules ] unchanged.
    EXPECT_EQ(rows(out, "position_restraints").size(), 1u);
    EXPECT_EQ(rows(out, "defaults"), rows(in, "defaults"));
    EXPECT_EQ(rows(out, "molecules"), rows(in, "molecules"));
    EXPECT_EQ(topology::atomCount(out), 11);

    const auto& r = res.report;
    EXPECT_EQ(r.mode, topology::Report::Mode::AllNn);
    EXPECT_EQ(r.removed.at("bonds"), 4);
    EXPECT_EQ(r.removed.at("angles"), 2);
    EXPECT_EQ(r.removed.at("settles"), 1);
    EXPECT_EQ(r.removed.at("exclusions"), 3);
    EXPECT_EQ(r.removed.at("constraints"), 1);
    EXPECT_EQ(r.unusedMoleculeTypes, 1);
    EXPECT_EQ(r.chargesZeroed, 8);
    const auto text = topology::formatReport(r);
    EXPECT_NE(text.find("constraints             = none"), std::string::npos) << text;
    EXPECT_NE(text.find("coulombtype             = cut-off"), std::string::npos) << text;
}

TEST(AllNn, AGroupOfEveryAtomIsAllNn)
{
    const auto in = parseTopology(system("SOL 1\nMOL 1\n"), "in.top");
    std::vector<int> all(8);
    for (int i = 0; i < 8; ++i)
    {
        all[i] = 7 - i;
    }
    EXPECT_EQ(makeNnTopology(in, all).report.mode, topology::Report::Mode::AllNn);
}

TEST(AllNn, VirtualSitesAreRefused)
{
    const auto in = parseTopology(system("SOL 1\nTIP4 1\n"), "in.top");
    const auto e  = errorOf([&] { makeNnTopology(in, std::nullopt); });
    EXPECT_NE(e.find("virtual sites"), std::string::npos) << e;
    EXPECT_NE(e.find("TIP4"), std::string::npos) << e;
}

std::set<std::pair<int, int>> excludedPairs(const Topology& top, const std::string& mol)
{
    std::set<std::pair<int, int>> pairs;
    for (const auto& r : rows(top, "exclusions", mol))
    {
        EXPECT_LE(r.size(), 17u); // short lines
        for (std::size_t k = 1; k < r.size(); ++k)
        {
            const int a = std::stoi(r[0]), b = std::stoi(r[k]);
            pairs.insert({ std::min(a, b), std::max(a, b) });
        }
    }
    return pairs;
}

TEST(Embedded, SplitsOneInstanceOutOfSeveral)
{
    // SOL 2 (atoms 0-5), MOL 3 (6-10, 11-15, 16-20), SOL 1 (21-23): the second MOL is NN.
    const auto in  = parseTopology(system("SOL 2\nMOL 3\nSOL 1\n"), "in.top");
    const auto res = makeNnTopology(in, std::vector<int>{ 15, 11, 12, 13, 14 });
    const auto out = roundTrip(res.topology);
    const std::vector<std::vector<std::string>> molecules = {
        { "SOL", "2" }, { "MOL", "1" }, { "MOL_NN", "1" }, { "MOL", "1" }, { "SOL", "1" }
    };
    EXPECT_EQ(rows(out, "molecules"), molecules);
    EXPECT_EQ(topology::atomCount(out), 24);
    // The NN moleculetype: same atoms and charges, no bonded terms, every pair excluded.
    EXPECT_EQ(rows(out, "atoms", "MOL_NN"), rows(in, "atoms", "MOL"));
    for (const char* name : { "bonds", "pairs", "angles", "dihedrals", "constraints" })
    {
        EXPECT_TRUE(rows(out, name, "MOL_NN").empty()) << name;
        EXPECT_EQ(rows(out, name, "MOL"), rows(in, name, "MOL")) << name; // classical copies untouched
    }
    std::set<std::pair<int, int>> all;
    for (int i = 1; i <= 5; ++i)
    {
        for (int j = i + 1; j <= 5; ++j)
        {
            all.insert({ i, j });
        }
    }
    EXPECT_EQ(excludedPairs(out, "MOL_NN"), all);
    EXPECT_EQ(rows(out, "position_restraints", "MOL_NN").size(), 1u);
    // Nonbonded parameters of the environment are untouched.
    for (const char* name : { "atomtypes", "nonbond_params", "pairtypes", "bondtypes", "cmaptypes" })
    {
        EXPECT_EQ(rows(out, name), rows(in, name)) << name;
    }
    EXPECT_EQ(rows(out, "settles", "SOL"), rows(in, "settles", "SOL"));
    EXPECT_EQ(res.report.exclusionPairs, 10);
    EXPECT_TRUE(res.report.split);
    EXPECT_EQ(res.report.nnInstance, 2);
    EXPECT_EQ(res.report.removed.at("bonds"), 4);
}

TEST(Embedded, SingleInstanceIsRewrittenInPlace)
{
    const auto in  = parseTopology(system("MOL 1\nSOL 3\n"), "in.top");
    const auto res = makeNnTopology(in, std::vector<int>{ 0, 1, 2, 3, 4 });
    const auto out = roundTrip(res.topology);
    EXPECT_FALSE(res.report.split);
    EXPECT_EQ(rows(out, "molecules"), rows(in, "molecules"));
    EXPECT_TRUE(rows(out, "bonds", "MOL").empty());
    EXPECT_EQ(excludedPairs(out, "MOL").size(), 10u);
    EXPECT_EQ(topology::moleculeTypes(out).size(), 3u);
}

TEST(Embedded, LargeMoleculesGetShortExclusionLines)
{
    std::string mol = "[ moleculetype ]\nBIG 3\n[ atoms ]\n";
    for (int i = 1; i <= 40; ++i)
    {
        mol += std::to_string(i) + " CT 1 BIG C 1 0.0 12.0\n";
    }
    const std::string text = c_forceField + mol + "\n[ system ]\nt\n[ molecules ]\nSOL 1\nBIG 1\n";
    std::vector<int>  nn;
    for (int i = 3; i < 43; ++i)
    {
        nn.push_back(i);
    }
    const auto out = roundTrip(makeNnTopology(parseTopology(text, "in.top"), nn).topology);
    EXPECT_EQ(excludedPairs(out, "BIG").size(), 40u * 39u / 2u);
}

TEST(Embedded, UnsupportedRegionsAreRefusedWithTheReason)
{
    const auto in = parseTopology(system("SOL 2\nMOL 2\nTIP4 1\n"), "in.top");
    auto       e  = errorOf([&] { makeNnTopology(in, std::vector<int>{ 6, 7, 8, 9, 10, 11 }); });
    EXPECT_NE(e.find("spans 2 molecules"), std::string::npos) << e;
    EXPECT_NE(e.find("'MOL' #1, 'MOL' #2"), std::string::npos) << e;
    e = errorOf([&] { makeNnTopology(in, std::vector<int>{ 6, 7 }); });
    EXPECT_NE(e.find("holds 2 of the 5 atoms"), std::string::npos) << e;
    EXPECT_NE(e.find("whole molecule"), std::string::npos) << e;
    e = errorOf([&] { makeNnTopology(in, std::vector<int>{ 16, 17, 18, 19 }); });
    EXPECT_NE(e.find("virtual sites"), std::string::npos) << e;
    e = errorOf([&] { makeNnTopology(in, std::vector<int>{ 3, 20 }); });
    EXPECT_NE(e.find("has 20 atoms"), std::string::npos) << e;
    e = errorOf([&] { makeNnTopology(in, std::vector<int>{ 3, 3 }); });
    EXPECT_NE(e.find("twice"), std::string::npos) << e;
    e = errorOf([&] { makeNnTopology(in, std::vector<int>{}); });
    EXPECT_NE(e.find("empty"), std::string::npos) << e;
}
} // namespace
} // namespace dgmx::test
