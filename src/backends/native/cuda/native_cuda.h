/*! \file
 * \brief CUDA kernels of the native engine (built with DEEPMD_GROMACS_CUDA): the environment
 * rows of neighbour slots and the batched embedding-net layer. No CUDA header here: callers
 * pass host arrays; the functions copy, launch and copy back. First step of a GPU engine;
 * the CPU engine does not call them yet.
 */
#pragma once

#include <string>

namespace dgmx::native::cuda
{
//! True when a CUDA device can be used; otherwise \p why says why not.
bool deviceAvailable(std::string& why);

/*! For n neighbour slots with d = x_j - x_i (n x 3, Angstrom): the normalised environment
 *  row rn = (sw (1/u, d/u^2) - davg) / dstd, u = r + protection (n x 4), and its derivative
 *  d rn / d d (n x 4 x 3). davg, dstd: n x 4 (the slot's statistics). */
void environmentRows(const double* d, int n, double rcutSmooth, double rcut, double protection,
                     const double* davg, const double* dstd, double* rn, double* drn);

/*! One layer for `rows` inputs: y = resnet(x) + idt * tanh(x W + b), W in x out row-major,
 *  idt may be null; resnet 0 none, 1 y += x, 2 y += [x, x]. */
void tanhLayer(const double* x, int rows, int in, int out, const double* w, const double* b,
               const double* idt, int resnet, double* y);
} // namespace dgmx::native::cuda
