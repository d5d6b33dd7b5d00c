/*! \file
 * \brief The decoupled domain decomposition: one step, phase by phase (see
 * nn_domain_decomposition.h). Failures inside the step are not agreed on at once: they ride
 * as flags in the two exchanges and every rank throws after the one that carried them.
 */
#include "dd/nn_domain_decomposition.h"

#include "backends/backend.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/nvtx.h"
#include "dd/collectives.h"
#include "dd/coordinate_gather.h"
#include "dd/force_reduction.h"
#include "dd/load_balancer.h"
#include "dd/local_domain.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

namespace dgmx
{
namespace
{
//! The message of the current exception, never empty.
std::string currentErrorMessage()
{
    try
    {
        throw;
    }
    catch (const std::exception& e)
    {
        return e.what()[0] != '\0' ? e.what() : "unknown error";
    }
    catch (...)
    {
        return "unknown non-standard exception";
    }
}

//! This rank's input checks; the verdict travels in the gather's header.
std::string validateInput(std::span<const int> nnIndices, std::span<const double> positions, const Box& box,
                          int nAtoms)
{
    if (positions.size() != 3 * nnIndices.size())
    {
        return "evaluate() got " + std::to_string(nnIndices.size()) + " NN indices but "
               + std::to_string(positions.size()) + " coordinates; pass 3 coordinates per atom";
    }
    for (std::size_t i = 0; i < nnIndices.size(); ++i)
    {
        if (nnIndices[i] < 0 || nnIndices[i] >= nAtoms)
        {
            return "NN index " + std::to_string(nnIndices[i]) + " is outside [0, " + std::to_string(nAtoms)
                   + "); check the NN atom selection";
        }
        for (int k = 0; k < 3; ++k)
        {
            if (!std::isfinite(positions[3 * i + k]))
            {
                return "position of NN atom " + std::to_string(nnIndices[i])
                       + " is not finite (NaN or inf); the simulation has probably blown up";
            }
        }
    }
    const bool finiteBox = std::all_of(box.vectors.begin(), box.vectors.end(), [](double v) { return std::isfinite(v); });
    return box.periodic && !finiteBox ? "the box is not finite (NaN or inf)" : "";
}

//! Throws when the backend's output cannot be summed.
void checkBackendOutput(const IBackend& backend, const BackendOutput& out, const dd::DomainAtoms& atoms)
{
    const std::size_t nValues = 3 * atoms.entries.size();
    if (out.forces.size() != nValues)
    {
        throw Error("backend " + backend.describe() + " returned " + std::to_string(out.forces.size())
                    + " force components for " + std::to_string(nValues) + "; this is a backend bug");
    }
    if (!std::isfinite(out.energy))
    {
        throw Error("backend " + backend.describe() + " returned a non-finite energy");
    }
    for (std::size_t i = 0; i < out.forces.size(); ++i)
    {
        if (!std::isfinite(out.forces[i]))
        {
            const std::size_t entry = i / 3;
            throw Error("backend " + backend.describe() + " returned a non-finite force on NN atom "
                        + std::to_string(atoms.entries[entry].atom) + " (0-based, "
                        + (static_cast<int>(entry) < atoms.nOwned ? "owned" : "a ghost image")
                        + ") (NaN or inf); the model is outside its range or the configuration has blown up");
        }
    }
}
} // namespace

struct NNDomainDecomposition::Impl
{
    // Set-up.
    IBackend&            backend;
    DecompositionOptions options;
    int                  nAtoms;
    dd::Collectives      comm;

    // One part per phase: gather, balance, this rank's domain, reduction.
    dd::CoordinateGather gather;
    dd::LoadBalancer     balancer;
    dd::LocalDomain      domain;
    dd::ForceReducer     reducer;

    // This step's failure, if any, and what the backend returned.
    std::string   error;
    bool          domainValid = false;
    BackendOutput out;

    // Reports.
    long               step = 0;
    StepTimings        timings;
    DecompositionStats stats;

