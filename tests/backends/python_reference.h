/*! \file
 * \brief Reference energies, forces and virials from DeePMD-kit's own Python inference
 * (python/deepmd_reference.py, DeepPot.eval), for the tests. Converted to DeePMD-kit units and
 * back here, independently of the backend's conversion. Header only; needs DGMX_SOURCE_DIR and
 * the venv's python3 (scripts/env).
 */
#pragma once

#include "common/error.h"
#include "common/units.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace dgmx::test
{
struct ReferenceFrame
{
    std::vector<double>                  x; //!< nm
    std::vector<int>                     types;
    std::optional<std::array<double, 9>> box; //!< nm, rows are box vectors; none: open
};

struct ReferenceResult
{
    double                energy = 0;   //!< kJ/mol
    std::vector<double>   forces;       //!< kJ/mol/nm; empty where the backend has no derivatives
    std::array<double, 9> virial{};     //!< kJ/mol, GROMACS convention (zero if not computed)
    std::vector<double>   atomEnergies; //!< kJ/mol
};

//! Runs DeePMD-kit's DeepPot.eval on the frames (single-threaded); throws with its log on failure.
inline std::vector<ReferenceResult> runPythonReference(const std::string& model,
                                                       const std::vector<ReferenceFrame>& frames,
                                                       std::vector<std::string>* typeMap = nullptr)
{
    namespace fs = std::filesystem;
    const double   ev = units::c_kJPerMolPerEV;
    nlohmann::json request;
    request["model"] = model;
    for (const auto& f : frames)
    {
        nlohmann::json frame;
        std::vector<double> coords(f.x);
        for (auto& v : coords)
        {
            v *= 10.0;
        }
        frame["coords"] = coords;
        frame["types"]  = f.types;
        frame["cell"]   = nullptr;
        if (f.box)
        {
            std::vector<double> cell(f.box->begin(), f.box->end());
            for (auto& v : cell)
            {
                v *= 10.0;
            }
            frame["cell"] = cell;
        }
        request["frames"].push_back(frame);
    }
    const fs::path dir = fs::temp_directory_path() / ("dgmx_deepmd_ref_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto in = dir / "request.json", out = dir / "result.json";
    std::ofstream(in) << request.dump();
    const std::string cmd = "OMP_NUM_THREADS=1 DP_INTRA_OP_PARALLELISM_THREADS=1 "
                            "DP_INTER_OP_PARALLELISM_THREADS=1 python3 " DGMX_SOURCE_DIR
                            "/python/deepmd_reference.py " + in.string() + " " + out.string()
                            + " > " + (dir / "log.txt").string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0)
    {
        std::ifstream     log(dir / "log.txt");
        std::stringstream text;
        text << log.rdbuf();
        fs::remove_all(dir);
        throw Error("reference script failed: " + cmd + "\n" + text.str());
    }
    nlohmann::json result;
    std::ifstream(out) >> result;
    fs::remove_all(dir);
    if (typeMap)
    {
        *typeMap = result["type_map"].get<std::vector<std::string>>();
    }
    std::vector<ReferenceResult> refs;
    for (const auto& f : result["frames"])
    {
        ReferenceResult r;
        r.energy = f["energy"].get<double>() * ev;
        for (double v : f["forces"])
        {
            r.forces.push_back(v * ev * 10.0);
        }
        // DeePMD-kit: V_kj = sum_i f_i,k x_i,j; GROMACS: Xi_ab = -1/2 sum_i x_i,a f_i,b = -1/2 V_ba.
        const auto v = f["virial"].get<std::vector<double>>();
        for (int a = 0; a < 3 && v.size() == 9; ++a) // empty: backend without derivatives
        {
            for (int b = 0; b < 3; ++b)
            {
                r.virial[3 * a + b] = -0.5 * v[3 * b + a] * ev;
            }
        }
        for (double e : f["atom_energies"])
        {
            r.atomEnergies.push_back(e * ev);
        }
        refs.push_back(r);
    }
    return refs;
}
} // namespace dgmx::test
