/*! \file
 * \brief Finds and loads DeePMD-kit's C library (libdeepmd_c.so) at run time. Private to
 * backends/deepmd.
 */
#pragma once

#include "backends/deepmd/deepmd_c_api.h"

#include <string>
#include <vector>

namespace dgmx::deepmd_c
{
//! Where the library was looked for, in order, and what the loader said.
struct LoadAttempt
{
    std::string where;   //!< e.g. "BackendOptions.deepmdLibrary"
    std::string path;
    std::string message; //!< empty on success
};

struct LoadedLibrary
{
    const Api*               api = nullptr;
    std::string              path;         //!< the file that was loaded
    std::string              source;       //!< which rule found it
    std::vector<std::string> preloaded;    //!< dependencies loaded first (torch, libmpi)
    std::vector<std::string> missingOptional; //!< optional symbols the library lacks
    std::vector<std::string> problems;        //!< why a model may fail to load (a missing stand-in)
};

//! A lib folder of the deepmd Python package and the rule that found it.
struct PackageLibDir
{
    std::string rule; //!< e.g. "VIRTUAL_ENV (/opt/venv)"
    std::string path;
};

/*! Loads the library once per process (it is never unloaded) following the search order
 *  explicit path, DEEPMD_GROMACS_DEEPMD_LIB, the deepmd Python package's lib folder
 *  (deepmdPackageLibDirs), the bare name. Starts no process. An explicit path (option or environment) is authoritative: when it fails, nothing
 *  else is tried. Throws dgmx::Error listing every attempt and how to fix it. */
LoadedLibrary loadDeepmdLibrary(const std::string& explicitPath);

/*! Candidate lib folders of the deepmd Python package: <venv>/lib/python3.x/site-packages/
 *  deepmd/lib of DEEPMD_GROMACS_VENV, VIRTUAL_ENV, the venv of the python3 first on PATH and the
 *  venv recorded at configure time (DEEPMD_GROMACS_VENV in CMake), without duplicates. */
std::vector<PackageLibDir> deepmdPackageLibDirs();
} // namespace dgmx::deepmd_c
