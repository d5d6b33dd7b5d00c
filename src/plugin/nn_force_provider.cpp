/*! \file
 * \brief The plugin's work per step (see nn_force_provider.h).
 */
#include "plugin/nn_force_provider.h"

#include "backends/backend.h"
#include "backends/factory.h"
#include "common/error.h"
#include "dd/collective_error.h"
#include "dd/nn_domain_decomposition.h"
#include "structure/atom_types.h"
#include "structure/structure.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

namespace dgmx::plugin
{
namespace
{
double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string joined(const std::vector<std::string>& names)
{
    std::string s;
    for (const auto& n : names)
    {
        s += (s.empty() ? "" : ",") + n;
    }
    return s;
}

//! NN atoms in NN order (global indices): all atoms, or an index group.
std::vector<int> selectNNAtoms(const PluginConfig& config, int natoms)
{
    std::vector<int> atoms;
    if (config.indexFile.empty())
    {
        atoms.resize(natoms);
        std::iota(atoms.begin(), atoms.end(), 0);
        return atoms;
    }
    const auto groups = structure::readNdx(config.indexFile);
    const auto it     = groups.find(config.group);
    if (it == groups.end())
    {
        std::vector<std::string> names;
        for (const auto& [name, members] : groups)
        {
            names.push_back(name);
        }
        throw Error(fmt::format("{}: group = {}: no such group in {} (it has: {}); fix the group name",
                                config.sourcePath, config.group, config.indexFile, joined(names)));
    }
    atoms = it->second;
    std::vector<char> seen(natoms, 0);
    for (int a : atoms)
    {
        if (a < 0 || a >= natoms)
        {
            throw Error(fmt::format("group {} of {} names atom {}, but the run has {} atoms; the index "
                                    "file belongs to another system",
                                    config.group, config.indexFile, a + 1, natoms));
        }
        if (seen[a]++)
        {
            throw Error(fmt::format("group {} of {} lists atom {} twice", config.group, config.indexFile, a + 1));
        }
    }
    if (atoms.empty())
    {
        throw Error(fmt::format("group {} of {} is empty; select at least one NN atom", config.group,
                                config.indexFile));
    }
    return atoms;
}
} // namespace

NNForceProvider::NNForceProvider(const PluginConfig& config, const EngineSetup& setup) :
    config_(config), setup_(setup)
{
    MPI_Comm_rank(setup_.comm, &rank_);
    MPI_Comm_size(setup_.comm, &size_);
    // Test hook: DEEPMD_GROMACS_TEST_FAIL=RANK:STEP makes that rank alone fail at that step.
    if (const char* fault = std::getenv("DEEPMD_GROMACS_TEST_FAIL"); fault != nullptr)
    {
        if (std::sscanf(fault, "%d:%ld", &faultRank_, &faultStep_) != 2)
        {
            faultRank_ = -1;
        }
    }
    std::vector<int> types;
    runCollectively(setup_.comm, [&] {
        const structure::AtomTypesFile typesFile = structure::readAtomTypes(config_.typesFile);
        if (static_cast<int>(typesFile.atoms.size()) != setup_.natoms)
        {
            throw Error(fmt::format("{}: types = {} lists {} atoms but the run has {}; write it from "
                                    "this run's input: deepmd-gromacs types -s topol.tpr -o {}",
                                    config_.sourcePath, config_.typesFile, typesFile.atoms.size(),
                                    setup_.natoms, config_.typesFile));
        }
        const std::vector<int> nnAtoms = selectNNAtoms(config_, setup_.natoms);
        nNN_                           = static_cast<int>(nnAtoms.size());

        BackendOptions options;
        options.model          = config_.model;
        options.backend        = config_.backend;
        options.deepmdLibrary  = config_.deepmdLibrary;
        options.device         = config_.device;
        options.ompThreads     = config_.ompThreads;
        options.intraOpThreads = config_.intraOpThreads;
        options.interOpThreads = config_.interOpThreads;
        backend_               = createBackend(options, setup_.comm);

        const std::vector<std::string> typeMap = backend_->typeMap();
        nnOfGlobal_.assign(setup_.natoms, -1);
        massOfGlobal_.resize(setup_.natoms);
        types.resize(nNN_);
        for (int i = 0; i < setup_.natoms; ++i)
        {
            massOfGlobal_[i] = typesFile.atoms[i].mass;
        }
        for (int k = 0; k < nNN_; ++k)
        {
            const int          a       = nnAtoms[k];
            const std::string& element = typesFile.atoms[a].element;
            const auto         it      = std::find(typeMap.begin(), typeMap.end(), element);
            if (it == typeMap.end())
            {
                throw Error(fmt::format("NN atom {} is element {} (from {}), which the model {} cannot "
                                        "describe (its type map: {}); choose a model trained on {} or "
                                        "leave the atom out of the NN group",
                                        a + 1, element.empty() ? "?" : element, config_.typesFile,
                                        config_.model, joined(typeMap), element));
            }
            types[k]      = static_cast<int>(it - typeMap.begin());
            nnOfGlobal_[a] = k;
        }
        description_ = backend_->describe();
    });
    runCollectively(setup_.comm, [&] {
        dd_ = std::make_unique<NNDomainDecomposition>(setup_.comm, *backend_, std::move(types),
                                                      config_.decomposition);
        openLog();
    });
}

NNForceProvider::~NNForceProvider()
{
    if (log_ != nullptr)
    {
        std::fclose(log_);
    }
    if (energy_ != nullptr)
    {
        std::fclose(energy_);
    }
}

void NNForceProvider::openLog()
{
    if (rank_ != 0)
    {
        return;
    }
    log_ = std::fopen(config_.logFile.c_str(), setup_.restart ? "a" : "w");
    if (log_ == nullptr)
    {
        throw Error(fmt::format("{}: log_file = {}: cannot open it for writing; check the directory",
                                config_.sourcePath, config_.logFile));
    }
    fmt::print(log_,
               "deepmd-gromacs plugin {}\n  configuration: {}\n  backend: {}\n  NN atoms: {} of {}\n"
               "  ranks (our decomposition): {}\n  decomposition: {}, force reduction: {}, skin {} nm, "
               "ghost shell {:g} cutoff(s), cutoff {:g} nm\n",
               setup_.restart ? "(continuing from a checkpoint)" : "", config_.sourcePath, description_,
               nNN_, setup_.natoms, size_,
               config_.decomposition.method == PartitionMethod::Rcb ? "rcb" : "slab",
               config_.decomposition.reduction == ForceReduction::Allreduce ? "allreduce" : "sparse",
               config_.decomposition.skin, config_.decomposition.ghostShellCutoffs, backend_->cutoff());
    std::fflush(log_);
}

void NNForceProvider::openOutputs(std::int64_t firstStep)
{
    if (rank_ != 0)
    {
        return;
    }
    fmt::print(log_, "  first step: {}\n", firstStep);
    std::fflush(log_);
    if (config_.energyInterval <= 0)
    {
        return;
    }
    // On a restart, keep what was written before the step we continue from (GROMACS may have
    // written past the checkpoint), then append.
    const double firstTime = static_cast<double>(firstStep) * setup_.timestep;
    std::string  kept;
    bool         haveHeader = false;
    if (setup_.restart)
    {
        std::ifstream in(config_.energyFile);
        std::string   line;
        while (std::getline(in, line))
        {
            if (line.empty() || line[0] == '#' || line[0] == '@')
            {
                haveHeader = true;
                kept += line + "\n";
                continue;
            }
            std::istringstream fields(line);
            double             t = 0;
            if ((fields >> t) && t < firstTime - 0.25 * setup_.timestep)
            {
                kept += line + "\n";
            }
        }
    }
    energy_ = std::fopen(config_.energyFile.c_str(), "w");
    if (energy_ == nullptr)
    {
        throw Error(fmt::format("{}: energy_file = {}: cannot open it for writing; check the directory",
                                config_.sourcePath, config_.energyFile));
    }
    if (haveHeader)
    {
        std::fputs(kept.c_str(), energy_);
    }
    else
    {
        fmt::print(energy_,
                   "# NN energy written by the deepmd-gromacs plugin. GROMACS does not include it in its\n"
                   "# energy terms: add it with `deepmd-gromacs energy --nn {} --gmx energy.xvg`.\n"
                   "# model: {}\n# natoms {}\n# time = step * dt (dt {:g} ps)\n"
                   "@    title \"DeePMD-kit NN energy\"\n@    xaxis  label \"Time (ps)\"\n"
                   "@    yaxis  label \"(kJ/mol)\"\n@TYPE xy\n@ s0 legend \"NN energy\"\n",
                   config_.energyFile, config_.model, nNN_, setup_.timestep);
    }
    std::fflush(energy_);
}

void NNForceProvider::writeEnergy(std::int64_t step, double energy)
{
    if (energy_ == nullptr || config_.energyInterval <= 0 || step % config_.energyInterval != 0)
    {
        return;
    }
    fmt::print(energy_, "{:15.6f} {:20.10f}\n", static_cast<double>(step) * setup_.timestep, energy);
    std::fflush(energy_); // so the file is complete even if the run is killed
}

template<typename Real>
void NNForceProvider::calculate(const EngineStep<Real>& in)
{
    const double t0 = now();
    Box          box;
    bool         checkMasses = false;
    if (firstStep_)
    {
        // GROMACS's energy minimisers set every mass to 1: then there is nothing to check.
        int allUnit = 1;
        for (int i = 0; i < in.nLocal; ++i)
        {
            allUnit = allUnit && in.masses[i] == Real(1);
        }
        MPI_Allreduce(MPI_IN_PLACE, &allUnit, 1, MPI_INT, MPI_LAND, setup_.comm);
        checkMasses = allUnit == 0;
    }
    runCollectively(setup_.comm, [&] {
        if (firstStep_)
        {
            openOutputs(in.step);
            if (!checkMasses && log_ != nullptr)
            {
                fmt::print(log_, "  every mass is 1 (energy minimisation): masses not checked against {}\n",
                           config_.typesFile);
            }
        }
        if (faultRank_ == rank_ && faultStep_ == in.step)
        {
            throw Error(fmt::format("failure injected by DEEPMD_GROMACS_TEST_FAIL={}:{} (a test of "
                                    "stopping every rank when one fails)",
                                    faultRank_, faultStep_));
        }
        heldNN_.clear();
        heldLocal_.clear();
        heldX_.clear();
        for (int i = 0; i < in.nLocal; ++i)
        {
            const int g = in.globalIndex != nullptr ? in.globalIndex[i] : i;
            if (g < 0 || g >= setup_.natoms)
            {
                throw Error(fmt::format("GROMACS passed global atom index {} for local atom {} (the "
                                        "system has {} atoms); this is an engine bug",
                                        g, i, setup_.natoms));
            }
            if (checkMasses && std::abs(static_cast<double>(in.masses[i]) - massOfGlobal_[g]) > config_.massTolerance)
            {
                throw Error(fmt::format("atom {} has mass {} in this run but {} in {}; the types file was "
                                        "written for another system: run deepmd-gromacs types -s on "
                                        "this run's .tpr",
                                        g + 1, static_cast<double>(in.masses[i]), massOfGlobal_[g],
                                        config_.typesFile));
            }
            const int k = nnOfGlobal_[g];
            if (k < 0)
            {
                continue;
            }
            heldNN_.push_back(k);
            heldLocal_.push_back(i);
            for (int d = 0; d < 3; ++d)
            {
                heldX_.push_back(static_cast<double>(in.positions[3 * i + d]));
            }
        }
        bool zero = true;
        for (int j = 0; j < 9; ++j)
        {
            box.vectors[j] = static_cast<double>(in.box[j]);
            zero           = zero && box.vectors[j] == 0;
        }
        box.periodic = !zero; // pbc = no: GROMACS passes an empty box
    });
    firstStep_ = false;

    const double      t1     = now();
    const StepResult  result = dd_->evaluate(heldNN_, heldX_, box);
    const double      t2     = now();
    for (std::size_t j = 0; j < heldLocal_.size(); ++j)
    {
        Real* f = in.forces + 3 * static_cast<std::size_t>(heldLocal_[j]);
        for (int d = 0; d < 3; ++d)
        {
            f[d] += static_cast<Real>(result.forces[3 * j + d]);
        }
    }
    // Ours is GROMACS's Xi = -1/2 sum x f, and that is what GROMACS 2025 must receive here: with
    // twice it (PLUMED's -sum x f, which reading the source suggested GROMACS halves) GROMACS's
    // virial came out exactly twice the finite-difference strain derivative of the NN energy
    // (tests/gromacs/plugin_npt.py).
    for (int j = 0; j < 9; ++j)
    {
        in.virial[j] += static_cast<Real>(result.virial[j]);
    }
    writeEnergy(in.step, result.energy);

    const StepTimings&       t     = dd_->lastTimings();
    const DecompositionStats stats = dd_->stats();
    double                   maxT = 0, sumT = 0;
    for (double s : stats.computeSecondsPerRank)
    {
        maxT = std::max(maxT, s);
        sumT += s;
    }
    const double imbalance = sumT > 0 ? maxT / (sumT / static_cast<double>(size_)) : 1.0;
    ++totals_.steps;
    totals_.gather += t.gather;
    totals_.neighbourSearch += t.neighbourSearch;
    totals_.inference += t.inference;
    totals_.reduction += t.reduction;
    totals_.total += t.total;
    totals_.engine += (t1 - t0) + (now() - t2);
    totals_.imbalanceSum += imbalance;
    totals_.imbalanceMax = std::max(totals_.imbalanceMax, imbalance);
    totals_.rebuilds += t.rebuilt ? 1 : 0;
}

template void NNForceProvider::calculate<float>(const EngineStep<float>&);
template void NNForceProvider::calculate<double>(const EngineStep<double>&);

void NNForceProvider::logError(const std::string& message)
{
    if (log_ != nullptr)
    {
        fmt::print(log_, "ERROR: {}\n", message);
        std::fflush(log_);
    }
}

void NNForceProvider::finish()
{
    if (rank_ != 0 || totals_.steps == 0)
    {
        return;
    }
    const double n   = static_cast<double>(totals_.steps);
    const auto   ms  = [n](double s) { return 1e3 * s / n; };
    const DecompositionStats stats = dd_->stats();
    std::string perRank;
    for (int r = 0; r < stats.nRanks; ++r)
    {
        perRank += fmt::format("{}{}+{}", r == 0 ? "" : " ", stats.ownedPerRank[r], stats.ghostsPerRank[r]);
    }
    const std::string summary = fmt::format(
            "deepmd-gromacs summary: {} force evaluations, {} NN atoms on {} rank(s)\n"
            "  mean time per step (rank 0, ms): total {:.3f} = communication {:.3f} (gather {:.3f}, "
            "reduction {:.3f}) + neighbour search {:.3f} + inference {:.3f}; engine glue {:.3f}\n"
            "  inference imbalance (max/mean over ranks): mean {:.3f}, worst {:.3f}\n"
            "  neighbour-list rebuilds {}, re-balances {}; owned+ghost atoms per rank at the end: {}\n",
            totals_.steps, nNN_, size_, ms(totals_.total), ms(totals_.gather + totals_.reduction),
            ms(totals_.gather), ms(totals_.reduction), ms(totals_.neighbourSearch), ms(totals_.inference),
            ms(totals_.engine), totals_.imbalanceSum / n, totals_.imbalanceMax, totals_.rebuilds,
            stats.rebalances, perRank);
    std::fputs(summary.c_str(), stderr);
    if (log_ != nullptr)
    {
        std::fputs(summary.c_str(), log_);
        std::fflush(log_);
    }
}
} // namespace dgmx::plugin
