/*! \file
 * \brief How many MPI collectives each step makes, counted independently of the code under
 * test: this executable defines the MPI collectives itself (the MPI profiling interface) and
 * forwards them to PMPI_*, so every call the decomposition makes is counted here. A steady
 * step makes exactly 2: the coordinate gather and the force reduction. Exact counts of the
 * other steps (first, rebuild, atom-set change, failure) are asserted and listed in
 * expectedCollectives(). Forces are checked against the brute-force reference every step,
 * so the paths that skip the index exchange are proven to give the same answer.
 */
#include "backends/reference/reference_potential.h"
#include "common/error.h"
#include "dd/brute_force.h"
#include "dd/nn_domain_decomposition.h"
#include "support/mpi_world.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace
{
int g_collectives   = 0; //!< every collective this process made
int g_pointToPoint  = 0; //!< sends and receives: there must be none
} // namespace

// The profiling interface: each wrapper counts, then calls the real implementation.
extern "C"
{
    int MPI_Allgather(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Allgather(s, sc, st, r, rc, rt, c);
    }
    int MPI_Allgatherv(const void* s, int sc, MPI_Datatype st, void* r, const int rc[], const int d[],
                       MPI_Datatype rt, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Allgatherv(s, sc, st, r, rc, d, rt, c);
    }
    int MPI_Allreduce(const void* s, void* r, int n, MPI_Datatype t, MPI_Op op, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Allreduce(s, r, n, t, op, c);
    }
    int MPI_Alltoall(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Alltoall(s, sc, st, r, rc, rt, c);
    }
    int MPI_Alltoallv(const void* s, const int sc[], const int sd[], MPI_Datatype st, void* r, const int rc[],
                      const int rd[], MPI_Datatype rt, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Alltoallv(s, sc, sd, st, r, rc, rd, rt, c);
    }
    int MPI_Bcast(void* b, int n, MPI_Datatype t, int root, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Bcast(b, n, t, root, c);
    }
    int MPI_Barrier(MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Barrier(c);
    }
    int MPI_Reduce(const void* s, void* r, int n, MPI_Datatype t, MPI_Op op, int root, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Reduce(s, r, n, t, op, root, c);
    }
    int MPI_Gather(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt, int root, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Gather(s, sc, st, r, rc, rt, root, c);
    }
    int MPI_Scatter(const void* s, int sc, MPI_Datatype st, void* r, int rc, MPI_Datatype rt, int root, MPI_Comm c)
    {
        ++g_collectives;
        return PMPI_Scatter(s, sc, st, r, rc, rt, root, c);
    }
    int MPI_Send(const void* b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c)
    {
        ++g_pointToPoint;
        return PMPI_Send(b, n, t, dest, tag, c);
    }
    int MPI_Recv(void* b, int n, MPI_Datatype t, int src, int tag, MPI_Comm c, MPI_Status* st)
    {
        ++g_pointToPoint;
        return PMPI_Recv(b, n, t, src, tag, c, st);
    }
    int MPI_Isend(const void* b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c, MPI_Request* q)
    {
        ++g_pointToPoint;
        return PMPI_Isend(b, n, t, dest, tag, c, q);
    }
    int MPI_Irecv(void* b, int n, MPI_Datatype t, int src, int tag, MPI_Comm c, MPI_Request* q)
    {
        ++g_pointToPoint;
        return PMPI_Irecv(b, n, t, src, tag, c, q);
    }
}

namespace dgmx::test
{
namespace
{
enum class Step
{
    First,     //!< indices travel, partition built
    Steady,    //!< positions moved a little
    Rebuild,   //!< positions moved over half the skin: new partition and lists
    SetChange, //!< every rank hands one atom to the next (one rank: reverses its order)
    Failure    //!< the last rank passes a NaN position
};

/*! The documented counts. Gather: steady 1 (Allgatherv); indices 2 (Allgather of counts,
 *  Allgatherv of indices and positions), after 1 steady attempt that saw the change.
 *  Reduction: Allreduce 1; sparse 1 (Alltoallv), 2 when the message sizes change (rebuild,
 *  holders). A failure: its flag rides in the exchange, then 2 broadcasts of the message. */
int expectedCollectives(Step step, ForceReduction reduction)
{
    const bool sparse = reduction == ForceReduction::SparseExchange;
    switch (step)
    {
        case Step::First: return 2 + (sparse ? 2 : 1);
        case Step::Steady: return 2;
        case Step::Rebuild: return 1 + (sparse ? 2 : 1);
        case Step::SetChange: return 3 + (sparse ? 2 : 1);
        case Step::Failure: return 1 + 2;
    }
    return -1;
}

struct System
{
    Box                 box{ { 2.0, 0, 0, 0.3, 1.9, 0, -0.2, 0.4, 2.1 }, true };
    std::vector<double> x;
    std::vector<int>    types;
    std::vector<int>    ownerOf; //!< the rank holding each atom
    std::vector<int>    held;    //!< this rank's atoms, in the order it passes them

