/*! \file
 * \brief `deepmd-gromacs check-model MODEL`: loads a model the way a run would and reports
 * backend, cutoff, type map, precision, parameter count, whether it is supported (and why
 * not), and the time per evaluation of a small test configuration.
 */
#include "backends/factory.h"
#include "cli/command.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/text.h"

#include <fmt/format.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace dgmx::cli
{
namespace
{
struct CheckModelArgs
{
    std::string model;
    std::string deepmdLibrary;
    int         atoms = 96;
    int         evals = 5;
};

//! Open-boundary cluster of random atoms at least 0.1 nm apart, every type in turn.
double timeSmallConfiguration(IBackend& backend, int nAtoms, int evals, double& energy)
{
    const int                              nTypes = static_cast<int>(backend.typeMap().size());
    const double                           side   = std::cbrt(nAtoms / 50.0); // 50 atoms/nm^3
    std::mt19937_64                        rng(3);
    std::uniform_real_distribution<double> u(0.0, side);
    std::vector<double>                    x;
    std::vector<int>                       types;
    while (static_cast<int>(types.size()) < nAtoms)
    {
        const double p[3] = { u(rng), u(rng), u(rng) };
        bool         ok   = true;
        for (std::size_t j = 0; j < types.size() && ok; ++j)
        {
            const double dx = p[0] - x[3 * j], dy = p[1] - x[3 * j + 1], dz = p[2] - x[3 * j + 2];
            ok = dx * dx + dy * dy + dz * dz > 0.01;
        }
        if (ok)
        {
            x.insert(x.end(), p, p + 3);
            types.push_back(static_cast<int>(types.size()) % nTypes);
        }
    }
    NeighbourList list;
    list.offsets.push_back(0);
    const double rc = backend.cutoff();
    for (int i = 0; i < nAtoms; ++i)
    {
        for (int j = 0; j < nAtoms; ++j)
        {
            const double dx = x[3 * j] - x[3 * i], dy = x[3 * j + 1] - x[3 * i + 1], dz = x[3 * j + 2] - x[3 * i + 2];
            if (j != i && dx * dx + dy * dy + dz * dz < rc * rc)
            {
                list.indices.push_back(j);
            }
        }
        list.offsets.push_back(static_cast<int>(list.indices.size()));
    }
    BackendInput in;
    in.nOwned     = nAtoms;
    in.positions  = x;
    in.types      = types;
    in.neighbours = &list;
    BackendOutput out;
    // Warm-up: TorchScript's profiling executor optimises the graph over the first calls.
    for (int i = 0; i < 3; ++i)
    {
        backend.compute(in, out);
        in.neighboursChanged = false;
    }
    const double start = secondsNow();
    for (int i = 0; i < evals; ++i)
    {
        backend.compute(in, out);
    }
    energy = out.energy;
    return (secondsNow() - start) / evals;
}

//! What the model file tells of itself: format, descriptor, precision, parameters.
template<typename Say>
void sayFileInfo(const Say& say, const std::string& model, const ModelInfo& info)
{
    say(fmt::format("backend:      DeePMD-kit C API ({} file)", info.format));
    say(fmt::format("descriptor:   {}", info.descriptor.empty() ? "unknown (no model definition in the file)" : info.descriptor));
    say(fmt::format("precision:    {}", info.precision.empty() ? "unknown" : info.precision));
    // The C API has no parameter count; make-models writes one beside its models.
    const std::filesystem::path infoPath = std::filesystem::path(model).replace_extension(".info.json");
    std::ifstream               infoFile(infoPath);
    nlohmann::json              infoJson;
    if (infoFile && (infoFile >> infoJson, infoJson.contains("parameters")))
    {
        say(fmt::format("parameters:   {} (counted by DeePMD-kit's Python model in {})",
                        infoJson["parameters"].get<long long>(), infoPath.string()));
    }
    else if (info.tensorBytes)
    {
        say(fmt::format("parameters:   about {} (tensor storage of the archive / 8 bytes: parameters "
                        "plus buffers; the C API does not report a count)",
                        *info.tensorBytes / 8));
    }
    else
    {
        say("parameters:   not available (the C API does not report them and the file is not a "
            "TorchScript archive)");
    }
}

int run(const CheckModelArgs& args)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    auto say = [&](const std::string& line) {
        if (rank == 0)
        {
            fmt::print("{}\n", line);
        }
    };
    say(fmt::format("model:        {}", args.model));
    BackendOptions options;
    options.model         = args.model;
    options.deepmdLibrary = args.deepmdLibrary;
    const bool dpFile = std::filesystem::path(args.model).extension() == ".dp";
    const std::optional<ModelInfo> info = dpFile ? std::nullopt : inspectModel(options); // throws if missing
    if (dpFile)
    {
        say("backend:      native engine (DeePMD-kit .dp file; descriptor, precision and parameters "
            "under details)");
    }
    else if (info)
    {
        sayFileInfo(say, args.model, *info);
    }
    std::unique_ptr<IBackend> backend;
    try
    {
        backend = createBackend(options, MPI_COMM_WORLD);
    }
    catch (const Error& e)
    {
        say(fmt::format("supported:    no\nreason:       {}", e.what()));
        return 2;
    }
    say(fmt::format("cutoff:       {:g} nm", backend->cutoff()));
    say(fmt::format("type map:     {} types: {}", backend->typeMap().size(), joined(backend->typeMap(), " ")));
    say(fmt::format("supported:    yes{}", info && info->messagePassing.has_value()
                                                   ? " (" + info->messagePassingEvidence + ")"
                                                   : ""));
    say(fmt::format("details:      {}", backend->describe()));
    double       energy  = 0;
    const double seconds = timeSmallConfiguration(*backend, args.atoms, args.evals, energy);
    say(fmt::format("timing:       {:.3f} ms per evaluation of {} atoms (open boundaries, mean of {} after 3 warm-up calls; "
                    "energy {:.6f} kJ/mol)",
                    1e3 * seconds, args.atoms, args.evals, energy));
    return 0;
}

const RegisterCommand c_register("check-model", [](CLI::App& app) {
    auto args = std::make_shared<CheckModelArgs>();
    app.description("Load a model as a run would and report what it is and whether it is supported");
    app.add_option("model", args->model, "DeePMD-kit model file, or 'reference'")->required();
    app.add_option("--deepmd-lib", args->deepmdLibrary,
                   "libdeepmd_c.so to use (default: DEEPMD_GROMACS_DEEPMD_LIB, then the venv's deepmd package)");
    app.add_option("--atoms", args->atoms, "atoms in the timing configuration")->check(CLI::Range(1, 100000));
    app.add_option("--evals", args->evals, "timed evaluations")->check(CLI::Range(1, 100000));
    return std::function<int()>([args] { return run(*args); });
});
} // namespace
} // namespace dgmx::cli
