/*! \file
 * \brief gmx grompp -pp as a child process (see grompp.h).
 */
#include "topology/grompp.h"

#include "common/error.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace dgmx::topology
{
namespace
{
std::string readAll(const std::string& path)
{
    std::ifstream     in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

//! GROMACS's own error text: from "Fatal error:" to the closing dashes, else the last lines.
std::string grompErrorText(const std::string& log)
{
    const auto fatal = log.find("Fatal error:");
    if (fatal != std::string::npos)
    {
        const auto end = log.find("\n----", fatal);
        std::string text = log.substr(fatal, end == std::string::npos ? std::string::npos : end - fatal);
        // ERROR n [file ..., line ...] blocks name the place; include the first one.
        const auto err = log.find("\nERROR ");
        if (err != std::string::npos && err < fatal)
        {
            const auto errEnd = log.find("\n\n\n", err + 1);
            text = log.substr(err + 1, (errEnd == std::string::npos ? fatal : errEnd) - err - 1) + "\n" + text;
        }
        return text;
    }
    std::vector<std::string> lines;
    std::istringstream       in(log);
    for (std::string l; std::getline(in, l);)
    {
        lines.push_back(l);
    }
    std::string tail;
    for (std::size_t i = lines.size() > 15 ? lines.size() - 15 : 0; i < lines.size(); ++i)
    {
        tail += lines[i] + "\n";
    }
    return tail;
}

int run(const std::vector<std::string>& args, const std::string& logPath)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (const auto& a : args)
    {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    pid_t     pid = 0;
    const int rc  = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
    {
        throw Error("cannot run '" + args[0] + "' (" + std::string(std::strerror(rc))
                    + "); put GROMACS's gmx on PATH or name it with --gmx");
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
    {
        if (errno != EINTR)
        {
            throw Error("waiting for " + args[0] + " failed: " + std::strerror(errno));
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
} // namespace

PreprocessResult preprocessWithGrompp(const PreprocessRequest& request)
{
    namespace fs = std::filesystem;
    for (const auto& [what, path] : { std::pair{ "topology", request.topology },
                                      std::pair{ "structure", request.structure } })
    {
        if (!fs::exists(path))
        {
            throw Error(std::string("the ") + what + " file '" + path + "' does not exist; check the path");
        }
    }
    fs::create_directories(request.workDir);
    const fs::path dir = fs::absolute(request.workDir);
    std::string    mdp = request.mdp;
    if (mdp.empty())
    {
        // Only the topology matters here: settings that let any box pass.
        mdp = (dir / "preprocess.mdp").string();
        std::ofstream(mdp) << "integrator = md\nnsteps = 0\ncutoff-scheme = Verlet\ncoulombtype = cut-off\n"
                              "rcoulomb = 0.1\nrvdw = 0.1\nverlet-buffer-tolerance = -1\nrlist = 0.1\n";
    }
    else if (!fs::exists(mdp))
    {
        throw Error("the mdp file '" + mdp + "' does not exist; check the path");
    }
    PreprocessResult result;
    result.preprocessed = (dir / "preprocessed.top").string();
    const std::string logPath = (dir / "grompp.log").string();
    result.exitCode = run({ request.gmx, "grompp", "-f", mdp, "-c", request.structure, "-p", request.topology,
                            "-pp", result.preprocessed, "-o", (dir / "preprocess.tpr").string(), "-po",
                            (dir / "mdout.mdp").string(), "-maxwarn", "1000" },
                          logPath);
    result.log = readAll(logPath);
    if (result.exitCode == 127 && result.log.empty())
    {
        throw Error("cannot run '" + request.gmx + "'; put GROMACS's gmx on PATH or name it with --gmx");
    }
    const std::string text = fs::exists(result.preprocessed) ? readAll(result.preprocessed) : std::string();
    if (text.find("molecules") == std::string::npos || (result.exitCode != 0 && text.empty()))
    {
        throw Error("`" + request.gmx + " grompp -pp` could not preprocess " + request.topology + " (log: "
                    + logPath + "):\n" + grompErrorText(result.log));
    }
    if (result.exitCode != 0)
    {
        result.failure = grompErrorText(result.log);
    }
    return result;
}
} // namespace dgmx::topology
