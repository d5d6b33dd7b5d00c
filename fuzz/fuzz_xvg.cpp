/*! \file
 * \brief libFuzzer target: the .xvg reader. Parse or dgmx::Error; nothing else.
 */
#include "common/error.h"
#include "energy/xvg.h"
#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const dgmx::fuzz::MemoryFile file(data, size);
    try
    {
        (void)dgmx::energy::readXvg(file.path());
    }
    catch (const dgmx::Error&)
    {
    }
    return 0;
}
