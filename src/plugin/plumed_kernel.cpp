/*! \file
 * \brief The PLUMED-ABI kernel GROMACS loads at run time (PLUMED_KERNEL=$(deepmd-gromacs
 * plugin-path) gmx_mpi mdrun -plumed deepmd.dat). Exports the version-4 symbol table; every
 * cmd(key, value) of the host arrives at cmdSafeNothrow, which checks the value's type, records
 * it, and on performCalc runs NNForceProvider. No exception crosses the C boundary: failures go
 * to the host's error handler, which makes GROMACS stop with our message.
 */
#include "plugin/gromacs_log.h"
#include "plugin/malloc_tuning.h"
#include "plugin/nn_force_provider.h"
#include "plugin/plugin_config.h"
#include "plugin/plumed_abi.h"

#include "common/error.h"
#include "dd/collective_error.h"

#include <fmt/format.h>
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace dgmx::plugin
{
namespace
{
//! GROMACS gates setKbT (>1), setRestart (>2) and doCheckPoint (>3) on this.
constexpr int c_apiVersionReported = 4;

class KernelSession
{
public:
    void cmd(std::string_view key, const plumed_safeptr& value);

    void finalize()
    {
        if (provider_)
        {
            provider_->finish();
        }
        provider_.reset();
        int finalized = 1;
        MPI_Finalized(&finalized);
        if (!finalized && comm_ != MPI_COMM_NULL)
        {
            MPI_Comm_free(&comm_);
        }
        if (!finalized && ownsMpi_)
        {
            MPI_Finalize();
        }
    }

    //! Puts the message in GROMACS's log (only the main rank has it open) and ours.
    void recordError(const std::string& message)
    {
        writeToGromacsLog("\n-------------------------------------------------------\n" + message
                          + "\n-------------------------------------------------------\n");
        if (provider_)
        {
            provider_->logError(message);
        }
    }

    //! Rank in the communicator GROMACS gave us (0 before there is one).
    [[nodiscard]] int rank() const
    {
        int r = 0;
        if (comm_ != MPI_COMM_NULL)
        {
            MPI_Comm_rank(comm_, &r);
        }
        return r;
    }

    std::atomic<unsigned> references{ 1 };

private:
    //! What one key does with its value.
    using Handler = void (*)(KernelSession&, std::string_view key, const plumed_safeptr& value);
    //! Every key of GROMACS 2025's PLUMED interface and what it does.
    static const std::map<std::string_view, Handler>& handlers();

    template<typename T>
    const T* scalarPointer(std::string_view key, const plumed_safeptr& value, std::size_t expectedType) const;
    template<typename Real>
    const Real* realPointer(std::string_view key, const plumed_safeptr& value) const;
    double      readReal(std::string_view key, const plumed_safeptr& value) const;
    int         readInt(std::string_view key, const plumed_safeptr& value) const
    {
        return *scalarPointer<int>(key, value, plumed::c_typeIntegral);
    }
    static std::string readString(std::string_view key, const plumed_safeptr& value);
    //! An array of GROMACS's real (float in gmx_mpi, double in gmx_mpi_d), type-checked.
    void* realArray(std::string_view key, const plumed_safeptr& value) const
    {
        if (realPrecision_ == 8)
        {
            realPointer<double>(key, value);
        }
        else
        {
            realPointer<float>(key, value);
        }
        return const_cast<void*>(value.ptr);
    }
    void        setRealPrecision(int precision);
    void        setTimestep(double timestep);
    void        init();
    void        performCalc();
    template<typename Real>
    void performCalcIn();

    int         realPrecision_ = 0;
    std::string plumedDat_;
    std::string mdEngine_;
    MPI_Comm    comm_ = MPI_COMM_NULL;
    int         natoms_ = -1;
    double      timestep_ = 0;
    bool        restart_ = false;
    bool        initialized_ = false;
    bool        ownsMpi_ = false; //!< we started MPI (thread-MPI gmx), so we end it

    // Per step: valid from the set* call until performCalc returns.
    std::int64_t step_ = 0;
    int          nLocal_ = -1;
    const int*   globalIndex_ = nullptr;
    const void*  positions_ = nullptr;
    const void*  masses_ = nullptr;
    const void*  box_ = nullptr;
    void*        forces_ = nullptr;
    void*        virial_ = nullptr;

    std::unique_ptr<NNForceProvider> provider_;
};

[[noreturn]] void badType(std::string_view key, const plumed_safeptr& value, const char* expected)
{
    throw Error(fmt::format("cmd(\"{}\") received a value of type code {:#x}, expected {}; the host "
                            "does not speak GROMACS 2025's PLUMED interface",
                            key, value.flags, expected));
}

template<typename T>
const T* KernelSession::scalarPointer(std::string_view key, const plumed_safeptr& value, std::size_t expectedType) const
{
    // flags == 0: the host passed an unchecked pointer (older wrappers); trust it.
    if (value.flags != 0
        && (plumed::flagsType(value.flags) != expectedType || plumed::flagsSize(value.flags) != sizeof(T)))
    {
        const std::string expected = fmt::format("{} of {} bytes",
                                                 expectedType == plumed::c_typeIntegral ? "an integer" : "a floating-point value",
                                                 sizeof(T));
        badType(key, value, expected.c_str());
    }
    if (value.ptr == nullptr)
    {
        throw Error(fmt::format("cmd(\"{}\") received a null pointer", key));
    }
    return static_cast<const T*>(value.ptr);
}

template<typename Real>
const Real* KernelSession::realPointer(std::string_view key, const plumed_safeptr& value) const
{
    return scalarPointer<Real>(key, value, plumed::c_typeFloating);
}

double KernelSession::readReal(std::string_view key, const plumed_safeptr& value) const
{
    if (realPrecision_ == 8)
    {
        return *realPointer<double>(key, value);
    }
    if (realPrecision_ == 4)
    {
        return *realPointer<float>(key, value);
    }
    throw Error(fmt::format("cmd(\"{}\") came before setRealPrecision; the host does not speak GROMACS "
                            "2025's PLUMED interface",
                            key));
}

std::string KernelSession::readString(std::string_view key, const plumed_safeptr& value)
{
    if (value.ptr == nullptr)
    {
        throw Error(fmt::format("cmd(\"{}\") received a null string", key));
    }
    return static_cast<const char*>(value.ptr);
}

void KernelSession::setRealPrecision(int precision)
{
    if (precision != 4 && precision != 8)
    {
        throw Error(fmt::format("setRealPrecision {}: only float (4) and double (8) are supported", precision));
    }
    realPrecision_ = precision;
}

void KernelSession::setTimestep(double timestep)
{
    timestep_ = timestep;
    if (realPrecision_ == 4)
    {
        // The mdp's decimal value (0.0005, not float's 0.000500000024): our .xvg times must
        // match GROMACS's double-precision times over millions of steps.
        timestep_ = std::stod(fmt::format("{:.7g}", static_cast<float>(timestep_)));
    }
}

void checkGromacsUnit(std::string_view key, double factor)
{
    if (std::abs(factor - 1.0) > 1e-6)
    {
        throw Error(fmt::format("{} = {}: the plugin expects GROMACS units (nm, kJ/mol, ps, e, amu)", key, factor));
    }
}

void writeApiVersion(std::string_view key, const plumed_safeptr& value)
{
    if (value.ptr == nullptr || (value.flags != 0 && plumed::flagsSize(value.flags) != sizeof(int)))
    {
        badType(key, value, "a pointer to int");
    }
    *static_cast<int*>(const_cast<void*>(value.ptr)) = c_apiVersionReported;
}

const std::map<std::string_view, KernelSession::Handler>& KernelSession::handlers()
{
    using S = KernelSession;
    using V = const plumed_safeptr&;
    const Handler unit    = [](S& s, std::string_view k, V v) { checkGromacsUnit(k, s.readReal(k, v)); };
    // Nothing to do: we keep our own log and outputs; charges only matter for GROMACS's
    // classical (embedding) part; checkpoints need no state of ours (the decomposition is
    // rebuilt from positions), and outputs are flushed every line.
    const Handler ignored = [](S&, std::string_view, V) {};
    const Handler calc    = [](S& s, std::string_view, V) { s.performCalc(); };
    static const std::map<std::string_view, Handler> table = {
        { "setRealPrecision", [](S& s, std::string_view k, V v) { s.setRealPrecision(s.readInt(k, v)); } },
        { "setMDEnergyUnits", unit }, { "setMDLengthUnits", unit }, { "setMDTimeUnits", unit },
        { "setMDChargeUnits", unit }, { "setMDMassUnits", unit },
        { "setPlumedDat", [](S& s, std::string_view k, V v) { s.plumedDat_ = readString(k, v); } },
        { "getApiVersion", [](S&, std::string_view k, V v) { writeApiVersion(k, v); } },
        { "setMPIComm",
          [](S& s, std::string_view, V v) {
              if (v.ptr == nullptr)
              {
                  throw Error("setMPIComm received a null communicator");
              }
              // Only this communicator is valid here: the kernel's MPI_COMM_WORLD is a stale
              // copy under RTLD_DEEPBIND (see docs/plugin.md).
              MPI_Comm_dup(*static_cast<const MPI_Comm*>(v.ptr), &s.comm_);
          } },
        { "setNatoms", [](S& s, std::string_view k, V v) { s.natoms_ = s.readInt(k, v); } },
        { "setMDEngine", [](S& s, std::string_view k, V v) { s.mdEngine_ = readString(k, v); } },
        { "setLogFile", ignored }, { "setKbT", ignored }, { "setStopFlag", ignored },
        { "setCharges", ignored }, { "prepareCalc", ignored }, { "setNoVirial", ignored },
        { "setNumOMPthreads", ignored }, { "setGpuDeviceId", ignored }, { "runFinalJobs", ignored },
        { "doCheckPoint", ignored }, { "setMPImultiSimComm", ignored }, { "setLog", ignored },
        { "setRestart", [](S& s, std::string_view k, V v) { s.restart_ = s.readInt(k, v) != 0; } },
        { "setTimestep", [](S& s, std::string_view k, V v) { s.setTimestep(s.readReal(k, v)); } },
        { "init", [](S& s, std::string_view, V) { s.init(); } },
        { "setStepLong",
          [](S& s, std::string_view k, V v) { s.step_ = *s.scalarPointer<long>(k, v, plumed::c_typeIntegral); } },
        { "setStep", [](S& s, std::string_view k, V v) { s.step_ = s.readInt(k, v); } },
        { "setAtomsNlocal", [](S& s, std::string_view k, V v) { s.nLocal_ = s.readInt(k, v); } },
        { "setAtomsGatindex",
          [](S& s, std::string_view k, V v) { s.globalIndex_ = s.scalarPointer<int>(k, v, plumed::c_typeIntegral); } },
        { "setPositions", [](S& s, std::string_view k, V v) { s.positions_ = s.realArray(k, v); } },
        { "setMasses", [](S& s, std::string_view k, V v) { s.masses_ = s.realArray(k, v); } },
        { "setBox", [](S& s, std::string_view k, V v) { s.box_ = s.realArray(k, v); } },
        { "setForces", [](S& s, std::string_view k, V v) { s.forces_ = s.realArray(k, v); } },
        { "setVirial", [](S& s, std::string_view k, V v) { s.virial_ = s.realArray(k, v); } },
        { "performCalc", calc }, { "calc", calc },
    };
    return table;
}

void KernelSession::cmd(std::string_view key, const plumed_safeptr& value)
{
    const auto it = handlers().find(key);
    if (it == handlers().end())
    {
        throw Error(fmt::format("cmd(\"{}\") is not part of GROMACS 2025's PLUMED interface, which is "
                                "all this plugin implements",
                                key));
    }
    it->second(*this, key, value);
}

void KernelSession::init()
{
    int mpiInitialized = 0;
    MPI_Initialized(&mpiInitialized);
    if (!mpiInitialized)
    {
        // The thread-MPI gmx (one rank: GROMACS refuses PLUMED with more) has no MPI: start a
        // singleton MPI of our own for the decomposition layer, and end it in finalize.
        int provided = 0;
        if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        {
            throw Error("this GROMACS has no MPI and starting one for the plugin failed; use an MPI build "
                        "(`mpirun -np N gmx_mpi mdrun ...`)");
        }
        ownsMpi_ = true;
    }
    if (comm_ == MPI_COMM_NULL)
    {
        // One PP rank: GROMACS sends no communicator. MPI_COMM_SELF is not copy-relocated into
        // gmx_mpi, so it is valid here (unlike MPI_COMM_WORLD).
        MPI_Comm_dup(MPI_COMM_SELF, &comm_);
    }
    const std::string mallocNote = tuneMalloc(); // before the model allocates: docs/performance.md
    if (natoms_ <= 0)
    {
        throw Error("init came before setNatoms; the host does not speak GROMACS 2025's PLUMED interface");
    }
    EngineSetup setup;
    setup.comm     = comm_;
    setup.natoms   = natoms_;
    setup.timestep = timestep_;
    setup.restart  = restart_;
    setup.fault    = FaultInjection::fromEnvironment(); // tests only
    PluginConfig config;
    runCollectively(comm_, [&] { config = readPluginConfig(plumedDat_); });
    provider_    = std::make_unique<NNForceProvider>(config, setup);
    initialized_ = true;
    int rank     = 0;
    MPI_Comm_rank(comm_, &rank);
    if (rank == 0)
    {
        fmt::print(stderr, "deepmd-gromacs: {}\n", mallocNote);
    }
}

template<typename Real>
void KernelSession::performCalcIn()
{
    EngineStep<Real> s;
    s.step        = step_;
    s.nLocal      = nLocal_ >= 0 ? nLocal_ : natoms_;
    s.globalIndex = nLocal_ >= 0 ? globalIndex_ : nullptr;
    s.positions   = static_cast<const Real*>(positions_);
    s.masses      = static_cast<const Real*>(masses_);
    s.box         = static_cast<const Real*>(box_);
    s.forces      = static_cast<Real*>(forces_);
    s.virial      = static_cast<Real*>(virial_);
    if (s.positions == nullptr || s.masses == nullptr || s.box == nullptr || s.forces == nullptr
        || s.virial == nullptr || (nLocal_ >= 0 && s.globalIndex == nullptr && nLocal_ > 0))
    {
        throw Error("performCalc before positions, masses, box, forces and virial were set; the host "
                    "does not speak GROMACS 2025's PLUMED interface");
    }
    provider_->calculate(s);
}

void KernelSession::performCalc()
{
    if (!initialized_)
    {
        throw Error("performCalc before init");
    }
    try
    {
        if (realPrecision_ == 8)
        {
            performCalcIn<double>();
        }
        else
        {
            performCalcIn<float>();
        }
    }
    catch (const CollectiveError& e)
    {
        // Name the MD step in every failure of a step (the decomposition does not know it).
        const std::string prefix = fmt::format("rank {}: ", e.failingRank());
        const std::string what   = e.what();
        const std::string reason = what.starts_with(prefix) ? what.substr(prefix.size()) : what;
        throw CollectiveError(e.failingRank(), fmt::format("at step {}: {}", step_, reason));
    }
}

// ---- the C entry points ------------------------------------------------------------------

void report(plumed_nothrow_handler handler, const char* message)
{
    if (handler.handler != nullptr)
    {
        handler.handler(handler.ptr, plumed::c_errorCode, message, nullptr);
    }
    else
    {
        std::fprintf(stderr, "deepmd-gromacs plugin error: %s\n", message);
    }
}

void cmdSafeNothrow(void* object, const char* key, plumed_safeptr value, plumed_nothrow_handler handler)
{
    auto* session = static_cast<KernelSession*>(object);
    try
    {
        if (session == nullptr || key == nullptr)
        {
            throw Error("called with a null object or key");
        }
        session->cmd(key, value);
    }
    catch (const CollectiveError& e)
    {
        // Every rank has the same message. GROMACS prints each rank's error and aborts the job
        // when the first reaches main: rank 0 reports it in full at once; the others wait a
        // moment (so the abort usually comes first) and then say only where to look.
        const std::string message = std::string("deepmd-gromacs: ") + e.what();
        try
        {
            session->recordError(message);
        }
        catch (...)
        {
        }
        if (session->rank() == 0)
        {
            report(handler, message.c_str());
        }
        else
        {
            std::this_thread::sleep_for(std::chrono::seconds(3));
            report(handler, "deepmd-gromacs: stopped on the error that rank 0 of the run reports (also written to "
                            "GROMACS's log and the plugin's log)");
        }
    }
    catch (const std::exception& e)
    {
        const std::string message = std::string("deepmd-gromacs: ") + e.what();
        if (session != nullptr)
        {
            try
            {
                session->recordError(message);
            }
            catch (...)
            {
            }
        }
        report(handler, message.c_str());
    }
    catch (...)
    {
        report(handler, "deepmd-gromacs: unknown exception");
    }
}

void cmdSafe(void* object, const char* key, plumed_safeptr value)
{
    cmdSafeNothrow(object, key, value, plumed_nothrow_handler{ nullptr, nullptr });
}

void cmdNothrow(void* object, const char* key, const void* value, plumed_nothrow_handler handler)
{
    cmdSafeNothrow(object, key, plumed_safeptr{ value, 0, nullptr, 0, nullptr }, handler);
}

void cmdUnchecked(void* object, const char* key, const void* value)
{
    cmdNothrow(object, key, value, plumed_nothrow_handler{ nullptr, nullptr });
}

void* create()
{
    try
    {
        return new KernelSession();
    }
    catch (...)
    {
        return nullptr; // the host reports "plumed not available"
    }
}

void finalize(void* object)
{
    auto* session = static_cast<KernelSession*>(object);
    try
    {
        if (session != nullptr)
        {
            session->finalize();
        }
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "deepmd-gromacs: error while finishing: %s\n", e.what());
    }
    catch (...)
    {
    }
    delete session;
}

unsigned createReference(void* object)
{
    return ++static_cast<KernelSession*>(object)->references;
}

unsigned deleteReference(void* object)
{
    return --static_cast<KernelSession*>(object)->references;
}

unsigned useCount(void* object)
{
    return static_cast<KernelSession*>(object)->references.load();
}
} // namespace
} // namespace dgmx::plugin

// The data object the host looks up with dlsym; constant-initialised, so it is complete as soon
// as dlopen returns.
extern "C" {
__attribute__((visibility("default"))) plumed_symbol_table_type plumed_symbol_table = {
    4,
    { dgmx::plugin::create, dgmx::plugin::cmdUnchecked, dgmx::plugin::finalize },
    dgmx::plugin::cmdNothrow,
    dgmx::plugin::cmdSafe,
    dgmx::plugin::cmdSafeNothrow,
    dgmx::plugin::createReference,
    dgmx::plugin::deleteReference,
    dgmx::plugin::useCount,
};
}
