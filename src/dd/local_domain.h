/*! \file
 * \brief This rank's domain between rebuilds: the partition, owned and ghost entries with
 * their types and image positions, the neighbour list, the distinct atoms they touch (for
 * folding ghost forces), and what the last build saw, to tell when the skin is used up.
 * No MPI: every input is identical on all ranks except the rank itself.
 */
#pragma once

#include "backends/backend.h"
#include "dd/dd_types.h"
#include "dd/decomposition.h"

#include <array>
#include <span>
#include <vector>

namespace dgmx::dd
{
class LocalDomain
{
public:
    LocalDomain(std::vector<int> types, const DecompositionOptions& options, double cutoff, int rank,
                int nRanks);

    //! First call, a changed boundary type, or an image that may have moved over half the skin.
    [[nodiscard]] bool needRebuild(std::span<const double> x, const Box& box) const;
    //! Partitions the atoms by \p weights, builds this rank's ghost shell (timed as the
    //! decomposition) and its neighbour list.
    void rebuild(std::span<const double> x, const Box& box, std::span<const double> weights);
    //! Same entries, new positions and cell.
    void update(std::span<const double> x, const Box& box);
    //! Forces a rebuild next time (after a failure left the state half-built).
    void invalidate() { built_ = false; }

    [[nodiscard]] const Partition&      partition() const { return partition_; }
    [[nodiscard]] const DomainAtoms&    atoms() const { return domain_; }
    [[nodiscard]] std::span<const double> positions() const { return entryX_; }
    [[nodiscard]] std::span<const int>  types() const { return entryTypes_; }
    [[nodiscard]] const NeighbourList&  neighbours() const { return list_; }
    [[nodiscard]] int                   nOwned() const { return domain_.nOwned; }
    [[nodiscard]] int  nGhosts() const { return static_cast<int>(domain_.entries.size()) - domain_.nOwned; }
    [[nodiscard]] long nPairs() const { return static_cast<long>(list_.indices.size()); }
    //! Distinct atoms of the domain, and entry -> index into them.
    [[nodiscard]] std::span<const int> touched() const { return touched_; }
    [[nodiscard]] std::span<const int> entrySlot() const { return entrySlot_; }
    //! Seconds of the last rebuild spent on partition and ghost shell (the rest: neighbour list).
    [[nodiscard]] double decompositionSeconds() const { return decompositionSeconds_; }

private:
    void indexTouchedAtoms();
    void remember(std::span<const double> x, const Box& box, double shell);

    // Fixed.
    std::vector<int>     atomTypes_;
    DecompositionOptions options_;
    double               cutoff_;
    int                  rank_, nRanks_;

    // The partition and this rank's entries.
    CellGeometry                    geometry_;
    std::vector<double>             fractional_;
    std::vector<std::array<int, 3>> wrapShift_;
    Partition                       partition_;
    DomainAtoms                     domain_;
    std::vector<int>                entryTypes_;
    std::vector<double>             entryX_;
    NeighbourList                   list_;
    std::vector<int>                touched_, entrySlot_;
    double                          decompositionSeconds_ = 0;

    // What the last build saw.
    bool                  built_ = false;
    bool                  periodicAtBuild_ = true;
    std::vector<double>   xAtBuild_;
    std::array<double, 9> boxAtBuild_{};
    std::array<double, 3> shiftBound_{};
};
} // namespace dgmx::dd
