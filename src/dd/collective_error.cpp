/*! \file
 * \brief Collective failure agreement (see collective_error.h).
 */
#include "dd/collective_error.h"

#include "common/error.h"

#include <exception>

namespace dgmx
{
void throwIfAnyFailed(MPI_Comm comm, const std::string& localError)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    // One small Allreduce in the common case; the message travels only on failure.
    const int mine   = localError.empty() ? size : rank;
    int       lowest = size;
    MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, comm);
    if (lowest == size)
    {
        return;
    }
    throwFailureOf(comm, lowest, localError);
}

void throwFailureOf(MPI_Comm comm, int lowest, const std::string& localError)
{
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    int length = (rank == lowest) ? static_cast<int>(localError.size()) : 0;
    MPI_Bcast(&length, 1, MPI_INT, lowest, comm);
    std::string message(static_cast<std::size_t>(length), '\0');
    if (rank == lowest)
    {
        message = localError;
    }
    MPI_Bcast(message.data(), length, MPI_CHAR, lowest, comm);
    throw CollectiveError(lowest, message);
}

void runCollectively(MPI_Comm comm, const std::function<void()>& work)
{
    std::string error;
    try
    {
        work();
    }
    catch (const std::exception& e)
    {
        error = e.what();
        if (error.empty())
        {
            error = "unknown error";
        }
    }
    catch (...)
    {
        error = "unknown non-standard exception";
    }
    throwIfAnyFailed(comm, error);
}
} // namespace dgmx
