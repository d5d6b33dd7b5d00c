/*! \file
 * \brief Writing into GROMACS's own log (md.log) from inside the plugin. GROMACS prints a
 * plugin's fatal error on stderr only and passes the kernel no handle to its log, so we find the
 * log GROMACS has open in this process: its name from mdrun's command line (-g, else -deffnm
 * NAME.log, else md.log), matched against this process's open file descriptors, and write
 * through GROMACS's own descriptor (shared offset, so nothing it writes later overwrites ours).
 */
#pragma once

#include <string>

namespace dgmx::plugin
{
//! Appends \p text to GROMACS's log if this process has it open (the main rank); returns
//! whether it did. Never throws.
bool writeToGromacsLog(const std::string& text) noexcept;
} // namespace dgmx::plugin
