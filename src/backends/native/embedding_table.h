/*! \file
 * \brief A one-input embedding net G(x) tabulated on a uniform grid: the native engine's
 * counterpart of DeePMD-kit's model compression (`dp compress`). Each knot stores G and dG/dx,
 * both exact (forward-mode derivative of the net in double); between knots G is the cubic
 * Hermite interpolant, so value and slope are continuous. Outside [lo, hi] lookup() declines
 * and the caller evaluates the net itself, so close contacts are never extrapolated.
 */
#pragma once

#include "backends/native/model.h"
#include "backends/native/net.h"

#include <cmath>
#include <vector>

namespace dgmx::native
{
//! G(x) and dG/dx of a net with one input, in double, by forward-mode differentiation.
inline void netValueAndSlope(const Net& net, double x, std::vector<double>& y, std::vector<double>& dy)
{
    y.assign(1, x);
    dy.assign(1, 1.0);
    for (const auto& l : net.layers)
    {
        std::vector<double> z(l.b.empty() ? std::vector<double>(l.out, 0.0) : l.b), dz(l.out, 0.0);
        for (int i = 0; i < l.in; ++i)
        {
            for (int o = 0; o < l.out; ++o)
            {
                z[o] += y[i] * l.w[static_cast<std::size_t>(i) * l.out + o];
                dz[o] += dy[i] * l.w[static_cast<std::size_t>(i) * l.out + o];
            }
        }
        std::vector<double> ny(l.out), ndy(l.out);
        for (int o = 0; o < l.out; ++o)
        {
            double a = 0, da = 0;
            activate<double>(l.activation, z[o], a, da);
            const double idt = l.idt.empty() ? 1.0 : l.idt[o];
            ny[o]            = idt * a;
            ndy[o]           = idt * da * dz[o];
            if (l.resnet && (l.out == l.in || l.out == 2 * l.in))
            {
                ny[o] += y[o % l.in];
                ndy[o] += dy[o % l.in];
            }
        }
        y.swap(ny);
        dy.swap(ndy);
    }
}

template <typename T>
class EmbeddingTable
{
public:
    EmbeddingTable() = default;
    //! Tabulates `net` (one input) on [lo, hi] with `intervals` equal steps.
    EmbeddingTable(const Net& net, double lo, double hi, int intervals)
        : lo_(lo), hi_(hi), h_((hi - lo) / intervals), intervals_(intervals), width_(net.outDim())
    {
        knots_.resize(static_cast<std::size_t>(intervals + 1) * 2 * width_);
        std::vector<double> y, dy;
        for (int k = 0; k <= intervals; ++k)
        {
            netValueAndSlope(net, lo + k * h_, y, dy);
            T* knot = knots_.data() + static_cast<std::size_t>(k) * 2 * width_;
            for (int m = 0; m < width_; ++m)
            {
                knot[m]          = static_cast<T>(y[m]);
                knot[width_ + m] = static_cast<T>(dy[m] * h_); // slope per step
            }
        }
    }

    [[nodiscard]] bool covers(double x) const { return x >= lo_ && x < hi_; }

    //! G(x) into g and dG/dx into dg (width values each); x must be covered.
    void lookup(double x, T* g, T* dg) const
    {
        const double u  = (x - lo_) / h_;
        const int    k  = std::min(static_cast<int>(u), intervals_ - 1);
        const T      t  = static_cast<T>(u - k), t2 = t * t, t3 = t2 * t;
        const T      h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
        const T      d00 = 6 * t2 - 6 * t, d10 = 3 * t2 - 4 * t + 1, d01 = -6 * t2 + 6 * t, d11 = 3 * t2 - 2 * t;
        const T      invH = static_cast<T>(1.0 / h_);
        const T*     a    = knots_.data() + static_cast<std::size_t>(k) * 2 * width_;
        const T*     b    = a + 2 * width_;
        for (int m = 0; m < width_; ++m)
        {
            const T y0 = a[m], s0 = a[width_ + m], y1 = b[m], s1 = b[width_ + m];
            g[m]  = h00 * y0 + h10 * s0 + h01 * y1 + h11 * s1;
            dg[m] = (d00 * y0 + d10 * s0 + d01 * y1 + d11 * s1) * invH;
        }
    }

private:
    double         lo_ = 0, hi_ = 0, h_ = 1;
    int            intervals_ = 1, width_ = 0;
    std::vector<T> knots_; //!< per knot: G (width), then dG/dx times the step (width)
};
} // namespace dgmx::native
