/*! \file
 * \brief Run-time loading of libdeepmd_c.so (see deepmd_library.h).
 *
 * DeePMD-kit 3.2 wheels: libdeepmd_c.so links libdeepmd_cc.so (RPATH $ORIGIN), which loads the
 * framework as a plugin (libdeepmd_backend_pt.so ...) from DP_BACKEND_PLUGIN_PATH or from its
 * own folder. The PyTorch plugin needs libtorch*.so from torch/lib and libdeepmd_op_pt.so needs
 * libmpi.so.12 (mpich wheel), neither on any RPATH: when they sit in the same site-packages we
 * load them first with RTLD_GLOBAL, so a run does not depend on LD_LIBRARY_PATH.
 */
#include "backends/deepmd/deepmd_library.h"

#include "common/error.h"

#include <dlfcn.h>
#include <mpi.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

namespace fs = std::filesystem;

namespace dgmx::deepmd_c
{
namespace
{
constexpr const char* c_libraryName = "libdeepmd_c.so";

std::string envOr(const char* name)
{
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
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

//! Asks python3 where the deepmd package is, without importing it (fast, no side effects).
std::string pythonDeepmdLibDir()
{
    const char* cmd =
            "python3 -c \"import importlib.util as u, os; s = u.find_spec('deepmd'); "
            "print(os.path.join(list(s.submodule_search_locations)[0], 'lib') if s else '')\" "
            "2>/dev/null";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd, "r"), pclose);
    if (!pipe)
    {
        return {};
    }
    std::array<char, 4096> buffer{};
    std::string            out;
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr)
    {
        out += buffer.data();
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    {
        out.pop_back();
    }
    return out;
}

std::string dlerrorString()
{
    const char* e = dlerror();
    return e ? std::string(e) : std::string("unknown loader error");
}

//! Folder of the object (executable or shared library) this code is linked into.
fs::path ownFolder()
{
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&ownFolder), &info) != 0 && info.dli_fname != nullptr)
    {
        std::error_code ec;
        return fs::weakly_canonical(fs::path(info.dli_fname), ec).parent_path();
    }
    return {};
}

//! Our empty stand-in for libmpi.so.12 (mpi_soname_stub.cpp).
std::string mpiStub()
{
    std::error_code ec;
    const fs::path  own = ownFolder();
    for (const auto& file : { own / "../lib/deepmd-stub/libmpi.so.12", own / "deepmd-stub/libmpi.so.12",
                              fs::path(DGMX_DEEPMD_MPI_STUB) })
    {
        if (!own.empty() && fs::exists(file, ec))
        {
            return file.string();
        }
    }
    return fs::exists(DGMX_DEEPMD_MPI_STUB, ec) ? std::string(DGMX_DEEPMD_MPI_STUB) : std::string();
}

/*! Loads torch and libmpi.so.12 from the site-packages that holds deepmd/lib, so that the
 *  plugin's NEEDED entries resolve by soname. When MPICH's libmpi.so.12 cannot load in this
 *  process (it needs libfabric 1.9 symbols; Open MPI already loaded the system's libfabric
 *  2.x), our empty stand-in takes its place (see mpi_soname_stub.cpp). Other failures are
 *  not errors here: DeePMD-kit reports a missing dependency itself when it loads the plugin. */
