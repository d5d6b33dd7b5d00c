/*! \file
 * \brief `deepmd-gromacs eval`: energy, forces and virial of one structure through the
 * decoupled domain decomposition on all ranks. Each rank hands a different (round-robin)
 * subset of the NN atoms to evaluate(), exercising the general path a simulation takes.
 *
 * Output JSON (rank 0): energy (kJ/mol); forces (kJ/mol/nm) for every atom of the .gro in
 * file order, atoms outside the NN group get zero; virial (kJ/mol, GROMACS convention
 * -1/2 sum x (x) f, row-major 3x3); the decomposition statistics and timings.
 */
#include "backends/factory.h"
#include "cli/command.h"
#include "common/error.h"
#include "dd/collective_error.h"
#include "dd/nn_domain_decomposition.h"
#include "structure/nn_selection.h"
#include "structure/structure.h"

#include <fmt/format.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace dgmx::cli
{
namespace
{
struct EvalArgs
{
    std::string model, structure, index, group, output;
    std::string decomposition = "rcb", reduction = "allreduce", typeMap, deepmdLibrary, backend = "auto";
    double      skin = 0.1;
    bool        noPbc = false;
};

//! What every rank reads before the evaluation.
struct EvalSystem
{
    structure::GroStructure   gro;
    std::vector<int>          nnAtoms; //!< .gro indices of the NN atoms, NN order
    std::vector<int>          types;   //!< model type per NN atom
    std::unique_ptr<IBackend> backend;
};

std::vector<std::string> splitList(const std::string& s)
{
    std::vector<std::string> out;
    std::stringstream        ss(s);
    std::string              item;
    while (std::getline(ss, item, ','))
    {
        if (!item.empty())
        {
            out.push_back(item);
        }
    }
    return out;
}

//! The model's type map, or the names given with --type-map in its place.
std::vector<std::string> typeNames(const EvalArgs& args, const IBackend& backend)
{
    std::vector<std::string> names = backend.typeMap();
    if (args.typeMap.empty())
    {
        return names;
    }
    const auto given = splitList(args.typeMap);
    if (given.size() > names.size())
    {
        throw Error(fmt::format("--type-map names {} types but the model has {}", given.size(), names.size()));
    }
    return given;
}

//! Structure, NN atoms, backend and types; throws (call collectively).
EvalSystem loadSystem(const EvalArgs& args, MPI_Comm comm)
{
    EvalSystem s;
    s.gro = structure::readGro(args.structure);
    structure::NNGroupChoice group;
    group.indexFile = args.index;
    group.group     = args.group;
    s.nnAtoms = structure::selectNNAtoms(group, static_cast<int>(s.gro.atoms.size()), args.structure);
    BackendOptions options;
    options.model         = args.model;
    options.deepmdLibrary = args.deepmdLibrary;
    options.backend       = args.backend;
    s.backend             = createBackend(options, comm);
    std::vector<std::string> elements;
    for (const int a : s.nnAtoms)
    {
        elements.push_back(structure::guessElement(s.gro.atoms[a].atomName, s.gro.atoms[a].residueName));
    }
    s.types = structure::nnAtomTypes(s.nnAtoms, elements, typeNames(args, *s.backend),
                                     { "the atom and residue names in " + args.structure, args.model });
    return s;
}

DecompositionOptions decompositionOptions(const EvalArgs& args)
{
    DecompositionOptions options;
    options.method    = args.decomposition == "slab" ? PartitionMethod::Slab : PartitionMethod::Rcb;
    options.reduction = args.reduction == "allreduce" ? ForceReduction::Allreduce : ForceReduction::SparseExchange;
    options.skin      = args.skin;
    return options;
}

//! The forces of every rank's held NN atoms on rank 0, for every atom of the .gro in file
//! order (zero outside the NN group); empty on the other ranks.
std::vector<double> forcesOnRoot(const std::vector<int>& held, const std::vector<double>& heldForces,
                                 const std::vector<int>& nnAtoms, std::size_t nAtoms, MPI_Comm comm)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const int        mine = static_cast<int>(held.size());
    std::vector<int> counts(size), displs(size, 0), counts3(size), displs3(size, 0);
    MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
    for (int r = 0; r < size; ++r)
    {
        displs[r]  = r == 0 ? 0 : displs[r - 1] + counts[r - 1];
        counts3[r] = 3 * counts[r];
        displs3[r] = 3 * displs[r];
    }
    std::vector<int>    allHeld(rank == 0 ? nnAtoms.size() : 0);
    std::vector<double> allForces(3 * allHeld.size());
    MPI_Gatherv(held.data(), mine, MPI_INT, allHeld.data(), counts.data(), displs.data(), MPI_INT, 0, comm);
    MPI_Gatherv(heldForces.data(), 3 * mine, MPI_DOUBLE, allForces.data(), counts3.data(), displs3.data(),
                MPI_DOUBLE, 0, comm);
    std::vector<double> f(rank == 0 ? 3 * nAtoms : 0, 0.0);
    for (std::size_t j = 0; j < allHeld.size(); ++j)
    {
        std::copy_n(&allForces[3 * j], 3, &f[3 * static_cast<std::size_t>(nnAtoms[allHeld[j]])]);
    }
    return f;
}

nlohmann::json resultJson(const EvalArgs& args, const EvalSystem& system, const StepResult& result,
                          const std::vector<double>& f, const NNDomainDecomposition& dd)
{
    const StepTimings timings = dd.lastTimings();
    const auto        stats   = dd.stats();
    nlohmann::json    forces  = nlohmann::json::array();
    for (std::size_t i = 0; i < system.gro.atoms.size(); ++i)
    {
        forces.push_back({ f[3 * i], f[3 * i + 1], f[3 * i + 2] });
    }
    nlohmann::json out;
    out["backend"]     = system.backend->describe();
    out["structure"]   = args.structure;
    out["units"]       = { { "energy", "kJ/mol" }, { "forces", "kJ/mol/nm" }, { "virial", "kJ/mol" } };
    out["n_atoms"]     = system.gro.atoms.size();
    out["n_nn_atoms"]  = system.nnAtoms.size();
    out["energy"]      = result.energy;
    out["forces"]      = forces;
    out["forces_note"] = "every atom of the structure in file order; atoms outside the NN group are zero";
    out["virial"]      = { { result.virial[0], result.virial[1], result.virial[2] },
                           { result.virial[3], result.virial[4], result.virial[5] },
                           { result.virial[6], result.virial[7], result.virial[8] } };
    out["decomposition"] = { { "method", args.decomposition },
                             { "reduction", args.reduction },
                             { "ranks", stats.nRanks },
                             { "owned_per_rank", stats.ownedPerRank },
                             { "ghosts_per_rank", stats.ghostsPerRank },
                             { "inference_seconds_per_rank", stats.computeSecondsPerRank },
                             { "rebuilds", stats.rebuilds },
                             { "rebalances", stats.rebalances } };
    out["timings_rank0_seconds"] = { { "gather", timings.gather },
                                     { "neighbour_search", timings.neighbourSearch },
                                     { "inference", timings.inference },
                                     { "reduction", timings.reduction },
                                     { "total", timings.total } };
    return out;
}

int run(const EvalArgs& args)
{
    const MPI_Comm comm = MPI_COMM_WORLD; // the CLI owns the job; the library gets it as a parameter
    int            rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    EvalSystem system;
    runCollectively(comm, [&] { system = loadSystem(args, comm); });

    Box box;
    box.vectors        = system.gro.box;
    const bool zeroBox = std::all_of(box.vectors.begin(), box.vectors.end(), [](double v) { return v == 0; });
    box.periodic       = !(args.noPbc || zeroBox);
    // Round-robin: NN atom k is held by rank k % size.
    std::vector<int>    held;
    std::vector<double> heldX;
    for (int k = rank; k < static_cast<int>(system.nnAtoms.size()); k += size)
    {
        held.push_back(k);
        const double* x = system.gro.atoms[system.nnAtoms[k]].x;
        heldX.insert(heldX.end(), x, x + 3);
    }
    NNDomainDecomposition dd(comm, *system.backend, system.types, decompositionOptions(args));
    const StepResult      result = dd.evaluate(held, heldX, box);
    const std::vector<double> f =
            forcesOnRoot(held, result.forces, system.nnAtoms, system.gro.atoms.size(), comm);
    if (rank != 0)
    {
        return 0;
    }
    std::ofstream file(args.output);
    if (!file)
    {
        throw Error("cannot write '" + args.output + "'; check the directory exists and is writable");
    }
    file << resultJson(args, system, result, f, dd).dump(2) << '\n';
    fmt::print("energy {:.10g} kJ/mol, {} NN atoms on {} ranks, written to {}\n", result.energy,
               system.nnAtoms.size(), size, args.output);
    return 0;
}

const RegisterCommand c_register("eval", [](CLI::App& app) {
    auto args = std::make_shared<EvalArgs>();
    app.description("Energy, forces and virial of a structure through the decomposition on all ranks");
    app.add_option("--model", args->model, "DeePMD-kit model file, or 'reference'")->required();
    app.add_option("--structure", args->structure, "structure (.gro)")->required();
    app.add_option("--backend", args->backend, "auto (.dp: native engine, else DeePMD-kit), native or deepmd")
            ->check(CLI::IsMember({ "auto", "native", "deepmd" }));
    app.add_option("--index", args->index, "index file (.ndx) with the NN group");
    app.add_option("--group", args->group, "NN group in the index file (default: all atoms)");
    app.add_option("--decomposition", args->decomposition, "rcb or slab")
            ->check(CLI::IsMember({ "rcb", "slab" }));
    app.add_option("--reduction", args->reduction, "force reduction: allreduce (default) or sparse")
            ->check(CLI::IsMember({ "sparse", "allreduce" }));
    app.add_option("--type-map", args->typeMap, "element names per model type, comma separated");
    app.add_option("--skin", args->skin, "Verlet skin (nm)")->check(CLI::NonNegativeNumber);
    app.add_flag("--no-pbc", args->noPbc, "open boundaries (ignore the box)");
    app.add_option("--deepmd-lib", args->deepmdLibrary, "libdeepmd_c.so to use");
    app.add_option("--output", args->output, "output JSON")->required();
    return std::function<int()>([args] { return run(*args); });
});
} // namespace
} // namespace dgmx::cli
