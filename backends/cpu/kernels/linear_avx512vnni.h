/*===- linear_avx512vnni.h - Q8_0 / Q4_0 block dot products with VPDPBUSD ---===
 *
 * The AVX512-VNNI variant of the integer block dot products of linear.c, included by it when the
 * build compiles the kernels a second time with -DLLMC_KERNEL_VARIANT_AVX512VNNI (and the
 * AVX-512 F, BW, VL and VNNI features). It defines what linear.c's generic section defines for
 * pairs of blocks (llmc_qx_t, llmc_wunit_t, llmc_quantize_units, llmc_unpack_wunit,
 * llmc_qunit_accumulate), for units of four blocks.
 *
 * VPDPBUSD multiplies unsigned by signed bytes and sums each four products into an int32 lane.
 * The weights are made unsigned by an offset, u = w + c: Q4_0 reads its nibbles as they are
 * (c = 8), Q8_0 flips the sign bit of its int8 values (c = 128). sum(w * x) = sum(u * x) -
 * c * sum(x), and the quantization of x stores -c times the sum of the x values that meet each
 * result lane as the lane's starting value, so each lane ends at an exact partial sum of the
 * block's integer dot product. The lanes are then scaled by d_w * d_x and accumulated in f32, as
 * in the generic code: only the f32 summation order differs from llama.cpp's.
 *
 * A unit of four blocks is laid out as two 64-byte vectors, `lo` holding elements 0..15 of each
 * block and `hi` elements 16..31 (the low and high nibbles of a Q4_0 block's 16 bytes), so that
 * result lane l belongs to block l / 4. Both formats gather their blocks' bytes with word
 * permutes (every block starts at an even offset) from loads that stay inside the four blocks.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_LINEAR_AVX512VNNI_H_
#define LLMC_LINEAR_AVX512VNNI_H_

#include <immintrin.h>

#include "kernel_support.h"

/// Blocks per unit of quantized x and of unpacked weights.
#define LLMC_QX_BLOCKS 4

/// Four consecutive blocks of a row of x quantized to Q8_0: q[16 b + j] = x_b[j] and
/// q[64 + 16 b + j] = x_b[16 + j] for j < 16; corr[l] = -c * the sum of the eight values of
/// block l / 4 that lane l multiplies (c the format's weight offset); d[l] = the scale of block
/// l / 4 (f16-rounded, as f32). Blocks past the end of a row are zeros with scale 0.
typedef struct {
  int8_t q[128];
  int32_t corr[16];
  float d[16];
} __attribute__((aligned(64))) llmc_qx_t;

/// Four weight blocks: lo and hi as llmc_qx_t's q, offset to unsigned bytes, and their scales
/// over the result lanes.
typedef struct {
  __m512i lo, hi;
  __m512 d;
} llmc_wunit_t;

/// The power of two the results are scaled by at the end: none, the weights are exact.
LLMC_INLINE float llmc_qunit_post_scale(int fmt) {
  (void)fmt;
  return 1.0f;
}

/// Quantizes `blocks` blocks of 32 values at x into (blocks + 3) / 4 units at out.
LLMC_INLINE void llmc_quantize_units(const int fmt, const float *x, int64_t blocks,
                                     llmc_qx_t *out) {
  const int32_t offset = fmt == LLMC_Q4_0 ? 8 : 128;
  for (int64_t u = 0; 4 * u < blocks; ++u) {
    llmc_qx_t *o = out + u;
#pragma clang loop unroll(full)
    for (int b = 0; b < 4; ++b) {
      i16x16 q0 = 0, q1 = 0;
      float d = 0.0f;
      if (4 * u + b < blocks)
        llmc_quantize_block(x + 128 * u + 32 * b, &q0, &q1, &d);
      const i8x16 lo = __builtin_convertvector(q0, i8x16), hi = __builtin_convertvector(q1, i8x16);
      __builtin_memcpy(o->q + 16 * b, &lo, sizeof(lo));
      __builtin_memcpy(o->q + 64 + 16 * b, &hi, sizeof(hi));
      const i16x16 s = q0 + q1;
#pragma clang loop unroll(full)
      for (int j = 0; j < 4; ++j) {
        o->corr[4 * b + j] =
            -offset * (int32_t)(s[4 * j] + s[4 * j + 1] + s[4 * j + 2] + s[4 * j + 3]);
        o->d[4 * b + j] = d;
      }
    }
  }
}

/// Unpacks the four blocks at blk, all of which must be readable.
LLMC_INLINE llmc_wunit_t llmc_unpack_wunit4(const int fmt, const uint8_t *blk) {
  llmc_wunit_t r;
  __m512i scales;
  if (fmt == LLMC_Q4_0) {
    // Block b's 16 bytes are words 1 + 9 b .. 8 + 9 b of the 72 bytes; block 3's come from the
    // load at byte 8 (words 24..31 there), so that no load passes the last block.
    const __m512i a = _mm512_loadu_si512(blk), b = _mm512_loadu_si512(blk + 8);
    const __m512i index =
        _mm512_set_epi16(63, 62, 61, 60, 59, 58, 57, 56, 26, 25, 24, 23, 22, 21, 20, 19, 17, 16, 15,
                         14, 13, 12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1);
    const __m512i bytes = _mm512_permutex2var_epi16(a, index, b);
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    r.lo = _mm512_and_si512(bytes, nibble);
    r.hi = _mm512_and_si512(_mm512_srli_epi16(bytes, 4), nibble);
    // The scales are words 0, 9, 18 and 27.
    scales = _mm512_permutexvar_epi16(_mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 27, 27, 27, 27, 18, 18, 18, 18, 9, 9, 9,
                                                       9, 0, 0, 0, 0),
                                      a);
  } else {
    // Block b's values are bytes 2 + 34 b .. 33 + 34 b of the 136 bytes: elements 0..15 at word
    // 1 + 17 b of bytes [0, 128), elements 16..31 at word 5 + 17 b of bytes [8, 136).
    const __m512i a = _mm512_loadu_si512(blk), b = _mm512_loadu_si512(blk + 64);
    const __m512i c = _mm512_loadu_si512(blk + 8), e = _mm512_loadu_si512(blk + 72);
    const __m512i lo_index =
        _mm512_set_epi16(59, 58, 57, 56, 55, 54, 53, 52, 42, 41, 40, 39, 38, 37, 36, 35, 25, 24, 23,
                         22, 21, 20, 19, 18, 8, 7, 6, 5, 4, 3, 2, 1);
    const __m512i hi_index =
        _mm512_set_epi16(63, 62, 61, 60, 59, 58, 57, 56, 46, 45, 44, 43, 42, 41, 40, 39, 29, 28, 27,
                         26, 25, 24, 23, 22, 12, 11, 10, 9, 8, 7, 6, 5);
    const __m512i sign = _mm512_set1_epi8((char)0x80);
    r.lo = _mm512_xor_si512(_mm512_permutex2var_epi16(a, lo_index, b), sign);
    r.hi = _mm512_xor_si512(_mm512_permutex2var_epi16(c, hi_index, e), sign);
    // The scales are words 0, 17, 34 and 51.
    scales = _mm512_permutex2var_epi16(a,
                                       _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 51, 51, 51, 51, 34, 34, 34, 34, 17, 17,
                                                        17, 17, 0, 0, 0, 0),
                                       b);
  }
  r.d = _mm512_cvtph_ps(_mm512_castsi512_si256(scales));
  return r;
}

/// Unpacks the `count` (1..4) blocks at blk; the missing ones read as zeros with scale 0.
LLMC_INLINE llmc_wunit_t llmc_unpack_wunit(const int fmt, const uint8_t *blk, const int count) {
  if (count == LLMC_QX_BLOCKS)
    return llmc_unpack_wunit4(fmt, blk);
  uint8_t copy[4 * 34] = {0};
  const int64_t bb = llmc_block_bytes(fmt);
#pragma clang loop unroll(full)
  for (int b = 0; b < 3; ++b)
    if (b < count)
      __builtin_memcpy(copy + b * bb, blk + b * bb, fmt == LLMC_Q4_0 ? 18 : 34);
  return llmc_unpack_wunit4(fmt, copy);
}

/// acc + the four blocks' products with the unit of x: lane l holds a partial integer sum of
/// block l / 4, converted exactly to f32 and scaled by d_w * d_x.
LLMC_INLINE f32x16 llmc_qunit_accumulate(const llmc_wunit_t *w, const llmc_qx_t *x, f32x16 acc) {
  __m512i sums = _mm512_load_si512(x->corr);
  sums = _mm512_dpbusd_epi32(sums, w->lo, _mm512_load_si512(x->q));
  sums = _mm512_dpbusd_epi32(sums, w->hi, _mm512_load_si512(x->q + 64));
  f32x16 dx, dw, isum;
  __builtin_memcpy(&dx, x->d, sizeof(dx));
  const __m512 fsum = _mm512_cvtepi32_ps(sums);
  __builtin_memcpy(&dw, &w->d, sizeof(dw));
  __builtin_memcpy(&isum, &fsum, sizeof(isum));
  return (dw * dx) * isum + acc;
}

#endif // LLMC_LINEAR_AVX512VNNI_H_
