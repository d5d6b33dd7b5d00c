/*! \file
 * \brief Cost of the two per-step collectives as the atom count grows (run under mpirun):
 * the coordinate gather (MPI_Allgatherv of 3N doubles, N/P atoms from each rank) and the
 * force reduction (MPI_Allreduce of 3N doubles), the slowest rank's time, median over the
 * repetitions and the fastest (on a busy machine the minimum is the least disturbed). JSON on rank 0, for the throughput model's latency + bytes / bandwidth.
 *
 *   mpirun -np 2 collective_cost [--atoms 1000 10000 100000 1000000] [--repeats 10] [-o c.json]
 */
#include <CLI/CLI.hpp>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <vector>

namespace
{
struct Times
{
    double median, min;
};

template<class Op>
Times slowestRank(int repeats, Op op)
{
    std::vector<double> t;
    op(); // warm-up: buffers and connections
    for (int r = 0; r < repeats; ++r)
    {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        op();
        double mine = MPI_Wtime() - t0, slowest = 0;
        MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        t.push_back(slowest);
    }
    std::sort(t.begin(), t.end());
    return { t[t.size() / 2], t.front() };
}
} // namespace

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    CLI::App          app{ "Coordinate gather and force reduction cost vs atoms (JSON)" };
    std::vector<long> atoms{ 1000, 3000, 10000, 30000, 100000, 300000, 1000000 };
    int               repeats = 20;
    std::string       output  = "-";
    app.add_option("--atoms", atoms, "atom counts");
    app.add_option("--repeats", repeats, "repetitions per size (minimum and median kept)");
    app.add_option("-o,--output", output, "JSON file ('-': stdout)");
    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError& e)
    {
        MPI_Finalize();
        return app.exit(e);
    }
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    nlohmann::json out = { { "ranks", size }, { "repeats", repeats }, { "points", nlohmann::json::array() } };
    for (long n : atoms)
    {
        std::vector<int> counts(size), displs(size);
        for (int r = 0; r < size; ++r)
        {
            counts[r] = static_cast<int>(3 * (n * (r + 1) / size - n * r / size));
            displs[r] = static_cast<int>(3 * (n * r / size));
        }
        std::vector<double> all(3 * n, 1.0), mine(counts[rank], 2.0), sum(3 * n);
        const Times         gather = slowestRank(repeats, [&] {
            MPI_Allgatherv(mine.data(), counts[rank], MPI_DOUBLE, all.data(), counts.data(), displs.data(),
                           MPI_DOUBLE, MPI_COMM_WORLD);
        });
        const Times reduce = slowestRank(repeats, [&] {
            MPI_Allreduce(all.data(), sum.data(), static_cast<int>(3 * n), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        });
        out["points"].push_back({ { "atoms", n }, { "bytes", 24 * n }, { "gather_s", gather.min }, { "reduce_s", reduce.min },
                                    { "gather_median_s", gather.median }, { "reduce_median_s", reduce.median } });
    }
    if (rank == 0)
    {
        if (output == "-")
        {
            std::cout << out.dump(1) << "\n";
        }
        else
        {
            std::ofstream(output) << out.dump(1) << "\n";
        }
    }
    MPI_Finalize();
    return 0;
}
