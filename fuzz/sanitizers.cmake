# Sanitized builds (included by the top-level CMakeLists.txt before any target):
#   DEEPMD_GROMACS_SANITIZE  every target with AddressSanitizer + UndefinedBehaviorSanitizer
#                            (gcc or clang); scripts/sanitize builds and runs the tests so.
#   DEEPMD_GROMACS_FUZZ      the same, plus libFuzzer coverage, and the fuzz targets in fuzz/
#                            (clang only).
option(DEEPMD_GROMACS_SANITIZE "Build everything with ASan + UBSan" OFF)
option(DEEPMD_GROMACS_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang; implies sanitizers)" OFF)
set(DEEPMD_GROMACS_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs in its ctest")

if(DEEPMD_GROMACS_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "DEEPMD_GROMACS_FUZZ needs clang (libFuzzer), got ${CMAKE_CXX_COMPILER_ID}: "
                      "configure with -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
endif()
if(DEEPMD_GROMACS_SANITIZE OR DEEPMD_GROMACS_FUZZ)
  # Stop at the first UB report (a test then fails) instead of printing and going on.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(DEEPMD_GROMACS_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
