/*! \file
 * \brief For the fuzz targets: the input bytes as a file (the readers take paths), held in
 * memory (memfd) and named /proc/self/fd/N.
 */
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace dgmx::fuzz
{
class MemoryFile
{
public:
    MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("fuzz", 0))
    {
        if (fd_ < 0 || write(fd_, data, size) != static_cast<ssize_t>(size))
        {
            std::abort(); // the harness itself failed, not the code under test
        }
    }
    ~MemoryFile() { close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};
} // namespace dgmx::fuzz
