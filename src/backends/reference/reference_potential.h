/*! \file
 * \brief Analytic reference backend (declaration; implemented by the reference potential).
 */
#pragma once

#include "backends/backend.h"

#include <memory>

namespace dgmx
{
//! The analytic short-range many-body reference potential with its default parameters.
std::unique_ptr<IBackend> makeReferenceBackend();
} // namespace dgmx
