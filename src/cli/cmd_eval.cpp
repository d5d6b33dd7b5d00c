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

int run(const EvalArgs& args)
{
    const MPI_Comm comm = MPI_COMM_WORLD; // the CLI owns the job; the library gets it as a parameter
    int            rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);

    structure::GroStructure          gro;
    std::vector<int>          nnAtoms; // .gro indices of the NN atoms, NN order
    std::vector<int>          types;
    std::unique_ptr<IBackend> backend;
    DecompositionOptions      options;
    runCollectively(comm, [&] {
        options.method = args.decomposition == "slab" ? PartitionMethod::Slab : PartitionMethod::Rcb;
        options.reduction = args.reduction == "allreduce" ? ForceReduction::Allreduce : ForceReduction::SparseExchange;
        options.skin      = args.skin;
        gro               = structure::readGro(args.structure);
        const int n       = static_cast<int>(gro.atoms.size());
        if (args.index.empty() != args.group.empty())
        {
            throw Error("--index and --group go together: name the index file and the NN group in it");
        }
        if (args.index.empty())
        {
            nnAtoms.resize(n);
            for (int i = 0; i < n; ++i)
            {
                nnAtoms[i] = i;
            }
        }
        else
        {
            const auto groups = structure::readNdx(args.index);
            const auto it     = groups.find(args.group);
            if (it == groups.end())
            {
                std::string names;
                for (const auto& [name, members] : groups)
                {
                    names += (names.empty() ? "" : ", ") + name;
                }
                throw Error("group '" + args.group + "' is not in " + args.index + " (it has: " + names + ")");
            }
            nnAtoms = it->second;
            std::vector<char> seen(n, 0);
            for (int a : nnAtoms)
            {
                if (a >= n)
                {
                    throw Error(fmt::format("group '{}' names atom {} but {} has {} atoms", args.group,
                                            a + 1, args.structure, n));
                }
                if (seen[a]++)
                {
                    throw Error(fmt::format("group '{}' lists atom {} twice", args.group, a + 1));
                }
            }
        }
        BackendOptions bo;
        bo.model         = args.model;
        bo.deepmdLibrary = args.deepmdLibrary;
        bo.backend       = args.backend;
        backend          = createBackend(bo, comm);
        std::vector<std::string> names = backend->typeMap();
        if (!args.typeMap.empty())
        {
            const auto given = splitList(args.typeMap);
            if (given.size() > names.size())
            {
                throw Error(fmt::format("--type-map names {} types but the model has {}", given.size(),
                                        names.size()));
            }
            names = given;
        }
        for (int a : nnAtoms)
        {
            const auto&       atom    = gro.atoms[a];
            const std::string element = structure::guessElement(atom.atomName, atom.residueName);
            const auto        it      = std::find(names.begin(), names.end(), element);
            if (it == names.end())
            {
                std::string known;
                for (const auto& s : names)
                {
                    known += (known.empty() ? "" : ",") + s;
                }
                throw Error(fmt::format("atom {} ({} in {}) is element {}, which the model's type map "
                                        "[{}] lacks; pass --type-map or choose another group",
                                        a + 1, atom.atomName, atom.residueName, element, known));
            }
            types.push_back(static_cast<int>(it - names.begin()));
        }
    });

    Box box;
    box.vectors  = gro.box;
    const bool zeroBox = std::all_of(gro.box.begin(), gro.box.end(), [](double v) { return v == 0; });
    box.periodic = !(args.noPbc || zeroBox);

    // Round-robin: NN atom k is held by rank k % size.
    std::vector<int>    held;
    std::vector<double> heldX;
    for (int k = rank; k < static_cast<int>(nnAtoms.size()); k += size)
    {
        held.push_back(k);
        heldX.insert(heldX.end(), gro.atoms[nnAtoms[k]].x, gro.atoms[nnAtoms[k]].x + 3);
    }
    NNDomainDecomposition dd(comm, *backend, types, options);
    const StepResult      result  = dd.evaluate(held, heldX, box);
    const StepTimings     timings = dd.lastTimings();
    const auto            stats   = dd.stats();

    // Forces to rank 0 in .gro order.
    const int           mine = static_cast<int>(held.size());
    std::vector<int>    counts(size), displs(size, 0);
    MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
    std::vector<int>    allHeld, counts3(size), displs3(size, 0);
    std::vector<double> allForces;
    if (rank == 0)
    {
        for (int r = 1; r < size; ++r)
        {
            displs[r] = displs[r - 1] + counts[r - 1];
        }
        for (int r = 0; r < size; ++r)
        {
            counts3[r] = 3 * counts[r];
            displs3[r] = 3 * displs[r];
        }
        allHeld.resize(nnAtoms.size());
        allForces.resize(3 * nnAtoms.size());
    }
    MPI_Gatherv(held.data(), mine, MPI_INT, allHeld.data(), counts.data(), displs.data(), MPI_INT, 0, comm);
    MPI_Gatherv(result.forces.data(), 3 * mine, MPI_DOUBLE, allForces.data(), counts3.data(),
                displs3.data(), MPI_DOUBLE, 0, comm);
    if (rank != 0)
    {
        return 0;
    }
    nlohmann::json forces = nlohmann::json::array();
    std::vector<double> f(3 * gro.atoms.size(), 0.0);
    for (std::size_t j = 0; j < allHeld.size(); ++j)
    {
        std::copy_n(&allForces[3 * j], 3, &f[3 * static_cast<std::size_t>(nnAtoms[allHeld[j]])]);
    }
    for (std::size_t i = 0; i < gro.atoms.size(); ++i)
    {
        forces.push_back({ f[3 * i], f[3 * i + 1], f[3 * i + 2] });
    }
    nlohmann::json out;
    out["backend"]     = backend->describe();
    out["structure"]   = args.structure;
    out["units"]       = { { "energy", "kJ/mol" }, { "forces", "kJ/mol/nm" }, { "virial", "kJ/mol" } };
    out["n_atoms"]     = gro.atoms.size();
    out["n_nn_atoms"]  = nnAtoms.size();
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
    std::ofstream file(args.output);
    if (!file)
    {
        throw Error("cannot write '" + args.output + "'; check the directory exists and is writable");
    }
    file << out.dump(2) << '\n';
    fmt::print("energy {:.10g} kJ/mol, {} NN atoms on {} ranks, written to {}\n", result.energy,
               nnAtoms.size(), size, args.output);
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
