//===- KernelsTest.cpp - The CPU microkernels against double-precision references ---===//
//
// Every kernel and weight format against naive double loops written here: dequantizers from
// ggml's block layouts, linear and embedding over random blocks (Q8_0 and Q4_0 linear with x
// quantized to Q8_0 as llama.cpp does), RoPE in both modes with the angles of llama.cpp, and
// causal GQA attention with a two-pass softmax, whole-sequence attention with masks, LayerNorm,
// RMSNorm and softmax over rows of every length class (masked and equal softmax inputs included),
// and the im2col packers. The ISA variants of the linear kernels that this CPU can run are checked
// against the same references; the GEMM kernels are in MatmulKernelsTest.cpp. Buffers end at a PROT_NONE page, so a read
// past any of them faults. Each case runs inline and on two threads.
//
//===----------------------------------------------------------------------===//
#include "backends/cpu/kernels/llmc_kernels.h"
#include "test/unit/backends/cpu/KernelTestSupport.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/// f rounded to the nearest IEEE half (ties to even), as a double; f is finite and below 65504.
double roundToHalf(float f) {
  const double a = std::fabs((double)f);
  if (a == 0.0)
    return 0.0;
  int exponent;
  std::frexp(a, &exponent);                         // a = m * 2^exponent, m in [0.5, 1)
  const int quantum = std::max(exponent - 11, -24); // 10 fraction bits; subnormals below 2^-14
  const double r = std::ldexp(std::nearbyint(std::ldexp(a, -quantum)), quantum);
  return f < 0 ? -r : r;
}

