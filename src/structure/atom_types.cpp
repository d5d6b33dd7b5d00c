/*! \file
 * \brief Atom-types file reader/writer and the periodic table (see atom_types.h).
 */
#include "structure/atom_types.h"
#include "common/text.h"

#include "common/error.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace dgmx::structure
{
namespace
{
constexpr const char* c_versionLine = "# deepmd-gromacs atom types v1";

struct ElementData
{
    const char* symbol;
    double      mass; //!< 0: no standard atomic weight
};

// IUPAC standard atomic weights (conventional values for elements given as intervals: H, Li,
// B, C, N, O, Mg, Si, S, Cl, Br, Tl), index = atomic number - 1.
constexpr std::array<ElementData, 118> c_elements = { {
    { "H", 1.008 },        { "He", 4.002602 },    { "Li", 6.94 },        { "Be", 9.0121831 },
    { "B", 10.81 },        { "C", 12.011 },       { "N", 14.007 },       { "O", 15.999 },
    { "F", 18.998403163 }, { "Ne", 20.1797 },     { "Na", 22.98976928 }, { "Mg", 24.305 },
    { "Al", 26.9815384 },  { "Si", 28.085 },      { "P", 30.973761998 }, { "S", 32.06 },
    { "Cl", 35.45 },       { "Ar", 39.948 },      { "K", 39.0983 },      { "Ca", 40.078 },
    { "Sc", 44.955908 },   { "Ti", 47.867 },      { "V", 50.9415 },      { "Cr", 51.9961 },
    { "Mn", 54.938043 },   { "Fe", 55.845 },      { "Co", 58.933194 },   { "Ni", 58.6934 },
    { "Cu", 63.546 },      { "Zn", 65.38 },       { "Ga", 69.723 },      { "Ge", 72.630 },
    { "As", 74.921595 },   { "Se", 78.971 },      { "Br", 79.904 },      { "Kr", 83.798 },
    { "Rb", 85.4678 },     { "Sr", 87.62 },       { "Y", 88.90584 },     { "Zr", 91.224 },
    { "Nb", 92.90637 },    { "Mo", 95.95 },       { "Tc", 0 },           { "Ru", 101.07 },
    { "Rh", 102.90549 },   { "Pd", 106.42 },      { "Ag", 107.8682 },    { "Cd", 112.414 },
    { "In", 114.818 },     { "Sn", 118.710 },     { "Sb", 121.760 },     { "Te", 127.60 },
    { "I", 126.90447 },    { "Xe", 131.293 },     { "Cs", 132.90545196 }, { "Ba", 137.327 },
    { "La", 138.90547 },   { "Ce", 140.116 },     { "Pr", 140.90766 },   { "Nd", 144.242 },
    { "Pm", 0 },           { "Sm", 150.36 },      { "Eu", 151.964 },     { "Gd", 157.25 },
    { "Tb", 158.925354 },  { "Dy", 162.500 },     { "Ho", 164.930328 },  { "Er", 167.259 },
    { "Tm", 168.934218 },  { "Yb", 173.045 },     { "Lu", 174.9668 },    { "Hf", 178.49 },
    { "Ta", 180.94788 },   { "W", 183.84 },       { "Re", 186.207 },     { "Os", 190.23 },
    { "Ir", 192.217 },     { "Pt", 195.084 },     { "Au", 196.966570 },  { "Hg", 200.592 },
    { "Tl", 204.38 },      { "Pb", 207.2 },       { "Bi", 208.98040 },   { "Po", 0 },
    { "At", 0 },           { "Rn", 0 },           { "Fr", 0 },           { "Ra", 0 },
    { "Ac", 0 },           { "Th", 232.0377 },    { "Pa", 231.03588 },   { "U", 238.02891 },
    { "Np", 0 },           { "Pu", 0 },           { "Am", 0 },           { "Cm", 0 },
    { "Bk", 0 },           { "Cf", 0 },           { "Es", 0 },           { "Fm", 0 },
    { "Md", 0 },           { "No", 0 },           { "Lr", 0 },           { "Rf", 0 },
    { "Db", 0 },           { "Sg", 0 },           { "Bh", 0 },           { "Hs", 0 },
    { "Mt", 0 },           { "Ds", 0 },           { "Rg", 0 },           { "Cn", 0 },
    { "Nh", 0 },           { "Fl", 0 },           { "Mc", 0 },           { "Lv", 0 },
    { "Ts", 0 },           { "Og", 0 },
} };

constexpr const char* c_virtualSite = "X";

//! Shortest text that reads back as the same double.
std::string formatDouble(double v)
{
    std::array<char, 64> buf{};
    const auto           r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), r.ptr);
}

