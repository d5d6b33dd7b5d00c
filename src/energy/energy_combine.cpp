/*! \file
 * \brief NN energy + GROMACS energy terms (see energy_combine.h).
 */
#include "energy/energy_combine.h"

#include "common/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace dgmx::energy
{
namespace
{
bool sameTime(double a, double b)
{
    return std::abs(a - b) <= c_timeTolerance + 1e-12 * std::max(std::abs(a), std::abs(b));
}

std::string legendList(const XvgFile& f)
{
    std::string s;
    for (std::size_t k = 0; k < f.legends.size(); ++k)
    {
        s += fmt::format("{}\"{}\"", k ? ", " : "", f.legends[k]);
    }
    return s.empty() ? "none" : s;
}

//! Row order sorted by time; throws on a repeated time.
std::vector<std::size_t> sortedByTime(const XvgFile& f, const std::string& path)
{
    std::vector<std::size_t> order(f.rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return f.rows[a][0] < f.rows[b][0]; });
    for (std::size_t i = 1; i < order.size(); ++i)
    {
        if (sameTime(f.rows[order[i - 1]][0], f.rows[order[i]][0]))
        {
            throw Error(fmt::format("{}: time {} ps appears twice (rows {} and {}); a restarted run "
                                    "appended to it? keep one copy of each frame",
                                    path, f.rows[order[i]][0], order[i - 1] + 1, order[i] + 1));
        }
    }
    return order;
}

std::string range(const XvgFile& f)
{
    if (f.rows.empty())
    {
        return "no data rows";
    }
    const auto [lo, hi] = std::minmax_element(f.rows.begin(), f.rows.end(),
                                              [](const auto& a, const auto& b) { return a[0] < b[0]; });
    return fmt::format("{} rows, times {} .. {} ps", f.rows.size(), (*lo)[0], (*hi)[0]);
}
} // namespace

LinearFit fitLine(const std::vector<double>& t, const std::vector<double>& y)
{
    const std::size_t n = t.size();
    if (n < 2 || y.size() != n)
    {
        throw Error("a drift needs at least 2 frames, got " + std::to_string(n));
    }
    // Centred sums: stable for large time offsets and energies.
    const double tm = std::accumulate(t.begin(), t.end(), 0.0) / static_cast<double>(n);
    const double ym = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
    double       stt = 0, sty = 0, syy = 0;
    for (std::size_t i = 0; i < n; ++i)
    {
        stt += (t[i] - tm) * (t[i] - tm);
        sty += (t[i] - tm) * (y[i] - ym);
        syy += (y[i] - ym) * (y[i] - ym);
    }
    if (stt <= 0)
    {
        throw Error("a drift needs frames at different times");
    }
    LinearFit f;
    f.slope     = sty / stt;
    f.intercept = ym - f.slope * tm;
    double rss  = 0;
    for (std::size_t i = 0; i < n; ++i)
    {
        const double r = y[i] - (f.intercept + f.slope * t[i]);
        rss += r * r;
    }
    f.rmsAboutFit  = std::sqrt(rss / static_cast<double>(n));
    f.rmsAboutMean = std::sqrt(syy / static_cast<double>(n));
    return f;
}

