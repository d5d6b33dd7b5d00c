/*! \file
 * \brief The backend seam: what the domain-decomposition layer needs from an interatomic
 * potential. One rank's sub-domain is handed over as owned atoms followed by ghost atoms
 * (periodic images included, already at their image positions) with a full neighbour list
 * of the owned atoms. Everything is in GROMACS units: nm, kJ/mol.
 *
 * Implementations: backends/reference (analytic many-body potential, for exact tests) and
 * backends/deepmd (any DeePMD-kit model through its C API, loaded at run time).
 */
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dgmx
{

//! Full neighbour list in compressed rows: neighbours of owned atom i are
//! indices[offsets[i] .. offsets[i+1]) into the owned+ghost array. May contain pairs
//! beyond the cutoff (Verlet skin); backends must apply the cutoff themselves.
struct NeighbourList
{
    std::vector<int> offsets; //!< size nOwned + 1
    std::vector<int> indices;
};

struct BackendInput
{
    int                     nOwned = 0;  //!< owned atoms come first
    int                     nGhost = 0;  //!< then ghosts: neighbours only, no energy of their own
    std::span<const double> positions;   //!< (nOwned + nGhost) * 3, nm, image positions
    std::span<const int>    types;       //!< (nOwned + nGhost), index into typeMap()
    const NeighbourList*    neighbours = nullptr;
    //! False when atoms, order, types and the list are those of the previous call (only
    //! positions moved), so the backend may reuse what it derived from them.
    bool neighboursChanged = true;
    //! Periodic cell, rows are box vectors (GROMACS convention, nm), or nullptr. Ghosts
    //! already carry the images; backends that need the cell for other reasons get it here.
    const std::array<double, 9>* box = nullptr;
};

struct BackendOutput
{
    double energy = 0; //!< kJ/mol, sum over owned atoms only
    //! (nOwned + nGhost) * 3, kJ/mol/nm. Forces on ghosts are returned; the caller folds
    //! them back onto their owners.
    std::vector<double> forces;
    //! kJ/mol, GROMACS convention Xi_ab = -1/2 sum_i x_i,a f_i,b over owned and ghost atoms
    //! at their image positions, so the sum over ranks is the full periodic virial.
    std::array<double, 9> virial{};
    //! Optional per-atom energies of owned atoms (kJ/mol); filled when requested.
    std::vector<double> atomEnergies;
    bool                wantAtomEnergies = false;
};

class IBackend
{
public:
    virtual ~IBackend() = default;
    //! Interaction cutoff in nm; the ghost shell is at least this wide.
    [[nodiscard]] virtual double cutoff() const = 0;
    //! Names of the model's atom types (usually element symbols), indexed by type.
    [[nodiscard]] virtual std::vector<std::string> typeMap() const = 0;
    //! One-line description for logs (backend, model, precision, device).
    [[nodiscard]] virtual std::string describe() const = 0;
    //! Energy, forces and virial of one sub-domain. Throws dgmx::Error on failure.
    virtual void compute(const BackendInput& input, BackendOutput& output) = 0;
};

} // namespace dgmx
