/*! \file
 * \brief Serial building blocks of the decomposition for many rank counts without MPI:
 * neighbour lists equal all-pairs search; every owned atom of every domain sees exactly the
 * neighbour images a brute-force image loop finds; every atom owned once (also with more
 * ranks than atoms); RCB balances a clustered system better than slabs.
 */
#include "dd/brute_force.h"
#include "dd/decomposition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace dgmx::test
{
namespace
{
using Key = std::tuple<int, long, long, long>;

Key key(int atom, const double* p)
{
    return { atom, std::lround(p[0] * 1e6), std::lround(p[1] * 1e6), std::lround(p[2] * 1e6) };
}

TEST(NeighbourList, EqualsAllPairs)
{
    std::mt19937                           rng(5);
    std::uniform_real_distribution<double> u(-1.0, 2.5);
    for (int n : { 0, 1, 7, 300 })
    {
        std::vector<double> x(3 * n);
        for (auto& v : x)
        {
            v = u(rng);
        }
        const int  nOwned = n / 2;
        const auto list   = dd::buildNeighbourList(x, nOwned, 0.7);
        ASSERT_EQ(list.offsets.size(), static_cast<std::size_t>(nOwned) + 1);
        for (int i = 0; i < nOwned; ++i)
        {
            std::vector<int> brute;
            for (int j = 0; j < n; ++j)
            {
                double r2 = 0;
                for (int k = 0; k < 3; ++k)
                {
                    r2 += (x[3 * i + k] - x[3 * j + k]) * (x[3 * i + k] - x[3 * j + k]);
                }
                if (j != i && r2 < 0.49)
                {
                    brute.push_back(j);
                }
            }
            std::vector<int> got(list.indices.begin() + list.offsets[i], list.indices.begin() + list.offsets[i + 1]);
            std::sort(got.begin(), got.end());
            EXPECT_EQ(got, brute) << "n " << n << " atom " << i;
        }
    }
}

struct GhostCase
{
    const char*           name;
    std::array<double, 9> box;
    bool                  periodic;
    int                   n;
    double                outside; //!< atoms displaced by this many box vectors
};

class Ghosts : public ::testing::TestWithParam<GhostCase>
{
};

TEST_P(Ghosts, EveryOwnedAtomSeesAllBruteForceNeighbours)
{
    const auto&         c = GetParam();
    std::vector<double> x;
    std::vector<int>    types;
    randomAtoms(c.n, c.box, c.periodic, 0.1, 3, 17, x, types);
    const int n = static_cast<int>(types.size());
    for (int i = 0; i < n; i += 4)
    {
        for (int k = 0; k < 3; ++k)
        {
            x[3 * i + k] += c.outside * (c.box[k] - c.box[3 + k] + c.box[6 + k]);
        }
    }
    const double cutoff = 0.6, skin = 0.1;
    Box          box{ c.box, c.periodic };
    const auto   g = dd::makeGeometry(box, x);
    std::vector<double>             s;
    std::vector<std::array<int, 3>> wrap;
    dd::toFractional(g, x, s, wrap);
    const std::vector<double> weights(n, 1.0);
    for (auto method : { PartitionMethod::Slab, PartitionMethod::Rcb })
    {
        for (int nRanks : { 1, 2, 3, 5, 7, 2 * n + 1 })
        {
            const auto       p = dd::partitionAtoms(method, g, s, weights, nRanks);
            std::vector<int> owned(n, 0);
            for (int r = 0; r < nRanks; ++r)
            {
                const auto          d = dd::buildDomainAtoms(g, s, wrap, p, r, cutoff + skin);
                std::vector<double> pos;
                dd::entryPositions(g, x, d, pos);
                const auto list = dd::buildNeighbourList(pos, d.nOwned, cutoff + skin);
                for (int i = 0; i < d.nOwned; ++i)
                {
                    ++owned[d.entries[i].atom];
                    std::vector<Key> got, brute;
                    for (int q = list.offsets[i]; q < list.offsets[i + 1]; ++q)
                    {
                        const int j  = list.indices[q];
                        double    r2 = 0;
                        for (int k = 0; k < 3; ++k)
                        {
                            r2 += (pos[3 * j + k] - pos[3 * i + k]) * (pos[3 * j + k] - pos[3 * i + k]);
                        }
                        if (r2 < cutoff * cutoff)
                        {
                            got.push_back(key(d.entries[j].atom, &pos[3 * j]));
                        }
                    }
                    const int m = c.periodic ? 4 : 0;
                    for (int b = 0; b < n; ++b)
                    {
                        for (int na = -m; na <= m; ++na)
                            for (int nb = -m; nb <= m; ++nb)
                                for (int nc = -m; nc <= m; ++nc)
                                {
                                    double q[3], r2 = 0;
                                    for (int k = 0; k < 3; ++k)
                                    {
                                        // images relative to the owned copy's own position
                                        q[k] = x[3 * b + k] + na * c.box[k] + nb * c.box[3 + k] + nc * c.box[6 + k]
                                               + (pos[3 * i + k] - x[3 * d.entries[i].atom + k]);
                                        r2 += (q[k] - pos[3 * i + k]) * (q[k] - pos[3 * i + k]);
                                    }
                                    if (r2 > 1e-12 && r2 < cutoff * cutoff)
                                    {
                                        brute.push_back(key(b, q));
                                    }
                                }
                    }
                    std::sort(got.begin(), got.end());
                    std::sort(brute.begin(), brute.end());
                    ASSERT_EQ(got, brute) << c.name << " P " << nRanks << " rank " << r << " atom "
                                          << d.entries[i].atom;
                }
            }
            EXPECT_EQ(std::count(owned.begin(), owned.end(), 1), n) << c.name << " P " << nRanks;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
        Boxes, Ghosts,
        ::testing::Values(GhostCase{ "cubic", { 2.0, 0, 0, 0, 2.0, 0, 0, 0, 2.0 }, true, 120, 0 },
                          GhostCase{ "triclinic", { 2.2, 0, 0, 0.7, 1.9, 0, -0.6, 0.5, 1.7 }, true, 120, 0 },
                          GhostCase{ "small", { 0.9, 0, 0, 0.3, 0.8, 0, 0.2, -0.2, 0.85 }, true, 12, 0 },
                          GhostCase{ "outside", { 1.6, 0, 0, 0.4, 1.5, 0, 0.3, 0.3, 1.4 }, true, 60, 2.0 },
                          GhostCase{ "open", { 2.5, 0, 0, 0, 2.5, 0, 0, 0, 2.5 }, false, 80, 0 }),
        [](const ::testing::TestParamInfo<GhostCase>& p) { return std::string(p.param.name); });

//! max / mean of owned + ghost atoms over ranks.
double imbalance(PartitionMethod method, const dd::CellGeometry& g, const std::vector<double>& s,
                 const std::vector<std::array<int, 3>>& wrap, std::vector<double> weights, int nRanks,
                 double shell, int balanceIterations)
{
    std::vector<double> cost(nRanks);
    for (int it = 0; it <= balanceIterations; ++it)
    {
        const auto p = dd::partitionAtoms(method, g, s, weights, nRanks);
        for (int r = 0; r < nRanks; ++r)
        {
            cost[r] = static_cast<double>(dd::buildDomainAtoms(g, s, wrap, p, r, shell).entries.size());
        }
        dd::weightsFromTimes(p.owner, cost, weights);
    }
    return *std::max_element(cost.begin(), cost.end())
           / (std::accumulate(cost.begin(), cost.end(), 0.0) / nRanks);
}

TEST(Balance, RcbBeatsSlabOnClusteredSystem)
{
    // A dense blob in a dilute gas: slabs through the blob are expensive.
    const std::array<double, 9> cell{ 4, 0, 0, 0, 4, 0, 0, 0, 4 };
    std::mt19937                rng(2);
    std::normal_distribution<double>       blob(0.0, 0.35);
    std::uniform_real_distribution<double> gas(0.0, 4.0);
    std::vector<double>                    x;
    for (int i = 0; i < 900; ++i)
    {
        x.insert(x.end(), { 1.2 + blob(rng), 2.0 + blob(rng), 2.0 + blob(rng) });
    }
    for (int i = 0; i < 300; ++i)
    {
        x.insert(x.end(), { gas(rng), gas(rng), gas(rng) });
    }
    const Box                       box{ cell, true };
    const auto                      g = dd::makeGeometry(box, x);
    std::vector<double>             s;
    std::vector<std::array<int, 3>> wrap;
    dd::toFractional(g, x, s, wrap);
    const std::vector<double> ones(x.size() / 3, 1.0);
    for (int nRanks : { 4, 8 })
    {
        const double slab = imbalance(PartitionMethod::Slab, g, s, wrap, ones, nRanks, 0.7, 0);
        const double rcb  = imbalance(PartitionMethod::Rcb, g, s, wrap, ones, nRanks, 0.7, 4);
        EXPECT_LT(rcb, slab) << "P " << nRanks;
        EXPECT_LT(rcb, 1.5) << "P " << nRanks;
    }
}
} // namespace
} // namespace dgmx::test
