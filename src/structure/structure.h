/*! \file
 * \brief Structure input: GROMACS .gro files (triclinic boxes), .ndx index groups, and
 * element guessing from atom and residue names.
 */
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

namespace dgmx::structure
{
struct GroAtom
{
    int         residueNumber = 0;
    std::string residueName, atomName;
    double      x[3] = { 0, 0, 0 };
};

struct GroStructure
{
    std::string           title;
    std::vector<GroAtom>  atoms;
    std::array<double, 9> box{}; //!< rows are box vectors (nm), GROMACS convention
};

//! Reads a .gro file; throws dgmx::Error naming the file and line on malformed input.
GroStructure readGro(const std::string& path);

//! Groups of an .ndx file, atom indices 0-based, in file order within each group.
std::map<std::string, std::vector<int>> readNdx(const std::string& path);

/*! Element symbol guessed from an atom name in the context of its residue: leading digits
 *  are skipped; ions whose residue name equals the atom name (NA, CL, CA, MG, ZN, K ...) and
 *  mixed-case names (Cl, Na) give two-letter elements; otherwise the first letter (CA in a
 *  protein residue is carbon). Throws dgmx::Error when no element can be derived. */
std::string guessElement(const std::string& atomName, const std::string& residueName);
} // namespace dgmx::structure
