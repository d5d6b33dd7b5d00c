/*! \file
 * \brief The decomposition's plain data: options, the periodic cell, what a step returns, its
 * timings and statistics. No MPI, so the serial building blocks, the plugin's configuration
 * and the benchmarks can use them without the communication layer.
 */
#pragma once

#include <array>
#include <vector>

namespace dgmx
{
enum class PartitionMethod
{
    Slab, //!< static 1x1xP along the longest box axis (the published design, for comparison)
    Rcb   //!< recursive coordinate bisection weighted by a fitted cost model
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
    //! packing. SparseExchange moves only (owned + ghost) atoms per rank instead of 3N: over
    //! TCP between hosts it was 1.2-2.9x faster from 3 hosts on, and at 2 hosts on 1 Gbit/s
    //! links (tests/hosts/bench_reductions.py, docs/reliability.md).
    ForceReduction  reduction = ForceReduction::Allreduce;
    //! Verlet skin (nm) added to the model cutoff for the ghost shell and neighbour list.
    double skin = 0.1;
    //! Ghost-shell width in units of the cutoff (1 = ours; the published design uses 2).
    double ghostShellCutoffs = 1.0;
    //! Check the balance every this many steps (0 = only when the predicted imbalance is
    //! already above the threshold, at most every few steps).
    int rebalanceInterval = 100;
    //! Re-balance when the cost model predicts that the slowest rank would get faster by
    //! more than this fraction of the mean: (max - mean) / mean of the smoothed cost, less
    //! twice its standard error. 0: at every chance (at most every min(interval, 10) steps).
    double imbalanceThreshold = 0.05;
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
    double                energy = 0; //!< total NN energy, kJ/mol, identical on all ranks
    std::array<double, 9> virial{};   //!< total, kJ/mol, GROMACS convention (-1/2 sum x f)
    std::vector<double>   forces;     //!< 3 per atom given to evaluate(), same order, kJ/mol/nm
};

/*! Per-step timings in seconds, this rank. The first five fields add up to the step; the
 *  breakdown fields below are parts of them, for benchmarks and profiles. */
struct StepTimings
{
    double gather = 0;          //!< validation and the coordinate gather
    double neighbourSearch = 0; //!< balancing, partition, ghost shell and neighbour list
    double inference = 0;       //!< the backend's own time, this rank
    double reduction = 0;       //!< the force, energy and virial reduction, waiting included
    double total = 0;
    bool   rebuilt = false;     //!< partition and neighbour list rebuilt this step

    // Breakdown.
    double decomposition = 0; //!< part of neighbourSearch: balancing, partition and ghosts
    //! Part of reduction: waiting for the slowest rank to reach it, estimated without a
    //! barrier as max over ranks of (work since the gather) minus this rank's.
    double wait         = 0;
    int    collectives  = 0;    //!< MPI collectives this step, this rank
    bool   indicesSent  = false; //!< the NN index lists travelled (first step, set changed)
};

//! Decomposition statistics, for logs and benchmarks.
struct DecompositionStats
{
    int                 nRanks = 1;
    std::vector<int>    ownedPerRank;
    std::vector<int>    ghostsPerRank;
    std::vector<long>   pairsPerRank;          //!< neighbour-list pairs of the owned atoms
    std::vector<double> computeSecondsPerRank; //!< last measured inference time per rank
    std::vector<double> predictedSecondsPerRank; //!< the cost model's smoothed estimate
    long                rebuilds = 0, rebalances = 0;
};
} // namespace dgmx
