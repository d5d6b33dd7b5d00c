/*! \file
 * \brief The native engine against DeePMD-kit's own evaluation of the same models: the C API
 * (our DeePMD-kit backend, PyTorch path, .pth) and the NumPy backend (DeepPot on the .dp file),
 * on periodic cubic, periodic triclinic and open configurations holding every type; forces
 * against finite differences of the energy; thread-count invariance; refusals.
 * The models come from python/native_test_models.py (ctest fixture native_models).
 */
#include "backends/deepmd/deepmd_backend.h"
#include "backends/native/native_backend.h"
#include "backends/native/native_test_support.h"
#include "backends/python_reference.h"
#include "common/error.h"

#include <gtest/gtest.h>

#include <fstream>

namespace dgmx::test
{
namespace
{
namespace fs = std::filesystem;

struct ModelCase
{
    std::string name;     //!< <name>.dp in the fixture directory
    std::string pth;      //!< the same model for DeePMD-kit's C API
    double      tolerance; //!< relative
};

std::string examplePth(const std::string& name)
{
    const char* dir = std::getenv("DEEPMD_GROMACS_MODELS");
    return (fs::path(dir ? dir : "") / (name + ".pth")).string();
}

// float64: the goal is 1e-10 relative. float32: both sides round the nets in single
// precision (eps 6e-8) over ~10 layers and sums of ~100 terms: 1e-5 of the largest value.
std::vector<ModelCase> modelCases()
{
    std::vector<ModelCase> cases = {
        { "se_e2_a-small", examplePth("se_e2_a-small"), 1e-10 },
        { "se_e2_a-small-fp32", examplePth("se_e2_a-small-fp32"), 1e-5 },
    };
    for (const char* v : { "se_e2_a-stats", "se_e2_a-twoside-stats", "se_e2_a-excl", "dpa1-noattn",
                           "dpa1-noattn-stats", "dpa1-noattn-twoside-stats", "dpa1-strip-stats" })
    {
        cases.push_back({ v, nativeModel(std::string(v) + ".pth"), 1e-10 });
    }
    return cases;
}

void expectClose(const Evaluation& got, const Evaluation& ref, double tol, const std::string& what)
{
    const double eErr = relativeError(got.energy, ref.energy);
    const double fErr = relativeError(got.forces, ref.forces);
    const double vErr = relativeError(got.virial, ref.virial);
    const double aErr = relativeError(got.atomEnergies, ref.atomEnergies);
    std::printf("  %-40s rel. error: energy %.2e forces %.2e virial %.2e atom energies %.2e\n",
                what.c_str(), eErr, fErr, vErr, aErr);
    EXPECT_LE(eErr, tol) << what << " energy " << got.energy << " vs " << ref.energy;
    EXPECT_LE(fErr, tol) << what << " forces";
    EXPECT_LE(vErr, tol) << what << " virial";
    EXPECT_LE(aErr, tol) << what << " atom energies";
}

class NativeModels : public ::testing::TestWithParam<ModelCase>
{
};

TEST_P(NativeModels, MatchDeepmdCApi)
{
    const auto& mc = GetParam();
    ASSERT_TRUE(fs::exists(nativeModel(mc.name + ".dp"))) << "run the native_models fixture";
    auto           native = makeNativeBackend(nativeModel(mc.name + ".dp"), 1);
    BackendOptions options;
    options.model      = mc.pth;
    options.ompThreads = 1;
    auto deepmd        = makeDeepmdBackend(options, MPI_COMM_WORLD);
    EXPECT_EQ(native->typeMap(), deepmd->typeMap());
    EXPECT_DOUBLE_EQ(native->cutoff(), deepmd->cutoff());
    for (const auto& c : standardConfigurations(static_cast<int>(native->typeMap().size())))
    {
        expectClose(evaluate(*native, c), evaluate(*deepmd, c), mc.tolerance, mc.name + " " + c.name + " C API");
    }
}

//! The NumPy backend loads in a fresh Python per model: a subset covering every code path.
class NativeModelsNumpy : public NativeModels
{
};

TEST_P(NativeModelsNumpy, MatchNumpyBackend)
{
    const auto& mc    = GetParam();
    const auto  model = nativeModel(mc.name + ".dp");
    auto        native = makeNativeBackend(model, 1);
    const auto  configs = standardConfigurations(static_cast<int>(native->typeMap().size()));
    std::vector<ReferenceFrame> frames;
    std::vector<Evaluation>     got;
    for (const auto& c : configs)
    {
        // The reference gets the wrapped owned positions the native engine sees.
        const Domain d = buildDomain(c.x, c.types, c.box, native->cutoff(), 0.0);
        frames.push_back({ std::vector<double>(d.positions.begin(), d.positions.begin() + 3 * d.nOwned), c.types, c.box });
        got.push_back(evaluate(*native, c));
    }
    // DeePMD-kit's NumPy backend computes energies only (its forces are NaN): an independent
    // check of the descriptor and nets; forces are checked against the C API and -dE/dx.
    const auto refs = runPythonReference(model, frames);
    for (std::size_t k = 0; k < configs.size(); ++k)
    {
        const double eErr = relativeError(got[k].energy, refs[k].energy);
        const double aErr = relativeError(got[k].atomEnergies, refs[k].atomEnergies);
        std::printf("  %-40s rel. error: energy %.2e atom energies %.2e\n",
                    (mc.name + " " + configs[k].name + " NumPy").c_str(), eErr, aErr);
        EXPECT_LE(eErr, mc.tolerance) << configs[k].name;
        EXPECT_LE(aErr, mc.tolerance) << configs[k].name;
        EXPECT_TRUE(refs[k].forces.empty() || relativeError(got[k].forces, refs[k].forces) <= mc.tolerance);
    }
}

std::string caseName(const ::testing::TestParamInfo<ModelCase>& p)
{
    std::string n = p.param.name;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

INSTANTIATE_TEST_SUITE_P(Models, NativeModels, ::testing::ValuesIn(modelCases()), caseName);

std::vector<ModelCase> numpyCases()
{
    std::vector<ModelCase> subset;
    for (const auto& c : modelCases())
    {
        for (const char* name : { "se_e2_a-small-fp32", "se_e2_a-twoside-stats", "se_e2_a-excl",
                                  "dpa1-noattn-stats", "dpa1-strip-stats" })
        {
            if (c.name == name) subset.push_back(c);
        }
    }
    return subset;
}

INSTANTIATE_TEST_SUITE_P(Models, NativeModelsNumpy, ::testing::ValuesIn(numpyCases()), caseName);

//! max |F + dE/dx| over every 7th atom, by central differences (h = 1e-5 nm; error
//! O(h^2 E''') ~ 1e-8 relative), as a fraction of max |F|.
double forceGradientError(IBackend& backend, const std::string& name)
{
    auto         c    = standardConfigurations(static_cast<int>(backend.typeMap().size()))[1];
    const auto   base = evaluate(backend, c);
    const double h    = 1e-5;
    double       worst = 0, scale = 0;
    for (int i = 0; i < 70; i += 7)
    {
        for (int k = 0; k < 3; ++k)
        {
            auto plus = c, minus = c;
            plus.x[3 * i + k] += h;
            minus.x[3 * i + k] -= h;
            const double fd = -(evaluate(backend, plus).energy - evaluate(backend, minus).energy) / (2 * h);
            worst = std::max(worst, std::abs(fd - base.forces[3 * i + k]));
            scale = std::max(scale, std::abs(base.forces[3 * i + k]));
        }
    }
    std::printf("  %-30s finite differences: max |F + dE/dx| = %.2e of max |F| = %.2e\n", name.c_str(), worst, scale);
    return worst / scale;
}

TEST(NativeEngine, ForcesAreMinusEnergyGradient)
{
    for (const char* name : { "se_e2_a-stats", "dpa1-noattn-twoside-stats", "dpa1-strip-stats", "se_e2_a-excl" })
    {
        auto backend = makeNativeBackend(nativeModel(std::string(name) + ".dp"), 1);
        EXPECT_LT(forceGradientError(*backend, name), 1e-6) << name;
    }
}

TEST(NativeEngine, ThreadCountDoesNotChangeResults)
{
    auto one   = makeNativeBackend(nativeModel("dpa1-noattn-stats.dp"), 1);
    auto three = makeNativeBackend(nativeModel("dpa1-noattn-stats.dp"), 3);
    for (const auto& c : standardConfigurations(13))
    {
        const auto a = evaluate(*one, c), b = evaluate(*three, c);
        EXPECT_LE(relativeError(b.energy, a.energy), 1e-14);
        EXPECT_LE(relativeError(b.forces, a.forces), 1e-13);
        EXPECT_LE(relativeError(b.virial, a.virial), 1e-13);
    }
}

/*! Tabulated embedding nets (engine.h) against DeePMD-kit's C API running the nets
 *  themselves: cubic Hermite knots every 0.002 in the normalised input put the interpolation
 *  error near 1e-11 in G and 1e-9 in dG/dx; 1e-8 of the largest value bounds both. */
TEST(NativeEngine, TabulatedEmbeddingMatchesDeepmdCApi)
{
    for (const char* name : { "se_e2_a-twoside-stats", "dpa1-strip-stats" })
    {
        auto           tabulated = makeNativeBackend(nativeModel(std::string(name) + ".dp"), 1, true);
        BackendOptions options;
        options.model      = nativeModel(std::string(name) + ".pth");
        options.ompThreads = 1;
        auto deepmd        = makeDeepmdBackend(options, MPI_COMM_WORLD);
        EXPECT_NE(tabulated->describe().find("tabulated embedding"), std::string::npos) << tabulated->describe();
        for (const auto& c : standardConfigurations(static_cast<int>(tabulated->typeMap().size())))
        {
            expectClose(evaluate(*tabulated, c), evaluate(*deepmd, c), 1e-8, std::string(name) + " " + c.name + " tabulated");
        }
    }
}

//! The tables' forces are the exact gradient of the tables' energy (Hermite slopes).
TEST(NativeEngine, TabulatedForcesAreMinusEnergyGradient)
{
    auto backend = makeNativeBackend(nativeModel("dpa1-strip-stats.dp"), 1, true);
    EXPECT_LT(forceGradientError(*backend, "dpa1-strip-stats tabulated"), 1e-6);
}

TEST(NativeEngine, RefusesToTabulateEmbeddingsWithTypeInputs)
{
    try
    {
        makeNativeBackend(nativeModel("dpa1-noattn-stats.dp"), 1, true);
        ADD_FAILURE() << "a concat-mode DPA-1 was tabulated";
    }
    catch (const Error& e)
    {
        EXPECT_NE(std::string(e.what()).find("tabulate_embedding = no"), std::string::npos) << e.what();
    }
}

std::string errorOf(const std::string& path)
{
    try
    {
        makeNativeBackend(path, 1);
    }
    catch (const Error& e)
    {
        return e.what();
    }
    return "(no error)";
}

TEST(NativeEngine, RefusesWhatItDoesNotRunNamingTheField)
{
    const std::string attention = errorOf(nativeModel("dpa1-small.dp"));
    EXPECT_NE(attention.find("model.descriptor.attn_layer"), std::string::npos) << attention;
    EXPECT_NE(attention.find("backend = deepmd"), std::string::npos) << attention;
    const std::string missing = errorOf("/nonexistent/model.dp");
    EXPECT_NE(missing.find("/nonexistent/model.dp"), std::string::npos) << missing;
    const auto text = fs::temp_directory_path() / "dgmx_native_not_hdf5.dp";
    std::ofstream(text) << "not a model";
    const std::string notHdf5 = errorOf(text.string());
    EXPECT_NE(notHdf5.find("HDF5"), std::string::npos) << notHdf5;
    fs::remove(text);
}

TEST(NativeEngine, RefusesTypesOutsideTheModel)
{
    auto       backend = makeNativeBackend(nativeModel("se_e2_a-small.dp"), 1);
    auto       c       = standardConfigurations(13)[2];
    c.types[3]         = 13;
    EXPECT_THROW(evaluate(*backend, c), Error);
}
} // namespace
} // namespace dgmx::test
