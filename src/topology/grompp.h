/*! \file
 * \brief Preprocessing a user's topology with GROMACS itself: `gmx grompp -pp` resolves
 * #include / #define / #ifdef exactly as the later grompp run will, and checks the topology
 * against the structure.
 */
#pragma once

#include <string>

namespace dgmx::topology
{
struct PreprocessRequest
{
    std::string gmx = "gmx"; //!< the gmx executable (PATH lookup)
    std::string topology;    //!< .top with #include etc.
    std::string structure;   //!< .gro/.pdb matching the topology
    std::string mdp;         //!< optional: the user's .mdp (its `define =` matters); empty: a minimal one
    std::string workDir;     //!< created; grompp's outputs and log go here
};

struct PreprocessResult
{
    std::string preprocessed; //!< path of the self-contained topology
    std::string log;          //!< grompp's output
    int         exitCode = 0; //!< non-zero when grompp failed after writing the preprocessed topology
    std::string failure;      //!< grompp's error message in that case
};

/*! Runs grompp -pp in workDir. Throws dgmx::Error (with grompp's error message) when gmx cannot
 *  be run or no complete preprocessed topology came out. A grompp failure after preprocessing
 *  (e.g. an mdp or box problem) is returned in exitCode/failure: it does not concern the
 *  topology, and the final grompp run will report it again. */
PreprocessResult preprocessWithGrompp(const PreprocessRequest& request);
} // namespace dgmx::topology
