/*! \file
 * \brief What the plugin does for GROMACS, free of the PLUMED calling convention: set up the
 * backend and the decoupled decomposition over the NN atoms, and each step turn the rank's
 * local atoms (GROMACS's decomposition) into NN forces added to GROMACS's force array and a
 * virial in the convention GROMACS expects. Writes the NN energy (.xvg) and a log, since
 * GROMACS does not add the plugin's energy to its own terms.
 */
#pragma once

#include "energy/xvg_series.h"
#include "plugin/fault_injection.h"
#include "plugin/plugin_config.h"

#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dgmx
{
class IBackend;
class NNDomainDecomposition;
struct StepResult;
} // namespace dgmx

namespace dgmx::plugin
{
//! What GROMACS told the kernel before init.
struct EngineSetup
{
    MPI_Comm comm = MPI_COMM_NULL; //!< GROMACS's PP ranks (or a single rank); owned by the caller
    int      natoms = 0;           //!< all atoms of the system
    double   timestep = 0;         //!< ps
    bool     restart = false;      //!< continuing from a checkpoint: append to our outputs
    std::optional<FaultInjection> fault; //!< tests only: make one rank fail at one step
};

//! One force evaluation as GROMACS hands it over. Arrays are in GROMACS's precision (Real).
template<typename Real>
struct EngineStep
{
    std::int64_t step = 0;
    int          nLocal = 0;               //!< home atoms on this rank
    const int*   globalIndex = nullptr;    //!< 0-based global index per local atom; nullptr: identity
    const Real*  positions = nullptr;      //!< nm, 3 per local atom
    const Real*  masses = nullptr;         //!< amu, per local atom
    const Real*  box = nullptr;            //!< 3x3, rows are box vectors, nm
    Real*        forces = nullptr;         //!< kJ/mol/nm, 3 per local atom; we add to it
    Real*        virial = nullptr;         //!< 3x3, kJ/mol; we add Xi = -1/2 sum x f (see calculate())
};

//! Running totals for the end-of-run summary (rank 0's view).
struct RunTotals
{
    long   steps = 0;
    double gather = 0, neighbourSearch = 0, inference = 0, reduction = 0, total = 0, engine = 0;
    double imbalanceSum = 0, imbalanceMax = 0;
    long   rebuilds = 0;
};

class NNForceProvider
{
public:
    //! Collective over setup.comm; throws the same dgmx::Error on every rank on failure.
    NNForceProvider(const PluginConfig& config, const EngineSetup& setup);
    ~NNForceProvider();
    NNForceProvider(const NNForceProvider&) = delete;
    NNForceProvider& operator=(const NNForceProvider&) = delete;

    //! Collective; adds the NN forces and virial. Throws the same dgmx::Error on every rank.
    template<typename Real>
    void calculate(const EngineStep<Real>& step);

    //! Writes the end-of-run summary (rank 0; no MPI, so safe after MPI_Finalize).
    void finish();

    //! Rank 0 records a failure in our log before it goes to GROMACS.
    void logError(const std::string& message);

    [[nodiscard]] const RunTotals& totals() const { return totals_; }

private:
    //! The NN atoms, their types and masses from the types file, and the backend.
    std::vector<int> setUpAtomsAndBackend();
    void             openLog();
    void             startOutputs(std::int64_t firstStep, bool checkMasses);
    void             openEnergyFile(std::int64_t firstStep);
    //! This rank's NN atoms (NN index, local index, position) of the step, masses checked.
    template<typename Real>
    void collectHeldAtoms(const EngineStep<Real>& in, bool checkMasses);
    void writeEnergy(std::int64_t step, double energy);
    void addToTotals(double engineSeconds);

    //! The NN atoms this rank holds in the current step.
    struct HeldAtoms
    {
        std::vector<int>    nn, local; //!< NN index and GROMACS local index of each
        std::vector<double> x;         //!< nm, 3 per atom
    };

    PluginConfig               config_;
    EngineSetup                setup_;
    int                        rank_ = 0, size_ = 1;
    std::unique_ptr<IBackend>  backend_;
    std::unique_ptr<NNDomainDecomposition> dd_;
    std::vector<int>           nnOfGlobal_;  //!< global atom -> NN index, -1 if classical
    std::vector<double>        massOfGlobal_; //!< from the types file, for the mass check
    int                        nNN_ = 0;
    bool                       firstStep_ = true;
    HeldAtoms                  held_;
    std::FILE*                 log_ = nullptr;
    std::optional<energy::XvgSeries> energy_; //!< rank 0, when energy lines are wanted
    RunTotals                  totals_;
    std::string                description_;
    std::vector<std::string>   placement_; //!< rank 0: host, node-local rank, device of every rank
};
} // namespace dgmx::plugin
