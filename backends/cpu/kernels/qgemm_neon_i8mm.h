/*===- qgemm_neon_i8mm.h - The 4 x 32 SUDOT microkernel of qgemm.c (AArch64) ---===
 *
 * Included by qgemm.c when the build compiles it a second time for AArch64 with the i8mm
 * extension and -DLLMC_KERNEL_VARIANT_I8MM. It defines what qgemm.c's generic section defines:
 * the tile height and llmc_qgemm_micro.
 *
 * The packed layout is the one VPDPBUSD reads on x86, and it is also the operand layout of
 * AArch64's SUDOT (by element, i8mm): per group of four k, 16 bytes of the B panel hold four
 * signed bytes for each of four columns (one 32-bit lane each), and the A panel's 16 bytes hold
 * four unsigned bytes for each of the tile's four rows. SUDOT multiplies the B vector by one
 * row's four A bytes (the lane index picks the row) and adds each column's four products to its
 * lane. The panel's 32 columns go in two halves of 16: 16 accumulators of four int32, four
 * vectors of B and one of A, 21 of the 32 NEON registers. Like VPDPBUSD, SUDOT does not
 * saturate, so the sums wrap modulo 2^32 as the generic kernel's do.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LLMC_QGEMM_NEON_I8MM_H_
#define LLMC_QGEMM_NEON_I8MM_H_

#include <arm_neon.h>

#include "kernel_support.h"

#define LLMC_QGEMM_MR 4

/// acc[i][j] = sum over `groups` groups of four k of a[g][i][0..3] * b[g][j][0..3] (unsigned by
/// signed bytes) for the first `rows` rows (a constant after inlining) and the panel's 32
/// columns; then C's tile (row stride ldc) = acc (accumulate false) or C += acc, wrapping.
LLMC_INLINE void llmc_qgemm_micro(const int rows, int64_t groups, const uint8_t *restrict a,
                                  const int8_t *restrict b, int32_t *restrict c, int64_t ldc,
                                  bool accumulate) {
#pragma clang loop unroll(full)
  for (int half = 0; half < 2; ++half) {
    int32x4_t acc[LLMC_QGEMM_MR][4];
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_QGEMM_MR; ++i)
#pragma clang loop unroll(full)
      for (int q = 0; q < 4; ++q)
        acc[i][q] = vdupq_n_s32(0);
    const int8_t *bh = b + half * 64;
#pragma clang loop unroll_count(2)
    for (int64_t g = 0; g < groups; ++g) {
      const uint8x16_t av = vld1q_u8(a + g * LLMC_QGEMM_MR * 4);
      int8x16_t bv[4];
#pragma clang loop unroll(full)
      for (int q = 0; q < 4; ++q)
        bv[q] = vld1q_s8(bh + g * LLMC_QGEMM_PANEL * 4 + q * 16);
        // The lane is an immediate, so each row is spelled out.
#pragma clang loop unroll(full)
      for (int q = 0; q < 4; ++q) {
        acc[0][q] = vsudotq_laneq_s32(acc[0][q], bv[q], av, 0);
        if (rows > 1)
          acc[1][q] = vsudotq_laneq_s32(acc[1][q], bv[q], av, 1);
        if (rows > 2)
          acc[2][q] = vsudotq_laneq_s32(acc[2][q], bv[q], av, 2);
        if (rows > 3)
          acc[3][q] = vsudotq_laneq_s32(acc[3][q], bv[q], av, 3);
      }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < LLMC_QGEMM_MR; ++i) {
      if (i >= rows)
        break;
#pragma clang loop unroll(full)
      for (int q = 0; q < 4; ++q) {
        int32_t *out = c + i * ldc + half * 16 + q * 4;
        int32x4_t v = acc[i][q];
        if (accumulate) // wrapping: vaddq_s32 is modular
          v = vaddq_s32(v, vld1q_s32(out));
        vst1q_s32(out, v);
      }
    }
  }
}

#endif // LLMC_QGEMM_NEON_I8MM_H_
