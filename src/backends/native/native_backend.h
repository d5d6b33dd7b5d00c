/*! \file
 * \brief The native backend: DeePMD-kit se_e2_a and DPA-1 (attn_layer = 0) energy models
 * evaluated in C++ from DeePMD-kit's backend-independent `.dp` file, with no framework at
 * run time. Exact to DeePMD-kit in float64; see docs/native-engine.md.
 */
#pragma once

#include "backends/backend.h"

#include <memory>
#include <string>

namespace dgmx
{
//! \param threads OpenMP threads per evaluation; 0: OMP_NUM_THREADS, else 1.
//! \param tabulate embedding nets from tables, like a compressed DeePMD-kit model (engine.h)
std::unique_ptr<IBackend> makeNativeBackend(const std::string& modelPath, int threads = 0, bool tabulate = false);
} // namespace dgmx
