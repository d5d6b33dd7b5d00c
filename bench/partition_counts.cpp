/*! \file
 * \brief Owned and ghost atoms of every rank from the real partitioner for a structure file
 * (.gro), as JSON, for the throughput model (bench/model/throughput.py). Two designs:
 *  - ours:      rcb, a one-cutoff (+ skin) ghost shell; re-balanced from the cost model
 *               owned + ghost_weight * ghosts, as a run re-balances from measured times;
 *  - published: slab along the longest axis, a two-cutoff (+ skin) shell that the network
 *               evaluates as local atoms (static, no re-balancing).
 *
 *   partition_counts --structure conf.gro [--ranks 1 2 4 ...] [--cutoff 0.6] [--skin 0.1]
 *                    [--ghost-weight 0.1] [--balance-rounds 5] [-o counts.json]
 */
#include "dd/decomposition.h"
#include "structure/structure.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

namespace
{
struct Frame
{
    dgmx::dd::CellGeometry          geometry;
    std::vector<double>             s;
    std::vector<std::array<int, 3>> wrap;
};

//! Per-rank owned and shell counts of one design at nRanks.
nlohmann::json countDesign(const Frame& f, dgmx::PartitionMethod method, double shell, int nRanks,
                           int balanceRounds, double ghostWeight)
{
    std::vector<double> weights(f.s.size() / 3, 1.0), cost(nRanks);
    std::vector<int>    owned(nRanks), ghosts(nRanks);
    for (int round = 0; round <= balanceRounds; ++round)
    {
        const auto p = dgmx::dd::partitionAtoms(method, f.geometry, f.s, weights, nRanks);
        for (int r = 0; r < nRanks; ++r)
        {
            const auto d = dgmx::dd::buildDomainAtoms(f.geometry, f.s, f.wrap, p, r, shell);
            owned[r]     = d.nOwned;
            ghosts[r]    = static_cast<int>(d.entries.size()) - d.nOwned;
            cost[r]      = owned[r] + ghostWeight * ghosts[r];
        }
        if (round < balanceRounds)
        {
            dgmx::dd::weightsFromTimes(p.owner, cost, weights);
        }
    }
    return { { "ranks", nRanks }, { "owned", owned }, { "shell", ghosts } };
}
} // namespace

int main(int argc, char** argv)
{
    CLI::App         app{ "Owned and ghost atoms per rank of rcb/1-cutoff and slab/2-cutoff designs (JSON)" };
    std::string      structure, output = "-";
    double           cutoff = 0.6, skin = 0.1, ghostWeight = 0.1;
    int              rounds = 5;
    std::vector<int> ranks{ 1, 2, 4, 8, 16, 32, 64 };
    app.add_option("--structure", structure, ".gro file")->required();
    app.add_option("--ranks", ranks, "rank counts");
    app.add_option("--cutoff", cutoff, "model cutoff (nm)");
    app.add_option("--skin", skin, "Verlet skin (nm), added to both shells");
    app.add_option("--ghost-weight", ghostWeight, "cost of a ghost relative to an owned atom (rcb balancing)");
    app.add_option("--balance-rounds", rounds, "rcb re-balancing rounds from the cost model");
    app.add_option("-o,--output", output, "JSON file ('-': stdout)");
    CLI11_PARSE(app, argc, argv);
    try
    {
        const auto          gro = dgmx::structure::readGro(structure);
        std::vector<double> x;
        for (const auto& a : gro.atoms)
        {
            x.insert(x.end(), a.x, a.x + 3);
        }
        Frame f;
        f.geometry = dgmx::dd::makeGeometry(dgmx::Box{ gro.box, true }, x);
        dgmx::dd::toFractional(f.geometry, x, f.s, f.wrap);
        nlohmann::json out = { { "structure", structure },   { "atoms", gro.atoms.size() },
                               { "box_nm", gro.box },         { "cutoff_nm", cutoff },
                               { "skin_nm", skin },           { "ghost_weight", ghostWeight },
                               { "balance_rounds", rounds },  { "ours", nlohmann::json::array() },
                               { "published", nlohmann::json::array() } };
        for (int p : ranks)
        {
            out["ours"].push_back(countDesign(f, dgmx::PartitionMethod::Rcb, cutoff + skin, p, rounds, ghostWeight));
            out["published"].push_back(countDesign(f, dgmx::PartitionMethod::Slab, 2 * cutoff + skin, p, 0, 1.0));
        }
        if (output == "-")
        {
            std::cout << out.dump(1) << "\n";
        }
        else
        {
            std::ofstream(output) << out.dump(1) << "\n";
        }
    }
    catch (const std::exception& e)
    {
        fmt::print(stderr, "partition_counts: {}\n", e.what());
        return 1;
    }
    return 0;
}