/// A row of k values (k a multiple of 32) quantized to Q8_0 as ggml's quantize_row_q8_0_ref does
/// (per block: amax, d = amax / 127, id = d ? 1 / d : 0, q = roundf(x * id), all in float; d
/// stored as a half) and read back as d * q, exactly, in double.
void quantizeQ8_0(const float *x, int64_t k, double *out) {
  for (int64_t b = 0; b < k; b += 32) {
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j)
      amax = std::max(amax, std::fabs(x[b + j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const double dh = roundToHalf(d);
    for (int j = 0; j < 32; ++j) {
      const float v = x[b + j] * id;
      out[b + j] = dh * (double)std::round(v);
    }
  }
}

uint16_t readU16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
void writeU16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

using LinearFn = void (*)(const float *, const void *, float *, int64_t, int64_t, int64_t,
                          const llmc_services_t *);
using EmbeddingFn = void (*)(const int32_t *, const void *, float *, int64_t, int64_t, int64_t,
                             const llmc_services_t *);

/// A weight format: its layout, random rows, and a reference dequantizer that also reports the
/// magnitude of the subtracted min of each element (Q4_K), for tolerances.
struct Format {
  std::string name;
  int64_t blockElems, blockBytes;
  LinearFn linear;
  EmbeddingFn embedding;
  /// The ISA variant that `linear` is, if any (for messages).
  std::string variant = "";

  int64_t rowBytes(int64_t k) const { return k / blockElems * blockBytes; }

  /// A random, finite scale as IEEE half bits: magnitude in [2^-7, 2^-3), either sign.
  static uint16_t randomScale(std::mt19937 &rng) {
    uint16_t exponent = (uint16_t)(8 + rng() % 4), mantissa = (uint16_t)(rng() % 1024);
    return (uint16_t)((rng() & 1) << 15 | exponent << 10 | mantissa);
  }

  /// Random bytes for a row of k elements: every bit pattern of the quants, sane scales.
  void randomRow(std::mt19937 &rng, uint8_t *row, int64_t k) const {
    const int64_t bytes = rowBytes(k);
    if (name == "f32") {
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      for (int64_t j = 0; j < k; ++j) {
        float f = u(rng);
        std::memcpy(row + 4 * j, &f, 4);
      }
      return;
    }
    if (name == "f16" || name == "bf16") {
      for (int64_t j = 0; j < k; ++j) {
        // Finite values in [2^-9, 2) of either sign (bf16: the top half of such floats).
        uint16_t bits;
        if (name == "f16")
          bits = (uint16_t)((rng() & 1) << 15 | (6 + rng() % 10) << 10 | (rng() % 1024));
        else
          bits = (uint16_t)((rng() & 1) << 15 | (118 + rng() % 10) << 7 | (rng() % 128));
        writeU16(row + 2 * j, bits);
      }
      return;
    }
    for (int64_t b = 0; b < bytes; ++b)
      row[b] = (uint8_t)rng();
    for (int64_t b = 0; b < bytes; b += blockBytes) {
      uint8_t *blk = row + b;
      if (name == "q8_0" || name == "q4_0") {
        writeU16(blk, randomScale(rng));
      } else if (name == "q4_k") {
        writeU16(blk, randomScale(rng));
        writeU16(blk + 2, randomScale(rng));
      } else if (name == "q6_k") {
        writeU16(blk + 208, randomScale(rng));
      }
    }
  }

  /// Dequantizes a row of k elements into values (and the min magnitudes, 0 but for Q4_K).
  void dequantRow(const uint8_t *row, int64_t k, double *out, double *minMag) const {
    for (int64_t j = 0; j < k; ++j)
      minMag[j] = 0.0;
    if (name == "f32") {
      for (int64_t j = 0; j < k; ++j) {
        float f;
        std::memcpy(&f, row + 4 * j, 4);
        out[j] = f;
      }
      return;
    }
    if (name == "f16" || name == "bf16") {
      for (int64_t j = 0; j < k; ++j)
        out[j] =
            name == "f16" ? halfToDouble(readU16(row + 2 * j)) : bf16ToDouble(readU16(row + 2 * j));
      return;
    }
    for (int64_t b = 0; b < k / blockElems; ++b) {
      const uint8_t *blk = row + b * blockBytes;
      double *y = out + b * blockElems;
      if (name == "q8_0") {
        const double d = halfToDouble(readU16(blk));
        for (int j = 0; j < 32; ++j)
          y[j] = d * (int8_t)blk[2 + j];
      } else if (name == "q4_0") {
        const double d = halfToDouble(readU16(blk));
        for (int j = 0; j < 16; ++j) {
          y[j] = d * ((blk[2 + j] & 0xF) - 8);
          y[j + 16] = d * ((blk[2 + j] >> 4) - 8);
        }
      } else if (name == "q4_k") {
        const double d = halfToDouble(readU16(blk)), dmin = halfToDouble(readU16(blk + 2));
        const uint8_t *sc = blk + 4, *qs = blk + 16;
        auto scaleMin = [&](int j, int &s, int &m) {
          if (j < 4) {
            s = sc[j] & 63;
            m = sc[j + 4] & 63;
          } else {
            s = (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4);
            m = (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
          }
        };
        for (int c = 0; c < 4; ++c) {
          int s1, m1, s2, m2;
          scaleMin(2 * c, s1, m1);
          scaleMin(2 * c + 1, s2, m2);
          for (int l = 0; l < 32; ++l) {
            y[64 * c + l] = d * s1 * (qs[32 * c + l] & 0xF) - dmin * m1;
            y[64 * c + 32 + l] = d * s2 * (qs[32 * c + l] >> 4) - dmin * m2;
            minMag[b * 256 + 64 * c + l] = std::fabs(dmin * m1);
            minMag[b * 256 + 64 * c + 32 + l] = std::fabs(dmin * m2);
          }
        }
      } else if (name == "q6_k") {
        const double d = halfToDouble(readU16(blk + 208));
        const uint8_t *ql = blk, *qh = blk + 128;
        const int8_t *sc = (const int8_t *)(blk + 192);
        for (int half = 0; half < 2; ++half) {
          for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[128 * half + l] = d * sc[is] * q1;
            y[128 * half + l + 32] = d * sc[is + 2] * q2;
            y[128 * half + l + 64] = d * sc[is + 4] * q3;
            y[128 * half + l + 96] = d * sc[is + 6] * q4;
          }
          ql += 64;
          qh += 32;
          sc += 8;
        }
      }
    }
  }
};

const std::vector<Format> &formats() {
  static const std::vector<Format> all = {
      {"f32", 1, 4, llmc_mk_linear_f32, llmc_mk_embedding_f32},
      {"f16", 1, 2, llmc_mk_linear_f16, llmc_mk_embedding_f16},
      {"bf16", 1, 2, llmc_mk_linear_bf16, llmc_mk_embedding_bf16},
      {"q8_0", 32, 34, llmc_mk_linear_q8_0, llmc_mk_embedding_q8_0},
      {"q4_0", 32, 18, llmc_mk_linear_q4_0, llmc_mk_embedding_q4_0},
      {"q4_k", 256, 144, llmc_mk_linear_q4_k, llmc_mk_embedding_q4_k},
      {"q6_k", 256, 210, llmc_mk_linear_q6_k, llmc_mk_embedding_q6_k},
  };
  return all;
}

/// An ISA variant of a format's linear kernel, run where this CPU has its features.
struct Variant {
  std::string format, name;
  LinearFn linear;
  bool (*supported)();
};

const std::vector<Variant> &variants() {
  static const std::vector<Variant> all = {
#ifdef LLMC_KERNELS_HAVE_AVX512VNNI
      {"q8_0", "avx512vnni", llmc_mk_linear_q8_0__avx512vnni, hasAvx512Vnni},
      {"q4_0", "avx512vnni", llmc_mk_linear_q4_0__avx512vnni, hasAvx512Vnni},
#endif
  };
  return all;
}

/// The format named `name` with its linear kernel replaced by the variant's.
Format withVariant(const Variant &v) {
  for (const Format &f : formats())
    if (f.name == v.format) {
      Format copy = f;
      copy.variant = v.name;
      copy.linear = v.linear;
      return copy;
    }
  std::abort();
}

void checkLinear(const Format &f, int64_t m, int64_t n, int64_t k, uint32_t seed) {
  std::mt19937 rng(seed);
  GuardedBuffer w((size_t)(n * f.rowBytes(k))), x((size_t)(m * k * 4)), y((size_t)(m * n * 4));
  for (int64_t r = 0; r < n; ++r)
    f.randomRow(rng, w.bytes() + r * f.rowBytes(k), k);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t j = 0; j < m * k; ++j)
    x.floats()[j] = u(rng);
  std::vector<double> wd((size_t)(n * k)), mins((size_t)(n * k));
  for (int64_t r = 0; r < n; ++r)
    f.dequantRow(w.bytes() + r * f.rowBytes(k), k, &wd[r * k], &mins[r * k]);
  // Q8_0 and Q4_0 take x quantized to Q8_0, as llama.cpp's CPU path: the products of the
  // quantized values are exact in double, so only the kernel's f32 summation order is left, and
  // the tolerance is tight. The other formats take x as it is.
  const bool quantizesX = f.name == "q8_0" || f.name == "q4_0";
  std::vector<double> xd((size_t)(m * k));
  for (int64_t i = 0; i < m; ++i) {
    if (quantizesX)
      quantizeQ8_0(x.floats() + i * k, k, &xd[i * k]);
    else
      for (int64_t j = 0; j < k; ++j)
        xd[i * k + j] = x.floats()[i * k + j];
  }
  const double tolerance = quantizesX ? 1e-6 : 2e-5;

  withServices([&](const llmc_services_t *services, const char *how) {
    for (int64_t j = 0; j < m * n; ++j)
      y.floats()[j] = NAN;
    f.linear(x.floats(), w.bytes(), y.floats(), m, n, k, services);
    int failures = 0;
    for (int64_t i = 0; i < m && failures < 5; ++i) {
      for (int64_t r = 0; r < n && failures < 5; ++r) {
        double ref = 0.0, mag = 0.0;
        for (int64_t j = 0; j < k; ++j) {
          const double xv = xd[i * k + j];
          ref += xv * wd[r * k + j];
          mag += std::fabs(xv) * (std::fabs(wd[r * k + j]) + mins[r * k + j]);
        }
        const double got = y.floats()[i * n + r];
        if (!(std::fabs(got - ref) <= tolerance * mag + 1e-30)) {
          ++failures;
          ADD_FAILURE() << f.name << (f.variant.empty() ? "" : " " + f.variant) << " linear m=" << m
                        << " n=" << n << " k=" << k << " (" << how << "): y[" << i << "," << r
                        << "] = " << got << ", expected " << ref << " (magnitude " << mag << ")";
        }
      }
    }
  });
}

TEST(KernelsTest, LinearAllFormatsAndShapes) {
  uint32_t seed = 1;
  for (const Format &f : formats()) {
    std::vector<int64_t> ks;
    if (f.blockElems == 1)
      ks = {1, 17, 32, 100, 300};
    else
      ks = {f.blockElems, 3 * f.blockElems, (f.blockElems == 32 ? 17 : 4) * f.blockElems};
    for (int64_t m : {1, 2, 7, 33})
      for (int64_t n : {1, 3, 64, 100})
        for (int64_t k : ks)
          checkLinear(f, m, n, k, seed++);
  }
}

TEST(KernelsTest, LinearLargeSplitsAcrossThreads) {
  // Enough weights for several 64 KB tasks, weight-row blocks and x chunks in the prefill path.
  uint32_t seed = 1000;
  for (const Format &f : formats()) {
    checkLinear(f, 1, 517, 2048, seed++);
    checkLinear(f, 5, 261, 2048, seed++);
  }
  checkLinear(formats()[4], 33, 100, 8192, seed++); // q4_0: k in chunks, 8 tiles of x and one row
  checkLinear(formats()[3], 70, 130, 2048, seed++); // q8_0: 17 tiles of x and two rows
  checkLinear(formats()[1], 3, 45, 3001, seed++);   // f16 with a tail
  // Q8_0 and Q4_0 quantize x in chunks of k: decode in chunks of 256 blocks, prefill of 64; odd
  // block counts leave half a pair at the end of a row.
  checkLinear(formats()[3], 1, 37, 32 * 259, seed++);
  checkLinear(formats()[4], 1, 37, 32 * 259, seed++);
  checkLinear(formats()[4], 1, 9, 65536 + 32, seed++);
  checkLinear(formats()[3], 6, 37, 32 * 131, seed++);
  checkLinear(formats()[4], 9, 21, 32 * 129, seed++);
}

TEST(KernelsTest, LinearVariantsAgainstReference) {
  // Every block count modulo the variants' units (four blocks), chunks of k in decode (256
  // blocks) and prefill (64), tiles of x, and threads.
  int runnable = 0;
  uint32_t seed = 2000;
  for (const Variant &v : variants()) {
    if (!v.supported())
      continue;
    ++runnable;
    const Format f = withVariant(v);
    for (int64_t m : {1, 2, 7, 33})
      for (int64_t n : {1, 3, 64, 100})
        for (int64_t blocks : {1, 2, 3, 4, 5, 6, 8, 17, 30})
          checkLinear(f, m, n, 32 * blocks, seed++);
    checkLinear(f, 1, 517, 2048, seed++);
    checkLinear(f, 5, 261, 2048, seed++);
    checkLinear(f, 33, 100, 8192, seed++);
    checkLinear(f, 1, 37, 32 * 259, seed++);
    checkLinear(f, 1, 9, 65536 + 32, seed++);
    checkLinear(f, 6, 37, 32 * 131, seed++);
    checkLinear(f, 9, 21, 32 * 129, seed++);
    checkLinear(f, 70, 130, 32 * 66, seed++);
  }
  if (runnable == 0)
    GTEST_SKIP() << "this CPU runs none of the " << variants().size() << " kernel variants";
}

TEST(KernelsTest, PoolRunsBodiesOnWorkers) {
  KernelPool pool(2);
  const Format &f = formats()[3];
  const int64_t n = 512, k = 1024;
  std::vector<uint8_t> w((size_t)(n * f.rowBytes(k)));
  std::mt19937 rng(7);
  for (int64_t r = 0; r < n; ++r)
    f.randomRow(rng, w.data() + r * f.rowBytes(k), k);
  std::vector<float> x((size_t)k, 0.5f), y((size_t)n), yInline((size_t)n);
  llmc_mk_linear_q8_0(x.data(), w.data(), y.data(), 1, n, k, pool.services());
  EXPECT_GE(pool.workerRanges(), 1);
  llmc_services_t inlineTable = inlineServices();
  llmc_mk_linear_q8_0(x.data(), w.data(), yInline.data(), 1, n, k, &inlineTable);
  EXPECT_EQ(y, yInline); // Each row is computed by one thread in the same order.
}

TEST(KernelsTest, EmbeddingAllFormatsClampsIds) {
  uint32_t seed = 2000;
  for (const Format &f : formats()) {
    for (int64_t dim : {f.blockElems == 1 ? (int64_t)37 : f.blockElems,
                        (f.blockElems == 1 ? 8 : 3) * std::max<int64_t>(f.blockElems, 32)}) {
      const int64_t rows = 11;
      std::mt19937 rng(seed++);
      GuardedBuffer table((size_t)(rows * f.rowBytes(dim)));
      for (int64_t r = 0; r < rows; ++r)
        f.randomRow(rng, table.bytes() + r * f.rowBytes(dim), dim);
      const std::vector<int32_t> ids = {3, 0, 10, -1, 11, 1000000, -2147483647 - 1, 2147483647, 7};
      const int64_t count = (int64_t)ids.size();
      GuardedBuffer out((size_t)(count * dim * 4));
      std::vector<double> ref((size_t)dim), mins((size_t)dim);
      withServices([&](const llmc_services_t *services, const char *how) {
        f.embedding(ids.data(), table.bytes(), out.floats(), count, rows, dim, services);
        for (int64_t i = 0; i < count; ++i) {
          const int64_t id = std::min<int64_t>(std::max<int64_t>(ids[i], 0), rows - 1);
          f.dequantRow(table.bytes() + id * f.rowBytes(dim), dim, ref.data(), mins.data());
          for (int64_t e = 0; e < dim; ++e) {
            const double got = out.floats()[i * dim + e];
            ASSERT_LE(std::fabs(got - ref[e]), 1e-6 * (std::fabs(ref[e]) + mins[e]))
                << f.name << " embedding dim=" << dim << " (" << how << ") id " << ids[i]
                << " element " << e;
          }
        }
      });
    }
  }
}

TEST(KernelsTest, HalfAndBfloatConversionIsExact) {
  // Every half bit pattern (subnormals, infinities, NaNs) as one embedding row, and random bf16.
  const int64_t dim = 65536;
  std::vector<uint8_t> table((size_t)dim * 2);
  for (int64_t j = 0; j < dim; ++j)
    writeU16(&table[j * 2], (uint16_t)j);
  std::vector<float> out((size_t)dim);
  llmc_services_t inlineTable = inlineServices();
  const int32_t id = 0;
  llmc_mk_embedding_f16(&id, table.data(), out.data(), 1, 1, dim, &inlineTable);
  for (int64_t j = 0; j < dim; ++j) {
    const double ref = halfToDouble((uint16_t)j);
    if (std::isnan(ref))
      ASSERT_TRUE(std::isnan(out[j])) << "half 0x" << std::hex << j;
    else
      ASSERT_EQ((double)out[j], ref) << "half 0x" << std::hex << j;
    ASSERT_EQ(std::signbit(out[j]), (j & 0x8000) != 0) << "half 0x" << std::hex << j;
  }
  llmc_mk_embedding_bf16(&id, table.data(), out.data(), 1, 1, dim, &inlineTable);
  for (int64_t j = 0; j < dim; ++j) {
    uint32_t bits;
    std::memcpy(&bits, &out[j], 4);
    ASSERT_EQ(bits, (uint32_t)j << 16);
  }
}

/// RoPE as llama.cpp computes the angles (float recurrence from powf's theta_scale), with cos
/// and sin in double.
void checkRope(int64_t t, int64_t heads, int64_t headDim, int64_t nRot, float base, int64_t mode,
               int64_t start, bool inPlace, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  const int64_t size = t * heads * headDim;
  GuardedBuffer x((size_t)size * 4), y((size_t)size * 4);
  std::vector<float> x0((size_t)size);
  for (float &v : x0)
    v = u(rng);
  const float thetaScale = (float)std::pow((double)base, (double)(-2.0f / (float)nRot));
  withServices([&](const llmc_services_t *services, const char *how) {
    std::memcpy(x.floats(), x0.data(), (size_t)size * 4);
    float *dst = inPlace ? x.floats() : y.floats();
    llmc_mk_rope(x.floats(), dst, t, heads, headDim, nRot, base, mode, start, services);
    for (int64_t i = 0; i < t; ++i) {
      float theta = (float)(start + i);
      for (int64_t c = 0; c < nRot / 2; ++c) {
        const double cs = std::cos((double)theta), sn = std::sin((double)theta);
        for (int64_t h = 0; h < heads; ++h) {
          const int64_t row = (i * heads + h) * headDim;
          const int64_t a = row + (mode == 2 ? c : 2 * c), b = a + (mode == 2 ? nRot / 2 : 1);
          const double xa = x0[a], xb = x0[b];
          const double ra = xa * cs - xb * sn, rb = xa * sn + xb * cs;
          const double tol = 1e-6 * (std::fabs(xa) + std::fabs(xb)) + 1e-7;
          ASSERT_NEAR(dst[a], ra, tol) << "rope mode " << mode << " pos " << start + i << " pair "
                                       << c << " (" << how << ")";
          ASSERT_NEAR(dst[b], rb, tol) << "rope mode " << mode << " pos " << start + i << " pair "
                                       << c << " (" << how << ")";
        }
        theta *= thetaScale;
      }
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t e = nRot; e < headDim; ++e)
          ASSERT_EQ(dst[(i * heads + h) * headDim + e], x0[(i * heads + h) * headDim + e]);
    }
  });
}

