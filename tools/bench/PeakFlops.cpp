//===- PeakFlops.cpp - llmc-peak: the machine's fp32 FMA throughput ---------===//
//
//   llmc-peak [--threads T] [--repeats R] [--isa auto|avx512|avx2|sse] [--json]
//
// Runs independent chains of fused multiply-adds held in registers on T threads (default 1) and
// prints the best of R runs (default 5) in GFLOP/s, counting an FMA as two flops per lane.
// Enough chains are kept in flight to hide the FMA latency on both FMA ports of current x86
// cores, so the figure is the roofline's compute ceiling that kernels are measured against.
// The vector kernels are compiled with target attributes and chosen at run time, so one binary
// runs on any x86-64 (and the portable kernel on other machines); with --isa auto every kernel
// the machine runs is tried and the fastest reported.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

/// Each kernel runs `iterations` steps of `Chains` FMAs on vectors of `Lanes` floats and returns
/// a value that depends on all of them, so that none can be removed.
using Kernel = float (*)(long long iterations, float multiplier, float addend);

#if defined(__x86_64__)
constexpr int kAvx512Chains = 16, kAvx512Lanes = 16;
constexpr int kAvx2Chains = 12, kAvx2Lanes = 8;

__attribute__((target("avx512f"), noinline)) float fmaAvx512(long long iterations, float multiplier,
                                                             float addend) {
  __m512 accumulators[kAvx512Chains];
  for (int c = 0; c < kAvx512Chains; ++c)
    accumulators[c] = _mm512_set1_ps(float(c));
  __m512 x = _mm512_set1_ps(multiplier), y = _mm512_set1_ps(addend);
  for (long long i = 0; i < iterations; ++i) {
    // Unrolled, so that the accumulators live in registers rather than in a stack array.
#pragma GCC unroll 32
    for (int c = 0; c < kAvx512Chains; ++c)
      accumulators[c] = _mm512_fmadd_ps(accumulators[c], x, y);
  }
  __m512 sum = accumulators[0];
  for (int c = 1; c < kAvx512Chains; ++c)
    sum = _mm512_add_ps(sum, accumulators[c]);
  float lanes[kAvx512Lanes];
  _mm512_storeu_ps(lanes, sum);
  float total = 0;
  for (float lane : lanes)
    total += lane;
  return total;
}

__attribute__((target("avx2,fma"), noinline)) float fmaAvx2(long long iterations, float multiplier,
                                                            float addend) {
  __m256 accumulators[kAvx2Chains];
  for (int c = 0; c < kAvx2Chains; ++c)
    accumulators[c] = _mm256_set1_ps(float(c));
  __m256 x = _mm256_set1_ps(multiplier), y = _mm256_set1_ps(addend);
  for (long long i = 0; i < iterations; ++i) {
    // Unrolled, so that the accumulators live in registers rather than in a stack array.
#pragma GCC unroll 32
    for (int c = 0; c < kAvx2Chains; ++c)
      accumulators[c] = _mm256_fmadd_ps(accumulators[c], x, y);
  }
  __m256 sum = accumulators[0];
  for (int c = 1; c < kAvx2Chains; ++c)
    sum = _mm256_add_ps(sum, accumulators[c]);
  float lanes[kAvx2Lanes];
  _mm256_storeu_ps(lanes, sum);
  float total = 0;
  for (float lane : lanes)
    total += lane;
  return total;
}
#endif

/// Without FMA units: separate multiply and add on SSE vectors, still two flops per step.
constexpr int kPortableChains = 12, kPortableLanes = 4;
typedef float PortableVector __attribute__((vector_size(16)));

__attribute__((noinline)) float fmaPortable(long long iterations, float multiplier, float addend) {
  PortableVector accumulators[kPortableChains];
  for (int c = 0; c < kPortableChains; ++c)
    accumulators[c] = PortableVector{} + float(c);
  PortableVector x = PortableVector{} + multiplier, y = PortableVector{} + addend;
  for (long long i = 0; i < iterations; ++i)
  // Unrolled, so that the accumulators live in registers rather than in a stack array.
#pragma GCC unroll 32
    for (int c = 0; c < kPortableChains; ++c)
      accumulators[c] = accumulators[c] * x + y;
  float total = 0;
  for (int c = 0; c < kPortableChains; ++c)
    for (int l = 0; l < kPortableLanes; ++l)
      total += accumulators[c][l];
  return total;
}

