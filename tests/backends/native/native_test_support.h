/*! \file
 * \brief Shared by the native engine's tests: the models made by python/native_test_models.py
 * (a ctest fixture), test configurations with every type, and error measures.
 */
#pragma once

#include "backends/backend.h"
#include "backends/domain_builder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace dgmx::test
{
//! \param file "name.dp" or "name.pth" in the fixture's directory (DGMX_NATIVE_MODELS).
inline std::string nativeModel(const std::string& file)
{
    const char* dir = std::getenv("DGMX_NATIVE_MODELS");
    return (std::filesystem::path(dir ? dir : "native-models") / file).string();
}

struct Configuration
{
    std::string                          name;
    std::vector<double>                  x; //!< nm
    std::vector<int>                     types;
    std::optional<std::array<double, 9>> box;
};

//! n random atoms at least 0.1 nm apart (periodic images included), types 0..nTypes-1 in turn.
inline Configuration randomConfiguration(const std::string& name, int n, std::optional<std::array<double, 9>> box,
                                         unsigned seed, int nTypes)
{
    Configuration                          c{ name, {}, {}, box };
    std::mt19937_64                        rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const std::array<double, 9>            cluster{ 1.3, 0, 0, 0, 1.3, 0, 0, 0, 1.3 };
    const auto&                            b      = box ? *box : cluster;
    const int                              shells = box ? 1 : 0;
    while (static_cast<int>(c.types.size()) < n)
    {
        const double s[3] = { u(rng), u(rng), u(rng) };
        double       p[3];
        for (int k = 0; k < 3; ++k) p[k] = s[0] * b[k] + s[1] * b[3 + k] + s[2] * b[6 + k];
        bool ok = true;
        for (std::size_t j = 0; j < c.types.size() && ok; ++j)
        {
            for (int na = -shells; na <= shells; ++na)
                for (int nb = -shells; nb <= shells; ++nb)
                    for (int nc = -shells; nc <= shells; ++nc)
                    {
                        double r2 = 0;
                        for (int k = 0; k < 3; ++k)
                        {
                            const double d = p[k] - c.x[3 * j + k] + na * b[k] + nb * b[3 + k] + nc * b[6 + k];
                            r2 += d * d;
                        }
                        ok = ok && r2 > 0.01;
                    }
        }
        if (ok)
        {
            c.x.insert(c.x.end(), p, p + 3);
            c.types.push_back(static_cast<int>(c.types.size()) % nTypes);
        }
    }
    return c;
}

//! Periodic cubic, periodic triclinic and open: 13 types need about 40 atoms to all appear.
inline std::vector<Configuration> standardConfigurations(int nTypes)
{
    return { randomConfiguration("cubic", 70, std::array<double, 9>{ 1.4, 0, 0, 0, 1.4, 0, 0, 0, 1.4 }, 11, nTypes),
             randomConfiguration("triclinic", 70, std::array<double, 9>{ 1.5, 0, 0, 0.45, 1.4, 0, -0.35, 0.3, 1.35 },
                                 12, nTypes),
             randomConfiguration("open", 50, std::nullopt, 13, nTypes) };
}

struct Evaluation
{
    double                energy = 0;
    std::vector<double>   forces; //!< owned atoms, ghosts folded
    std::array<double, 9> virial{};
    std::vector<double>   atomEnergies;
};

inline Evaluation evaluate(IBackend& backend, const Configuration& c, double skin = 0.1)
{
    const Domain  d = buildDomain(c.x, c.types, c.box, backend.cutoff(), skin);
    BackendOutput out;
    out.wantAtomEnergies = true;
    backend.compute(makeInput(d, c.box ? &*c.box : nullptr), out);
    return { out.energy, foldForces(d, out.forces), out.virial, out.atomEnergies };
}

//! max |a - b| / max |b|: the error relative to the size of the reference.
template <typename A, typename B>
double relativeError(const A& a, const B& b)
{
    double diff = 0, scale = 0;
    for (std::size_t k = 0; k < b.size(); ++k)
    {
        diff  = std::max(diff, std::abs(a[k] - b[k]));
        scale = std::max(scale, std::abs(b[k]));
    }
    return scale > 0 ? diff / scale : diff;
}

inline double relativeError(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }
} // namespace dgmx::test