TEST(KernelsTest, RopeNormalAndNeox) {
  uint32_t seed = 3000;
  for (int64_t mode : {0, 2}) {
    for (bool inPlace : {false, true}) {
      checkRope(1, 4, 64, 64, 10000.0f, mode, 0, inPlace, seed++);
      checkRope(5, 3, 64, 32, 10000.0f, mode, 17, inPlace, seed++);
      checkRope(3, 2, 80, 64, 1000000.0f, mode, 3997, inPlace, seed++);
      checkRope(2, 2, 128, 128, 500000.0f, mode, 4000, inPlace, seed++);
      checkRope(40, 8, 64, 64, 10000.0f, mode, 1000, inPlace, seed++);
      checkRope(1, 1, 256, 200, 10000.0f, mode, 2500, inPlace, seed++); // 100 pairs: 2 chunks
    }
  }
}

void checkAttention(int64_t t, int64_t heads, int64_t kvHeads, int64_t d, int64_t start,
                    uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int64_t ctx = start + t + 3; // rows past start + t hold NaN and must not be read
  GuardedBuffer q((size_t)(t * heads * d * 4)), k((size_t)(ctx * kvHeads * d * 4)),
      v((size_t)(ctx * kvHeads * d * 4)), out((size_t)(t * heads * d * 4));
  for (int64_t j = 0; j < t * heads * d; ++j)
    q.floats()[j] = 3.0f * u(rng);
  for (int64_t j = 0; j < ctx * kvHeads * d; ++j) {
    const bool live = j < (start + t) * kvHeads * d;
    k.floats()[j] = live ? u(rng) : NAN;
    v.floats()[j] = live ? u(rng) : NAN;
  }
  const float scale = 1.0f / std::sqrt((float)d);
  withServices([&](const llmc_services_t *services, const char *how) {
    llmc_mk_attention(q.floats(), k.floats(), v.floats(), out.floats(), t, heads, kvHeads, d, start,
                      ctx, scale, services);
    const int64_t group = heads / kvHeads;
    for (int64_t i = 0; i < t; ++i) {
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t g = h / group, keys = start + i + 1;
        std::vector<double> s((size_t)keys);
        double mx = -INFINITY;
        for (int64_t j = 0; j < keys; ++j) {
          double dot = 0.0;
          for (int64_t e = 0; e < d; ++e)
            dot +=
                (double)q.floats()[(i * heads + h) * d + e] * k.floats()[(j * kvHeads + g) * d + e];
          s[j] = scale * dot;
          mx = std::max(mx, s[j]);
        }
        double sum = 0.0;
        for (double &p : s) {
          p = std::exp(p - mx);
          sum += p;
        }
        for (int64_t e = 0; e < d; ++e) {
          double ref = 0.0;
          for (int64_t j = 0; j < keys; ++j)
            ref += s[j] * v.floats()[(j * kvHeads + g) * d + e];
          ref /= sum;
          ASSERT_NEAR(out.floats()[(i * heads + h) * d + e], ref, 2e-5)
              << "attention t=" << t << " heads=" << heads << "/" << kvHeads << " d=" << d
              << " start=" << start << " (" << how << ") at token " << i << " head " << h << " dim "
              << e;
        }
      }
    }
  });
}

