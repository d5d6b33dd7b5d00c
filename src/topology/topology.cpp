/*! \file
 * \brief Preprocessed-topology reader/writer and the NN rewrite (see topology.h).
 */
#include "topology/topology.h"
#include "common/text.h"

#include "common/error.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

namespace dgmx::topology
{
namespace
{
std::vector<std::string> splitFields(const std::string& s)
{
    std::istringstream       in(s);
    std::vector<std::string> out;
    for (std::string f; in >> f;)
    {
        out.push_back(f);
    }
    return out;
}

std::string where(const std::string& path, int line)
{
    return path + ":" + std::to_string(line);
}

// Directives that belong to a [moleculetype] (or to [intermolecular_interactions]).
const std::set<std::string>& moleculeDirectives()
{
    static const std::set<std::string> c_names = {
        "atoms",          "bonds",           "pairs",          "pairs_nb",
        "angles",         "dihedrals",       "exclusions",     "constraints",
        "settles",        "virtual_sites1",  "virtual_sites2", "virtual_sites3",
        "virtual_sites4", "virtual_sitesn",  "dummies1",       "dummies2",
        "dummies3",       "dummies4",        "dummiesn",       "position_restraints",
        "distance_restraints", "dihedral_restraints", "orientation_restraints",
        "angle_restraints", "angle_restraints_z", "cmap", "polarization",
        "water_polarization", "thole_polarization"
    };
    return c_names;
}

// Classical interactions among the atoms of a molecule: removed inside the NN region.
const std::set<std::string>& bondedDirectives()
{
    static const std::set<std::string> c_names = {
        "bonds",       "pairs",   "pairs_nb", "angles",       "dihedrals",
        "constraints", "settles", "cmap",     "polarization", "water_polarization",
        "thole_polarization"
    };
    return c_names;
}

// User restraints (not part of the force field): kept, and reported.
const std::set<std::string>& restraintDirectives()
{
    static const std::set<std::string> c_names = { "position_restraints", "distance_restraints",
                                                   "dihedral_restraints", "orientation_restraints",
                                                   "angle_restraints",    "angle_restraints_z" };
    return c_names;
}

bool isVirtualSiteDirective(const std::string& name)
{
    return name.rfind("virtual_sites", 0) == 0 || name.rfind("dummies", 0) == 0;
}

// Force-field parameter tables that only bonded terms or pair overrides use.
const std::set<std::string>& parameterDirectives()
{
    static const std::set<std::string> c_names = {
        "bondtypes",     "pairtypes",  "angletypes",  "dihedraltypes",
        "constrainttypes", "nonbond_params", "cmaptypes", "implicit_genborn_params"
    };
    return c_names;
}

long dataLines(const Section& s)
{
    return static_cast<long>(std::count_if(s.lines.begin(), s.lines.end(),
                                           [](const Line& l) { return !l.fields.empty(); }));
}

long parseLong(const std::string& field, const std::string& at, const std::string& what)
{
    try
    {
        std::size_t used = 0;
        const long  v    = std::stol(field, &used);
        if (used == field.size())
        {
            return v;
        }
    }
    catch (const std::exception&)
    {
    }
    throw Error(at + ": expected " + what + ", found '" + field + "'");
}

bool isZeroNumber(const std::string& field)
{
    try
    {
        std::size_t used = 0;
        return std::stod(field, &used) == 0.0 && used == field.size();
    }
    catch (const std::exception&)
    {
        return false;
    }
}

std::string joinFields(const std::vector<std::string>& fields, const std::string& comment)
{
    std::string out;
    for (const auto& f : fields)
    {
        const std::string cell = f.size() < 10 ? std::string(10 - f.size(), ' ') + f : " " + f;
        out += cell;
    }
    if (!comment.empty())
    {
        out += " ; " + comment;
    }
    return out;
}

// Per atom type: particle type (A, S, V, D); from every [atomtypes] line.
struct AtomTypeTable
{
    int                                nbfunc = 1;
    std::map<std::string, std::string> ptype;
};

int nonbondedParameterCount(int nbfunc)
{
    return nbfunc == 2 ? 3 : 2; // Buckingham a b c; LJ c6 c12 or sigma epsilon
}

AtomTypeTable atomTypeTable(const Topology& top)
{
    AtomTypeTable t;
    for (const auto& s : top.sections)
    {
        if (s.name == "defaults")
        {
            for (const auto& l : s.lines)
            {
                if (!l.fields.empty())
                {
                    t.nbfunc = static_cast<int>(parseLong(l.fields[0], where(top.path, l.lineNumber),
                                                          "the nonbonded function type (1 or 2)"));
                    break;
                }
            }
        }
    }
    const int nParams = nonbondedParameterCount(t.nbfunc);
    for (const auto& s : top.sections)
    {
        if (s.name != "atomtypes")
        {
            continue;
        }
        for (const auto& l : s.lines)
        {
            if (l.fields.empty())
            {
                continue;
            }
            const int n = static_cast<int>(l.fields.size());
            const int p = n - nParams - 1;
            if (p < 3 || l.fields[p].size() != 1 || std::string("ASVDasvd").find(l.fields[p]) == std::string::npos)
            {
                throw Error(where(top.path, l.lineNumber)
                            + ": cannot read this [ atomtypes ] line (expected 'name [bondtype] "
                              "[at.num] mass charge ptype V W' with ptype A, S, V or D)");
            }
            t.ptype[l.fields[0]] = l.fields[p];
        }
    }
    return t;
}

// The NN region may not hold virtual sites or shells: the model knows atoms only.
void checkAtomsOnly(const Topology& top, const MoleculeType& mt, const AtomTypeTable& types)
{
    for (int si : mt.sections)
    {
        const Section& s = top.sections[si];
        if (isVirtualSiteDirective(s.name) && dataLines(s) > 0)
        {
            throw Error(where(top.path, s.lineNumber) + ": moleculetype '" + mt.name
                        + "' of the NN region has virtual sites ([ " + s.name
                        + " ]); the NN model sees atoms only. Use a model of the molecule without "
                          "virtual sites (e.g. TIP3P instead of TIP4P water) or keep it classical");
        }
    }
    for (int si : mt.sections)
    {
        const Section& s = top.sections[si];
        if (s.name != "atoms")
        {
            continue;
        }
        for (const auto& l : s.lines)
        {
            for (std::size_t col : { std::size_t{ 1 }, std::size_t{ 8 } })
            {
                if (l.fields.size() <= col)
                {
                    continue;
                }
                const auto it = types.ptype.find(l.fields[col]);
                if (it == types.ptype.end())
                {
                    throw Error(where(top.path, l.lineNumber) + ": atom type '" + l.fields[col]
                                + "' is not in [ atomtypes ]; the topology is incomplete "
                                  "(preprocess it with gmx grompp -pp)");
                }
                const char p = static_cast<char>(std::toupper(static_cast<unsigned char>(it->second[0])));
                if (p != 'A')
                {
                    throw Error(where(top.path, l.lineNumber) + ": atom " + l.fields[0] + " of moleculetype '"
                                + mt.name + "' in the NN region has particle type " + it->second
                                + (p == 'S' ? " (a shell)" : " (a virtual site)")
                                + "; the NN model sees atoms only: keep this molecule classical");
                }
            }
        }
    }
}

std::string moleculeLabel(const std::string& name, long instance)
{
    return "'" + name + "' #" + std::to_string(instance);
}
} // namespace

bool needsPreprocessing(const std::string& text)
{
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
    {
        const std::string t = trim(line);
        if (!t.empty() && t[0] == '#')
        {
            return true;
        }
    }
    return false;
}

Topology parseTopology(const std::string& text, const std::string& path)
{
    Topology top;
    top.path = path;
    std::vector<std::string> physical;
    {
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);)
        {
            if (!line.empty() && line.back() == '\r')
            {
                line.pop_back();
            }
            physical.push_back(line);
        }
    }
    int  moleculeIndex    = -1;
    bool inMolecule       = false;
    bool inIntermolecular = false;
    for (std::size_t i = 0; i < physical.size();)
    {
        Line l;
        l.lineNumber      = static_cast<int>(i) + 1;
        l.raw             = physical[i];
        std::string joined = physical[i];
        ++i;
        // A backslash at the end continues the line (CHARMM's cmap tables use this).
        while (!trim(joined).empty() && trim(joined).back() == '\\' && i < physical.size())
        {
            joined = trim(joined);
            joined.pop_back();
            joined += " " + physical[i];
            l.raw += "\n" + physical[i];
            ++i;
        }
        const std::string data = trim(joined.substr(0, joined.find(';')));
        if (!data.empty() && data[0] == '#')
        {
            throw Error(where(path, l.lineNumber) + ": preprocessor line '" + data
                        + "'; this reader takes preprocessed topologies: give -c conf.gro (and -f "
                          "grompp.mdp) so that `gmx grompp -pp` resolves it, or run gmx grompp -pp yourself");
        }
        if (!data.empty() && data[0] == '[')
        {
            const auto close = data.find(']');
            if (close == std::string::npos)
            {
                throw Error(where(path, l.lineNumber) + ": directive without closing ']': '" + data + "'");
            }
            Section s;
            for (char c : data.substr(1, close - 1))
            {
                if (!std::isspace(static_cast<unsigned char>(c)))
                {
                    s.name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
            }
            s.header     = l.raw;
            s.lineNumber = l.lineNumber;
            if (s.name == "moleculetype")
            {
                s.owner          = ++moleculeIndex;
                inMolecule       = true;
                inIntermolecular = false;
            }
            else if (s.name == "intermolecular_interactions")
            {
                inMolecule       = false;
                inIntermolecular = true;
            }
            else if (s.name == "system" || s.name == "molecules")
            {
                inMolecule = false;
            }
            else if (moleculeDirectives().count(s.name) != 0)
            {
                if (inIntermolecular)
                {
                    s.owner = c_intermolecular;
                }
                else if (inMolecule)
                {
                    s.owner = moleculeIndex;
                }
                else
                {
                    throw Error(where(path, l.lineNumber) + ": [ " + s.name
                                + " ] outside a [ moleculetype ]; every molecule directive must follow "
                                  "its [ moleculetype ]");
                }
            }
            top.sections.push_back(std::move(s));
            continue;
        }
        l.fields = splitFields(data);
        if (top.sections.empty())
        {
            // grompp echoes text before the first directive (force-field banners): kept as comments.
            top.preamble.push_back(l.fields.empty() ? l.raw : "; " + l.raw);
            continue;
        }
        top.sections.back().lines.push_back(std::move(l));
    }
    // Validate what the rewrite relies on.
    moleculeTypes(top);
    moleculesEntries(top);
    return top;
}