bool parseLong(const std::string& token, long& value)
{
    const char* end = token.data() + token.size();
    const auto  r   = std::from_chars(token.data(), end, value);
    return r.ec == std::errc() && r.ptr == end;
}

bool parseDouble(const std::string& token, double& value)
{
    const char* end = token.data() + token.size();
    const auto  r   = std::from_chars(token.data(), end, value);
    return r.ec == std::errc() && r.ptr == end && std::isfinite(value);
}

//! Empty when the record is consistent, else what is wrong with it.
std::string recordProblem(const AtomTypeRecord& a)
{
    if (!std::isfinite(a.mass) || a.mass < 0)
    {
        return "mass " + formatDouble(a.mass) + " must be a finite number >= 0";
    }
    if (a.atomicNumber == 0)
    {
        if (a.element != c_virtualSite || a.mass != 0)
        {
            return "atomic number 0 is only for a massless virtual site written 'X 0 0'";
        }
        return {};
    }
    const std::string expected = elementOfAtomicNumber(a.atomicNumber);
    if (expected.empty())
    {
        return "atomic number " + std::to_string(a.atomicNumber) + " is outside 1..118";
    }
    if (a.element != expected)
    {
        return "element '" + a.element + "' does not match atomic number "
               + std::to_string(a.atomicNumber) + " (" + expected + ")";
    }
    return {};
}
} // namespace

std::string elementOfAtomicNumber(int z)
{
    if (z < 1 || z > static_cast<int>(c_elements.size()))
    {
        return {};
    }
    return c_elements[static_cast<std::size_t>(z - 1)].symbol;
}

int atomicNumberOfElement(const std::string& symbol)
{
    const std::string s = trim(symbol);
    if (s.empty() || s.size() > 2)
    {
        return 0;
    }
    for (std::size_t i = 0; i < c_elements.size(); ++i)
    {
        const std::string e = c_elements[i].symbol;
        if (e.size() != s.size())
        {
            continue;
        }
        bool same = true;
        for (std::size_t k = 0; k < e.size(); ++k)
        {
            same = same
                   && std::tolower(static_cast<unsigned char>(e[k]))
                              == std::tolower(static_cast<unsigned char>(s[k]));
        }
        if (same)
        {
            return static_cast<int>(i + 1);
        }
    }
    return 0;
}

double standardAtomicMass(int z)
{
    if (z < 1 || z > static_cast<int>(c_elements.size()))
    {
        return 0;
    }
    return c_elements[static_cast<std::size_t>(z - 1)].mass;
}

