/*! \file
 * \brief formatReport (see topology.h): what a rewrite changed and the mdp settings to use.
 */
#include "topology/topology.h"

#include <sstream>

namespace dgmx::topology
{
namespace
{
void writeRegion(std::ostream& out, const Report& r)
{
    if (r.mode == Report::Mode::AllNn)
    {
        out << "All " << r.totalAtoms << " atoms are NN: every classical interaction removed.\n";
        return;
    }
    out << "NN region: molecule '" << r.nnMoleculeType << "' #" << r.nnInstance << " (" << r.nnAtoms
        << " of " << r.totalAtoms << " atoms), mechanically embedded";
    if (r.split)
    {
        out << "; split out as moleculetype '" << r.nnMoleculeTypeOut << "'";
    }
    out << ".\n";
}

void writeChanges(std::ostream& out, const Report& r)
{
    for (const auto& [name, count] : r.removed)
    {
        if (count > 0)
        {
            out << "  removed " << count << " [ " << name << " ] lines\n";
        }
    }
    if (r.exclusionPairs > 0)
    {
        out << "  added exclusions of all " << r.exclusionPairs << " NN-NN atom pairs\n";
    }
    if (r.mode == Report::Mode::AllNn)
    {
        out << "  zeroed charges of " << r.chargesZeroed << " [ atoms ] lines, charge and LJ of "
            << r.atomTypesZeroed << " atom types (atomic numbers kept)\n";
        if (r.unusedMoleculeTypes > 0)
        {
            out << "  dropped " << r.unusedMoleculeTypes << " moleculetypes not listed in [ molecules ]\n";
        }
    }
    for (const auto& n : r.notes)
    {
        out << "  " << n << "\n";
    }
}
} // namespace

std::string formatReport(const Report& r)
{
    std::ostringstream out;
    writeRegion(out, r);
    writeChanges(out, r);
    out << "mdp settings for this topology:\n";
    for (const auto& m : r.mdp)
    {
        out << "  " << m << "\n";
    }
    return out.str();
}
} // namespace dgmx::topology
