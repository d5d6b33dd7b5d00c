/*! \file
 * \brief The plugin's configuration: the file given to `mdrun -plumed FILE`. One `key = value`
 * per line, `#` starts a comment. Every key is documented in the README; unknown keys,
 * missing files and bad values are errors naming the line and the fix.
 */
#pragma once

#include "dd/nn_domain_decomposition.h"

#include <string>

namespace dgmx::plugin
{
struct PluginConfig
{
    std::string model;      //!< DeePMD-kit model file, or "reference" (analytic test potential)
    std::string typesFile;  //!< from `deepmd-gromacs types -s topol.tpr`
    std::string indexFile;  //!< with group: the NN atoms; both empty: every atom is NN
    std::string group;
    std::string energyFile = "deepmd-energy.xvg";
    int         energyInterval = 100; //!< steps between lines of energyFile (0: none)
    std::string logFile = "deepmd-gromacs.log";
    double      massTolerance = 0.01; //!< amu, types file vs the masses GROMACS passes

    DecompositionOptions decomposition;

    std::string backend = "auto"; //!< auto (.dp: native, else deepmd), native or deepmd
    std::string deepmdLibrary;
    int         device = -1; //!< -1: node-local rank modulo visible devices
    int         ompThreads = 0, intraOpThreads = 0, interOpThreads = 0;

    std::string sourcePath; //!< the file this was read from
};

//! Parses the configuration file; throws dgmx::Error naming the file, line and fix.
PluginConfig readPluginConfig(const std::string& path);
//! The same from text (for tests); \p origin names the text in messages.
PluginConfig parsePluginConfig(const std::string& text, const std::string& origin);
} // namespace dgmx::plugin
