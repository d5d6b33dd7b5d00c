/*! \file
 * \brief The native engine through the decoupled domain decomposition (NNDomainDecomposition)
 * at 1-4 ranks: energy, virial and every rank's forces equal the engine's evaluation of the
 * whole system as one domain (brute-force ghosts, tests/backends/domain_builder.h), to 1e-10
 * relative. Periodic triclinic and open; se_e2_a and DPA-1 models with statistics.
 * Not DPA-1 in "concat" mode with nonzero davg: there DeePMD-kit fills empty neighbour slots
 * with the type embedding of atom 0 of the domain, so its result (and the engine's, which
 * reproduces it) depends on the domain's atom order (docs/native-engine.md).
 */
#include "backends/native/native_backend.h"
#include "backends/native/native_test_support.h"
#include "dd/nn_domain_decomposition.h"

#include <gtest/gtest.h>
#include <mpi.h>

namespace dgmx::test
{
namespace
{
struct DdCase
{
    std::string model;
    bool        periodic;
};

class NativeThroughDD : public ::testing::TestWithParam<DdCase>
{
};

TEST_P(NativeThroughDD, EqualsOneDomainOnAnyRankCount)
{
    const auto& p = GetParam();
    int         rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    auto backend = makeNativeBackend(nativeModel(p.model + ".dp"), 1);
    const std::array<double, 9> cell{ 1.6, 0, 0, 0.5, 1.45, 0, -0.4, 0.35, 1.4 };
    const Configuration c = randomConfiguration("dd", 90, p.periodic ? std::optional(cell) : std::nullopt,
                                                p.periodic ? 31 : 32, static_cast<int>(backend->typeMap().size()));
    const int n = static_cast<int>(c.types.size());
    // One domain: every atom owned (wrapped into the cell), images as ghosts.
    const Domain     whole = buildDomain(c.x, c.types, c.box, backend->cutoff(), 0.1);
    const Evaluation ref   = evaluate(*backend, c);

    std::vector<int>    held;
    std::vector<double> heldX;
    for (int i = rank; i < n; i += size)
    {
        held.push_back(i);
        heldX.insert(heldX.end(), &whole.positions[3 * i], &whole.positions[3 * i + 3]);
    }
    Box box;
    box.vectors  = cell;
    box.periodic = p.periodic;
    if (!p.periodic)
    {
        box.vectors = { 1.3, 0, 0, 0, 1.3, 0, 0, 0, 1.3 };
    }
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, c.types, DecompositionOptions{});
    const StepResult      r = dd.evaluate(held, heldX, box);
    EXPECT_LE(relativeError(r.energy, ref.energy), 1e-10);
    EXPECT_LE(relativeError(r.virial, ref.virial), 1e-10);
    double scale = 0;
    for (double f : ref.forces) scale = std::max(scale, std::abs(f));
    ASSERT_EQ(r.forces.size(), 3 * held.size());
    for (std::size_t h = 0; h < held.size(); ++h)
    {
        for (int k = 0; k < 3; ++k)
        {
            ASSERT_NEAR(r.forces[3 * h + k], ref.forces[3 * held[h] + k], 1e-10 * scale)
                    << "atom " << held[h] << " component " << k << " on " << size << " ranks";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Models, NativeThroughDD,
                         ::testing::Values(DdCase{ "se_e2_a-stats", true }, DdCase{ "se_e2_a-stats", false },
                                           DdCase{ "dpa1-strip-stats", true },
                                           DdCase{ "dpa1-noattn", false }),
                         [](const auto& p) {
                             std::string n = p.param.model + (p.param.periodic ? "_periodic" : "_open");
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });
} // namespace
} // namespace dgmx::test