TEST(KernelsTest, AttentionCausalGqa) {
  uint32_t seed = 4000;
  for (int64_t d : {64, 80}) {
    for (auto [heads, kvHeads] :
         std::vector<std::pair<int64_t, int64_t>>{{4, 4}, {4, 2}, {8, 2}, {6, 2}, {8, 1}}) {
      checkAttention(1, heads, kvHeads, d, 0, seed++);
      checkAttention(1, heads, kvHeads, d, 37, seed++);
      checkAttention(7, heads, kvHeads, d, 0, seed++);
      checkAttention(5, heads, kvHeads, d, 300, seed++); // past one chunk of 256 keys
    }
  }
  checkAttention(3, 4, 2, 72, 600, seed++); // d with a tail past 16 lanes, three chunks
}

/// Runs `kernel` into y (filled with NaN first, so that an element not written shows) inline and
/// on two threads, and checks both against `reference` with `tolerance` per element; each row is
/// computed by one thread, so the two results must also be equal bit for bit.
template <typename Kernel, typename Tolerance>
void checkRows(const char *what, int64_t rows, int64_t n, const std::vector<double> &reference,
               Tolerance tolerance, GuardedBuffer &y, Kernel kernel) {
  SCOPED_TRACE(std::string(what) + " rows=" + std::to_string(rows) + " n=" + std::to_string(n));
  std::vector<float> first;
  withServices([&](const llmc_services_t *services, const char *how) {
    for (int64_t i = 0; i < rows * n; ++i)
      y.floats()[i] = NAN;
    kernel(services);
    int bad = 0;
    for (int64_t i = 0; i < rows * n && bad < 5; ++i) {
      const double got = y.floats()[i], ref = reference[(size_t)i];
      if (!(std::fabs(got - ref) <= tolerance(i))) {
        ADD_FAILURE() << "y[" << i / n << ", " << i % n << "] = " << got << ", expected " << ref
                      << " (" << how << ")";
        ++bad;
      }
    }
    if (first.empty())
      first.assign(y.floats(), y.floats() + rows * n);
    else
      EXPECT_EQ(0, std::memcmp(first.data(), y.floats(), (size_t)(rows * n) * 4))
          << "inline and two threads differ";
  });
}

