/*! \file
 * \brief This rank's domain between rebuilds (see local_domain.h).
 */
#include "dd/local_domain.h"

#include "common/clock.h"
#include "common/nvtx.h"

#include <cmath>

namespace dgmx::dd
{
namespace
{
//! Length of each box vector's change since the build (0 for open boundaries).
std::array<double, 3> boxVectorMoves(const Box& box, const std::array<double, 9>& atBuild)
{
    std::array<double, 3> moves{ 0, 0, 0 };
    if (!box.periodic)
    {
        return moves;
    }
    for (int k = 0; k < 3; ++k)
    {
        double m = 0;
        for (int d = 0; d < 3; ++d)
        {
            const double v = box.vectors[3 * k + d] - atBuild[3 * k + d];
            m += v * v;
        }
        moves[k] = std::sqrt(m);
    }
    return moves;
}
} // namespace

LocalDomain::LocalDomain(std::vector<int> types, const DecompositionOptions& options, double cutoff,
                         int rank, int nRanks) :
    atomTypes_(std::move(types)), options_(options), cutoff_(cutoff), rank_(rank), nRanks_(nRanks)
{
}

bool LocalDomain::needRebuild(std::span<const double> x, const Box& box) const
{
    if (!built_ || box.periodic != periodicAtBuild_)
    {
        return true;
    }
    // Conservative bound on how far any included image moved: |dx_i| + sum_k |n_k| |dh_k|.
    const std::array<double, 3> boxMove = boxVectorMoves(box, boxAtBuild_);
    const double                limit   = 0.5 * options_.skin;
    const std::size_t           n       = x.size() / 3;
    for (std::size_t i = 0; i < n; ++i)
    {
        double m = 0;
        for (int d = 0; d < 3; ++d)
        {
            const double v = x[3 * i + d] - xAtBuild_[3 * i + d];
            m += v * v;
        }
        double move = std::sqrt(m);
        for (int k = 0; k < 3; ++k)
        {
            move += (std::abs(wrapShift_[i][k]) + shiftBound_[k]) * boxMove[k];
        }
        if (move > limit)
        {
            return true;
        }
    }
    return false;
}

void LocalDomain::rebuild(std::span<const double> x, const Box& box, std::span<const double> weights)
{
    built_           = false; // until every part below succeeded
    const double t0  = secondsNow();
    const double shell = options_.ghostShellCutoffs * cutoff_ + options_.skin;
    {
        DGMX_NVTX_RANGE("decomposition");
        geometry_ = makeGeometry(box, x);
        toFractional(geometry_, x, fractional_, wrapShift_);
        partition_ = partitionAtoms(options_.method, geometry_, fractional_, weights, nRanks_);
        domain_    = buildDomainAtoms(geometry_, fractional_, wrapShift_, partition_, rank_, shell);
    }
    decompositionSeconds_ = secondsNow() - t0;
    DGMX_NVTX_RANGE("neighbour search");
    entryTypes_.resize(domain_.entries.size());
    for (std::size_t e = 0; e < domain_.entries.size(); ++e)
    {
        entryTypes_[e] = atomTypes_[domain_.entries[e].atom];
    }
    entryPositions(geometry_, x, domain_, entryX_);
    list_ = buildNeighbourList(entryX_, domain_.nOwned, cutoff_ + options_.skin);
    indexTouchedAtoms();
    remember(x, box, shell);
}

void LocalDomain::update(std::span<const double> x, const Box& box)
{
    DGMX_NVTX_RANGE("neighbour search");
    if (box.periodic)
    {
        geometry_.h = box.vectors; // images follow the current cell
    }
    entryPositions(geometry_, x, domain_, entryX_);
}

void LocalDomain::indexTouchedAtoms()
{
    // Ghost forces are folded per distinct atom before the sparse exchange.
    std::vector<int> slotOf(atomTypes_.size(), -1);
    touched_.clear();
    entrySlot_.resize(domain_.entries.size());
    for (std::size_t e = 0; e < domain_.entries.size(); ++e)
    {
        const int a = domain_.entries[e].atom;
        if (slotOf[a] < 0)
        {
            slotOf[a] = static_cast<int>(touched_.size());
            touched_.push_back(a);
        }
        entrySlot_[e] = slotOf[a];
    }
}

void LocalDomain::remember(std::span<const double> x, const Box& box, double shell)
{
    for (int k = 0; k < 3; ++k)
    {
        shiftBound_[k] = std::ceil(shell / geometry_.width[k]) + 1;
    }
    xAtBuild_.assign(x.begin(), x.end());
    boxAtBuild_      = box.vectors;
    periodicAtBuild_ = box.periodic;
    built_           = true;
}
} // namespace dgmx::dd
