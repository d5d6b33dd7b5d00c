/*! \file
 * \brief `deepmd-gromacs types -s topol.tpr -o types.dat`: the atom-types file (element,
 * atomic number, mass of every atom) that the GROMACS plugin reads, from the run input.
 */
#include "cli/command.h"
#include "common/error.h"
#include "structure/atom_types.h"
#include "tpr/tpr_types.h"

#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

namespace dgmx::cli
{
namespace
{
struct Options
{
    std::string tpr = "topol.tpr";
    std::string output;
};

int run(const Options& o)
{
    requireOneProcess("types");
    const auto atoms      = tpr::readTprAtoms(o.tpr);
    const auto assignment = tpr::assignAtomTypes(atoms, o.tpr);
    for (const auto& note : assignment.notes)
    {
        std::fprintf(stderr, "deepmd-gromacs types: note: %s\n", note.c_str());
    }
    for (const auto& warning : assignment.warnings)
    {
        std::fprintf(stderr, "deepmd-gromacs types: warning: %s\n", warning.c_str());
    }
    structure::writeAtomTypes(o.output, assignment.file);
    std::map<int, std::size_t> counts;
    for (const auto& a : assignment.file.atoms)
    {
        ++counts[a.atomicNumber];
    }
    std::string summary;
    for (const auto& [z, n] : counts)
    {
        summary += fmt::format(" {} {}", z == 0 ? "X(virtual site)" : structure::elementOfAtomicNumber(z), n);
    }
    std::printf("%s: %zu atoms from %s;%s\n", o.output.c_str(), assignment.file.atoms.size(),
                o.tpr.c_str(), summary.c_str());
    return 0;
}

const RegisterCommand c_registration{
    "types", [](CLI::App& app) {
        app.description("Write the atom-types file (element, atomic number, mass of every atom, "
                        "by 0-based global index) of a GROMACS run input, for the plugin");
        auto o = std::make_shared<Options>();
        app.add_option("-s,--tpr", o->tpr, "GROMACS run input (.tpr)")->capture_default_str();
        app.add_option("-o,--output", o->output, "atom-types file to write")->required();
        return std::function<int()>([o] { return run(*o); });
    }
};
} // namespace
} // namespace dgmx::cli
