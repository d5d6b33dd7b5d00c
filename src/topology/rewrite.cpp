/*! \file
 * \brief makeNnTopology (see topology.h): checks the NN group and chooses the rewrite (all
 * atoms NN, or one embedded molecule); the checks both rewrites share.
 */
#include "common/error.h"
#include "topology/directives.h"
#include "topology/fields.h"
#include "topology/rewrite.h"

#include <algorithm>
#include <cctype>

namespace dgmx::topology
{
namespace
{
void refuseVirtualSiteSections(const Topology& top, const MoleculeType& mt)
{
    for (int si : mt.sections)
    {
        const Section& s = top.sections[si];
        if (isVirtualSiteDirective(s.name) && dataLines(s) > 0)
        {
            throw Error(where(top.path, s.lineNumber) + ": moleculetype '" + mt.name
                        + "' of the NN region has virtual sites ([ " + s.name
                        + " ]); the NN model sees atoms only. Use a model of the molecule without "
                          "virtual sites (e.g. TIP3P instead of TIP4P water) or keep it classical");
        }
    }
}

//! Atom types of an [atoms] line (columns type and typeB) must be plain atoms ('A').
void refuseNonAtomTypes(const Topology& top, const MoleculeType& mt, const Line& l, const AtomTypeTable& types)
{
    for (std::size_t col : { std::size_t{ 1 }, std::size_t{ 8 } })
    {
        if (l.fields.size() <= col)
        {
            continue;
        }
        const auto it = types.ptype.find(l.fields[col]);
        if (it == types.ptype.end())
        {
            throw Error(where(top.path, l.lineNumber) + ": atom type '" + l.fields[col]
                        + "' is not in [ atomtypes ]; the topology is incomplete "
                          "(preprocess it with gmx grompp -pp)");
        }
        const char p = static_cast<char>(std::toupper(static_cast<unsigned char>(it->second[0])));
        if (p != 'A')
        {
            throw Error(where(top.path, l.lineNumber) + ": atom " + l.fields[0] + " of moleculetype '"
                        + mt.name + "' in the NN region has particle type " + it->second
                        + (p == 'S' ? " (a shell)" : " (a virtual site)")
                        + "; the NN model sees atoms only: keep this molecule classical");
        }
    }
}

//! Sorted copy of the NN group; throws when it is empty, repeats an atom or leaves the system.
std::vector<int> checkedGroup(const std::vector<int>& nnAtoms, const SystemView& system)
{
    std::vector<int> nn = nnAtoms;
    std::sort(nn.begin(), nn.end());
    if (nn.empty())
    {
        throw Error("the NN group is empty; give a group with the NN atoms, or no index for all atoms NN");
    }
    if (std::adjacent_find(nn.begin(), nn.end()) != nn.end())
    {
        throw Error("the NN group lists atom " + std::to_string(*std::adjacent_find(nn.begin(), nn.end()) + 1)
                    + " twice; fix the index group");
    }
    if (nn.front() < 0 || nn.back() >= system.total)
    {
        throw Error("the NN group has atom " + std::to_string((nn.front() < 0 ? nn.front() : nn.back()) + 1)
                    + " (1-based) but " + system.input.path + " has " + std::to_string(system.total)
                    + " atoms; does the index belong to this system?");
    }
    return nn;
}
} // namespace

void checkAtomsOnly(const Topology& top, const MoleculeType& mt, const AtomTypeTable& types)
{
    refuseVirtualSiteSections(top, mt);
    for (int si : mt.sections)
    {
        const Section& s = top.sections[si];
        if (s.name != "atoms")
        {
            continue;
        }
        for (const auto& l : s.lines)
        {
            refuseNonAtomTypes(top, mt, l, types);
        }
    }
}

void noteKeptRestraints(Report& report, const Section& s)
{
    if (restraintDirectives().count(s.name) && dataLines(s) > 0)
    {
        report.notes.push_back("kept " + std::to_string(dataLines(s)) + " [ " + s.name
                               + " ] lines (user restraints, not force-field terms)");
    }
}

Result makeNnTopology(const Topology& input, const std::optional<std::vector<int>>& nnAtoms)
{
    SystemView system{ input, moleculeTypes(input), moleculesEntries(input), {}, {}, 0 };
    if (system.entries.empty())
    {
        throw Error(input.path + ": no [ molecules ] section; is this the system topology (.top)?");
    }
    system.byName    = typeIndexByName(input, system.types, system.entries);
    system.atomTypes = atomTypeTable(input);
    system.total     = atomCount(input);
    if (!nnAtoms)
    {
        return makeAllNn(system);
    }
    const std::vector<int> nn = checkedGroup(*nnAtoms, system);
    if (static_cast<long>(nn.size()) == system.total)
    {
        return makeAllNn(system);
    }
    return makeEmbedded(system, nn);
}
} // namespace dgmx::topology
