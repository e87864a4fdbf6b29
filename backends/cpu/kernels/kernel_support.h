/*===- kernel_support.h - Shared pieces of the llmc microkernels ------------===
 *
 * Internal to the kernels: vector types, half/bfloat16 conversion, ggml block layouts and their
 * unpacking into f32 vectors, the math functions (no libm in a code object) and the parallel-for
 * helper. Everything is static inline; nothing here has state.
 *
 * The kernels are compiled to bitcode without a target CPU, so nothing may depend on target
 * macros: the vector types below are generic and LLVM legalizes them for the CPU the code object
 * is compiled for (AVX-512, AVX2, NEON).
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_KERNEL_SUPPORT_H_
#define LLMC_KERNEL_SUPPORT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llmc_kernels.h"

#define LLMC_INLINE static inline __attribute__((always_inline))

typedef float f32x16 __attribute__((ext_vector_type(16)));
typedef float f32x8 __attribute__((ext_vector_type(8)));
typedef float f32x4 __attribute__((ext_vector_type(4)));
typedef double f64x4 __attribute__((ext_vector_type(4)));
typedef int32_t i32x16 __attribute__((ext_vector_type(16)));
typedef uint32_t u32x16 __attribute__((ext_vector_type(16)));
typedef uint16_t u16x16 __attribute__((ext_vector_type(16)));
typedef int32_t i32x32 __attribute__((ext_vector_type(32)));
typedef int16_t i16x16 __attribute__((ext_vector_type(16)));
typedef int16_t i16x32 __attribute__((ext_vector_type(32)));
typedef int8_t i8x16 __attribute__((ext_vector_type(16)));
typedef int8_t i8x32 __attribute__((ext_vector_type(32)));
typedef uint8_t u8x16 __attribute__((ext_vector_type(16)));
typedef _Float16 f16x8 __attribute__((ext_vector_type(8)));
typedef _Float16 f16x16 __attribute__((ext_vector_type(16)));

/*===----------------------------------------------------------------------===
 * Loads and conversions
 *===----------------------------------------------------------------------===*/

