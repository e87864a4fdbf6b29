//===- MatmulKernelsTest.cpp - The GEMM kernels against double-precision references ---===//
//
// The f32 matmul kernels (generic and AVX-512, B at run time and pre-packed) over shapes with
// every kind of edge, the bf16 kernels (generic, AVX512-BF16, AMX-BF16) and their f32 sums, the
// integer kernels (generic, AVX512-VNNI, AMX-INT8) with zero points, and the GEMM epilogues (bias,
// ReLU, GELU in both forms). The ISA variants run where this CPU has their features. Buffers end
// at a PROT_NONE page, so a read past any of them faults; each case runs inline and on two
// threads, which must agree exactly.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/kernels/llmc_kernels.h"
#include "test/unit/backends/cpu/KernelTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using namespace llmc::test;

namespace {

using MatmulFn = void (*)(const float *, const float *, float *, int64_t, int64_t, int64_t,
                          const llmc_services_t *);

#ifdef LLMC_KERNELS_HAVE_AVX512
bool hasAvx512Fma() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
}
#endif

/// The matmul kernel and its ISA variants, with whether this CPU runs each.
struct MatmulKernel {
  std::string name;
  MatmulFn fn;
  bool (*supported)();
};

/// B [k, n] packed as llmc_kernels.h documents LLMC_GEMM_PANEL, into a guarded buffer.
std::unique_ptr<GuardedBuffer> packWeights(const float *b, int64_t n, int64_t k) {
  const int64_t panels = (n + LLMC_GEMM_PANEL - 1) / LLMC_GEMM_PANEL;
  auto packed = std::make_unique<GuardedBuffer>((size_t)(panels * k * LLMC_GEMM_PANEL) * 4);
  for (int64_t i = 0; i < panels * k * LLMC_GEMM_PANEL; ++i)
    packed->floats()[i] = 0.0f;
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      packed->floats()[(j / LLMC_GEMM_PANEL * k + p) * LLMC_GEMM_PANEL + j % LLMC_GEMM_PANEL] =
          b[p * n + j];
  return packed;
}

/// Calls a pre-packed kernel on a row-major B, packing it first.
template <MatmulFn Packed>
void withPackedWeights(const float *a, const float *b, float *c, int64_t m, int64_t n, int64_t k,
                       const llmc_services_t *services) {
  std::unique_ptr<GuardedBuffer> packed = packWeights(b, n, k);
  Packed(a, packed->floats(), c, m, n, k, services);
}

const std::vector<MatmulKernel> &matmulKernels() {
  static const std::vector<MatmulKernel> all = {
      {"generic", llmc_mk_matmul_f32, [] { return true; }},
      {"generic packed", withPackedWeights<llmc_mk_matmul_f32_packed>, [] { return true; }},
#ifdef LLMC_KERNELS_HAVE_AVX512
      {"avx512", llmc_mk_matmul_f32__avx512, hasAvx512Fma},
      {"avx512 packed", withPackedWeights<llmc_mk_matmul_f32_packed__avx512>, hasAvx512Fma},
#endif
  };
  return all;
}

/// C = A x B for random A [m, k] and B [k, n] in guarded buffers (so that a read or write past
/// any of them faults) against a double reference, inline and on two threads (which must agree
/// exactly). Each element's error is bounded by k ulps of the sum of the products' magnitudes.
void checkMatmul(const MatmulKernel &kernel, int64_t m, int64_t n, int64_t k, uint32_t seed,
                 KernelPool &pool) {
  SCOPED_TRACE(kernel.name + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
               " k=" + std::to_string(k));
  GuardedBuffer a((size_t)(m * k) * 4), b((size_t)(k * n) * 4), c((size_t)(m * n) * 4),
      c2((size_t)(m * n) * 4);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < m * k; ++i)
    a.floats()[i] = u(rng);
  for (int64_t i = 0; i < k * n; ++i)
    b.floats()[i] = u(rng);
  // Garbage in C: the kernel must overwrite it, not accumulate into it.
  for (int64_t i = 0; i < m * n; ++i)
    c.floats()[i] = c2.floats()[i] = NAN;
  llmc_services_t inlineTable = inlineServices();
  kernel.fn(a.floats(), b.floats(), c.floats(), m, n, k, &inlineTable);
  kernel.fn(a.floats(), b.floats(), c2.floats(), m, n, k, pool.services());
  int bad = 0;
  for (int64_t i = 0; i < m && bad < 5; ++i)
    for (int64_t j = 0; j < n && bad < 5; ++j) {
      double sum = 0.0, magnitude = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        const double product = (double)a.floats()[i * k + p] * b.floats()[p * n + j];
        sum += product;
        magnitude += std::fabs(product);
      }
      const float got = c.floats()[i * n + j];
      const double tolerance = (double)(k + 1) * 0x1p-24 * magnitude + 1e-30;
      if (!(std::fabs(got - sum) <= tolerance)) {
        ADD_FAILURE() << "C[" << i << ", " << j << "] = " << got << ", expected " << sum;
        ++bad;
      }
      if (std::memcmp(&got, &c2.floats()[i * n + j], 4) != 0) {
        ADD_FAILURE() << "C[" << i << ", " << j << "] differs on two threads: " << got << " vs "
                      << c2.floats()[i * n + j];
        ++bad;
      }
    }
}

