/*! \file
 * \brief A stand-in libdeepmd_c.so for the fault tests: forwards every C-API call the backend
 * uses to the real library (DGMX_FAULT_REAL_LIB) and injects one fault on one rank at one
 * compute call, chosen by DGMX_FAULT=KIND:RANK:CALL (calls counted from 0, one per MD step):
 *  - throw: the call fails the way DeePMD-kit reports a C++ exception through its C API (the
 *    error string of DP_DeepPotCheckOK);
 *  - nan:   the force on the first owned atom is NaN.
 * DGMX_FAULT_REPORT names a file that gets the time of the fault (wall clock, s) and the first
 * owned atom's coordinates (Angstrom), so the test can time the stop and name the atom itself.
 * The rank is Open MPI's OMPI_COMM_WORLD_RANK. Not part of the product.
 */
#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>

namespace
{
struct Fault
{
    std::string kind;
    int         rank = -1;
    long        call = -1;
};

void* realLibrary()
{
    static void* handle = [] {
        const char* path = std::getenv("DGMX_FAULT_REAL_LIB");
        void*       h    = path != nullptr ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : nullptr;
        if (h == nullptr)
        {
            std::fprintf(stderr, "deepmd fault shim: cannot load DGMX_FAULT_REAL_LIB=%s: %s\n",
                         path != nullptr ? path : "(unset)", dlerror());
            std::abort();
        }
        return h;
    }();
    return handle;
}

template<typename F>
F real(const char* name)
{
    void* f = dlsym(realLibrary(), name);
    if (f == nullptr)
    {
        std::fprintf(stderr, "deepmd fault shim: the real library lacks %s\n", name);
        std::abort();
    }
    return reinterpret_cast<F>(f);
}

const Fault& fault()
{
    static const Fault f = [] {
        Fault       parsed;
        const char* spec = std::getenv("DGMX_FAULT");
        char        kind[16] = {};
        if (spec != nullptr && std::sscanf(spec, "%15[a-z]:%d:%ld", kind, &parsed.rank, &parsed.call) == 3)
        {
            parsed.kind = kind;
        }
        return parsed;
    }();
    return f;
}

int  myRank()
{
    const char* r = std::getenv("OMPI_COMM_WORLD_RANK");
    return r != nullptr ? std::atoi(r) : 0;
}

long g_calls    = 0;
bool g_injected = false; //!< sticky, like DeePMD-kit's own error state

//! Called after each compute: injects the fault when this is its rank and call.
template<typename Real>
void afterCompute(const Real* coord, Real* force, int nghost, int natoms)
{
    const Fault& f    = fault();
    const long   call = g_calls++;
    if (f.rank != myRank() || f.call != call)
    {
        return;
    }
    g_injected = f.kind == "throw";
    if (f.kind == "nan" && natoms - nghost > 0)
    {
        force[0] = std::numeric_limits<Real>::quiet_NaN();
    }
    // When it happened (wall clock, s) and, for nan, where: the poisoned atom's coordinates.
    if (const char* report = std::getenv("DGMX_FAULT_REPORT"); report != nullptr)
    {
        if (FILE* out = std::fopen(report, "w"); out != nullptr)
        {
            timespec now{};
            clock_gettime(CLOCK_REALTIME, &now);
            std::fprintf(out, "%.3f\n%.9g %.9g %.9g\n", static_cast<double>(now.tv_sec) + 1e-9 * now.tv_nsec,
                         static_cast<double>(coord[0]), static_cast<double>(coord[1]),
                         static_cast<double>(coord[2]));
            std::fclose(out);
        }
    }
}

//! A string DeePMD-kit's DP_DeleteChar can free (it uses delete[]).
const char* newString(const std::string& s)
{
    char* out = new char[s.size() + 1];
    std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}
} // namespace

