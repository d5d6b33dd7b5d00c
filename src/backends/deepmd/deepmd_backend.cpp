/*! \file
 * \brief DeePMD-kit backend: any DeePMD-kit model through its C API, loaded at run time.
 *
 * Evaluates one sub-domain (owned atoms, then ghosts) with our neighbour list through
 * DP_DeepPotComputeNList2 (or ...NListf2 for single-precision models). The only unit
 * conversions of the project's DeePMD-kit path are in toDeepmd()/fromDeepmd() below.
 */
#include "backends/deepmd/deepmd_backend.h"

#include "backends/deepmd/deepmd_c_api.h"
#include "backends/deepmd/deepmd_library.h"
#include "backends/deepmd/model_metadata.h"
#include "backends/node_placement.h"
#include "common/error.h"
#include "common/text.h"
#include "common/units.h"

#include <fmt/format.h>
#include <sched.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>
#include <type_traits>

namespace dgmx
{
namespace
{
using deepmd_c::Api;
using deepmd_c::DP_DeepPot;
using deepmd_c::DP_Nlist;

//! Takes ownership of a C string from the library and frees it with DP_DeleteChar.
std::string takeString(const Api& api, const char* s)
{
    const std::unique_ptr<const char, deepmd_c::DeleteChar> owned(s, api.deleteChar);
    return s == nullptr ? std::string() : std::string(s);
}

//! Frees a C-API object with the library's own function, so a throwing constructor leaks nothing.
template<typename T, void (*Api::*deleter)(T*)>
struct ApiDeleter
{
    const Api* api = nullptr;
    void       operator()(T* p) const { (api->*deleter)(p); }
};
using DeepPotHandle = std::unique_ptr<DP_DeepPot, ApiDeleter<DP_DeepPot, &Api::deleteDeepPot>>;
using NlistHandle   = std::unique_ptr<DP_Nlist, ApiDeleter<DP_Nlist, &Api::deleteNlist>>;

int usableCores()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
    {
        return std::max(1, CPU_COUNT(&set));
    }
    return std::max(1U, std::thread::hardware_concurrency());
}

//! One thread setting: explicit option, else the user's environment, else our default.
struct ThreadSetting
{
    const char* variable;
    int         value;
    std::string origin;
};

ThreadSetting decideThreads(const char* variable, int option, int fallback)
{
    if (option > 0)
    {
        setenv(variable, std::to_string(option).c_str(), 1);
        return { variable, option, "option" };
    }
    if (const char* env = std::getenv(variable); env != nullptr && std::atoi(env) > 0)
    {
        return { variable, std::atoi(env), "environment" };
    }
    setenv(variable, std::to_string(fallback).c_str(), 1);
    return { variable, fallback, "cores/ranks-per-node" };
}

class DeepmdBackend final : public IBackend
{
public:
    DeepmdBackend(const BackendOptions& options, MPI_Comm comm) : modelPath_(options.model)
    {
        place_ = nodePlacement(comm);
        if (!std::filesystem::exists(modelPath_))
        {
            throw Error(context("opening the model") + ": file not found. Check the path, or run "
                        "scripts/make-models to create the example models in $DEEPMD_GROMACS_MODELS");
        }
        meta_ = deepmd_c::readModelMetadata(modelPath_);
        if (meta_.messagePassing.value_or(false))
        {
            throw Error(context("checking the model") + ": message-passing models (DPA-2 with "
                        "repformer layers, DPA-3) are not supported: their layers exchange ghost "
                        "features between neighbouring domains, which this decomposition does not do ("
                        + meta_.messagePassingEvidence + "). Use a DPA-1 (se_atten) or se_e2_a model, "
                        "or DPA-2 with repformer nlayers = 0.");
        }

        // Threads: DeePMD-kit reads these at library and model initialisation.
        const int cores    = usableCores();
        const int perRank  = std::max(1, cores / std::max(1, place_.nodeSize));
        omp_               = decideThreads("OMP_NUM_THREADS", options.ompThreads, perRank);
        intra_ = decideThreads("DP_INTRA_OP_PARALLELISM_THREADS",
                               options.intraOpThreads > 0 ? options.intraOpThreads : options.ompThreads,
                               omp_.value);
        inter_ = decideThreads("DP_INTER_OP_PARALLELISM_THREADS", options.interOpThreads, 1);
        if (inter_.origin == "cores/ranks-per-node")
        {
            inter_.origin = "default";
        }
        cores_ = cores;

        lib_ = deepmd_c::loadDeepmdLibrary(options.deepmdLibrary);
        api_ = lib_.api;

        gpuFromOption_ = options.device >= 0;
        gpu_           = chosenDevice(options.device, place_);
        if (api_->newDeepPotWithParam2 != nullptr)
        {
            dp_ = DeepPotHandle(api_->newDeepPotWithParam2(modelPath_.c_str(), gpu_, "", 0), { api_ });
        }
        else
        {
            dp_ = DeepPotHandle(api_->newDeepPot(modelPath_.c_str()), { api_ });
        }
        if (dp_ == nullptr)
        {
            throw Error(context("loading the model") + ": DeePMD-kit returned no model object");
        }
        check("loading the model");

        cutoffAngstrom_ = api_->deepPotGetCutoff(dp_.get());
        check("reading the cutoff");
        nTypes_ = api_->deepPotGetNumbTypes(dp_.get());
        check("reading the number of types");
        std::istringstream names(takeString(*api_, api_->deepPotGetTypeMap(dp_.get())));
        check("reading the type map");
        for (std::string name; names >> name;)
        {
            typeMap_.push_back(name);
        }
        if (static_cast<int>(typeMap_.size()) != nTypes_)
        {
            throw Error(context("reading the type map") + fmt::format(
                    ": the model has {} types but its type map names {}; DeePMD-kit models used "
                    "here need a type_map naming every type", nTypes_, typeMap_.size()));
        }
        if (api_->deepPotGetDimFParam != nullptr && api_->deepPotGetDimFParam(dp_.get()) > 0)
        {
            throw Error(context("checking the model") + ": models with frame parameters (fparam) "
                        "are not supported");
        }
        if (api_->deepPotGetDimAParam != nullptr && api_->deepPotGetDimAParam(dp_.get()) > 0)
        {
            throw Error(context("checking the model") + ": models with atomic parameters (aparam) "
                        "are not supported");
        }
        if (api_->deepPotGetNumbTypesSpin != nullptr && api_->deepPotGetNumbTypesSpin(dp_.get()) > 0)
        {
            throw Error(context("checking the model") + ": spin models are not supported");
        }
        check("reading the model's parameters");
        single_ = meta_.precision == "float32" && api_->deepPotComputeNListf2 != nullptr;
    }

