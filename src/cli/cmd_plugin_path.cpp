/*! \file
 * \brief `deepmd-gromacs plugin-path`: absolute path of the PLUMED-ABI kernel library for
 * PLUMED_KERNEL, found relative to this executable (build tree and install tree share the
 * bin/ + lib/ layout).
 */
#include "cli/command.h"
#include "common/error.h"

#include <cstdio>
#include <filesystem>
#include <string>

namespace dgmx::cli
{
namespace
{
constexpr const char* c_pluginName = "libdeepmd_gromacs_plumed.so";

std::filesystem::path pluginPath()
{
    // /proc/self/exe resolves symlinks, so a linked executable still finds its own lib/.
    const auto exe = std::filesystem::read_symlink("/proc/self/exe");
    const auto lib = (exe.parent_path() / ".." / "lib" / c_pluginName).lexically_normal();
    if (!std::filesystem::exists(lib))
    {
        throw Error("the GROMACS plugin " + lib.string()
                    + " does not exist; build it with `cmake --build build --target "
                      "dgmx_plugin` or install the project");
    }
    return lib;
}

const RegisterCommand c_registration{
    "plugin-path", [](CLI::App& app) {
        app.description("Print the absolute path of the GROMACS plugin (for PLUMED_KERNEL)");
        return std::function<int()>([] {
            std::printf("%s\n", pluginPath().string().c_str());
            return 0;
        });
    }
};
} // namespace
} // namespace dgmx::cli
