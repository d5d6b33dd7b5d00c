/*! \file
 * \brief .xvg reader and writer (see xvg.h).
 */
#include "energy/xvg.h"
#include "common/text.h"

#include "common/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace dgmx::energy
{
namespace
{
std::string normalised(const std::string& s)
{
    std::string out;
    for (const char c : s)
    {
        if (!std::isspace(static_cast<unsigned char>(c)))
        {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

//! The text between the first pair of double quotes, or the rest trimmed if unquoted.
std::string quoted(const std::string& s)
{
    const auto a = s.find('"');
    if (a == std::string::npos)
    {
        return trim(s);
    }
    const auto b = s.find('"', a + 1);
    return s.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
}

//! `@` directive: fills title, labels and legends; ignores the others (view, TYPE, ...).
void directive(XvgFile& f, const std::string& body, const std::string& where)
{
    std::istringstream words(body);
    std::string        w0, w1, w2;
    words >> w0 >> w1;
    if (w0 == "title")
    {
        f.title = quoted(body.substr(body.find("title") + 5));
    }
    else if ((w0 == "xaxis" || w0 == "yaxis") && w1 == "label")
    {
        (w0 == "xaxis" ? f.xLabel : f.yLabel) = quoted(body.substr(body.find("label") + 5));
    }
    else if (w0.size() > 1 && w0[0] == 's' && std::all_of(w0.begin() + 1, w0.end(), ::isdigit) && w1 == "legend")
    {
        // Length first: stoul would throw std::out_of_range past 20 digits.
        const std::size_t k = w0.size() > 7 ? 100001 : std::stoul(w0.substr(1));
        if (k > 100000)
        {
            throw Error(where + ": legend of set " + w0 + " out of range");
        }
        f.legends.resize(std::max(f.legends.size(), k + 1));
        f.legends[k] = quoted(body.substr(body.find("legend") + 6));
    }
    else if (w0 == "legend" && w1 == "string" && (words >> w2) && !w2.empty()
             && std::all_of(w2.begin(), w2.end(), ::isdigit))
    {
        const std::size_t k = w2.size() > 6 ? 100001 : std::stoul(w2);
        if (k > 100000)
        {
            throw Error(where + ": legend string " + w2 + " out of range");
        }
        f.legends.resize(std::max(f.legends.size(), k + 1));
        f.legends[k] = quoted(body.substr(body.find(w2, body.find("string")) + w2.size()));
    }
}

//! The numbers of a data line; throws naming the first field that is not one.
std::vector<double> dataRow(const std::string& t, const std::string& where)
{
    std::vector<double> row;
    const char*         p   = t.data();
    const char*         end = t.data() + t.size();
    while (p < end)
    {
        while (p < end && std::isspace(static_cast<unsigned char>(*p)))
        {
            ++p;
        }
        if (p == end)
        {
            break;
        }
        double v = 0;
        if (*p == '+')
        {
            ++p;
        }
        const auto r = std::from_chars(p, end, v);
        if (r.ec != std::errc() || (r.ptr < end && !std::isspace(static_cast<unsigned char>(*r.ptr))))
        {
            const char* q = p;
            while (q < end && !std::isspace(static_cast<unsigned char>(*q)))
            {
                ++q;
            }
            throw Error(where + ": '" + std::string(p, q) + "' is not a number (data lines hold "
                        "numbers only; comments start with '#', directives with '@')");
        }
        row.push_back(v);
        p = r.ptr;
    }
    return row;
}

std::string quote(const std::string& s)
{
    std::string out = s;
    std::replace(out.begin(), out.end(), '"', '\'');
    std::replace(out.begin(), out.end(), '\n', ' ');
    return "\"" + out + "\"";
}
} // namespace

int XvgFile::columnOfLegend(const std::string& name) const
{
    const std::string want = normalised(name);
    for (std::size_t k = 0; k < legends.size(); ++k)
    {
        if (normalised(legends[k]) == want)
        {
            return static_cast<int>(k + 1);
        }
    }
    return -1;
}

XvgFile readXvg(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw Error("cannot open .xvg file '" + path + "'; check the path");
    }
    XvgFile     f;
    std::string line;
    int         lineNo = 0;
    while (std::getline(in, line))
    {
        ++lineNo;
        const std::string where = path + ":" + std::to_string(lineNo);
        const std::string t     = trim(line);
        if (t.empty())
        {
            continue;
        }
        if (t.front() == '#')
        {
            f.comments.push_back(trim(t.substr(1)));
            continue;
        }
        if (t.front() == '@')
        {
            directive(f, trim(t.substr(1)), where);
            continue;
        }
        if (t.front() == '&')
        {
            throw Error(where + ": a second data set ('&'); write one data set per file (gmx energy "
                        "without -nmol/-nbmin options)");
        }
        std::vector<double> row = dataRow(t, where);
        if (!f.rows.empty() && row.size() != f.rows.front().size())
        {
            throw Error(where + ": " + std::to_string(row.size()) + " columns, but the first data line has "
                        + std::to_string(f.rows.front().size()) + " (truncated or mixed file?)");
        }
        f.rows.push_back(std::move(row));
    }
    return f;
}

std::string xvgHeader(const XvgFile& file)
{
    std::string out;
    for (const auto& c : file.comments)
    {
        out += "# " + c + "\n";
    }
    out += "@    title " + quote(file.title) + "\n";
    out += "@    xaxis  label " + quote(file.xLabel) + "\n";
    out += "@    yaxis  label " + quote(file.yLabel) + "\n";
    out += "@TYPE xy\n";
    if (!file.legends.empty())
    {
        out += "@ legend on\n";
    }
    for (std::size_t k = 0; k < file.legends.size(); ++k)
    {
        out += fmt::format("@ s{} legend {}\n", k, quote(file.legends[k]));
    }
    return out;
}

void writeXvg(const std::string& path, const XvgFile& file, int decimals)
{
    std::string out = xvgHeader(file);
    for (const auto& row : file.rows)
    {
        for (std::size_t k = 0; k < row.size(); ++k)
        {
            out += k == 0 ? fmt::format("{:>12}", row[k]) : fmt::format("  {:>14.{}f}", row[k], decimals);
        }
        out += "\n";
    }
    std::ofstream f(path, std::ios::trunc);
    if (!f)
    {
        throw Error("cannot write .xvg file '" + path + "'; check that the directory exists and is writable");
    }
    f << out;
    f.flush();
    if (!f)
    {
        throw Error("writing .xvg file '" + path + "' failed (disk full?)");
    }
}
} // namespace dgmx::energy
