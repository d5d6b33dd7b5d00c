/*! \file
 * \brief Read-only questions about a parsed topology: moleculetypes, [molecules], the atom
 * count and the atom-type table (see topology.h, rewrite.h).
 */
#include "common/error.h"
#include "topology/directives.h"
#include "topology/fields.h"
#include "topology/rewrite.h"
#include "topology/topology.h"

#include <algorithm>

namespace dgmx::topology
{
namespace
{
//! Reads the 'name nrexcl' line of a [moleculetype] section into \p type.
void readMoleculeTypeHeader(const Topology& topology, const Section& s, MoleculeType& type)
{
    type.lineNumber = s.lineNumber;
    const auto it   = std::find_if(s.lines.begin(), s.lines.end(),
                                 [](const Line& l) { return !l.fields.empty(); });
    if (it == s.lines.end() || it->fields.size() < 2)
    {
        throw Error(where(topology.path, s.lineNumber) + ": [ moleculetype ] needs a line 'name nrexcl'");
    }
    type.name   = it->fields[0];
    type.nrexcl = static_cast<int>(
            parseLong(it->fields[1], where(topology.path, it->lineNumber), "nrexcl (an integer)"));
}

//! nbfunc of the first data line of [defaults] (of the last [defaults], were there several).
int nonbondedFunction(const Topology& top)
{
    int nbfunc = 1;
    for (const auto& s : top.sections)
    {
        if (s.name != "defaults")
        {
            continue;
        }
        const auto l = std::find_if(s.lines.begin(), s.lines.end(),
                                    [](const Line& line) { return !line.fields.empty(); });
        if (l != s.lines.end())
        {
            nbfunc = static_cast<int>(parseLong(l->fields[0], where(top.path, l->lineNumber),
                                                "the nonbonded function type (1 or 2)"));
        }
    }
    return nbfunc;
}

//! The particle type column of an [atomtypes] line ('name [bondtype] [at.num] mass charge ptype V W').
const std::string& particleType(const Topology& top, const Line& l, int nParams)
{
    const int n = static_cast<int>(l.fields.size());
    const int p = n - nParams - 1;
    if (p < 3 || l.fields[p].size() != 1 || std::string("ASVDasvd").find(l.fields[p]) == std::string::npos)
    {
        throw Error(where(top.path, l.lineNumber)
                    + ": cannot read this [ atomtypes ] line (expected 'name [bondtype] "
                      "[at.num] mass charge ptype V W' with ptype A, S, V or D)");
    }
    return l.fields[p];
}
} // namespace

std::vector<MoleculeType> moleculeTypes(const Topology& topology)
{
    std::vector<MoleculeType> types;
    for (std::size_t i = 0; i < topology.sections.size(); ++i)
    {
        const Section& s = topology.sections[i];
        if (s.owner < 0)
        {
            continue;
        }
        if (static_cast<std::size_t>(s.owner) >= types.size())
        {
            types.resize(s.owner + 1);
        }
        MoleculeType& mt = types[s.owner];
        mt.sections.push_back(static_cast<int>(i));
        if (s.name == "moleculetype")
        {
            readMoleculeTypeHeader(topology, s, mt);
        }
        else if (s.name == "atoms")
        {
            mt.atoms += static_cast<int>(dataLines(s));
        }
    }
    return types;
}

std::vector<MoleculesEntry> moleculesEntries(const Topology& topology)
{
    std::vector<MoleculesEntry> entries;
    for (const auto& s : topology.sections)
    {
        if (s.name != "molecules")
        {
            continue;
        }
        for (const auto& l : s.lines)
        {
            if (l.fields.empty())
            {
                continue;
            }
            if (l.fields.size() < 2)
            {
                throw Error(where(topology.path, l.lineNumber) + ": a [ molecules ] line needs 'name count'");
            }
            entries.push_back({ l.fields[0],
                                parseLong(l.fields[1], where(topology.path, l.lineNumber), "a molecule count"),
                                l.lineNumber });
        }
    }
    return entries;
}

std::map<std::string, int> typeIndexByName(const Topology& top, const std::vector<MoleculeType>& types,
                                           const std::vector<MoleculesEntry>& entries)
{
    std::map<std::string, int> byName;
    for (std::size_t t = 0; t < types.size(); ++t)
    {
        byName[types[t].name] = static_cast<int>(t);
    }
    for (const auto& e : entries)
    {
        if (byName.count(e.name) == 0)
        {
            throw Error(where(top.path, e.lineNumber) + ": [ molecules ] names '" + e.name
                        + "', which no [ moleculetype ] defines");
        }
    }
    return byName;
}

long atomCount(const Topology& topology)
{
    const auto types   = moleculeTypes(topology);
    const auto entries = moleculesEntries(topology);
    const auto byName  = typeIndexByName(topology, types, entries);
    long       total   = 0;
    for (const auto& e : entries)
    {
        total += e.count * types[byName.at(e.name)].atoms;
    }
    return total;
}

int nonbondedParameterCount(int nbfunc)
{
    return nbfunc == 2 ? 3 : 2;
}

AtomTypeTable atomTypeTable(const Topology& top)
{
    AtomTypeTable t;
    t.nbfunc          = nonbondedFunction(top);
    const int nParams = nonbondedParameterCount(t.nbfunc);
    for (const auto& s : top.sections)
    {
        if (s.name != "atomtypes")
        {
            continue;
        }
        for (const auto& l : s.lines)
        {
            if (!l.fields.empty())
            {
                t.ptype[l.fields[0]] = particleType(top, l, nParams);
            }
        }
    }
    return t;
}
} // namespace dgmx::topology
