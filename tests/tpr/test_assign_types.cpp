/*! \file
 * \brief assignAtomTypes: elements from atomic numbers, masses, element names; virtual sites;
 * mass warnings; refusal. (The .tpr reading itself is tested end to end by types_gromacs.)
 */
#include "common/error.h"
#include "tpr/tpr_types.h"

#include <gtest/gtest.h>

namespace dgmx::test
{
namespace
{
tpr::TopologyAtom atom(const char* name, const char* residue, int z, double mass, const char* elem = "")
{
    tpr::TopologyAtom a;
    a.name         = name;
    a.residueName  = residue;
    a.atomicNumber = z;
    a.mass         = mass;
    a.element      = elem;
    return a;
}

bool anyContains(const std::vector<std::string>& lines, const std::string& what)
{
    for (const auto& l : lines)
    {
        if (l.find(what) != std::string::npos)
        {
            return true;
        }
    }
    return false;
}

TEST(AssignTypes, AtomicNumbersWin)
{
    const auto r = tpr::assignAtomTypes({ atom("OW", "SOL", 8, 15.9994), atom("HW1", "SOL", 1, 1.008),
                                         atom("NA", "NA", 11, 22.98977), atom("CL", "CL", 17, 35.453) },
                                       "x.tpr");
    ASSERT_EQ(r.file.atoms.size(), 4u);
    EXPECT_EQ(r.file.source, "x.tpr");
    EXPECT_EQ(r.file.atoms[0].element, "O");
    EXPECT_EQ(r.file.atoms[1].element, "H");
    EXPECT_EQ(r.file.atoms[2].element, "Na");
    EXPECT_EQ(r.file.atoms[3].atomicNumber, 17);
    EXPECT_DOUBLE_EQ(r.file.atoms[3].mass, 35.453);
    EXPECT_TRUE(r.notes.empty());
    EXPECT_TRUE(r.warnings.empty());
}

TEST(AssignTypes, FallsBackToMassThenElementName)
{
    const auto r = tpr::assignAtomTypes({ atom("OW", "SOL", -1, 15.9994), atom("HW1", "SOL", -1, 1.008),
                                         atom("HW2", "SOL", 0, 1.008), atom("OW", "SOL", -1, 15.9994),
                                         atom("D", "HVY", -1, 2.014, "H") },
                                       "x.tpr");
    EXPECT_EQ(r.file.atoms[0].element, "O");
    EXPECT_EQ(r.file.atoms[1].element, "H");
    EXPECT_EQ(r.file.atoms[2].element, "H");
    EXPECT_EQ(r.file.atoms[4].element, "H"); // 2.014 is no standard mass: the element name
    EXPECT_TRUE(anyContains(r.notes, "guessed from the mass")) << r.notes.front();
    EXPECT_TRUE(anyContains(r.notes, "OW in SOL (O, 15.9994 amu): 2 atoms (index 0, 3)"));
    EXPECT_TRUE(anyContains(r.notes, "element name"));
    EXPECT_TRUE(anyContains(r.warnings, "mass repartitioning")); // 2.014 vs 1.008
}

TEST(AssignTypes, HydrogenMassRepartitioningWarnsButKeepsTheElement)
{
    const auto r = tpr::assignAtomTypes({ atom("C1", "LIG", 6, 9.994), atom("H1", "LIG", 1, 3.024),
                                         atom("H2", "LIG", 1, 1.5) },
                                       "hmr.tpr");
    EXPECT_EQ(r.file.atoms[0].element, "C");
    EXPECT_EQ(r.file.atoms[1].element, "H");
    EXPECT_EQ(r.file.atoms[2].element, "H");
    ASSERT_EQ(r.warnings.size(), 2u); // H2: 0.492 from 1.008, under the 0.5 amu threshold
    EXPECT_TRUE(anyContains(r.warnings, "H1 in LIG (H, standard 1.008, 3.024 amu)"));
    EXPECT_TRUE(anyContains(r.warnings, "the element is still right"));
}

TEST(AssignTypes, VirtualSitesAndConflicts)
{
    auto mw        = atom("MW", "SOL", 0, 0.0);
    mw.virtualSite = true;
    const auto r   = tpr::assignAtomTypes({ atom("OW", "SOL", 8, 15.9994), mw, atom("CA", "ION", 20, 40.08, "C") },
                                         "x.tpr");
    EXPECT_EQ(r.file.atoms[1].element, "X");
    EXPECT_EQ(r.file.atoms[1].atomicNumber, 0);
    EXPECT_TRUE(anyContains(r.notes, "virtual site"));
    EXPECT_EQ(r.file.atoms[2].element, "Ca");
    EXPECT_TRUE(anyContains(r.warnings, "disagree"));
}

TEST(AssignTypes, RefusesWhenNothingIdentifiesTheElement)
{
    // HMR without atomic numbers: 3.024 and 7.979 are no standard masses; no element names.
    try
    {
        tpr::assignAtomTypes({ atom("C1", "LIG", -1, 7.979), atom("H1", "LIG", -1, 3.024),
                              atom("H2", "LIG", -1, 3.024), atom("O1", "LIG", -1, 15.9994) },
                            "hmr.tpr");
        FAIL() << "no error";
    }
    catch (const Error& e)
    {
        const std::string m = e.what();
        EXPECT_NE(m.find("hmr.tpr: no element for 3 kind(s) of atom"), std::string::npos) << m;
        EXPECT_NE(m.find("H1 in LIG (3.024 amu): 1 atom (index 1)"), std::string::npos) << m;
        EXPECT_NE(m.find("at.num"), std::string::npos) << m;
        EXPECT_EQ(m.find("O1"), std::string::npos) << m;
    }
}

TEST(AssignTypes, HeavyHydrogenWithoutAtomicNumberLooksLikeHeliumAndWarns)
{
    const auto r = tpr::assignAtomTypes({ atom("HW1", "SOL", -1, 4.032) }, "x.tpr");
    EXPECT_EQ(r.file.atoms[0].element, "He");
    EXPECT_TRUE(anyContains(r.warnings, "helium guessed from a mass near 4 amu"));
}

TEST(AssignTypes, AmbiguousMassIsNotGuessed)
{
    // 40.02: within 0.1 amu of both Ar (39.948) and Ca (40.078).
    EXPECT_THROW(tpr::assignAtomTypes({ atom("X1", "UNK", -1, 40.02) }, "x.tpr"), Error);
    const auto r = tpr::assignAtomTypes({ atom("X1", "UNK", -1, 40.02, "Ca") }, "x.tpr");
    EXPECT_EQ(r.file.atoms[0].element, "Ca");
}
} // namespace
} // namespace dgmx::test
