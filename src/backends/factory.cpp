/*! \file
 * \brief Backend factory (see factory.h).
 */
#include "backends/factory.h"

#include "backends/deepmd/deepmd_backend.h"
#include "backends/reference/reference_potential.h"

namespace dgmx
{
std::unique_ptr<IBackend> createBackend(const BackendOptions& options, MPI_Comm comm)
{
    if (options.model == "reference")
    {
        return makeReferenceBackend();
    }
    return makeDeepmdBackend(options, comm);
}

std::optional<ModelInfo> inspectModel(const BackendOptions& options)
{
    if (options.model == "reference")
    {
        return std::nullopt;
    }
    return inspectDeepmdModel(options.model);
}
} // namespace dgmx
