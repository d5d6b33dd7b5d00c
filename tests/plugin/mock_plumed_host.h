/*! \file
 * \brief A mock PLUMED host that drives the built plugin the way GROMACS 2025's bundled PLUMED
 * wrapper does (see docs/plugin.md, "The PLUMED interface"): dlopen with
 * RTLD_NOW|RTLD_LOCAL|RTLD_DEEPBIND, the data symbol plumed_symbol_table (version 4, every slot
 * set), create(), GROMACS's init sequence and per-step calls with plumed_safeptr values typed
 * exactly as the wrapper types them, and a nothrow handler that records (code, message).
 *
 * The table layout is declared here again, not taken from the plugin's header, so a layout
 * mistake in either shows up. For test_plumed_kernel.cpp.
 */
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#ifndef DGMX_PLUGIN_PATH
#error "DGMX_PLUGIN_PATH must name the built plugin"
#endif

namespace dgmx::test
{
// ---- the binary interface, as the host (GROMACS's wrapper) declares it -------------------

extern "C"
{
    struct HostNothrowHandler
    {
        void* ptr;
        void (*handler)(void*, int, const char*, const void*);
    };
    struct HostSafePtr
    {
        const void*        ptr;
        std::size_t        nelem;
        const std::size_t* shape;
        std::size_t        flags;
        const void*        opt;
    };
    struct HostFunctionHolder
    {
        void* (*create)();
        void (*cmd)(void*, const char*, const void*);
        void (*finalize)(void*);
    };
    struct HostSymbolTable
    {
        int                version;
        HostFunctionHolder functions;
        void (*cmd_nothrow)(void*, const char*, const void*, HostNothrowHandler);
        void (*cmd_safe)(void*, const char*, HostSafePtr);
        void (*cmd_safe_nothrow)(void*, const char*, HostSafePtr, HostNothrowHandler);
        unsigned (*create_reference)(void*);
        unsigned (*delete_reference)(void*);
        unsigned (*use_count)(void*);
    };
}
static_assert(sizeof(HostSymbolTable) == 80 && offsetof(HostSymbolTable, cmd_safe_nothrow) == 48);
static_assert(sizeof(HostSafePtr) == 40 && sizeof(HostNothrowHandler) == 16);

//! flags = size + 0x10000*type + 0x2000000*constness.
constexpr std::size_t safeFlags(std::size_t size, std::size_t type, std::size_t constness)
{
    return size + 0x10000 * type + 0x2000000 * constness;
}
constexpr std::size_t c_typeVoid = 1, c_typeIntegral = 3, c_typeFloating = 4;
constexpr std::size_t c_byValue = 1, c_pointer = 2, c_constPointer = 3;
constexpr std::size_t c_intPtr      = safeFlags(sizeof(int), c_typeIntegral, c_pointer);
constexpr std::size_t c_intByValue  = safeFlags(sizeof(int), c_typeIntegral, c_byValue);
constexpr std::size_t c_longPtr     = safeFlags(sizeof(long), c_typeIntegral, c_pointer);
constexpr std::size_t c_string      = safeFlags(1, c_typeIntegral, c_constPointer); // const char*
constexpr std::size_t c_constVoid   = safeFlags(0, c_typeVoid, c_constPointer);     // const MPI_Comm*
constexpr std::size_t c_nullptrFlag = 0x20000;
static_assert(c_intPtr == 0x4030004 && c_intByValue == 0x2030004 && c_longPtr == 0x4030008
              && c_string == 0x6030001 && c_constVoid == 0x6010000);

template<typename Real>
constexpr std::size_t c_realPtr = safeFlags(sizeof(Real), c_typeFloating, c_pointer);
template<typename Real>
constexpr std::size_t c_constRealPtr = safeFlags(sizeof(Real), c_typeFloating, c_constPointer);
static_assert(c_realPtr<float> == 0x4040004 && c_constRealPtr<float> == 0x6040004
              && c_constRealPtr<double> == 0x6040008);

constexpr int c_plumedErrorCode = 20200; // PLMD::Plumed::ExceptionError (PLUMED's wrapper)

struct Kernel
{
    void*                  handle = nullptr;
    const HostSymbolTable* table  = nullptr;
    std::string            error;
};

// GROMACS loads the kernel with RTLD_DEEPBIND, and so do we; AddressSanitizer refuses that flag
// ("incompatible with sanitizer runtime"), so instrumented builds load it without.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr int deepBindUnlessSanitized = 0;
#else
inline constexpr int deepBindUnlessSanitized = RTLD_DEEPBIND;
#endif

inline const Kernel& kernel()
{
    static const Kernel k = [] {
        Kernel r;
        r.handle = dlopen(DGMX_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL | deepBindUnlessSanitized);
        if (r.handle == nullptr)
        {
            r.error = dlerror();
            return r;
        }
        r.table = static_cast<const HostSymbolTable*>(dlsym(r.handle, "plumed_symbol_table"));
        if (r.table == nullptr)
        {
            r.error = "no plumed_symbol_table";
        }
        return r;
    }();
    return k;
}

struct Record
{
    int         calls = 0;
    int         code  = 0;
    std::string message;
};

extern "C" inline void recordError(void* ptr, int code, const char* message, const void* /*opt*/)
{
    auto* r = static_cast<Record*>(ptr);
    ++r->calls;
    r->code    = code;
    r->message = message != nullptr ? message : "(null message)";
}

//! One PLMD::Plumed object of the host: create() at construction; at destruction, like the v4
//! wrapper, delete_reference and finalize only when it returns 0.
class Host
{
public:
    Host() : table_(kernel().table)
    {
        if (table_ != nullptr)
        {
            object_ = table_->functions.create();
        }
    }
    ~Host()
    {
        if (object_ != nullptr)
        {
            EXPECT_EQ(close(), 0u);
        }
    }
    Host(const Host&)            = delete;
    Host& operator=(const Host&) = delete;

