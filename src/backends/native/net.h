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
    // Small |x|: x + x z P(z)/Q(z), z = x^2, as (x Q + x z P) / Q.
    const double z = x * x;
    const double p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z - 1.61468768441708447952e3;
    const double q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3;
    // Large |x|: e = exp(2a) = 2^k (Q + P)/(Q - P) (Pade on |r| <= ln2/2), tanh = (e - 1)/(e + 1).
    const double t  = std::min(2.0 * a, 60.0);
    const double kf = std::nearbyint(t * 1.4426950408889634074);
    const double r  = (t - kf * 6.93145751953125e-1) - kf * 1.42860682030941723212e-6;
    const double rr = r * r;
    const double pr = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1);
    const double qr = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr + 2.27265548208155028766e-1) * rr
                      + 2.00000000000000000009e0;
    const auto   bits = static_cast<unsigned long long>(static_cast<long long>(kf) + 1023) << 52;
    double       scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const double en = scale * (qr + pr), ed = qr - pr;
    // One division for either branch.
    const bool   small = a < 0.625;
    const double num   = small ? x * q + x * z * p : en - ed;
    const double den   = small ? q : en + ed;
    const double y     = num / den;
    return small ? y : std::copysign(y, x);
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
    [[nodiscard]] int outDim() const { return layers_.back().out; }
    [[nodiscard]] const LayerT<T>& firstLayer() const { return layers_.front(); }
    //! Values kept per row by forward() for backward(): every layer's output and slope.
    [[nodiscard]] std::size_t storedPerRow() const { return 2 * stored_; }
    [[nodiscard]] int maxWidth() const
    {
        int m = inDim();
        for (const auto& l : layers_) m = std::max(m, l.out);
        return m;
    }

    const T* forward(const T* x, int rows, T* keep) const { return forward(x, rows, keep, inDim(), nullptr); }

    /*! Forward over \p rows inputs (rows x inUsed). \p keep (rows x storedPerRow()) receives,
     *  layer after layer, the block of outputs (rows x out) and the block of slopes
     *  (idt * act'), so that element-wise work runs over whole blocks. Returns the output block
     *  (rows x outDim, contiguous). With \p inUsed < inDim, \p rowBias[r] holds the first
     *  layer's bias plus the contribution of the inputs left out: the type-embedding part of
     *  DPA-1's embedding input is the same for every neighbour of a type. */
    const T* forward(const T* x, int rows, T* keep, int inUsed, const T* const* rowBias) const
    {
        const T* in     = x;
        int      inStep = inUsed;
        T*       block  = keep;
        for (std::size_t li = 0; li < layers_.size(); ++li)
        {
            const auto& l  = layers_[li];
            T*          y  = block;
            T*          dy = block + static_cast<std::size_t>(rows) * l.out;
            for (int r = 0; r < rows; ++r)
            {
                affineRow(l, in + static_cast<std::size_t>(r) * inStep, y + static_cast<std::size_t>(r) * l.out,
                          li == 0 ? inUsed : l.in, li == 0 && rowBias ? rowBias[r] : nullptr);
            }
            activateBlock(l, y, dy, rows);
            if (l.resnet != 0)
            {
                for (int r = 0; r < rows; ++r)
                {
                    const T* xr = in + static_cast<std::size_t>(r) * inStep;
                    T*       yr = y + static_cast<std::size_t>(r) * l.out;
                    for (int o = 0; o < l.in; ++o) yr[o] += xr[o];
                    if (l.resnet == 2)
                    {
                        for (int o = 0; o < l.in; ++o) yr[l.in + o] += xr[o];
                    }
                }
            }
            in     = y;
            inStep = l.out;
            block  = dy + static_cast<std::size_t>(rows) * l.out;
        }
        return in;
    }

    /*! Reverse pass over the rows of one forward() call: given dE/d(output) (rows x outDim,
     *  contiguous), writes dE/d(input) for the first \p inNeeded inputs (rows x inNeeded).
     *  \p work: 2 * rows * maxWidth() values. */
    void backward(const T* keep, int rows, const T* gOut, T* gx, T* work, int inNeeded) const
    {
        const std::size_t width = static_cast<std::size_t>(rows) * maxWidth();
        T*                g     = work;
        T*                next  = work + width;
        std::copy(gOut, gOut + static_cast<std::size_t>(rows) * outDim(), g);
        std::size_t offset = 2 * static_cast<std::size_t>(rows) * stored_;
        for (int li = static_cast<int>(layers_.size()) - 1; li >= 0; --li)
        {
            const auto& l = layers_[li];
            offset -= 2 * static_cast<std::size_t>(rows) * l.out;
            const T*  dy   = keep + offset + static_cast<std::size_t>(rows) * l.out;
            const int nIn  = li == 0 ? inNeeded : l.in;
            T*        dst  = li == 0 ? gx : next;
            reverseBlock(l, dy, g, dst, rows, nIn);
            std::swap(g, next);
        }
    }

private:
    static void affineRow(const LayerT<T>& l, const T* x, T* y, int inUsed, const T* bias)
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
    }

    //! act and its slope over a whole block (rows x out), then the timestep idt.
    static void activateBlock(const LayerT<T>& l, T* y, T* dy, int rows)
    {
        const std::size_t n = static_cast<std::size_t>(rows) * l.out;
        if (l.activation == Activation::Tanh)
        {
            for (std::size_t k = 0; k < n; ++k) // the common case, vectorised
            {
                const T a = static_cast<T>(fastTanh(static_cast<double>(y[k])));
                y[k]      = a;
                dy[k]     = T(1) - a * a;
            }
        }
        else
        {
            for (std::size_t k = 0; k < n; ++k)
            {
                T a = 0, da = 0;
                activate(l.activation, y[k], a, da);
                y[k]  = a;
                dy[k] = da;
            }
        }
        if (!l.idt.empty())
        {
            for (int r = 0; r < rows; ++r)
            {
                T* yr  = y + static_cast<std::size_t>(r) * l.out;
                T* dyr = dy + static_cast<std::size_t>(r) * l.out;
                for (int o = 0; o < l.out; ++o)
                {
                    yr[o] *= l.idt[o];
                    dyr[o] *= l.idt[o];
                }
            }
        }
    }

    //! g: dE/dy (rows x out) -> gx: dE/dx (rows x nIn); g is overwritten.
    static void reverseBlock(const LayerT<T>& l, const T* dy, T* g, T* gx, int rows, int nIn)
    {
        for (int r = 0; r < rows; ++r)
        {
            T*       gr  = g + static_cast<std::size_t>(r) * l.out;
            const T* dyr = dy + static_cast<std::size_t>(r) * l.out;
            T*       gxr = gx + static_cast<std::size_t>(r) * nIn;
            T        z[1024];
            for (int o = 0; o < l.out; ++o) z[o] = gr[o] * dyr[o];
            for (int i = 0; i < nIn; ++i) gxr[i] = T(0);
            for (int o = 0; o < l.out; ++o)
            {
                const T  zo = z[o];
                const T* wo = l.wt.data() + static_cast<std::size_t>(o) * l.in;
                for (int i = 0; i < nIn; ++i) gxr[i] += wo[i] * zo;
            }
            if (l.resnet == 1)
            {
                for (int i = 0; i < nIn; ++i) gxr[i] += gr[i];
            }
            else if (l.resnet == 2)
            {
                for (int i = 0; i < nIn; ++i) gxr[i] += gr[i] + gr[i + l.in];
            }
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
