/*! \file
 * \brief The reference potential against finite differences: forces = -dE/dx, virial
 * Xi_ab = 1/2 dE/d(eps_ab) under the strain x -> x (1 + eps) of positions and box, and
 * smoothness at the cutoff. Serial (brute-force domain from brute_force.h).
 */
#include "backends/reference/reference_potential.h"
#include "dd/brute_force.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dgmx::test
{
namespace
{
struct Config
{
    std::array<double, 9> box;
    bool                  periodic;
    std::vector<double>   x;
    std::vector<int>      types;
};

Config makeConfig(bool periodic)
{
    Config c;
    c.box      = { 1.3, 0, 0, 0.2, 1.2, 0, -0.3, 0.25, 1.25 };
    c.periodic = periodic;
    randomAtoms(40, c.box, periodic, 0.12, 32, 11, c.x, c.types);
    return c;
}

double energy(IBackend& b, const Config& c)
{
    return bruteEvaluate(b, c.x, c.types, c.periodic ? &c.box : nullptr).energy;
}

class ReferenceFD : public ::testing::TestWithParam<bool>
{
};

TEST_P(ReferenceFD, ForcesAreMinusEnergyGradient)
{
    auto         backend = makeReferenceBackend();
    Config       c       = makeConfig(GetParam());
    const auto   ref     = bruteEvaluate(*backend, c.x, c.types, c.periodic ? &c.box : nullptr);
    const double fmax    = std::max(1.0, *std::max_element(ref.forces.begin(), ref.forces.end(),
                                                        [](double a, double b) { return std::abs(a) < std::abs(b); }));
    const double h       = 1e-6;
    for (int i = 0; i < 40; i += 3)
    {
        for (int k = 0; k < 3; ++k)
        {
            Config p = c, m = c;
            p.x[3 * i + k] += h;
            m.x[3 * i + k] -= h;
            const double fd = -(energy(*backend, p) - energy(*backend, m)) / (2 * h);
            EXPECT_NEAR(ref.forces[3 * i + k], fd, 1e-6 * std::abs(fmax)) << "atom " << i << " dim " << k;
        }
    }
}

TEST_P(ReferenceFD, VirialIsHalfStrainDerivative)
{
    auto       backend = makeReferenceBackend();
    Config     c       = makeConfig(GetParam());
    const auto ref     = bruteEvaluate(*backend, c.x, c.types, c.periodic ? &c.box : nullptr);
    const double h     = 1e-6;
    double       scale = 1;
    for (double v : ref.virial)
    {
        scale = std::max(scale, std::abs(v));
    }
    for (int a = 0; a < 3; ++a)
    {
        for (int b = 0; b < 3; ++b)
        {
            auto strained = [&](double e) {
                Config s = c;
                for (std::size_t i = 0; i < c.x.size() / 3; ++i)
                {
                    s.x[3 * i + b] += e * c.x[3 * i + a];
                }
                for (int row = 0; row < 3; ++row)
                {
                    s.box[3 * row + b] += e * c.box[3 * row + a];
                }
                return energy(*backend, s);
            };
            const double dEde = (strained(h) - strained(-h)) / (2 * h);
            EXPECT_NEAR(ref.virial[3 * a + b], 0.5 * dEde, 1e-6 * scale) << a << b;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Boundaries, ReferenceFD, ::testing::Values(true, false));

TEST(ReferencePotential, EnergyAndForceVanishSmoothlyAtCutoff)
{
    auto                 backend = makeReferenceBackend();
    const double         rc      = backend->cutoff();
    std::vector<int>     types{ 5, 7, 15 }; // C O S
    auto eval = [&](double r) {
        std::vector<double> x{ 0, 0, 0, r, 0, 0, 0, r, 0 };
        return bruteEvaluate(*backend, x, types, nullptr);
    };
    const auto inside  = eval(rc - 1e-4);
    const auto outside = eval(rc + 1e-4);
    EXPECT_NEAR(inside.energy, outside.energy, 1e-8);
    EXPECT_NEAR(inside.forces[3], outside.forces[3], 1e-5);
    EXPECT_EQ(outside.energy, 0.0);
}

TEST(ReferencePotential, TypeMapHasCommonElements)
{
    const auto names = makeReferenceBackend()->typeMap();
    for (const char* e : { "H", "C", "N", "O", "S", "P", "Na", "Cl", "K", "Mg", "Ca", "Zn", "F" })
    {
        EXPECT_NE(std::find(names.begin(), names.end(), e), names.end()) << e;
    }
    EXPECT_DOUBLE_EQ(makeReferenceBackend()->cutoff(), 0.6);
}
} // namespace
} // namespace dgmx::test
