/*! \file
 * \brief DeePMD-kit inference time as a function of owned atoms and, separately, of ghost
 * atoms, one rank, for the throughput model (bench/model/throughput.py).
 *
 * A cube of owned atoms at water density (jittered lattice, O/H in 1:2) sits in a shell of
 * ghost atoms of width `shell` (no periodic images: the counts are exactly what is passed).
 * Scan 1: owned atoms vary, shell = cutoff + skin. Scan 2: owned fixed, the shell widens so
 * only the ghost count grows. Each point: best of `repeats` evaluations after two warm-ups,
 * neighbour list unchanged between repeats (as between list rebuilds in a run). Wall time
 * and process CPU time (all threads; with one thread the robust figure on a busy machine). JSON out.
 *
 *   inference_scan --model M.pth [--owned 64 128 256] [--ghost-owned 125]
 *                  [--shells 0.7 1.0 1.3] [--repeats 2] [-o scan.json]
 */
#include "backends/factory.h"
#include "dd/decomposition.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>

namespace
{
constexpr double c_spacing = 0.215; // nm: 100 atoms/nm^3, water's atom density

struct Cluster
{
    int                 nOwned = 0;
    std::vector<double> positions; // owned first, then ghosts
    std::vector<int>    types;
};

//! Owned cube of about \p owned atoms, ghosts within \p shell (nm) of it (cube faces).
Cluster makeCluster(int owned, double shell, int typeO, int typeH)
{
    const int    side  = std::max(1, static_cast<int>(std::lround(std::cbrt(static_cast<double>(owned)))));
    const double inner = side * c_spacing;
    const int    pad   = static_cast<int>(std::ceil(shell / c_spacing));
    std::mt19937_64                        rng(42);
    std::uniform_real_distribution<double> jitter(-0.03, 0.03);
    Cluster                                owners, ghosts;
    for (int i = -pad; i < side + pad; ++i)
        for (int j = -pad; j < side + pad; ++j)
            for (int k = -pad; k < side + pad; ++k)
            {
                const double p[3] = { (i + 0.5) * c_spacing + jitter(rng), (j + 0.5) * c_spacing + jitter(rng),
                                      (k + 0.5) * c_spacing + jitter(rng) };
                double       outside = 0; // distance from the owned cube along the worst axis
                for (double v : p)
                {
                    outside = std::max({ outside, -v, v - inner });
                }
                Cluster& c = outside <= 0 ? owners : ghosts;
                if (outside > shell)
                {
                    continue;
                }
                c.positions.insert(c.positions.end(), p, p + 3);
                c.types.push_back((i + j + k) % 3 == 0 ? typeO : typeH);
            }
    owners.nOwned = static_cast<int>(owners.types.size());
    owners.positions.insert(owners.positions.end(), ghosts.positions.begin(), ghosts.positions.end());
    owners.types.insert(owners.types.end(), ghosts.types.begin(), ghosts.types.end());
    return owners;
}

struct Timing
{
    double wall, cpu; // best of the repeats, seconds
};

Timing bestSeconds(dgmx::IBackend& backend, const Cluster& c, double listCutoff, int repeats)
{
    const auto         list = dgmx::dd::buildNeighbourList(c.positions, c.nOwned, listCutoff);
    dgmx::BackendInput in;
    in.nOwned     = c.nOwned;
    in.nGhost     = static_cast<int>(c.types.size()) - c.nOwned;
    in.positions  = c.positions;
    in.types      = c.types;
    in.neighbours = &list;
    dgmx::BackendOutput out;
    backend.compute(in, out); // the list is new
    in.neighboursChanged = false;
    backend.compute(in, out); // TorchScript's profiling executor optimises on the second call
    Timing best{ 1e300, 1e300 };
    for (int r = 0; r < repeats; ++r)
    {
        const auto    t0 = std::chrono::steady_clock::now();
        const clock_t c0 = std::clock();
        backend.compute(in, out);
        best.cpu  = std::min(best.cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        best.wall = std::min(best.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

int typeOf(const std::vector<std::string>& map, const std::string& element)
{
    const auto it = std::find(map.begin(), map.end(), element);
    return it == map.end() ? 0 : static_cast<int>(it - map.begin());
}
} // namespace

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    CLI::App            app{ "DeePMD-kit inference time vs owned and vs ghost atoms (JSON)" };
    std::string         model, output = "-";
    std::vector<int>    owned{ 64, 125, 216 };
    int                 ghostOwned = 125, repeats = 2;
    double              skin = 0.1;
    std::vector<double> shells{ 0.7, 1.0, 1.3 };
    app.add_option("--model", model, "DeePMD-kit model file")->required();
    app.add_option("--owned", owned, "owned-atom counts of scan 1 (rounded to cubes)");
    app.add_option("--ghost-owned", ghostOwned, "owned atoms of scan 2");
    app.add_option("--shells", shells, "ghost-shell widths (nm) of scan 2");
    app.add_option("--skin", skin, "Verlet skin (nm): scan 1 shell and list cutoff = cutoff + skin");
    app.add_option("--repeats", repeats, "timed evaluations per point (best kept)");
    app.add_option("-o,--output", output, "JSON file ('-': stdout)");
    CLI11_PARSE(app, argc, argv);
    int rc = 0;
    try
    {
        dgmx::BackendOptions options;
        options.model     = model;
        auto         backend = dgmx::createBackend(options, MPI_COMM_SELF);
        const double reach   = backend->cutoff() + skin;
        const int    o = typeOf(backend->typeMap(), "O"), h = typeOf(backend->typeMap(), "H");
        nlohmann::json out = { { "model", model }, { "backend", backend->describe() }, { "cutoff_nm", backend->cutoff() },
                               { "skin_nm", skin }, { "repeats", repeats }, { "points", nlohmann::json::array() } };
        auto measure = [&](int n, double shell, const char* scan) {
            const auto   c = makeCluster(n, shell, o, h);
            const Timing t = bestSeconds(*backend, c, reach, repeats);
            const int    g = static_cast<int>(c.types.size()) - c.nOwned;
            out["points"].push_back({ { "scan", scan }, { "owned", c.nOwned }, { "ghosts", g }, { "shell_nm", shell },
                                       { "seconds", t.wall }, { "cpu_seconds", t.cpu } });
            fmt::print(stderr, "{}: {} owned + {} ghosts: {:.4f} s wall, {:.4f} s CPU\n", scan, c.nOwned, g, t.wall, t.cpu);
        };
        for (int n : owned)
        {
            measure(n, reach, "owned");
        }
        for (double shell : shells)
        {
            measure(ghostOwned, shell, "ghosts");
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
        fmt::print(stderr, "inference_scan: {}\n", e.what());
        rc = 1;
    }
    MPI_Finalize();
    return rc;
}
