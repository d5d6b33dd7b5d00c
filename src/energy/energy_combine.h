/*! \file
 * \brief Adding the plugin's NN energy to GROMACS's energy terms (GROMACS does not add a
 * PLUMED-ABI kernel's energy to its own): rows matched by time, corrected potential, total
 * and conserved energy, and the drift and fluctuation of the corrected conserved energy.
 */
#pragma once

#include "energy/xvg.h"

#include <optional>
#include <string>

namespace dgmx::energy
{
//! Legends of the gmx energy terms that are needed, as `gmx energy` writes them.
inline constexpr const char* c_legendPotential = "Potential";
inline constexpr const char* c_legendKinetic   = "Kinetic En.";
inline constexpr const char* c_legendTotal     = "Total Energy";
inline constexpr const char* c_legendConserved = "Conserved En.";
//! Legend of the NN energy column in the plugin's .xvg (else its first data column is used).
inline constexpr const char* c_legendNN = "NN energy";
//! Rows of the two files are the same frame when their times differ by at most this (ps).
inline constexpr double c_timeTolerance = 1e-6;

//! Least-squares line y = intercept + slope * t and the scatter about it.
struct LinearFit
{
    double slope = 0, intercept = 0;
    double rmsAboutFit  = 0; //!< RMS of y - fit
    double rmsAboutMean = 0; //!< RMS of y - mean(y) (what gmx energy calls RMSD)
};

//! Throws dgmx::Error with fewer than 2 points or all times equal.
LinearFit fitLine(const std::vector<double>& t, const std::vector<double>& y);

struct CombinedEnergies
{
    XvgFile                    table; //!< time, NN, potential, potential+NN, kinetic, total+NN, conserved+NN
    std::size_t                nnFrames = 0, gmxFrames = 0; //!< rows in each input
    std::optional<long>        natomsFromHeader;           //!< `# natoms N` of the NN file
    bool conservedIsTotal = false; //!< the GROMACS file had no "Conserved En." (NVE): total used
    std::optional<LinearFit>   conserved;                  //!< of conserved+NN (>= 2 frames)
    std::optional<LinearFit>   conservedGromacs;           //!< of GROMACS's conserved alone
    std::size_t frames() const { return table.rows.size(); }
};

/*! Combines the plugin's NN-energy .xvg with a `gmx energy` .xvg. Throws dgmx::Error naming
 *  the file and the fix when a column is missing (listing the legends there are), a time
 *  appears twice, or no time is in both. nnPath/gmxPath only name the files in messages. */
CombinedEnergies combineEnergies(const XvgFile& nn, const XvgFile& gmx, const std::string& nnPath,
                                 const std::string& gmxPath);
} // namespace dgmx::energy
