/*! \file
 * \brief Parsing of the plugin configuration (see plugin_config.h).
 */
#include "plugin/plugin_config.h"

#include "common/error.h"
#include "common/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace dgmx::plugin
{
namespace
{
struct Line
{
    std::string origin;
    int         number;
    std::string key, value;

    [[nodiscard]] Error error(const std::string& what) const
    {
        return Error(fmt::format("{}:{}: {} = {}: {}", origin, number, key, value, what));
    }
    [[nodiscard]] int integer(int lo, int hi) const
    {
        int v = 0;
        const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size() || v < lo || v > hi)
        {
            throw error(fmt::format("expected an integer in [{}, {}]", lo, hi));
        }
        return v;
    }
    [[nodiscard]] double real(double lo, double hi) const
    {
        double v = 0;
        const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size() || !(v >= lo && v <= hi))
        {
            throw error(fmt::format("expected a number in [{}, {}]", lo, hi));
        }
        return v;
    }
    [[nodiscard]] std::string existingFile() const
    {
        std::error_code ec; // the throwing overload fails on e.g. a name too long for the system
        if (!std::filesystem::is_regular_file(value, ec))
        {
            throw error(ec && ec != std::errc::no_such_file_or_directory
                                ? "cannot use this path: " + ec.message()
                                : "file not found (relative paths are relative to the directory mdrun runs in)");
        }
        return value;
    }
    [[nodiscard]] std::string choice(std::initializer_list<std::string> options) const
    {
        if (std::find(options.begin(), options.end(), value) != options.end())
        {
            return value;
        }
        throw error("expected one of: " + joined({ options.begin(), options.end() }));
    }
};

using Setter = std::function<void(PluginConfig&, const Line&)>;

const std::map<std::string, Setter>& setters()
{
    static const std::map<std::string, Setter> table = {
        { "model",
          [](PluginConfig& c, const Line& l) {
              c.backend.model = l.value == "reference" ? l.value : l.existingFile();
          } },
        { "types", [](PluginConfig& c, const Line& l) { c.typesFile = l.existingFile(); } },
        { "index", [](PluginConfig& c, const Line& l) { c.indexFile = l.existingFile(); } },
        { "group", [](PluginConfig& c, const Line& l) { c.group = l.value; } },
        { "energy_file", [](PluginConfig& c, const Line& l) { c.energyFile = l.value; } },
        { "energy_interval", [](PluginConfig& c, const Line& l) { c.energyInterval = l.integer(0, 1 << 30); } },
        { "log_file", [](PluginConfig& c, const Line& l) { c.logFile = l.value; } },
        { "mass_tolerance", [](PluginConfig& c, const Line& l) { c.massTolerance = l.real(0, 1e6); } },
        { "decomposition",
          [](PluginConfig& c, const Line& l) {
              c.decomposition.method = l.choice({ "rcb", "slab" }) == "rcb" ? PartitionMethod::Rcb
                                                                             : PartitionMethod::Slab;
          } },
        { "reduction",
          [](PluginConfig& c, const Line& l) {
              c.decomposition.reduction = l.choice({ "allreduce", "sparse" }) == "allreduce"
                                                  ? ForceReduction::Allreduce
                                                  : ForceReduction::SparseExchange;
          } },
        { "skin", [](PluginConfig& c, const Line& l) { c.decomposition.skin = l.real(0, 10); } },
        { "ghost_shell_cutoffs",
          [](PluginConfig& c, const Line& l) { c.decomposition.ghostShellCutoffs = l.real(1, 10); } },
        { "rebalance_interval",
          [](PluginConfig& c, const Line& l) { c.decomposition.rebalanceInterval = l.integer(0, 1 << 30); } },
        { "imbalance_threshold",
          [](PluginConfig& c, const Line& l) { c.decomposition.imbalanceThreshold = l.real(0, 1e6); } },
        { "backend",
          [](PluginConfig& c, const Line& l) { c.backend.backend = l.choice({ "auto", "native", "deepmd" }); } },
        { "deepmd_library", [](PluginConfig& c, const Line& l) { c.backend.deepmdLibrary = l.existingFile(); } },
        { "device",
          [](PluginConfig& c, const Line& l) {
              if (l.value == "auto")
              {
                  c.backend.device = -1;
                  return;
              }
              try
              {
                  c.backend.device = l.integer(0, 1023);
              }
              catch (const Error&)
              {
                  throw l.error("expected `auto` or a GPU index in [0, 1023]");
              }
          } },
        { "omp_threads", [](PluginConfig& c, const Line& l) { c.backend.ompThreads = l.integer(0, 4096); } },
        { "tabulate_embedding",
          [](PluginConfig& c, const Line& l) { c.backend.tabulateEmbedding = l.choice({ "yes", "no" }) == "yes"; } },
        { "intra_op_threads", [](PluginConfig& c, const Line& l) { c.backend.intraOpThreads = l.integer(0, 4096); } },
        { "inter_op_threads", [](PluginConfig& c, const Line& l) { c.backend.interOpThreads = l.integer(0, 4096); } },
    };
    return table;
}

