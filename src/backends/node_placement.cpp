/*! \file
 * \brief Node placement of a rank (see node_placement.h).
 */
#include "backends/node_placement.h"

namespace dgmx
{
NodePlacement nodePlacement(MPI_Comm comm)
{
    NodePlacement p;
    int           initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized || comm == MPI_COMM_NULL)
    {
        return p;
    }
    MPI_Comm_rank(comm, &p.rank);
    MPI_Comm_size(comm, &p.size);
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, p.rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &p.nodeRank);
    MPI_Comm_size(node, &p.nodeSize);
    MPI_Comm_free(&node);
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int  length                       = 0;
    MPI_Get_processor_name(name, &length);
    p.host.assign(name, static_cast<std::size_t>(length));
    return p;
}
} // namespace dgmx
