/*! \file
 * \brief Collective 1 with the index lists only when they changed (see coordinate_gather.h).
 */
#include "dd/coordinate_gather.h"

#include "common/error.h"
#include "common/nvtx.h"

#include <algorithm>

namespace dgmx::dd
{
namespace
{
//! Header slots in front of each rank's steady packet.
constexpr int c_failedSlot = 0, c_changedSlot = 1, c_headerSize = 2;

void prefixSums(std::span<const int> counts, std::vector<int>& displs)
{
    displs.assign(counts.size(), 0);
    for (std::size_t r = 1; r < counts.size(); ++r)
    {
        displs[r] = displs[r - 1] + counts[r - 1];
    }
}
} // namespace

bool CoordinateGather::gather(Collectives& c, std::span<const int> nnIndices, std::span<const double> positions,
                              const std::string& localError)
{
    DGMX_NVTX_RANGE("gather");
    if (haveLayout_ && steadyGather(c, nnIndices, positions, localError))
    {
        return false;
    }
    fullGather(c, nnIndices, positions, localError);
    return true;
}

bool CoordinateGather::steadyGather(Collectives& c, std::span<const int> nnIndices,
                                    std::span<const double> positions, const std::string& localError)
{
    const int  size    = c.size();
    const int  mine    = counts_[c.rank()];
    const bool changed = !std::equal(nnIndices.begin(), nnIndices.end(), myIndices_.begin(), myIndices_.end());
    packet_.assign(c_headerSize + 3 * static_cast<std::size_t>(mine), 0.0);
    packet_[c_failedSlot]  = localError.empty() ? 0.0 : 1.0;
    packet_[c_changedSlot] = changed ? 1.0 : 0.0;
    if (!changed && localError.empty())
    {
        std::copy(positions.begin(), positions.end(), packet_.begin() + c_headerSize);
    }
    packetCounts_.resize(size);
    for (int r = 0; r < size; ++r)
    {
        packetCounts_[r] = c_headerSize + 3 * counts_[r];
    }
    prefixSums(packetCounts_, packetDispls_);
    gathered_.resize(static_cast<std::size_t>(packetDispls_.back() + packetCounts_.back()));
    c.allgatherv(packet_.data(), static_cast<int>(packet_.size()), gathered_.data(), packetCounts_.data(),
                 packetDispls_.data());
    bool anyChanged = false;
    for (int r = 0; r < size; ++r)
    {
        if (gathered_[packetDispls_[r] + c_failedSlot] != 0)
        {
            c.throwFailureOf(r, localError);
        }
        anyChanged = anyChanged || gathered_[packetDispls_[r] + c_changedSlot] != 0;
    }
    if (anyChanged)
    {
        return false;
    }
    for (int r = 0; r < size; ++r)
    {
        const double* p = &gathered_[packetDispls_[r] + c_headerSize];
        for (int j = 0; j < counts_[r]; ++j)
        {
            std::copy_n(p + 3 * j, 3, &x_[3 * static_cast<std::size_t>(gatheredIndex_[displs_[r] + j])]);
        }
    }
    return true;
}

void CoordinateGather::fullGather(Collectives& c, std::span<const int> nnIndices, std::span<const double> positions,
                                  const std::string& localError)
{
    const int        size     = c.size();
    const int        mine     = localError.empty() ? static_cast<int>(nnIndices.size()) : 0;
    const int        header[] = { mine, localError.empty() ? 0 : 1 };
    std::vector<int> headers(2 * static_cast<std::size_t>(size));
    c.allgather(header, 2, headers.data());
    std::vector<int> counts(size);
    long             total = 0;
    for (int r = 0; r < size; ++r)
    {
        if (headers[2 * r + 1] != 0)
        {
            c.throwFailureOf(r, localError);
        }
        counts[r] = headers[2 * r];
        total += counts[r];
    }
    if (total != nAtoms_) // every rank sees the same counts: the same verdict, no collective
    {
        throw Error("the ranks passed " + std::to_string(total) + " NN atoms in total but the "
                    "decomposition was set up for " + std::to_string(nAtoms_)
                    + "; every NN atom must be passed by exactly one rank");
    }
    // Indices (exact in a double) then positions, 4 values per atom.
    packet_.assign(nnIndices.begin(), nnIndices.end());
    packet_.insert(packet_.end(), positions.begin(), positions.end());
    packetCounts_.resize(size);
    for (int r = 0; r < size; ++r)
    {
        packetCounts_[r] = 4 * counts[r];
    }
    prefixSums(packetCounts_, packetDispls_);
    gathered_.resize(4 * static_cast<std::size_t>(nAtoms_));
    c.allgatherv(packet_.data(), 4 * mine, gathered_.data(), packetCounts_.data(), packetDispls_.data());
    setLayout(counts, nnIndices);
    assignHolders();
    haveLayout_ = true;
}

void CoordinateGather::setLayout(std::span<const int> counts, std::span<const int> nnIndices)
{
    counts_.assign(counts.begin(), counts.end());
    prefixSums(counts_, displs_);
    myIndices_.assign(nnIndices.begin(), nnIndices.end());
    gatheredIndex_.resize(nAtoms_);
    for (std::size_t r = 0; r < counts_.size(); ++r)
    {
        const double* p = &gathered_[4 * static_cast<std::size_t>(displs_[r])];
        for (int j = 0; j < counts_[r]; ++j)
        {
            gatheredIndex_[displs_[r] + j] = static_cast<int>(p[j]);
        }
    }
}

void CoordinateGather::assignHolders()
{
    holder_.assign(nAtoms_, -1);
    x_.resize(3 * static_cast<std::size_t>(nAtoms_));
    for (std::size_t r = 0; r < counts_.size(); ++r)
    {
        const double* xr = &gathered_[4 * static_cast<std::size_t>(displs_[r]) + counts_[r]];
        for (int j = 0; j < counts_[r]; ++j)
        {
            const int a = gatheredIndex_[displs_[r] + j];
            if (holder_[a] >= 0) // the same data everywhere: the same verdict on every rank
            {
                throw Error("NN atom " + std::to_string(a) + " was passed by ranks "
                            + std::to_string(holder_[a]) + " and " + std::to_string(r)
                            + "; every NN atom must be passed by exactly one rank");
            }
            holder_[a] = static_cast<int>(r);
            std::copy_n(xr + 3 * j, 3, &x_[3 * static_cast<std::size_t>(a)]);
        }
    }
}
} // namespace dgmx::dd