TEST(MatmulKernelsTest, MatmulEdgesAgainstReference) {
  KernelPool pool(2);
  uint32_t seed = 3000;
  int runnable = 0;
  for (const MatmulKernel &kernel : matmulKernels()) {
    if (!kernel.supported())
      continue;
    ++runnable;
    for (int64_t m : {1, 7, 31, 33, 100})
      for (int64_t n : {1, 7, 31, 33, 100, 257})
        for (int64_t k : {1, 7, 33, 257})
          checkMatmul(kernel, m, n, k, seed++, pool);
  }
  EXPECT_GE(runnable, 1);
}

TEST(MatmulKernelsTest, MatmulLargeSplitsAcrossThreads) {
  // Several tasks of rows and columns, several blocks of k, and edges in all three.
  KernelPool pool(2);
  uint32_t seed = 4000;
  for (const MatmulKernel &kernel : matmulKernels()) {
    if (!kernel.supported())
      continue;
    checkMatmul(kernel, 257, 1100, 600, seed++, pool);
    checkMatmul(kernel, 200, 64, 512, seed++, pool);
    checkMatmul(kernel, 1, 700, 1000, seed++, pool);
    checkMatmul(kernel, 500, 3, 300, seed++, pool);
    // Tall enough for the pre-packed kernels to pack A's k blocks once for all column chunks.
    checkMatmul(kernel, 430, 1100, 1100, seed++, pool);
  }
  EXPECT_GE(pool.workerRanges(), 1);
}

TEST(MatmulKernelsTest, MatmulVariantsEqualGeneric) {
  // With FMA in both, the variants sum in the generic kernel's order.
  if (!__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the generic kernel fuses its multiply-adds only with FMA";
  llmc_services_t inlineTable = inlineServices();
  const int64_t m = 45, n = 77, k = 600;
  std::vector<float> a((size_t)(m * k)), b((size_t)(k * n)), expected((size_t)(m * n)),
      got((size_t)(m * n));
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float &v : a)
    v = u(rng);
  for (float &v : b)
    v = u(rng);
  // The pre-packed kernels take k in longer blocks: they match the generic pre-packed kernel.
  std::vector<float> expectedPacked((size_t)(m * n));
  llmc_mk_matmul_f32(a.data(), b.data(), expected.data(), m, n, k, &inlineTable);
  withPackedWeights<llmc_mk_matmul_f32_packed>(a.data(), b.data(), expectedPacked.data(), m, n, k,
                                               &inlineTable);
  for (const MatmulKernel &kernel : matmulKernels()) {
    if (!kernel.supported())
      continue;
    kernel.fn(a.data(), b.data(), got.data(), m, n, k, &inlineTable);
    EXPECT_EQ(got, kernel.name.find("packed") != std::string::npos ? expectedPacked : expected)
        << kernel.name;
  }
}

using BMatmulFn = void (*)(const uint16_t *, const uint16_t *, uint16_t *, int64_t, int64_t,
                           int64_t, const llmc_services_t *);

#ifdef LLMC_KERNELS_HAVE_BF16
bool hasAvx512Bf16() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

