/*! \file
 * \brief The native backend (see native_backend.h): GROMACS units at the seam, DeePMD-kit
 * units inside the engine; conversions through common/units.h only.
 */
#include "backends/native/native_backend.h"

#include "backends/native/engine.h"
#include "backends/native/model.h"
#include "common/error.h"
#include "common/units.h"

#include <fmt/format.h>

#include <cstdlib>

namespace dgmx
{
namespace
{
int decideThreads(int requested)
{
    if (requested > 0) return requested;
    if (const char* env = std::getenv("OMP_NUM_THREADS"); env != nullptr && std::atoi(env) > 0)
    {
        return std::atoi(env);
    }
    return 1;
}

class NativeBackend final : public IBackend
{
public:
    NativeBackend(const std::string& path, int threads, bool tabulate)
        : model_(native::readModel(path)), engine_(native::makeEngine(model_, tabulate)),
          threads_(decideThreads(threads)), tabulated_(tabulate)
    {
    }

    [[nodiscard]] double cutoff() const override { return units::angstromToNm(model_.descriptor.rcut); }
    [[nodiscard]] std::vector<std::string> typeMap() const override { return model_.typeMap; }
    [[nodiscard]] std::string describe() const override
    {
        return fmt::format("native engine: model {} ({}, {}, {} parameters, cutoff {:g} nm, {} types); "
                           "{}{} OpenMP thread(s)", model_.path, model_.descriptorName,
                           model_.single ? "float32" : "float64", model_.parameters, cutoff(),
                           model_.ntypes, tabulated_ ? "tabulated embedding; " : "", threads_);
    }

    void compute(const BackendInput& input, BackendOutput& output) override
    {
        check(input);
        const int nAll = input.nOwned + input.nGhost;
        xAngstrom_.resize(static_cast<std::size_t>(3 * nAll));
        for (std::size_t k = 0; k < xAngstrom_.size(); ++k) xAngstrom_[k] = units::nmToAngstrom(input.positions[k]);
        native::EngineInput in;
        in.nOwned  = input.nOwned;
        in.nAll    = nAll;
        in.x       = xAngstrom_;
        in.types   = input.types;
        in.offsets = input.neighbours->offsets;
        in.indices = input.neighbours->indices;
        engine_->compute(in, result_, threads_);
        output.energy = 0;
        for (double e : result_.atomEnergy) output.energy += units::eVToKJPerMol(e);
        output.forces.resize(result_.force.size());
        for (std::size_t k = 0; k < result_.force.size(); ++k)
        {
            output.forces[k] = units::eVPerAngstromToKJPerMolNm(result_.force[k]);
        }
        for (int k = 0; k < 9; ++k) output.virial[k] = units::eVToKJPerMol(result_.virial[k]);
        if (output.wantAtomEnergies)
        {
            output.atomEnergies.resize(result_.atomEnergy.size());
            for (std::size_t k = 0; k < result_.atomEnergy.size(); ++k)
            {
                output.atomEnergies[k] = units::eVToKJPerMol(result_.atomEnergy[k]);
            }
        }
    }

private:
    void check(const BackendInput& input) const
    {
        const int nAll = input.nOwned + input.nGhost;
        if (input.nOwned < 0 || input.nGhost < 0 || input.positions.size() != static_cast<std::size_t>(3 * nAll)
            || input.types.size() != static_cast<std::size_t>(nAll) || input.neighbours == nullptr
            || input.neighbours->offsets.size() != static_cast<std::size_t>(input.nOwned + 1))
        {
            throw Error("native backend: inconsistent sizes of positions, types or neighbour list "
                        "(a bug in the caller)");
        }
        for (int t : input.types)
        {
            if (t < 0 || t >= model_.ntypes)
            {
                throw Error(fmt::format("native backend: atom type index {} is outside the model's "
                                        "type map (0..{})", t, model_.ntypes - 1));
            }
        }
        const auto nIdx = static_cast<int>(input.neighbours->indices.size());
        for (int j : input.neighbours->indices)
        {
            if (j < 0 || j >= nAll)
            {
                throw Error(fmt::format("native backend: neighbour index {} outside 0..{} (a bug in "
                                        "the caller)", j, nAll - 1));
            }
        }
        if (input.neighbours->offsets.back() != nIdx)
        {
            throw Error("native backend: neighbour list offsets do not end at its size (a bug in the caller)");
        }
    }

    native::Model                    model_;
    std::unique_ptr<native::IEngine> engine_;
    int                              threads_ = 1;
    bool                             tabulated_ = false;
    std::vector<double>              xAngstrom_;
    native::EngineOutput             result_;
};
} // namespace

std::unique_ptr<IBackend> makeNativeBackend(const std::string& modelPath, int threads, bool tabulate)
{
    return std::make_unique<NativeBackend>(modelPath, threads, tabulate);
}
} // namespace dgmx
