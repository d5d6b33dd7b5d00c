/*! \file
 * \brief The serial building blocks of the decomposition, identical on every rank: cell
 * geometry in fractional coordinates, partitioning (slab, weighted RCB), ghost shells with
 * integer image shifts, and cell-list neighbour search. No MPI: the benchmarks and tests call
 * them directly for any rank count.
 */
#pragma once

#include "backends/backend.h"
#include "dd/dd_types.h"

#include <array>
#include <span>
#include <vector>

namespace dgmx::dd
{
//! Fractional frame: s = (x - origin) H^-1 with H's rows the cell vectors. Open boundaries
//! use a diagonal frame spanning the atoms' bounding box and never wrap.
struct CellGeometry
{
    std::array<double, 9> h{}, hInv{};
    std::array<double, 3> origin{};
    std::array<double, 3> width{}; //!< perpendicular widths (nm) of the three cell faces
    bool                  periodic = true;
};

CellGeometry makeGeometry(const Box& box, std::span<const double> x);

//! Wrapped fractional coordinates (periodic: in [0,1)) and the integer shift that wraps
//! each atom: x_wrapped = x + shift H.
void toFractional(const CellGeometry& g, std::span<const double> x, std::vector<double>& s,
                  std::vector<std::array<int, 3>>& wrapShift);

//! A domain is a box in fractional coordinates.
struct FracBox
{
    std::array<double, 3> lo{}, hi{};
};

struct Partition
{
    std::vector<FracBox> domains; //!< one per rank
    std::vector<int>     owner;   //!< rank of every atom
};

/*! Splits atoms (wrapped fractional coordinates s) among nRanks. Slab: equal slabs along the
 *  axis of largest perpendicular width. Rcb: recursive bisection along the longest (in nm)
 *  extent, cuts placed so the weight is split in proportion to the ranks on each side. */
Partition partitionAtoms(PartitionMethod method, const CellGeometry& g, std::span<const double> s,
                         std::span<const double> weights, int nRanks);

//! One included atom of a domain: global atom and integer image shift (position x + shift H).
struct DomainEntry
{
    int                atom;
    std::array<int, 3> shift;
};

struct DomainAtoms
{
    int                      nOwned = 0;
    std::vector<DomainEntry> entries; //!< owned first, then ghosts
};

/*! Owned atoms of \p rank plus every image of every atom within \p shell (nm) of its domain,
 *  measured by perpendicular widths (triclinic safe; an atom's own image may be a ghost). */
DomainAtoms buildDomainAtoms(const CellGeometry& g, std::span<const double> s,
                             std::span<const std::array<int, 3>> wrapShift, const Partition& p,
                             int rank, double shell);

//! Image positions of the entries with the current global positions and cell.
void entryPositions(const CellGeometry& g, std::span<const double> x, const DomainAtoms& d,
                    std::vector<double>& positions);

//! Full neighbour list of the first nOwned atoms (pairs closer than cutoff), O(N) cell lists.
NeighbourList buildNeighbourList(std::span<const double> positions, int nOwned, double cutoff);

/*! Per-atom weights from measured per-rank times (cost of owned + ghost atoms, spread over
 *  the owned ones), normalised to mean 1. Ranks without atoms keep the previous weights. */
void weightsFromTimes(std::span<const int> owner, std::span<const double> seconds,
                      std::vector<double>& weights);
} // namespace dgmx::dd
