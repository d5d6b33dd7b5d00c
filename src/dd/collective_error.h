/*! \file
 * \brief Agreeing on failures across ranks: when any rank failed, every rank throws the same
 * dgmx::Error (the message of the lowest failing rank), so no rank hangs in a later
 * collective. Reused by the GROMACS plugin.
 */
#pragma once

#include <mpi.h>

#include "common/error.h"

#include <functional>
#include <string>

namespace dgmx
{
//! The same failure, thrown on every rank of a communicator (by throwIfAnyFailed).
class CollectiveError : public Error
{
public:
    CollectiveError(int failingRank, const std::string& message) :
        Error("rank " + std::to_string(failingRank) + ": " + message), failingRank_(failingRank)
    {
    }
    //! The lowest rank that failed; its message is the one every rank carries.
    [[nodiscard]] int failingRank() const { return failingRank_; }

private:
    int failingRank_;
};

/*! Collective over comm. \p localError empty means this rank succeeded. Throws CollectiveError
 *  with the lowest failing rank's message (prefixed by that rank) on every rank if any
 *  rank failed; returns normally on all ranks otherwise. */
void throwIfAnyFailed(MPI_Comm comm, const std::string& localError);

/*! Collective over comm, for callers that already agree on the lowest failing rank (carried
 *  in data they exchanged anyway): that rank broadcasts its message and every rank throws
 *  CollectiveError. Two broadcasts, on the failure path only. */
[[noreturn]] void throwFailureOf(MPI_Comm comm, int lowestFailingRank, const std::string& localError);

/*! Runs \p work, catching any exception, then agrees collectively (throwIfAnyFailed). Every
 *  rank of comm must call this the same number of times. */
void runCollectively(MPI_Comm comm, const std::function<void()>& work);
} // namespace dgmx
