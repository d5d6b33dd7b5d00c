/*! \file
 * \brief Backend factory (see factory.h).
 */
#include "backends/factory.h"

#include "backends/deepmd/deepmd_backend.h"
#include "backends/native/native_backend.h"
#include "backends/node_placement.h"
#include "backends/reference/reference_potential.h"
#include "common/error.h"

#include <sched.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

namespace dgmx
{
namespace
{
//! The native engine's threads: the option, else OMP_NUM_THREADS, else the usable cores
//! divided by the ranks of this node (as the DeePMD-kit backend decides).
int nativeThreads(int option, MPI_Comm comm)
{
    if (option > 0) return option;
    if (const char* env = std::getenv("OMP_NUM_THREADS"); env != nullptr && std::atoi(env) > 0)
    {
        return std::atoi(env);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    const int cores = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                                    : static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, cores / std::max(1, nodePlacement(comm).nodeSize));
}
} // namespace

std::unique_ptr<IBackend> createBackend(const BackendOptions& options, MPI_Comm comm)
{
    if (options.model == "reference")
    {
        return makeReferenceBackend();
    }
    const bool dpFile = std::filesystem::path(options.model).extension() == ".dp";
    if (options.backend == "native" || (options.backend == "auto" && dpFile))
    {
        if (!dpFile)
        {
            throw Error(options.model + ": the native backend reads DeePMD-kit's .dp files; convert "
                        "the model with `deepmd-gromacs convert " + options.model + " model.dp`, or "
                        "use backend = deepmd");
        }
        return makeNativeBackend(options.model, nativeThreads(options.ompThreads, comm), options.tabulateEmbedding);
    }
    if (options.backend != "auto" && options.backend != "deepmd")
    {
        throw Error("backend '" + options.backend + "': expected auto, native or deepmd");
    }
    if (options.tabulateEmbedding)
    {
        throw Error(options.model + ": tabulate_embedding applies to the native engine (.dp models); "
                    "DeePMD-kit compresses its own models: `dp --pt compress -i model.pth -o "
                    "model-compressed.pth`, or remove tabulate_embedding");
    }
    return makeDeepmdBackend(options, comm);
}

std::optional<ModelInfo> inspectModel(const BackendOptions& options)
{
    if (options.model == "reference")
    {
        return std::nullopt;
    }
    return inspectDeepmdModel(options.model);
}
} // namespace dgmx
