/*! \file
 * \brief What the C API does not tell about a model, read from the model file itself.
 * Private to backends/deepmd.
 *
 * A frozen PyTorch model (.pth) is a TorchScript zip archive whose entries are stored
 * uncompressed; its pickled attributes include model_def_script, the JSON model definition
 * DeePMD-kit was built from (descriptor type and settings, precision). The archive's entry
 * names also show which descriptor modules it contains. Both are read without unzipping.
 */
#pragma once

#include <optional>
#include <string>

namespace dgmx::deepmd_c
{
struct ModelMetadata
{
    std::string format;         //!< "pytorch-torchscript", "unknown"
    std::string descriptor;     //!< e.g. "se_atten", "se_e2_a", "dpa2"; empty if unknown
    std::string precision;      //!< "float64", "float32", ...; empty if unknown
    //! True/false when known. Message-passing descriptors (DPA-2 with repformer layers,
    //! DPA-3) need ghost features exchanged layer by layer, which this code does not do.
    std::optional<bool> messagePassing;
    std::string         messagePassingEvidence; //!< how it was decided, for messages
    std::string         definitionJson;         //!< model_def_script, when found
    //! Bytes of tensor storage in the archive (parameters and buffers), when readable.
    std::optional<long long> tensorBytes;
};

//! Never throws for unreadable content: fields stay empty. Throws only if the file is missing.
ModelMetadata readModelMetadata(const std::string& path);
} // namespace dgmx::deepmd_c