/// LayerNorm (with and without bias) and RMSNorm of rows centered on `offset`, against double
/// loops. The error of f32 statistics over a row is a few ulps of the row's magnitude times
/// sqrt(n) at worst, relative to the standard deviation, so the tolerance grows with both.
void checkNorms(int64_t rows, int64_t n, float offset, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const size_t size = (size_t)(rows * n);
  GuardedBuffer x(size * 4), y(size * 4), scale((size_t)n * 4), bias((size_t)n * 4);
  for (size_t i = 0; i < size; ++i)
    x.floats()[i] = offset + u(rng);
  for (int64_t j = 0; j < n; ++j) {
    scale.floats()[j] = 2.0f * u(rng);
    bias.floats()[j] = u(rng);
  }
  const float epsilon = 1e-5f;
  std::vector<double> layerNorm(size), layerNormNoBias(size), rmsNorm(size);
  std::vector<double> rowTolerance((size_t)rows), rmsTolerance((size_t)rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x.floats() + r * n;
    double mean = 0.0, variance = 0.0, meanSquare = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      mean += row[j];
      meanSquare += (double)row[j] * row[j];
    }
    mean /= (double)n;
    meanSquare /= (double)n;
    for (int64_t j = 0; j < n; ++j)
      variance += (row[j] - mean) * (row[j] - mean);
    variance /= (double)n;
    const double inverseStd = 1.0 / std::sqrt(variance + epsilon);
    const double inverseRms = 1.0 / std::sqrt(meanSquare + epsilon);
    for (int64_t j = 0; j < n; ++j) {
      const double normalized = (row[j] - mean) * inverseStd * scale.floats()[j];
      layerNormNoBias[(size_t)(r * n + j)] = normalized;
      layerNorm[(size_t)(r * n + j)] = normalized + bias.floats()[j];
      rmsNorm[(size_t)(r * n + j)] = row[j] * inverseRms * scale.floats()[j];
    }
    const double rootN = std::sqrt((double)n);
    rowTolerance[(size_t)r] = 1e-6 * (1.0 + rootN) * (1.0 + (std::fabs(offset) + 1.0) * inverseStd);
    rmsTolerance[(size_t)r] = 1e-6 * (1.0 + rootN);
  }
  // Errors scale with |scale[j]| <= 2; the bias adds half an ulp of the result.
  auto layerTolerance = [&](int64_t i) { return 2.0 * rowTolerance[(size_t)(i / n)] + 1e-7; };
  auto rmsElementTolerance = [&](int64_t i) {
    return 2.0 * rmsTolerance[(size_t)(i / n)] * (1.0 + std::fabs(rmsNorm[(size_t)i]));
  };
  checkRows("layer_norm", rows, n, layerNorm, layerTolerance, y, [&](const llmc_services_t *s) {
    llmc_mk_layer_norm_f32(x.floats(), scale.floats(), bias.floats(), y.floats(), rows, n, epsilon,
                           s);
  });
  checkRows("layer_norm without bias", rows, n, layerNormNoBias, layerTolerance, y,
            [&](const llmc_services_t *s) {
              llmc_mk_layer_norm_nobias_f32(x.floats(), scale.floats(), y.floats(), rows, n,
                                            epsilon, s);
            });
  checkRows("layer_norm with a NULL bias", rows, n, layerNormNoBias, layerTolerance, y,
            [&](const llmc_services_t *s) {
              llmc_mk_layer_norm_f32(x.floats(), scale.floats(), nullptr, y.floats(), rows, n,
                                     epsilon, s);
            });
  checkRows("rms_norm", rows, n, rmsNorm, rmsElementTolerance, y, [&](const llmc_services_t *s) {
    llmc_mk_rms_norm_f32(x.floats(), scale.floats(), y.floats(), rows, n, epsilon, s);
  });
}

