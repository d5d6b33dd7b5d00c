/*! \file
 * \brief Where a rank runs: its node (the ranks that share memory with it, found with
 * MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)) and its place there, and the GPU that follows
 * from it. One place for the rule, used by the backends (threads, device) and the plugin's log.
 */
#pragma once

#include <mpi.h>

#include <string>

namespace dgmx
{
struct NodePlacement
{
    int         rank = 0, size = 1;         //!< in the communicator given
    int         nodeRank = 0, nodeSize = 1; //!< among the ranks of this node
    std::string host;                       //!< MPI_Get_processor_name; empty without MPI
};

//! Collective over comm; without MPI (or MPI_COMM_NULL) one rank alone on its node.
NodePlacement nodePlacement(MPI_Comm comm);

//! The GPU index a rank asks for: the `device` option when set (>= 0), else its node-local
//! rank (DeePMD-kit takes it modulo the visible GPUs, and runs on the CPU when there are none).
inline int chosenDevice(int deviceOption, const NodePlacement& p)
{
    return deviceOption >= 0 ? deviceOption : p.nodeRank;
}
} // namespace dgmx
