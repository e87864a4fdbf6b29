//===- KernelTestSupport.h - What the kernel tests share ---------------------===//
//
// Guarded buffers (a read or write past the end faults), half and bfloat16 conversions for the
// references, the CPU and AMX probes that decide which ISA variants run, and the loop over the
// inline and two-thread service tables. KernelsTest.cpp and MatmulKernelsTest.cpp include it.
//
//===----------------------------------------------------------------------===//
#ifndef LLMC_TEST_UNIT_BACKENDS_CPU_KERNELTESTSUPPORT_H
#define LLMC_TEST_UNIT_BACKENDS_CPU_KERNELTESTSUPPORT_H

#include "test/unit/backends/cpu/KernelServices.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace llmc::test {

/// `size` bytes that end right before an inaccessible page.
class GuardedBuffer {
public:
  explicit GuardedBuffer(size_t size) : size_(size) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    mapped_ = (size + page - 1) / page * page + page;
    base_ = (uint8_t *)mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
    if (base_ == MAP_FAILED)
      std::abort();
    mprotect(base_ + mapped_ - page, page, PROT_NONE);
    data_ = base_ + mapped_ - page - size;
  }
  ~GuardedBuffer() { munmap(base_, mapped_); }
  GuardedBuffer(const GuardedBuffer &) = delete;
  GuardedBuffer &operator=(const GuardedBuffer &) = delete;

  uint8_t *bytes() { return data_; }
  float *floats() { return (float *)data_; }
  size_t size() const { return size_; }

private:
  size_t size_, mapped_;
  uint8_t *base_, *data_;
};

inline double halfToDouble(uint16_t h) {
  const int exponent = (h >> 10) & 31, mantissa = h & 1023;
  double v;
  if (exponent == 0)
    v = std::ldexp((double)mantissa, -24);
  else if (exponent == 31)
    v = mantissa ? NAN : INFINITY;
  else
    v = std::ldexp((double)(1024 + mantissa), exponent - 25);
  return (h & 0x8000) ? -v : v;
}

inline double bf16ToDouble(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

#if defined(LLMC_KERNELS_HAVE_AVX512VNNI) || defined(LLMC_KERNELS_HAVE_BF16)
/// Whether Linux granted this process the AMX tile state (asked once, as the runtime asks when it
/// loads a model built for AMX).
inline bool amxTilesGranted() {
  static const bool granted = [] {
    if (!__builtin_cpu_supports("amx-tile"))
      return false;
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return granted;
}
#endif

#ifdef LLMC_KERNELS_HAVE_AVX512VNNI
inline bool hasAvx512Vnni() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

/// AMX-INT8 with the tile state granted to this process.
inline bool hasAmx() { return hasAvx512Vnni() && __builtin_cpu_supports("amx-int8") && amxTilesGranted(); }
#endif

/// Runs `call` with the inline services and with a two-thread pool.
template <typename F> void withServices(F call) {
  llmc_services_t inlineTable = inlineServices();
  call(&inlineTable, "inline");
  static KernelPool pool(2);
  call(pool.services(), "2 threads");
}

} // namespace llmc::test

#endif // LLMC_TEST_UNIT_BACKENDS_CPU_KERNELTESTSUPPORT_H
