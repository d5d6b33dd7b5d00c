/*! \file
 * \brief .gro / .ndx readers and element guessing (see structure.h).
 */
#include "structure/structure.h"
#include "common/text.h"

#include "common/error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace dgmx::structure
{
namespace
{
double parseDouble(const std::string& field, const std::string& where)
{
    const std::string t = trim(field);
    try
    {
        std::size_t  used = 0;
        const double v    = std::stod(t, &used);
        if (used != t.size() || !std::isfinite(v))
        {
            throw std::invalid_argument(t);
        }
        return v;
    }
    catch (const std::exception&)
    {
        throw Error(where + ": cannot read a number from '" + t + "'");
    }
}

bool isElement(const std::string& symbol)
{
    static const std::set<std::string> c_known = {
        "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si",
        "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni",
        "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Mo", "Ag",
        "Cd", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "Pt", "Au", "Hg", "Pb", "Li"
    };
    return c_known.count(symbol) > 0;
}
} // namespace

GroStructure readGro(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw Error("cannot open structure file '" + path + "'; check the path");
    }
    GroStructure s;
    std::string  line;
    if (!std::getline(in, s.title))
    {
        throw Error(path + ": empty file, expected a .gro title line");
    }
    if (!std::getline(in, line))
    {
        throw Error(path + ": missing the atom count on line 2");
    }
    long n = 0;
    try
    {
        std::size_t used = 0;
        n                = std::stol(trim(line), &used);
        if (used != trim(line).size() || n < 0)
        {
            throw std::invalid_argument(line);
        }
    }
    catch (const std::exception&)
    {
        throw Error(path + ": line 2 must be the number of atoms, got '" + trim(line) + "'");
    }
    // Grown line by line: a wrong count must give "file ends after", not a huge allocation.
    s.atoms.reserve(static_cast<std::size_t>(std::min(n, 1L << 16)));
    for (long i = 0; i < n; ++i)
    {
        const std::string where = path + ":" + std::to_string(i + 3);
        if (!std::getline(in, line))
        {
            throw Error(where + ": file ends after " + std::to_string(i) + " of " + std::to_string(n)
                        + " atoms");
        }
        // Fixed columns: resnr(5) resname(5) atomname(5) atomnr(5), then x y z whose field
        // width follows from the distance between decimal points (GROMACS' own rule).
        if (line.size() < 20 + 3 * 5)
        {
            throw Error(where + ": atom line too short for the .gro fixed-column format");
        }
        auto& a = s.atoms.emplace_back();
        try
        {
            a.residueNumber = std::stoi(line.substr(0, 5));
        }
        catch (const std::exception&)
        {
            throw Error(where + ": residue number unreadable in '" + line.substr(0, 5) + "'");
        }
        a.residueName   = trim(line.substr(5, 5));
        a.atomName      = trim(line.substr(10, 5));
        const auto p1   = line.find('.', 20);
        const auto p2   = p1 == std::string::npos ? p1 : line.find('.', p1 + 1);
        if (p2 == std::string::npos)
        {
            throw Error(where + ": coordinates must have decimal points (.gro format)");
        }
        const std::size_t width = p2 - p1;
        if (line.size() < 20 + 3 * width)
        {
            throw Error(where + ": atom line too short for three coordinates");
        }
        for (int k = 0; k < 3; ++k)
        {
            a.x[k] = parseDouble(line.substr(20 + k * width, width), where);
        }
    }
    if (!std::getline(in, line))
    {
        throw Error(path + ": missing the box line after the atoms");
    }
    std::istringstream  boxLine(line);
    std::vector<double> v;
    std::string         token;
    while (boxLine >> token)
    {
        v.push_back(parseDouble(token, path + ": box line"));
    }
    if (v.size() != 3 && v.size() != 9)
    {
        throw Error(path + ": the box line must have 3 or 9 numbers, got " + std::to_string(v.size()));
    }
    v.resize(9, 0.0);
    // v1(x) v2(y) v3(z) v1(y) v1(z) v2(x) v2(z) v3(x) v3(y)
    s.box = { v[0], v[3], v[4], v[5], v[1], v[6], v[7], v[8], v[2] };
    return s;
}

std::map<std::string, std::vector<int>> readNdx(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw Error("cannot open index file '" + path + "'; check the path");
    }
    std::map<std::string, std::vector<int>> groups;
    std::string                             line, current;
    int                                     lineNo = 0;
    while (std::getline(in, line))
    {
        ++lineNo;
        const std::string t = trim(line);
        if (t.empty())
        {
            continue;
        }
        if (t.front() == '[')
        {
            if (t.back() != ']')
            {
                throw Error(path + ":" + std::to_string(lineNo) + ": group header must be '[ name ]'");
            }
            current = trim(t.substr(1, t.size() - 2));
            groups[current]; // an empty group is still a group
            continue;
        }
        if (current.empty())
        {
            throw Error(path + ":" + std::to_string(lineNo) + ": atom numbers before the first '[ group ]'");
        }
        std::istringstream tokens(t);
        std::string        token;
        while (tokens >> token)
        {
            long        v    = 0;
            std::size_t used = 0;
            try
            {
                v = std::stol(token, &used);
            }
            catch (const std::exception&)
            {
                used = 0;
            }
            if (used != token.size() || v < 1)
            {
                throw Error(path + ":" + std::to_string(lineNo) + ": '" + token
                            + "' is not an atom number (1-based)");
            }
            groups[current].push_back(static_cast<int>(v - 1));
        }
    }
    return groups;
}

std::string guessElement(const std::string& atomName, const std::string& residueName)
{
    std::string name = trim(atomName);
    while (!name.empty() && std::isdigit(static_cast<unsigned char>(name.front())))
    {
        name.erase(name.begin());
    }
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name.front())))
    {
        throw Error("cannot guess the element of atom name '" + atomName
                    + "'; name atoms by element or pass --type-map");
    }
    auto upper = [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
        return s;
    };
    std::string residue = upper(trim(residueName));
    residue.erase(std::remove_if(residue.begin(), residue.end(), [](char c) { return c == '+' || c == '-'; }),
                  residue.end());
    std::string twoLetter;
    if (name.size() >= 2 && std::isalpha(static_cast<unsigned char>(name[1])))
    {
        twoLetter = std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(name[0]))))
                    + static_cast<char>(std::tolower(static_cast<unsigned char>(name[1])));
    }
    std::string bare = upper(name);
    bare.erase(std::remove_if(bare.begin(), bare.end(), [](char c) { return c == '+' || c == '-'; }), bare.end());
    // Single-atom ion residues (NA/NA, CL/CL, CA/CA): the name is the element.
    if (!twoLetter.empty() && isElement(twoLetter) && (bare == residue || (bare.size() == 2 && residue == "ION")))
    {
        return twoLetter;
    }
    // Explicit mixed case (Cl, Na) marks a two-letter element.
    if (!twoLetter.empty() && std::islower(static_cast<unsigned char>(name[1])) && isElement(twoLetter))
    {
        return twoLetter;
    }
    const std::string one(1, static_cast<char>(std::toupper(static_cast<unsigned char>(name[0]))));
    if (isElement(one))
    {
        return one;
    }
    throw Error("cannot guess the element of atom '" + atomName + "' in residue '" + residueName
                + "'; pass --type-map or rename the atom");
}
} // namespace dgmx::structure
