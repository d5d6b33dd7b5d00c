/*! \file
 * \brief The all-NN rewrite (see topology.h): every bonded term, parameter table, charge and
 * LJ parameter goes; atom types keep their atomic number.
 */
#include "topology/directives.h"
#include "topology/fields.h"
#include "topology/rewrite.h"

#include <optional>

namespace dgmx::topology
{
namespace
{
//! Moleculetypes listed in [molecules] (checked to hold atoms only); the others are counted as dropped.
std::vector<bool> usedMoleculeTypes(const SystemView& system, Report& report)
{
    std::vector<bool> used(system.types.size(), false);
    for (const auto& e : system.entries)
    {
        if (e.count > 0)
        {
            used[system.byName.at(e.name)] = true;
        }
    }
    for (std::size_t t = 0; t < system.types.size(); ++t)
    {
        if (used[t])
        {
            checkAtomsOnly(system.input, system.types[t], system.atomTypes);
        }
        else
        {
            ++report.unusedMoleculeTypes;
        }
    }
    return used;
}

//! The report key of a section that goes entirely, or nothing when it stays.
std::optional<std::string> removedAs(const Section& s)
{
    if (s.owner == c_intermolecular)
    {
        return "intermolecular " + s.name;
    }
    if (s.owner == c_global && parameterDirectives().count(s.name))
    {
        return s.name;
    }
    if (s.owner >= 0 && (bondedDirectives().count(s.name) || s.name == "exclusions"))
    {
        return s.name;
    }
    return std::nullopt;
}

//! [atomtypes]: charge and the nonbonded parameters set to 0 (the atomic number stays).
void zeroAtomTypes(Section& s, int nParams, Report& report)
{
    for (auto& l : s.lines)
    {
        if (l.fields.empty())
        {
            continue;
        }
        const std::size_t n       = l.fields.size();
        l.fields[n - nParams - 2] = "0";
        for (int k = 0; k < nParams; ++k)
        {
            l.fields[n - 1 - k] = "0";
        }
        l.raw = joinFields(l.fields, "NN: charge and LJ zeroed");
        ++report.atomTypesZeroed;
    }
}

//! [atoms]: charges (columns q and qB) set to 0.
void zeroCharges(Section& s, Report& report)
{
    for (auto& l : s.lines)
    {
        bool changed = false;
        for (std::size_t col : { std::size_t{ 6 }, std::size_t{ 9 } })
        {
            if (l.fields.size() > col)
            {
                changed       = changed || !isZeroNumber(l.fields[col]);
                l.fields[col] = "0";
            }
        }
        if (!l.fields.empty())
        {
            l.raw = joinFields(l.fields, "");
        }
        report.chargesZeroed += changed ? 1 : 0;
    }
}

void addAllNnMdp(Report& r)
{
    r.mdp.insert(r.mdp.end(), {
        "cutoff-scheme           = Verlet",
        "coulombtype             = cut-off   ; every charge is zero, PME would only cost time",
        "vdwtype                 = cut-off   ; every LJ parameter is zero",
        "rcoulomb = rvdw         = 0.5       ; small is fine, nothing classical is left (box > 2 x cut-off)",
        "verlet-buffer-tolerance = -1        ; with rlist = rcoulomb: no buffer is needed for zero interactions",
        "rlist                   = 0.5",
        "constraints             = none      ; no bonds are left to constrain",
        "DispCorr                = no",
        "dt                      = 0.0005    ; hydrogens move freely under the NN forces",
    });
}
} // namespace

Result makeAllNn(const SystemView& system)
{
    Result r;
    r.report.mode              = Report::Mode::AllNn;
    r.report.totalAtoms        = system.total;
    r.report.nnAtoms           = system.total;
    const std::vector<bool> used = usedMoleculeTypes(system, r.report);
    const int nParams          = nonbondedParameterCount(system.atomTypes.nbfunc);
    r.topology.path            = system.input.path;
    r.topology.preamble        = system.input.preamble;
    for (const Section& s : system.input.sections)
    {
        if (s.name == "intermolecular_interactions" || (s.owner >= 0 && !used[s.owner]))
        {
            continue;
        }
        if (const auto key = removedAs(s))
        {
            r.report.removed[*key] += dataLines(s);
            continue;
        }
        Section out = s;
        if (s.name == "atomtypes")
        {
            zeroAtomTypes(out, nParams, r.report);
        }
        else if (s.name == "atoms")
        {
            zeroCharges(out, r.report);
        }
        noteKeptRestraints(r.report, s);
        r.topology.sections.push_back(std::move(out));
    }
    addAllNnMdp(r.report);
    return r;
}
} // namespace dgmx::topology
