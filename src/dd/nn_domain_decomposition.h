/*! \file
 * \brief Public API of the decoupled domain decomposition for NN inference.
 *
 * Each step: collective 1 gathers the NN atoms' positions on all ranks (their NN indices
 * travel only when a rank's set of atoms changed); each rank builds
 * its own spatial domain (owned atoms + a one-cutoff ghost shell, periodic images
 * included) and evaluates the backend on it concurrently with the others; collective 2
 * sums forces per global atom (folding ghost forces onto their owners), energy and virial,
 * and hands each rank the forces of the atoms it holds. Failure flags and the balancing
 * statistics ride in these two exchanges, so a steady step makes exactly two collectives
 * (more on the first step, when an atom set changed, and on errors). Independent of the host engine's
 * decomposition; results do not depend on the number of ranks. No GROMACS, no DeePMD-kit:
 * MPI and the backend seam only.
 */
#pragma once

#include <mpi.h>

#include "dd/dd_types.h"

#include <memory>
#include <span>
#include <vector>

namespace dgmx
{
class IBackend;

class NNDomainDecomposition
{
public:
    /*! \param comm      communicator of the ranks taking part (the caller's; never WORLD)
     *  \param backend   evaluated on this rank's domain; must outlive this object
     *  \param types     backend type index of every NN atom, in NN-atom (global) order
     */
    NNDomainDecomposition(MPI_Comm comm, IBackend& backend, std::vector<int> types,
                          DecompositionOptions options);
    ~NNDomainDecomposition();
    NNDomainDecomposition(const NNDomainDecomposition&) = delete;
    NNDomainDecomposition& operator=(const NNDomainDecomposition&) = delete;

    /*! Collective over comm. Each rank passes the NN atoms it holds (any subset; together
     *  the ranks hold every NN atom exactly once): their NN indices in [0, N) and positions
     *  (nm). Returns the forces on exactly those atoms plus total energy and virial. */
    StepResult evaluate(std::span<const int> nnIndices, std::span<const double> positions,
                        const Box& box);

    [[nodiscard]] const StepTimings&        lastTimings() const;
    [[nodiscard]] DecompositionStats        stats() const;
    [[nodiscard]] int                       numAtoms() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dgmx
