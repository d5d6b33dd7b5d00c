/*! \file
 * \brief Small text helpers shared by the file readers (.gro, .ndx, .xvg, atom types,
 * topologies, the plugin configuration).
 */
#pragma once

#include <string>

namespace dgmx
{
//! \p s without leading and trailing blanks (space, tab, CR, LF).
inline std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
    {
        return {};
    }
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}
} // namespace dgmx
