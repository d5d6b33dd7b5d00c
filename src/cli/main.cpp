/*! \file
 * \brief Entry point of the deepmd-gromacs command-line tool. MPI is initialised for every
 * sub-command (a single process runs as a one-rank job), errors become one clear message.
 */
#include "cli/command.h"
#include "common/error.h"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>

namespace dgmx::cli
{
std::vector<CommandRegistration>& commandRegistry()
{
    static std::vector<CommandRegistration> registry;
    return registry;
}

void requireOneProcess(const std::string& command)
{
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > 1)
    {
        throw Error("`" + command + "` is a serial command; run it without mpirun (or with -np 1)");
    }
}
} // namespace dgmx::cli

int main(int argc, char** argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);

    CLI::App app{ "deepmd-gromacs: DeePMD-kit models in GROMACS, inference spread over all MPI ranks" };
    app.require_subcommand(1);
    auto& registry = dgmx::cli::commandRegistry();
    std::sort(registry.begin(), registry.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    std::map<CLI::App*, std::function<int()>> runners;
    for (auto& command : registry)
    {
        auto* sub = app.add_subcommand(command.name);
        runners[sub] = command.setup(*sub);
    }

    int exitCode = 0;
    try
    {
        app.parse(argc, argv);
        for (auto* sub : app.get_subcommands())
        {
            exitCode = runners.at(sub)();
        }
    }
    catch (const CLI::ParseError& e)
    {
        exitCode = (rank == 0) ? app.exit(e) : e.get_exit_code();
    }
    catch (const std::exception& e)
    {
        // Every rank reaches here with the same message when the failure was agreed
        // collectively; print once per rank so no failing rank is silent.
        std::fprintf(stderr, "deepmd-gromacs: error (rank %d): %s\n", rank, e.what());
        exitCode = 1;
    }
    if (exitCode != 0)
    {
        int size = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        if (size > 1)
        {
            MPI_Abort(MPI_COMM_WORLD, exitCode);
        }
    }
    MPI_Finalize();
    return exitCode;
}