//! The `key = value` of one non-blank line, checked against the keys and earlier lines.
Line parseLine(const std::string& content, const std::string& origin, int number, std::map<std::string, int>& seenAt)
{
    const auto eq = content.find('=');
    if (eq == std::string::npos)
    {
        throw Error(fmt::format("{}:{}: '{}' is not of the form `key = value`", origin, number, content));
    }
    Line line{ origin, number, trim(content.substr(0, eq)), trim(content.substr(eq + 1)) };
    if (setters().find(line.key) == setters().end())
    {
        std::vector<std::string> known;
        for (const auto& [k, s] : setters())
        {
            known.push_back(k);
        }
        throw Error(fmt::format("{}:{}: unknown key '{}'; the keys are: {} (see the README, 'Plugin configuration keys')",
                                origin, number, line.key, joined(known)));
    }
    if (line.value.empty())
    {
        throw line.error("the value is empty");
    }
    if (const auto seen = seenAt.find(line.key); seen != seenAt.end())
    {
        throw line.error(fmt::format("'{}' was already set on line {}; give each key once", line.key, seen->second));
    }
    seenAt[line.key] = number;
    return line;
}

//! What must be set, and what must go together, once every line is read.
void checkComplete(const PluginConfig& config, const std::string& origin)
{
    if (config.backend.model.empty())
    {
        throw Error(origin + ": no `model = ...` line; name a DeePMD-kit model file (or `reference`)");
    }
    if (config.typesFile.empty())
    {
        throw Error(origin + ": no `types = ...` line; write the element of every atom with "
                             "`deepmd-gromacs types -s topol.tpr -o types.dat` and add `types = types.dat`");
    }
    if (config.indexFile.empty() != config.group.empty())
    {
        throw Error(origin + ": `index` and `group` go together: name the index file and the NN group "
                             "in it, or give neither to make every atom an NN atom");
    }
    if (config.energyFile == config.logFile)
    {
        throw Error(origin + ": energy_file and log_file are the same file; give them different names");
    }
}
} // namespace

PluginConfig parsePluginConfig(const std::string& text, const std::string& origin)
{
    PluginConfig               config;
    config.sourcePath          = origin;
    std::istringstream         in(text);
    std::string                raw;
    std::map<std::string, int> seenAt;
    int                        number = 0;
    while (std::getline(in, raw))
    {
        ++number;
        const std::string content = trim(raw.substr(0, raw.find('#')));
        if (!content.empty())
        {
            const Line line = parseLine(content, origin, number, seenAt);
            setters().at(line.key)(config, line);
        }
    }
    checkComplete(config, origin);
    return config;
}

PluginConfig readPluginConfig(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw Error("cannot read the plugin configuration '" + path
                    + "' (the file given to mdrun -plumed); check the path");
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parsePluginConfig(ss.str(), path);
}
} // namespace dgmx::plugin
