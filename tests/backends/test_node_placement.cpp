/*! \file
 * \brief nodePlacement() and chosenDevice() on one node (every rank of the job shares it):
 * node-local rank = rank, node size = job size. Across hosts: tests/hosts (hosts.two_hosts).
 */
#include "backends/node_placement.h"

#include "support/mpi_world.h"

#include <gtest/gtest.h>

namespace dgmx
{
namespace
{
TEST(NodePlacement, OneNodeHoldsEveryRank)
{
    const NodePlacement p = nodePlacement(MPI_COMM_WORLD);
    EXPECT_EQ(p.rank, test::worldRank());
    EXPECT_EQ(p.size, test::worldSize());
    EXPECT_EQ(p.nodeRank, test::worldRank());
    EXPECT_EQ(p.nodeSize, test::worldSize());
    EXPECT_FALSE(p.host.empty());
}

TEST(NodePlacement, WithoutCommunicatorOneRankAlone)
{
    const NodePlacement p = nodePlacement(MPI_COMM_NULL);
    EXPECT_EQ(p.nodeRank, 0);
    EXPECT_EQ(p.nodeSize, 1);
}

TEST(NodePlacement, DeviceIsTheOptionElseTheNodeLocalRank)
{
    NodePlacement p;
    p.nodeRank = 3;
    EXPECT_EQ(chosenDevice(-1, p), 3);
    EXPECT_EQ(chosenDevice(1, p), 1);
    EXPECT_EQ(chosenDevice(0, p), 0);
}
} // namespace
} // namespace dgmx
