/*! \file
 * \brief Decomposition statistics from the real partitioner (no MPI run needed): for each
 * rank count, mean and max ghost/owned ratio and load imbalance (max/mean of owned + ghost
 * atoms, the cost model) of `slab` with a two-cutoff ghost shell (the published design)
 * and `rcb` with a one-cutoff shell, re-balanced from the cost model as a run would from
 * measured times. Prints a Markdown table.
 */
#include "dd/decomposition.h"

#include "system_builder.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace
{
struct Row
{
    double meanRatio = 0, maxRatio = 0, imbalance = 0;
};

Row analyse(dgmx::PartitionMethod method, const dgmx::dd::CellGeometry& g, const std::vector<double>& s,
            const std::vector<std::array<int, 3>>& wrap, int nRanks, double shell, int balanceRounds)
{
    std::vector<double> weights(s.size() / 3, 1.0), cost(nRanks), ratio(nRanks);
    for (int round = 0; round <= balanceRounds; ++round)
    {
        const auto p = dgmx::dd::partitionAtoms(method, g, s, weights, nRanks);
        for (int r = 0; r < nRanks; ++r)
        {
            const auto d = dgmx::dd::buildDomainAtoms(g, s, wrap, p, r, shell);
            const auto ghosts = static_cast<double>(d.entries.size()) - d.nOwned;
            cost[r]           = static_cast<double>(d.entries.size());
            ratio[r]          = d.nOwned > 0 ? ghosts / d.nOwned : 0.0;
        }
        dgmx::dd::weightsFromTimes(p.owner, cost, weights);
    }
    Row row;
    row.meanRatio = std::accumulate(ratio.begin(), ratio.end(), 0.0) / nRanks;
    row.maxRatio  = *std::max_element(ratio.begin(), ratio.end());
    row.imbalance = *std::max_element(cost.begin(), cost.end())
                    / (std::accumulate(cost.begin(), cost.end(), 0.0) / nRanks);
    return row;
}
} // namespace

int main(int argc, char** argv)
{
    CLI::App         app{ "Ghost/owned ratio and load imbalance of slab vs rcb decompositions" };
    double           side = 5.3, cutoff = 0.6, skin = 0.1, solvent = 100.0, blob = 135.0, radius = 1.6;
    int              rounds = 5;
    std::vector<int> ranks{ 2, 4, 8, 16, 32 };
    app.add_option("--side", side, "cubic box side (nm)");
    app.add_option("--cutoff", cutoff, "model cutoff (nm)");
    app.add_option("--skin", skin, "Verlet skin (nm), added to both shells");
    app.add_option("--solvent-density", solvent, "atoms/nm^3 outside the blob");
    app.add_option("--blob-density", blob, "atoms/nm^3 inside the blob");
    app.add_option("--blob-radius", radius, "blob radius (nm)");
    app.add_option("--balance-rounds", rounds, "rcb re-balancing rounds from the cost model");
    app.add_option("--ranks", ranks, "rank counts");
    CLI11_PARSE(app, argc, argv);

    const auto sys = dgmx::bench::solvatedBlob(side, solvent, blob, radius, 7);
    const dgmx::Box box{ sys.box, true };
    const auto      g = dgmx::dd::makeGeometry(box, sys.x);
    std::vector<double>             s;
    std::vector<std::array<int, 3>> wrap;
    dgmx::dd::toFractional(g, sys.x, s, wrap);
    fmt::print("{} atoms, {:.2f} nm cubic box, cutoff {} nm, skin {} nm; cost = owned + ghost atoms\n\n",
               sys.types.size(), side, cutoff, skin);
    fmt::print("| P | slab 2rc ghost/owned mean | max | imbalance | rcb 1rc ghost/owned mean | max | imbalance |\n");
    fmt::print("|---|---|---|---|---|---|---|\n");
    for (int p : ranks)
    {
        const Row slab = analyse(dgmx::PartitionMethod::Slab, g, s, wrap, p, 2 * cutoff + skin, 0);
        const Row rcb  = analyse(dgmx::PartitionMethod::Rcb, g, s, wrap, p, cutoff + skin, rounds);
        fmt::print("| {} | {:.2f} | {:.2f} | {:.3f} | {:.2f} | {:.2f} | {:.3f} |\n", p, slab.meanRatio,
                   slab.maxRatio, slab.imbalance, rcb.meanRatio, rcb.maxRatio, rcb.imbalance);
    }
    return 0;
}
