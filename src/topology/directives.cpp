/*! \file
 * \brief The directive classes of the NN rewrite (see directives.h).
 */
#include "topology/directives.h"

#include <algorithm>

namespace dgmx::topology
{
const std::set<std::string>& moleculeDirectives()
{
    static const std::set<std::string> c_names = {
        "atoms",          "bonds",           "pairs",          "pairs_nb",
        "angles",         "dihedrals",       "exclusions",     "constraints",
        "settles",        "virtual_sites1",  "virtual_sites2", "virtual_sites3",
        "virtual_sites4", "virtual_sitesn",  "dummies1",       "dummies2",
        "dummies3",       "dummies4",        "dummiesn",       "position_restraints",
        "distance_restraints", "dihedral_restraints", "orientation_restraints",
        "angle_restraints", "angle_restraints_z", "cmap", "polarization",
        "water_polarization", "thole_polarization"
    };
    return c_names;
}

const std::set<std::string>& bondedDirectives()
{
    static const std::set<std::string> c_names = {
        "bonds",       "pairs",   "pairs_nb", "angles",       "dihedrals",
        "constraints", "settles", "cmap",     "polarization", "water_polarization",
        "thole_polarization"
    };
    return c_names;
}

const std::set<std::string>& restraintDirectives()
{
    static const std::set<std::string> c_names = { "position_restraints", "distance_restraints",
                                                   "dihedral_restraints", "orientation_restraints",
                                                   "angle_restraints",    "angle_restraints_z" };
    return c_names;
}

const std::set<std::string>& parameterDirectives()
{
    static const std::set<std::string> c_names = {
        "bondtypes",     "pairtypes",  "angletypes",  "dihedraltypes",
        "constrainttypes", "nonbond_params", "cmaptypes", "implicit_genborn_params"
    };
    return c_names;
}

bool isVirtualSiteDirective(const std::string& name)
{
    return name.rfind("virtual_sites", 0) == 0 || name.rfind("dummies", 0) == 0;
}

long dataLines(const Section& s)
{
    return static_cast<long>(std::count_if(s.lines.begin(), s.lines.end(),
                                           [](const Line& l) { return !l.fields.empty(); }));
}
} // namespace dgmx::topology
