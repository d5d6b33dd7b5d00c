/*! \file
 * \brief DeePMD-kit backend (declaration). No DeePMD-kit, TensorFlow or PyTorch header is
 * included by this or any other header of ours: the C library is loaded at run time.
 */
#pragma once

#include "backends/backend.h"
#include "backends/factory.h"

#include <mpi.h>

#include <memory>
#include <string>

namespace dgmx
{
std::unique_ptr<IBackend> makeDeepmdBackend(const BackendOptions& options, MPI_Comm comm);
//! What the model file at \p path tells of itself (see inspectModel in factory.h).
ModelInfo inspectDeepmdModel(const std::string& path);
} // namespace dgmx