Topology readTopology(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw Error("cannot open topology '" + path + "'; check the path");
    }
    std::stringstream text;
    text << in.rdbuf();
    return parseTopology(text.str(), path);
}

std::string writeTopology(const Topology& topology)
{
    std::string out;
    for (const auto& l : topology.preamble)
    {
        out += l + "\n";
    }
    for (const auto& s : topology.sections)
    {
        out += s.header + "\n";
        for (const auto& l : s.lines)
        {
            out += l.raw + "\n";
        }
    }
    return out;
}

std::vector<MoleculeType> moleculeTypes(const Topology& topology)
{
    std::vector<MoleculeType> types;
    for (std::size_t i = 0; i < topology.sections.size(); ++i)
    {
        const Section& s = topology.sections[i];
        if (s.owner < 0)
        {
            continue;
        }
        if (static_cast<std::size_t>(s.owner) >= types.size())
        {
            types.resize(s.owner + 1);
        }
        MoleculeType& mt = types[s.owner];
        mt.sections.push_back(static_cast<int>(i));
        if (s.name == "moleculetype")
        {
            mt.lineNumber = s.lineNumber;
            const auto it = std::find_if(s.lines.begin(), s.lines.end(),
                                         [](const Line& l) { return !l.fields.empty(); });
            if (it == s.lines.end() || it->fields.size() < 2)
            {
                throw Error(where(topology.path, s.lineNumber)
                            + ": [ moleculetype ] needs a line 'name nrexcl'");
            }
            mt.name   = it->fields[0];
            mt.nrexcl = static_cast<int>(parseLong(it->fields[1], where(topology.path, it->lineNumber),
                                                   "nrexcl (an integer)"));
        }
        else if (s.name == "atoms")
        {
            mt.atoms += static_cast<int>(dataLines(s));
        }
    }
    return types;
}

