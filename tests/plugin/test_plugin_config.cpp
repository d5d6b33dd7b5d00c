/*! \file
 * \brief The plugin configuration (the file given to mdrun -plumed): every key and value form
 * lands in PluginConfig; every kind of bad input is refused with a message naming origin:line,
 * the key and the fix. Files the configuration must name exist (temporary ones here).
 */
#include "common/error.h"
#include "plugin/plugin_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dgmx::plugin
{
namespace
{
namespace fs = std::filesystem;

//! A temporary directory with a few regular files that configurations may name.
class PluginConfigTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        std::string pattern = (fs::temp_directory_path() / "dgmx-config-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_   = pattern;
        model_ = touch("model.pth");
        types_ = touch("types.dat");
        index_ = touch("index.ndx");
        lib_   = touch("libdeepmd_c.so");
    }
    void TearDown() override
    {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string touch(const std::string& name) const
    {
        const fs::path p = dir_ / name;
        std::ofstream(p) << "x\n";
        return p.string();
    }
    //! The two required lines.
    [[nodiscard]] std::string minimal() const { return "model = reference\ntypes = " + types_ + "\n"; }

    //! Parses \p text as "test.dat"; expects dgmx::Error and returns its message.
    static std::string errorOf(const std::string& text)
    {
        try
        {
            (void)parsePluginConfig(text, "test.dat");
        }
        catch (const Error& e)
        {
            return e.what();
        }
        catch (const std::exception& e)
        {
            ADD_FAILURE() << "not a dgmx::Error: " << e.what();
            return {};
        }
        ADD_FAILURE() << "accepted:\n" << text;
        return {};
    }

    fs::path    dir_;
    std::string model_, types_, index_, lib_;
};

TEST_F(PluginConfigTest, MinimalConfigurationHasTheDocumentedDefaults)
{
    const PluginConfig c = parsePluginConfig(minimal(), "deepmd.dat");
    EXPECT_EQ(c.backend.model, "reference");
    EXPECT_EQ(c.typesFile, types_);
    EXPECT_EQ(c.indexFile, "");
    EXPECT_EQ(c.group, "");
    EXPECT_EQ(c.energyFile, "deepmd-energy.xvg");
    EXPECT_EQ(c.energyInterval, 100);
    EXPECT_EQ(c.logFile, "deepmd-gromacs.log");
    EXPECT_DOUBLE_EQ(c.massTolerance, 0.01);
    EXPECT_EQ(c.decomposition.method, PartitionMethod::Rcb);
    EXPECT_EQ(c.decomposition.reduction, ForceReduction::Allreduce);
    EXPECT_DOUBLE_EQ(c.decomposition.skin, 0.1);
    EXPECT_DOUBLE_EQ(c.decomposition.ghostShellCutoffs, 1.0);
    EXPECT_EQ(c.decomposition.rebalanceInterval, 100);
    EXPECT_DOUBLE_EQ(c.decomposition.imbalanceThreshold, 0.05);
    EXPECT_EQ(c.backend.backend, "auto");
    EXPECT_EQ(c.backend.deepmdLibrary, "");
    EXPECT_EQ(c.backend.device, -1);
    EXPECT_EQ(c.backend.ompThreads, 0);
    EXPECT_EQ(c.backend.intraOpThreads, 0);
    EXPECT_EQ(c.backend.interOpThreads, 0);
    EXPECT_EQ(c.sourcePath, "deepmd.dat");
}

TEST_F(PluginConfigTest, EveryKeyLandsInTheStruct)
{
    const std::string text = "# deepmd-gromacs plugin configuration\n"
                             "\n"
                             "   model   =   " + model_ + "   # the network\n"
                             "types=" + types_ + "\n"
                             "\tindex = " + index_ + "\t\n"
                             "group = NN_region\r\n"
                             "energy_file = out/nn-energy.xvg\n"
                             "energy_interval = 7\n"
                             "log_file = out/plugin.log\n"
                             "mass_tolerance = 0.25\n"
                             "   # a comment line with = in it\n"
                             "decomposition = slab\n"
                             "reduction = sparse\n"
                             "skin = 0.05\n"
                             "ghost_shell_cutoffs = 2\n"
                             "rebalance_interval = 0\n"
                             "imbalance_threshold = 1.5e-1\n"
                             "backend = native\n"
                             "deepmd_library = " + lib_ + "\n"
                             "device = 3\n"
                             "omp_threads = 4\n"
                             "intra_op_threads = 2\n"
                             "inter_op_threads = 1\n"
                             "tabulate_embedding = yes\n"
                             "\n";
    const PluginConfig c = parsePluginConfig(text, "deepmd.dat");
    EXPECT_EQ(c.backend.model, model_);
    EXPECT_EQ(c.typesFile, types_);
    EXPECT_EQ(c.indexFile, index_);
    EXPECT_EQ(c.group, "NN_region");
    EXPECT_EQ(c.energyFile, "out/nn-energy.xvg");
    EXPECT_EQ(c.energyInterval, 7);
    EXPECT_EQ(c.logFile, "out/plugin.log");
    EXPECT_DOUBLE_EQ(c.massTolerance, 0.25);
    EXPECT_EQ(c.decomposition.method, PartitionMethod::Slab);
    EXPECT_EQ(c.decomposition.reduction, ForceReduction::SparseExchange);
    EXPECT_DOUBLE_EQ(c.decomposition.skin, 0.05);
    EXPECT_DOUBLE_EQ(c.decomposition.ghostShellCutoffs, 2.0);
    EXPECT_EQ(c.decomposition.rebalanceInterval, 0);
    EXPECT_DOUBLE_EQ(c.decomposition.imbalanceThreshold, 0.15);
    EXPECT_EQ(c.backend.backend, "native");
    EXPECT_EQ(c.backend.deepmdLibrary, lib_);
    EXPECT_EQ(c.backend.device, 3);
    EXPECT_EQ(c.backend.ompThreads, 4);
    EXPECT_EQ(c.backend.intraOpThreads, 2);
    EXPECT_EQ(c.backend.interOpThreads, 1);
    EXPECT_TRUE(c.backend.tabulateEmbedding);
}

TEST_F(PluginConfigTest, OtherValueFormsOfChoicesAndNumbers)
{
    {
        const PluginConfig c = parsePluginConfig(minimal() + "decomposition = rcb\nreduction = allreduce\n"
                                                             "device = auto\nenergy_interval = 0\n",
                                                 "a.dat");
        EXPECT_EQ(c.decomposition.method, PartitionMethod::Rcb);
        EXPECT_EQ(c.decomposition.reduction, ForceReduction::Allreduce);
        EXPECT_EQ(c.backend.device, -1);
        EXPECT_EQ(c.energyInterval, 0);
    }
    {
        // Range ends are inclusive.
        const PluginConfig c = parsePluginConfig(
                minimal() + "device = 0\nskin = 0\nghost_shell_cutoffs = 1\nmass_tolerance = 0\n"
                            "omp_threads = 4096\nintra_op_threads = 0\ninter_op_threads = 4096\n"
                            "imbalance_threshold = 0\n",
                "b.dat");
        EXPECT_EQ(c.backend.device, 0);
        EXPECT_DOUBLE_EQ(c.decomposition.skin, 0.0);
        EXPECT_DOUBLE_EQ(c.decomposition.ghostShellCutoffs, 1.0);
        EXPECT_DOUBLE_EQ(c.massTolerance, 0.0);
        EXPECT_EQ(c.backend.ompThreads, 4096);
        EXPECT_EQ(c.backend.interOpThreads, 4096);
        EXPECT_DOUBLE_EQ(c.decomposition.imbalanceThreshold, 0.0);
    }
    {
        const PluginConfig c = parsePluginConfig(minimal() + "skin = 10\nghost_shell_cutoffs = 10\n"
                                                             "device = 1023\n",
                                                 "c.dat");
        EXPECT_DOUBLE_EQ(c.decomposition.skin, 10.0);
        EXPECT_DOUBLE_EQ(c.decomposition.ghostShellCutoffs, 10.0);
        EXPECT_EQ(c.backend.device, 1023);
    }
    {
        // Only the first '=' separates; an index group may be named with spaces around.
        const PluginConfig c = parsePluginConfig(minimal() + "index = " + index_ + "\ngroup =  Protein_NN  \n", "d.dat");
        EXPECT_EQ(c.group, "Protein_NN");
    }
}

TEST_F(PluginConfigTest, ReadsFromAFileAndNamesIt)
{
    const std::string path = (dir_ / "deepmd.dat").string();
    std::ofstream(path) << minimal() << "energy_interval = 5\n";
    const PluginConfig c = readPluginConfig(path);
    EXPECT_EQ(c.sourcePath, path);
    EXPECT_EQ(c.energyInterval, 5);

    std::ofstream(path) << minimal() << "energy_interval = five\n";
    try
    {
        (void)readPluginConfig(path);
        ADD_FAILURE() << "accepted energy_interval = five";
    }
    catch (const Error& e)
    {
        EXPECT_NE(std::string(e.what()).find(path + ":3:"), std::string::npos) << e.what();
    }

    const std::string missing = (dir_ / "no-such.dat").string();
    try
    {
        (void)readPluginConfig(missing);
        ADD_FAILURE() << "read a missing file";
    }
    catch (const Error& e)
    {
        const std::string m = e.what();
        EXPECT_NE(m.find(missing), std::string::npos) << m;
        EXPECT_NE(m.find("mdrun -plumed"), std::string::npos) << m;
        EXPECT_NE(m.find("check the path"), std::string::npos) << m;
    }
}

//! "origin:line:" and every given fragment appear in the message.
void expectMessage(const std::string& message, int line, const std::vector<std::string>& fragments)
{
    const std::string where = "test.dat:" + std::to_string(line) + ":";
    EXPECT_EQ(message.rfind(where, 0), 0u) << "expected to start with " << where << ": " << message;
    for (const auto& f : fragments)
    {
        EXPECT_NE(message.find(f), std::string::npos) << "'" << f << "' not in: " << message;
    }
}

TEST_F(PluginConfigTest, UnknownKeyListsTheKnownOnes)
{
    const std::string m = errorOf(minimal() + "\nmodle = x\n");
    expectMessage(m, 4, { "unknown key 'modle'", "model", "energy_interval", "inter_op_threads", "README" });
    // Keys are case-sensitive.
    expectMessage(errorOf("Model = reference\n"), 1, { "unknown key 'Model'" });
}

TEST_F(PluginConfigTest, LineWithoutEqualsSign)
{
    expectMessage(errorOf(minimal() + "energy_interval 10\n"), 3, { "energy_interval 10", "key = value" });
}

TEST_F(PluginConfigTest, DuplicateKeyNamesBothLines)
{
    const std::string m = errorOf("model = reference\n# x\ntypes = " + types_ + "\nmodel = reference\n");
    expectMessage(m, 4, { "model", "already set on line 1", "give each key once" });
}

TEST_F(PluginConfigTest, EmptyValue)
{
    expectMessage(errorOf(minimal() + "log_file =\n"), 3, { "log_file", "the value is empty" });
    expectMessage(errorOf(minimal() + "energy_file =    # nothing\n"), 3, { "energy_file", "empty" });
}

TEST_F(PluginConfigTest, BadNumbers)
{
    struct Bad
    {
        const char* line;
        const char* range;
    };
    const Bad cases[] = {
        { "energy_interval = -1", "[0, 1073741824]" },
        { "energy_interval = 1.5", "[0, 1073741824]" },
        { "energy_interval = 10x", "[0, 1073741824]" },
        { "energy_interval = 99999999999", "[0, 1073741824]" },
        { "rebalance_interval = ten", "[0, 1073741824]" },
        { "mass_tolerance = -0.5", "[0, 1000000]" },
        { "mass_tolerance = nan", "[0, 1000000]" },
        { "mass_tolerance = inf", "[0, 1000000]" },
        { "skin = 10.5", "[0, 10]" },
        { "skin = 0.1nm", "[0, 10]" },
        { "ghost_shell_cutoffs = 0.5", "[1, 10]" },
        { "imbalance_threshold = abc", "[0, 1000000]" },
        { "device = 1024", "[0, 1023]" },
        { "device = -1", "[0, 1023]" },
        { "device = gpu", "[0, 1023]" },
        { "omp_threads = 4097", "[0, 4096]" },
        { "intra_op_threads = -2", "[0, 4096]" },
        { "inter_op_threads = 1 2", "[0, 4096]" },
    };
    for (const Bad& b : cases)
    {
        const std::string line = b.line;
        const std::string m    = errorOf(minimal() + line + "\n");
        SCOPED_TRACE(line);
        // device also accepts `auto`, and says so.
        expectMessage(m, 3, { line, line.rfind("device", 0) == 0 ? "expected `auto` or a GPU index" : "expected a",
                              b.range });
    }
}

TEST_F(PluginConfigTest, BadChoices)
{
    expectMessage(errorOf(minimal() + "decomposition = RCB\n"), 3,
                  { "decomposition = RCB", "expected one of: rcb, slab" });
    expectMessage(errorOf(minimal() + "reduction = alltoall\n"), 3,
                  { "reduction = alltoall", "expected one of: allreduce, sparse" });
    expectMessage(errorOf(minimal() + "backend = torch\n"), 3,
                  { "backend = torch", "expected one of: auto, native, deepmd" });
}

TEST_F(PluginConfigTest, MissingFiles)
{
    const std::string missing = (dir_ / "missing.file").string();
    for (const char* name : { "model", "types", "index", "deepmd_library" })
    {
        const std::string key = name;
        SCOPED_TRACE(key);
        std::string text = key == "model"   ? "types = " + types_ + "\nmodel = " + missing + "\n"
                           : key == "types" ? "model = reference\ntypes = " + missing + "\n"
                                            : minimal() + key + " = " + missing + "\n";
        expectMessage(errorOf(text), key == "model" || key == "types" ? 2 : 3,
                      { key + " = " + missing, "file not found", "relative to the directory mdrun runs in" });
    }
    // A directory is not a file.
    expectMessage(errorOf(minimal() + "deepmd_library = " + dir_.string() + "\n"), 3, { "file not found" });
}

TEST_F(PluginConfigTest, MissingModelOrTypes)
{
    const std::string noModel = errorOf("types = " + types_ + "\n");
    EXPECT_EQ(noModel.rfind("test.dat: ", 0), 0u) << noModel;
    EXPECT_NE(noModel.find("no `model = ...` line"), std::string::npos) << noModel;
    EXPECT_NE(noModel.find("reference"), std::string::npos) << noModel;

    const std::string noTypes = errorOf("model = reference\n");
    EXPECT_EQ(noTypes.rfind("test.dat: ", 0), 0u) << noTypes;
    EXPECT_NE(noTypes.find("no `types = ...` line"), std::string::npos) << noTypes;
    EXPECT_NE(noTypes.find("deepmd-gromacs types -s topol.tpr"), std::string::npos) << noTypes;

    const std::string empty = errorOf("# nothing\n\n");
    EXPECT_NE(empty.find("model"), std::string::npos) << empty;
}

TEST_F(PluginConfigTest, IndexAndGroupGoTogether)
{
    for (const std::string& extra : { "index = " + index_ + "\n", std::string("group = NN\n") })
    {
        const std::string m = errorOf(minimal() + extra);
        EXPECT_EQ(m.rfind("test.dat: ", 0), 0u) << m;
        EXPECT_NE(m.find("`index` and `group` go together"), std::string::npos) << m;
        EXPECT_NE(m.find("give neither"), std::string::npos) << m;
    }
}

TEST_F(PluginConfigTest, EnergyFileMustDifferFromLogFile)
{
    std::string m = errorOf(minimal() + "energy_file = out.txt\nlog_file = out.txt\n");
    EXPECT_EQ(m.rfind("test.dat: ", 0), 0u) << m;
    EXPECT_NE(m.find("energy_file and log_file are the same file"), std::string::npos) << m;
    EXPECT_NE(m.find("different names"), std::string::npos) << m;
    // Also when one of them keeps its default.
    m = errorOf(minimal() + "energy_file = deepmd-gromacs.log\n");
    EXPECT_NE(m.find("energy_file and log_file are the same file"), std::string::npos) << m;
}
} // namespace
} // namespace dgmx::plugin
