/*! \file
 * \brief The decoupled domain decomposition (see nn_domain_decomposition.h).
 */
#include "dd/nn_domain_decomposition.h"

#include "backends/backend.h"
#include "common/error.h"
#include "dd/collective_error.h"
#include "dd/decomposition.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>

namespace dgmx
{
namespace
{
double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

//! Imbalance-triggered re-balances are at least this many steps apart, so timing noise on
//! tiny systems cannot make every step a rebuild.
constexpr int c_minStepsBetweenRebalances = 10;
} // namespace

struct NNDomainDecomposition::Impl
{
    MPI_Comm             comm;
    int                  rank = 0, size = 1;
    IBackend&            backend;
    std::vector<int>     types;
    DecompositionOptions options;
    double               cutoff = 0;
    int                  nAtoms = 0;

    // Gathered every step.
    std::vector<int>    counts, displs, countsX, displsX, gatheredIndex, holder;
    std::vector<double> gatheredX, x;

    // State of the last build.
    bool                            built = false;
    dd::CellGeometry                geometry;
    std::vector<double>             fractional;
    std::vector<std::array<int, 3>> wrapShift;
    dd::Partition                   partition;
    dd::DomainAtoms                 domain;
    std::vector<int>                entryTypes;
    std::vector<double>             entryX;
    NeighbourList                   list;
    std::vector<double>             xAtBuild;
    std::array<double, 9>           boxAtBuild{};
    std::array<double, 3>           shiftBound{};
    std::vector<int>                touched;   //!< distinct atoms of the domain (sparse exchange)
    std::vector<int>                entrySlot; //!< entry -> index into touched
    std::vector<int>                localIndex; //!< scratch: atom -> position in the caller's list
    std::vector<double>             buffer;     //!< scratch for the reductions
    bool                            periodicAtBuild = true;

    // Balancing.
    std::vector<double> weights;
    std::vector<double> seconds; //!< last measured inference time per rank
    long                step = 0, lastBalanceStep = 0;

    StepTimings        timings;
    DecompositionStats stats;

    Impl(MPI_Comm c, IBackend& b, std::vector<int> t, DecompositionOptions o) :
        comm(c), backend(b), types(std::move(t)), options(o)
    {
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &size);
        cutoff = backend.cutoff();
        nAtoms = static_cast<int>(types.size());
        weights.assign(nAtoms, 1.0);
        seconds.assign(size, 0.0);
        stats.nRanks = size;
        stats.ownedPerRank.assign(size, 0);
        stats.ghostsPerRank.assign(size, 0);
        stats.computeSecondsPerRank.assign(size, 0.0);
    }

    void gather(std::span<const int> nnIndices, std::span<const double> positions, const Box& box);
    bool needRebuild(const Box& box) const;
    bool rebalanceDue() const;
    void rebuild(const Box& box);
    StepResult reduce(std::span<const int> nnIndices, const BackendOutput& out, double inferenceSeconds);
};

void NNDomainDecomposition::Impl::gather(std::span<const int> nnIndices, std::span<const double> positions,
                                         const Box& box)
{
    std::string error;
    if (positions.size() != 3 * nnIndices.size())
    {
        error = "evaluate() got " + std::to_string(nnIndices.size()) + " NN indices but "
                + std::to_string(positions.size()) + " coordinates; pass 3 coordinates per atom";
    }
    for (std::size_t i = 0; i < nnIndices.size() && error.empty(); ++i)
    {
        if (nnIndices[i] < 0 || nnIndices[i] >= nAtoms)
        {
            error = "NN index " + std::to_string(nnIndices[i]) + " is outside [0, "
                    + std::to_string(nAtoms) + "); check the NN atom selection";
        }
        for (int k = 0; k < 3 && error.empty(); ++k)
        {
            if (!std::isfinite(positions[3 * i + k]))
            {
                error = "position of NN atom " + std::to_string(nnIndices[i])
                        + " is not finite (NaN or inf); the simulation has probably blown up";
            }
        }
    }
    for (double v : box.vectors)
    {
        if (box.periodic && !std::isfinite(v) && error.empty())
        {
            error = "the box is not finite (NaN or inf)";
        }
    }
    throwIfAnyFailed(comm, error);

    const int mine = static_cast<int>(nnIndices.size());
    counts.resize(size);
    displs.resize(size);
    countsX.resize(size);
    displsX.resize(size);
    MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
    long total = 0;
    for (int r = 0; r < size; ++r)
    {
        displs[r]  = static_cast<int>(total);
        countsX[r] = 3 * counts[r];
        displsX[r] = 3 * displs[r];
        total += counts[r];
    }
    if (total != nAtoms)
    {
        throw Error("the ranks passed " + std::to_string(total) + " NN atoms in total but the "
                    "decomposition was set up for " + std::to_string(nAtoms)
                    + "; every NN atom must be passed by exactly one rank");
    }
    gatheredIndex.resize(nAtoms);
    gatheredX.resize(3 * static_cast<std::size_t>(nAtoms));
    MPI_Allgatherv(nnIndices.data(), mine, MPI_INT, gatheredIndex.data(), counts.data(),
                   displs.data(), MPI_INT, comm);
    MPI_Allgatherv(positions.data(), 3 * mine, MPI_DOUBLE, gatheredX.data(), countsX.data(),
                   displsX.data(), MPI_DOUBLE, comm);
    // Every rank sees the same gathered data, so every rank reaches the same verdict.
    holder.assign(nAtoms, -1);
    x.resize(3 * static_cast<std::size_t>(nAtoms));
    for (int r = 0; r < size; ++r)
    {
        for (int j = displs[r]; j < displs[r] + counts[r]; ++j)
        {
            const int a = gatheredIndex[j];
            if (holder[a] >= 0)
            {
                throw Error("NN atom " + std::to_string(a) + " was passed by ranks "
                            + std::to_string(holder[a]) + " and " + std::to_string(r)
                            + "; every NN atom must be passed by exactly one rank");
            }
            holder[a] = r;
            std::copy_n(&gatheredX[3 * static_cast<std::size_t>(j)], 3, &x[3 * static_cast<std::size_t>(a)]);
        }
    }
}

