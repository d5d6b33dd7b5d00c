/*! \file
 * \brief Networks of a model in the engine's precision T: batched forward over rows with
 * what the backward pass needs kept, and the reverse pass to the inputs (no weight
 * gradients). Layer rule as DeePMD-kit's NativeLayer: y = resnet(x) + idt * act(x W + b).
 */
#pragma once

#include "backends/native/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace dgmx::native
{
template <typename T>
struct LayerT
{
    int            in = 0, out = 0;
    std::vector<T> w, b, idt; //!< w: in x out row-major; b, idt: out or empty
    std::vector<T> wt;        //!< w transposed (out x in), for the reverse pass
    Activation     activation = Activation::Linear;
    int            resnet     = 0; //!< 0 none, 1 y += x, 2 y += [x, x]
};

/*! tanh to about 1 ulp (Cephes' rational form below 0.625, 1 - 2/(e^2x + 1) above, with a
 *  Cephes-Pade exp), branch-free so that loops over it vectorise; libm's tanh is neither
 *  inlined nor vectorised and was a third of the engine's time. */
inline double fastTanh(double x)
{
    const double a = std::abs(x);
    // Small |x|: x + x z P(z)/Q(z), z = x^2.
    const double z  = x * x;
    const double p  = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z - 1.61468768441708447952e3;
    const double q  = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3;
    const double small = x + x * z * p / q;
    // Large |x|: exp(2a) = 2^k exp(r), |r| <= ln2/2.
    const double t  = std::min(2.0 * a, 700.0);
    const double kf = std::nearbyint(t * 1.4426950408889634074);
    const double r  = (t - kf * 6.93145751953125e-1) - kf * 1.42860682030941723212e-6;
    const double rr = r * r;
    const double pr = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1);
    const double qr = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr + 2.27265548208155028766e-1) * rr
                      + 2.00000000000000000009e0;
    const double er = 1.0 + 2.0 * pr / (qr - pr);
    const auto   bits = static_cast<unsigned long long>(static_cast<long long>(kf) + 1023) << 52;
    double       scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const double large = 1.0 - 2.0 / (er * scale + 1.0);
    const double y     = a < 0.625 ? small : (a > 22.0 ? 1.0 : large);
    return a < 0.625 ? y : std::copysign(y, x);
}

//! Activation value and derivative at z.
template <typename T>
inline void activate(Activation a, T z, T& y, T& dy)
{
    switch (a)
    {
        case Activation::Linear: y = z; dy = T(1); return;
        case Activation::Tanh: y = static_cast<T>(fastTanh(static_cast<double>(z))); dy = T(1) - y * y; return;
        case Activation::Relu: y = z > 0 ? z : T(0); dy = z > 0 ? T(1) : T(0); return;
        case Activation::Gelu:
        {
            const T c = T(0.7978845608028654), k = T(0.044715); // sqrt(2/pi)
            const T t = std::tanh(c * (z + k * z * z * z));
            y  = T(0.5) * z * (T(1) + t);
            dy = T(0.5) * (T(1) + t) + T(0.5) * z * (T(1) - t * t) * c * (T(1) + T(3) * k * z * z);
            return;
        }
        case Activation::Sigmoid: y = T(1) / (T(1) + std::exp(-z)); dy = y * (T(1) - y); return;
        case Activation::Silu:
        {
            const T s = T(1) / (T(1) + std::exp(-z));
            y  = z * s;
            dy = s + z * s * (T(1) - s);
            return;
        }
        case Activation::Softplus:
            y  = std::log1p(std::exp(-std::abs(z))) + std::max(z, T(0));
            dy = T(1) / (T(1) + std::exp(-z));
            return;
    }
}

template <typename T>
class NetT
{
public:
    NetT() = default;
    explicit NetT(const Net& net)
    {
        for (const auto& l : net.layers)
        {
            LayerT<T> t;
            t.in = l.in;
            t.out = l.out;
            t.w.assign(l.w.begin(), l.w.end());
            t.wt.resize(t.w.size());
            for (int i = 0; i < l.in; ++i)
                for (int o = 0; o < l.out; ++o) t.wt[static_cast<std::size_t>(o) * l.in + i] = t.w[static_cast<std::size_t>(i) * l.out + o];
            t.b.assign(l.b.begin(), l.b.end());
            t.idt.assign(l.idt.begin(), l.idt.end());
            t.activation = l.activation;
            t.resnet = !l.resnet ? 0 : (l.out == l.in ? 1 : (l.out == 2 * l.in ? 2 : 0));
            layers_.push_back(std::move(t));
            stored_ += static_cast<std::size_t>(l.out);
        }
    }
    [[nodiscard]] int inDim() const { return layers_.front().in; }
    [[nodiscard]] const LayerT<T>& firstLayer() const { return layers_.front(); }
    [[nodiscard]] int outDim() const { return layers_.back().out; }
    //! Values kept per row by forward() for backward(): outputs and activation slopes.
    [[nodiscard]] std::size_t storedPerRow() const { return 2 * stored_; }
    [[nodiscard]] int maxWidth() const
    {
        int m = inDim();
        for (const auto& l : layers_) m = std::max(m, l.out);
        return m;
    }

    /*! Forward over \p rows inputs x (rows x inDim). \p keep (rows x storedPerRow()) receives
     *  each layer's output then its slope (idt * act'); the net's output is the last layer's
     *  output in keep, returned as a pointer with row stride storedPerRow(). */
    const T* forward(const T* x, int rows, T* keep) const { return forward(x, rows, keep, inDim(), nullptr); }

