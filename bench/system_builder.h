/*! \file
 * \brief Synthetic systems for the decomposition benchmarks: a solvated-protein-like box
 * (a dense blob off-centre in water-density atoms). Header only.
 */
#pragma once

#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace dgmx::bench
{
struct SyntheticSystem
{
    std::array<double, 9> box{};
    std::vector<double>   x;
    std::vector<int>      types;
};

/*! Cubic box of side \p side (nm); water-like density \p solventDensity (atoms/nm^3)
 *  everywhere except a sphere of radius \p blobRadius at (0.38, 0.5, 0.5) of the box with
 *  protein-like density \p blobDensity. Positions are jittered lattice points so no two
 *  atoms overlap. */
inline SyntheticSystem solvatedBlob(double side, double solventDensity, double blobDensity,
                                    double blobRadius, unsigned seed)
{
    SyntheticSystem s;
    s.box = { side, 0, 0, 0, side, 0, 0, 0, side };
    std::mt19937                           rng(seed);
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    const std::array<double, 3>            centre{ 0.38 * side, 0.5 * side, 0.5 * side };
    auto fill = [&](double density, bool inside) {
        const double a = std::cbrt(1.0 / density);
        const int    m = static_cast<int>(side / a);
        const double h = side / m;
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j)
                for (int k = 0; k < m; ++k)
                {
                    const double p[3] = { (i + 0.5 + 0.3 * u(rng)) * h, (j + 0.5 + 0.3 * u(rng)) * h,
                                          (k + 0.5 + 0.3 * u(rng)) * h };
                    const double r    = std::hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]);
                    if ((r < blobRadius) == inside)
                    {
                        s.x.insert(s.x.end(), p, p + 3);
                        s.types.push_back(static_cast<int>(s.types.size() % 4));
                    }
                }
    };
    fill(solventDensity, false);
    fill(blobDensity, true);
    return s;
}
} // namespace dgmx::bench
