/*===- FmaPeak.c - The FMA throughput of one core, for the GEMM benchmark ----===
 *
 * Built like the kernels (clang, -O3 -march=native, preferring 512-bit vectors where the CPU has
 * them, as AVX-512 code objects do): 12 independent chains of fused
 * multiply-adds on the widest vectors the CPU has, enough to cover the FMA latency on every
 * port, so the FMA ports alone limit it.
 *
 *===----------------------------------------------------------------------===*/
#include <stdint.h>

typedef float llmc_bench_f32x16 __attribute__((ext_vector_type(16)));

/// Runs `iterations` x 12 x 16 fused multiply-adds and returns a value that depends on all of
/// them.
float llmc_bench_fma_chains(int64_t iterations) {
  llmc_bench_f32x16 acc[12];
  for (int u = 0; u < 12; ++u)
    acc[u] = (float)u;
  const llmc_bench_f32x16 scale = 0.999999f, offset = 1e-7f;
  for (int64_t i = 0; i < iterations; ++i)
#pragma clang loop unroll(full)
    for (int u = 0; u < 12; ++u)
      acc[u] = __builtin_elementwise_fma(acc[u], scale, offset);
  float r = 0.0f;
  for (int u = 0; u < 12; ++u)
    r += acc[u][0];
  return r;
}
