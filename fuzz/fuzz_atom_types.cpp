/*! \file
 * \brief libFuzzer target: the atom-types reader. Parse or dgmx::Error; nothing else.
 */
#include "common/error.h"
#include "fuzz_file.h"
#include "structure/atom_types.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const dgmx::fuzz::MemoryFile file(data, size);
    try
    {
        (void)dgmx::structure::readAtomTypes(file.path());
    }
    catch (const dgmx::Error&)
    {
    }
    return 0;
}
