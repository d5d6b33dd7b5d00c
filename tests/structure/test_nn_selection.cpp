/*! \file
 * \brief The NN-atom selection and type mapping shared by the plugin, `eval` and `topology`:
 * every accepted form and every error, on small index files written by the test.
 */
#include "structure/nn_selection.h"

#include "support/test_files.h"

#include <gtest/gtest.h>

namespace dgmx::test
{
namespace
{
using structure::NNGroupChoice;

//! An index file with groups "A" = atoms 5 3 1 (1-based) and "Empty".
NNGroupChoice choice(const std::string& group, const std::string& ndx = "[ A ]\n5 3 1\n[ Empty ]\n")
{
    NNGroupChoice c;
    c.indexFile = writeTempFile("nnsel", "i.ndx", ndx);
    c.group     = group;
    c.origin    = "deepmd.dat: ";
    c.indexKey  = "index";
    c.groupKey  = "group";
    return c;
}

void expectError(const NNGroupChoice& c, int natoms, std::initializer_list<std::string> parts)
{
    const std::string message = errorOf([&] { structure::selectNNAtoms(c, natoms, "the run"); }, "no error");
    for (const auto& part : parts)
    {
        EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
}

TEST(NNSelection, NoIndexFileSelectsEveryAtomInOrder)
{
    EXPECT_EQ(structure::selectNNAtoms(NNGroupChoice{}, 4, "the run"), (std::vector<int>{ 0, 1, 2, 3 }));
}

TEST(NNSelection, GroupKeepsFileOrderZeroBased)
{
    EXPECT_EQ(structure::selectNNAtoms(choice("A"), 5, "the run"), (std::vector<int>{ 4, 2, 0 }));
}

TEST(NNSelection, IndexWithoutGroupOrGroupWithoutIndex)
{
    NNGroupChoice onlyIndex = choice("");
    expectError(onlyIndex, 5, { "deepmd.dat: index and group go together" });
    NNGroupChoice onlyGroup;
    onlyGroup.group = "A";
    expectError(onlyGroup, 5, { "--index and --group go together", "or neither" });
}

TEST(NNSelection, MissingGroupListsTheGroupsThereAre)
{
    expectError(choice("NN"), 5, { "deepmd.dat: group = NN: no such group in ", "(it has: A, Empty)",
                                   "fix the group name" });
}

TEST(NNSelection, EmptyGroup)
{
    expectError(choice("Empty"), 5, { "group = Empty: the group is empty in", "select at least one NN atom" });
}

TEST(NNSelection, AtomOutsideTheSystem)
{
    expectError(choice("A"), 4, { "group = A: ", "names atom 5, but the run has 4 atoms", "another system" });
}

TEST(NNSelection, AtomListedTwice)
{
    expectError(choice("D", "[ D ]\n2 7 2\n"), 10, { "group = D: ", "lists atom 2 twice" });
}

TEST(NNSelection, UnreadableIndexFileIsTheReadersError)
{
    NNGroupChoice c = choice("A");
    c.indexFile     = tempPath("nnsel", "missing.ndx");
    expectError(c, 5, { "cannot open index file" });
}

TEST(NNTypes, PositionOfEachElementInTheTypeMap)
{
    const std::vector<std::string> map = { "O", "H", "Na" };
    EXPECT_EQ(structure::nnAtomTypes({ 4, 0, 2 }, { "H", "Na", "O" }, map, { "types.dat", "m.pth" }),
              (std::vector<int>{ 1, 2, 0 }));
}

TEST(NNTypes, ElementTheModelLacks)
{
    const std::string message = errorOf([] {
        structure::nnAtomTypes({ 0, 6 }, { "O", "Xe" }, { "O", "H" }, { "types.dat", "m.pth" });
    });
    EXPECT_NE(message.find("NN atom 7 is element Xe (from types.dat), which the model m.pth cannot describe "
                           "(its type map: O, H); choose a model trained on Xe"),
              std::string::npos)
            << message;
}

TEST(NNTypes, UnknownElementIsShownAsQuestionMark)
{
    const std::string message =
            errorOf([] { structure::nnAtomTypes({ 2 }, { "" }, { "O" }, { "types.dat", "m.pth" }); });
    EXPECT_NE(message.find("NN atom 3 is element ? (from types.dat)"), std::string::npos) << message;
}
} // namespace
} // namespace dgmx::test