    DeepmdBackend(const DeepmdBackend&)            = delete;
    DeepmdBackend& operator=(const DeepmdBackend&) = delete;

    [[nodiscard]] double cutoff() const override { return units::angstromToNm(cutoffAngstrom_); }
    [[nodiscard]] std::vector<std::string> typeMap() const override { return typeMap_; }

    [[nodiscard]] std::string describe() const override
    {
        const std::string types = joined(typeMap_, " ");
        return fmt::format(
                "DeePMD-kit model {} ({}{}, {}, cutoff {:g} nm, types [{}]) via {} ({}); {} "
                "call path; device: GPU index {} requested ({}; DeePMD-kit uses it modulo the "
                "visible GPUs, CPU when none); threads: OMP_NUM_THREADS={} ({}), "
                "DP_INTRA_OP_PARALLELISM_THREADS={} ({}), DP_INTER_OP_PARALLELISM_THREADS={} ({}); "
                "{} usable cores, rank {} of {} on this node",
                modelPath_, meta_.format, meta_.descriptor.empty() ? "" : ", " + meta_.descriptor,
                meta_.precision.empty() ? "precision unknown" : meta_.precision, cutoff(), types,
                lib_.path, lib_.source, single_ ? "single-precision" : "double-precision", gpu_,
                gpuOrigin(), omp_.value, omp_.origin, intra_.value, intra_.origin, inter_.value,
                inter_.origin, cores_, place_.nodeRank, place_.nodeSize);
    }