/// AMX-BF16 with the tile state granted to this process.
bool hasAmxBf16() {
  return hasAvx512Bf16() && __builtin_cpu_supports("amx-bf16") && amxTilesGranted();
}
#endif

struct BMatmulKernel {
  std::string name;
  BMatmulFn fn;
  bool (*supported)();
};

const std::vector<BMatmulKernel> &bf16MatmulKernels() {
  static const std::vector<BMatmulKernel> all = {
      {"generic", llmc_mk_matmul_bf16, [] { return true; }},
#ifdef LLMC_KERNELS_HAVE_BF16
      {"avx512bf16", llmc_mk_matmul_bf16__avx512bf16, hasAvx512Bf16},
      {"amxbf16", llmc_mk_matmul_bf16__amxbf16, hasAmxBf16},
#endif
  };
  return all;
}

/// A double rounded to bfloat16 through float, to nearest with ties to even at each step (the
/// reference's products are exact in float, so the first step is exact there).
uint16_t toBf16(double value) {
  float f = (float)value;
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t lower = u & 0xffffu, upper = u >> 16;
  if (lower > 0x8000u || (lower == 0x8000u && (upper & 1u)))
    return (uint16_t)(upper + 1);
  return (uint16_t)upper;
}

/// C = A x B for random bf16 A [m, k] and B [k, n] in guarded buffers against a double
/// reference, inline and on two threads (which must agree exactly). Each element is within k
/// ulps of f32 of the products' magnitudes plus half a bf16 ulp of the exact sum; with k = 1
/// the f32 product is exact, so the element is that product rounded to bf16, exactly.
void checkBf16Matmul(const BMatmulKernel &kernel, int64_t m, int64_t n, int64_t k, uint32_t seed,
                     KernelPool &pool) {
  SCOPED_TRACE(kernel.name + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
               " k=" + std::to_string(k));
  GuardedBuffer a((size_t)(m * k) * 2), b((size_t)(k * n) * 2), c((size_t)(m * n) * 2),
      c2((size_t)(m * n) * 2);
  auto *av = (uint16_t *)a.bytes(), *bv = (uint16_t *)b.bytes(), *cv = (uint16_t *)c.bytes(),
       *c2v = (uint16_t *)c2.bytes();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < m * k; ++i)
    av[i] = toBf16(u(rng));
  for (int64_t i = 0; i < k * n; ++i)
    bv[i] = toBf16(u(rng));
  for (int64_t i = 0; i < m * n; ++i)
    cv[i] = c2v[i] = 0x7fc1; // garbage: a NaN the kernel must overwrite
  llmc_services_t inlineTable = inlineServices();
  kernel.fn(av, bv, cv, m, n, k, &inlineTable);
  kernel.fn(av, bv, c2v, m, n, k, pool.services());
  int bad = 0;
  for (int64_t i = 0; i < m && bad < 5; ++i)
    for (int64_t j = 0; j < n && bad < 5; ++j) {
      double sum = 0.0, magnitude = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        const double product = bf16ToDouble(av[i * k + p]) * bf16ToDouble(bv[p * n + j]);
        sum += product;
        magnitude += std::fabs(product);
      }
      const double got = bf16ToDouble(cv[i * n + j]);
      const double f32Error = (double)(k + 1) * 0x1p-24 * magnitude + 1e-30;
      const double tolerance = f32Error + 0x1p-8 * (std::fabs(sum) + f32Error);
      if (k == 1 ? cv[i * n + j] != toBf16(sum) : !(std::fabs(got - sum) <= tolerance)) {
        ADD_FAILURE() << "C[" << i << ", " << j << "] = " << got << ", expected " << sum;
        ++bad;
      }
      if (cv[i * n + j] != c2v[i * n + j]) {
        ADD_FAILURE() << "C[" << i << ", " << j << "] differs on two threads: " << got << " vs "
                      << bf16ToDouble(c2v[i * n + j]);
        ++bad;
      }
    }
}

