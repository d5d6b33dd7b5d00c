/*! \file
 * \brief The atom-types file: element, atomic number and mass of every atom of a GROMACS
 * system, by 0-based global atom index. Written by `deepmd-gromacs types` from a .tpr, read
 * by the GROMACS plugin (which must not link libgromacs). Also the periodic table.
 *
 * Text format (v1):
 * \code
 * # deepmd-gromacs atom types v1
 * # source: topol.tpr
 * # natoms 3
 * # index element atomic_number mass(amu)
 * 0 O 8 15.9994
 * 1 H 1 1.008
 * 2 H 1 1.008
 * \endcode
 * The first line is exactly the version line; further `#` lines are comments, of which
 * `# source:` and `# natoms N` (required, before the first atom) are read. Then exactly N
 * atom lines, indices 0..N-1 in order. Element symbols must match their atomic number.
 * A massless particle without element (a virtual site, e.g. TIP4P's MW) is `X 0 0`.
 */
#pragma once

#include <string>
#include <vector>

namespace dgmx::structure
{
struct AtomTypeRecord
{
    int         atomicNumber = 0; //!< 1..118; 0 only for an element-less virtual site ("X")
    std::string element;          //!< symbol in proper case (H, Cl); "X" for a virtual site
    double      mass = 0;         //!< amu, as in the run input
};

struct AtomTypesFile
{
    std::string                 source; //!< what it was made from, e.g. the .tpr path
    std::vector<AtomTypeRecord> atoms;  //!< indexed by 0-based global GROMACS atom index
};

//! Throws dgmx::Error naming the file/line and the fix on malformed input.
AtomTypesFile readAtomTypes(const std::string& path);
//! Throws dgmx::Error when the file cannot be written or a record is inconsistent.
void writeAtomTypes(const std::string& path, const AtomTypesFile& file);

//! Element symbol of an atomic number (1..118), "" if out of range; and the reverse (0 if
//! unknown; the symbol is matched ignoring case and surrounding blanks).
std::string elementOfAtomicNumber(int z);
int         atomicNumberOfElement(const std::string& symbol);

/*! Standard atomic mass (amu) of an element (IUPAC conventional standard atomic weight),
 *  0 if unknown or if the element has none (Tc, Pm, and Po..Ac, Np..Og: no stable isotope). */
double standardAtomicMass(int z);
} // namespace dgmx::structure