extern "C" {
struct DP_DeepPot;
struct DP_Nlist;

#define DGMX_FORWARD(ret, name, params, args)                                   \
    __attribute__((visibility("default"))) ret name params                       \
    {                                                                            \
        static const auto f = real<ret(*) params>(#name);                        \
        return f args;                                                           \
    }

DGMX_FORWARD(DP_DeepPot*, DP_NewDeepPot, (const char* m), (m))
DGMX_FORWARD(DP_DeepPot*, DP_NewDeepPotWithParam2, (const char* m, int g, const char* c, int n), (m, g, c, n))
DGMX_FORWARD(void, DP_DeleteDeepPot, (DP_DeepPot * dp), (dp))
DGMX_FORWARD(double, DP_DeepPotGetCutoff, (DP_DeepPot * dp), (dp))
DGMX_FORWARD(int, DP_DeepPotGetNumbTypes, (DP_DeepPot * dp), (dp))
DGMX_FORWARD(int, DP_DeepPotGetNumbTypesSpin, (DP_DeepPot * dp), (dp))
DGMX_FORWARD(int, DP_DeepPotGetDimFParam, (DP_DeepPot * dp), (dp))
DGMX_FORWARD(int, DP_DeepPotGetDimAParam, (DP_DeepPot * dp), (dp))
DGMX_FORWARD(const char*, DP_DeepPotGetTypeMap, (DP_DeepPot * dp), (dp))
DGMX_FORWARD(void, DP_DeleteChar, (const char* s), (s))
DGMX_FORWARD(DP_Nlist*, DP_NewNlist, (int i, int* il, int* nn, int** fn), (i, il, nn, fn))
DGMX_FORWARD(void, DP_DeleteNlist, (DP_Nlist * nl), (nl))
DGMX_FORWARD(const char*, DP_NlistCheckOK, (DP_Nlist * nl), (nl))

__attribute__((visibility("default"))) const char* DP_DeepPotCheckOK(DP_DeepPot* dp)
{
    static const auto f = real<const char* (*)(DP_DeepPot*)>("DP_DeepPotCheckOK");
    if (g_injected)
    {
        return newString("DeePMD-kit Error: injected by the fault-test shim (DGMX_FAULT="
                         + std::string(std::getenv("DGMX_FAULT")) + ")");
    }
    return f(dp);
}

__attribute__((visibility("default"))) void
DP_DeepPotComputeNList2(DP_DeepPot* dp, int nframes, int natoms, const double* coord, const int* atype,
                        const double* cell, int nghost, const DP_Nlist* nlist, int ago, const double* fparam,
                        const double* aparam, double* energy, double* force, double* virial,
                        double* atomicEnergy, double* atomicVirial)
{
    static const auto f = real<void (*)(DP_DeepPot*, int, int, const double*, const int*, const double*, int,
                                        const DP_Nlist*, int, const double*, const double*, double*,
                                        double*, double*, double*, double*)>("DP_DeepPotComputeNList2");
    f(dp, nframes, natoms, coord, atype, cell, nghost, nlist, ago, fparam, aparam, energy, force, virial,
      atomicEnergy, atomicVirial);
    afterCompute(coord, force, nghost, natoms);
}

__attribute__((visibility("default"))) void
DP_DeepPotComputeNListf2(DP_DeepPot* dp, int nframes, int natoms, const float* coord, const int* atype,
                         const float* cell, int nghost, const DP_Nlist* nlist, int ago, const float* fparam,
                         const float* aparam, double* energy, float* force, float* virial,
                         float* atomicEnergy, float* atomicVirial)
{
    static const auto f = real<void (*)(DP_DeepPot*, int, int, const float*, const int*, const float*, int,
                                        const DP_Nlist*, int, const float*, const float*, double*, float*,
                                        float*, float*, float*)>("DP_DeepPotComputeNListf2");
    f(dp, nframes, natoms, coord, atype, cell, nghost, nlist, ago, fparam, aparam, energy, force, virial,
      atomicEnergy, atomicVirial);
    afterCompute(coord, force, nghost, natoms);
}
}