    System()
    {
        randomAtoms(60, box.vectors, true, 0.12, 4, 7, x, types);
        for (int a = 0; a < static_cast<int>(types.size()); ++a)
        {
            ownerOf.push_back((5 * a + 1) % worldSize());
        }
        collectHeld();
    }
    void collectHeld()
    {
        held.clear();
        for (int a = 0; a < static_cast<int>(ownerOf.size()); ++a)
        {
            if (ownerOf[a] == worldRank())
            {
                held.push_back(a);
            }
        }
    }
    [[nodiscard]] std::vector<double> heldX() const
    {
        std::vector<double> out;
        for (int a : held)
        {
            out.insert(out.end(), &x[3 * a], &x[3 * a] + 3);
        }
        return out;
    }
    //! Each rank's lowest atom goes to the next rank; a single rank reverses its order instead.
    void changeSets()
    {
        const int p = worldSize();
        if (p == 1)
        {
            std::reverse(held.begin(), held.end());
            return;
        }
        std::vector<int> lowest(p, -1);
        for (int a = static_cast<int>(ownerOf.size()) - 1; a >= 0; --a)
        {
            lowest[ownerOf[a]] = a;
        }
        for (int r = 0; r < p; ++r)
        {
            ownerOf[lowest[r]] = (r + 1) % p;
        }
        collectHeld();
    }
};

void moveAll(System& s, double amount, unsigned seed)
{
    std::mt19937                           rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (auto& v : s.x)
    {
        v += amount * u(rng);
    }
}

//! Runs one step, counting its collectives, and checks it against the brute-force reference.
void stepAndCheck(NNDomainDecomposition& dd, IBackend& backend, const System& s, Step step,
                  ForceReduction reduction, const std::string& what)
{
    const int        before = g_collectives;
    const StepResult r      = dd.evaluate(s.held, s.heldX(), s.box);
    const int        made   = g_collectives - before;
    EXPECT_EQ(made, expectedCollectives(step, reduction)) << what;
    EXPECT_EQ(dd.lastTimings().collectives, made) << what << ": the step's own count";
    EXPECT_EQ(dd.lastTimings().indicesSent, step == Step::First || step == Step::SetChange) << what;
    const Reference ref = bruteEvaluate(backend, s.x, s.types, &s.box.vectors, 2);
    EXPECT_NEAR(r.energy, ref.energy, 1e-10 * std::max(1.0, std::abs(ref.energy))) << what;
    ASSERT_EQ(r.forces.size(), 3 * s.held.size()) << what;
    for (std::size_t i = 0; i < s.held.size(); ++i)
    {
        for (int k = 0; k < 3; ++k)
        {
            ASSERT_NEAR(r.forces[3 * i + k], ref.forces[3 * s.held[i] + k], 1e-9) << what << " atom " << s.held[i];
        }
    }
}

class Collectives : public ::testing::TestWithParam<ForceReduction>
{
};

TEST_P(Collectives, TwoPerSteadyStep)
{
    const ForceReduction reduction = GetParam();
    auto                 backend   = makeReferenceBackend();
    System               s;
    DecompositionOptions options;
    options.reduction          = reduction;
    options.skin               = 0.1;
    options.rebalanceInterval  = 0;   // rebuilds here come from motion only
    options.imbalanceThreshold = 1e9;
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, s.types, options);
    const int             p2p = g_pointToPoint;
    stepAndCheck(dd, *backend, s, Step::First, reduction, "first");
    for (int i = 0; i < 3; ++i)
    {
        moveAll(s, 0.003, 10 + i); // well inside half the skin
        stepAndCheck(dd, *backend, s, Step::Steady, reduction, "steady " + std::to_string(i));
        EXPECT_FALSE(dd.lastTimings().rebuilt);
    }
    moveAll(s, 0.08, 20); // over half the skin for some atom
    stepAndCheck(dd, *backend, s, Step::Rebuild, reduction, "rebuild");
    EXPECT_TRUE(dd.lastTimings().rebuilt);
    stepAndCheck(dd, *backend, s, Step::Steady, reduction, "steady after rebuild");
    s.changeSets();
    stepAndCheck(dd, *backend, s, Step::SetChange, reduction, "atom sets changed");
    stepAndCheck(dd, *backend, s, Step::Steady, reduction, "steady after the change");
    EXPECT_EQ(g_pointToPoint, p2p) << "the decomposition should use collectives only";
}

TEST_P(Collectives, FailureOnASteadyStepIsCollective)
{
    const ForceReduction reduction = GetParam();
    auto                 backend   = makeReferenceBackend();
    System               s;
    DecompositionOptions options;
    options.reduction = reduction;
    NNDomainDecomposition dd(MPI_COMM_WORLD, *backend, s.types, options);
    dd.evaluate(s.held, s.heldX(), s.box);
    std::vector<double> x = s.heldX();
    if (worldRank() == worldSize() - 1 && !x.empty())
    {
        x[0] = std::numeric_limits<double>::quiet_NaN();
    }
    const int   before = g_collectives;
    std::string message;
    try
    {
        dd.evaluate(s.held, x, s.box);
    }
    catch (const Error& e)
    {
        message = e.what();
    }
    EXPECT_EQ(g_collectives - before, expectedCollectives(Step::Failure, reduction));
    const std::string expected = "rank " + std::to_string(worldSize() - 1) + ": position of NN atom";
    EXPECT_EQ(message.rfind(expected, 0), 0U) << message;
    // After a failure the next step starts afresh, like the first.
    stepAndCheck(dd, *backend, s, Step::First, reduction, "after the failure");
}

INSTANTIATE_TEST_SUITE_P(All, Collectives,
                         ::testing::Values(ForceReduction::Allreduce, ForceReduction::SparseExchange),
                         [](const auto& p) {
                             return std::string(p.param == ForceReduction::Allreduce ? "allreduce" : "sparse");
                         });
} // namespace
} // namespace dgmx::test