TEST(MatmulKernelsTest, Bf16MatmulAgainstReference) {
  KernelPool pool(2);
  uint32_t seed = 7000;
  int runnable = 0;
  for (const BMatmulKernel &kernel : bf16MatmulKernels()) {
    if (!kernel.supported())
      continue;
    ++runnable;
    for (int64_t m : {1, 7, 17, 33, 100})
      for (int64_t n : {1, 17, 33, 129})
        for (int64_t k : {1, 2, 7, 33, 513})
          checkBf16Matmul(kernel, m, n, k, seed++, pool);
    // Several tasks of rows and columns, several blocks of k, edges in all three.
    checkBf16Matmul(kernel, 257, 300, 1100, seed++, pool);
  }
  EXPECT_GE(runnable, 1);
  EXPECT_GE(pool.workerRanges(), 1);
}

TEST(MatmulKernelsTest, Bf16MatmulSumsInF32) {
  // 4096 products of 1 and one product of 1: in f32 the sum is 4097 (rounded to bf16: 4096),
  // and 1 + 1 + ... + 1 in bf16 would stop growing at 256.
  llmc_services_t inlineTable = inlineServices();
  const int64_t k = 4097;
  std::vector<uint16_t> a((size_t)k, 0x3f80), b((size_t)k, 0x3f80);
  for (const BMatmulKernel &kernel : bf16MatmulKernels()) {
    if (!kernel.supported())
      continue;
    uint16_t c = 0;
    kernel.fn(a.data(), b.data(), &c, 1, 1, k, &inlineTable);
    EXPECT_EQ(bf16ToDouble(c), 4096.0) << kernel.name;
  }
}

using QMatmulFn = void (*)(const uint8_t *, const int8_t *, const int32_t *, const int32_t *,
                           int32_t *, int64_t, int64_t, int64_t, int64_t, int64_t,
                           const llmc_services_t *);

/// w [k, n] in the LLMC_QGEMM_PANEL layout, written from the description in llmc_kernels.h.
std::vector<int8_t> packQWeights(const std::vector<int8_t> &w, int64_t n, int64_t k) {
  const int64_t kp = (k + LLMC_QGEMM_DEPTH - 1) / LLMC_QGEMM_DEPTH * LLMC_QGEMM_DEPTH,
                panels = (n + LLMC_QGEMM_PANEL - 1) / LLMC_QGEMM_PANEL;
  std::vector<int8_t> packed((size_t)(panels * kp * LLMC_QGEMM_PANEL), 0);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      packed[(size_t)(((j / LLMC_QGEMM_PANEL * kp / 4 + p / 4) * LLMC_QGEMM_PANEL +
                       j % LLMC_QGEMM_PANEL) *
                          4 +
                      p % 4)] = w[(size_t)(p * n + j)];
  return packed;
}

