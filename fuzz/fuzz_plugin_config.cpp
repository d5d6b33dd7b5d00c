/*! \file
 * \brief libFuzzer target: the plugin configuration parser. Any input must either parse or
 * throw dgmx::Error (the message GROMACS shows); anything else (a crash, another exception,
 * sanitizer findings) is a bug.
 */
#include "common/error.h"
#include "plugin/plugin_config.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try
    {
        (void)dgmx::plugin::parsePluginConfig(std::string(reinterpret_cast<const char*>(data), size), "fuzz.dat");
    }
    catch (const dgmx::Error&)
    {
    }
    return 0;
}
