/*! \file
 * \brief The DeePMD-kit backend through the decoupled domain decomposition
 * (NNDomainDecomposition) at any rank count against DeePMD-kit's Python DeepPot.eval (run on
 * rank 0 by python/deepmd_reference.py, broadcast): total energy, virial, and the forces of
 * the atoms each rank holds. Periodic triclinic and open boundaries.
 */
#include "backends/deepmd/deepmd_backend.h"
#include "backends/python_reference.h"
#include "common/units.h"
#include "dd/nn_domain_decomposition.h"

#include <gtest/gtest.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

namespace dgmx::test
{
namespace
{
namespace fs = std::filesystem;

struct System
{
    std::vector<double>   x; // nm
    std::vector<int>      types;
    Box                   box;
};

System makeSystem(int n, bool periodic, unsigned seed, int nTypes)
{
    System s;
    s.box.vectors  = { 1.6, 0, 0, 0.5, 1.45, 0, -0.4, 0.35, 1.4 };
    s.box.periodic = periodic;
    std::mt19937_64                        rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const auto&                            b = s.box.vectors;
    while (static_cast<int>(s.types.size()) < n)
    {
        const double f[3] = { u(rng), u(rng), u(rng) };
        double       p[3];
        for (int k = 0; k < 3; ++k)
        {
            p[k] = f[0] * b[k] + f[1] * b[3 + k] + f[2] * b[6 + k];
        }
        bool ok = true;
        for (std::size_t j = 0; j < s.types.size() && ok; ++j)
        {
            for (int na = -1; na <= 1 && ok; ++na)
            {
                for (int nb = -1; nb <= 1 && ok; ++nb)
                {
                    for (int nc = -1; nc <= 1 && ok; ++nc)
                    {
                        const int shift = periodic ? 1 : 0;
                        double    r2    = 0;
                        for (int k = 0; k < 3; ++k)
                        {
                            const double d = p[k] - s.x[3 * j + k]
                                             + shift * (na * b[k] + nb * b[3 + k] + nc * b[6 + k]);
                            r2 += d * d;
                        }
                        ok = r2 > 0.01;
                    }
                }
            }
        }
        if (ok)
        {
            s.x.insert(s.x.end(), p, p + 3);
            s.types.push_back(static_cast<int>(s.types.size()) % nTypes);
        }
    }
    return s;
}

//! Energy (kJ/mol), forces (kJ/mol/nm), virial (GROMACS convention) from DeepPot.eval.
std::vector<double> reference(const std::string& model, const System& s)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int           n = static_cast<int>(s.types.size());
    std::vector<double> packed(1 + 3 * n + 9, 0.0);
    if (rank == 0)
    {
        try
        {
            std::optional<std::array<double, 9>> box;
            if (s.box.periodic)
            {
                box = s.box.vectors;
            }
            const auto r = runPythonReference(model, { { s.x, s.types, box } }).at(0);
            packed[0]    = r.energy;
            std::copy(r.forces.begin(), r.forces.end(), packed.begin() + 1);
            std::copy(r.virial.begin(), r.virial.end(), packed.begin() + 1 + 3 * n);
        }
        catch (const Error&)
        {
            packed[0] = std::nan(""); // every rank sees the failure through the broadcast
        }
    }
    MPI_Bcast(packed.data(), static_cast<int>(packed.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD);
    return packed;
}

class DeepmdThroughDD : public ::testing::TestWithParam<bool>
{
};

TEST_P(DeepmdThroughDD, MatchesDeepPotEvalOnAnyRankCount)
{
    const bool        periodic = GetParam();
    const char*       dir      = std::getenv("DEEPMD_GROMACS_MODELS");
    const std::string model    = (fs::path(dir ? dir : "") / "dpa1-small.pth").string();
    ASSERT_TRUE(fs::exists(model)) << model << " missing: run scripts/make-models";
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    BackendOptions options;
    options.model = model;
    auto backend  = makeDeepmdBackend(options, MPI_COMM_WORLD);
    const System s = makeSystem(90, periodic, periodic ? 21 : 22, static_cast<int>(backend->typeMap().size()));
    const int    n = static_cast<int>(s.types.size());
    const auto ref = reference(model, s);
    ASSERT_FALSE(std::isnan(ref[0])) << "reference script failed";

    // Each rank holds a scattered subset: atoms i with i % size == rank.
    std::vector<int>    held;
    std::vector<double> heldX;
    for (int i = rank; i < n; i += size)
    {
        held.push_back(i);
        heldX.insert(heldX.end(), &s.x[3 * i], &s.x[3 * i + 3]);
    }
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, s.types, DecompositionOptions{});
    const StepResult      r = dd.evaluate(held, heldX, s.box);
    EXPECT_NEAR(r.energy, ref[0], 1e-8 * std::abs(ref[0]));
    double fScale = 0, vScale = 0;
    for (int k = 0; k < 3 * n; ++k)
    {
        fScale = std::max(fScale, std::abs(ref[1 + k]));
    }
    for (int k = 0; k < 9; ++k)
    {
        vScale = std::max(vScale, std::abs(ref[1 + 3 * n + k]));
    }
    ASSERT_EQ(r.forces.size(), 3 * held.size());
    for (std::size_t h = 0; h < held.size(); ++h)
    {
        for (int k = 0; k < 3; ++k)
        {
            ASSERT_NEAR(r.forces[3 * h + k], ref[1 + 3 * held[h] + k], 1e-8 * fScale)
                    << "atom " << held[h] << " component " << k;
        }
    }
    for (int k = 0; k < 9; ++k)
    {
        EXPECT_NEAR(r.virial[k], ref[1 + 3 * n + k], 1e-8 * vScale) << "virial " << k;
    }
}

INSTANTIATE_TEST_SUITE_P(Boundaries, DeepmdThroughDD, ::testing::Values(true, false),
                         [](const auto& param) { return param.param ? "periodic" : "open"; });
} // namespace
} // namespace dgmx::test
