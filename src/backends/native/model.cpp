/*! \file
 * \brief Reading and checking a DeePMD-kit `.dp` model (see model.h). The layout is that of
 * DeePMD-kit 3's `serialize()` (deepmd/dpmodel): descriptor, fitting and model dicts.
 */
#include "backends/native/model.h"

#include "backends/native/dp_file.h"
#include "backends/native/net.h"
#include "common/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace dgmx::native
{
namespace
{
using nlohmann::json;

//! Reads one model: the file and the json path of what is being read, for every error.
class Reader
{
public:
    explicit Reader(const DpFile& file) : file_(file) {}

    [[noreturn]] void refuse(const std::string& field, const std::string& why) const
    {
        throw Error(fmt::format("{}: {}: {}. The native engine supports se_e2_a and DPA-1 "
                                "(se_atten, attn_layer = 0) energy models; use backend = deepmd "
                                "for this model", file_.path(), field, why));
    }

    const json& at(const json& parent, const std::string& key, const std::string& where) const
    {
        if (!parent.is_object() || !parent.contains(key))
        {
            refuse(where + "." + key, "missing");
        }
        return parent.at(key);
    }

    template <typename T>
    T get(const json& parent, const std::string& key, const std::string& where) const
    {
        try
        {
            return at(parent, key, where).get<T>();
        }
        catch (const json::exception&)
        {
            refuse(where + "." + key, "unexpected value " + parent.at(key).dump());
        }
    }

    //! A value that must be absent, null, false, zero or empty for the engine to be exact.
    void requireDefault(const json& parent, const std::string& key, const std::string& where) const
    {
        if (!parent.contains(key))
        {
            return;
        }
        const json& v = parent.at(key);
        const bool  isDefault = v.is_null() || (v.is_boolean() && !v.get<bool>())
                               || (v.is_number() && v.get<double>() == 0)
                               || ((v.is_array() || v.is_object()) && v.empty());
        if (!isDefault)
        {
            refuse(where + "." + key, "value " + v.dump() + " is not supported");
        }
    }

    std::vector<double> array(const json& parent, const std::string& key, const std::string& where,
                              std::size_t expected) const
    {
        const Array a = file_.array(at(at(parent, "@variables", where), key, where), where + "." + key);
        if (expected != 0 && a.values.size() != expected)
        {
            refuse(where + "." + key, fmt::format("{} values, expected {}", a.values.size(), expected));
        }
        return a.values;
    }

    Activation activation(const json& value, const std::string& where) const
    {
        if (value.is_null())
        {
            return Activation::Linear;
        }
        std::string name = value.get<std::string>();
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        if (name == "tanh") return Activation::Tanh;
        if (name == "linear" || name == "none") return Activation::Linear;
        if (name == "relu") return Activation::Relu;
        if (name == "gelu" || name == "gelu_tf") return Activation::Gelu;
        if (name == "sigmoid") return Activation::Sigmoid;
        if (name == "silu") return Activation::Silu;
        if (name == "softplus") return Activation::Softplus;
        refuse(where + ".activation_function", "activation \"" + name + "\" is not implemented");
    }

    Layer layer(const json& data, const std::string& where) const
    {
        Layer       l;
        const auto  w = file_.array(at(at(data, "@variables", where), "w", where), where + ".w");
        if (w.shape.size() != 2)
        {
            refuse(where + ".w", "not a matrix");
        }
        l.in  = w.shape[0];
        l.out = w.shape[1];
        l.w   = w.values;
        const json& vars = data.at("@variables");
        if (vars.contains("b") && !vars.at("b").is_null())
        {
            l.b = array(data, "b", where, static_cast<std::size_t>(l.out));
        }
        if (vars.contains("idt") && !vars.at("idt").is_null())
        {
            l.idt = array(data, "idt", where, static_cast<std::size_t>(l.out));
        }
        l.activation = activation(data.contains("activation_function") ? data.at("activation_function")
                                                                       : json(nullptr), where);
        l.resnet = get<bool>(data, "resnet", where);
        return l;
    }

    Net net(const json& data, const std::string& where) const
    {
        Net         n;
        const json& layers = at(data, "layers", where);
        for (std::size_t i = 0; i < layers.size(); ++i)
        {
            n.layers.push_back(layer(layers[i], fmt::format("{}.layers[{}]", where, i)));
            if (i > 0 && n.layers[i].in != n.layers[i - 1].out)
            {
                refuse(where, "consecutive layers of mismatched widths");
            }
        }
        if (n.layers.empty())
        {
            refuse(where + ".layers", "empty network");
        }
        return n;
    }

    std::vector<Net> collection(const json& data, const std::string& where, int& ndim) const
    {
        ndim = get<int>(data, "ndim", where);
        const json&      nets = at(data, "networks", where);
        std::vector<Net> result;
        for (std::size_t i = 0; i < nets.size(); ++i)
        {
            if (nets[i].is_null())
            {
                refuse(fmt::format("{}.networks[{}]", where, i), "network missing");
            }
            result.push_back(net(nets[i], fmt::format("{}.networks[{}]", where, i)));
        }
        return result;
    }

    //! Type pairs -> symmetric ntypes x ntypes mask.
    std::vector<char> pairMask(const json& pairs, int ntypes, const std::string& where) const
    {
        std::vector<char> mask(static_cast<std::size_t>(ntypes * ntypes), 0);
        for (const auto& p : pairs)
        {
            const int a = p.at(0).get<int>(), b = p.at(1).get<int>();
            if (a < 0 || b < 0 || a >= ntypes || b >= ntypes)
            {
                refuse(where, "type index out of range in " + p.dump());
            }
            mask[a * ntypes + b] = mask[b * ntypes + a] = 1;
        }
        return mask;
    }

    std::vector<char> typeMask(const json& types, int ntypes, const std::string& where) const
    {
        std::vector<char> mask(static_cast<std::size_t>(ntypes), 0);
        for (const auto& t : types)
        {
            const int a = t.get<int>();
            if (a < 0 || a >= ntypes)
            {
                refuse(where, "type index out of range: " + t.dump());
            }
            mask[a] = 1;
        }
        return mask;
    }

private:
    const DpFile& file_;
};

void readEnvironment(const Reader& r, const json& d, int ntypes, Descriptor& out, const std::string& where)
{
    out.rcut       = r.get<double>(d, "rcut", where);
    out.rcutSmooth = r.get<double>(d, "rcut_smth", where);
    const json& env = r.at(d, "env_mat", where);
    out.protection  = r.get<double>(env, "protection", where + ".env_mat");
    r.requireDefault(env, "use_exp_switch", where + ".env_mat");
    r.requireDefault(d, "compress", where);
    r.requireDefault(d, "spin", where);
    if (!(out.rcutSmooth < out.rcut))
    {
        r.refuse(where + ".rcut_smth", "must be below rcut");
    }
    const auto neuron = r.get<std::vector<int>>(d, "neuron", where);
    out.ng            = neuron.empty() ? 0 : neuron.back();
    out.axisNeuron    = r.get<int>(d, "axis_neuron", where);
    if (out.axisNeuron > out.ng || out.ng == 0)
    {
        r.refuse(where + ".axis_neuron", "must not exceed the embedding width");
    }
    out.selOffset = { 0 };
    for (int s : out.sel)
    {
        out.selOffset.push_back(out.selOffset.back() + s);
    }
    out.nnei         = out.selOffset.back();
    const auto n     = static_cast<std::size_t>(ntypes * out.nnei * 4);
    out.davg         = r.array(d, "davg", where, n);
    out.dstd         = r.array(d, "dstd", where, n);
    out.pairExcluded = r.pairMask(r.at(d, "exclude_types", where), ntypes, where + ".exclude_types");
    out.typeOneSide  = r.get<bool>(d, "type_one_side", where);
}

void readSeA(const Reader& r, const json& d, int ntypes, Descriptor& out)
{
    const std::string where = "model.descriptor";
    out.kind = DescriptorKind::SeA;
    out.sel  = r.get<std::vector<int>>(d, "sel", where);
    if (static_cast<int>(out.sel.size()) != ntypes)
    {
        r.refuse(where + ".sel", "needs one entry per type");
    }
    readEnvironment(r, d, ntypes, out, where);
    int ndim        = 0;
    out.embeddings  = r.collection(r.at(d, "embeddings", where), where + ".embeddings", ndim);
    const int want  = out.typeOneSide ? 1 : 2;
    const auto nets = static_cast<std::size_t>(out.typeOneSide ? ntypes : ntypes * ntypes);
    if (ndim != want || out.embeddings.size() != nets)
    {
        r.refuse(where + ".embeddings.ndim", "does not match type_one_side");
    }
    for (const auto& net : out.embeddings)
    {
        if (net.inDim() != 1 || net.outDim() != out.ng)
        {
            r.refuse(where + ".embeddings", "embedding nets must map 1 -> neuron[-1]");
        }
    }
}

void readTypeEmbedding(const Reader& r, const json& d, int ntypes, Descriptor& out)
{
    const std::string where = "model.descriptor.type_embedding";
    const json&       te    = r.at(d, "type_embedding", "model.descriptor");
    r.requireDefault(te, "use_econf_tebd", where);
    const Net net = r.net(r.at(te, "embedding", where), where + ".embedding");
    if (net.inDim() != ntypes)
    {
        r.refuse(where, "input width differs from the number of types");
    }
    out.tebdDim = net.outDim();
    out.typeEmbedding.assign(static_cast<std::size_t>((ntypes + 1) * out.tebdDim), 0.0);
    // T_t = net(e_t), e_t the one-hot vector of type t (TypeEmbedNet.call); row ntypes: padding.
    for (int t = 0; t < ntypes; ++t)
    {
        std::vector<double> onehot(static_cast<std::size_t>(ntypes), 0.0), y;
        onehot[t] = 1.0;
        evaluateNetDouble(net, onehot, y);
        std::copy(y.begin(), y.end(), out.typeEmbedding.begin() + t * out.tebdDim);
    }
}

void readSeAtten(const Reader& r, const json& d, int ntypes, Descriptor& out)
{
    const std::string where = "model.descriptor";
    out.kind = DescriptorKind::SeAtten;
    out.sel  = { r.get<std::vector<int>>(d, "sel", where).at(0) };
    readEnvironment(r, d, ntypes, out, where);
    if (r.get<int>(d, "attn_layer", where) != 0)
    {
        r.refuse(where + ".attn_layer", fmt::format("{} attention layers: the native engine runs "
                 "DPA-1 without attention layers only (attn_layer = 0)", d.at("attn_layer").dump()));
    }
    if (d.contains("lmax") && d.at("lmax").get<int>() != 1)
    {
        r.refuse(where + ".lmax", "only lmax = 1 is supported");
    }
    r.requireDefault(d, "use_tebd_bias", where);
    const auto mode = r.get<std::string>(d, "tebd_input_mode", where);
    if (mode != "concat" && mode != "strip")
    {
        r.refuse(where + ".tebd_input_mode", "\"" + mode + "\" is not supported");
    }
    out.strip            = mode == "strip";
    out.smooth           = r.get<bool>(d, "smooth_type_embedding", where);
    out.concatOutputTebd = r.get<bool>(d, "concat_output_tebd", where);
    readTypeEmbedding(r, d, ntypes, out);
    int ndim       = 0;
    out.embeddings = r.collection(r.at(d, "embeddings", where), where + ".embeddings", ndim);
    const int in   = out.strip ? 1 : 1 + (out.typeOneSide ? 1 : 2) * out.tebdDim;
    if (ndim != 0 || out.embeddings.size() != 1 || out.embeddings[0].inDim() != in
        || out.embeddings[0].outDim() != out.ng)
    {
        r.refuse(where + ".embeddings", "unexpected shape of the embedding net");
    }
    if (out.strip)
    {
        auto strip = r.collection(r.at(d, "embeddings_strip", where), where + ".embeddings_strip", ndim);
        if (strip.size() != 1 || strip[0].outDim() != out.ng
            || strip[0].inDim() != (out.typeOneSide ? 1 : 2) * out.tebdDim)
        {
            r.refuse(where + ".embeddings_strip", "unexpected shape of the strip net");
        }
        out.stripNet = strip[0];
    }
}

void readFitting(const Reader& r, const json& f, int ntypes, int dimDescriptor, Fitting& out)
{
    const std::string where = "model.fitting";
    if (r.get<std::string>(f, "type", where) != "ener")
    {
        r.refuse(where + ".type", "only energy fitting (\"ener\") is supported");
    }
    for (const char* key : { "numb_fparam", "numb_aparam", "dim_case_embd", "atom_ener",
                             "layer_name", "spin", "use_aparam_as_mask", "remove_vaccum_contribution" })
    {
        r.requireDefault(f, key, where);
    }
    if (r.get<int>(f, "dim_out", where) != 1 || r.get<int>(f, "dim_descrpt", where) != dimDescriptor)
    {
        r.refuse(where + ".dim_descrpt", "does not match the descriptor");
    }
    out.mixedTypes = r.get<bool>(f, "mixed_types", where);
    int ndim       = 0;
    out.nets       = r.collection(r.at(f, "nets", where), where + ".nets", ndim);
    if (out.nets.size() != static_cast<std::size_t>(out.mixedTypes ? 1 : ntypes))
    {
        r.refuse(where + ".nets", "number of nets does not match mixed_types");
    }
    for (const auto& net : out.nets)
    {
        if (net.inDim() != dimDescriptor || net.outDim() != 1)
        {
            r.refuse(where + ".nets", "fitting nets must map the descriptor to one energy");
        }
    }
    out.biasAtomE = r.array(f, "bias_atom_e", where, static_cast<std::size_t>(ntypes));
    // DeePMD-kit's DPAtomicModel replaces the fitting's exclude_types by the model's
    // atom_exclude_types (fitting_net.reinit_exclude), so the stored value is not used.
}

long long countParameters(const std::vector<Net>& nets)
{
    long long n = 0;
    for (const auto& net : nets)
    {
        for (const auto& l : net.layers)
        {
            n += static_cast<long long>(l.w.size() + l.b.size() + l.idt.size());
        }
    }
    return n;
}
} // namespace

Model readModel(const std::string& path)
{
    const DpFile file(path);
    const Reader r(file);
    Model        m;
    m.path               = path;
    const json& root     = file.json();
    const json& model    = r.at(root, "model", "");
    const std::string wm = "model";
    if (r.get<std::string>(model, "type", wm) != "standard")
    {
        r.refuse("model.type", "only standard models (descriptor + fitting) are supported");
    }
    r.requireDefault(model, "preset_out_bias", wm);
    m.typeMap = r.get<std::vector<std::string>>(model, "type_map", wm);
    m.ntypes  = static_cast<int>(m.typeMap.size());
    const json& d = r.at(model, "descriptor", wm);
    m.descriptorName = r.get<std::string>(d, "type", "model.descriptor");
    const std::string precision = r.get<std::string>(d, "precision", "model.descriptor");
    if (precision != "float64" && precision != "float32")
    {
        r.refuse("model.descriptor.precision", "\"" + precision + "\" (float64 or float32 only)");
    }
    m.single = precision == "float32";
    if (m.descriptorName == "se_e2_a" || m.descriptorName == "se_a")
    {
        readSeA(r, d, m.ntypes, m.descriptor);
    }
    else if (m.descriptorName == "dpa1" || m.descriptorName == "se_atten")
    {
        readSeAtten(r, d, m.ntypes, m.descriptor);
    }
    else
    {
        r.refuse("model.descriptor.type", "\"" + m.descriptorName + "\" is not implemented natively");
    }
    const json& f = r.at(model, "fitting", wm);
    if (r.get<std::string>(f, "precision", "model.fitting") != precision)
    {
        r.refuse("model.fitting.precision", "differs from the descriptor's precision");
    }
    readFitting(r, f, m.ntypes, m.descriptor.outDim(), m.fitting);
    const auto bias = r.array(model, "out_bias", wm, static_cast<std::size_t>(m.ntypes));
    m.outBias       = bias;
    m.atomExcluded  = r.typeMask(r.at(model, "atom_exclude_types", wm), m.ntypes, "model.atom_exclude_types");
    m.fitting.excluded = m.atomExcluded;
    m.pairExcluded  = r.pairMask(r.at(model, "pair_exclude_types", wm), m.ntypes, "model.pair_exclude_types");
    m.parameters    = countParameters(m.descriptor.embeddings) + countParameters(m.fitting.nets)
                   + (m.descriptor.strip ? countParameters({ m.descriptor.stripNet }) : 0);
    return m;
}
} // namespace dgmx::native