/// llmc_mk_matmul_u8s8_packed (or a variant) against sum_k (A - z) * (w + o) in 64-bit integers
/// reduced modulo 2^32, with every buffer ending at a guard page.
void checkQMatmul(QMatmulFn fn, const char *name, int64_t m, int64_t n, int64_t k, bool aSigned,
                  int64_t aZero, bool wideOffsets, uint32_t seed, KernelPool &pool) {
  SCOPED_TRACE(::testing::Message() << name << " m=" << m << " n=" << n << " k=" << k << " signed="
                                    << aSigned << " zero=" << aZero << " wide=" << wideOffsets);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<int8_t> w((size_t)(k * n));
  for (int8_t &v : w)
    v = (int8_t)(byte(rng) - 128);
  std::vector<int8_t> packed = packQWeights(w, n, k);
  GuardedBuffer a((size_t)(m * k)), b(packed.size()), offset((size_t)n * 4), corr((size_t)n * 4),
      c((size_t)(m * n) * 4);
  for (size_t i = 0; i < (size_t)(m * k); ++i)
    a.bytes()[i] = (uint8_t)byte(rng);
  std::memcpy(b.bytes(), packed.data(), packed.size());
  std::uniform_int_distribution<int64_t> wide(-(int64_t(1) << 31), (int64_t(1) << 31) - 1),
      narrow(-300, 300);
  auto *o = (int32_t *)offset.bytes(), *cr = (int32_t *)corr.bytes();
  for (int64_t j = 0; j < n; ++j) {
    o[j] = (int32_t)(wideOffsets ? wide(rng) : (j % 3 == 0 ? 0 : narrow(rng)));
    uint32_t sum = (uint32_t)k * (uint32_t)o[j];
    for (int64_t p = 0; p < k; ++p)
      sum += (uint32_t)(int32_t)w[(size_t)(p * n + j)];
    cr[j] = (int32_t)sum;
  }
  std::vector<int32_t> expected((size_t)(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      for (int64_t p = 0; p < k; ++p) {
        const uint8_t raw = a.bytes()[i * k + p];
        const int64_t value = aSigned ? (int64_t)(int8_t)raw : (int64_t)raw;
        sum += (value - aZero) * ((int64_t)w[(size_t)(p * n + j)] + o[j]);
      }
      expected[(size_t)(i * n + j)] = (int32_t)(uint32_t)(uint64_t)sum;
    }
  withServices([&](const llmc_services_t *services, const char *how) {
    std::memset(c.bytes(), 0x5a, c.size());
    fn(a.bytes(), (const int8_t *)b.bytes(), o, cr, (int32_t *)c.bytes(), m, n, k, aZero,
       aSigned ? 1 : 0, services);
    EXPECT_EQ(0, std::memcmp(c.bytes(), expected.data(), expected.size() * 4)) << how;
  });
  (void)pool;
}

struct QMatmulKernel {
  const char *name;
  QMatmulFn fn;
  bool (*supported)();
};

const std::vector<QMatmulKernel> &qmatmulKernels() {
  static const std::vector<QMatmulKernel> all = {
      {"generic", llmc_mk_matmul_u8s8_packed, [] { return true; }},
#ifdef LLMC_KERNELS_HAVE_AVX512VNNI
      {"avx512vnni", llmc_mk_matmul_u8s8_packed__avx512vnni, hasAvx512Vnni},
      {"amx", llmc_mk_matmul_u8s8_packed__amx, hasAmx},
#endif
  };
  return all;
}

TEST(MatmulKernelsTest, IntegerMatmulAgainstReference) {
  KernelPool pool(2);
  uint32_t seed = 7000;
  for (const QMatmulKernel &kernel : qmatmulKernels()) {
    if (!kernel.supported())
      continue;
    // Every edge: rows past a tile and a task, columns past a panel and a task, k not a
    // multiple of 4 and past a block of k.
    for (int64_t m : {1, 5, 13, 97})
      for (int64_t n : {1, 31, 33, 257})
        for (int64_t k : {1, 3, 5, 64}) {
          const bool aSigned = (seed & 1) != 0;
          checkQMatmul(kernel.fn, kernel.name, m, n, k, aSigned, aSigned ? -7 : 131, false, seed++,
                       pool);
        }
    checkQMatmul(kernel.fn, kernel.name, 100, 300, 2051, false, 0, false, seed++, pool);
    checkQMatmul(kernel.fn, kernel.name, 37, 70, 4100, true, -128, false, seed++, pool);
    checkQMatmul(kernel.fn, kernel.name, 20, 40, 300, false, 255, true, seed++, pool);
    checkQMatmul(kernel.fn, kernel.name, 20, 40, 300, true, 127, true, seed++, pool);
  }
}

} // namespace

