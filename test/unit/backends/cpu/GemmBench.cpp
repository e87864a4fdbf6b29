//===- GemmBench.cpp - The f32 matmul kernel against the machine's FMA peak ----===//
//
// llmc-gemm-bench: GFLOP/s of llmc_mk_matmul_f32 and llmc_mk_matmul_bf16 (and of the ISA
// variants this CPU runs) on square products, at 1 and 2 threads, next to the fp32 FMA peak
// measured on the same threads (a loop of independent FMA chains, best of several runs). Not a
// test: it prints a table.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/kernels/llmc_kernels.h"
#include "test/unit/backends/cpu/KernelServices.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/syscall.h>
#include <unistd.h>

extern "C" float llmc_bench_fma_chains(int64_t iterations);

using llmc::test::inlineServices;
using llmc::test::KernelPool;

namespace {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

volatile float sink;

/// Best-of-`runs` GFLOP/s of the FMA chains on `threads` threads at once.
double fmaPeak(int threads, int runs) {
  const int64_t iterations = 30'000'000;
  double best = 0.0;
  for (int run = 0; run < runs; ++run) {
    float sums[2] = {0, 0};
    const double t0 = seconds();
    std::thread helper;
    if (threads > 1)
      helper = std::thread([&] { sums[1] = llmc_bench_fma_chains(iterations); });
    sums[0] = llmc_bench_fma_chains(iterations);
    if (threads > 1)
      helper.join();
    const double elapsed = seconds() - t0;
    sink = sums[0] + sums[1];
    best = std::max(best, (double)iterations * 12 * 16 * 2 * threads / elapsed / 1e9);
  }
  return best;
}

/// services->allocate for the bench: one block, kept and grown, serves every call. The f32
/// kernel asks for at most one buffer per call and the bench makes one call at a time, so this
/// reuses memory as the runtime's buffer cache does; fresh memory per call (the tests'
/// allocator) would time the page faults of its first touch instead of the kernel.
void *reuseAllocate(const llmc_services_t *, int64_t size, int64_t alignment) {
  static void *block = nullptr;
  static int64_t capacity = 0;
  if (size > capacity || alignment > 64) {
    std::free(block);
    capacity = (size + 63) / 64 * 64;
    block = std::aligned_alloc(64, size_t(capacity > 0 ? capacity : 64));
    if (!block)
      std::abort();
  }
  return block;
}

using MatmulFn = void (*)(const float *, const float *, float *, int64_t, int64_t, int64_t,
                          const llmc_services_t *);

} // namespace

int main(int argc, char **argv) {
  // Optional arguments: the sizes to run (default 1024 and 2048).
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i)
    sizes.push_back(std::atoll(argv[i]));
  if (sizes.empty())
    sizes = {1024, 2048};
  // The pre-packed kernels ("packed") read B in the LLMC_GEMM_PANEL layout, packed once before
  // the timing, as the compiler packs constant weights.
  struct Kernel {
    std::string name;
    MatmulFn fn;
    bool packed;
  };
  std::vector<Kernel> kernels = {{"generic", llmc_mk_matmul_f32, false},
                                 {"generic packed", llmc_mk_matmul_f32_packed, true}};
#ifdef LLMC_KERNELS_HAVE_AVX512
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")) {
    kernels.push_back({"avx512", llmc_mk_matmul_f32__avx512, false});
    kernels.push_back({"avx512 packed", llmc_mk_matmul_f32_packed__avx512, true});
  }
#endif
  // The bf16 kernels: same sizes, A and B the f32 values' upper halves.
  using Bf16Fn = void (*)(const uint16_t *, const uint16_t *, uint16_t *, int64_t, int64_t,
                          int64_t, const llmc_services_t *);
  std::vector<std::pair<std::string, Bf16Fn>> bf16Kernels = {{"bf16 generic", llmc_mk_matmul_bf16}};
