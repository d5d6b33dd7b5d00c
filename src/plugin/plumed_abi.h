/*! \file
 * \brief The binary interface through which GROMACS 2025 drives a PLUMED kernel it loads at run
 * time (PLUMED_KERNEL=... mdrun -plumed FILE). Our own declarations of the layout of PLUMED's
 * version-4 symbol table (the facts are in docs/plugin.md, 'The PLUMED interface'); no PLUMED code or
 * header is used. The host dlopens the kernel and looks up the data symbol plumed_symbol_table.
 */
#pragma once

#include <cstddef>

extern "C"
{
    //! Error channel: the kernel reports a failure by calling handler(ptr, code, message, opt)
    //! and returning normally; the host then throws. Never let an exception cross the boundary.
    struct plumed_nothrow_handler
    {
        void* ptr;
        void (*handler)(void* ptr, int code, const char* message, const void* opt);
    };

    //! A pointer with what the host knows of its type (see safeptrFlags* below).
    struct plumed_safeptr
    {
        const void*          ptr;
        std::size_t          nelem; //!< 0 = unknown
        const std::size_t*   shape; //!< zero-terminated, or nullptr
        std::size_t          flags;
        const void*          opt;
    };

    struct plumed_plumedmain_function_holder
    {
        void* (*create)();
        void (*cmd)(void* object, const char* key, const void* value);
        void (*finalize)(void* object);
    };

    struct plumed_symbol_table_type
    {
        int                               version;
        plumed_plumedmain_function_holder functions;
        void (*cmd_nothrow)(void*, const char*, const void*, plumed_nothrow_handler);             // v2
        void (*cmd_safe)(void*, const char*, plumed_safeptr);                                      // v3
        void (*cmd_safe_nothrow)(void*, const char*, plumed_safeptr, plumed_nothrow_handler);      // v3
        unsigned (*create_reference)(void*);                                                       // v4
        unsigned (*delete_reference)(void*);                                                       // v4
        unsigned (*use_count)(void*);                                                              // v4
    };
}

namespace dgmx::plumed
{
//! flags = size + 0x10000*type + 0x1000000*unsigned + 0x2000000*constness + 0x10000000*nocopy
inline constexpr std::size_t c_flagsSizeMask = 0xffff;
inline constexpr std::size_t flagsType(std::size_t flags) { return (flags >> 16) & 0xff; }
inline constexpr std::size_t flagsSize(std::size_t flags) { return flags & c_flagsSizeMask; }
inline constexpr std::size_t c_typeUnchecked = 0, c_typeVoid = 1, c_typeNullptr = 2, c_typeIntegral = 3,
                             c_typeFloating = 4;
//! The error code real PLUMED uses for its own errors (PLMD::Plumed::ExceptionError): the host
//! keeps the whole message.
inline constexpr int c_errorCode = 20200;
} // namespace dgmx::plumed
