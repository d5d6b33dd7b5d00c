/*! \file
 * \brief The plugin's work per step (see nn_force_provider.h).
 */
#include "plugin/nn_force_provider.h"

#include "backends/backend.h"
#include "backends/factory.h"
#include "backends/node_placement.h"
#include "common/clock.h"
#include "common/error.h"
#include "dd/collective_error.h"
#include "dd/nn_domain_decomposition.h"
#include "structure/atom_types.h"
#include "structure/nn_selection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace dgmx::plugin
{
namespace
{
//! GROMACS's energy minimisers set every mass to 1: then there is nothing to check. Collective.
template<typename Real>
bool everyMassIsOne(const EngineStep<Real>& in, MPI_Comm comm)
{
    int allUnit = 1;
    for (int i = 0; i < in.nLocal; ++i)
    {
        allUnit = allUnit && in.masses[i] == Real(1);
    }
    MPI_Allreduce(MPI_IN_PLACE, &allUnit, 1, MPI_INT, MPI_LAND, comm);
    return allUnit != 0;
}

template<typename Real>
Box boxOf(const Real* vectors)
{
    Box  box;
    bool zero = true;
    for (int j = 0; j < 9; ++j)
    {
        box.vectors[j] = static_cast<double>(vectors[j]);
        zero           = zero && box.vectors[j] == 0;
    }
    box.periodic = !zero; // pbc = no: GROMACS passes an empty box
    return box;
}

//! Adds the NN forces of the held atoms and the virial to GROMACS's arrays.
template<typename Real>
void addForcesAndVirial(const StepResult& result, const std::vector<int>& heldLocal, const EngineStep<Real>& in)
{
    for (std::size_t j = 0; j < heldLocal.size(); ++j)
    {
        Real* f = in.forces + 3 * static_cast<std::size_t>(heldLocal[j]);
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
}

/*! Where every rank runs, for rank 0's log: host, node-local rank and GPU index, so a run over
 *  several hosts shows that node-local ranks (and so devices) start again on each host.
 *  Collective (one gather of fixed-size records); empty on ranks other than 0. */
std::vector<std::string> placementLines(MPI_Comm comm, int deviceOption)
{
    struct Record
    {
        char host[MPI_MAX_PROCESSOR_NAME];
        int  nodeRank, nodeSize, device;
    };
    const NodePlacement p = nodePlacement(comm);
    Record              mine{};
    p.host.copy(mine.host, sizeof(mine.host) - 1);
    mine.nodeRank = p.nodeRank;
    mine.nodeSize = p.nodeSize;
    mine.device   = chosenDevice(deviceOption, p);
    std::vector<Record> all(p.rank == 0 ? p.size : 0);
    const int bytes = static_cast<int>(sizeof(Record));
    MPI_Gather(&mine, bytes, MPI_BYTE, all.data(), bytes, MPI_BYTE, 0, comm);
    std::vector<std::string> lines;
    for (std::size_t r = 0; r < all.size(); ++r)
    {
        lines.push_back(fmt::format("rank {} on {}: node-local rank {} of {}, GPU index {} ({})", r,
                                    all[r].host, all[r].nodeRank, all[r].nodeSize, all[r].device,
                                    deviceOption >= 0 ? "device option" : "node-local rank"));
    }
    return lines;
}
} // namespace

NNForceProvider::NNForceProvider(const PluginConfig& config, const EngineSetup& setup) :
    config_(config), setup_(setup)
{
    MPI_Comm_rank(setup_.comm, &rank_);
    MPI_Comm_size(setup_.comm, &size_);
    std::vector<int> types;
    runCollectively(setup_.comm, [&] { types = setUpAtomsAndBackend(); });
    placement_ = placementLines(setup_.comm, config_.backend.device); // every rank got here
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
}

std::vector<int> NNForceProvider::setUpAtomsAndBackend()
{
    const structure::AtomTypesFile typesFile = structure::readAtomTypes(config_.typesFile);
    if (static_cast<int>(typesFile.atoms.size()) != setup_.natoms)
    {
        throw Error(fmt::format("{}: types = {} lists {} atoms but the run has {}; write it from "
                                "this run's input: deepmd-gromacs types -s topol.tpr -o {}",
                                config_.sourcePath, config_.typesFile, typesFile.atoms.size(),
                                setup_.natoms, config_.typesFile));
    }
    const structure::NNGroupChoice choice{ config_.indexFile, config_.group, config_.sourcePath + ": ",
                                           "index", "group" };
    const std::vector<int> nnAtoms = structure::selectNNAtoms(choice, setup_.natoms, "the run");
    nNN_                           = static_cast<int>(nnAtoms.size());
    backend_                       = createBackend(config_.backend, setup_.comm);

    massOfGlobal_.resize(setup_.natoms);
    for (int i = 0; i < setup_.natoms; ++i)
    {
        massOfGlobal_[i] = typesFile.atoms[i].mass;
    }
    nnOfGlobal_.assign(setup_.natoms, -1);
    std::vector<std::string> elements(nNN_);
    for (int k = 0; k < nNN_; ++k)
    {
        nnOfGlobal_[nnAtoms[k]] = k;
        elements[k]             = typesFile.atoms[nnAtoms[k]].element;
    }
    description_ = backend_->describe();
    return structure::nnAtomTypes(nnAtoms, elements, backend_->typeMap(),
                                  { config_.typesFile, config_.backend.model });
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
    for (const std::string& line : placement_)
    {
        fmt::print(log_, "  {}\n", line);
    }
    std::fflush(log_);
}

void NNForceProvider::startOutputs(std::int64_t firstStep, bool checkMasses)
{
    if (rank_ != 0)
    {
        return;
    }
    fmt::print(log_, "  first step: {}\n", firstStep);
    if (!checkMasses)
    {
        fmt::print(log_, "  every mass is 1 (energy minimisation): masses not checked against {}\n",
                   config_.typesFile);
    }
    std::fflush(log_);
    if (config_.energyInterval > 0)
    {
        openEnergyFile(firstStep);
    }
}

void NNForceProvider::openEnergyFile(std::int64_t firstStep)
{
    energy::XvgFile header;
    header.comments = { "NN energy written by the deepmd-gromacs plugin. GROMACS does not include it in its",
                        fmt::format("energy terms: add it with `deepmd-gromacs energy --nn {} --gmx energy.xvg`.",
                                    config_.energyFile),
                        "model: " + config_.backend.model, fmt::format("natoms {}", nNN_),
                        fmt::format("time = step * dt (dt {:g} ps)", setup_.timestep) };
    header.title   = "DeePMD-kit NN energy";
    header.xLabel  = "Time (ps)";
    header.yLabel  = "(kJ/mol)";
    header.legends = { "NN energy" };
    try
    {
        // On a restart, keep what was written before the step we continue from (GROMACS may
        // have written past the checkpoint), then append.
        const double firstTime = static_cast<double>(firstStep) * setup_.timestep;
        energy_.emplace(setup_.restart ? energy::XvgSeries::resume(config_.energyFile, header,
                                                                   firstTime - 0.25 * setup_.timestep)
                                       : energy::XvgSeries::create(config_.energyFile, header));
    }
    catch (const Error& e)
    {
        throw Error(fmt::format("{}: energy_file = {}: {}", config_.sourcePath, config_.energyFile, e.what()));
    }
}

void NNForceProvider::writeEnergy(std::int64_t step, double energy)
{
    if (config_.energyInterval <= 0 || step % config_.energyInterval != 0)
    {
        return;
    }
    // Collective (every rank knows the step): a full disk on rank 0 stops every rank.
    runCollectively(setup_.comm, [&] {
        if (!energy_)
        {
            return;
        }
        try
        {
            energy_->append(static_cast<double>(step) * setup_.timestep, std::vector<double>{ energy });
        }
        catch (const Error& e)
        {
            throw Error(fmt::format("{}: energy_file = {}: {}; free space (or choose another place) and "
                                    "continue from the last checkpoint (mdrun -cpi)",
                                    config_.sourcePath, config_.energyFile, e.what()));
        }
    });
}

template<typename Real>
void NNForceProvider::collectHeldAtoms(const EngineStep<Real>& in, bool checkMasses)
{
    held_.nn.clear();
    held_.local.clear();
    held_.x.clear();
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
        held_.nn.push_back(k);
        held_.local.push_back(i);
        for (int d = 0; d < 3; ++d)
        {
            held_.x.push_back(static_cast<double>(in.positions[3 * i + d]));
        }
    }
}

template<typename Real>
void NNForceProvider::calculate(const EngineStep<Real>& in)
{
    const double t0          = secondsNow();
    const bool   checkMasses = firstStep_ && !everyMassIsOne(in, setup_.comm);
    Box          box;
    runCollectively(setup_.comm, [&] {
        if (firstStep_)
        {
            startOutputs(in.step, checkMasses);
        }
        if (setup_.fault)
        {
            setup_.fault->check(rank_, in.step);
        }
        collectHeldAtoms(in, checkMasses);
        box = boxOf(in.box);
    });
    firstStep_ = false;

    const double     t1     = secondsNow();
    const StepResult result = dd_->evaluate(held_.nn, held_.x, box);
    const double     t2     = secondsNow();
    addForcesAndVirial(result, held_.local, in);
    writeEnergy(in.step, result.energy);
    addToTotals((t1 - t0) + (secondsNow() - t2));
}

void NNForceProvider::addToTotals(double engineSeconds)
{
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
    totals_.engine += engineSeconds;
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
