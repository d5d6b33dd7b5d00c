/*! \file
 * \brief The NN-atom selection and type mapping (see nn_selection.h).
 */
#include "structure/nn_selection.h"

#include "common/error.h"
#include "common/text.h"
#include "structure/structure.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace dgmx::structure
{
namespace
{
//! The index file's group, or an error that lists the groups there are.
std::vector<int> groupMembers(const NNGroupChoice& choice)
{
    const auto groups = readNdx(choice.indexFile);
    const auto it     = groups.find(choice.group);
    if (it == groups.end())
    {
        std::vector<std::string> names;
        for (const auto& [name, members] : groups)
        {
            names.push_back(name);
        }
        throw Error(fmt::format("{}{} = {}: no such group in {} (it has: {}); fix the group name",
                                choice.origin, choice.groupKey, choice.group, choice.indexFile,
                                joined(names)));
    }
    return it->second;
}

//! Every member inside the system, none twice, at least one.
void checkMembers(const NNGroupChoice& choice, const std::vector<int>& atoms, int natoms, const std::string& systemName)
{
    const std::string where = fmt::format("{}{} = {}", choice.origin, choice.groupKey, choice.group);
    if (atoms.empty())
    {
        throw Error(fmt::format("{}: the group is empty in {}; select at least one NN atom", where,
                                choice.indexFile));
    }
    std::vector<char> seen(natoms, 0);
    for (const int a : atoms)
    {
        if (a < 0 || a >= natoms)
        {
            throw Error(fmt::format("{}: {} names atom {}, but {} has {} atoms; the index file belongs "
                                    "to another system",
                                    where, choice.indexFile, a + 1, systemName, natoms));
        }
        if (seen[a]++ != 0)
        {
            throw Error(fmt::format("{}: {} lists atom {} twice; list each NN atom once", where,
                                    choice.indexFile, a + 1));
        }
    }
}
} // namespace

std::vector<int> selectNNAtoms(const NNGroupChoice& choice, int natoms, const std::string& systemName)
{
    if (choice.indexFile.empty() != choice.group.empty())
    {
        throw Error(fmt::format("{}{} and {} go together: name the index file and the NN group in it, "
                                "or neither to make every atom an NN atom",
                                choice.origin, choice.indexKey, choice.groupKey));
    }
    if (choice.indexFile.empty())
    {
        std::vector<int> all(std::max(natoms, 0));
        std::iota(all.begin(), all.end(), 0);
        return all;
    }
    std::vector<int> atoms = groupMembers(choice);
    checkMembers(choice, atoms, natoms, systemName);
    return atoms;
}

std::vector<int> nnAtomTypes(const std::vector<int>& nnAtoms, const std::vector<std::string>& nnElements,
                             const std::vector<std::string>& typeMap, const TypeMapSource& source)
{
    std::vector<int> types(nnAtoms.size());
    for (std::size_t k = 0; k < nnAtoms.size(); ++k)
    {
        const std::string& element = nnElements.at(k);
        const auto         it      = std::find(typeMap.begin(), typeMap.end(), element);
        if (it == typeMap.end())
        {
            throw Error(fmt::format("NN atom {} is element {} (from {}), which the model {} cannot "
                                    "describe (its type map: {}); choose a model trained on {} or "
                                    "leave the atom out of the NN group",
                                    nnAtoms[k] + 1, element.empty() ? "?" : element, source.elementsFrom,
                                    source.model, joined(typeMap), element.empty() ? "it" : element));
        }
        types[k] = static_cast<int>(it - typeMap.begin());
    }
    return types;
}
} // namespace dgmx::structure
