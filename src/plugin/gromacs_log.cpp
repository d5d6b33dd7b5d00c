/*! \file
 * \brief See gromacs_log.h.
 */
#include "plugin/gromacs_log.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace dgmx::plugin
{
namespace
{
std::vector<std::string> commandLine()
{
    std::ifstream      in("/proc/self/cmdline", std::ios::binary);
    const std::string  all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    std::string        current;
    for (char c : all)
    {
        if (c == '\0')
        {
            args.push_back(current);
            current.clear();
        }
        else
        {
            current += c;
        }
    }
    return args;
}

//! The log name mdrun uses: -g NAME, else -deffnm NAME + ".log", else md.log.
std::string logName(const std::vector<std::string>& args)
{
    std::string deffnm;
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
    {
        if (args[i] == "-g")
        {
            return args[i + 1];
        }
        if (args[i] == "-deffnm")
        {
            deffnm = args[i + 1];
        }
    }
    return deffnm.empty() ? "md.log" : deffnm + ".log";
}
} // namespace

bool writeToGromacsLog(const std::string& text) noexcept
{
    try
    {
        namespace fs = std::filesystem;
        std::error_code ec;
        const fs::path  wanted = fs::weakly_canonical(fs::absolute(logName(commandLine())), ec);
        if (ec)
        {
            return false;
        }
        for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec))
        {
            std::error_code linkError;
            const fs::path  target = fs::read_symlink(entry.path(), linkError);
            if (linkError || target != wanted)
            {
                continue;
            }
            const int fd = std::stoi(entry.path().filename().string());
            std::size_t done = 0;
            while (done < text.size())
            {
                const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
                if (n <= 0)
                {
                    return false;
                }
                done += static_cast<std::size_t>(n);
            }
            return true;
        }
    }
    catch (...)
    {
    }
    return false;
}
} // namespace dgmx::plugin
