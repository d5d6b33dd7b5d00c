/*! \file
 * \brief Balancing on work, not on noise. A cost model predicts each rank's inference time
 * from its counts (owned atoms, ghosts, neighbour pairs) with weights fitted by exponentially
 * forgetting least squares over recent steps; a smoothed per-rank residual (measured /
 * predicted) keeps what counts cannot explain (a hot region, a slower core). The partition is
 * re-balanced only when that smoothed cost predicts a gain above the threshold by more than
 * twice its standard error, so per-step timing noise moves nothing. No MPI: every rank feeds the same summed measurements and so
 * takes the same decisions.
 */
#pragma once

#include "dd/dd_types.h"

#include <array>
#include <span>
#include <vector>

namespace dgmx::dd
{
//! One rank's counts and measured inference time in one step.
struct RankSample
{
    double owned = 0, ghosts = 0, pairs = 0, seconds = 0;
};

//! seconds ~ c . (owned, ghosts, pairs) / scale, fitted over recent steps.
class CostModel
{
public:
    //! Adds samples (older ones fade); the coefficients change only in refit().
    void                   add(std::span<const RankSample> ranks);
    void                   refit();
    [[nodiscard]] double   predict(const RankSample& counts) const;
    [[nodiscard]] bool     fitted() const { return fitted_; }
    //! Seconds per owned atom, per ghost, per pair.
    [[nodiscard]] std::array<double, 3> coefficients() const;

private:

    std::array<double, 9> normal_{}; //!< forgetting sum of z z^T (z = counts / scale)
    std::array<double, 3> rhs_{};    //!< forgetting sum of z t
    std::array<double, 3> scale_{ 1, 1, 1 };
    std::array<double, 3> c_{};
    double                meanSeconds_ = 0;
    bool                  hasSamples_ = false, fitted_ = false;
};

class LoadBalancer
{
public:
    LoadBalancer(int nAtoms, int nRanks, const DecompositionOptions& options);

    //! The measurements of one step, identical on every rank.
    void observe(std::span<const RankSample> ranks);
    //! Whether to re-balance before step \p step (counted from 0).
    [[nodiscard]] bool rebalanceDue(long step) const;
    /*! Corrects the per-atom weights so that each rank's atoms weigh its smoothed cost, with
     *  \p owner the current partition; the next partition then splits the cost evenly. */
    void rebalance(std::span<const int> owner, long step);

    [[nodiscard]] std::span<const double> weights() const { return weights_; }
    //! Smoothed predicted seconds per rank for the current partition.
    [[nodiscard]] const std::vector<double>& predictedSeconds() const { return predicted_; }
    //! Predicted (max - mean) / mean of the current partition: what a re-balance would gain.
    [[nodiscard]] double predictedGain() const;
    //! predictedGain() less twice its standard error from the residuals' noise: what decides.
    [[nodiscard]] double predictedGainLowerBound() const;
    [[nodiscard]] const CostModel& model() const { return model_; }

private:
    DecompositionOptions options_;
    CostModel            model_;
    std::vector<double>  weights_;   //!< per atom, mean 1
    std::vector<double>  residual_;  //!< per rank, smoothed measured / predicted
    std::vector<double>  residualVariance_; //!< per rank, its smoothed variance per step
    std::vector<double>  predicted_; //!< per rank, smoothed cost of the current partition
    long                 samplesSincePartition_ = 0, lastRebalance_ = 0;
};
} // namespace dgmx::dd
