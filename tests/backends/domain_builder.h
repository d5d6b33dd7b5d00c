/*! \file
 * \brief Test and benchmark helper: builds one sub-domain holding every atom (owned atoms
 * wrapped into the cell, then all periodic images within cutoff + skin of the cell as ghosts)
 * with a full neighbour list, independently of src/dd. Header only.
 */
#pragma once

#include "backends/backend.h"

#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace dgmx::test
{
struct Domain
{
    int                 nOwned = 0, nGhost = 0;
    std::vector<double> positions; //!< owned (wrapped) then ghosts, nm
    std::vector<int>    types;
    std::vector<int>    owner;     //!< owned index of every atom (itself for owned atoms)
    NeighbourList       list;
};

inline std::array<double, 9> inverse3(const std::array<double, 9>& m)
{
    const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
                       + m[2] * (m[3] * m[7] - m[4] * m[6]);
    return { (m[4] * m[8] - m[5] * m[7]) / det, (m[2] * m[7] - m[1] * m[8]) / det,
             (m[1] * m[5] - m[2] * m[4]) / det, (m[5] * m[6] - m[3] * m[8]) / det,
             (m[0] * m[8] - m[2] * m[6]) / det, (m[2] * m[3] - m[0] * m[5]) / det,
             (m[3] * m[7] - m[4] * m[6]) / det, (m[1] * m[6] - m[0] * m[7]) / det,
             (m[0] * m[4] - m[1] * m[3]) / det };
}

/*! \param box rows are cell vectors (nm), or nullopt for open boundaries.
 *  Pairs up to cutoff + skin are listed (beyond the cutoff on purpose: backends cut). */
inline Domain buildDomain(const std::vector<double>& x, const std::vector<int>& types,
                          const std::optional<std::array<double, 9>>& box, double cutoff, double skin)
{
    Domain     d;
    const int  n     = static_cast<int>(types.size());
    const auto reach = cutoff + skin;
    d.nOwned         = n;
    d.positions      = x;
    d.types          = types;
    for (int i = 0; i < n; ++i)
    {
        d.owner.push_back(i);
    }
    if (box)
    {
        const auto& b    = *box;
        const auto  binv = inverse3(b);
        // Fractional coordinates s = x B^-1 (x = s B with B's rows the cell vectors).
        std::vector<double> s(3 * n);
        for (int i = 0; i < n; ++i)
        {
            for (int k = 0; k < 3; ++k)
            {
                double v = 0;
                for (int m = 0; m < 3; ++m)
                {
                    v += x[3 * i + m] * binv[3 * m + k];
                }
                s[3 * i + k] = v - std::floor(v);
            }
            for (int k = 0; k < 3; ++k)
            {
                double v = 0;
                for (int m = 0; m < 3; ++m)
                {
                    v += s[3 * i + m] * b[3 * m + k];
                }
                d.positions[3 * i + k] = v;
            }
        }
        // Cell heights: volume / |cross of the other two|.
        auto cross = [&](int p, int q) {
            return std::array<double, 3>{ b[3 * p + 1] * b[3 * q + 2] - b[3 * p + 2] * b[3 * q + 1],
                                          b[3 * p + 2] * b[3 * q] - b[3 * p] * b[3 * q + 2],
                                          b[3 * p] * b[3 * q + 1] - b[3 * p + 1] * b[3 * q] };
        };
        const double volume = std::abs(b[0] * (b[4] * b[8] - b[5] * b[7])
                                       - b[1] * (b[3] * b[8] - b[5] * b[6])
                                       + b[2] * (b[3] * b[7] - b[4] * b[6]));
        std::array<double, 3> margin{};
        std::array<int, 3>    shells{};
        for (int k = 0; k < 3; ++k)
        {
            const auto c   = cross((k + 1) % 3, (k + 2) % 3);
            const double h = volume / std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
            margin[k]      = reach / h;
            shells[k]      = static_cast<int>(std::ceil(margin[k]));
        }
        for (int i = 0; i < n; ++i)
        {
            for (int na = -shells[0]; na <= shells[0]; ++na)
            {
                for (int nb = -shells[1]; nb <= shells[1]; ++nb)
                {
                    for (int nc = -shells[2]; nc <= shells[2]; ++nc)
                    {
                        if (na == 0 && nb == 0 && nc == 0)
                        {
                            continue;
                        }
                        const std::array<double, 3> f{ s[3 * i] + na, s[3 * i + 1] + nb, s[3 * i + 2] + nc };
                        bool keep = true;
                        for (int k = 0; k < 3; ++k)
                        {
                            keep = keep && f[k] >= -margin[k] && f[k] <= 1 + margin[k];
                        }
                        if (!keep)
                        {
                            continue;
                        }
                        for (int k = 0; k < 3; ++k)
                        {
                            d.positions.push_back(f[0] * b[k] + f[1] * b[3 + k] + f[2] * b[6 + k]);
                        }
                        d.types.push_back(types[i]);
                        d.owner.push_back(i);
                        ++d.nGhost;
                    }
                }
            }
        }
    }
    // Neighbour list with a Cartesian cell grid over all atoms.
    const int nAll = d.nOwned + d.nGhost;
    std::array<double, 3> lo{ 1e300, 1e300, 1e300 };
    for (int i = 0; i < nAll; ++i)
    {
        for (int k = 0; k < 3; ++k)
        {
            lo[k] = std::min(lo[k], d.positions[3 * i + k]);
        }
    }
    auto cellOf = [&](int i) {
        return std::array<long, 3>{ static_cast<long>(std::floor((d.positions[3 * i] - lo[0]) / reach)),
                                    static_cast<long>(std::floor((d.positions[3 * i + 1] - lo[1]) / reach)),
                                    static_cast<long>(std::floor((d.positions[3 * i + 2] - lo[2]) / reach)) };
    };
    std::map<std::array<long, 3>, std::vector<int>> grid;
    for (int i = 0; i < nAll; ++i)
    {
        grid[cellOf(i)].push_back(i);
    }
    d.list.offsets.assign(1, 0);
    for (int i = 0; i < d.nOwned; ++i)
    {
        const auto c = cellOf(i);
        for (long dx = -1; dx <= 1; ++dx)
        {
            for (long dy = -1; dy <= 1; ++dy)
            {
                for (long dz = -1; dz <= 1; ++dz)
                {
                    auto it = grid.find({ c[0] + dx, c[1] + dy, c[2] + dz });
                    if (it == grid.end())
                    {
                        continue;
                    }
                    for (int j : it->second)
                    {
                        if (j == i)
                        {
                            continue;
                        }
                        double r2 = 0;
                        for (int k = 0; k < 3; ++k)
                        {
                            const double dd = d.positions[3 * j + k] - d.positions[3 * i + k];
                            r2 += dd * dd;
                        }
                        if (r2 < reach * reach)
                        {
                            d.list.indices.push_back(j);
                        }
                    }
                }
            }
        }
        d.list.offsets.push_back(static_cast<int>(d.list.indices.size()));
    }
    return d;
}

//! Sums ghost forces onto their owners: forces of the nOwned atoms.
inline std::vector<double> foldForces(const Domain& d, const std::vector<double>& forces)
{
    std::vector<double> folded(3 * static_cast<std::size_t>(d.nOwned), 0.0);
    for (int i = 0; i < d.nOwned + d.nGhost; ++i)
    {
        for (int k = 0; k < 3; ++k)
        {
            folded[3 * d.owner[i] + k] += forces[3 * i + k];
        }
    }
    return folded;
}

inline BackendInput makeInput(const Domain& d, const std::array<double, 9>* box, bool changed = true)
{
    BackendInput in;
    in.nOwned            = d.nOwned;
    in.nGhost            = d.nGhost;
    in.positions         = d.positions;
    in.types             = d.types;
    in.neighbours        = &d.list;
    in.neighboursChanged = changed;
    in.box               = box;
    return in;
}
} // namespace dgmx::test
