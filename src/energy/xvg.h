/*! \file
 * \brief GROMACS .xvg files (Grace/xmgr style): `#` comments, `@` directives (title, axis
 * labels, legends `@ s0 legend "..."` or `@ legend string 0 "..."`), then rows of numbers,
 * the first column the x value (time). One data set per file (no `&` separators).
 */
#pragma once

#include <string>
#include <vector>

namespace dgmx::energy
{
struct XvgFile
{
    std::string                      title, xLabel, yLabel;
    std::vector<std::string>         comments; //!< text of the `#` lines, without the '#'
    std::vector<std::string>         legends;  //!< legend of data column k+1 (s<k>), "" if none
    std::vector<std::vector<double>> rows;     //!< every row: x, then the data columns

    //! Number of columns of every row (0 when there are no rows).
    std::size_t columns() const { return rows.empty() ? 0 : rows.front().size(); }
    //! Data column (1-based, 0 is x) whose legend equals name ignoring case and blanks, -1 if none.
    int columnOfLegend(const std::string& name) const;
};

//! Throws dgmx::Error naming the file and line on malformed input (ragged rows, text in data).
XvgFile readXvg(const std::string& path);

//! The header writeXvg writes: `#` comments, title, axis labels, legends (not the rows).
std::string xvgHeader(const XvgFile& file);

//! Writes comments, title, labels, legends, then rows (x shortest round-trip, data with
//! `decimals` digits after the point). Throws dgmx::Error when the file cannot be written.
void writeXvg(const std::string& path, const XvgFile& file, int decimals = 6);
} // namespace dgmx::energy
