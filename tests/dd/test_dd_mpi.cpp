/*! \file
 * \brief NNDomainDecomposition at any rank count against a brute-force serial evaluation
 * (brute_force.h: one domain, explicit image loop, all-pairs list) of the reference
 * potential: energy, forces and virial to 1e-10 relative for dense, dilute, triclinic, small
 * boxes, atoms outside the cell, empty domains and open clusters; slab and RCB; both force
 * reductions; several steps with and without rebuilds. Errors on one rank reach all ranks.
 */
#include "backends/reference/reference_potential.h"
#include "common/error.h"
#include "dd/brute_force.h"
#include "dd/collective_error.h"
#include "dd/nn_domain_decomposition.h"
#include "support/mpi_world.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <ostream>
#include <string>
#include <thread>

namespace dgmx::test
{
namespace
{
struct Case
{
    const char*           name;
    std::array<double, 9> box;
    bool                  periodic;
    int                   n;
    double                minDist;
    int                   images;  //!< image range of the brute-force reference
    double                outside; //!< every 3rd atom displaced by this many box vectors
};

//! Readable test names instead of byte dumps.
void PrintTo(const Case& c, std::ostream* os)
{
    *os << c.name;
}

//! The atoms this rank holds: a scattered, rank-dependent subset (reverse order).
std::vector<int> heldAtoms(int n)
{
    std::vector<int> held;
    for (int k = 0; k < n; ++k)
    {
        if ((7 * k + 3) % worldSize() == worldRank())
        {
            held.push_back(k);
        }
    }
    std::reverse(held.begin(), held.end());
    return held;
}

void expectMatches(const StepResult& r, const Reference& ref, const std::vector<int>& held, const std::string& what)
{
    EXPECT_NEAR(r.energy, ref.energy, 1e-10 * std::max(1.0, std::abs(ref.energy))) << what;
    double fmax = 1, vmax = 1;
    for (double f : ref.forces)
    {
        fmax = std::max(fmax, std::abs(f));
    }
    for (double v : ref.virial)
    {
        vmax = std::max(vmax, std::abs(v));
    }
    for (int k = 0; k < 9; ++k)
    {
        EXPECT_NEAR(r.virial[k], ref.virial[k], 1e-10 * vmax) << what << " virial " << k;
    }
    ASSERT_EQ(r.forces.size(), 3 * held.size()) << what;
    for (std::size_t i = 0; i < held.size(); ++i)
    {
        for (int k = 0; k < 3; ++k)
        {
            ASSERT_NEAR(r.forces[3 * i + k], ref.forces[3 * held[i] + k], 1e-10 * fmax)
                    << what << " atom " << held[i] << " dim " << k;
        }
    }
}

class Decomposition
    : public ::testing::TestWithParam<std::tuple<Case, PartitionMethod, ForceReduction>>
{
};

TEST_P(Decomposition, MatchesBruteForceOverSteps)
{
    const auto& [c, method, reduction] = GetParam();
    auto                backend        = makeReferenceBackend();
    std::vector<double> x;
    std::vector<int>    types;
    randomAtoms(c.n, c.box, c.periodic, c.minDist, 32, 23, x, types);
    const int n = static_cast<int>(types.size());
    for (int i = 0; i < n; i += 3)
    {
        for (int k = 0; k < 3; ++k)
        {
            x[3 * i + k] += c.outside * (c.box[k] - c.box[3 + k] + c.box[6 + k]);
        }
    }
    DecompositionOptions options;
    options.method            = method;
    options.reduction         = reduction;
    options.rebalanceInterval  = 2; // exercise re-balancing between steps:
    options.imbalanceThreshold = 0; // any predicted gain, even from timing noise
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, types, options);
    Box                   box{ c.box, c.periodic };
    const auto            held = heldAtoms(n);
    std::mt19937          rng(99);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    // Steps: initial; small moves (no rebuild); a slight box strain; large moves (rebuild).
    const double moves[] = { 0.0, 0.01, 0.0, 0.1, 0.005 };
    for (int step = 0; step < 5; ++step)
    {
        for (auto& v : x)
        {
            v += moves[step] / std::sqrt(3.0) * u(rng);
        }
        if (step == 2 && c.periodic)
        {
            for (int k = 0; k < 9; ++k)
            {
                box.vectors[k] *= 1.003;
            }
            for (auto& v : x)
            {
                v *= 1.003;
            }
        }
        std::vector<double> heldX;
        for (int a : held)
        {
            heldX.insert(heldX.end(), &x[3 * a], &x[3 * a] + 3);
        }
        const StepResult r   = dd.evaluate(held, heldX, box);
        const Reference  ref = bruteEvaluate(*backend, x, types, c.periodic ? &box.vectors : nullptr, c.images);
        expectMatches(r, ref, held, std::string(c.name) + " step " + std::to_string(step));
        if (step == 0 || step == 3)
        {
            EXPECT_TRUE(dd.lastTimings().rebuilt) << "step " << step;
        }
        if (step == 1 && method == PartitionMethod::Slab)
        {
            EXPECT_FALSE(dd.lastTimings().rebuilt);
        }
    }
    const auto stats = dd.stats();
    int        owned = 0;
    for (int o : stats.ownedPerRank)
    {
        owned += o;
    }
    EXPECT_EQ(owned, n);
    EXPECT_EQ(stats.nRanks, worldSize());
    EXPECT_GE(stats.rebuilds, 2);
    if (method == PartitionMethod::Rcb && worldSize() > 1)
    {
        EXPECT_GE(stats.rebalances, 1);
    }
}

const Case c_cases[] = {
    { "dense", { 1.6, 0, 0, 0, 1.6, 0, 0, 0, 1.6 }, true, 200, 0.1, 1, 0 },
    { "dilute", { 3.0, 0, 0, 0, 3.0, 0, 0, 0, 3.0 }, true, 40, 0.1, 1, 0 },
    { "triclinic", { 1.8, 0, 0, 0.6, 1.6, 0, -0.5, 0.4, 1.5 }, true, 120, 0.1, 2, 0 },
    { "small", { 0.9, 0, 0, 0.3, 0.8, 0, 0.2, -0.2, 0.85 }, true, 10, 0.12, 3, 0 },
    { "outside", { 1.5, 0, 0, 0.4, 1.4, 0, 0.3, 0.3, 1.4 }, true, 60, 0.1, 4, 2.0 },
    { "empty_domains", { 2.0, 0, 0, 0, 2.0, 0, 0, 0, 2.0 }, true, 3, 0.2, 1, 0 },
    { "open_cluster", { 1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0 }, false, 40, 0.1, 0, 0 },
};

INSTANTIATE_TEST_SUITE_P(
        All, Decomposition,
        ::testing::Combine(::testing::ValuesIn(c_cases),
                           ::testing::Values(PartitionMethod::Slab, PartitionMethod::Rcb),
                           ::testing::Values(ForceReduction::Allreduce, ForceReduction::SparseExchange)),
        [](const ::testing::TestParamInfo<std::tuple<Case, PartitionMethod, ForceReduction>>& p) {
            return std::string(std::get<0>(p.param).name)
                   + (std::get<1>(p.param) == PartitionMethod::Slab ? "_slab" : "_rcb")
                   + (std::get<2>(p.param) == ForceReduction::Allreduce ? "_allreduce" : "_sparse");
        });

TEST(Decomposition, IsolatedClustersHaveNoGhosts)
{
    // Clusters 5 nm apart, open boundaries: with one cluster per rank nobody needs ghosts.
    auto                backend = makeReferenceBackend();
    const int           p       = worldSize();
    std::vector<double> x;
    std::vector<int>    types;
    for (int c = 0; c < p; ++c)
    {
        for (int i = 0; i < 4; ++i)
        {
            x.insert(x.end(), { 5.0 * c + 0.15 * i, 0.1 * (i % 2), 0.0 });
            types.push_back(i % 3);
        }
    }
    DecompositionOptions options;
    options.method = PartitionMethod::Rcb;
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, types, options);
    const auto            held = heldAtoms(static_cast<int>(types.size()));
    std::vector<double>   heldX;
    for (int a : held)
    {
        heldX.insert(heldX.end(), &x[3 * a], &x[3 * a] + 3);
    }
    const auto r = dd.evaluate(held, heldX, Box{ {}, false });
    expectMatches(r, bruteEvaluate(*backend, x, types, nullptr), held, "clusters");
    for (int g : dd.stats().ghostsPerRank)
    {
        EXPECT_EQ(g, 0);
    }
}

