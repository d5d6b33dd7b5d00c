/*! \file
 * \brief Reading and writing preprocessed .top files (see topology.h): logical lines,
 * directives and which moleculetype owns each section.
 */
#include "topology/topology.h"

#include "common/error.h"
#include "common/text.h"
#include "topology/directives.h"
#include "topology/fields.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace dgmx::topology
{
namespace
{
std::vector<std::string> physicalLines(const std::string& text)
{
    std::vector<std::string> physical;
    std::istringstream       in(text);
    for (std::string line; std::getline(in, line);)
    {
        if (!line.empty() && line.back() == '\r')
        {
            line.pop_back();
        }
        physical.push_back(line);
    }
    return physical;
}

/*! The logical line starting at physical line \p i (advanced past it): raw text as read, and
 *  its data (continuations joined, comment removed, trimmed). */
Line readLogicalLine(const std::vector<std::string>& physical, std::size_t& i, std::string& data)
{
    Line l;
    l.lineNumber       = static_cast<int>(i) + 1;
    l.raw              = physical[i];
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
    data = trim(joined.substr(0, joined.find(';')));
    return l;
}

//! "[ Atoms ]" -> "atoms": lower case, blanks removed.
std::string directiveName(const std::string& data, const std::string& at)
{
    const auto close = data.find(']');
    if (close == std::string::npos)
    {
        throw Error(at + ": directive without closing ']': '" + data + "'");
    }
    std::string name;
    for (char c : data.substr(1, close - 1))
    {
        if (!std::isspace(static_cast<unsigned char>(c)))
        {
            name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return name;
}

//! Which moleculetype (or c_global / c_intermolecular) each directive in file order belongs to.
class OwnerTracker
{
public:
    int ownerOf(const std::string& name, const std::string& at)
    {
        if (name == "moleculetype")
        {
            inMolecule_       = true;
            inIntermolecular_ = false;
            return ++moleculeIndex_;
        }
        if (name == "intermolecular_interactions")
        {
            inMolecule_       = false;
            inIntermolecular_ = true;
        }
        else if (name == "system" || name == "molecules")
        {
            inMolecule_ = false;
        }
        else if (moleculeDirectives().count(name) != 0)
        {
            if (inIntermolecular_)
            {
                return c_intermolecular;
            }
            if (inMolecule_)
            {
                return moleculeIndex_;
            }
            throw Error(at + ": [ " + name
                        + " ] outside a [ moleculetype ]; every molecule directive must follow "
                          "its [ moleculetype ]");
        }
        return c_global;
    }

private:
    int  moleculeIndex_    = -1;
    bool inMolecule_       = false;
    bool inIntermolecular_ = false;
};

void refusePreprocessorLine(const std::string& data, const std::string& at)
{
    if (!data.empty() && data[0] == '#')
    {
        throw Error(at + ": preprocessor line '" + data
                    + "'; this reader takes preprocessed topologies: give -c conf.gro (and -f "
                      "grompp.mdp) so that `gmx grompp -pp` resolves it, or run gmx grompp -pp yourself");
    }
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
    Topology                       top;
    const std::vector<std::string> physical = physicalLines(text);
    OwnerTracker                   owners;
    top.path = path;
    for (std::size_t i = 0; i < physical.size();)
    {
        std::string data;
        Line        l  = readLogicalLine(physical, i, data);
        const auto  at = where(path, l.lineNumber);
        refusePreprocessorLine(data, at);
        if (!data.empty() && data[0] == '[')
        {
            Section s;
            s.name       = directiveName(data, at);
            s.header     = l.raw;
            s.lineNumber = l.lineNumber;
            s.owner      = owners.ownerOf(s.name, at);
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
} // namespace dgmx::topology