TEST(MatmulKernelsTest, MatmulEpilogues) {
  // The epilogue applies to the finished product: exactly the product, plus the bias per column
  // or per row, then max(x, 0) (with -0 becoming +0), on one and on two threads, with B at run
  // time and pre-packed, and where k is 0 on zeros. GELU is within 3.5e-7 max(1, |x|) of the double
  // reference (as frameworks compute it, 0.5 x (1 + erf(x / sqrt(2)))), and its tanh form within
  // 1e-5 of it relative to its own size, however close to zero (down to the smallest normal
  // floats: below them the exp flushes to zero).
  KernelPool pool(2);
  llmc_services_t inlineTable = inlineServices();
  using EpilogueFn = void (*)(const float *, const float *, const float *, float *, int64_t,
                              int64_t, int64_t, int64_t, const llmc_services_t *);
  struct Kernel {
    std::string name;
    MatmulFn plain;
    EpilogueFn withEpilogue;
    bool packed;
    bool (*supported)();
  };
  std::vector<Kernel> kernels = {
      {"generic", llmc_mk_matmul_f32, llmc_mk_matmul_f32_epilogue, false, [] { return true; }},
      {"generic packed", llmc_mk_matmul_f32_packed, llmc_mk_matmul_f32_packed_epilogue, true,
       [] { return true; }},
#ifdef LLMC_KERNELS_HAVE_AVX512
      {"avx512", llmc_mk_matmul_f32__avx512, llmc_mk_matmul_f32_epilogue__avx512, false,
       hasAvx512Fma},
      {"avx512 packed", llmc_mk_matmul_f32_packed__avx512,
       llmc_mk_matmul_f32_packed_epilogue__avx512, true, hasAvx512Fma},
#endif
  };
  std::mt19937 rng(9000);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const Kernel &kernel : kernels) {
    if (!kernel.supported())
      continue;
    for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{37, 70, 300},
                           {64, 768, 256},
                           {430, 1100, 600},
                           {5, 33, 0}})
      for (int64_t flags :
           {LLMC_GEMM_EPILOGUE_BIAS_COLUMNS, LLMC_GEMM_EPILOGUE_BIAS_ROWS, LLMC_GEMM_EPILOGUE_RELU,
            LLMC_GEMM_EPILOGUE_BIAS_COLUMNS | LLMC_GEMM_EPILOGUE_RELU,
            LLMC_GEMM_EPILOGUE_BIAS_ROWS | LLMC_GEMM_EPILOGUE_RELU, LLMC_GEMM_EPILOGUE_GELU,
            LLMC_GEMM_EPILOGUE_BIAS_COLUMNS | LLMC_GEMM_EPILOGUE_GELU,
            LLMC_GEMM_EPILOGUE_BIAS_ROWS | LLMC_GEMM_EPILOGUE_GELU_TANH}) {
        SCOPED_TRACE(kernel.name + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
                     " k=" + std::to_string(k) + " epilogue=" + std::to_string(flags));
        std::vector<float> a((size_t)(m * k)), b((size_t)(k * n)), bias((size_t)std::max(m, n));
        for (float &v : a)
          v = u(rng);
        for (float &v : b)
          v = u(rng);
        for (float &v : bias)
          v = u(rng);
        std::unique_ptr<GuardedBuffer> packed = packWeights(b.data(), n, k);
        const float *weights = kernel.packed ? packed->floats() : b.data();
        std::vector<float> expected((size_t)(m * n)), got((size_t)(m * n)),
            preactivation((size_t)(m * n));
        kernel.plain(a.data(), weights, expected.data(), m, n, k, &inlineTable);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            float &v = expected[(size_t)(i * n + j)];
            v += (flags & LLMC_GEMM_EPILOGUE_BIAS_ROWS) ? bias[(size_t)i] : 0.0f;
            v += (flags & LLMC_GEMM_EPILOGUE_BIAS_COLUMNS) ? bias[(size_t)j] : 0.0f;
            if ((flags & LLMC_GEMM_EPILOGUE_RELU) && v <= 0.0f)
              v = 0.0f;
            const double x = v;
            preactivation[(size_t)(i * n + j)] = v;
            if (flags & LLMC_GEMM_EPILOGUE_GELU)
              v = (float)(0.5 * x * std::erfc(-x / std::sqrt(2.0)));
            if (flags & LLMC_GEMM_EPILOGUE_GELU_TANH)
              v = (float)(x / (1.0 + std::exp(-2.0 * std::sqrt(2.0 / M_PI) *
                                              (x + 0.044715 * x * x * x))));
          }
        const bool gelu = flags & (LLMC_GEMM_EPILOGUE_GELU | LLMC_GEMM_EPILOGUE_GELU_TANH);

        for (const llmc_services_t *services :
             {(const llmc_services_t *)&inlineTable, pool.services()}) {
          kernel.withEpilogue(a.data(), weights, bias.data(), got.data(), m, n, k, flags, services);
          if (!gelu) {
            EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * 4), 0);
            continue;
          }
          int bad = 0;
          for (size_t i = 0; i < got.size() && bad < 5; ++i)
            if (!(std::fabs(got[i] - expected[i]) <=
                  (flags & LLMC_GEMM_EPILOGUE_GELU
                       ? 3.5e-7 * std::max(1.0, std::fabs((double)preactivation[i]))
                       : 1e-5 * std::fabs(expected[i]) + 1e-37))) {
              ADD_FAILURE() << "C[" << i << "] = " << got[i] << ", expected " << expected[i];
              ++bad;
            }
        }
      }
  }
}
