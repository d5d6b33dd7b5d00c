/*! \file
 * \brief The embedded rewrite (see topology.h): one whole molecule instance becomes NN in a
 * classical environment, as its own moleculetype without bonded terms and with every atom
 * pair excluded; charges and LJ stay (mechanical embedding).
 */
#include "common/error.h"
#include "topology/directives.h"
#include "topology/fields.h"
#include "topology/rewrite.h"

#include <algorithm>
#include <set>

namespace dgmx::topology
{
namespace
{
//! One molecule instance of the system.
struct Instance
{
    std::size_t entry;    //!< its [molecules] line
    long        instance; //!< 0-based within that line
    long        start;    //!< its first atom, 0-based global
    int         atoms;
};

Instance instanceOf(const SystemView& system, long atom)
{
    long offset = 0;
    for (std::size_t e = 0; e < system.entries.size(); ++e)
    {
        const int  a    = system.types[system.byName.at(system.entries[e].name)].atoms;
        const long span = system.entries[e].count * a;
        if (atom < offset + span)
        {
            const long k = (atom - offset) / a;
            return Instance{ e, k, offset + k * a, a };
        }
        offset += span;
    }
    throw Error("internal: atom " + std::to_string(atom) + " beyond the topology");
}

std::string moleculeLabel(const std::string& name, long instance)
{
    return "'" + name + "' #" + std::to_string(instance);
}

//! Throws the reason why \p nn, which is not exactly the molecule \p first, is refused.
[[noreturn]] void refuseRegion(const SystemView& system, const std::vector<int>& nn, const Instance& first)
{
    std::set<std::pair<std::size_t, long>> touched;
    std::string                            list;
    std::size_t                            listed = 0;
    for (int a : nn)
    {
        const Instance m = instanceOf(system, a);
        if (touched.insert({ m.entry, m.instance }).second && listed < 4)
        {
            list += (listed++ == 0 ? "" : ", ") + moleculeLabel(system.entries[m.entry].name, m.instance + 1);
        }
    }
    if (touched.size() > 1)
    {
        throw Error("the NN group spans " + std::to_string(touched.size()) + " molecules (" + list
                    + (touched.size() > listed ? ", ..." : "")
                    + "); an NN region in a classical environment must be exactly one molecule: "
                      "merge those molecules into one [ moleculetype ] (e.g. pdb2gmx -merge all), or "
                      "make every atom NN");
    }
    throw Error("the NN group holds " + std::to_string(nn.size()) + " of the " + std::to_string(first.atoms)
                + " atoms of molecule " + list + " ([ molecules ] line "
                + std::to_string(system.entries[first.entry].lineNumber)
                + "); the NN region must be whole molecules: cutting through bonds would need link "
                  "atoms, which this tool does not make. Select the whole molecule");
}

//! The molecule instance that is the NN region; throws unless \p nn is exactly one whole molecule.
Instance wholeMolecule(const SystemView& system, const std::vector<int>& nn)
{
    const Instance first = instanceOf(system, nn.front());
    if (nn.front() != first.start || nn.back() >= first.start + first.atoms
        || static_cast<long>(nn.size()) != first.atoms)
    {
        refuseRegion(system, nn, first);
    }
    return first;
}

void refuseIntermolecular(const Topology& in)
{
    for (const auto& s : in.sections)
    {
        if (s.name == "intermolecular_interactions")
        {
            throw Error(where(in.path, s.lineNumber)
                        + ": [ intermolecular_interactions ] with an embedded NN molecule is not "
                          "supported; remove them or make every atom NN");
        }
    }
}

//! The report's description of the region; a type used more than once is split out under a free name.
Report embeddedReport(const SystemView& system, const std::vector<int>& nn, const Instance& first)
{
    const MoleculeType& mt    = system.types[system.byName.at(system.entries[first.entry].name)];
    long                usage = 0;
    for (const auto& e : system.entries)
    {
        usage += e.name == mt.name ? e.count : 0;
    }
    Report rep;
    rep.mode              = Report::Mode::EmbeddedMolecule;
    rep.totalAtoms        = system.total;
    rep.nnAtoms           = static_cast<long>(nn.size());
    rep.nnMoleculeType    = mt.name;
    rep.nnInstance        = first.instance + 1;
    rep.split             = usage > 1;
    rep.nnMoleculeTypeOut = mt.name;
    if (rep.split)
    {
        std::set<std::string> names;
        for (const auto& m : system.types)
        {
            names.insert(m.name);
        }
        rep.nnMoleculeTypeOut = mt.name + "_NN";
        for (int k = 2; names.count(rep.nnMoleculeTypeOut); ++k)
        {
            rep.nnMoleculeTypeOut = mt.name + "_NN" + std::to_string(k);
        }
    }
    return rep;
}

//! The [moleculetype] header of the split-out NN type, renamed.
void renameMoleculeType(Section& s, const Report& rep)
{
    for (auto& l : s.lines)
    {
        if (!l.fields.empty())
        {
            l.fields[0] = rep.nnMoleculeTypeOut;
            l.raw = joinFields(l.fields, "NN instance " + std::to_string(rep.nnInstance) + " of " + rep.nnMoleculeType);
            break;
        }
    }
}

//! Every atom pair of a molecule of \p atoms atoms, 16 partners a line.
Section exclusionsSection(int atoms, int owner, Report& rep)
{
    Section excl;
    excl.name   = "exclusions";
    excl.header = "[ exclusions ]";
    excl.owner  = owner;
    excl.lines.push_back({ 0, "; NN molecule: every atom pair excluded (its interactions come from the NN model)", {} });
    constexpr int c_perLine = 16;
    for (int i = 1; i < atoms; ++i)
    {
        for (int j = i + 1; j <= atoms; j += c_perLine)
        {
            Line l;
            l.fields.push_back(std::to_string(i));
            for (int k = j; k < std::min(j + c_perLine, atoms + 1); ++k)
            {
                l.fields.push_back(std::to_string(k));
                ++rep.exclusionPairs;
            }
            for (const auto& f : l.fields)
            {
                l.raw += (l.raw.empty() ? "" : " ") + f;
            }
            excl.lines.push_back(std::move(l));
        }
    }
    return excl;
}

//! The NN moleculetype: its sections without bonded terms or exclusions, then every pair excluded.
std::vector<Section> nnMoleculeSections(const SystemView& system, const MoleculeType& mt, int owner, Report& rep)
{
    std::vector<Section> sections;
    for (int si : mt.sections)
    {
        const Section& s = system.input.sections[si];
        if (bondedDirectives().count(s.name) || s.name == "exclusions")
        {
            rep.removed[s.name] += dataLines(s);
            continue;
        }
        Section out = s;
        out.owner   = owner;
        if (s.name == "moleculetype" && rep.split)
        {
            renameMoleculeType(out, rep);
        }
        noteKeptRestraints(rep, s);
        sections.push_back(std::move(out));
    }
    // grompp accepts [ exclusions ] only after [ bonds ], [ constraints ] or [ settles ]: an empty one.
    Section noBonds;
    noBonds.name   = "bonds";
    noBonds.header = "[ bonds ]";
    noBonds.owner  = owner;
    noBonds.lines.push_back({ 0, "; none: the NN model gives the intramolecular forces", {} });
    sections.push_back(std::move(noBonds));
    sections.push_back(exclusionsSection(mt.atoms, owner, rep));
    return sections;
}

/*! A [molecules] section with the NN instance's line split into the instances before it, the
 *  NN molecule and those after it. \p entryIndex counts data lines over all [molecules] sections. */
Section splitMoleculesLine(const Section& s, const Instance& first, const MoleculesEntry& entry,
                           const std::string& nnName, long& entryIndex)
{
    Section out = s;
    out.lines.clear();
    for (const auto& l : s.lines)
    {
        if (l.fields.empty() || ++entryIndex != static_cast<long>(first.entry))
        {
            out.lines.push_back(l);
            continue;
        }
        auto add = [&](const std::string& name, long count, const std::string& note) {
            if (count > 0)
            {
                out.lines.push_back({ l.lineNumber, name + " " + std::to_string(count) + note,
                                      { name, std::to_string(count) } });
            }
        };
        add(entry.name, first.instance, "");
        add(nnName, 1, "    ; the NN molecule");
        add(entry.name, entry.count - first.instance - 1, "");
    }
    return out;
}

/*! The output topology: the input with the NN moleculetype in place of the original (rewritten
 *  in place) or after it (split out), and [molecules] naming the NN instance. */
Topology assemble(const SystemView& system, const Instance& first, const Report& rep, std::vector<Section> nnSections)
{
    const Topology&       in    = system.input;
    const MoleculesEntry& entry = system.entries[first.entry];
    const int             t     = system.byName.at(entry.name);
    const int             last  = system.types[t].sections.back();
    Topology              out;
    out.path      = in.path;
    out.preamble  = in.preamble;
    long entryIndex = -1;
    auto insertNn = [&] { std::move(nnSections.begin(), nnSections.end(), std::back_inserter(out.sections)); };
    for (std::size_t si = 0; si < in.sections.size(); ++si)
    {
        const Section& s = in.sections[si];
        if (s.owner == t && !rep.split)
        {
            if (static_cast<int>(si) == last)
            {
                insertNn();
            }
            continue;
        }
        out.sections.push_back(s.name == "molecules"
                                       ? splitMoleculesLine(s, first, entry, rep.nnMoleculeTypeOut, entryIndex)
                                       : s);
        if (rep.split && static_cast<int>(si) == last)
        {
            insertNn();
        }
    }
    return out;
}

void addEmbeddedMdp(Report& rep)
{
    rep.mdp.insert(rep.mdp.end(), {
        "constraints  : the NN molecule has no bonds left, so constraints = h-bonds/all-bonds no longer "
        "act on it (other molecules, SETTLE water included, keep theirs); use dt <= 0.0005-0.001 ps for "
        "its free hydrogens",
        "coulombtype  = PME   ; excluded NN-NN pairs are also removed from the reciprocal sum, as long as "
        "the NN molecule fits within rcoulomb (grompp warns about excluded atoms beyond the cut-off)",
        "               not reaction-field: the Verlet scheme keeps the reaction-field term for excluded pairs",
        "charges and LJ of the NN molecule are kept: it interacts with its environment classically "
        "(mechanical embedding)",
    });
}
} // namespace

Result makeEmbedded(const SystemView& system, const std::vector<int>& nn)
{
    const Instance      first = wholeMolecule(system, nn);
    const int           t     = system.byName.at(system.entries[first.entry].name);
    const MoleculeType& mt    = system.types[t];
    checkAtomsOnly(system.input, mt, system.atomTypes);
    refuseIntermolecular(system.input);
    Result r;
    r.report                = embeddedReport(system, nn, first);
    const int nnOwner       = r.report.split ? static_cast<int>(system.types.size()) : t;
    auto      nnSections    = nnMoleculeSections(system, mt, nnOwner, r.report);
    r.topology              = assemble(system, first, r.report, std::move(nnSections));
    addEmbeddedMdp(r.report);
    return r;
}
} // namespace dgmx::topology
