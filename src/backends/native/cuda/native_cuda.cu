/*! \file
 * \brief CUDA kernels of the native engine (see native_cuda.h). Same formulas as engine.cpp.
 */
#include "backends/native/cuda/native_cuda.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace dgmx::native::cuda
{
namespace
{
void check(cudaError_t status, const char* what)
{
    if (status != cudaSuccess)
    {
        throw std::runtime_error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(status));
    }
}

//! Device buffer that frees itself.
struct Buffer
{
    double* p = nullptr;
    explicit Buffer(std::size_t n) { check(cudaMalloc(&p, n * sizeof(double) + 1), "cudaMalloc"); }
    ~Buffer() { cudaFree(p); }
    Buffer(const Buffer&)            = delete;
    Buffer& operator=(const Buffer&) = delete;
    void up(const double* h, std::size_t n) { check(cudaMemcpy(p, h, n * sizeof(double), cudaMemcpyHostToDevice), "copy to device"); }
    void down(double* h, std::size_t n) const { check(cudaMemcpy(h, p, n * sizeof(double), cudaMemcpyDeviceToHost), "copy to host"); }
};

__global__ void environmentRowsKernel(const double* d, int n, double rs, double rc, double p, const double* davg,
                                      const double* dstd, double* rn, double* drn)
{
    const int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= n) return;
    const double x = d[3 * k], y = d[3 * k + 1], z = d[3 * k + 2];
    const double r = sqrt(x * x + y * y + z * z);
    double sw = 1, dsw = 0;
    if (r >= rc)
    {
        sw = 0;
    }
    else if (r > rs)
    {
        const double uu = (r - rs) / (rc - rs), u2 = uu * uu;
        sw  = u2 * uu * (-6.0 * u2 + 15.0 * uu - 10.0) + 1.0;
        dsw = (-30.0 * u2 * u2 + 60.0 * u2 * uu - 30.0 * u2) / (rc - rs);
    }
    const double u = r + p, u2 = u * u;
    const double v[3] = { x, y, z };
    rn[4 * k] = (sw / u - davg[4 * k]) / dstd[4 * k];
    for (int a = 0; a < 3; ++a) rn[4 * k + 1 + a] = (sw * v[a] / u2 - davg[4 * k + 1 + a]) / dstd[4 * k + 1 + a];
    // d/dd_b of sw/u and of sw d_a/u^2.
    const double radial0 = (dsw / u - sw / u2) / r, radialA = (dsw / u2 - 2.0 * sw / (u2 * u)) / r;
    for (int b = 0; b < 3; ++b)
    {
        drn[12 * k + b] = radial0 * v[b] / dstd[4 * k];
        for (int a = 0; a < 3; ++a)
        {
            drn[12 * k + 3 * (1 + a) + b] = (v[a] * radialA * v[b] + (a == b ? sw / u2 : 0.0)) / dstd[4 * k + 1 + a];
        }
    }
}

__global__ void tanhLayerKernel(const double* x, int rows, int in, int out, const double* w, const double* b,
                                const double* idt, int resnet, double* y)
{
    const int r = blockIdx.x, o = threadIdx.x;
    if (r >= rows || o >= out) return;
    double s = b != nullptr ? b[o] : 0.0;
    for (int i = 0; i < in; ++i) s += x[r * in + i] * w[i * out + o];
    double v = tanh(s);
    if (idt != nullptr) v *= idt[o];
    if (resnet == 1) v += x[r * in + o];
    if (resnet == 2) v += x[r * in + o % in];
    y[r * out + o] = v;
}
} // namespace

bool deviceAvailable(std::string& why)
{
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess)
    {
        why = std::string("no usable CUDA device: ") + cudaGetErrorString(status);
        return false;
    }
    if (count == 0)
    {
        why = "no CUDA device on this machine";
        return false;
    }
    return true;
}

void environmentRows(const double* d, int n, double rcutSmooth, double rcut, double protection, const double* davg,
                     const double* dstd, double* rn, double* drn)
{
    const auto nn = static_cast<std::size_t>(n);
    Buffer     dd(3 * nn), avg(4 * nn), std(4 * nn), out(4 * nn), dout(12 * nn);
    dd.up(d, 3 * nn);
    avg.up(davg, 4 * nn);
    std.up(dstd, 4 * nn);
    environmentRowsKernel<<<(n + 127) / 128, 128>>>(dd.p, n, rcutSmooth, rcut, protection, avg.p, std.p, out.p, dout.p);
    check(cudaGetLastError(), "environment rows kernel");
    out.down(rn, 4 * nn);
    dout.down(drn, 12 * nn);
}

void tanhLayer(const double* x, int rows, int in, int out, const double* w, const double* b, const double* idt,
               int resnet, double* y)
{
    if (out > 1024) throw std::runtime_error("CUDA tanhLayer: layer wider than 1024");
    const auto r = static_cast<std::size_t>(rows);
    Buffer     dx(r * in), dw(static_cast<std::size_t>(in) * out), db(out), didt(out), dy(r * out);
    dx.up(x, r * in);
    dw.up(w, static_cast<std::size_t>(in) * out);
    if (b != nullptr) db.up(b, out);
    if (idt != nullptr) didt.up(idt, out);
    tanhLayerKernel<<<rows, out>>>(dx.p, rows, in, out, dw.p, b ? db.p : nullptr, idt ? didt.p : nullptr, resnet, dy.p);
    check(cudaGetLastError(), "tanh layer kernel");
    dy.down(y, r * out);
}
} // namespace dgmx::native::cuda
