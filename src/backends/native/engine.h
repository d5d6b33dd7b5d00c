/*! \file
 * \brief The native evaluation of one sub-domain: per owned atom, the sorted neighbour
 * slots, the environment matrix, embedding nets, descriptor, fitting net, and the reverse
 * pass back to forces and virial; OpenMP over atoms. DeePMD-kit units (Angstrom, eV).
 */
#pragma once

#include "backends/native/model.h"

#include <array>
#include <memory>
#include <span>
#include <vector>

namespace dgmx::native
{
struct EngineInput
{
    int                     nOwned = 0, nAll = 0;
    std::span<const double> x;     //!< nAll * 3, Angstrom
    std::span<const int>    types; //!< nAll
    std::span<const int>    offsets, indices; //!< full list of owned atoms (may exceed rcut)
};

struct EngineOutput
{
    std::vector<double>   atomEnergy; //!< nOwned, eV
    std::vector<double>   force;      //!< nAll * 3, eV/Angstrom
    std::array<double, 9> virial{};   //!< eV, Xi_ab = -1/2 sum x_a f_b (GROMACS convention)
};

class IEngine
{
public:
    virtual ~IEngine() = default;
    //! Evaluates; buffers are kept between calls so a steady run allocates nothing.
    virtual void compute(const EngineInput& in, EngineOutput& out, int threads) = 0;
};

/*! \param tabulate evaluate one-input embedding nets from tables (embedding_table.h), as
 *  DeePMD-kit's compressed models do: several times faster, and equal to the nets to about
 *  1e-9 relative in double; throws dgmx::Error for models whose embedding cannot be tabulated. */
std::unique_ptr<IEngine> makeEngine(const Model& model, bool tabulate = false);
} // namespace dgmx::native