bool NNDomainDecomposition::Impl::rebalanceDue() const
{
    if (options.method != PartitionMethod::Rcb || size == 1 || step == 0)
    {
        return false;
    }
    const long since = step - lastBalanceStep;
    if (options.rebalanceInterval > 0 && since >= options.rebalanceInterval)
    {
        return true;
    }
    const double mean = std::accumulate(seconds.begin(), seconds.end(), 0.0) / size;
    const double max  = *std::max_element(seconds.begin(), seconds.end());
    return mean > 0 && (max - mean) / mean > options.imbalanceThreshold
           && since >= c_minStepsBetweenRebalances;
}

bool NNDomainDecomposition::Impl::needRebuild(const Box& box) const
{
    if (!built || box.periodic != periodicAtBuild)
    {
        return true;
    }
    // Conservative bound on how far any included image moved: |dx_i| + sum_k |n_k| |dh_k|.
    std::array<double, 3> boxMove{ 0, 0, 0 };
    if (box.periodic)
    {
        for (int k = 0; k < 3; ++k)
        {
            double m = 0;
            for (int d = 0; d < 3; ++d)
            {
                const double v = box.vectors[3 * k + d] - boxAtBuild[3 * k + d];
                m += v * v;
            }
            boxMove[k] = std::sqrt(m);
        }
    }
    const double limit = 0.5 * options.skin;
    for (int i = 0; i < nAtoms; ++i)
    {
        double m = 0;
        for (int d = 0; d < 3; ++d)
        {
            const double v = x[3 * i + d] - xAtBuild[3 * i + d];
            m += v * v;
        }
        double move = std::sqrt(m);
        if (box.periodic)
        {
            for (int k = 0; k < 3; ++k)
            {
                move += (std::abs(wrapShift[i][k]) + shiftBound[k]) * boxMove[k];
            }
        }
        if (move > limit)
        {
            return true;
        }
    }
    return false;
}

void NNDomainDecomposition::Impl::rebuild(const Box& box)
{
    geometry = dd::makeGeometry(box, x);
    dd::toFractional(geometry, x, fractional, wrapShift);
    partition = dd::partitionAtoms(options.method, geometry, fractional, weights, size);
    const double shell = options.ghostShellCutoffs * cutoff + options.skin;
    domain             = dd::buildDomainAtoms(geometry, fractional, wrapShift, partition, rank, shell);
    entryTypes.resize(domain.entries.size());
    for (std::size_t e = 0; e < domain.entries.size(); ++e)
    {
        entryTypes[e] = types[domain.entries[e].atom];
    }
    dd::entryPositions(geometry, x, domain, entryX);
    list = dd::buildNeighbourList(entryX, domain.nOwned, cutoff + options.skin);
    // Ghost forces are folded per distinct atom before the sparse exchange.
    localIndex.assign(nAtoms, -1);
    touched.clear();
    entrySlot.resize(domain.entries.size());
    for (std::size_t e = 0; e < domain.entries.size(); ++e)
    {
        const int a = domain.entries[e].atom;
        if (localIndex[a] < 0)
        {
            localIndex[a] = static_cast<int>(touched.size());
            touched.push_back(a);
        }
        entrySlot[e] = localIndex[a];
    }
    for (int a : touched)
    {
        localIndex[a] = -1;
    }
    for (int k = 0; k < 3; ++k)
    {
        shiftBound[k] = std::ceil(shell / geometry.width[k]) + 1;
    }
    xAtBuild        = x;
    boxAtBuild      = box.vectors;
    periodicAtBuild = box.periodic;
    built           = true;
    ++stats.rebuilds;
}

