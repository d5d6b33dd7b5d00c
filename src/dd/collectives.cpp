/*! \file
 * \brief Counted MPI collectives (see collectives.h).
 */
#include "dd/collectives.h"

#include "dd/collective_error.h"

namespace dgmx::dd
{
Collectives::Collectives(MPI_Comm comm) : comm_(comm)
{
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
}

void Collectives::allgather(const int* send, int perRank, int* recv)
{
    ++count_;
    MPI_Allgather(send, perRank, MPI_INT, recv, perRank, MPI_INT, comm_);
}

void Collectives::allgatherv(const double* send, int n, double* recv, const int* counts, const int* displs)
{
    ++count_;
    MPI_Allgatherv(send, n, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, comm_);
}

void Collectives::allreduceSum(double* data, int n)
{
    ++count_;
    MPI_Allreduce(MPI_IN_PLACE, data, n, MPI_DOUBLE, MPI_SUM, comm_);
}

void Collectives::alltoall(const int* send, int* recv)
{
    ++count_;
    MPI_Alltoall(send, 1, MPI_INT, recv, 1, MPI_INT, comm_);
}

void Collectives::alltoallv(const double* send, const int* sendCounts, const int* sendDispls, double* recv,
                            const int* recvCounts, const int* recvDispls)
{
    ++count_;
    MPI_Alltoallv(send, sendCounts, sendDispls, MPI_DOUBLE, recv, recvCounts, recvDispls, MPI_DOUBLE, comm_);
}

void Collectives::throwFailureOf(int lowestFailingRank, const std::string& localError)
{
    count_ += 2;
    dgmx::throwFailureOf(comm_, lowestFailingRank, localError);
}
} // namespace dgmx::dd
