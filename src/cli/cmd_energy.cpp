/*! \file
 * \brief `deepmd-gromacs energy --nn nn-energy.xvg --gmx energy.xvg -o total.xvg`: GROMACS's
 * energy terms with the plugin's NN energy added (GROMACS does not add it), and the drift and
 * fluctuation of the corrected conserved energy.
 */
#include "cli/command.h"
#include "common/error.h"
#include "energy/energy_combine.h"
#include "energy/xvg.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace dgmx::cli
{
namespace
{
struct Options
{
    std::string nn, gmx, output, json;
    long        atoms = 0;
};

nlohmann::json fitJson(const energy::LinearFit& f, std::optional<long> natoms)
{
    nlohmann::json j = { { "drift_kj_mol_ps", f.slope },
                         { "intercept_kj_mol", f.intercept },
                         { "rms_about_fit_kj_mol", f.rmsAboutFit },
                         { "rms_about_mean_kj_mol", f.rmsAboutMean } };
    if (natoms)
    {
        j["drift_kj_mol_ps_atom"] = f.slope / static_cast<double>(*natoms);
    }
    return j;
}

//! Prints the drift and fluctuation of the conserved energy with and without NN, and adds them
//! to \p summary.
void reportDrift(const energy::CombinedEnergies& combined, std::optional<long> natoms,
                 const std::string& natomsFrom, nlohmann::json& summary)
{
    if (!combined.conserved)
    {
        std::printf("a drift needs at least 2 frames at different times\n");
        return;
    }
    const auto& f = *combined.conserved;
    std::printf("conserved energy + NN: drift %.6g kJ/mol/ps", f.slope);
    if (natoms)
    {
        std::printf(" = %.6g kJ/mol/ps per atom (%ld atoms, from %s)", f.slope / static_cast<double>(*natoms),
                    *natoms, natomsFrom.c_str());
    }
    else
    {
        std::printf(" (per atom: pass --atoms N)");
    }
    std::printf("; fluctuation (RMS about the linear fit) %.6g kJ/mol, RMS about the mean %.6g kJ/mol\n",
                f.rmsAboutFit, f.rmsAboutMean);
    const auto& g = *combined.conservedGromacs;
    std::printf("GROMACS conserved energy alone (without NN): drift %.6g kJ/mol/ps, RMS about the fit %.6g kJ/mol\n",
                g.slope, g.rmsAboutFit);
    summary["conserved_plus_nn"] = fitJson(f, natoms);
    summary["conserved_gromacs"] = fitJson(g, natoms);
}

int run(const Options& o)
{
    requireOneProcess("energy");
    const auto nn       = energy::readXvg(o.nn);
    const auto gmx      = energy::readXvg(o.gmx);
    const auto combined = energy::combineEnergies(nn, gmx, o.nn, o.gmx);
    energy::writeXvg(o.output, combined.table);

    std::optional<long> natoms;
    std::string         natomsFrom;
    if (o.atoms > 0)
    {
        natoms     = o.atoms;
        natomsFrom = "--atoms";
    }
    else if (combined.natomsFromHeader)
    {
        natoms     = combined.natomsFromHeader;
        natomsFrom = "'# natoms' of " + o.nn;
    }
    const auto& rows = combined.table.rows;
    std::printf("%s: %zu frames (times %g .. %g ps) matched of %zu NN and %zu GROMACS rows\n",
                o.output.c_str(), combined.frames(), rows.front()[0], rows.back()[0],
                combined.nnFrames, combined.gmxFrames);
    nlohmann::json summary = { { "frames", combined.frames() },
                               { "nn_rows", combined.nnFrames },
                               { "gmx_rows", combined.gmxFrames },
                               { "t_begin_ps", rows.front()[0] },
                               { "t_end_ps", rows.back()[0] },
                               { "natoms", natoms ? nlohmann::json(*natoms) : nlohmann::json() } };
    summary["conserved_is_total"] = combined.conservedIsTotal;
    if (combined.conservedIsTotal)
    {
        std::printf("no \"Conserved En.\" in %s (NVE without coupling): the conserved energy is the total energy\n",
                    o.gmx.c_str());
    }
    reportDrift(combined, natoms, natomsFrom, summary);
    if (!o.json.empty())
    {
        std::ofstream j(o.json);
        if (!(j << summary.dump(2) << "\n"))
        {
            throw Error("cannot write the summary '" + o.json + "'; check the path");
        }
    }
    return 0;
}

const RegisterCommand c_registration{
    "energy", [](CLI::App& app) {
        app.description("Add the plugin's NN energy to GROMACS's energy terms (gmx energy .xvg) by "
                        "time; print the drift and fluctuation of the corrected conserved energy");
        auto o = std::make_shared<Options>();
        app.add_option("--nn", o->nn, "NN energy .xvg written by the plugin (time, E_NN kJ/mol)")
                ->required();
        app.add_option("--gmx", o->gmx,
                       "`gmx energy -o` .xvg with Potential, Kinetic En., Total Energy, Conserved En.")
                ->required();
        app.add_option("-o,--output", o->output, "combined .xvg to write")->required();
        app.add_option("--atoms", o->atoms,
                       "atom count for the drift per atom (default: '# natoms N' of the NN .xvg)")
                ->check(CLI::PositiveNumber);
        app.add_option("--json", o->json, "also write the summary as JSON");
        return std::function<int()>([o] { return run(*o); });
    }
};
} // namespace
} // namespace dgmx::cli
