/*! \file
 * \brief Reader of DeePMD-kit's `.dp` model file through the HDF5 C API (see dp_file.h).
 */
#include "backends/native/dp_file.h"

#include "common/error.h"

#include <fmt/format.h>
#include <hdf5.h>

namespace dgmx::native
{
namespace
{
std::string readJsonAttribute(hid_t file, const std::string& path)
{
    if (H5Aexists(file, "json") <= 0)
    {
        throw Error(fmt::format("{}: no \"json\" attribute at the root: not a DeePMD-kit .dp "
                                "model file. Create one with `deepmd-gromacs convert model.pth "
                                "model.dp` (dp convert-backend)", path));
    }
    const hid_t attribute = H5Aopen(file, "json", H5P_DEFAULT);
    const hid_t type      = H5Aget_type(attribute);
    std::string text;
    if (H5Tis_variable_str(type) > 0)
    {
        const hid_t memType = H5Tcopy(H5T_C_S1);
        H5Tset_size(memType, H5T_VARIABLE);
        H5Tset_cset(memType, H5T_CSET_UTF8);
        char* value = nullptr;
        if (H5Aread(attribute, memType, &value) >= 0 && value != nullptr)
        {
            text = value;
            H5free_memory(value);
        }
        H5Tclose(memType);
    }
    else
    {
        std::string buffer(H5Tget_size(type), '\0');
        H5Aread(attribute, type, buffer.data());
        text = buffer.c_str();
    }
    H5Tclose(type);
    H5Aclose(attribute);
    return text;
}
} // namespace

DpFile::DpFile(const std::string& path) : path_(path)
{
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); // errors are reported by us, not printed
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file_ < 0)
    {
        throw Error(fmt::format("{}: cannot open as HDF5 (.dp) file: missing, unreadable or not "
                                "HDF5. Create one with `deepmd-gromacs convert model.pth model.dp`",
                                path));
    }
    try
    {
        json_ = nlohmann::json::parse(readJsonAttribute(file_, path));
    }
    catch (const nlohmann::json::exception& e)
    {
        H5Fclose(file_);
        throw Error(fmt::format("{}: the \"json\" attribute is not valid JSON: {}", path, e.what()));
    }
    catch (...)
    {
        H5Fclose(file_);
        throw;
    }
}

DpFile::~DpFile()
{
    if (file_ >= 0)
    {
        H5Fclose(file_);
    }
}

Array DpFile::array(const nlohmann::json& reference, const std::string& what) const
{
    if (!reference.is_string())
    {
        throw Error(fmt::format("{}: {}: expected an array, found {}", path_, what,
                                reference.dump().substr(0, 80)));
    }
    const std::string name = reference.get<std::string>();
    const hid_t       set  = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
    if (set < 0)
    {
        throw Error(fmt::format("{}: {}: dataset {} is missing", path_, what, name));
    }
    const hid_t space = H5Dget_space(set);
    const int   rank  = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    Array       result;
    std::size_t count = 1;
    for (hsize_t d : dims)
    {
        result.shape.push_back(static_cast<int>(d));
        count *= d;
    }
    result.values.resize(count);
    // HDF5 converts float32 (and integer) datasets to double on reading.
    const herr_t status = count == 0 ? 0
                                     : H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                               result.values.data());
    H5Sclose(space);
    H5Dclose(set);
    if (status < 0)
    {
        throw Error(fmt::format("{}: {}: cannot read dataset {} as numbers", path_, what, name));
    }
    return result;
}
} // namespace dgmx::native
