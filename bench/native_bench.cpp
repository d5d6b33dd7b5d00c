/*! \file
 * \brief Native engine against DeePMD-kit's PyTorch path (our DeePMD-kit backend, C API) on
 * the same model, system and threads, interleaved in one process so that a busy machine
 * slows both alike: rounds of `--steps` evaluations of each in turn; prints atom-steps per
 * second of each (median over rounds) and the median of the per-round ratios.
 *
 *   native_bench --dp M.dp --pth M.pth [--atoms 512] [--threads 1] [--rounds 5] [--steps 3]
 *   native_bench --dp M.dp --native-only ...   (for callgrind: the native engine alone)
 *   native_bench --dp M.dp --tabulate --pth M-compressed.pth ...   (both with tabulated embeddings)
 */
#include "backends/deepmd/deepmd_backend.h"
#include "backends/domain_builder.h"
#include "backends/native/native_backend.h"
#include "common/error.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <random>

namespace
{
int typeIndex(const std::vector<std::string>& map, const std::string& element)
{
    const auto it = std::find(map.begin(), map.end(), element);
    if (it == map.end()) throw dgmx::Error("the model has no type " + element);
    return static_cast<int>(it - map.begin());
}

//! Jittered cubic lattice at water density (100 atoms/nm^3): 2/3 H, 1/3 O, some C and N.
dgmx::test::Domain waterLikeDomain(int atoms, const std::vector<std::string>& map, double cutoff)
{
    const int    side    = static_cast<int>(std::lround(std::cbrt(static_cast<double>(atoms))));
    const double spacing = 0.215, length = side * spacing;
    std::mt19937_64                        rng(42);
    std::uniform_real_distribution<double> jitter(-0.03, 0.03);
    std::vector<double>                    x;
    std::vector<int>                       types;
    const int h = typeIndex(map, "H"), o = typeIndex(map, "O"), c = typeIndex(map, "C"), n = typeIndex(map, "N");
    for (int i = 0; i < side * side * side; ++i)
    {
        const int a = i / (side * side), b = (i / side) % side, k = i % side;
        x.insert(x.end(), { (a + 0.5) * spacing + jitter(rng), (b + 0.5) * spacing + jitter(rng),
                            (k + 0.5) * spacing + jitter(rng) });
        types.push_back(i % 50 == 7 ? c : i % 97 == 3 ? n : i % 3 == 0 ? o : h);
    }
    const std::array<double, 9> box{ length, 0, 0, 0, length, 0, 0, 0, length };
    return dgmx::test::buildDomain(x, types, box, cutoff, 0.1);
}

double processCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Timing
{
    double wall = 0, cpu = 0; //!< seconds; cpu: of all threads of the process
};

//! Wall and CPU seconds for `steps` evaluations (the list is reused after the first, as in MD).
Timing timeSteps(dgmx::IBackend& backend, const dgmx::test::Domain& d, int steps)
{
    dgmx::BackendOutput out;
    const auto          start = std::chrono::steady_clock::now();
    const double        cpu0  = processCpuSeconds();
    for (int s = 0; s < steps; ++s)
    {
        backend.compute(dgmx::test::makeInput(d, nullptr, s == 0), out);
    }
    return { std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
             processCpuSeconds() - cpu0 };
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
} // namespace

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    std::string dp, pth;
    int         atoms = 512, threads = 1, rounds = 5, steps = 3;
    bool        nativeOnly = false, tabulate = false;
    CLI::App    app{ "native engine vs DeePMD-kit (PyTorch) on the same model, interleaved" };
    app.add_option("--dp", dp, "the model as .dp (native engine)")->required();
    app.add_option("--pth", pth, "the same model as .pth (DeePMD-kit backend)");
    app.add_option("--atoms", atoms, "approximate number of atoms");
    app.add_option("--threads", threads, "threads of both (OpenMP; DeePMD-kit intra-op)");
    app.add_option("--rounds", rounds, "interleaved rounds");
    app.add_option("--steps", steps, "evaluations per round and engine");
    app.add_flag("--native-only", nativeOnly, "run the native engine only (profiling)");
    app.add_flag("--tabulate", tabulate, "native engine with tabulated embedding nets (tabulate_embedding)");
    CLI11_PARSE(app, argc, argv);
    int rc = 0;
    try
    {
        auto native = dgmx::makeNativeBackend(dp, threads, tabulate);
        std::unique_ptr<dgmx::IBackend> deepmd;
        if (!nativeOnly)
        {
            dgmx::BackendOptions options;
            options.model          = pth;
            options.ompThreads     = threads;
            options.intraOpThreads = threads;
            deepmd                 = dgmx::makeDeepmdBackend(options, MPI_COMM_WORLD);
        }
        const auto d = waterLikeDomain(atoms, native->typeMap(), native->cutoff());
        fmt::print("{}\nsystem: {} atoms, {} ghosts, {:.1f} listed neighbours/atom; {} thread(s)\n",
                   native->describe(), d.nOwned, d.nGhost,
                   static_cast<double>(d.list.indices.size()) / d.nOwned, threads);
        // Warm-up: the engine's buffers; PyTorch's JIT profiles the first calls.
        timeSteps(*native, d, 1);
        if (deepmd) timeSteps(*deepmd, d, 3);
        // Rates per wall second, and per CPU second of the process (less sensitive to other
        // processes taking the cores; equal to wall time on an idle machine at 1 thread).
        std::vector<double> nativeRate, deepmdRate, ratio, nativeCpu, deepmdCpu, ratioCpu;
        for (int r = 0; r < rounds; ++r)
        {
            const Timing tn = timeSteps(*native, d, steps);
            nativeRate.push_back(d.nOwned * steps / tn.wall);
            nativeCpu.push_back(d.nOwned * steps / tn.cpu);
            if (!deepmd) continue;
            const Timing td = timeSteps(*deepmd, d, steps);
            deepmdRate.push_back(d.nOwned * steps / td.wall);
            deepmdCpu.push_back(d.nOwned * steps / td.cpu);
            ratio.push_back(nativeRate.back() / deepmdRate.back());
            ratioCpu.push_back(nativeCpu.back() / deepmdCpu.back());
        }
        fmt::print("native: {:.4g} atom-steps/s (per CPU-s {:.4g})", median(nativeRate), median(nativeCpu));
        if (deepmd)
        {
            fmt::print("   deepmd (PyTorch): {:.4g} atom-steps/s (per CPU-s {:.4g})   ratio native/deepmd: wall {:.2f} "
                       "(min {:.2f}, max {:.2f}), CPU {:.2f} (medians of {} rounds)",
                       median(deepmdRate), median(deepmdCpu), median(ratio), *std::min_element(ratio.begin(), ratio.end()),
                       *std::max_element(ratio.begin(), ratio.end()), median(ratioCpu), rounds);
        }
        fmt::print("\n");
    }
    catch (const std::exception& e)
    {
        fmt::print(stderr, "native_bench: {}\n", e.what());
        rc = 1;
    }
    MPI_Finalize();
    return rc;
}
