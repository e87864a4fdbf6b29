/*===- linear_neon_dotprod.h - Q8_0 / Q4_0 block dot products with SDOT (AArch64) -===
 *
 * The dotprod variant of the integer block dot products of linear.c, included by it when the
 * build compiles the kernels a second time for AArch64 with the dotprod extension and
 * -DLLMC_KERNEL_VARIANT_DOTPROD. It defines what linear.c's generic section defines for pairs of
 * blocks (llmc_qx_t, llmc_wunit_t, llmc_quantize_units, llmc_unpack_wunit,
 * llmc_qunit_accumulate), on the same pairs.
 *
 * SDOT adds the products of four signed bytes to each int32 lane. The generic code's lane l of
 * a block sums elements 2l, 2l + 1, 16 + 2l and 17 + 2l (the pattern of pmaddwd over its lo and
 * hi halves); here both x and the weights are laid out so that SDOT's lane l multiplies exactly
 * those four elements: the block's 16-bit pairs of elements 0..15 and 16..31, interleaved (ZIP1
 * and ZIP2 on halfwords). Every lane therefore ends at the generic code's partial integer sum,
 * and the f32 arithmetic after it is the generic code's, so the results are the same bit for
 * bit. Q4_0 weights are 16 * (nibble - 8), as in the generic code, and scaled by 1/16 at the end.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_LINEAR_NEON_DOTPROD_H_
#define LLMC_LINEAR_NEON_DOTPROD_H_

#include <arm_neon.h>

#include "kernel_support.h"

/// Blocks per unit of quantized x and of unpacked weights: pairs, as in the generic code.
#define LLMC_QX_BLOCKS 2

/// Two consecutive blocks of a row of x quantized to Q8_0: q holds four 16-byte vectors (block
/// 0's lanes 0-3 and 4-7, then block 1's) in SDOT's order, and d each block's scale (f16-rounded,
/// as f32) over the block's 8 result lanes. A row's last odd block is zeros with scale 0.
typedef struct {
  int8_t q[64];
  float d[16];
} __attribute__((aligned(64))) llmc_qx_t;

/// Two weight blocks in the order of llmc_qx_t's q, and their scales over their result lanes.
typedef struct {
  int8x16_t v[4];
  f32x16 d;
} llmc_wunit_t;

/// The power of two the results are scaled by at the end.
LLMC_INLINE float llmc_qunit_post_scale(int fmt) { return llmc_group_post_scale(fmt); }

/// A block's elements 0..15 (lo) and 16..31 (hi) in SDOT's order: out[0] for lanes 0-3, out[1]
/// for lanes 4-7, lane l holding elements 2l, 2l + 1, 16 + 2l and 17 + 2l.
LLMC_INLINE void llmc_dot_order(int8x16_t lo, int8x16_t hi, int8x16_t *out) {
  const int16x8_t l = vreinterpretq_s16_s8(lo), h = vreinterpretq_s16_s8(hi);
  out[0] = vreinterpretq_s8_s16(vzip1q_s16(l, h));
  out[1] = vreinterpretq_s8_s16(vzip2q_s16(l, h));
}

/// Quantizes `blocks` blocks of 32 values at x into (blocks + 1) / 2 pairs at out.
LLMC_INLINE void llmc_quantize_units(const int fmt, const float *x, int64_t blocks,
                                     llmc_qx_t *out) {
  (void)fmt;
  for (int64_t p = 0; 2 * p < blocks; ++p) {
#pragma clang loop unroll(full)
    for (int b = 0; b < 2; ++b) {
      i16x16 q0 = 0, q1 = 0;
      float d = 0.0f;
      if (2 * p + b < blocks)
        llmc_quantize_block(x + 64 * p + 32 * b, &q0, &q1, &d);
      const i8x16 lo = __builtin_convertvector(q0, i8x16), hi = __builtin_convertvector(q1, i8x16);
      int8x16_t l, h, ordered[2];
      __builtin_memcpy(&l, &lo, sizeof(l));
      __builtin_memcpy(&h, &hi, sizeof(h));
      llmc_dot_order(l, h, ordered);
      vst1q_s8(out[p].q + 32 * b, ordered[0]);
      vst1q_s8(out[p].q + 32 * b + 16, ordered[1]);
      for (int l8 = 0; l8 < 8; ++l8)
        out[p].d[8 * b + l8] = d;
    }
  }
}

/// Unpacks the `count` (1 or 2) blocks at blk; a missing second block reads as zeros with
/// scale 0, and nothing of it is read.
LLMC_INLINE llmc_wunit_t llmc_unpack_wunit(const int fmt, const uint8_t *blk, const int count) {
  const int64_t bb = llmc_block_bytes(fmt);
  llmc_wunit_t r;
  _Float16 h[2] = {0, 0};
#pragma clang loop unroll(full)
  for (int b = 0; b < 2; ++b) {
    if (b >= count) {
      r.v[2 * b] = r.v[2 * b + 1] = vdupq_n_s8(0);
      continue;
    }
    const uint8_t *block = blk + b * bb;
    int8x16_t lo, hi;
    if (fmt == LLMC_Q4_0) {
      const uint8x16_t bytes = vld1q_u8(block + 2);
      const uint8x16_t sign = vdupq_n_u8(0x80);
      lo = vreinterpretq_s8_u8(veorq_u8(vshlq_n_u8(bytes, 4), sign));
      hi = vreinterpretq_s8_u8(veorq_u8(vandq_u8(bytes, vdupq_n_u8(0xF0)), sign));
    } else {
      lo = vld1q_s8((const int8_t *)block + 2);
      hi = vld1q_s8((const int8_t *)block + 18);
    }
    llmc_dot_order(lo, hi, r.v + 2 * b);
    __builtin_memcpy(&h[b], block, sizeof(h[b]));
  }
  const f16x8 s0 = h[0], s1 = h[1];
  const f16x16 s =
      __builtin_shufflevector(s0, s1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  r.d = __builtin_convertvector(s, f32x16);
  return r;
}

/// acc + the two blocks' products with the pair of x: lanes 0-7 hold the generic code's partial
/// integer sums of the first block, 8-15 of the second, converted exactly to f32 and scaled by
/// d_w * d_x.
LLMC_INLINE f32x16 llmc_qunit_accumulate(const llmc_wunit_t *w, const llmc_qx_t *x, f32x16 acc) {
  i32x16 sums;
  int32_t *lanes = (int32_t *)&sums;
#pragma clang loop unroll(full)
  for (int q = 0; q < 4; ++q)
    vst1q_s32(lanes + 4 * q, vdotq_s32(vdupq_n_s32(0), w->v[q], vld1q_s8(x->q + 16 * q)));
  f32x16 dx;
  __builtin_memcpy(&dx, x->d, sizeof(dx));
  return (w->d * dx) * __builtin_convertvector(sums, f32x16) + acc;
}

#endif // LLMC_LINEAR_NEON_DOTPROD_H_
