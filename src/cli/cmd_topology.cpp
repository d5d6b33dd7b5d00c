/*! \file
 * \brief `deepmd-gromacs topology`: a GROMACS topology rewritten for an NN region (all atoms,
 * or one molecule mechanically embedded in a classical environment); see src/topology/.
 *
 * Input is either a topology with #include lines plus its structure (and optionally the mdp,
 * whose `define =` matters), which are preprocessed by running `gmx grompp -pp`, or an already
 * preprocessed, self-contained .top. The output is self-contained (no #include).
 */
#include "cli/command.h"
#include "common/error.h"
#include "structure/nn_selection.h"
#include "topology/grompp.h"
#include "topology/topology.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>
#include <sstream>

namespace dgmx::cli
{
namespace
{
struct Options
{
    std::string topology, structure, mdp, index, group, output, gmx = "gmx", keepPreprocessed;
};

std::string readText(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw Error("cannot open topology '" + path + "'; check the path");
    }
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

//! The topology to rewrite, preprocessed by gmx grompp -pp when a structure is given, and
//! the name its messages should use.
std::pair<std::string, std::string> topologyText(const Options& o)
{
    namespace fs = std::filesystem;
    const std::string text = readText(o.topology);
    if (o.structure.empty())
    {
        if (topology::needsPreprocessing(text))
        {
            throw Error(o.topology + " has preprocessor lines (#include, #define, #ifdef ...): give the structure "
                                     "with -c conf.gro (and the mdp with -f if its `define =` matters) so that "
                                     "`gmx grompp -pp` resolves them, or pass a topology written by gmx grompp -pp");
        }
        return { text, o.topology };
    }
    const fs::path work = fs::temp_directory_path() / ("deepmd-gromacs-topology-" + std::to_string(::getpid()));
    topology::PreprocessRequest request;
    request.gmx       = o.gmx;
    request.topology  = o.topology;
    request.structure = o.structure;
    request.mdp       = o.mdp;
    request.workDir   = work.string();
    const auto pp     = topology::preprocessWithGrompp(request);
    if (pp.exitCode != 0)
    {
        std::fprintf(stderr,
                     "note: gmx grompp failed after preprocessing (not a topology problem; the final "
                     "grompp run will report it again):\n%s\n",
                     pp.failure.c_str());
    }
    std::pair<std::string, std::string> result{ readText(pp.preprocessed),
                                                o.topology + " (preprocessed by gmx grompp -pp)" };
    if (!o.keepPreprocessed.empty())
    {
        fs::copy_file(pp.preprocessed, o.keepPreprocessed, fs::copy_options::overwrite_existing);
        result.second = o.keepPreprocessed;
    }
    fs::remove_all(work);
    return result;
}

int runTopology(const Options& o)
{
    const auto [text, parsedPath] = topologyText(o);
    const auto input = topology::parseTopology(text, parsedPath);

    std::optional<std::vector<int>> nn;
    if (!o.index.empty())
    {
        structure::NNGroupChoice group;
        group.indexFile = o.index;
        group.group     = o.group;
        nn = structure::selectNNAtoms(group, static_cast<int>(topology::atomCount(input)), o.topology);
    }
    const auto result = topology::makeNnTopology(input, nn);
    std::ofstream out(o.output);
    if (!out)
    {
        throw Error("cannot write '" + o.output + "'; check the directory");
    }
    out << "; written by deepmd-gromacs topology from " << o.topology
        << (nn ? " (NN group '" + o.group + "' of " + o.index + ")" : std::string(" (all atoms NN)")) << "\n";
    out << topology::writeTopology(result.topology);
    out.close();
    if (!out)
    {
        throw Error("writing '" + o.output + "' failed (disk full?)");
    }
    std::printf("%s", topology::formatReport(result.report).c_str());
    std::printf("wrote %s\n", o.output.c_str());
    return 0;
}

const RegisterCommand c_registration{
    "topology", [](CLI::App& app) {
        app.description(
                "Rewrite a GROMACS topology for an NN region: all atoms NN (no classical terms left), or "
                "one molecule NN in a classical environment (its bonded terms removed, all its pairs "
                "excluded, charges and LJ kept). Run as a single process.");
        auto o = std::make_shared<Options>();
        app.add_option("-p,--topology", o->topology,
                       "topology (.top); with #include lines it needs -c so gmx grompp -pp can resolve them")
                ->required();
        app.add_option("-c,--structure", o->structure,
                       "structure (.gro/.pdb): preprocess the topology with gmx grompp -pp");
        app.add_option("-f,--mdp", o->mdp, "mdp for preprocessing (its `define =`); default: a minimal one");
        auto* index = app.add_option("-n,--index", o->index, "index file (.ndx) with the NN group; default: all atoms NN");
        app.add_option("-g,--group", o->group, "NN group in the index file")->needs(index);
        index->needs(app.get_option("--group"));
        app.add_option("-o,--output", o->output, "output topology, self-contained")->required();
        app.add_option("--gmx", o->gmx, "GROMACS executable for preprocessing")->capture_default_str();
        app.add_option("--keep-preprocessed", o->keepPreprocessed,
                       "also write grompp's preprocessed topology here (error messages then name its lines)");
        return std::function<int()>([o] { return runTopology(*o); });
    }
};
} // namespace
} // namespace dgmx::cli
