/*! \file
 * \brief The row-by-row .xvg writer (see xvg_series.h).
 */
#include "energy/xvg_series.h"

#include "common/error.h"
#include "common/text.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>

namespace dgmx::energy
{
namespace
{
//! The first number of a data line, if it has one.
bool leadingNumber(const std::string& line, double& x)
{
    const std::string t     = trim(line);
    const char*       begin = t.data() + (!t.empty() && t.front() == '+' ? 1 : 0);
    return std::from_chars(begin, t.data() + t.size(), x).ec == std::errc();
}

//! The header lines of \p path and its rows with x below \p keepBelow, as they are written
//! there; empty when the file is missing or has no header.
std::string keptPart(const std::string& path, double keepBelow)
{
    std::ifstream in(path);
    std::string   kept, line;
    bool          haveHeader = false;
    while (std::getline(in, line))
    {
        if (in.eof())
        {
            break; // an unterminated last line: a write cut short (disk full, killed)
        }
        const std::string t = trim(line);
        double            x = 0;
        if (!t.empty() && (t.front() == '#' || t.front() == '@'))
        {
            haveHeader = true;
            kept += line + "\n";
        }
        else if (leadingNumber(t, x) && x < keepBelow)
        {
            kept += line + "\n";
        }
    }
    return haveHeader ? kept : std::string();
}
} // namespace

XvgSeries::XvgSeries(const std::string& path, const std::string& text, XvgRowFormat format) :
    path_(path), out_(path, std::ios::trunc), format_(format)
{
    if (!out_)
    {
        throw Error("cannot write .xvg file '" + path + "'; check that the directory exists and is writable");
    }
    errno = 0;
    out_ << text;
    flushOrThrow();
}

void XvgSeries::flushOrThrow()
{
    out_.flush();
    if (!out_)
    {
        throw Error("writing .xvg file '" + path_ + "' failed: "
                    + (errno != 0 ? std::strerror(errno) : "unknown error (disk full?)"));
    }
}

XvgSeries XvgSeries::create(const std::string& path, const XvgFile& header, XvgRowFormat format)
{
    return XvgSeries(path, xvgHeader(header), format);
}

XvgSeries XvgSeries::resume(const std::string& path, const XvgFile& header, double keepBelow, XvgRowFormat format)
{
    const std::string kept = keptPart(path, keepBelow);
    return XvgSeries(path, kept.empty() ? xvgHeader(header) : kept, format);
}

void XvgSeries::append(double x, std::span<const double> values)
{
    std::string row = fmt::format("{:{}.{}f}", x, format_.xWidth, format_.xDecimals);
    for (const double v : values)
    {
        row += fmt::format(" {:{}.{}f}", v, format_.yWidth, format_.yDecimals);
    }
    errno = 0;
    out_ << row << '\n';
    flushOrThrow(); // so the file is complete even if the run is killed
}
} // namespace dgmx::energy
