/*! \file
 * \brief Atoms far outside every domain (a blown-up simulation, coordinates in the wrong
 * unit): our decomposition either gives the brute-force result (tests/dd/brute_force.h, no
 * code shared with src/dd) or stops every rank with one message naming the atom, never
 * undefined behaviour or a hang. Periodic: one atom displaced by whole cell vectors (so the
 * expected result is the undisplaced configuration's) by 1e3..1e12 cell lengths; open
 * boundaries: one atom 1e3..1e12 nm away (it interacts with nothing).
 */
#include "backends/reference/reference_potential.h"
#include "common/error.h"
#include "dd/brute_force.h"
#include "dd/nn_domain_decomposition.h"
#include "support/mpi_world.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <string>

namespace dgmx::test
{
namespace
{
//! Largest displacement (cell lengths) the decomposition must still evaluate exactly.
constexpr double c_largestEvaluated = 1e6;

struct Outcome
{
    bool        threw = false;
    std::string message;
    StepResult  result;
    std::vector<int> held;
};

//! Evaluates x on every rank (atoms dealt round-robin) for two steps (build, then reuse).
Outcome evaluate(IBackend& backend, const std::vector<double>& x, const std::vector<int>& types, const Box& box)
{
    Outcome               o;
    NNDomainDecomposition dd(MPI_COMM_WORLD, backend, types, DecompositionOptions{});
    std::vector<double>   heldX;
    for (int a = worldRank(); a < static_cast<int>(types.size()); a += worldSize())
    {
        o.held.push_back(a);
        heldX.insert(heldX.end(), &x[3 * a], &x[3 * a] + 3);
    }
    try
    {
        dd.evaluate(o.held, heldX, box);
        o.result = dd.evaluate(o.held, heldX, box);
    }
    catch (const Error& e)
    {
        o.threw   = true;
        o.message = e.what();
    }
    return o;
}

void expectBruteForce(const Outcome& o, const Reference& ref, const std::string& what)
{
    ASSERT_FALSE(o.threw) << what << ": " << o.message;
    EXPECT_NEAR(o.result.energy, ref.energy, 1e-8 * std::abs(ref.energy)) << what;
    double fmax = 1e-30;
    for (double f : ref.forces)
    {
        fmax = std::max(fmax, std::abs(f));
    }
    for (std::size_t i = 0; i < o.held.size(); ++i)
    {
        for (int k = 0; k < 3; ++k)
        {
            ASSERT_NEAR(o.result.forces[3 * i + k], ref.forces[3 * o.held[i] + k], 1e-8 * fmax)
                    << what << " atom " << o.held[i];
        }
    }
}

//! The same outcome on every rank (all threw or none did).
void expectAgreement(const Outcome& o, const std::string& what)
{
    int threw = o.threw ? 1 : 0, lo = 0, hi = 0;
    MPI_Allreduce(&threw, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&threw, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    EXPECT_EQ(lo, hi) << what << ": some ranks threw, others did not";
}

constexpr int c_farAtom = 7;

TEST(FarAtoms, PeriodicDisplacedByCellVectors)
{
    auto                  backend = makeReferenceBackend();
    std::array<double, 9> cell{ 1.5, 0, 0, 0.2, 1.4, 0, -0.1, 0.3, 1.6 };
    std::vector<double>   x;
    std::vector<int>      types;
    randomAtoms(40, cell, true, 0.12, 4, 5, x, types);
    const Reference ref = bruteEvaluate(*backend, x, types, &cell);
    for (double lengths : { 1e3, 1e6, 1e9, 1e12 })
    {
        std::vector<double> far = x;
        for (int k = 0; k < 3; ++k)
        {
            far[3 * c_farAtom + k] += lengths * (cell[k] + cell[3 + k] - cell[6 + k]);
        }
        const Outcome     o    = evaluate(*backend, far, types, Box{ cell, true });
        const std::string what = "displaced by " + std::to_string(lengths) + " cell lengths";
        expectAgreement(o, what);
        if (lengths <= c_largestEvaluated)
        {
            expectBruteForce(o, ref, what);
        }
        else
        {
            ASSERT_TRUE(o.threw) << what;
            EXPECT_NE(o.message.find("NN atom " + std::to_string(c_farAtom)), std::string::npos) << o.message;
            EXPECT_NE(o.message.find("outside the periodic cell"), std::string::npos) << o.message;
        }
    }
}

TEST(FarAtoms, OpenBoundariesOneAtomFarAway)
{
    auto                  backend = makeReferenceBackend();
    std::array<double, 9> cell{ 1.5, 0, 0, 0, 1.5, 0, 0, 0, 1.5 };
    std::vector<double>   x;
    std::vector<int>      types;
    randomAtoms(40, cell, false, 0.12, 4, 9, x, types);
    for (double distance : { 1e3, 1e6, 1e9, 1e12 })
    {
        std::vector<double> far = x;
        far[3 * c_farAtom]      = distance;
        const Reference   ref   = bruteEvaluate(*backend, far, types, nullptr);
        const Outcome     o     = evaluate(*backend, far, types, Box{ {}, false });
        const std::string what  = "one atom at " + std::to_string(distance) + " nm";
        expectAgreement(o, what);
        expectBruteForce(o, ref, what);
    }
}
} // namespace
} // namespace dgmx::test
