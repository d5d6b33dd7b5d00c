/*! \file
 * \brief The native engine's CUDA kernels against the CPU: environment rows (value against
 * the closed form, derivative against central differences) and the embedding-net layer
 * against the CPU net (backends/native/net.h). Skipped, with the reason, without a GPU.
 */
#include "backends/native/cuda/native_cuda.h"
#include "backends/native/net.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace dgmx::test
{
namespace
{
namespace cu = dgmx::native::cuda;

void skipWithoutDevice()
{
    std::string why;
    if (!cu::deviceAvailable(why))
    {
        GTEST_SKIP() << why;
    }
}

void rowOnHost(const double* d, double rs, double rc, const double* avg, const double* sd, double* rn)
{
    const double r  = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    const double uu = std::clamp((r - rs) / (rc - rs), 0.0, 1.0);
    const double sw = uu * uu * uu * (-6 * uu * uu + 15 * uu - 10) + 1;
    rn[0]           = (sw / r - avg[0]) / sd[0];
    for (int a = 0; a < 3; ++a) rn[1 + a] = (sw * d[a] / (r * r) - avg[1 + a]) / sd[1 + a];
}

TEST(NativeCuda, EnvironmentRowsMatchTheHost)
{
    skipWithoutDevice();
    if (::testing::Test::IsSkipped()) return;
    std::mt19937_64                        rng(5);
    std::uniform_real_distribution<double> u(-3.5, 3.5);
    const int                              n = 200;
    std::vector<double> d(3 * n), avg(4 * n, 0.05), sd(4 * n, 0.2), rn(4 * n), drn(12 * n);
    for (auto& v : d) v = u(rng);
    cu::environmentRows(d.data(), n, 0.5, 6.0, 0.0, avg.data(), sd.data(), rn.data(), drn.data());
    for (int k = 0; k < n; ++k)
    {
        double ref[4];
        rowOnHost(&d[3 * k], 0.5, 6.0, &avg[4 * k], &sd[4 * k], ref);
        for (int c = 0; c < 4; ++c) EXPECT_NEAR(rn[4 * k + c], ref[c], 1e-13 * (1 + std::abs(ref[c])));
        for (int b = 0; b < 3; ++b)
        {
            double p[3] = { d[3 * k], d[3 * k + 1], d[3 * k + 2] }, m[3] = { p[0], p[1], p[2] }, rp[4], rm[4];
            p[b] += 1e-6;
            m[b] -= 1e-6;
            rowOnHost(p, 0.5, 6.0, &avg[4 * k], &sd[4 * k], rp);
            rowOnHost(m, 0.5, 6.0, &avg[4 * k], &sd[4 * k], rm);
            for (int c = 0; c < 4; ++c) EXPECT_NEAR(drn[12 * k + 3 * c + b], (rp[c] - rm[c]) / 2e-6, 1e-6);
        }
    }
}

TEST(NativeCuda, TanhLayerMatchesTheCpuNet)
{
    skipWithoutDevice();
    if (::testing::Test::IsSkipped()) return;
    std::mt19937_64                  rng(6);
    std::normal_distribution<double> g(0.0, 0.5);
    native::Layer                    l;
    l.in = 16, l.out = 32, l.activation = native::Activation::Tanh, l.resnet = true;
    l.w.resize(16 * 32), l.b.resize(32), l.idt.resize(32);
    for (auto* v : { &l.w, &l.b, &l.idt })
        for (auto& x : *v) x = g(rng);
    native::Net net;
    net.layers.push_back(l);
    const native::NetT<double> cpu(net);
    const int                  rows = 50;
    std::vector<double>        x(rows * 16), y(rows * 32), keep(cpu.storedPerRow() * rows);
    for (auto& v : x) v = g(rng);
    cu::tanhLayer(x.data(), rows, 16, 32, l.w.data(), l.b.data(), l.idt.data(), 2, y.data());
    const double* ref = cpu.forward(x.data(), rows, keep.data());
    for (int r = 0; r < rows; ++r)
        for (int o = 0; o < 32; ++o)
            EXPECT_NEAR(y[r * 32 + o], ref[r * 32 + o], 1e-13);
}
} // namespace
} // namespace dgmx::test
