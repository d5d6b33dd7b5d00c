/*! \file
 * \brief Model metadata from the model file (see model_metadata.h).
 */
#include "backends/deepmd/model_metadata.h"

#include "common/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace dgmx::deepmd_c
{
namespace
{
//! Descriptor types whose layers exchange features with neighbours (DeePMD-kit 3.x names).
bool descriptorPassesMessages(const nlohmann::json& d, std::string& why)
{
    const std::string type = d.value("type", "");
    if (type == "dpa3")
    {
        why = "descriptor type dpa3 (repflow layers pass messages)";
        return true;
    }
    if (type == "dpa2")
    {
        int layers = 3; // DeePMD-kit's default repformer nlayers
        if (d.contains("repformer") && d["repformer"].is_object())
        {
            layers = d["repformer"].value("nlayers", layers);
        }
        why = "descriptor type dpa2 with " + std::to_string(layers) + " repformer layers";
        return layers > 0;
    }
    if (type == "hybrid" && d.contains("list") && d["list"].is_array())
    {
        for (const auto& sub : d["list"])
        {
            if (sub.is_object() && descriptorPassesMessages(sub, why))
            {
                why = "hybrid descriptor containing " + why;
                return true;
            }
        }
    }
    why = "descriptor type " + type + " (single-layer neighbourhood, no message passing)";
    return false;
}

//! Finds the pickled JSON string that holds a "descriptor" object.
std::optional<nlohmann::json> findDefinition(const std::vector<char>& bytes, std::string& raw)
{
    // Pickle BINUNICODE: 'X', 4-byte little-endian length, UTF-8 bytes.
    const std::size_t n = bytes.size();
    for (std::size_t p = 0; p + 6 < n; ++p)
    {
        if (bytes[p] != 'X' || bytes[p + 5] != '{')
        {
            continue;
        }
        std::uint32_t len = 0;
        std::memcpy(&len, &bytes[p + 1], 4);
        if (len < 20 || p + 5 + len > n || bytes[p + 5 + len - 1] != '}')
        {
            continue;
        }
        std::string text(&bytes[p + 5], len);
        if (text.find("\"descriptor\"") == std::string::npos)
        {
            continue;
        }
        auto json = nlohmann::json::parse(text, nullptr, false);
        if (!json.is_discarded() && json.is_object() && json.contains("descriptor"))
        {
            raw = std::move(text);
            return json;
        }
    }
    return std::nullopt;
}

//! Sums the sizes of the archive's tensor storages (entries ".../data/<n>") from the zip
//! central directory. Zip64 archives (over 4 GiB) are not read.
std::optional<long long> tensorStorageBytes(const std::vector<char>& bytes)
{
    auto u16 = [&](std::size_t p) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[p]))
               | (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[p + 1])) << 8);
    };
    auto u32 = [&](std::size_t p) { return u16(p) | (u16(p + 2) << 16); };
    long long total = 0;
    bool      any   = false;
    for (std::size_t p = 0; p + 46 < bytes.size(); ++p)
    {
        if (bytes[p] != 'P' || bytes[p + 1] != 'K' || bytes[p + 2] != 1 || bytes[p + 3] != 2)
        {
            continue;
        }
        const std::uint32_t size    = u32(p + 24);
        const std::uint32_t nameLen = u16(p + 28);
        if (p + 46 + nameLen > bytes.size() || size == 0xFFFFFFFFU)
        {
            continue;
        }
        const std::string name(&bytes[p + 46], nameLen);
        const auto        slash = name.rfind("/data/");
        if (slash != std::string::npos && name.find('.', slash) == std::string::npos)
        {
            total += size;
            any = true;
        }
    }
    return any ? std::optional<long long>(total) : std::nullopt;
}

bool contains(const std::vector<char>& bytes, const std::string& needle)
{
    return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
}

//! Descriptor type, precision and message passing from the model definition (JSON; a missing
//! "descriptor" key is added as null, as operator[] does).
void fromDefinition(nlohmann::json& def, ModelMetadata& meta)
{
    const auto& d   = def["descriptor"];
    meta.descriptor = d.is_object() ? d.value("type", "") : "";
    if (d.is_object())
    {
        meta.precision = d.value("precision", "");
    }
    if (def.contains("fitting_net") && def["fitting_net"].is_object() && meta.precision.empty())
    {
        meta.precision = def["fitting_net"].value("precision", "");
    }
    if (meta.precision.empty())
    {
        meta.precision = "float64"; // DeePMD-kit's default
    }
    if (d.is_object())
    {
        std::string why;
        meta.messagePassing         = descriptorPassesMessages(d, why);
        meta.messagePassingEvidence = "model definition: " + why;
    }
}

//! Message passing from the module code a TorchScript archive holds (no definition found).
void fromArchiveModules(const std::vector<char>& bytes, ModelMetadata& meta)
{
    // Heuristic without a definition: the archive holds the code of every module used.
    for (const char* module : { "descriptor/repformers.py", "descriptor/repflows.py",
                                "descriptor/dpa2.py", "descriptor/dpa3.py" })
    {
        if (contains(bytes, module))
        {
            meta.messagePassing         = true;
            meta.messagePassingEvidence = std::string("archive contains ") + module;
            break;
        }
    }
    if (!meta.messagePassing.has_value() && contains(bytes, "model/descriptor/"))
    {
        meta.messagePassing         = false;
        meta.messagePassingEvidence = "archive holds no DPA-2/DPA-3 descriptor module";
    }
}
} // namespace

ModelMetadata readModelMetadata(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        throw Error("cannot open DeePMD-kit model file '" + path
                    + "': check the path (relative paths are taken from the working directory)");
    }
    ModelMetadata meta;
    std::vector<char> head(4);
    in.read(head.data(), 4);
    if (!in || std::memcmp(head.data(), "PK\x03\x04", 4) != 0)
    {
        meta.format = "unknown";
        return meta;
    }
    in.seekg(0);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    meta.format = contains(bytes, "code/__torch__/") ? "pytorch-torchscript" : "zip";
    meta.tensorBytes = tensorStorageBytes(bytes);

    if (auto def = findDefinition(bytes, meta.definitionJson))
    {
        fromDefinition(*def, meta);
    }
    if (!meta.messagePassing.has_value() && meta.format == "pytorch-torchscript")
    {
        fromArchiveModules(bytes, meta);
    }
    return meta;
}
} // namespace dgmx::deepmd_c
