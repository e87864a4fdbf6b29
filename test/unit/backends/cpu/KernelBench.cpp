//===- KernelBench.cpp - Decode-shaped linear kernels against memory bandwidth ----===//
//
// llmc-kernel-bench: GB/s of weight bytes of llmc_mk_linear_{q8_0,q4_0,f16} (and of the ISA
// variants this CPU runs) at m = 1 on decode shapes, at 1 and 2 threads, next to the machine's
// measured read bandwidth (a streaming sum over 512 MB, best of several runs). "cold" cycles
// through copies of the matrix that together span at least 512 MB, like the bandwidth probe, so
// the weights come from memory; "hot" repeats one matrix, which then sits in the caches. Not a
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
#include <random>
#include <thread>
#include <vector>

extern "C" float llmc_bench_stream_sum(const float *p, int64_t count, int prefetch);

using llmc::test::inlineServices;
using llmc::test::KernelPool;

namespace {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

volatile float sink;

/// Best-of-`runs` GB/s of a read-only sum over `count` floats split across `threads` threads.
double streamBandwidth(const float *buffer, int64_t count, int threads, int runs,
                       int prefetch = 0) {
  double best = 0.0;
  for (int run = 0; run < runs; ++run) {
    const int64_t part = count / threads / 128 * 128;
    float sums[2] = {0, 0};
    const double t0 = seconds();
    std::thread helper;
    if (threads > 1)
      helper = std::thread([&] { sums[1] = llmc_bench_stream_sum(buffer + part, part, prefetch); });
    sums[0] = llmc_bench_stream_sum(buffer, part, prefetch);
    if (threads > 1)
      helper.join();
    const double elapsed = seconds() - t0;
    sink = sums[0] + sums[1];
    best = std::max(best, (double)(part * threads) * 4 / elapsed / 1e9);
  }
  return best;
}

struct Format {
  const char *name;
  int64_t blockElems, blockBytes;
  void (*linear)(const float *, const void *, float *, int64_t, int64_t, int64_t,
                 const llmc_services_t *);
};

/// Random weights with finite scales and values.
void fillWeights(const Format &f, uint8_t *w, int64_t bytes, std::mt19937 &rng) {
  for (int64_t i = 0; i < bytes; ++i)
    w[i] = (uint8_t)rng();
  if (f.blockElems == 1) {
    for (int64_t i = 0; i < bytes; i += 2) {
      uint16_t h = (uint16_t)((rng() & 1) << 15 | (10 + rng() % 5) << 10 | (rng() % 1024));
      std::memcpy(w + i, &h, 2);
    }
  } else {
    for (int64_t i = 0; i < bytes; i += f.blockBytes) {
      uint16_t h = (uint16_t)(0x2000 | (rng() % 1024));
      std::memcpy(w + i, &h, 2);
    }
  }
}

} // namespace

int main(int argc, char **argv) {
  // An optional argument names the one format to run (q4_0 also runs q4_0's variants).
  const char *only = argc > 1 ? argv[1] : nullptr;
  // Other work on the machine moves the bandwidth: it is measured again next to every row, and
  // the table, printed at the end, compares with the best seen over the whole run.
  const int64_t streamFloats = 512ll * 1024 * 1024 / 4;
  std::vector<float> stream((size_t)streamFloats);
  for (int64_t i = 0; i < streamFloats; ++i)
    stream[i] = (float)(i & 1023);
  double best[3] = {0.0, 0.0, 0.0}, bestPrefetched[3] = {0.0, 0.0, 0.0};
  auto bandwidth = [&](int threads) {
    best[threads] =
        std::max(best[threads], streamBandwidth(stream.data(), streamFloats, threads, 5));
  };
  for (int threads = 1; threads <= 2; ++threads) {
    bandwidth(threads);
    bestPrefetched[threads] = streamBandwidth(stream.data(), streamFloats, threads, 5, 1);
  }

  std::vector<Format> formats = {{"q8_0", 32, 34, llmc_mk_linear_q8_0},
                                 {"q4_0", 32, 18, llmc_mk_linear_q4_0},
                                 {"f16", 1, 2, llmc_mk_linear_f16}};
#ifdef LLMC_KERNELS_HAVE_AVX512VNNI
  // The ISA variants that this CPU runs, after the generic kernels.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
    formats.push_back({"q8_0__avx512vnni", 32, 34, llmc_mk_linear_q8_0__avx512vnni});
    formats.push_back({"q4_0__avx512vnni", 32, 18, llmc_mk_linear_q4_0__avx512vnni});
  }