std::vector<MoleculesEntry> moleculesEntries(const Topology& topology)
{
    std::vector<MoleculesEntry> entries;
    for (const auto& s : topology.sections)
    {
        if (s.name != "molecules")
        {
            continue;
        }
        for (const auto& l : s.lines)
        {
            if (l.fields.empty())
            {
                continue;
            }
            if (l.fields.size() < 2)
            {
                throw Error(where(topology.path, l.lineNumber)
                            + ": a [ molecules ] line needs 'name count'");
            }
            entries.push_back({ l.fields[0],
                                parseLong(l.fields[1], where(topology.path, l.lineNumber),
                                          "a molecule count"),
                                l.lineNumber });
        }
    }
    return entries;
}

namespace
{
std::map<std::string, int> typeIndexByName(const Topology& top, const std::vector<MoleculeType>& types,
                                           const std::vector<MoleculesEntry>& entries)
{
    std::map<std::string, int> byName;
    for (std::size_t t = 0; t < types.size(); ++t)
    {
        byName[types[t].name] = static_cast<int>(t);
    }
    for (const auto& e : entries)
    {
        if (byName.count(e.name) == 0)
        {
            throw Error(where(top.path, e.lineNumber) + ": [ molecules ] names '" + e.name
                        + "', which no [ moleculetype ] defines");
        }
    }
    return byName;
}

void addMdp(Report& r, const std::string& line)
{
    r.mdp.push_back(line);
}

Result makeAllNn(const Topology& in, const std::vector<MoleculeType>& types,
                 const std::vector<MoleculesEntry>& entries, const std::map<std::string, int>& byName,
                 const AtomTypeTable& atomTypes, long total)
{
    Result r;
    r.report.mode       = Report::Mode::AllNn;
    r.report.totalAtoms = total;
    r.report.nnAtoms    = total;
    std::vector<bool> used(types.size(), false);
    for (const auto& e : entries)
    {
        if (e.count > 0)
        {
            used[byName.at(e.name)] = true;
        }
    }
    for (std::size_t t = 0; t < types.size(); ++t)
    {
        if (used[t])
        {
            checkAtomsOnly(in, types[t], atomTypes);
        }
        else
        {
            ++r.report.unusedMoleculeTypes;
        }
    }
    const int nParams = nonbondedParameterCount(atomTypes.nbfunc);
    r.topology.path     = in.path;
    r.topology.preamble = in.preamble;
    for (const Section& s : in.sections)
    {
        if (s.name == "intermolecular_interactions")
        {
            continue;
        }
        if (s.owner >= 0 && !used[s.owner])
        {
            continue;
        }
        if (s.owner == c_intermolecular || (s.owner == c_global && parameterDirectives().count(s.name)))
        {
            r.report.removed[s.owner == c_intermolecular ? "intermolecular " + s.name : s.name] += dataLines(s);
            continue;
        }
        if (s.owner >= 0 && (bondedDirectives().count(s.name) || s.name == "exclusions"))
        {
            r.report.removed[s.name] += dataLines(s);
            continue;
        }
        Section out = s;
        if (s.name == "atomtypes")
        {
            for (auto& l : out.lines)
            {
                if (l.fields.empty())
                {
                    continue;
                }
                const std::size_t n = l.fields.size();
                l.fields[n - nParams - 2] = "0";
                for (int k = 0; k < nParams; ++k)
                {
                    l.fields[n - 1 - k] = "0";
                }
                l.raw = joinFields(l.fields, "NN: charge and LJ zeroed");
                ++r.report.atomTypesZeroed;
            }
        }
        else if (s.name == "atoms")
        {
            for (auto& l : out.lines)
            {
                bool changed = false;
                for (std::size_t col : { std::size_t{ 6 }, std::size_t{ 9 } })
                {
                    if (l.fields.size() > col)
                    {
                        changed = changed || !isZeroNumber(l.fields[col]);
                        l.fields[col] = "0";
                    }
                }
                if (!l.fields.empty())
                {
                    l.raw = joinFields(l.fields, "");
                }
                r.report.chargesZeroed += changed ? 1 : 0;
            }
        }
        else if (restraintDirectives().count(s.name) && dataLines(s) > 0)
        {
            r.report.notes.push_back("kept " + std::to_string(dataLines(s)) + " [ " + s.name
                                     + " ] lines (user restraints, not force-field terms)");
        }
        r.topology.sections.push_back(std::move(out));
    }
    addMdp(r.report, "cutoff-scheme           = Verlet");
    addMdp(r.report, "coulombtype             = cut-off   ; every charge is zero, PME would only cost time");
    addMdp(r.report, "vdwtype                 = cut-off   ; every LJ parameter is zero");
    addMdp(r.report, "rcoulomb = rvdw         = 0.5       ; small is fine, nothing classical is left (box > 2 x cut-off)");
    addMdp(r.report, "verlet-buffer-tolerance = -1        ; with rlist = rcoulomb: no buffer is needed for zero interactions");
    addMdp(r.report, "rlist                   = 0.5");
    addMdp(r.report, "constraints             = none      ; no bonds are left to constrain");
    addMdp(r.report, "DispCorr                = no");
    addMdp(r.report, "dt                      = 0.0005    ; hydrogens move freely under the NN forces");
    return r;
}

Result makeEmbedded(const Topology& in, const std::vector<MoleculeType>& types,
                    const std::vector<MoleculesEntry>& entries, const std::map<std::string, int>& byName,
                    const AtomTypeTable& atomTypes, long total, const std::vector<int>& nn)
{
    // Which molecule instance holds each NN atom.
    struct Instance
    {
        std::size_t entry;
        long        instance; // 0-based within its [molecules] line
        long        start;
        int         atoms;
    };
    auto instanceOf = [&](long atom) {
        long offset = 0;
        for (std::size_t e = 0; e < entries.size(); ++e)
        {
            const int  a    = types[byName.at(entries[e].name)].atoms;
            const long span = entries[e].count * a;
            if (atom < offset + span)
            {
                const long k = (atom - offset) / a;
                return Instance{ e, k, offset + k * a, a };
            }
            offset += span;
        }
        throw Error("internal: atom " + std::to_string(atom) + " beyond the topology");
    };
    const Instance first = instanceOf(nn.front());
    const long     firstEnd = first.start + first.atoms;
    if (nn.front() != first.start || nn.back() >= firstEnd || static_cast<long>(nn.size()) != first.atoms)
    {
        std::set<std::pair<std::size_t, long>> touched;
        std::vector<std::string>               labels;
        for (int a : nn)
        {
            const Instance m = instanceOf(a);
            if (touched.insert({ m.entry, m.instance }).second && labels.size() < 4)
            {
                labels.push_back(moleculeLabel(entries[m.entry].name, m.instance + 1));
            }
        }
        std::string list;
        for (const auto& l : labels)
        {
            list += (list.empty() ? "" : ", ") + l;
        }
        if (touched.size() > 1)
        {
            throw Error("the NN group spans " + std::to_string(touched.size()) + " molecules (" + list
                        + (touched.size() > labels.size() ? ", ..." : "")
                        + "); an NN region in a classical environment must be exactly one molecule: "
                          "merge those molecules into one [ moleculetype ] (e.g. pdb2gmx -merge all), or "
                          "make every atom NN");
        }
        long selected = static_cast<long>(nn.size());
        throw Error("the NN group holds " + std::to_string(selected) + " of the " + std::to_string(first.atoms)
                    + " atoms of molecule " + list + " ([ molecules ] line "
                    + std::to_string(entries[first.entry].lineNumber)
                    + "); the NN region must be whole molecules: cutting through bonds would need link "
                      "atoms, which this tool does not make. Select the whole molecule");
    }
    const MoleculesEntry& entry = entries[first.entry];
    const int            t     = byName.at(entry.name);
    const MoleculeType&  mt    = types[t];
    checkAtomsOnly(in, mt, atomTypes);
    for (const auto& s : in.sections)
    {
        if (s.name == "intermolecular_interactions")
        {
            throw Error(where(in.path, s.lineNumber)
                        + ": [ intermolecular_interactions ] with an embedded NN molecule is not "
                          "supported; remove them or make every atom NN");
        }
    }
    long usage = 0;
    for (const auto& e : entries)
    {
        usage += e.name == entry.name ? e.count : 0;
    }
    Result r;
    Report& rep        = r.report;
    rep.mode           = Report::Mode::EmbeddedMolecule;
    rep.totalAtoms     = total;
    rep.nnAtoms        = static_cast<long>(nn.size());
    rep.nnMoleculeType = mt.name;
    rep.nnInstance     = first.instance + 1;
    rep.split          = usage > 1;
    std::set<std::string> names;
    for (const auto& m : types)
    {
        names.insert(m.name);
    }
    std::string outName = mt.name;
    if (rep.split)
    {
        outName = mt.name + "_NN";
        for (int k = 2; names.count(outName); ++k)
        {
            outName = mt.name + "_NN" + std::to_string(k);
        }
    }
    rep.nnMoleculeTypeOut = outName;

    // The NN moleculetype: no bonded terms, every pair excluded.
    std::vector<Section> nnSections;
    const int            nnOwner = rep.split ? static_cast<int>(types.size()) : t;
    for (int si : mt.sections)
    {
        const Section& s = in.sections[si];
        if (bondedDirectives().count(s.name) || s.name == "exclusions")
        {
            rep.removed[s.name] += dataLines(s);
            continue;
        }
        Section out = s;
        out.owner   = nnOwner;
        if (s.name == "moleculetype" && rep.split)
        {
            for (auto& l : out.lines)
            {
                if (!l.fields.empty())
                {
                    l.fields[0] = outName;
                    l.raw       = joinFields(l.fields, "NN instance " + std::to_string(rep.nnInstance)
                                                               + " of " + mt.name);
                    break;
                }
            }
        }
        if (restraintDirectives().count(s.name) && dataLines(s) > 0)
        {
            rep.notes.push_back("kept " + std::to_string(dataLines(s)) + " [ " + s.name
                                + " ] lines (user restraints, not force-field terms)");
        }
        nnSections.push_back(std::move(out));
    }
    // grompp accepts [ exclusions ] only after [ bonds ], [ constraints ] or [ settles ]: an empty one.
    Section noBonds;
    noBonds.name   = "bonds";
    noBonds.header = "[ bonds ]";
    noBonds.owner  = nnOwner;
    noBonds.lines.push_back({ 0, "; none: the NN model gives the intramolecular forces", {} });
    nnSections.push_back(std::move(noBonds));
    Section excl;
    excl.name   = "exclusions";
    excl.header = "[ exclusions ]";
    excl.owner  = nnOwner;
    excl.lines.push_back({ 0, "; NN molecule: every atom pair excluded (its interactions come from the NN model)", {} });
    constexpr int c_perLine = 16;
    for (int i = 1; i < mt.atoms; ++i)
    {
        for (int j = i + 1; j <= mt.atoms; j += c_perLine)
        {
            Line l;
            l.fields.push_back(std::to_string(i));
            for (int k = j; k < std::min(j + c_perLine, mt.atoms + 1); ++k)
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
    nnSections.push_back(std::move(excl));

    r.topology.path     = in.path;
    r.topology.preamble = in.preamble;
    const int lastOfType = mt.sections.back();
    long      entryIndex = -1;
    for (std::size_t si = 0; si < in.sections.size(); ++si)
    {
        const Section& s = in.sections[si];
        if (s.owner == t && !rep.split)
        {
            if (static_cast<int>(si) == lastOfType)
            {
                for (auto& n : nnSections)
                {
                    r.topology.sections.push_back(std::move(n));
                }
            }
            continue;
        }
        Section out = s;
        if (s.name == "molecules")
        {
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
                add(outName, 1, "    ; the NN molecule");
                add(entry.name, entry.count - first.instance - 1, "");
            }
        }
        r.topology.sections.push_back(std::move(out));
        if (rep.split && static_cast<int>(si) == lastOfType)
        {
            for (auto& n : nnSections)
            {
                r.topology.sections.push_back(std::move(n));
            }
        }
    }
    addMdp(rep, "constraints  : the NN molecule has no bonds left, so constraints = h-bonds/all-bonds no longer "
                "act on it (other molecules, SETTLE water included, keep theirs); use dt <= 0.0005-0.001 ps for "
                "its free hydrogens");
    addMdp(rep, "coulombtype  = PME   ; excluded NN-NN pairs are also removed from the reciprocal sum, as long as "
                "the NN molecule fits within rcoulomb (grompp warns about excluded atoms beyond the cut-off)");
    addMdp(rep, "               not reaction-field: the Verlet scheme keeps the reaction-field term for excluded pairs");
    addMdp(rep, "charges and LJ of the NN molecule are kept: it interacts with its environment classically "
                "(mechanical embedding)");
    return r;
}
} // namespace

long atomCount(const Topology& topology)
{
    const auto types   = moleculeTypes(topology);
    const auto entries = moleculesEntries(topology);
    const auto byName  = typeIndexByName(topology, types, entries);
    long       total   = 0;
    for (const auto& e : entries)
    {
        total += e.count * types[byName.at(e.name)].atoms;
    }
    return total;
}

Result makeNnTopology(const Topology& input, const std::optional<std::vector<int>>& nnAtoms)
{
    const auto types   = moleculeTypes(input);
    const auto entries = moleculesEntries(input);
    if (entries.empty())
    {
        throw Error(input.path + ": no [ molecules ] section; is this the system topology (.top)?");
    }
    const auto byName    = typeIndexByName(input, types, entries);
    const auto atomTypes = atomTypeTable(input);
    const long total     = atomCount(input);
    if (!nnAtoms)
    {
        return makeAllNn(input, types, entries, byName, atomTypes, total);
    }
    std::vector<int> nn = *nnAtoms;
    std::sort(nn.begin(), nn.end());
    if (nn.empty())
    {
        throw Error("the NN group is empty; give a group with the NN atoms, or no index for all atoms NN");
    }
    if (std::adjacent_find(nn.begin(), nn.end()) != nn.end())
    {
        throw Error("the NN group lists atom " + std::to_string(*std::adjacent_find(nn.begin(), nn.end()) + 1)
                    + " twice; fix the index group");
    }
    if (nn.front() < 0 || nn.back() >= total)
    {
        throw Error("the NN group has atom " + std::to_string((nn.front() < 0 ? nn.front() : nn.back()) + 1)
                    + " (1-based) but " + input.path + " has " + std::to_string(total)
                    + " atoms; does the index belong to this system?");
    }
    if (static_cast<long>(nn.size()) == total)
    {
        return makeAllNn(input, types, entries, byName, atomTypes, total);
    }
    return makeEmbedded(input, types, entries, byName, atomTypes, total, nn);
}

std::string formatReport(const Report& r)
{
    std::ostringstream out;
    if (r.mode == Report::Mode::AllNn)
    {
        out << "All " << r.totalAtoms << " atoms are NN: every classical interaction removed.\n";
    }
    else
    {
        out << "NN region: molecule '" << r.nnMoleculeType << "' #" << r.nnInstance << " (" << r.nnAtoms
            << " of " << r.totalAtoms << " atoms), mechanically embedded";
        if (r.split)
        {
            out << "; split out as moleculetype '" << r.nnMoleculeTypeOut << "'";
        }
        out << ".\n";
    }
    for (const auto& [name, count] : r.removed)
    {
        if (count > 0)
        {
            out << "  removed " << count << " [ " << name << " ] lines\n";
        }
    }
    if (r.exclusionPairs > 0)
    {
        out << "  added exclusions of all " << r.exclusionPairs << " NN-NN atom pairs\n";
    }
    if (r.mode == Report::Mode::AllNn)
    {
        out << "  zeroed charges of " << r.chargesZeroed << " [ atoms ] lines, charge and LJ of "
            << r.atomTypesZeroed << " atom types (atomic numbers kept)\n";
        if (r.unusedMoleculeTypes > 0)
        {
            out << "  dropped " << r.unusedMoleculeTypes << " moleculetypes not listed in [ molecules ]\n";
        }
    }
    for (const auto& n : r.notes)
    {
        out << "  " << n << "\n";
    }
    out << "mdp settings for this topology:\n";
    for (const auto& m : r.mdp)
    {
        out << "  " << m << "\n";
    }
    return out.str();
}
} // namespace dgmx::topology
