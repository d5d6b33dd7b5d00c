/*! \file
 * \brief Collective 2, one function per strategy (see force_reduction.h).
 */
#include "dd/force_reduction.h"

#include "common/nvtx.h"

#include <algorithm>

namespace dgmx::dd
{
namespace
{
//! Energy and virial, then one RankReport per rank.
constexpr std::size_t c_totalsSize = 10, c_reportSize = 6;

void packTotals(const StepSummary& s, double* out)
{
    out[0] = s.energy;
    std::copy(s.virial.begin(), s.virial.end(), out + 1);
}

void addTotals(const double* in, StepSummary& s)
{
    s.energy += in[0];
    for (int k = 0; k < 9; ++k)
    {
        s.virial[k] += in[1 + k];
    }
}

void packReport(const RankReport& r, double* out)
{
    const double values[c_reportSize] = { r.failed, r.inferenceSeconds, r.workSeconds, r.owned, r.ghosts, r.pairs };
    std::copy_n(values, c_reportSize, out);
}

RankReport unpackReport(const double* in)
{
    return { in[0], in[1], in[2], in[3], in[4], in[5] };
}
} // namespace

int StepSummary::lowestFailingRank() const
{
    for (std::size_t r = 0; r < ranks.size(); ++r)
    {
        if (ranks[r].failed != 0)
        {
            return static_cast<int>(r);
        }
    }
    return -1;
}

void ForceReducer::reduce(Collectives& c, const DomainForces& mine, std::span<const int> holder,
                          std::span<const int> nnIndices, bool holdersOrDomainChanged, StepSummary& summary,
                          std::vector<double>& forces)
{
    DGMX_NVTX_RANGE("reduction");
    forces.assign(3 * nnIndices.size(), 0.0);
    if (method_ == ForceReduction::Allreduce)
    {
        byAllreduce(c, mine, nnIndices, summary, forces);
    }
    else
    {
        bySparseExchange(c, mine, holder, nnIndices, holdersOrDomainChanged, summary, forces);
    }
}

void ForceReducer::byAllreduce(Collectives& c, const DomainForces& mine, std::span<const int> nnIndices,
                               StepSummary& summary, std::vector<double>& forces)
{
    const std::size_t nForces = 3 * static_cast<std::size_t>(nAtoms_);
    buffer_.assign(nForces + c_totalsSize + c_reportSize * summary.ranks.size(), 0.0);
    for (std::size_t e = 0; e < mine.entries.size(); ++e)
    {
        for (int k = 0; k < 3; ++k)
        {
            buffer_[3 * static_cast<std::size_t>(mine.entries[e].atom) + k] += mine.forces[3 * e + k];
        }
    }
    packTotals(summary, &buffer_[nForces]);
    packReport(summary.ranks[c.rank()], &buffer_[nForces + c_totalsSize + c_reportSize * c.rank()]);
    c.allreduceSum(buffer_.data(), static_cast<int>(buffer_.size()));
    for (std::size_t i = 0; i < nnIndices.size(); ++i)
    {
        std::copy_n(&buffer_[3 * static_cast<std::size_t>(nnIndices[i])], 3, &forces[3 * i]);
    }
    summary.energy = 0;
    summary.virial = {};
    addTotals(&buffer_[nForces], summary);
    for (std::size_t r = 0; r < summary.ranks.size(); ++r)
    {
        summary.ranks[r] = unpackReport(&buffer_[nForces + c_totalsSize + c_reportSize * r]);
    }
}

void ForceReducer::bySparseExchange(Collectives& c, const DomainForces& mine, std::span<const int> holder,
                                    std::span<const int> nnIndices, bool planChanged, StepSummary& summary,
                                    std::vector<double>& forces)
{
    const int size = c.size();
    packSparse(c, mine, holder, summary);
    if (planChanged || recvCounts_.size() != static_cast<std::size_t>(size))
    {
        // Message sizes follow the domain and the holders; steady steps reuse them.
        recvCounts_.resize(size);
        c.alltoall(sendCounts_.data(), recvCounts_.data());
        recvDispls_.assign(size, 0);
        for (int r = 1; r < size; ++r)
        {
            recvDispls_[r] = recvDispls_[r - 1] + recvCounts_[r - 1];
        }
    }
    recv_.resize(static_cast<std::size_t>(recvDispls_.back() + recvCounts_.back()));
    c.alltoallv(buffer_.data(), sendCounts_.data(), sendDispls_.data(), recv_.data(), recvCounts_.data(),
                recvDispls_.data());
    unpackSparse(size, nnIndices, summary, forces);
}

void ForceReducer::packSparse(Collectives& c, const DomainForces& mine, std::span<const int> holder,
                              const StepSummary& summary)
{
    // Fold onto distinct atoms; each destination gets our totals and report, then
    // (atom, fx, fy, fz) for every touched atom it holds.
    const int         size   = c.size();
    const std::size_t header = c_totalsSize + c_reportSize;
    folded_.assign(3 * mine.touched.size(), 0.0);
    for (std::size_t e = 0; e < mine.entrySlot.size(); ++e)
    {
        for (int k = 0; k < 3; ++k)
        {
            folded_[3 * static_cast<std::size_t>(mine.entrySlot[e]) + k] += mine.forces[3 * e + k];
        }
    }
    sendCounts_.assign(size, static_cast<int>(header));
    for (int a : mine.touched)
    {
        sendCounts_[holder[a]] += 4;
    }
    sendDispls_.assign(size, 0);
    for (int r = 1; r < size; ++r)
    {
        sendDispls_[r] = sendDispls_[r - 1] + sendCounts_[r - 1];
    }
    buffer_.resize(static_cast<std::size_t>(sendDispls_.back() + sendCounts_.back()));
    std::vector<int> fill = sendDispls_;
    for (int r = 0; r < size; ++r)
    {
        packTotals(summary, &buffer_[fill[r]]);
        packReport(summary.ranks[c.rank()], &buffer_[fill[r] + c_totalsSize]);
        fill[r] += static_cast<int>(header);
    }
    for (std::size_t t = 0; t < mine.touched.size(); ++t)
    {
        double* p = &buffer_[fill[holder[mine.touched[t]]]];
        p[0]      = mine.touched[t]; // exact in a double
        std::copy_n(&folded_[3 * t], 3, p + 1);
        fill[holder[mine.touched[t]]] += 4;
    }
}

void ForceReducer::unpackSparse(int nRanks, std::span<const int> nnIndices, StepSummary& summary,
                                std::vector<double>& forces)
{
    localIndex_.resize(nAtoms_, -1);
    for (std::size_t i = 0; i < nnIndices.size(); ++i)
    {
        localIndex_[nnIndices[i]] = static_cast<int>(i);
    }
    summary.energy = 0;
    summary.virial = {};
    for (int r = 0; r < nRanks; ++r)
    {
        const double* p = &recv_[recvDispls_[r]];
        addTotals(p, summary);
        summary.ranks[r] = unpackReport(p + c_totalsSize);
        for (int q = c_totalsSize + c_reportSize; q < recvCounts_[r]; q += 4)
        {
            const int i = localIndex_[static_cast<int>(p[q])];
            for (int k = 0; k < 3; ++k)
            {
                forces[3 * static_cast<std::size_t>(i) + k] += p[q + 1 + k];
            }
        }
    }
    for (int a : nnIndices)
    {
        localIndex_[a] = -1; // keep the scratch map clean: O(held), not O(N)
    }
}
} // namespace dgmx::dd
