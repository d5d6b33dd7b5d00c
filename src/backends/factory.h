/*! \file
 * \brief Creates a backend from what the user wrote: "reference" selects the analytic
 * reference potential; a `.dp` file (DeePMD-kit's backend-independent format) goes to the
 * native engine (backends/native); anything else is a DeePMD-kit model file (.pth, .pb,
 * .savedmodel, .pt2, ...) loaded through DeePMD-kit's C API. `backend` overrides the choice.
 */
#pragma once

#include "backends/backend.h"

#include <mpi.h>

#include <memory>
#include <string>

namespace dgmx
{
struct BackendOptions
{
    std::string model;              //!< "reference" or a DeePMD-kit model path
    std::string backend = "auto";   //!< "auto" (from the file name), "native" or "deepmd"
    std::string deepmdLibrary;      //!< explicit path to libdeepmd_c.so (optional)
    int         device = -1;        //!< GPU index; -1: node-local rank modulo visible devices
    int         ompThreads = 0;     //!< 0: decided from the ranks sharing the node
    int         intraOpThreads = 0; //!< 0: as ompThreads
    int         interOpThreads = 0; //!< 0: 1
};

//! \param comm the ranks that will run the backend (used for node-local rank and threads)
std::unique_ptr<IBackend> createBackend(const BackendOptions& options, MPI_Comm comm);
} // namespace dgmx
