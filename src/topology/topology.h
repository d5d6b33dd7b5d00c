/*! \file
 * \brief GROMACS topologies for NN regions: a reader and writer of preprocessed .top files
 * (no #include / #define left, as `gmx grompp -pp` writes them) and the rewrite that removes
 * the classical interactions inside the NN region.
 *
 * Two rewrites are supported:
 *  - all atoms NN: every bonded term, restraint-free classical potential, charge and LJ
 *    parameter goes (atom types keep their atomic number, which the .tpr carries and the
 *    plugin reads); molecules become unbound atoms.
 *  - one whole molecule instance NN in a classical environment (mechanical embedding): that
 *    instance gets its own moleculetype (split out when the type has several instances),
 *    loses all bonded terms and gets explicit exclusions of every atom pair; charges and LJ
 *    stay, so it still interacts with the environment classically.
 * Anything else (NN atoms over several molecules, part of a molecule, virtual sites or shells
 * in the NN region) is refused with a dgmx::Error that says why and what to do.
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dgmx::topology
{
//! One logical line of a topology (continuation lines joined), as read.
struct Line
{
    int                      lineNumber = 0; //!< first physical line, 1-based
    std::string              raw;            //!< the physical line(s), written back unchanged
    std::vector<std::string> fields;         //!< whitespace-split data before ';' (empty: comment)
};

//! Owners of a section: a moleculetype index, or one of these.
constexpr int c_global         = -1; //!< [defaults], [atomtypes], parameter types, [system], [molecules]
constexpr int c_intermolecular = -2; //!< sections after [intermolecular_interactions]

struct Section
{
    std::string       name;   //!< directive, lower case, no spaces: "atoms", "moleculetype"
    std::string       header; //!< the raw header line
    int               lineNumber = 0;
    int               owner      = c_global;
    std::vector<Line> lines;
};

struct Topology
{
    std::string              path;     //!< for error messages
    std::vector<std::string> preamble; //!< lines before the first directive, as comments
    std::vector<Section>     sections; //!< in file order
};

//! Parses a preprocessed topology; throws dgmx::Error (file, line, fix) on # directives,
//! lines outside a directive and malformed [moleculetype] / [molecules] lines.
Topology parseTopology(const std::string& text, const std::string& path);
Topology readTopology(const std::string& path);
//! True when the text has preprocessor lines (#include, #define, #ifdef ...) to resolve first.
bool needsPreprocessing(const std::string& text);

std::string writeTopology(const Topology& topology);

struct MoleculeType
{
    std::string      name;
    int              nrexcl = 0;
    int              lineNumber = 0;
    std::vector<int> sections; //!< indices into Topology::sections, the [moleculetype] header first
    int              atoms = 0;
};

struct MoleculesEntry
{
    std::string name;
    long        count      = 0;
    int         lineNumber = 0;
};

std::vector<MoleculeType>   moleculeTypes(const Topology& topology);
std::vector<MoleculesEntry> moleculesEntries(const Topology& topology);
//! Number of atoms of the system ([molecules] x atoms of each type).
long atomCount(const Topology& topology);

struct Report
{
    enum class Mode
    {
        AllNn,
        EmbeddedMolecule
    };
    Mode mode        = Mode::AllNn;
    long totalAtoms  = 0;
    long nnAtoms     = 0;
    //! Embedded: the NN molecule (original type, instance 1-based within its [molecules] line).
    std::string nnMoleculeType, nnMoleculeTypeOut;
    long        nnInstance = 0;
    bool        split      = false;
    //! Removed data lines per directive ("bonds" -> 52); parameter lines under "bondtypes" etc.
    std::map<std::string, long> removed;
    long                        exclusionPairs        = 0; //!< NN-NN pairs excluded explicitly
    long                        chargesZeroed         = 0; //!< [atoms] lines whose charge was set to 0
    long                        atomTypesZeroed       = 0; //!< [atomtypes] lines with charge/LJ set to 0
    long                        unusedMoleculeTypes   = 0; //!< dropped (all-NN: not in [molecules])
    std::vector<std::string>    notes;                     //!< kept restraints and similar
    std::vector<std::string>    mdp;                       //!< "key = value ; why" lines
};

struct Result
{
    Topology topology;
    Report   report;
};

/*! Rewrites the topology for an NN region. nnAtoms: 0-based global atom indices (any order,
 *  no duplicates); std::nullopt means every atom. Throws dgmx::Error for unsupported regions. */
Result makeNnTopology(const Topology& input, const std::optional<std::vector<int>>& nnAtoms);

//! Human-readable summary of a report: what changed and the mdp settings to use.
std::string formatReport(const Report& report);
} // namespace dgmx::topology