//! Throws on the last rank only.
class ThrowOnLastRank final : public IBackend
{
public:
    explicit ThrowOnLastRank(IBackend& inner) : inner_(inner) {}
    double                   cutoff() const override { return inner_.cutoff(); }
    std::vector<std::string> typeMap() const override { return inner_.typeMap(); }
    std::string              describe() const override { return "throwing test backend"; }
    void                     compute(const BackendInput& in, BackendOutput& out) override
    {
        if (worldRank() == worldSize() - 1)
        {
            throw Error("injected backend failure");
        }
        inner_.compute(in, out);
    }

private:
    IBackend& inner_;
};

struct Small
{
    std::vector<double> x;
    std::vector<int>    types;
    std::vector<int>    held;
    std::vector<double> heldX;
    Box                 box{ { 1.5, 0, 0, 0, 1.5, 0, 0, 0, 1.5 }, true };
    Small()
    {
        randomAtoms(30, box.vectors, true, 0.12, 4, 3, x, types);
        held = heldAtoms(30);
        for (int a : held)
        {
            heldX.insert(heldX.end(), &x[3 * a], &x[3 * a] + 3);
        }
    }
};

//! Expects dgmx::Error containing \p needle, with the identical message on every rank.
template<typename F>
void expectCollectiveError(F&& f, const std::string& needle)
{
    std::string message;
    try
    {
        f();
    }
    catch (const Error& e)
    {
        message = e.what();
    }
    EXPECT_NE(message.find(needle), std::string::npos) << message;
    // Same message everywhere: compare lengths and a checksum.
    // Unsigned: the checksum wraps (signed overflow would be undefined; UBSan found it).
    unsigned long local[2] = { message.size(), 0 };
    for (char ch : message)
    {
        local[1] = local[1] * 31 + static_cast<unsigned char>(ch);
    }
    unsigned long mins[2], maxs[2];
    MPI_Allreduce(local, mins, 2, MPI_UNSIGNED_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(local, maxs, 2, MPI_UNSIGNED_LONG, MPI_MAX, MPI_COMM_WORLD);
    EXPECT_EQ(mins[0], maxs[0]);
    EXPECT_EQ(mins[1], maxs[1]);
}

TEST(Errors, NaNPositionOnOneRankThrowsEverywhere)
{
    auto  backend = makeReferenceBackend();
    Small s;
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, s.types, DecompositionOptions{});
    if (worldRank() == worldSize() - 1 && !s.heldX.empty())
    {
        s.heldX[1] = std::numeric_limits<double>::quiet_NaN();
    }
    expectCollectiveError([&] { dd.evaluate(s.held, s.heldX, s.box); }, "not finite");
}

