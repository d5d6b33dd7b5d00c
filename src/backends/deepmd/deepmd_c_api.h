/*! \file
 * \brief Our own declarations of the few DeePMD-kit C-API functions we call, as function
 * pointer types. The wheel ships no headers and we include none: the signatures follow the
 * documented C API (c_api.h, API version 25, DeePMD-kit 3.x) and are resolved with dlsym.
 * Private to backends/deepmd.
 */
#pragma once

#include <string_view>

namespace dgmx::deepmd_c
{
// Opaque handles of the C API.
struct DP_DeepPot;
struct DP_Nlist;

extern "C" {
using NewDeepPot           = DP_DeepPot* (*)(const char* model);
using NewDeepPotWithParam2 = DP_DeepPot* (*)(const char* model, int gpuRank,
                                             const char* fileContent, int sizeFileContent);
using DeleteDeepPot        = void (*)(DP_DeepPot* dp);
//! Returns a newly allocated string (free with DeleteChar); empty when no error. Sticky.
using DeepPotCheckOK  = const char* (*)(DP_DeepPot* dp);
using DeepPotGetCutoff = double (*)(DP_DeepPot* dp);
using DeepPotGetInt    = int (*)(DP_DeepPot* dp);
//! Space-separated type names; free with DeleteChar.
using DeepPotGetTypeMap = const char* (*)(DP_DeepPot* dp);
using DeleteChar        = void (*)(const char* str);

//! The list stores the pointers it is given: they must outlive every compute with it.
using NewNlist     = DP_Nlist* (*)(int inum, int* ilist, int* numneigh, int** firstneigh);
using DeleteNlist  = void (*)(DP_Nlist* nl);
using NlistCheckOK = const char* (*)(DP_Nlist* nl);

using DeepPotComputeNList2 = void (*)(DP_DeepPot* dp, int nframes, int natoms,
                                      const double* coord, const int* atype,
                                      const double* cell, int nghost, const DP_Nlist* nlist,
                                      int ago, const double* fparam, const double* aparam,
                                      double* energy, double* force, double* virial,
                                      double* atomicEnergy, double* atomicVirial);
using DeepPotComputeNListf2 = void (*)(DP_DeepPot* dp, int nframes, int natoms,
                                       const float* coord, const int* atype, const float* cell,
                                       int nghost, const DP_Nlist* nlist, int ago,
                                       const float* fparam, const float* aparam,
                                       double* energy, float* force, float* virial,
                                       float* atomicEnergy, float* atomicVirial);
}

//! The resolved entry points of one loaded libdeepmd_c.so. Optional ones may be null.
struct Api
{
    std::string_view path; //!< set by the loader; the library is never unloaded
    // Required.
    DeleteDeepPot        deleteDeepPot        = nullptr;
    DeepPotCheckOK       deepPotCheckOK       = nullptr;
    DeepPotGetCutoff     deepPotGetCutoff     = nullptr;
    DeepPotGetInt        deepPotGetNumbTypes  = nullptr;
    DeepPotGetTypeMap    deepPotGetTypeMap    = nullptr;
    DeleteChar           deleteChar           = nullptr;
    NewNlist             newNlist             = nullptr;
    DeleteNlist          deleteNlist          = nullptr;
    DeepPotComputeNList2 deepPotComputeNList2 = nullptr;
    // Optional (older or newer libraries may lack them).
    NewDeepPotWithParam2  newDeepPotWithParam2  = nullptr; //!< else newDeepPot (GPU 0)
    NewDeepPot            newDeepPot            = nullptr;
    DeepPotComputeNListf2 deepPotComputeNListf2 = nullptr; //!< single-precision path
    NlistCheckOK          nlistCheckOK          = nullptr;
    DeepPotGetInt         deepPotGetDimFParam   = nullptr;
    DeepPotGetInt         deepPotGetDimAParam   = nullptr;
    DeepPotGetInt         deepPotGetNumbTypesSpin = nullptr;
};
} // namespace dgmx::deepmd_c