StepResult NNDomainDecomposition::Impl::reduce(std::span<const int> nnIndices, const BackendOutput& out,
                                               double inferenceSeconds)
{
    StepResult result;
    result.forces.assign(3 * nnIndices.size(), 0.0);
    // Small vector summed over ranks: energy, virial, then per-rank time, owned, ghosts
    // (each rank fills its own slot), so statistics and balancing need no extra collective.
    const std::size_t   nSmall = 10 + 3 * static_cast<std::size_t>(size);
    std::vector<double> small(nSmall, 0.0);
    small[0] = out.energy;
    std::copy(out.virial.begin(), out.virial.end(), small.begin() + 1);
    small[10 + rank]            = inferenceSeconds;
    small[10 + size + rank]     = domain.nOwned;
    small[10 + 2 * size + rank] = static_cast<double>(domain.entries.size()) - domain.nOwned;

    if (options.reduction == ForceReduction::Allreduce)
    {
        buffer.assign(3 * static_cast<std::size_t>(nAtoms) + nSmall, 0.0);
        for (std::size_t e = 0; e < domain.entries.size(); ++e)
        {
            const int a = domain.entries[e].atom;
            for (int k = 0; k < 3; ++k)
            {
                buffer[3 * static_cast<std::size_t>(a) + k] += out.forces[3 * e + k];
            }
        }
        std::copy(small.begin(), small.end(), buffer.begin() + 3 * static_cast<std::ptrdiff_t>(nAtoms));
        MPI_Allreduce(MPI_IN_PLACE, buffer.data(), static_cast<int>(buffer.size()), MPI_DOUBLE, MPI_SUM, comm);
        for (std::size_t i = 0; i < nnIndices.size(); ++i)
        {
            std::copy_n(&buffer[3 * static_cast<std::size_t>(nnIndices[i])], 3, &result.forces[3 * i]);
        }
        std::copy(buffer.end() - static_cast<std::ptrdiff_t>(nSmall), buffer.end(), small.begin());
    }
    else
    {
        // Fold onto distinct atoms, then send each atom's sum to the rank holding it.
        std::vector<double>& folded = buffer;
        folded.assign(3 * touched.size(), 0.0);
        for (std::size_t e = 0; e < domain.entries.size(); ++e)
        {
            for (int k = 0; k < 3; ++k)
            {
                folded[3 * static_cast<std::size_t>(entrySlot[e]) + k] += out.forces[3 * e + k];
            }
        }
        std::vector<int> sendCounts(size, 0), sendDispls(size, 0), recvCounts(size, 0), recvDispls(size, 0);
        for (int a : touched)
        {
            sendCounts[holder[a]] += 4;
        }
        for (int r = 1; r < size; ++r)
        {
            sendDispls[r] = sendDispls[r - 1] + sendCounts[r - 1];
        }
        std::vector<double> send(touched.size() * 4);
        std::vector<int>    fill = sendDispls;
        for (std::size_t t = 0; t < touched.size(); ++t)
        {
            double* p = &send[fill[holder[touched[t]]]];
            p[0]      = touched[t]; // exact in a double
            std::copy_n(&folded[3 * t], 3, p + 1);
            fill[holder[touched[t]]] += 4;
        }
        MPI_Alltoall(sendCounts.data(), 1, MPI_INT, recvCounts.data(), 1, MPI_INT, comm);
        for (int r = 1; r < size; ++r)
        {
            recvDispls[r] = recvDispls[r - 1] + recvCounts[r - 1];
        }
        std::vector<double> recv(static_cast<std::size_t>(recvDispls[size - 1] + recvCounts[size - 1]));
        MPI_Alltoallv(send.data(), sendCounts.data(), sendDispls.data(), MPI_DOUBLE, recv.data(),
                      recvCounts.data(), recvDispls.data(), MPI_DOUBLE, comm);
        for (std::size_t i = 0; i < nnIndices.size(); ++i)
        {
            localIndex[nnIndices[i]] = static_cast<int>(i);
        }
        for (std::size_t p = 0; p < recv.size(); p += 4)
        {
            const int i = localIndex[static_cast<int>(recv[p])];
            for (int k = 0; k < 3; ++k)
            {
                result.forces[3 * static_cast<std::size_t>(i) + k] += recv[p + 1 + k];
            }
        }
        for (int a : nnIndices)
        {
            localIndex[a] = -1; // keep the scratch map clean: O(held), not O(N)
        }
        MPI_Allreduce(MPI_IN_PLACE, small.data(), static_cast<int>(nSmall), MPI_DOUBLE, MPI_SUM, comm);
    }
    result.energy = small[0];
    std::copy_n(small.begin() + 1, 9, result.virial.begin());
    for (int r = 0; r < size; ++r)
    {
        seconds[r]                        = small[10 + r];
        stats.computeSecondsPerRank[r]    = small[10 + r];
        stats.ownedPerRank[r]             = static_cast<int>(small[10 + size + r]);
        stats.ghostsPerRank[r]            = static_cast<int>(small[10 + 2 * size + r]);
    }
    return result;
}

