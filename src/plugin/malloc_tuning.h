/*! \file
 * \brief glibc allocator settings for the run, applied once when the plugin starts.
 *
 * DeePMD-kit's PyTorch path allocates and frees tensors of tens of MB every step. glibc
 * serves those with mmap and gives them back with munmap, so each step faults every page in
 * again (24.8 million minor page faults in a 100-step demo). Serving them from the heap and
 * not trimming it keeps the pages mapped between steps. Measured in docs/performance.md.
 */
#pragma once

#include <string>

namespace dgmx::plugin
{
/*! Unless DEEPMD_GROMACS_MALLOC_TUNING is 0/off/no/false: no mmap for large blocks
 *  (M_MMAP_MAX 0), no trimming of the heap (M_TRIM_THRESHOLD), 64 MiB heap growth steps
 *  (M_TOP_PAD). Only glibc's malloc is affected (a preloaded jemalloc/tcmalloc ignores it).
 *  Returns one line for the log saying what was done. */
std::string tuneMalloc();
} // namespace dgmx::plugin
