/*! \file
 * \brief Geometry, partitioning, ghost shells and neighbour search (see decomposition.h).
 */
#include "dd/decomposition.h"

#include "common/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <numeric>

namespace dgmx::dd
{
namespace
{
//! Atoms further out than this many cell lengths are refused: wrapping them loses precision
//! (double) and their image shifts would overflow int beyond 2^31.
constexpr double c_farthestImage = 1e6;

std::array<double, 9> inverse3(const std::array<double, 9>& m)
{
    const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
                       + m[2] * (m[3] * m[7] - m[4] * m[6]);
    if (!(std::abs(det) > 0) || !std::isfinite(det))
    {
        throw Error("the periodic box is singular (zero volume or not finite); pass three "
                    "independent box vectors or Box.periodic = false");
    }
    return { (m[4] * m[8] - m[5] * m[7]) / det, (m[2] * m[7] - m[1] * m[8]) / det,
             (m[1] * m[5] - m[2] * m[4]) / det, (m[5] * m[6] - m[3] * m[8]) / det,
             (m[0] * m[8] - m[2] * m[6]) / det, (m[2] * m[3] - m[0] * m[5]) / det,
             (m[3] * m[7] - m[4] * m[6]) / det, (m[1] * m[6] - m[0] * m[7]) / det,
             (m[0] * m[4] - m[1] * m[3]) / det };
}

std::array<double, 3> cross(const double* a, const double* b)
{
    return { a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0] };
}

double norm(const std::array<double, 3>& v)
{
    return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

struct RcbContext
{
    const CellGeometry*     g;
    std::span<const double> s;
    std::span<const double> w;
    Partition*              p;
};

//! The axis of \p box longest in nm.
int longestAxis(const CellGeometry& g, const FracBox& box)
{
    int axis = 0;
    for (int d = 1; d < 3; ++d)
    {
        if ((box.hi[d] - box.lo[d]) * g.width[d] > (box.hi[axis] - box.lo[axis]) * g.width[axis])
        {
            axis = d;
        }
    }
    return axis;
}

/*! Sorts \p atoms along \p axis and returns how many go low so that their weight is closest
 *  to \p fraction of the total; \p cut receives the plane between the two sides. */
std::size_t weightedSplit(const RcbContext& c, std::vector<int>& atoms, const FracBox& box, int axis,
                          double fraction, double& cut)
{
    const auto& s = c.s;
    std::sort(atoms.begin(), atoms.end(), [&](int a, int b) {
        return s[3 * a + axis] < s[3 * b + axis] || (s[3 * a + axis] == s[3 * b + axis] && a < b);
    });
    const std::size_t n = atoms.size();
    if (n == 0)
    {
        cut = box.lo[axis] + (box.hi[axis] - box.lo[axis]) * fraction;
        return 0;
    }
    double total = 0;
    for (int i : atoms)
    {
        total += c.w[i];
    }
    const double target = total * fraction;
    double       cum = 0, bestDiff = target;
    std::size_t  k = 0;
    for (std::size_t j = 0; j < n; ++j)
    {
        cum += c.w[atoms[j]];
        if (std::abs(cum - target) < bestDiff)
        {
            bestDiff = std::abs(cum - target);
            k        = j + 1;
        }
    }
    cut = (k == 0) ? box.lo[axis]
                   : (k == n ? box.hi[axis] : 0.5 * (s[3 * atoms[k - 1] + axis] + s[3 * atoms[k] + axis]));
    return k;
}

void bisect(RcbContext& c, std::vector<int>& atoms, FracBox box, int rank0, int nRanks)
{
    if (nRanks == 1)
    {
        c.p->domains[rank0] = box;
        for (int i : atoms)
        {
            c.p->owner[i] = rank0;
        }
        return;
    }
    const int         nLow = nRanks / 2;
    const int         axis = longestAxis(*c.g, box);
    double            cut  = 0;
    const std::size_t k    = weightedSplit(c, atoms, box, axis, static_cast<double>(nLow) / nRanks, cut);
    std::vector<int>  low(atoms.begin(), atoms.begin() + static_cast<std::ptrdiff_t>(k));
    std::vector<int>  high(atoms.begin() + static_cast<std::ptrdiff_t>(k), atoms.end());
    FracBox           lowBox = box, highBox = box;
    lowBox.hi[axis]  = cut;
    highBox.lo[axis] = cut;
    bisect(c, low, lowBox, rank0, nLow);
    bisect(c, high, highBox, rank0 + nLow, nRanks - nLow);
}

//! The image range [lo, hi] of atom \p i within \p margin of \p dm, per axis; false if none.
bool imageRange(const CellGeometry& g, const double* si, const FracBox& dm, const std::array<double, 3>& margin,
                std::array<int, 3>& lo, std::array<int, 3>& hi)
{
    lo = { 0, 0, 0 };
    hi = { 0, 0, 0 };
    for (int k = 0; k < 3; ++k)
    {
        if (g.periodic)
        {
            lo[k] = static_cast<int>(std::ceil(dm.lo[k] - margin[k] - si[k]));
            hi[k] = static_cast<int>(std::floor(dm.hi[k] + margin[k] - si[k]));
        }
        else if (!(si[k] >= dm.lo[k] - margin[k] && si[k] <= dm.hi[k] + margin[k]))
        {
            return false;
        }
        if (lo[k] > hi[k])
        {
            return false;
        }
    }
    return true;
}

//! Cell lists over the bounding box of the positions, cells at least \p cutoff wide.
struct CellGrid
{
    std::array<double, 3> lo{}, hi{};
    std::array<int, 3>    nc{};
    std::vector<int>      head, next, cellIndex; //!< cellIndex: 3 per atom

    CellGrid(std::span<const double> positions, double cutoff);
    [[nodiscard]] std::size_t flat(int a, int b, int c) const
    {
        return (static_cast<std::size_t>(a) * nc[1] + b) * nc[2] + c;
    }
};

CellGrid::CellGrid(std::span<const double> positions, double cutoff)
{
    const int n = static_cast<int>(positions.size() / 3);
    for (int k = 0; k < 3; ++k)
    {
        lo[k] = hi[k] = positions[k];
    }
    for (int i = 0; i < n; ++i)
    {
        for (int k = 0; k < 3; ++k)
        {
            lo[k] = std::min(lo[k], positions[3 * i + k]);
            hi[k] = std::max(hi[k], positions[3 * i + k]);
        }
    }
    // Cells at least one cutoff wide; widened when atoms are sparse so memory stays O(N).
    for (double cell = cutoff;; cell *= 1.5)
    {
        long total = 1;
        for (int k = 0; k < 3; ++k)
        {
            // In double first: a far atom (open boundaries) would overflow int.
            nc[k] = static_cast<int>(std::clamp((hi[k] - lo[k]) / cell, 1.0, 8.0 * n + 64));
            total *= nc[k];
        }
        if (total <= 8L * n + 64)
        {
            break;
        }
    }
    head.assign(static_cast<std::size_t>(nc[0]) * nc[1] * nc[2], -1);
    next.assign(n, -1);
    cellIndex.resize(3 * static_cast<std::size_t>(n));
    for (int i = n - 1; i >= 0; --i)
    {
        for (int k = 0; k < 3; ++k)
        {
            const double w = (hi[k] - lo[k]) / nc[k];
            const int    c = w > 0 ? static_cast<int>((positions[3 * i + k] - lo[k]) / w) : 0;
            cellIndex[3 * i + k] = std::clamp(c, 0, nc[k] - 1);
        }
        const std::size_t c = flat(cellIndex[3 * i], cellIndex[3 * i + 1], cellIndex[3 * i + 2]);
        next[i]             = head[c];
        head[c]             = i;
    }
}

//! Appends to \p out the atoms of the 27 cells around atom \p i closer than sqrt(cut2).
void neighboursOf(const CellGrid& grid, std::span<const double> x, int i, double cut2, std::vector<int>& out)
{
    const int* ci = &grid.cellIndex[3 * static_cast<std::size_t>(i)];
    for (int a = std::max(0, ci[0] - 1); a <= std::min(grid.nc[0] - 1, ci[0] + 1); ++a)
    {
        for (int b = std::max(0, ci[1] - 1); b <= std::min(grid.nc[1] - 1, ci[1] + 1); ++b)
        {
            for (int c = std::max(0, ci[2] - 1); c <= std::min(grid.nc[2] - 1, ci[2] + 1); ++c)
            {
                for (int j = grid.head[grid.flat(a, b, c)]; j >= 0; j = grid.next[j])
                {
                    const double dx = x[3 * j] - x[3 * i];
                    const double dy = x[3 * j + 1] - x[3 * i + 1];
                    const double dz = x[3 * j + 2] - x[3 * i + 2];
                    if (j != i && dx * dx + dy * dy + dz * dz < cut2)
                    {
                        out.push_back(j);
                    }
                }
            }
        }
    }
}
} // namespace

CellGeometry makeGeometry(const Box& box, std::span<const double> x)
{
    CellGeometry g;
    g.periodic = box.periodic;
    if (box.periodic)
    {
        g.h      = box.vectors;
        g.hInv   = inverse3(g.h);
        const double volume = std::abs(g.h[0] * (g.h[4] * g.h[8] - g.h[5] * g.h[7])
                                       - g.h[1] * (g.h[3] * g.h[8] - g.h[5] * g.h[6])
                                       + g.h[2] * (g.h[3] * g.h[7] - g.h[4] * g.h[6]));
        const double* a = &g.h[0];
        const double* b = &g.h[3];
        const double* c = &g.h[6];
        g.width         = { volume / norm(cross(b, c)), volume / norm(cross(c, a)),
                            volume / norm(cross(a, b)) };
        return g;
    }
    // Open boundaries: a diagonal frame over the bounding box of the atoms.
    std::array<double, 3> lo{ 0, 0, 0 }, hi{ 0, 0, 0 };
    const std::size_t     n = x.size() / 3;
    for (int d = 0; d < 3; ++d)
    {
        lo[d] = n ? x[d] : 0.0;
        hi[d] = lo[d];
    }
    for (std::size_t i = 0; i < n; ++i)
    {
        for (int d = 0; d < 3; ++d)
        {
            lo[d] = std::min(lo[d], x[3 * i + d]);
            hi[d] = std::max(hi[d], x[3 * i + d]);
        }
    }
    g.origin = lo;
    for (int d = 0; d < 3; ++d)
    {
        const double extent = std::max(hi[d] - lo[d], 1e-3);
        g.h[4 * d]          = extent;
        g.hInv[4 * d]       = 1.0 / extent;
        g.width[d]          = extent;
    }
    return g;
}

void toFractional(const CellGeometry& g, std::span<const double> x, std::vector<double>& s,
                  std::vector<std::array<int, 3>>& wrapShift)
{
    const std::size_t n = x.size() / 3;
    s.resize(3 * n);
    wrapShift.assign(n, { 0, 0, 0 });
    for (std::size_t i = 0; i < n; ++i)
    {
        for (int k = 0; k < 3; ++k)
        {
            double v = 0;
            for (int m = 0; m < 3; ++m)
            {
                v += (x[3 * i + m] - g.origin[m]) * g.hInv[3 * m + k];
            }
            if (g.periodic)
            {
                double f = std::floor(v);
                if (!(std::abs(f) <= c_farthestImage))
                {
                    char lengths[32];
                    std::snprintf(lengths, sizeof lengths, "%.3g", std::abs(v));
                    throw Error("NN atom " + std::to_string(i) + " (0-based) is " + lengths
                                + " cell lengths outside the periodic cell, beyond the 1e6 the decomposition "
                                  "wraps exactly; the simulation has blown up (or the coordinates are not in nm)");
                }
                v -= f;
                if (v >= 1.0) // rounding of tiny negative values
                {
                    v -= 1.0;
                    f += 1.0;
                }
                wrapShift[i][k] = -static_cast<int>(f);
            }
            s[3 * i + k] = v;
        }
    }
}

Partition partitionAtoms(PartitionMethod method, const CellGeometry& g, std::span<const double> s,
                         std::span<const double> weights, int nRanks)
{
    const int n = static_cast<int>(s.size() / 3);
    Partition p;
    p.domains.resize(nRanks);
    p.owner.assign(n, 0);
    const FracBox whole{ { 0, 0, 0 }, { 1, 1, 1 } };
    if (method == PartitionMethod::Slab)
    {
        const int axis = static_cast<int>(std::max_element(g.width.begin(), g.width.end()) - g.width.begin());
        for (int r = 0; r < nRanks; ++r)
        {
            p.domains[r]          = whole;
            p.domains[r].lo[axis] = static_cast<double>(r) / nRanks;
            p.domains[r].hi[axis] = static_cast<double>(r + 1) / nRanks;
        }
        for (int i = 0; i < n; ++i)
        {
            p.owner[i] = std::clamp(static_cast<int>(s[3 * i + axis] * nRanks), 0, nRanks - 1);
        }
        return p;
    }
    std::vector<int> atoms(n);
    std::iota(atoms.begin(), atoms.end(), 0);
    RcbContext c{ &g, s, weights, &p };
    bisect(c, atoms, whole, 0, nRanks);
    return p;
}

DomainAtoms buildDomainAtoms(const CellGeometry& g, std::span<const double> s,
                             std::span<const std::array<int, 3>> wrapShift, const Partition& p,
                             int rank, double shell)
{
    const int   n = static_cast<int>(s.size() / 3);
    DomainAtoms d;
    for (int i = 0; i < n; ++i)
    {
        if (p.owner[i] == rank)
        {
            d.entries.push_back({ i, wrapShift[i] });
        }
    }
    d.nOwned          = static_cast<int>(d.entries.size());
    const FracBox& dm = p.domains[rank];
    if (d.nOwned == 0)
    {
        return d; // no owned atoms: no ghosts needed
    }
    std::array<double, 3> margin{};
    for (int k = 0; k < 3; ++k)
    {
        margin[k] = shell / g.width[k];
    }
    for (int i = 0; i < n; ++i)
    {
        std::array<int, 3> lo{}, hi{};
        if (!imageRange(g, &s[3 * static_cast<std::size_t>(i)], dm, margin, lo, hi))
        {
            continue;
        }
        for (int a = lo[0]; a <= hi[0]; ++a)
        {
            for (int b = lo[1]; b <= hi[1]; ++b)
            {
                for (int c = lo[2]; c <= hi[2]; ++c)
                {
                    if (a == 0 && b == 0 && c == 0 && p.owner[i] == rank)
                    {
                        continue; // the owned copy itself
                    }
                    d.entries.push_back({ i,
                                          { wrapShift[i][0] + a, wrapShift[i][1] + b,
                                            wrapShift[i][2] + c } });
                }
            }
        }
    }
    return d;
}

void entryPositions(const CellGeometry& g, std::span<const double> x, const DomainAtoms& d,
                    std::vector<double>& positions)
{
    positions.resize(3 * d.entries.size());
    for (std::size_t e = 0; e < d.entries.size(); ++e)
    {
        const auto& [atom, n] = d.entries[e];
        for (int k = 0; k < 3; ++k)
        {
            double v = x[3 * atom + k];
            if (g.periodic)
            {
                v += n[0] * g.h[k] + n[1] * g.h[3 + k] + n[2] * g.h[6 + k];
            }
            positions[3 * e + k] = v;
        }
    }
}

NeighbourList buildNeighbourList(std::span<const double> positions, int nOwned, double cutoff)
{
    NeighbourList list;
    list.offsets.assign(nOwned + 1, 0);
    if (positions.empty() || nOwned == 0)
    {
        return list;
    }
    const CellGrid grid(positions, cutoff);
    for (int i = 0; i < nOwned; ++i)
    {
        const std::size_t rowStart = list.indices.size();
        neighboursOf(grid, positions, i, cutoff * cutoff, list.indices);
        std::sort(list.indices.begin() + static_cast<std::ptrdiff_t>(rowStart), list.indices.end());
        list.offsets[i + 1] = static_cast<int>(list.indices.size());
    }
    return list;
}

void weightsFromTimes(std::span<const int> owner, std::span<const double> seconds, std::vector<double>& weights)
{
    const std::size_t   n      = owner.size();
    const std::size_t   nRanks = seconds.size();
    std::vector<double> count(nRanks, 0.0);
    for (int r : owner)
    {
        count[r] += 1;
    }
    weights.resize(n, 1.0);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
    {
        const int r = owner[i];
        if (seconds[r] > 0)
        {
            weights[i] = seconds[r] / count[r];
        }
        sum += weights[i];
    }
    if (sum > 0 && n > 0)
    {
        for (auto& w : weights)
        {
            w *= static_cast<double>(n) / sum;
        }
    }
}
} // namespace dgmx::dd