NNDomainDecomposition::NNDomainDecomposition(MPI_Comm comm, IBackend& backend, std::vector<int> types,
                                             DecompositionOptions options) :
    impl_(std::make_unique<Impl>(comm, backend, std::move(types), options))
{
    if (comm == MPI_COMM_NULL)
    {
        throw Error("NNDomainDecomposition needs a valid communicator, got MPI_COMM_NULL");
    }
    if (!(options.skin >= 0) || !(options.ghostShellCutoffs >= 1.0))
    {
        throw Error("DecompositionOptions: skin must be >= 0 and ghostShellCutoffs >= 1");
    }
}

NNDomainDecomposition::~NNDomainDecomposition() = default;

StepResult NNDomainDecomposition::evaluate(std::span<const int> nnIndices, std::span<const double> positions,
                                           const Box& box)
{
    Impl&        d  = *impl_;
    const double t0 = now();
    d.timings       = StepTimings{};
    d.gather(nnIndices, positions, box);
    const double t1 = now();

    const bool rebalance = d.rebalanceDue();
    if (rebalance)
    {
        dd::weightsFromTimes(d.partition.owner, d.seconds, d.weights);
        d.lastBalanceStep = d.step;
        ++d.stats.rebalances;
    }
    const bool rebuilt = rebalance || d.needRebuild(box);
    runCollectively(d.comm, [&] {
        if (rebuilt)
        {
            d.rebuild(box);
        }
        else
        {
            if (box.periodic)
            {
                d.geometry.h = box.vectors; // images follow the current cell
            }
            dd::entryPositions(d.geometry, d.x, d.domain, d.entryX);
        }
    });
    const double t2 = now();

    BackendOutput out;
    // Only the backend's own time: t3 - t2 would include waiting for the slowest rank in the
    // error agreement, make every rank look equally slow and re-balance towards the slow one.
    double computeSeconds = 0;
    runCollectively(d.comm, [&] {
        BackendInput in;
        in.nOwned            = d.domain.nOwned;
        in.nGhost            = static_cast<int>(d.domain.entries.size()) - d.domain.nOwned;
        in.positions         = d.entryX;
        in.types             = d.entryTypes;
        in.neighbours        = &d.list;
        in.neighboursChanged = rebuilt;
        in.box               = box.periodic ? &box.vectors : nullptr;
        const double tc0 = now();
        d.backend.compute(in, out);
        computeSeconds = now() - tc0;
        if (out.forces.size() != d.entryX.size())
        {
            throw Error("backend " + d.backend.describe() + " returned "
                        + std::to_string(out.forces.size()) + " force components for "
                        + std::to_string(d.entryX.size()) + "; this is a backend bug");
        }
        if (!std::isfinite(out.energy))
        {
            throw Error("backend " + d.backend.describe() + " returned a non-finite energy");
        }
        for (std::size_t i = 0; i < out.forces.size(); ++i)
        {
            if (!std::isfinite(out.forces[i]))
            {
                throw Error("backend " + d.backend.describe() + " returned a non-finite force on "
                            "domain atom " + std::to_string(i / 3) + " (NaN or inf); the model "
                            "is outside its range or the configuration has blown up");
            }
        }
    });
    const double t3 = now();

    StepResult result = d.reduce(nnIndices, out, computeSeconds);
    const double t4   = now();
    d.timings.gather          = t1 - t0;
    d.timings.neighbourSearch = t2 - t1;
    d.timings.inference       = t3 - t2;
    d.timings.reduction       = t4 - t3;
    d.timings.total           = t4 - t0;
    d.timings.rebuilt         = rebuilt;
    ++d.step;
    return result;
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
