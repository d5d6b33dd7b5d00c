/*! \file
 * \brief Sub-commands of the deepmd-gromacs tool register themselves here, one file each
 * (cmd_<name>.cpp), so adding a command touches no other file.
 */
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace dgmx::cli
{
//! Adds the sub-command to the app and returns the function that runs it (exit code).
using CommandSetup = std::function<std::function<int()>(CLI::App& app)>;

struct CommandRegistration
{
    std::string  name;
    CommandSetup setup;
};

std::vector<CommandRegistration>& commandRegistry();

//! Throws dgmx::Error when the tool runs on more than one MPI rank (for serial commands).
void requireOneProcess(const std::string& command);

struct RegisterCommand
{
    RegisterCommand(std::string name, CommandSetup setup)
    {
        commandRegistry().push_back({ std::move(name), std::move(setup) });
    }
};
} // namespace dgmx::cli
