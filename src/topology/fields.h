/*! \file
 * \brief Field-level helpers of the topology reader and rewrites: splitting, numbers, the
 * aligned data lines we write, and `file:line` locations. Private to src/topology.
 */
#pragma once

#include <string>
#include <vector>

namespace dgmx::topology
{
//! Whitespace-split fields of a line (comment already removed).
std::vector<std::string> splitFields(const std::string& s);
//! "path:line", the prefix of every error about a topology line.
std::string where(const std::string& path, int line);
//! \p field as an integer; throws dgmx::Error "at: expected what, found 'field'".
long parseLong(const std::string& field, const std::string& at, const std::string& what);
//! True when \p field is a number equal to zero (anything else, including text: false).
bool isZeroNumber(const std::string& field);
//! A data line written back: fields right-aligned in 10 columns, then "; comment" if any.
std::string joinFields(const std::vector<std::string>& fields, const std::string& comment);
} // namespace dgmx::topology
