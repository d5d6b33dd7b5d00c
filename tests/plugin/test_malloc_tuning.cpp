/*! \file
 * \brief The plugin's allocator settings, checked with glibc's own statistics (mallinfo2):
 * switched off, a 256 MiB block is mmapped; switched on, it comes from the heap, and freeing
 * it does not shrink the heap.
 */
#include "plugin/malloc_tuning.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace
{
constexpr std::size_t c_block = 256u << 20; // larger than any free heap top this process has
void* volatile        g_keep  = nullptr;   // the compiler may not elide the allocations

void* allocate(std::size_t bytes)
{
    g_keep = std::malloc(bytes);
    std::memset(g_keep, 1, 4096);
    return g_keep;
}

//! Blocks glibc serves with mmap while one block of c_block bytes is held.
std::size_t mmappedWhileHolding()
{
    const std::size_t before = mallinfo2().hblks;
    void*             p      = allocate(c_block);
    const std::size_t during = mallinfo2().hblks;
    std::free(p);
    return during - before;
}

TEST(MallocTuning, OffByEnvironmentThenOn)
{
#if defined(__SANITIZE_ADDRESS__)
    // ASan replaces malloc: glibc's mallopt and mmap threshold do not apply to its allocator.
    GTEST_SKIP() << "glibc malloc tuning is not in effect under AddressSanitizer";
#endif
    setenv("DEEPMD_GROMACS_MALLOC_TUNING", "0", 1);
    EXPECT_NE(dgmx::plugin::tuneMalloc().find("off"), std::string::npos);
    EXPECT_EQ(mmappedWhileHolding(), 1u) << "glibc's default serves a 256 MiB block with mmap";

    unsetenv("DEEPMD_GROMACS_MALLOC_TUNING");
    EXPECT_NE(dgmx::plugin::tuneMalloc().find("M_MMAP_MAX 0"), std::string::npos);
    EXPECT_EQ(mmappedWhileHolding(), 0u) << "the block must come from the heap";
    void*             p        = allocate(c_block);
    const std::size_t heapHeld = mallinfo2().arena;
    std::free(p);
    EXPECT_GE(mallinfo2().arena, heapHeld) << "freeing must not give the heap back to the kernel";
}
} // namespace
