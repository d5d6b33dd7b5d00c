/*! \file
 * \brief Run-time loading of libdeepmd_c.so (see deepmd_library.h).
 *
 * DeePMD-kit 3.2 wheels: libdeepmd_c.so links libdeepmd_cc.so (RPATH $ORIGIN), which loads the
 * framework as a plugin (libdeepmd_backend_pt.so ...) from DP_BACKEND_PLUGIN_PATH or from its
 * own folder. The PyTorch plugin needs libtorch*.so from torch/lib and libdeepmd_op_pt.so needs
 * libmpi.so.12 (mpich wheel), neither on any RPATH: when they sit in the same site-packages we
 * load them first with RTLD_GLOBAL, so a run does not depend on LD_LIBRARY_PATH.
 *
 * Every library loaded here stays loaded for the life of the process (DeePMD-kit's framework
 * libraries do not survive being unloaded): the registry below owns the handles and never
 * closes them. Nothing here starts a process (no popen/fork inside an MPI rank).
 */
#include "backends/deepmd/deepmd_library.h"

#include "common/error.h"

#include <dlfcn.h>
#include <link.h>
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace dgmx::deepmd_c
{
namespace
{
constexpr const char* c_libraryName = "libdeepmd_c.so";
//! Our stand-in for MPICH's libmpi.so.12, relative to lib/ (mpi_soname_stub.cpp).
constexpr const char* c_mpiStub = "deepmd-stub/libmpi.so.12";

std::string envOr(const char* name)
{
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string dlerrorString()
{
    const char* e = dlerror();
    return e ? std::string(e) : std::string("unknown loader error");
}

//! Handles of every library we loaded: kept, never closed, for the life of the process.
struct Registry
{
    std::mutex                                  mutex;
    std::map<std::string, std::unique_ptr<Api>> apis;    //!< by resolved path
    std::map<std::string, std::string>          paths;   //!< stable storage for Api::path
    std::vector<void*>                          handles; //!< owned by the process, see above
};

Registry& registry()
{
    static Registry r;
    return r;
}

//! dlopen, the handle kept in the registry; nullptr on failure (dlerror() says why).
void* openForProcess(const std::string& path, int flags)
{
    void* handle = dlopen(path.c_str(), flags);
    if (handle != nullptr)
    {
        registry().handles.push_back(handle);
    }
    return handle;
}

/*! The file this code runs from: the shared object it is linked into (the plugin, which
 *  gmx_mpi loads), else the executable. /proc/self/exe, not dladdr, for executables: dladdr
 *  names the main program by argv[0], relative to the working directory or a PATH name. */
fs::path ownFile()
{
    Dl_info   info{};
    link_map* map = nullptr;
    if (dladdr1(reinterpret_cast<void*>(&ownFile), &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) != 0
        && map != nullptr && map->l_name != nullptr && map->l_name[0] != '\0')
    {
        return map->l_name; // a shared object: the path it was loaded from
    }
    std::error_code ec;
    return fs::read_symlink("/proc/self/exe", ec);
}

/*! Where the stand-in may be: lib/deepmd-stub beside the plugin (in lib/) or below the
 *  executable's ../lib (bin/). Build and install trees share this layout. */
std::vector<fs::path> mpiStubCandidates()
{
    std::error_code ec;
    const fs::path  file = ownFile();
    if (file.empty())
    {
        return {};
    }
    const fs::path own = fs::weakly_canonical(file, ec).parent_path();
    return { own / c_mpiStub, (own / ".." / "lib" / c_mpiStub).lexically_normal() };
}

/*! Loads our empty stand-in for libmpi.so.12 (see mpi_soname_stub.cpp) and, where only we
 *  loaded the process's MPI (the plugin in the thread-MPI gmx, dlopened RTLD_LOCAL), promotes
 *  it to global scope so that the op library's MPI references resolve against it. */
void loadMpiStub(const std::string& reason, LoadedLibrary& result)
{
    std::error_code ec;
    std::string     tried;
    for (const auto& stub : mpiStubCandidates())
    {
        tried += (tried.empty() ? "" : ", ") + stub.string();
        if (fs::exists(stub, ec) && openForProcess(stub.string(), RTLD_NOW | RTLD_GLOBAL) != nullptr)
        {
            result.preloaded.push_back(stub.string() + " (stand-in for MPICH's libmpi.so.12: " + reason + ")");
            Dl_info info{};
            if (dladdr(reinterpret_cast<void*>(&MPI_Comm_rank), &info) != 0 && info.dli_fname != nullptr
                && openForProcess(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) != nullptr)
            {
                result.preloaded.push_back(std::string(info.dli_fname) + " (this process's MPI, made global)");
            }
            return;
        }
    }
    result.problems.push_back("MPICH's libmpi.so.12 cannot load here (" + reason + ") and our stand-in "
                              + std::string(c_mpiStub) + " was not found (tried: "
                              + (tried.empty() ? "no own path" : tried)
                              + "); PyTorch models will fail to load. Reinstall deepmd-gromacs "
                                "(cmake --install) or rebuild it");
}

/*! Loads torch and libmpi.so.12 from the site-packages that holds deepmd/lib, so that the
 *  plugin's NEEDED entries resolve by soname. When MPICH's libmpi.so.12 cannot load in this
 *  process (it needs libfabric 1.9 symbols; Open MPI already loaded the system's libfabric
 *  2.x), our empty stand-in takes its place. Other failures are not errors here: DeePMD-kit
 *  reports a missing dependency itself when it loads the plugin. */
void preloadDependencies(const fs::path& libDir, LoadedLibrary& result)
{
    std::error_code ec;
    const fs::path  site    = libDir.parent_path().parent_path();
    const fs::path  venvLib = site.parent_path().parent_path();
    const fs::path  mpich   = venvLib / "libmpi.so.12";
    if (openForProcess(mpich.string(), RTLD_NOW | RTLD_GLOBAL) != nullptr)
    {
        result.preloaded.push_back(mpich.string());
    }
    else if (const std::string reason = fs::exists(mpich, ec) ? dlerrorString() : "not found";
             dlopen("libmpi.so.12", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) == nullptr)
    {
        loadMpiStub(reason, result);
    }
    for (const char* name : { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
    {
        const fs::path file = site / "torch/lib" / name;
        if (fs::exists(file, ec) && openForProcess(file.string(), RTLD_NOW | RTLD_GLOBAL) != nullptr)
        {
            result.preloaded.push_back(file.string());
        }
    }
    (void)dlerror();
}

//! Resolves the C API's entry points; the names of missing required ones go to \p requiredMissing.
class SymbolResolver
{
public:
    SymbolResolver(void* handle, std::vector<std::string>& missingOptional) :
        handle_(handle), missingOptional_(missingOptional)
    {
    }

    template<typename F>
    void operator()(const char* name, F& target, bool required)
    {
        (void)dlerror();
        void* symbol = dlsym(handle_, name);
        if (symbol != nullptr)
        {
            target = reinterpret_cast<F>(symbol);
        }
        else if (required)
        {
            requiredMissing += std::string(requiredMissing.empty() ? "" : ", ") + name;
        }
        else
        {
            missingOptional_.emplace_back(name);
        }
    }

    std::string requiredMissing;

private:
    void*                     handle_;
    std::vector<std::string>& missingOptional_;
};

//! The entry points of \p handle; returns what required ones are missing (empty: usable).
std::string resolveApi(void* handle, Api& api, std::vector<std::string>& missingOptional)
{
    SymbolResolver resolve(handle, missingOptional);
    resolve("DP_DeleteDeepPot", api.deleteDeepPot, true);
    resolve("DP_DeepPotCheckOK", api.deepPotCheckOK, true);
    resolve("DP_DeepPotGetCutoff", api.deepPotGetCutoff, true);
    resolve("DP_DeepPotGetNumbTypes", api.deepPotGetNumbTypes, true);
    resolve("DP_DeepPotGetTypeMap", api.deepPotGetTypeMap, true);
    resolve("DP_DeleteChar", api.deleteChar, true);
    resolve("DP_NewNlist", api.newNlist, true);
    resolve("DP_DeleteNlist", api.deleteNlist, true);
    resolve("DP_DeepPotComputeNList2", api.deepPotComputeNList2, true);
    resolve("DP_NewDeepPotWithParam2", api.newDeepPotWithParam2, false);
    resolve("DP_NewDeepPot", api.newDeepPot, false);
    resolve("DP_DeepPotComputeNListf2", api.deepPotComputeNListf2, false);
    resolve("DP_NlistCheckOK", api.nlistCheckOK, false);
    resolve("DP_DeepPotGetDimFParam", api.deepPotGetDimFParam, false);
    resolve("DP_DeepPotGetDimAParam", api.deepPotGetDimAParam, false);
    resolve("DP_DeepPotGetNumbTypesSpin", api.deepPotGetNumbTypesSpin, false);
    if (api.newDeepPotWithParam2 == nullptr && api.newDeepPot == nullptr)
    {
        resolve.requiredMissing += std::string(resolve.requiredMissing.empty() ? "" : ", ")
                                   + "DP_NewDeepPotWithParam2 or DP_NewDeepPot";
    }
    return resolve.requiredMissing;
}

//! site-packages folders of a virtual environment (lib/python3.*/site-packages).
std::vector<fs::path> sitePackages(const fs::path& venv)
{
    std::vector<fs::path> result;
    std::error_code       ec;
    const fs::path        lib = venv / "lib";
    if (!fs::is_directory(lib, ec))
    {
        return result;
    }
    for (const auto& entry : fs::directory_iterator(lib, ec))
    {
        const auto name = entry.path().filename().string();
        if (name.rfind("python3", 0) == 0 && fs::is_directory(entry.path() / "site-packages", ec))
        {
            result.push_back(entry.path() / "site-packages");
        }
    }
    return result;
}

/*! The virtual environment whose python3 comes first on PATH (a bin/ folder beside a
 *  pyvenv.cfg), found without running it. */
std::string venvOfPythonOnPath()
{
    std::error_code    ec;
    std::istringstream path(envOr("PATH"));
    for (std::string dir; std::getline(path, dir, ':');)
    {
        if (!dir.empty() && fs::exists(fs::path(dir) / "python3", ec))
        {
            const fs::path venv = fs::path(dir).parent_path();
            return fs::exists(venv / "pyvenv.cfg", ec) ? venv.string() : std::string();
        }
    }
    return {};
}

//! One place to look: the rule that names it and the path (a file, a folder or a bare name).
struct Candidate
{
    std::string where;
    std::string path;
};

/*! Where to look, in order. An explicit setting (option, else environment) is the only
 *  candidate; otherwise the deepmd package of the virtual environments, then the bare name. */
std::vector<Candidate> candidates(const std::string& explicitPath)
{
    const std::string fromEnv = envOr("DEEPMD_GROMACS_DEEPMD_LIB");
    if (!explicitPath.empty())
    {
        return { { "the deepmd library option (BackendOptions.deepmdLibrary)", explicitPath } };
    }
    if (!fromEnv.empty())
    {
        return { { "DEEPMD_GROMACS_DEEPMD_LIB", fromEnv } };
    }
    std::vector<Candidate> list;
    for (const auto& dir : deepmdPackageLibDirs())
    {
        list.push_back({ "the deepmd Python package of " + dir.rule, (fs::path(dir.path) / c_libraryName).string() });
    }
    list.push_back({ "the loader's search path (LD_LIBRARY_PATH, ldconfig)", c_libraryName });
    return list;
}

//! The file the loader chose for a bare name.
std::string loadedFile(void* handle, const std::string& fallback)
{
    Dl_info info{};
    void*   any = dlsym(handle, "DP_DeepPotCheckOK");
    if (any != nullptr && dladdr(any, &info) != 0 && info.dli_fname != nullptr)
    {
        return info.dli_fname;
    }
    return fallback;
}

/*! Loads one candidate (registered on success); std::nullopt with the reason added to
 *  \p attempts when it cannot be used. A folder stands for the library inside it. */
std::optional<LoadedLibrary> tryLoad(const Candidate& candidate, std::vector<LoadAttempt>& attempts)
{
    std::error_code ec;
    fs::path        file(candidate.path);
    if (fs::is_directory(file, ec))
    {
        file /= c_libraryName;
    }
    const bool hasDir = file.has_parent_path();
    if (hasDir && !fs::exists(file, ec))
    {
        attempts.push_back({ candidate.where, file.string(), "no such file" });
        return std::nullopt;
    }
    std::string   key = hasDir ? fs::weakly_canonical(file, ec).string() : file.string();
    LoadedLibrary result;
    result.source = candidate.where;
    if (auto it = registry().apis.find(key); it != registry().apis.end())
    {
        result.api  = it->second.get();
        result.path = key;
        return result;
    }
    if (hasDir)
    {
        preloadDependencies(fs::path(key).parent_path(), result);
    }
    void* handle = openForProcess(key, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr)
    {
        attempts.push_back({ candidate.where, key, dlerrorString() });
        return std::nullopt;
    }
    key      = hasDir ? key : loadedFile(handle, key);
    auto api = std::make_unique<Api>();
    if (const std::string missing = resolveApi(handle, *api, result.missingOptional); !missing.empty())
    {
        // It stays loaded (unloading a half-initialised torch is unsafe) but unused.
        attempts.push_back({ candidate.where, key,
                             "loaded, but it lacks " + missing + " (not DeePMD-kit's C library, or older than 2.2)" });
        return std::nullopt;
    }
    auto& stored = registry().paths[key];
    stored       = key;
    api->path    = stored;
    result.api   = api.get();
    result.path  = key;
    registry().apis.emplace(key, std::move(api));
    return result;
}

std::string notLoadedMessage(const std::vector<LoadAttempt>& attempts)
{
    std::string message = "could not load DeePMD-kit's C library " + std::string(c_libraryName) + ". Tried:";
    for (const auto& a : attempts)
    {
        message += "\n  - " + a.path + " (" + a.where + "): " + a.message;
    }
    message += "\nFix: install DeePMD-kit 3.x (pip install deepmd-kit in the virtual environment "
               "named by DEEPMD_GROMACS_VENV or VIRTUAL_ENV; run inside scripts/env), or point "
               "DEEPMD_GROMACS_DEEPMD_LIB (or the deepmd library option) at libdeepmd_c.so or "
               "its folder. If the file exists but a dependency is missing, put torch/lib and "
               "the folder with libmpi.so.12 on LD_LIBRARY_PATH.";
    return message;
}
} // namespace

std::vector<PackageLibDir> deepmdPackageLibDirs()
{
    std::vector<std::pair<std::string, std::string>> venvs = {
        { "DEEPMD_GROMACS_VENV", envOr("DEEPMD_GROMACS_VENV") },
        { "VIRTUAL_ENV", envOr("VIRTUAL_ENV") },
        { "the virtual environment of python3 on PATH", venvOfPythonOnPath() },
        { "the virtual environment recorded at configure time", DGMX_DEEPMD_CONFIGURED_VENV },
    };
    std::vector<PackageLibDir> dirs;
    for (const auto& [rule, venv] : venvs)
    {
        for (const auto& site : venv.empty() ? std::vector<fs::path>{} : sitePackages(venv))
        {
            const std::string dir = (site / "deepmd" / "lib").string();
            const bool seen = std::any_of(dirs.begin(), dirs.end(), [&](const auto& d) { return d.path == dir; });
            if (!seen)
            {
                dirs.push_back({ rule + " (" + venv + ")", dir });
            }
        }
    }
    return dirs;
}

LoadedLibrary loadDeepmdLibrary(const std::string& explicitPath)
{
    std::lock_guard<std::mutex> lock(registry().mutex);
    std::vector<LoadAttempt>    attempts;
    for (const auto& candidate : candidates(explicitPath))
    {
        if (auto loaded = tryLoad(candidate, attempts))
        {
            return *loaded;
        }
    }
    throw Error(notLoadedMessage(attempts));
}
} // namespace dgmx::deepmd_c
