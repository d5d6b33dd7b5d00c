/*! \file
 * \brief The fitted cost model and the re-balancing decision (see load_balancer.h).
 */
#include "dd/load_balancer.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace dgmx::dd
{
namespace
{
//! Memory of the fit: a sample's weight halves in about 14 steps.
constexpr double c_forgetting = 0.95;
//! Smoothing of the per-rank residual: noise of sigma per step becomes sigma / 4.4.
constexpr double c_residualSmoothing = 0.1;
//! A gain counts only when it stands this many standard errors of the smoothed residual
//! above the threshold, so noise alone does not move the partition.
constexpr double c_confidence = 2.0;
//! Before the data tell otherwise, time splits over owned atoms, ghosts and pairs like this.
constexpr std::array<double, 3> c_priorShares{ 0.5, 0.25, 0.25 };
//! Re-balances are at least this many steps apart, so the smoothing sees the new partition.
constexpr long c_minStepsBetweenRebalances = 10;

std::array<double, 3> features(const RankSample& s, const std::array<double, 3>& scale)
{
    return { s.owned / scale[0], s.ghosts / scale[1], s.pairs / scale[2] };
}

//! Solves the symmetric 3x3 system a c = b by elimination with partial pivoting.
bool solve3(std::array<double, 9> a, std::array<double, 3> b, std::array<double, 3>& c)
{
    for (int col = 0; col < 3; ++col)
    {
        int pivot = col;
        for (int r = col + 1; r < 3; ++r)
        {
            pivot = std::abs(a[3 * r + col]) > std::abs(a[3 * pivot + col]) ? r : pivot;
        }
        if (!(std::abs(a[3 * pivot + col]) > 0))
        {
            return false;
        }
        for (int k = 0; k < 3; ++k)
        {
            std::swap(a[3 * col + k], a[3 * pivot + k]);
        }
        std::swap(b[col], b[pivot]);
        for (int r = col + 1; r < 3; ++r)
        {
            const double f = a[3 * r + col] / a[3 * col + col];
            for (int k = col; k < 3; ++k)
            {
                a[3 * r + k] -= f * a[3 * col + k];
            }
            b[r] -= f * b[col];
        }
    }
    for (int r = 2; r >= 0; --r)
    {
        double v = b[r];
        for (int k = r + 1; k < 3; ++k)
        {
            v -= a[3 * r + k] * c[k];
        }
        c[r] = v / a[3 * r + r];
    }
    return std::all_of(c.begin(), c.end(), [](double v) { return std::isfinite(v); });
}
} // namespace

void CostModel::add(std::span<const RankSample> ranks)
{
    if (ranks.empty())
    {
        return;
    }
    if (!hasSamples_) // counts are scaled by their first mean, so the fit is well conditioned
    {
        for (int k = 0; k < 3; ++k)
        {
            double sum = 0;
            for (const auto& r : ranks)
            {
                sum += k == 0 ? r.owned : (k == 1 ? r.ghosts : r.pairs);
            }
            scale_[k] = std::max(1.0, sum / static_cast<double>(ranks.size()));
        }
    }
    for (auto& v : normal_)
    {
        v *= c_forgetting;
    }
    for (auto& v : rhs_)
    {
        v *= c_forgetting;
    }
    double sumSeconds = 0;
    for (const auto& r : ranks)
    {
        const auto z = features(r, scale_);
        for (int i = 0; i < 3; ++i)
        {
            for (int j = 0; j < 3; ++j)
            {
                normal_[3 * i + j] += z[i] * z[j];
            }
            rhs_[i] += z[i] * r.seconds;
        }
        sumSeconds += r.seconds;
    }
    const double mean = sumSeconds / static_cast<double>(ranks.size());
    meanSeconds_      = hasSamples_ ? c_forgetting * meanSeconds_ + (1 - c_forgetting) * mean : mean;
    hasSamples_       = true;
}

void CostModel::refit()
{
    if (!hasSamples_)
    {
        return;
    }
    // Ridge towards the prior shares: with ranks of similar counts (a homogeneous system) the
    // counts are nearly collinear and only the prior separates the three weights.
    std::array<double, 3> prior{};
    for (int k = 0; k < 3; ++k)
    {
        prior[k] = meanSeconds_ * c_priorShares[k];
    }
    const double          mu = 1e-3 * (normal_[0] + normal_[4] + normal_[8]) + 1e-12;
    std::array<double, 9> a  = normal_;
    std::array<double, 3> b  = rhs_;
    for (int k = 0; k < 3; ++k)
    {
        a[4 * k] += mu;
        b[k] += mu * prior[k];
    }
    std::array<double, 3> c{};
    if (!solve3(a, b, c))
    {
        c = prior;
    }
    for (auto& v : c)
    {
        v = std::max(0.0, v); // no count makes a rank faster
    }
    c_      = std::all_of(c.begin(), c.end(), [](double v) { return v == 0; }) ? prior : c;
    fitted_ = true;
}

double CostModel::predict(const RankSample& counts) const
{
    const auto z = features(counts, scale_);
    return std::max(0.0, c_[0] * z[0] + c_[1] * z[1] + c_[2] * z[2]);
}

std::array<double, 3> CostModel::coefficients() const
{
    return { c_[0] / scale_[0], c_[1] / scale_[1], c_[2] / scale_[2] };
}

LoadBalancer::LoadBalancer(int nAtoms, int nRanks, const DecompositionOptions& options) :
    options_(options),
    weights_(nAtoms, 1.0),
    residual_(nRanks, 1.0),
    residualVariance_(nRanks, 0.0),
    predicted_(nRanks, 0.0)
{
}

void LoadBalancer::observe(std::span<const RankSample> ranks)
{
    model_.add(ranks);
    if (!model_.fitted())
    {
        model_.refit();
    }
    // Plain mean over the samples since the last re-balance until there are 1/a of them (the
    // residuals of a new partition owe nothing to the old one), exponential after that.
    ++samplesSincePartition_;
    const double a = std::max(c_residualSmoothing, 1.0 / static_cast<double>(samplesSincePartition_));
    for (std::size_t r = 0; r < ranks.size(); ++r)
    {
        const double predicted = model_.predict(ranks[r]);
        const double ratio = predicted > 0 && ranks[r].seconds > 0 ? ranks[r].seconds / predicted : 1.0;
        const double d     = ratio - residual_[r];
        residual_[r] += a * d;
        residualVariance_[r] = samplesSincePartition_ == 1 ? 0.0 : (1 - a) * (residualVariance_[r] + a * d * d);
        predicted_[r]        = residual_[r] * predicted;
    }
}

double LoadBalancer::predictedGainLowerBound() const
{
    const auto   slowest = std::max_element(predicted_.begin(), predicted_.end()) - predicted_.begin();
    const double n        = static_cast<double>(samplesSincePartition_);
    const double a        = std::max(c_residualSmoothing, 1.0 / n);
    const double residual = residual_[slowest];
    // Standard error of the smoothed mean: sigma sqrt(a / (2 - a)), sigma / sqrt(n) while plain.
    const double shrink        = a > c_residualSmoothing ? 1.0 / n : a / (2 - a);
    const double relativeError = residual > 0 ? std::sqrt(residualVariance_[slowest] * shrink) / residual : 0.0;
    return predictedGain() - c_confidence * relativeError;
}

double LoadBalancer::predictedGain() const
{
    const double sum = std::accumulate(predicted_.begin(), predicted_.end(), 0.0);
    if (!(sum > 0))
    {
        return 0;
    }
    const double mean = sum / static_cast<double>(predicted_.size());
    return (*std::max_element(predicted_.begin(), predicted_.end()) - mean) / mean;
}

bool LoadBalancer::rebalanceDue(long step) const
{
    if (options_.method != PartitionMethod::Rcb || predicted_.size() < 2 || samplesSincePartition_ < 2)
    {
        return false;
    }
    const long since  = step - lastRebalance_;
    const long minGap = options_.rebalanceInterval > 0
                                ? std::min<long>(options_.rebalanceInterval, c_minStepsBetweenRebalances)
                                : c_minStepsBetweenRebalances;
    if (since < minGap)
    {
        return false;
    }
    if (options_.imbalanceThreshold <= 0)
    {
        return true; // re-balance at every chance (tests exercise re-partitioning this way)
    }
    const double gain = predictedGainLowerBound();
    // The periodic check follows slow drifts, at half the threshold.
    const bool periodic = options_.rebalanceInterval > 0 && since >= options_.rebalanceInterval;
    return gain > options_.imbalanceThreshold || (periodic && gain > 0.5 * options_.imbalanceThreshold);
}

void LoadBalancer::rebalance(std::span<const int> owner, long step)
{
    // factor[r] turns rank r's weights into its smoothed seconds; ranks without a
    // prediction keep the mean factor, so all weights stay in the same units.
    std::vector<double> factor(predicted_.size(), 0.0);
    for (std::size_t i = 0; i < owner.size(); ++i)
    {
        factor[owner[i]] += weights_[i];
    }
    double sumFactors = 0;
    int    nFactors   = 0;
    for (std::size_t r = 0; r < factor.size(); ++r)
    {
        factor[r] = factor[r] > 0 && predicted_[r] > 0 ? predicted_[r] / factor[r] : 0.0;
        sumFactors += factor[r];
        nFactors += factor[r] > 0 ? 1 : 0;
    }
    for (auto& f : factor)
    {
        f = f > 0 ? f : (nFactors > 0 ? sumFactors / nFactors : 1.0);
    }
    for (std::size_t i = 0; i < owner.size(); ++i)
    {
        weights_[i] *= factor[owner[i]];
    }
    const double sum = std::accumulate(weights_.begin(), weights_.end(), 0.0);
    if (sum > 0)
    {
        for (auto& w : weights_)
        {
            w *= static_cast<double>(weights_.size()) / sum;
        }
    }
    lastRebalance_         = step;
    samplesSincePartition_ = 0;
    // Predictions stay fixed between re-balances, so the residuals average timing noise only.
    model_.refit();
}
} // namespace dgmx::dd
