/*! \file
 * \brief This process's rank and the job's size in MPI_COMM_WORLD, for MPI tests (the tests own
 * the job; the code under test only ever gets a communicator as a parameter).
 */
#pragma once

#include <mpi.h>

namespace dgmx::test
{
inline int worldRank()
{
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

inline int worldSize()
{
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}
} // namespace dgmx::test