struct Isa {
  const char *name;
  Kernel kernel;
  int flopsPerStep; // 2 * chains * lanes
};

/// The kernels this machine runs that `requested` names; "auto" names all of them, since the
/// widest is not always the fastest (cores with one 512-bit FMA port, or with lower clocks under
/// AVX-512, reach more with AVX2).
std::vector<Isa> chooseIsas(const std::string &requested) {
  std::vector<Isa> isas;
  bool any = requested == "auto";
#if defined(__x86_64__)
  __builtin_cpu_init();
  if ((any || requested == "avx512") && __builtin_cpu_supports("avx512f"))
    isas.push_back({"avx512f", fmaAvx512, 2 * kAvx512Chains * kAvx512Lanes});
  if ((any || requested == "avx2") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    isas.push_back({"avx2+fma", fmaAvx2, 2 * kAvx2Chains * kAvx2Lanes});
#endif
  if ((any && isas.empty()) || requested == "sse")
    isas.push_back({"portable (mul+add)", fmaPortable, 2 * kPortableChains * kPortableLanes});
  return isas;
}

bool parse(const char *text, long long minimum, long long maximum, long long *out) {
  char *end = nullptr;
  long long value = std::strtoll(text, &end, 10);
  if (!*text || *end || value < minimum || value > maximum)
    return false;
  *out = value;
  return true;
}

/// Runs the kernel on `threads` threads, started together; returns the wall time in seconds.
double timeRun(const Isa &isa, long long threads, long long iterations, float *sink) {
  std::atomic<long long> ready{0};
  std::atomic<bool> go{false};
  std::vector<float> results(size_t(threads), 0);
  std::vector<std::thread> workers;
  for (long long t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire))
        ;
      results[size_t(t)] = isa.kernel(iterations, 0.999999f, 1e-6f);
    });
  while (ready.load() < threads)
    ;
  auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread &worker : workers)
    worker.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (float result : results)
    *sink += result;
  return seconds;
}

} // namespace

int main(int argc, char **argv) {
  long long threads = 1, repeats = 5;
  std::string isaName = "auto";
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string option = argv[i];
    if (option == "-h" || option == "--help") {
      std::printf("usage: llmc-peak [--threads T] [--repeats R] [--isa auto|avx512|avx2|sse] "
                  "[--json]\n");
      return 0;
    }
    if (option == "--json") {
      json = true;
      continue;
    }
    if (option == "--isa" && i + 1 < argc) {
      isaName = argv[++i];
      continue;
    }
    long long *target = option == "--threads"   ? &threads
                        : option == "--repeats" ? &repeats
                                                : nullptr;
    if (!target || i + 1 >= argc || !parse(argv[++i], 1, 4096, target)) {
      std::fprintf(stderr, "llmc-peak: error: bad or incomplete option '%s'\n", option.c_str());
      return 2;
    }
  }
  std::vector<Isa> isas = chooseIsas(isaName);
  if (isas.empty()) {
    std::fprintf(stderr, "llmc-peak: error: --isa '%s' is unknown or not supported here\n",
                 isaName.c_str());
    return 2;
  }
  float sink = 0;
  double best = 0;
  const char *bestIsa = isas.front().name;
  for (const Isa &isa : isas) {
    // Calibrate to about 0.2 s a run, so that thread start-up is noise.
    long long iterations = 1 << 16;
    while (timeRun(isa, 1, iterations, &sink) < 0.05 && iterations < (1ll << 40))
      iterations *= 2;
    iterations *= 4;
    for (long long run = 0; run < repeats; ++run) {
      double seconds = timeRun(isa, threads, iterations, &sink);
      double gflops = double(iterations) * isa.flopsPerStep * double(threads) / seconds / 1e9;
      if (gflops > best) {
        best = gflops;
        bestIsa = isa.name;
      }
    }
  }
  if (json)
    std::printf("{\"isa\": \"%s\", \"threads\": %lld, \"repeats\": %lld, \"gflops\": %.3f, "
                "\"checksum\": %g}\n",
                bestIsa, threads, repeats, best, double(sink));
  else
    std::printf("fp32 peak: %.2f GFLOP/s (%s, %lld threads, best of %lld runs; checksum %g)\n",
                best, bestIsa, threads, repeats, double(sink));
  return 0;
}
