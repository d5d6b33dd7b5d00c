/*! \file
 * \brief assignAtomTypes: the element of every topology atom (see tpr_types.h). No GROMACS.
 */
#include "common/error.h"
#include "tpr/tpr_types.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <tuple>

namespace dgmx::tpr
{
using structure::AtomTypeRecord;
using structure::atomicNumberOfElement;
using structure::elementOfAtomicNumber;
using structure::standardAtomicMass;
namespace
{
//! Atoms sharing residue name, atom name, element and mass, reported as one line.
struct Group
{
    std::size_t      count = 0;
    std::vector<int> first; //!< the first few 0-based indices
};
using GroupKey = std::tuple<std::string, std::string, std::string, double>;

void add(std::map<GroupKey, Group>& groups, const TopologyAtom& a, const std::string& element, int index)
{
    auto& g = groups[{ a.residueName, a.name, element, a.mass }];
    ++g.count;
    if (g.first.size() < 3)
    {
        g.first.push_back(index);
    }
}

std::string describe(const GroupKey& key, const Group& g)
{
    const auto& [residue, name, element, mass] = key;
    std::string where = fmt::format("{} in {} ({}{} amu)", name.empty() ? "?" : name,
                                    residue.empty() ? "?" : residue,
                                    element.empty() ? "" : element + ", ", mass);
    std::string indices;
    for (std::size_t i = 0; i < g.first.size(); ++i)
    {
        indices += (i ? ", " : "") + std::to_string(g.first[i]);
    }
    if (g.count > g.first.size())
    {
        indices += ", ...";
    }
    return fmt::format("{}: {} atom{} (index {})", where, g.count, g.count == 1 ? "" : "s", indices);
}

//! The unambiguous element whose standard mass is within the tolerance of m, else 0.
int elementFromMass(double m)
{
    int    best = 0, within = 0;
    double bestDiff = c_massGuessTolerance;
    for (int z = 1; z <= 118; ++z)
    {
        const double s = standardAtomicMass(z);
        if (s <= 0)
        {
            continue;
        }
        const double d = std::abs(s - m);
        if (d <= c_massGuessTolerance)
        {
            ++within;
            if (d <= bestDiff)
            {
                best     = z;
                bestDiff = d;
            }
        }
    }
    return within == 1 ? best : 0;
}
} // namespace

TypeAssignment assignAtomTypes(const std::vector<TopologyAtom>& atoms, const std::string& source)
{
    TypeAssignment result;
    result.file.source = source;
    result.file.atoms.reserve(atoms.size());
    std::map<GroupKey, Group> byMass, byName, failed, heavy, vsites, conflicting, helium;
    for (std::size_t i = 0; i < atoms.size(); ++i)
    {
        const TopologyAtom& a     = atoms[i];
        const int           index = static_cast<int>(i);
        AtomTypeRecord      r;
        r.mass = a.mass;
        if (a.virtualSite && a.mass == 0)
        {
            r.element = "X";
            add(vsites, a, "", index);
            result.file.atoms.push_back(r);
            continue;
        }
        int z = (a.atomicNumber >= 1 && a.atomicNumber <= 118) ? a.atomicNumber : 0;
        if (z > 0)
        {
            const int named = atomicNumberOfElement(a.element);
            if (named > 0 && named != z)
            {
                add(conflicting, a, elementOfAtomicNumber(z) + " by atomic number, " + a.element + " by name", index);
            }
        }
        else if ((z = elementFromMass(a.mass)) > 0)
        {
            add(byMass, a, elementOfAtomicNumber(z), index);
            if (z == 2)
            {
                add(helium, a, "He", index);
            }
        }
        else if ((z = atomicNumberOfElement(a.element)) > 0)
        {
            add(byName, a, elementOfAtomicNumber(z), index);
        }
        else
        {
            add(failed, a, a.element, index);
            result.file.atoms.push_back(r);
            continue;
        }
        r.atomicNumber = z;
        r.element      = elementOfAtomicNumber(z);
        const double standard = standardAtomicMass(z);
        if (standard > 0 && std::abs(a.mass - standard) > c_massWarningTolerance)
        {
            add(heavy, a, fmt::format("{}, standard {}", r.element, standard), index);
        }
        result.file.atoms.push_back(r);
    }
    if (!failed.empty())
    {
        std::string list;
        for (const auto& [key, g] : failed)
        {
            list += "\n  " + describe(key, g);
        }
        throw Error(fmt::format(
                "{}: no element for {} kind(s) of atom: the topology has no atomic number "
                "(at.num in [ atomtypes ]), the mass matches no element's standard mass within {} "
                "amu, and there is no element name:{}\nfix: give these atom types their atomic "
                "number in the force field's [ atomtypes ] and rerun gmx grompp (with hydrogen mass "
                "repartitioning the masses no longer identify the elements)",
                source, failed.size(), c_massGuessTolerance, list));
    }
    for (const auto& [key, g] : byMass)
    {
        result.notes.push_back("element guessed from the mass (no atomic number in the topology): "
                               + describe(key, g));
    }
    for (const auto& [key, g] : byName)
    {
        result.notes.push_back("element taken from the element name (no atomic number in the "
                               "topology, mass matches no standard mass): "
                               + describe(key, g));
    }
    for (const auto& [key, g] : vsites)
    {
        result.notes.push_back("massless virtual site written as 'X 0 0': " + describe(key, g));
    }
    for (const auto& [key, g] : conflicting)
    {
        result.warnings.push_back("the atomic number and the element name disagree; using the "
                                  "atomic number: "
                                  + describe(key, g));
    }
    for (const auto& [key, g] : helium)
    {
        result.warnings.push_back("helium guessed from a mass near 4 amu, which is also that of a "
                                  "heavy hydrogen (GROMACS -heavyh, 4.032 amu); if these are "
                                  "hydrogens, give the force field's [ atomtypes ] their atomic "
                                  "number (at.num): "
                                  + describe(key, g));
    }
    for (const auto& [key, g] : heavy)
    {
        result.warnings.push_back(fmt::format(
                "mass differs from the element's standard mass by more than {} amu (hydrogen mass "
                "repartitioning or an isotope? the element is still right, and the model sees "
                "elements, not masses): {}",
                c_massWarningTolerance, describe(key, g)));
    }
    return result;
}
} // namespace dgmx::tpr
