/*! \file
 * \brief The steps shared by the two NN rewrites (all atoms NN, one embedded molecule) and
 * their entry points. Private to src/topology; the public API is topology.h.
 */
#pragma once

#include "topology/topology.h"

#include <map>
#include <string>
#include <vector>

namespace dgmx::topology
{
//! The nonbonded function of [defaults] and the particle type (A, S, V, D) of each atom type.
struct AtomTypeTable
{
    int                                nbfunc = 1;
    std::map<std::string, std::string> ptype;
};

//! Nonbonded parameters at the end of an [atomtypes] line: Buckingham a b c; LJ c6 c12 or sigma epsilon.
int nonbondedParameterCount(int nbfunc);
//! Throws dgmx::Error on an [atomtypes] line it cannot read.
AtomTypeTable atomTypeTable(const Topology& topology);
//! Moleculetype index by name; throws when [molecules] names an undefined type.
std::map<std::string, int> typeIndexByName(const Topology& topology, const std::vector<MoleculeType>& types,
                                           const std::vector<MoleculesEntry>& entries);

//! What both rewrites read from the input, looked up once.
struct SystemView
{
    const Topology&             input;
    std::vector<MoleculeType>   types;
    std::vector<MoleculesEntry> entries;
    std::map<std::string, int>  byName;
    AtomTypeTable               atomTypes;
    long                        total = 0; //!< atoms of the system
};

//! The NN region may not hold virtual sites or shells: the model knows atoms only.
void checkAtomsOnly(const Topology& topology, const MoleculeType& type, const AtomTypeTable& atomTypes);
//! Reports a kept section of user restraints (when it has data lines).
void noteKeptRestraints(Report& report, const Section& section);

Result makeAllNn(const SystemView& system);
//! \p nn: sorted, unique, in range, fewer than every atom.
Result makeEmbedded(const SystemView& system, const std::vector<int>& nn);
} // namespace dgmx::topology
