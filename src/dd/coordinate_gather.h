/*! \file
 * \brief Collective 1: the positions every rank holds, gathered onto every rank in NN order.
 * Steady steps send positions only, in the order of the last index exchange, behind a
 * two-slot header per rank (failed, atom set changed). The index lists travel (an Allgather
 * of counts and an Allgatherv of indices and positions) on the first step, after a failure,
 * and when any rank's set changed, which every rank learns from the headers.
 */
#pragma once

#include "dd/collectives.h"

#include <span>
#include <string>
#include <vector>

namespace dgmx::dd
{
class CoordinateGather
{
public:
    explicit CoordinateGather(int nAtoms) : nAtoms_(nAtoms) {}

    /*! Collective. \p localError non-empty marks this rank failed: every rank then throws
     *  CollectiveError with the lowest failing rank's message. Returns true when the index
     *  lists travelled (the holders may have changed). */
    bool gather(Collectives& c, std::span<const int> nnIndices, std::span<const double> positions,
                const std::string& localError);
    //! Forget the index layout: the next gather sends the indices again.
    void invalidate() { haveLayout_ = false; }

    //! 3 per NN atom, NN order.
    [[nodiscard]] std::span<const double> positions() const { return x_; }
    //! The rank holding each NN atom.
    [[nodiscard]] std::span<const int> holder() const { return holder_; }

private:
    bool steadyGather(Collectives& c, std::span<const int> nnIndices, std::span<const double> positions,
                      const std::string& localError);
    void fullGather(Collectives& c, std::span<const int> nnIndices, std::span<const double> positions,
                    const std::string& localError);
    void setLayout(std::span<const int> counts, std::span<const int> nnIndices);
    void assignHolders();

    int nAtoms_;
    // The layout of the last index exchange.
    bool             haveLayout_ = false;
    std::vector<int> myIndices_, counts_, displs_, gatheredIndex_, holder_;
    // Buffers.
    std::vector<int>    packetCounts_, packetDispls_;
    std::vector<double> packet_, gathered_, x_;
};
} // namespace dgmx::dd
