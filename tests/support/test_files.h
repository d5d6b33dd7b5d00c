/*! \file
 * \brief Helpers shared by the tests that read small files: per-process temporary paths, writing
 * a file, and the message of the dgmx::Error a call throws.
 */
#pragma once

#include "common/error.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace dgmx::test
{
//! A path in the temporary directory, unique to this process: dgmx_<tag>_<pid>_<name>.
inline std::string tempPath(const std::string& tag, const std::string& name)
{
    return (std::filesystem::temp_directory_path()
            / ("dgmx_" + tag + "_" + std::to_string(::getpid()) + "_" + name))
            .string();
}

//! Writes \p text to tempPath(tag, name) and returns the path.
inline std::string writeTempFile(const std::string& tag, const std::string& name, const std::string& text)
{
    const std::string path = tempPath(tag, name);
    std::ofstream(path) << text;
    return path;
}

//! The message of the dgmx::Error that \p f throws, \p none if it throws nothing.
template<typename F>
std::string errorOf(F&& f, const std::string& none = "")
{
    try
    {
        f();
    }
    catch (const Error& e)
    {
        return e.what();
    }
    return none;
}
} // namespace dgmx::test