CombinedEnergies combineEnergies(const XvgFile& nn, const XvgFile& gmx, const std::string& nnPath,
                                 const std::string& gmxPath)
{
    CombinedEnergies result;
    result.nnFrames  = nn.rows.size();
    result.gmxFrames = gmx.rows.size();
    if (nn.rows.empty() || nn.columns() < 2)
    {
        throw Error(nnPath + ": no data rows with a time and an NN energy column; pass the .xvg "
                             "the plugin wrote");
    }
    if (gmx.rows.empty())
    {
        throw Error(gmxPath + ": no data rows; pass the output of `gmx energy -f ener.edr -o energy.xvg`");
    }
    int nnColumn = nn.columnOfLegend(c_legendNN);
    if (nnColumn < 0)
    {
        nnColumn = 1;
    }
    const std::vector<const char*> needed = { c_legendPotential, c_legendKinetic, c_legendTotal,
                                              c_legendConserved };
    std::vector<int>         columns;
    std::vector<std::string> missing;
    for (const char* name : needed)
    {
        int c = gmx.columnOfLegend(name);
        if (c < 0 && name == c_legendConserved)
        {
            // Plain NVE: GROMACS writes no "Conserved En." term, its conserved energy is the total.
            c = gmx.columnOfLegend(c_legendTotal);
            result.conservedIsTotal = c >= 0;
        }
        if (c < 0 || static_cast<std::size_t>(c) >= gmx.columns())
        {
            missing.push_back(std::string("\"") + name + "\"");
        }
        columns.push_back(c);
    }
    if (!missing.empty())
    {
        std::string m;
        for (const auto& s : missing)
        {
            m += (m.empty() ? "" : ", ") + s;
        }
        throw Error(fmt::format("{}: no column {} (its legends are: {}); select the terms with "
                                "`printf 'Potential\\nKinetic-En.\\nTotal-Energy\\nConserved-En.\\n' | "
                                "gmx energy -f ener.edr -o {}`",
                                gmxPath, m, legendList(gmx), gmxPath));
    }
    for (const auto& c : nn.comments)
    {
        std::istringstream words(c);
        std::string        key;
        long               n = 0;
        if ((words >> key >> n) && key == "natoms" && n > 0)
        {
            result.natomsFromHeader = n;
        }
    }

    const auto nnOrder  = sortedByTime(nn, nnPath);
    const auto gmxOrder = sortedByTime(gmx, gmxPath);
    XvgFile&   out      = result.table;
    out.title           = "GROMACS energies with the NN energy added";
    out.xLabel          = "Time (ps)";
    out.yLabel          = "(kJ/mol)";
    out.legends         = { "NN energy", "Potential (GROMACS)", "Potential + NN", "Kinetic En.",
                            "Total Energy + NN", "Conserved En. + NN" };
    out.comments        = { "deepmd-gromacs energy: GROMACS energy terms plus the plugin's NN energy",
                            "NN energy: " + nnPath + " (column " + std::to_string(nnColumn) + ")",
                            "GROMACS terms: " + gmxPath };
    if (result.conservedIsTotal)
    {
        out.comments.push_back("no \"Conserved En.\" term (NVE without coupling): conserved = total energy");
    }
    std::vector<double> times, conserved, conservedGromacs;
    std::size_t         j = 0;
    for (const std::size_t i : nnOrder)
    {
        const auto& r = nn.rows[i];
        while (j < gmxOrder.size() && gmx.rows[gmxOrder[j]][0] < r[0] && !sameTime(gmx.rows[gmxOrder[j]][0], r[0]))
        {
            ++j;
        }
        if (j == gmxOrder.size())
        {
            break;
        }
        const auto& g = gmx.rows[gmxOrder[j]];
        if (!sameTime(g[0], r[0]))
        {
            continue;
        }
        const double e = r[nnColumn];
        const double pot = g[columns[0]], kin = g[columns[1]], tot = g[columns[2]], cons = g[columns[3]];
        out.rows.push_back({ r[0], e, pot, pot + e, kin, tot + e, cons + e });
        times.push_back(r[0]);
        conserved.push_back(cons + e);
        conservedGromacs.push_back(cons);
    }
    if (out.rows.empty())
    {
        throw Error(fmt::format("no time is in both files (tolerance {} ps): {}: {}; {}: {}. Write "
                                "the NN energy and the GROMACS energies at common steps (nstenergy "
                                "a multiple of the plugin's output interval, or the reverse)",
                                c_timeTolerance, nnPath, range(nn), gmxPath, range(gmx)));
    }
    if (times.size() >= 2 && times.front() != times.back())
    {
        result.conserved        = fitLine(times, conserved);
        result.conservedGromacs = fitLine(times, conservedGromacs);
    }
    return result;
}
} // namespace dgmx::energy
