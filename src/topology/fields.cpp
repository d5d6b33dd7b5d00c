/*! \file
 * \brief Field-level helpers of the topology reader and rewrites (see fields.h).
 */
#include "topology/fields.h"

#include "common/error.h"

#include <sstream>

namespace dgmx::topology
{
std::vector<std::string> splitFields(const std::string& s)
{
    std::istringstream       in(s);
    std::vector<std::string> out;
    for (std::string f; in >> f;)
    {
        out.push_back(f);
    }
    return out;
}

std::string where(const std::string& path, int line)
{
    return path + ":" + std::to_string(line);
}

long parseLong(const std::string& field, const std::string& at, const std::string& what)
{
    try
    {
        std::size_t used = 0;
        const long  v    = std::stol(field, &used);
        if (used == field.size())
        {
            return v;
        }
    }
    catch (const std::exception&)
    {
    }
    throw Error(at + ": expected " + what + ", found '" + field + "'");
}

bool isZeroNumber(const std::string& field)
{
    try
    {
        std::size_t used = 0;
        return std::stod(field, &used) == 0.0 && used == field.size();
    }
    catch (const std::exception&)
    {
        return false;
    }
}

std::string joinFields(const std::vector<std::string>& fields, const std::string& comment)
{
    std::string out;
    for (const auto& f : fields)
    {
        const std::string cell = f.size() < 10 ? std::string(10 - f.size(), ' ') + f : " " + f;
        out += cell;
    }
    if (!comment.empty())
    {
        out += " ; " + comment;
    }
    return out;
}
} // namespace dgmx::topology
