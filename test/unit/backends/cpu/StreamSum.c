/*===- StreamSum.c - A read-only streaming sum for the kernel benchmark ------===
 *
 * Built like the kernels (clang, -O3 -march=native): sums `count` floats with eight independent
 * vector accumulators, so that memory, not the adds, limits it.
 *
 *===----------------------------------------------------------------------===*/
#include <stdint.h>

typedef float llmc_bench_f32x16 __attribute__((ext_vector_type(16)));

/// The sum of p[0 .. count), count a multiple of 128; with `prefetch`, each step also
/// prefetches 3 KB ahead, as the decode kernels do.
float llmc_bench_stream_sum(const float *p, int64_t count, int prefetch) {
  llmc_bench_f32x16 acc[8] = {0};
  for (int64_t i = 0; i < count; i += 128)
    for (int u = 0; u < 8; ++u) {
      if (prefetch)
        __builtin_prefetch(p + i + 16 * u + 768, 0, 3);
      llmc_bench_f32x16 v;
      __builtin_memcpy(&v, p + i + 16 * u, sizeof(v));
      acc[u] += v;
    }
  llmc_bench_f32x16 s =
      ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  float r = 0.0f;
  for (int u = 0; u < 16; ++u)
    r += s[u];
  return r;
}