TEST(Errors, BackendThrowingOnOneRankThrowsEverywhere)
{
    auto            inner = makeReferenceBackend();
    ThrowOnLastRank backend(*inner);
    Small           s;
    for (auto reduction : { ForceReduction::Allreduce, ForceReduction::SparseExchange })
    {
        DecompositionOptions o;
        o.reduction = reduction;
        NNDomainDecomposition dd(MPI_COMM_WORLD, backend, s.types, o);
        expectCollectiveError([&] { dd.evaluate(s.held, s.heldX, s.box); }, "injected backend failure");
    }
}

//! Returns a NaN force on the last rank's first atom (a model outside its range).
class NaNForceOnLastRank final : public IBackend
{
public:
    explicit NaNForceOnLastRank(IBackend& inner) : inner_(inner) {}
    double                   cutoff() const override { return inner_.cutoff(); }
    std::vector<std::string> typeMap() const override { return inner_.typeMap(); }
    std::string              describe() const override { return "NaN-force test backend"; }
    void                     compute(const BackendInput& in, BackendOutput& out) override
    {
        inner_.compute(in, out);
        if (worldRank() == worldSize() - 1 && !out.forces.empty())
        {
            out.forces[0] = std::numeric_limits<double>::quiet_NaN();
        }
    }

private:
    IBackend& inner_;
};

TEST(Errors, NaNForceOnOneRankThrowsEverywhere)
{
    auto               inner = makeReferenceBackend();
    NaNForceOnLastRank backend(*inner);
    Small              s;
    NNDomainDecomposition dd(MPI_COMM_WORLD, backend, s.types, DecompositionOptions{});
    expectCollectiveError([&] { dd.evaluate(s.held, s.heldX, s.box); }, "non-finite force");
}

