/*! \file
 * \brief What each topology directive is to the NN rewrite: part of a molecule, a bonded
 * term, a user restraint, a parameter table or a virtual site. Private to src/topology.
 */
#pragma once

#include "topology/topology.h"

#include <set>
#include <string>

namespace dgmx::topology
{
//! Directives that belong to a [moleculetype] (or to [intermolecular_interactions]).
const std::set<std::string>& moleculeDirectives();
//! Classical interactions among the atoms of a molecule: removed inside the NN region.
const std::set<std::string>& bondedDirectives();
//! User restraints (not part of the force field): kept, and reported.
const std::set<std::string>& restraintDirectives();
//! Force-field parameter tables that only bonded terms or pair overrides use.
const std::set<std::string>& parameterDirectives();
bool isVirtualSiteDirective(const std::string& name);
//! Lines of \p s that hold data (not comments or blank lines).
long dataLines(const Section& s);
} // namespace dgmx::topology
