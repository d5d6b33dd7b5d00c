/*! \file
 * \brief Public API of the decoupled domain decomposition for NN inference.
 *
 * Each step: collective 1 gathers the NN atoms' positions on all ranks; each rank builds
 * its own spatial domain (owned atoms + a one-cutoff ghost shell, periodic images
 * included) and evaluates the backend on it concurrently with the others; collective 2
 * sums forces per global atom (folding ghost forces onto their owners), energy and virial,
 * and hands each rank the forces of the atoms it holds. Independent of the host engine's
 * decomposition; results do not depend on the number of ranks. No GROMACS, no DeePMD-kit:
 * MPI and the backend seam only.
 */
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dgmx
{
class IBackend;

enum class PartitionMethod
{
    Slab, //!< static 1x1xP along the longest box axis (the published design, for comparison)
    Rcb   //!< recursive coordinate bisection weighted by measured cost
};

enum class ForceReduction
{
    Allreduce,     //!< MPI_Allreduce of 3N forces (the published design)
    SparseExchange //!< each rank receives only the forces of the atoms it holds
};

struct DecompositionOptions
{
    PartitionMethod method = PartitionMethod::Rcb;
    //! Allreduce by measurement (bench/dd_bench, 2-4 ranks on one node, 3k-60k atoms): its
    //! reduction time was equal or lower (e.g. 15k atoms, 2 ranks: 125 vs 140 us; 60k: 525
    //! vs 690 us) because a shared-memory Allreduce of 3N doubles is cheap and needs no
    //! packing. SparseExchange moves only (owned + ghost) atoms per rank instead of 3N, so
    //! it should win across nodes at many ranks: measure with dd_bench there.
    ForceReduction  reduction = ForceReduction::Allreduce;
    //! Verlet skin (nm) added to the model cutoff for the ghost shell and neighbour list.
    double skin = 0.1;
    //! Ghost-shell width in units of the cutoff (1 = ours; the published design uses 2).
    double ghostShellCutoffs = 1.0;
    //! Re-balance every this many steps (0 = only on imbalance).
    int rebalanceInterval = 100;
    //! Re-balance when (max - mean) / mean of the measured per-rank compute time exceeds this.
    double imbalanceThreshold = 0.10;
};

//! Periodic cell, rows are box vectors a, b, c in nm (GROMACS lower-triangular convention).
struct Box
{
    std::array<double, 9> vectors{};
    bool                  periodic = true; //!< false: open boundaries in all directions
};

//! What one rank receives from evaluate().
struct StepResult
{
    double                energy = 0;   //!< total NN energy, kJ/mol, identical on all ranks
    std::array<double, 9> virial{};     //!< total, kJ/mol, GROMACS convention (-1/2 sum x f)
    std::vector<double>   forces;       //!< 3 per atom given to evaluate(), same order, kJ/mol/nm
};

//! Per-step timings in seconds, this rank.
struct StepTimings
{
    double gather = 0, neighbourSearch = 0, inference = 0, reduction = 0, total = 0;
    bool   rebuilt = false;
};

//! Decomposition statistics, for logs and benchmarks.
struct DecompositionStats
{
    int                 nRanks = 1;
    std::vector<int>    ownedPerRank;
    std::vector<int>    ghostsPerRank;
    std::vector<double> computeSecondsPerRank; //!< last measured inference time per rank
    long                rebuilds = 0, rebalances = 0;
};

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
