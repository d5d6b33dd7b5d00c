/*! \file
 * \brief A DeePMD-kit energy model as the native engine runs it, read from a `.dp` file:
 * the descriptor (se_e2_a, or DPA-1/se_atten without attention layers), the energy fitting
 * net and the model's statistics. Every field the engine does not implement is refused on
 * reading, with the field named. Weights stay double here; the engine casts them.
 */
#pragma once

#include <string>
#include <vector>

namespace dgmx::native
{
enum class Activation
{
    Linear,
    Tanh,
    Relu,
    Gelu, //!< tanh approximation, as DeePMD-kit's "gelu" and "gelu_tf"
    Sigmoid,
    Silu,
    Softplus
};

//! y = resnet(x) + idt * act(x W + b); resnet is x for equal widths, [x, x] when doubling.
struct Layer
{
    int                 in = 0, out = 0;
    std::vector<double> w; //!< in x out, row-major
    std::vector<double> b; //!< out, or empty (no bias)
    std::vector<double> idt; //!< out, or empty (no timestep)
    Activation          activation = Activation::Linear;
    bool                resnet     = false;
};

struct Net
{
    std::vector<Layer> layers;
    [[nodiscard]] int inDim() const { return layers.front().in; }
    [[nodiscard]] int outDim() const { return layers.back().out; }
};

enum class DescriptorKind
{
    SeA,    //!< se_e2_a: one neighbour section per type
    SeAtten //!< DPA-1 / se_atten: one mixed-type section, type embedding
};

struct Descriptor
{
    DescriptorKind   kind = DescriptorKind::SeA;
    double           rcut = 0, rcutSmooth = 0, protection = 0; //!< Angstrom
    std::vector<int> sel;        //!< slots per section (per neighbour type for se_e2_a)
    std::vector<int> selOffset;  //!< first slot of each section; back() = nnei
    int              nnei = 0, ng = 0, axisNeuron = 0;
    bool             typeOneSide = true;
    std::vector<char> pairExcluded; //!< ntypes x ntypes, descriptor exclude_types
    std::vector<double> davg, dstd; //!< ntypes x nnei x 4
    //! se_e2_a: per neighbour type (type_one_side) or per (centre, neighbour) at
    //! centre + neighbour * ntypes; se_atten: one net.
    std::vector<Net> embeddings;
    // se_atten only
    int                 tebdDim = 0;
    std::vector<double> typeEmbedding; //!< (ntypes + 1) x tebdDim, last row zero (padding)
    bool                concatOutputTebd = false;
    bool                strip            = false; //!< tebd_input_mode "strip" (else "concat")
    bool                smooth           = true;  //!< smooth_type_embedding (strip mode)
    Net                 stripNet;                 //!< strip mode: the type-embedding net
    [[nodiscard]] int   outDim() const { return ng * axisNeuron + (concatOutputTebd ? tebdDim : 0); }
};

struct Fitting
{
    std::vector<Net>    nets; //!< one per type, or one (mixed_types)
    bool                mixedTypes = false;
    std::vector<double> biasAtomE; //!< ntypes, eV
    std::vector<char>   excluded;  //!< ntypes: the model's atom_exclude_types (see model.cpp)
};

struct Model
{
    std::string              path;
    std::vector<std::string> typeMap;
    int                      ntypes = 0;
    bool                     single = false; //!< float32 networks
    Descriptor               descriptor;
    Fitting                  fitting;
    std::vector<double>      outBias;          //!< ntypes, eV
    std::vector<char>        atomExcluded;     //!< ntypes: atom energy zero
    std::vector<char>        pairExcluded;     //!< ntypes x ntypes: pair not in the list
    std::string              descriptorName;   //!< "se_e2_a", "dpa1"
    long long                parameters = 0;
};

//! Reads and checks a `.dp` file; throws dgmx::Error naming the unsupported field.
Model readModel(const std::string& path);
} // namespace dgmx::native