    /*! As forward(), with rows of \p inUsed leading inputs (stride inUsed) and, per row, the
     *  first layer's bias plus the contribution of the inputs left out (\p rowBias[r], out
     *  values): the type-embedding part of DPA-1's embedding input is the same for every
     *  neighbour of a type, so it is computed once per type. */
    const T* forward(const T* x, int rows, T* keep, int inUsed, const T* const* rowBias) const
    {
        const std::size_t stride = storedPerRow();
        std::size_t       offset = 0;
        const T*          in     = x;
        std::size_t       inStride = static_cast<std::size_t>(inUsed);
        for (std::size_t li = 0; li < layers_.size(); ++li)
        {
            const auto& l = layers_[li];
            for (int r = 0; r < rows; ++r)
            {
                const T* xr = in + r * inStride;
                T*       y  = keep + r * stride + offset;
                T*       dy = y + stored_;
                layerForwardRow(l, xr, y, dy, li == 0 ? inUsed : l.in, li == 0 && rowBias ? rowBias[r] : nullptr);
            }
            in       = keep + offset;
            inStride = stride;
            offset += static_cast<std::size_t>(l.out);
        }
        return in;
    }

    /*! Backward: given dE/d(output) (rows x outDim, stride \p gStride) and the kept values,
     *  writes dE/d(input) (rows x inDim) to \p gx. \p work: 2 * maxWidth() per call. */
    void backward(const T* keep, const T* gOut, int gStride, int rows, T* gx, T* work) const
    {
        backward(keep, gOut, gStride, rows, gx, work, inDim());
    }

    //! As backward(), writing only the first \p inNeeded input gradients (row stride inNeeded).
    void backward(const T* keep, const T* gOut, int gStride, int rows, T* gx, T* work, int inNeeded) const
    {
        const std::size_t stride = storedPerRow();
        const int         w      = maxWidth();
        for (int r = 0; r < rows; ++r)
        {
            T* g    = work;
            T* next = work + w;
            std::copy(gOut + r * gStride, gOut + r * gStride + outDim(), g);
            std::size_t offset = stored_;
            for (int li = static_cast<int>(layers_.size()) - 1; li >= 0; --li)
            {
                const auto& l = layers_[li];
                offset -= static_cast<std::size_t>(l.out);
                const T* dy = keep + r * stride + stored_ + offset;
                layerBackwardRow(l, dy, g, next, li == 0 ? inNeeded : l.in);
                std::swap(g, next);
            }
            std::copy(g, g + inNeeded, gx + r * inNeeded);
        }
    }

private:
    static void layerForwardRow(const LayerT<T>& l, const T* x, T* y, T* dy, int inUsed, const T* bias)
    {
        for (int o = 0; o < l.out; ++o)
        {
            y[o] = bias ? bias[o] : (l.b.empty() ? T(0) : l.b[o]);
        }
        for (int i = 0; i < inUsed; ++i)
        {
            const T  xi = x[i];
            const T* wi = l.w.data() + static_cast<std::size_t>(i) * l.out;
            for (int o = 0; o < l.out; ++o)
            {
                y[o] += xi * wi[o];
            }
        }
        if (l.activation == Activation::Tanh)
        {
            for (int o = 0; o < l.out; ++o) // the common case, vectorised
            {
                const T a = static_cast<T>(fastTanh(static_cast<double>(y[o])));
                y[o]      = a;
                dy[o]     = T(1) - a * a;
            }
        }
        else
        {
            for (int o = 0; o < l.out; ++o)
            {
                T a = 0, da = 0;
                activate(l.activation, y[o], a, da);
                y[o]  = a;
                dy[o] = da;
            }
        }
        if (!l.idt.empty())
        {
            for (int o = 0; o < l.out; ++o)
            {
                y[o] *= l.idt[o];
                dy[o] *= l.idt[o];
            }
        }
        if (l.resnet == 1)
        {
            for (int o = 0; o < l.out; ++o) y[o] += x[o];
        }
        else if (l.resnet == 2)
        {
            for (int o = 0; o < l.out; ++o) y[o] += x[o % l.in];
        }
    }

    //! g: dE/dy (out) -> gx: dE/dx (in).
    static void layerBackwardRow(const LayerT<T>& l, const T* dy, const T* g, T* gx, int inNeeded)
    {
        T gz[1024];
        T* z = gz;
        std::vector<T> big;
        if (l.out > 1024)
        {
            big.resize(static_cast<std::size_t>(l.out));
            z = big.data();
        }
        for (int o = 0; o < l.out; ++o)
        {
            z[o] = g[o] * dy[o];
        }
        for (int i = 0; i < inNeeded; ++i) gx[i] = T(0);
        for (int o = 0; o < l.out; ++o)
        {
            const T  zo = z[o];
            const T* wo = l.wt.data() + static_cast<std::size_t>(o) * l.in;
            for (int i = 0; i < inNeeded; ++i) gx[i] += wo[i] * zo;
        }
        if (l.resnet == 1)
        {
            for (int i = 0; i < inNeeded; ++i) gx[i] += g[i];
        }
        else if (l.resnet == 2)
        {
            for (int i = 0; i < inNeeded; ++i) gx[i] += g[i] + g[i + l.in];
        }
    }

    std::vector<LayerT<T>> layers_;
    std::size_t            stored_ = 0;
};

//! Plain double evaluation of a net on one input, for constants computed at load time.
inline void evaluateNetDouble(const Net& net, const std::vector<double>& x, std::vector<double>& y)
{
    const NetT<double>  n(net);
    std::vector<double> keep(n.storedPerRow());
    const double*       out = n.forward(x.data(), 1, keep.data());
    y.assign(out, out + n.outDim());
}
} // namespace dgmx::native
