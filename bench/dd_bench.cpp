/*! \file
 * \brief Decomposition micro-benchmark under mpirun: one evaluate() step of a
 * solvated-protein-like system with a trivial backend, so the numbers are the
 * decomposition's own cost, for the Allreduce and SparseExchange force reductions. The
 * manual time is the slowest rank's reduction time (its wait for the slowest rank included);
 * counters give the slowest rank's total step time, phases, and the most collectives in a step. Every rank runs the same fixed iteration count (collectives inside).
 * Example: mpirun -np 4 dd_bench --benchmark_counters_tabular=true
 */
#include "backends/backend.h"
#include "dd/nn_domain_decomposition.h"

#include "system_builder.h"

#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>

namespace
{
//! Costs almost nothing: forces proportional to positions, so the reduction has real data.
class TrivialBackend final : public dgmx::IBackend
{
public:
    double                   cutoff() const override { return 0.6; }
    std::vector<std::string> typeMap() const override { return { "H", "C", "N", "O" }; }
    std::string              describe() const override { return "trivial benchmark backend"; }
    void                     compute(const dgmx::BackendInput& in, dgmx::BackendOutput& out) override
    {
        out.energy = in.nOwned;
        out.forces.resize(in.positions.size());
        for (std::size_t i = 0; i < in.positions.size(); ++i)
        {
            out.forces[i] = 1e-3 * in.positions[i];
        }
    }
};

double maxOverRanks(double v)
{
    double m = 0;
    MPI_Allreduce(&v, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

void stepBenchmark(benchmark::State& state)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const double side = std::cbrt(static_cast<double>(state.range(0)) / 100.0);
    const auto   sys  = dgmx::bench::solvatedBlob(side, 100.0, 135.0, 0.3 * side, 7);
    const int    n    = static_cast<int>(sys.types.size());
    // The host engine's own spatial decomposition: slabs along y, unrelated to the NN one.
    std::vector<int>    held;
    std::vector<double> heldX;
    for (int i = 0; i < n; ++i)
    {
        if (std::min(size - 1, static_cast<int>(sys.x[3 * i + 1] / side * size)) == rank)
        {
            held.push_back(i);
            heldX.insert(heldX.end(), &sys.x[3 * i], &sys.x[3 * i] + 3);
        }
    }
    TrivialBackend              backend;
    dgmx::DecompositionOptions  options;
    options.reduction = state.range(1) == 0 ? dgmx::ForceReduction::Allreduce
                                            : dgmx::ForceReduction::SparseExchange;
    dgmx::NNDomainDecomposition dd(MPI_COMM_WORLD, backend, sys.types, options);
    const dgmx::Box             box{ sys.box, true };
    dd.evaluate(held, heldX, box); // build outside the timing
    double totalSum = 0, gatherSum = 0, searchSum = 0, waitSum = 0, collectivesMax = 0;
    for (auto _ : state)
    {
        auto r = dd.evaluate(held, heldX, box);
        benchmark::DoNotOptimize(r.energy);
        const auto& t = dd.lastTimings();
        state.SetIterationTime(maxOverRanks(t.reduction));
        totalSum += maxOverRanks(t.total);
        gatherSum += maxOverRanks(t.gather);
        searchSum += maxOverRanks(t.neighbourSearch);
        waitSum += maxOverRanks(t.wait);
        collectivesMax = std::max(collectivesMax, maxOverRanks(t.collectives));
    }
    const double perStep         = 1e3 / static_cast<double>(state.iterations());
    state.counters["atoms"]      = n;
    state.counters["ranks"]      = size;
    state.counters["total_ms"]   = totalSum * perStep;
    state.counters["gather_ms"]  = gatherSum * perStep;
    state.counters["search_ms"]  = searchSum * perStep; //!< neighbour search and any rebuild
    state.counters["wait_ms"]    = waitSum * perStep;   //!< part of the reduction time
    state.counters["collectives"] = collectivesMax;     //!< most in any timed step
    state.SetLabel(state.range(1) == 0 ? "Allreduce" : "SparseExchange");
}
BENCHMARK(stepBenchmark)
        ->ArgsProduct({ { 3000, 15000, 60000 }, { 0, 1 } })
        ->ArgNames({ "atoms", "sparse" })
        ->Iterations(40)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);

class SilentReporter final : public benchmark::BenchmarkReporter
{
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>&) override {}
};
} // namespace

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    benchmark::Initialize(&argc, argv);
    if (rank == 0)
    {
        benchmark::RunSpecifiedBenchmarks();
    }
    else
    {
        SilentReporter silent;
        benchmark::RunSpecifiedBenchmarks(&silent);
    }
    benchmark::Shutdown();
    MPI_Finalize();
    return 0;
}