    Impl(MPI_Comm c, IBackend& b, std::vector<int> types, DecompositionOptions o);
    StepResult evaluate(std::span<const int> nnIndices, std::span<const double> positions, const Box& box);
    bool       decompose(const Box& box);
    double     infer(const Box& box, bool rebuilt);
    dd::StepSummary summarise(double inferenceSeconds, double workSeconds) const;
    void       record(const dd::StepSummary& summary);
    void       invalidate();
};

NNDomainDecomposition::Impl::Impl(MPI_Comm c, IBackend& b, std::vector<int> types, DecompositionOptions o) :
    backend(b),
    options(o),
    nAtoms(static_cast<int>(types.size())),
    comm(c),
    gather(nAtoms),
    balancer(nAtoms, comm.size(), o),
    domain(std::move(types), o, b.cutoff(), comm.rank(), comm.size()),
    reducer(o.reduction, nAtoms)
{
    const int size = comm.size();
    stats.nRanks   = size;
    stats.ownedPerRank.assign(size, 0);
    stats.ghostsPerRank.assign(size, 0);
    stats.pairsPerRank.assign(size, 0);
    stats.computeSecondsPerRank.assign(size, 0.0);
    stats.predictedSecondsPerRank.assign(size, 0.0);
}

//! Balance, partition and neighbour list (or new positions only). Returns whether it rebuilt,
//! which every rank decides alike from the gathered positions.
bool NNDomainDecomposition::Impl::decompose(const Box& box)
{
    const auto x        = gather.positions();
    const bool balance  = balancer.rebalanceDue(step);
    const bool rebuilds = balance || domain.needRebuild(x, box);
    try
    {
        const double t0 = secondsNow();
        if (balance)
        {
            balancer.rebalance(domain.partition().owner, step);
            ++stats.rebalances;
        }
        timings.decomposition = secondsNow() - t0;
        if (rebuilds)
        {
            domainValid = false;
            domain.rebuild(x, box, balancer.weights());
            timings.decomposition += domain.decompositionSeconds();
            ++stats.rebuilds;
        }
        else
        {
            domain.update(x, box);
        }
        domainValid = true;
    }
    catch (...)
    {
        error = currentErrorMessage();
    }
    return rebuilds;
}

//! The backend on this rank's domain; returns its own time (without any waiting).
double NNDomainDecomposition::Impl::infer(const Box& box, bool rebuilt)
{
    DGMX_NVTX_RANGE("inference");
    const double t0 = secondsNow();
    try
    {
        BackendInput in;
        in.nOwned            = domain.nOwned();
        in.nGhost            = domain.nGhosts();
        in.positions         = domain.positions();
        in.types             = domain.types();
        in.neighbours        = &domain.neighbours();
        in.neighboursChanged = rebuilt;
        in.box               = box.periodic ? &box.vectors : nullptr;
        backend.compute(in, out);
        checkBackendOutput(backend, out, domain.atoms());
    }
    catch (...)
    {
        error = currentErrorMessage();
    }
    return secondsNow() - t0;
}

dd::StepSummary NNDomainDecomposition::Impl::summarise(double inferenceSeconds, double workSeconds) const
{
    dd::StepSummary s;
    s.ranks.resize(comm.size());
    dd::RankReport& me = s.ranks[comm.rank()];
    me.failed          = error.empty() ? 0.0 : 1.0;
    me.workSeconds     = workSeconds;
    if (error.empty())
    {
        s.energy            = out.energy;
        s.virial            = out.virial;
        me.inferenceSeconds = inferenceSeconds;
        me.owned            = domain.nOwned();
        me.ghosts           = domain.nGhosts();
        me.pairs            = static_cast<double>(domain.nPairs());
    }
    return s;
}

//! Statistics and the cost model's samples, identical on every rank.
void NNDomainDecomposition::Impl::record(const dd::StepSummary& summary)
{
    std::vector<dd::RankSample> samples(summary.ranks.size());
    for (std::size_t r = 0; r < summary.ranks.size(); ++r)
    {
        const dd::RankReport& rep = summary.ranks[r];
        samples[r]                = { rep.owned, rep.ghosts, rep.pairs, rep.inferenceSeconds };
        stats.ownedPerRank[r]          = static_cast<int>(rep.owned);
        stats.ghostsPerRank[r]         = static_cast<int>(rep.ghosts);
        stats.pairsPerRank[r]          = static_cast<long>(rep.pairs);
        stats.computeSecondsPerRank[r] = rep.inferenceSeconds;
    }
    balancer.observe(samples);
    stats.predictedSecondsPerRank = balancer.predictedSeconds();
}

void NNDomainDecomposition::Impl::invalidate()
{
    gather.invalidate();
    domain.invalidate();
    domainValid = false;
}

StepResult NNDomainDecomposition::Impl::evaluate(std::span<const int> nnIndices, std::span<const double> positions,
                                                 const Box& box)
{
    comm.resetCount();
    timings          = StepTimings{};
    const double t0  = secondsNow();
    error            = validateInput(nnIndices, positions, box, nAtoms);
    const bool sent  = gather.gather(comm, nnIndices, positions, error); // throws if any rank failed
    const double t1  = secondsNow();
    const bool rebuilt = decompose(box);
    const double t2    = secondsNow();
    const double inferenceSeconds = error.empty() ? infer(box, rebuilt) : 0.0;
    if (!error.empty() || out.forces.size() != domain.positions().size())
    {
        out.forces.assign(domain.positions().size(), 0.0); // our share of the exchange: zeros
    }
    const double     t3      = secondsNow();
    dd::StepSummary  summary = summarise(inferenceSeconds, t3 - t1);
    dd::DomainForces mine;
    if (domainValid)
    {
        mine = { domain.atoms().entries, domain.touched(), domain.entrySlot(), out.forces };
    }
    StepResult result;
    reducer.reduce(comm, mine, gather.holder(), nnIndices, rebuilt || sent, summary, result.forces);
    const double t4 = secondsNow();
    if (const int failing = summary.lowestFailingRank(); failing >= 0)
    {
        comm.throwFailureOf(failing, error);
    }
    result.energy = summary.energy;
    result.virial = summary.virial;
    record(summary);

    double slowestWork = 0;
    for (const auto& r : summary.ranks)
    {
        slowestWork = std::max(slowestWork, r.workSeconds);
    }
    timings.gather          = t1 - t0;
    timings.neighbourSearch = t2 - t1;
    timings.inference       = t3 - t2;
    timings.reduction       = t4 - t3;
    timings.total           = t4 - t0;
    timings.wait            = std::clamp(slowestWork - (t3 - t1), 0.0, t4 - t3);
    timings.rebuilt         = rebuilt;
    timings.indicesSent     = sent;
    timings.collectives     = comm.count();
    ++step;
    return result;
}

NNDomainDecomposition::NNDomainDecomposition(MPI_Comm comm, IBackend& backend, std::vector<int> types,
                                             DecompositionOptions options)
{
    if (comm == MPI_COMM_NULL)
    {
        throw Error("NNDomainDecomposition needs a valid communicator, got MPI_COMM_NULL");
    }
    if (!(options.skin >= 0) || !(options.ghostShellCutoffs >= 1.0))
    {
        throw Error("DecompositionOptions: skin must be >= 0 and ghostShellCutoffs >= 1");
    }
    impl_ = std::make_unique<Impl>(comm, backend, std::move(types), options);
}

NNDomainDecomposition::~NNDomainDecomposition() = default;

StepResult NNDomainDecomposition::evaluate(std::span<const int> nnIndices, std::span<const double> positions,
                                           const Box& box)
{
    try
    {
        return impl_->evaluate(nnIndices, positions, box);
    }
    catch (...)
    {
        impl_->invalidate(); // every rank throws in the same step: all start afresh
        throw;
    }
}

const StepTimings& NNDomainDecomposition::lastTimings() const
{
    return impl_->timings;
}

DecompositionStats NNDomainDecomposition::stats() const
{
    return impl_->stats;
}

int NNDomainDecomposition::numAtoms() const
{
    return impl_->nAtoms;
}
} // namespace dgmx
