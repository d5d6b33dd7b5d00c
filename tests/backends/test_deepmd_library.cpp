/*! \file
 * \brief Where the DeePMD-kit loader looks for the deepmd package, found without running
 * python3: DEEPMD_GROMACS_VENV, VIRTUAL_ENV, the venv of the python3 first on PATH, in that
 * order and without duplicates (fake virtual environments built here; no library is loaded).
 */
#include "backends/deepmd/deepmd_library.h"

#include "support/test_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace dgmx::test
{
namespace
{
namespace fs = std::filesystem;

//! A fake venv: bin/python3, pyvenv.cfg and lib/python3.<minor>/site-packages/deepmd/lib.
fs::path fakeVenv(const std::string& name, int minor)
{
    const fs::path venv = tempPath("deepmd_library", name);
    fs::create_directories(venv / "bin");
    fs::create_directories(venv / "lib" / ("python3." + std::to_string(minor)) / "site-packages" / "deepmd" / "lib");
    std::ofstream(venv / "bin" / "python3") << "#!/bin/sh\nexit 99\n"; // never run
    std::ofstream(venv / "pyvenv.cfg") << "home = /usr/bin\n";
    return venv;
}

std::string libDir(const fs::path& venv, int minor)
{
    return (venv / "lib" / ("python3." + std::to_string(minor)) / "site-packages" / "deepmd" / "lib").string();
}

//! Sets an environment variable for one scope.
class ScopedEnv
{
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name)
    {
        if (const char* old = std::getenv(name))
        {
            old_ = old;
        }
        setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv()
    {
        if (old_)
        {
            setenv(name_, old_->c_str(), 1);
        }
        else
        {
            unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&)            = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char*                name_;
    std::optional<std::string> old_;
};

std::vector<std::string> paths(const std::vector<deepmd_c::PackageLibDir>& dirs)
{
    std::vector<std::string> out;
    for (const auto& d : dirs)
    {
        out.push_back(d.path);
    }
    return out;
}

TEST(DeepmdLibrary, PackageFoldersComeFromTheEnvironmentAndPathInOrder)
{
    const fs::path a = fakeVenv("a", 11), b = fakeVenv("b", 12), c = fakeVenv("c", 13);
    const ScopedEnv venv("DEEPMD_GROMACS_VENV", a.string());
    const ScopedEnv virtualEnv("VIRTUAL_ENV", b.string());
    const ScopedEnv path("PATH", "/nonexistent/bin:" + (c / "bin").string() + ":/usr/bin");
    const auto      dirs = deepmd_c::deepmdPackageLibDirs();
    const auto      found = paths(dirs);
    ASSERT_GE(found.size(), 3U);
    EXPECT_EQ(found[0], libDir(a, 11));
    EXPECT_EQ(found[1], libDir(b, 12));
    EXPECT_EQ(found[2], libDir(c, 13));
    EXPECT_NE(dirs[0].rule.find("DEEPMD_GROMACS_VENV"), std::string::npos) << dirs[0].rule;
    EXPECT_NE(dirs[2].rule.find("python3 on PATH"), std::string::npos) << dirs[2].rule;
    for (const auto& v : { a, b, c })
    {
        fs::remove_all(v);
    }
}

TEST(DeepmdLibrary, AVenvNamedTwiceIsListedOnceAndAPythonOutsideAVenvIsNoVenv)
{
    const fs::path  a = fakeVenv("same", 11);
    const fs::path  plain = tempPath("deepmd_library", "plain");
    fs::create_directories(plain / "bin");
    std::ofstream(plain / "bin" / "python3") << "#!/bin/sh\nexit 99\n";
    const ScopedEnv venv("DEEPMD_GROMACS_VENV", a.string());
    const ScopedEnv virtualEnv("VIRTUAL_ENV", a.string());
    const ScopedEnv path("PATH", (plain / "bin").string() + ":" + (a / "bin").string());
    const auto      found = paths(deepmd_c::deepmdPackageLibDirs());
    EXPECT_EQ(std::count(found.begin(), found.end(), libDir(a, 11)), 1);
    EXPECT_EQ(found.front(), libDir(a, 11));
    for (const auto& f : found)
    {
        EXPECT_EQ(f.find(plain.string()), std::string::npos) << f;
    }
    fs::remove_all(a);
    fs::remove_all(plain);
}

TEST(DeepmdLibrary, AFolderWithoutTheLibraryIsAnErrorNamingTheFile)
{
    const fs::path  a = fakeVenv("empty", 11);
    const ScopedEnv lib("DEEPMD_GROMACS_DEEPMD_LIB", libDir(a, 11));
    const std::string message = errorOf([] { deepmd_c::loadDeepmdLibrary(""); });
    EXPECT_NE(message.find(libDir(a, 11) + "/libdeepmd_c.so"), std::string::npos) << message;
    EXPECT_NE(message.find("no such file"), std::string::npos) << message;
    EXPECT_NE(message.find("Fix:"), std::string::npos) << message;
    fs::remove_all(a);
}
} // namespace
} // namespace dgmx::test