TEST(Errors, DuplicatedAndMissingIndicesThrowEverywhere)
{
    auto  backend = makeReferenceBackend();
    Small s;
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, s.types, DecompositionOptions{});
    auto  held = s.held;
    for (auto& a : held)
    {
        if (a == 0)
        {
            a = 1; // atom 1 twice, atom 0 missing
        }
    }
    expectCollectiveError([&] { dd.evaluate(held, s.heldX, s.box); }, "exactly one rank");
    if (worldRank() == 0)
    {
        held.push_back(0);
    }
    std::vector<double> x2 = s.heldX;
    if (worldRank() == 0)
    {
        x2.insert(x2.end(), { 0.1, 0.1, 0.1 });
    }
    expectCollectiveError([&] { dd.evaluate(held, x2, s.box); }, "exactly one rank");
    std::vector<int> bad = s.held;
    if (!bad.empty() && worldRank() == 0)
    {
        bad[0] = 1000;
    }
    expectCollectiveError([&] { dd.evaluate(bad, s.heldX, s.box); }, "outside");
    // Still usable after errors.
    const auto r = dd.evaluate(s.held, s.heldX, s.box);
    expectMatches(r, bruteEvaluate(*backend, s.x, s.types, &s.box.vectors, 1), s.held, "after errors");
}

//! Sleeps 1 ms per owned atom with x < 1 nm: a hot region whose cost the partitioner
//! cannot know from atom counts, only from measured times.
class HotRegion final : public IBackend
{
public:
    explicit HotRegion(IBackend& inner) : inner_(inner) {}
    double                   cutoff() const override { return inner_.cutoff(); }
    std::vector<std::string> typeMap() const override { return inner_.typeMap(); }
    std::string              describe() const override { return "hot-region test backend"; }
    void                     compute(const BackendInput& in, BackendOutput& out) override
    {
        int hot = 0;
        for (int a = 0; a < in.nOwned; ++a)
        {
            hot += in.positions[3 * a] < 1.0 ? 1 : 0;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(1000 * hot));
        inner_.compute(in, out);
    }

private:
    IBackend& inner_;
};

double imbalance(const DecompositionStats& s)
{
    const auto&  t    = s.computeSecondsPerRank;
    const double mean = std::accumulate(t.begin(), t.end(), 0.0) / static_cast<double>(t.size());
    return *std::max_element(t.begin(), t.end()) / mean;
}

TEST(Balance, RcbRebalancingFromMeasuredTimesReducesImbalance)
{
    if (worldSize() == 1)
    {
        GTEST_SKIP() << "needs several ranks";
    }
    auto      reference = makeReferenceBackend();
    HotRegion backend(*reference);
    const int n = 200;
    std::vector<double> x;
    std::vector<int>    types;
    const Box           box{ { 3, 0, 0, 0, 3, 0, 0, 0, 3 }, true };
    randomAtoms(n, box.vectors, true, 0.1, 1, 17, x, types);
    DecompositionOptions options;
    options.method            = PartitionMethod::Rcb;
    options.rebalanceInterval = 2;
    NNDomainDecomposition dd(MPI_COMM_WORLD, backend, types, options);
    const auto            held = heldAtoms(n);
    std::vector<double>   heldX;
    for (int a : held)
    {
        heldX.insert(heldX.end(), &x[3 * a], &x[3 * a] + 3);
    }
    dd.evaluate(held, heldX, box);
    // The first partition splits by atom count, so the rank(s) holding x < 1 nm take at
    // least twice the mean time; measuring less means waiting was counted as compute.
    const double before = imbalance(dd.stats());
    EXPECT_GT(before, 1.5);
    // The measured imbalance of one step is noisy on a shared machine: average the last few.
    double after = 0;
    for (int step = 1; step < 20; ++step)
    {
        dd.evaluate(held, heldX, box);
        after += step >= 14 ? imbalance(dd.stats()) / 6.0 : 0.0;
    }
    EXPECT_GE(dd.stats().rebalances, 1);
    EXPECT_LT(after, 1.0 + 0.5 * (before - 1.0)) << "imbalance before " << before << " after " << after;
}

TEST(CollectiveError, LowestFailingRankMessageWins)
{
    const std::string mine = worldRank() >= 1 ? "failure on " + std::to_string(worldRank()) : "";
    if (worldSize() == 1)
    {
        EXPECT_NO_THROW(throwIfAnyFailed(MPI_COMM_WORLD, mine));
        return;
    }
    expectCollectiveError([&] { throwIfAnyFailed(MPI_COMM_WORLD, mine); }, "rank 1: failure on 1");
}
} // namespace
} // namespace dgmx::test