/// 16 floats from an address of any alignment.
LLMC_INLINE f32x16 llmc_load_f32x16(const float *p) {
  f32x16 v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

/// Stores 16 floats to an address of any alignment.
LLMC_INLINE void llmc_store_f32x16(float *p, f32x16 v) { __builtin_memcpy(p, &v, sizeof(v)); }

/// A little-endian 16-bit word from an address of any alignment.
LLMC_INLINE uint16_t llmc_load_u16(const uint8_t *p) {
  uint16_t v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

/// Exact IEEE half to float (subnormals, infinities and NaNs included). Through _Float16, so it
/// becomes vcvtph2ps on x86 with F16C and fcvt on AArch64.
LLMC_INLINE float llmc_f16_to_f32(uint16_t bits) {
  _Float16 h;
  __builtin_memcpy(&h, &bits, sizeof(h));
  return (float)h;
}

/// 16 IEEE halves from an address of any alignment, converted exactly.
LLMC_INLINE f32x16 llmc_load_f16x16(const uint8_t *p) {
  f16x16 h;
  __builtin_memcpy(&h, p, sizeof(h));
  return __builtin_convertvector(h, f32x16);
}

/// An IEEE half from an address of any alignment, converted exactly and splat over 16 lanes
/// (one vcvtph2psx with a broadcast operand where the target has AVX512-FP16).
LLMC_INLINE f32x16 llmc_load_f16_splat(const uint8_t *p) {
  _Float16 h;
  __builtin_memcpy(&h, p, sizeof(h));
  f16x16 v = h;
  return __builtin_convertvector(v, f32x16);
}

/// Exact bfloat16 to float: the upper half of the float's bits.
LLMC_INLINE float llmc_bf16_to_f32(uint16_t bits) {
  uint32_t u = (uint32_t)bits << 16;
  float f;
  __builtin_memcpy(&f, &u, sizeof(f));
  return f;
}

/// A float rounded to bfloat16, to nearest with ties to even; a NaN stays a (quiet) NaN.
LLMC_INLINE uint16_t llmc_f32_to_bf16(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, sizeof(u));
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t)((u >> 16) | 0x40u);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/// 16 bfloat16 values from an address of any alignment.
LLMC_INLINE f32x16 llmc_load_bf16x16(const uint8_t *p) {
  u16x16 h;
  __builtin_memcpy(&h, p, sizeof(h));
  u32x16 u = __builtin_convertvector(h, u32x16) << 16;
  f32x16 f;
  __builtin_memcpy(&f, &u, sizeof(f));
  return f;
}

/// The sum of the 16 lanes, as a fixed tree (independent of the target's vector width).
LLMC_INLINE float llmc_hsum_f32x16(f32x16 v) {
  f32x8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
            __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  f32x4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
  return (b[0] + b[2]) + (b[1] + b[3]);
}

/// The largest of the 16 lanes (NaN-free inputs).
LLMC_INLINE float llmc_hmax_f32x16(f32x16 v) {
  float m = v[0];
#pragma clang loop unroll(full)
  for (int i = 1; i < 16; ++i)
    m = v[i] > m ? v[i] : m;
  return m;
}

/*===----------------------------------------------------------------------===
 * Weight formats
 *===----------------------------------------------------------------------===*/

/// The weight formats, as compile-time constants of the always-inline kernel bodies.
enum {
  LLMC_F32 = 0,
  LLMC_F16 = 1,
  LLMC_BF16 = 2,
  LLMC_Q8_0 = 3,
  LLMC_Q4_0 = 4,
  LLMC_Q4_K = 5,
  LLMC_Q6_K = 6,
};

/// Logical elements per block: 32 for the float formats (which have no blocks; the kernels walk
/// them in groups of 32 and finish a row's remainder one element at a time), 32 for Q8_0 and
/// Q4_0, 256 for the K-quants.
LLMC_INLINE int64_t llmc_block_elems(int fmt) {
  return fmt == LLMC_Q4_K || fmt == LLMC_Q6_K ? 256 : 32;
}

/// Bytes of one block (for the float formats: of 32 elements).
LLMC_INLINE int64_t llmc_block_bytes(int fmt) {
  switch (fmt) {
  case LLMC_F32:
    return 128;
  case LLMC_F16:
  case LLMC_BF16:
    return 64;
  case LLMC_Q8_0:
    return 34;
  case LLMC_Q4_0:
    return 18;
  case LLMC_Q4_K:
    return 144;
  default:
    return 210;
  }
}

/// Whether rows may end in a partial group of fewer than 32 elements (the float formats).
LLMC_INLINE bool llmc_has_tail(int fmt) { return fmt <= LLMC_BF16; }

/// Bytes of a row of k elements.
LLMC_INLINE int64_t llmc_row_bytes(int fmt, int64_t k) {
  switch (fmt) {
  case LLMC_F32:
    return k * 4;
  case LLMC_F16:
  case LLMC_BF16:
    return k * 2;
  default:
    return k / llmc_block_elems(fmt) * llmc_block_bytes(fmt);
  }
}

/// One group of 32 consecutive elements of a block, unpacked: element e of the group is
/// (s0 * q0[e] - mn) * post (e < 16) or (s1 * q1[e - 16] - mn) * post (e >= 16), where the
/// scales are splat over the lanes and post = llmc_group_post_scale(fmt) is a power of two that
/// the kernels apply once per result.
typedef struct {
  f32x16 q0, q1;
  f32x16 s0, s1, mn;
} llmc_group_t;

/// The power of two by which a format's unpacked groups are scaled down at the end: Q4_0 unpacks
/// 16 * (nibble - 8), which takes fewer instructions than nibble - 8.
LLMC_INLINE float llmc_group_post_scale(int fmt) { return fmt == LLMC_Q4_0 ? 0.0625f : 1.0f; }

/// Q4_K's 6-bit scale and min of sub-block j < 8 from the block's 12 scale bytes (ggml's
/// get_scale_min_k4): j < 4 keeps them in the low 6 bits of bytes j and j + 4; j >= 4 keeps their
/// low 4 bits in byte j + 4 and their top 2 bits in the top of bytes j - 4 and j.
LLMC_INLINE void llmc_q4_k_scale_min(const uint8_t *s, int j, float *scale, float *min) {
  int sc, mn;
  if (j < 4) {
    sc = s[j] & 63;
    mn = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
  *scale = (float)sc;
  *min = (float)mn;
}

/// Unpacks group g (< block_elems / 32) of the block at `blk`. Float formats read 32 elements
/// (a full group) at `blk`.
LLMC_INLINE llmc_group_t llmc_unpack_group(int fmt, const uint8_t *blk, int g) {
  llmc_group_t r;
  r.mn = 0.0f;
  r.s0 = r.s1 = 1.0f;
  switch (fmt) {
  case LLMC_F32:
    r.q0 = llmc_load_f32x16((const float *)blk);
    r.q1 = llmc_load_f32x16((const float *)blk + 16);
    break;
  case LLMC_F16:
    r.q0 = llmc_load_f16x16(blk);
    r.q1 = llmc_load_f16x16(blk + 32);
    break;
  case LLMC_BF16:
    r.q0 = llmc_load_bf16x16(blk);
    r.q1 = llmc_load_bf16x16(blk + 32);
    break;
  case LLMC_Q8_0: {
    i8x16 a, b;
    __builtin_memcpy(&a, blk + 2, 16);
    __builtin_memcpy(&b, blk + 18, 16);
    r.q0 = __builtin_convertvector(a, f32x16);
    r.q1 = __builtin_convertvector(b, f32x16);
    r.s0 = r.s1 = llmc_load_f16_splat(blk);
    break;
  }
  case LLMC_Q4_0: {
    // A nibble n moved to the top of its byte with its top bit flipped reads, as int8, as
    // 16 * (n - 8): (b << 4) ^ 0x80 for the low nibbles, (b & 0xF0) ^ 0x80 for the high ones.
    u8x16 b;
    __builtin_memcpy(&b, blk + 2, 16);
    i8x16 lo = (i8x16)((b << 4) ^ (uint8_t)0x80);
    i8x16 hi = (i8x16)((b & (uint8_t)0xF0) ^ (uint8_t)0x80);
    r.q0 = __builtin_convertvector(lo, f32x16);
    r.q1 = __builtin_convertvector(hi, f32x16);
    r.s0 = r.s1 = llmc_load_f16_splat(blk);
    break;
  }
  case LLMC_Q4_K: {
    // Sub-blocks 2c and 2c + 1 are the low and high nibbles of bytes 32c .. 32c + 31.
    u8x16 a, b;
    __builtin_memcpy(&a, blk + 16 + 32 * (g >> 1), 16);
    __builtin_memcpy(&b, blk + 16 + 32 * (g >> 1) + 16, 16);
    if (g & 1) {
      a = a >> 4;
      b = b >> 4;
    } else {
      a = a & (uint8_t)0xF;
      b = b & (uint8_t)0xF;
    }
    r.q0 = __builtin_convertvector(a, f32x16);
    r.q1 = __builtin_convertvector(b, f32x16);
    float sc, mn;
    llmc_q4_k_scale_min(blk + 4, g, &sc, &mn);
    r.s0 = r.s1 = llmc_f16_to_f32(llmc_load_u16(blk)) * sc;
    r.mn = llmc_f16_to_f32(llmc_load_u16(blk + 2)) * mn;
    break;
  }
  default: {
    // Q6_K: the block's halves (128 elements) each hold 64 bytes of ql and 32 of qh. Group g is
    // quarter g & 3 of half g >> 2: low (quarters 0, 1) or high (2, 3) nibbles of ql bytes
    // 0..31 (quarters 0, 2) or 32..63 (1, 3), with bits 2 * quarter of the qh bytes above them.
    const int half = g >> 2, quarter = g & 3;
    const uint8_t *ql = blk + 64 * half + 32 * (quarter & 1);
    const uint8_t *qh = blk + 128 + 32 * half;
    u8x16 l0, l1, h0, h1;
    __builtin_memcpy(&l0, ql, 16);
    __builtin_memcpy(&l1, ql + 16, 16);
    __builtin_memcpy(&h0, qh, 16);
    __builtin_memcpy(&h1, qh + 16, 16);
    if (quarter >> 1) {
      l0 = l0 >> 4;
      l1 = l1 >> 4;
    } else {
      l0 = l0 & (uint8_t)0xF;
      l1 = l1 & (uint8_t)0xF;
    }
    const uint8_t shift = (uint8_t)(2 * quarter);
    h0 = ((h0 >> shift) & (uint8_t)3) << 4;
    h1 = ((h1 >> shift) & (uint8_t)3) << 4;
    i8x16 q0 = (i8x16)(l0 | h0) - (int8_t)32;
    i8x16 q1 = (i8x16)(l1 | h1) - (int8_t)32;
    r.q0 = __builtin_convertvector(q0, f32x16);
    r.q1 = __builtin_convertvector(q1, f32x16);
    const float d = llmc_f16_to_f32(llmc_load_u16(blk + 208));
    const int8_t *sc = (const int8_t *)(blk + 192);
    r.s0 = d * (float)sc[2 * g];
    r.s1 = d * (float)sc[2 * g + 1];
    break;
  }
  }
  return r;
}

/// Element e of a float-format row (for the remainder after the last full group of 32).
LLMC_INLINE float llmc_float_elem(int fmt, const uint8_t *row, int64_t e) {
  if (fmt == LLMC_F32) {
    float f;
    __builtin_memcpy(&f, row + 4 * e, sizeof(f));
    return f;
  }
  uint16_t h = llmc_load_u16(row + 2 * e);
  return fmt == LLMC_F16 ? llmc_f16_to_f32(h) : llmc_bf16_to_f32(h);
}

/*===----------------------------------------------------------------------===
 * Math (a code object has no libm)
 *===----------------------------------------------------------------------===*/

LLMC_INLINE float llmc_bits_to_f32(uint32_t u) {
  float f;
  __builtin_memcpy(&f, &u, sizeof(f));
  return f;
}

LLMC_INLINE double llmc_bits_to_f64(uint64_t u) {
  double f;
  __builtin_memcpy(&f, &u, sizeof(f));
  return f;
}

LLMC_INLINE uint64_t llmc_f64_to_bits(double f) {
  uint64_t u;
  __builtin_memcpy(&u, &f, sizeof(u));
  return u;
}

/// exp over 16 lanes, within about 1 ulp for results in the normal range. Below -87.33 (where
/// the result would be subnormal) it returns 0, above 88.72 +inf; NaN stays NaN. Branch-free:
/// x = k ln2 + r with |r| <= ln2 / 2 (two-part ln2), exp(r) by a degree-7 polynomial, then the
/// scale 2^k applied in two halves so that every k in [-126, 128] is representable.
LLMC_INLINE f32x16 llmc_exp_f32x16(f32x16 x) {
  const float lo = -87.3365478515625f, hi = 88.72283172607421875f;
  f32x16 xc = x < lo ? lo : x;
  xc = xc > hi ? hi : xc;
  const float shifter = 12582912.0f; // 1.5 * 2^23: adding it rounds to an integer.
  f32x16 kf = (xc * 1.44269502162933349609375f + shifter) - shifter;
  f32x16 r = xc - kf * 0.693359375f;
  r = r - kf * -2.12194440e-4f;
  f32x16 p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = (p * r) * r + r + 1.0f;
  i32x16 k = __builtin_convertvector(kf, i32x16);
  i32x16 k1 = k >> 1, k2 = k - k1;
  u32x16 b1 = (u32x16)((k1 + 127) << 23), b2 = (u32x16)((k2 + 127) << 23);
  f32x16 s1, s2;
  __builtin_memcpy(&s1, &b1, sizeof(s1));
  __builtin_memcpy(&s2, &b2, sizeof(s2));
  f32x16 y = (p * s1) * s2;
  y = x < lo ? 0.0f : y;
  y = x > hi ? __builtin_inff() : y;
  return x != x ? x : y;
}

/// Double-precision sine and cosine of x for |x| up to about 1e9: x = n pi/2 + r with a
/// three-part pi/2 (the first two parts have 33 significant bits, so n * part is exact for
/// |n| < 2^20 and the error stays near 1e-16 well beyond), then Taylor series on |r| <= pi/4.
LLMC_INLINE void llmc_sincos_f64(double x, double *sin_out, double *cos_out) {
  const double two_over_pi = 6.36619772367581382433e-01;
  const double pio2_1 = 1.57079632673412561417e+00;  // 0x3FF921FB54400000
  const double pio2_2 = 6.07710050630396597660e-11;  // 0x3DD0B4611A600000
  const double pio2_2t = 2.02226624879595063154e-21; // pi/2 - pio2_1 - pio2_2
  const double shifter = 6755399441055744.0;         // 1.5 * 2^52
  double nf = (x * two_over_pi + shifter) - shifter;
  double r = x - nf * pio2_1;
  r = r - nf * pio2_2;
  r = r - nf * pio2_2t;
  const int64_t n = (int64_t)nf;
  double z = r * r;
  // sin(r) = r (1 - z/3! + z^2/5! - ...), cos(r) = 1 - z/2! + z^2/4! - ..., to r^17 and r^18.
  double s = -1.0 / 355687428096000.0; // -1/17!
  s = s * z + 1.0 / 1307674368000.0;   // 1/15!
  s = s * z - 1.0 / 6227020800.0;      // -1/13!
  s = s * z + 1.0 / 39916800.0;        // 1/11!
  s = s * z - 1.0 / 362880.0;          // -1/9!
  s = s * z + 1.0 / 5040.0;            // 1/7!
  s = s * z - 1.0 / 120.0;             // -1/5!
  s = s * z + 1.0 / 6.0;               // 1/3! (subtracted below)
  s = r - (r * z) * s;                 // r - r^3/3! + ...
  double c = 1.0 / 6402373705728000.0; // 1/18!
  c = c * z - 1.0 / 20922789888000.0;  // -1/16!
  c = c * z + 1.0 / 87178291200.0;     // 1/14!
  c = c * z - 1.0 / 479001600.0;       // -1/12!
  c = c * z + 1.0 / 3628800.0;         // 1/10!
  c = c * z - 1.0 / 40320.0;           // -1/8!
  c = c * z + 1.0 / 720.0;             // 1/6!
  c = c * z - 1.0 / 24.0;              // -1/4!
  c = c * z + 0.5;                     // 1/2! (subtracted below)
  c = 1.0 - z * c;
  const int quadrant = (int)(n & 3);
  double sv = (quadrant & 1) ? c : s;
  double cv = (quadrant & 1) ? s : c;
  *sin_out = (quadrant & 2) ? -sv : sv;
  *cos_out = ((quadrant + 1) & 2) ? -cv : cv;
}

/// Natural logarithm of a positive, finite, normal double (about 1 ulp): x = 2^e m with
/// m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m - 1) / (m + 1), by its series.
LLMC_INLINE double llmc_log_f64(double x) {
  uint64_t bits = llmc_f64_to_bits(x);
  int64_t e = (int64_t)((bits >> 52) & 0x7ff) - 1023;
  double m = llmc_bits_to_f64((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
  if (m > 1.41421356237309504880) {
    m *= 0.5;
    e += 1;
  }
  double s = (m - 1.0) / (m + 1.0), z = s * s;
  double p = 1.0 / 25.0;
  for (int i = 23; i >= 1; i -= 2)
    p = p * z + 1.0 / (double)i;
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  return (double)e * ln2_hi + ((double)e * ln2_lo + 2.0 * s * p);
}

/// erf over 16 lanes: x P(x^2) / Q(x^2) on x clamped to [-4, 4] (beyond which erf is +-1 in
/// f32), the rational approximation of Eigen and XLA; absolute error below 4.2e-7, one division
/// and no exp. NaN stays NaN.
LLMC_INLINE f32x16 llmc_erf_f32x16(f32x16 x) {
  x = x < -4.0f ? -4.0f : x;
  x = x > 4.0f ? 4.0f : x;
  const f32x16 x2 = x * x;
  f32x16 p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  f32x16 q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

/// GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))), over 16 lanes, as frameworks compute it:
/// absolute error below 3.5e-7 max(1, |x|). Like theirs, 1 + erf cancels for x far below 0,
/// where GELU is below 1e-6 in size: an erfc there would cost an exp per lane and triple the
/// time of a dense layer's epilogue. NaN stays NaN.
LLMC_INLINE f32x16 llmc_gelu_f32x16(f32x16 x) {
  return 0.5f * x * (1.0f + llmc_erf_f32x16(x * 0.70710678118654752f));
}

/// GELU with the tanh approximation, 0.5 x (1 + tanh(u)) with u = sqrt(2 / pi) (x + 0.044715
/// x^3), over 16 lanes, written as x / (1 + e^(-2u)): the same function, without the
/// cancellation of 1 + tanh(u) for u far below 0 (there e^(-2u) overflows to +inf and the result
/// is -0, its limit). The exponent is rounded to f32: near the smallest normal results the
/// relative error grows to a few 1e-6 (this form differs from GELU by up to 1e-3 anyway). NaN
/// stays NaN.
LLMC_INLINE f32x16 llmc_gelu_tanh_f32x16(f32x16 x) {
  const f32x16 u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return x / (1.0f + llmc_exp_f32x16(-2.0f * u));
}

/// e^x for a double x with |x| < 700 (about 1 ulp): x = n ln2 + r, Taylor series of exp(r).
LLMC_INLINE double llmc_exp_f64(double x) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  const double shifter = 6755399441055744.0;
  double nf = (x * 1.44269504088896338700 + shifter) - shifter;
  double r = (x - nf * ln2_hi) - nf * ln2_lo;
  double p = 1.0;
  for (int i = 15; i >= 1; --i)
    p = p * r / (double)i + 1.0;
  return p * llmc_bits_to_f64((uint64_t)((int64_t)nf + 1023) << 52);
}

/// powf(base, e) for base > 0 and |e log base| < 700, rounded from double.
LLMC_INLINE float llmc_pow_f32(float base, float e) {
  return (float)llmc_exp_f64((double)e * llmc_log_f64((double)base));
}

/*===----------------------------------------------------------------------===
 * Parallel loops
 *===----------------------------------------------------------------------===*/

/// Runs body over [0, count) through the services' parallel_for, in ranges of at least `grain`
/// iterations; inline on the calling thread when there is one thread or one range.
LLMC_INLINE void llmc_parallel(const llmc_services_t *services, int64_t count, int64_t grain,
                               llmc_parallel_body_t body, void *context) {
  if (count <= 0)
    return;
  if (grain < 1)
    grain = 1;
  if (!services || services->thread_count <= 1 || count <= grain)
    body(context, 0, count);
  else
    services->parallel_for(services, count, grain, body, context);
}

#endif // LLMC_KERNEL_SUPPORT_H_
