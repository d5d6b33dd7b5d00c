/*! \file
 * \brief `deepmd-gromacs convert model.pth model.dp`: DeePMD-kit's own conversion
 * (`dp convert-backend`) to its backend-independent `.dp` file, which the native engine
 * reads; then says whether the native engine can run the result, or why not. Not an MPI
 * rank: it may start `dp` (posix_spawnp, no shell).
 */
#include "backends/native/native_backend.h"
#include "cli/command.h"
#include "common/error.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

namespace dgmx::cli
{
namespace
{
struct ConvertArgs
{
    std::string input, output;
};

//! Runs `dp convert-backend in out`; DEEPMD_GROMACS_DP names another `dp` executable.
void runDpConvert(const std::string& input, const std::string& output)
{
    const char* override = std::getenv("DEEPMD_GROMACS_DP");
    std::string dp       = override != nullptr && *override != '\0' ? override : "dp";
    std::vector<std::string> words{ dp, "convert-backend", input, output };
    std::vector<char*>       argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t     pid = 0;
    const int rc  = posix_spawnp(&pid, dp.c_str(), nullptr, nullptr, argv.data(), environ);
    if (rc != 0)
    {
        throw Error(fmt::format("cannot start `{}` ({}): DeePMD-kit's command-line tool is needed for "
                                "the conversion. Install deepmd-kit (pip install deepmd-kit[torch]) or "
                                "run inside scripts/env, or set DEEPMD_GROMACS_DP to its path",
                                dp, std::strerror(rc)));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
        throw Error(fmt::format("`{} convert-backend {} {}` failed (exit status {}); its messages are above",
                                dp, input, output, WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    }
}

int convert(const ConvertArgs& args)
{
    if (std::filesystem::path(args.output).extension() != ".dp")
    {
        throw Error("output " + args.output + ": the native engine reads .dp files; name the output *.dp");
    }
    if (!std::filesystem::exists(args.input))
    {
        throw Error("input " + args.input + ": file not found");
    }
    runDpConvert(args.input, args.output);
    try
    {
        const auto backend = makeNativeBackend(args.output, 1);
        fmt::print("{}: written; the native engine runs it: {}\n", args.output, backend->describe());
    }
    catch (const Error& e)
    {
        fmt::print("{}: written, but the native engine cannot run it: {}\n", args.output, e.what());
    }
    return 0;
}

const RegisterCommand c_registration{
    "convert", [](CLI::App& app) {
        app.description("Convert a DeePMD-kit model (.pth, .pb, ...) to DeePMD-kit's .dp file for the "
                        "native engine (runs `dp convert-backend`)");
        auto args = std::make_shared<ConvertArgs>();
        app.add_option("input", args->input, "DeePMD-kit model file")->required();
        app.add_option("output", args->output, "output .dp file")->required();
        return std::function<int()>([args] { return convert(*args); });
    }
};
} // namespace
} // namespace dgmx::cli