#endif
  const int64_t shapes[][2] = {{2048, 768}, {16384, 768}, {768, 2048}};
  llmc_services_t one = inlineServices();
  KernelPool pool(2);
  const llmc_services_t *services[3] = {nullptr, &one, pool.services()};

  const int64_t poolBytes = 512ll * 1024 * 1024;
  std::vector<uint8_t> copies;
  struct Row {
    const char *format;
    int64_t n, k, bytes;
    int threads;
    double hot, cold;
  };
  std::vector<Row> rows;
  std::mt19937 rng(42);
  for (const Format &f : formats) {
    if (only && std::strncmp(only, f.name, std::strlen(only)) != 0)
      continue;
    for (const auto &shape : shapes) {
      const int64_t n = shape[0], k = shape[1];
      const int64_t bytes = n * (k / f.blockElems) * f.blockBytes;
      const int64_t count = std::max<int64_t>(2, (poolBytes + bytes - 1) / bytes);
      copies.resize((size_t)(count * bytes));
      fillWeights(f, copies.data(), bytes, rng);
      for (int64_t c = 1; c < count; ++c)
        std::memcpy(copies.data() + c * bytes, copies.data(), (size_t)bytes);
      std::vector<float> x((size_t)k), y((size_t)n);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      for (float &v : x)
        v = u(rng);
      for (int threads = 1; threads <= 2; ++threads) {
        const llmc_services_t *s = services[threads];
        // Hot: the same matrix again and again; best of 7 batches of >= 20 ms.
        for (int i = 0; i < 5; ++i)
          f.linear(x.data(), copies.data(), y.data(), 1, n, k, s);
        double hot = 0.0;
        for (int batch = 0; batch < 7; ++batch) {
          int64_t calls = 0;
          const double t0 = seconds();
          double elapsed;
          do {
            f.linear(x.data(), copies.data(), y.data(), 1, n, k, s);
            ++calls;
          } while ((elapsed = seconds() - t0) < 0.02);
          hot = std::max(hot, (double)(calls * bytes) / elapsed / 1e9);
        }
        // Cold: one pass over all copies, best of 5 after a warm-up pass.
        double cold = 0.0;
        for (int pass = 0; pass < 6; ++pass) {
          const double t0 = seconds();
          for (int64_t c = 0; c < count; ++c)
            f.linear(x.data(), copies.data() + c * bytes, y.data(), 1, n, k, s);
          const double elapsed = seconds() - t0;
          if (pass > 0)
            cold = std::max(cold, (double)(count * bytes) / elapsed / 1e9);
        }
        bandwidth(threads);
        rows.push_back({f.name, n, k, bytes, threads, hot, cold});
      }
    }
  }
  std::printf("memory bandwidth, best of the run (read-only streaming sum over 512 MB): "
              "1 thread %.1f GB/s, 2 threads %.1f GB/s\n",
              best[1], best[2]);
  std::printf("  (the same sum prefetching 3 KB ahead like the kernels: 1 thread %.1f GB/s, "
              "2 threads %.1f GB/s)\n\n",
              bestPrefetched[1], bestPrefetched[2]);
  std::printf("%-16s %6s %5s %8s %7s %10s %10s %8s\n", "fmt", "n", "k", "MB", "threads", "hot GB/s",
              "cold GB/s", "cold %bw");
  for (const Row &r : rows)
    std::printf("%-16s %6lld %5lld %8.2f %7d %10.1f %10.1f %7.0f%%\n", r.format, (long long)r.n,
                (long long)r.k, (double)r.bytes / 1e6, r.threads, r.hot, r.cold,
                100.0 * r.cold / best[r.threads]);
  return 0;
}
