/*! \file
 * \brief Collective 2: forces summed per atom (ghost forces folded onto their owners) and
 * handed to the ranks holding them, with the step summary (energy, virial, and each rank's
 * failure flag, counts and times) in the same exchange. Two strategies, one function each:
 * an Allreduce of 3N forces, or a sparse exchange of the touched atoms only.
 */
#pragma once

#include "dd/collectives.h"
#include "dd/dd_types.h"
#include "dd/decomposition.h"

#include <array>
#include <span>
#include <vector>

namespace dgmx::dd
{
//! What one rank reports about its step.
struct RankReport
{
    double failed = 0;           //!< 1 when this rank's decomposition or inference failed
    double inferenceSeconds = 0; //!< the backend's own time, for balancing
    double workSeconds = 0;      //!< from the end of the gather to the reduction, for the wait
    double owned = 0, ghosts = 0, pairs = 0;
};

//! Everything besides forces that collective 2 sums: each rank fills its own report.
struct StepSummary
{
    double                  energy = 0;
    std::array<double, 9>   virial{};
    std::vector<RankReport> ranks;

    //! The lowest rank that reported a failure, or -1.
    [[nodiscard]] int lowestFailingRank() const;
};

//! This rank's contribution: forces per domain entry, the entries' atoms, and the distinct
//! atoms they touch (empty when the rebuild failed, zero forces when the inference did).
struct DomainForces
{
    std::span<const DomainEntry> entries;
    std::span<const int>         touched, entrySlot;
    std::span<const double>      forces;
};

class ForceReducer
{
public:
    ForceReducer(ForceReduction method, int nAtoms) : method_(method), nAtoms_(nAtoms) {}

    /*! Collective. Sums \p mine over ranks and returns in \p forces the forces on \p nnIndices
     *  (this rank's atoms, in its order); \p summary goes in with this rank's report filled
     *  and comes back summed. \p holdersOrDomainChanged: the sparse exchange must agree on
     *  new message sizes first (one more collective). */
    void reduce(Collectives& c, const DomainForces& mine, std::span<const int> holder,
                std::span<const int> nnIndices, bool holdersOrDomainChanged, StepSummary& summary,
                std::vector<double>& forces);

private:
    void byAllreduce(Collectives& c, const DomainForces& mine, std::span<const int> nnIndices,
                     StepSummary& summary, std::vector<double>& forces);
    void bySparseExchange(Collectives& c, const DomainForces& mine, std::span<const int> holder,
                          std::span<const int> nnIndices, bool planChanged, StepSummary& summary,
                          std::vector<double>& forces);
    void packSparse(Collectives& c, const DomainForces& mine, std::span<const int> holder,
                    const StepSummary& summary);
    void unpackSparse(int nRanks, std::span<const int> nnIndices, StepSummary& summary,
                      std::vector<double>& forces);

    ForceReduction method_;
    int            nAtoms_;
    // Sparse exchange: the agreed message sizes and the buffers.
    std::vector<int>    sendCounts_, sendDispls_, recvCounts_, recvDispls_, localIndex_;
    std::vector<double> buffer_, folded_, recv_;
};
} // namespace dgmx::dd
