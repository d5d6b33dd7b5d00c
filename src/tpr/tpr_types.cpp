/*! \file
 * \brief readTprAtoms through the libgromacs public API (see tpr_types.h). The only file of the
 * project that includes GROMACS headers.
 */
#include "tpr/tpr_types.h"

#include "common/error.h"

#include "gromacs/fileio/tpxio.h"
#include "gromacs/math/vectypes.h"
#include "gromacs/topology/atoms.h"
#include "gromacs/topology/topology.h"
#include "gromacs/topology/topology_enums.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace dgmx::tpr
{
namespace
{
//! A GROMACS real (float) as the double of its shortest decimal text: 1.008f -> 1.008.
double realToDouble(real v)
{
    std::array<char, 64> buf{};
    const auto           r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    double               d = 0;
    std::from_chars(buf.data(), r.ptr, d);
    return d;
}

std::string symbol(char** s)
{
    return (s != nullptr && *s != nullptr) ? std::string(*s) : std::string();
}
} // namespace

std::vector<TopologyAtom> readTprAtoms(const std::string& path)
{
    // libgromacs ends the process (gmx_fatal) on some bad files: check what we can first.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
    {
        throw Error("run input '" + path + "' does not exist or is not a file; make it with `gmx grompp`");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        throw Error("cannot read run input '" + path + "'; check its permissions");
    }
    // A .tpr starts with the XDR string "VERSION ..."; libgromacs crashes on other files.
    std::array<char, 16> start{};
    in.read(start.data(), start.size());
    if (in.gcount() != static_cast<std::streamsize>(start.size())
        || std::string(start.data() + 8, 8) != "VERSION ")
    {
        throw Error("'" + path + "' is not a GROMACS run input (no .tpr header); pass the file "
                    "`gmx grompp -o` wrote");
    }
    if (!fn2bTPX(path))
    {
        throw Error("'" + path + "' is not a .tpr run input (by its extension); pass the file `gmx grompp -o` wrote");
    }
    gmx_mtop_t mtop;
    int        natoms = 0, headerAtoms = 0;
    try
    {
        const TpxFileHeader header = readTpxHeader(path, true);
        if (!header.bTop)
        {
            throw Error("run input '" + path + "' has no topology; make it with `gmx grompp`");
        }
        const auto size = std::filesystem::file_size(path, ec);
        if (ec || header.sizeOfTprBody <= 0 || static_cast<std::uintmax_t>(header.sizeOfTprBody) >= size)
        {
            throw Error("run input '" + path + "' is truncated (" + std::to_string(size)
                        + " bytes, the header announces a " + std::to_string(header.sizeOfTprBody)
                        + "-byte body); rerun `gmx grompp`");
        }
        std::vector<gmx::RVec> x(static_cast<std::size_t>(std::max(header.natoms, 1)));
        matrix                 box;
        read_tpx(path, nullptr, box, &natoms, as_rvec_array(x.data()), nullptr, &mtop);
        headerAtoms = header.natoms;
    }
    catch (const Error&)
    {
        throw;
    }
    catch (const std::exception& e)
    {
        throw Error("GROMACS could not read run input '" + path + "': " + e.what());
    }
    std::vector<TopologyAtom> atoms;
    atoms.reserve(static_cast<std::size_t>(mtop.natoms));
    for (const gmx_molblock_t& block : mtop.molblock)
    {
        const t_atoms& a = mtop.moltype.at(static_cast<std::size_t>(block.type)).atoms;
        for (int mol = 0; mol < block.nmol; ++mol)
        {
            for (int i = 0; i < a.nr; ++i)
            {
                const t_atom& atom = a.atom[i];
                TopologyAtom  t;
                t.name = a.atomname != nullptr ? symbol(a.atomname[i]) : std::string();
                if (a.resinfo != nullptr && atom.resind >= 0 && atom.resind < a.nres)
                {
                    t.residueName   = symbol(a.resinfo[atom.resind].name);
                    t.residueNumber = a.resinfo[atom.resind].nr;
                }
                t.atomicNumber = atom.atomnumber;
                t.element      = std::string(atom.elem, strnlen(atom.elem, sizeof(atom.elem)));
                t.mass         = realToDouble(atom.m);
                t.virtualSite  = atom.ptype == ParticleType::VSite;
                atoms.push_back(std::move(t));
            }
        }
    }
    if (static_cast<int>(atoms.size()) != mtop.natoms || mtop.natoms != headerAtoms)
    {
        throw Error("run input '" + path + "': the molecule blocks hold " + std::to_string(atoms.size())
                    + " atoms, the topology says " + std::to_string(mtop.natoms) + " and the header "
                    + std::to_string(headerAtoms)
                    + "; the file may be damaged, rerun `gmx grompp`");
    }
    return atoms;
}
} // namespace dgmx::tpr