TEST(KernelsTest, NormsAgainstReference) {
  uint32_t seed = 6000;
  for (int64_t n : {1, 7, 16, 17, 33, 256, 1000})
    for (int64_t rows : {1, 5})
      for (float offset : {0.0f, 3.0f, -50.0f})
        checkNorms(rows, n, offset, seed++);
  // Enough rows of 256 for several tasks of at least the kernels' grain.
  checkNorms(300, 256, 1.0f, seed++);
  checkNorms(3, 20000, 0.5f, seed++);
}

/// Softmax of the rows of x against exp in double, relative to each result, with the f32 sum
/// over n elements.
void checkSoftmax(int64_t rows, int64_t n, const std::vector<float> &values) {
  const size_t size = (size_t)(rows * n);
  GuardedBuffer x(size * 4), y(size * 4);
  std::memcpy(x.floats(), values.data(), size * 4);
  std::vector<double> reference(size);
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x.floats() + r * n;
    double maximum = -INFINITY, sum = 0.0;
    for (int64_t j = 0; j < n; ++j)
      maximum = std::max(maximum, (double)row[j]);
    for (int64_t j = 0; j < n; ++j)
      sum += std::exp(row[j] - maximum);
    for (int64_t j = 0; j < n; ++j)
      reference[(size_t)(r * n + j)] = std::exp(row[j] - maximum) / sum;
  }
  auto tolerance = [&](int64_t i) {
    return (4.0 + std::sqrt((double)n)) * 0x1p-23 * reference[(size_t)i] + 1e-38;
  };
  checkRows("softmax", rows, n, reference, tolerance, y, [&](const llmc_services_t *s) {
    llmc_mk_softmax_f32(x.floats(), y.floats(), rows, n, s);
  });
}

TEST(KernelsTest, SoftmaxAgainstReference) {
  std::mt19937 rng(7000);
  std::uniform_real_distribution<float> u(-8.0f, 8.0f);
  for (int64_t n : {1, 7, 16, 17, 64, 256, 1000})
    for (int64_t rows : {1, 5, 600}) {
      std::vector<float> values((size_t)(rows * n));
      for (float &v : values)
        v = u(rng);
      // Masked positions (-inf, as attention masks write them, or the lowest float) and one row
      // of equal values.
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 1; j < n; j += 3)
          values[(size_t)(r * n + j)] = r % 2 ? -INFINITY : -3.4028235e38f;
      for (int64_t j = 0; j < n; ++j)
        values[(size_t)j] = 0.25f;
      checkSoftmax(rows, n, values);
    }
  // Large logits: the maximum is subtracted first, so nothing overflows.
  checkSoftmax(2, 40, std::vector<float>(80, 1000.0f));
  std::vector<float> spread(80);
  for (size_t i = 0; i < spread.size(); ++i)
    spread[i] = 500.0f + 3.0f * (float)i;
  checkSoftmax(2, 40, spread);
}

} // namespace

//===----------------------------------------------------------------------===//
// Whole-sequence attention (llmc_mk_attention_f32)
//===----------------------------------------------------------------------===//

