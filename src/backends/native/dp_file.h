/*! \file
 * \brief Reader of DeePMD-kit's backend-independent model file (`.dp`, written by
 * `dp convert-backend`): an HDF5 file whose root attribute "json" holds the serialised model
 * dict, where every array is replaced by the name of a dataset ("/variable_NNNN").
 */
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace dgmx::native
{
//! An array read from the file, converted to double, with its shape.
struct Array
{
    std::vector<double> values;
    std::vector<int>    shape;
};

class DpFile
{
public:
    //! Opens the file and parses its json; throws dgmx::Error naming the file on failure.
    explicit DpFile(const std::string& path);
    ~DpFile();
    DpFile(const DpFile&)            = delete;
    DpFile& operator=(const DpFile&) = delete;

    [[nodiscard]] const nlohmann::json& json() const { return json_; }
    //! The dataset that a json value names ("/variable_0003"); \p what names the field in errors.
    [[nodiscard]] Array array(const nlohmann::json& reference, const std::string& what) const;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string    path_;
    long long      file_ = -1; //!< hid_t, kept out of this header
    nlohmann::json json_;
};
} // namespace dgmx::native
