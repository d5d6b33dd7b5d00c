/*! \file
 * \brief Small text helpers shared by the file readers (.gro, .ndx, .xvg, atom types,
 * topologies, the plugin configuration) and by the messages that list names.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

//! The items with \p separator between them, for lists in messages ("a, b, c").
inline std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ")
{
    std::string out;
    for (const auto& item : items)
    {
        if (!out.empty())
        {
            out += separator;
        }
        out += item;
    }
    return out;
}
} // namespace dgmx