    void compute(const BackendInput& input, BackendOutput& output) override
    {
        const int nAll = input.nOwned + input.nGhost;
        if (input.nOwned < 0 || input.nGhost < 0
            || input.positions.size() != static_cast<std::size_t>(3 * nAll)
            || input.types.size() != static_cast<std::size_t>(nAll) || input.neighbours == nullptr
            || input.neighbours->offsets.size() != static_cast<std::size_t>(input.nOwned + 1))
        {
            throw Error(context("checking the input") + ": inconsistent sizes of positions, types "
                        "or neighbour list (a bug in the caller)");
        }
        for (int t : input.types)
        {
            if (t < 0 || t >= nTypes_)
            {
                throw Error(context("checking the input") + fmt::format(
                        ": atom type index {} is outside the model's type map (0..{})", t, nTypes_ - 1));
            }
        }
        const bool rebuild = input.neighboursChanged || nlist_ == nullptr || nAll != lastNAll_
                             || input.nOwned != lastNOwned_;
        if (rebuild)
        {
            setNeighbours(input);
        }
        if (single_)
        {
            run<float>(input, output, rebuild);
        }
        else
        {
            run<double>(input, output, rebuild);
        }
    }

private:
    [[nodiscard]] std::string context(const std::string& doing) const
    {
        return fmt::format("DeePMD-kit backend, model '{}', rank {}: {}", modelPath_, place_.rank, doing);
    }

    [[nodiscard]] std::string gpuOrigin() const
    {
        return gpuFromOption_ ? "option" : "node-local rank";
    }

    //! Errors are sticky in the C API: after one, the model object is unusable.
    void check(const std::string& doing)
    {
        std::string message = takeString(*api_, api_->deepPotCheckOK(dp_.get()));
        if (!message.empty())
        {
            std::string loaderProblems; // e.g. the MPI stand-in was not found
            for (const auto& p : lib_.problems)
            {
                loaderProblems += "\nNote: " + p;
            }
            throw Error(context(doing) + ": DeePMD-kit reported: " + message + loaderProblems);
        }
    }

    void setNeighbours(const BackendInput& input)
    {
        const auto& nl = *input.neighbours;
        indices_       = nl.indices; // our copy: DeePMD-kit keeps pointers into it
        ilist_.resize(input.nOwned);
        numneigh_.resize(input.nOwned);
        firstneigh_.resize(input.nOwned);
        for (int i = 0; i < input.nOwned; ++i)
        {
            ilist_[i]      = i;
            numneigh_[i]   = nl.offsets[i + 1] - nl.offsets[i];
            firstneigh_[i] = indices_.data() + nl.offsets[i];
        }
        nlist_.reset();
        nlist_ = NlistHandle(api_->newNlist(input.nOwned, ilist_.data(), numneigh_.data(), firstneigh_.data()),
                             { api_ });
        if (nlist_ == nullptr)
        {
            throw Error(context("creating the neighbour list") + ": DeePMD-kit returned none");
        }
        if (api_->nlistCheckOK != nullptr)
        {
            std::string message = takeString(*api_, api_->nlistCheckOK(nlist_.get()));
            if (!message.empty())
            {
                throw Error(context("creating the neighbour list") + ": DeePMD-kit reported: " + message);
            }
        }
        lastNAll_   = input.nOwned + input.nGhost;
        lastNOwned_ = input.nOwned;
    }

