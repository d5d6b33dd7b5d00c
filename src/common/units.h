/*! \file
 * \brief The one place where units are converted between GROMACS (nm, kJ/mol, ps) and
 * DeePMD-kit (Angstrom, eV). Everything outside backends/deepmd works in GROMACS units.
 */
#pragma once

namespace dgmx::units
{
//! CODATA 2018: 1 eV = 96.485332123 kJ/mol (e * N_A / 1000).
inline constexpr double c_kJPerMolPerEV = 96.48533212331;
inline constexpr double c_angstromPerNm = 10.0;
inline constexpr double c_nmPerAngstrom = 0.1;

inline constexpr double nmToAngstrom(double x) { return x * c_angstromPerNm; }
inline constexpr double angstromToNm(double x) { return x * c_nmPerAngstrom; }
inline constexpr double eVToKJPerMol(double e) { return e * c_kJPerMolPerEV; }
//! eV/Angstrom -> kJ/mol/nm
inline constexpr double eVPerAngstromToKJPerMolNm(double f) { return f * c_kJPerMolPerEV * c_angstromPerNm; }
} // namespace dgmx::units
