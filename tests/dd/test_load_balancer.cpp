/*! \file
 * \brief The balancer against a synthetic cost, without MPI: the real partitioner, ghost
 * shells and neighbour lists give each rank's counts; its "measured" time is a known function
 * of them (plus a hot region or a slower rank where a case says so) times random noise. The
 * true imbalance (noise-free cost, max / mean) must converge below 1.05 and stay there, and
 * noise alone must not make the partition move.
 */
#include "dd/brute_force.h"
#include "dd/decomposition.h"
#include "dd/load_balancer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace dgmx::test
{
namespace
{
struct Scenario
{
    const char* name;
    int         nRanks;
    double      noise;       //!< relative sigma of each measured time
    double      hotFactor;   //!< per-owned-atom cost factor for atoms with x < 1 nm
    double      slowRank1;   //!< rank 1 runs this many times slower (a loaded core)
};

void PrintTo(const Scenario& s, std::ostream* os)
{
    *os << s.name;
}

//! The synthetic machine: a partition, the counts it gives, and the cost of each rank.
class SyntheticRun
{
public:
    explicit SyntheticRun(const Scenario& s) : s_(s), rng_(11)
    {
        randomAtoms(600, box_.vectors, true, 0.09, 2, 3, x_, types_);
        geometry_ = dd::makeGeometry(box_, x_);
        dd::toFractional(geometry_, x_, fractional_, wrapShift_);
    }

    void partition(std::span<const double> weights)
    {
        p_ = dd::partitionAtoms(PartitionMethod::Rcb, geometry_, fractional_, weights, s_.nRanks);
        trueCost_.assign(s_.nRanks, 0.0);
        counts_.assign(s_.nRanks, {});
        for (int r = 0; r < s_.nRanks; ++r)
        {
            const auto          d = dd::buildDomainAtoms(geometry_, fractional_, wrapShift_, p_, r, 0.5);
            std::vector<double> pos;
            dd::entryPositions(geometry_, x_, d, pos);
            const auto list = dd::buildNeighbourList(pos, d.nOwned, 0.5);
            double     hot  = 0;
            for (int e = 0; e < d.nOwned; ++e)
            {
                hot += x_[3 * d.entries[e].atom] < 1.0 ? s_.hotFactor : 1.0;
            }
            counts_[r] = { static_cast<double>(d.nOwned), static_cast<double>(d.entries.size() - d.nOwned),
                           static_cast<double>(list.indices.size()), 0 };
            trueCost_[r] = (1e-3 * hot + 3e-4 * counts_[r].ghosts + 2e-5 * counts_[r].pairs)
                           * (r == 1 ? s_.slowRank1 : 1.0);
        }
    }
    std::vector<dd::RankSample> measure()
    {
        std::normal_distribution<double> n(0.0, s_.noise);
        auto                             samples = counts_;
        for (int r = 0; r < s_.nRanks; ++r)
        {
            samples[r].seconds = trueCost_[r] * std::max(0.2, 1.0 + n(rng_));
        }
        return samples;
    }
    [[nodiscard]] double trueImbalance() const
    {
        const double mean = std::accumulate(trueCost_.begin(), trueCost_.end(), 0.0) / s_.nRanks;
        return *std::max_element(trueCost_.begin(), trueCost_.end()) / mean;
    }
    [[nodiscard]] const std::vector<int>& owner() const { return p_.owner; }

private:
    Scenario                        s_;
    std::mt19937                    rng_;
    Box                             box_{ { 3, 0, 0, 0, 3, 0, 0, 0, 3 }, true };
    std::vector<double>             x_, fractional_;
    std::vector<int>                types_;
    std::vector<std::array<int, 3>> wrapShift_;
    dd::CellGeometry                geometry_;
    dd::Partition                   p_;
    std::vector<dd::RankSample>     counts_;
    std::vector<double>             trueCost_;
};

class Balance : public ::testing::TestWithParam<Scenario>
{
};

TEST_P(Balance, ConvergesAndStaysPut)
{
    const Scenario&      s = GetParam();
    DecompositionOptions options; // the defaults: check every 100 steps, threshold 0.10
    SyntheticRun         run(s);
    dd::LoadBalancer     balancer(600, s.nRanks, options);
    run.partition(balancer.weights());
    const double initial    = run.trueImbalance();
    int          rebalances = 0, lateRebalances = 0;
    double       worstLate  = 0;
    for (long step = 0; step < 300; ++step)
    {
        if (balancer.rebalanceDue(step))
        {
            balancer.rebalance(run.owner(), step);
            run.partition(balancer.weights());
            ++rebalances;
            lateRebalances += step >= 100 ? 1 : 0;
        }
        worstLate = step >= 100 ? std::max(worstLate, run.trueImbalance()) : worstLate;
        balancer.observe(run.measure());
    }
    const bool homogeneous = s.hotFactor == 1.0 && s.slowRank1 == 1.0;
    EXPECT_LE(worstLate, 1.05) << "started at " << initial << ", " << rebalances << " re-balances";
    // Settled: noise alone moves nothing, and a converged partition stays put.
    EXPECT_LE(lateRebalances, homogeneous ? 0 : 2) << rebalances << " re-balances in all";
    if (homogeneous)
    {
        EXPECT_EQ(rebalances, 0) << "noise alone made the partition move";
    }
    else
    {
        EXPECT_GT(initial, 1.15) << "the case should start unbalanced";
    }
}

INSTANTIATE_TEST_SUITE_P(Synthetic, Balance,
                         ::testing::Values(Scenario{ "uniform_2ranks_noise20", 2, 0.2, 1.0, 1.0 },
                                           Scenario{ "uniform_4ranks_noise20", 4, 0.2, 1.0, 1.0 },
                                           Scenario{ "hot_region_2ranks_noise10", 2, 0.1, 3.0, 1.0 },
                                           Scenario{ "hot_region_4ranks_noise10", 4, 0.1, 3.0, 1.0 },
                                           Scenario{ "slow_rank_2ranks_noise10", 2, 0.1, 1.0, 1.4 }),
                         [](const auto& p) { return std::string(p.param.name); });
} // namespace
} // namespace dgmx::test
