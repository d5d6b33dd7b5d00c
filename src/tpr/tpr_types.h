/*! \file
 * \brief Atom types of a GROMACS run input (.tpr): reading the atoms through libgromacs
 * (readTprAtoms, the only part that links libgromacs: target dgmx_tpr, linked by the CLI
 * only, never by the plugin) and deriving each atom's element (assignAtomTypes, no GROMACS).
 */
#pragma once

#include "structure/atom_types.h"

#include <string>
#include <vector>

namespace dgmx::tpr
{
//! One atom of the run input, global order, as GROMACS stores it.
struct TopologyAtom
{
    std::string name;              //!< atom name
    std::string residueName;       //!< residue name
    int         residueNumber = 0; //!< residue number as in the topology
    int         atomicNumber  = -1; //!< t_atom::atomnumber; -1 or 0 when the force field has none
    std::string element;           //!< t_atom::elem, usually empty in a .tpr
    double      mass        = 0;   //!< amu, state A
    bool        virtualSite = false; //!< particle type VSite (massless, e.g. TIP4P's MW)
};

//! Atoms of a .tpr in global order; throws dgmx::Error when it cannot be read.
std::vector<TopologyAtom> readTprAtoms(const std::string& path);

struct TypeAssignment
{
    structure::AtomTypesFile            file;
    std::vector<std::string> notes;    //!< atoms whose element was guessed, and how
    std::vector<std::string> warnings; //!< masses far from the element's standard mass, ...
};

/*! Element of every atom: its atomic number when the topology has one; otherwise the element
 *  whose standard mass is nearest to the atom's mass (within 0.1 amu, unambiguous), else the
 *  atom's element name; a massless virtual site becomes "X 0 0". Guesses are listed in notes;
 *  masses more than 0.5 amu from the element's standard mass (hydrogen mass repartitioning,
 *  isotopes) in warnings. Throws dgmx::Error listing the atoms when neither works. */
TypeAssignment assignAtomTypes(const std::vector<TopologyAtom>& atoms, const std::string& source);

//! The tolerances above.
inline constexpr double c_massGuessTolerance   = 0.1;
inline constexpr double c_massWarningTolerance = 0.5;
} // namespace dgmx::tpr