namespace {

/// One llm.attention case: sizes, which operands share their batch or heads, and the mask.
struct AttentionCase {
  int64_t batch, tq, tk, heads, d, dv;
  bool sharedKvHeads; // k and v have one head, shared by every query head
  int maskKind;       // 0 none, 1 i1 keep-mask, 2 f32 addend
  int maskShape;      // 0: [1, 1, tq, tk] causal; 1: [batch, 1, 1, tk] padding; 2: all removed
  float fill;
};

/// Checks the kernel against a double-precision softmax(mask(scale q.k)) . v, inline and on two
/// threads (which must agree exactly); guarded buffers catch any read or write out of bounds.
void checkAttention(const AttentionCase &c, uint32_t seed, KernelPool &pool) {
  SCOPED_TRACE("attention b=" + std::to_string(c.batch) + " tq=" + std::to_string(c.tq) +
               " tk=" + std::to_string(c.tk) + " h=" + std::to_string(c.heads) +
               " d=" + std::to_string(c.d) + " dv=" + std::to_string(c.dv) +
               " mask=" + std::to_string(c.maskKind) + "/" + std::to_string(c.maskShape));
  const int64_t kvHeads = c.sharedKvHeads ? 1 : c.heads;
  GuardedBuffer q((size_t)(c.batch * c.tq * c.heads * c.d) * 4),
      k((size_t)(c.batch * c.tk * kvHeads * c.d) * 4),
      v((size_t)(c.batch * c.tk * kvHeads * c.dv) * 4),
      out((size_t)(c.batch * c.tq * c.heads * c.dv) * 4),
      out2((size_t)(c.batch * c.tq * c.heads * c.dv) * 4);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (GuardedBuffer *buffer : {&q, &k, &v})
    for (size_t i = 0; i < buffer->size() / 4; ++i)
      buffer->floats()[i] = u(rng);
  // Mask strides over (b, h, i, j) and its elements.
  int64_t mb = 0, mh = 0, mq = 0, mk = 0, maskElements = 1;
  if (c.maskShape == 0 || c.maskShape == 2) {
    mq = c.tk, mk = 1, maskElements = c.tq * c.tk;
  } else {
    mb = c.tk, mk = 1, maskElements = c.batch * c.tk;
  }
  GuardedBuffer mask((size_t)maskElements * 4);
  auto keeps = [&](int64_t b, int64_t i, int64_t j) {
    if (c.maskShape == 0)
      return j <= i;
    if (c.maskShape == 2)
      return false;
    return j < c.tk - b; // the last b keys of batch b are padding
  };
  for (int64_t b = 0; b < (c.maskShape == 1 ? c.batch : 1); ++b)
    for (int64_t i = 0; i < (c.maskShape == 1 ? 1 : c.tq); ++i)
      for (int64_t j = 0; j < c.tk; ++j) {
        const int64_t at = b * mb + i * mq + j * mk;
        if (c.maskKind == 1)
          mask.bytes()[at] = keeps(b, i, j) ? 1 : 0;
        else
          mask.floats()[at] = keeps(b, i, j) ? 0.0f : -10000.0f;
      }
  const float scale = 1.0f / std::sqrt((float)c.d);
  llmc_services_t inlineTable = inlineServices();
  for (GuardedBuffer *o : {&out, &out2})
    llmc_mk_attention_f32(q.floats(), k.floats(), v.floats(), c.maskKind ? mask.bytes() : nullptr,
                          o->floats(), c.batch, c.tq, c.tk, c.heads, c.d, c.dv, c.batch, c.heads,
                          c.batch, kvHeads, c.batch, kvHeads, c.maskKind, mb, mh, mq, mk, scale,
                          c.fill, o == &out ? &inlineTable : pool.services());
  int bad = 0;
  std::vector<double> scores((size_t)c.tk);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t i = 0; i < c.tq && bad < 5; ++i) {
        const int64_t g = c.sharedKvHeads ? 0 : h;
        double max = -INFINITY;
        for (int64_t j = 0; j < c.tk; ++j) {
          double dot = 0.0;
          for (int64_t e = 0; e < c.d; ++e)
            dot += (double)q.floats()[((b * c.tq + i) * c.heads + h) * c.d + e] *
                   k.floats()[((b * c.tk + j) * kvHeads + g) * c.d + e];
          double s = (double)scale * dot;
          if (c.maskKind == 1 && !keeps(b, i, j))
            s = c.fill;
          if (c.maskKind == 2)
            s += keeps(b, i, j) ? 0.0 : -10000.0;
          scores[(size_t)j] = s;
          max = std::max(max, s);
        }
        double sum = 0.0;
        for (double &s : scores)
          sum += (s = std::exp(s - max));
        for (int64_t e = 0; e < c.dv; ++e) {
          double expected = 0.0, magnitude = 0.0;
          for (int64_t j = 0; j < c.tk; ++j) {
            const double term =
                scores[(size_t)j] / sum * v.floats()[((b * c.tk + j) * kvHeads + g) * c.dv + e];
            expected += term;
            magnitude += std::fabs(term);
          }
          const int64_t at = ((b * c.tq + i) * c.heads + h) * c.dv + e;
          const float got = out.floats()[at];
          if (!(std::fabs(got - expected) <= 1e-5 * (magnitude + 1e-3))) {
            ADD_FAILURE() << "out[" << b << ", " << i << ", " << h << ", " << e << "] = " << got
                          << ", expected " << expected;
            ++bad;
          }
          if (std::memcmp(&got, &out2.floats()[at], 4) != 0) {
            ADD_FAILURE() << "out[" << b << ", " << i << ", " << h << ", " << e
                          << "] differs on two threads";
            ++bad;
          }
        }
      }
}

} // namespace

TEST(KernelsTest, AttentionAgainstReference) {
  KernelPool pool(2);
  uint32_t seed = 7000;
  const float lowest = -3.4028234663852886e38f;
  // No mask; odd sizes around the kernel's blocks (16 query rows, 64 keys, 64 value dims).
  for (int64_t tq : {1, 15, 17, 40})
    for (int64_t tk : {1, 63, 65, 130})
      checkAttention({2, tq, tk, 3, 24, 40, false, 0, 0, 0.0f}, seed++, pool);
  // Head sizes past the packed slice (256) and value rows in several register blocks.
  checkAttention({1, 20, 70, 2, 300, 130, false, 0, 0, 0.0f}, seed++, pool);
  // Causal keep-masks with GPT-2's fill (chunks above the diagonal are skipped) and with a
  // fill near the scores, where skipping would not be exact and rows are recomputed.
  for (float fill : {lowest, -10000.0f, -0.5f})
    for (int64_t t : {16, 64, 100, 200})
      checkAttention({2, t, t, 4, 64, 64, false, 1, 0, fill}, seed++, pool);
  // Every score removed: the softmax is uniform over the fill values.
  checkAttention({1, 20, 70, 2, 16, 16, false, 1, 2, lowest}, seed++, pool);
  // A padding mask per batch, added (BERT) and selected; one kv head shared by all heads.
  checkAttention({3, 33, 33, 4, 32, 32, false, 2, 1, 0.0f}, seed++, pool);
  checkAttention({3, 33, 90, 4, 32, 32, true, 1, 1, lowest}, seed++, pool);
  EXPECT_GE(pool.workerRanges(), 1);
}

