/*! \file
 * \brief Error type of the project. A library never prints and never exits: it throws
 * dgmx::Error with a message that names the problem and the fix; the boundaries (CLI,
 * GROMACS kernel) turn it into their own error channel.
 */
#pragma once

#include <stdexcept>
#include <string>

namespace dgmx
{
class Error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};
} // namespace dgmx
