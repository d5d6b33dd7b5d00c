/*! \file
 * \brief The decomposition's only door to MPI collectives: thin wrappers that count every call,
 * so a step can report (and a test can check) how many collectives it made.
 */
#pragma once

#include <mpi.h>

#include <string>

namespace dgmx::dd
{
class Collectives
{
public:
    explicit Collectives(MPI_Comm comm);

    [[nodiscard]] MPI_Comm comm() const { return comm_; }
    [[nodiscard]] int      rank() const { return rank_; }
    [[nodiscard]] int      size() const { return size_; }
    //! Collectives made since the last resetCount().
    [[nodiscard]] int count() const { return count_; }
    void              resetCount() { count_ = 0; }

    void allgather(const int* send, int perRank, int* recv);
    void allgatherv(const double* send, int n, double* recv, const int* counts, const int* displs);
    void allreduceSum(double* data, int n);
    void alltoall(const int* send, int* recv);
    void alltoallv(const double* send, const int* sendCounts, const int* sendDispls, double* recv,
                   const int* recvCounts, const int* recvDispls);
    //! Every rank agreed that \p lowestFailingRank failed: its message reaches all (two
    //! broadcasts) and every rank throws the same CollectiveError.
    [[noreturn]] void throwFailureOf(int lowestFailingRank, const std::string& localError);

private:
    MPI_Comm comm_;
    int      rank_ = 0, size_ = 1, count_ = 0;
};
} // namespace dgmx::dd
