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
#include <optional>
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
    bool        tabulateEmbedding = false; //!< native engine: embedding nets from tables
};

//! \param comm the ranks that will run the backend (used for node-local rank and threads)
std::unique_ptr<IBackend> createBackend(const BackendOptions& options, MPI_Comm comm);

//! What a model file tells without loading it (the C API does not tell these).
struct ModelInfo
{
    std::string format;     //!< e.g. "pytorch-torchscript", "unknown"
    std::string descriptor; //!< e.g. "se_atten", "dpa2"; empty if unknown
    std::string precision;  //!< e.g. "float64"; empty if unknown
    //! Known or not; message-passing models (DPA-2 with repformers, DPA-3) are not supported.
    std::optional<bool>      messagePassing;
    std::string              messagePassingEvidence; //!< how that was decided
    std::optional<long long> tensorBytes;            //!< tensor storage in the file, when readable
};

//! The model file's own description; std::nullopt for the reference potential (no file).
//! Throws dgmx::Error when the file is missing; unreadable content leaves fields empty.
std::optional<ModelInfo> inspectModel(const BackendOptions& options);
} // namespace dgmx
