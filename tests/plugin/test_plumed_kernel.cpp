/*! \file
 * \brief The built plugin driven by a mock host that behaves like GROMACS 2025's bundled PLUMED
 * wrapper (mock_plumed_host.h): its symbol table, the forces, virial and energy it adds, and its
 * errors. The forces and virial are compared with NNDomainDecomposition + the reference backend
 * evaluated directly (all atoms on rank 0), independent of how the host spreads atoms over ranks.
 */
#include "backends/reference/reference_potential.h"
#include "dd/nn_domain_decomposition.h"
#include "structure/atom_types.h"

#include "mock_plumed_host.h"
#include "support/mpi_world.h"

#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace dgmx::test
{
namespace
{
namespace fs = std::filesystem;

// ---- files: one temporary directory for all ranks ----------------------------------------

class SharedTempDir
{
public:
    SharedTempDir()
    {
        std::string path;
        if (worldRank() == 0)
        {
            std::string pattern = (fs::temp_directory_path() / "dgmx-kernel-XXXXXX").string();
            if (mkdtemp(pattern.data()) != nullptr)
            {
                path = pattern;
            }
        }
        int length = static_cast<int>(path.size());
        MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
        path.resize(static_cast<std::size_t>(length));
        MPI_Bcast(path.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
        path_ = path;
    }
    ~SharedTempDir()
    {
        MPI_Barrier(MPI_COMM_WORLD);
        if (worldRank() == 0 && !path_.empty())
        {
            std::error_code ec;
            fs::remove_all(path_, ec);
        }
    }
    [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
    [[nodiscard]] bool        ok() const { return !path_.empty(); }

    //! Rank 0 writes; every rank returns once the file exists.
    void write(const std::string& name, const std::string& text) const
    {
        if (worldRank() == 0)
        {
            std::ofstream(file(name)) << text;
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }

private:
    fs::path path_;
};

// ---- the test system --------------------------------------------------------------------

struct System
{
    std::array<double, 9>    box{};
    std::vector<double>      x; //!< nm, 3 per atom, not wrapped into the cell
    std::vector<std::string> element;
    std::vector<int>         z;
    std::vector<double>      mass;
    [[nodiscard]] int        n() const { return static_cast<int>(element.size()); }
};

//! n atoms (alternating O/H) in a cubic box of edge L, at least 0.2 nm apart (minimum image);
//! every 7th atom is moved one box vector out of the cell (GROMACS does not wrap between
//! neighbour-search steps). The same on every rank.
System makeCluster(int n, double edge)
{
    System s;
    s.box = { edge, 0, 0, 0, edge, 0, 0, 0, edge };
    std::mt19937                           rng(2025);
    std::uniform_real_distribution<double> u(0.0, edge);
    while (s.n() < n)
    {
        const double p[3] = { u(rng), u(rng), u(rng) };
        bool         far  = true;
        for (int j = 0; j < s.n() && far; ++j)
        {
            double r2 = 0;
            for (int d = 0; d < 3; ++d)
            {
                double dx = p[d] - s.x[3 * j + d];
                dx -= edge * std::round(dx / edge);
                r2 += dx * dx;
            }
            far = r2 >= 0.2 * 0.2;
        }
        if (!far)
        {
            continue;
        }
        const bool oxygen = s.n() % 2 == 0;
        s.x.insert(s.x.end(), p, p + 3);
        s.element.push_back(oxygen ? "O" : "H");
        s.z.push_back(oxygen ? 8 : 1);
        s.mass.push_back(oxygen ? 15.999 : 1.008);
    }
    for (int i = 0; i < n; i += 7)
    {
        const int d = (i / 7) % 3;
        s.x[3 * i + d] += (i % 2 == 0 ? 1 : -1) * edge;
    }
    return s;
}

std::string typesText(const System& s, const std::string& path)
{
    structure::AtomTypesFile f;
    f.source = "test_plumed_kernel";
    for (int i = 0; i < s.n(); ++i)
    {
        f.atoms.push_back({ s.z[i], s.element[i], s.mass[i] });
    }
    structure::writeAtomTypes(path, f);
    std::ifstream      in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

//! The home atoms of this rank at a step, in the scrambled local order of a DD: slabs along a
//! step-dependent axis, owners rotated by the step, local order reversed on odd steps.
std::vector<int> homeAtoms(const System& s, const std::vector<double>& x, int step)
{
    const int        size = worldSize(), rank = worldRank(), axis = step % 3;
    std::vector<int> home;
    for (int g = 0; g < s.n(); ++g)
    {
        const double edge = s.box[4 * axis];
        double       frac = x[3 * g + axis] / edge;
        frac -= std::floor(frac);
        const int slab = std::min(size - 1, static_cast<int>(frac * size));
        if ((slab + step) % size == rank)
        {
            home.push_back(g);
        }
    }
    if (step % 2 == 1)
    {
        std::reverse(home.begin(), home.end());
    }
    else
    {
        std::rotate(home.begin(), home.begin() + static_cast<long>(home.size() / 3), home.end());
    }
    return home;
}

//! NNDomainDecomposition + the reference backend, evaluated directly: rank 0 holds every NN
//! atom; the forces (global order, zero for classical atoms) go to every rank.
class DirectReference
{
public:
    struct Result
    {
        double                energy = 0;
        std::array<double, 9> virial{};
        std::vector<double>   forces;
    };

    DirectReference(const System& s, std::vector<int> nnAtoms) :
        backend_(makeReferenceBackend()), nnAtoms_(std::move(nnAtoms)), natoms_(s.n())
    {
        const auto       map = backend_->typeMap();
        std::vector<int> types;
        for (int g : nnAtoms_)
        {
            types.push_back(static_cast<int>(std::find(map.begin(), map.end(), s.element[g]) - map.begin()));
        }
        dd_ = std::make_unique<NNDomainDecomposition>(MPI_COMM_WORLD, *backend_, std::move(types),
                                                      DecompositionOptions{});
    }

    Result evaluate(const std::vector<double>& x, const std::array<double, 9>& boxVectors)
    {
        std::vector<int>    held;
        std::vector<double> heldX;
        if (worldRank() == 0)
        {
            for (std::size_t k = 0; k < nnAtoms_.size(); ++k)
            {
                held.push_back(static_cast<int>(k));
                for (int d = 0; d < 3; ++d)
                {
                    heldX.push_back(x[3 * nnAtoms_[k] + d]);
                }
            }
        }
        Box box;
        box.vectors         = boxVectors;
        const StepResult sr = dd_->evaluate(held, heldX, box);
        Result           r;
        r.energy = sr.energy;
        r.virial = sr.virial;
        r.forces.assign(3 * static_cast<std::size_t>(natoms_), 0.0);
        if (worldRank() == 0)
        {
            for (std::size_t k = 0; k < nnAtoms_.size(); ++k)
            {
                for (int d = 0; d < 3; ++d)
                {
                    r.forces[3 * nnAtoms_[k] + d] = sr.forces[3 * k + d];
                }
            }
        }
        MPI_Bcast(r.forces.data(), static_cast<int>(r.forces.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD);
        return r;
    }

private:
    std::unique_ptr<IBackend>              backend_;
    std::vector<int>                       nnAtoms_;
    int                                    natoms_;
    std::unique_ptr<NNDomainDecomposition> dd_;
};

// ---- GROMACS's local data of a step (the calls are in mock_plumed_host.h) -----------------

constexpr double c_haloSentinel = 12345.0;

//! The rank's local data at \p step. \p dd false: GROMACS without DD (all atoms, global order).
template<typename Real>
LocalStep<Real> localStep(const System& s, const std::vector<double>& x, int step, bool dd)
{
    LocalStep<Real>  l;
    l.step = 1000 + step;
    std::vector<int> home;
    if (dd)
    {
        home = homeAtoms(s, x, step);
    }
    else
    {
        for (int g = 0; g < s.n(); ++g)
        {
            home.push_back(g);
        }
    }
    l.nLocal      = static_cast<int>(home.size());
    l.globalIndex = home;
    const int nHalo = dd ? 3 : 0;
    for (int h = 0; h < nHalo; ++h)
    {
        l.globalIndex.push_back((7 * h + step) % s.n()); // some atom: a neighbour's or one of ours
    }
    for (std::size_t i = 0; i < l.globalIndex.size(); ++i)
    {
        const int  g    = l.globalIndex[i];
        const bool halo = i >= home.size();
        for (int d = 0; d < 3; ++d)
        {
            l.x.push_back(halo ? std::numeric_limits<Real>::quiet_NaN() : static_cast<Real>(x[3 * g + d]));
            // Forces from GROMACS's other work, already in the array: the plugin must add.
            l.forces.push_back(halo ? static_cast<Real>(c_haloSentinel)
                                    : static_cast<Real>(std::sin(1.0 + g + 0.7 * d) * 50.0));
        }
        if (!halo)
        {
            l.masses.push_back(static_cast<Real>(s.mass[g]));
            l.charges.push_back(static_cast<Real>(g % 2 == 0 ? -0.8 : 0.4));
        }
    }
    for (double b : s.box)
    {
        l.box.push_back(static_cast<Real>(b));
    }
    for (int j = 0; j < 9; ++j)
    {
        l.virial.push_back(static_cast<Real>(0.25 * (j + 1) - 1.0)); // non-zero: the plugin must add
    }
    return l;
}


// ---- the table --------------------------------------------------------------------------

TEST(PlumedKernelTable, LoadsLikeGromacsWithAVersion4TableAndEverySlotSet)
{
    const Kernel& k = kernel();
    ASSERT_NE(k.handle, nullptr) << DGMX_PLUGIN_PATH << ": " << k.error;
    ASSERT_NE(k.table, nullptr) << k.error;
    EXPECT_EQ(k.table->version, 4);
    EXPECT_NE(k.table->functions.create, nullptr);
    EXPECT_NE(k.table->functions.cmd, nullptr);
    EXPECT_NE(k.table->functions.finalize, nullptr);
    EXPECT_NE(k.table->cmd_nothrow, nullptr);
    EXPECT_NE(k.table->cmd_safe, nullptr);
    EXPECT_NE(k.table->cmd_safe_nothrow, nullptr);
    EXPECT_NE(k.table->create_reference, nullptr);
    EXPECT_NE(k.table->delete_reference, nullptr);
    EXPECT_NE(k.table->use_count, nullptr);
    // Only the table is exported: the wrapper's fallback names are absent.
    for (const char* name : { "plumedmain_create", "plumed_plumedmain_create", "plumedmain_cmd",
                              "plumed_plumedmain_cmd", "plumedmain_finalize", "plumed_plumedmain_finalize" })
    {
        EXPECT_EQ(dlsym(k.handle, name), nullptr) << name;
    }
}

TEST(PlumedKernelTable, ReferenceCountStartsAtOneAndFinalizeFollowsZero)
{
    const HostSymbolTable* t = kernel().table;
    ASSERT_NE(t, nullptr);
    void* a = t->functions.create();
    void* b = t->functions.create();
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_NE(a, b);
    EXPECT_EQ(t->use_count(a), 1u);
    EXPECT_EQ(t->create_reference(a), 2u);
    EXPECT_EQ(t->use_count(a), 2u);
    EXPECT_EQ(t->create_reference(a), 3u);
    EXPECT_EQ(t->use_count(b), 1u) << "each object has its own count";
    EXPECT_EQ(t->delete_reference(a), 2u);
    EXPECT_EQ(t->delete_reference(a), 1u);
    EXPECT_EQ(t->use_count(a), 1u);
    // The object still works while referenced.
    Record r;
    int    precision = 8;
    t->cmd_safe_nothrow(a, "setRealPrecision", HostSafePtr{ &precision, 0, nullptr, c_intPtr, nullptr },
                        HostNothrowHandler{ &r, recordError });
    EXPECT_EQ(r.calls, 0) << r.message;
    EXPECT_EQ(t->delete_reference(a), 0u);
    t->functions.finalize(a);
    EXPECT_EQ(t->delete_reference(b), 0u);
    t->functions.finalize(b);
}

TEST(PlumedKernelTable, OlderEntryPointsReportThroughTheirHandler)
{
    Host h;
    ASSERT_TRUE(h.valid());
    const HostSymbolTable* t = kernel().table;
    // Version-2 path: raw pointer, unchecked type.
    Record r;
    int    precision = 4;
    t->cmd_nothrow(h.object(), "setRealPrecision", &precision, HostNothrowHandler{ &r, recordError });
    EXPECT_EQ(r.calls, 0) << r.message;
    t->cmd_nothrow(h.object(), "noSuchCommand", nullptr, HostNothrowHandler{ &r, recordError });
    expectError(r, { "noSuchCommand" }, "cmd_nothrow");
    // Version-1 path: no error channel, but it must not throw or crash.
    EXPECT_NO_THROW(t->functions.cmd(h.object(), "setRealPrecision", &precision));
}

// ---- (a) forces, virial and energy through the plugin ------------------------------------

struct RunCase
{
    const char* name;
    int         precision;   //!< setRealPrecision: 4 (mixed build) or 8 (gmx_mpi_d)
    const char* extraConfig; //!< more lines of the plugin configuration
    bool        indexGroup;  //!< only some atoms are NN (index + group)
    bool        dd;          //!< GROMACS DD (setAtomsNlocal/Gatindex); false: 1 rank, no DD
};

void PrintTo(const RunCase& c, std::ostream* os)
{
    *os << c.name;
}

class PlumedKernelRun : public ::testing::TestWithParam<RunCase>
{
protected:
    template<typename Real>
    void run(const RunCase& c);
};

template<typename Real>
void PlumedKernelRun::run(const RunCase& c)
{
    ASSERT_NE(kernel().table, nullptr) << kernel().error;
    SharedTempDir dir;
    ASSERT_TRUE(dir.ok());
    const System s = makeCluster(40, 2.2);
    std::vector<int> nnAtoms;
    for (int g = s.n() - 1; g >= 0; --g) // NN order: descending, unlike the atom order
    {
        if (!c.indexGroup || g % 4 != 3)
        {
            nnAtoms.push_back(g);
        }
    }
    if (worldRank() == 0)
    {
        (void)typesText(s, dir.file("types.dat"));
    }
    std::string config = "# written by test_plumed_kernel\nmodel = reference\ntypes = " + dir.file("types.dat")
                         + "\nenergy_file = " + dir.file("energy.xvg") + "\nenergy_interval = 1\nlog_file = "
                         + dir.file("plugin.log") + "\n" + c.extraConfig;
    if (c.indexGroup)
    {
        std::string ndx = "[ System ]\n";
        for (int g = 0; g < s.n(); ++g)
        {
            ndx += std::to_string(g + 1) + (g % 10 == 9 ? "\n" : " ");
        }
        ndx += "\n[ NN ]\n";
        for (int g : nnAtoms)
        {
            ndx += std::to_string(g + 1) + " ";
        }
        dir.write("index.ndx", ndx + "\n");
        config += "index = " + dir.file("index.ndx") + "\ngroup = NN\n";
    }
    dir.write("deepmd.dat", config);

    DirectReference reference(s, nnAtoms);
    Host            host;
    ASSERT_TRUE(host.valid());
    MPI_Comm   world    = MPI_COMM_WORLD; // mpi_comm_mygroup of GROMACS's PP ranks
    const Real timestep = static_cast<Real>(0.002);
    const Record init = initLikeGromacs<Real>(host, dir.file("deepmd.dat"), s.n(), c.dd && worldSize() > 1,
                                              timestep, &world);
    ASSERT_EQ(init.calls, 0) << init.message;

    std::vector<double> energies;
    std::vector<double> x = s.x;
    std::mt19937        rng(7);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (int step = 0; step < 3; ++step)
    {
        if (step > 0)
        {
            for (double& v : x)
            {
                v += 0.01 * u(rng); // same on every rank
            }
        }
        LocalStep<Real>       l        = localStep<Real>(s, x, step, c.dd);
        const LocalStep<Real> before   = l;
        const Record          computed = stepLikeGromacs(host, l, c.dd);
        ASSERT_EQ(computed.calls, 0) << computed.message;

        // The reference sees exactly what the plugin saw: positions and box in Real.
        std::vector<double> xSeen(x.size());
        for (std::size_t i = 0; i < x.size(); ++i)
        {
            xSeen[i] = static_cast<double>(static_cast<Real>(x[i]));
        }
        std::array<double, 9> boxSeen{};
        for (int j = 0; j < 9; ++j)
        {
            boxSeen[j] = static_cast<double>(l.box[j]);
        }
        const DirectReference::Result ref = reference.evaluate(xSeen, boxSeen);
        energies.push_back(ref.energy);

        double fmax = 1, vmax = 1;
        for (double f : ref.forces)
        {
            fmax = std::max(fmax, std::abs(f));
        }
        for (double v : ref.virial)
        {
            vmax = std::max(vmax, std::abs(v));
        }
        ASSERT_GT(fmax, 1.0) << "the reference forces should not be trivial";
        // Real rounding of the added force and of the sum (float); the decompositions differ.
        const double eps  = std::is_same_v<Real, float> ? 4e-7 : 1e-11;
        for (int i = 0; i < l.nLocal; ++i)
        {
            const int g = l.globalIndex[i];
            for (int d = 0; d < 3; ++d)
            {
                const double f0       = static_cast<double>(before.forces[3 * i + d]);
                const double expected = f0 + ref.forces[3 * g + d];
                EXPECT_NEAR(static_cast<double>(l.forces[3 * i + d]), expected, eps * (fmax + std::abs(f0)))
                        << "step " << step << " local " << i << " atom " << g << " dim " << d;
                if (c.indexGroup && g % 4 == 3)
                {
                    EXPECT_EQ(l.forces[3 * i + d], before.forces[3 * i + d]) << "classical atom " << g;
                }
            }
        }
        for (std::size_t i = static_cast<std::size_t>(3 * l.nLocal); i < l.forces.size(); ++i)
        {
            EXPECT_EQ(l.forces[i], static_cast<Real>(c_haloSentinel)) << "halo entry " << i / 3 << " written";
        }
        for (int j = 0; j < 9; ++j)
        {
            const double v0 = static_cast<double>(before.virial[j]);
            EXPECT_NEAR(static_cast<double>(l.virial[j]), v0 + ref.virial[j], eps * (vmax + std::abs(v0)))
                    << "step " << step << " virial " << j;
        }
        if (step == 1 && worldRank() == 0)
        {
            int checkpoint = 1; // main rank only, at checkpoints
            host.ok("doCheckPoint", &checkpoint, c_intPtr);
        }
    }

    // The energy file (rank 0): one line per step, time = step * dt, the reference energy.
    if (worldRank() == 0)
    {
        std::ifstream in(dir.file("energy.xvg"));
        ASSERT_TRUE(in) << dir.file("energy.xvg");
        std::string         line;
        std::vector<double> times, values;
        bool                natomsLine = false;
        while (std::getline(in, line))
        {
            if (line.rfind("# natoms " + std::to_string(nnAtoms.size()), 0) == 0)
            {
                natomsLine = true;
            }
            if (line.empty() || line[0] == '#' || line[0] == '@')
            {
                continue;
            }
            std::istringstream fields(line);
            double             t = 0, e = 0;
            ASSERT_TRUE(fields >> t >> e) << line;
            times.push_back(t);
            values.push_back(e);
        }
        EXPECT_TRUE(natomsLine) << "no '# natoms " << nnAtoms.size() << "' line";
        ASSERT_EQ(values.size(), energies.size());
        for (std::size_t k = 0; k < energies.size(); ++k)
        {
            // time = step x the mdp's dt (0.002, not float's 0.00200000009), as GROMACS's times.
            EXPECT_NEAR(times[k], static_cast<double>(1000 + k) * 0.002, 1e-9);
            EXPECT_NEAR(values[k], energies[k], 1e-9 * std::max(1.0, std::abs(energies[k]))) << "step " << k;
        }
        EXPECT_GT(std::abs(energies[0]), 1e-3) << "the reference energy should not be trivial";
    }
    EXPECT_EQ(host.close(), 0u);
}

TEST_P(PlumedKernelRun, ForcesVirialAndEnergyEqualTheDirectDecomposition)
{
    const RunCase& c = GetParam();
    if (!c.dd && worldSize() > 1)
    {
        GTEST_SKIP() << "GROMACS without DD runs on one PP rank";
    }
    if (c.precision == 4)
    {
        run<float>(c);
    }
    else
    {
        run<double>(c);
    }
}

INSTANTIATE_TEST_SUITE_P(
        Cases, PlumedKernelRun,
        ::testing::Values(RunCase{ "float_rcb", 4, "", false, true },
                          RunCase{ "double_rcb", 8, "", false, true },
                          RunCase{ "float_slab_sparse_group", 4, "decomposition = slab\nreduction = sparse\n", true, true },
                          RunCase{ "double_slab_sparse", 8, "decomposition = slab\nreduction = sparse\nskin = 0.05\n", false, true },
                          RunCase{ "float_no_dd", 4, "", false, false },
                          RunCase{ "double_no_dd_group", 8, "", true, false }),
        [](const ::testing::TestParamInfo<RunCase>& p) { return std::string(p.param.name); });

// ---- (b) errors: through the handler, code 20200, never an exception ---------------------

//! types.dat of \p s (written by rank 0) and a deepmd.dat with the reference potential.
void writeReferenceConfig(SharedTempDir& dir, const System& s)
{
    if (worldRank() == 0)
    {
        (void)typesText(s, dir.file("types.dat"));
    }
    dir.write("deepmd.dat", "model = reference\ntypes = " + dir.file("types.dat") + "\nlog_file = "
                                    + dir.file("plugin.log") + "\nenergy_file = " + dir.file("e.xvg") + "\n");
}

TEST(PlumedKernelErrors, UnknownCommand)
{
    Host h;
    ASSERT_TRUE(h.valid());
    expectError(h.cmd("readInputLine", "d: DISTANCE ATOMS=1,2", c_string),
                { "deepmd-gromacs", "readInputLine", "not part of GROMACS 2025's PLUMED interface" }, "readInputLine");
    expectError(h.cmd("setNoSuchThing", nullptr, c_nullptrFlag), { "setNoSuchThing" }, "setNoSuchThing");
    // The object keeps working.
    int precision = 4;
    h.ok("setRealPrecision", &precision, c_intPtr);
}

TEST(PlumedKernelErrors, WronglyTypedValues)
{
    Host h;
    ASSERT_TRUE(h.valid());
    float asFloat = 4;
    expectError(h.cmd("setRealPrecision", &asFloat, c_realPtr<float>),
                { "setRealPrecision", "0x4040004", "expected an integer" }, "setRealPrecision(float*)");
    int precision = 4;
    h.ok("setRealPrecision", &precision, c_intPtr);

    float natoms = 40; // by value, as a float
    expectError(h.cmd("setNatoms", &natoms, safeFlags(sizeof(float), c_typeFloating, c_byValue), 1),
                { "setNatoms", "0x2040004", "expected an integer" }, "setNatoms(float)");
    long step = 3;
    expectError(h.cmd("setStepLong", &step, c_intPtr), { "setStepLong", "0x4030004" }, "setStepLong(int*)");
    const double x[3] = { 0, 0, 0 };
    expectError(h.cmd("setPositions", x, c_constRealPtr<double>), { "setPositions", "0x6040008", "floating-point" },
                "setPositions(double*) in a float run");
    int units = 1;
    expectError(h.cmd("setMDLengthUnits", &units, c_intPtr), { "setMDLengthUnits", "0x4030004" },
                "setMDLengthUnits(int*)");
    long api = 0;
    expectError(h.cmd("getApiVersion", &api, c_longPtr), { "getApiVersion", "pointer to int" }, "getApiVersion(long*)");
    EXPECT_EQ(api, 0) << "written through a wrongly typed pointer";
    expectError(h.cmd("setNatoms", nullptr, c_intPtr), { "setNatoms", "null pointer" }, "setNatoms(nullptr)");
    int bad = 2;
    expectError(h.cmd("setRealPrecision", &bad, c_intPtr), { "setRealPrecision 2", "float (4) and double (8)" },
                "setRealPrecision 2");
}

TEST(PlumedKernelErrors, UnitFactorsOtherThanOne)
{
    for (int precision : { 4, 8 })
    {
        Host h;
        ASSERT_TRUE(h.valid());
        h.ok("setRealPrecision", &precision, c_intPtr);
        const double kcal = 4.184, angstrom = 0.1, one = 1;
        const float  kcalF = 4.184f, angstromF = 0.1f, oneF = 1;
        const std::size_t flags = precision == 4 ? c_realPtr<float> : c_realPtr<double>;
        const void* energy = precision == 4 ? static_cast<const void*>(&kcalF) : &kcal;
        const void* length = precision == 4 ? static_cast<const void*>(&angstromF) : &angstrom;
        const void* time   = precision == 4 ? static_cast<const void*>(&oneF) : &one;
        expectError(h.cmd("setMDEnergyUnits", energy, flags), { "setMDEnergyUnits = 4.184", "GROMACS units" },
                    "energy units");
        expectError(h.cmd("setMDLengthUnits", length, flags), { "setMDLengthUnits = 0.1", "nm, kJ/mol, ps" },
                    "length units");
        h.ok("setMDTimeUnits", time, flags);
    }
}

TEST(PlumedKernelErrors, PerformCalcBeforeInit)
{
    Host h;
    ASSERT_TRUE(h.valid());
    int precision = 4;
    h.ok("setRealPrecision", &precision, c_intPtr);
    expectError(h.cmd("performCalc", nullptr, c_nullptrFlag), { "performCalc before init" }, "performCalc");
}

TEST(PlumedKernelErrors, InitBeforeSetNatoms)
{
    Host h;
    ASSERT_TRUE(h.valid());
    int precision = 4;
    h.ok("setRealPrecision", &precision, c_intPtr);
    expectError(h.cmd("init", nullptr, c_nullptrFlag), { "init came before setNatoms" }, "init");
}

//! A failure that the plugin agrees on collectively: every rank gets code 20200; rank 0 the
//! full message, the others a pointer to rank 0's.
void expectCollectiveError(const Record& r, const std::vector<std::string>& rank0Fragments, const std::string& what)
{
    if (worldRank() == 0)
    {
        expectError(r, rank0Fragments, what);
    }
    else
    {
        expectError(r, { "deepmd-gromacs", "rank 0" }, what);
    }
}

TEST(PlumedKernelErrors, ConfigurationFileMissing)
{
    SharedTempDir dir;
    ASSERT_TRUE(dir.ok());
    Host h;
    ASSERT_TRUE(h.valid());
    MPI_Comm     world = MPI_COMM_WORLD;
    const Record r     = initLikeGromacs<float>(h, dir.file("missing.dat"), 40, worldSize() > 1, 0.002f, &world);
    expectCollectiveError(r, { dir.file("missing.dat"), "mdrun -plumed", "check the path" }, "init");
    // A later step is refused too, not crashed.
    expectError(h.cmd("performCalc", nullptr, c_nullptrFlag), { "performCalc before init" }, "performCalc");
}

TEST(PlumedKernelErrors, TypesFileOfAnotherSystem)
{
    SharedTempDir dir;
    ASSERT_TRUE(dir.ok());
    const System s = makeCluster(40, 2.2);
    writeReferenceConfig(dir, s);
    Host h;
    ASSERT_TRUE(h.valid());
    MPI_Comm     world = MPI_COMM_WORLD;
    const Record r = initLikeGromacs<float>(h, dir.file("deepmd.dat"), 41, worldSize() > 1, 0.002f, &world);
    expectCollectiveError(r, { "lists 40 atoms but the run has 41", "deepmd-gromacs types -s topol.tpr" }, "init");
}

TEST(PlumedKernelErrors, MassMismatchOnOneRankStopsEveryRank)
{
    SharedTempDir dir;
    ASSERT_TRUE(dir.ok());
    const System s = makeCluster(40, 2.2);
    writeReferenceConfig(dir, s);
    Host h;
    ASSERT_TRUE(h.valid());
    MPI_Comm     world = MPI_COMM_WORLD;
    const Record init  = initLikeGromacs<double>(h, dir.file("deepmd.dat"), s.n(), worldSize() > 1, 0.002, &world);
    ASSERT_EQ(init.calls, 0) << init.message;
    LocalStep<double> l = localStep<double>(s, s.x, 0, true);
    for (int i = 0; i < l.nLocal; ++i)
    {
        if (l.globalIndex[i] == 5) // held by exactly one rank
        {
            l.masses[i] = 2.016; // deuterium: not what the types file says
        }
    }
    const std::vector<double> forcesBefore = l.forces;
    const Record              r            = stepLikeGromacs(h, l, true);
    expectCollectiveError(r, { "atom 6 has mass 2.016", "1.008", "deepmd-gromacs types -s" }, "performCalc");
    EXPECT_EQ(l.forces, forcesBefore) << "forces changed by a failed step";
}
} // namespace
} // namespace dgmx::test
