/*! \file
 * \brief Independent serial reference for the decomposition tests: one domain owning every
 * atom (unwrapped, as given), every periodic image n != 0 within reach of some owned atom as
 * a ghost (explicit image loop), and an all-pairs neighbour list. Shares no code with src/dd.
 */
#pragma once

#include "backends/backend.h"

#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace dgmx::test
{
struct BruteDomain
{
    int                 nOwned = 0;
    std::vector<double> positions;
    std::vector<int>    types, origin;
    NeighbourList       list;
};

/*! \param box rows are cell vectors, or nullptr for open boundaries
 *  \param images images -images..images along each cell vector are tried */
inline BruteDomain bruteDomain(const std::vector<double>& x, const std::vector<int>& types,
                               const std::array<double, 9>* box, double reach, int images)
{
    BruteDomain d;
    const int   n = static_cast<int>(types.size());
    d.nOwned      = n;
    d.positions   = x;
    d.types       = types;
    for (int i = 0; i < n; ++i)
    {
        d.origin.push_back(i);
    }
    auto near = [&](const double* p) {
        for (int i = 0; i < n; ++i)
        {
            double r2 = 0;
            for (int k = 0; k < 3; ++k)
            {
                r2 += (p[k] - x[3 * i + k]) * (p[k] - x[3 * i + k]);
            }
            if (r2 < reach * reach)
            {
                return true;
            }
        }
        return false;
    };
    if (box)
    {
        const auto& b = *box;
        for (int j = 0; j < n; ++j)
        {
            for (int na = -images; na <= images; ++na)
            {
                for (int nb = -images; nb <= images; ++nb)
                {
                    for (int nc = -images; nc <= images; ++nc)
                    {
                        if (na == 0 && nb == 0 && nc == 0)
                        {
                            continue;
                        }
                        double p[3];
                        for (int k = 0; k < 3; ++k)
                        {
                            p[k] = x[3 * j + k] + na * b[k] + nb * b[3 + k] + nc * b[6 + k];
                        }
                        if (near(p))
                        {
                            d.positions.insert(d.positions.end(), p, p + 3);
                            d.types.push_back(types[j]);
                            d.origin.push_back(j);
                        }
                    }
                }
            }
        }
    }
    const int nAll = static_cast<int>(d.types.size());
    d.list.offsets.assign(1, 0);
    for (int i = 0; i < n; ++i)
    {
        for (int j = 0; j < nAll; ++j)
        {
            double r2 = 0;
            for (int k = 0; k < 3; ++k)
            {
                r2 += (d.positions[3 * j + k] - d.positions[3 * i + k]) * (d.positions[3 * j + k] - d.positions[3 * i + k]);
            }
            if (j != i && r2 < reach * reach)
            {
                d.list.indices.push_back(j);
            }
        }
        d.list.offsets.push_back(static_cast<int>(d.list.indices.size()));
    }
    return d;
}

struct Reference
{
    double                energy = 0;
    std::vector<double>   forces; //!< per atom, folded
    std::array<double, 9> virial{};
};

inline Reference bruteEvaluate(IBackend& backend, const std::vector<double>& x, const std::vector<int>& types,
                               const std::array<double, 9>* box, int images = 3)
{
    const BruteDomain d = bruteDomain(x, types, box, backend.cutoff(), images);
    BackendInput      in;
    in.nOwned     = d.nOwned;
    in.nGhost     = static_cast<int>(d.types.size()) - d.nOwned;
    in.positions  = d.positions;
    in.types      = d.types;
    in.neighbours = &d.list;
    in.box        = box;
    BackendOutput out;
    backend.compute(in, out);
    Reference r;
    r.energy = out.energy;
    r.virial = out.virial;
    r.forces.assign(x.size(), 0.0);
    for (std::size_t e = 0; e < d.origin.size(); ++e)
    {
        for (int k = 0; k < 3; ++k)
        {
            r.forces[3 * d.origin[e] + k] += out.forces[3 * e + k];
        }
    }
    return r;
}

//! Random atoms in the cell (fractional uniform), at least minDist apart (periodic distance
//! when box given), types drawn from [0, nTypes).
inline void randomAtoms(int n, const std::array<double, 9>& box, bool periodic, double minDist, int nTypes,
                        unsigned seed, std::vector<double>& x, std::vector<int>& types)
{
    std::mt19937                           rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    x.clear();
    types.clear();
    int attempts = 0;
    while (static_cast<int>(types.size()) < n && attempts++ < 200000)
    {
        const double s[3] = { u(rng), u(rng), u(rng) };
        double       p[3];
        for (int k = 0; k < 3; ++k)
        {
            p[k] = s[0] * box[k] + s[1] * box[3 + k] + s[2] * box[6 + k];
        }
        bool ok = true;
        for (std::size_t j = 0; j < types.size() && ok; ++j)
        {
            const int m = periodic ? 2 : 0;
            for (int na = -m; na <= m && ok; ++na)
                for (int nb = -m; nb <= m && ok; ++nb)
                    for (int nc = -m; nc <= m && ok; ++nc)
                    {
                        double r2 = 0;
                        for (int k = 0; k < 3; ++k)
                        {
                            const double dx = p[k] - x[3 * j + k] + na * box[k] + nb * box[3 + k] + nc * box[6 + k];
                            r2 += dx * dx;
                        }
                        ok = r2 > minDist * minDist;
                    }
        }
        if (ok)
        {
            x.insert(x.end(), p, p + 3);
            types.push_back(static_cast<int>(types.size()) % nTypes);
        }
    }
}
} // namespace dgmx::test