AtomTypesFile readAtomTypes(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw Error("cannot open atom-types file '" + path
                    + "'; check the path or make it with `deepmd-gromacs types -s topol.tpr -o "
                    + path + "`");
    }
    const std::string remake = "; remake it with `deepmd-gromacs types -s topol.tpr -o " + path + "`";
    AtomTypesFile     file;
    std::string       line;
    int               lineNo = 0;
    if (!std::getline(in, line) || trim(line) != c_versionLine)
    {
        throw Error(path + ":1: not a deepmd-gromacs atom-types file (the first line must be '"
                    + c_versionLine + "')" + remake);
    }
    ++lineNo;
    long natoms = -1;
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
            const std::string body = trim(t.substr(1));
            if (body.rfind("source:", 0) == 0)
            {
                file.source = trim(body.substr(7));
            }
            else if (body.rfind("natoms", 0) == 0 && (body.size() == 6 || std::isspace(static_cast<unsigned char>(body[6]))))
            {
                if (natoms >= 0)
                {
                    throw Error(where + ": a second '# natoms' line" + remake);
                }
                if (!file.atoms.empty())
                {
                    throw Error(where + ": '# natoms N' must come before the first atom line" + remake);
                }
                if (!parseLong(trim(body.substr(6)), natoms) || natoms < 0)
                {
                    throw Error(where + ": '# natoms N' needs a count >= 0, got '" + t + "'" + remake);
                }
                file.atoms.reserve(static_cast<std::size_t>(natoms));
            }
            continue;
        }
        if (natoms < 0)
        {
            throw Error(where + ": atom line before the '# natoms N' header" + remake);
        }
        std::istringstream fields(t);
        std::string        indexText, element, zText, massText, extra;
        if (!(fields >> indexText >> element >> zText >> massText) || (fields >> extra))
        {
            throw Error(where + ": expected 4 columns 'index element atomic_number mass', got '" + t
                        + "'" + remake);
        }
        long   index = 0, z = 0;
        double mass  = 0;
        if (!parseLong(indexText, index))
        {
            throw Error(where + ": index '" + indexText + "' is not an integer" + remake);
        }
        if (index != static_cast<long>(file.atoms.size()))
        {
            throw Error(where + ": atom index " + indexText + " out of order, expected "
                        + std::to_string(file.atoms.size()) + " (indices are 0-based and consecutive)"
                        + remake);
        }
        if (static_cast<long>(file.atoms.size()) >= natoms)
        {
            throw Error(where + ": more atom lines than '# natoms " + std::to_string(natoms) + "'"
                        + remake);
        }
        if (!parseLong(zText, z) || z < 0 || z > 118)
        {
            throw Error(where + ": atomic number '" + zText + "' must be an integer 0..118" + remake);
        }
        if (!parseDouble(massText, mass))
        {
            throw Error(where + ": mass '" + massText + "' is not a number" + remake);
        }
        AtomTypeRecord a;
        a.atomicNumber = static_cast<int>(z);
        a.element      = element;
        a.mass         = mass;
        if (const std::string problem = recordProblem(a); !problem.empty())
        {
            throw Error(where + ": " + problem + remake);
        }
        file.atoms.push_back(std::move(a));
    }
    if (natoms < 0)
    {
        throw Error(path + ": no '# natoms N' header line" + remake);
    }
    if (static_cast<long>(file.atoms.size()) != natoms)
    {
        throw Error(path + ": file ends after " + std::to_string(file.atoms.size()) + " of "
                    + std::to_string(natoms) + " atoms (truncated?)" + remake);
    }
    return file;
}

void writeAtomTypes(const std::string& path, const AtomTypesFile& file)
{
    std::string source = file.source;
    for (char& c : source)
    {
        if (c == '\n' || c == '\r')
        {
            c = ' ';
        }
    }
    std::ostringstream out;
    out << c_versionLine << '\n'
        << "# source: " << source << '\n'
        << "# natoms " << file.atoms.size() << '\n'
        << "# index element atomic_number mass(amu)\n";
    for (std::size_t i = 0; i < file.atoms.size(); ++i)
    {
        const auto& a = file.atoms[i];
        if (const std::string problem = recordProblem(a); !problem.empty())
        {
            throw Error("cannot write atom " + std::to_string(i) + " to '" + path + "': " + problem);
        }
        out << i << ' ' << a.element << ' ' << a.atomicNumber << ' ' << formatDouble(a.mass) << '\n';
    }
    std::ofstream f(path, std::ios::trunc);
    if (!f)
    {
        throw Error("cannot write atom-types file '" + path
                    + "'; check that the directory exists and is writable");
    }
    f << out.str();
    f.flush();
    if (!f)
    {
        throw Error("writing atom-types file '" + path + "' failed (disk full?)");
    }
}
} // namespace dgmx::structure
