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

namespace
{
//! Columns of the `gmx energy` terms that are needed.
struct GmxColumns
{
    int potential = -1, kinetic = -1, total = -1, conserved = -1;
};

void requireRows(const XvgFile& nn, const XvgFile& gmx, const std::string& nnPath, const std::string& gmxPath)
{
    if (nn.rows.empty() || nn.columns() < 2)
    {
        throw Error(nnPath + ": no data rows with a time and an NN energy column; pass the .xvg "
                             "the plugin wrote");
    }
    if (gmx.rows.empty())
    {
        throw Error(gmxPath + ": no data rows; pass the output of `gmx energy -f ener.edr -o energy.xvg`");
    }
}

//! The column legended "NN energy", else the first data column.
int nnEnergyColumn(const XvgFile& nn)
{
    const int c = nn.columnOfLegend(c_legendNN);
    return c < 0 ? 1 : c;
}

/*! The needed terms by legend; plain NVE has no "Conserved En." term and its conserved energy
 *  is the total (\p conservedIsTotal). Throws listing the missing terms and the legends there are. */
GmxColumns gmxColumns(const XvgFile& gmx, const std::string& gmxPath, bool& conservedIsTotal)
{
    std::string missing;
    auto        find = [&](const char* name) {
        int c = gmx.columnOfLegend(name);
        if (c < 0 && name == c_legendConserved)
        {
            c                = gmx.columnOfLegend(c_legendTotal);
            conservedIsTotal = c >= 0;
        }
        if (c < 0 || static_cast<std::size_t>(c) >= gmx.columns())
        {
            missing += (missing.empty() ? "\"" : ", \"") + std::string(name) + "\"";
        }
        return c;
    };
    GmxColumns columns;
    columns.potential = find(c_legendPotential);
    columns.kinetic   = find(c_legendKinetic);
    columns.total     = find(c_legendTotal);
    columns.conserved = find(c_legendConserved);
    if (!missing.empty())
    {
        throw Error(fmt::format("{}: no column {} (its legends are: {}); select the terms with "
                                "`printf 'Potential\\nKinetic-En.\\nTotal-Energy\\nConserved-En.\\n' | "
                                "gmx energy -f ener.edr -o {}`",
                                gmxPath, missing, legendList(gmx), gmxPath));
    }
    return columns;
}

//! N of a `# natoms N` comment of the plugin's file.
std::optional<long> natomsFromComments(const XvgFile& nn)
{
    std::optional<long> natoms;
    for (const auto& c : nn.comments)
    {
        std::istringstream words(c);
        std::string        key;
        long               n = 0;
        if ((words >> key >> n) && key == "natoms" && n > 0)
        {
            natoms = n;
        }
    }
    return natoms;
}

XvgFile tableWithHeader(const std::string& nnPath, int nnColumn, const std::string& gmxPath, bool conservedIsTotal)
{
    XvgFile out;
    out.title    = "GROMACS energies with the NN energy added";
    out.xLabel   = "Time (ps)";
    out.yLabel   = "(kJ/mol)";
    out.legends  = { "NN energy", "Potential (GROMACS)", "Potential + NN", "Kinetic En.",
                     "Total Energy + NN", "Conserved En. + NN" };
    out.comments = { "deepmd-gromacs energy: GROMACS energy terms plus the plugin's NN energy",
                     "NN energy: " + nnPath + " (column " + std::to_string(nnColumn) + ")",
                     "GROMACS terms: " + gmxPath };
    if (conservedIsTotal)
    {
        out.comments.push_back("no \"Conserved En.\" term (NVE without coupling): conserved = total energy");
    }
    return out;
}

//! Conserved energy with and without the NN energy, at the matched times.
struct ConservedSeries
{
    std::vector<double> times, withNn, gromacs;
};

/*! Appends a row to \p out for every time in both files (a merge over both sorted orders) and
 *  returns the conserved energies at those times. */
ConservedSeries matchRows(const XvgFile& nn, int nnColumn, const XvgFile& gmx, const GmxColumns& c,
                          const std::string& nnPath, const std::string& gmxPath, XvgFile& out)
{
    const auto      nnOrder  = sortedByTime(nn, nnPath);
    const auto      gmxOrder = sortedByTime(gmx, gmxPath);
    ConservedSeries series;
    std::size_t     j = 0;
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
        const double pot = g[c.potential], kin = g[c.kinetic], tot = g[c.total], cons = g[c.conserved];
        out.rows.push_back({ r[0], e, pot, pot + e, kin, tot + e, cons + e });
        series.times.push_back(r[0]);
        series.withNn.push_back(cons + e);
        series.gromacs.push_back(cons);
    }
    return series;
}
} // namespace

CombinedEnergies combineEnergies(const XvgFile& nn, const XvgFile& gmx, const std::string& nnPath,
                                 const std::string& gmxPath)
{
    CombinedEnergies result;
    result.nnFrames  = nn.rows.size();
    result.gmxFrames = gmx.rows.size();
    requireRows(nn, gmx, nnPath, gmxPath);
    const int        nnColumn = nnEnergyColumn(nn);
    const GmxColumns columns  = gmxColumns(gmx, gmxPath, result.conservedIsTotal);
    result.natomsFromHeader   = natomsFromComments(nn);
    result.table = tableWithHeader(nnPath, nnColumn, gmxPath, result.conservedIsTotal);
    const auto series = matchRows(nn, nnColumn, gmx, columns, nnPath, gmxPath, result.table);
    if (result.table.rows.empty())
    {
        throw Error(fmt::format("no time is in both files (tolerance {} ps): {}: {}; {}: {}. Write "
                                "the NN energy and the GROMACS energies at common steps (nstenergy "
                                "a multiple of the plugin's output interval, or the reverse)",
                                c_timeTolerance, nnPath, range(nn), gmxPath, range(gmx)));
    }
    if (series.times.size() >= 2 && series.times.front() != series.times.back())
    {
        result.conserved        = fitLine(series.times, series.withNn);
        result.conservedGromacs = fitLine(series.times, series.gromacs);
    }
    return result;
}
} // namespace dgmx::energy