//===----------------------------------------------------------------------===//
// im2col (llmc_mk_im2col_f32)
//===----------------------------------------------------------------------===//

/// The geometries the unfolding kernels (im2col, im2row) are checked on: padding on each side,
/// strides, dilations, a kernel wider than the image with padding, and enough rows to split
/// across threads.
struct UnfoldCase {
  int64_t c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  int64_t oh() const { return (h + pt + pb - (kh - 1) * dh - 1) / sh + 1; }
  int64_t ow() const { return (w + pl + pr - (kw - 1) * dw - 1) / sw + 1; }
};

const std::vector<UnfoldCase> &unfoldCases() {
  static const std::vector<UnfoldCase> all = {{3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
                                              {2, 8, 8, 3, 5, 2, 3, 1, 1, 0, 2, 1, 2},
                                              {4, 10, 6, 2, 2, 1, 2, 3, 2, 2, 0, 0, 3},
                                              {1, 3, 3, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
                                              {64, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}};
  return all;
}

TEST(KernelsTest, Im2colAgainstReference) {
  KernelPool pool(2);
  llmc_services_t inlineTable = inlineServices();
  std::mt19937 rng(8000);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const UnfoldCase &k : unfoldCases()) {
    const int64_t oh = k.oh(), ow = k.ow();
    SCOPED_TRACE("im2col c=" + std::to_string(k.c) + " " + std::to_string(k.h) + "x" +
                 std::to_string(k.w) + " -> " + std::to_string(oh) + "x" + std::to_string(ow));
    GuardedBuffer x((size_t)(k.c * k.h * k.w) * 4);
    for (int64_t i = 0; i < k.c * k.h * k.w; ++i)
      x.floats()[i] = u(rng);
    const int64_t rows = k.c * k.kh * k.kw;
    for (const llmc_services_t *services :
         {(const llmc_services_t *)&inlineTable, pool.services()}) {
      GuardedBuffer cols((size_t)(rows * oh * ow) * 4);
      for (int64_t i = 0; i < rows * oh * ow; ++i)
        cols.floats()[i] = NAN;
      llmc_mk_im2col_f32(x.floats(), cols.floats(), k.c, k.h, k.w, k.kh, k.kw, oh, ow, k.sh, k.sw,
                         k.dh, k.dw, k.pt, k.pl, services);
      int bad = 0;
      for (int64_t c = 0; c < k.c; ++c)
        for (int64_t i = 0; i < k.kh; ++i)
          for (int64_t j = 0; j < k.kw; ++j)
            for (int64_t y = 0; y < oh; ++y)
              for (int64_t xo = 0; xo < ow && bad < 5; ++xo) {
                const int64_t sy = y * k.sh + i * k.dh - k.pt, sx = xo * k.sw + j * k.dw - k.pl;
                const float expected = sy >= 0 && sy < k.h && sx >= 0 && sx < k.w
                                           ? x.floats()[(c * k.h + sy) * k.w + sx]
                                           : 0.0f;
                const float got = cols.floats()[(((c * k.kh + i) * k.kw + j) * oh + y) * ow + xo];
                if (std::memcmp(&got, &expected, 4) != 0) {
                  ADD_FAILURE() << "cols[" << c << ", " << i << ", " << j << ", " << y << ", " << xo
                                << "] = " << got << ", expected " << expected;
                  ++bad;
                }
              }
    }
  }
  EXPECT_GE(pool.workerRanges(), 1);
}

TEST(KernelsTest, Im2rowBytesAgainstReference) {
  KernelPool pool(2);
  llmc_services_t inlineTable = inlineServices();
  std::mt19937 rng(8100);
  for (const UnfoldCase &k : unfoldCases()) {
    const int64_t oh = k.oh(), ow = k.ow();
    SCOPED_TRACE("im2row c=" + std::to_string(k.c) + " " + std::to_string(k.h) + "x" +
                 std::to_string(k.w) + " -> " + std::to_string(oh) + "x" + std::to_string(ow));
    GuardedBuffer x((size_t)(k.c * k.h * k.w));
    for (int64_t i = 0; i < k.c * k.h * k.w; ++i)
      x.bytes()[i] = (uint8_t)(rng() & 0xff);
    const int64_t depth = k.c * k.kh * k.kw, pad = 0x1c5; // only the low byte, 0xc5, counts
    for (const llmc_services_t *services :
         {(const llmc_services_t *)&inlineTable, pool.services()}) {
      GuardedBuffer rows((size_t)(oh * ow * depth));
      std::memset(rows.bytes(), 0x5a, rows.size());
      llmc_mk_im2row_u8(x.bytes(), rows.bytes(), k.c, k.h, k.w, k.kh, k.kw, oh, ow, k.sh, k.sw,
                        k.dh, k.dw, k.pt, k.pl, pad, services);
      int bad = 0;
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xo = 0; xo < ow; ++xo)
          for (int64_t c = 0; c < k.c; ++c)
            for (int64_t i = 0; i < k.kh; ++i)
              for (int64_t j = 0; j < k.kw && bad < 5; ++j) {
                const int64_t sy = y * k.sh + i * k.dh - k.pt, sx = xo * k.sw + j * k.dw - k.pl;
                const uint8_t expected = sy >= 0 && sy < k.h && sx >= 0 && sx < k.w
                                             ? x.bytes()[(sy * k.w + sx) * k.c + c]
                                             : (uint8_t)0xc5;
                const uint8_t got = rows.bytes()[(y * ow + xo) * depth + (i * k.kw + j) * k.c + c];
                if (got != expected) {
                  ADD_FAILURE() << "rows[" << y << ", " << xo << ", " << c << ", " << i << ", " << j
                                << "] = " << int(got) << ", expected " << int(expected);
                  ++bad;
                }
              }
    }
  }
  EXPECT_GE(pool.workerRanges(), 1);
}