    unsigned close()
    {
        const unsigned left = table_->delete_reference(object_);
        if (left == 0)
        {
            table_->functions.finalize(object_);
        }
        object_ = nullptr;
        return left;
    }

    [[nodiscard]] bool valid() const { return object_ != nullptr; }

    //! One cmd through cmd_safe_nothrow, as the wrapper makes every call.
    Record cmd(const char* key, const void* ptr, std::size_t flags, std::size_t nelem = 0,
               const std::size_t* shape = nullptr)
    {
        Record            r;
        const HostSafePtr safe{ ptr, nelem, shape, flags, nullptr };
        try
        {
            table_->cmd_safe_nothrow(object_, key, safe, HostNothrowHandler{ &r, recordError });
        }
        catch (...)
        {
            ADD_FAILURE() << "an exception crossed the C boundary in cmd(\"" << key << "\")";
            r.code = -1;
        }
        return r;
    }
    //! The same, expecting success.
    void ok(const char* key, const void* ptr, std::size_t flags, std::size_t nelem = 0,
            const std::size_t* shape = nullptr)
    {
        const Record r = cmd(key, ptr, flags, nelem, shape);
        EXPECT_EQ(r.calls, 0) << key << ": " << r.message;
    }
    [[nodiscard]] void* object() const { return object_; }

private:
    const HostSymbolTable* table_;
    void*                  object_ = nullptr;
};

//! Expects one handler call with code 20200 and every fragment in the message.
inline void expectError(const Record& r, const std::vector<std::string>& fragments, const std::string& what)
{
    EXPECT_EQ(r.calls, 1) << what;
    EXPECT_EQ(r.code, c_plumedErrorCode) << what << ": " << r.message;
    for (const auto& f : fragments)
    {
        EXPECT_NE(r.message.find(f), std::string::npos) << what << ": '" << f << "' not in: " << r.message;
    }
}

// ---- GROMACS's calls ---------------------------------------------------------------------

//! The constructor of GROMACS's PlumedForceProvider, in order and typed as there.
template<typename Real>
Record initLikeGromacs(Host& h, const std::string& plumedDat, int natoms, bool sendComm, Real timestep,
                       MPI_Comm* comm)
{
    int realPrecision = static_cast<int>(sizeof(Real));
    h.ok("setRealPrecision", &realPrecision, c_intPtr);
    Real energyUnits = 1, lengthUnits = 1, timeUnits = 1;
    h.ok("setMDEnergyUnits", &energyUnits, c_realPtr<Real>);
    h.ok("setMDLengthUnits", &lengthUnits, c_realPtr<Real>);
    h.ok("setMDTimeUnits", &timeUnits, c_realPtr<Real>);
    h.ok("setPlumedDat", plumedDat.c_str(), c_string);
    int apiVersion = 0;
    h.ok("getApiVersion", &apiVersion, c_intPtr);
    EXPECT_GE(apiVersion, 4) << "GROMACS sends doCheckPoint only to API > 3";
    {
        Real kbT = static_cast<Real>(300 * 0.00831446261815324);
        h.ok("setKbT", &kbT, c_realPtr<Real>);
    }
    if (sendComm)
    {
        h.ok("setMPIComm", comm, c_constVoid);
    }
    {
        int byValue = natoms; // the wrapper's copy of a by-value argument
        h.ok("setNatoms", &byValue, c_intByValue, 1);
    }
    static const std::size_t engineShape[] = { 8, 0 }, logShape[] = { 11, 0 };
    h.ok("setMDEngine", "gromacs", c_string, 0, engineShape);
    h.ok("setLogFile", "PLUMED.OUT", c_string, 0, logShape);
    h.ok("setTimestep", &timestep, c_constRealPtr<Real>);
    return h.cmd("init", nullptr, c_nullptrFlag);
}

//! One rank's view of a step in GROMACS's local order: nLocal home atoms, then halo entries
//! (positions NaN, forces a sentinel) that the plugin must neither read nor write.
template<typename Real>
struct LocalStep
{
    long              step = 0;
    int               nLocal = 0;
    std::vector<int>  globalIndex;
    std::vector<Real> x, masses, charges, box, forces, virial;
};

//! GROMACS's calculateForces; returns what performCalc reported.
template<typename Real>
Record stepLikeGromacs(Host& h, LocalStep<Real>& l, bool dd)
{
    h.ok("setStepLong", &l.step, c_longPtr);
    if (dd)
    {
        h.ok("setAtomsNlocal", &l.nLocal, c_intPtr);
        h.ok("setAtomsGatindex", l.globalIndex.data(), c_intPtr);
    }
    h.ok("setPositions", l.x.data(), c_constRealPtr<Real>);
    h.ok("setMasses", l.masses.data(), c_constRealPtr<Real>);
    h.ok("setCharges", l.charges.data(), c_constRealPtr<Real>);
    h.ok("setBox", l.box.data(), c_constRealPtr<Real>);
    h.ok("prepareCalc", nullptr, c_nullptrFlag);
    int stopFlag = 0;
    h.ok("setStopFlag", &stopFlag, c_intPtr);
    h.ok("setForces", l.forces.data(), c_realPtr<Real>);
    h.ok("setVirial", l.virial.data(), c_realPtr<Real>);
    return h.cmd("performCalc", nullptr, c_nullptrFlag);
}
} // namespace dgmx::test
