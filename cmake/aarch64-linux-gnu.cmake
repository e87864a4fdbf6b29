# Cross-builds the runtime, llmc-run and the C examples for 64-bit ARM Linux with Debian's
# gcc-aarch64-linux-gnu/g++-aarch64-linux-gnu (scripts/build-runtime-aarch64.sh installs them and
# runs this). Only the runtime side is built (LLMC_RUNTIME_ONLY): it needs neither LLVM nor MLIR,
# and the artifacts it runs come from the host's `llmc compile --target aarch64-linux-gnu`.
#
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Libraries and headers from the cross toolchain's sysroot; programs (flatc) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Runs the cross-built programs (try_run, tests) under qemu-user.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
set(LLMC_RUNTIME_ONLY ON CACHE BOOL "Build only the runtime side" FORCE)