    template<typename Real>
    void run(const BackendInput& input, BackendOutput& output, bool rebuild)
    {
        const int   nAll = input.nOwned + input.nGhost;
        auto&       coord = buffer<Real>().coord;
        auto&       force = buffer<Real>().force;
        auto&       atomE = buffer<Real>().atomEnergy;
        auto&       cell  = buffer<Real>().cell;
        Real        virial[9] = {};
        double      energy    = 0;
        // Units: nm -> Angstrom.
        coord.resize(3 * static_cast<std::size_t>(nAll));
        for (std::size_t k = 0; k < coord.size(); ++k)
        {
            coord[k] = static_cast<Real>(units::nmToAngstrom(input.positions[k]));
        }
        const Real* cellPtr = nullptr;
        if (input.box != nullptr)
        {
            for (int k = 0; k < 9; ++k)
            {
                cell[k] = static_cast<Real>(units::nmToAngstrom((*input.box)[k]));
            }
            cellPtr = cell.data();
        }
        force.assign(3 * static_cast<std::size_t>(nAll), Real(0));
        Real* atomEPtr = nullptr;
        if (output.wantAtomEnergies)
        {
            atomE.assign(static_cast<std::size_t>(nAll), Real(0));
            atomEPtr = atomE.data();
        }
        const int ago = rebuild ? 0 : 1;
        if constexpr (std::is_same_v<Real, double>)
        {
            api_->deepPotComputeNList2(dp_.get(), 1, nAll, coord.data(), input.types.data(), cellPtr,
                                       input.nGhost, nlist_.get(), ago, nullptr, nullptr, &energy,
                                       force.data(), virial, atomEPtr, nullptr);
        }
        else
        {
            api_->deepPotComputeNListf2(dp_.get(), 1, nAll, coord.data(), input.types.data(), cellPtr,
                                        input.nGhost, nlist_.get(), ago, nullptr, nullptr, &energy,
                                        force.data(), virial, atomEPtr, nullptr);
        }
        check(fmt::format("evaluating {} owned + {} ghost atoms", input.nOwned, input.nGhost));

        // Units: eV -> kJ/mol, eV/Angstrom -> kJ/mol/nm. Virial: DeePMD-kit returns V (eV,
        // row-major) with V[3b+a] = sum_i x_i,a f_i,b over owned and ghost atoms; GROMACS'
        // Xi_ab = -1/2 sum_i x_i,a f_i,b, so Xi_ab = -1/2 V[3b+a]. Checked by the strain
        // derivative test (dE/deps_ab = 2 Xi_ba) and against DeepPot.eval.
        output.energy = units::eVToKJPerMol(energy);
        output.forces.resize(force.size());
        for (std::size_t k = 0; k < force.size(); ++k)
        {
            output.forces[k] = units::eVPerAngstromToKJPerMolNm(static_cast<double>(force[k]));
        }
        for (int a = 0; a < 3; ++a)
        {
            for (int b = 0; b < 3; ++b)
            {
                output.virial[3 * a + b] = -0.5 * units::eVToKJPerMol(static_cast<double>(virial[3 * b + a]));
            }
        }
        if (output.wantAtomEnergies)
        {
            output.atomEnergies.resize(input.nOwned);
            for (int i = 0; i < input.nOwned; ++i)
            {
                output.atomEnergies[i] = units::eVToKJPerMol(static_cast<double>(atomE[i]));
            }
        }
        else
        {
            output.atomEnergies.clear();
        }
    }

    template<typename Real>
    struct Buffers
    {
        std::vector<Real>   coord, force, atomEnergy;
        std::array<Real, 9> cell{};
    };
    template<typename Real>
    Buffers<Real>& buffer()
    {
        if constexpr (std::is_same_v<Real, double>)
        {
            return bufD_;
        }
        else
        {
            return bufF_;
        }
    }

    std::string                modelPath_;
    NodePlacement              place_;
    deepmd_c::ModelMetadata    meta_;
    deepmd_c::LoadedLibrary    lib_;
    const Api*                 api_ = nullptr;
    // Declared in this order so that the list goes before the model.
    DeepPotHandle              dp_;
    NlistHandle                nlist_;
    double                     cutoffAngstrom_ = 0;
    int                        nTypes_         = 0;
    std::vector<std::string>   typeMap_;
    bool                       single_        = false;
    int                        gpu_           = 0;
    bool                       gpuFromOption_ = false;
    int                        cores_         = 1;
    ThreadSetting              omp_{}, intra_{}, inter_{};
    // Neighbour list handed to DeePMD-kit; it keeps pointers into these.
    std::vector<int>  indices_, ilist_, numneigh_;
    std::vector<int*> firstneigh_;
    int               lastNAll_ = -1, lastNOwned_ = -1;
    Buffers<double>   bufD_;
    Buffers<float>    bufF_;
};
} // namespace

std::unique_ptr<IBackend> makeDeepmdBackend(const BackendOptions& options, MPI_Comm comm)
{
    return std::make_unique<DeepmdBackend>(options, comm);
}

ModelInfo inspectDeepmdModel(const std::string& path)
{
    const deepmd_c::ModelMetadata meta = deepmd_c::readModelMetadata(path);
    ModelInfo                     info;
    info.format                 = meta.format;
    info.descriptor             = meta.descriptor;
    info.precision              = meta.precision;
    info.messagePassing         = meta.messagePassing;
    info.messagePassingEvidence = meta.messagePassingEvidence;
    info.tensorBytes            = meta.tensorBytes;
    return info;
}
} // namespace dgmx
