/*! \file
 * \brief The NN atoms of a system, chosen the same way by the plugin, `eval` and `topology`:
 * every atom, or the group of an index file (checked against the system); and the model type
 * of each NN atom from its element and the model's type map.
 */
#pragma once

#include <string>
#include <vector>

namespace dgmx::structure
{
//! Where the NN atoms come from, and how the user named that (for messages).
struct NNGroupChoice
{
    std::string indexFile; //!< with group: the NN atoms; both empty: every atom is NN
    std::string group;
    std::string origin;               //!< prefix of messages, e.g. "deepmd.dat: "; may be empty
    std::string indexKey = "--index"; //!< the option or key that names the index file
    std::string groupKey = "--group"; //!< the option or key that names the group
};

/*! NN atoms in NN order (0-based indices into a system of \p natoms atoms, which
 *  \p systemName names in messages, e.g. "the run" or "conf.gro"): every atom, or the group's
 *  members in file order. Throws dgmx::Error naming the fix when only one of index file and
 *  group is given, the group is missing (listing those there are) or empty, or names an atom
 *  outside the system or one atom twice. */
std::vector<int> selectNNAtoms(const NNGroupChoice& choice, int natoms, const std::string& systemName);

//! What the elements and the type map came from (for messages).
struct TypeMapSource
{
    std::string elementsFrom; //!< e.g. "types.dat", or "atom and residue names of conf.gro"
    std::string model;        //!< the model whose type map it is
};

/*! Model type of each NN atom: the position of its element (\p nnElements, in NN order) in
 *  \p typeMap. Throws dgmx::Error naming the first NN atom whose element the map lacks. */
std::vector<int> nnAtomTypes(const std::vector<int>& nnAtoms, const std::vector<std::string>& nnElements,
                             const std::vector<std::string>& typeMap, const TypeMapSource& source);
} // namespace dgmx::structure
