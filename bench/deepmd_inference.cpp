/*! \file
 * \brief Benchmark of the DeePMD-kit backend alone on one rank: time per evaluation and per
 * atom of a model on a periodic water-density system (jittered cubic lattice, H/O with some
 * C, N, S), ghosts and neighbour list built once by the test helper (tests/backends). With
 * --rss it instead reports resident memory before and after many evaluations.
 *
 *   deepmd_inference_bench --model M.pth [--atoms 15000] [--evals 5] [--warmup 1]
 *                          [--chunks 1] [--rss 10000]
 */
#include "backends/deepmd/deepmd_backend.h"
#include "backends/domain_builder.h"
#include "common/error.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <random>

namespace
{
long statusKiB(const char* field)
{
    std::ifstream status("/proc/self/status");
    std::string   line;
    while (std::getline(status, line))
    {
        if (line.rfind(field, 0) == 0)
        {
            return std::stol(line.substr(std::string(field).size()));
        }
    }
    return -1;
}

long residentKiB()
{
    return statusKiB("VmRSS:");
}

int typeIndex(const std::vector<std::string>& map, const std::string& element)
{
    for (std::size_t i = 0; i < map.size(); ++i)
    {
        if (map[i] == element)
        {
            return static_cast<int>(i);
        }
    }
    throw dgmx::Error("the model has no type " + element);
}
} // namespace

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    std::string model;
    int         atoms = 15000, evals = 5, warmup = 1, chunks = 1, rss = 0;
    CLI::App    app{ "DeePMD-kit backend benchmark (one rank)" };
    app.add_option("--model", model, "DeePMD-kit model file")->required();
    app.add_option("--atoms", atoms, "approximate number of atoms");
    app.add_option("--evals", evals, "timed evaluations");
    app.add_option("--warmup", warmup, "untimed evaluations first");
    app.add_option("--chunks", chunks, "evaluate the system as this many slabs in sequence (memory)");
    app.add_option("--rss", rss, "instead: this many evaluations, report resident memory growth");
    CLI11_PARSE(app, argc, argv);
    int rc = 0;
    try
    {
        dgmx::BackendOptions options;
        options.model = model;
        auto backend  = dgmx::makeDeepmdBackend(options, MPI_COMM_WORLD);
        fmt::print("{}\n", backend->describe());
        const auto map = backend->typeMap();

        // Jittered cubic lattice at water density (100 atoms/nm^3).
        const int    side    = static_cast<int>(std::lround(std::cbrt(static_cast<double>(atoms))));
        const double spacing = 0.215;
        const double length  = side * spacing;
        std::mt19937_64                        rng(42);
        std::uniform_real_distribution<double> jitter(-0.03, 0.03);
        std::vector<double>                    x;
        std::vector<int>                       types;
        const int h = typeIndex(map, "H"), o = typeIndex(map, "O"), c = typeIndex(map, "C"),
                  n = typeIndex(map, "N"), s = typeIndex(map, "S");
        for (int i = 0; i < side; ++i)
        {
            for (int j = 0; j < side; ++j)
            {
                for (int k = 0; k < side; ++k)
                {
                    const int id = static_cast<int>(types.size());
                    x.insert(x.end(), { (i + 0.5) * spacing + jitter(rng), (j + 0.5) * spacing + jitter(rng),
                                        (k + 0.5) * spacing + jitter(rng) });
                    types.push_back(id % 50 == 7 ? c : id % 97 == 3 ? n : id % 389 == 5 ? s : id % 3 == 0 ? o : h);
                }
            }
        }
        const std::array<double, 9> box{ length, 0, 0, 0, length, 0, 0, 0, length };
        const auto domain = dgmx::test::buildDomain(x, types, box, backend->cutoff(), 0.1);
        const int  total  = domain.nOwned;
        fmt::print("system: {} atoms, box {:.3f} nm, {} ghosts, {:.1f} listed neighbours/atom (cutoff+skin {:.2f} nm)\n",
                   total, length, domain.nGhost,
                   static_cast<double>(domain.list.indices.size()) / total, backend->cutoff() + 0.1);

        // Slabs along x: owned atoms of the slab, all others within reach as ghosts.
        std::vector<dgmx::test::Domain> parts;
        if (chunks <= 1)
        {
            parts.push_back(domain);
        }
        else
        {
            const double reach = backend->cutoff() + 0.1;
            for (int p = 0; p < chunks; ++p)
            {
                const double lo = length * p / chunks, hi = length * (p + 1) / chunks;
                dgmx::test::Domain part;
                std::vector<int>   local(domain.nOwned + domain.nGhost, -1);
                auto add = [&](int i) {
                    local[i] = static_cast<int>(part.types.size());
                    part.positions.insert(part.positions.end(), &domain.positions[3 * i], &domain.positions[3 * i + 3]);
                    part.types.push_back(domain.types[i]);
                };
                for (int i = 0; i < domain.nOwned; ++i)
                {
                    if (domain.positions[3 * i] >= lo && domain.positions[3 * i] < hi)
                    {
                        add(i);
                    }
                }
                part.nOwned = static_cast<int>(part.types.size());
                for (int i = 0; i < domain.nOwned + domain.nGhost; ++i)
                {
                    const double xi = domain.positions[3 * i];
                    if (local[i] < 0 && xi >= lo - reach && xi < hi + reach)
                    {
                        add(i);
                    }
                }
                part.nGhost = static_cast<int>(part.types.size()) - part.nOwned;
                part.list.offsets.assign(1, 0);
                for (int i = 0; i < domain.nOwned; ++i)
                {
                    if (local[i] < 0 || local[i] >= part.nOwned)
                    {
                        continue;
                    }
                    for (int k = domain.list.offsets[i]; k < domain.list.offsets[i + 1]; ++k)
                    {
                        part.list.indices.push_back(local[domain.list.indices[k]]);
                    }
                    part.list.offsets.push_back(static_cast<int>(part.list.indices.size()));
                }
                parts.push_back(std::move(part));
            }
        }

        dgmx::BackendOutput out;
        auto                evaluate = [&](bool changed) {
            double energy = 0;
            for (const auto& part : parts)
            {
                backend->compute(dgmx::test::makeInput(part, &box, changed), out);
                energy += out.energy;
            }
            return energy;
        };
        if (rss > 0)
        {
            for (int i = 0; i < std::max(warmup, 100); ++i)
            {
                evaluate(i == 0);
            }
            const long before = residentKiB();
            for (int i = 0; i < rss; ++i)
            {
                evaluate(i % 10 == 0);
            }
            const long after = residentKiB();
            fmt::print("rss: {} KiB after warm-up, {} KiB after {} more evaluations ({:+} KiB)\n",
                       before, after, rss, after - before);
        }
        else
        {
            double energy = 0;
            for (int i = 0; i < warmup; ++i)
            {
                energy = evaluate(i == 0);
            }
            const auto start = std::chrono::steady_clock::now();
            for (int i = 0; i < evals; ++i)
            {
                energy = evaluate(warmup == 0 && i == 0);
            }
            const double seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / evals;
            fmt::print("energy {:.6f} kJ/mol; {} evaluations in {} chunk(s): {:.4f} s per evaluation, "
                       "{:.3f} us per atom; peak RSS {} KiB\n",
                       energy, evals, parts.size(), seconds, 1e6 * seconds / total, statusKiB("VmHWM:"));
        }
    }
    catch (const std::exception& e)
    {
        fmt::print(stderr, "deepmd_inference_bench: {}\n", e.what());
        rc = 1;
    }
    MPI_Finalize();
    return rc;
}