#ifdef LLMC_KERNELS_HAVE_BF16
  const bool avx512bf16 = __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
  if (avx512bf16)
    bf16Kernels.push_back({"bf16 avx512bf16", llmc_mk_matmul_bf16__avx512bf16});
  // AMX needs the tile state, which Linux grants on request.
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  if (avx512bf16 && __builtin_cpu_supports("amx-tile") && __builtin_cpu_supports("amx-bf16") &&
      syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0)
    bf16Kernels.push_back({"bf16 amxbf16", llmc_mk_matmul_bf16__amxbf16});
#endif
  llmc_services_t one = inlineServices();
  KernelPool pool(2);
  llmc_services_t two = *pool.services();
  one.allocate = two.allocate = reuseAllocate;
  const llmc_services_t *services[3] = {nullptr, &one, &two};
  // Other work on the machine moves both figures: the peak is measured again next to every row
  // and the table compares with the best seen over the whole run.
  double peak[3] = {0.0, fmaPeak(1, 5), fmaPeak(2, 5)};
  struct Row {
    std::string kernel;
    int64_t size;
    int threads;
    double gflops;
  };
  std::vector<Row> rows;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t n : sizes) {
    std::vector<float> a((size_t)(n * n)), b((size_t)(n * n)), c((size_t)(n * n));
    for (float &v : a)
      v = u(rng);
    for (float &v : b)
      v = u(rng);
    const int64_t panels = (n + LLMC_GEMM_PANEL - 1) / LLMC_GEMM_PANEL;
    std::vector<float> packedB((size_t)(panels * n * LLMC_GEMM_PANEL), 0.0f);
    for (int64_t p = 0; p < n; ++p)
      for (int64_t j = 0; j < n; ++j)
        packedB[(size_t)((j / LLMC_GEMM_PANEL * n + p) * LLMC_GEMM_PANEL + j % LLMC_GEMM_PANEL)] =
            b[(size_t)(p * n + j)];
    std::vector<uint16_t> a16((size_t)(n * n)), b16((size_t)(n * n)), c16((size_t)(n * n));
    for (size_t i = 0; i < a16.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &a[i], 4);
      a16[i] = (uint16_t)(bits >> 16);
      std::memcpy(&bits, &b[i], 4);
      b16[i] = (uint16_t)(bits >> 16);
    }
    std::vector<std::pair<std::string, std::function<void(const llmc_services_t *)>>> runs;
    for (const auto &[name, fn, packed] : kernels) {
      const float *bData = packed ? packedB.data() : b.data();
      runs.push_back({name, [&, fn = fn, bData](const llmc_services_t *services) {
                        fn(a.data(), bData, c.data(), n, n, n, services);
                      }});
    }
    for (const auto &[name, fn] : bf16Kernels)
      runs.push_back({name, [&, fn = fn](const llmc_services_t *services) {
                        fn(a16.data(), b16.data(), c16.data(), n, n, n, services);
                      }});
    const double flops = 2.0 * (double)n * n * n;
    for (const auto &[name, run] : runs)
      for (int threads = 1; threads <= 2; ++threads) {
        run(services[threads]);
        // Best of 5 batches of >= 0.3 s.
        double best = 0.0;
        for (int batch = 0; batch < 5; ++batch) {
          int64_t calls = 0;
          const double t0 = seconds();
          double elapsed;
          do {
            run(services[threads]);
            ++calls;
          } while ((elapsed = seconds() - t0) < 0.3);
          best = std::max(best, (double)calls * flops / elapsed / 1e9);
        }
        peak[threads] = std::max(peak[threads], fmaPeak(threads, 2));
        rows.push_back({name, n, threads, best});
      }
  }
  std::printf("fp32 FMA peak, best of the run: 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s\n\n",
              peak[1], peak[2]);
  std::printf("%-16s %6s %7s %9s %7s\n", "kernel", "size", "threads", "GFLOP/s", "% peak");
  for (const Row &r : rows)
    std::printf("%-16s %6lld %7d %9.1f %6.0f%%\n", r.kernel.c_str(), (long long)r.size, r.threads,
                r.gflops, 100.0 * r.gflops / peak[r.threads]);
  return 0;
}