std::vector<std::string> preloadDependencies(const fs::path& libDir)
{
    std::vector<std::string> loaded;
    std::error_code          ec;
    const fs::path           site    = libDir.parent_path().parent_path();
    const fs::path           venvLib = site.parent_path().parent_path();
    const fs::path           mpich   = venvLib / "libmpi.so.12";
    if (dlopen(mpich.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr)
    {
        loaded.push_back(mpich.string());
    }
    else if (dlopen("libmpi.so.12", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) == nullptr)
    {
        const std::string reason = fs::exists(mpich, ec) ? dlerrorString() : "not found";
        const std::string stub   = mpiStub();
        if (!stub.empty() && dlopen(stub.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr)
        {
            loaded.push_back(stub + " (stand-in for MPICH's libmpi.so.12: " + reason + ")");
            // The op library's MPI references must then resolve against the process's MPI. In
            // gmx_mpi it is global already; where only we loaded it (the plugin in the
            // thread-MPI gmx, dlopened RTLD_LOCAL) promote our own MPI library to global.
            Dl_info info{};
            if (dladdr(reinterpret_cast<void*>(&MPI_Comm_rank), &info) != 0 && info.dli_fname != nullptr
                && dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) != nullptr)
            {
                loaded.push_back(std::string(info.dli_fname) + " (this process's MPI, made global)");
            }
        }
    }
    for (const char* name : { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
    {
        const fs::path file = site / "torch/lib" / name;
        if (fs::exists(file, ec) && dlopen(file.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr)
        {
            loaded.push_back(file.string());
        }
    }
    (void)dlerror();
    return loaded;
}

template<typename F>
void resolve(void* handle, const char* name, F& target, bool required,
             std::vector<std::string>& missing, std::string& requiredMissing)
{
    (void)dlerror();
    void* symbol = dlsym(handle, name);
    if (symbol == nullptr)
    {
        if (required)
        {
            requiredMissing += std::string(requiredMissing.empty() ? "" : ", ") + name;
        }
        else
        {
            missing.emplace_back(name);
        }
        return;
    }
    target = reinterpret_cast<F>(symbol);
}

struct Registry
{
    std::mutex                               mutex;
    std::map<std::string, std::unique_ptr<Api>> apis; //!< by resolved path
    std::map<std::string, std::string>       paths;   //!< stable storage for Api::path
};

Registry& registry()
{
    static Registry r;
    return r;
}
} // namespace

std::vector<std::string> deepmdPackageLibDirs()
{
    std::vector<std::string> dirs;
    for (const char* var : { "DEEPMD_GROMACS_VENV", "VIRTUAL_ENV" })
    {
        const std::string venv = envOr(var);
        if (venv.empty())
        {
            continue;
        }
        for (const auto& site : sitePackages(venv))
        {
            dirs.push_back((site / "deepmd" / "lib").string());
        }
    }
    return dirs;
}

LoadedLibrary loadDeepmdLibrary(const std::string& explicitPath)
{
    std::lock_guard<std::mutex> lock(registry().mutex);

    // Candidate list: (rule, path). An explicit setting is the only candidate.
    std::vector<std::pair<std::string, std::string>> candidates;
    const std::string fromEnv = envOr("DEEPMD_GROMACS_DEEPMD_LIB");
    if (!explicitPath.empty())
    {
        candidates.emplace_back("the deepmd library option (BackendOptions.deepmdLibrary)", explicitPath);
    }
    else if (!fromEnv.empty())
    {
        candidates.emplace_back("DEEPMD_GROMACS_DEEPMD_LIB", fromEnv);
    }
    else
    {
        for (const auto& dir : deepmdPackageLibDirs())
        {
            candidates.emplace_back("the deepmd Python package of the virtual environment",
                                    (fs::path(dir) / c_libraryName).string());
        }
        bool found = false;
        for (const auto& c : candidates)
        {
            std::error_code ec;
            found = found || fs::exists(c.second, ec);
        }
        if (!found)
        {
            const std::string dir = pythonDeepmdLibDir();
            if (!dir.empty())
            {
                candidates.emplace_back("the deepmd package found by python3",
                                        (fs::path(dir) / c_libraryName).string());
            }
        }
        candidates.emplace_back("the loader's search path (LD_LIBRARY_PATH, ldconfig)", c_libraryName);
    }

    std::vector<LoadAttempt> attempts;
    for (const auto& [where, path] : candidates)
    {
        std::error_code ec;
        fs::path        file(path);
        // A folder is accepted too: the library inside it.
        if (fs::is_directory(file, ec))
        {
            file /= c_libraryName;
        }
        const bool hasDir = file.has_parent_path();
        if (hasDir && !fs::exists(file, ec))
        {
            attempts.push_back({ where, file.string(), "no such file" });
            continue;
        }
        std::string key = hasDir ? fs::weakly_canonical(file, ec).string() : file.string();
        LoadedLibrary result;
        result.source = where;
        if (auto it = registry().apis.find(key); it != registry().apis.end())
        {
            result.api  = it->second.get();
            result.path = key;
            return result;
        }
        if (hasDir)
        {
            result.preloaded = preloadDependencies(fs::path(key).parent_path());
        }
        void* handle = dlopen(key.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr)
        {
            attempts.push_back({ where, key, dlerrorString() });
            continue;
        }
        if (!hasDir)
        {
            // Report the file the loader chose.
            Dl_info info{};
            void*   any = dlsym(handle, "DP_DeepPotCheckOK");
            if (any != nullptr && dladdr(any, &info) != 0 && info.dli_fname != nullptr)
            {
                key = info.dli_fname;
            }
        }
        auto        api = std::make_unique<Api>();
        std::string requiredMissing;
        auto&       miss = result.missingOptional;
        resolve(handle, "DP_DeleteDeepPot", api->deleteDeepPot, true, miss, requiredMissing);
        resolve(handle, "DP_DeepPotCheckOK", api->deepPotCheckOK, true, miss, requiredMissing);
        resolve(handle, "DP_DeepPotGetCutoff", api->deepPotGetCutoff, true, miss, requiredMissing);
        resolve(handle, "DP_DeepPotGetNumbTypes", api->deepPotGetNumbTypes, true, miss, requiredMissing);
        resolve(handle, "DP_DeepPotGetTypeMap", api->deepPotGetTypeMap, true, miss, requiredMissing);
        resolve(handle, "DP_DeleteChar", api->deleteChar, true, miss, requiredMissing);
        resolve(handle, "DP_NewNlist", api->newNlist, true, miss, requiredMissing);
        resolve(handle, "DP_DeleteNlist", api->deleteNlist, true, miss, requiredMissing);
        resolve(handle, "DP_DeepPotComputeNList2", api->deepPotComputeNList2, true, miss, requiredMissing);
        resolve(handle, "DP_NewDeepPotWithParam2", api->newDeepPotWithParam2, false, miss, requiredMissing);
        resolve(handle, "DP_NewDeepPot", api->newDeepPot, false, miss, requiredMissing);
        resolve(handle, "DP_DeepPotComputeNListf2", api->deepPotComputeNListf2, false, miss, requiredMissing);
        resolve(handle, "DP_NlistCheckOK", api->nlistCheckOK, false, miss, requiredMissing);
        resolve(handle, "DP_DeepPotGetDimFParam", api->deepPotGetDimFParam, false, miss, requiredMissing);
        resolve(handle, "DP_DeepPotGetDimAParam", api->deepPotGetDimAParam, false, miss, requiredMissing);
        resolve(handle, "DP_DeepPotGetNumbTypesSpin", api->deepPotGetNumbTypesSpin, false, miss, requiredMissing);
        if (api->newDeepPotWithParam2 == nullptr && api->newDeepPot == nullptr)
        {
            requiredMissing += std::string(requiredMissing.empty() ? "" : ", ")
                               + "DP_NewDeepPotWithParam2 or DP_NewDeepPot";
        }
        if (!requiredMissing.empty())
        {
            // Leave it loaded (unloading a half-initialised torch is unsafe) but unused.
            attempts.push_back({ where, key,
                                 "loaded, but it lacks " + requiredMissing
                                         + " (not DeePMD-kit's C library, or older than 2.2)" });
            continue;
        }
        auto& stored = registry().paths[key];
        stored       = key;
        api->path    = stored;
        result.api   = api.get();
        result.path  = key;
        registry().apis.emplace(key, std::move(api));
        return result;
    }

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
    throw Error(message);
}
} // namespace dgmx::deepmd_c
